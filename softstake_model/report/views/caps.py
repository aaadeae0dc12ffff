"""The platform's view of one token's minimum and cap (the caps notebook): the answer of
:func:`~softstake_model.cap_question.cap_cost`, arranged for the page.

Every figure comes from the answer (the entry point ``softstake caps`` calls too); this
module only picks, tabulates and words them.
"""

from __future__ import annotations

from typing import Any, TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...cap_question import CapCost, CapQuestion, cap_cost
from ...staleness import page_stale_line
from ..format import amount, pct, usd

__all__ = ["caps_view", "CapsView"]


class CapsView(TypedDict, total=False):
    """What the caps page shows (the keys :mod:`..plots` and the notebook read);
    ``answer`` is the whole :class:`~softstake_model.cap_question.CapCost`."""

    answer: CapCost
    token: str
    price: float | None
    apr: float
    min_holding: float
    cap: float
    balances: NDArray[np.float64]
    rewards: NDArray[np.float64]
    metrics: dict[str, Any]
    cap_sweep: pd.DataFrame
    min_sweep: pd.DataFrame
    network_apr: float | None
    margin: pd.DataFrame
    margin_now: dict[str, float]
    assumed: list[str]
    summary_table: pd.DataFrame
    percentiles: pd.DataFrame
    cost_shares: pd.DataFrame
    min_table: pd.DataFrame
    population: pd.DataFrame
    headline: dict[str, Any]
    findings: list[str]


def caps_view(p: CapQuestion) -> CapsView:
    """A population's rewards under the token's minimum and cap, sweeps, the margin, and the
    findings; the headline carries what the index's overview shows for the token."""
    res = cap_cost(p)
    rule, m = res.rule, res.summary
    price = rule.price_usd
    v = CapsView(answer=res, token=rule.token or "tokens", price=price, apr=rule.apr,
                 min_holding=rule.min_holding, cap=rule.cap, balances=res.balances,
                 rewards=res.rewards, metrics=m, cap_sweep=res.cap_sweep,
                 min_sweep=res.min_sweep, network_apr=res.network_apr,
                 assumed=list(m.get("assumed", [])))
    if res.margin is not None:
        v["margin"], v["margin_now"] = res.margin, m["margin"]
    v["summary_table"] = pd.DataFrame([{
        "holders": m["holders"], "earning_share": m["earning_share"],
        "eligible_share": m["eligible_share"], "daily_cost": m["daily_cost"],
        "daily_cost_usd": m.get("daily_cost_usd"), "gini": m["gini"]}])
    v["percentiles"] = pd.DataFrame(
        [{"holder percentile": k, "balance": x["balance"], "effective_apr": x["effective_apr"]}
         for k, x in m["effective_apr_by_percentile"].items()])
    v["cost_shares"] = pd.DataFrame(
        [{"holders": k.replace("_", " ").replace("pct", " %"), "share of cost": x}
         for k, x in m["cost_by_percentile"].items()])
    sweep = res.min_sweep
    v["min_table"] = _round_rows(sweep, rule.min_holding).drop(columns="cap")
    pop = m["population"]
    v["population"] = pd.DataFrame([{
        "holders": pop["holders"], "total": pop["total"], "total_usd": pop["total_usd"],
        "mean": pop["mean"], "median": pop["median"],
        "tied": "yes: scaled to the book" if pop["book"] is not None else
        "no: the population's own scale"}])
    v["assumed"].append(_population_line(p, v["token"]))
    v["headline"] = {
        "token": v["token"], "holders": m["holders"],
        "population_total": pop["total"], "population_total_usd": pop["total_usd"],
        **_difference_figures(m),
        "earning_share": m["earning_share"], "eligible_share": m["eligible_share"],
        "daily_cost": m["daily_cost"], "daily_cost_usd": m.get("daily_cost_usd"),
        "gini": m["gini"],
        "margin_apr": m["margin"]["margin_apr"] if "margin" in m else None,
        "apr": rule.apr, "apr_confidence": res.apr_confidence,
        "apr_source": res.apr_source,
        "apr_as_of": res.as_of, "network_apr": res.network_apr, "spread": m["spread"],
        "price_usd": price, "cap": None if not np.isfinite(rule.cap) else rule.cap,
        "min_holding": rule.min_holding, "flags": res.flags}
    v["headline"].update({k: m.get(k) for k in ("spread_low", "spread_high", "spread_sign",
                                                "no_model")})
    v["findings"] = _caps_findings(v)
    stale = page_stale_line(p.catalog, [rule.token], ("min_holding", "cap", "apr",
                                                      "price_usd"),
                            given={"apr": p.apr, "min_holding": p.min_holding, "cap": p.cap})
    if stale:
        v["findings"].insert(0, stale)
    return v


def _round_rows(sweep: pd.DataFrame, current: float) -> pd.DataFrame:
    """The minimum sweep's rows at 1-2-5 values and the current minimum (about ten rows)."""
    m = sweep["min_holding"].to_numpy(float)
    with np.errstate(divide="ignore"):
        mant = np.round(m / 10.0 ** np.floor(np.log10(m)), 6)
    keep = np.isin(mant, (1.0, 2.0, 5.0)) | np.isclose(m, current)
    rows = sweep[keep]
    if len(rows) > 14:
        rows = sweep[np.isin(mant, (1.0,)) | np.isclose(m, current)]
    return rows.reset_index(drop=True)


def _population_line(p: CapQuestion, token: str) -> str:
    """The assumed population, as the assumed values' list says it."""
    if p.balances is not None:
        return f"holders read from {p.balances} (not sampled)"
    shape = f"`{p.population}`" if p.population is not None else \
        f"`{p.population_usd}` (USD)"
    if p.book is not None:
        return (f"holder population's shape {shape}, assumed; its scale is the book "
                f"({amount(p.book, token)} over {p.holders:,} holders)")
    return f"holder population {shape}, assumed, not tied to a book"


def _difference_figures(m: dict) -> dict:
    d = m.get("cap_difference")
    if d is None:
        return {}
    return {"other_cap": d["other_cap"], "cost_difference": d["daily_cost_difference"],
            "holders_between": d["holders_between"],
            "intervals": {"cost_difference": [d["low"], d["high"]]}}


def _population_findings(v: CapsView) -> list[str]:
    """The population's size and total, tied to the book or not; the two caps compared."""
    m, t, price = v["metrics"], v["token"], v["price"]
    pop = m["population"]
    usd_total = f" (about {usd(pop['total_usd'])} at {usd(price)})" \
        if pop["total_usd"] is not None else ""
    tie = (f"tied to the book of {amount(pop['book'], t)}" if pop["book"] is not None else
           "not tied to a book: set `book` to the tokens in users' accounts to scale it")
    lines = [f"The population: {pop['holders']:,} holders with {amount(pop['total'], t)} in "
             f"all{usd_total}, {tie}; the median holder has {amount(pop['median'], t)}."]
    d = m.get("cap_difference")
    if d is not None:
        more = "more" if d["daily_cost_difference"] >= 0 else "less"
        lower = amount(min(d["cap"], d["other_cap"]), t)
        spread = (f"{d['confidence'] * 100:g} % bootstrap interval over holders "
                  f"{amount(d['low'], t)} to {amount(d['high'], t)}")
        if d["low"] == d["high"]:  # an interval of no width says why
            spread = (f"the {d['confidence'] * 100:g} % bootstrap interval over holders has no "
                      f"width: every resample gives {amount(d['low'], t)}, as "
                      + ("no sampled holder holds more than " + lower
                         if d["holders_between"] == 0 else "every resample pays the same"))
        lines.append(
            f"A cap of {amount(d['cap'], t)} costs {amount(abs(d['daily_cost_difference']), t)}"
            f" a day {more} than one of {amount(d['other_cap'], t)} ({spread}); the "
            f"difference rests on the {d['holders_between']:,} holders above {lower}.")
    return lines


def _caps_findings(v: CapsView) -> list[str]:
    m, t, h = v["metrics"], v["token"], v["headline"]
    lines = _population_findings(v)
    lines.append(f"{pct(m['earning_share'])} of {m['holders']:,} sampled holders hold at "
                 f"least the minimum of {amount(v['min_holding'], t)} and earn; they hold "
                 f"{pct(m['eligible_share'])} of all balances under the cap.")
    if h["daily_cost_usd"] is not None:
        lines.append(f"Rewards cost {amount(m['daily_cost'], t)} a day (about "
                     f"{usd(h['daily_cost_usd'])} at {usd(v['price'])}), "
                     f"{usd(h['daily_cost_usd'] * 365)} a year.")
    top1 = m["cost_by_percentile"].get("top_1pct")
    if top1 is not None:
        lines.append(f"The richest 1 % of holders receive {pct(top1)} of the rewards "
                     f"(Gini {m['gini']:.2f}).")
    basis = m["terms"].get("rule_basis")
    if basis:
        lines.append(f"Terms: {m['terms']['preset']}, with the {basis}."
                     if basis.startswith("minimum") else
                     f"Terms: {m['terms']['preset']}: {basis}.")
    if h["spread"] is not None:
        sign = "keeps" if h["spread"] >= 0 else "pays out more than it earns:"
        lines.append(f"On-chain the staked part earns {pct(v['network_apr'])} net; against the "
                     f"{pct(v['apr'])} paid, the exchange {sign} a spread of "
                     f"{pct(h['spread'])} a year per unit staked.")
    else:
        lines.append(f"No protocol model gives {t}'s network APR, so the margin is not shown "
                     "(set `network_apr` to see it).")
    return lines
