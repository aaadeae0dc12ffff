"""Holder yields: what a balance earns over a horizon, in tokens and in fiat.

Projections run through the reward engine's own day loop (:func:`rewards.accrue`): the
same balance measure, rule, truncation, payout timing and compounding as
``softstake rewards``, so a constant balance projects to exactly the history the command
computes for the same ledger. Many APR paths are many keys of one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import checks
from .balances import DayGrid, _day_start
from .errors import InputError, ParameterError
from .rewards import accrue
from .rules import daily_reward
from .terms import Terms

if TYPE_CHECKING:
    from .product import TokenRule

__all__ = [
    "Projection",
    "project",
    "effective_apr_curve",
    "gbm_prices",
    "bootstrap_prices",
    "fiat_outcomes",
    "tokens_side_by_side",
    "compare_tokens",
    "COMPARE_COLUMNS",
    "holder_outlook",
    "final_values",
    "QUANTILES",
]

QUANTILES = (0.05, 0.5, 0.95)


@dataclass
class Projection:
    """Result of :func:`project`.

    Attributes
    ----------
    daily
        Day-major arrays ``(days, paths)``: ``avg_balance``, ``eligible_balance``, ``apr``,
        ``reward`` (tokens; rewards truncated as paid).
    dates
        The accrual days.
    balance_end
        Balance of the plan at the end of the horizon, before rewards (tokens).
    start_balance
        Balance held from before the first day (tokens).
    days_per_year
        For annualising.
    """

    avg_balance: NDArray[np.float64]
    eligible_balance: NDArray[np.float64]
    apr: NDArray[np.float64]
    reward: NDArray[np.float64]
    dates: pd.DatetimeIndex
    balance_end: float
    start_balance: float
    days_per_year: float = 365.0

    @property
    def total_rewards(self) -> NDArray[np.float64]:
        """Rewards of the horizon's days, per path (tokens)."""
        return self.reward.sum(axis=0)

    @property
    def final_balance(self) -> NDArray[np.float64]:
        """Plan balance plus every reward of the horizon, the last one included (tokens)."""
        return self.balance_end + self.total_rewards

    @property
    def effective_apr(self) -> NDArray[np.float64]:
        """Rewards over the average balance, annualised."""
        avg = self.avg_balance.mean(axis=0)
        days = self.reward.shape[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(avg > 0, self.total_rewards / avg * self.days_per_year / days, 0.0)

    def frame(self) -> pd.DataFrame:
        """Tidy daily frame ``path, date, avg_balance, eligible_balance, apr, reward``."""
        days, paths = self.reward.shape
        return pd.DataFrame({
            "path": np.tile(np.arange(paths), days),
            "date": np.repeat(self.dates.tz_localize(None), paths),
            "avg_balance": self.avg_balance.ravel(),
            "eligible_balance": self.eligible_balance.ravel(),
            "apr": self.apr.ravel(),
            "reward": self.reward.ravel(),
        })

    def summary(self) -> dict:
        """``total_rewards``, ``final_balance``, ``effective_apr`` (one path: numbers; several:
        ``mean`` and the 5/50/95 % quantiles)."""
        out = {}
        for name in ("total_rewards", "final_balance", "effective_apr"):
            v = getattr(self, name)
            out[name] = float(v[0]) if len(v) == 1 else _quantiles(v)
        out["days"] = int(self.reward.shape[0])
        out["start"] = str(self.dates[0].date())
        out["paths"] = int(self.reward.shape[1])
        return out


def _mean(v: NDArray[np.float64]) -> float:
    return float(np.mean(v))


def _position(balance: float, rule: TokenRule, budget_usd: float | None,
              price: float | None) -> dict:
    """Tokens held, the part that earns, and a note when the minimum or cap bites."""
    unit = rule.token or "tokens"
    earning = 0.0 if balance < rule.min_holding else min(balance, rule.cap)
    out: dict = {"tokens": balance, "earning_tokens": earning}
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


def _quantiles(v: NDArray[np.float64]) -> dict:
    q = np.quantile(v, QUANTILES)
    return {"mean": float(np.mean(v)), **{f"p{int(p * 100)}": float(x)
                                          for p, x in zip(QUANTILES, q, strict=True)}}


def project(
    balance: float,
    *,
    token: str | None = None,
    apr: float | NDArray[np.float64] | None = None,
    min_holding: float | None = None,
    cap: float | None = None,
    catalog: str | Path | pd.DataFrame | None = None,
    terms: Terms | None = None,
    days: int = 365,
    start: object = None,
    plan: pd.DataFrame | None = None,
) -> Projection:
    """Project a balance over ``days`` days from ``start`` with daily compounding.

    Parameters
    ----------
    balance
        Tokens held from before ``start`` (credited at 00:00 the day before).
    token
        Catalogue token whose minimum, cap and APR apply unless given
        (:func:`~softstake_model.product.token_rule`); None: give ``apr``.
    apr
        A constant APR, or APR paths ``(days, paths)`` (e.g. :func:`apr.simulate_ou`);
        default the token's.
    min_holding, cap
        Minimum and cap (tokens); default the token's, or 0 and no cap without a token.
    catalog
        Catalogue frame or file laid over the shipped one, for ``token``.
    terms
        Product terms (tiers, fee, snapshot, payout time …); default Binance's.
    start
        First accrual day (UTC date); default today (UTC).
    plan
        Deposits and withdrawals: ``time`` (UTC instants) and ``change`` (tokens).

    Returns
    -------
    Projection

    Examples
    --------
    100 tokens at 3.65 % earn 0.01 on day 1; paid at 04:00, it counts for 20 of day 2's 24
    hours: 100.00833… earns 0.01000083; day 3 holds 100.01 plus 20/24 of that, 0.01000183.

    >>> project(100.0, apr=0.0365, days=3, start="2025-11-20").total_rewards.tolist()
    [0.03000266]
    """
    from .product import token_rule

    terms = terms or Terms()
    if start is None:
        start = pd.Timestamp.now("UTC").floor("D")
    scalar = apr is None or np.ndim(apr) == 0
    rule = token_rule(token, catalog=catalog, apr=apr if scalar else (None if token else 0.0),
                      min_holding=min_holding, cap=cap, terms=terms)
    min_holding, cap = rule.min_holding, rule.cap
    if scalar:
        apr = rule.apr
    if not (np.isfinite(balance) and balance >= 0):
        raise ParameterError(f"must be a finite amount >= 0, got {balance}", param="balance")
    if not (isinstance(days, int | np.integer) and days >= 1):
        raise ParameterError(f"must be a whole number >= 1, got {days}", param="days")
    s = _day_start(start, "start")
    apr_arr = np.asarray(apr, dtype=float)
    if apr_arr.ndim == 0:
        if not 0 <= apr_arr <= 1:
            raise ParameterError(f"must be a fraction in [0, 1], got {float(apr_arr)}",
                                 param="apr")
        apr_arr = np.full((days, 1), float(apr_arr))
    if apr_arr.ndim != 2 or apr_arr.shape[0] < days:
        raise ParameterError(f"paths must be (days, paths) with at least {days} days",
                             param="apr")
    paths = apr_arr.shape[1]
    times = pd.DatetimeIndex([s - pd.Timedelta(days=1)]).as_unit("ns")
    changes = np.array([float(balance)])
    if plan is not None:
        missing = [c for c in ("time", "change") if c not in plan]
        if missing:
            raise InputError(f"plan: missing column(s) {missing}", column=missing[0])
        times = times.append(pd.DatetimeIndex(pd.to_datetime(plan["time"], utc=True))
                             .as_unit("ns"))
        changes = np.concatenate([changes, plan["change"].to_numpy(float)])
    order = np.argsort(times.asi8, kind="stable")
    t, c = times[order], changes[order]
    if (np.cumsum(c) < -1e-9).any():
        raise InputError("the plan withdraws more than the balance holds", column="change")
    ledger = pd.DataFrame({
        "time": np.tile(t, paths),
        "account": pd.Categorical.from_codes(np.repeat(np.arange(paths), len(c)),
                                             categories=[f"{i:06d}" for i in range(paths)]),
        "token": "T",
        "change": np.tile(c, paths),
    })
    grid = DayGrid(ledger, s, days)
    ones = np.ones(grid.n_keys)
    values = accrue(grid, terms, ones * min_holding, ones * cap, lambda d: apr_arr[d],
                    np.zeros(grid.n_keys, dtype=np.int64),
                    np.full(grid.n_keys, days, dtype=np.int64))
    end = s + pd.Timedelta(days=days)
    balance_end = float(c[t < end].sum())
    avg, elig, apr_used, reward = values
    return Projection(avg, elig, apr_used, reward, grid.dates(), balance_end, float(balance),
                      terms.days_per_year)


def effective_apr_curve(
    balances: NDArray[np.float64] | list[float],
    apr: float,
    min_holding: float = 0.0,
    cap: float = np.inf,
    terms: Terms | None = None,
) -> pd.DataFrame:
    """``balance, effective_apr, daily_reward``: the day's reward (the rule, truncated) and
    ``reward * days_per_year / balance`` — zero below the minimum, the APR up to the cap,
    ``apr * cap / balance`` above it (tiers and fee as the terms say)."""
    terms = terms or Terms()
    b = np.asarray(balances, dtype=float)
    if b.ndim != 1 or not np.isfinite(b).all() or (b < 0).any():
        raise ParameterError("must be finite numbers >= 0, e.g. 50,100,1000", param="balances")
    r = daily_reward(b, apr, min_holding, cap, tiers=terms.tiers, fee=terms.fee,
                     precision=terms.precision, days_per_year=terms.days_per_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(b > 0, r * terms.days_per_year / b, 0.0)
    return pd.DataFrame({"balance": b, "effective_apr": eff, "daily_reward": r})


def gbm_prices(p0: float, volatility: float, days: int, paths: int, seed: int | None = 0,
               drift: float = 0.0, days_per_year: float = 365.0) -> NDArray[np.float64]:
    """Geometric Brownian motion price paths ``(days + 1, paths)``, row 0 = ``p0``.

    ``volatility`` and ``drift`` are annual (fractions); daily steps of ``1/days_per_year``.
    """
    for name, ok in (("price", np.isfinite(p0) and p0 > 0),
                     ("volatility", np.isfinite(volatility) and volatility >= 0),
                     ("days", days >= 1), ("paths", paths >= 1)):
        if not ok:
            value = {"price": p0, "volatility": volatility, "days": days, "paths": paths}[name]
            raise ParameterError(f"is out of range: {value}", param=name)
    dt = 1.0 / days_per_year
    z = np.random.default_rng(seed).standard_normal((days, paths))
    steps = (drift - 0.5 * volatility**2) * dt + volatility * np.sqrt(dt) * z
    return p0 * np.exp(np.vstack([np.zeros((1, paths)), np.cumsum(steps, axis=0)]))


def bootstrap_prices(prices: pd.Series | NDArray[np.float64], days: int, paths: int,
                     seed: int | None = 0, p0: float | None = None) -> NDArray[np.float64]:
    """Price paths ``(days + 1, paths)`` from daily log returns of ``prices`` drawn with
    replacement (iid bootstrap), starting at ``p0`` (default the last price)."""
    p = np.asarray(prices, dtype=float)
    if len(p) < 3 or not (np.isfinite(p) & (p > 0)).all():
        raise InputError("a price series needs at least 3 positive prices")
    r = np.diff(np.log(p))
    draw = np.random.default_rng(seed).choice(r, size=(days, paths), replace=True)
    start = p[-1] if p0 is None else p0
    return start * np.exp(np.vstack([np.zeros((1, paths)), np.cumsum(draw, axis=0)]))


def final_values(proj: Projection, prices: NDArray[np.float64]) -> NDArray[np.float64]:
    """Value of the position at the horizon on each price path (fiat): the final balance of
    the paired projection path (or of the one path, for every price path) at the last
    price. ``prices`` is ``(days + 1, paths)``.

    Examples
    --------
    >>> proj = project(100.0, apr=0.0365, days=2)
    >>> final_values(proj, np.array([[2.0, 2.0], [2.0, 2.0], [3.0, 1.0]])).round(8).tolist()
    [300.06000249, 100.02000083]
    """
    days = proj.reward.shape[0]
    if prices.shape[0] < days + 1:
        raise ParameterError(f"need {days + 1} rows, got {prices.shape[0]}", param="prices")
    return proj.final_balance * prices[days]


def fiat_outcomes(proj: Projection, prices: NDArray[np.float64]) -> dict:
    """Fiat view of a projection under price paths ``(days + 1, paths)``.

    Each reward is valued at the price of the day it is paid (the day after it accrues);
    the position at the last price. ``token_return`` against ``fiat_return`` is the
    disclaimer's point: the APR is paid in tokens, not dollars.
    """
    days = proj.reward.shape[0]
    if prices.shape[0] < days + 1:
        raise ParameterError(f"price paths need {days + 1} rows, got {prices.shape[0]}")
    reward = proj.reward
    if reward.shape[1] == 1 and prices.shape[1] > 1:
        reward = np.repeat(reward, prices.shape[1], axis=1)
    rewards_fiat = (reward * prices[1:days + 1]).sum(axis=0)
    final_tokens = proj.balance_end + reward.sum(axis=0)
    initial = proj.start_balance * prices[0]
    final_value = final_values(proj, prices)
    with np.errstate(invalid="ignore", divide="ignore"):
        fiat_return = np.where(initial > 0, final_value / initial - 1, np.nan)
        token_return = final_tokens / proj.start_balance - 1 if proj.start_balance else \
            np.full_like(final_value, np.nan)
    return {
        "rewards_fiat": _quantiles(rewards_fiat),
        "final_value": _quantiles(final_value),
        "fiat_return": _quantiles(fiat_return),
        "token_return": _quantiles(np.broadcast_to(token_return, final_value.shape)),
        "p_fiat_loss": float(np.mean(final_value < initial)),
    }


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
    volatility with zero drift. ``assumed`` names the assumed catalogue values used."""
    if not budget > 0:
        raise ParameterError(f"must be positive, got {budget}", param="budget")
    rows = []
    for i, (token, r) in enumerate(catalog.iterrows()):
        price = float(r["price_usd"])
        amount = budget / price
        proj = project(amount, apr=float(r["apr"]), min_holding=float(r["min_holding"]),
                       cap=float(r["cap"]), terms=terms, days=days, start=start)
        vol = float(r["volatility"])
        fiat = fiat_outcomes(proj, gbm_prices(price, vol, days, paths,
                                              None if seed is None else seed + i))
        assumed = [f for f in ("min_holding", "cap", "apr", "volatility", "price_usd")
                   if r[f"{f}_confidence"] == "assumed"]
        rows.append({
            "token": token, "price_usd": price, "tokens": amount,
            "eligible_share": min(amount, float(r["cap"])) / amount
            if amount >= float(r["min_holding"]) else 0.0,
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
    from .product import parse_tokens, product_catalog

    cat = product_catalog(catalog, parse_tokens(tokens) or None)
    t = tokens_side_by_side(budget_usd, cat, days=days, paths=paths, seed=seed, terms=terms,
                            start=start)
    t["rewards_usd"] = t["rewards_tokens"] * t["price_usd"]
    t["value_usd"] = (t["tokens"] + t["rewards_tokens"]) * t["price_usd"]
    return t[COMPARE_COLUMNS]


def _apr_paths(rule: TokenRule, days: int, paths: int, seed: int, start: object,
               apr_history: str | Path | None) -> tuple[NDArray[np.float64], str]:
    """APR paths centred on the rule's APR and the sentence that says which process made
    them: the token's own (:func:`~softstake_model.apr.token_apr_paths`) or one fitted to a
    daily APR history file (:func:`~softstake_model.apr.fit_apr_history`)."""
    if apr_history is None:
        from .apr.uncertainty import token_apr_paths

        arr, fit = token_apr_paths(rule.apr, days, paths, seed, token=rule.token, start=start)
        return arr, fit.label
    from .apr import fit_apr_history

    fit = fit_apr_history(apr_history)
    frame = fit.simulate(days, paths, start, seed=seed, apr=rule.apr)
    return (frame.to_numpy(), f"APR paths: the process fitted to {apr_history} "
            f"(half-life {fit.half_life_days:.0f} days), centred on the APR {rule.apr:.2%}")


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
) -> dict:
    """What a holder of ``balance`` tokens earns over ``days``: the projection's summary and,
    with a price, its value in fiat.

    Parameters
    ----------
    balance
        Tokens held from before ``start``; None: bought with ``budget_usd``.
    rule
        Minimum, cap, APR (and the token's volatility): :func:`~softstake_model.product.token_rule`.
    terms
        Product terms (default Binance's).
    days, start
        Horizon in days and its first accrual day.
    apr_paths
        0 for the rule's constant APR; N for N simulated APR paths, centred on the APR: the
        token's own process (:func:`~softstake_model.apr.token_apr_paths`) or, with
        ``apr_history``, the process fitted to that daily ``date,apr`` file.
    apr_history
        A daily APR history file to fit the paths' process to (needs ``apr_paths``).
    seed
        Seed of the APR paths; price paths use ``seed + 1``.
    price, volatility, drift
        Fiat view under geometric Brownian motion: price now (fiat per token), annual
        volatility (default the rule's) and drift.
    price_history
        Daily prices (a CSV path with a ``price`` or ``close`` column, or a series): their
        daily returns are bootstrapped instead of GBM, from ``price`` if given, else the last.
    price_paths
        Price paths when the APR is constant (with APR paths, price path i pairs with APR i).
    budget_usd
        Budget (USD) instead of ``balance``: tokens bought at ``price`` (default the
        token's catalogue price).

    Returns
    -------
    dict
        :meth:`Projection.summary`; ``position`` (tokens held, the part that earns, and
        a ``note`` when the balance is above the cap or below the minimum); ``at_price``
        (position, rewards and final balance in USD at today's price, ``price`` or the
        catalogue's), ``fiat`` (:func:`fiat_outcomes` under simulated prices, and how they
        were made), ``terms`` and, when assumed values drive the figures, ``assumed``.
    """
    checks.horizon(days)
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
    apr: float | NDArray[np.float64] = rule.apr
    if apr_history is not None and not apr_paths:
        raise ParameterError("needs APR paths to simulate (apr_paths > 0)", param="apr_history")
    if apr_paths:
        apr, label = _apr_paths(rule, days, apr_paths, seed, start, apr_history)
        assumed.append(label)
    proj = project(balance, apr=apr, min_holding=rule.min_holding, cap=rule.cap, terms=terms,
                   days=days, start=start)
    out = proj.summary()
    out["position"] = _position(balance, rule, budget_usd, today)
    if today is not None:
        source = "given" if price is not None else "catalogue"
        out["at_price"] = {"price": today, "price_source": source,
                           "position_usd": balance * today,
                           "rewards_usd": _mean(proj.total_rewards) * today,
                           "final_value_usd": _mean(proj.final_balance) * today}
    n_paths = apr_paths or price_paths
    if price_history is not None:
        if isinstance(price_history, str | Path):
            from .tables import read_prices

            label, history = str(price_history), read_prices(price_history)
        else:
            label, history = "a price series", price_history
        prices = bootstrap_prices(history, days, n_paths, seed + 1, price)
        out["fiat"] = {"price": float(prices[0, 0]), "bootstrap_of": label, "paths": n_paths,
                       **fiat_outcomes(proj, prices)}
    elif price is not None or volatility is not None:
        if price is None:
            raise ParameterError("needs a price", param="volatility")
        vol = volatility if volatility is not None else rule.volatility
        if vol is None:
            raise ParameterError("is needed for a fiat view (or a token with a volatility)",
                                 param="volatility")
        prices = gbm_prices(price, vol, days, n_paths, seed + 1, drift,
                            (terms or Terms()).days_per_year)
        out["fiat"] = {"price": price, "volatility": vol, "drift": drift, "paths": n_paths,
                       **fiat_outcomes(proj, prices)}
    out["terms"] = {"min_holding": rule.min_holding, "cap": rule.cap, "apr": rule.apr,
                    "preset": (terms or Terms()).name}
    if assumed:
        out["assumed"] = assumed
    return out
