"""Liquidity stress (SPEC §5): can the exchange pay a withdrawal rush while assets unbond?

Daily steps ``t = 1..H`` for one token, all amounts in tokens, every step working on all
Monte Carlo paths at once (arrays of shape ``(paths,)``; the loop is over days only, since
each day depends on the last).

State: user balances ``U``, liquid buffer ``L``, bonded stake ``B``, the unbonding pipeline
(amounts with their arrival day) and the FIFO queue of unpaid requests. The queue is held as
two cumulative sums per path — requested ``R`` and paid ``P`` — which is all FIFO needs:
the request of day ``s`` is paid in full on the first day ``P >= R(s)``, so partial payments
need no per-request bookkeeping.

Each day, in this order:

1. unbonded amounts due today arrive in ``L``;
2. the queue is paid from ``L``, oldest first (partial payment allowed);
3. new requests ``W = w_t * U``; ``U -= W``; paid from ``L``; the rest joins the queue;
4. deposits (optional) add to ``U`` and ``L``;
5. rebalance toward ``target = buffer_ratio * U + queued``: if ``L + unbonding < target``
   unbond the difference from ``B`` (optionally capped per day), arriving by the chain's
   rule; an amount that arrives the same day (rule ``none``) goes into ``L`` at once and the
   queue is paid again; if ``L > target`` the excess may be re-staked;
6. rewards (optional): the bonded stake earns the network APR, paid into ``L``; user
   balances grow by the user APR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .checks import MAX_DAYS, array_finite, work
from .errors import InputError, ParameterError
from .spec import check, param
from .tables import Column, read_table, reject_rows, to_numbers

__all__ = [
    "Unbonding",
    "StressParams",
    "RunModel",
    "StressResult",
    "METRICS",
    "DAILY_COLUMNS",
    "withdrawal_rates",
    "RNG_BLOCK",
    "simulate",
    "path_metrics",
    "summarize",
    "size_buffer",
    "coverage_ratio",
    "read_withdrawal_rates",
    "parse_shock",
    "drawdown_increase",
    "stress_sweep",
    "StressSweep",
    "scenario_params",
]

#: Memory a stress run holds per (day, path) cell, bytes: the rates, the daily state and the
#: metrics' work arrays (an estimate, checked before anything is allocated).
_BYTES_PER_CELL = 16 * 8

METRICS = ["requested", "paid", "max_queue", "delayed_amount", "delayed_share",
           "max_delay_days", "mean_delay_days", "days_with_queue", "days_to_clear"]
DAILY_COLUMNS = ["path", "day", "requested", "paid", "queued", "liquid", "bonded",
                 "unbonding", "user_balance"]
#: Amounts below this share of the total are float dust, not a queue or a delay.
EPS_REL = 1e-9
_RULE = re.compile(r"^(?:(none)|fixed:(\d+)|boundary:([1-9]\d*)(?:@(\d+))?)$")


@dataclass(frozen=True)
class Unbonding:
    """When an amount unbonded at the end of day ``t`` becomes liquid.

    Attributes
    ----------
    kind
        ``fixed`` (``days`` later), ``boundary`` (the first day ``d > t`` with
        ``(d - phase) % period == 0``: epoch ends, unlock cycles), or ``none`` (same day).
    days
        Wait of a ``fixed`` rule, days.
    period, phase
        Cycle length and offset of a ``boundary`` rule, days.
    """

    kind: str = "fixed"
    days: int = 14
    period: int = 1
    phase: int = 0

    @classmethod
    def parse(cls, text: str | Unbonding) -> Unbonding:
        """``fixed:N`` | ``boundary:P[@PHASE]`` | ``none``."""
        if isinstance(text, Unbonding):
            return text
        m = _RULE.match(str(text).strip())
        if not m:
            raise ParameterError(f"'{text}' is not fixed:N, boundary:P[@PHASE] or none",
                                 param="unbonding")
        if m.group(1):
            return cls("none", 0)
        if m.group(2) is not None:
            n = int(m.group(2))
            return cls("none", 0) if n == 0 else cls("fixed", n)
        return cls("boundary", 0, int(m.group(3)), int(m.group(4) or 0))

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"fixed:{self.days}"
        if self.kind == "boundary":
            return f"boundary:{self.period}" + (f"@{self.phase}" if self.phase else "")
        return "none"

    def arrival(self, t: int) -> int:
        """Day on which an amount unbonded on day ``t`` arrives."""
        if self.kind == "fixed":
            return t + self.days
        if self.kind == "boundary":
            return t + 1 + (self.phase - (t + 1)) % self.period
        return t

    @property
    def longest(self) -> int:
        """Longest possible wait, days."""
        return {"fixed": self.days, "boundary": self.period, "none": 0}[self.kind]


def parse_shock(text: str) -> tuple[int, float]:
    """``"DAY:FRACTION"`` → ``(day, fraction)``; day >= 1, fraction in [0, 1]."""
    bits = str(text).split(":")
    try:
        if len(bits) != 2:
            raise ValueError
        day, frac = int(bits[0]), float(bits[1])
    except ValueError:
        raise ParameterError(f"'{text}' is not DAY:FRACTION (e.g. 1:0.3)",
                             param="shocks") from None
    if day < 1 or not 0 <= frac <= 1:
        raise ParameterError(f"'{text}' needs a day >= 1 and a fraction in [0, 1]",
                             param="shocks")
    return day, frac


def _shocks(value: object) -> tuple[tuple[int, float], ...]:
    """Shocks as ``((day, fraction), ...)`` from pairs or ``DAY:FRACTION`` texts."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ParameterError(f"must be (day, fraction) pairs, got {value!r}", param="shocks")
    out = []
    for v in items:
        if isinstance(v, str):
            out.append(parse_shock(v))
            continue
        try:
            d, f = v  # type: ignore[misc]
            out.append((int(d), float(f)))
        except (TypeError, ValueError):
            raise ParameterError(f"must be (day, fraction) pairs, got {value!r}",
                                 param="shocks") from None
    for d, f in out:
        if d < 1 or not 0 <= f <= 1:
            raise ParameterError(f"'{d}:{f}' needs a day >= 1 and a fraction in [0, 1]",
                                 param="shocks")
    return tuple(out)


@dataclass(frozen=True)
class StressParams:
    """One stress scenario for one token (every field documented where it is defined)."""

    total: float = param(doc="Users' balances at the start.", unit="tokens", low=0,
                         low_open=True, metavar="AMOUNT")
    buffer_ratio: float = param(doc="Share of user balances kept liquid.", unit="share",
                                kind="ratio", flag="--buffer", metavar="RATIO")
    unbonding: Unbonding = param(
        "fixed:14", doc="When unbonded stake becomes liquid: fixed:N (N days), "
        "boundary:P[@PHASE] (at the next cycle end) or none (same day).", kind="any",
        parse=lambda v: Unbonding.parse(v), metavar="RULE")
    days: int = param(90, doc="Horizon.", unit="days", kind="whole", low=1, high=MAX_DAYS,
                      metavar="H")
    base_rate: float = param(0.0, doc="Share of user balances withdrawn every day.",
                             unit="share per day", kind="ratio", metavar="R")
    shocks: tuple[tuple[int, float], ...] = param(
        (), doc="Scheduled extra withdrawals DAY:FRACTION, added to the day's rate.",
        kind="any", parse=_shocks, flag="--shock", metavar="DAY:FRACTION")
    max_unbond_per_day: float | None = param(
        None, doc="Most that may be unbonded in a day (none: no limit).", unit="tokens",
        low=0, optional=True, metavar="X")
    restake: bool = param(False, doc="Re-stake liquid balance above the target at the end "
                          "of each day.", kind="flag")
    deposit_rate: float = param(0.0, doc="Share of user balances deposited every day, after "
                                "withdrawals.", unit="share per day", kind="ratio",
                                metavar="R")
    network_apr: float = param(0.0, doc="APR the bonded stake earns on chain, paid into "
                               "the buffer.", unit="fraction per year", kind="rate",
                               metavar="RATE")
    user_apr: float = param(0.0, doc="APR credited to user balances.",
                            unit="fraction per year", kind="rate", metavar="RATE")
    days_per_year: float = param(365.0, doc="Days in the APRs' year.", unit="days", low=0,
                                 low_open=True)

    def __post_init__(self) -> None:
        check(self)
        for d, f in self.shocks:
            if d > self.days:
                raise ParameterError(f"'{d}:{f:g}' falls after the horizon of {self.days} days",
                                     param="shocks")


@dataclass(frozen=True)
class RunModel:
    """Stochastic withdrawal runs for Monte Carlo paths (all values ``assumed`` defaults).

    Runs arrive as a Bernoulli process; each withdraws a heavy-tailed (Pareto) share of the
    user balances, spread evenly over ``duration_days``. Optionally, a geometric Brownian
    price path's drawdowns add withdrawals: each day, ``price_sensitivity`` times the amount
    by which the drawdown from the running peak deepens past its deepest level so far.

    Defaults are loose calibrations to the published 2022 figures
    (data/exchange_runs_published_figures.csv): Binance saw about 1.4 % of its assets leave
    in the 24 hours to 2022-12-13 and about 7.7 % in two days; FTX about $6 B in 72 hours
    before it paused. With ``size_min = 0.02`` and ``size_alpha = 1.5`` the median run takes
    3.2 % and one run in eight takes 7.7 % or more; runs last 3 days; one a year on average.
    """

    arrival_rate: float = param(1 / 365, doc="Probability that a run starts on a given day.",
                                unit="per day", kind="ratio", flag="--run-rate",
                                metavar="P", source="assumed: one run a year")
    duration_days: int = param(3, doc="Days over which a run's share is withdrawn.",
                               unit="days", kind="whole", low=1, high=MAX_DAYS,
                               flag="--run-days", metavar="D", source="assumed")
    size_min: float = param(0.02, doc="Smallest run (the Pareto scale).",
                            unit="share of balances", kind="ratio", low=0, low_open=True,
                            flag="--run-min", metavar="S", source="assumed")
    size_alpha: float = param(1.5, doc="Pareto tail index of run sizes (smaller: heavier "
                              "tail).", low=0, low_open=True, flag="--run-alpha",
                              metavar="A", source="assumed")
    size_cap: float = param(0.9, doc="Largest run.", unit="share of balances", kind="ratio",
                            flag="--run-cap", metavar="S", source="assumed")
    volatility: float = param(0.0, doc="Annualised price volatility of the price link.",
                              unit="fraction per year", low=0, metavar="SIGMA")
    price_sensitivity: float = param(
        0.0, doc="Extra withdrawal share per unit of new log drawdown of a price path at "
        "the token's volatility (0: no price link).", unit="share per unit drawdown", low=0,
        flag="--price-link", metavar="K", source="assumed")

    def __post_init__(self) -> None:
        check(self)
        if self.size_cap < self.size_min:
            raise ParameterError(f"must be in [size_min, 1], got {self.size_cap}",
                                 param="size_cap")


#: Paths drawn together from one seeded stream; chunks of any size give the same paths.
RNG_BLOCK = 1024


class _Workspace:
    """Buffers reused from block to block (fresh large arrays cost page faults)."""

    def __init__(self, days: int) -> None:
        self.draws = np.empty((days, RNG_BLOCK))
        self.starts = np.empty((days, RNG_BLOCK), dtype=bool)
        self.daily = np.zeros((days, RNG_BLOCK))


def _add_run_block(w: NDArray[np.float64], params: StressParams, runs: RunModel,
                   seed: int | None, block: int, lo: int, hi: int, ws: _Workspace) -> None:
    """Add the run rates of paths ``lo..hi`` of ``block`` (block-relative) to ``w``.

    ``w`` is ``(days, hi - lo)``. The sums are those of the dense form
    ``spread[t] = daily[t] + daily[t - 1] + ...`` (in that order) added to ``w``, but only
    where a run is under way: elsewhere the dense form adds exact zeros.
    """
    h, n = params.days, RNG_BLOCK
    rng = np.random.default_rng(None if seed is None else [seed, block])
    rng.random(out=ws.draws)
    np.less(ws.draws, runs.arrival_rate, out=ws.starts)
    rng.random(out=ws.draws)  # drawn for every day and path (the stream), used at starts
    day, path = np.nonzero(ws.starts)
    size = np.minimum(runs.size_min * (1 - ws.draws[day, path]) ** (-1 / runs.size_alpha),
                      runs.size_cap)
    daily = ws.daily
    daily[day, path] = 1 - (1 - size) ** (1 / runs.duration_days)
    try:
        if runs.price_sensitivity > 0 and runs.volatility > 0:
            spread = daily.copy()
            for k in range(1, runs.duration_days):
                spread[k:] += daily[:h - k]
            s = runs.volatility / np.sqrt(365.0)
            r = -0.5 * s * s + s * rng.standard_normal((h, n))
            spread += runs.price_sensitivity * drawdown_increase(r)
            w += spread[:, lo:hi]
            return
        # the days each run covers (a day covered by two runs of a path comes twice: it gets
        # the same sum twice, and a fancy-indexed += writes it once)
        t = np.concatenate([day + k for k in range(runs.duration_days)])
        p = np.tile(path, runs.duration_days)
        keep = (t < h) & (p >= lo) & (p < hi)
        t, p = t[keep], p[keep]
        acc = daily[t, p]
        for k in range(1, runs.duration_days):
            acc = acc + np.where(t >= k, daily[np.maximum(t - k, 0), p], 0.0)
        w[t, p - lo] += acc
    finally:
        daily[day, path] = 0.0


def drawdown_increase(log_returns: NDArray[np.float64]) -> NDArray[np.float64]:
    """How much each day deepens the drawdown, in log terms (``(days, paths)``).

    The drawdown is measured from the running peak (the start counts as a peak). A day adds
    the amount by which the price falls below the lowest level since that peak: falls to new
    lows count, the ups and downs of a rebound that stays above the low do not, and a fall
    from a new peak counts again.
    """
    r = np.asarray(log_returns, dtype=float)
    out = np.empty_like(r)
    level = np.zeros(r.shape[1:])
    peak = np.zeros(r.shape[1:])
    low = np.zeros(r.shape[1:])
    for t in range(r.shape[0]):  # each day depends on the last; all paths at once
        level = level + r[t]
        at_peak = level >= peak
        out[t] = np.where(at_peak, 0.0, np.maximum(low - level, 0.0))
        low = np.where(at_peak, level, np.minimum(low, level))
        peak = np.maximum(peak, level)
    return out


def withdrawal_rates(
    params: StressParams,
    paths: int = 1,
    seed: int | None = 0,
    runs: RunModel | None = None,
    first_path: int = 0,
) -> NDArray[np.float64]:
    """Daily withdrawal rates ``w[t, path]`` (day-major, shape ``(days, paths)``).

    ``w_t = base_rate + scheduled shocks + runs (+ price link)``, clipped to [0, 1]. With
    ``runs=None`` every path is the deterministic schedule. Random paths are drawn in blocks
    of :data:`RNG_BLOCK` from ``default_rng([seed, block])``, so path ``i`` is the same
    whether it is drawn alone (``first_path=i``) or among others: results do not depend on
    how paths are chunked.
    """
    if paths < 1:
        raise ParameterError(f"must be >= 1, got {paths}", param="paths")
    work(params.days * paths * _BYTES_PER_CELL, "paths",
         f"{params.days:,} days x {paths:,} paths")
    if first_path < 0:
        raise ParameterError(f"must be >= 0, got {first_path}", param="first_path")
    h = params.days
    w = np.full((h, paths), params.base_rate)
    for day, frac in params.shocks:
        if day <= h:
            w[day - 1] += frac
    if runs is not None:
        b0, b1 = first_path // RNG_BLOCK, (first_path + paths - 1) // RNG_BLOCK
        ws = _Workspace(h)
        for b in range(b0, b1 + 1):  # add each block's paths in place (no stacked copy)
            lo = max(first_path, b * RNG_BLOCK)
            hi = min(first_path + paths, (b + 1) * RNG_BLOCK)
            _add_run_block(w[:, lo - first_path:hi - first_path], params, runs, seed, b,
                           lo - b * RNG_BLOCK, hi - b * RNG_BLOCK, ws)
    return np.clip(w, 0.0, 1.0, out=w)


def read_withdrawal_rates(path: str, days: int | None = None) -> NDArray[np.float64]:
    """Read ``path,day,rate`` (days 1..H for every path, no gaps) → ``(H, paths)``.

    Paths are ordered by their id (numerically when every id is a number). ``H`` is
    ``days``, or the last day in the file. A file sorted by path then day is reshaped
    directly; any other order is pivoted.

    Raises
    ------
    InputError
        On a malformed file, a rate outside [0, 1], a repeated (path, day), a missing day
        or a day beyond ``days``: names the file, the line and the column.
    """
    table = read_table(path, [Column("path"), Column("day", "integer", low=1),
                              Column("rate", "number", low=0, high=1)])
    file = table.attrs["file"]
    ids = to_numbers(table["path"])
    ids = table["path"].to_numpy() if np.isnan(ids).any() else ids
    day = np.asarray(table["day"], dtype=np.int64)
    rate = np.asarray(table["rate"], dtype=np.float64)
    if len(day) == 0:
        raise InputError("no rates", file=file)
    reject_rows(table, day > MAX_DAYS, "day",
                lambda i: f"day {day[i]:,} is beyond the longest horizon, {MAX_DAYS:,} days")
    h = int(day.max()) if days is None else int(days)
    reject_rows(table, day > h, "day",
                lambda i: f"day {day[i]} is beyond the horizon of {h} days")
    n = len(day)
    if n % h == 0:  # fast path: sorted by path then day, complete
        p = ids.reshape(n // h, h)
        first = p[:, 0]
        if (np.array_equal(day, np.tile(np.arange(1, h + 1), n // h))
                and (p == first[:, None]).all() and _strictly_increasing(first)):
            return rate.reshape(n // h, h).T.copy()
    keys = pd.DataFrame({"path": ids, "day": day})
    reject_rows(table, keys.duplicated(), "day",
                lambda i: f"path {table['path'].iloc[i]} day {day[i]} appears twice")
    wide = pd.DataFrame({"path": ids, "day": day, "rate": rate}).pivot(
        index="day", columns="path", values="rate").sort_index(axis=0).sort_index(axis=1)
    wide = wide.reindex(pd.RangeIndex(1, h + 1))
    holes = np.argwhere(wide.isna().to_numpy().T)  # (path, day) pairs, path-major
    if len(holes):
        p, d = holes[0]
        name = table["path"].iloc[int(np.flatnonzero(ids == wide.columns[p])[0])]
        raise InputError(f"path {name} has no rate for day {d + 1} (days 1..{h} are "
                         "needed for every path)", file=file, column="day")
    return wide.to_numpy(dtype=float)


def _strictly_increasing(values: np.ndarray) -> bool:
    if len(values) < 2:
        return True
    try:
        return bool((values[1:] > values[:-1]).all())
    except TypeError:  # mixed types cannot be compared: not sorted
        return False


@dataclass
class StressResult:
    """Metrics of every path and, if recorded, the daily state (arrays ``(days, paths)``).

    The daily arrays are None when the run was made with ``daily=False`` (Monte Carlo
    summaries and buffer searches need only the metrics).
    """

    params: StressParams
    metrics: pd.DataFrame
    requested: NDArray[np.float64] | None = None
    paid: NDArray[np.float64] | None = None
    queued: NDArray[np.float64] | None = None
    liquid: NDArray[np.float64] | None = None
    bonded: NDArray[np.float64] | None = None
    unbonding: NDArray[np.float64] | None = None
    user_balance: NDArray[np.float64] | None = None
    deposits: NDArray[np.float64] | None = None
    rewards: NDArray[np.float64] | None = None
    outflow_30d: NDArray[np.float64] | None = None

    @property
    def paths(self) -> int:
        return len(self.metrics)

    def daily(self) -> pd.DataFrame:
        """Tidy frame :data:`DAILY_COLUMNS`, one row per path and day."""
        if self.requested is None:
            raise ParameterError("this run kept no daily state: simulate(..., daily=True)")
        h, p = self.requested.shape
        cols = {"path": np.tile(np.arange(p), h), "day": np.repeat(np.arange(1, h + 1), p)}
        for name in DAILY_COLUMNS[2:]:
            cols[name] = getattr(self, name).ravel()
        return pd.DataFrame(cols).sort_values(["path", "day"], kind="stable",
                                              ignore_index=True)


def simulate(
    params: StressParams,
    rates: NDArray[np.float64],
    daily: bool = True,
    network_apr: NDArray[np.float64] | None = None,
    user_apr: NDArray[np.float64] | None = None,
) -> StressResult:
    """Run the daily mechanics on every path of ``rates`` (``(days, paths)``) at once.

    The SPEC §5 metrics are accumulated day by day (see :func:`path_metrics` for their
    definitions); with ``daily`` the state of every day is kept as well. ``network_apr`` and
    ``user_apr`` may be APR paths ``(days, paths)`` (e.g. :func:`apr.simulate_ou`) instead of
    the scenario's constants.
    """
    rates = np.asarray(rates, dtype=np.float64)
    if rates.ndim == 1:
        rates = rates[:, None]
    h, n = rates.shape
    work(h * n * _BYTES_PER_CELL, "paths", f"{h:,} days x {n:,} paths")
    array_finite(rates, "rates")
    if ((rates < 0) | (rates > 1)).any():
        raise ParameterError(f"must be daily shares in [0, 1], got values from "
                             f"{rates.min():g} to {rates.max():g}", param="rates")
    if h != params.days:
        raise ParameterError(f"cover {h} days, the scenario {params.days}", param="rates")
    net_paths = _apr_paths(network_apr, params.network_apr, h, n, "network_apr")
    user_paths = _apr_paths(user_apr, params.user_apr, h, n, "user_apr")
    rule, ratio = params.unbonding, params.buffer_ratio
    eps = EPS_REL * params.total
    cap = np.inf if params.max_unbond_per_day is None else params.max_unbond_per_day

    u = np.full(n, params.total, dtype=np.float64)
    liq = np.full(n, ratio * params.total)
    bonded = params.total - liq
    inflight = np.zeros(n)
    # amounts arriving on day d, in row d % slots: a ring over the longest wait
    slots = rule.longest + 1
    arrivals = np.zeros((slots, n))
    req_cum = np.zeros(n)
    paid_cum = np.zeros(n)
    # cumulative requested at the end of day s, path-major, kept for the days a path ends
    # with a queue: the only days its FIFO head can point to (a queue forms on a day ending
    # with one, and the head moves past every day of a queue that empties). Never-written
    # entries are never read, and their memory is never touched.
    req_hist = np.empty((n, h + 1))
    head = np.ones(n, dtype=np.int64)  # oldest request day not yet paid in full (if queued)
    max_delay = np.zeros(n)  # largest (day paid in full - request day); unpaid: days so far
    names = ["requested", "paid", "queued", "liquid", "bonded", "unbonding", "user_balance"]
    if params.deposit_rate:
        names.append("deposits")
    if net_paths is not None:
        names.append("rewards")
    out = {k: np.zeros((h, n)) for k in names} if daily else {}
    dep_cum = np.zeros(n)
    rew_cum = np.zeros(n)
    # running metrics
    delayed, unit_days, max_queue = np.zeros(n), np.zeros(n), np.zeros(n)
    days_q = np.zeros(n, dtype=np.int64)
    first_q = np.zeros(n, dtype=np.int64)
    last_empty = np.zeros(n, dtype=np.int64)
    had_q = np.zeros(n, dtype=bool)  # a queue at the end of the day before
    queued_idx = np.zeros(0, dtype=np.int64)  # ... and the paths that had it
    outflow_30 = np.zeros(n)
    # buffers reused every day (all arithmetic below is in place, in the order of SPEC §5)
    w, queued, tmp = np.empty(n), np.zeros(n), np.empty(n)
    full, has_queue = np.empty(n, dtype=bool), np.zeros(n, dtype=bool)

    def pay_queue() -> None:
        """Pay the queue from ``liq``, oldest first, on every path (in place)."""
        np.subtract(req_cum, paid_cum, out=queued)
        np.greater_equal(liq, queued, out=full)
        pay = np.minimum(liq, queued, out=tmp)  # = queued where paid in full, else liq
        np.subtract(liq, pay, out=liq)
        np.add(paid_cum, pay, out=paid_cum)
        # paying a queue in full sets the paid total to the requested total exactly
        np.copyto(paid_cum, req_cum, where=full)

    def pay_queued() -> None:
        """:func:`pay_queue` on the paths whose requests are not all paid (the others
        would pay exactly nothing)."""
        ix = np.flatnonzero(np.not_equal(req_cum, paid_cum, out=full))
        if ix.size:
            lq, rq, pc = liq[ix], req_cum[ix], paid_cum[ix]
            qd = rq - pc
            done = lq >= qd
            pay = np.where(done, qd, lq)
            liq[ix] = lq - pay
            paid_cum[ix] = np.where(done, rq, pc + pay)

    for t in range(1, h + 1):
        paid_before = paid_cum.copy() if daily else None
        a = arrivals[t % slots]
        liq += a
        inflight -= a
        a[:] = 0.0  # the slot of day t + slots
        pay_queued()
        np.multiply(rates[t - 1], u, out=w)
        u -= w
        req_cum += w
        pay_queue()
        if params.deposit_rate:
            dep = params.deposit_rate * u
            u += dep
            liq += dep
            dep_cum += dep
        np.subtract(req_cum, paid_cum, out=queued)
        unbond = np.multiply(ratio, u, out=tmp)  # target = ratio * u + queued
        unbond += queued
        unbond -= liq
        unbond -= inflight
        np.maximum(unbond, 0.0, out=unbond)  # clipped to [0, bonded]
        np.minimum(unbond, bonded, out=unbond)
        if params.max_unbond_per_day is not None:
            np.minimum(unbond, cap, out=unbond)
        bonded -= unbond
        if rule.kind == "none":
            liq += unbond
            pay_queued()
        else:
            arrivals[rule.arrival(t) % slots] += unbond
            inflight += unbond
        if params.restake:
            excess = np.maximum(liq - (ratio * u + (req_cum - paid_cum)), 0.0)
            liq -= excess
            bonded += excess
        if net_paths is not None:
            r = bonded * net_paths[t - 1] / params.days_per_year
            liq += r
            rew_cum += r
        if user_paths is not None:
            u *= 1 + user_paths[t - 1] / params.days_per_year
        np.subtract(req_cum, paid_cum, out=queued)
        np.greater(queued, eps, out=has_queue)
        # the running metrics change on the paths with a queue only (elsewhere they would
        # add zeros); paths emptied today end their queue
        idx = np.flatnonzero(has_queue)
        emptied = queued_idx[~has_queue[queued_idx]]
        last_empty[emptied] = t
        if t <= 30:
            outflow_30 += w
        if idx.size:
            q = queued[idx]
            # FIFO: today's request is the newest in the queue, so its unpaid part is
            # min(w, q)
            delayed[idx] += np.minimum(w[idx], q)
            unit_days[idx] += q  # each unit waiting at a day's end adds one day to its delay
            max_queue[idx] = np.maximum(max_queue[idx], q)
            days_q[idx] += 1
            fq = first_q[idx]
            first_q[idx] = np.where(fq == 0, t, fq)
            # oldest request still unpaid at the day's end: it will be paid on day t + 1 at
            # the earliest, so the largest delay is at least t + 1 - head. A queue that
            # formed today starts at today's request.
            hd = np.where(had_q[idx], head[idx], t)
            req_hist[idx, t] = req_cum[idx]
            covered = paid_cum[idx] + eps
            ix, at = idx, np.arange(idx.size)
            while at.size:  # advance the heads past the requests paid in full
                adv = req_hist[ix, hd[at]] <= covered[at]
                at, ix = at[adv], ix[adv]
                hd[at] += 1
            head[idx] = hd
            max_delay[idx] = np.maximum(max_delay[idx], t + 1 - hd)
        had_q, has_queue = has_queue, had_q
        queued_idx = idx
        if daily:
            o = out
            o["requested"][t - 1], o["paid"][t - 1] = w, paid_cum - paid_before
            o["queued"][t - 1], o["liquid"][t - 1] = queued, liq
            o["bonded"][t - 1], o["unbonding"][t - 1] = bonded, inflight
            o["user_balance"][t - 1] = u
            if "deposits" in o:
                o["deposits"][t - 1] = dep_cum
            if "rewards" in o:
                o["rewards"][t - 1] = rew_cum
    requested = req_cum
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(requested > 0, delayed / requested, 0.0)
        mean_delay = np.where(requested > 0, unit_days / requested, 0.0)
    metrics = pd.DataFrame({
        "requested": requested,
        "paid": paid_cum,
        "max_queue": max_queue,
        "delayed_amount": np.where(delayed > eps, delayed, 0.0),
        "delayed_share": np.where(delayed > eps, share, 0.0),
        "max_delay_days": max_delay,
        "mean_delay_days": mean_delay,
        "days_with_queue": days_q,
        "days_to_clear": np.where(first_q == 0, 0.0,
                                  np.where(had_q, np.nan, last_empty - first_q)),
        "outflow_30d": outflow_30,
    })
    if daily:
        for k in ("deposits", "rewards"):
            out.setdefault(k, np.zeros((h, n)))
    return StressResult(params=params, metrics=metrics, outflow_30d=outflow_30, **out)


def _apr_paths(paths: NDArray[np.float64] | None, constant: float, days: int, n: int,
               name: str) -> NDArray[np.float64] | None:
    """APR of every day and path ``(days, n)``, or None when it is zero throughout."""
    if paths is None:
        return None if not constant else np.full((days, n), constant)
    a = np.asarray(paths, dtype=float)
    if a.ndim != 2 or a.shape[0] < days or a.shape[1] != n:
        raise ParameterError(f"APR paths must be (days >= {days}, paths = {n}), got "
                             f"{a.shape}", param=name)
    if not (np.isfinite(a) & (a >= 0)).all():
        raise ParameterError("APR paths must be finite and >= 0", param=name)
    return a[:days]


def path_metrics(res: StressResult) -> pd.DataFrame:
    """SPEC §5 metrics per path (``METRICS`` columns, one row per path).

    - ``delayed_amount``: the part of each day's requests not paid that day;
    - ``max_delay_days``: largest (day paid in full - request day);
    - ``mean_delay_days``: each unit of requested amount weighted by its own delay, over all
      requested: the sum over days of the amount still queued at the day's end, divided by
      the amount requested;
    - ``days_with_queue``: days ending with a queue; ``days_to_clear``: from the first day a
      queue forms to the day it is last emptied (0 if none forms, NaN if it never empties).

    Amounts unpaid at the horizon count the days waited so far (lower bounds). Amounts below
    ``EPS_REL`` of the total are float dust, not a queue.
    """
    return res.metrics


def summarize(metrics: pd.DataFrame) -> dict:
    """One path: its metrics. Several: ``mean, p50, p95, p99, max`` of each, and
    ``p_any_delay`` (share of paths with any delayed amount)."""
    if len(metrics) == 1:
        row = metrics.iloc[0]
        return {k: (None if pd.isna(row[k]) else _plain(row[k])) for k in METRICS}
    out: dict = {}
    for k in METRICS:
        col = metrics[k].astype(float)
        valid = col.dropna()
        stats = {"mean": valid.mean(), "p50": valid.quantile(0.5), "p95": valid.quantile(0.95),
                 "p99": valid.quantile(0.99), "max": valid.max()} if len(valid) else \
            dict.fromkeys(("mean", "p50", "p95", "p99", "max"))
        if k == "days_to_clear":
            stats["never_cleared_share"] = float(col.isna().mean())
        out[k] = {s: (None if v is None or pd.isna(v) else float(v)) for s, v in stats.items()}
    out["p_any_delay"] = float((metrics["delayed_amount"] > 0).mean())
    return out


def _plain(v: object) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def size_buffer(
    params: StressParams,
    rates: NDArray[np.float64],
    alpha: float = 0.05,
    max_delay_days: float | None = None,
    tol: float = 1e-4,
) -> float | None:
    """Smallest ``buffer_ratio`` with P(any delay) <= alpha (or, with ``max_delay_days``,
    P(max delay > k days) <= alpha), by bisection on the same withdrawal paths.

    Returns None when even a full buffer (ratio 1) misses the target.
    """
    if not 0 <= alpha < 1:
        raise ParameterError(f"must be in [0, 1), got {alpha}", param="alpha")

    def ok(ratio: float) -> bool:
        m = simulate(_with(params, buffer_ratio=ratio), rates, daily=False).metrics
        bad = m["max_delay_days"] > max_delay_days if max_delay_days is not None else \
            m["delayed_amount"] > 0
        return float(bad.mean()) <= alpha

    if not ok(1.0):
        return None
    if ok(0.0):
        return 0.0
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _with(params: StressParams, **changes: object) -> StressParams:
    from dataclasses import replace

    return replace(params, **changes)


def coverage_ratio(res: StressResult, quantile: float = 0.99, window: int = 30) -> dict:
    """Basel-style coverage: liquid buffer at the start / stressed ``window``-day outflow.

    The stressed outflow is the ``quantile`` across paths of the amount requested in the
    first ``window`` days (one path: that path's amount).
    """
    if window == 30 and res.outflow_30d is not None:
        outflow = res.outflow_30d
    elif res.requested is not None:
        outflow = res.requested[:window].sum(axis=0)
    else:
        raise ParameterError(f"coverage over {window} days needs simulate(..., daily=True)")
    stressed = float(np.quantile(outflow, quantile))
    buffer = res.params.buffer_ratio * res.params.total
    return {"buffer": buffer, "stressed_outflow": stressed, "window_days": window,
            "quantile": quantile,
            "coverage_ratio": (buffer / stressed) if stressed > 0 else None}


def scenario_params(base: StressParams, scenarios: list[dict]) -> list[StressParams]:
    """``base`` with each scenario's fields replaced; an unknown field is a ParameterError."""
    fields = set(StressParams.__dataclass_fields__)
    unknown = sorted({k for sc in scenarios for k in sc} - fields)
    if unknown:
        raise ParameterError(f"name unknown stress parameter(s) {unknown}; known: "
                             f"{sorted(fields)}", param="scenarios")
    return [_with(base, **sc) for sc in scenarios]


class StressSweep(NamedTuple):
    """Result of :func:`stress_sweep` (a named tuple: ``metrics, summary, daily``).

    Attributes
    ----------
    metrics
        One row per scenario and path (index levels ``scenario``, ``path``): the scenario's
        changed parameters as columns (values as given; ``shocks`` as tuples of
        ``(day, fraction)``), then :data:`METRICS`.
    summary
        One row per scenario (index ``scenario``): its parameters, ``paths``,
        ``p_any_delay`` (share of paths with any delayed amount), the mean of every metric
        (``<metric>_mean``) and the 95th percentile of ``max_queue``, ``delayed_share`` and
        ``max_delay_days`` (``<metric>_p95``).
    daily
        With ``daily=True``: the daily state (:data:`DAILY_COLUMNS` but ``path`` and
        ``day``) indexed by ``scenario, path, day``; else None.
    """

    metrics: pd.DataFrame
    summary: pd.DataFrame
    daily: pd.DataFrame | None


def stress_sweep(
    base: StressParams,
    scenarios: list[dict],
    paths: int = 1,
    seed: int | None = 0,
    runs: RunModel | None = None,
    daily: bool = True,
) -> StressSweep:
    """Run each scenario (``base`` with the scenario's fields replaced) on seeded paths.

    Every scenario uses the same seed, so scenarios differ by their parameters only (common
    random numbers). Scenarios are dicts of :class:`StressParams` fields, e.g. from
    :func:`~softstake_model.sweeps.grid`.

    Returns
    -------
    StressSweep
        ``metrics`` per scenario and path, a per-scenario ``summary`` and, if ``daily``,
        the ``daily`` state.

    Examples
    --------
    >>> from softstake_model.sweeps import grid
    >>> base = StressParams(total=1000, buffer_ratio=0.1, days=20, shocks=((1, 0.3),))
    >>> res = stress_sweep(base, grid(buffer_ratio=[0.1, 0.5]), daily=False)
    >>> res.summary[["buffer_ratio", "delayed_amount_mean"]].to_dict("list")
    {'buffer_ratio': [0.1, 0.5], 'delayed_amount_mean': [200.0, 0.0]}
    """
    params = scenario_params(base, scenarios)
    results = [simulate(p, withdrawal_rates(p, paths, seed, runs), daily) for p in params]
    names = list(dict.fromkeys(k for sc in scenarios for k in sc))

    def value(sc: dict, k: str) -> object:
        v = sc.get(k, getattr(base, k))
        if k == "shocks":
            return tuple((int(d), float(f)) for d, f in v)
        return tuple(v) if isinstance(v, list) else v

    setting = pd.DataFrame({k: [value(sc, k) for sc in scenarios] for k in names},
                           index=pd.RangeIndex(len(scenarios), name="scenario"))
    per_path = []
    for i, res in enumerate(results):
        m = path_metrics(res)
        m.index = pd.MultiIndex.from_arrays([np.full(len(m), i), np.arange(len(m))],
                                            names=["scenario", "path"])
        per_path.append(m)
    metrics = pd.concat(per_path)
    metrics = setting.join(metrics, how="right")[[*names, *METRICS]]
    grouped = metrics[METRICS].astype(float).groupby(level="scenario")
    summary = setting.copy()
    summary["paths"] = grouped.size()
    summary["p_any_delay"] = (metrics["delayed_amount"] > 0).groupby(level="scenario").mean()
    summary = summary.join(grouped.mean().add_suffix("_mean"))
    summary = summary.join(grouped[["max_queue", "delayed_share", "max_delay_days"]]
                           .quantile(0.95).add_suffix("_p95"))
    days = None
    if daily:
        days = pd.concat([r.daily().assign(scenario=i) for i, r in enumerate(results)],
                         ignore_index=True).set_index(["scenario", "path", "day"])
    return StressSweep(metrics, summary, days)
