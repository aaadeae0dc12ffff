"""A holder's view of one token (the yields notebook): the answer of
:func:`~softstake_model.yields.outlook`, arranged for the page.

Every figure comes from the outlook (the entry point ``softstake yields project`` calls
too); this module only picks, tabulates and words them.
"""

from __future__ import annotations

from typing import Any, TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...projection import Projection
from ...yields import HolderOutlook, HolderQuestion, outlook
from ..format import amount, days, pct, usd

__all__ = ["yields_view", "YieldsView"]


class YieldsView(TypedDict, total=False):
    """What the yields page shows (the keys :mod:`..plots` and the notebook read).

    ``projection`` is the constant-APR projection, ``projection_paths`` the one over
    ``apr_paths`` (with ``ou``, the process that made them); ``prices``, ``final_values``
    and ``start_value`` the dollar view; ``curve``, ``side_by_side``, ``history``; the
    tables, ``findings`` and ``headline``; ``outlook`` the whole answer.
    """

    outlook: HolderOutlook
    token: str
    amount: float
    price: float | None
    apr: float
    min_holding: float
    cap: float
    volatility: float | None
    projection: Projection
    projection_paths: Projection
    apr_paths: NDArray[np.float64]
    ou: dict[str, Any]
    assumed: list[str]
    history: pd.DataFrame
    history_note: str
    curve: pd.DataFrame
    prices: NDArray[np.float64]
    fiat: dict[str, Any]
    final_values: NDArray[np.float64]
    start_value: float
    side_by_side: pd.DataFrame
    summary: dict[str, Any]
    rewards_table: pd.DataFrame
    fiat_table: pd.DataFrame
    findings: list[str]
    headline: dict[str, Any]


def yields_view(p: HolderQuestion) -> YieldsView:
    """Projection (constant APR and APR paths), effective-APR curve, fiat outcomes, and the
    same budget in every token, with the findings a reader should take away."""
    res = outlook(p, detail=True)
    rule, s = res.rule, res.summary
    fiat = s.get("fiat", {})
    v = YieldsView(outlook=res, token=rule.token or "tokens", amount=res.tokens,
                   price=res.price, apr=rule.apr, min_holding=rule.min_holding, cap=rule.cap,
                   volatility=fiat.get("volatility", rule.volatility),
                   projection=res.constant, assumed=list(s.get("assumed", [])),
                   curve=res.curve, summary=res.constant.summary())
    if res.apr_paths is not None:
        v.update(apr_paths=res.apr_paths, projection_paths=res.projection, ou=res.apr_process)
    if res.prices is not None:
        v.update(prices=res.prices, fiat=fiat, final_values=res.final_values,
                 start_value=res.start_value)
    if res.side_by_side is not None:
        v["side_by_side"] = res.side_by_side
    if res.history is not None:
        h = res.history_figures
        v["history"] = res.history
        v["history_note"] = (
            f"Over the last year of the shipped data (epochs {h['first_epoch']}–"
            f"{h['last_epoch']}, to {h['last_date']:%Y-%m-%d}), a Cardano delegator "
            f"earned {h['earned_apr']:.2%} a year on average, against "
            f"{h['model_apr']:.2%} from the chain model; the largest gap in any "
            f"epoch was {h['largest_gap'] * 100:.2f} points. The catalogue "
            f"quotes {rule.apr:.2%} for Binance's soft staking.")
    v["rewards_table"] = _rewards_table(v)
    if "fiat" in v:
        v["fiat_table"] = pd.DataFrame(
            [{"outcome": label, **{q: fiat[k][q] for q in ("p5", "p50", "p95", "mean")}}
             for k, label in (("token_return", "return in tokens"),
                              ("fiat_return", "return in dollars"),
                              ("rewards_fiat", "rewards in dollars (USD)"),
                              ("final_value", "position value at the end (USD)"))])
    v["findings"] = _yields_findings(p, v)
    summary = v["summary"]
    v["headline"] = {"token": v["token"], "tokens_held": res.tokens,
                     "total_rewards": summary["total_rewards"],
                     "effective_apr": summary["effective_apr"],
                     "token_return_p50": fiat["token_return"]["p50"] if fiat else None,
                     "fiat_return_p50": fiat["fiat_return"]["p50"] if fiat else None,
                     "p_fiat_loss": fiat["p_fiat_loss"] if fiat else None}
    return v


def _rewards_table(v: YieldsView) -> pd.DataFrame:
    s, t = v["summary"], v["token"]
    rows = {"rewards": (s["total_rewards"], t), "final balance": (s["final_balance"], t),
            "effective APR": (s["effective_apr"], "per year")}
    if "projection_paths" in v:
        q = v["projection_paths"].summary()["total_rewards"]
        rows.update({f"rewards with APR paths, {k}": (x, t) for k, x in q.items()})
    return pd.DataFrame([{"figure": k, "value": pct(x) if u == "per year" else amount(x, u)}
                         for k, (x, u) in rows.items()])


def _yields_findings(p: HolderQuestion, v: YieldsView) -> list[str]:
    s, t = v["summary"], v["token"]
    held = amount(v["amount"], t)
    if v["price"] is not None:
        held += f" (about {usd(v['amount'] * v['price'])})"
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
    if "fiat" in v:
        f = v["fiat"]
        lines.append(f"In dollars the price dominates: the median return is "
                     f"{pct(f['fiat_return']['p50'])} (5–95 %: {pct(f['fiat_return']['p5'])} "
                     f"to {pct(f['fiat_return']['p95'])}), and {pct(f['p_fiat_loss'])} of "
                     "price paths end below the starting value.")
    if "side_by_side" in v:
        best = v["side_by_side"].sort_values("effective_apr", ascending=False).iloc[0]
        lines.append(f"The same budget earns most in {best['token']} "
                     f"({pct(best['effective_apr'])} a year in tokens).")
    basis = s.get("terms", {}).get("rule_basis") if isinstance(s.get("terms"), dict) else None
    basis = basis or v["outlook"].summary.get("terms", {}).get("rule_basis")
    if basis:
        lines.append(f"Terms: {p.preset}: {basis}.")
    return lines
