"""APR histories: the OU process fitted to dated observations, and Cardano's real history.

A history may have gaps and irregular dates: between observations ``dt_i`` years apart the
OU process on log APR is exactly ``x[i+1] = mu + (x[i] - mu) b_i + e_i`` with
``b_i = exp(-kappa dt_i)`` and ``var(e_i) = sigma^2 (1 - b_i^2) / (2 kappa)``. For a given
``kappa``, ``mu`` and ``sigma`` have closed forms (weighted least squares), so the maximum
likelihood is a one-dimensional search over ``kappa`` (a log grid, then golden-section
refinement). Intervals come from a parametric bootstrap at the same dates.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, ParameterError
from .uncertainty import OUFit

__all__ = ["fit_history", "fit_apr_history", "cardano_process", "cardano_delegator_history"]

_GRID = np.exp(np.linspace(np.log(1e-3), np.log(1e4), 241))  # kappa per year


def _profile(x: NDArray, dt: NDArray, kappa: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """``(loglik, mu, sigma)`` for each ``kappa`` (last axis of the result) and each series
    of ``x`` (leading axes); ``x`` is ``(..., n)``, ``dt`` ``(n - 1,)`` years."""
    k = np.asarray(kappa, dtype=float)[..., None]          # (K, 1)
    b = np.exp(-k * dt)                                      # (K, m)
    q = -np.expm1(-2 * k * dt) / (2 * k)                     # variance factor, (K, m)
    c = 1 - b
    x0, x1 = x[..., None, :-1], x[..., None, 1:]             # (..., 1, m)
    r = x1 - b * x0                                          # (..., K, m)
    w = 1 / q
    mu = (w * c * r).sum(-1) / (w * c * c).sum(-1)           # (..., K)
    res = r - mu[..., None] * c
    m = dt.shape[-1]
    s2 = (res * res * w).sum(-1) / m
    ll = -0.5 * m * (np.log(2 * np.pi * s2) + 1) - 0.5 * np.log(q).sum(-1)
    sigma = np.sqrt(s2)
    return ll, mu, sigma


def _maximise(x: NDArray, dt: NDArray) -> tuple[float, float, float, float]:
    """``(kappa, mu, sigma, loglik)`` of one series: grid, then golden section."""
    ll, _, _ = _profile(x, dt, _GRID)
    i = int(np.nanargmax(ll))
    if i == 0:
        raise InputError("the history shows no mean reversion (the likelihood is highest "
                         f"at the smallest speed tried, {_GRID[0]:g} a year); an OU fit "
                         "does not apply")
    lo, hi = np.log(_GRID[max(i - 1, 0)]), np.log(_GRID[min(i + 1, len(_GRID) - 1)])
    g = (np.sqrt(5) - 1) / 2

    def f(u: float) -> float:
        return float(_profile(x, dt, np.array([np.exp(u)]))[0][0])

    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = f(a), f(b)
    for _ in range(60):
        if fa > fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = f(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = f(b)
    kappa = float(np.exp((lo + hi) / 2))
    ll, mu, sigma = _profile(x, dt, np.array([kappa]))
    return kappa, float(mu[0]), float(sigma[0]), float(ll[0])


def _simulate_at(x0: float, kappa: float, mu: float, sigma: float, dt: NDArray, n: int,
                 rng: np.random.Generator) -> NDArray:
    """``n`` OU series of log APR at the observation spacing ``dt``: ``(n, len(dt) + 1)``."""
    b = np.exp(-kappa * dt)
    sd = sigma * np.sqrt(-np.expm1(-2 * kappa * dt) / (2 * kappa))
    out = np.empty((n, len(dt) + 1))
    out[:, 0] = x0
    z = rng.standard_normal((n, len(dt)))
    for i in range(len(dt)):  # each observation depends on the last; all series at once
        out[:, i + 1] = mu + (out[:, i] - mu) * b[i] + sd[i] * z[:, i]
    return out


def fit_history(
    dates: ArrayLike,
    apr: ArrayLike,
    days_per_year: float = 365.0,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
    source: str = "fitted",
) -> OUFit:
    """Fit the OU process on log APR to dated observations (gaps and irregular dates
    allowed) by maximum likelihood.

    Raises
    ------
    InputError
        If a date repeats, an APR is not positive and finite, there are fewer than 10
        observations, or the history shows no mean reversion.
    """
    d = pd.DatetimeIndex(pd.to_datetime(np.asarray(dates)))
    y = np.asarray(apr, dtype=float)
    if len(d) != len(y):
        raise InputError(f"{len(d)} dates but {len(y)} APRs")
    order = np.argsort(d.values, kind="stable")
    d, y = d[order], y[order]
    if d.has_duplicates:
        raise InputError(f"date {d[d.duplicated()][0].date()} appears twice; give one APR a "
                         "date")
    bad = ~(np.isfinite(y) & (y > 0))
    if bad.any():
        raise InputError(f"APR on {d[bad][0].date()} is {y[bad][0]}; log APR needs positive "
                         "values")
    if len(y) < 10:
        raise InputError(f"{len(y)} observations are too few to fit (at least 10)")
    if not (days_per_year > 0 and 0 < level < 1 and bootstrap >= 0):
        raise ParameterError("days_per_year must be > 0, level in (0, 1), bootstrap >= 0",
                             param="bootstrap")
    days = np.diff(d.values).astype("timedelta64[s]").astype(float) / 86_400
    dt = days / days_per_year
    x = np.log(y)
    kappa, mu, sigma, ll = _maximise(x, dt)
    ci: dict[str, tuple[float, float]] = {}
    if bootstrap:
        rng = np.random.default_rng(seed)
        sims = _simulate_at(x[0], kappa, mu, sigma, dt, bootstrap, rng)
        draws = []
        for chunk in np.array_split(sims, max(1, bootstrap // 25)):
            lls, mus, sis = _profile(chunk, dt, _GRID)      # (B, K)
            j = np.nanargmax(lls, axis=-1)
            rows = np.arange(len(chunk))
            draws.append(np.column_stack([_GRID[j], mus[rows, j], sis[rows, j]]))
        dr = np.vstack(draws)
        q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
        named = {"kappa": dr[:, 0], "mu": dr[:, 1], "sigma": dr[:, 2],
                 "long_run_apr": np.exp(dr[:, 1]),
                 "half_life_days": np.log(2) / dr[:, 0] * days_per_year}
        for k, v in named.items():
            v = v[np.isfinite(v)]
            ci[k] = tuple(float(t) for t in np.percentile(v, q)) if len(v) else (np.nan, np.nan)
    return OUFit(kappa, mu, sigma, float(np.median(days)), float(y[-1]), len(y), ci, level,
                 days_per_year, source=source, loglik=ll, end=str(d[-1].date()))


def fit_apr_history(path: str | Path, bootstrap: int = 200, seed: int | None = 0) -> OUFit:
    """Read a daily APR history (CSV ``date,apr``: ``YYYY-MM-DD`` dates, APR as a
    fraction) with :func:`~softstake_model.tables.read_table` and fit it
    (:func:`fit_history`). Gaps and irregular dates are handled; a repeated date is an
    :class:`InputError`."""
    from ..tables import Column, read_table

    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(p))
    t = read_table(p, [Column("date", "date"), Column("apr", "number")])
    dup = t["date"].duplicated()
    if dup.any():
        row = t[dup].iloc[0]
        raise InputError(f"date {row['date'].date()} appears twice", file=str(p),
                         line=int(row["line"]), column="date")
    bad = ~(t["apr"] > 0)
    if bad.any():
        row = t[bad].iloc[0]
        raise InputError(f"APR {row['apr']} is not positive (rates are fractions, 0.05 = 5%)",
                         file=str(p), line=int(row["line"]), column="apr")
    try:
        return fit_history(t["date"], t["apr"], bootstrap=bootstrap, seed=seed)
    except InputError as e:
        raise InputError(str(e), file=str(p)) from None


# --- Cardano: the one real reward history shipped ------------------------------------------

def _cardano_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    base = Path(str(resources.files("softstake_model") / "data"))
    ada = pd.read_csv(base / "cardano_epoch_rewards_ada.csv")
    stats = pd.read_csv(base / "cardano_epoch_statistics.csv", dtype=str)
    return ada, stats


def cardano_delegator_history(first_epoch: int = 260) -> pd.DataFrame:
    """What Cardano delegators actually earned, epoch by epoch, beside the model's figure.

    From the shipped Cardano Foundation rewards calculation: ``earned_apr`` is the rewards
    distributed for the epoch over the active stake, times 73 epochs a year (before pool
    fees and margins; what stake earned as a whole), and ``model_apr`` is the chain model's
    network APR for that epoch (:func:`~softstake_model.apr.chains.ada_epoch` on the previous
    epoch's reserves and this epoch's fees and blocks, times the ``distribution_efficiency``
    parameter, over the active stake, times 73).

    Returns
    -------
    pandas.DataFrame
        ``date`` (epoch start, UTC day), ``epoch``, ``earned_apr``, ``model_apr``,
        ``difference = earned_apr - model_apr`` (fractions a year).
    """
    from fractions import Fraction

    from .chains import ada_epoch, chain_params

    ada, stats = _cardano_frames()
    p = chain_params("ADA")
    eff = float(p["distribution_efficiency"].value)
    per_year = float(p["epochs_per_year"].value)
    st = stats.set_index(stats["epoch"].astype(int))
    rows = []
    for e in range(max(int(first_epoch), int(st.index.min()) + 1), int(st.index.max()) + 1):
        row, prev = st.loc[e], st.loc[e - 1]
        stake = int(row["active_epoch_stake"])
        ep = ada_epoch(int(prev["reserves"]), int(row["epoch_fees"]),
                       Fraction(int(row["block_count"]), 21600), Fraction(3, 1000),
                       Fraction(1, 5))
        rows.append((e, int(row["total_distributed_rewards"]) / stake * per_year,
                     ep["pools"] * eff / stake * per_year))
    out = pd.DataFrame(rows, columns=["epoch", "earned_apr", "model_apr"])
    starts = ada.set_index("epoch")["epoch_start_utc"]
    out.insert(0, "date", pd.to_datetime(out["epoch"].map(starts)).dt.tz_localize(None)
               .dt.normalize())
    out["difference"] = out["earned_apr"] - out["model_apr"]
    return out


@functools.cache
def cardano_process() -> OUFit:
    """The OU process of Cardano's per-epoch delegator yield (epochs 260 on, 5-day
    steps), labelled ``history``; without bootstrap. Cardano's yield drifts down with its
    reserves, so the speed is small and paths are centred on the APR given."""
    h = cardano_delegator_history()
    fit = fit_history(h["date"], h["earned_apr"], bootstrap=0, source="history")
    return fit
