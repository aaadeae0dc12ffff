"""A holder's view of one token (the yields notebook)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...apr import token_apr_paths
from ...catalog import load_catalog
from ...product import token_rule
from ...terms import preset
from ...yields import (
    effective_apr_curve,
    fiat_outcomes,
    final_values,
    gbm_prices,
    project,
    tokens_side_by_side,
)
from ..format import amount, days, pct, usd
from ..params import YieldsParams

__all__ = ["yields_view"]


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
        from ...apr import cardano_delegator_history

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
