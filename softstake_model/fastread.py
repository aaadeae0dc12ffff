"""The fast read of a checked table: one typed ``pyarrow.csv`` read that vouches for a file.

:func:`read_checked` reads a CSV against the :class:`~softstake_model.tables.Column` specs
of :func:`~softstake_model.tables.read_table` with one typed ``pyarrow.csv.read_csv``
(numbers parsed by Arrow while reading, times and dates cast by Arrow from text of a shape
checked first), then runs the specs' checks on whole arrays. It returns the frame
:func:`~softstake_model.tables.read_table` would return, or ``None`` when it cannot vouch
for the file: Arrow refuses it, a value fails a check, or the file holds anything the
line-by-line reader treats specially (blank lines, records spanning lines, text to strip,
a time in another shape). On ``None`` the caller reads the file the careful way, which
names the first bad line; so every error message comes from one place.

This module imports nothing from :mod:`softstake_model.tables` (which calls it): the specs
are read through their attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["read_checked", "INSTANT_SHAPE", "DATE_SHAPE", "EDGE_SPACE"]

#: Instants the fast path parses: ``YYYY-MM-DD[T ]HH:MM[:SS[.f]]`` and ``Z`` or ``±HH[[:]MM]``
#: (every such value also matches the careful reader's zone pattern).
INSTANT_SHAPE = (r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
                 r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
DATE_SHAPE = r"^\d{4}-\d{2}-\d{2}$"
#: Text whose first or last character is not printable ASCII (space included): it may
#: need stripping, which the careful reader does.
EDGE_SPACE = r"^[^\x21-\x7e]|[^\x21-\x7e]$"
_NS_PER_S = 1_000_000_000


def _year_bounds_ns(years: tuple[int, int]) -> tuple[int, int]:
    """Nanoseconds since 1970 of the first instant of ``years[0]`` and of ``years[1] + 1``."""
    first = pd.Timestamp(year=years[0], month=1, day=1).value
    after = (pd.Timestamp(year=years[1], month=12, day=31) + pd.Timedelta(days=1)).value
    return first, after


def _record_count_fits(data: bytes, n_records: int) -> bool:
    """Whether the records are lines 2, 3, … (no blank lines, none spanning lines)."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    return lines == n_records + 1


def _arrow_type(col: Any) -> pa.DataType:
    return pa.float64() if col.kind in ("number", "integer") else pa.string()


def _read(data: bytes, n_fields: int, wanted: dict[int, Any]) -> pa.Table | None:
    """The wanted columns (by position), typed; None if Arrow refuses the text."""
    names = [f"f{i}" for i in range(n_fields)]
    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[i] for i in wanted],
                column_types={names[i]: _arrow_type(c) for i, c in wanted.items()},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None


def _any(mask: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _bytes_of(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (``n + 1``) and the UTF-8 bytes of a string array without nulls."""
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:
                                                                 chunk.offset + len(chunk) + 1]
    data = chunk.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else \
        np.zeros(0, dtype=np.uint8)


def _edge_space(arr: pa.ChunkedArray) -> bool:
    """Whether a value starts or ends with a character that is not printable ASCII
    (:data:`EDGE_SPACE`), read from the first and last bytes of every value."""
    for chunk in arr.chunks:
        offsets, data = _bytes_of(chunk)
        full = offsets[1:] > offsets[:-1]
        for at in (offsets[:-1][full], offsets[1:][full] - 1):
            b = data[at]
            if ((b < 0x21) | (b > 0x7E)).any():
                return True
    return False


#: The canonical instant ``YYYY-MM-DDTHH:MM:SSZ``: the byte each position holds (0: a digit).
_CANONICAL = np.frombuffer(b"0000-00-00T00:00:00Z", dtype=np.uint8).copy()
_CANONICAL[_CANONICAL == ord("0")] = 0


def _canonical_instants(arr: pa.ChunkedArray) -> bool:
    """Whether every value is ``YYYY-MM-DDTHH:MM:SSZ`` (checked byte by byte, no regex)."""
    width = len(_CANONICAL)
    for chunk in arr.chunks:
        offsets, data = _bytes_of(chunk)
        if chunk.null_count or not np.array_equal(
                np.diff(offsets), np.full(len(chunk), width, dtype=np.int32)):
            return False
        block = data[offsets[0]:offsets[-1]].reshape(len(chunk), width)
        digit = _CANONICAL == 0
        if not (((block[:, digit] >= ord("0")) & (block[:, digit] <= ord("9"))).all()
                and (block[:, ~digit] == _CANONICAL[~digit]).all()):
            return False
    return True


def _text(arr: pa.ChunkedArray, allow_empty: bool) -> pd.Series | None:
    """Text that needs no stripping (and is not empty unless allowed), as a ``str`` Series."""
    if _edge_space(arr):
        return None
    if not allow_empty and _any(pc.equal(pc.binary_length(arr), 0)):
        return None
    return pd.Series(arr.to_pandas(), dtype="str")


def _numbers(arr: pa.ChunkedArray, col: Any) -> np.ndarray | None:
    """The checked numbers of a number or integer column (the careful reader's result)."""
    num = arr.to_numpy().astype(np.float64, copy=False)
    empty = np.isnan(num) & arr.is_null().to_numpy()
    if empty.any() and not col.allow_empty:
        return None
    finite = col.finite or col.kind == "integer"
    ok = (np.isfinite(num) if finite else ~np.isnan(num)) | empty
    if not ok.all():
        return None
    if col.kind == "integer" and (np.isfinite(num) & (num != np.round(num))).any():
        return None
    with np.errstate(invalid="ignore"):
        if col.low is not None and (num <= col.low if col.low_open else num < col.low).any():
            return None
        if col.high is not None and \
                (num >= col.high if col.high_open else num > col.high).any():
            return None
    if col.kind == "integer" and not empty.any():
        return num.astype(np.int64)
    return num


def _times(arr: pa.ChunkedArray, col: Any, bounds: tuple[int, int]) -> pd.Series | None:
    """Instants (with a zone) or dates of one of the shapes Arrow parses like pandas."""
    if col.kind == "time" and col.format is not None:
        return None  # strftime formats: the careful reader
    empty = pc.equal(pc.binary_length(arr), 0)
    if _any(empty) and not col.allow_empty:
        return None
    if not (col.kind == "time" and _canonical_instants(arr)):
        shape = INSTANT_SHAPE if col.kind == "time" else DATE_SHAPE
        if not pc.all(pc.or_(pc.match_substring_regex(arr, shape), empty)).as_py():
            return None
    text = pc.if_else(empty, pa.scalar(None, pa.string()), arr)
    try:
        out = pc.cast(text, pa.timestamp("ns", "UTC" if col.kind == "time" else None))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    ns = out.cast(pa.int64())
    lo, hi = pc.min_max(ns).values()
    if lo.is_valid and (lo.as_py() < bounds[0] or hi.as_py() >= bounds[1]):
        return None
    zone = ", UTC" if col.kind == "time" else ""
    return pd.Series(out.to_pandas(), dtype=f"datetime64[ns{zone}]")


def _column(arr: pa.ChunkedArray, col: Any, bounds: tuple[int, int]) -> Any:
    if col.kind in ("number", "integer"):
        return _numbers(arr, col)
    if col.kind in ("time", "date"):
        return _times(arr, col, bounds)
    return _text(arr, col.allow_empty)


def read_checked(path: str | Path, present: Sequence[Any], names: Sequence[str],
                 keep: Sequence[str], years: tuple[int, int]) -> pd.DataFrame | None:
    """The frame :func:`~softstake_model.tables.read_table` returns, or None (read it there).

    Parameters
    ----------
    path
        The CSV file, its header already read and checked (``names``: stripped, unique).
    present
        The specs (:class:`~softstake_model.tables.Column`) of the columns the file has.
    names
        Every header name, in file order.
    keep
        Other columns of the file to keep as text (present ones, not among ``present``).
    years
        First and last year a time or a date may fall in (inclusive).

    Returns
    -------
    pandas.DataFrame or None
        ``present`` parsed and ``keep`` as text, then ``line`` (2, 3, …), ``attrs["file"]``;
        None when the fast read cannot vouch for every value.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    position = {n: i for i, n in enumerate(names)}
    specs = {position[c.name]: c for c in present}
    specs.update({position[k]: _KeepText() for k in keep})
    table = _read(data, len(names), specs)
    if table is None or table.num_rows == 0 or not _record_count_fits(data, table.num_rows):
        return None
    bounds = _year_bounds_ns(years)
    out: dict[str, object] = {}
    for name in [c.name for c in present] + list(keep):
        values = _column(table.column(f"f{position[name]}"), specs[position[name]], bounds)
        if values is None:
            return None
        out[name] = values
    n = table.num_rows
    out["line"] = np.arange(2, n + 2, dtype=np.int64)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)  # no block copies
    frame.attrs["file"] = str(path)
    return frame


class _KeepText:
    """The spec of a kept column: text, possibly empty."""

    kind = "str"
    allow_empty = True
