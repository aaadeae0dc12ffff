"""Liquidity stress across tokens (the liquidity_stress notebook)."""

from __future__ import annotations

from typing import TypedDict

import pandas as pd

from ...catalog import assumed_lines
from ...stress import RUN_MODEL_ASSUMPTION
from ...stress_ranking import stress_ranking
from ..format import days, pct
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
    per_token = {r["token"]: {k: r[k] for k in (
        "unbonding", "p_delay", "p_delay_low", "p_delay_high", "buffer_needed", "buffer_low",
        "buffer_high", "shock_max_delay_days")} for r in ranking.to_dict("records")}
    headline = {"tokens": len(ranking), "riskiest": ranking.iloc[0]["token"],
                "max_p_delay": float(ranking["p_delay"].max()),
                "max_buffer_needed": _max_or_none(ranking["buffer_needed"]),
                "worst_shock_delay_days": float(ranking["shock_max_delay_days"].max()),
                "buffer_ratio": p.buffer_ratio, "alpha": p.alpha,
                "max_delay_days": p.max_delay_days, "target": target,
                "per_token": per_token}
    out = StressView(
        ranking=ranking, daily={t: a.shock_daily for t, a in res.answers.items()},
        distributions={t: a.metrics for t, a in res.answers.items()}, assumed=assumed,
        sensitivity=res.sensitivity, target=target, headline=headline, findings=[])
    out["findings"] = _stress_findings(p, out)
    return out


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
    r = v["ranking"]
    top = r.iloc[0]
    event = ("a delayed withdrawal" if p.max_delay_days is None else
             f"a withdrawal delayed more than {days(p.max_delay_days)}")
    need = top["buffer_needed"]
    meets = (f"a buffer of {pct(need)} ({p.confidence * 100:g} % interval {pct(top['buffer_low'])}–"
             f"{pct(top['buffer_high'])}) brings it to {pct(p.alpha)}" if pd.notna(need)
             else "even a full buffer does not bring it to the target")
    level = f"{p.confidence * 100:g} % interval"
    lines = [f"At a {pct(p.buffer_ratio)} buffer, with {_schedule_text(p)} on top of "
             f"{'random runs' if p.paths > 1 else 'the base rate'}, {top['token']} has a "
             f"{pct(top['p_delay'])} chance of {event} within {days(p.days)} "
             f"({level} {pct(top['p_delay_low'])}–{pct(top['p_delay_high'])}); {meets}."]
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
        ranks = [c for c in s.columns if c.startswith("rank@")]
        leaders = {c.split("@")[1]: s.loc[s[c] == 1, "token"].iloc[0] for c in ranks}
        close = _indistinct(r)
        if close:
            lines.append(f"{top['token']} ranks first, but its buffer interval overlaps "
                         f"{', '.join(close)}'s: at {p.paths:,} paths they cannot be told "
                         "apart.")
        elif len(set(leaders.values())) == 1:
            lines.append(f"The riskiest token is {top['token']} at every price link tried "
                         f"({', '.join(leaders)}).")
        else:
            lines.append("The ranking depends on the assumed price link: the riskiest is " +
                         ", ".join(f"{t} at {k}" for k, t in leaders.items()) + ".")
    return lines
