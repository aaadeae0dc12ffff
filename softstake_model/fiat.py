"""Prices and the fiat view of a projection: price paths (GBM, bootstrap) and what the
position is worth in dollars at the horizon.

The APR is paid in tokens: these functions value the tokens, they never change them.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .errors import InputError, ParameterError
from .projection import Projection, quantiles

__all__ = ["gbm_prices", "bootstrap_prices", "final_values", "fiat_outcomes", "FiatOutcome"]


class FiatOutcome(TypedDict):
    """What :func:`fiat_outcomes` returns: ``mean``/``p5``/``p50``/``p95`` over price paths
    of ``rewards_fiat`` (each reward at its payout day's price) and ``final_value`` (the
    position at the last price), both in fiat, and of ``fiat_return`` and ``token_return``
    (fractions); ``p_fiat_loss``, the share of paths ending below the starting value."""

    rewards_fiat: dict[str, float]
    final_value: dict[str, float]
    fiat_return: dict[str, float]
    token_return: dict[str, float]
    p_fiat_loss: float


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
    start = p[-1] if p0 is None else p0
    if not (np.isfinite(start) and start > 0):
        raise ParameterError(f"must be > 0, got {start}", param="price")
    r = np.diff(np.log(p))
    draw = np.random.default_rng(seed).choice(r, size=(days, paths), replace=True)
    return start * np.exp(np.vstack([np.zeros((1, paths)), np.cumsum(draw, axis=0)]))


def final_values(proj: Projection, prices: NDArray[np.float64]) -> NDArray[np.float64]:
    """Value of the position at the horizon on each price path (fiat): the final balance of
    the paired projection path (or of the one path, for every price path) at the last
    price. ``prices`` is ``(days + 1, paths)``.

    Examples
    --------
    >>> from softstake_model.projection import project
    >>> proj = project(100.0, apr=0.0365, days=2)
    >>> final_values(proj, np.array([[2.0, 2.0], [2.0, 2.0], [3.0, 1.0]])).round(8).tolist()
    [300.06000249, 100.02000083]
    """
    days = proj.reward.shape[0]
    if prices.shape[0] < days + 1:
        raise ParameterError(f"need {days + 1} rows, got {prices.shape[0]}", param="prices")
    return proj.final_balance * prices[days]


def fiat_outcomes(proj: Projection, prices: NDArray[np.float64]) -> FiatOutcome:
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
    return FiatOutcome(**{
        "rewards_fiat": quantiles(rewards_fiat),
        "final_value": quantiles(final_value),
        "fiat_return": quantiles(fiat_return),
        "token_return": quantiles(np.broadcast_to(token_return, final_value.shape)),
        "p_fiat_loss": float(np.mean(final_value < initial)),
    })
