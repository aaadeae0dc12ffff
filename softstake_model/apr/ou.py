"""The Ornstein–Uhlenbeck process on log APR: fitted, simulated, centred, with intervals.

``x = log(apr)`` follows ``dx = kappa (mu - x) dt + sigma dW`` (``dt`` in years); between
observations ``dt`` apart, ``x[t+1] = mu + (x[t] - mu) b + e``, ``b = exp(-kappa dt)``,
``var(e) = sigma^2 (1 - b^2) / (2 kappa)``. One recursion (:func:`ou_recursion`) steps it
for simulation and both bootstraps, on random numbers drawn before it is called. On regular
dates the fit is the AR(1) regression (:func:`fit_ou`); on irregular dates, maximum
likelihood (:func:`fit_history`: for a given ``kappa``, ``mu`` and ``sigma`` have closed
forms, so the search is over ``kappa``: a log grid, then golden section). Both intervals
are percentiles of refits of series simulated at the observation dates (:func:`_intervals`).
:func:`centred_paths` gives paths whose mean on every day is a given APR,
``apr_t = apr * schedule_t * exp(y_t - v_t / 2) * J_t`` (``y``: the OU deviation from 0,
variance ``v_t``; ``J_t``: mean-one step changes, Poisson ``step_rate`` a year, log size
``N(-s^2/2, s^2)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .. import checks
from ..errors import InputError, ParameterError
from ..tables import parse_date
from .asof import as_of

__all__ = ["OUFit", "fit_ou", "fit_history", "simulate_ou", "centred_paths", "ou_recursion",
           "PROCESS_KINDS", "TOKEN_PATHS_ASSUMPTION"]

#: What the fallback process assumes, in the words reports print beside its figures.
TOKEN_PATHS_ASSUMPTION = ("APR paths: OU speed and volatility of ETH.STORE's daily APR carried "
                          "over to this token (assumed)")
#: The sources of an :class:`OUFit` (its ``source``), and what reports say of each.
PROCESS_KINDS = {
    "history": "APR paths: OU process fitted to the token's own reward history",
    "schedule": "APR paths: the chain's reward schedule plus step changes of a documented "
                "size and frequency and a small diffusion (assumed, data/apr_processes.csv)",
    "fallback": TOKEN_PATHS_ASSUMPTION,
    "fitted": "APR paths: OU process fitted to the given APR history",
    "stored": "APR paths: OU process fitted to the token's daily APRs in the history store "
              "(softstake fetch)",
}
_NAN2 = (float("nan"), float("nan"))
_GRID = np.exp(np.linspace(np.log(1e-3), np.log(1e4), 241))  # kappa per year


@dataclass(frozen=True)
class OUFit:
    """A fitted OU process on log APR.

    Attributes
    ----------
    kappa
        Speed of mean reversion, per year.
    mu
        Long-run mean of log APR (``exp(mu)`` is the long-run median APR).
    sigma
        Volatility of log APR, per square-root year.
    dt_days, n
        Spacing of the observations, days (the median where irregular); their number.
    last
        Last observed APR (where simulations start by default).
    ci, level
        Bootstrap intervals ``{name: (low, high)}`` for kappa, mu, sigma, long_run_apr and
        half_life_days, and their confidence level.
    days_per_year
        Days in the year the rates are quoted in.
    source
        Which process this is (:data:`PROCESS_KINDS`): ``fallback`` (ETH.STORE's),
        ``history`` (the token's own), ``schedule`` (schedule plus steps) or ``fitted``.
    step_rate, step_sd
        Step changes: expected number a year, and the standard deviation of their log size.
    loglik
        Log-likelihood of the fit (NaN when not fitted by maximum likelihood).
    end
        Date of the last observation (``YYYY-MM-DD``), where known.
    """

    kappa: float
    mu: float
    sigma: float
    dt_days: float
    last: float
    n: int
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    level: float = 0.95
    days_per_year: float = 365.0
    source: str = "fallback"
    step_rate: float = 0.0
    step_sd: float = 0.0
    loglik: float = float("nan")
    end: str | None = None

    @property
    def label(self) -> str:
        """The sentence reports print for this process (:data:`PROCESS_KINDS`)."""
        return PROCESS_KINDS.get(self.source, self.source)

    @property
    def long_run_apr(self) -> float:
        """``exp(mu)``: the long-run median APR."""
        return float(np.exp(self.mu))

    @property
    def half_life_days(self) -> float:
        """Days for a deviation from the mean to halve."""
        return float(np.log(2) / self.kappa * self.days_per_year) if self.kappa > 0 \
            else float("inf")

    def summary(self) -> pd.DataFrame:
        """Parameters with their intervals, half-life and log-likelihood, for people.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``parameter``: ``estimate``, ``low``, ``high`` (the ``level``
            bootstrap interval, NaN where none) and ``unit``.
        """
        rows = [("kappa", self.kappa, "per year (speed of mean reversion)"),
                ("long_run_apr", self.long_run_apr, "fraction a year (median)"),
                ("sigma", self.sigma, "log APR per square-root year"),
                ("half_life_days", self.half_life_days, "days"),
                ("step_rate", self.step_rate, "steps a year"),
                ("step_sd", self.step_sd, "log size"),
                ("log_likelihood", self.loglik, ""),
                ("observations", float(self.n), "")]
        return pd.DataFrame(
            [(n, v, *self.ci.get(n, _NAN2), u) for n, v, u in rows],
            columns=["parameter", "estimate", "low", "high", "unit"]).set_index("parameter")

    def simulate(self, days: int, paths: int = 1000, start: object = None,
                 seed: int | None = 0, apr: float | None = None,
                 at: object = None) -> pd.DataFrame:
        """Daily APR paths as a dated frame (one column per path).

        Parameters
        ----------
        days, paths, seed
            Horizon in days, number of paths, seed (reproducible).
        start
            First simulated date (default the day after the last observation, or the as-of
            date ``at`` when the process has no dates).
        apr
            If given, paths are centred on it (each day's mean over paths is ``apr``);
            otherwise they start at the last observed APR and revert to the long-run level.
        at
            The as-of date (default today, UTC); used only as the default ``start``.
        """
        if start is None:
            first = (pd.Timestamp(self.end) + pd.Timedelta(days=1) if self.end
                     else as_of(at))
        else:
            first = parse_date(start, "start")
        arr = (centred_paths(apr, self, days, paths, seed) if apr is not None
               else simulate_ou(self, days, paths, seed))
        idx = pd.date_range(first, periods=days, freq="D", name="date")
        return pd.DataFrame(arr, index=idx, columns=[f"path_{i}" for i in range(paths)])

    def as_dict(self) -> dict:
        """Every parameter, interval and label, as the commands print them."""
        return {"kappa": self.kappa, "mu": self.mu, "sigma": self.sigma,
                "long_run_apr": self.long_run_apr, "half_life_days": self.half_life_days,
                "dt_days": self.dt_days, "n": self.n, "last": self.last,
                "level": self.level, "ci": {k: list(v) for k, v in self.ci.items()},
                "source": self.source, "process": self.label, "step_rate": self.step_rate,
                "step_sd": self.step_sd, "log_likelihood": self.loglik, "end": self.end}


# --- the recursion -------------------------------------------------------------------------

def ou_recursion(x0: float | NDArray, b: float | NDArray, mu: float, sd: float | NDArray,
                 z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x[t+1] = mu + (x[t] - mu) * b[t] + sd[t] * z[t]`` from ``x[0] = x0``: an array
    ``(steps + 1, paths)`` for standard normal draws ``z`` ``(steps, paths)`` drawn by the
    caller; ``b`` (the AR coefficient) and ``sd`` (the shock's standard deviation) are
    scalars or one per step, ``x0`` a scalar or one per path."""
    steps = z.shape[0]
    b = np.broadcast_to(np.asarray(b, dtype=float), (steps,))
    sd = np.broadcast_to(np.asarray(sd, dtype=float), (steps,))
    out = np.empty((steps + 1, *z.shape[1:]))
    out[0] = x0
    for t in range(steps):  # each step depends on the last; all paths at once
        out[t + 1] = mu + (out[t] - mu) * b[t] + sd[t] * z[t]
    return out


def _regular_steps(kappa: float, sigma: float, dt: float) -> tuple[float, float]:
    """``(b, sd)`` of one step of ``dt`` years in the AR(1) form :func:`fit_ou` estimates
    (``sd = sigma sqrt((1 - b^2) / (2 kappa))``, the inverse of :func:`_ou_params`)."""
    b = np.exp(-kappa * dt)
    sd = sigma * np.sqrt((1 - b * b) / (2 * kappa)) if kappa > 0 else sigma * np.sqrt(dt)
    return b, sd


def _variance_factor(kappa: NDArray | float, dt: NDArray) -> NDArray:
    """``(1 - exp(-2 kappa dt)) / (2 kappa)``: the step variance over ``sigma^2``, as the
    likelihood of :func:`fit_history` has it (``expm1``: exact for small ``kappa dt``)."""
    return -np.expm1(-2 * kappa * dt) / (2 * kappa)


def _draw(x0: float, kappa: float, mu: float, sigma: float, dt: float, steps: int,
          paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Log APR paths ``(steps + 1, paths)`` on a regular grid of ``dt`` years."""
    b, sd = _regular_steps(kappa, sigma, dt)
    return ou_recursion(x0, b, mu, sd, rng.standard_normal((steps, paths)))


# --- checks and the bootstrap interval -----------------------------------------------------

def _positive(y: NDArray, where: Callable[[int], str]) -> None:
    """Refuse a non-positive APR (named by ``where(i)``) and fewer than 10 observations."""
    bad = ~(np.isfinite(y) & (y > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"APR {where(i)} is {y[i]}; log APR needs positive values")
    if len(y) < 10:
        raise InputError(f"{len(y)} observations are too few to fit (at least 10)")


def _settings(days_per_year: float, level: float, bootstrap: int) -> None:
    """Refuse a non-positive year, a level outside (0, 1) and a negative bootstrap."""
    checks.whole(bootstrap, "bootstrap", low=0)
    if not checks.finite(days_per_year, "days_per_year") > 0:
        raise ParameterError(f"must be > 0, got {days_per_year}", param="days_per_year")
    if not 0 < checks.finite(level, "level") < 1:
        raise ParameterError(f"must be in (0, 1), got {level}", param="level")


def _intervals(kappa: NDArray, mu: NDArray, sigma: NDArray, level: float,
               days_per_year: float) -> dict[str, tuple[float, float]]:
    """Percentile intervals at ``level`` of refitted parameters (bootstrap draws with a
    finite value and a positive speed)."""
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = {"kappa": kappa, "mu": mu, "sigma": sigma, "long_run_apr": np.exp(mu),
                 "half_life_days": np.log(2) / kappa * days_per_year}
    ci = {}
    for k, v in draws.items():
        v = v[np.isfinite(v) & (kappa > 0)]
        ci[k] = tuple(float(t) for t in np.percentile(v, q)) if len(v) else _NAN2
    return ci


# --- regular dates: the AR(1) regression ---------------------------------------------------

def _ar1(x: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
    """OLS of x[..., 1:] on x[..., :-1] along the last axis: (a, b, residual sd)."""
    x0, x1 = x[..., :-1], x[..., 1:]
    m0, m1 = x0.mean(-1, keepdims=True), x1.mean(-1, keepdims=True)
    sxx = ((x0 - m0) ** 2).sum(-1)
    b = ((x0 - m0) * (x1 - m1)).sum(-1) / np.where(sxx > 0, sxx, np.nan)
    a = m1[..., 0] - b * m0[..., 0]
    resid = x1 - (a[..., None] + b[..., None] * x0)
    sd = np.sqrt((resid**2).sum(-1) / max(x0.shape[-1] - 2, 1))
    return a, b, sd


def _ou_params(a: NDArray, b: NDArray, sd: NDArray, dt: float) -> tuple[NDArray, ...]:
    """AR(1) ``(a, b, sd)`` on steps of ``dt`` years as OU ``(kappa, mu, sigma)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = -np.log(b) / dt
        mu = a / (1 - b)
        sigma = sd * np.sqrt(2 * kappa / (1 - b**2))
    return kappa, mu, sigma


def fit_ou(apr: ArrayLike, dt_days: float = 1.0, days_per_year: float = 365.0,
           bootstrap: int = 500, level: float = 0.95, seed: int | None = 0) -> OUFit:
    """Fit the OU process to an APR series sampled every ``dt_days`` (the AR(1) regression).

    Parameters
    ----------
    apr
        The APR series (fractions a year), oldest first, evenly spaced.
    dt_days, days_per_year
        Spacing of the observations in days, and days in the year the rates are quoted in.
    bootstrap, level, seed
        Bootstrap series for the intervals (0: none), their confidence level and seed.

    Returns
    -------
    OUFit
        Source ``fallback`` (the label of ETH.STORE's process, the one this fits).

    Raises
    ------
    InputError
        If an APR is not positive and finite (named by position), there are fewer than 10
        observations, or the series shows no mean reversion (AR coefficient not in (0, 1)).
    """
    y = np.asarray(apr, dtype=float)
    _positive(y, lambda i: f"at position {i}")
    if not checks.finite(dt_days, "dt_days") > 0:
        raise ParameterError(f"must be > 0, got {dt_days}", param="dt_days")
    _settings(days_per_year, level, bootstrap)
    x, dt = np.log(y), dt_days / days_per_year
    a, b, sd = _ar1(x)
    if not 0 < b < 1:
        raise InputError(f"the series shows no mean reversion (AR(1) coefficient {b:.4f} is "
                         "not in (0, 1)); an OU fit does not apply")
    kappa, mu, sigma = (float(v) for v in _ou_params(a, b, sd, dt))
    ci: dict[str, tuple[float, float]] = {}
    if bootstrap:
        sims = _draw(x[0], kappa, mu, sigma, dt, len(x) - 1, bootstrap,
                     np.random.default_rng(seed)).T  # (B, n)
        ci = _intervals(*_ou_params(*_ar1(sims), dt), level, days_per_year)
    return OUFit(kappa, mu, sigma, dt_days, float(y[-1]), len(y), ci, level, days_per_year)


# --- irregular dates: maximum likelihood ---------------------------------------------------

def _profile(x: NDArray, dt: NDArray, kappa: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """``(loglik, mu, sigma)`` for each ``kappa`` (last axis of the result) and each series
    of ``x`` (leading axes); ``x`` is ``(..., n)``, ``dt`` ``(n - 1,)`` years."""
    k = np.asarray(kappa, dtype=float)[..., None]          # (K, 1)
    b = np.exp(-k * dt)                                      # (K, m)
    q = _variance_factor(k, dt)                              # (K, m)
    c = 1 - b
    x0, x1 = x[..., None, :-1], x[..., None, 1:]             # (..., 1, m)
    r = x1 - b * x0                                          # (..., K, m)
    w = 1 / q
    mu = (w * c * r).sum(-1) / (w * c * c).sum(-1)           # (..., K)
    res = r - mu[..., None] * c
    m = dt.shape[-1]
    s2 = (res * res * w).sum(-1) / m
    ll = -0.5 * m * (np.log(2 * np.pi * s2) + 1) - 0.5 * np.log(q).sum(-1)
    return ll, mu, np.sqrt(s2)


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


def _grid_refit(sims: NDArray, dt: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """``(kappa, mu, sigma)`` of each simulated series at its best grid speed (in chunks of
    about 25 series, to bound memory)."""
    draws = []
    for chunk in np.array_split(sims, max(1, len(sims) // 25)):
        lls, mus, sis = _profile(chunk, dt, _GRID)      # (B, K)
        j = np.nanargmax(lls, axis=-1)
        rows = np.arange(len(chunk))
        draws.append(np.column_stack([_GRID[j], mus[rows, j], sis[rows, j]]))
    dr = np.vstack(draws)
    return dr[:, 0], dr[:, 1], dr[:, 2]


def fit_history(dates: ArrayLike, apr: ArrayLike, days_per_year: float = 365.0,
                bootstrap: int = 200, level: float = 0.95, seed: int | None = 0,
                source: str = "fitted") -> OUFit:
    """Fit the OU process on log APR to dated observations (gaps and irregular dates
    allowed) by maximum likelihood.

    Parameters
    ----------
    dates, apr
        Observation dates (any order; sorted here) and the APR on each (fractions a year).
    days_per_year
        Days in the year the rates are quoted in.
    bootstrap, level, seed
        Bootstrap series at the same dates (0: none), their confidence level and seed.
    source
        The fit's ``source`` (:data:`PROCESS_KINDS`).

    Returns
    -------
    OUFit
        With ``loglik``, ``end`` (the last date) and ``dt_days`` the median spacing.

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
    _positive(y, lambda i: f"on {d[i].date()}")
    _settings(days_per_year, level, bootstrap)
    days = np.diff(d.values).astype("timedelta64[s]").astype(float) / 86_400
    dt = days / days_per_year
    x = np.log(y)
    kappa, mu, sigma, ll = _maximise(x, dt)
    ci: dict[str, tuple[float, float]] = {}
    if bootstrap:
        z = np.random.default_rng(seed).standard_normal((bootstrap, len(dt))).T
        sd = sigma * np.sqrt(_variance_factor(kappa, dt))
        sims = np.ascontiguousarray(ou_recursion(x[0], np.exp(-kappa * dt), mu, sd, z).T)
        ci = _intervals(*_grid_refit(sims, dt), level, days_per_year)
    return OUFit(kappa, mu, sigma, float(np.median(days)), float(y[-1]), len(y), ci, level,
                 days_per_year, source=source, loglik=ll, end=str(d[-1].date()))


# --- simulation ----------------------------------------------------------------------------

def _shape(days: int, paths: int) -> None:
    checks.whole(days, "days", low=1)
    checks.whole(paths, "paths", low=1)


def simulate_ou(fit: OUFit, days: int, paths: int = 1000, seed: int | None = 0,
                start: float | None = None) -> NDArray[np.float64]:
    """Daily APR paths ``(days, paths)`` of ``fit``, reverting to its long-run level.

    Parameters
    ----------
    fit
        The process.
    days, paths, seed
        Horizon in days, number of paths, seed (reproducible).
    start
        The APR the paths start from on day 0 (default ``fit.last``); day 1 is the first
        row.
    """
    _shape(days, paths)
    x0 = np.log(fit.last if start is None else start)
    x = _draw(x0, fit.kappa, fit.mu, fit.sigma, 1 / fit.days_per_year, days, paths,
              np.random.default_rng(seed))
    return np.exp(x[1:])


def centred_paths(apr: float, fit: OUFit, days: int, paths: int, seed: int | None = 0,
                  schedule: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Daily APR paths ``(days, paths)`` whose mean on every day is ``apr`` (times
    ``schedule[t]`` if given): ``apr * schedule_t * exp(y_t - v_t / 2) * J_t`` with ``y`` the
    OU deviation of ``fit`` started at 0, ``v_t`` its variance and ``J_t`` the mean-one
    product of ``fit``'s step changes.

    Parameters
    ----------
    apr
        The APR the paths are centred on (fraction a year, positive).
    fit
        The process: its ``kappa``, ``sigma``, ``step_rate`` and ``step_sd``.
    days, paths, seed
        Horizon in days, number of paths, seed (reproducible).
    schedule
        Optional factor on each day's mean, shape ``(days,)``.
    """
    _shape(days, paths)
    if not (np.isfinite(apr) and apr > 0):
        raise ParameterError(f"must be a positive APR, got {apr}", param="apr")
    rng = np.random.default_rng(seed)
    dt = 1 / fit.days_per_year
    y = _draw(0.0, fit.kappa, 0.0, fit.sigma, dt, days, paths, rng)[1:]
    t = np.arange(1, days + 1) * dt
    if fit.kappa > 0:
        var = fit.sigma**2 * -np.expm1(-2 * fit.kappa * t) / (2 * fit.kappa)
    else:
        var = fit.sigma**2 * t
    logs = y - var[:, None] / 2
    if fit.step_rate > 0 and fit.step_sd > 0:
        n = rng.poisson(fit.step_rate * dt, (days, paths))
        s = fit.step_sd
        jumps = n * (-s * s / 2) + np.sqrt(n) * s * rng.standard_normal((days, paths))
        logs += np.cumsum(jumps, axis=0)
    out = apr * np.exp(logs)
    if schedule is not None:
        sched = np.asarray(schedule, dtype=float)
        if sched.shape != (days,):
            raise ParameterError(f"must have one value a day ({days}), got {sched.shape}",
                                 param="schedule")
        out *= sched[:, None]
    return out
