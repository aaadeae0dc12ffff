"""A holder population tied to the book, and the difference between two caps with an
interval over holders.

- :func:`calibrate`: a sampled population scaled so that its holders hold exactly the book
  (the tokens in users' accounts). Scaling keeps the population's shape — a lognormal's
  SIGMA, a Pareto tail's ALPHA, a mixture's weights — and replaces its scale (MU, XM).
- :func:`cap_difference`: the daily cost at one cap less the cost at another, with a
  bootstrap interval over holders (each resample of holders calibrated to the book again
  when the population is tied to it), and the number of holders whose rewards differ.
- :func:`population_figures`: the population's holder count, total, mean and median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .caps import holder_rewards
from .errors import ParameterError
from .terms import Terms

__all__ = ["calibrate", "CapDifference", "cap_difference", "population_figures"]


def calibrate(balances: ArrayLike, book: float) -> NDArray[np.float64]:
    """``balances`` scaled so that they add up to ``book`` (tokens).

    Examples
    --------
    >>> calibrate([1.0, 3.0], 2_000_000.0).tolist()
    [500000.0, 1500000.0]
    """
    b = np.asarray(balances, dtype=float)
    if not (np.isfinite(book) and book > 0):
        raise ParameterError(f"must be a finite number > 0, got {book}", param="book")
    total = float(b.sum())
    if not total > 0:
        raise ParameterError("the population holds nothing: it cannot be scaled to a book",
                             param="population")
    return b * (book / total)


def population_figures(balances: ArrayLike, price_usd: float | None = None) -> dict:
    """``holders``, ``total``, ``mean`` and ``median`` (tokens), and ``total_usd`` at
    ``price_usd`` (None without a price)."""
    b = np.asarray(balances, dtype=float)
    total = float(b.sum())
    return {"holders": int(b.size), "total": total, "mean": float(b.mean()),
            "median": float(np.median(b)),
            "total_usd": None if price_usd is None else total * price_usd}


@dataclass(frozen=True)
class CapDifference:
    """The daily cost at ``cap`` less the cost at ``other_cap`` (tokens a day).

    Attributes
    ----------
    cap, other_cap
        The two caps (tokens).
    difference
        Cost at ``cap`` minus cost at ``other_cap``, on the population as sampled.
    low, high
        Bootstrap interval over holders at ``confidence``.
    holders_between
        Holders above the lower cap (the only ones whose rewards differ).
    confidence
        Two-sided level of the interval.
    """

    cap: float
    other_cap: float
    difference: float
    low: float
    high: float
    holders_between: int
    confidence: float


def _cost(b: NDArray[np.float64], apr: float, min_holding: float, caps: tuple[float, float],
          terms: Terms) -> float:
    """Cost at ``caps[0]`` less cost at ``caps[1]``; only holders above the lower cap are
    paid differently (below it both caps leave the same eligible balance, the same reward)."""
    b = b[b > min(caps)]
    return float(holder_rewards(b, apr, min_holding, caps[0], terms).sum()
                 - holder_rewards(b, apr, min_holding, caps[1], terms).sum())


def cap_difference(balances: ArrayLike, apr: float, min_holding: float, cap: float,
                   other_cap: float, terms: Terms | None = None, *, book: float | None = None,
                   resamples: int = 1000, confidence: float = 0.95,
                   seed: int = 0) -> CapDifference:
    """The daily cost at ``cap`` less that at ``other_cap``, with a bootstrap over holders.

    The holders are resampled with replacement (as many as there are); with ``book`` each
    resample is scaled to the book again (:func:`calibrate`), since the book is known and the
    shape of the population is what is uncertain. Rewards are the rule's, truncated as paid
    (:func:`~softstake_model.caps.holder_rewards`).

    Parameters
    ----------
    balances
        The holders' balances (tokens).
    apr, min_holding
        The rule's APR (fraction per year) and minimum (tokens).
    cap, other_cap
        The caps compared (tokens).
    terms
        The product terms (default: :class:`~softstake_model.terms.Terms`).
    book
        The total the population is tied to (tokens), or None.
    resamples, confidence, seed
        Bootstrap resamples (>= 10), two-sided level, seed.

    Examples
    --------
    Two holders of 1,000 and 3,000 tokens at 36.5 %: a cap of 2,000 against 1,000 adds
    1,000 tokens of the second holder's balance, 1 token a day:

    >>> d = cap_difference([1000.0, 3000.0], 0.365, 0.0, 2000.0, 1000.0)
    >>> d.difference, d.holders_between
    (1.0, 1)
    """
    b = np.asarray(balances, dtype=float)
    if b.size < 2:
        raise ParameterError(f"must hold at least 2 holders, got {b.size}", param="balances")
    if resamples < 10:
        raise ParameterError(f"must be >= 10, got {resamples}", param="resamples")
    if not 0 < confidence < 1:
        raise ParameterError(f"must be in (0, 1), got {confidence}", param="confidence")
    terms = terms or Terms()
    caps = (cap, other_cap)
    rng = np.random.default_rng(seed)
    draws = np.empty(resamples)
    for i in range(resamples):
        r = b[rng.integers(0, b.size, b.size)]
        draws[i] = _cost(calibrate(r, book) if book is not None else r, apr, min_holding,
                         caps, terms)
    low, high = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return CapDifference(cap, other_cap, _cost(b, apr, min_holding, caps, terms),
                         float(low), float(high),
                         int(((b > min(caps)) & (b >= min_holding)).sum()), confidence)
