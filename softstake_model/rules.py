"""The daily reward rule (SPEC §2) — the one place it lives.

Every function is pure and vectorised: arguments broadcast as numpy arrays, so the
same call serves one holder, a whole ledger, or a population of a million holders.

The rule for one account, token and day::

    eligible = 0 if avg < min_holding - tol else min(avg, cap)   (tol: EDGE_TOLERANCE)
    gross    = eligible * apr / days_per_year                    (flat)
             = sum over bands [lo, hi) of (part of eligible in band) * apr_band / days_per_year
    reward   = truncate(gross * (1 - fee), precision)            (toward zero)

and its inverse, the APR a reward implies::

    apr      = reward / (1 - fee) * days_per_year / eligible     (NaN where nothing is eligible)

Amounts are 8-decimal numbers, but their float sums are not exact (0.06 + 0.57 + 0.37 is
0.9999999999999999): the minimum, the cap and the tier bounds are compared within
:data:`EDGE_TOLERANCE` (half a unit of the 8th decimal, plus float noise of large
balances), so a balance that equals an edge at 8 decimals is *at* that edge.

Every user of the rule calls these functions: the reward engine (:mod:`.rewards`), the
reconciliation (:mod:`.reconciliation`), the realized APR (:mod:`.apr.realized`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .errors import ParameterError
from .rule_specs import FEE, PRECISION
from .spec import check_value
from .typing import Decimals, FloatArray, Fraction

__all__ = ["Tiers", "EDGE_TOLERANCE", "at_least", "eligible", "gross", "truncate", "payout",
           "daily_reward", "implied_apr", "rate_paid", "parse_tiers"]

#: Marginal tiers: ``((upper_bound, apr), ...)`` with increasing bounds, the last ``inf``.
#: Bounds in tokens, APRs as fractions per year.
Tiers = tuple[tuple[float, float], ...]

# Relative slack when truncating: a product such as 0.5 * 0.0365 / 365 * 1e8 may land a few
# ulps below the integer it equals exactly; only that float noise (about 9 ulps) is forgiven.
_TRUNC_REL_SLACK = 2e-15

#: Absolute tolerance (tokens) of the minimum, cap and tier edges: half a unit of the 8th
#: decimal, the most by which a balance that rounds to the edge at 8 decimals differs.
EDGE_TOLERANCE = 0.5e-8
# float noise of a sum of large balances, relative (a few ulps of the balance)
_EDGE_REL = 1e-15


def _slack(x: np.ndarray, tolerance: float) -> np.ndarray:
    return tolerance + _EDGE_REL * np.abs(x)


def at_least(x: ArrayLike, edge: ArrayLike, tolerance: float = EDGE_TOLERANCE) -> np.ndarray:
    """Whether ``x >= edge`` within ``tolerance`` (tokens): the comparison of the rule's edges.

    Examples
    --------
    >>> bool(at_least(0.06 + 0.57 + 0.37, 1.0)), bool(at_least(0.99999998, 1.0))
    (True, False)
    """
    x = np.asarray(x, dtype=np.float64)
    return x >= np.asarray(edge, dtype=np.float64) - _slack(x, tolerance)


def _snap(x: np.ndarray, edge: ArrayLike, tolerance: float) -> np.ndarray:
    """``x`` with values short of ``edge`` by at most ``tolerance`` set to ``edge``."""
    edge = np.asarray(edge, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        near = np.isfinite(edge) & (x < edge) & (edge - x <= _slack(x, tolerance))
    return np.where(near, edge, x)


def eligible(avg: ArrayLike, min_holding: ArrayLike, cap: ArrayLike,
             tolerance: float = EDGE_TOLERANCE) -> FloatArray:
    """Eligible balance: zero below the minimum, the balance up to the cap, the cap above.

    A balance within ``tolerance`` of the minimum or the cap is taken to be at it.

    Parameters
    ----------
    avg
        Balance measure for the day, in tokens.
    min_holding
        Minimum balance that earns, in tokens (a balance equal to it earns).
    cap
        Largest balance that earns, in tokens (``inf`` for no cap).
    tolerance
        Tokens by which a balance may fall short of an edge and still be at it (default
        :data:`EDGE_TOLERANCE`).

    Returns
    -------
    numpy.ndarray
        Eligible balance, in tokens.

    Examples
    --------
    >>> float(eligible(0.06 + 0.57 + 0.37, 1.0, 10.0))  # SOL deposits at the 1 SOL minimum
    1.0
    >>> float(eligible(9.999999999999998, 1.0, 10.0))
    10.0
    """
    avg = np.asarray(avg, dtype=np.float64)
    earns = at_least(avg, min_holding, tolerance)
    at_edges = _snap(_snap(np.minimum(avg, cap), cap, tolerance), min_holding, tolerance)
    return np.where(earns, at_edges, 0.0)


def gross(
    eligible_balance: ArrayLike,
    apr: ArrayLike,
    tiers: Tiers | None = None,
    days_per_year: float = 365.0,
) -> FloatArray:
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
    for hi, _ in tiers[:-1]:  # a balance at a bound within the tolerance is at it
        e = _snap(e, hi, EDGE_TOLERANCE)
    for hi, rate in tiers:
        total = total + (np.clip(e, lo, hi) - lo) * rate
        lo = hi
    return total / days_per_year


def truncate(x: ArrayLike, precision: Decimals = 8) -> FloatArray:
    """Truncate toward zero to ``precision`` decimals (0.021917808 → 0.02191780).

    Float noise a few ulps below an exact decimal is not mistaken for a shortfall.
    """
    scale = 10.0**precision
    y = np.asarray(x, dtype=np.float64) * scale
    r = np.round(y)
    near = np.abs(y - r) <= _TRUNC_REL_SLACK * np.maximum(1.0, np.abs(y))
    return np.where(near, r, np.trunc(y)) / scale


def payout(
    eligible_balance: ArrayLike,
    apr: ArrayLike,
    *,
    tiers: Tiers | None = None,
    fee: Fraction = 0.0,
    precision: Decimals = 8,
    days_per_year: float = 365.0,
) -> FloatArray:
    """The reward paid on an eligible balance: gross, less the fee, truncated.

    Parameters
    ----------
    eligible_balance
        Eligible balance of the day (:func:`eligible`), in tokens.
    apr
        Annual rate as a fraction; ignored where ``tiers`` is given.
    tiers, days_per_year
        As for :func:`gross`.
    fee
        Share of the gross reward the exchange keeps, in [0, 1).
    precision
        Decimals the reward is truncated to (toward zero).

    Returns
    -------
    numpy.ndarray
        Reward paid, in tokens.

    Examples
    --------
    >>> float(payout(100, 0.08))
    0.0219178
    """
    g = gross(eligible_balance, apr, tiers, days_per_year)
    return truncate(g * (1.0 - fee), precision)


def daily_reward(
    avg: ArrayLike,
    apr: ArrayLike,
    min_holding: ArrayLike = 0.0,
    cap: ArrayLike = np.inf,
    *,
    tiers: Tiers | None = None,
    fee: Fraction = 0.0,
    precision: Decimals = 8,
    days_per_year: float = 365.0,
) -> FloatArray:
    """The whole rule: balance measure in, paid reward (tokens, truncated) out.

    ``fee`` (in [0, 1)) and ``precision`` (0..12) are checked against the specs
    :class:`~softstake_model.terms.Terms` declares them with (:mod:`.rule_specs`); the other
    arguments are as for :func:`eligible` and :func:`payout`.

    Examples
    --------
    >>> float(daily_reward(100, 0.08))  # Bitget's published example
    0.0219178
    """
    fee = check_value(FEE, fee, "fee")
    precision = check_value(PRECISION, precision, "precision")
    return payout(eligible(avg, min_holding, cap), apr, tiers=tiers, fee=fee,
                  precision=precision, days_per_year=days_per_year)


def implied_apr(
    reward: ArrayLike,
    eligible_balance: ArrayLike,
    *,
    fee: Fraction = 0.0,
    days_per_year: float = 365.0,
) -> FloatArray:
    """The APR a reward implies: the rule solved for the rate (truncation aside).

    ``reward / (1 - fee) * days_per_year / eligible``; NaN where nothing was eligible. The
    reward was truncated, so the rate lies in ``[implied_apr(r), implied_apr(r + 10**-p))``.

    Examples
    --------
    >>> float(implied_apr(0.0219178, 100))  # Bitget's example: 8 %, less the truncation
    0.07999997
    """
    r = np.asarray(reward, dtype=np.float64)
    e = np.asarray(eligible_balance, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e > 0, r / (1.0 - fee) * days_per_year / e, np.nan)


def rate_paid(
    gross_reward: ArrayLike,
    eligible_balance: ArrayLike,
    apr: ArrayLike,
    tiers: Tiers | None = None,
    days_per_year: float = 365.0,
) -> FloatArray:
    """The APR a day was paid at: ``apr`` itself, or with tiers the rate the bands give the
    eligible balance together (the first band's rate where nothing is eligible).

    Examples
    --------
    >>> t = ((500.0, 0.12), (np.inf, 0.003))
    >>> e = np.array([1000.0, 0.0])
    >>> rate_paid(gross(e, 0.5, t), e, 0.5, t).round(4).tolist()  # (60 + 1.5) / 1000
    [0.0615, 0.12]
    """
    if tiers is None:
        return np.broadcast_to(np.asarray(apr, dtype=np.float64),
                               np.shape(eligible_balance)).copy()
    rate = implied_apr(gross_reward, eligible_balance, days_per_year=days_per_year)
    return np.where(np.isnan(rate), tiers[0][1], rate)


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
