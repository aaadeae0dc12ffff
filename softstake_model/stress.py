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

__all__ = ["StressReport", "run_stress", "RUN_MODEL_ASSUMPTION"]

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
