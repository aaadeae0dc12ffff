"""The index's content from the runs' records: the overview by token and the record kept
across reports written into the same folder; and the view of the overview the index page
shows (:func:`overview_view`: two tables that each fit a laptop screen, cells formatted
through :mod:`.format`, marks and charts). The runs compared are :mod:`.sweeps`'
(:func:`sweep_groups` and :func:`sweep_view`, also importable from here).

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

from .format import DASH, amount, days, interval, missing, notes_below, pct, text, usd
from .params import ALL_TOKENS
from .sweeps import defaults_of, sweep_groups, sweep_view

__all__ = ["OVERVIEW_COLUMNS", "merge_records", "overview_table", "sweep_groups",
           "DELAY_RISK", "overview_view", "sweep_view", "OVERVIEW_TABLES"]

#: Columns of the overview, in order (plain numbers; the page formats them).
OVERVIEW_COLUMNS = ["token", "apr", "apr_as_of", "apr_confidence", "apr_source", "network_apr",
                    "spread",
                    "spread_low", "spread_high", "spread_sign", "no_model", "earning_share",
                    "eligible_share", "daily_cost", "daily_cost_usd",
                    "buffer_ratio", "p_delay", "p_delay_low", "p_delay_high", "buffer_needed",
                    "buffer_low", "buffer_high", "shock_max_delay_days",
                    "longest_delay_p99_days", "unbonding", "flags"]
#: P(delay) above this at the current buffer is marked as a high delay risk on the page.
DELAY_RISK = 0.5

_CAPS = ("apr", "apr_as_of", "apr_confidence", "apr_source", "network_apr", "spread", "spread_low",
         "spread_high", "spread_sign", "no_model", "earning_share", "eligible_share",
         "daily_cost", "daily_cost_usd", "flags")
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
    catalogues: dict = {}
    for t, rs in caps.items():
        r = min(rs, key=lambda x: (not _at_catalogue_terms(x, catalogues), rs.index(x)))
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
               ("token", "apr_as_of", "apr_confidence", "apr_source", "unbonding", "flags",
                "spread_sign", "no_model")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    return frame[[*OVERVIEW_COLUMNS, *_RUN_COLUMNS]]


#: Where each row's figures come from: the page, the scenario, and how many runs cover it.
_RUN_COLUMNS = ["caps_run", "caps_label", "caps_runs", "stress_run", "stress_label",
                "stress_runs"]
#: Parameters that say what a stress run is about rather than which scenario it asks.
_NOT_SCENARIO = {"tokens", "catalog", "total", "token"}


def _at_catalogue_terms(r: dict, catalogues: dict) -> bool:
    """Whether a caps run asks at the token's own catalogue minimum, cap and APR
    (``catalogues``: those read so far, by path, each read once; None: unreadable)."""
    from ..catalog import load_catalog

    h = r["headline"]
    path = r.get("params", {}).get("catalog")
    if path not in catalogues:
        try:
            catalogues[path] = load_catalog(path)
        except (KeyError, OSError, ValueError):
            catalogues[path] = None
    if catalogues[path] is None or h.get("token") not in catalogues[path].index:
        return False
    row = catalogues[path].loc[h["token"]]
    cap = float(row["cap"])
    same_cap = (h.get("cap") is None and cap == float("inf")) or \
        (h.get("cap") is not None and float(h["cap"]) == cap)
    return same_cap and h.get("min_holding") == float(row["min_holding"]) and \
        h.get("apr") == float(row["apr"])


def _changed(r: dict) -> int:
    """How many of a stress run's scenario parameters differ from the question's defaults."""
    d = defaults_of(r.get("notebook", ""))
    return sum(repr(v) != repr(d.get(k)) for k, v in r.get("params", {}).items()
               if k not in _NOT_SCENARIO)


def _catalogue_order() -> list[str]:
    return ALL_TOKENS.split(",")


#: The overview's columns on the page: key, label, and what the column shows (the label's
#: hover text, and the key under the table); in two tables that each fit a 1,280 px screen,
#: the main figures and the rest, each row starting with the token.
OVERVIEW_TABLES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Overview by token", [
        ("token", "token", ""),
        ("apr", "catalogue APR", "the APR the catalogue quotes, per year"),
        ("network_apr", "net network APR", "what staking pays on chain, net, per year"),
        ("spread", "spread", "net network APR − catalogue APR, with the interval the chain "
         "model's ranges give"),
        ("cost", "reward cost a day", "in dollars, and below in tokens"),
        ("p_delay", "P(delay)", "the chance of a delayed withdrawal at the current buffer, "
         "with its 95 % interval"),
        ("buffer_needed", "buffer needed", "the buffer the target needs, with its 95 % "
         "interval"),
        ("delay_p99", "longest delay, 99th percentile", "the longest delay of a path, at the "
         "99th percentile of the Monte Carlo paths")]),
    ("By token, in detail", [
        ("token", "token", ""),
        ("apr_as_of", "APR as of", "the day the catalogue's APR was quoted"),
        ("apr_source", "APR source", "where the catalogue's APR came from"),
        ("earning_share", "holders earning", "the share of holders above the minimum"),
        ("eligible_share", "eligible share of balances", "the share of balances that earns"),
        ("shock_delay", "longest delay in the shock alone", "the scenario's shock on one "
         "path without random runs"),
        ("unbonding", "unbonding rule", "how long the chain takes to unbond"),
        ("flags", "flags", "what the catalogue check found")]),
]
#: The overview's columns of text (the others are figures, right-aligned).
_TEXT = {"token", "apr_source", "unbonding", "flags"}
#: The cells each kind of run gives (the rest of a row is the token).
_FROM = {"caps": ("apr", "network_apr", "spread", "cost", "apr_as_of", "apr_source",
                  "earning_share", "eligible_share", "flags"),
         "stress": ("p_delay", "buffer_needed", "delay_p99", "shock_delay", "unbonding")}


def _cell(shown: str, css: str = "", title: str = "", sub: str = "") -> dict:
    return {"text": shown, "css": css, "title": title, "sub": sub}


def overview_view(frame: pd.DataFrame) -> dict:
    """The overview as the index shows it: two tables of formatted cells with marks
    (:data:`OVERVIEW_TABLES`), the pages each row comes from, and charts.

    A negative spread is marked ▼, a spread whose interval spans zero ``?`` (its sign is not
    known; the interval is shown below it), a chain without a network APR says why; a delay
    risk above :data:`DELAY_RISK`, or a buffer below the one the target needs, ⚠. An
    interval of no width says why. The "APR as of" and "flags" columns are left out when no
    row has them. Each cell's hover text names the run it comes from.

    Parameters
    ----------
    frame
        From :func:`overview_table` (not empty).

    Returns
    -------
    dict
        ``tables``: each ``title``, ``head`` (labels), ``numeric`` (by column), ``legend``
        (label and what each column shows), ``rows`` (each ``cells``: ``text``, ``css``,
        ``title``, ``sub``; and ``links``, in the first table: ``text``, ``href``, ``title``
        of the pages its figures come from) and ``notes`` (long texts moved below the table,
        :func:`~.format.notes_below`); ``head`` and ``rows``: every column of both tables in
        one (the token once, no text moved); ``charts``: (title, data URI) pairs.
    """
    flags = any(not missing(f) and str(f).strip() for f in frame["flags"])
    as_of = bool(frame["apr_as_of"].notna().any())
    columns = [(title, [c for c in cols if (c[0] != "apr_as_of" or as_of)
                        and (c[0] != "flags" or flags)]) for title, cols in OVERVIEW_TABLES]
    every = list(dict.fromkeys(c for _, cols in columns for c in cols))
    rows = []
    for _, r in frame.iterrows():
        cells, links = _overview_cells(r), []
        for name, keys in _FROM.items():
            if missing(r[f"{name}_run"]) or not r[f"{name}_run"]:
                continue
            n = int(r[f"{name}_runs"])
            what = f"{name}: {r[f'{name}_label']}" + (
                f" (1 of {n} runs; see Runs compared)" if n > 1 else "")
            links.append({"text": name + (f" (1 of {n})" if n > 1 else ""),
                          "href": r[f"{name}_run"], "title": what})
            for k in keys:  # each figure names the run it comes from
                c = cells[k]
                c["title"] = f"{c['title']}; from {what}" if c["title"] else f"from {what}"
        rows.append((cells, links))
    tables = []
    for i, (title, cols) in enumerate(columns):
        shown, notes = notes_below([{"cells": [cells[c[0]] for c in cols],
                                     "links": links if i == 0 else []} for cells, links in rows])
        tables.append({"title": title, "head": [c[1] for c in cols],
                       "numeric": [c[0] not in _TEXT for c in cols],
                       "legend": [(c[1], c[2]) for c in cols if c[2]],
                       "rows": shown, "notes": notes})
    return {"tables": tables, "head": [c[1] for c in every],
            "rows": [{"cells": [cells[c[0]] for c in every], "links": links}
                     for cells, links in rows],
            "charts": _overview_charts(frame)}


def _apr_source(r: pd.Series) -> object:
    """Where the APR came from and when (a record of an older report: its confidence)."""
    return r["apr_confidence"] if missing(r["apr_source"]) else r["apr_source"]


def _overview_cells(r: pd.Series) -> dict[str, dict]:
    """One token's row of the overview as cells, by the keys of :data:`OVERVIEW_TABLES`."""
    p, needed = r["p_delay"], r["buffer_needed"]
    risky = not missing(p) and p > DELAY_RISK
    short = (not missing(needed) and not missing(r["buffer_ratio"])
             and needed > r["buffer_ratio"]) or (missing(needed) and not missing(p))
    shown_needed = pct(needed) if not missing(needed) else \
        ("none enough" if not missing(p) else DASH)
    return {
        "token": _cell(r["token"]), "apr": _cell(pct(r["apr"], 2)),
        "apr_as_of": _cell(text(r["apr_as_of"], blank=DASH)),
        "apr_source": _cell(text(_apr_source(r), blank=DASH)),
        "network_apr": _cell(pct(r["network_apr"], 2)), "spread": _spread_cell(r),
        "cost": _cost_cell(r),
        "earning_share": _cell(pct(r["earning_share"])),
        "eligible_share": _cell(pct(r["eligible_share"])),
        "p_delay": _cell(("⚠ " if risky else "") + pct(p), "bad" if risky else "",
                         f"more than {DELAY_RISK:.0%} of paths see a delay" if risky else "",
                         interval(r["p_delay_low"], r["p_delay_high"], "p_delay")),
        "buffer_needed": _cell(
            ("⚠ " if short else "") + shown_needed, "bad" if short else "",
            f"above the current buffer of {pct(r['buffer_ratio'])}" if short else "",
            "" if missing(needed) else interval(r["buffer_low"], r["buffer_high"],
                                                "buffer_needed")),
        "shock_delay": _cell(days(r["shock_max_delay_days"])),
        "delay_p99": _cell(days(r["longest_delay_p99_days"])),
        "unbonding": _cell(text(r["unbonding"], blank=DASH)),
        "flags": _cell(text(r["flags"], "")),
    }


def _cost_cell(r: pd.Series) -> dict:
    """The daily cost of rewards: in dollars with the tokens below, or in tokens when the
    run has no price."""
    tokens = "" if missing(r["daily_cost"]) else f"{amount(r['daily_cost'])} {r['token']}"
    if missing(r["daily_cost_usd"]):
        return _cell(tokens or DASH)
    return _cell(usd(r["daily_cost_usd"]), sub=tokens)


def _spread_cell(r: pd.Series) -> dict:
    """The spread with its interval below it: ▼ when it is negative, ``?`` when its
    interval straddles 0 (the sign is not known), and the reason instead of a number when
    the chain has no network APR."""
    spread, sign = r["spread"], r.get("spread_sign")
    reason = r.get("no_model")
    if missing(spread) and not missing(reason) and str(reason):
        return _cell("no model", "", str(reason), str(reason))
    neg = not missing(spread) and spread < 0
    unknown = not missing(sign) and sign == "unknown"
    sub = "" if missing(spread) else interval(r.get("spread_low"), r.get("spread_high"),
                                              "spread", lambda v: pct(v, 2))
    title = "the exchange pays more than the chain yields" if neg else ""
    if unknown:
        title = (f"{title}; " if title else "") + "its sign is not known: the interval " \
            "the chain model's ranges give spans zero"
    mark = ("▼ " if neg else "") + ("? " if unknown else "")
    return _cell(mark + pct(spread, 2), "bad" if neg else "", title, sub)


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
