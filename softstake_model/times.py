"""The one time parser: instants need a zone, dates are strict ``YYYY-MM-DD``.

Vectorised for the columns of a file (:func:`parse_times`, :func:`parse_dates`: an
:class:`~softstake_model.errors.InputError` naming file, line and column) and for single
values (:func:`parse_time`, :func:`parse_date`, for arguments: a
:class:`~softstake_model.errors.ParameterError` naming the parameter):

- an *instant* is ISO-8601 with a zone (``2025-11-20T08:00:00Z``, ``…+02:00``); a time
  without a zone is refused, never guessed;
- a *date* is exactly ``YYYY-MM-DD`` (a naive midnight, read as a UTC day).

:mod:`softstake_model.tables` (the checked reader) re-exports these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, ParameterError

__all__ = ["parse_times", "parse_dates", "parse_time", "parse_date", "YEARS", "ZONE_PATTERN",
           "DATE_PATTERN"]

#: A time of day followed by a zone: ``…T08:00:00Z``, ``…08:00+02:00``, ``…08:00:00.5-0500``.
ZONE_PATTERN = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
#: A leap second, ``…23:59:60`` (any fraction and zone after it).
LEAP_PATTERN = r"\d{2}:\d{2}:60(?:[.,]\d+)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_LEAP = ("is a leap second (:60): the UTC days here have 86,400 seconds; write it as "
         ":59 of the same minute")
_TIME_EXAMPLE = "2025-11-20T08:00:00Z"


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
    if format is not None:  # strftime reads a leap second as the next minute: refused first
        _raise_at(~empty & _regex(t, LEAP_PATTERN), lines, file, column,
                  lambda i: f"'{t.iloc[i]}' {_LEAP}")
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
              lambda i: f"'{t.iloc[i]}' " + (_LEAP if _regex(t.iloc[i:i + 1], LEAP_PATTERN)[0]
                                             else "is not an ISO-8601 time"))
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
                "is a leap second (:60)" if "leap second" in e.reason else \
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
