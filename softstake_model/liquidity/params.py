"""Parameters of a stress run: the scenario (:class:`StressParams`) and the stochastic run
model that draws withdrawal rates (:class:`RunModel`). Each field carries its meaning, unit
and bounds (:func:`~softstake_model.spec.param`); values are checked when an object is made."""

from __future__ import annotations

from dataclasses import dataclass

from ..checks import MAX_DAYS
from ..errors import ParameterError
from ..spec import check, param
from .shocks import parse_shocks
from .unbonding import Unbonding

__all__ = ["StressParams", "RunModel"]


@dataclass(frozen=True)
class StressParams:
    """One stress scenario for one token (every field documented where it is defined)."""

    total: float = param(doc="Users' balances at the start.", unit="tokens", low=0,
                         low_open=True, metavar="AMOUNT")
    buffer_ratio: float = param(doc="Share of user balances kept liquid.", unit="share",
                                kind="ratio", flag="--buffer", metavar="RATIO")
    unbonding: Unbonding = param(
        "fixed:14", doc="When unbonded stake becomes liquid: fixed:N (N days), "
        "boundary:P[@PHASE] (at the next cycle end) or none (same day).", kind="any",
        parse=lambda v: Unbonding.parse(v), metavar="RULE")
    days: int = param(90, doc="Horizon.", unit="days", kind="whole", low=1, high=MAX_DAYS,
                      metavar="H")
    base_rate: float = param(0.0, doc="Share of user balances withdrawn every day.",
                             unit="share per day", kind="ratio", metavar="R")
    shocks: tuple[tuple[int, float], ...] = param(
        (), doc="Scheduled extra withdrawals DAY:FRACTION, added to the day's rate.",
        kind="any", parse=parse_shocks, flag="--shock", metavar="DAY:FRACTION")
    max_unbond_per_day: float | None = param(
        None, doc="Most that may be unbonded in a day (none: no limit).", unit="tokens",
        low=0, optional=True, metavar="X")
    restake: bool = param(False, doc="Re-stake liquid balance above the target at the end "
                          "of each day.", kind="flag")
    deposit_rate: float = param(0.0, doc="Share of user balances deposited every day, after "
                                "withdrawals.", unit="share per day", kind="ratio",
                                metavar="R")
    network_apr: float = param(0.0, doc="APR the bonded stake earns on chain, paid into "
                               "the buffer.", unit="fraction per year", kind="rate",
                               metavar="RATE")
    user_apr: float = param(0.0, doc="APR credited to user balances.",
                            unit="fraction per year", kind="rate", metavar="RATE")
    days_per_year: float = param(365.0, doc="Days in the APRs' year.", unit="days", low=0,
                                 low_open=True)

    def __post_init__(self) -> None:
        check(self)
        for d, f in self.shocks:
            if d > self.days:
                raise ParameterError(f"'{d}:{f:g}' falls after the horizon of {self.days} days",
                                     param="shocks")


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
    """

    arrival_rate: float = param(1 / 365, doc="Probability that a run starts on a given day.",
                                unit="per day", kind="ratio", flag="--run-rate",
                                metavar="P", source="assumed: one run a year")
    duration_days: int = param(3, doc="Days over which a run's share is withdrawn.",
                               unit="days", kind="whole", low=1, high=MAX_DAYS,
                               flag="--run-days", metavar="D", source="assumed")
    size_min: float = param(0.02, doc="Smallest run (the Pareto scale).",
                            unit="share of balances", kind="ratio", low=0, low_open=True,
                            flag="--run-min", metavar="S", source="assumed")
    size_alpha: float = param(1.5, doc="Pareto tail index of run sizes (smaller: heavier "
                              "tail).", low=0, low_open=True, flag="--run-alpha",
                              metavar="A", source="assumed")
    size_cap: float = param(0.9, doc="Largest run.", unit="share of balances", kind="ratio",
                            flag="--run-cap", metavar="S", source="assumed")
    volatility: float = param(0.0, doc="Annualised price volatility of the price link.",
                              unit="fraction per year", low=0, metavar="SIGMA")
    price_sensitivity: float = param(
        0.0, doc="Extra withdrawal share per unit of new log drawdown of a price path at "
        "the token's volatility (0: no price link).", unit="share per unit drawdown", low=0,
        flag="--price-link", metavar="K", source="assumed")

    def __post_init__(self) -> None:
        check(self)
        if self.size_cap < self.size_min:
            raise ParameterError(f"must be between the smallest run ({self.size_min:g}) "
                                 f"and 1, got {self.size_cap:g}", param="size_cap")
