"""A token's stress question answered: one builder under the command and the report.

:func:`run_stress` answers a :class:`~softstake_model.stress_question.StressQuestion`:
it takes the unbonding rule and the price volatility from the token's catalogue row (unless
given), runs the scenario alone (one deterministic path: the rush on top of the base rate),
makes the withdrawal paths (Monte Carlo with random runs, or replayed from a file), runs the
SPEC §5 mechanics in memory or on Dask, and returns the summary with P(delay) and its Wilson
interval, the buffer that meets the target with its bootstrap interval, the coverage ratio,
the assumed values behind the figures and every parameter value used. ``softstake stress``
prints its summary; the ``liquidity_stress`` report ranks its answers for several tokens
(:mod:`softstake_model.stress_ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import spec
from .catalog import assumed_lines
from .confidence import bootstrap_threshold, wilson_interval
from .errors import ParameterError
from .liquidity import (
    StressParams,
    StressResult,
    coverage_ratio,
    path_metrics,
    read_withdrawal_rates,
    simulate,
    size_buffer,
    summarize,
    withdrawal_rates,
)
from .liquidity.search import MissedPaths, bisect_buffers
from .liquidity.state import check_memory
from .product import product_catalog
from .stress_parts import (
    INTERVAL_COVERS,
    BufferParts,
    Quantile,
    buffer_parts,
    delay_exceedance,
    delay_quantiles,
    shock_buffer,
)
from .stress_question import SINGLE_RUN, StressQuestion

__all__ = ["StressReport", "StressFigures", "run_stress", "question_scenario",
           "token_volatility", "RUN_MODEL_ASSUMPTION",
           "BufferFound", "delayed", "buffer_interval"]

#: Printed beside Monte Carlo figures: the run model's calibration is an assumption.
RUN_MODEL_ASSUMPTION = ("stochastic run model (arrival, duration, Pareto sizes): assumed "
                        "calibration, see docs/liquidity.md")


@dataclass(frozen=True)
class BufferFound:
    """The smallest buffer meeting a delay target, with a bootstrap interval.

    Attributes
    ----------
    buffer_ratio
        Share of balances kept liquid (None: even a full buffer misses the target).
    low, high
        Bootstrap interval over paths (shares; None with ``buffer_ratio``).
    """

    buffer_ratio: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class StressFigures:
    """The answer's headline figures (shares of balances, probabilities, days).

    Attributes
    ----------
    p_delay, p_delay_low, p_delay_high
        Share of paths missing the target at the question's buffer, with its Wilson
        interval at the question's confidence.
    p99_max_delay_days
        99th percentile of the paths' longest delay (days).
    buffer
        The smallest buffer meeting the target, with its bootstrap interval (over paths:
        :data:`~softstake_model.stress_parts.INTERVAL_COVERS`).
    shock_max_delay_days, shock_delayed_share
        The scenario alone (one deterministic path): longest delay and share of requests
        delayed; None when the paths are replayed from a file.
    delays
        The paths' longest delay at p50, p95, p99 (bootstrap intervals) and its max
        (:func:`~softstake_model.stress_parts.delay_quantiles`).
    p_any_delay, p_any_low, p_any_high
        Share of paths with any delay, with its Wilson interval.
    exceedance
        P(longest delay > k days) for k of :data:`~softstake_model.stress_parts.
        EXCEEDANCE_DAYS`, with Wilson intervals: ``((k, p, low, high), ...)``.
    parts
        The buffer needed split into the scheduled withdrawals' part and the random runs'
        part (:class:`~softstake_model.stress_parts.BufferParts`).
    """

    p_delay: float
    p_delay_low: float
    p_delay_high: float
    p99_max_delay_days: float
    buffer: BufferFound
    shock_max_delay_days: float | None
    shock_delayed_share: float | None
    delays: tuple[Quantile, ...] = ()
    p_any_delay: float | None = None
    p_any_low: float | None = None
    p_any_high: float | None = None
    parts: BufferParts = BufferParts(None, None)
    exceedance: tuple[tuple[float, float, float, float], ...] = ()

    def plain(self) -> dict[str, float | None]:
        """The figures as flat names (shares, probabilities, days), as the index reads
        them: ``p_delay`` (with ``_low``/``_high``), ``p_any_delay`` (likewise),
        ``p_delay_over_7d`` (each k, with ``_low``/``_high``), ``longest_delay_p50_days``
        (with ``longest_delay_p50_low_days`` and ``_high_days``; p95, p99;
        ``longest_delay_max_days``), ``buffer_needed``, ``buffer_low``,
        ``buffer_high``, ``buffer_shock``, ``buffer_runs``, ``shock_max_delay_days``,
        ``shock_delayed_share``."""
        out: dict[str, float | None] = {
            "p_delay": self.p_delay, "p_delay_low": self.p_delay_low,
            "p_delay_high": self.p_delay_high, "p_any_delay": self.p_any_delay,
            "p_any_delay_low": self.p_any_low, "p_any_delay_high": self.p_any_high}
        for k, p, lo, hi in self.exceedance:
            out.update({f"p_delay_over_{k:g}d": p, f"p_delay_over_{k:g}d_low": lo,
                        f"p_delay_over_{k:g}d_high": hi})
        for d in self.delays:
            out[f"longest_delay_{d.name}_days"] = d.days
            if d.name != "max":
                out[f"longest_delay_{d.name}_low_days"] = d.low
                out[f"longest_delay_{d.name}_high_days"] = d.high
        out.update(buffer_needed=self.buffer.buffer_ratio, buffer_low=self.buffer.low,
                   buffer_high=self.buffer.high, buffer_shock=self.parts.shock,
                   buffer_runs=self.parts.runs,
                   shock_max_delay_days=self.shock_max_delay_days,
                   shock_delayed_share=self.shock_delayed_share)
        return out


@dataclass(frozen=True)
class StressReport:
    """Result of :func:`run_stress`.

    Attributes
    ----------
    question
        The question answered (every parameter value used, defaults included).
    token, unbonding, unbonding_confidence
        The token (or None), the unbonding rule used and where it comes from (``given``
        or the catalogue's confidence).
    volatility
        The token's annualised price volatility used by the price link (0 without a token).
    figures
        P(delay), the buffer for the target and the scenario-alone figures.
    summary
        Plain JSON-ready figures (what the command prints): ``token``, ``unbonding``,
        ``paths``, ``days``, the metrics (:func:`~softstake_model.liquidity.summarize`),
        ``coverage``, ``p_delay``, ``buffer_for_alpha``, ``shock_run``, ``assumed`` when
        any, and ``parameters`` (:func:`~softstake_model.spec.values` of the question).
    metrics
        Per-path metrics (:func:`~softstake_model.liquidity.path_metrics` columns).
    daily
        The daily state of every path when asked for.
    shock_daily
        The daily state of the scenario alone (None with replayed paths).
    """

    question: StressQuestion
    token: str | None
    unbonding: str
    unbonding_confidence: str
    figures: StressFigures
    summary: dict
    metrics: pd.DataFrame
    daily: pd.DataFrame | None = None
    shock_daily: pd.DataFrame | None = None
    volatility: float = 0.0

    def row(self) -> dict[str, Any]:
        """The figures as one row of the report's ranking table (the token, its rule and
        :meth:`StressFigures.plain`)."""
        f = self.figures
        return {"token": self.token, "unbonding": self.unbonding,
                "unbonding_confidence": self.unbonding_confidence,
                "p99_max_delay_days": f.p99_max_delay_days, **f.plain()}


def run_stress(
    question: StressQuestion | None = None,
    *,
    catalogue: pd.DataFrame | None = None,
    rates: str | Path | NDArray[np.float64] | None = None,
    engine: str = "memory",
    scheduler: str | None = None,
    chunk: int = 1000,
    daily: bool = False,
    interval: bool = True,
    **fields: Any,
) -> StressReport:
    """Answer one stress question: the one builder of ``softstake stress`` and the report.

    Parameters
    ----------
    question
        The question. Without it, one is made from ``fields`` (the
        :class:`~softstake_model.stress_question.StressQuestion` field names) with the
        single-run defaults :data:`~softstake_model.stress_question.SINGLE_RUN` (one
        deterministic path, no rush) as the command has them; with it, ``fields`` replace
        its values.
    catalogue
        An already loaded catalogue to take the token's row from (default: the shipped one
        with the question's ``catalog`` laid over it).
    rates
        Withdrawal rates to replay, ``(days, paths)`` or a CSV ``path,day,rate`` with the
        question's ``days``; they replace the base rate, the rush, the shocks and the runs.
    engine, scheduler, chunk
        ``memory``, or ``dask``: Monte Carlo paths in chunks of ``chunk`` as Dask tasks on
        ``scheduler`` (default a local cluster); the buffer search runs in memory.
    daily
        Keep the daily state of every path (memory engine only).
    interval
        Also find the buffer's bootstrap interval (with more than one path).

    Raises
    ------
    ParameterError
        Naming the parameter: a bad value, a token that is not one catalogue token, no
        unbonding rule, rates beside a base rate or shocks, an unknown engine.
    """
    if question is None:
        q = StressQuestion(**{**SINGLE_RUN, **fields})
    else:
        q = replace(question, **fields) if fields else question
    if engine not in ("memory", "dask"):
        raise ParameterError(f"must be 'memory' or 'dask', got '{engine}'", param="engine")
    cat, row, params = question_scenario(q, catalogue)
    replay = _replay(q, rates)
    vol = token_volatility(q, row)
    model = q.runs(vol) if replay is None and q.paths > 1 else None
    shock = simulate(params, withdrawal_rates(params)) if replay is None else None
    res, path_rates = _paths(q, params, replay, model, shock, engine, scheduler, chunk, daily)
    if path_rates is None:  # the buffer search reuses one set of paths in memory
        path_rates = withdrawal_rates(params, q.paths, q.seed, model)
    figures = _figures(q, params, res.metrics, path_rates, shock, interval)
    given = q.unbonding is not None
    report = StressReport(
        question=q, token=q.token, unbonding=str(params.unbonding),
        unbonding_confidence="given" if given or row is None else
        str(row["unbonding_confidence"]),
        figures=figures, summary={}, metrics=res.metrics,
        daily=res.daily() if daily else None,
        shock_daily=shock.daily() if shock is not None else None, volatility=vol)
    report.summary.update(_summary(report, res, _assumed(q, cat, row, model)))
    return report


def question_scenario(q: StressQuestion, catalogue: pd.DataFrame | None
                      ) -> tuple[pd.DataFrame | None, pd.Series | None, StressParams]:
    """The catalogue (None without a token), the token's row and the scenario with the
    question's unbonding rule, else the token's (:func:`run_stress`'s; ``catalogue`` as
    there). Raises ParameterError (``unbonding``) when neither gives one."""
    cat, row = _token_row(q, catalogue)
    rule = q.unbonding or (row["unbonding"] if row is not None else None)
    if rule is None:
        raise ParameterError("must be given when no token is (a token brings its catalogue "
                             "rule)", param="unbonding")
    return cat, row, q.scenario(rule)


def _token_row(q: StressQuestion, catalogue: pd.DataFrame | None
               ) -> tuple[pd.DataFrame | None, pd.Series | None]:
    if not q.token:
        return None, None
    cat = catalogue if catalogue is not None else product_catalog(q.catalog, [q.token])
    if q.token not in cat.index:
        raise ParameterError(f"'{q.token}' is not in the catalogue", param="token")
    return cat, cat.loc[q.token]


def token_volatility(q: StressQuestion, row: pd.Series | None) -> float:
    """The token's annualised volatility the price link uses (0 without a token, or when
    the price link is off and the catalogue has none); ``row`` from
    :func:`question_scenario`."""
    vol = float(row["volatility"]) if row is not None and "volatility" in row else np.nan
    if row is None or (np.isnan(vol) and not q.price_link):
        return 0.0
    if np.isnan(vol):
        raise ParameterError(f"has no volatility for {q.token}: add a 'volatility' value "
                             "(annualised, e.g. 0.7) to the catalogue file, or set the price "
                             "link to 0", param="catalog")
    return vol


def _replay(q: StressQuestion, rates: str | Path | NDArray[np.float64] | None
            ) -> NDArray[np.float64] | None:
    if rates is None:
        return None
    if q.base_rate or q.schedule:
        raise ParameterError("replace the base rate, the rush and the shocks: give one or "
                             "the other", param="rates")
    if isinstance(rates, str | Path):
        return read_withdrawal_rates(str(rates), q.days)
    replay = np.atleast_2d(np.asarray(rates, dtype=float).T).T
    if replay.shape[0] != q.days:
        raise ParameterError(f"has {replay.shape[0]:,} days, the horizon is {q.days:,}",
                             param="rates")
    return replay


def _paths(q: StressQuestion, params: StressParams, replay: NDArray[np.float64] | None,
           model: object, shock: StressResult | None, engine: str, scheduler: str | None,
           chunk: int, daily: bool) -> tuple[StressResult, NDArray[np.float64] | None]:
    """The run over every path and its rates (None: not in memory)."""
    if engine == "dask":
        if replay is not None or daily:
            raise ParameterError("'dask' runs generated Monte Carlo paths: it takes neither "
                                 "a rates file nor the daily state", param="engine")
        from .scale import get_client, monte_carlo_dask

        client = get_client(scheduler)
        try:
            metrics = monte_carlo_dask(params, q.paths, q.seed, model, chunk)
        finally:
            client.close()
        return StressResult(params, metrics, outflow_30d=metrics["outflow_30d"].to_numpy()), \
            None
    if shock is not None and model is None and q.paths == 1 and not daily:
        return shock, withdrawal_rates(params)  # the scenario alone is the one path
    if replay is None:  # the whole run's memory, the daily state too, before any of it
        check_memory(q.days, q.paths, daily)
    path_rates = replay if replay is not None else withdrawal_rates(params, q.paths, q.seed,
                                                                     model)
    return simulate(params, path_rates, daily=daily), path_rates


def _figures(q: StressQuestion, params: StressParams, metrics: pd.DataFrame,
             path_rates: NDArray[np.float64], shock: StressResult | None,
             interval: bool) -> StressFigures:
    n = len(metrics)
    bad = int(delayed(metrics, q.max_delay_days).sum())
    lo, hi = wilson_interval(bad, n, q.confidence)
    if interval and n > 1:
        buf = buffer_interval(params, path_rates, q.alpha, q.max_delay_days,
                              confidence=q.confidence, seed=q.seed, tol=q.tolerance)
    else:
        buf = BufferFound(size_buffer(params, path_rates, q.alpha, q.max_delay_days,
                                      tol=q.tolerance))
    m = shock.metrics.iloc[0] if shock is not None else None
    alone = shock_buffer(params, q.alpha, q.max_delay_days, q.tolerance) \
        if shock is not None else None
    anyd = int(delayed(metrics).sum())
    any_lo, any_hi = wilson_interval(anyd, n, q.confidence)
    return StressFigures(
        p_delay=bad / n, p_delay_low=float(lo), p_delay_high=float(hi),
        p99_max_delay_days=float(metrics["max_delay_days"].astype(float).quantile(0.99)),
        buffer=buf,
        shock_max_delay_days=None if m is None else float(m["max_delay_days"]),
        shock_delayed_share=None if m is None else float(m["delayed_share"]),
        delays=delay_quantiles(metrics["max_delay_days"], q.confidence, seed=q.seed),
        p_any_delay=anyd / n, p_any_low=float(any_lo), p_any_high=float(any_hi),
        exceedance=tuple(tuple(float(x) for x in r) for r in delay_exceedance(
            metrics["max_delay_days"], confidence=q.confidence).itertuples(index=False)),
        parts=buffer_parts(buf.buffer_ratio, alone))


def _assumed(q: StressQuestion, cat: pd.DataFrame | None, row: pd.Series | None,
             model: object) -> list[str]:
    fields = []
    if row is not None and not q.unbonding:
        fields.append("unbonding")
    if model is not None and q.price_link:
        fields.append("volatility")
    assumed = assumed_lines(cat, [q.token], tuple(fields)) if cat is not None and fields \
        else []
    if model is not None:
        assumed.append(RUN_MODEL_ASSUMPTION)
    return assumed


def _summary(r: StressReport, res: StressResult, assumed: list[str]) -> dict:
    q, f = r.question, r.figures
    out: dict = {"token": r.token, "unbonding": r.unbonding, "paths": res.paths,
                 "days": q.days, **summarize(path_metrics(res)),
                 "coverage": coverage_ratio(res),
                 "p_delay": {"max_delay_days": q.max_delay_days, "p": f.p_delay,
                             "low": f.p_delay_low, "high": f.p_delay_high,
                             "confidence": q.confidence},
                 "buffer_for_alpha": {"alpha": q.alpha, "max_delay_days": q.max_delay_days,
                                      "buffer_ratio": f.buffer.buffer_ratio,
                                      "low": f.buffer.low, "high": f.buffer.high,
                                      "interval_covers": INTERVAL_COVERS,
                                      "shock_part": f.parts.shock,
                                      "runs_part": f.parts.runs},
                 "longest_delay": {"confidence": q.confidence, **{
                     d.name: {"days": d.days, "low": d.low, "high": d.high}
                     for d in f.delays}},
                 "p_delay_over": {f"{k:g}": {"p": p, "low": lo, "high": hi}
                                  for k, p, lo, hi in f.exceedance}}
    if f.shock_max_delay_days is not None:
        out["shock_run"] = {"max_delay_days": f.shock_max_delay_days,
                            "delayed_share": f.shock_delayed_share}
    if assumed:
        out["assumed"] = assumed
    out["parameters"] = spec.values(q)
    return out


def delayed(metrics: pd.DataFrame, max_delay_days: float | None = None) -> pd.Series:
    """Paths that miss the target: any delayed amount, or with ``max_delay_days`` a longest
    delay above that many days (the test :func:`~softstake_model.liquidity.size_buffer`
    applies)."""
    if max_delay_days is None:
        return metrics["delayed_amount"] > 0
    return metrics["max_delay_days"] > max_delay_days


def buffer_interval(
    params: StressParams,
    rates: NDArray[np.float64],
    alpha: float,
    max_delay_days: float | None = None,
    *,
    points: int = 16,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    tol: float = 1e-3,
    missed: MissedPaths | None = None,
) -> BufferFound:
    """The buffer for P(delay) <= alpha on ``rates`` and its bootstrap interval over paths.

    The buffer is :func:`~softstake_model.liquidity.size_buffer`'s. For the interval, the
    bracket of buffers meeting ``alpha`` plus and minus four standard errors is found the
    same way, ``points`` buffers across it are run once on all paths, and paths are resampled
    (:func:`~softstake_model.confidence.bootstrap_threshold`).

    Parameters
    ----------
    params, rates
        The scenario and its withdrawal paths ``(days, paths)``.
    alpha, max_delay_days
        Target: P(any delay) <= alpha, or P(longest delay > k days) <= alpha.
    points, resamples, confidence, seed
        Buffers in the bracket, bootstrap resamples, two-sided level, seed.
    tol
        Bisection tolerance (share of balances).
    missed
        The runs of ``rates`` already made for this target (default: none yet); every
        buffer ratio is run once (:class:`~softstake_model.liquidity.search.MissedPaths`).
    """
    if points < 2:
        raise ParameterError(f"must be at least 2 buffers, got {points}", param="points")
    missed = MissedPaths(params, rates, max_delay_days) if missed is None else missed
    n = missed.paths
    se = float(np.sqrt(max(alpha * (1 - alpha), 1.0 / n) / n))
    coarse = max(tol, 4e-3)  # the bracket's ends need not be sharp: the grid spans them
    # the three searches in step (their first ratios are the same); the bracket's only
    # used when there is a buffer and more than one path
    found, lo, hi = bisect_buffers(missed, [alpha, min(alpha + 4 * se, 0.999),
                                            max(alpha - 4 * se, 0.0)], [tol, coarse, coarse])
    if found is None or n < 2:
        return BufferFound(found)
    lo = 0.0 if lo is None else min(lo, found)
    hi = 1.0 if hi is None else max(hi, found)
    grid = np.unique(np.concatenate([np.linspace(lo, hi, points), [found]]))
    low, high = bootstrap_threshold(grid, missed.missed(grid), alpha, resamples, confidence,
                                    seed)
    return BufferFound(found, low, high)
