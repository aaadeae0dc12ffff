"""Intervals of a chain's network APR from the plausible ranges of its parameters.

Every ``assumed`` or ``weak`` parameter of ``data/chain_params.csv`` has a range
``low``..``high``. :func:`propagate` evaluates the chain's model again with those the
model read drawn independently and uniformly from their ranges (``DRAWS`` draws from a
fixed seed, so the interval is reproducible), and gives the 5th and 95th percentiles of
the network and net APR over the draws, widened to include the central value. Parameters
without a range (``published``, ``derived`` without one, dates, the user's overrides) are
held. The interval is that of the parameters' ranges only: it says nothing of a model's
form or of governance changing the schedule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .params import ChainParams

__all__ = ["propagate", "DRAWS", "LEVEL", "sign_word"]

#: Draws of the parameters' ranges; the interval's level (5th to 95th percentile).
DRAWS = 200
LEVEL = 0.9


def propagate(model: Callable[[ChainParams, pd.Timestamp, float | None], dict],
              p: ChainParams, at: pd.Timestamp, year: float | None, central: dict,
              draws: int = DRAWS, seed: int = 0) -> dict:
    """``network_apr_low/high`` and ``net_apr_low/high`` of ``model`` over the ranges of
    the parameters ``p`` has read (after the central evaluation), with ``interval_params``
    (the names varied) and ``interval_level``.

    Parameters
    ----------
    model, p, at, year
        The chain model and the accessor it has just been evaluated with.
    central
        The central result, whose rates the interval always includes.
    draws, seed
        Monte Carlo draws (uniform, independent) and the seed.
    """
    ranged = p.ranged()
    keys = ("network_apr", "net_apr")
    if not ranged:
        vals = {k: np.array([central[k]]) for k in keys}
    else:
        rng = np.random.default_rng(seed)
        lows = np.array([lo for lo, _ in ranged.values()])
        highs = np.array([hi for _, hi in ranged.values()])
        points = rng.uniform(lows, highs, size=(draws, len(ranged)))
        out = {k: [] for k in keys}
        for row in points:
            res = model(p.with_values(dict(zip(ranged, map(float, row), strict=True))),
                        at, year)
            for k in keys:
                out[k].append(res[k])
        vals = {k: np.array(v, dtype=float) for k, v in out.items()}
    tail = (1 - LEVEL) / 2 * 100
    result: dict = {"interval_level": LEVEL, "interval_params": sorted(ranged)}
    for k in keys:
        lo, hi = np.percentile(vals[k], [tail, 100 - tail])
        result[f"{k}_low"] = float(min(lo, central[k]))
        result[f"{k}_high"] = float(max(hi, central[k]))
    return result


def sign_word(low: float, high: float) -> str:
    """``positive``, ``negative`` or ``unknown`` (the interval straddles 0)."""
    if low > 0:
        return "positive"
    if high < 0:
        return "negative"
    return "unknown"
