"""What a stress run returns: the metrics of every path and, if kept, the daily state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import ParameterError
from .params import StressParams

__all__ = ["StressResult", "DAILY_COLUMNS"]

DAILY_COLUMNS = ["path", "day", "requested", "paid", "queued", "liquid", "bonded",
                 "unbonding", "user_balance"]


@dataclass
class StressResult:
    """Metrics of every path and, if recorded, the daily state (arrays ``(days, paths)``).

    The daily arrays are None when the run was made with ``daily=False`` (Monte Carlo
    summaries and buffer searches need only the metrics).

    Attributes
    ----------
    params
        The scenario run.
    metrics
        One row per path: :data:`~.metrics.METRICS` and ``outflow_30d``.
    requested, paid, queued, liquid, bonded, unbonding, user_balance
        The day's requests and payments, and the state at the day's end, tokens.
    deposits, rewards
        Deposits and rewards so far, tokens (zeros when there are none).
    outflow_30d
        Amount requested in the first 30 days of every path, tokens.
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
        """Number of paths."""
        return len(self.metrics)

    def daily(self) -> pd.DataFrame:
        """The daily state as a tidy frame.

        Returns
        -------
        pandas.DataFrame
            :data:`DAILY_COLUMNS`, one row per path and day (sorted by path, then day).

        Raises
        ------
        ParameterError
            When the run kept no daily state.
        """
        if self.requested is None:
            raise ParameterError("this run kept no daily state: simulate(..., daily=True)")
        h, p = self.requested.shape
        # path-major: each (days, paths) array read column by column is already sorted by
        # path, then day (one copy of each array, no sort)
        cols = {"path": np.repeat(np.arange(p), h), "day": np.tile(np.arange(1, h + 1), p)}
        for name in DAILY_COLUMNS[2:]:
            cols[name] = getattr(self, name).T.ravel()
        return pd.DataFrame(cols)
