"""Typed, validated parameters of the report notebooks.

Each notebook has a cell tagged ``parameters`` and, right after it, a cell that turns what
that cell (and papermill's injected cell) defined into one of these frozen objects with
:func:`validate`: an unknown name, a wrong type or an out-of-range value stops the run with
a message that names it. The runner validates every scenario the same way before anything
runs.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import ParameterError

__all__ = ["YieldsParams", "CapsParams", "StressReportParams", "ReconcileParams", "SCHEMAS",
           "validate", "QUICK", "EXAMPLES"]

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
ALL_TOKENS = "BNB,SOL,TRX,ADA,SUI,TON,NEAR,APT,POL,ALGO,IOTA,S,APE,EGLD,AXS"


def _check(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ParameterError(f"parameter '{name}': {message}")


@dataclass(frozen=True)
class YieldsParams:
    """A holder's view of one token.

    Attributes
    ----------
    token
        Catalogue token.
    budget_usd
        Position size in USD, converted at the catalogue's (assumed) price (> 0).
    balance
        Position in tokens instead of ``budget_usd`` (None = use the budget).
    days
        Horizon, days (1–3650).
    apr_paths
        Simulated APR paths (0 = constant APR).
    price_paths
        GBM price paths for the fiat view (>= 10).
    seed
        Random seed.
    preset
        Product terms.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    budget_usd: float = 1000.0
    balance: float | None = None
    days: int = 365
    apr_paths: int = 300
    price_paths: int = 1000
    seed: int = 0
    preset: str = "binance_soft_staking"
    catalog: str | None = None

    def __post_init__(self) -> None:
        _check(self.budget_usd > 0, "budget_usd", f"{self.budget_usd} must be > 0")
        _check(self.balance is None or self.balance > 0, "balance", "must be > 0 or None")
        _check(1 <= self.days <= 3650, "days", f"{self.days} is not in 1..3650")
        _check(0 <= self.apr_paths <= 100_000, "apr_paths", f"{self.apr_paths} not in 0..100000")
        _check(10 <= self.price_paths <= 100_000, "price_paths",
               f"{self.price_paths} not in 10..100000")
        _token(self, "token")
        _preset(self)


@dataclass(frozen=True)
class CapsParams:
    """The platform's view of one token's minimum and cap.

    Attributes
    ----------
    token
        Catalogue token (its minimum, cap, APR and price).
    population_usd
        Holder balances in USD (``lognormal:MU,SIGMA``, ``pareto:XM,ALPHA`` or a mixture),
        converted to tokens at the catalogue price.
    holders
        Holders sampled (10–10,000,000).
    min_holding, cap
        Override the token's minimum and cap (tokens), or None.
    network_apr
        On-chain APR of the staked part; None = the chain model's net APR where there is one.
    buffer_ratio
        Liquid share not staked, in [0, 1].
    sweep_points
        Caps in the cost sweep (5–1000).
    seed
        Random seed.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    population_usd: str = "0.95*lognormal:5,1.8+0.05*pareto:20000,1.2"
    holders: int = 200_000
    min_holding: float | None = None
    cap: float | None = None
    network_apr: float | None = None
    buffer_ratio: float = 0.1
    sweep_points: int = 60
    seed: int = 0
    catalog: str | None = None

    def __post_init__(self) -> None:
        _check(10 <= self.holders <= 10_000_000, "holders", f"{self.holders} not in 10..1e7")
        _check(self.min_holding is None or self.min_holding >= 0, "min_holding", "must be >= 0")
        _check(self.cap is None or self.cap > 0, "cap", "must be > 0")
        _check(self.network_apr is None or 0 <= self.network_apr <= 1, "network_apr",
               "must be a fraction in [0, 1]")
        _check(0 <= self.buffer_ratio <= 1, "buffer_ratio", f"{self.buffer_ratio} not in [0, 1]")
        _check(5 <= self.sweep_points <= 1000, "sweep_points", "not in 5..1000")
        _token(self, "token")


@dataclass(frozen=True)
class StressReportParams:
    """Liquidity stress across tokens.

    Attributes
    ----------
    tokens
        Comma-separated catalogue tokens, or ``all``.
    total
        User balances per token, tokens (> 0; metrics are shares and days).
    buffer_ratio
        Liquid share, in [0, 1].
    days
        Horizon, days (1–3650).
    base_rate
        Daily withdrawal share, in [0, 1].
    shock_day, shock_fraction
        The deterministic scenario's run: day (>= 1) and share withdrawn (in [0, 1]).
    paths
        Monte Carlo paths (>= 1).
    alpha
        Target P(any delay) for buffer sizing, in (0, 1).
    price_link
        Extra withdrawal share per unit of new (log) drawdown in the Monte Carlo runs
        (>= 0; 0.1: a 5 % fall to a new low adds about 0.5 % of balances).
    seed
        Random seed.
    """

    tokens: str = "all"
    total: float = 1_000_000.0
    buffer_ratio: float = 0.05
    days: int = 180
    base_rate: float = 0.001
    shock_day: int = 10
    shock_fraction: float = 0.2
    paths: int = 2000
    alpha: float = 0.05
    price_link: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        _check(self.total > 0, "total", f"{self.total} must be > 0")
        _check(self.price_link >= 0, "price_link", f"{self.price_link} must be >= 0")
        _check(0 <= self.buffer_ratio <= 1, "buffer_ratio", f"{self.buffer_ratio} not in [0, 1]")
        _check(1 <= self.days <= 3650, "days", f"{self.days} not in 1..3650")
        _check(0 <= self.base_rate <= 1, "base_rate", f"{self.base_rate} not in [0, 1]")
        _check(self.shock_day >= 1, "shock_day", "must be >= 1")
        _check(0 <= self.shock_fraction <= 1, "shock_fraction", "not in [0, 1]")
        _check(1 <= self.paths <= 1_000_000, "paths", f"{self.paths} not in 1..1e6")
        _check(0 < self.alpha < 1, "alpha", f"{self.alpha} not in (0, 1)")
        from ..catalog import load_catalog

        known = load_catalog().index
        listed = self.token_list
        bad = [t for t in listed if t not in known]
        _check(not bad and bool(listed), "tokens", f"unknown token(s) {bad}")

    @property
    def token_list(self) -> list[str]:
        t = ALL_TOKENS if self.tokens.strip().lower() == "all" else self.tokens
        return [x.strip().upper() for x in t.split(",") if x.strip()]


@dataclass(frozen=True)
class ReconcileParams:
    """A holder's statement checked against the rules.

    Attributes
    ----------
    statement
        Statement CSV; None = the shipped synthetic example.
    rewards_record
        Binance rewardsRecord JSON, or None.
    activated_at
        Activation instant (ISO-8601 with zone), or None.
    preset
        Product terms.
    apr
        APR override (fraction), or None for the catalogue's.
    catalog
        File laid over the shipped catalogue, or None.
    """

    statement: str | None = None
    rewards_record: str | None = None
    activated_at: str | None = "2025-11-19T11:30:00Z"
    preset: str = "binance_soft_staking"
    apr: float | None = None
    catalog: str | None = None

    def __post_init__(self) -> None:
        if self.statement is None:
            object.__setattr__(self, "statement", str(EXAMPLES / "binance_statement.csv"))
        _check(Path(self.statement).is_file(), "statement", f"no file '{self.statement}'")
        _check(self.rewards_record is None or Path(self.rewards_record).is_file(),
               "rewards_record", f"no file '{self.rewards_record}'")
        _check(self.apr is None or 0 <= self.apr <= 1, "apr", "must be a fraction in [0, 1]")
        _preset(self)


def _token(p: object, name: str) -> None:
    from ..catalog import load_catalog

    value = getattr(p, name)
    known = load_catalog(getattr(p, "catalog", None)).index
    _check(value.upper() in known, name, f"'{value}' is not in the catalogue ({', '.join(known)})")
    object.__setattr__(p, name, value.upper())


def _preset(p: object) -> None:
    from ..terms import PRESETS

    _check(p.preset in PRESETS, "preset", f"'{p.preset}' is not one of {', '.join(PRESETS)}")


SCHEMAS: dict[str, type] = {
    "yields": YieldsParams,
    "caps": CapsParams,
    "liquidity_stress": StressReportParams,
    "reconcile": ReconcileParams,
}

#: Small parameters for smoke runs (``softstake report --quick`` and the tests).
QUICK: dict[str, dict[str, object]] = {
    "yields": {"days": 60, "apr_paths": 20, "price_paths": 100},
    "caps": {"holders": 5000, "sweep_points": 12},
    "liquidity_stress": {"tokens": "BNB,SOL,ADA", "days": 60, "paths": 100},
    "reconcile": {},
}


def _type_ok(value: object, annotation: object) -> object:
    """Coerce ``value`` to the field's type or raise TypeError (ints are accepted as floats)."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else \
        (annotation,)
    for t in options:
        if t is type(None) and value is None:
            return None
        if t is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if t is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if t is str and isinstance(value, str):
            return value
        if t is bool and isinstance(value, bool):
            return value
    raise TypeError


def validate(notebook: str, values: dict[str, object]) -> object:
    """Check ``values`` against the notebook's schema and build its parameter object.

    Raises
    ------
    ParameterError
        Naming the unknown parameter, the one of the wrong type (with the type expected), or
        the one out of range.
    """
    schema = SCHEMAS.get(notebook)
    if schema is None:
        raise ParameterError(f"unknown notebook '{notebook}'; choose one of {', '.join(SCHEMAS)}")
    hints = typing.get_type_hints(schema)
    known = {f.name for f in fields(schema)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(f"{notebook}: unknown parameter(s) {unknown}; known: "
                             f"{sorted(known)}")
    clean = {}
    for name, value in values.items():
        try:
            clean[name] = _type_ok(value, hints[name])
        except TypeError:
            h = hints[name]
            want = h.__name__ if isinstance(h, type) else str(h).replace("typing.", "")
            raise ParameterError(f"{notebook}: parameter '{name}' should be {want}, got "
                                 f"{type(value).__name__} {value!r}") from None
    try:
        return schema(**clean)
    except ParameterError as e:
        raise ParameterError(f"{notebook}: {e}") from None
