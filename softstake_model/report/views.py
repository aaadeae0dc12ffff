"""What each report notebook shows, computed by the package's tested functions.

One function per notebook turns its validated parameters into plain data (frames, dicts,
arrays); the notebook only displays it and calls :mod:`plots`. Nothing here recomputes a
rule: projections go through the engine, costs through :mod:`caps`, stress through
:mod:`liquidity`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..apr import apr_table, token_apr_paths
from ..caps import CapModel, cap_metrics, holder_rewards, platform_margin, sample_population
from ..catalog import assumed_lines, load_catalog, override
from ..product import ledger_for, product_catalog, token_rule
from ..reconcile import flag_counts, reconcile, reconcile_totals
from ..stress import RUN_MODEL_ASSUMPTION, price_link_sensitivity, rank_tokens, token_stress
from ..terms import preset
from ..yields import (
    effective_apr_curve,
    fiat_outcomes,
    final_values,
    gbm_prices,
    project,
    tokens_side_by_side,
)
from .format import amount, days, pct, usd
from .params import CapsParams, ReconcileParams, StressReportParams, YieldsParams

__all__ = ["yields_view", "caps_view", "stress_view", "reconcile_view"]


def yields_view(p: YieldsParams) -> dict:
    """Projection (constant APR and APR paths), effective-APR curve, fiat outcomes, and the
    same budget in every token, with the findings a reader should take away."""
    cat = load_catalog(p.catalog)
    rule = token_rule(p.token, catalog=cat)
    terms = preset(p.preset)
    price, apr, mn, cap, vol = (rule.price_usd, rule.apr, rule.min_holding, rule.cap,
                                rule.volatility)
    price = p.price if p.price is not None else price
    amount_held = p.balance if p.balance is not None else p.budget_usd / price
    base = project(amount_held, apr=apr, min_holding=mn, cap=cap, terms=terms, days=p.days)
    out: dict = {"token": p.token, "amount": amount_held, "price": price, "apr": apr,
                 "min_holding": mn, "cap": cap, "volatility": vol, "projection": base,
                 "assumed": list(rule.assumed)}
    if p.apr_paths:
        out["apr_paths"], fit = token_apr_paths(apr, p.days, p.apr_paths, p.seed,
                                                token=p.token)
        out["projection_paths"] = project(amount_held, apr=out["apr_paths"], min_holding=mn,
                                          cap=cap, terms=terms, days=p.days)
        out["ou"] = {"kappa": fit.kappa, "sigma": fit.sigma, "half_life_days":
                     fit.half_life_days, "source": fit.source, "label": fit.label}
        out["assumed"].append(fit.label)
    if p.token == "ADA":  # one real history: what a Cardano delegator earned, epoch by epoch
        from ..apr import cardano_delegator_history

        hist = cardano_delegator_history()
        last = hist[hist["date"] > hist["date"].max() - pd.Timedelta(days=365)]
        out["history"] = hist
        out["history_note"] = (
            f"Over the last year of the shipped data (epochs {last['epoch'].min()}–"
            f"{last['epoch'].max()}, to {last['date'].max():%Y-%m-%d}), a Cardano delegator "
            f"earned {last['earned_apr'].mean():.2%} a year on average, against "
            f"{last['model_apr'].mean():.2%} from the chain model; the largest gap in any "
            f"epoch was {last['difference'].abs().max() * 100:.2f} points. The catalogue "
            f"quotes {apr:.2%} for Binance's soft staking.")
    hi = cap * 4 if np.isfinite(cap) else max(amount_held, mn) * 100
    out["curve"] = effective_apr_curve(np.geomspace(max(mn / 10, 1e-6), hi, 200), apr, mn, cap,
                                       terms)
    prices = gbm_prices(price, vol, p.days, p.price_paths, p.seed + 1)
    out["prices"] = prices
    out["fiat"] = fiat_outcomes(base, prices)
    out["final_values"] = final_values(base, prices)
    out["start_value"] = base.start_balance * float(prices[0, 0])
    out["side_by_side"] = tokens_side_by_side(amount_held * price, cat, days=p.days,
                                              paths=min(p.price_paths, 500), seed=p.seed,
                                              terms=terms)
    summary, fiat = base.summary(), out["fiat"]
    out["summary"] = summary
    rows = {"rewards": (summary["total_rewards"], p.token),
            "final balance": (summary["final_balance"], p.token),
            "effective APR": (summary["effective_apr"], "per year")}
    if "projection_paths" in out:
        q = out["projection_paths"].summary()["total_rewards"]
        rows.update({f"rewards with APR paths, {k}": (x, p.token) for k, x in q.items()})
    out["rewards_table"] = pd.DataFrame(
        [{"figure": k, "value": pct(v) if u == "per year" else amount(v, u)}
         for k, (v, u) in rows.items()])
    out["fiat_table"] = pd.DataFrame(
        [{"outcome": label, **{s: fiat[k][s] for s in ("p5", "p50", "p95", "mean")}}
         for k, label in (("token_return", "return in tokens"),
                          ("fiat_return", "return in dollars"),
                          ("rewards_fiat", "rewards in dollars (USD)"),
                          ("final_value", "position value at the end (USD)"))])
    out["findings"] = _yields_findings(p, out)
    out["headline"] = {"token": p.token, "tokens_held": amount_held,
                       "total_rewards": summary["total_rewards"],
                       "effective_apr": summary["effective_apr"],
                       "token_return_p50": fiat["token_return"]["p50"],
                       "fiat_return_p50": fiat["fiat_return"]["p50"],
                       "p_fiat_loss": fiat["p_fiat_loss"]}
    return out


def _yields_findings(p: YieldsParams, v: dict) -> list[str]:
    s, fiat, t = v["summary"], v["fiat"], p.token
    held = f"{amount(v['amount'], t)} (about {usd(v['amount'] * v['price'])})"
    lines = [f"{held} earns {amount(s['total_rewards'], t)} in {days(p.days)}: an effective "
             f"APR of {pct(s['effective_apr'])} against the catalogue's {pct(v['apr'])}."]
    if v["amount"] < v["min_holding"]:
        lines.append(f"The position is below the minimum of {amount(v['min_holding'], t)}: "
                     "it earns nothing until it grows past it.")
    elif np.isfinite(v["cap"]) and v["amount"] > v["cap"]:
        lines.append(f"Only the first {amount(v['cap'], t)} earn (the cap); the rest of the "
                     "position dilutes the effective APR.")
    if "projection_paths" in v:
        q = v["projection_paths"].summary()["total_rewards"]
        lines.append(f"If the APR moves as simulated, rewards range from "
                     f"{amount(q['p5'], t)} to {amount(q['p95'], t)} (5–95 %).")
    lines.append(f"In dollars the price dominates: the median return is "
                 f"{pct(fiat['fiat_return']['p50'])} (5–95 %: {pct(fiat['fiat_return']['p5'])} "
                 f"to {pct(fiat['fiat_return']['p95'])}), and {pct(fiat['p_fiat_loss'])} of "
                 "price paths end below the starting value.")
    best = v["side_by_side"].sort_values("effective_apr", ascending=False).iloc[0]
    lines.append(f"The same budget earns most in {best['token']} "
                 f"({pct(best['effective_apr'])} a year in tokens).")
    return lines


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


def stress_view(p: StressReportParams) -> dict:
    """Per token: the shock run's daily state, Monte Carlo figures with the shock on every
    path (each probability with its Wilson interval), the buffer meeting the target with a
    bootstrap interval, the ranking and its sensitivity to ``price_link``."""
    cat = load_catalog(p.catalog)
    scenario = {"catalog": cat, "total": p.total, "buffer_ratio": p.buffer_ratio,
                "days": p.days, "base_rate": p.base_rate, "shock_day": p.shock_day,
                "shock_fraction": p.shock_fraction, "paths": p.paths, "alpha": p.alpha,
                "max_delay_days": p.max_delay_days, "unbonding": p.unbonding}
    rows, daily, dists = [], {}, {}
    for i, token in enumerate(p.token_list):
        res = token_stress(token, **scenario, price_link=p.price_link, seed=p.seed + i)
        rows.append(res["row"])
        daily[token], dists[token] = res["daily"], res["metrics"]
    ranking = rank_tokens(rows)
    links = sorted({0.0, p.price_link, 2 * p.price_link if p.price_link else 0.2})
    sensitivity = None
    if p.paths > 1:
        sensitivity = price_link_sensitivity(p.token_list, links, {p.price_link: rows},
                                             **scenario, seed=p.seed)
        sensitivity = sensitivity.sort_values(f"rank@{p.price_link:g}", ignore_index=True)
    assumed = [] if p.unbonding else assumed_lines(cat, p.token_list, ("unbonding",))
    if p.unbonding:
        assumed.append(f"unbonding rule {p.unbonding} for every token (given, not the "
                       "catalogue's)")
    assumed.append(f"{RUN_MODEL_ASSUMPTION}; a price link of {p.price_link:g} at each "
                   "token's volatility")
    if p.price_link:
        assumed += assumed_lines(cat, p.token_list, ("volatility",))
    target = _target(p)
    per_token = {r["token"]: {k: r[k] for k in (
        "unbonding", "p_delay", "p_delay_low", "p_delay_high", "buffer_needed", "buffer_low",
        "buffer_high", "shock_max_delay_days")} for r in rows}
    headline = {"tokens": len(ranking), "riskiest": ranking.iloc[0]["token"],
                "max_p_delay": float(ranking["p_delay"].max()),
                "max_buffer_needed": _max_or_none(ranking["buffer_needed"]),
                "worst_shock_delay_days": float(ranking["shock_max_delay_days"].max()),
                "buffer_ratio": p.buffer_ratio, "alpha": p.alpha,
                "max_delay_days": p.max_delay_days, "target": target,
                "per_token": per_token}
    out = {"ranking": ranking, "daily": daily, "distributions": dists, "assumed": assumed,
           "sensitivity": sensitivity, "target": target, "headline": headline}
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


def _stress_findings(p: StressReportParams, v: dict) -> list[str]:
    r = v["ranking"]
    top = r.iloc[0]
    event = ("a delayed withdrawal" if p.max_delay_days is None else
             f"a withdrawal delayed more than {days(p.max_delay_days)}")
    need = top["buffer_needed"]
    meets = (f"a buffer of {pct(need)} (95 % interval {pct(top['buffer_low'])}–"
             f"{pct(top['buffer_high'])}) brings it to {pct(p.alpha)}" if pd.notna(need)
             else "even a full buffer does not bring it to the target")
    lines = [f"At a {pct(p.buffer_ratio)} buffer, with {pct(p.shock_fraction)} of balances "
             f"withdrawn on day {p.shock_day} on top of random runs, {top['token']} has a "
             f"{pct(top['p_delay'])} chance of {event} within {days(p.days)} "
             f"(95 % interval {pct(top['p_delay_low'])}–{pct(top['p_delay_high'])}); {meets}."]
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


def reconcile_view(p: ReconcileParams) -> dict:
    """The reconciliation: every payout, the flagged ones, counts, per-token totals, and
    which APR the payouts were compared with."""
    from ..ledger import read_apr_history, read_rewards_record

    cat = product_catalog(p.catalog)
    ledger, _ = ledger_for(p.statement, cat)
    record = read_rewards_record(p.rewards_record) if p.rewards_record else None
    history = read_apr_history(p.apr_history) if p.apr_history else None
    table = reconcile(ledger, cat, preset(p.preset), start=p.start, end=p.end,
                      rewards_record=record, compare=p.apr, tolerance=p.tolerance,
                      activated_at=p.activated_at, apr_history=history)
    counts = flag_counts(table)
    tokens = sorted(set(table["token"]))
    fields = ("apr", "price_usd") if table.attrs["basis"] == "catalog" else ("price_usd",)
    assumed = assumed_lines(cat, tokens, fields)
    headline = {"payouts": int(counts.sum()), **{k: int(n) for k, n in counts.items()},
                "apr_compared": table.attrs["basis"]}
    return {"table": table, "flagged": table[table["flag"] != "ok"], "counts": counts,
            "totals": reconcile_totals(table, cat, preset(p.preset).precision),
            "compared_with": table.attrs["compared_with"],
            "activation": table.attrs["activation"], "assumed": assumed,
            "headline": headline}
