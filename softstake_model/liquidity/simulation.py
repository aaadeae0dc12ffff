"""One stress run: validate the inputs, set up the state, step the days, collect the result.

The random numbers are drawn before (:func:`~.rates.withdrawal_rates`, or APR paths such as
:func:`~softstake_model.apr.simulate_ou`'s); :func:`simulate` only checks them and hands
each day's row to :func:`.kernel.step`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..checks import array_finite
from ..errors import ParameterError
from .kernel import step
from .metrics import final_metrics
from .params import StressParams
from .result import StressResult
from .state import State, check_memory

__all__ = ["simulate", "checked_rates"]


def simulate(
    params: StressParams,
    rates: NDArray[np.float64],
    daily: bool = True,
    network_apr: NDArray[np.float64] | None = None,
    user_apr: NDArray[np.float64] | None = None,
) -> StressResult:
    """Run the daily mechanics on every path of ``rates`` at once.

    The SPEC §5 metrics are accumulated day by day (see
    :func:`~.metrics.path_metrics` for their definitions).

    Parameters
    ----------
    params
        The scenario.
    rates
        Daily withdrawal shares in [0, 1], ``(days, paths)`` (or ``(days,)``: one path);
        ``days`` must be the scenario's.
    daily
        Keep the state of every day as well.
    network_apr, user_apr
        APR paths ``(days, paths)`` (fractions per year, e.g. :func:`apr.simulate_ou`)
        instead of the scenario's constants.

    Returns
    -------
    StressResult
        The metrics of every path and, with ``daily``, the daily state.

    Raises
    ------
    ParameterError
        On rates or APR paths of the wrong shape, non-finite, or out of range, and on a run
        too large for the memory limit.
    """
    rates = checked_rates(params, rates, daily)
    h, n = rates.shape
    net = _apr_paths(network_apr, params.network_apr, h, n, "network_apr")
    user = _apr_paths(user_apr, params.user_apr, h, n, "user_apr")
    s = State.start(params, h, n, daily, rewards=net is not None)
    for t in range(1, h + 1):
        step(s, t, params, rates[t - 1], None if net is None else net[t - 1],
             None if user is None else user[t - 1])
    out = s.out
    if daily:
        for k in ("deposits", "rewards"):
            out.setdefault(k, np.zeros((h, n)))
    return StressResult(params=params, metrics=final_metrics(s), outflow_30d=s.outflow_30,
                        **out)


def checked_rates(params: StressParams, rates: NDArray[np.float64], daily: bool = False
                  ) -> NDArray[np.float64]:
    """``rates`` as ``(days, paths)`` floats, checked as :func:`simulate` needs them (and
    the run's memory estimate with them, ``daily``: with the daily state and its table).

    Raises
    ------
    ParameterError
        ``param="rates"`` on non-finite values, values outside [0, 1] or another horizon
        than the scenario's; ``param="paths"`` on a run too large for the memory limit.
    """
    rates = np.asarray(rates, dtype=np.float64)
    if rates.ndim == 1:
        rates = rates[:, None]
    h, n = rates.shape
    check_memory(h, n, daily)
    array_finite(rates, "rates")
    if ((rates < 0) | (rates > 1)).any():
        raise ParameterError(f"must be daily shares in [0, 1], got values from "
                             f"{rates.min():g} to {rates.max():g}", param="rates")
    if h != params.days:
        raise ParameterError(f"cover {h} days, the scenario {params.days}", param="rates")
    return rates


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
