"""Per-token APR processes: which OU process a token's APR follows, and its centred paths.

Which process applies is per token (``data/apr_processes.csv``), and the fit says which in
``source`` (its ``label`` is the sentence reports print):

- ``history``: fitted to the token's own history (ADA: Cardano's per-epoch delegator yield,
  :func:`~softstake_model.apr.history.cardano_process`);
- ``schedule``: the chain's own net APR from its schedule (recomputed weekly), times step
  changes and a small diffusion from the table;
- ``fallback``: ETH.STORE's fitted speed and volatility (:func:`eth_store_shape`), for BNB
  and any token the table lacks.

The process itself (fitting, simulation, centring) is :mod:`.ou`.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import shipped
from ..errors import ParameterError
from ..examples import eth_store
from ..tables import parse_date
from .asof import as_of
from .chains import TOKEN_CHAIN, network_apr
from .history import cardano_process
from .ou import OUFit, centred_paths, fit_ou

__all__ = ["eth_store_shape", "token_process", "process_sentence", "token_apr_paths",
           "schedule_ratio"]


@functools.cache
def eth_store_shape() -> OUFit:
    """The OU process fitted to the shipped ETH.STORE daily staking APR series
    (``data/eth_staking_apr_ethstore_daily.csv``, see ``docs/apr.md``), without bootstrap."""
    return fit_ou(eth_store(), bootstrap=0)


@functools.cache
def _process_table() -> pd.DataFrame:
    """The shipped ``data/apr_processes.csv``, checked (:func:`~softstake_model.shipped.
    apr_processes`)."""
    return shipped.apr_processes()


def token_process(token: str | None) -> OUFit:
    """The APR process of ``token`` (``data/apr_processes.csv``), labelled in ``source``.

    ``history``: OU fitted to the token's shipped history (ADA: the per-epoch delegator
    yield); ``schedule``: the table's diffusion and steps (the schedule itself is applied
    by :func:`token_apr_paths`); anything else, or no token: ETH.STORE's process
    (``fallback``).
    """
    table = _process_table()
    key = None if token is None else str(token).strip().upper()
    if key is None or key not in table.index or table.at[key, "process"] == "fallback":
        return replace(eth_store_shape(), mu=0.0, ci={}, source="fallback", end=None)
    row = table.loc[key]
    if row["process"] == "history":
        return cardano_process()
    return OUFit(float(row["kappa"]), 0.0, float(row["sigma"]), 1.0, float("nan"), 0,
                 source="schedule", step_rate=float(row["step_rate"]),
                 step_sd=float(row["step_sd"]))


def process_sentence(token: str | None) -> str:
    """What reports print about the APR paths of ``token``: which process applies."""
    return token_process(token).label


def schedule_ratio(token: str, days: int, start: object = None,
                   at: object = None) -> NDArray[np.float64]:
    """The chain's net APR on each simulated day relative to the day before the first
    (weekly resolution: the rate is recomputed every 7 days and held; all ones where the
    chain has no model on one of the days).

    Parameters
    ----------
    token
        A token of :data:`~softstake_model.apr.chains.TOKEN_CHAIN`.
    days
        Number of simulated days.
    start
        First simulated day (default the day after ``at``).
    at
        The as-of date (default today, UTC).
    """
    first = as_of(at) + pd.Timedelta(days=1) if start is None else parse_date(start, "start")
    chain = TOKEN_CHAIN[token]
    base = network_apr(chain, at=first - pd.Timedelta(days=1), interval=False)["net_apr"]
    weeks = np.arange(0, days, 7)
    rates = [network_apr(chain, at=first + pd.Timedelta(days=int(d)), interval=False)["net_apr"]
             for d in weeks]
    if base is None or any(r is None for r in rates):
        return np.ones(days)  # no model on some day: the mean stays at the quoted APR
    return np.repeat(np.array(rates) / base, 7)[:days]


def token_apr_paths(apr: float, days: int, paths: int, seed: int | None = 0,
                    token: str | None = None, start: object = None,
                    follow_schedule: bool = True,
                    at: object = None) -> tuple[NDArray[np.float64], OUFit]:
    """Daily APR paths ``(days, paths)`` for a token quoted at ``apr``, centred on it.

    The mean over paths of every day is ``apr`` — times, for a ``schedule`` token with
    ``follow_schedule``, the chain's own net APR on that day relative to the day before
    ``start`` (so the known schedule, e.g. SOL's taper, moves the mean; 1 on day 1).

    Parameters
    ----------
    apr
        The APR now (fraction a year, in (0, 1]).
    days, paths, seed
        Horizon, number of paths, seed (reproducible).
    token
        Chooses the process (:func:`token_process`); without one, the ETH.STORE fallback.
    start
        First simulated day (default the day after ``at``).
    follow_schedule
        For a ``schedule`` token, let the mean follow the chain's schedule.
    at
        The as-of date the APR is quoted at (default today, UTC; the catalogue's APRs are
        dated 2025-11-19); used only as the default ``start``.

    Returns
    -------
    paths, fit
        The paths and the process they were drawn from; ``fit.source`` says which applies
        and ``fit.label`` is the sentence reports print.
    """
    if not (np.isfinite(apr) and 0 < apr <= 1):
        raise ParameterError(f"must be a fraction in (0, 1] for APR paths, got {apr}",
                             param="apr")
    fit = replace(token_process(token), last=float(apr), mu=float(np.log(apr)))
    sched = None
    if fit.source == "schedule" and follow_schedule:
        sched = schedule_ratio(str(token).strip().upper(), days, start, at)
    return centred_paths(apr, fit, days, paths, seed, sched), fit
