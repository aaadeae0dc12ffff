"""The index's content from the runs' records: the overview by token, sweeps compared, and
the record kept across reports written into the same folder; and the views of them the
index page shows (:func:`overview_view`, :func:`sweep_view`: cells formatted through
:mod:`.format`, marks and charts).

A record is one run as ``index.json`` keeps it: ``notebook``, ``scenario``, ``slug``,
``params``, ``ok``, ``error``, ``seconds``, ``headline``, ``html``, ``ipynb``, ``finished``
(UTC time) and ``latest`` (run by the last command). Everything here reads the headline
figures the notebooks displayed; nothing is recomputed, so the overview's numbers are the
notebooks' numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .format import DASH, amount, days, fmt, interval, kind_of, label_of, missing, pct, text, usd
from .params import ALL_TOKENS, SCHEMAS, field_defaults

__all__ = ["OVERVIEW_COLUMNS", "merge_records", "overview_table", "sweep_groups",
           "DELAY_RISK", "overview_view", "sweep_view"]

#: Columns of the overview, in order (plain numbers; the page formats them).
OVERVIEW_COLUMNS = ["token", "apr", "apr_as_of", "apr_confidence", "network_apr", "spread",
                    "earning_share", "eligible_share", "daily_cost", "daily_cost_usd",
                    "buffer_ratio", "p_delay", "p_delay_low", "p_delay_high", "buffer_needed",
                    "buffer_low", "buffer_high", "shock_max_delay_days",
                    "longest_delay_p99_days", "unbonding", "flags"]
#: P(delay) above this at the current buffer is marked as a high delay risk on the page.
DELAY_RISK = 0.5

_CAPS = ("apr", "apr_as_of", "apr_confidence", "network_apr", "spread", "earning_share",
         "eligible_share", "daily_cost", "daily_cost_usd", "flags")
#: Headline entries that describe a run rather than result from it (not compared).
_CONTEXT = {"token", "target", "flags", "apr_as_of", "apr_confidence", "price_usd", "cap",
            "min_holding", "buffer_ratio", "alpha", "max_delay_days", "per_token"}
_STRESS = ("p_delay", "p_delay_low", "p_delay_high", "buffer_needed", "buffer_low",
           "buffer_high", "shock_max_delay_days", "longest_delay_p99_days", "unbonding")


def merge_records(previous: Iterable[dict], current: Iterable[dict],
                  folder: str | Path | None = None) -> list[dict]:
    """The index of a folder after a command: earlier records, then this command's runs.

    A run of this command replaces the earlier record of the same page (``slug``). When it
    failed and the earlier one was good, the earlier page, its headline and its time stay
    linked (``kept_from``) beside the failure. Earlier records keep ``latest = False``; an
    earlier record whose page is gone from ``folder``, or an earlier failure without a page,
    is dropped.

    Parameters
    ----------
    previous
        Records of the folder's earlier ``index.json`` (any order).
    current
        Records of this command's runs (``latest`` is set to True).
    folder
        The output folder, to check that earlier pages are still there (None: no check).

    Returns
    -------
    list of dict
        Earlier records still valid in their order, with this command's runs replacing
        theirs in place and new runs appended.
    """
    base = Path(folder) if folder is not None else None
    merged: dict[str, dict] = {}
    for r in previous:
        slug = r.get("slug") or Path(str(r.get("html") or "")).stem or \
            f"{r.get('notebook')}-{r.get('scenario')}"
        if not r.get("html"):
            continue
        if base is not None and not (base / r["html"]).is_file():
            continue
        merged[slug] = {**r, "slug": slug, "latest": False}
    for r in current:
        rec = {**r, "latest": True}
        old = merged.get(rec["slug"])
        if not rec["ok"] and old is not None and old.get("ok"):
            rec.update(html=old["html"], ipynb=old.get("ipynb", ""), headline=old["headline"],
                       kept_from=old.get("finished", "an earlier report"))
        merged[rec["slug"]] = rec
    return list(merged.values())


def _usable(records: Iterable[dict], notebook: str) -> list[dict]:
    """Records of ``notebook`` with a headline, this command's first."""
    rs = [r for r in records if r.get("notebook") == notebook and r.get("headline")]
    return sorted(rs, key=lambda r: not r.get("latest", False))


def overview_table(records: Iterable[dict]) -> pd.DataFrame:
    """One row per token: caps figures from its caps run, stress figures from a stress run
    that covers it (this command's runs first; the first such run otherwise).

    Parameters
    ----------
    records
        The folder's records (:func:`merge_records`).

    Returns
    -------
    DataFrame
        :data:`OVERVIEW_COLUMNS` (plain numbers; NaN/None where no run gives the figure),
        plus ``caps_run`` and ``stress_run`` (the page each row's figures come from). Empty
        when no caps or stress run has a headline.
    """
    records = list(records)
    rows: dict[str, dict] = {}
    caps: dict[str, list[dict]] = {}
    for r in _usable(records, "caps"):
        if r["headline"].get("token"):
            caps.setdefault(r["headline"]["token"], []).append(r)
    for t, rs in caps.items():
        r = min(rs, key=lambda x: (not _at_catalogue_terms(x), rs.index(x)))
        rows.setdefault(t, {"token": t}).update(
            {k: r["headline"].get(k) for k in _CAPS}, caps_run=r.get("html", ""),
            caps_label=r.get("scenario", ""), caps_runs=len(rs))
    stress: dict[str, list[dict]] = {}
    for r in _usable(records, "liquidity_stress"):
        for t in r["headline"].get("per_token") or {}:
            stress.setdefault(t, []).append(r)
    for t, rs in stress.items():
        r = min(rs, key=lambda x: (_changed(x), rs.index(x)))
        h = r["headline"]
        rows.setdefault(t, {"token": t}).update(
            {k: h["per_token"][t].get(k) for k in _STRESS}, buffer_ratio=h.get("buffer_ratio"),
            stress_run=r.get("html", ""), stress_label=r.get("scenario", ""),
            stress_runs=len(rs))
    if not rows:
        return pd.DataFrame(columns=[*OVERVIEW_COLUMNS, *_RUN_COLUMNS])
    frame = pd.DataFrame(list(rows.values()))
    for c in (*OVERVIEW_COLUMNS, *_RUN_COLUMNS):
        if c not in frame:
            frame[c] = None
    order = {t: i for i, t in enumerate(_catalogue_order())}
    frame = frame.sort_values("token", key=lambda s: s.map(lambda t: order.get(t, len(order))),
                              kind="stable", ignore_index=True)
    numeric = [c for c in OVERVIEW_COLUMNS if c not in
               ("token", "apr_as_of", "apr_confidence", "unbonding", "flags")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    return frame[[*OVERVIEW_COLUMNS, *_RUN_COLUMNS]]


#: Where each row's figures come from: the page, the scenario, and how many runs cover it.
_RUN_COLUMNS = ["caps_run", "caps_label", "caps_runs", "stress_run", "stress_label",
                "stress_runs"]
#: Parameters that say what a stress run is about rather than which scenario it asks.
_NOT_SCENARIO = {"tokens", "catalog", "total", "token"}


def _at_catalogue_terms(r: dict) -> bool:
    """Whether a caps run asks at the token's own catalogue minimum, cap and APR."""
    from ..catalog import load_catalog

    h = r["headline"]
    try:
        row = load_catalog(r.get("params", {}).get("catalog")).loc[h["token"]]
    except (KeyError, OSError, ValueError):
        return False
    cap = float(row["cap"])
    same_cap = (h.get("cap") is None and cap == float("inf")) or \
        (h.get("cap") is not None and float(h["cap"]) == cap)
    return same_cap and h.get("min_holding") == float(row["min_holding"]) and \
        h.get("apr") == float(row["apr"])


def _changed(r: dict) -> int:
    """How many of a stress run's scenario parameters differ from the question's defaults."""
    d = _defaults(r.get("notebook", ""))
    return sum(repr(v) != repr(d.get(k)) for k, v in r.get("params", {}).items()
               if k not in _NOT_SCENARIO)


def _catalogue_order() -> list[str]:
    return ALL_TOKENS.split(",")


def _defaults(notebook: str) -> dict:
    return field_defaults(notebook) if notebook in SCHEMAS else {}


def sweep_groups(records: Iterable[dict]) -> list[dict]:
    """Runs of one notebook that differ by some parameters, as one comparison each.

    For each notebook with two or more good runs: the swept parameters (those whose value,
    the notebook's default where a run leaves it out, differs between runs) and a table
    with a column per swept parameter and a column per plain headline figure.

    Parameters
    ----------
    records
        The folder's records (:func:`merge_records`).

    Returns
    -------
    list of dict
        ``notebook``, ``swept`` (names), ``figures`` (headline names), ``table`` (DataFrame:
        swept columns, figure columns, ``html``), ``numeric`` (the one swept parameter when
        it is the only one and numeric, else None).
    """
    out = []
    by_nb: dict[str, list[dict]] = {}
    for r in records:
        if r.get("ok") and r.get("headline"):
            by_nb.setdefault(r["notebook"], []).append(r)
    for nb, rs in by_nb.items():
        if len(rs) < 2:
            continue
        defaults = _defaults(nb)
        names = sorted({k for r in rs for k in r.get("params", {})})
        values = {k: [r.get("params", {}).get(k, defaults.get(k)) for r in rs] for k in names}
        swept = [k for k in names if len({repr(v) for v in values[k]}) > 1]
        if not swept:
            continue
        keys = list(dict.fromkeys(k for r in rs for k in r["headline"]))
        figures = [k for k in keys
                   if k not in swept and all(isinstance(r["headline"].get(k), int | float | str)
                                             or r["headline"].get(k) is None for r in rs)
                   and k not in _CONTEXT]
        table = pd.DataFrame({**{k: values[k] for k in swept},
                              **{f: [r["headline"].get(f) for r in rs] for f in figures},
                              **_interval_columns(rs, figures),
                              "html": [r.get("html", "") for r in rs]})
        try:
            table = table.sort_values(swept, kind="stable", ignore_index=True)
        except TypeError:  # values of mixed types keep the runs' order
            pass
        numeric = swept[0] if len(swept) == 1 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values[swept[0]]
        ) else None
        out.append({"notebook": nb, "swept": swept, "figures": figures, "table": table,
                    "numeric": numeric, "matrices": _matrices(nb, swept, figures, table)})
    return out


#: The figures a two-parameter sweep is shown as a matrix of, by notebook (the first one
#: that varies otherwise).
MATRIX_FIGURES = {"liquidity_stress": ("p_delay", "longest_delay_p99_days"),
                  "caps": ("daily_cost",), "yields": ("effective_apr",)}


def _interval_columns(rs: list[dict], figures: list[str]) -> dict[str, list]:
    """``F@low`` and ``F@high`` for figures whose runs give an interval (``intervals`` of
    the headline: figure → [low, high])."""
    out = {}
    for f in figures:
        ends = [(r["headline"].get("intervals") or {}).get(f) for r in rs]
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


#: The overview's columns on the page, in order.
_HEAD = ["token", "catalogue APR (per year)", "APR as of", "APR source", "net network APR",
         "spread (network − catalogue)", "holders earning", "eligible share of balances",
         "reward cost (tokens a day)", "reward cost (USD a day)",
         "P(delay) at the current buffer (95 % interval)",
         "buffer needed for the target (95 % interval)", "longest delay in the shock alone",
         "longest delay, 99th percentile of Monte Carlo paths", "unbonding rule", "flags"]


def _cell(shown: str, css: str = "", title: str = "", sub: str = "") -> dict:
    return {"text": shown, "css": css, "title": title, "sub": sub}


def overview_view(frame: pd.DataFrame) -> dict:
    """The overview table as the index shows it: formatted cells with marks, and charts.

    A negative spread is marked ▼ and a delay risk above :data:`DELAY_RISK`, or a buffer
    below the one the target needs, ⚠. The "APR as of" and "flags" columns are left out
    when no row has them.

    Parameters
    ----------
    frame
        From :func:`overview_table` (not empty).

    Returns
    -------
    dict
        ``head`` (column labels), ``rows`` (each ``cells``: ``text``, ``css``, ``title``,
        ``sub``; and ``links``: (name, page) pairs), ``charts`` ((title, data URI) pairs).
    """
    flags = any(not missing(f) and str(f).strip() for f in frame["flags"])
    as_of = bool(frame["apr_as_of"].notna().any())
    keep = [i for i, h in enumerate(_HEAD) if (h != "APR as of" or as_of)
            and (h != "flags" or flags)]
    rows = []
    for _, r in frame.iterrows():
        cells = _overview_cells(r)
        links = []
        for name, i, j in (("caps", 1, 10), ("stress", 10, 15)):  # the cells of each
            if missing(r[f"{name}_run"]) or not r[f"{name}_run"]:
                continue
            n = int(r[f"{name}_runs"])
            what = f"{name}: {r[f'{name}_label']}" + (
                f" (1 of {n} runs; see Runs compared)" if n > 1 else "")
            links.append((what, r[f"{name}_run"]))
            for c in cells[i:j]:  # each figure names the run it comes from
                c["title"] = f"{c['title']}; from {what}" if c["title"] else f"from {what}"
        rows.append({"cells": [cells[i] for i in keep], "links": links})
    return {"head": [_HEAD[i] for i in keep], "rows": rows, "charts": _overview_charts(frame)}


def _overview_cells(r: pd.Series) -> list[dict]:
    """One token's row of the overview as cells, in the order of ``_HEAD``."""
    spread, p, needed = r["spread"], r["p_delay"], r["buffer_needed"]
    neg = not missing(spread) and spread < 0
    risky = not missing(p) and p > DELAY_RISK
    short = (not missing(needed) and not missing(r["buffer_ratio"])
             and needed > r["buffer_ratio"]) or (missing(needed) and not missing(p))
    shown_needed = pct(needed) if not missing(needed) else \
        ("none enough" if not missing(p) else DASH)
    return [
        _cell(r["token"]), _cell(pct(r["apr"], 2)), _cell(text(r["apr_as_of"], blank=DASH)),
        _cell(text(r["apr_confidence"], blank=DASH)), _cell(pct(r["network_apr"], 2)),
        _cell(("▼ " if neg else "") + pct(spread, 2), "bad" if neg else "",
              "the exchange pays more than the chain yields" if neg else ""),
        _cell(pct(r["earning_share"])), _cell(pct(r["eligible_share"])),
        _cell(amount(r["daily_cost"])), _cell(usd(r["daily_cost_usd"])),
        _cell(("⚠ " if risky else "") + pct(p), "bad" if risky else "",
              f"more than {DELAY_RISK:.0%} of paths see a delay" if risky else "",
              interval(r["p_delay_low"], r["p_delay_high"])),
        _cell(("⚠ " if short else "") + shown_needed, "bad" if short else "",
              f"above the current buffer of {pct(r['buffer_ratio'])}" if short else "",
              interval(r["buffer_low"], r["buffer_high"])),
        _cell(days(r["shock_max_delay_days"])), _cell(days(r["longest_delay_p99_days"])),
        _cell(text(r["unbonding"], blank=DASH)),
        _cell(text(r["flags"], "")),
    ]


def _overview_charts(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The overview's charts as (title, data URI) pairs, those the figures allow."""
    from . import plots  # matplotlib, from the report extra, loads only to draw

    charts = []
    if frame["spread"].notna().any():
        charts.append(("spread by token", plots.to_data_uri(plots.spread_by_token(frame))))
    if frame["buffer_needed"].notna().any():
        charts.append(("buffer needed against the current buffer",
                       plots.to_data_uri(plots.buffers(frame))))
        if (frame["apr"].notna() & frame["buffer_needed"].notna()).sum() >= 2:
            charts.append(("APR against liquidity risk",
                           plots.to_data_uri(plots.apr_vs_risk(frame))))
    return charts


def sweep_view(group: dict) -> dict:
    """A comparison of swept runs as the index shows it: formatted cells, and a chart of up
    to four figures that vary when one numeric parameter is swept.

    Parameters
    ----------
    group
        One item of :func:`sweep_groups`.

    Returns
    -------
    dict
        ``notebook``, ``swept``, ``head`` (labels), ``rows`` (each ``cells``, formatted
        text, and ``html``, the run's page), ``chart`` (a data URI, or None).
    """
    t = group["table"]
    head = [*group["swept"], *[label_of(f) for f in group["figures"]]]
    rows = [{"cells": [fmt(k, r[k]) for k in group["swept"]] +
             [_with_interval(f, r) for f in group["figures"]], "html": r["html"]}
            for _, r in t.iterrows()]
    chart = None
    if group["numeric"]:
        nums = [f for f in group["figures"]
                if t[f].map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)
                            ).all() and t[f].nunique() > 1][:4]
        if nums:
            from . import plots  # matplotlib, from the report extra, loads only to draw

            chart = plots.to_data_uri(plots.sweep(
                t, group["numeric"], nums, {f: label_of(f) for f in nums},
                {f for f in nums if kind_of(f, 0.0) == "pct"}))
    return {"notebook": group["notebook"], "swept": group["swept"], "head": head,
            "rows": rows, "chart": chart,
            "matrices": [_matrix_view(m) for m in group.get("matrices", [])]}


def _with_interval(f: str, r: pd.Series) -> str:
    """A figure's cell: its value, and its interval when the run gives one."""
    shown = fmt(f, r[f])
    sub = _range(f, shown, r.get(f"{f}@low"), r.get(f"{f}@high"))
    return f"{shown} ({sub})" if sub else shown


def _range(f: str, shown: str, lo: object, hi: object) -> str:
    """``low–high`` as the figure is formatted; empty when an end is missing or both ends
    read as the figure itself."""
    if missing(lo) or missing(hi) or shown == DASH:
        return ""
    a, b = fmt(f, lo), fmt(f, hi)
    return "" if a == b == shown else f"{a}–{b}"


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
            row.append({"text": fmt(f, v), "sub": _range(f, fmt(f, v), lo, hi)})
            short.append(fmt(f, v))
        cells.append({"value": fmt(m["rows"], i), "cells": row})
        texts.append(short)
    chart = plots.to_data_uri(plots.heatmap(
        values.rename_axis(index=m["rows"], columns=m["cols"]),
        label_of(f), texts, kind_of(f, 0.0) == "pct"))
    return {"figure": label_of(f), "rows": m["rows"], "cols": m["cols"],
            "columns": [fmt(m["cols"], c) for c in values.columns], "body": cells,
            "chart": chart}
