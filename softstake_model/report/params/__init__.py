"""The report notebooks' parameters: each notebook's question object.

Each notebook has a cell tagged ``parameters`` and, right after it, a cell that turns what
that cell (and papermill's injected cell) defined into its frozen question object with
:func:`validate`. The question objects are the package's own (:class:`~softstake_model.
yields.HolderQuestion`, :class:`~softstake_model.cap_question.CapQuestion`,
:class:`~softstake_model.stress_question.StressQuestion`,
:class:`~softstake_model.reconcile_question.ReconcileQuestion`): the command line derives
its options from the same fields, so a parameter is defined, documented and checked once
(:mod:`softstake_model.spec`). An unknown name, a wrong type or an out-of-range value stops
the run with one message per problem, naming the notebook and the parameter
(``caps: parameter 'holders' must be in 10..10,000,000, got 5``). The runner validates every
scenario the same way before anything runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ... import spec
from ...errors import ParameterError
from .caps import CapsParams
from .common import ALL_TOKENS, EXAMPLES
from .reconcile import ReconcileParams
from .stress import StressReportParams
from .yields import YieldsParams

__all__ = ["YieldsParams", "CapsParams", "StressReportParams", "ReconcileParams", "SCHEMAS",
           "validate", "problems", "QUICK", "EXAMPLES", "ALL_TOKENS", "field_defaults"]


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

def field_defaults(notebook: str) -> dict[str, Any]:
    """Every parameter of ``notebook`` with its default (None for one with no default)."""
    schema = SCHEMAS[notebook]
    out = {}
    for f in dataclasses.fields(schema):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = None
    return out


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
    return spec.problems(schema, values)


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
