"""A holder's outlook: what a position earns over a horizon, in tokens and in dollars.

:class:`HolderQuestion` is the question ("this token, this position, this horizon"), every
field a documented parameter (:mod:`spec`): the ``softstake yields project`` options and the
yields report's parameters are derived from it. :func:`outlook` answers it — the one entry
point both shells call — and returns a :class:`HolderOutlook`. The projections come from
:mod:`projection` (the reward engine's day loop), the price paths and dollar values from
:mod:`fiat`; :func:`holder_outlook` is the same computation for a rule given by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import spec
from .apr import cardano_delegator_history, fit_apr_history, token_apr_paths
from .checks import MAX_DAYS, horizon
from .compare import COMPARE_COLUMNS, compare_tokens, tokens_side_by_side
from .errors import ParameterError
from .fiat import bootstrap_prices, fiat_outcomes, final_values, gbm_prices
from .product import (
    RuleQuestion,
    TokenRule,
    build_terms,
    product_catalog,
    terms_for_token,
)
from .projection import (
    QUANTILES,
    Projection,
    curve_balances,
    effective_apr_curve,
    project,
)
from .spec import param
from .staleness import value_source
from .terms import Terms, parse_hhmm

__all__ = [
    "HolderQuestion",
    "HolderOutlook",
    "Outlook",
    "outlook",
    "holder_outlook",
    # the parts, from their own modules
    "tokens_side_by_side",
    "compare_tokens",
    "COMPARE_COLUMNS",
    "Projection",
    "project",
    "effective_apr_curve",
    "gbm_prices",
    "bootstrap_prices",
    "fiat_outcomes",
    "final_values",
    "QUANTILES",
]

def _hhmm(value: Any) -> str:
    parse_hhmm(value, "payout_time")
    return str(value)


@dataclass(frozen=True)
class HolderQuestion(RuleQuestion):
    """What a holder asks: this token (the fields of :class:`~softstake_model.product.
    RuleQuestion`), this position, this horizon (each field below)."""

    budget_usd: float | None = param(1000.0, doc="Position bought with this budget at the "
                                     "price (unused when a balance is given).", unit="USD",
                                     low=0, low_open=True, optional=True, metavar="USD")
    balance: float | None = param(None, doc="Position in tokens instead of a budget.",
                                  unit="tokens", low=0, optional=True, metavar="X")
    price: float | None = param(None, doc="Price now (none: the catalogue's, assumed).",
                                unit="USD per token", low=0, low_open=True, optional=True,
                                metavar="P")
    days: int = param(365, doc="Horizon.", unit="days", kind="whole", low=1, high=MAX_DAYS,
                      metavar="N")
    start: str | None = param(None, doc="First accrual day (none: today, UTC).",
                              kind="text", optional=True, metavar="DATE")
    payout_time: str | None = param(None, doc="Time of day of payouts, HH:MM UTC (none: the "
                                    "preset's).", kind="text", optional=True, parse=_hhmm,
                                    metavar="HH:MM")
    apr_paths: int = param(0, doc="Simulated APR paths centred on the APR (0: the APR "
                           "stays constant).", unit="paths", kind="whole", low=0,
                           high=100_000, metavar="N")
    apr_history: str | None = param(None, doc="Daily date,apr CSV to fit the APR paths' "
                                    "process to (needs APR paths).", kind="text",
                                    optional=True, metavar="FILE")
    price_paths: int = param(1000, doc="Price paths of the dollar view (with APR paths, "
                             "one price path per APR path instead).", unit="paths",
                             kind="whole", low=1, high=100_000, flag="--paths", metavar="N")
    volatility: float | None = param(None, doc="Annual price volatility (none: the "
                                     "token's).", unit="fraction per year", low=0,
                                     optional=True, metavar="V")
    drift: float = param(0.0, doc="Annual price drift of the simulated prices.",
                         unit="fraction per year", metavar="MU", source="assumed: no drift")
    price_history: str | None = param(None, doc="CSV of daily prices (price or close): "
                                      "bootstrap its returns instead of GBM.", kind="text",
                                      optional=True, metavar="FILE")
    seed: int = param(0, doc="Seed of the APR paths (price paths use seed + 1).",
                      kind="whole", low=0, metavar="S")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.balance is not None:  # a balance in tokens says the position itself
            object.__setattr__(self, "budget_usd", None)
        elif self.budget_usd is None:
            raise ParameterError("give a balance in tokens or a budget in USD (one of them)",
                                 param="balance")
        if self.apr_history is not None and not self.apr_paths:
            raise ParameterError("needs APR paths to simulate (apr_paths > 0)",
                                 param="apr_history")

    def terms(self) -> Terms:
        """The product terms: the preset with the tiers and payout time given (bands in USD
        converted to the token's units at its catalogue price)."""
        return terms_for_token(build_terms(self.preset, tiers=self.tiers,
                                           payout_time=self.payout_time), self.token,
                               self.catalog)


class Outlook(TypedDict, total=False):
    """The figures of an outlook, as the command's JSON has them.

    ``total_rewards``, ``final_balance`` (tokens) and ``effective_apr`` (fraction per year)
    are numbers for one path, ``mean``/``p5``/``p50``/``p95`` over several; ``position``
    (tokens held, the part that earns, a ``note`` when the minimum or cap bites);
    ``at_price`` (USD at today's price); ``fiat`` (:func:`fiat_outcomes` under simulated
    prices and how they were made); ``terms``; ``assumed``; ``parameters`` (every value of
    the question, defaults included).
    """

    total_rewards: float | dict[str, float]
    final_balance: float | dict[str, float]
    effective_apr: float | dict[str, float]
    days: int
    start: str
    paths: int
    position: dict[str, Any]
    at_price: dict[str, Any]
    fiat: dict[str, Any]
    terms: dict[str, Any]
    assumed: list[str]
    parameters: dict[str, Any]


@dataclass
class HolderOutlook:
    """The answer to a :class:`HolderQuestion` (what :func:`outlook` returns).

    Attributes
    ----------
    rule, terms
        The rule and the product terms the figures ran with.
    tokens
        The position, tokens.
    price
        Today's price (given or the catalogue's), USD per token, or None.
    constant
        The projection at the rule's constant APR.
    projection
        The projection the figures summarise: ``constant``, or over the APR paths.
    apr_paths, apr_process
        The simulated APR paths ``(days, paths)`` and what made them (``label``,
        ``half_life_days``, ``kappa``, ``sigma``, ``source``), or None.
    prices, final_values
        The price paths ``(days + 1, paths)`` and the position's value at the horizon on
        each (USD), or None without a dollar view.
    start_value
        The position's value at the first price, USD, or None.
    summary
        The figures as the command prints them (:class:`Outlook`).
    curve, side_by_side, history, history_figures
        With ``detail``: the effective-APR curve, the same budget in every token
        (:func:`tokens_side_by_side`), and for ADA the delegator's real history and its
        last year's figures (``first_epoch``, ``last_epoch``, ``last_date``,
        ``earned_apr``, ``model_apr``, ``largest_gap``).
    """

    rule: TokenRule
    terms: Terms
    tokens: float
    price: float | None
    constant: Projection
    projection: Projection
    summary: Outlook
    apr_paths: NDArray[np.float64] | None = None
    apr_process: dict[str, Any] | None = None
    prices: NDArray[np.float64] | None = None
    final_values: NDArray[np.float64] | None = None
    start_value: float | None = None
    curve: pd.DataFrame | None = None
    side_by_side: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    history_figures: dict[str, Any] | None = None


def _position(balance: float, rule: TokenRule, budget_usd: float | None,
              price: float | None) -> dict:
    """Tokens held, the part that earns, and a note when the minimum or cap bites."""
    unit = rule.token or "tokens"
    out: dict = {"tokens": balance, "earning_tokens": rule.eligible(balance)}
    if budget_usd is not None:
        out["budget_usd"] = budget_usd
        out["bought_at"] = price
    if balance > rule.cap:
        out["note"] = (f"{balance:,.8g} {unit} is above the cap of {rule.cap:,.8g}: only "
                       f"{rule.cap:,.8g} earn" + ("" if budget_usd is not None else
                                                  "; for a USD amount use budget_usd"))
    elif balance < rule.min_holding:
        out["note"] = (f"{balance:,.8g} {unit} is below the minimum of "
                       f"{rule.min_holding:,.8g}: nothing earns")
    return out


def _apr_paths(rule: TokenRule, days: int, paths: int, seed: int, start: object,
               apr_history: str | Path | None) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """APR paths centred on the rule's APR and what made them: the token's own process
    (:func:`~softstake_model.apr.token_apr_paths`) or one fitted to a daily APR history
    file (:func:`~softstake_model.apr.fit_apr_history`)."""
    if apr_history is None:
        arr, fit = token_apr_paths(rule.apr, days, paths, seed, token=rule.token, start=start)
        label = fit.label
    else:
        fit = fit_apr_history(apr_history)
        arr = fit.simulate(days, paths, start, seed=seed, apr=rule.apr).to_numpy()
        label = (f"APR paths: the process fitted to {apr_history} (half-life "
                 f"{fit.half_life_days:.0f} days), centred on the APR {rule.apr:.2%}")
    process = {"label": label, **{k: getattr(fit, k, None) for k in
                                  ("kappa", "sigma", "half_life_days", "source")}}
    return arr, process


def _price_paths(today: float | None, given: bool, rule: TokenRule, terms: Terms, days: int,
                 paths: int, seed: int, volatility: float | None, drift: float,
                 price_history: str | Path | pd.Series | None
                 ) -> tuple[NDArray[np.float64] | None, dict[str, Any]]:
    """Price paths ``(days + 1, paths)`` and how they were made, or None when no price or
    no volatility is known: the price history's returns bootstrapped, else GBM at the
    volatility given or the token's. A price ``given`` without a volatility is refused."""
    if price_history is not None:
        if isinstance(price_history, str | Path):
            from .tables import read_prices

            label, history = str(price_history), read_prices(price_history)
        else:
            label, history = "a price series", price_history
        prices = bootstrap_prices(history, days, paths, seed + 1, today)
        return prices, {"price": float(prices[0, 0]), "bootstrap_of": label, "paths": paths}
    vol = volatility if volatility is not None else rule.volatility
    if today is None and volatility is not None:
        raise ParameterError("needs a price (the token has none in the catalogue)",
                             param="volatility")
    if vol is None and given:
        raise ParameterError("is needed for a fiat view (or a token with a volatility)",
                             param="volatility")
    if today is None or vol is None:
        return None, {}
    prices = gbm_prices(today, vol, days, paths, seed + 1, drift, terms.days_per_year)
    return prices, {"price": today, "volatility": vol, "drift": drift, "paths": paths}


def _outlook(balance: float | None, rule: TokenRule, terms: Terms | None, *, days: int,
             start: object, apr_paths: int, seed: int, price: float | None,
             volatility: float | None, drift: float,
             price_history: str | Path | pd.Series | None, price_paths: int,
             budget_usd: float | None, apr_history: str | Path | None,
             price_source: str = "catalogue") -> HolderOutlook:
    """The computation behind :func:`outlook` and :func:`holder_outlook`; ``price_source``
    says where the rule's price came from (used when no price is given)."""
    horizon(days)
    terms = terms or Terms()
    assumed = list(rule.assumed)
    if price is not None:  # the price is the user's: the catalogue's assumed one is unused
        assumed = [a for a in assumed if not a.startswith(f"{rule.token} price_usd ")]
    today = price if price is not None else rule.price_usd
    if (balance is None) == (budget_usd is None):
        raise ParameterError("give a balance in tokens or a budget in USD (one of them)",
                             param="balance")
    if budget_usd is not None:
        if not (np.isfinite(budget_usd) and budget_usd > 0):
            raise ParameterError(f"must be a positive amount, got {budget_usd}",
                                 param="budget_usd")
        if today is None:
            raise ParameterError("needs a price (the token has none in the catalogue)",
                                 param="budget_usd")
        balance = budget_usd / today
    if apr_history is not None and not apr_paths:
        raise ParameterError("needs APR paths to simulate (apr_paths > 0)", param="apr_history")
    constant = project(balance, apr=rule.apr, min_holding=rule.min_holding, cap=rule.cap,
                       terms=terms, days=days, start=start)
    res = HolderOutlook(rule, terms, balance, today, constant, constant, Outlook())
    if apr_paths:
        res.apr_paths, res.apr_process = _apr_paths(rule, days, apr_paths, seed, start,
                                                    apr_history)
        assumed.append(res.apr_process["label"])
        res.projection = project(balance, apr=res.apr_paths, min_holding=rule.min_holding,
                                 cap=rule.cap, terms=terms, days=days, start=start)
    proj = res.projection
    out: Outlook = proj.summary()  # type: ignore[assignment]
    out["position"] = _position(balance, rule, budget_usd, today)
    if today is not None:
        source = "given" if price is not None else price_source
        out["at_price"] = {"price": today, "price_source": source,
                           "position_usd": balance * today,
                           "rewards_usd": float(np.mean(proj.total_rewards)) * today,
                           "final_value_usd": float(np.mean(proj.final_balance)) * today}
    res.prices, made = _price_paths(today, price is not None, rule, terms, days,
                                    apr_paths or price_paths, seed, volatility, drift,
                                    price_history)
    if res.prices is not None:
        out["fiat"] = {**made, **fiat_outcomes(proj, res.prices)}
        res.final_values = final_values(proj, res.prices)
        res.start_value = proj.start_balance * float(res.prices[0, 0])
    out["terms"] = {"min_holding": rule.min_holding, "cap": rule.cap, "apr": rule.apr,
                    "preset": terms.name, "rule_basis": terms.rule_basis}
    if assumed:
        out["assumed"] = assumed
    res.summary = out
    return res


def holder_outlook(
    balance: float | None,
    rule: TokenRule,
    terms: Terms | None = None,
    *,
    days: int = 365,
    start: object = None,
    apr_paths: int = 0,
    seed: int = 0,
    price: float | None = None,
    volatility: float | None = None,
    drift: float = 0.0,
    price_history: str | Path | pd.Series | None = None,
    price_paths: int = 1000,
    budget_usd: float | None = None,
    apr_history: str | Path | None = None,
) -> Outlook:
    """What a holder of ``balance`` tokens earns under ``rule`` over ``days`` (the figures
    of :func:`outlook`, for a rule given as an object).

    Parameters
    ----------
    balance
        Tokens held from before ``start``; None: bought with ``budget_usd``.
    rule
        Minimum, cap, APR (and the token's volatility): :func:`~softstake_model.product.token_rule`.
    terms
        Product terms (default Binance's).
    days, start, apr_paths, apr_history, seed, price, volatility, drift, price_history,
    price_paths, budget_usd
        As the fields of :class:`HolderQuestion`. The dollar view is made whenever a price
        (given or the catalogue's) and a volatility (given or the token's) are known, or
        a price history is given.

    Returns
    -------
    Outlook
        The figures; see :class:`Outlook`.
    """
    return _outlook(balance, rule, terms, days=days, start=start, apr_paths=apr_paths,
                    seed=seed, price=price, volatility=volatility, drift=drift,
                    price_history=price_history, price_paths=price_paths,
                    budget_usd=budget_usd, apr_history=apr_history).summary


def _delegator_year() -> tuple[pd.DataFrame, dict[str, Any]]:
    """The shipped Cardano delegator history and its last year's figures."""
    hist = cardano_delegator_history()
    last = hist[hist["date"] > hist["date"].max() - pd.Timedelta(days=365)]
    return hist, {"first_epoch": int(last["epoch"].min()), "last_epoch": int(last["epoch"].max()),
                  "last_date": last["date"].max(), "earned_apr": float(last["earned_apr"].mean()),
                  "model_apr": float(last["model_apr"].mean()),
                  "largest_gap": float(last["difference"].abs().max())}


def _price_source(q: HolderQuestion, rule: TokenRule) -> str:
    """Where the catalogue price of ``rule``'s token came from: ``catalogue: fetched
    2026-11-30 binance``, ``catalogue: shipped 2025-11-19 (assumed)`` or ``catalogue: user``
    (:func:`~softstake_model.staleness.value_source`)."""
    if q.price is not None or rule.token is None or rule.price_usd is None:
        return "catalogue"
    row = product_catalog(q.catalog, [rule.token]).loc[rule.token]
    return f"catalogue: {value_source(row, 'price_usd')}"


def outlook(q: HolderQuestion, *, detail: bool = False) -> HolderOutlook:
    """Answer a holder's question: the one entry point of ``softstake yields project`` and
    of the yields report.

    Parameters
    ----------
    q
        The question.
    detail
        Also compute what the report page draws besides the figures: the effective-APR
        curve, the same budget in every catalogue token (price paths capped at 500) and,
        for ADA, the real delegator history.

    Returns
    -------
    HolderOutlook
        Its ``summary`` carries ``parameters``: every value of ``q``, defaults included.
    """
    terms = q.terms()
    rule = q.rule(terms)
    res = _outlook(q.balance, rule, terms, days=q.days, start=q.start, apr_paths=q.apr_paths,
                   seed=q.seed, price=q.price, volatility=q.volatility, drift=q.drift,
                   price_history=q.price_history, price_paths=q.price_paths,
                   budget_usd=q.budget_usd, apr_history=q.apr_history,
                   price_source=_price_source(q, rule))
    res.summary["parameters"] = spec.values(q)
    if detail:
        res.curve = effective_apr_curve(curve_balances(rule, res.tokens), rule.apr,
                                        rule.min_holding, rule.cap, terms)
        if res.price is not None:
            res.side_by_side = tokens_side_by_side(
                res.tokens * res.price, product_catalog(q.catalog), days=q.days,
                paths=min(q.price_paths, 500), seed=q.seed, terms=terms, start=q.start)
        if rule.token == "ADA":
            res.history, res.history_figures = _delegator_year()
    return res
