"""Explicit scenario sweeps: ``grid`` (Cartesian product) and ``zip`` (position by position).

Both return a list of parameter dicts, one per scenario, in a stable order; ``zip`` refuses
axes of unequal length instead of silently truncating (cadCAD's zip-only surprise).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from .checks import MAX_RUNS
from .errors import ParameterError

__all__ = ["grid", "zip_", "run_sweep"]


def _axes(axes: dict[str, Sequence[Any]]) -> dict[str, list[Any]]:
    if not axes:
        raise ParameterError("a sweep needs at least one parameter")
    out = {}
    for name, values in axes.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise ParameterError(f"sweep parameter '{name}' needs a list of values")
        if len(values) == 0:
            raise ParameterError(f"sweep parameter '{name}' has no values")
        out[name] = list(values)
    return out


def grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """Every combination of the values (the last axis varies fastest).

    >>> grid(buffer_ratio=[0.1, 0.2], days=[30])
    [{'buffer_ratio': 0.1, 'days': 30}, {'buffer_ratio': 0.2, 'days': 30}]
    """
    a = _axes(axes)
    total = math.prod(len(v) for v in a.values())
    if total > MAX_RUNS:
        sizes = " x ".join(str(len(v)) for v in a.values())
        raise ParameterError(f"a grid of {sizes} = {total:,} scenarios is more than the "
                             f"{MAX_RUNS:,} allowed; sweep fewer values")
    return [dict(zip(a, combo, strict=True)) for combo in itertools.product(*a.values())]


def zip_(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """Values taken position by position; all axes must have the same length.

    >>> zip_(buffer_ratio=[0.1, 0.2], days=[30, 60])
    [{'buffer_ratio': 0.1, 'days': 30}, {'buffer_ratio': 0.2, 'days': 60}]
    """
    a = _axes(axes)
    lengths = {k: len(v) for k, v in a.items()}
    if len(set(lengths.values())) != 1:
        raise ParameterError(f"zip needs lists of equal length, got {lengths}")
    return [dict(zip(a, combo, strict=True)) for combo in zip(*a.values(), strict=True)]


def run_sweep(
    scenarios: list[dict[str, Any]],
    run: Callable[[dict[str, Any]], pd.DataFrame],
) -> pd.DataFrame:
    """Run ``run(params)`` for each scenario and stack the frames, keyed by ``scenario``.

    The scenario's parameters are added as columns, so the result stays one tidy frame; a
    parameter whose name is already a column of the frame is added as ``scenario_<name>``.
    """
    frames = []
    for i, sc in enumerate(scenarios):
        f = run(sc)
        f.insert(0, "scenario", i)
        for k, v in sc.items():
            f["scenario_" + k if k in f.columns else k] = \
                v if not isinstance(v, list | tuple) else str(v)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
