"""Typed, validated parameters of the report notebooks (pydantic v2 models).

Each notebook has a cell tagged ``parameters`` and, right after it, a cell that turns what
that cell (and papermill's injected cell) defined into one of these frozen objects with
:func:`validate`: an unknown name, a wrong type or an out-of-range value stops the run with
one message per problem, naming the notebook and the parameter
(``caps: parameter 'holders' must be in 10..10,000,000, got 5``). The runner validates every
scenario the same way before anything runs.

The models are strict: a value of the wrong type is refused rather than converted, except
that an int is accepted where a float is expected, and a date or date-time (as YAML gives
for ``-p activated_at 2025-11-19T11:30:00Z``) is accepted as ISO text for a time given as
text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import ValidationError

from ... import spec
from ...errors import ParameterError
from .caps import CapsParams
from .common import ALL_TOKENS, EXAMPLES, Preset
from .reconcile import ReconcileParams
from .stress import StressReportParams
from .yields import YieldsParams

__all__ = ["YieldsParams", "CapsParams", "StressReportParams", "ReconcileParams", "SCHEMAS",
           "validate", "problems", "QUICK", "EXAMPLES", "ALL_TOKENS", "Preset"]


SCHEMAS: dict[str, type] = {
    "yields": YieldsParams,
    "caps": CapsParams,
    "liquidity_stress": StressReportParams,
    "reconcile": ReconcileParams,
}

#: Small parameters for smoke runs (``softstake report --quick`` and the tests).
QUICK: dict[str, dict[str, object]] = {
    "yields": {"days": 60, "apr_paths": 20, "price_paths": 100},
    "caps": {"holders": 5000, "sweep_points": 12},
    "liquidity_stress": {"tokens": "BNB,SOL,ADA", "days": 60, "paths": 100},
    "reconcile": {},
}

_BOUNDS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _number(x: float, integer: bool) -> str:
    return f"{int(x):,}" if integer else f"{x:g}"


def _range(field: Any) -> str:
    """``in 10..10,000,000``, ``in [0, 1]``, ``in (0, 1)``, ``>= 1`` or ``> 0``."""
    b = {k: getattr(m, k) for m in field.metadata for k in ("ge", "gt", "le", "lt")
         if getattr(m, k, None) is not None}
    integer = field.annotation is int
    lo = ("ge", b["ge"]) if "ge" in b else ("gt", b["gt"]) if "gt" in b else None
    hi = ("le", b["le"]) if "le" in b else ("lt", b["lt"]) if "lt" in b else None
    if lo and hi:
        if integer and lo[0] == "ge" and hi[0] == "le":
            return f"in {_number(lo[1], True)}..{_number(hi[1], True)}"
        return (f"in {'[' if lo[0] == 'ge' else '('}{_number(lo[1], integer)}, "
                f"{_number(hi[1], integer)}{']' if hi[0] == 'le' else ')'}")
    kind, value = lo or hi
    op = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}[kind]
    return f"{op} {_number(value, integer)}"


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def problems(notebook: str, values: dict[str, object]) -> tuple[object | None, list[str]]:
    """Validate ``values`` for ``notebook``: the parameter object, or None and the problems.

    Each problem is one phrase naming its parameter (``parameter 'days' must be in 1..3,650,
    got 0``); unknown names are one problem together.

    Parameters
    ----------
    notebook
        One of :data:`SCHEMAS`.
    values
        Parameter values by name; those not given take the model's defaults.

    Returns
    -------
    tuple
        ``(params, [])`` when valid, else ``(None, problems)``.

    Raises
    ------
    ParameterError
        If ``notebook`` is not a report notebook.
    """
    schema = SCHEMAS.get(notebook)
    if schema is None:
        raise ParameterError(f"must be one of {', '.join(SCHEMAS)}, got '{notebook}'",
                             param="notebook")
    if dataclasses.is_dataclass(schema):  # a question object: its fields define and check it
        return spec.problems(schema, values)
    try:
        return schema(**values), []
    except ValidationError as e:
        errors = e.errors(include_url=False)
    fields = schema.model_fields
    out: list[str] = []
    unknown = sorted(str(err["loc"][0]) for err in errors if err["type"] == "extra_forbidden")
    if unknown:
        out.append(f"unknown parameter(s) {unknown}; known: {sorted(fields)}")
    for err in errors:
        kind, loc, got = err["type"], err["loc"], err.get("input")
        if kind == "extra_forbidden":
            continue
        if not loc:  # a check across parameters: its message names them
            out.append(str(err["ctx"]["error"]) if "ctx" in err else err["msg"])
            continue
        name = str(loc[0])
        if kind == "value_error":
            phrase = str(err["ctx"]["error"])
        elif kind in _BOUNDS:
            phrase = f"must be {_range(fields[name])}, got {got!r}"
        elif kind == "literal_error":
            phrase = f"must be one of {err['ctx']['expected']}, got {got!r}"
        elif kind.endswith("_type") or kind.endswith("_parsing") or "from" in kind:
            phrase = (f"should be {_type_name(fields[name].annotation)}, got "
                      f"{type(got).__name__} {got!r}")
        else:
            phrase = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"
        out.append(f"parameter '{name}' {phrase}")
    return None, out


def validate(notebook: str, values: dict[str, object]) -> object:
    """Check ``values`` against the notebook's schema and build its parameter object.

    Parameters
    ----------
    notebook
        One of :data:`SCHEMAS` (``yields``, ``caps``, ``liquidity_stress``, ``reconcile``).
    values
        Parameter values by name; those not given take the model's defaults.

    Returns
    -------
    object
        The frozen parameter object (an instance of ``SCHEMAS[notebook]``).

    Raises
    ------
    ParameterError
        One line per problem, each naming the notebook and the parameter: unknown names,
        a value of the wrong type (with the type expected), or one out of range.

    Examples
    --------
    >>> validate("yields", {"token": "sol", "budget_usd": 5}).token
    'SOL'
    >>> try:
    ...     validate("caps", {"holders": 5})
    ... except ParameterError as e:
    ...     print(e)
    caps: parameter 'holders' must be in 10..10,000,000, got 5
    """
    params, found = problems(notebook, values)
    if found:
        raise ParameterError("\n".join(f"{notebook}: {p}" for p in found))
    return params
