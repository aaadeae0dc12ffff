"""The CSV reader of withdrawal rates: ``path,day,rate`` rows into a ``(days, paths)`` array
for :func:`~.simulation.simulate` (rates drawn elsewhere, e.g. by a bank's own model).

A file with the header ``path,day,rate``, integer path ids, sorted by path then day and
complete, every value valid, is read by one typed ``pyarrow.csv`` read straight into numpy
(:func:`_fast_rates`). Anything else (or any doubt) goes through the checked table reader
(:func:`~softstake_model.tables.read_table`), which names the first bad line; pandas is
imported only then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..checks import MAX_DAYS
from ..errors import InputError

__all__ = ["read_withdrawal_rates"]

_HEADER = (b"path,day,rate\n", b"path,day,rate\r\n")
_EXACT_INT = 2**53  # ids beyond this are not all distinct as the floats the careful path uses


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
    fast = _fast_rates(path, days)
    if fast is not None:
        return fast
    return _checked_rates(path, days)


def _fast_rates(path: str, days: int | None) -> NDArray[np.float64] | None:
    """The ``(H, paths)`` rates by one typed Arrow read, or None if the file needs the
    careful reader (another header, non-integer ids, a bad value, another order, a gap)."""
    try:
        with open(path, "rb") as f:
            if f.readline() not in _HEADER:
                return None
    except OSError:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"path": pa.int64(), "day": pa.int64(), "rate": pa.float64()},
            null_values=[""], strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError):
        return None
    if t.num_rows == 0 or t.column_names != ["path", "day", "rate"] or any(
            c.null_count for c in t.columns):
        return None
    ids, day, rate = (c.to_numpy() for c in t.columns)
    h = int(day.max()) if days is None else int(days)
    n = len(day)
    if not (0 < h <= MAX_DAYS and n % h == 0 and day.min() >= 1 and day.max() <= h
            and np.abs(ids).max() < _EXACT_INT and (rate >= 0).all() and (rate <= 1).all()):
        return None  # (NaN fails the rate checks)
    p = ids.reshape(n // h, h)
    if not (np.array_equal(day.reshape(n // h, h), np.broadcast_to(np.arange(1, h + 1),
                                                                    (n // h, h)))
            and (p == p[:, :1]).all() and _strictly_increasing(p[:, 0])):
        return None
    return rate.reshape(n // h, h).T.copy()


def _checked_rates(path: str | Path, days: int | None) -> NDArray[np.float64]:
    """:func:`read_withdrawal_rates` through the checked table reader (any order)."""
    import pandas as pd

    from ..tables import Column, read_table, reject_rows, to_numbers

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
