"""The CSV reader of withdrawal rates: ``path,day,rate`` rows into a ``(days, paths)`` array
for :func:`~.simulation.simulate` (rates drawn elsewhere, e.g. by a bank's own model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..checks import MAX_DAYS
from ..errors import InputError
from ..tables import Column, read_table, reject_rows, to_numbers

__all__ = ["read_withdrawal_rates"]


def read_withdrawal_rates(path: str, days: int | None = None) -> NDArray[np.float64]:
    """Read ``path,day,rate`` (days 1..H for every path, no gaps) → ``(H, paths)``.

    Paths are ordered by their id (numerically when every id is a number). ``H`` is
    ``days``, or the last day in the file. A file sorted by path then day is reshaped
    directly; any other order is pivoted.

    Parameters
    ----------
    path
        The CSV file: columns ``path`` (any id), ``day`` (1-based) and ``rate`` (a share).
    days
        The horizon ``H`` (None: the last day in the file).

    Returns
    -------
    numpy.ndarray
        ``(H, paths)`` daily withdrawal shares, for :func:`~.simulation.simulate`.

    Raises
    ------
    InputError
        On a malformed file, a rate outside [0, 1], a repeated (path, day), a missing day
        or a day beyond ``days``: names the file, the line and the column.
    """
    table = read_table(path, [Column("path"), Column("day", "integer", low=1),
                              Column("rate", "number", low=0, high=1)])
    file = table.attrs["file"]
    ids = to_numbers(table["path"])
    ids = table["path"].to_numpy() if np.isnan(ids).any() else ids
    day = np.asarray(table["day"], dtype=np.int64)
    rate = np.asarray(table["rate"], dtype=np.float64)
    if len(day) == 0:
        raise InputError("no rates", file=file)
    reject_rows(table, day > MAX_DAYS, "day",
                lambda i: f"day {day[i]:,} is beyond the longest horizon, {MAX_DAYS:,} days")
    h = int(day.max()) if days is None else int(days)
    reject_rows(table, day > h, "day",
                lambda i: f"day {day[i]} is beyond the horizon of {h} days")
    n = len(day)
    if n % h == 0:  # fast path: sorted by path then day, complete
        p = ids.reshape(n // h, h)
        first = p[:, 0]
        if (np.array_equal(day, np.tile(np.arange(1, h + 1), n // h))
                and (p == first[:, None]).all() and _strictly_increasing(first)):
            return rate.reshape(n // h, h).T.copy()
    keys = pd.DataFrame({"path": ids, "day": day})
    reject_rows(table, keys.duplicated(), "day",
                lambda i: f"path {table['path'].iloc[i]} day {day[i]} appears twice")
    wide = pd.DataFrame({"path": ids, "day": day, "rate": rate}).pivot(
        index="day", columns="path", values="rate").sort_index(axis=0).sort_index(axis=1)
    wide = wide.reindex(pd.RangeIndex(1, h + 1))
    holes = np.argwhere(wide.isna().to_numpy().T)  # (path, day) pairs, path-major
    if len(holes):
        p, d = holes[0]
        name = table["path"].iloc[int(np.flatnonzero(ids == wide.columns[p])[0])]
        raise InputError(f"path {name} has no rate for day {d + 1} (days 1..{h} are "
                         "needed for every path)", file=file, column="day")
    return wide.to_numpy(dtype=float)


def _strictly_increasing(values: np.ndarray) -> bool:
    if len(values) < 2:
        return True
    try:
        return bool((values[1:] > values[:-1]).all())
    except TypeError:  # mixed types cannot be compared: not sorted
        return False
