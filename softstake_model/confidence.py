"""Confidence intervals for Monte Carlo figures: Wilson for a share of paths, and a
bootstrap over paths for the smallest setting whose share of bad paths meets a target.

Both are pure and vectorised; neither needs scipy (the normal quantile comes from
:class:`statistics.NormalDist`).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import ParameterError

__all__ = ["wilson_interval", "bootstrap_threshold"]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ParameterError(f"must be in (0, 1), got {confidence}", param="confidence")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of a proportion ``successes / n``.

    Parameters
    ----------
    successes
        Number of paths with the event (0 <= successes <= n); scalars or arrays.
    n
        Number of paths (>= 1).
    confidence
        Two-sided level, in (0, 1).

    Returns
    -------
    tuple of arrays
        ``(low, high)``, shares in [0, 1] (0-d arrays for scalar input).

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> float(lo), round(float(hi), 4)
    (0.0, 0.037)
    """
    k, m = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    if np.any(m < 1) or np.any(k < 0) or np.any(k > m):
        raise ParameterError(f"must be between 0 and n >= 1, got {successes} of {n}",
                             param="successes")
    z = _z(confidence)
    p = k / m
    denom = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
    # at k = 0 (k = n) the bound is 0 (1) exactly; the formula leaves float dust there
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def bootstrap_threshold(grid: ArrayLike, bad: ArrayLike, alpha: float, resamples: int = 1000,
                        confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the smallest grid value whose share of bad paths is <= alpha.

    Paths are resampled with replacement; in each resample the share of bad paths at every
    grid value is recomputed and the first grid value meeting ``alpha`` taken (the last grid
    value when none does).

    Parameters
    ----------
    grid
        Increasing settings (e.g. buffer ratios), shape ``(g,)``.
    bad
        Boolean ``(g, paths)``: path ``j`` is bad at setting ``i``.
    alpha
        Target share of bad paths, in [0, 1).
    resamples
        Bootstrap resamples (>= 10).
    confidence
        Two-sided level, in (0, 1).
    seed
        Random seed.

    Returns
    -------
    tuple of float
        ``(low, high)`` percentiles of the resampled threshold.

    Examples
    --------
    >>> bad = np.array([[True] * 50 + [False] * 50, [True] * 2 + [False] * 98])
    >>> bootstrap_threshold([0.1, 0.2], bad, 0.05)
    (0.2, 0.2)
    """
    g = np.asarray(grid, dtype=float)
    b = np.asarray(bad, dtype=bool)
    if b.ndim != 2 or b.shape[0] != g.size or g.size == 0:
        raise ParameterError(f"must be (len(grid), paths), got {b.shape}", param="bad")
    if resamples < 10:
        raise ParameterError(f"must be >= 10, got {resamples}", param="resamples")
    z = _z(confidence)  # checks confidence
    del z
    n = b.shape[1]
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)  # (R, paths)
    shares = counts @ b.T.astype(np.float64) / n  # (R, g)
    ok = shares <= alpha + 1e-12
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), g.size - 1)
    found = g[first]
    lo, hi = np.quantile(found, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)
