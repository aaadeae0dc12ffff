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
from ..liquidity import (
    RunModel,
    StressParams,
    simulate,
    size_buffer,
    summarize,
    withdrawal_rates,
)
from ..product import ledger_for, product_catalog, token_rule
from ..reconcile import flag_counts, reconcile, reconcile_totals
from ..stress import RUN_MODEL_ASSUMPTION
from ..terms import preset
from ..yields import (
    effective_apr_curve,
    fiat_outcomes,
    final_values,
    gbm_prices,
    project,
    tokens_side_by_side,
)
from .params import CapsParams, ReconcileParams, StressReportParams, YieldsParams

__all__ = ["yields_view", "caps_view", "stress_view", "reconcile_view"]


def yields_view(p: YieldsParams) -> dict:
    """Projection (constant APR and APR paths), effective-APR curve, fiat outcomes, and the
    same budget in every token."""
    cat = load_catalog(p.catalog)
    rule = token_rule(p.token, catalog=cat)
    terms = preset(p.preset)
    price, apr, mn, cap, vol = (rule.price_usd, rule.apr, rule.min_holding, rule.cap,
                                rule.volatility)
    price = p.price if p.price is not None else price
    amount = p.balance if p.balance is not None else p.budget_usd / price
    base = project(amount, apr=apr, min_holding=mn, cap=cap, terms=terms, days=p.days)
    out: dict = {"token": p.token, "amount": amount, "price": price, "apr": apr,
                 "min_holding": mn, "cap": cap, "volatility": vol, "projection": base,
                 "assumed": list(rule.assumed)}
    if p.apr_paths:
        from ..apr.uncertainty import TOKEN_PATHS_ASSUMPTION

        out["apr_paths"], fit = token_apr_paths(apr, p.days, p.apr_paths, p.seed)
        out["projection_paths"] = project(amount, apr=out["apr_paths"], min_holding=mn,
                                          cap=cap, terms=terms, days=p.days)
        out["ou"] = {"kappa": fit.kappa, "sigma": fit.sigma, "half_life_days":
                     fit.half_life_days}
        out["assumed"].append(TOKEN_PATHS_ASSUMPTION)
    hi = cap * 4 if np.isfinite(cap) else max(amount, mn) * 100
    out["curve"] = effective_apr_curve(np.geomspace(max(mn / 10, 1e-6), hi, 200), apr, mn, cap,
                                       terms)
    prices = gbm_prices(price, vol, p.days, p.price_paths, p.seed + 1)
    out["prices"] = prices
    out["fiat"] = fiat_outcomes(base, prices)
    out["final_values"] = final_values(base, prices)
    out["start_value"] = base.start_balance * float(prices[0, 0])
    out["side_by_side"] = tokens_side_by_side(amount * price, cat, days=p.days,
                                              paths=min(p.price_paths, 500), seed=p.seed,
                                              terms=terms)
    summary, fiat = base.summary(), out["fiat"]
    out["summary"] = summary
    out["headline"] = {"token": p.token, "tokens_held": amount,
                       "total_rewards": summary["total_rewards"],
                       "effective_apr": summary["effective_apr"],
                       "token_return_p50": fiat["token_return"]["p50"],
                       "fiat_return_p50": fiat["fiat_return"]["p50"],
                       "p_fiat_loss": fiat["p_fiat_loss"]}
    return out


def caps_view(p: CapsParams) -> dict:
    """A population's rewards under the token's minimum and cap, sweeps, and the margin."""
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
    caps = np.geomspace(max(mn, 1e-3), max(top, mn * 10, 1e-2), p.sweep_points)
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
    out["headline"] = {k: metrics[k] for k in ("holders", "earning_share", "eligible_share",
                                               "daily_cost", "gini")}
    out["headline"] = {"token": p.token, **out["headline"],
                       "margin_apr": out["margin_now"]["margin_apr"] if "margin_now" in out
                       else None}
    return out


def stress_view(p: StressReportParams) -> dict:
    """Per token: the deterministic run's daily state, Monte Carlo metrics, the buffer that
    meets ``alpha``, and a ranking by liquidity risk."""
    cat = load_catalog(p.catalog)
    rows, daily, dists = [], {}, {}
    for i, token in enumerate(p.token_list):
        r = cat.loc[token]
        base = StressParams(total=p.total, buffer_ratio=p.buffer_ratio, unbonding=r["unbonding"],
                            days=p.days, base_rate=p.base_rate)
        shock = StressParams(total=p.total, buffer_ratio=p.buffer_ratio,
                             unbonding=r["unbonding"], days=p.days, base_rate=p.base_rate,
                             shocks=((p.shock_day, p.shock_fraction),))
        det = simulate(shock, withdrawal_rates(shock))
        daily[token] = det.daily()
        runs = RunModel(volatility=float(r["volatility"]), price_sensitivity=p.price_link)
        rates = withdrawal_rates(base, p.paths, p.seed + i, runs)
        mc = simulate(base, rates, daily=False)
        dists[token] = mc.metrics
        s = summarize(mc.metrics) if p.paths > 1 else None
        det_m = det.metrics.iloc[0]
        rows.append({
            "token": token, "unbonding": str(base.unbonding),
            "unbonding_confidence": r["unbonding_confidence"],
            "shock_max_delay_days": float(det_m["max_delay_days"]),
            "shock_delayed_share": float(det_m["delayed_share"]),
            "p_any_delay": s["p_any_delay"] if s else float(det_m["delayed_amount"] > 0),
            "p99_max_delay_days": s["max_delay_days"]["p99"] if s else None,
            "buffer_needed": size_buffer(base, rates, p.alpha, tol=1e-3),
        })
    ranking = pd.DataFrame(rows).sort_values(["p_any_delay", "buffer_needed"],
                                             ascending=False, ignore_index=True)
    assumed = assumed_lines(cat, p.token_list, ("unbonding",))
    assumed.append(f"{RUN_MODEL_ASSUMPTION}; a price link of {p.price_link:g} at each "
                   "token's volatility")
    if p.price_link:
        assumed += assumed_lines(cat, p.token_list, ("volatility",))
    headline = {"tokens": len(ranking), "riskiest": ranking.iloc[0]["token"],
                "max_p_any_delay": float(ranking["p_any_delay"].max()),
                "max_buffer_needed": float(ranking["buffer_needed"].max()),
                "worst_shock_delay_days": float(ranking["shock_max_delay_days"].max())}
    return {"ranking": ranking, "daily": daily, "distributions": dists, "assumed": assumed,
            "headline": headline}


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
