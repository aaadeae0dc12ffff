"""APR conversions, one convention: ``days_per_year`` is passed (default 365)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ParameterError

__all__ = ["SECONDS_PER_YEAR", "apr_to_apy", "apy_to_apr", "apr_from_index"]

#: 365 days of 86,400 s.
SECONDS_PER_YEAR = 31_536_000


def _dpy(days_per_year: float) -> float:
    if not days_per_year > 0:
        raise ParameterError(f"--days-per-year: {days_per_year} must be positive")
    return float(days_per_year)


def apr_to_apy(apr: ArrayLike, days_per_year: float = 365) -> NDArray[np.float64]:
    """APY with daily compounding: ``(1 + APR / n) ** n - 1``.

    >>> round(float(apr_to_apy(0.05)), 10)
    0.0512674965
    """
    n = _dpy(days_per_year)
    a = np.asarray(apr, dtype=float)
    if (a <= -n).any():
        raise ParameterError(f"--apr: {apr} is below -{n}")
    return np.expm1(n * np.log1p(a / n))


def apy_to_apr(apy: ArrayLike, days_per_year: float = 365) -> NDArray[np.float64]:
    """The APR whose daily compounding gives ``apy``: ``n * ((1 + APY) ** (1 / n) - 1)``."""
    n = _dpy(days_per_year)
    y = np.asarray(apy, dtype=float)
    if (y <= -1).any():
        raise ParameterError(f"--apy: {apy} must be above -1")
    return n * np.expm1(np.log1p(y) / n)


def apr_from_index(pre: float, post: float, elapsed_seconds: float) -> float:
    """APR from a share-rate (index) change: ``SECONDS_PER_YEAR * (post - pre) / pre / elapsed``.

    One basis point in a day is 3.65 %:

    >>> round(apr_from_index(1.0, 1.0001, 86400), 12)
    0.0365
    """
    if not pre > 0:
        raise ParameterError(f"--pre: {pre} must be positive")
    if not post > 0:
        raise ParameterError(f"--post: {post} must be positive")
    if not elapsed_seconds > 0:
        raise ParameterError(f"--elapsed: {elapsed_seconds} must be positive")
    return SECONDS_PER_YEAR * (post - pre) / pre / elapsed_seconds
