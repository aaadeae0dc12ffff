"""Typed, validated parameters of the report notebooks (pydantic v2 models).

Each notebook has a cell tagged ``parameters`` and, right after it, a cell that turns what
that cell (and papermill's injected cell) defined into one of these frozen objects with
:func:`validate`: an unknown name, a wrong type or an out-of-range value stops the run with
one message per problem, naming the notebook and the parameter
(``caps: parameter 'holders' must be in 10..10,000,000, got 5``). The runner validates every
scenario the same way before anything runs.

The models are strict: a value of the wrong type is refused rather than converted, except
that an int is accepted where a float is expected, and a date or date-time (as YAML gives
for ``-p activated_at 2025-11-19T11:30:00Z``) is accepted as ISO text for a time given as
text.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InputError, ParameterError
from ..terms import PRESETS

__all__ = ["YieldsParams", "CapsParams", "StressReportParams", "ReconcileParams", "SCHEMAS",
           "validate", "problems", "QUICK", "EXAMPLES", "ALL_TOKENS", "Preset"]

#: The shipped example data (found through importlib.resources, so an installed wheel has it).
EXAMPLES = resources.files("softstake_model") / "data" / "examples"
#: The catalogue tokens of the default report, in its order.
ALL_TOKENS = "BNB,SOL,TRX,ADA,SUI,TON,NEAR,APT,POL,ALGO,IOTA,S,APE,EGLD,AXS"

#: Names of the product-terms presets (``softstake_model.terms.PRESETS``).
Preset = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
_DEFAULT_PRESET = "binance_soft_staking"


class _Params(BaseModel):
    """Common configuration: frozen, strict, unknown names refused."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


def _catalog_tokens(catalog: str | None) -> list[str]:
    from ..catalog import load_catalog

    try:
        return list(load_catalog(catalog).index)
    except InputError as e:  # pydantic would take it for a value error of another field
        raise ValueError(f"parameter 'catalog' is not a usable catalogue: {e}") from None


def _check_file(value: str | None) -> str | None:
    if value is not None and not Path(value).is_file():
        raise ValueError(f"is not a file: '{value}'")
    return value


class YieldsParams(_Params):
    """A holder's view of one token.

    Attributes
    ----------
    token
        Catalogue token (upper-cased).
    budget_usd
        Position size in USD, converted at the catalogue's (assumed) price (> 0).
    balance
        Position in tokens instead of ``budget_usd`` (None = use the budget).
    price
        Token price now, USD (None = the catalogue's assumed price).
    days
        Horizon, days (1–3650).
    apr_paths
        Simulated APR paths (0 = constant APR; at most 100,000).
    price_paths
        GBM price paths for the fiat view (10–100,000).
    seed
        Random seed.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    budget_usd: float = Field(1000.0, gt=0)
    balance: float | None = Field(None, gt=0)
    price: float | None = Field(None, gt=0)
    days: int = Field(365, ge=1, le=3650)
    apr_paths: int = Field(300, ge=0, le=100_000)
    price_paths: int = Field(1000, ge=10, le=100_000)
    seed: int = 0
    preset: Preset = _DEFAULT_PRESET
    catalog: str | None = None

    _upper = field_validator("token")(lambda v: v.strip().upper())
    _catalog_file = field_validator("catalog")(_check_file)

    @model_validator(mode="after")
    def _known_token(self) -> YieldsParams:
        _token_in_catalog(self.token, self.catalog)
        return self


class CapsParams(_Params):
    """The platform's view of one token's minimum and cap.

    Attributes
    ----------
    token
        Catalogue token (its minimum, cap, APR and price; upper-cased).
    population_usd
        Holder balances in USD (``lognormal:MU,SIGMA``, ``pareto:XM,ALPHA`` or a mixture),
        converted to tokens at the catalogue price.
    holders
        Holders sampled (10–10,000,000).
    min_holding, cap
        Override the token's minimum (>= 0) and cap (> 0), tokens, or None.
    network_apr
        On-chain APR of the staked part, in [0, 1]; None = the chain model's net APR where
        there is one.
    buffer_ratio
        Liquid share not staked, in [0, 1].
    sweep_points
        Caps in the cost sweep (5–1000).
    seed
        Random seed.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    population_usd: str = "0.95*lognormal:5,1.8+0.05*pareto:20000,1.2"
    holders: int = Field(200_000, ge=10, le=10_000_000)
    min_holding: float | None = Field(None, ge=0)
    cap: float | None = Field(None, gt=0)
    network_apr: float | None = Field(None, ge=0, le=1)
    buffer_ratio: float = Field(0.1, ge=0, le=1)
    sweep_points: int = Field(60, ge=5, le=1000)
    seed: int = 0
    preset: Preset = _DEFAULT_PRESET
    catalog: str | None = None

    _upper = field_validator("token")(lambda v: v.strip().upper())
    _catalog_file = field_validator("catalog")(_check_file)

    @model_validator(mode="after")
    def _known_token(self) -> CapsParams:
        _token_in_catalog(self.token, self.catalog)
        return self


class StressReportParams(_Params):
    """Liquidity stress across tokens.

    Attributes
    ----------
    tokens
        Comma-separated catalogue tokens, or ``all`` (see :attr:`token_list`).
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
        Monte Carlo paths (1–1,000,000).
    alpha
        Target probability for buffer sizing, in (0, 1): P(any delay) <= alpha, or with
        ``max_delay_days`` P(longest delay > max_delay_days) <= alpha.
    max_delay_days
        Delay target, days (>= 0), or None for any delay.
    unbonding
        Unbonding rule for every token (``fixed:N``, ``boundary:P[@PHASE]``, ``none``), e.g.
        for a new token; None = each token's catalogue rule.
    price_link
        Extra withdrawal share per unit of new (log) drawdown in the Monte Carlo runs
        (>= 0; 0.1: a 5 % fall to a new low adds about 0.5 % of balances).
    seed
        Random seed.
    catalog
        File laid over the shipped catalogue, or None.
    """

    tokens: str = "all"
    total: float = Field(1_000_000.0, gt=0)
    buffer_ratio: float = Field(0.05, ge=0, le=1)
    days: int = Field(180, ge=1, le=3650)
    base_rate: float = Field(0.001, ge=0, le=1)
    shock_day: int = Field(10, ge=1)
    shock_fraction: float = Field(0.2, ge=0, le=1)
    paths: int = Field(2000, ge=1, le=1_000_000)
    alpha: float = Field(0.05, gt=0, lt=1)
    max_delay_days: int | None = Field(None, ge=0)
    unbonding: str | None = None
    price_link: float = Field(0.1, ge=0)
    seed: int = 0
    catalog: str | None = None

    _catalog_file = field_validator("catalog")(_check_file)

    @field_validator("unbonding")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from ..liquidity import Unbonding

        try:
            return str(Unbonding.parse(value.strip()))
        except ParameterError:
            raise ValueError(f"must be fixed:N, boundary:P[@PHASE] or none, got {value!r}"
                             ) from None

    @property
    def token_list(self) -> list[str]:
        """The tokens, upper-cased (``all``: every token of the default report)."""
        from ..product import parse_tokens

        return parse_tokens(ALL_TOKENS if self.tokens.strip().lower() == "all" else self.tokens)

    @model_validator(mode="after")
    def _known_tokens(self) -> StressReportParams:
        listed = self.token_list
        if not listed:
            raise ValueError("parameter 'tokens' names no token")
        known = _catalog_tokens(self.catalog)
        bad = [t for t in listed if t not in known]
        if bad:
            raise ValueError(f"parameter 'tokens' names unknown token(s) {bad}")
        return self


class ReconcileParams(_Params):
    """A holder's statement checked against the rules.

    Attributes
    ----------
    statement
        Statement CSV; None = the shipped synthetic example (its path after validation).
    rewards_record
        Binance rewardsRecord JSON, or None.
    activated_at
        Activation instant (ISO-8601 with zone), or None to take it from the first reward
        credit; a date or date-time object (as YAML gives) is taken as its ISO text.
    start, end
        First and last accrual day to check (``YYYY-MM-DD``), or None for the statement's
        range; dates given as date objects are taken as their ISO text.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    apr
        The APR compared with: None = the APR implied by each payout against its
        neighbours' median; ``"catalog"`` = the catalogue's; a fraction in [0, 1].
    apr_history
        CSV ``date,token,apr`` of the rates paid (every day), compared with instead.
    tolerance
        Relative departure still ``ok`` (None = 0.1 with the implied APR, else 0).
    catalog
        File laid over the shipped catalogue, or None.
    """

    statement: str | None = Field(None, validate_default=True)
    rewards_record: str | None = None
    activated_at: str | None = "2025-11-19T11:30:00Z"
    start: str | None = None
    end: str | None = None
    preset: Preset = _DEFAULT_PRESET
    apr: Literal["catalog"] | float | None = None
    apr_history: str | None = None
    tolerance: float | None = Field(None, ge=0)
    catalog: str | None = None

    _files = field_validator("rewards_record", "catalog", "apr_history")(_check_file)

    @field_validator("statement")
    @classmethod
    def _statement(cls, value: str | None) -> str:
        if value is None:
            return str(EXAMPLES / "binance_statement.csv")
        return _check_file(value)

    @field_validator("activated_at", "start", "end", mode="before")
    @classmethod
    def _iso_time(cls, value: Any) -> Any:
        if isinstance(value, dt.date):  # datetime is a date too
            return value.isoformat()
        return value

    @field_validator("apr")
    @classmethod
    def _apr_range(cls, value: Any) -> Any:
        if isinstance(value, float | int) and not 0 <= value <= 1:
            raise ValueError(f"must be 'catalog' or a fraction in [0, 1], got {value}")
        return value

    @model_validator(mode="after")
    def _one_apr(self) -> ReconcileParams:
        if self.apr is not None and self.apr_history is not None:
            raise ValueError("give 'apr' or 'apr_history', not both")
        return self


def _token_in_catalog(token: str, catalog: str | None) -> None:
    known = _catalog_tokens(catalog)
    if token not in known:
        raise ValueError(f"parameter 'token' must be a catalogue token ({', '.join(known)}), "
                         f"got '{token}'")


SCHEMAS: dict[str, type[_Params]] = {
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

_BOUNDS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _number(x: float, integer: bool) -> str:
    return f"{int(x):,}" if integer else f"{x:g}"


def _range(field: Any) -> str:
    """``in 10..10,000,000``, ``in [0, 1]``, ``in (0, 1)``, ``>= 1`` or ``> 0``."""
    b = {k: getattr(m, k) for m in field.metadata for k in ("ge", "gt", "le", "lt")
         if getattr(m, k, None) is not None}
    integer = field.annotation is int
    lo = ("ge", b["ge"]) if "ge" in b else ("gt", b["gt"]) if "gt" in b else None
    hi = ("le", b["le"]) if "le" in b else ("lt", b["lt"]) if "lt" in b else None
    if lo and hi:
        if integer and lo[0] == "ge" and hi[0] == "le":
            return f"in {_number(lo[1], True)}..{_number(hi[1], True)}"
        return (f"in {'[' if lo[0] == 'ge' else '('}{_number(lo[1], integer)}, "
                f"{_number(hi[1], integer)}{']' if hi[0] == 'le' else ')'}")
    kind, value = lo or hi
    op = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}[kind]
    return f"{op} {_number(value, integer)}"


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def problems(notebook: str, values: dict[str, object]) -> tuple[object | None, list[str]]:
    """Validate ``values`` for ``notebook``: the parameter object, or None and the problems.

    Each problem is one phrase naming its parameter (``parameter 'days' must be in 1..3,650,
    got 0``); unknown names are one problem together.

    Parameters
    ----------
    notebook
        One of :data:`SCHEMAS`.
    values
        Parameter values by name; those not given take the model's defaults.

    Returns
    -------
    tuple
        ``(params, [])`` when valid, else ``(None, problems)``.

    Raises
    ------
    ParameterError
        If ``notebook`` is not a report notebook.
    """
    schema = SCHEMAS.get(notebook)
    if schema is None:
        raise ParameterError(f"must be one of {', '.join(SCHEMAS)}, got '{notebook}'",
                             param="notebook")
    try:
        return schema(**values), []
    except ValidationError as e:
        errors = e.errors(include_url=False)
    fields = schema.model_fields
    out: list[str] = []
    unknown = sorted(str(err["loc"][0]) for err in errors if err["type"] == "extra_forbidden")
    if unknown:
        out.append(f"unknown parameter(s) {unknown}; known: {sorted(fields)}")
    for err in errors:
        kind, loc, got = err["type"], err["loc"], err.get("input")
        if kind == "extra_forbidden":
            continue
        if not loc:  # a check across parameters: its message names them
            out.append(str(err["ctx"]["error"]) if "ctx" in err else err["msg"])
            continue
        name = str(loc[0])
        if kind == "value_error":
            phrase = str(err["ctx"]["error"])
        elif kind in _BOUNDS:
            phrase = f"must be {_range(fields[name])}, got {got!r}"
        elif kind == "literal_error":
            phrase = f"must be one of {err['ctx']['expected']}, got {got!r}"
        elif kind.endswith("_type") or kind.endswith("_parsing") or "from" in kind:
            phrase = (f"should be {_type_name(fields[name].annotation)}, got "
                      f"{type(got).__name__} {got!r}")
        else:
            phrase = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"
        out.append(f"parameter '{name}' {phrase}")
    return None, out


def validate(notebook: str, values: dict[str, object]) -> object:
    """Check ``values`` against the notebook's schema and build its parameter object.

    Parameters
    ----------
    notebook
        One of :data:`SCHEMAS` (``yields``, ``caps``, ``liquidity_stress``, ``reconcile``).
    values
        Parameter values by name; those not given take the model's defaults.

    Returns
    -------
    object
        The frozen parameter object (an instance of ``SCHEMAS[notebook]``).

    Raises
    ------
    ParameterError
        One line per problem, each naming the notebook and the parameter: unknown names,
        a value of the wrong type (with the type expected), or one out of range.

    Examples
    --------
    >>> validate("yields", {"token": "sol", "budget_usd": 5}).token
    'SOL'
    >>> try:
    ...     validate("caps", {"holders": 5})
    ... except ParameterError as e:
    ...     print(e)
    caps: parameter 'holders' must be in 10..10,000,000, got 5
    """
    params, found = problems(notebook, values)
    if found:
        raise ParameterError("\n".join(f"{notebook}: {p}" for p in found))
    return params
