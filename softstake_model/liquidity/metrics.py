"""SPEC §5 metrics: per path at the end of a run, summarised over paths, and the coverage
ratio.

The metrics are accumulated day by day by :func:`.kernel.track`; :func:`final_metrics`
turns the state at the horizon into one row per path.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .result import StressResult
from .state import State

__all__ = ["METRICS", "final_metrics", "path_metrics", "summarize", "Coverage",
           "coverage_ratio"]

METRICS = ["requested", "paid", "max_queue", "delayed_amount", "delayed_share",
           "max_delay_days", "mean_delay_days", "days_with_queue", "days_to_clear"]


def final_metrics(s: State) -> pd.DataFrame:
    """The metrics of every path from the state at the horizon.

    Parameters
    ----------
    s
        The state after the last day.

    Returns
    -------
    pandas.DataFrame
        One row per path: :data:`METRICS` (defined in :func:`path_metrics`), then
        ``outflow_30d``.
    """
    requested, delayed, eps = s.req_cum, s.delayed, s.eps
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(requested > 0, delayed / requested, 0.0)
        mean_delay = np.where(requested > 0, s.unit_days / requested, 0.0)
    return pd.DataFrame({
        "requested": requested,
        "paid": s.paid_cum,
        "max_queue": s.max_queue,
        "delayed_amount": np.where(delayed > eps, delayed, 0.0),
        "delayed_share": np.where(delayed > eps, share, 0.0),
        "max_delay_days": s.max_delay,
        "mean_delay_days": mean_delay,
        "days_with_queue": s.days_q,
        "days_to_clear": np.where(s.first_q == 0, 0.0,
                                  np.where(s.had_q, np.nan, s.last_empty - s.first_q)),
        "outflow_30d": s.outflow_30,
    })


def path_metrics(res: StressResult) -> pd.DataFrame:
    """SPEC §5 metrics per path (``METRICS`` columns, one row per path).

    Parameters
    ----------
    res
        A run of :func:`~.simulation.simulate`.

    Returns
    -------
    pandas.DataFrame
        One row per path, these columns (and ``outflow_30d``):

    - ``requested``, ``paid``: amounts over the horizon, tokens; ``max_queue``: the largest
      end-of-day queue;
    - ``delayed_amount``: the part of each day's requests not paid that day;
    - ``max_delay_days``: largest (day paid in full - request day);
    - ``mean_delay_days``: each unit of requested amount weighted by its own delay, over all
      requested: the sum over days of the amount still queued at the day's end, divided by
      the amount requested;
    - ``days_with_queue``: days ending with a queue; ``days_to_clear``: from the first day a
      queue forms to the day it is last emptied (0 if none forms, NaN if it never empties).

    Amounts unpaid at the horizon count the days waited so far (lower bounds). Amounts below
    :data:`~.state.EPS_REL` of the total are float dust, not a queue.
    """
    return res.metrics


def summarize(metrics: pd.DataFrame) -> dict:
    """The metrics of one path, or their distribution over several.

    Parameters
    ----------
    metrics
        :func:`path_metrics`' frame.

    Returns
    -------
    dict
        One path: each of :data:`METRICS` as a plain number (None where undefined).
        Several: for each metric a dict of ``mean, p50, p95, p99, max`` over the paths where
        it is defined (``days_to_clear`` also ``never_cleared_share``), and ``p_any_delay``,
        the share of paths with any delayed amount.
    """
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
    """A whole number as an int, anything else as a float."""
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


class Coverage(TypedDict):
    """:func:`coverage_ratio`'s answer (amounts in tokens)."""

    buffer: float
    stressed_outflow: float
    window_days: int
    quantile: float
    coverage_ratio: float | None


def coverage_ratio(res: StressResult, quantile: float = 0.99, window: int = 30) -> Coverage:
    """Basel-style coverage: liquid buffer at the start / stressed ``window``-day outflow.

    The stressed outflow is the ``quantile`` across paths of the amount requested in the
    first ``window`` days (one path: that path's amount).

    Parameters
    ----------
    res
        A run; a window other than 30 days needs its daily state.
    quantile
        Quantile of the outflow across paths, in [0, 1].
    window
        Days from the start over which the outflow is summed.

    Returns
    -------
    Coverage
        ``buffer``, ``stressed_outflow``, ``window_days``, ``quantile`` and
        ``coverage_ratio`` (None when the stressed outflow is 0).

    Raises
    ------
    ParameterError
        When the window is not 30 days and the run kept no daily state.
    """
    if window == 30 and res.outflow_30d is not None:
        outflow = res.outflow_30d
    elif res.requested is not None:
        outflow = res.requested[:window].sum(axis=0)
    else:
        raise ParameterError(f"coverage over {window} days needs simulate(..., daily=True)")
    stressed = float(np.quantile(outflow, quantile))
    buffer = res.params.buffer_ratio * res.params.total
    return Coverage(buffer=buffer, stressed_outflow=stressed, window_days=window,
                    quantile=quantile,
                    coverage_ratio=(buffer / stressed) if stressed > 0 else None)
