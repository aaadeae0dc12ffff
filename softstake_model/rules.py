"""The daily reward rule (SPEC §2) — the one place it lives.

Every function is pure and vectorised: arguments broadcast as numpy arrays, so the
same call serves one holder, a whole ledger, or a population of a million holders.

The rule for one account, token and day::

    eligible = 0 if avg < min_holding else min(avg, cap)
    gross    = eligible * apr / days_per_year                    (flat)
             = sum over bands [lo, hi) of (part of eligible in band) * apr_band / days_per_year
    reward   = truncate(gross * (1 - fee), precision)            (toward zero)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .checks import ratio, whole
from .errors import ParameterError

__all__ = ["Tiers", "eligible", "gross", "truncate", "daily_reward", "parse_tiers"]

#: Marginal tiers: ``((upper_bound, apr), ...)`` with increasing bounds, the last ``inf``.
#: Bounds in tokens, APRs as fractions per year.
Tiers = tuple[tuple[float, float], ...]

# Relative slack when truncating: a product such as 0.5 * 0.0365 / 365 * 1e8 may land a few
# ulps below the integer it equals exactly; only that float noise (about 9 ulps) is forgiven.
_TRUNC_REL_SLACK = 2e-15


def eligible(avg: ArrayLike, min_holding: ArrayLike, cap: ArrayLike) -> NDArray[np.float64]:
    """Eligible balance: zero below the minimum, the balance up to the cap, the cap above.

    Parameters
    ----------
    avg
        Balance measure for the day, in tokens.
    min_holding
        Minimum balance that earns, in tokens (a balance equal to it earns).
    cap
        Largest balance that earns, in tokens (``inf`` for no cap).

    Returns
    -------
    numpy.ndarray
        Eligible balance, in tokens.
    """
    avg = np.asarray(avg, dtype=np.float64)
    return np.where(avg < min_holding, 0.0, np.minimum(avg, cap))


def gross(
    eligible_balance: ArrayLike,
    apr: ArrayLike,
    tiers: Tiers | None = None,
    days_per_year: float = 365.0,
) -> NDArray[np.float64]:
    """Gross reward of one day, before fee and truncation.

    Parameters
    ----------
    eligible_balance
        Eligible balance, in tokens.
    apr
        Annual rate as a fraction (0.05 = 5 %); ignored where ``tiers`` is given.
    tiers
        Marginal bands ``((upper, apr), ...)``: each part of the balance earns its band's APR.
    days_per_year
        Days in the APR's year; 365 for crypto (never 252).

    Returns
    -------
    numpy.ndarray
        Reward for the day, in tokens.
    """
    if days_per_year <= 0:
        raise ParameterError(f"must be positive, got {days_per_year}", param="days_per_year")
    e = np.asarray(eligible_balance, dtype=np.float64)
    if tiers is None:
        return e * np.asarray(apr, dtype=np.float64) / days_per_year
    total = np.zeros(np.shape(e))
    lo = 0.0
    for hi, rate in tiers:
        total = total + (np.clip(e, lo, hi) - lo) * rate
        lo = hi
    return total / days_per_year


def truncate(x: ArrayLike, precision: int = 8) -> NDArray[np.float64]:
    """Truncate toward zero to ``precision`` decimals (0.021917808 → 0.02191780).

    Float noise a few ulps below an exact decimal is not mistaken for a shortfall.
    """
    scale = 10.0**precision
    y = np.asarray(x, dtype=np.float64) * scale
    r = np.round(y)
    near = np.abs(y - r) <= _TRUNC_REL_SLACK * np.maximum(1.0, np.abs(y))
    return np.where(near, r, np.trunc(y)) / scale


def daily_reward(
    avg: ArrayLike,
    apr: ArrayLike,
    min_holding: ArrayLike = 0.0,
    cap: ArrayLike = np.inf,
    *,
    tiers: Tiers | None = None,
    fee: float = 0.0,
    precision: int = 8,
    days_per_year: float = 365.0,
) -> NDArray[np.float64]:
    """The whole rule: balance measure in, paid reward (tokens, truncated) out.

    Examples
    --------
    >>> float(daily_reward(100, 0.08))  # Bitget's published example
    0.0219178
    """
    ratio(fee, "fee")
    whole(precision, "precision", 0, 12)
    g = gross(eligible(avg, min_holding, cap), apr, tiers, days_per_year)
    return truncate(g * (1.0 - fee), precision)


def parse_tiers(text: str | Sequence[tuple[float, float]] | None) -> Tiers | None:
    """Parse ``"500:0.12,5000:0.008,inf:0.003"`` (``upper:apr``, last bound ``inf``).

    Raises
    ------
    ParameterError
        When a band is malformed, bounds do not increase, a rate is negative or the last
        bound is not ``inf``.
    """
    if text is None:
        return None
    if isinstance(text, str):
        bands = []
        for part in text.split(","):
            bits = part.strip().split(":")
            if len(bits) != 2:
                raise ParameterError(f"band '{part.strip()}' is not 'upper:apr'",
                                     param="tiers")
            try:
                bands.append((float(bits[0]), float(bits[1])))
            except ValueError:
                raise ParameterError(
                    f"band '{part.strip()}' has a non-numeric bound or rate", param="tiers"
                ) from None
    else:
        bands = [(float(h), float(r)) for h, r in text]
    if not bands:
        raise ParameterError("has no bands", param="tiers")
    bounds = [h for h, _ in bands]
    if any(np.isnan(b) or b <= a for a, b in zip([0.0, *bounds[:-1]], bounds, strict=True)):
        raise ParameterError(f"bounds must be positive and increasing, got {bounds}",
                             param="tiers")
    if bounds[-1] != np.inf:
        raise ParameterError("last band's upper bound must be 'inf'", param="tiers")
    if any(not np.isfinite(r) or not 0 <= r <= 1 for _, r in bands):
        raise ParameterError("rates must be finite fractions in [0, 1]", param="tiers")
    return tuple(bands)
