"""Projections: what a balance earns over a horizon through the reward engine's day loop.

Projections run through :func:`rewards.accrue`: the same balance measure, rule, truncation,
payout timing and compounding as ``softstake rewards``, so a constant balance projects to
exactly the history the command computes for the same ledger. Many APR paths are many keys
of one run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .balances import DayGrid, _day_start
from .checks import horizon
from .errors import InputError, ParameterError
from .product import TokenRule, token_rule
from .rewards import accrue
from .rules import daily_reward
from .terms import Terms

__all__ = ["Projection", "project", "project_positions", "effective_apr_curve",
           "curve_balances", "quantiles", "QUANTILES"]

#: The quantiles every summary over paths reports (5 %, median, 95 %).
QUANTILES = (0.05, 0.5, 0.95)


def quantiles(v: NDArray[np.float64]) -> dict[str, float]:
    """``mean``, ``p5``, ``p50``, ``p95`` of the values ``v``."""
    q = np.quantile(v, QUANTILES)
    return {"mean": float(np.mean(v)), **{f"p{int(p * 100)}": float(x)
                                          for p, x in zip(QUANTILES, q, strict=True)}}


@dataclass
class Projection:
    """Result of :func:`project`.

    Attributes
    ----------
    daily
        Day-major arrays ``(days, paths)``: ``avg_balance``, ``eligible_balance``, ``apr``,
        ``reward`` (tokens; rewards truncated as paid).
    dates
        The accrual days.
    balance_end
        Balance of the plan at the end of the horizon, before rewards (tokens).
    start_balance
        Balance held from before the first day (tokens).
    days_per_year
        For annualising.
    """

    avg_balance: NDArray[np.float64]
    eligible_balance: NDArray[np.float64]
    apr: NDArray[np.float64]
    reward: NDArray[np.float64]
    dates: pd.DatetimeIndex
    balance_end: float
    start_balance: float
    days_per_year: float = 365.0

    @property
    def total_rewards(self) -> NDArray[np.float64]:
        """Rewards of the horizon's days, per path (tokens)."""
        return self.reward.sum(axis=0)

    @property
    def final_balance(self) -> NDArray[np.float64]:
        """Plan balance plus every reward of the horizon, the last one included (tokens)."""
        return self.balance_end + self.total_rewards

    @property
    def effective_apr(self) -> NDArray[np.float64]:
        """Rewards over the average balance, annualised."""
        avg = self.avg_balance.mean(axis=0)
        days = self.reward.shape[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(avg > 0, self.total_rewards / avg * self.days_per_year / days, 0.0)

    def frame(self) -> pd.DataFrame:
        """Tidy daily frame ``path, date, avg_balance, eligible_balance, apr, reward``."""
        days, paths = self.reward.shape
        return pd.DataFrame({
            "path": np.tile(np.arange(paths), days),
            "date": np.repeat(self.dates.tz_localize(None), paths),
            "avg_balance": self.avg_balance.ravel(),
            "eligible_balance": self.eligible_balance.ravel(),
            "apr": self.apr.ravel(),
            "reward": self.reward.ravel(),
        })

    def summary(self) -> dict:
        """``total_rewards``, ``final_balance``, ``effective_apr`` (one path: numbers; several:
        ``mean`` and the 5/50/95 % quantiles)."""
        out = {}
        for name in ("total_rewards", "final_balance", "effective_apr"):
            v = getattr(self, name)
            out[name] = float(v[0]) if len(v) == 1 else quantiles(v)
        out["days"] = int(self.reward.shape[0])
        out["start"] = str(self.dates[0].date())
        out["paths"] = int(self.reward.shape[1])
        return out


def project(
    balance: float,
    *,
    token: str | None = None,
    apr: float | NDArray[np.float64] | None = None,
    min_holding: float | None = None,
    cap: float | None = None,
    catalog: str | pd.DataFrame | None = None,
    terms: Terms | None = None,
    days: int = 365,
    start: object = None,
    plan: pd.DataFrame | None = None,
) -> Projection:
    """Project a balance over ``days`` days from ``start`` with daily compounding.

    Parameters
    ----------
    balance
        Tokens held from before ``start`` (credited at 00:00 the day before).
    token
        Catalogue token whose minimum, cap and APR apply unless given
        (:func:`~softstake_model.product.token_rule`); None: give ``apr``.
    apr
        A constant APR, or APR paths ``(days, paths)`` (e.g. :func:`apr.simulate_ou`);
        default the token's.
    min_holding, cap
        Minimum and cap (tokens); default the token's, or 0 and no cap without a token.
    catalog
        Catalogue frame or file laid over the shipped one, for ``token``.
    terms
        Product terms (tiers, fee, snapshot, payout time …); default Binance's.
    start
        First accrual day (UTC date); default today (UTC).
    plan
        Deposits and withdrawals: ``time`` (UTC instants) and ``change`` (tokens).

    Returns
    -------
    Projection

    Examples
    --------
    100 tokens at 3.65 % earn 0.01 on day 1; paid at 04:00, it counts for 20 of day 2's 24
    hours: 100.00833… earns 0.01000083; day 3 holds 100.01 plus 20/24 of that, 0.01000183.

    >>> project(100.0, apr=0.0365, days=3, start="2025-11-20").total_rewards.tolist()
    [0.03000266]
    """
    terms = terms or Terms()
    if start is None:
        start = pd.Timestamp.now("UTC").floor("D")
    scalar = apr is None or np.ndim(apr) == 0
    # an APR given with tiered terms is the engine's to ignore (the tiers set the rate): the
    # terms take part in the rule only when no APR is given
    given = apr if scalar else (None if token else 0.0)
    rule = token_rule(token, catalog=catalog, apr=given, min_holding=min_holding, cap=cap,
                      terms=terms if given is None else None)
    min_holding, cap = rule.min_holding, rule.cap
    if scalar:
        apr = rule.apr
    if not (np.isfinite(balance) and balance >= 0):
        raise ParameterError(f"must be a finite amount >= 0, got {balance}", param="balance")
    days = horizon(days)
    s = _day_start(start, "start")
    apr_arr = _apr_array(apr, days)
    paths = apr_arr.shape[1]
    ledger, t, c = _plan_ledger(float(balance), s, plan, paths)
    grid = DayGrid(ledger, s, days)
    ones = np.ones(grid.n_keys)
    values = accrue(grid, terms, ones * min_holding, ones * cap, lambda d: apr_arr[d],
                    np.zeros(grid.n_keys, dtype=np.int64),
                    np.full(grid.n_keys, days, dtype=np.int64))
    end = s + pd.Timedelta(days=days)
    balance_end = float(c[t < end].sum())
    avg, elig, apr_used, reward = values
    return Projection(avg, elig, apr_used, reward, grid.dates(), balance_end, float(balance),
                      terms.days_per_year)


def project_positions(
    balances: NDArray[np.float64] | list[float],
    apr: NDArray[np.float64] | list[float],
    min_holding: NDArray[np.float64] | list[float],
    cap: NDArray[np.float64] | list[float],
    *,
    terms: Terms | None = None,
    days: int = 365,
    start: object = None,
) -> list[Projection]:
    """Several positions projected side by side in one pass of the engine: position ``i``
    holds ``balances[i]`` tokens at a constant ``apr[i]`` between ``min_holding[i]`` and
    ``cap[i]``, under the same terms.

    Each projection is the one :func:`project` gives for that position alone
    (``project(balances[i], apr=apr[i], min_holding=min_holding[i], cap=cap[i], ...)``,
    no plan): the engine's day loop treats every account apart, so its numbers are the
    same to the bit, at the cost of one day loop for all.

    Parameters
    ----------
    balances
        Tokens held from before ``start``, one per position (finite, >= 0).
    apr
        Fraction per year, each in [0, 1].
    min_holding, cap
        Tokens, per position (``inf``: no cap).
    terms, days, start
        As for :func:`project` (the terms' tiers do not apply: the APR is given).

    Returns
    -------
    list of Projection
        One per position, in order.
    """
    terms = terms or Terms()
    if start is None:
        start = pd.Timestamp.now("UTC").floor("D")
    bal, rate = np.asarray(balances, dtype=float), np.asarray(apr, dtype=float)
    lo, hi = np.asarray(min_holding, dtype=float), np.asarray(cap, dtype=float)
    if not (np.isfinite(bal).all() and (bal >= 0).all()):
        raise ParameterError("must be finite amounts >= 0", param="balances")
    if not ((rate >= 0) & (rate <= 1)).all():
        raise ParameterError("must be fractions in [0, 1]", param="apr")
    days = horizon(days)
    s = _day_start(start, "start")
    n = bal.size
    ledger = pd.DataFrame({
        "time": pd.DatetimeIndex([s - pd.Timedelta(days=1)] * n).as_unit("ns"),
        "account": pd.Categorical.from_codes(np.arange(n),
                                             categories=[f"{i:06d}" for i in range(n)]),
        "token": "T", "change": bal})
    grid = DayGrid(ledger, s, days)
    avg, elig, apr_used, reward = accrue(grid, terms, lo, hi, lambda d: rate,
                                         np.zeros(n, dtype=np.int64),
                                         np.full(n, days, dtype=np.int64))
    dates = grid.dates()
    return [Projection(avg[:, [i]], elig[:, [i]], apr_used[:, [i]], reward[:, [i]], dates,
                       float(bal[i]), float(bal[i]), terms.days_per_year) for i in range(n)]


def _apr_array(apr: float | NDArray[np.float64], days: int) -> NDArray[np.float64]:
    """A constant APR (a fraction in [0, 1]) or APR paths as paths ``(days, paths)``."""
    apr_arr = np.asarray(apr, dtype=float)
    if apr_arr.ndim == 0:
        if not 0 <= apr_arr <= 1:
            raise ParameterError(f"must be a fraction in [0, 1], got {float(apr_arr)}",
                                 param="apr")
        apr_arr = np.full((days, 1), float(apr_arr))
    if apr_arr.ndim != 2 or apr_arr.shape[0] < days:
        raise ParameterError(f"paths must be (days, paths) with at least {days} days",
                             param="apr")
    return apr_arr


def _plan_ledger(balance: float, start: pd.Timestamp, plan: pd.DataFrame | None, paths: int
                 ) -> tuple[pd.DataFrame, pd.DatetimeIndex, NDArray[np.float64]]:
    """The ledger of a projection: ``balance`` credited at 00:00 the day before ``start``
    and the plan's changes, once per path (one account each); with the changes' sorted
    times and amounts."""
    times = pd.DatetimeIndex([start - pd.Timedelta(days=1)]).as_unit("ns")
    changes = np.array([balance])
    if plan is not None:
        missing = [c for c in ("time", "change") if c not in plan]
        if missing:
            raise InputError(f"plan: missing column(s) {missing}", column=missing[0])
        times = times.append(pd.DatetimeIndex(pd.to_datetime(plan["time"], utc=True))
                             .as_unit("ns"))
        changes = np.concatenate([changes, plan["change"].to_numpy(float)])
    order = np.argsort(times.asi8, kind="stable")
    t, c = times[order], changes[order]
    if (np.cumsum(c) < -1e-9).any():
        raise InputError("the plan withdraws more than the balance holds", column="change")
    ledger = pd.DataFrame({
        "time": np.tile(t, paths),
        "account": pd.Categorical.from_codes(np.repeat(np.arange(paths), len(c)),
                                             categories=[f"{i:06d}" for i in range(paths)]),
        "token": "T",
        "change": np.tile(c, paths),
    })
    return ledger, t, c


def effective_apr_curve(
    balances: NDArray[np.float64] | list[float],
    apr: float,
    min_holding: float = 0.0,
    cap: float = np.inf,
    terms: Terms | None = None,
) -> pd.DataFrame:
    """``balance, effective_apr, daily_reward``: the day's reward (the rule, truncated) and
    ``reward * days_per_year / balance`` — zero below the minimum, the APR up to the cap,
    ``apr * cap / balance`` above it (tiers and fee as the terms say)."""
    terms = terms or Terms()
    b = np.asarray(balances, dtype=float)
    if b.ndim != 1 or not np.isfinite(b).all() or (b < 0).any():
        raise ParameterError("must be finite numbers >= 0, e.g. 50,100,1000", param="balances")
    r = daily_reward(b, apr, min_holding, cap, tiers=terms.tiers, fee=terms.fee,
                     precision=terms.precision, days_per_year=terms.days_per_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(b > 0, r * terms.days_per_year / b, 0.0)
    return pd.DataFrame({"balance": b, "effective_apr": eff, "daily_reward": r})




def curve_balances(rule: TokenRule, held: float, points: int = 200) -> NDArray[np.float64]:
    """Balances (tokens, log-spaced) for an effective-APR curve of ``rule`` that shows its
    minimum, its cap and the position ``held``: from a tenth of the minimum to four times
    the cap (no cap: a hundred times the larger of the position and the minimum)."""
    hi = rule.cap * 4 if np.isfinite(rule.cap) else max(held, rule.min_holding, 0.01) * 100
    return np.geomspace(max(rule.min_holding / 10, 1e-6), hi, points)
