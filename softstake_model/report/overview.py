"""The index's content from the runs' records: the overview by token, sweeps compared, and
the record kept across reports written into the same folder.

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

__all__ = ["OVERVIEW_COLUMNS", "merge_records", "overview_table", "sweep_groups",
           "DELAY_RISK"]

#: Columns of the overview, in order (plain numbers; the page formats them).
OVERVIEW_COLUMNS = ["token", "apr", "apr_as_of", "apr_confidence", "network_apr", "spread",
                    "earning_share", "eligible_share", "daily_cost", "daily_cost_usd",
                    "buffer_ratio", "p_delay", "p_delay_low", "p_delay_high", "buffer_needed",
                    "buffer_low", "buffer_high", "shock_max_delay_days", "unbonding", "flags"]
#: P(delay) above this at the current buffer is marked as a high delay risk on the page.
DELAY_RISK = 0.5

_CAPS = ("apr", "apr_as_of", "apr_confidence", "network_apr", "spread", "earning_share",
         "eligible_share", "daily_cost", "daily_cost_usd", "flags")
#: Headline entries that describe a run rather than result from it (not compared).
_CONTEXT = {"token", "target", "flags", "apr_as_of", "apr_confidence", "price_usd", "cap",
            "min_holding", "buffer_ratio", "alpha", "max_delay_days", "per_token"}
_STRESS = ("p_delay", "p_delay_low", "p_delay_high", "buffer_needed", "buffer_low",
           "buffer_high", "shock_max_delay_days", "unbonding")


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

    Returns
    -------
    DataFrame
        :data:`OVERVIEW_COLUMNS` (plain numbers; NaN/None where no run gives the figure),
        plus ``caps_run`` and ``stress_run`` (the page each row's figures come from). Empty
        when no caps or stress run has a headline.
    """
    records = list(records)
    rows: dict[str, dict] = {}
    for r in _usable(records, "caps"):
        h = r["headline"]
        t = h.get("token")
        if t and "caps_run" not in rows.get(t, {}):
            rows.setdefault(t, {"token": t}).update(
                {k: h.get(k) for k in _CAPS}, caps_run=r.get("html", ""))
    for r in _usable(records, "liquidity_stress"):
        h = r["headline"]
        for t, figures in (h.get("per_token") or {}).items():
            if "stress_run" not in rows.get(t, {}):
                rows.setdefault(t, {"token": t}).update(
                    {k: figures.get(k) for k in _STRESS}, buffer_ratio=h.get("buffer_ratio"),
                    stress_run=r.get("html", ""))
    if not rows:
        return pd.DataFrame(columns=[*OVERVIEW_COLUMNS, "caps_run", "stress_run"])
    frame = pd.DataFrame(list(rows.values()))
    for c in (*OVERVIEW_COLUMNS, "caps_run", "stress_run"):
        if c not in frame:
            frame[c] = None
    order = {t: i for i, t in enumerate(_catalogue_order())}
    frame = frame.sort_values("token", key=lambda s: s.map(lambda t: order.get(t, len(order))),
                              kind="stable", ignore_index=True)
    numeric = [c for c in OVERVIEW_COLUMNS if c not in
               ("token", "apr_as_of", "apr_confidence", "unbonding", "flags")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    return frame[[*OVERVIEW_COLUMNS, "caps_run", "stress_run"]]


def _catalogue_order() -> list[str]:
    from .params import ALL_TOKENS

    return ALL_TOKENS.split(",")


def _defaults(notebook: str) -> dict:
    from .params import SCHEMAS

    schema = SCHEMAS.get(notebook)
    return {k: f.default for k, f in schema.model_fields.items()} if schema else {}


def sweep_groups(records: Iterable[dict]) -> list[dict]:
    """Runs of one notebook that differ by some parameters, as one comparison each.

    For each notebook with two or more good runs: the swept parameters (those whose value,
    the notebook's default where a run leaves it out, differs between runs) and a table
    with a column per swept parameter and a column per plain headline figure.

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
        figures = [k for k in rs[0]["headline"]
                   if k not in swept and all(isinstance(r["headline"].get(k), int | float | str)
                                             or r["headline"].get(k) is None for r in rs)
                   and k not in _CONTEXT]
        table = pd.DataFrame({**{k: values[k] for k in swept},
                              **{f: [r["headline"].get(f) for r in rs] for f in figures},
                              "html": [r.get("html", "") for r in rs]})
        try:
            table = table.sort_values(swept, kind="stable", ignore_index=True)
        except TypeError:  # values of mixed types keep the runs' order
            pass
        numeric = swept[0] if len(swept) == 1 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values[swept[0]]
        ) else None
        out.append({"notebook": nb, "swept": swept, "figures": figures, "table": table,
                    "numeric": numeric})
    return out
