"""Scenarios over many settings: sweeps (each scenario on the same seeded paths) and the
search for the smallest buffer that meets a delay target."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import ParameterError
from .metrics import METRICS, path_metrics
from .params import RunModel, StressParams
from .rates import withdrawal_rates
from .search import MissedPaths, bisect_buffers
from .simulation import simulate

__all__ = ["size_buffer", "scenario_params", "StressSweep", "stress_sweep"]


def size_buffer(
    params: StressParams,
    rates: NDArray[np.float64],
    alpha: float = 0.05,
    max_delay_days: float | None = None,
    tol: float = 1e-4,
) -> float | None:
    """Smallest ``buffer_ratio`` with P(any delay) <= alpha (or, with ``max_delay_days``,
    P(max delay > k days) <= alpha), by bisection on the same withdrawal paths.

    Parameters
    ----------
    params
        The scenario; its ``buffer_ratio`` is replaced.
    rates
        Withdrawal rates ``(days, paths)``, the same for every ratio tried.
    alpha
        Largest acceptable share of paths that miss the target, in [0, 1).
    max_delay_days
        The target: no path waits more than this many days (None: no delay at all).
    tol
        Width of the final bisection interval (share), > 0.

    Returns
    -------
    float or None
        The ratio (the upper end of the final interval), or None when even a full buffer
        (ratio 1) misses the target.

    Raises
    ------
    ParameterError
        ``param="alpha"`` outside [0, 1), ``max_delay_days`` below 0, ``tol`` not above 0.

    Notes
    -----
    Each ratio tried is one run of the paths (:class:`~.search.MissedPaths`: the same
    numbers as :func:`~.simulation.simulate`'s, stopped early once more than ``alpha`` of
    the paths have missed the target).
    """
    if not 0 <= alpha < 1:
        raise ParameterError(f"must be in [0, 1), got {alpha}", param="alpha")
    return bisect_buffers(MissedPaths(params, rates, max_delay_days), [alpha], [tol])[0]


def scenario_params(base: StressParams, scenarios: list[dict]) -> list[StressParams]:
    """``base`` with each scenario's fields replaced.

    Parameters
    ----------
    base
        The scenario the others differ from.
    scenarios
        Dicts of :class:`StressParams` fields and their values.

    Returns
    -------
    list of StressParams
        One scenario per dict, checked.

    Raises
    ------
    ParameterError
        ``param="scenarios"`` naming an unknown field, or a field's own error.
    """
    fields = set(StressParams.__dataclass_fields__)
    unknown = sorted({k for sc in scenarios for k in sc} - fields)
    if unknown:
        raise ParameterError(f"name unknown stress parameter(s) {unknown}; known: "
                             f"{sorted(fields)}", param="scenarios")
    return [replace(base, **sc) for sc in scenarios]


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

    Parameters
    ----------
    base, scenarios
        As for :func:`scenario_params`.
    paths, seed, runs
        Paths per scenario, their seed and run model (:func:`~.rates.withdrawal_rates`).
    daily
        Keep the daily state of every scenario and path.

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
    days = None
    if daily:
        days = pd.concat([r.daily().assign(scenario=i) for i, r in enumerate(results)],
                         ignore_index=True).set_index(["scenario", "path", "day"])
    return StressSweep(metrics, _summary(setting, metrics), days)


def _summary(setting: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """:attr:`StressSweep.summary` from the scenarios' settings and the per-path metrics."""
    grouped = metrics[METRICS].astype(float).groupby(level="scenario")
    summary = setting.copy()
    summary["paths"] = grouped.size()
    summary["p_any_delay"] = (metrics["delayed_amount"] > 0).groupby(level="scenario").mean()
    summary = summary.join(grouped.mean().add_suffix("_mean"))
    return summary.join(grouped[["max_queue", "delayed_share", "max_delay_days"]]
                        .quantile(0.95).add_suffix("_p95"))
