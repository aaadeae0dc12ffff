"""The same budget in several tokens, side by side: tokens bought, rewards in tokens and in
dollars, and the value at the horizon under price risk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import ParameterError
from .fiat import fiat_outcomes, gbm_prices
from .product import parse_tokens, product_catalog
from .projection import project_positions
from .rules import eligible
from .terms import Terms

__all__ = ["tokens_side_by_side", "compare_tokens", "COMPARE_COLUMNS"]


def tokens_side_by_side(
    budget: float,
    catalog: pd.DataFrame,
    days: int = 365,
    paths: int = 1000,
    seed: int | None = 0,
    terms: Terms | None = None,
    start: object = None,
) -> pd.DataFrame:
    """The same fiat budget put into each token: tokens bought at ``price_usd``, rewards
    over ``days`` (engine, compounding), and fiat outcomes under GBM at the token's
    volatility with zero drift. ``assumed`` names the assumed catalogue values used. Bands
    set in USD are converted to each token's units at its price."""
    if not budget > 0:
        raise ParameterError(f"must be positive, got {budget}", param="budget")
    projections = _projections(budget, catalog, terms, days, start)
    rows = []
    for i, (token, r) in enumerate(catalog.iterrows()):
        price = float(r["price_usd"])
        amount = budget / price
        proj = projections[i]
        vol = float(r["volatility"])
        fiat = fiat_outcomes(proj, gbm_prices(price, vol, days, paths,
                                              None if seed is None else seed + i))
        assumed = [f for f in ("min_holding", "cap", "apr", "volatility", "price_usd")
                   if r[f"{f}_confidence"] == "assumed"]
        earning = float(eligible(amount, float(r["min_holding"]), float(r["cap"])))
        rows.append({
            "token": token, "price_usd": price, "tokens": amount,
            "eligible_share": earning / amount,
            "apr": float(r["apr"]), "effective_apr": float(proj.effective_apr[0]),
            "rewards_tokens": float(proj.total_rewards[0]),
            "volatility": vol,
            "final_value_p5": fiat["final_value"]["p5"],
            "final_value_p50": fiat["final_value"]["p50"],
            "final_value_p95": fiat["final_value"]["p95"],
            "p_fiat_loss": fiat["p_fiat_loss"],
            "assumed": ", ".join(assumed),
        })
    return pd.DataFrame(rows)


def _projections(budget: float, catalog: pd.DataFrame, terms: Terms | None, days: int,
                 start: object) -> list:
    """Each token's projection of ``budget`` (:func:`~softstake_model.projection.project`'s
    numbers), the tokens whose terms in tokens are the same in one pass of the engine."""
    price = catalog["price_usd"].to_numpy(float)
    each = [None if terms is None else terms.in_tokens(p, str(t))
            for p, t in zip(price, catalog.index, strict=True)]
    groups: dict = {}
    for i, t in enumerate(each):
        groups.setdefault(t, []).append(i)
    out: list = [None] * len(catalog)
    for t, rows in groups.items():
        r = catalog.iloc[rows]
        for i, proj in zip(rows, project_positions(
                budget / price[rows], r["apr"].to_numpy(float),
                r["min_holding"].to_numpy(float), r["cap"].to_numpy(float), terms=t,
                days=days, start=start), strict=True):
            out[i] = proj
    return out


#: Columns of :func:`compare_tokens`, in order.
COMPARE_COLUMNS = ["token", "price_usd", "tokens", "eligible_share", "apr", "effective_apr",
                   "rewards_tokens", "rewards_usd", "value_usd", "final_value_p5",
                   "final_value_p50", "final_value_p95", "p_fiat_loss", "volatility", "assumed"]


def compare_tokens(
    budget_usd: float,
    tokens: str | list[str] | None = None,
    *,
    catalog: str | Path | pd.DataFrame | None = None,
    days: int = 365,
    paths: int = 1000,
    seed: int | None = 0,
    terms: Terms | None = None,
    start: object = None,
) -> pd.DataFrame:
    """The same USD budget in each of ``tokens``, side by side (:func:`tokens_side_by_side`).

    Parameters
    ----------
    budget_usd
        Budget, USD, spent on each token at its catalogue price (today's, as assumed).
    tokens
        Catalogue tokens, e.g. ``"SOL,ADA,BNB"``; None: all 15.
    catalog
        Catalogue frame or file laid over the shipped one.
    days, paths, seed, terms, start
        Horizon (days), GBM price paths, their seed, product terms, first accrual day.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARE_COLUMNS`, one row per token in the order given: ``tokens`` bought,
        ``eligible_share`` of them that earns, ``apr`` and ``effective_apr`` (fractions per
        year), ``rewards_tokens`` over the horizon and ``rewards_usd`` at today's price,
        ``value_usd`` (position plus rewards at today's price), the 5/50/95 % quantiles of
        the position's value at the horizon under price risk (GBM at the token's volatility,
        no drift; USD), ``p_fiat_loss``, ``volatility``, ``assumed`` values used.
    """
    if not budget_usd > 0:
        raise ParameterError(f"must be positive, got {budget_usd}", param="budget_usd")
    cat = product_catalog(catalog, parse_tokens(tokens) or None)
    t = tokens_side_by_side(budget_usd, cat, days=days, paths=paths, seed=seed, terms=terms,
                            start=start)
    t["rewards_usd"] = t["rewards_tokens"] * t["price_usd"]
    t["value_usd"] = (t["tokens"] + t["rewards_tokens"]) * t["price_usd"]
    return t[COMPARE_COLUMNS]
