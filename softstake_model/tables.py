"""Checked tables and times: one CSV reader and one time parser for every input file.

:func:`read_table` reads a CSV against a list of :class:`Column` specs and reports the
first bad value as an :class:`~softstake_model.errors.InputError` naming the file, the
line (the header is line 1) and the column. The frame it returns keeps a ``line`` column,
so later checks (:func:`reject_rows`) can name the line too.

Times have one parser, vectorised (:func:`parse_times`, :func:`parse_dates`, for columns of
a file: :class:`InputError`) and for single values (:func:`parse_time`, :func:`parse_date`,
for arguments: :class:`~softstake_model.errors.ParameterError` naming the parameter):

- an *instant* is ISO-8601 with a zone (``2025-11-20T08:00:00Z``, ``…+02:00``); a time
  without a zone is refused, never guessed;
- a *date* is exactly ``YYYY-MM-DD`` (a naive midnight, read as a UTC day).
"""

from __future__ import annotations

import csv
import datetime as dt
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

#: A time of day followed by a zone: ``…T08:00:00Z``, ``…08:00+02:00``, ``…08:00:00.5-0500``.
ZONE_PATTERN = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TIME_EXAMPLE = "2025-11-20T08:00:00Z"


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


def _raise_at(mask: np.ndarray, lines: np.ndarray | None, file: str | None,
              column: str | None, message: Callable[[int], str]) -> None:
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        line = i + 2 if lines is None else int(lines[i])
        raise InputError(message(i), file=file, line=line, column=column)


def _text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip()


def _arrow(text: pd.Series) -> pa.Array:
    return pa.array(text.to_numpy(dtype=object), type=pa.string()) \
        if text.dtype == object else pa.array(text)


def _regex(text: pd.Series, pattern: str) -> np.ndarray:
    """Whether each value matches ``pattern`` (RE2, case-insensitive), as a numpy mask."""
    m = pc.match_substring_regex(_arrow(text), pattern, ignore_case=True)
    return m.to_numpy(zero_copy_only=False).astype(bool)


def parse_times(values: pd.Series, lines: np.ndarray | None = None, *,
                file: str | None = None, column: str | None = None,
                allow_empty: bool = False, format: str | None = None) -> pd.Series:
    """Parse a column of instants to ``datetime64[ns, UTC]``.

    Parameters
    ----------
    values
        Text values; ISO-8601 with a zone (``Z`` or ``±HH[:MM]``), unless ``format``.
    lines
        The file line of each value (default: row i is line i + 2).
    file, column
        Named by the error.
    allow_empty
        Whether an empty value is allowed (it becomes NaT).
    format
        A ``strftime`` format without a zone: values are read with it, as UTC.

    Raises
    ------
    InputError
        At the first empty, zone-less or unreadable value.
    """
    t = _text(values)
    empty = (t == "").to_numpy()
    if not allow_empty:
        _raise_at(empty, lines, file, column, lambda i: "empty value")
    if format is not None:
        out = pd.to_datetime(t.where(~empty, None), format=format, errors="coerce")
        out = out.dt.tz_localize("UTC")
        example = pd.Timestamp("2025-01-04 11:20:13").strftime(format)
        _raise_at(out.isna().to_numpy() & ~empty, lines, file, column,
                  lambda i: f"'{t.iloc[i]}' is not a time like {example}")
        _check_years(out, t, lines, file, column)
        return out.dt.as_unit("ns")
    _raise_at(~empty & ~_regex(t, ZONE_PATTERN), lines, file, column,
              lambda i: f"time '{t.iloc[i]}' has no time zone; write it as UTC, e.g. "
              f"{_TIME_EXAMPLE}")
    out = pd.to_datetime(t.where(~empty, None), format="ISO8601", utc=True, errors="coerce")
    _raise_at(out.isna().to_numpy() & ~empty, lines, file, column,
              lambda i: f"'{t.iloc[i]}' is not an ISO-8601 time")
    _check_years(out, t, lines, file, column)
    return out.dt.as_unit("ns")


def parse_dates(values: pd.Series, lines: np.ndarray | None = None, *,
                file: str | None = None, column: str | None = None,
                allow_empty: bool = False) -> pd.Series:
    """Parse a column of dates ``YYYY-MM-DD`` (exactly) to naive midnights.

    Parameters are those of :func:`parse_times`.

    Raises
    ------
    InputError
        At the first empty or malformed value (``2025-11-20garbage`` is malformed).
    """
    t = _text(values)
    empty = (t == "").to_numpy()
    if not allow_empty:
        _raise_at(empty, lines, file, column, lambda i: "empty value")
    shaped = _regex(t, DATE_PATTERN)
    out = pd.to_datetime(t.where(shaped, None), format="%Y-%m-%d", errors="coerce")
    _raise_at(out.isna().to_numpy() & ~empty, lines, file, column,
              lambda i: f"'{t.iloc[i]}' is not a date YYYY-MM-DD")
    _check_years(out, t, lines, file, column)
    return out.dt.as_unit("ns")


#: Years a time or a date may fall in (inclusive): nanosecond timestamps end in 2262, and
#: the span must fit a nanosecond Timedelta (292 years).
YEARS = (1970, 2200)


def _check_years(out: pd.Series, t: pd.Series, lines: np.ndarray | None, file: str | None,
                 column: str | None) -> None:
    year = out.dt.year.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = (year < YEARS[0]) | (year > YEARS[1])
    _raise_at(bad, lines, file, column,
              lambda i: f"'{t.iloc[i]}' is outside the years {YEARS[0]}-{YEARS[1]}")


def _scalar_timestamp(value: object, param: str, what: str) -> pd.Timestamp | None:
    """A datetime-like ``value`` as a Timestamp; None for text; an error for anything else."""
    if isinstance(value, str):
        return None
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        raise ParameterError(f"is required: give {what}", param=param)
    if isinstance(value, (dt.date, np.datetime64)):
        return pd.Timestamp(value)
    raise ParameterError(f"is not {what}: {value!r}", param=param)


def parse_time(value: object, param: str) -> pd.Timestamp:
    """One instant (ISO-8601 with a zone, or a zone-aware datetime), in UTC.

    Parameters
    ----------
    value
        Text such as ``2025-11-20T08:00:00Z``, or a ``datetime`` / ``Timestamp`` with a zone.
    param
        The Python name of the parameter, for the error.

    Raises
    ------
    ParameterError
        If ``value`` has no zone or is not a time.

    Examples
    --------
    >>> parse_time("2025-11-20T10:00:00+02:00", "activated_at")
    Timestamp('2025-11-20 08:00:00+0000', tz='UTC')
    """
    ts = _scalar_timestamp(value, param, f"an ISO-8601 time with a zone, e.g. {_TIME_EXAMPLE}")
    if ts is None:
        text = value.strip()  # type: ignore[union-attr]
        try:
            out = parse_times(pd.Series([text]))
        except InputError as e:
            reason = "has no time zone" if "time zone" in e.reason else \
                f"is outside the years {YEARS[0]}-{YEARS[1]}" if "outside" in e.reason else \
                "is not an ISO-8601 time"
            raise ParameterError(f"{reason}: '{value}' (write it as UTC, e.g. "
                                 f"{_TIME_EXAMPLE})", param=param) from None
        return out.iloc[0]
    if ts.tzinfo is None:
        raise ParameterError(f"has no time zone: '{value}' (write it as UTC, e.g. "
                             f"{_TIME_EXAMPLE})", param=param)
    return ts.tz_convert("UTC")


def parse_date(value: object, param: str) -> pd.Timestamp:
    """One date: exactly ``YYYY-MM-DD`` (or a date, or a datetime at midnight) → naive midnight.

    A zone-aware datetime is taken in UTC, and must be 00:00 there.

    Parameters
    ----------
    value
        Text ``YYYY-MM-DD``, a ``date``, or a ``datetime`` / ``Timestamp`` at midnight.
    param
        The Python name of the parameter, for the error.

    Raises
    ------
    ParameterError
        If ``value`` is not such a date (``2025-11-20garbage`` is not).

    Examples
    --------
    >>> parse_date("2025-11-20", "start")
    Timestamp('2025-11-20 00:00:00')
    """
    ts = _scalar_timestamp(value, param, "a date YYYY-MM-DD")
    if ts is None:
        try:
            return parse_dates(pd.Series([value])).iloc[0]
        except InputError as e:
            if "outside the years" in e.reason:
                raise ParameterError(e.reason.replace("is outside", "is a date outside"),
                                     param=param) from None
            raise ParameterError(f"is not a date YYYY-MM-DD: '{value}'", param=param) from None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    if ts != ts.normalize():
        raise ParameterError(f"is not a whole day: '{value}'", param=param)
    return ts.as_unit("ns")


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
    data: dict[str, object] = {c.name: parse_column(raw[c.name], c, lines, file=file)
                               for c in present}
    for name in keep:
        if name in raw and name not in data:
            data[name] = _text(raw[name])
    data["line"] = lines
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(raw)))
    frame.attrs["file"] = file
    return frame


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
        for raw in _read_text(path, positions, chunksize):
            raw = _named(raw, names, positions).reset_index(drop=True)
            n = len(raw)
            lines = np.arange(first + 2, first + n + 2, dtype=np.int64) if all_lines is None \
                else all_lines[first:first + n]
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
