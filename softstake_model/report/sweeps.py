"""The index's comparison of runs: runs of one notebook that differ by some parameters
(:func:`sweep_groups`), and the view the index page shows of each (:func:`sweep_view`:
tables that fit a laptop screen, the figures every run shares in a sentence, a chart, and
a two-parameter sweep as a matrix with a heat map).

Everything here reads the headline figures the notebooks displayed (records as
:mod:`.overview` describes them); nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .format import fmt, interval, kind_of, label_of, missing, notes_below
from .params import SCHEMAS, field_defaults

__all__ = ["sweep_groups", "sweep_view", "MATRIX_FIGURES", "SWEEP_FIGURES", "defaults_of"]

#: Headline entries that describe a run rather than result from it (not compared), and
#: those a figure's interval already shows (``spread_sign``).
_CONTEXT = {"token", "target", "flags", "apr_as_of", "apr_confidence", "apr_source",
            "price_usd", "cap", "min_holding", "buffer_ratio", "alpha", "max_delay_days",
            "per_token", "spread_sign"}
#: The figures a two-parameter sweep is shown as a matrix of, by notebook (the first one
#: that varies otherwise).
MATRIX_FIGURES = {"liquidity_stress": ("p_delay", "longest_delay_p99_days"),
                  "caps": ("daily_cost",), "yields": ("effective_apr",)}
#: Figures in one table of a comparison at most (more go to a further table, each with the
#: swept parameters and the links), so that each fits a 1,280 px screen.
SWEEP_FIGURES = 6


def defaults_of(notebook: str) -> dict:
    """Every parameter of ``notebook`` with its default; empty for an unknown notebook."""
    return field_defaults(notebook) if notebook in SCHEMAS else {}


def _blank(v: object) -> bool:
    return missing(v) or (isinstance(v, str) and not v.strip())


def _figures(rs: list[dict], swept: list[str]) -> list[str]:
    """The plain headline figures the runs can be compared by: not the swept parameters,
    not context, not an end of another figure's interval, and not blank in every run."""
    keys = list(dict.fromkeys(k for r in rs for k in r["headline"]))
    ends = {f"{k}_{e}" for k in keys for e in ("low", "high")}
    return [k for k in keys
            if k not in swept and k not in _CONTEXT and k not in ends
            and all(isinstance(r["headline"].get(k), int | float | str)
                    or r["headline"].get(k) is None for r in rs)
            and not all(_blank(r["headline"].get(k)) for r in rs)]


def sweep_groups(records: Iterable[dict]) -> list[dict]:
    """Runs of one notebook that differ by some parameters, as one comparison each.

    For each notebook with two or more good runs: the swept parameters (those whose value,
    the notebook's default where a run leaves it out, differs between runs) and a table
    with a column per swept parameter and a column per plain headline figure (with its
    interval's ends, ``F@low`` and ``F@high``, where the runs give one).

    Parameters
    ----------
    records
        The folder's records (:func:`~softstake_model.report.overview.merge_records`).

    Returns
    -------
    list of dict
        ``notebook``, ``swept`` (names), ``figures`` (headline names), ``table`` (DataFrame:
        swept columns, figure columns, ``html``), ``numeric`` (the one swept parameter when
        it is the only one and numeric, else None), ``matrices``.
    """
    out = []
    by_nb: dict[str, list[dict]] = {}
    for r in records:
        if r.get("ok") and r.get("headline"):
            by_nb.setdefault(r["notebook"], []).append(r)
    for nb, rs in by_nb.items():
        if len(rs) < 2:
            continue
        defaults = defaults_of(nb)
        names = sorted({k for r in rs for k in r.get("params", {})})
        values = {k: [r.get("params", {}).get(k, defaults.get(k)) for r in rs] for k in names}
        swept = [k for k in names if len({repr(v) for v in values[k]}) > 1]
        if not swept:
            continue
        figures = _figures(rs, swept)
        table = pd.DataFrame({**{k: values[k] for k in swept},
                              **{f: [r["headline"].get(f) for r in rs] for f in figures},
                              **_interval_columns(rs, figures),
                              "html": [r.get("html", "") for r in rs]})
        try:
            table = table.sort_values(swept, kind="stable", ignore_index=True)
        except TypeError:  # values of mixed types keep the runs' order
            pass
        numeric = swept[0] if len(swept) == 1 and all(
            _is_number(v) for v in values[swept[0]]) else None
        out.append({"notebook": nb, "swept": swept, "figures": figures, "table": table,
                    "numeric": numeric, "matrices": _matrices(nb, swept, figures, table)})
    return out


def _interval_columns(rs: list[dict], figures: list[str]) -> dict[str, list]:
    """``F@low`` and ``F@high`` for figures whose runs give an interval: ``intervals`` of
    the headline (figure → [low, high]), or the headline's ``F_low`` and ``F_high``."""
    out = {}
    for f in figures:
        ends = [(r["headline"].get("intervals") or {}).get(f)
                or ([r["headline"][f"{f}_low"], r["headline"].get(f"{f}_high")]
                    if f"{f}_low" in r["headline"] else None) for r in rs]
        if any(e for e in ends):
            out[f"{f}@low"] = [e[0] if e else None for e in ends]
            out[f"{f}@high"] = [e[1] if e else None for e in ends]
    return out


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _matrices(nb: str, swept: list[str], figures: list[str], table: pd.DataFrame
              ) -> list[dict]:
    """For exactly two numeric swept parameters: each chosen figure as a matrix (rows the
    first parameter's values, columns the second's), with its intervals when given."""
    if len(swept) != 2 or not all(table[k].map(_is_number).all() and table[k].notna().all()
                                  for k in swept):
        return []
    numeric = [f for f in figures if table[f].map(lambda v: v is None or _is_number(v)).all()
               and table[f].notna().any()]
    chosen = [f for f in MATRIX_FIGURES.get(nb, ()) if f in numeric] or \
        [f for f in numeric if table[f].nunique() > 1][:1]
    out = []
    for f in chosen:
        cols = [f] + [c for c in (f"{f}@low", f"{f}@high") if c in table]
        m = table.pivot_table(index=swept[0], columns=swept[1], values=cols, aggfunc="first",
                              dropna=False)
        out.append({"figure": f, "rows": swept[0], "cols": swept[1],
                    "values": m[f], "low": m[f"{f}@low"] if f"{f}@low" in cols else None,
                    "high": m[f"{f}@high"] if f"{f}@high" in cols else None})
    return out


def sweep_view(group: dict) -> dict:
    """A comparison of swept runs as the index shows it.

    The figures that differ between runs in tables of at most :data:`SWEEP_FIGURES`
    figures, each with the swept parameters and the run's page; the figures every run
    shows alike in a sentence (``same``); a chart of up to four figures that vary when one
    numeric parameter is swept; the matrices of a two-parameter sweep.

    Parameters
    ----------
    group
        One item of :func:`sweep_groups`.

    Returns
    -------
    dict
        ``notebook``, ``swept``, ``head``, ``numeric`` and ``rows`` (every column: labels;
        whether a column holds numbers; each row's ``cells``, ``text`` and ``sub`` (the
        interval), and ``html``, the run's page), ``tables`` (each ``head``, ``numeric``,
        ``rows`` as shown and ``notes``: long texts moved below it,
        :func:`~.format.notes_below`), ``same`` (text), ``chart`` (a data URI, or None),
        ``matrices``.
    """
    t, swept = group["table"], group["swept"]
    cells = {k: [{"text": fmt(k, v), "sub": ""} for v in t[k]] for k in swept}
    cells.update({f: [_with_interval(f, r) for _, r in t.iterrows()]
                  for f in group["figures"]})
    same = [f for f in group["figures"] if len({(c["text"], c["sub"]) for c in cells[f]}) == 1]
    varying = [f for f in group["figures"] if f not in same]
    chunks = [varying[i:i + SWEEP_FIGURES] for i in range(0, len(varying), SWEEP_FIGURES)]

    def shown(cols: list[str], notes: bool = True) -> dict:
        rows = [{"cells": [cells[c][i] for c in cols], "html": t["html"][i]}
                for i in range(len(t))]
        rows, below = notes_below(rows) if notes else (rows, [])
        return {"head": [label_of(c) if c in group["figures"] else c for c in cols],
                "numeric": [bool(t[c].map(lambda v: missing(v) or _is_number(v)).all())
                            for c in cols], "rows": rows, "notes": below}

    return {"notebook": group["notebook"], "swept": swept,
            **shown([*swept, *group["figures"]], notes=False),
            "tables": [shown([*swept, *c]) for c in chunks or [[]]],
            "same": "; ".join(f"{label_of(f)} {c['text']}" + (f" ({c['sub']})" if c["sub"]
                                                               else "")
                              for f in same for c in cells[f][:1]),
            "chart": _sweep_chart(group), "matrices": [_matrix_view(m) for m in
                                                      group.get("matrices", [])]}


def _sweep_chart(group: dict) -> str | None:
    """Up to four figures that vary against the one numeric swept parameter, or None."""
    t = group["table"]
    if not group["numeric"]:
        return None
    nums = [f for f in group["figures"] if t[f].map(_is_number).all() and t[f].nunique() > 1][:4]
    if not nums:
        return None
    from . import plots  # matplotlib, from the report extra, loads only to draw

    return plots.to_data_uri(plots.sweep(
        t, group["numeric"], nums, {f: label_of(f) for f in nums},
        {f for f in nums if kind_of(f, 0.0) == "pct"}))


def _with_interval(f: str, r: pd.Series) -> dict:
    """A figure's cell: its value, and below it its interval when the run gives one."""
    shown = fmt(f, r[f])
    return {"text": shown, "sub": "" if missing(r[f]) else
            interval(r.get(f"{f}@low"), r.get(f"{f}@high"), f)}


def _matrix_view(m: dict) -> dict:
    """A matrix as the index shows it: the figure's label, the row parameter's values with
    each row's cells (value and interval), the column values, and a heat map."""
    from . import plots  # matplotlib, from the report extra, loads only to draw

    f, values = m["figure"], m["values"]
    cells, texts = [], []
    for i in values.index:
        row, short = [], []
        for j in values.columns:
            v = values.at[i, j]
            lo = None if m["low"] is None else m["low"].at[i, j]
            hi = None if m["high"] is None else m["high"].at[i, j]
            row.append({"text": fmt(f, v), "sub": "" if missing(v) else interval(lo, hi, f)})
            short.append(fmt(f, v))
        cells.append({"value": fmt(m["rows"], i), "cells": row})
        texts.append(short)
    chart = plots.to_data_uri(plots.heatmap(
        values.rename_axis(index=m["rows"], columns=m["cols"]),
        label_of(f), texts, kind_of(f, 0.0) == "pct"))
    return {"figure": label_of(f), "rows": m["rows"], "cols": m["cols"],
            "columns": [fmt(m["cols"], c) for c in values.columns], "body": cells,
            "chart": chart}
