"""Scenario files and planning: which runs a report command makes, each one validated.

A scenario file names, for each notebook, a list of parameter sets, where one item may be a
``grid:`` or ``zip:`` sweep (:mod:`softstake_model.sweeps`). :func:`plan` lays the notebook's
defaults, the ``--quick`` values, the scenario and the ``-p`` overrides over each other,
keeps the runs of the tokens asked for, and validates every run against its notebook's
schema before anything executes (all problems reported together).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..catalog import load_catalog
from ..checks import MAX_RUNS, bounded, read_yaml, text_dates_loader, yaml_value
from ..errors import InputError, ParameterError
from ..product import parse_tokens
from ..sweeps import grid, zip_
from .params import ALL_TOKENS, QUICK, SCHEMAS, field_defaults, problems
from .runs import Run

__all__ = ["QUICK_TOKENS", "load_scenarios", "parse_value", "plan"]

#: Tokens of the per-token notebooks in a --quick run (unless --token says otherwise).
QUICK_TOKENS = ("BNB", "SOL", "ADA")
_MAX_SCENARIO_BYTES = 1 << 20
_MAX_LABEL = 200


def load_scenarios(path: str | Path) -> dict[str, list[dict]]:
    """Read a scenario file: for each notebook, a list of parameter sets.

    Each item is a mapping of parameters, or ``grid: {name: [values]}`` /
    ``zip: {name: [values]}`` (with an optional ``params:`` mapping shared by the expansion)::

        yields:
          - {token: BNB, budget_usd: 5000}
          - grid: {token: [SOL, ADA], days: [90, 365]}
            params: {apr_paths: 100}
        liquidity_stress:
          - zip: {buffer_ratio: [0.05, 0.1], shock_fraction: [0.2, 0.4]}

    Parameters
    ----------
    path
        The YAML file (at most 1 MiB).

    Returns
    -------
    dict
        Notebook name → its parameter sets, the sweeps expanded, in the file's order.

    Raises
    ------
    InputError
        A missing, oversized or unreadable file, an unknown notebook, a malformed item or
        a sweep, or more than :data:`~softstake_model.checks.MAX_RUNS` runs; the message
        names the file (and the line of a YAML error).
    """
    p = Path(path)
    data = _read(p)
    out: dict[str, list[dict]] = {}
    for nb, items in data.items():
        if nb not in SCHEMAS:
            raise InputError(f"unknown notebook '{nb}'; choose from {', '.join(SCHEMAS)}",
                             file=str(p))
        if not isinstance(items, list):
            raise InputError(f"{nb}: expected a list of scenarios", file=str(p))
        runs: list[dict] = []
        for i, item in enumerate(items):
            runs += _expand(nb, i, item, p)
            if len(runs) + sum(map(len, out.values())) > MAX_RUNS:
                raise InputError(f"{nb}: scenario {i + 1}: the file expands to more than "
                                 f"{MAX_RUNS:,} runs; sweep fewer values", file=str(p))
        out[nb] = runs
    return out


def _read(p: Path) -> dict:
    """The scenario file's YAML as a mapping (dates kept as the text written)."""
    if not p.is_file():
        raise InputError("file not found", file=str(p))
    if p.stat().st_size > _MAX_SCENARIO_BYTES:
        raise InputError(f"is {p.stat().st_size:,} bytes, more than the "
                         f"{_MAX_SCENARIO_BYTES:,} a scenario file may hold", file=str(p))
    data = read_yaml(p, text_dates_loader())
    try:
        bounded(data, "scenarios", MAX_RUNS * 100)
    except ParameterError as e:
        raise InputError(e.reason, file=str(p)) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping of notebook name -> list of scenarios", file=str(p))
    return data


def _expand(nb: str, i: int, item: object, p: Path) -> list[dict]:
    """Scenario ``i`` of notebook ``nb``: one parameter set, or a sweep's expansion."""
    if not isinstance(item, dict):
        raise InputError(f"{nb}: scenario {i + 1} is not a mapping", file=str(p))
    kinds = [k for k in ("grid", "zip") if k in item]
    if len(kinds) > 1:
        raise InputError(f"{nb}: scenario {i + 1} has both grid and zip", file=str(p))
    if not kinds:
        return [dict(item)]
    extra = set(item) - {kinds[0], "params"}
    if extra:
        raise InputError(f"{nb}: scenario {i + 1}: unexpected key(s) {sorted(extra)} "
                         "beside grid/zip (put shared values under params:)", file=str(p))
    axes = item[kinds[0]]
    if not isinstance(axes, dict):
        raise InputError(f"{nb}: scenario {i + 1}: {kinds[0]} needs a mapping of "
                         "name -> list", file=str(p))
    try:
        expanded = (grid if kinds[0] == "grid" else zip_)(**axes)
    except ParameterError as e:
        raise InputError(f"{nb}: scenario {i + 1}: {e}", file=str(p)) from None
    shared = item.get("params") or {}
    if not isinstance(shared, dict):
        raise InputError(f"{nb}: scenario {i + 1}: params needs a mapping of name -> value "
                         f"shared by the {kinds[0]}, got a {type(shared).__name__}",
                         file=str(p))
    return [{**shared, **sc} for sc in expanded]


def _default_scenarios(tokens: list[str]) -> dict[str, list[dict]]:
    return {
        "yields": [{"token": t} for t in tokens],
        "caps": [{"token": t} for t in tokens],
        "liquidity_stress": [{"tokens": ",".join(tokens)}],
        "reconcile": [{}],
    }


def parse_value(text: str) -> object:
    """An override's value, written as text, read as YAML (``"30"`` is 30; dates stay text).

    Examples
    --------
    >>> parse_value("30"), parse_value("2025-11-20")
    (30, '2025-11-20')
    """
    return yaml_value(text, "overrides")


def _label(values: dict) -> str:
    if not values:
        return "default"
    text = ", ".join(f"{k}={v}" for k, v in values.items())
    return text if len(text) <= _MAX_LABEL else text[:_MAX_LABEL - 1] + "…"


def _slug(nb: str, label: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{nb}-{label}").strip("_")[:120]
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def plan(
    scenarios: dict[str, list[dict]] | None = None,
    notebooks: list[str] | None = None,
    tokens: list[str] | None = None,
    overrides: list[tuple[str, str]] | None = None,
    quick: bool = False,
) -> list[Run]:
    """The runs to execute, every one validated (all problems reported together).

    Parameters are layered: the notebook's defaults, then ``QUICK`` (with ``quick``), then
    the scenario's values, then ``overrides``. ``tokens`` keeps only runs of those tokens
    (and sets ``tokens`` of the stress notebook).

    Parameters
    ----------
    scenarios
        Parameter sets by notebook (:func:`load_scenarios`); None = every token of the
        default report (or :data:`QUICK_TOKENS` with ``quick``).
    notebooks
        Keep only these notebooks.
    tokens
        Keep only runs of these tokens (each item may be comma-separated).
    overrides
        ``(name, value)`` pairs laid over every selected notebook that has ``name``; the
        value is text, read as YAML (``"30"`` is 30).
    quick
        Start from the small :data:`~softstake_model.report.params.QUICK` parameters.

    Returns
    -------
    list of Run
        The runs, in scenario order, each with a unique slug.

    Raises
    ------
    ParameterError
        An unknown notebook or token, an override no selected notebook takes, any invalid
        scenario (all of them listed), or nothing left to run.
    """
    if notebooks:
        unknown = [n for n in notebooks if n not in SCHEMAS]
        if unknown:
            raise ParameterError(f"names unknown notebook(s) {unknown}; choose from "
                                 f"{', '.join(SCHEMAS)}", param="notebooks")
    wanted = _wanted_tokens(tokens)
    default_tokens = wanted or (list(QUICK_TOKENS) if quick else ALL_TOKENS.split(","))
    sc = scenarios if scenarios is not None else _default_scenarios(default_tokens)
    selected = {nb: items for nb, items in sc.items() if not notebooks or nb in notebooks}
    over = _overrides(overrides or [], selected)
    runs: list[Run] = []
    invalid: list[str] = []
    taken: set[str] = set()
    for nb, items in selected.items():
        for item in items:
            run, found = _run(nb, item, wanted, over, quick, taken)
            invalid += found
            if run is not None:
                runs.append(run)
    if invalid:
        raise ParameterError("invalid scenario(s):\n  " + "\n  ".join(invalid))
    if not runs:
        raise ParameterError("nothing to run: no scenario matches the notebooks and tokens "
                             "asked for")
    return _readable_slugs(runs)


#: Longest page name (without ``.html``); the swept values are never cut.
_MAX_SLUG = 200


def _readable_slugs(runs: list[Run]) -> list[Run]:
    """Page names that keep every swept value readable: for a notebook with several runs,
    the values that differ between them first, whole, then the run's other given values
    (replaced by a short hash of them when the name would be too long)."""
    by_nb: dict[str, list[Run]] = {}
    for r in runs:
        by_nb.setdefault(r.notebook, []).append(r)
    taken: set[str] = set()
    for nb, rs in by_nb.items():
        if len(rs) < 2:
            taken.update(r.slug for r in rs)
            continue
        keys = list(dict.fromkeys(k for r in rs for k in r.params))
        swept = [k for k in keys if len({repr(r.params.get(k)) for r in rs}) > 1]
        defaults = field_defaults(nb)
        for r in rs:
            head = "_".join(f"{k}={r.params.get(k)}" for k in swept)
            rest = "_".join(f"{k}={v}" for k, v in r.params.items()
                            if k not in swept and repr(v) != repr(defaults.get(k)))
            name = f"{nb}-{head}" + (f"_{rest}" if rest else "")
            name = re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("_")
            if len(name) > _MAX_SLUG:
                digest = hashlib.sha1(rest.encode()).hexdigest()[:8]
                name = re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{nb}-{head}").strip("_") + \
                    f"_{digest}"
            r.slug = name
            k = 2
            while r.slug in taken:
                r.slug, k = f"{name}-{k}", k + 1
            taken.add(r.slug)
    return runs


def _wanted_tokens(tokens: list[str] | None) -> list[str]:
    """The tokens asked for, upper case, each checked against the catalogue."""
    wanted = parse_tokens(tokens)
    if wanted:
        bad = [t for t in wanted if t not in load_catalog().index]
        if bad:
            raise ParameterError(f"names unknown token(s) {bad}", param="tokens")
    return wanted


def _overrides(overrides: list[tuple[str, str]], selected: dict[str, list[dict]]) -> dict:
    """The ``-p`` values read as YAML; each must be a parameter of a selected notebook."""
    over = {}
    for name, value in overrides:
        if not any(name in field_defaults(nb) for nb in selected):
            raise ParameterError(f"set '{name}', a parameter no selected notebook has",
                                 param="overrides")
        over[name] = parse_value(value)
    return over


def _run(nb: str, item: dict, wanted: list[str], over: dict, quick: bool,
         taken: set[str]) -> tuple[Run | None, list[str]]:
    """One scenario of ``nb`` as a run, or None with its problems (None, no problems: a run
    of a token not asked for)."""
    fields = field_defaults(nb)
    values = dict(QUICK[nb]) if quick else {}
    values.update(item)
    if wanted and "token" in values and str(values["token"]).upper() not in wanted:
        return None, []
    if wanted and nb == "liquidity_stress" and "tokens" not in item:
        values["tokens"] = ",".join(wanted)
    mine = {k: v for k, v in over.items() if k in fields}
    values.update(mine)
    label = _label({**item, **mine})
    _, found = problems(nb, values)
    if found:
        return None, [f"{nb} [{label}]: {p}" for p in found]
    return Run(nb, label, values, _slug(nb, label, taken)), []
