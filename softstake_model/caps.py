"""Platform caps: what a minimum and a cap cost, who earns, and what is left of the yield.

A holder population is a vector of balances (tokens). Each holder's daily reward is the
rule of :mod:`rules` applied to their balance (truncated as paid). Because the rule is a
non-decreasing function ``r`` of the eligible balance, sorting the balances once turns every
question about a cap ``c`` and a minimum ``m`` into prefix sums:

    cost(c, m) = sum over b_i >= m of r(min(b_i, c))
               = (P[j] - P[i_m]) + (n - j) * r(c),    j = max(i_c, i_m)

with ``P`` the prefix sums of ``r(b_i)`` over sorted balances and ``i_x`` the number of
balances below ``x``. Sweeps over many caps then cost a binary search each, exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .checks import work
from .errors import InputError, ParameterError
from .rules import daily_reward, eligible
from .tables import Column, read_table
from .terms import Terms

if TYPE_CHECKING:
    from .product import TokenRule

__all__ = [
    "sample_population",
    "read_balances",
    "CapModel",
    "cap_metrics",
    "gini",
    "holder_vector",
    "cost_by_percentile",
    "sweep",
    "cap_for_budget",
    "cap_for_spread",
    "platform_margin",
    "holder_rewards",
    "population_balances",
    "caps_summary",
    "CapMetrics",
    "CapsSummary",
]

PERCENTILES = (0.5, 0.9, 0.99)
#: Peak memory of ``softstake caps`` a holder: about 13 arrays of 8 bytes (the sample and
#: its mixture draws, the sorted copy and its prefix sums, rewards, eligible balances and
#: the sweeps' sorts), measured at 105 bytes a holder for 2,000,000 holders
#: (tests/test_caps_memory.py).
HOLDER_BYTES = 13 * 8
_DIST = re.compile(r"^\s*(lognormal|pareto)\s*:\s*([^,]+)\s*,\s*([^,]+?)\s*$")


def sample_population(spec: str, holders: int, seed: int | None = 0) -> NDArray[np.float64]:
    """Sample ``holders`` balances from ``spec`` (seeded).

    ``lognormal:MU,SIGMA`` (log of tokens); ``pareto:XM,ALPHA`` (minimum and tail index);
    a mixture ``0.9*lognormal:2,1.5+0.1*pareto:1000,1.2`` (weights summing to 1).
    """
    if not (isinstance(holders, int | np.integer) and holders >= 1):
        raise ParameterError(f"must be a whole number >= 1, got {holders}", param="holders")
    work(holders * HOLDER_BYTES, "holders", f"{holders:,} holders x {HOLDER_BYTES} bytes")
    parts = []
    for term in spec.split("+"):
        w, star, dist = term.partition("*")
        weight, text = (float(w), dist) if star else (1.0, term)
        m = _DIST.match(text)
        if not m:
            raise ParameterError(f"term '{term.strip()}' is not lognormal:MU,SIGMA or "
                                 "pareto:XM,ALPHA (with an optional WEIGHT* in mixtures)",
                                 param="population")
        try:
            a, b = float(m.group(2)), float(m.group(3))
        except ValueError:
            raise ParameterError(f"term '{term.strip()}' has a non-numeric parameter",
                                 param="population") from None
        if m.group(1) == "pareto" and not (a > 0 and b > 0):
            raise ParameterError(f"term '{term}': pareto needs XM > 0 and ALPHA > 0",
                                 param="population")
        if m.group(1) == "lognormal" and not b >= 0:
            raise ParameterError(f"term '{term}': lognormal needs SIGMA >= 0",
                                 param="population")
        parts.append((weight, m.group(1), a, b))
    weights = np.array([p[0] for p in parts])
    if (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
        raise ParameterError(f"mixture weights {weights.tolist()} must sum to 1",
                             param="population")
    rng = np.random.default_rng(seed)
    which = rng.choice(len(parts), size=holders, p=weights / weights.sum())
    out = np.empty(holders)
    for k, (_, kind, a, b) in enumerate(parts):
        sel = which == k
        n = int(sel.sum())
        out[sel] = rng.lognormal(a, b, n) if kind == "lognormal" else \
            a * (1 - rng.random(n)) ** (-1 / b)
    return out


def read_balances(path: str) -> NDArray[np.float64]:
    """Balances from a CSV with a ``balance`` column (tokens, non-negative, finite).

    Raises
    ------
    InputError
        If the file is unreadable, has no ``balance`` column or no rows, or at the first
        balance that is not a non-negative number (naming its line).
    """
    table = read_table(path, [Column("balance", "number", low=0,
                                     what="a non-negative number")])
    if len(table) == 0:
        raise InputError("no balances", file=table.attrs["file"])
    return np.asarray(table["balance"], dtype=np.float64)


@dataclass
class CapModel:
    """A population sorted once, ready for fast exact cost queries.

    Attributes
    ----------
    balances
        Sorted balances (tokens).
    apr, terms
        The APR (fraction per year) and the product terms (tiers, fee, precision).
    """

    balances: NDArray[np.float64]
    apr: float
    terms: Terms

    def __post_init__(self) -> None:
        b = np.sort(holder_vector(self.balances))
        self.balances = b
        r = self.reward(b)
        self._p = np.concatenate([[0.0], np.cumsum(r)])  # prefix sums of r(b_i)
        self._pi = np.concatenate([[0.0], np.cumsum(r * np.arange(1, len(b) + 1))])
        self._pb = np.concatenate([[0.0], np.cumsum(b)])

    @property
    def n(self) -> int:
        return len(self.balances)

    def reward(self, eligible_balance: NDArray[np.float64] | float) -> NDArray[np.float64]:
        """The rule on an eligible balance (no minimum, no cap): tokens a day, truncated."""
        t = self.terms
        return daily_reward(eligible_balance, self.apr, 0.0, np.inf, tiers=t.tiers, fee=t.fee,
                            precision=t.precision, days_per_year=t.days_per_year)

    def _split(self, cap: NDArray, minimum: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        """Holders below the minimum, below max(cap, minimum), and the cap with no-cap as 0
        (nobody is above an infinite cap, so its reward is never used)."""
        i_m = np.searchsorted(self.balances, minimum, side="left")
        i_c = np.searchsorted(self.balances, cap, side="left")
        return i_m, np.maximum(i_c, i_m), np.where(np.isfinite(cap), cap, 0.0)

    def cost(self, cap: ArrayLikeF, minimum: ArrayLikeF = 0.0) -> NDArray[np.float64]:
        """Daily reward cost (tokens) for each (cap, minimum), exact, vectorised."""
        cap, minimum = np.broadcast_arrays(np.asarray(cap, float), np.asarray(minimum, float))
        i_m, j, c = self._split(cap, minimum)
        return (self._p[j] - self._p[i_m]) + (self.n - j) * self.reward(c)

    def metrics(self, cap: ArrayLikeF, minimum: ArrayLikeF = 0.0) -> pd.DataFrame:
        """Per (cap, minimum): ``earning_share`` (holders at or above the minimum),
        ``eligible_share`` (eligible / total balance), ``daily_cost`` and ``gini`` of the
        holders' daily rewards (zeros included)."""
        cap, minimum = np.broadcast_arrays(np.asarray(cap, float), np.asarray(minimum, float))
        i_m, j, c = self._split(cap, minimum)
        n = self.n
        rc = self.reward(c)
        cost = (self._p[j] - self._p[i_m]) + (n - j) * rc
        elig = (self._pb[j] - self._pb[i_m]) + (n - j) * c
        # rewards sorted ascending follow the balances: zeros, r(b_i) for i in [i_m, j), then
        # r(c) repeated; G = 2 sum(rank * r) / (n sum r) - (n + 1) / n with ranks from 1
        ranked = (self._pi[j] - self._pi[i_m]) + rc * ((n * (n + 1) - j * (j + 1)) / 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(cost > 0, 2 * ranked / (n * cost) - (n + 1) / n, 0.0)
        total = self._pb[-1]
        return pd.DataFrame({
            "cap": cap.ravel(), "min_holding": minimum.ravel(),
            "earning_share": ((n - i_m) / n).ravel(),
            "eligible_share": (elig / total if total > 0 else np.zeros_like(elig)).ravel(),
            "daily_cost": cost.ravel(), "gini": g.ravel(),
        })


ArrayLikeF = float | Sequence[float] | NDArray[np.float64]


def holder_vector(balances: object, param: str = "balances") -> NDArray[np.float64]:
    """``balances`` as one vector of floats: an array, a list, a Series, or a table with a
    ``balance`` column (what :func:`read_balances` reads); any other table or a 2-D array
    is refused (read as a vector it would mix its columns into one population).

    Raises
    ------
    ParameterError
        Named ``param``: a table without a ``balance`` column, a 2-D array, no balances,
        or a balance that is not a finite non-negative number.

    Examples
    --------
    >>> holder_vector(pd.DataFrame({"balance": [1.0, 2.0]})).tolist()
    [1.0, 2.0]
    """
    if isinstance(balances, pd.DataFrame):
        if "balance" not in balances.columns:
            raise ParameterError(f"is a table with the columns {list(balances.columns)} and no "
                                 "'balance' column: give one column of balances",
                                 param=param)
        balances = balances["balance"]
    try:
        b = np.asarray(balances, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("must be numbers (tokens)", param=param) from None
    if b.ndim != 1:
        raise ParameterError(f"must be one vector of balances, got an array of shape "
                             f"{b.shape}", param=param)
    if len(b) == 0 or not np.isfinite(b).all() or (b < 0).any():
        raise ParameterError("must be finite and non-negative (tokens), at least one",
                             param=param)
    return b


def gini(values: NDArray[np.float64]) -> float:
    """Gini coefficient of non-negative values (0 = equal, → 1 = one holder has all)."""
    v = np.sort(np.asarray(values, dtype=float))
    if v.ndim != 1:
        raise ParameterError(f"must be one vector, got an array of shape {v.shape}",
                             param="values")
    n, total = len(v), v.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float(2 * np.sum(np.arange(1, n + 1) * v) / (n * total) - (n + 1) / n)


def cost_by_percentile(rewards: NDArray[np.float64], balances: NDArray[np.float64],
                       percentiles: Sequence[float] = PERCENTILES) -> dict:
    """Share of the reward cost going to holders above each balance percentile
    (``top_1pct`` = the richest 1 %), plus ``bottom_50pct``."""
    order = np.argsort(balances, kind="stable")
    r = np.asarray(rewards, dtype=float)[order]
    total = r.sum()
    n = len(r)
    out = {}
    for p in percentiles:
        k = int(np.floor(n * p))
        out[f"top_{round((1 - p) * 100, 4):g}pct"] = float(r[k:].sum() / total) if total else 0.0
    out["bottom_50pct"] = float(r[: n // 2].sum() / total) if total else 0.0
    return out


def holder_rewards(balances: NDArray[np.float64], apr: float, min_holding: float = 0.0,
                   cap: float = np.inf, terms: Terms | None = None) -> NDArray[np.float64]:
    """Each holder's daily reward (tokens, truncated as paid) under the terms' tiers, fee and
    precision: the rule of :func:`~softstake_model.rules.daily_reward`, holder by holder.

    Examples
    --------
    >>> holder_rewards(np.array([0.4, 100.0, 5000.0]), 0.0365, 0.5, 1000.0).tolist()
    [0.0, 0.01, 0.1]
    """
    terms = terms or Terms()
    return daily_reward(np.asarray(balances, dtype=float), apr, min_holding, cap,
                        tiers=terms.tiers, fee=terms.fee, precision=terms.precision,
                        days_per_year=terms.days_per_year)


class CapMetrics(TypedDict):
    """What :func:`cap_metrics` returns: ``holders``; ``earning_share`` (holders at or above
    the minimum) and ``eligible_share`` (eligible over total balances), shares;
    ``daily_cost`` (tokens a day); ``gini`` of the daily rewards; ``cost_by_percentile``
    (share of the cost by holder group); ``effective_apr_by_percentile`` (``balance`` and
    ``effective_apr`` at balance percentiles)."""

    holders: int
    earning_share: float
    eligible_share: float
    daily_cost: float
    gini: float
    cost_by_percentile: dict[str, float]
    effective_apr_by_percentile: dict[str, dict[str, float]]


class CapsSummary(CapMetrics, total=False):
    """What :func:`caps_summary` returns: :class:`CapMetrics`, ``terms`` (minimum, cap,
    APR), with a budget ``cap_for_budget`` and ``cost_at_cap_for_budget``, ``assumed``;
    :func:`~softstake_model.cap_question.cap_cost` adds ``daily_cost_usd``,
    ``network_apr``, ``spread`` (with ``spread_low``, ``spread_high``, ``spread_sign`` and
    ``no_model``), ``margin``, ``population`` (holders, total, mean, median in tokens,
    ``total_usd``, ``book``), ``cap_difference`` (with ``other_cap``) and ``parameters``."""

    terms: dict[str, float]
    cap_for_budget: float | str | None
    cost_at_cap_for_budget: float
    assumed: list[str]
    daily_cost_usd: float
    network_apr: float | None
    spread: float | None
    spread_low: float | None  # the chain model's interval less the APR paid
    spread_high: float | None
    spread_sign: str | None  # positive, negative or unknown (the interval straddles 0)
    no_model: str  # why the chain has no network APR ("" when it has one)
    margin: dict[str, float]
    population: dict[str, Any]
    cap_difference: dict[str, Any]
    parameters: dict[str, Any]


def cap_metrics(balances: NDArray[np.float64], apr: float, min_holding: float = 0.0,
                cap: float = np.inf, terms: Terms | None = None) -> CapMetrics:
    """Everything about one minimum and cap, holder by holder (exact evaluation).

    Returns ``holders``, ``earning_share``, ``eligible_share``, ``daily_cost`` (sum of the
    holders' truncated daily rewards, tokens), ``gini``, ``cost_by_percentile`` and
    ``effective_apr_by_percentile`` (the APR a holder at that balance percentile gets).
    """
    terms = terms or Terms()
    b = holder_vector(balances)
    r = holder_rewards(b, apr, min_holding, cap, terms)
    el = eligible(b, min_holding, cap)
    qs = np.quantile(b, [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    rq = daily_reward(qs, apr, min_holding, cap, tiers=terms.tiers, fee=terms.fee,
                      precision=terms.precision, days_per_year=terms.days_per_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(qs > 0, rq * terms.days_per_year / qs, 0.0)
    return CapMetrics(**{
        "holders": int(len(b)),
        "earning_share": float(np.mean(b >= min_holding)),
        "eligible_share": float(el.sum() / b.sum()) if b.sum() > 0 else 0.0,
        "daily_cost": float(r.sum()),
        "gini": gini(r),
        "cost_by_percentile": cost_by_percentile(r, b),
        "effective_apr_by_percentile": {f"p{int(q * 100)}": {"balance": float(x),
                                                             "effective_apr": float(e)}
                                        for q, x, e in zip((0.1, 0.25, 0.5, 0.75, 0.9, 0.99),
                                                           qs, eff, strict=True)},
    })


def sweep(model: CapModel, scenarios: list[dict]) -> pd.DataFrame:
    """Metrics for each scenario of :func:`sweeps.grid` / :func:`sweeps.zip_` over ``cap``
    and ``min_holding``, one row per scenario."""
    unknown = {k for sc in scenarios for k in sc} - {"cap", "min_holding"}
    if unknown:
        raise ParameterError(f"cap sweeps take cap and min_holding, not {sorted(unknown)}")
    caps = np.array([sc.get("cap", np.inf) for sc in scenarios], dtype=float)
    mins = np.array([sc.get("min_holding", 0.0) for sc in scenarios], dtype=float)
    out = model.metrics(caps, mins)
    out.insert(0, "scenario", np.arange(len(scenarios)))
    return out


def _largest_cap(ok: callable, hi_balance: float, step: float) -> float | None:
    """Largest ``k * step`` with ``ok`` true, by bisection on k (ok is monotone: true up to
    a point); ``inf`` if the cap never binds within the balances, None if no cap does."""
    if not step > 0:
        raise ParameterError(f"must be positive, got {step}", param="step")
    k_hi = int(np.ceil(hi_balance / step))
    if ok(np.inf):
        return np.inf
    if not ok(0.0):
        return None
    lo, hi = 0, k_hi  # ok(lo * step) true; ok(hi * step) false (>= every balance = no cap)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid * step) else (lo, mid)
    return lo * step


def cap_for_budget(model: CapModel, budget: float, min_holding: float = 0.0,
                   step: float = 1e-2) -> float | None:
    """Largest cap (a multiple of ``step`` tokens) whose daily cost is within ``budget``.

    ``inf`` when even no cap fits the budget; None when no positive budget is possible
    (budget below zero). The next step up costs more than the budget (tested).
    """
    if not budget >= 0:
        raise ParameterError(f"must be >= 0, got {budget}", param="budget")
    return _largest_cap(lambda c: float(model.cost(c, min_holding)) <= budget,
                        float(model.balances[-1]), step)


def cap_for_spread(model: CapModel, network_apr: float, target: float,
                   buffer_ratio: float = 0.0, min_holding: float = 0.0,
                   step: float = 1e-2) -> float | None:
    """Largest cap keeping the platform's spread at or above ``target`` (APR on user
    balances): ``(network_apr * (1 - buffer) * total - 365 * cost(cap)) / total``."""
    total = float(model.balances.sum())

    def ok(c: float) -> bool:
        return platform_spread(model, network_apr, c, buffer_ratio, min_holding, total) >= target

    return _largest_cap(ok, float(model.balances[-1]), step)


def platform_spread(model: CapModel, network_apr: float, cap: float,
                    buffer_ratio: float = 0.0, min_holding: float = 0.0,
                    total: float | None = None) -> float:
    """Margin as an APR on user balances: on-chain yield of the staked part less rewards."""
    total = float(model.balances.sum()) if total is None else total
    yearly_cost = float(model.cost(cap, min_holding)) * model.terms.days_per_year
    return (network_apr * (1 - buffer_ratio) * total - yearly_cost) / total


def platform_margin(model: CapModel, network_apr: float, buffer_ratios: Sequence[float],
                    caps: Sequence[float], min_holding: float = 0.0) -> pd.DataFrame:
    """Daily on-chain yield of the staked part, rewards paid, and the margin (tokens a day),
    for every buffer ratio and cap: the link between the cap and the liquidity buffer."""
    if any(not 0 <= r <= 1 for r in buffer_ratios):
        raise ParameterError("buffer ratios must be in [0, 1]")
    total = float(model.balances.sum())
    dpy = model.terms.days_per_year
    caps_a = np.asarray(caps, dtype=float)
    cost = model.cost(caps_a, min_holding)
    rows = []
    for r in buffer_ratios:
        onchain = network_apr * (1 - r) * total / dpy
        for c, k in zip(caps_a, cost, strict=True):
            rows.append({"buffer_ratio": r, "cap": c, "onchain_yield": onchain,
                         "rewards_paid": float(k), "margin": onchain - float(k),
                         "margin_apr": (onchain - float(k)) * dpy / total})
    return pd.DataFrame(rows)


def population_balances(
    population: str | None = None,
    holders: int | None = None,
    balances: str | Path | None = None,
    seed: int | None = 0,
) -> NDArray[np.float64]:
    """Holder balances (tokens): sampled from ``population`` (``holders`` of them, see
    :func:`sample_population`) or read from the ``balances`` CSV (:func:`read_balances`)."""
    if (population is None) == (balances is None):
        raise ParameterError("give a population or a balances file, one of them",
                             param="population")
    if population is not None:
        if holders is None:
            raise ParameterError("is needed with a population", param="holders")
        return sample_population(population, holders, seed)
    if holders is not None:
        raise ParameterError("goes with a population, not a balances file", param="holders")
    return read_balances(str(balances))


def caps_summary(
    balances: NDArray[np.float64],
    rule: TokenRule,
    terms: Terms | None = None,
    *,
    budget: float | None = None,
    cap_step: float = 0.01,
) -> CapsSummary:
    """What the rule's minimum and cap cost for ``balances``: :func:`cap_metrics`, the terms
    used and, with a daily ``budget`` (tokens a day), the largest cap that fits it
    (``cap_for_budget``: ``"none"`` when no cap is needed, None when none fits) and its
    cost. ``assumed`` lists the assumed values behind the figures."""
    balances = holder_vector(balances)
    out = CapsSummary(**cap_metrics(balances, rule.apr, rule.min_holding, rule.cap, terms))
    t = terms or Terms()
    out["terms"] = {"min_holding": rule.min_holding, "cap": rule.cap, "apr": rule.apr,
                    "preset": t.name, "rule_basis": t.rule_basis}
    if budget is not None:
        model = CapModel(balances, rule.apr, terms or Terms())
        cap = cap_for_budget(model, budget, rule.min_holding, cap_step)
        out["cap_for_budget"] = None if cap is None else (cap if np.isfinite(cap) else "none")
        if cap is not None and np.isfinite(cap):
            out["cost_at_cap_for_budget"] = float(model.cost(cap, rule.min_holding))
    if rule.assumed:
        out["assumed"] = list(rule.assumed)
    return out
