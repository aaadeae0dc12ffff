"""Checked tables and times: one CSV reader and one time parser for every input file.

:func:`read_table` reads a CSV against a list of :class:`Column` specs and reports the
first bad value as an :class:`~softstake_model.errors.InputError` naming the file, the
line (the header is line 1) and the column. The frame it returns keeps a ``line`` column,
so later checks (:func:`reject_rows`) can name the line too.

Times have one parser, :mod:`softstake_model.times` (instants need a zone, dates are
strict ``YYYY-MM-DD``); its functions are re-exported here (:func:`parse_times`,
:func:`parse_dates` for columns, :func:`parse_time`, :func:`parse_date` for arguments).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, ParameterError
from .fastread import read_checked
from .sniff import refuse_binary
from .times import (
    YEARS,
    _arrow,
    _raise_at,
    _text,
    parse_date,
    parse_dates,
    parse_time,
    parse_times,
)

__all__ = [
    "Column",
    "read_table",
    "iter_table",
    "read_header",
    "parse_column",
    "to_numbers",
    "reject_rows",
    "parse_times",
    "parse_dates",
    "parse_time",
    "parse_date",
    "read_prices",
]

Kind = Literal["str", "number", "integer", "time", "date"]



@dataclass(frozen=True)
class Column:
    """What one column of a table must hold.

    Parameters
    ----------
    name
        The column's name in the header (compared after stripping spaces).
    kind
        ``str`` (stripped text), ``number`` (finite float), ``integer``, ``time`` (an
        instant: ISO-8601 with a zone, or ``format`` read as UTC) or ``date``
        (``YYYY-MM-DD``, a naive midnight).
    required
        Whether the header must have the column; an absent optional column is absent from
        the frame too.
    allow_empty
        Whether a value may be empty (it becomes ``""``, NaN or NaT); else an empty value
        is an error.
    finite
        Whether a number must be finite; with False, ``inf`` and ``-inf`` are accepted
        (``nan`` never is).
    low, high
        Bounds of a number (inclusive unless ``low_open`` / ``high_open``).
    low_open, high_open
        Whether ``low`` / ``high`` are excluded.
    what
        How the error names a valid value of a number (``"a positive price"`` gives
        ``'-1' is not a positive price``); by default ``a finite number`` or the range.
    format
        For ``time``: a ``strftime`` format without a zone, read as UTC (e.g. Binance's
        ``%Y-%m-%d %H:%M:%S``) instead of ISO-8601 with a zone.
    """

    name: str
    kind: Kind = "str"
    required: bool = True
    allow_empty: bool = False
    finite: bool = True
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    what: str | None = None
    format: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("str", "number", "integer", "time", "date"):
            raise ParameterError(f"is not str, number, integer, time or date: '{self.kind}'",
                                 param="kind")
        if self.format is not None and self.kind != "time":
            raise ParameterError("applies to time columns only", param="format")

    def _range(self) -> str:
        if self.low is not None and self.high is not None:
            return (f"a number in {'(' if self.low_open else '['}{self.low:g}, "
                    f"{self.high:g}{')' if self.high_open else ']'}")
        if self.low is not None:
            return f"a number {'>' if self.low_open else '>='} {self.low:g}"
        return f"a number {'<' if self.high_open else '<='} {self.high:g}"


def reject_rows(table: pd.DataFrame, bad: pd.Series | np.ndarray, column: str,
                message: Callable[[int], str], file: str | None = None) -> None:
    """Raise :class:`InputError` at the first row of ``table`` where ``bad`` is true.

    Parameters
    ----------
    table
        A frame from :func:`read_table` (its ``line`` column and ``attrs["file"]`` name
        the place; without ``line``, row i is line i + 2).
    bad
        Boolean mask, one per row.
    column
        The column to name.
    message
        ``message(i)``: the reason, given the position ``i`` of the first bad row.
    file
        The file to name, if ``table.attrs`` has none.
    """
    mask = np.asarray(bad, dtype=bool)
    if not mask.any():
        return
    i = int(np.flatnonzero(mask)[0])
    line = int(table["line"].iloc[i]) if "line" in table else i + 2
    raise InputError(message(i), file=table.attrs.get("file", file), line=line, column=column)


# --- the reader -----------------------------------------------------------------------

def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected a CSV file", file=str(path))
    if not path.is_file():
        raise InputError("is a pipe, FIFO or device, not a regular file: the file is read "
                         "more than once (header, body, line numbers); save it to a file "
                         "first", file=str(path))
    refuse_binary(path)


def read_header(path: str | Path) -> list[str]:
    """The header names of a CSV file, stripped, after checking the file.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable, empty, or has a duplicate name.
    """
    names = [c.strip() for c in _raw_header(Path(path))]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"duplicate header column(s) {dup}", file=str(path), line=1)
    return names


def _raw_header(path: Path) -> list[str]:
    _check_file(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            row = next(csv.reader(f), [])
    except UnicodeDecodeError:
        raise _decode_error(path) from None
    except csv.Error as e:
        raise InputError(f"not a readable CSV: {e}", file=str(path), line=1) from None
    except OSError as e:
        raise InputError(f"cannot be read: {e.strerror}", file=str(path)) from None
    if not row:
        raise InputError("empty file, expected a header line", file=str(path), line=1)
    return row


def _decode_error(path: Path) -> InputError:
    """The error for a file that is not UTF-8: the physical line and column of the first
    bad byte."""
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                return InputError(f"byte 0x{line[e.start]:02x} at character {e.start + 1} is not "
                                  "UTF-8 text; save the file as UTF-8", file=str(path),
                                  line=number)
    return InputError("is not UTF-8 text", file=str(path))  # pragma: no cover


def _check_fields(path: Path, n_fields: int) -> None:
    """Refuse the first record with more fields than the header (naming its line).

    Fields are split as the C engine splits them (a space before a quote is skipped)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, skipinitialspace=True)
        next(reader, None)
        prev = reader.line_num
        for row in reader:
            if len(row) > n_fields and any(v.strip() for v in row[n_fields:]):
                raise InputError(f"the record has {len(row)} fields, the header "
                                 f"{n_fields}; quote values that hold commas",
                                 file=str(path), line=prev + 1)
            prev = reader.line_num


def _scan_lines(path: Path) -> np.ndarray:
    """The first file line of every record, by the csv module (blank lines skipped)."""
    out = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader, None)
        prev = reader.line_num
        for row in reader:
            if row:
                out.append(prev + 1)
            prev = reader.line_num
    return np.asarray(out, dtype=np.int64)


def _physical_lines(path: Path, look: bool) -> tuple[int, bool]:
    """Number of lines, and (if ``look``) whether there may be blank lines or quotes."""
    n, tricky, last = 0, False, b"\n"
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            n += block.count(b"\n")
            if look and not tricky:
                edge = last + block[:2]
                tricky = b'"' in block or b"\n\n" in block or b"\n\r\n" in block or \
                    b"\n\n" in edge or b"\n\r\n" in edge
            last = block[-1:]
    return n + (last != b"\n"), tricky


def _record_lines(path: Path, n_records: int | None = None) -> np.ndarray | None:
    """File lines of the records when they are not simply 2, 3, …; else None.

    With ``n_records`` known, a file whose line count is ``n_records + 1`` has neither
    blank lines nor records spanning lines (both only add lines), so the records are lines
    2, 3, …. Otherwise the csv module finds where each record starts (slow, exact).
    """
    lines, tricky = _physical_lines(path, look=n_records is None)
    if (n_records is not None and lines == n_records + 1) or (n_records is None and not tricky):
        return None
    return _scan_lines(path)


def _read_text(path: Path, positions: list[int], chunksize: int | None = None):
    """The body as strings (``""`` for empty), columns at ``positions``."""
    common = dict(dtype=str, keep_default_na=False, encoding="utf-8-sig", header=0)
    if chunksize is None:
        raw = _raw_header(path)
        try:  # pyarrow is several times faster; on anything it refuses, the C engine decides
            return pd.read_csv(path, engine="pyarrow", usecols=[raw[i] for i in positions],
                               **common)
        except UnicodeDecodeError:
            raise _decode_error(path) from None
        except (pa.ArrowInvalid, ValueError):
            try:
                _check_fields(path, len(raw))
            except UnicodeDecodeError:
                raise _decode_error(path) from None
    return pd.read_csv(path, engine="c", skipinitialspace=True, chunksize=chunksize,
                       na_filter=False, usecols=positions, index_col=False, **common)


def to_numbers(text: pd.Series) -> np.ndarray:
    """Numbers of stripped text (float64); NaN where a value is not a number."""
    try:  # Arrow's cast is fast but all or nothing; pandas finds the bad values
        return pc.cast(_arrow(text), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def parse_column(raw: pd.Series, col: Column, lines: np.ndarray | None = None, *,
                 file: str | None = None) -> pd.Series | np.ndarray:
    """Parse and check one column of text against ``col`` (see :class:`Column`).

    Returns a Series (text, times, dates) or a float array (numbers; int64 for integers
    without empty values). ``lines`` and ``file`` place the error as in :func:`parse_times`.
    """
    if col.kind == "time":
        return parse_times(raw, lines, file=file, column=col.name, allow_empty=col.allow_empty,
                           format=col.format)
    if col.kind == "date":
        return parse_dates(raw, lines, file=file, column=col.name, allow_empty=col.allow_empty)
    t = _text(raw)
    empty = (t == "").to_numpy()
    if col.kind == "str":
        if not col.allow_empty:
            _raise_at(empty, lines, file, col.name, lambda i: "empty value")
        return t
    num = to_numbers(t)
    ok = (np.isfinite(num) if col.finite or col.kind == "integer" else ~np.isnan(num)) | \
        (empty if col.allow_empty else False)
    default = "an integer" if col.kind == "integer" else \
        "a finite number" if col.finite else "a number"
    what = col.what or default
    _raise_at(~ok, lines, file, col.name, lambda i: f"'{t.iloc[i]}' is not {what}")
    if col.kind == "integer":
        _raise_at(np.isfinite(num) & (num != np.round(num)), lines, file, col.name,
                  lambda i: f"'{t.iloc[i]}' is not {what}")
    if col.low is not None or col.high is not None:
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(num), dtype=bool)
            if col.low is not None:
                out |= num <= col.low if col.low_open else num < col.low
            if col.high is not None:
                out |= num >= col.high if col.high_open else num > col.high
        what = col.what or col._range()
        _raise_at(out, lines, file, col.name, lambda i: f"'{t.iloc[i]}' is not {what}")
    if col.kind == "integer" and not empty.any():
        return num.astype(np.int64)
    return num


def _check_columns(names: list[str], columns: Sequence[Column], file: str) -> list[Column]:
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise InputError(f"missing column(s) {missing}; the header has {names}", file=file,
                         line=1, column=missing[0])
    return [c for c in columns if c.name in names]


def _parse_frame(raw: pd.DataFrame, present: list[Column], lines: np.ndarray,
                 file: str, keep: Sequence[str]) -> pd.DataFrame:
    _reject_header_rows(raw, lines, file)
    data: dict[str, object] = {c.name: parse_column(raw[c.name], c, lines, file=file)
                               for c in present}
    for name in keep:
        if name in raw and name not in data:
            data[name] = _text(raw[name])
    data["line"] = lines
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(raw)))
    frame.attrs["file"] = file
    return frame


def _reject_header_rows(raw: pd.DataFrame, lines: np.ndarray, file: str) -> None:
    """Refuse a body line that repeats the header (two exports joined together)."""
    if raw.shape[1] == 0 or not len(raw):
        return
    first = raw.columns[0]
    maybe = (raw[first].str.strip() == first).to_numpy()
    if not maybe.any():
        return
    rows = raw[maybe]
    same = np.all([(rows[c].str.strip() == c).to_numpy() for c in raw.columns], axis=0)
    if same.any():
        line = int(lines[np.flatnonzero(maybe)[np.flatnonzero(same)[0]]])
        raise InputError("repeats the header: two files joined together? Keep one header "
                         "and remove repeated rows", file=file, line=line)


def _named(raw: pd.DataFrame, names: list[str], positions: list[int]) -> pd.DataFrame:
    raw = raw.set_axis([names[p] for p in sorted(positions)], axis=1)
    return raw


def read_table(path: str | Path, columns: Sequence[Column], *,
               keep: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV file and check each column against its spec.

    Parameters
    ----------
    path
        A UTF-8 CSV file (a BOM, CRLF line ends and quoted fields are fine) with a header.
    columns
        The columns to read, parse and check (other columns of the file are ignored).
    keep
        Names of other columns to keep as stripped text, if the file has them.

    Returns
    -------
    pandas.DataFrame
        The present columns of ``columns`` (and ``keep``), parsed, in file order, plus
        ``line``: the file line of each row (the header is line 1); ``attrs["file"]`` is
        ``str(path)``.

    Raises
    ------
    InputError
        If the file is missing, a directory, not a readable CSV, has a duplicate header
        name, lacks a required column (the message lists the header), or at the first bad
        value (naming its line and column).
    """
    path = Path(path)
    file = str(path)
    names, present, positions = _plan(path, columns, keep)
    fast = read_checked(path, present, names, [k for k in dict.fromkeys(keep) if k in names
                                               and k not in {c.name for c in present}], YEARS)
    if fast is not None:  # one typed Arrow read vouched for every value (fastread.py)
        text = [c for c in fast.columns if c != "line" and (fast[c].dtype == object
                or pd.api.types.is_string_dtype(fast[c].dtype))]
        _reject_header_rows(fast[text], fast["line"].to_numpy(), file)
        return fast
    try:
        raw = _read_text(path, positions)
    except UnicodeDecodeError:
        raise _decode_error(path) from None
    except pd.errors.ParserError as e:
        raise InputError(f"not a readable CSV: {e}", file=file) from None
    raw = _named(raw, names, positions)
    lines = _record_lines(path, len(raw))
    if lines is None:
        lines = np.arange(2, len(raw) + 2, dtype=np.int64)
    return _parse_frame(raw, present, lines, file, keep)


def _plan(path: Path, columns: Sequence[Column], keep: Sequence[str]
          ) -> tuple[list[str], list[Column], list[int]]:
    """Header names, the columns present (required ones checked), positions to read."""
    names = read_header(path)
    present = _check_columns(names, columns, str(path))
    wanted = {c.name for c in present} | {k for k in keep if k in names}
    return names, present, [i for i, n in enumerate(names) if n in wanted]


def iter_table(path: str | Path, columns: Sequence[Column], *, keep: Sequence[str] = (),
               chunksize: int = 1_000_000):
    """:func:`read_table` chunk by chunk (never holding the whole file): yields frames."""
    path = Path(path)
    file = str(path)
    names, present, positions = _plan(path, columns, keep)
    all_lines = _record_lines(path)
    first = 0
    try:
        with _read_text(path, positions, chunksize) as reader:  # closed when the loop ends
            for raw in reader:
                raw = _named(raw, names, positions).reset_index(drop=True)
                n = len(raw)
                lines = np.arange(first + 2, first + n + 2, dtype=np.int64) \
                    if all_lines is None else all_lines[first:first + n]
                first += n
                yield _parse_frame(raw, present, lines, file, keep)
    except UnicodeDecodeError:
        raise _decode_error(path) from None
    except pd.errors.ParserError as e:
        raise InputError(f"not a readable CSV: {e}", file=file) from None


def read_prices(path: str | Path) -> pd.Series:
    """Prices from a CSV with a ``price``, ``close`` or ``Close`` column (the first present).

    Returns
    -------
    pandas.Series
        Positive finite prices (float), in file order, named after the column.

    Raises
    ------
    InputError
        If the file has none of those columns, or at the first price that is not a
        positive finite number.
    """
    path = Path(path)
    names = read_header(path)
    col = next((c for c in ("price", "close", "Close") if c in names), None)
    if col is None:
        raise InputError(f"needs a 'price' or 'close' column; the header has {names}",
                         file=str(path), line=1)
    table = read_table(path, [Column(col, "number", low=0, low_open=True,
                                     what="a positive price")])
    return pd.Series(table[col].to_numpy(), name=col)
