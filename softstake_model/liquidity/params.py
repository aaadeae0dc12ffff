"""Parameters of a stress run: the scenario (:class:`StressParams`) and the stochastic run
model that draws withdrawal rates (:class:`RunModel`). Units are in each field's description;
values are checked when an object is made."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import MAX_DAYS
from ..errors import ParameterError
from .unbonding import Unbonding

__all__ = ["StressParams", "RunModel"]


@dataclass(frozen=True)
class StressParams:
    """One stress scenario for one token.

    Attributes
    ----------
    total
        Users' balances at the start, tokens (> 0).
    buffer_ratio
        Share of user balances kept liquid, in [0, 1].
    unbonding
        Rule for unbonded amounts (:class:`Unbonding` or its text form).
    days
        Horizon ``H``, days.
    base_rate
        Share of user balances withdrawn every day, in [0, 1].
    shocks
        Scheduled extra withdrawals ``((day, fraction), ...)`` added to the day's rate.
    max_unbond_per_day
        Most that may be unbonded in a day, tokens (None = no limit).
    restake
        Re-stake liquid balance above the target at the end of each day.
    deposit_rate
        Share of user balances deposited every day (after withdrawals), in [0, 1].
    network_apr
        APR the bonded stake earns on-chain (fraction per year), paid into the buffer.
    user_apr
        APR credited to user balances (fraction per year).
    days_per_year
        Days in the APRs' year (365).
    """

    total: float
    buffer_ratio: float
    unbonding: Unbonding | str = "fixed:14"
    days: int = 90
    base_rate: float = 0.0
    shocks: tuple[tuple[int, float], ...] = ()
    max_unbond_per_day: float | None = None
    restake: bool = False
    deposit_rate: float = 0.0
    network_apr: float = 0.0
    user_apr: float = 0.0
    days_per_year: float = 365.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "unbonding", Unbonding.parse(self.unbonding))
        try:
            shocks = tuple((int(d), float(f)) for d, f in self.shocks)
        except (TypeError, ValueError):
            raise ParameterError(f"must be (day, fraction) pairs, got {self.shocks!r}",
                                 param="shocks") from None
        object.__setattr__(self, "shocks", shocks)
        if not (np.isfinite(self.total) and self.total > 0):
            raise ParameterError(f"must be a positive amount, got {self.total}", param="total")
        if not 0 <= self.buffer_ratio <= 1:
            raise ParameterError(f"must be in [0, 1], got {self.buffer_ratio}",
                                 param="buffer_ratio")
        if not (isinstance(self.days, int | np.integer) and self.days >= 1):
            raise ParameterError(f"must be a whole number >= 1, got {self.days}", param="days")
        if self.days > MAX_DAYS:
            raise ParameterError(f"must be at most {MAX_DAYS:,} (a century), got "
                                 f"{self.days:,}", param="days")
        for name in ("base_rate", "deposit_rate"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ParameterError(f"must be in [0, 1], got {v}", param=name)
        for name in ("network_apr", "user_apr"):
            v = getattr(self, name)
            if not (np.isfinite(v) and 0 <= v <= 1):
                raise ParameterError(f"must be a fraction in [0, 1], got {v}", param=name)
        for d, f in self.shocks:
            if d < 1 or not 0 <= f <= 1:
                raise ParameterError(f"'{d}:{f}' needs a day >= 1 and a fraction in [0, 1]",
                                     param="shocks")
            if d > self.days:
                raise ParameterError(f"'{d}:{f:g}' falls after the horizon of {self.days} days",
                                     param="shocks")
        if self.max_unbond_per_day is not None and not self.max_unbond_per_day >= 0:
            raise ParameterError(f"must be >= 0, got {self.max_unbond_per_day}",
                                 param="max_unbond_per_day")


@dataclass(frozen=True)
class RunModel:
    """Stochastic withdrawal runs for Monte Carlo paths (all values ``assumed`` defaults).

    Runs arrive as a Bernoulli process; each withdraws a heavy-tailed (Pareto) share of the
    user balances, spread evenly over ``duration_days``. Optionally, a geometric Brownian
    price path's drawdowns add withdrawals: each day, ``price_sensitivity`` times the amount
    by which the drawdown from the running peak deepens past its deepest level so far.

    Defaults are loose calibrations to the published 2022 figures
    (data/exchange_runs_published_figures.csv): Binance saw about 1.4 % of its assets leave
    in the 24 hours to 2022-12-13 and about 7.7 % in two days; FTX about $6 B in 72 hours
    before it paused. With ``size_min = 0.02`` and ``size_alpha = 1.5`` the median run takes
    3.2 % and one run in eight takes 7.7 % or more; runs last 3 days; one a year on average.

    Attributes
    ----------
    arrival_rate
        Probability that a run starts on a given day (per day).
    duration_days
        Days over which a run's share is withdrawn.
    size_min
        Smallest run, share of user balances (Pareto scale).
    size_alpha
        Pareto tail index (smaller = heavier tail).
    size_cap
        Largest run, share of user balances.
    volatility
        Annualised price volatility for the price link (fraction).
    price_sensitivity
        Extra withdrawal share per unit of new (log) drawdown (0 = no price link).
    """

    arrival_rate: float = 1 / 365
    duration_days: int = 3
    size_min: float = 0.02
    size_alpha: float = 1.5
    size_cap: float = 0.9
    volatility: float = 0.0
    price_sensitivity: float = 0.0

    def __post_init__(self) -> None:
        checks = {
            "arrival_rate": (0 <= self.arrival_rate <= 1, "must be in [0, 1]"),
            "duration_days": (isinstance(self.duration_days, int | np.integer)
                              and self.duration_days >= 1, "must be a whole number >= 1"),
            "size_min": (0 < self.size_min <= 1, "must be in (0, 1]"),
            "size_alpha": (self.size_alpha > 0, "must be > 0"),
            "size_cap": (self.size_min <= self.size_cap <= 1, "must be in [size_min, 1]"),
            "volatility": (self.volatility >= 0, "must be >= 0"),
            "price_sensitivity": (self.price_sensitivity >= 0, "must be >= 0"),
        }
        for name, (ok, rule) in checks.items():
            if not ok:
                raise ParameterError(f"{rule}, got {getattr(self, name)}", param=name)
