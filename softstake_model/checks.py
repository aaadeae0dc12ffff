"""One validation layer: the checks the file readers, the command line and the Python API share.

Each check raises :class:`~softstake_model.errors.ParameterError` naming the Python
parameter (the command line turns it into its flag), so a value is refused with the same
words wherever it comes from:

- :func:`finite`, :func:`ratio`, :func:`rate`: finite numbers, shares in [0, 1], and APRs
  or rates that are fractions (``5`` for 5 % "looks like a percentage" and is refused);
- :func:`ordered`: consistent ranges (start <= end, minimum <= cap, activation before
  deactivation);
- :func:`whole`: whole numbers in a range (days, paths, seeds, chunk sizes);
- :func:`work`: an estimate of the memory large work needs, refused above
  :data:`MAX_BYTES` before anything is allocated;
- :func:`yaml_value`: a parameter value read as YAML, bounded in text and expanded size
  (aliases cannot make a 360-byte value grow to gigabytes);
- :func:`unique_keys_loader`: YAML's safe loader refusing a mapping that repeats a key.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import InputError, ParameterError

__all__ = ["MAX_BYTES", "MAX_RUNS", "MAX_VALUE_CHARS", "MAX_VALUE_NODES", "MAX_DAYS",
           "finite", "ratio", "rate", "ordered", "whole", "work", "yaml_value",
           "human_bytes", "array_finite", "bounded", "catalog_values",
           "date_range", "horizon", "chain_request", "text_dates_loader",
           "unique_keys_loader", "read_yaml"]

#: Memory a single command may plan to use (bytes): 2 GiB, or ``SOFTSTAKE_MAX_BYTES``.
MAX_BYTES = int(os.environ.get("SOFTSTAKE_MAX_BYTES", 2 * 1024**3))
#: Most runs a scenario file (or a sweep) may expand to.
MAX_RUNS = 10_000
#: Longest parameter value text (characters) and most nodes its YAML may expand to.
MAX_VALUE_CHARS, MAX_VALUE_NODES = 10_000, 10_000
#: Longest horizon in days (a century): beyond it dates leave pandas' range.
MAX_DAYS = 36_525


def finite(value: object, param: str) -> float:
    """``value`` as a finite float, else a ParameterError naming ``param``."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"must be a number, got {value!r}", param=param) from None
    if not math.isfinite(x):
        raise ParameterError(f"must be a finite number, got {value}", param=param)
    return x


def ratio(value: object, param: str, *, low: float = 0.0, high: float = 1.0) -> float:
    """A finite share in ``[low, high]`` (default [0, 1])."""
    x = finite(value, param)
    if not low <= x <= high:
        raise ParameterError(f"must be in [{low:g}, {high:g}], got {x:g}", param=param)
    return x


def rate(value: object, param: str, *, low: float = 0.0, high: float = 1.0) -> float:
    """An APR or daily rate given as a fraction (0.05 = 5 %).

    A value in ``(high, 100]`` is refused as "looks like a percentage"; others outside
    ``[low, high]`` as out of range.
    """
    x = finite(value, param)
    if high < x <= 100:
        raise ParameterError(f"must be a fraction in [{low:g}, {high:g}] (0.05 = 5%), got "
                             f"{x:g}: it looks like a percentage; write {x / 100:g}",
                             param=param)
    if not low <= x <= high:
        raise ParameterError(f"must be a fraction in [{low:g}, {high:g}] (0.05 = 5%), got "
                             f"{x:g}", param=param)
    return x


def ordered(low: object, high: object, low_param: str, high_param: str,
            strict: bool = False) -> None:
    """Refuse ``low`` after ``high`` (or equal, with ``strict``); None means unbounded."""
    if low is None or high is None:
        return
    bad = low >= high if strict else low > high  # type: ignore[operator]
    if bad:
        word = "at or after" if strict else "after"
        raise ParameterError(f"{low} is {word} {high_param} {high}", param=low_param)


def whole(value: object, param: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ParameterError(f"must be a whole number, got {value!r}", param=param)
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        span = f">= {low:,}" if high is None else f"in {low:,}..{high:,}" if low is not None \
            else f"<= {high:,}"
        raise ParameterError(f"must be {span}, got {v:,}", param=param)
    return v


def human_bytes(n: float) -> str:
    """``2147483648`` -> ``2.0 GiB``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def work(bytes_needed: float, param: str, what: str, limit: int | None = None) -> None:
    """Refuse work whose estimated memory exceeds ``limit`` (default :data:`MAX_BYTES`).

    Parameters
    ----------
    bytes_needed
        The estimate, bytes.
    param
        The parameter that sets the size (named in the message).
    what
        What the memory holds, e.g. ``"90 days x 3,000,000 paths x 8 arrays"``.
    limit
        The limit in bytes.
    """
    limit = MAX_BYTES if limit is None else limit
    if bytes_needed > limit:
        raise ParameterError(f"asks for about {human_bytes(bytes_needed)} of memory ({what}), "
                             f"more than the {human_bytes(limit)} allowed (set "
                             "SOFTSTAKE_MAX_BYTES to raise it); ask for less", param=param)


def _count(obj: object, budget: int) -> int:
    """Nodes of ``obj`` as expanded (shared sub-objects counted each time), up to ``budget``."""
    seen, stack = 0, [obj]
    while stack:
        o = stack.pop()
        seen += 1
        if seen > budget:
            return seen
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list | tuple):
            stack.extend(o)
    return seen


def yaml_value(text: str, param: str) -> object:
    """A parameter value read as YAML (``"30"`` is 30); text that is not YAML stays text.

    Refused: text longer than :data:`MAX_VALUE_CHARS`, or YAML that expands (through
    aliases) to more than :data:`MAX_VALUE_NODES` nodes.
    """
    import yaml

    if len(text) > MAX_VALUE_CHARS:
        raise ParameterError(f"value is {len(text):,} characters long, more than the "
                             f"{MAX_VALUE_CHARS:,} allowed", param=param)
    try:
        value = yaml.load(text, Loader=text_dates_loader())
    except yaml.YAMLError:
        return text
    bounded(value, param)
    return value


def bounded(value: object, param: str, limit: int = MAX_VALUE_NODES) -> None:
    """Refuse a parsed value that expands to more than ``limit`` nodes."""
    if _count(value, limit) > limit:
        raise ParameterError(f"value expands to more than {limit:,} items (YAML aliases?); "
                             "write it out", param=param)


def array_finite(values: np.ndarray | Sequence[float], param: str) -> None:
    """Refuse NaN or infinite values in an array (naming the first bad position)."""
    x = np.asarray(values, dtype=float)
    bad = ~np.isfinite(x)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise ParameterError(f"must hold finite numbers; item {i} is {x.ravel()[i]}",
                             param=param)


def catalog_values(cat: object, source: object = None) -> None:
    """Check a catalogue's figures: APRs are fractions (a 5 "looks like a percentage"),
    minimums and caps non-negative, minimum <= cap, volatilities finite and >= 0.

    Parameters
    ----------
    cat
        The catalogue frame (indexed by token).
    source
        The file it was read from (named in the error), if any.

    Raises
    ------
    InputError
        With a file: naming it, the token and the column.
    ParameterError
        Without one: naming ``catalog``.
    """
    import pandas as pd

    from .errors import InputError

    assert isinstance(cat, pd.DataFrame)

    def fail(token: object, column: str, reason: str) -> None:
        if isinstance(source, str | os.PathLike):
            raise InputError(f"token {token}: {reason}", file=str(source), column=column)
        raise ParameterError(f"token {token}, column '{column}': {reason}", param="catalog")

    def num(col: str) -> np.ndarray:
        return pd.to_numeric(cat[col], errors="coerce").to_numpy(dtype=float)

    if "apr" in cat:
        apr = num("apr")
        for i in np.flatnonzero(~(np.isnan(apr) | ((apr >= 0) & (apr <= 1)))):
            x = apr[i]
            hint = f"; it looks like a percentage: write {x / 100:g}" if 1 < x <= 100 else ""
            fail(cat.index[i], "apr", f"APR {x:g} is not a fraction in [0, 1] (0.05 = 5%)"
                 + hint)
    lo = num("min_holding") if "min_holding" in cat else None
    hi = num("cap") if "cap" in cat else None
    for col, x in (("min_holding", lo), ("cap", hi)):
        if x is not None:
            for i in np.flatnonzero(x < 0):
                fail(cat.index[i], col, f"{x[i]:g} is negative")
    if lo is not None and hi is not None:
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(lo > hi)
        for i in bad:
            fail(cat.index[i], "min_holding", f"minimum {lo[i]:g} is above the cap {hi[i]:g}: "
                 "nothing could earn")


def date_range(start: object, end: object) -> None:
    """Refuse a ``start`` after ``end`` (dates ``YYYY-MM-DD``; None: open)."""
    from .tables import parse_date

    if start is None or end is None:
        return
    s, e = parse_date(start, "start"), parse_date(end, "end")
    if s > e:
        raise ParameterError(f"{s.date()} is after end {e.date()}", param="start")


def horizon(days: object, param: str = "days") -> int:
    """A horizon in days: a whole number in 1..:data:`MAX_DAYS`."""
    return whole(days, param, 1, MAX_DAYS)


def chain_request(year: object = None, params: dict | None = None) -> None:
    """A chain-model request: ``year`` finite in [0, 200] (years since the schedule's
    start); every numeric override finite and >= 0 (rates, fractions, amounts)."""
    if year is not None:
        ratio(year, "year", low=0.0, high=200.0)
    for name, value in (params or {}).items():
        try:
            x = float(value)
        except (TypeError, ValueError):
            continue  # dates and lists are the chain model's to check
        if not math.isfinite(x) or x < 0:
            raise ParameterError(f"{name}={value} must be a finite number >= 0",
                                 param="params")



@functools.cache
def text_dates_loader() -> type:
    """YAML's safe loader with dates and times left as the text written: every parameter
    that takes one takes text, and a date object does not travel as JSON. A mapping that
    repeats a key is refused (:func:`unique_keys_loader`)."""
    Loader = unique_keys_loader()

    class TextDates(Loader):  # type: ignore[misc,valid-type]
        pass

    TextDates.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in Loader.yaml_implicit_resolvers.items()}
    return TextDates


@functools.cache
def unique_keys_loader() -> type:
    """YAML's safe loader refusing a mapping that repeats a key.

    PyYAML keeps the last of two equal keys without a word (a scenario file's second
    ``yields:`` drops the first); this loader raises a ``yaml.constructor.ConstructorError``
    (a ``yaml.YAMLError``) whose problem names the key and the line of its first use, marked
    at the second. Merge keys (``<<: *base``) may still be overridden.

    Returns
    -------
    type
        A ``yaml.SafeLoader`` subclass, for ``yaml.load(text, Loader=...)``.

    Examples
    --------
    >>> import yaml
    >>> yaml.load("a: 1\\nb: 2", Loader=unique_keys_loader())
    {'a': 1, 'b': 2}
    >>> try:
    ...     yaml.load("a: 1\\na: 2", Loader=unique_keys_loader())
    ... except yaml.YAMLError as e:
    ...     print(e.problem, "at line", e.problem_mark.line + 1)
    found duplicate key 'a' (first on line 1) at line 2
    """
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
            seen: dict[object, int] = {}
            for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the base class says so
                    continue
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key!r} (first on line {first + 1})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    return Loader


def read_yaml(path: str | Path, loader: type) -> object:
    """A YAML file's content, read as UTF-8 with ``loader``
    (:func:`unique_keys_loader`, :func:`text_dates_loader`).

    Raises
    ------
    InputError
        Naming the file, and the line where YAML stopped, for text that is not YAML (a
        repeated key included) or not UTF-8.
    """
    import yaml

    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise InputError(f"not valid YAML: {what}", file=str(path),
                         line=None if mark is None else mark.line + 1) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: {e.reason} at byte {e.start}",
                         file=str(path)) from None
