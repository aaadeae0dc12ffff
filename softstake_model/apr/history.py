"""APR histories: a user's dated APR file fitted, and Cardano's real reward history.

:func:`fit_apr_history` reads a ``date,apr`` file through the checked table reader and fits
it on its own dates (:func:`~softstake_model.apr.ou.fit_history`: gaps and irregular dates
allowed). :func:`cardano_delegator_history` is the one real reward history shipped, and
:func:`cardano_process` its fitted process (the ``history`` process of ADA).
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import pandas as pd

from .. import shipped
from ..errors import InputError
from ..tables import Column, read_table
from .chains import ada_epoch, chain_params
from .ou import OUFit, fit_history

__all__ = ["fit_apr_history", "cardano_process", "cardano_delegator_history"]


def fit_apr_history(path: str | Path, bootstrap: int = 200, seed: int | None = 0) -> OUFit:
    """Read a daily APR history (CSV ``date,apr``: ``YYYY-MM-DD`` dates, APR as a
    fraction) with :func:`~softstake_model.tables.read_table` and fit it
    (:func:`fit_history`). Gaps and irregular dates are handled; a repeated date is an
    :class:`InputError`."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(p))
    t = read_table(p, [Column("date", "date"), Column("apr", "number")])
    dup = t["date"].duplicated()
    if dup.any():
        row = t[dup].iloc[0]
        raise InputError(f"date {row['date'].date()} appears twice", file=str(p),
                         line=int(row["line"]), column="date")
    bad = ~(t["apr"] > 0)
    if bad.any():
        row = t[bad].iloc[0]
        raise InputError(f"APR {row['apr']} is not positive (rates are fractions, 0.05 = 5%)",
                         file=str(p), line=int(row["line"]), column="apr")
    try:
        return fit_history(t["date"], t["apr"], bootstrap=bootstrap, seed=seed)
    except InputError as e:
        raise InputError(str(e), file=str(p)) from None


# --- Cardano: the one real reward history shipped ------------------------------------------

def _cardano_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped Cardano epoch rewards and statistics, checked (:mod:`..shipped`)."""
    return shipped.cardano_epochs(), shipped.cardano_epoch_statistics()


def cardano_delegator_history(first_epoch: int = 260) -> pd.DataFrame:
    """What Cardano delegators actually earned, epoch by epoch, beside the model's figure.

    From the shipped Cardano Foundation rewards calculation: ``earned_apr`` is the rewards
    distributed for the epoch over the active stake, times 73 epochs a year (before pool
    fees and margins; what stake earned as a whole), and ``model_apr`` is the chain model's
    network APR for that epoch (:func:`~softstake_model.apr.chains.ada_epoch` on the previous
    epoch's reserves and this epoch's fees and blocks, times the ``distribution_efficiency``
    parameter, over the active stake, times 73).

    Returns
    -------
    pandas.DataFrame
        ``date`` (epoch start, UTC day), ``epoch``, ``earned_apr``, ``model_apr``,
        ``difference = earned_apr - model_apr`` (fractions a year).
    """
    ada, stats = _cardano_frames()
    p = chain_params("ADA")
    eff = float(p["distribution_efficiency"].value)
    per_year = float(p["epochs_per_year"].value)
    st = stats.set_index(stats["epoch"].astype(int))
    rows = []
    for e in range(max(int(first_epoch), int(st.index.min()) + 1), int(st.index.max()) + 1):
        row, prev = st.loc[e], st.loc[e - 1]
        stake = int(row["active_epoch_stake"])
        ep = ada_epoch(int(prev["reserves"]), int(row["epoch_fees"]),
                       Fraction(int(row["block_count"]), 21600), Fraction(3, 1000),
                       Fraction(1, 5))
        rows.append((e, int(row["total_distributed_rewards"]) / stake * per_year,
                     ep["pools"] * eff / stake * per_year))
    out = pd.DataFrame(rows, columns=["epoch", "earned_apr", "model_apr"])
    starts = ada.set_index("epoch")["epoch_start_utc"]
    out.insert(0, "date", pd.to_datetime(out["epoch"].map(starts)).dt.tz_localize(None)
               .dt.normalize())
    out["difference"] = out["earned_apr"] - out["model_apr"]
    return out


@functools.cache
def cardano_process() -> OUFit:
    """The OU process of Cardano's per-epoch delegator yield (epochs 260 on, 5-day
    steps), labelled ``history``; without bootstrap. Cardano's yield drifts down with its
    reserves, so the speed is small and paths are centred on the APR given."""
    h = cardano_delegator_history()
    return fit_history(h["date"], h["earned_apr"], bootstrap=0, source="history")
