"""APR uncertainty: an Ornstein–Uhlenbeck process on log APR, fitted and simulated.

``x = log(apr)`` follows ``dx = kappa (mu - x) dt + sigma dW`` (``dt`` in years). Sampled
every ``dt`` it is exactly an AR(1): ``x[t+1] = a + b x[t] + e`` with ``b = exp(-kappa dt)``,
``a = mu (1 - b)``, ``sd(e) = sigma sqrt((1 - b^2) / (2 kappa))``; the fit is that
regression, and the confidence intervals come from a parametric bootstrap (all bootstrap
series simulated and refitted at once).

APR paths for a token (:func:`token_apr_paths`) are *centred*: every day's mean over paths
is the given APR (times the chain's schedule where one applies)::

    apr_t = apr * schedule_t * exp(y_t - v_t / 2) * J_t

``y`` is the OU deviation from 0 (started at 0) with variance ``v_t``, and ``J_t`` the
product of step changes (Poisson, ``step_rate`` a year, log size ``N(-s^2/2, s^2)``, mean
1). Which process applies is per token (``data/apr_processes.csv``): the token's own
history (ADA), its schedule plus steps, or ETH.STORE's process as a labelled fallback.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, ParameterError

__all__ = ["OUFit", "fit_ou", "simulate_ou", "eth_store_shape", "token_apr_paths",
           "centred_paths", "token_process", "process_sentence", "TOKEN_PATHS_ASSUMPTION",
           "PROCESS_KINDS"]

#: What the fallback process assumes, in the words reports print beside its figures.
TOKEN_PATHS_ASSUMPTION = ("APR paths: OU speed and volatility of ETH.STORE's daily APR carried "
                          "over to this token (assumed)")
#: The processes :func:`token_process` chooses from, and what reports say of each.
PROCESS_KINDS = {
    "history": "APR paths: OU process fitted to the token's own reward history",
    "schedule": "APR paths: the chain's reward schedule plus step changes of a documented "
                "size and frequency and a small diffusion (assumed, data/apr_processes.csv)",
    "fallback": TOKEN_PATHS_ASSUMPTION,
    "fitted": "APR paths: OU process fitted to the given APR history",
}


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
    source
        Which process this is: ``fallback`` (ETH.STORE's), ``history`` (the token's own),
        ``schedule`` (schedule plus steps) or ``fitted`` (a user's history).
    step_rate, step_sd
        Step changes: expected number a year, and the standard deviation of their log size.
    loglik
        Log-likelihood of the fit (NaN when not fitted here).
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

    def summary(self):
        """Parameters with their intervals, half-life and log-likelihood, for people.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``parameter``: ``estimate``, ``low``, ``high`` (the ``level``
            bootstrap interval, NaN where none) and ``unit``.
        """
        import pandas as pd

        rows = [("kappa", self.kappa, "per year (speed of mean reversion)"),
                ("long_run_apr", self.long_run_apr, "fraction a year (median)"),
                ("sigma", self.sigma, "log APR per square-root year"),
                ("half_life_days", self.half_life_days, "days"),
                ("step_rate", self.step_rate, "steps a year"),
                ("step_sd", self.step_sd, "log size"),
                ("log_likelihood", self.loglik, ""),
                ("observations", float(self.n), "")]
        nan = (float("nan"), float("nan"))
        return pd.DataFrame(
            [(n, v, *self.ci.get(n, nan), u) for n, v, u in rows],
            columns=["parameter", "estimate", "low", "high", "unit"]).set_index("parameter")

    def simulate(self, days: int, paths: int = 1000, start: object = None,
                 seed: int | None = 0, apr: float | None = None):
        """Daily APR paths as a dated frame (one column per path).

        Parameters
        ----------
        days, paths
            Horizon in days and number of paths.
        start
            First simulated date (default the day after the last observation, or today's
            catalogue date 2025-11-19 when the process has no dates).
        apr
            If given, paths are centred on it (each day's mean over paths is ``apr``);
            otherwise they start at the last observed APR and revert to the long-run level.
        """
        import pandas as pd

        from ..tables import parse_date

        if start is None:
            first = (pd.Timestamp(self.end) + pd.Timedelta(days=1) if self.end
                     else pd.Timestamp("2025-11-19"))
        else:
            first = parse_date(start, "start")
        arr = (centred_paths(apr, self, days, paths, seed) if apr is not None
               else simulate_ou(self, days, paths, seed))
        idx = pd.date_range(first, periods=days, freq="D", name="date")
        return pd.DataFrame(arr, index=idx, columns=[f"path_{i}" for i in range(paths)])

    @property
    def long_run_apr(self) -> float:
        """``exp(mu)``: the long-run median APR."""
        return float(np.exp(self.mu))

    @property
    def half_life_days(self) -> float:
        """Days for a deviation from the mean to halve."""
        return float(np.log(2) / self.kappa * self.days_per_year) if self.kappa > 0 \
            else float("inf")

    def as_dict(self) -> dict:
        return {"kappa": self.kappa, "mu": self.mu, "sigma": self.sigma,
                "long_run_apr": self.long_run_apr, "half_life_days": self.half_life_days,
                "dt_days": self.dt_days, "n": self.n, "last": self.last,
                "level": self.level, "ci": {k: list(v) for k, v in self.ci.items()},
                "source": self.source, "process": self.label, "step_rate": self.step_rate,
                "step_sd": self.step_sd, "log_likelihood": self.loglik, "end": self.end}


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
    from ..examples import eth_store

    return fit_ou(eth_store(), bootstrap=0)


def centred_paths(apr: float, fit: OUFit, days: int, paths: int, seed: int | None = 0,
                  schedule: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Daily APR paths ``(days, paths)`` whose mean on every day is ``apr`` (times
    ``schedule[t]`` if given): ``apr * schedule_t * exp(y_t - v_t / 2) * J_t`` with ``y`` the
    OU deviation of ``fit`` started at 0, ``v_t`` its variance and ``J_t`` the mean-one
    product of ``fit``'s step changes."""
    if days < 1 or paths < 1:
        bad = "days" if days < 1 else "paths"
        raise ParameterError(f"must be >= 1, got {days if bad == 'days' else paths}",
                             param=bad)
    if not (np.isfinite(apr) and apr > 0):
        raise ParameterError(f"must be a positive APR, got {apr}", param="apr")
    rng = np.random.default_rng(seed)
    dt = 1 / fit.days_per_year
    y = _paths(0.0, fit.kappa, 0.0, fit.sigma, dt, days, paths, rng)[1:]
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


@functools.cache
def _process_table():
    from importlib import resources

    import pandas as pd

    path = resources.files("softstake_model") / "data" / "apr_processes.csv"
    return pd.read_csv(str(path), dtype={"token": str}, keep_default_na=False).set_index(
        "token")


def token_process(token: str | None) -> OUFit:
    """The APR process of ``token`` (``data/apr_processes.csv``), labelled in ``source``.

    ``history``: OU fitted to the token's shipped history (ADA: the per-epoch delegator
    yield); ``schedule``: the table's diffusion and steps (the schedule itself is applied
    by :func:`token_apr_paths`); anything else, or no token: ETH.STORE's process
    (``fallback``).
    """
    table = _process_table()
    key = None if token is None else str(token).strip().upper()
    shape = eth_store_shape()
    if key is None or key not in table.index or table.at[key, "process"] == "fallback":
        return replace(shape, mu=0.0, ci={}, source="fallback", end=None)
    row = table.loc[key]
    if row["process"] == "history":
        from .history import cardano_process

        return cardano_process()
    return OUFit(float(row["kappa"]), 0.0, float(row["sigma"]), 1.0, float("nan"), 0,
                 source="schedule", step_rate=float(row["step_rate"]),
                 step_sd=float(row["step_sd"]))


def process_sentence(token: str | None) -> str:
    """What reports print about the APR paths of ``token``: which process applies."""
    return token_process(token).label


def _schedule(token: str, days: int, start: object) -> NDArray[np.float64]:
    """The chain's net APR on each simulated day relative to the day before the first
    (weekly resolution: the rate is recomputed every 7 days and held)."""
    import pandas as pd

    from ..tables import parse_date
    from .chains import TOKEN_CHAIN, network_apr

    first = pd.Timestamp("2025-11-20") if start is None else parse_date(start, "start")
    chain = TOKEN_CHAIN[token]
    base = network_apr(chain, at=first - pd.Timedelta(days=1))["net_apr"]
    weeks = np.arange(0, days, 7)
    rates = np.array([network_apr(chain, at=first + pd.Timedelta(days=int(d)))["net_apr"]
                      for d in weeks])
    return np.repeat(rates / base, 7)[:days]


def token_apr_paths(apr: float, days: int, paths: int, seed: int | None = 0,
                    token: str | None = None, start: object = None,
                    follow_schedule: bool = True) -> tuple[NDArray[np.float64], OUFit]:
    """Daily APR paths ``(days, paths)`` for a token quoted at ``apr``, centred on it.

    The mean over paths of every day is ``apr`` — times, for a ``schedule`` token with
    ``follow_schedule``, the chain's own net APR on that day relative to the day before
    ``start`` (so the known schedule, e.g. SOL's taper, moves the mean; 1 on day 1).

    Parameters
    ----------
    apr
        The APR now (fraction a year, in (0, 1]).
    days, paths, seed
        Horizon, number of paths, seed (reproducible).
    token
        Chooses the process (:func:`token_process`); without one, the ETH.STORE fallback.
    start
        First simulated day (default 2025-11-20, the day after the catalogue date).

    Returns
    -------
    paths, fit
        The paths and the process they were drawn from; ``fit.source`` says which applies
        and ``fit.label`` is the sentence reports print.
    """
    if not (np.isfinite(apr) and 0 < apr <= 1):
        raise ParameterError(f"must be a fraction in (0, 1] for APR paths, got {apr}",
                             param="apr")
    fit = replace(token_process(token), last=float(apr), mu=float(np.log(apr)))
    sched = None
    if fit.source == "schedule" and follow_schedule:
        sched = _schedule(str(token).strip().upper(), days, start)
    return centred_paths(apr, fit, days, paths, seed, sched), fit
