"""Catalogue figures from stored prices: the last close and the annualised volatility of
daily log returns, each with the window it was computed over.

Volatility: the sample standard deviation (``ddof=1``) of the daily log returns
``ln(close_d / close_{d-1})`` of consecutive UTC days in the window, times
``sqrt(365)`` (crypto trades every day of the year). A return across a missing day is not
used. Fewer than :data:`MIN_RETURNS` returns give no volatility (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["price_figures", "log_return_volatility", "DEFAULT_WINDOW_DAYS", "MIN_RETURNS",
           "DAYS_PER_YEAR"]

#: Days of returns the catalogue's volatility is computed over, by default.
DEFAULT_WINDOW_DAYS = 365
#: Fewest daily returns a volatility is computed from.
MIN_RETURNS = 30
DAYS_PER_YEAR = 365.0


def log_return_volatility(days: pd.Series, closes: pd.Series) -> tuple[float, int]:
    """Annualised volatility of daily log returns of ``closes`` on ``days`` (sorted), and
    the number of returns used.

    Examples
    --------
    Closes alternating 100, 110 give 40 returns of +-ln(1.1), mean 0, so the sample
    deviation is ln(1.1) * sqrt(40 / 39):

    >>> d = pd.Series(pd.date_range("2026-01-01", periods=41, freq="D"))
    >>> c = pd.Series([100.0, 110.0] * 20 + [100.0])
    >>> vol, n = log_return_volatility(d, c)
    >>> n, round(float(vol / np.sqrt(365) / np.log(1.1)), 6)
    (40, 1.012739)
    """
    d = pd.DatetimeIndex(days)
    c = np.asarray(closes, dtype=float)
    if (c <= 0).any() or not np.isfinite(c).all():
        raise ParameterError("must be finite and > 0", param="closes")
    consecutive = (d[1:] - d[:-1]) == pd.Timedelta(days=1)
    r = np.diff(np.log(c))[np.asarray(consecutive)]
    if len(r) < MIN_RETURNS:
        return float("nan"), len(r)
    return float(np.std(r, ddof=1) * np.sqrt(DAYS_PER_YEAR)), len(r)


def price_figures(prices: pd.DataFrame, at: object,
                  window_days: int = DEFAULT_WINDOW_DAYS) -> pd.DataFrame:
    """Per token: the last close on or before ``at`` and the volatility over the
    ``window_days`` days ending there.

    Parameters
    ----------
    prices
        Daily candles ``day, token, close`` (plus ``exchange``, ``quote``, ``fetched_at``
        as :func:`~softstake_model.store.read.read_prices` returns).
    at
        The date the figures apply to.
    window_days
        Days of returns (>= 2).

    Returns
    -------
    pandas.DataFrame
        Indexed by token: ``price`` (quote currency per token), ``price_day``,
        ``volatility`` (fraction per year, NaN with fewer than :data:`MIN_RETURNS`
        returns), ``returns``, ``window_start``, ``exchange``, ``quote``, ``fetched_at``.
    """
    if not (isinstance(window_days, int | np.integer) and window_days >= 2):
        raise ParameterError(f"must be an integer >= 2, got {window_days}",
                             param="window_days")
    day = pd.Timestamp(at).normalize()
    rows = []
    for token, g in prices[prices["day"] <= day].groupby("token", sort=True):
        g = g.sort_values("day")
        last = g.iloc[-1]
        start = last["day"] - pd.Timedelta(days=window_days)
        w = g[g["day"] >= start]
        vol, n = log_return_volatility(w["day"], w["close"])
        rows.append({"token": token, "price": float(last["close"]), "price_day": last["day"],
                     "volatility": vol, "returns": n, "window_start": w["day"].iloc[0],
                     "exchange": last.get("exchange"), "quote": last.get("quote"),
                     "fetched_at": last.get("fetched_at")})
    cols = ["token", "price", "price_day", "volatility", "returns", "window_start",
            "exchange", "quote", "fetched_at"]
    return pd.DataFrame(rows, columns=cols).set_index("token")
