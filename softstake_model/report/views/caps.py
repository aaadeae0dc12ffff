"""The platform's view of one token's minimum and cap (the caps notebook)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...apr import apr_table
from ...caps import CapModel, cap_metrics, holder_rewards, platform_margin, sample_population
from ...catalog import assumed_lines, load_catalog, override
from ...terms import preset
from ..format import amount, pct, usd
from ..params import CapsParams

__all__ = ["caps_view"]


def caps_view(p: CapsParams) -> dict:
    """A population's rewards under the token's minimum and cap, sweeps, the margin, and the
    findings; the headline carries what the index's overview shows for the token."""
    cat = load_catalog(p.catalog)
    cat = override(cat, [p.token], min_holding=p.min_holding, cap=p.cap)
    row = cat.loc[p.token]
    terms = preset(p.preset)
    price, apr = float(row["price_usd"]), float(row["apr"])
    mn, cap = float(row["min_holding"]), float(row["cap"])
    balances = sample_population(p.population_usd, p.holders, p.seed) / price
    metrics = cap_metrics(balances, apr, mn, cap, terms)
    model = CapModel(balances, apr, terms)
    top = float(np.quantile(balances, 0.999))
    if np.isfinite(cap):  # the current cap sits inside the sweep, with room on both sides
        top = max(top, cap * 10)
    caps = np.geomspace(max(min(mn, cap / 10), 1e-3), max(top, mn * 10, 1e-2), p.sweep_points)
    cap_sweep = model.metrics(caps, mn)
    mins = np.geomspace(max(mn / 100, 1e-4), max(mn * 100, 1e-2), p.sweep_points)
    min_sweep = model.metrics(np.full_like(mins, cap), mins)
    table = apr_table(cat).set_index("token")
    net = p.network_apr if p.network_apr is not None else table.loc[p.token, "net_apr"]
    out = {"token": p.token, "price": price, "apr": apr, "min_holding": mn, "cap": cap,
           "balances": balances, "rewards": holder_rewards(balances, apr, mn, cap, terms),
           "metrics": metrics, "cap_sweep": cap_sweep,
           "min_sweep": min_sweep, "network_apr": None if pd.isna(net) else float(net),
           "assumed": assumed_lines(cat, [p.token], ("min_holding", "cap", "apr", "price_usd"))}
    if out["network_apr"] is not None:
        out["margin"] = platform_margin(model, out["network_apr"],
                                        sorted({0.0, 0.05, p.buffer_ratio, 0.2}), caps, mn)
        current = platform_margin(model, out["network_apr"], [p.buffer_ratio], [cap], mn)
        out["margin_now"] = current.iloc[0].to_dict()
        if p.network_apr is None:
            out["assumed"] += [f"network APR from the {p.token} chain model: "
                               f"{table.loc[p.token, 'assumed'] or 'no assumed inputs'}"]
    out["summary_table"] = pd.DataFrame([{
        "holders": metrics["holders"], "earning_share": metrics["earning_share"],
        "eligible_share": metrics["eligible_share"], "daily_cost": metrics["daily_cost"],
        "daily_cost_usd": metrics["daily_cost"] * price, "gini": metrics["gini"]}])
    out["percentiles"] = pd.DataFrame(
        [{"holder percentile": k, "balance": x["balance"], "effective_apr": x["effective_apr"]}
         for k, x in metrics["effective_apr_by_percentile"].items()])
    out["cost_shares"] = pd.DataFrame(
        [{"holders": k.replace("_", " ").replace("pct", " %"), "share of cost": x}
         for k, x in metrics["cost_by_percentile"].items()])
    out["min_table"] = min_sweep.iloc[:: max(1, len(min_sweep) // 10)].drop(columns="cap")
    as_of = next((row[c] for c in ("apr_date", "apr_as_of", "as_of") if c in row.index
                  and not pd.isna(row[c])), None)
    flags = table.loc[p.token, "flags"] if "flags" in table.columns else ""
    out["headline"] = {
        "token": p.token, "holders": metrics["holders"],
        "earning_share": metrics["earning_share"], "eligible_share": metrics["eligible_share"],
        "daily_cost": metrics["daily_cost"], "daily_cost_usd": metrics["daily_cost"] * price,
        "gini": metrics["gini"],
        "margin_apr": out["margin_now"]["margin_apr"] if "margin_now" in out else None,
        "apr": apr, "apr_confidence": str(row["apr_confidence"]),
        "apr_as_of": None if as_of is None else str(as_of),
        "network_apr": out["network_apr"],
        "spread": None if out["network_apr"] is None else out["network_apr"] - apr,
        "price_usd": price, "cap": None if not np.isfinite(cap) else cap, "min_holding": mn,
        "flags": "" if pd.isna(flags) else str(flags)}
    out["findings"] = _caps_findings(p, out)
    return out


def _caps_findings(p: CapsParams, v: dict) -> list[str]:
    m, t, h = v["metrics"], p.token, v["headline"]
    lines = [f"{pct(m['earning_share'])} of {m['holders']:,} sampled holders hold at least the "
             f"minimum of {amount(v['min_holding'], t)} and earn; they hold "
             f"{pct(m['eligible_share'])} of all balances under the cap."]
    lines.append(f"Rewards cost {amount(m['daily_cost'], t)} a day (about "
                 f"{usd(h['daily_cost_usd'])} at {usd(v['price'])}), "
                 f"{usd(h['daily_cost_usd'] * 365)} a year.")
    top1 = m["cost_by_percentile"].get("top_1pct")
    if top1 is not None:
        lines.append(f"The richest 1 % of holders receive {pct(top1)} of the rewards "
                     f"(Gini {m['gini']:.2f}).")
    if h["spread"] is not None:
        sign = "keeps" if h["spread"] >= 0 else "pays out more than it earns:"
        lines.append(f"On-chain the staked part earns {pct(v['network_apr'])} net; against the "
                     f"{pct(v['apr'])} paid, the exchange {sign} a spread of "
                     f"{pct(h['spread'])} a year per unit staked.")
    else:
        lines.append(f"No protocol model gives {t}'s network APR, so the margin is not shown "
                     "(set `network_apr` to see it).")
    return lines
