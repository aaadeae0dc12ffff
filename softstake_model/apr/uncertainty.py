"""APR uncertainty: an Ornstein–Uhlenbeck process on log APR, fitted and simulated.

``x = log(apr)`` follows ``dx = kappa (mu - x) dt + sigma dW`` (``dt`` in years). Sampled
every ``dt`` it is exactly an AR(1): ``x[t+1] = a + b x[t] + e`` with ``b = exp(-kappa dt)``,
``a = mu (1 - b)``, ``sd(e) = sigma sqrt((1 - b^2) / (2 kappa))``; the fit is that
regression, and the confidence intervals come from a parametric bootstrap (all bootstrap
series simulated and refitted at once).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, ParameterError

__all__ = ["OUFit", "fit_ou", "simulate_ou", "eth_store_shape", "token_apr_paths",
           "TOKEN_PATHS_ASSUMPTION"]

#: What :func:`token_apr_paths` assumes, in the words reports print beside its figures.
TOKEN_PATHS_ASSUMPTION = ("APR paths: OU speed and volatility of ETH.STORE's daily APR carried "
                          "over to this token (assumed)")


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
    dt_days
        Spacing of the fitted observations, days.
    last
        Last observed APR (where simulations start by default).
    n
        Number of observations.
    ci
        Bootstrap confidence intervals ``{name: (low, high)}`` for kappa, mu, sigma,
        long_run_apr and half_life_days.
    level
        Confidence level of ``ci``.
    days_per_year
        Days in the year the rates are quoted in.
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

    @property
    def long_run_apr(self) -> float:
        """``exp(mu)``: the long-run median APR."""
        return float(np.exp(self.mu))

    @property
    def half_life_days(self) -> float:
        """Days for a deviation from the mean to halve."""
        return float(np.log(2) / self.kappa * self.days_per_year)

    def as_dict(self) -> dict:
        return {"kappa": self.kappa, "mu": self.mu, "sigma": self.sigma,
                "long_run_apr": self.long_run_apr, "half_life_days": self.half_life_days,
                "dt_days": self.dt_days, "n": self.n, "last": self.last,
                "level": self.level, "ci": {k: list(v) for k, v in self.ci.items()}}


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


def _params(a: NDArray, b: NDArray, sd: NDArray, dt: float) -> tuple[NDArray, NDArray, NDArray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = -np.log(b) / dt
        mu = a / (1 - b)
        sigma = sd * np.sqrt(2 * kappa / (1 - b**2))
    return kappa, mu, sigma


def fit_ou(
    apr: ArrayLike,
    dt_days: float = 1.0,
    days_per_year: float = 365.0,
    bootstrap: int = 500,
    level: float = 0.95,
    seed: int | None = 0,
) -> OUFit:
    """Fit the OU process to an APR series sampled every ``dt_days``.

    Raises
    ------
    InputError
        If an APR is not positive and finite (named by position), there are fewer than 10
        observations, or the series shows no mean reversion (AR coefficient not in (0, 1)).
    """
    y = np.asarray(apr, dtype=float)
    bad = ~(np.isfinite(y) & (y > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"APR at position {i} is {y[i]}; log APR needs positive values")
    if len(y) < 10:
        raise InputError(f"{len(y)} observations are too few to fit (at least 10)")
    if not (dt_days > 0 and days_per_year > 0 and 0 < level < 1 and bootstrap >= 0):
        raise ParameterError("dt_days and days_per_year must be > 0, level in (0, 1), "
                             "bootstrap >= 0")
    x = np.log(y)
    dt = dt_days / days_per_year
    a, b, sd = _ar1(x)
    if not 0 < b < 1:
        raise InputError(f"the series shows no mean reversion (AR(1) coefficient {b:.4f} is "
                         "not in (0, 1)); an OU fit does not apply")
    kappa, mu, sigma = (float(v) for v in _params(a, b, sd, dt))
    ci: dict[str, tuple[float, float]] = {}
    if bootstrap:
        rng = np.random.default_rng(seed)
        sims = _paths(x[0], kappa, mu, sigma, dt, len(x) - 1, bootstrap, rng).T  # (B, n)
        ka, mu_b, si = _params(*_ar1(sims), dt)
        q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
        draws = {"kappa": ka, "mu": mu_b, "sigma": si, "long_run_apr": np.exp(mu_b),
                 "half_life_days": np.log(2) / ka * days_per_year}
        for k, v in draws.items():
            v = v[np.isfinite(v) & (ka > 0)]
            ci[k] = tuple(float(t) for t in np.percentile(v, q)) if len(v) else (np.nan, np.nan)
    return OUFit(kappa, mu, sigma, dt_days, float(y[-1]), len(y), ci, level, days_per_year)


def _paths(x0: float | NDArray, kappa: float, mu: float, sigma: float, dt: float, steps: int,
           paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Exact OU steps of log APR: ``(steps + 1, paths)``, row 0 = ``x0``."""
    b = np.exp(-kappa * dt)
    sd = sigma * np.sqrt((1 - b * b) / (2 * kappa)) if kappa > 0 else sigma * np.sqrt(dt)
    out = np.empty((steps + 1, paths))
    out[0] = x0
    z = rng.standard_normal((steps, paths))
    for t in range(steps):  # each step depends on the last; all paths at once
        out[t + 1] = mu + (out[t] - mu) * b + sd * z[t]
    return out


def simulate_ou(
    fit: OUFit,
    days: int,
    paths: int = 1000,
    seed: int | None = 0,
    start: float | None = None,
) -> NDArray[np.float64]:
    """Daily APR paths ``(days, paths)``, day 1 one day after ``start`` (default the last
    observed APR), seeded and reproducible."""
    if days < 1 or paths < 1:
        bad = "days" if days < 1 else "paths"
        raise ParameterError(f"must be >= 1, got {days if bad == 'days' else paths}",
                             param=bad)
    x0 = np.log(fit.last if start is None else start)
    x = _paths(x0, fit.kappa, fit.mu, fit.sigma, 1 / fit.days_per_year, days, paths,
               np.random.default_rng(seed))
    return np.exp(x[1:])


@functools.cache
def eth_store_shape() -> OUFit:
    """The OU process fitted to the shipped ETH.STORE daily staking APR series
    (``data/eth_staking_apr_ethstore_daily.csv``, see ``docs/apr.md``), without bootstrap."""
    from importlib import resources

    import pandas as pd

    path = resources.files("softstake_model") / "data" / "eth_staking_apr_ethstore_daily.csv"
    return fit_ou(pd.read_csv(str(path))["apr"], bootstrap=0)


def token_apr_paths(apr: float, days: int, paths: int, seed: int | None = 0
                    ) -> tuple[NDArray[np.float64], OUFit]:
    """Daily APR paths ``(days, paths)`` for a token quoted at ``apr``: the ETH.STORE
    process's speed and volatility (:func:`eth_store_shape`), with its long-run level and
    start at ``apr`` — an assumption (:data:`TOKEN_PATHS_ASSUMPTION`) until a token has an
    APR history of its own.

    Returns
    -------
    paths, fit
        The paths and the process they were drawn from.
    """
    if not (np.isfinite(apr) and 0 < apr <= 1):
        raise ParameterError(f"must be a fraction in (0, 1] for APR paths, got {apr}",
                             param="apr")
    shape = eth_store_shape()
    fit = OUFit(shape.kappa, float(np.log(apr)), shape.sigma, 1.0, apr, shape.n)
    return simulate_ou(fit, days, paths, seed), fit
