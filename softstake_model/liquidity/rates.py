"""Withdrawal rates ``w[t, path]`` (SPEC §5): the base rate, scheduled shocks and, for Monte
Carlo paths, stochastic runs and the price link, all drawn before the kernel runs.

Random paths are drawn in blocks of :data:`RNG_BLOCK` from ``default_rng([seed, block])``,
so path ``i`` is the same whether it is drawn alone or among others.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from .params import RunModel, StressParams
from .state import check_memory

__all__ = ["RNG_BLOCK", "withdrawal_rates", "drawdown_increase"]

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

    Parameters
    ----------
    log_returns
        Daily log returns, ``(days, ...)``.

    Returns
    -------
    numpy.ndarray
        The same shape: each day's deepening of the drawdown, >= 0.

    Examples
    --------
    >>> drawdown_increase(np.array([0.1, -0.2, 0.1, -0.1, -0.1])).round(12).tolist()
    [0.0, 0.2, 0.0, 0.0, 0.1]
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

    Parameters
    ----------
    params
        The scenario: horizon, base rate, shocks.
    paths
        Number of paths (>= 1).
    seed
        Seed of the run model's streams (None: fresh entropy).
    runs
        The stochastic run model, or None for the deterministic schedule.
    first_path
        Index of the first path drawn (>= 0), to draw a chunk of a larger run.

    Returns
    -------
    numpy.ndarray
        ``(days, paths)`` shares of user balances withdrawn each day, in [0, 1].

    Raises
    ------
    ParameterError
        On ``paths < 1``, ``first_path < 0``, or a run too large for the memory limit.

    Examples
    --------
    >>> p = StressParams(total=100, buffer_ratio=0.1, days=3, base_rate=0.01,
    ...                  shocks=((2, 0.2),))
    >>> withdrawal_rates(p)[:, 0].tolist()
    [0.01, 0.21000000000000002, 0.01]
    """
    if paths < 1:
        raise ParameterError(f"must be >= 1, got {paths}", param="paths")
    check_memory(params.days, paths)
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
