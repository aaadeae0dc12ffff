"""Liquidity stress across tokens (the liquidity_stress notebook).

With one token the page answers for it (the buffer needed split into the shock's part and the
random runs' part, the Monte Carlo delays, the sensitivity to the run model); the ranking and
the ranking's sensitivity to the price link are shown only with several tokens.
"""

from __future__ import annotations

from typing import TypedDict

import pandas as pd

from ...catalog import assumed_lines
from ...staleness import page_stale_line
from ...stress import RUN_MODEL_ASSUMPTION
from ...stress_parts import EXCEEDANCE_DAYS, INTERVAL_COVERS
from ...stress_ranking import stress_ranking
from ..format import DASH, days, interval, pct
from ..params import StressReportParams

__all__ = ["stress_view", "StressView"]


class StressView(TypedDict):
    """What the stress page shows (figures from :func:`~softstake_model.stress_ranking.
    stress_ranking`; sentences and labels added here)."""

    ranking: pd.DataFrame
    daily: dict[str, pd.DataFrame]
    distributions: dict[str, pd.DataFrame]
    assumed: list[str]
    sensitivity: pd.DataFrame | None
    run_model: pd.DataFrame | None
    delays: pd.DataFrame
    parts: pd.DataFrame
    several: bool
    riskiest: str
    target: str
    headline: dict
    findings: list[str]


def stress_view(p: StressReportParams) -> StressView:
    """Per token: the shock run's daily state, Monte Carlo figures with the shock on every
    path (each probability with its Wilson interval), the buffer meeting the target with a
    bootstrap interval, the ranking and its sensitivity to ``price_link``."""
    res = stress_ranking(p, p.token_list)
    ranking, cat = res.ranking, res.catalog
    assumed = [] if p.unbonding else assumed_lines(cat, p.token_list, ("unbonding",))
    if p.unbonding:
        assumed.append(f"unbonding rule {p.unbonding} for every token (given, not the "
                       "catalogue's)")
    if p.paths > 1:
        assumed.append(f"{RUN_MODEL_ASSUMPTION}; a price link of {p.price_link:g} at each "
                       "token's volatility")
        if p.price_link:
            assumed += assumed_lines(cat, p.token_list, ("volatility",))
    target = _target(p)
    top = res.riskiest
    out = StressView(
        ranking=ranking, daily={t: a.shock_daily for t, a in res.answers.items()},
        distributions={t: a.metrics for t, a in res.answers.items()}, assumed=assumed,
        sensitivity=res.sensitivity, run_model=_run_model_table(res.run_model, p),
        delays=_delays_table(ranking), parts=_parts_table(ranking),
        several=len(ranking) > 1, riskiest=str(top.token), target=target,
        headline=_headline(p, ranking, target), findings=[])
    out["findings"] = _stress_findings(p, out) + _answer_findings(p, ranking, res.run_model)
    if p.paths > 1 and p.price_link:  # the only fetchable value the stress figures use
        stale = page_stale_line(cat, p.token_list, ("volatility",))
        if stale:
            out["findings"].insert(0, stale)
    return out


#: The figures a run's headline leads with (the riskiest token's, the one token's), in order.
HEADLINE_FIGURES = ("buffer_needed", "buffer_shock", "buffer_runs", "p_delay", "p_any_delay",
                    *(f"p_delay_over_{k}d" for k in EXCEEDANCE_DAYS),
                    "longest_delay_p50_days", "longest_delay_p95_days",
                    "longest_delay_p99_days", "longest_delay_max_days",
                    "shock_max_delay_days", "shock_delayed_share")


def _headline(p: StressReportParams, ranking: pd.DataFrame, target: str) -> dict:
    """The figures the index reads.

    :data:`HEADLINE_FIGURES` of the riskiest token (the one token), as plain numbers, with
    their intervals under ``intervals`` (name → ``[low, high]``: Wilson for probabilities,
    bootstrap over paths for the buffer and the delay percentiles); with several tokens also
    the worst over them (``max_p_delay``, ``max_buffer_needed``, ``worst_*``); the target;
    and every token's figures, intervals as ``*_low``/``*_high``, under ``per_token``.
    """
    rows = ranking.to_dict("records")
    keep = [k for k in rows[0] if k not in ("token", "unbonding_confidence",
                                            "p99_max_delay_days")]
    per_token = {r["token"]: {k: _plain(r[k]) for k in keep} for r in rows}
    top = per_token[rows[0]["token"]]
    intervals = {}
    for k in HEADLINE_FIGURES:
        stem = k.removesuffix("_days")
        lo, hi = (f"{stem}_low_days", f"{stem}_high_days") if k.endswith("_days") else \
            (f"{k}_low", f"{k}_high")
        if k == "buffer_needed":
            lo, hi = "buffer_low", "buffer_high"
        if lo in top:
            intervals[k] = [top[lo], top[hi]]
    out = {"tokens": len(rows), "riskiest": rows[0]["token"],
           **({"token": rows[0]["token"]} if len(rows) == 1 else {}),
           "unbonding": top["unbonding"], **{k: top[k] for k in HEADLINE_FIGURES},
           "intervals": intervals}
    if len(rows) > 1:
        out.update(max_p_delay=float(ranking["p_delay"].max()),
                   max_buffer_needed=_max_or_none(ranking["buffer_needed"]),
                   worst_shock_delay_days=_max_or_none(ranking["shock_max_delay_days"]),
                   worst_longest_delay_p99_days=float(
                       ranking["longest_delay_p99_days"].max()))
    return {**out, "buffer_ratio": p.buffer_ratio, "alpha": p.alpha,
            "max_delay_days": p.max_delay_days, "target": target, "per_token": per_token}


def _plain(v: object) -> object:
    """A JSON-ready figure: None for a missing one."""
    if isinstance(v, str):
        return v
    return None if v is None or pd.isna(v) else float(v)


def _interval(v: object, lo: object, hi: object, f=pct) -> str:
    if v is None or pd.isna(v):
        return "none enough" if f is pct else DASH
    if lo is None or pd.isna(lo) or hi is None or pd.isna(hi):
        return f(v)
    return f"{f(v)} ({interval(lo, hi, f=f)})"  # one of no width says why


def _delays_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """Per token: the longest delay in the shock alone, then across the Monte Carlo paths
    at p50/p95/p99 (with intervals) and the longest of all paths, as text."""
    r = ranking
    out = {"token": r["token"], "shock": [days(x) for x in r["shock_max_delay_days"]]}
    for q in ("p50", "p95", "p99"):
        out[q] = [_interval(v, lo, hi, days) for v, lo, hi in zip(
            r[f"longest_delay_{q}_days"], r[f"longest_delay_{q}_low_days"],
            r[f"longest_delay_{q}_high_days"], strict=True)]
    out["max"] = [days(x) for x in r["longest_delay_max_days"]]
    for k in ("p_any_delay", *(f"p_delay_over_{k}d" for k in EXCEEDANCE_DAYS)):
        out[k] = [_interval(v, lo, hi) for v, lo, hi in zip(
            r[k], r[f"{k}_low"], r[f"{k}_high"], strict=True)]
    return pd.DataFrame(out)


def _parts_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """Per token: the buffer needed (with its interval), the shock's part, the runs' part."""
    r = ranking
    return pd.DataFrame({
        "token": r["token"],
        "buffer": [_interval(v, lo, hi) for v, lo, hi in zip(
            r["buffer_needed"], r["buffer_low"], r["buffer_high"], strict=True)],
        "shock": [pct(x) for x in r["buffer_shock"]],
        "runs": [pct(x) for x in r["buffer_runs"]]})


_RUN_MODEL = {"arrival_rate": "run rate", "size_alpha": "run size tail (Pareto index)",
              "duration_days": "run duration", "price_link": "price link"}


def _run_value(field: str, value: object, p: StressReportParams) -> str:
    if field == "as asked":
        return "the values listed under Parameters"
    v = float(value)  # type: ignore[arg-type]
    if field == "arrival_rate":
        return f"{v * 365:.3g} runs a year"
    if field == "duration_days":
        return days(v)
    if field == "size_alpha":
        return f"{v:.3g} ({'heavier' if v < p.size_alpha else 'lighter'} tail than " \
            f"{p.size_alpha:g})"
    return f"{v:g}"


def _run_model_table(s: pd.DataFrame | None, p: StressReportParams) -> pd.DataFrame | None:
    """The run-model sensitivity as text: assumption, value tried, buffer, change."""
    if s is None:
        return None
    return pd.DataFrame({
        "assumption": [_RUN_MODEL.get(f, f) for f in s["field"]],
        "value": [_run_value(f, v, p) for f, v in zip(s["field"], s["value"],
                                                       strict=True)],
        "buffer": [pct(b) if pd.notna(b) else "none enough" for b in s["buffer_needed"]],
        "change": [DASH if i == 0 or pd.isna(c) else f"{c * 100:+.1f} points"
                   for i, c in enumerate(s["change"])]})


def _max_or_none(s: pd.Series) -> float | None:
    v = s.astype(float)
    return None if v.isna().any() else float(v.max())


def _target(p: StressReportParams) -> str:
    event = ("any delay" if p.max_delay_days is None else
             f"a delay over {days(p.max_delay_days)}")
    return f"P({event}) ≤ {pct(p.alpha)}"


def _indistinct(ranking: pd.DataFrame) -> list[str]:
    """Tokens whose buffer interval overlaps the first-ranked token's (Monte Carlo noise)."""
    top = ranking.iloc[0]
    if pd.isna(top["buffer_low"]) or pd.isna(top["buffer_high"]):
        return []
    rest = ranking.iloc[1:].dropna(subset=["buffer_low", "buffer_high"])
    over = (rest["buffer_high"] >= top["buffer_low"]) & (rest["buffer_low"] <= top["buffer_high"])
    return rest.loc[over & (rest["buffer_needed"] > 0), "token"].tolist()


def _schedule_text(p: StressReportParams) -> str:
    """``20.0 % of balances withdrawn on day 10`` (and further shocks), or no rush."""
    if not p.schedule:
        return "no scheduled withdrawals"
    return " and ".join(f"{pct(f)} of balances withdrawn on day {d}" for d, f in p.schedule)


def _stress_findings(p: StressReportParams, v: StressView) -> list[str]:
    """The answer for the riskiest (the one) token, then what only several tokens show."""
    r = v["ranking"]
    top = r.iloc[0]
    event = ("a delayed withdrawal" if p.max_delay_days is None else
             f"a withdrawal delayed more than {days(p.max_delay_days)}")
    need = top["buffer_needed"]
    level = f"{p.confidence * 100:g} % interval"
    covers = (f" That interval covers {INTERVAL_COVERS}: the run model's part is weighed "
              "below." if p.paths > 1 and pd.notna(need) else "")
    meets = (f"a buffer of {pct(need)} ({level} {pct(top['buffer_low'])}–"
             f"{pct(top['buffer_high'])}) brings it to {pct(p.alpha)}"
             if pd.notna(need) else "even a full buffer does not bring it to the target")
    lines = [f"At a {pct(p.buffer_ratio)} buffer, with {_schedule_text(p)} on top of "
             f"{'random runs' if p.paths > 1 else 'the base rate'}, {top['token']} has a "
             f"{pct(top['p_delay'])} chance of {event} within {days(p.days)} "
             f"({level} {pct(top['p_delay_low'])}–{pct(top['p_delay_high'])}); {meets}."
             + covers]
    if not v["several"]:
        return lines
    ok = r[r["p_delay"] <= p.alpha]["token"].tolist()
    if ok:
        lines.append(f"Already within the target at the current buffer: {', '.join(ok)}.")
    else:
        lines.append(f"No token meets {v['target']} at the current buffer.")
    worst = r.sort_values("shock_max_delay_days", ascending=False).iloc[0]
    lines.append(f"In the shock run alone, the longest wait is "
                 f"{days(worst['shock_max_delay_days'])} ({worst['token']}, unbonding "
                 f"{worst['unbonding']}).")
    s = v["sensitivity"]
    if s is not None:
        lines.append(_ranking_links(p, r, s))
    return lines


def _ranking_links(p: StressReportParams, r: pd.DataFrame, s: pd.DataFrame) -> str:
    """Whether the ranking's leader depends on the price link."""
    top = r.iloc[0]
    ranks = [c for c in s.columns if c.startswith("rank@")]
    leaders = {c.split("@")[1]: s.loc[s[c] == 1, "token"].iloc[0] for c in ranks}
    close = _indistinct(r)
    if close:
        return (f"{top['token']} ranks first, but its buffer interval overlaps "
                f"{', '.join(close)}'s: at {p.paths:,} paths they cannot be told apart.")
    if len(set(leaders.values())) == 1:
        return (f"The riskiest token is {top['token']} at every price link tried "
                f"({', '.join(leaders)}).")
    return ("The ranking depends on the assumed price link: the riskiest is " +
            ", ".join(f"{t} at {k}" for k, t in leaders.items()) + ".")


def _over(row: dict | pd.Series, k: int) -> str:
    """P(longest delay > k days) with its interval, as text."""
    name = f"p_delay_over_{k}d"
    return _interval(row[name], row[f"{name}_low"], row[f"{name}_high"])


def _answer_findings(p: StressReportParams, r: pd.DataFrame,
                     run_model: pd.DataFrame | None) -> list[str]:
    """The riskiest token's buffer split, Monte Carlo delays and run-model sensitivity."""
    top = r.iloc[0]
    t, lines = top["token"], []
    if pd.notna(top["buffer_needed"]) and pd.notna(top["buffer_shock"]):
        lines.append(
            f"Of the {pct(top['buffer_needed'])} buffer {t} needs, "
            f"{top['buffer_shock'] * 100:.1f} points are the scheduled withdrawals' own "
            "(with random runs and the price link off, the buffer needed is exactly that) and "
            f"{top['buffer_runs'] * 100:.1f} points come from the assumed random runs and "
            "price link.")
    if p.paths > 1:
        q = {k: _interval(top[f"longest_delay_{k}_days"], top[f"longest_delay_{k}_low_days"],
                          top[f"longest_delay_{k}_high_days"], days)
             for k in ("p50", "p95", "p99")}
        lines.append(
            f"Across the {p.paths:,} Monte Carlo paths {t}'s longest delay is {q['p50']} at "
            f"the median, {q['p95']} at the 95th percentile and {q['p99']} at the 99th "
            f"(bootstrap {p.confidence * 100:g} % intervals); the worst path waits "
            f"{days(top['longest_delay_max_days'])}, the shock alone (one deterministic "
            f"path) {days(top['shock_max_delay_days'])}. Paths waiting longer than " +
            ", ".join(f"{days(k)}: {_over(top, k)}" for k in EXCEEDANCE_DAYS) + ".")
    elif pd.notna(top["shock_max_delay_days"]):
        lines.append(f"In the shock run (one deterministic path) {t}'s longest wait is "
                     f"{days(top['shock_max_delay_days'])}.")
    if run_model is not None and len(run_model) > 1:
        rest = run_model.iloc[1:].dropna(subset=["change"])
        if len(rest):
            big = rest.loc[rest["change"].abs().idxmax()]
            lo, hi = run_model["buffer_needed"].min(), run_model["buffer_needed"].max()
            lines.append(
                f"Changing the assumed run model one value at a time moves {t}'s buffer "
                f"needed between {pct(lo)} and {pct(hi)}; the largest move is "
                f"{big['change'] * 100:+.1f} points, at a {_RUN_MODEL[big['field']]} of "
                f"{_run_value(big['field'], big['value'], p)}.")
    return lines
