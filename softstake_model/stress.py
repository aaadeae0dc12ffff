"""One stress question answered: a token's withdrawal scenario, run and summarised.

:func:`run_stress` is what ``softstake stress`` prints: it takes the unbonding rule and the
price volatility from the token's catalogue row (unless given), makes the withdrawal paths
(deterministic, Monte Carlo, or replayed from a file), runs the SPEC §5 mechanics in memory
or on Dask, and returns the summary with the coverage ratio, the buffer that meets a target
and the assumed values behind the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .catalog import assumed_lines
from .confidence import bootstrap_threshold, wilson_interval
from .errors import ParameterError
from .liquidity import (
    RunModel,
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
from .product import parse_tokens, product_catalog

__all__ = ["StressReport", "run_stress", "RUN_MODEL_ASSUMPTION", "BufferFound", "delayed",
           "buffer_interval", "token_stress", "rank_tokens", "price_link_sensitivity"]

#: Printed beside Monte Carlo figures: the run model's calibration is an assumption.
RUN_MODEL_ASSUMPTION = ("stochastic run model (arrival, duration, Pareto sizes): assumed "
                        "calibration, see docs/liquidity.md")


@dataclass(frozen=True)
class StressReport:
    """Result of :func:`run_stress`.

    Attributes
    ----------
    summary
        Plain JSON-ready figures: ``token``, ``unbonding``, ``paths``, ``days``, the metrics
        (:func:`~softstake_model.liquidity.summarize`), ``coverage``, and where asked
        ``buffer_for_alpha`` and ``assumed``.
    daily
        The daily state (:data:`~softstake_model.liquidity.DAILY_COLUMNS`) when asked for.
    """

    summary: dict
    daily: pd.DataFrame | None = None


def run_stress(
    *,
    total: float,
    buffer_ratio: float,
    token: str | None = None,
    catalog: str | Path | pd.DataFrame | None = None,
    unbonding: str | None = None,
    days: int | None = None,
    base_rate: float = 0.0,
    shocks: tuple[tuple[int, float], ...] = (),
    rates: str | Path | NDArray[np.float64] | None = None,
    max_unbond_per_day: float | None = None,
    restake: bool = False,
    deposit_rate: float = 0.0,
    network_apr: float = 0.0,
    user_apr: float = 0.0,
    paths: int = 1,
    seed: int = 0,
    runs: RunModel | None = None,
    size_buffer_alpha: float | None = None,
    max_delay_days: float | None = None,
    engine: str = "memory",
    scheduler: str | None = None,
    chunk: int = 1000,
    daily: bool = False,
) -> StressReport:
    """Run one stress scenario and summarise it.

    Parameters
    ----------
    total, buffer_ratio, days, base_rate, shocks, max_unbond_per_day, restake, deposit_rate,
    network_apr, user_apr
        As :class:`~softstake_model.liquidity.StressParams` (tokens, shares, days, APRs);
        ``days`` defaults to the rates file's length, else 90.
    token, catalog
        Catalogue token whose unbonding rule and volatility are used, and the catalogue
        (file or frame; default the shipped one).
    unbonding
        Rule ``fixed:N`` | ``boundary:P[@PHASE]`` | ``none``, instead of the token's.
    rates
        Withdrawal rates to replay, ``(days, paths)`` or a CSV ``path,day,rate``; they
        replace ``base_rate``, ``shocks`` and the Monte Carlo runs.
    paths, seed, runs
        Monte Carlo paths (more than one turns the stochastic runs on), their seed, and the
        run model (default :class:`~softstake_model.liquidity.RunModel`'s assumed values;
        its volatility is the token's).
    size_buffer_alpha, max_delay_days
        Also find the smallest buffer with P(any delay) <= alpha (or, with
        ``max_delay_days``, P(max delay > k days) <= alpha).
    engine, scheduler, chunk
        ``memory``, or ``dask``: Monte Carlo paths in chunks of ``chunk`` as Dask tasks on
        ``scheduler`` (default a local cluster).
    daily
        Keep the daily state of every path (memory engine only).
    """
    if engine not in ("memory", "dask"):
        raise ParameterError(f"must be 'memory' or 'dask', got '{engine}'", param="engine")
    row = None
    if token:
        wanted = parse_tokens(token)
        if len(wanted) != 1:
            raise ParameterError(f"must name one token, got {token!r}", param="token")
        token = wanted[0]
        cat = product_catalog(catalog, [token])
        row = cat.loc[token]
    rule = unbonding or (row["unbonding"] if row is not None else None)
    if rule is None:
        raise ParameterError("must be given when no token is (a token brings its catalogue "
                             "rule)", param="unbonding")
    replay = None
    if rates is not None:
        if base_rate or shocks:
            raise ParameterError("replace base_rate and shocks: give one or the other",
                                 param="rates")
        replay = read_withdrawal_rates(rates, days) if isinstance(rates, str | Path) else \
            np.atleast_2d(np.asarray(rates, dtype=float).T).T
    days = days if days is not None else (replay.shape[0] if replay is not None else 90)
    params = StressParams(
        total=total, buffer_ratio=buffer_ratio, unbonding=rule, days=days, base_rate=base_rate,
        shocks=tuple(shocks), max_unbond_per_day=max_unbond_per_day, restake=restake,
        deposit_rate=deposit_rate, network_apr=network_apr, user_apr=user_apr)
    model = None
    if replay is None and paths > 1:
        vol = float(row["volatility"]) if row is not None else 0.0
        model = replace(runs or RunModel(), volatility=vol)
    if engine == "dask":
        if replay is not None or daily:
            raise ParameterError("'dask' runs generated Monte Carlo paths: it takes neither "
                                 "a rates file nor the daily state", param="engine")
        from .scale import get_client, monte_carlo_dask

        client = get_client(scheduler)
        try:
            metrics = monte_carlo_dask(params, paths, seed, model, chunk)
        finally:
            client.close()
        res = StressResult(params, metrics, outflow_30d=metrics["outflow_30d"].to_numpy())
        path_rates = None
    else:
        path_rates = replay if replay is not None else withdrawal_rates(params, paths, seed,
                                                                         model)
        res = simulate(params, path_rates, daily=daily)
    summary: dict = {"token": token, "unbonding": str(params.unbonding), "paths": res.paths,
                     "days": days, **summarize(path_metrics(res)),
                     "coverage": coverage_ratio(res)}
    fields = []
    if row is not None and not unbonding:
        fields.append("unbonding")
    if model is not None and model.price_sensitivity:
        fields.append("volatility")
    assumed = assumed_lines(cat, [token], tuple(fields)) if row is not None and fields else []
    if model is not None:
        assumed.append(RUN_MODEL_ASSUMPTION)
    if assumed:
        summary["assumed"] = assumed
    if size_buffer_alpha is not None:
        if path_rates is None:  # the search reuses one set of paths in memory
            path_rates = withdrawal_rates(params, paths, seed, model)
        summary["buffer_for_alpha"] = {
            "alpha": size_buffer_alpha, "max_delay_days": max_delay_days,
            "buffer_ratio": size_buffer(params, path_rates, size_buffer_alpha, max_delay_days)}
    return StressReport(summary, res.daily() if daily else None)


def delayed(metrics: pd.DataFrame, max_delay_days: float | None = None) -> pd.Series:
    """Paths that miss the target: any delayed amount, or with ``max_delay_days`` a longest
    delay above that many days (the test :func:`~softstake_model.liquidity.size_buffer`
    applies)."""
    if max_delay_days is None:
        return metrics["delayed_amount"] > 0
    return metrics["max_delay_days"] > max_delay_days


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
    """
    found = size_buffer(params, rates, alpha, max_delay_days, tol=tol)
    n = rates.shape[1]
    if found is None or n < 2:
        return BufferFound(found)
    se = float(np.sqrt(max(alpha * (1 - alpha), 1.0 / n) / n))
    coarse = max(tol, 4e-3)  # the bracket's ends need not be sharp: the grid spans them
    lo = size_buffer(params, rates, min(alpha + 4 * se, 0.999), max_delay_days, tol=coarse)
    hi = size_buffer(params, rates, max(alpha - 4 * se, 0.0), max_delay_days, tol=coarse)
    lo = 0.0 if lo is None else min(lo, found)
    hi = 1.0 if hi is None else max(hi, found)
    grid = np.unique(np.concatenate([np.linspace(lo, hi, points), [found]]))
    bad = np.array([delayed(simulate(replace(params, buffer_ratio=float(b)), rates,
                                     daily=False).metrics, max_delay_days).to_numpy()
                    for b in grid])
    low, high = bootstrap_threshold(grid, bad, alpha, resamples, confidence, seed)
    return BufferFound(found, low, high)


def token_stress(
    token: str,
    *,
    catalog: pd.DataFrame,
    total: float,
    buffer_ratio: float,
    days: int,
    base_rate: float,
    shock_day: int,
    shock_fraction: float,
    paths: int,
    alpha: float,
    max_delay_days: float | None = None,
    price_link: float = 0.0,
    unbonding: str | None = None,
    seed: int = 0,
    confidence: float = 0.95,
    interval: bool = True,
) -> dict:
    """One token's liquidity figures in a shock scenario, deterministic and Monte Carlo.

    The Monte Carlo paths carry the scenario's shock (``shock_fraction`` of balances on
    ``shock_day``) on top of the base rate and the random runs (the token's volatility,
    ``price_link``).

    Returns
    -------
    dict
        ``row`` (the ranking's figures: shock run's longest delay and delayed share,
        ``p_delay`` with its Wilson interval, the p99 longest delay, ``buffer_needed`` with
        its bootstrap interval), ``daily`` (the deterministic run's daily state) and
        ``metrics`` (per Monte Carlo path).
    """
    r = catalog.loc[token]
    params = StressParams(total=total, buffer_ratio=buffer_ratio,
                          unbonding=unbonding or r["unbonding"], days=days, base_rate=base_rate,
                          shocks=((shock_day, shock_fraction),))
    det = simulate(params, withdrawal_rates(params))
    det_m = det.metrics.iloc[0]
    runs = RunModel(volatility=float(r["volatility"]), price_sensitivity=price_link)
    rates = withdrawal_rates(params, paths, seed, runs if paths > 1 else None)
    mc = simulate(params, rates, daily=False)
    bad = int(delayed(mc.metrics, max_delay_days).sum())
    lo, hi = wilson_interval(bad, paths, confidence)
    if interval and paths > 1:
        buf = buffer_interval(params, rates, alpha, max_delay_days, confidence=confidence,
                              seed=seed)
    else:
        buf = BufferFound(size_buffer(params, rates, alpha, max_delay_days, tol=1e-3))
    longest = mc.metrics["max_delay_days"].astype(float)
    row = {
        "token": token, "unbonding": str(params.unbonding),
        "unbonding_confidence": "given" if unbonding else r["unbonding_confidence"],
        "shock_max_delay_days": float(det_m["max_delay_days"]),
        "shock_delayed_share": float(det_m["delayed_share"]),
        "p_delay": bad / paths, "p_delay_low": float(lo), "p_delay_high": float(hi),
        "p99_max_delay_days": float(longest.quantile(0.99)),
        "buffer_needed": buf.buffer_ratio, "buffer_low": buf.low, "buffer_high": buf.high,
    }
    return {"row": row, "daily": det.daily(), "metrics": mc.metrics}


def rank_tokens(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Tokens from riskiest: by the buffer needed (none enough counts as more than 100 %),
    then P(delay), then the shock run's longest delay."""
    t = pd.DataFrame(rows)
    key = t["buffer_needed"].astype(float).fillna(np.inf)
    order = pd.DataFrame({"b": key, "p": t["p_delay"], "d": t["shock_max_delay_days"]})
    idx = order.sort_values(["b", "p", "d"], ascending=False, kind="stable").index
    return t.loc[idx].reset_index(drop=True)


def price_link_sensitivity(tokens: list[str], links: list[float],
                           known: dict[float, list[dict]] | None = None, **scenario: object
                           ) -> pd.DataFrame:
    """Each token's rank (1 = riskiest) and buffer needed under several price links.

    Parameters
    ----------
    tokens
        Catalogue tokens; the i-th is run with seed ``seed + i`` (as :func:`token_stress`
        is for the report), so each token sees the same random paths at every link.
    links
        Price-link values (extra withdrawal share per unit of new log drawdown).
    known
        Rows of :func:`token_stress` already computed, by link (not run again).
    **scenario
        The other arguments of :func:`token_stress` (``catalog``, ``total``, ...).

    Returns
    -------
    DataFrame
        ``token``, then for each link ``rank@L`` and ``buffer@L``.
    """
    out = pd.DataFrame({"token": tokens})
    for link in links:
        seed = int(scenario.get("seed", 0))
        rows = (known or {}).get(link) or [
            token_stress(t, **{**scenario, "price_link": link, "seed": seed + i},
                         interval=False)["row"]
            for i, t in enumerate(tokens)]
        ranked = rank_tokens(rows)
        ranks = dict(zip(ranked["token"], range(1, len(ranked) + 1), strict=True))
        buffers = dict(zip(ranked["token"], ranked["buffer_needed"], strict=True))
        out[f"rank@{link:g}"] = out["token"].map(ranks)
        out[f"buffer@{link:g}"] = out["token"].map(buffers)
    return out
