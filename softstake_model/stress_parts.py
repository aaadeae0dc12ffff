"""The parts of a stress answer beside P(delay) and the buffer needed.

- :func:`delay_quantiles`: the Monte Carlo paths' longest delay at the 50th, 95th and 99th
  percentiles, each with a bootstrap interval over paths, and the longest of all paths;
- :func:`delay_exceedance`: the share of paths whose longest delay exceeds k days, for a few
  round k, each with its Wilson interval;
- :func:`shock_buffer`: the buffer the scheduled withdrawals alone need (the deterministic
  path, random runs and price link off), so that the buffer needed splits into the shock's
  part and the random runs' part (:class:`BufferParts`);
- :func:`run_model_sensitivity`: the buffer needed when one assumed value of the run model
  (run rate, size tail, duration) or the price link is changed, on the same seeded paths.

All of them are pure: they take the scenario, the paths or their metrics, and return figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .confidence import wilson_interval
from .errors import ParameterError
from .liquidity import StressParams, size_buffer, withdrawal_rates
from .stress_question import StressQuestion

__all__ = ["Quantile", "BufferParts", "QUANTILES", "EXCEEDANCE_DAYS", "delay_quantiles",
           "delay_exceedance", "shock_buffer",
           "buffer_parts", "run_model_variants", "run_model_sensitivity",
           "INTERVAL_COVERS"]

#: The percentiles of the longest delay reported, by name.
QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}

#: The delays k (days) whose P(longest delay > k) is reported: a week, two, four.
EXCEEDANCE_DAYS = (7, 14, 28)

#: What the buffer's bootstrap interval covers (and what it does not).
INTERVAL_COVERS = "the Monte Carlo sampling of the paths only, not the assumed run model"


@dataclass(frozen=True)
class Quantile:
    """One figure of the paths' longest delay.

    Attributes
    ----------
    name
        ``p50``, ``p95``, ``p99`` or ``max`` (the longest of all paths).
    days
        The longest delay at that percentile of paths (days).
    low, high
        Bootstrap interval over paths (days; None for ``max`` and with one path).
    """

    name: str
    days: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class BufferParts:
    """The buffer needed, split into the scheduled withdrawals' part and the runs' part.

    Attributes
    ----------
    shock
        The buffer the scheduled withdrawals alone need (share of balances; None when even
        a full buffer does not meet the target, or with replayed paths).
    runs
        The rest of the buffer needed: what the random runs and the price link add (share
        of balances; None when either figure is).
    """

    shock: float | None
    runs: float | None


def delay_quantiles(longest: pd.Series | np.ndarray, confidence: float = 0.95,
                    resamples: int = 1000, seed: int = 0) -> tuple[Quantile, ...]:
    """The paths' longest delay at :data:`QUANTILES` with bootstrap intervals, and its max.

    Parameters
    ----------
    longest
        Each path's longest delay (days), e.g. the ``max_delay_days`` metric.
    confidence
        Two-sided level of the intervals, in (0, 1).
    resamples
        Bootstrap resamples of the paths (>= 10).
    seed
        Random seed of the resampling.

    Returns
    -------
    tuple of Quantile
        ``p50``, ``p95``, ``p99`` (linear interpolation, as :meth:`pandas.Series.quantile`),
        then ``max`` (no interval: the largest of the sample is not a quantile estimate).

    Examples
    --------
    >>> q = delay_quantiles(np.arange(101.0))
    >>> [(x.name, x.days) for x in q]
    [('p50', 50.0), ('p95', 95.0), ('p99', 99.0), ('max', 100.0)]
    """
    x = np.asarray(longest, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ParameterError(f"must be one figure per path, got shape {x.shape}",
                             param="longest")
    if not 0 < confidence < 1:
        raise ParameterError(f"must be in (0, 1), got {confidence}", param="confidence")
    if resamples < 10:
        raise ParameterError(f"must be >= 10, got {resamples}", param="resamples")
    levels = np.array(list(QUANTILES.values()))
    point = np.quantile(x, levels)
    if x.size > 1:
        rng = np.random.default_rng(seed)
        draws = np.quantile(x[rng.integers(0, x.size, (resamples, x.size))], levels, axis=1)
        lows, highs = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2],
                                  axis=1)
    else:
        lows = highs = [None] * levels.size
    out = [Quantile(n, float(v), None if lo is None else float(lo),
                    None if hi is None else float(hi))
           for n, v, lo, hi in zip(QUANTILES, point, lows, highs, strict=True)]
    return (*out, Quantile("max", float(x.max())))


def delay_exceedance(longest: pd.Series | np.ndarray, ks: tuple[float, ...] = EXCEEDANCE_DAYS,
                     confidence: float = 0.95) -> pd.DataFrame:
    """P(longest delay > k days) across paths for each ``k``, with Wilson intervals.

    Returns
    -------
    DataFrame
        ``k_days``, ``p``, ``low``, ``high`` (shares of paths).

    Examples
    --------
    >>> delay_exceedance([0.0, 3.0, 10.0, 30.0], ks=(7, 28))["p"].tolist()
    [0.5, 0.25]
    """
    x = np.asarray(longest, dtype=float)
    bad = np.array([int((x > k).sum()) for k in ks])
    low, high = wilson_interval(bad, np.full(len(ks), x.size), confidence)
    return pd.DataFrame({"k_days": list(ks), "p": bad / x.size, "low": low, "high": high})


def shock_buffer(params: StressParams, alpha: float, max_delay_days: float | None,
                 tol: float = 1e-3) -> float | None:
    """The buffer the scheduled withdrawals alone need: :func:`~softstake_model.liquidity.
    size_buffer` on the one deterministic path (base rate and shocks, no random runs).

    On one path P(delay) is 0 or 1, so for any ``alpha`` < 1 this is the smallest buffer
    with no delay (or none longer than ``max_delay_days``) on that path.

    Examples
    --------
    A 20 % rush with nothing else and a 28-day unbonding needs a 20 % buffer (to the
    bisection's tolerance):

    >>> p = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:28", days=60,
    ...                  shocks=((10, 0.2),))
    >>> abs(shock_buffer(p, 0.05, None) - 0.2) <= 1e-3
    True
    """
    return size_buffer(params, withdrawal_rates(params), alpha, max_delay_days, tol=tol)


def buffer_parts(needed: float | None, shock: float | None) -> BufferParts:
    """Split ``needed`` into the shock's part (``shock``) and the rest (never below 0)."""
    if needed is None or shock is None:
        return BufferParts(shock, None)
    return BufferParts(shock, max(needed - shock, 0.0))


def run_model_variants(q: StressQuestion) -> list[tuple[str, float]]:
    """The one-at-a-time changes of the run model tried: ``(field, value)``.

    The run rate halved and doubled; the Pareto tail index times 0.8 (heavier tail) and 4/3
    (lighter); runs over 1 day and over twice the duration; the price link at 0 and at twice
    its value (0.2 when it is 0). Values equal to the question's are left out.
    """
    link = 2 * q.price_link if q.price_link else 0.2
    tried = [("arrival_rate", q.arrival_rate / 2), ("arrival_rate", min(2 * q.arrival_rate,
                                                                        1.0)),
             ("size_alpha", q.size_alpha * 0.8), ("size_alpha", q.size_alpha * 4 / 3),
             ("duration_days", 1), ("duration_days", 2 * q.duration_days),
             ("price_link", 0.0), ("price_link", link)]
    out: list[tuple[str, float]] = []
    for name, value in tried:
        if value != getattr(q, name) and (name, value) not in out:
            out.append((name, value))
    return out


def run_model_sensitivity(q: StressQuestion, unbonding: str, volatility: float
                          ) -> pd.DataFrame:
    """The buffer needed when one assumed value of the run model is changed.

    Each variant of :func:`run_model_variants` is run on the question's paths and seed
    (common random numbers: the difference is the change's, not new noise).

    Parameters
    ----------
    q
        The question (Monte Carlo: ``paths`` > 1).
    unbonding
        The unbonding rule used.
    volatility
        The token's annualised price volatility (for the price link).

    Returns
    -------
    DataFrame
        ``field`` (``as asked`` first), ``value``, ``buffer_needed`` (share; NaN when even a
        full buffer misses the target) and ``change`` (from the answer as asked, share).
    """
    if q.paths < 2:
        raise ParameterError("must be more than 1: the run model is the Monte Carlo paths'",
                             param="paths")
    params = q.scenario(unbonding)
    rows = []
    for name, value in [("as asked", None), *run_model_variants(q)]:
        asked = q if value is None else replace(q, **{name: value})
        rates = withdrawal_rates(params, q.paths, q.seed, asked.runs(volatility))
        need = size_buffer(params, rates, q.alpha, q.max_delay_days, tol=q.tolerance)
        rows.append({"field": name, "value": value,
                     "buffer_needed": np.nan if need is None else need})
    out = pd.DataFrame(rows)
    out["change"] = out["buffer_needed"] - out["buffer_needed"].iloc[0]
    return out
