"""The dates a chain model may jump at: its rules' own dates and its parameter rows'.

Between these dates every model moves continuously (or not at all); :func:`step_dates`
lists them for a window, from the chain's rules (genesis anniversaries, epochs, subsidy
periods, the revamp's 9-day cuts, the cut dates) and from the ``valid_from``/``valid_to``
of its rows in ``data/chain_params.csv``. A test holds every model to it.
"""

from __future__ import annotations

import pandas as pd

from .ada import EPOCH_DAYS
from .params import chain_table, read_params

__all__ = ["step_dates"]


def _every(first: pd.Timestamp, days: int, start: pd.Timestamp,
           end: pd.Timestamp) -> set[pd.Timestamp]:
    """``first + k * days`` (any integer ``k``) within ``[start, end]``."""
    k0 = (start - first).days // days
    out, d = set(), first + pd.Timedelta(days=k0 * days)
    while d <= end:
        if d >= start:
            out.add(d)
        d += pd.Timedelta(days=days)
    return out


def _years(first: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp,
           calendar: bool) -> set[pd.Timestamp]:
    """Anniversaries of ``first`` (calendar years, or 365-day years)."""
    if not calendar:
        return _every(first, 365, start, end)
    return {d for n in range(0, end.year - first.year + 2)
            if start <= (d := first + pd.DateOffset(years=n)) <= end}


def step_dates(chain: str, start: object, end: object) -> set[pd.Timestamp]:
    """The dates in ``[start, end]`` at which ``chain``'s model may jump (a jump takes
    effect on the date: the rate of the day before differs).

    Parameters
    ----------
    chain
        A chain of :data:`~softstake_model.apr.chains.MODELS` as spelled there.
    start, end
        The window (dates).
    """
    start, end = pd.Timestamp(str(start)), pd.Timestamp(str(end))
    t = chain_table()
    rows = t[t.chain == chain]
    out = {pd.Timestamp(d) for d in set(rows.valid_from) | set(rows.valid_to)
           if d and start <= pd.Timestamp(d) <= end}
    p = {k: v.value for k, v in read_params(chain, at=end).items()}
    if chain == "ADA":
        out |= _every(pd.Timestamp(str(p["base_date"])), EPOCH_DAYS, start, end)
    if chain in ("APT", "EGLD"):
        out |= _years(pd.Timestamp(str(p["genesis"])), start, end, calendar=chain == "APT")
    if chain == "APT":
        out |= {pd.Timestamp(c.partition(":")[0]) for c in str(p["aip119_cuts"]).split(";")}
    if chain == "EGLD":
        out.add(pd.Timestamp(str(p["genesis"])) + pd.Timedelta(days=int(p["tail_epoch"])))
    if chain == "ALGO":
        out |= _years(pd.Timestamp(str(p["payouts_start"])), start, end, calendar=False)
    if chain == "SUI":
        out |= _every(pd.Timestamp(str(p["subsidy_start"])), int(p["subsidy_period"]),
                      start, end)
    if chain == "APE":
        out |= _years(pd.Timestamp(str(p["programme_start"])), start, end, calendar=True)
    return {d for d in out if start <= d <= end}
