"""APR conversions, one convention: ``days_per_year`` is passed (default 365)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ParameterError

__all__ = ["SECONDS_PER_YEAR", "apr_to_apy", "apy_to_apr", "apr_from_index"]

#: 365 days of 86,400 s.
SECONDS_PER_YEAR = 31_536_000


def _dpy(days_per_year: float) -> float:
    if not days_per_year > 0:
        raise ParameterError(f"must be positive, got {days_per_year}", param="days_per_year")
    return float(days_per_year)


def apr_to_apy(apr: ArrayLike, days_per_year: float = 365) -> NDArray[np.float64]:
    """APY with daily compounding: ``(1 + APR / n) ** n - 1``.

    >>> round(float(apr_to_apy(0.05)), 10)
    0.0512674965
    """
    n = _dpy(days_per_year)
    a = np.asarray(apr, dtype=float)
    if (a <= -n).any() or not np.isfinite(a).all():
        raise ParameterError(f"must be a finite number above -{n:g}, got {apr}", param="apr")
    return np.expm1(n * np.log1p(a / n))


def apy_to_apr(apy: ArrayLike, days_per_year: float = 365) -> NDArray[np.float64]:
    """The APR whose daily compounding gives ``apy``: ``n * ((1 + APY) ** (1 / n) - 1)``."""
    n = _dpy(days_per_year)
    y = np.asarray(apy, dtype=float)
    if (y <= -1).any() or not np.isfinite(y).all():
        raise ParameterError(f"must be a finite number above -1, got {apy}", param="apy")
    return n * np.expm1(np.log1p(y) / n)


def apr_from_index(pre: float, post: float, elapsed_seconds: float) -> float:
    """APR from a share-rate (index) change: ``SECONDS_PER_YEAR * (post - pre) / pre / elapsed``.

    One basis point in a day is 3.65 %:

    >>> round(apr_from_index(1.0, 1.0001, 86400), 12)
    0.0365
    """
    for name, value in (("pre", pre), ("post", post), ("elapsed_seconds", elapsed_seconds)):
        if not (math.isfinite(value) and value > 0):
            raise ParameterError(f"must be a finite number > 0, got {value}", param=name)
    return SECONDS_PER_YEAR * (post - pre) / pre / elapsed_seconds
