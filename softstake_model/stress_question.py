"""A token's stress question: every choice behind one stress answer, defined once.

:class:`StressQuestion` is the one definition of the stress scenario's parameters. The
``softstake stress`` options are derived from its fields (:func:`softstake_model.spec.
add_options`), the ``liquidity_stress`` report's parameters are its fields (plus the list of
tokens to rank), :func:`softstake_model.stress.run_stress` answers it for both, and both
outputs list every value it held (:func:`softstake_model.spec.values`).

Fields that are also fields of :class:`~softstake_model.liquidity.StressParams` (balances,
buffer, horizon, flows, APRs) or of :class:`~softstake_model.liquidity.RunModel` (the random
runs) take their meaning, unit, bounds and flag from there; only the question's default is
its own. The defaults are those of docs/liquidity.md ("Defaults of the stress question").
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any

from . import spec
from .errors import ParameterError
from .liquidity import RunModel, StressParams, Unbonding
from .product import parse_tokens
from .spec import param

__all__ = ["StressQuestion", "Schedule", "SINGLE_RUN", "SCENARIO_FIELDS", "RUN_FIELDS",
           "TARGET_FIELDS"]


def _like(cls: type, name: str, default: Any = MISSING, **changes: Any) -> Any:
    """A field with the :class:`~softstake_model.spec.Spec` of ``cls``'s field ``name``
    (its meaning, unit, bounds, flag), the question's ``default`` (else ``cls``'s) and any
    ``changes`` to the spec."""
    f = {x.name: x for x in dataclasses.fields(cls)}[name]
    if default is MISSING:
        default = f.default
    return dataclasses.field(default=default,
                             metadata={"spec": dataclasses.replace(f.metadata["spec"],
                                                                   **changes)})


def _one_token(value: object) -> str:
    tokens = parse_tokens(value)  # type: ignore[arg-type]
    if len(tokens) != 1:
        raise ParameterError(f"must name one token, got {value!r}", param="token")
    return tokens[0]


def _file(value: object) -> str:
    text = str(value)
    if not Path(text).is_file():
        raise ParameterError(f"is not a file: '{text}'", param="catalog")
    return text


def _rule(value: object) -> str:
    return str(Unbonding.parse(str(value).strip()))


class Schedule(tuple):
    """Scheduled withdrawals ``((day, fraction), ...)`` that read as ``DAY:FRACTION`` text
    (``none`` when empty) on a page."""

    def __str__(self) -> str:
        return ", ".join(f"{d}:{f:g}" for d, f in self) or "none"


def _schedule(value: object) -> Schedule:
    parse = spec.specs(StressParams)["shocks"].parse
    return Schedule(parse(value) if parse is not None else value)


@dataclass(frozen=True)
class StressQuestion:
    """What buffer pays a token's withdrawals, on what scenario and target.

    Every field is documented where it is defined (``spec.describe(StressQuestion())``);
    :meth:`scenario` and :meth:`runs` give the kernel's objects.
    """

    token: str | None = param(
        None, doc="Catalogue token whose unbonding rule and price volatility are used "
        "(none: give the unbonding rule).", kind="text", optional=True, parse=_one_token,
        metavar="TOKEN")
    catalog: str | None = param(
        None, doc="File laid over the shipped catalogue (CSV, YAML or the product list's "
        "JSON); none: the shipped catalogue.", kind="text", optional=True, parse=_file,
        metavar="FILE")
    total: float = _like(StressParams, "total", 1_000_000.0,
                         source="a round figure: the answers are shares and days")
    buffer_ratio: float = _like(
        StressParams, "buffer_ratio", 0.05,
        doc="Liquid share of user balances (the buffer whose delays are measured).")
    unbonding: str | None = _like(
        StressParams, "unbonding", None, kind="text", optional=True, parse=_rule,
        doc="Unbonding rule instead of the token's: fixed:N (N days), boundary:P[@PHASE] "
        "(at the next cycle end) or none (same day); none given: the token's catalogue rule.")
    days: int = _like(StressParams, "days", 180)
    base_rate: float = _like(StressParams, "base_rate", 0.0)
    shock_day: int = param(10, doc="Day of the horizon on which the rush is withdrawn "
                           "(1: the first day).", kind="whole", low=1, metavar="DAY")
    shock_fraction: float = param(
        0.2, doc="Share of user balances withdrawn in the rush, on top of the base rate "
        "(0: no rush).", unit="share of balances", kind="ratio", metavar="F")
    shocks: tuple[tuple[int, float], ...] = _like(
        StressParams, "shocks", Schedule(), parse=_schedule,
        doc="Further scheduled withdrawals DAY:FRACTION, added to the day's rate.")
    max_unbond_per_day: float | None = _like(StressParams, "max_unbond_per_day")
    restake: bool = _like(StressParams, "restake")
    deposit_rate: float = _like(StressParams, "deposit_rate")
    network_apr: float = _like(StressParams, "network_apr")
    user_apr: float = _like(StressParams, "user_apr")
    paths: int = param(2000, doc="Monte Carlo paths, each with random runs on top of the "
                       "scenario (1: the scenario alone, one deterministic path).",
                       unit="paths", kind="whole", low=1, metavar="N")
    seed: int = param(0, doc="Random seed of the paths (the report's i-th token uses seed "
                      "+ i).", kind="whole", low=0, metavar="N")
    alpha: float = param(
        0.05, doc="Target probability for the buffer search: P(any delay) <= alpha, or "
        "with max_delay_days P(longest delay > max_delay_days) <= alpha.",
        unit="probability", kind="ratio", high_open=True, metavar="ALPHA")
    max_delay_days: float | None = param(
        None, doc="Delay target: a path misses it when its longest delay exceeds this "
        "(none: any delay misses it).", unit="days", low=0, optional=True, metavar="K")
    confidence: float = param(
        0.95, doc="Two-sided level of the intervals (Wilson for P(delay), bootstrap over "
        "paths for the buffer).", kind="ratio", low_open=True,
        high_open=True, metavar="LEVEL")
    tolerance: float = param(0.001, doc="Bisection tolerance of the buffer search.",
                             unit="share of balances", kind="ratio", low_open=True,
                             metavar="TOL")
    arrival_rate: float = _like(RunModel, "arrival_rate")
    duration_days: int = _like(RunModel, "duration_days")
    size_min: float = _like(RunModel, "size_min")
    size_alpha: float = _like(RunModel, "size_alpha")
    size_cap: float = _like(RunModel, "size_cap")
    price_link: float = _like(RunModel, "price_sensitivity", 0.1)

    def __post_init__(self) -> None:
        spec.check(self)
        if self.shock_fraction and self.shock_day > self.days:
            raise ParameterError(f"{self.shock_day} falls after the horizon of {self.days} "
                                 "days", param="shock_day")
        self.scenario("none")  # the scenario's own checks (shocks within the horizon)
        self.runs(0.0)  # and the run model's (size_cap >= size_min)

    @property
    def schedule(self) -> tuple[tuple[int, float], ...]:
        """The scheduled withdrawals: the rush (when ``shock_fraction`` > 0), then
        ``shocks``."""
        rush = ((self.shock_day, self.shock_fraction),) if self.shock_fraction else ()
        return rush + tuple(self.shocks)

    def scenario(self, rule: str | Unbonding) -> StressParams:
        """The kernel's scenario under unbonding ``rule``."""
        return StressParams(
            total=self.total, buffer_ratio=self.buffer_ratio, unbonding=rule, days=self.days,
            base_rate=self.base_rate, shocks=self.schedule,
            max_unbond_per_day=self.max_unbond_per_day, restake=self.restake,
            deposit_rate=self.deposit_rate, network_apr=self.network_apr,
            user_apr=self.user_apr)

    def runs(self, volatility: float) -> RunModel:
        """The random runs of the Monte Carlo paths at the token's ``volatility``."""
        return RunModel(arrival_rate=self.arrival_rate, duration_days=self.duration_days,
                        size_min=self.size_min, size_alpha=self.size_alpha,
                        size_cap=self.size_cap, volatility=volatility,
                        price_sensitivity=self.price_link)


#: Defaults of a single scenario run (``softstake stress``, ``run_stress(**fields)``): one
#: deterministic path and no rush unless asked, so SPEC §5's worked example reads as written.
SINGLE_RUN: dict[str, Any] = {"paths": 1, "shock_fraction": 0.0}

#: The question's fields by group, in the command's order.
SCENARIO_FIELDS = ("total", "buffer_ratio", "unbonding", "days", "base_rate", "shock_day",
                   "shock_fraction", "shocks", "max_unbond_per_day", "restake",
                   "deposit_rate", "network_apr", "user_apr", "paths", "seed")
TARGET_FIELDS = ("alpha", "max_delay_days", "confidence", "tolerance")
RUN_FIELDS = ("arrival_rate", "duration_days", "size_min", "size_alpha", "size_cap",
              "price_link")
