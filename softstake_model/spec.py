"""One definition per parameter: a dataclass field that carries its meaning, unit and bounds.

A scenario object is a frozen dataclass whose fields are made with :func:`param`. The field
says once what the parameter means (``doc``), its unit, its kind and bounds, where its
default comes from (``source``) and, when the command line spells it differently, its flag.
Everything else is derived from that one definition:

- :func:`check` validates an instance through :mod:`softstake_model.checks` (called from
  ``__post_init__``), so a value is refused with the same words wherever it comes from;
- :func:`add_options` declares the command line's options (``dest`` is the Python name,
  so an error naming ``buffer_ratio`` is shown as its flag ``--buffer``);
- :func:`build` makes an instance from a mapping of values (a report's parameters, a
  scenario file), naming every unknown name and every bad value at once;
- :func:`describe` and :func:`values` list every parameter an object ran with, defaults
  included, for a page's parameter table and a command's JSON output.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo:
...     share: float = param(0.1, doc="Share kept liquid.", unit="share", kind="ratio")
...     days: int = param(90, doc="Horizon.", unit="days", kind="whole", low=1, high=3650)
...     def __post_init__(self) -> None:
...         check(self)
>>> Demo(share=0.2).share
0.2
>>> try:
...     Demo(days=0)
... except ParameterError as e:
...     print(e)
days must be in 1..3,650, got 0
>>> [r["name"] for r in describe(Demo())]
['share', 'days']
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING
from typing import Any

from . import checks
from .errors import ParameterError

__all__ = ["Spec", "param", "specs", "check", "check_value", "bounds_text", "add_options",
           "from_args", "build", "problems", "describe", "values", "plain", "KINDS"]

#: The kinds of value a parameter may hold.
KINDS = ("number", "whole", "ratio", "rate", "text", "flag", "any")


@dataclasses.dataclass(frozen=True)
class Spec:
    """What one parameter is.

    Attributes
    ----------
    doc
        What it means, in the reader's words (one or two sentences; no Python words).
    unit
        Its unit (``tokens``, ``days``, ``share of balances``, ``fraction per year``), or "".
    kind
        One of :data:`KINDS`: ``number`` (finite float), ``whole`` (int), ``ratio`` (a
        share, [0, 1] unless bounded otherwise), ``rate`` (an APR or daily rate as a
        fraction; 5 "looks like a percentage"), ``text``, ``flag`` (bool), ``any`` (checked
        by ``parse`` alone).
    low, high
        Bounds (None: open); ``low_open`` / ``high_open`` exclude the bound itself.
    choices
        The values a ``text`` parameter may take (empty: any text).
    optional
        None is a valid value (its meaning is said in ``doc``).
    parse
        A function turning a given value (text from the command line, YAML from a file) into
        the stored value, raising :class:`ParameterError` naming the parameter.
    flag
        The command line's spelling when it is not ``--name-with-dashes``.
    metavar
        The command line's placeholder for the value.
    source
        Where the default comes from (``assumed``, a document); "" when it is a plain choice.
    """

    doc: str
    unit: str = ""
    kind: str = "number"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    parse: Callable[[Any], Any] | None = None
    flag: str | None = None
    metavar: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def param(default: Any = MISSING, *, default_factory: Any = MISSING, **spec: Any) -> Any:
    """A dataclass field carrying its :class:`Spec` (keyword arguments as its attributes)."""
    return dataclasses.field(default=default, default_factory=default_factory,
                             metadata={"spec": Spec(**spec)})


def specs(cls: type | object) -> dict[str, Spec]:
    """The :class:`Spec` of every documented field of a dataclass (or instance), in order."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if "spec" in f.metadata}


def _num(x: float, whole: bool) -> str:
    return f"{int(x):,}" if whole else f"{x:,g}"


def bounds_text(spec: Spec) -> str:
    """``in [0, 1]``, ``in 1..3,650``, ``>= 0``, ``> 0`` or "" for a parameter's bounds."""
    low, high = spec.low, spec.high
    if spec.kind in ("ratio", "rate"):
        low = 0.0 if low is None else low
        high = 1.0 if high is None else high
    if spec.kind not in ("number", "whole", "ratio", "rate") or (low is None and high is None):
        return ""
    whole = spec.kind == "whole"
    if low is not None and high is not None:
        if whole and not spec.low_open and not spec.high_open:
            return f"in {_num(low, True)}..{_num(high, True)}"
        return (f"in {'(' if spec.low_open else '['}{_num(low, whole)}, "
                f"{_num(high, whole)}{')' if spec.high_open else ']'}")
    if low is not None:
        return f"{'>' if spec.low_open else '>='} {_num(low, whole)}"
    return f"{'<' if spec.high_open else '<='} {_num(high, whole)}"  # type: ignore[arg-type]


def _in_bounds(x: float, spec: Spec, low: float | None, high: float | None) -> bool:
    if low is not None and (x < low or (spec.low_open and x == low)):
        return False
    return not (high is not None and (x > high or (spec.high_open and x == high)))


def check_value(spec: Spec, value: Any, name: str) -> Any:
    """``value`` checked and normalised for the parameter ``name`` described by ``spec``.

    Raises
    ------
    ParameterError
        Naming ``name``: the wrong kind of value, out of bounds, not one of the choices.
    """
    if value is None:
        if spec.optional:
            return None
        raise ParameterError("must be given (it has no 'none' value)", param=name)
    if spec.parse is not None:
        value = spec.parse(value)
        if spec.kind == "any":
            return value
    kind = spec.kind
    if kind == "flag":
        if not isinstance(value, bool):
            raise ParameterError(f"must be true or false, got {value!r}", param=name)
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ParameterError(f"must be text, got {value!r}", param=name)
        if spec.choices and value not in spec.choices:
            raise ParameterError(f"must be one of {', '.join(spec.choices)}, got '{value}'",
                                 param=name)
        return value
    if kind == "any":
        return value
    if isinstance(value, bool):
        raise ParameterError(f"must be a number, got {value!r}", param=name)
    if kind == "whole":
        x: float = checks.whole(value, name)
    elif kind == "rate":
        x = checks.rate(value, name, low=-1.0 if spec.low is not None and spec.low < 0 else 0.0,
                        high=1.0 if spec.high is None else spec.high)
    else:
        x = checks.finite(value, name)
    low, high = spec.low, spec.high
    if kind == "ratio":
        low, high = (0.0 if low is None else low), (1.0 if high is None else high)
    if not _in_bounds(x, spec, low, high):
        shown = f"{int(x):,}" if kind == "whole" else f"{x:g}"
        raise ParameterError(f"must be {bounds_text(spec)}, got {shown}", param=name)
    return x


def check(obj: object) -> None:
    """Validate every documented field of a frozen dataclass instance, in place.

    Values are normalised (a whole number stays ``int``, a number becomes ``float``, the
    ``parse`` function's result is stored). Call it first in ``__post_init__``.
    """
    for name, spec in specs(obj).items():
        value = check_value(spec, getattr(obj, name), name)
        object.__setattr__(obj, name, value)


def _flag(name: str, spec: Spec) -> str:
    return spec.flag or "--" + name.replace("_", "-")


def _help(spec: Spec, default: Any) -> str:
    parts = [spec.doc.rstrip(".")]
    if spec.unit:
        parts[0] += f" ({spec.unit})"
    b = bounds_text(spec)
    if b:
        parts.append(b)
    if default is not MISSING and default is not None and spec.kind != "flag":
        shown = plain(default)
        parts.append(f"default {shown:g}" if isinstance(shown, float) else f"default {shown}")
    if spec.source:
        parts.append(spec.source)
    return "; ".join(parts).replace("%", "%%")


def _default(f: dataclasses.Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return MISSING


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type,
                names: Iterable[str] | None = None, *, exclude: Iterable[str] = (),
                defaults: Mapping[str, Any] | None = None) -> None:
    """Declare a dataclass's documented fields as command-line options.

    Parameters
    ----------
    parser
        The parser (or argument group) to add to.
    cls
        The dataclass.
    names
        The fields to declare (default: every documented field), in this order.
    exclude
        Fields not to declare.
    defaults
        Defaults that differ from the field's (for a command whose question fixes one).
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if "spec" in f.metadata}
    chosen = list(fields) if names is None else list(names)
    skip = set(exclude)
    for name in chosen:
        if name in skip:
            continue
        f = fields[name]
        spec: Spec = f.metadata["spec"]
        default = (defaults or {}).get(name, _default(f))
        kw: dict[str, Any] = {"dest": name, "help": _help(spec, default)}
        if spec.kind == "flag":
            kw["action"] = argparse.BooleanOptionalAction
            kw["default"] = bool(default) if default is not MISSING else False
        else:
            kw["metavar"] = spec.metavar or name.upper()
            kw["type"] = {"number": float, "ratio": float, "rate": float,
                          "whole": int}.get(spec.kind, str)
            if spec.choices:
                kw["choices"] = list(spec.choices)
            if default is MISSING:
                kw["required"] = True
            else:
                kw["default"] = default
        parser.add_argument(_flag(name, spec), **kw)


def from_args(cls: type, args: argparse.Namespace, **extra: Any) -> Any:
    """An instance of ``cls`` from the parsed options :func:`add_options` declared (and
    ``extra`` values), validated by its ``__post_init__``."""
    given = {n: getattr(args, n) for n in specs(cls) if hasattr(args, n)}
    given.update(extra)
    return cls(**given)


def problems(cls: type, given: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """An instance of ``cls`` from ``given``, or None and one phrase per problem.

    Unknown names are one problem together; each bad value is one problem naming its
    parameter; checks across parameters (``__post_init__``) come last.
    """
    known = [f.name for f in dataclasses.fields(cls) if f.init]
    unknown = sorted(set(given) - set(known))
    out: list[str] = []
    if unknown:
        out.append(f"unknown parameter(s) {unknown}; known: {sorted(known)}")
    s = specs(cls)
    for name, value in given.items():
        if name in s:
            try:
                check_value(s[name], value, name)
            except ParameterError as e:
                out.append(f"parameter '{name}' {e.reason}")
    if out:
        return None, out
    try:
        return cls(**given), []
    except ParameterError as e:
        return None, [f"parameter '{e.param}' {e.reason}" if e.param else str(e)]


def build(cls: type, given: Mapping[str, Any], where: str = "") -> Any:
    """An instance of ``cls`` from a mapping of values, or a ParameterError listing every
    problem, one per line, each prefixed with ``where`` (a notebook's name)."""
    obj, found = problems(cls, given)
    if found:
        prefix = f"{where}: " if where else ""
        raise ParameterError("\n".join(prefix + p for p in found))
    return obj


def plain(value: Any) -> Any:
    """A value as JSON has it: tuples as lists, infinities and NaN as None, objects as text."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return str(value)


def values(obj: object) -> dict[str, Any]:
    """Every field of a dataclass instance as plain values, defaults included."""
    return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)  # type: ignore[arg-type]
            }


def describe(obj: object) -> list[dict[str, Any]]:
    """One row per documented field: ``name``, ``value`` (plain), ``unit``, ``meaning``,
    ``default`` (whether the value is the field's default) and ``source``."""
    rows = []
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        if "spec" not in f.metadata:
            continue
        spec: Spec = f.metadata["spec"]
        value = getattr(obj, f.name)
        d = _default(f)
        rows.append({"name": f.name, "value": plain(value), "unit": spec.unit,
                     "meaning": spec.doc, "default": d is not MISSING and plain(d) == plain(value),
                     "source": spec.source})
    return rows
