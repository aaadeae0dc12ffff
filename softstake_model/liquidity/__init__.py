"""Liquidity stress (SPEC §5): can the exchange pay a withdrawal rush while assets unbond?

Daily steps ``t = 1..H`` for one token, all amounts in tokens, every step working on all
Monte Carlo paths at once. One job per module, each importing only those before it:

- :mod:`.unbonding`: the unbonding grammar (:class:`Unbonding`, :data:`UNBONDING_RULE`);
- :mod:`.shocks`: scheduled shocks ``DAY:FRACTION`` (:func:`parse_shock`);
- :mod:`.params`: the scenario (:class:`StressParams`) and the run model (:class:`RunModel`);
- :mod:`.state`: every array a run changes (:class:`~.state.State`), the memory estimate;
- :mod:`.rates`: withdrawal rates, all randomness drawn up front (:func:`withdrawal_rates`);
- :mod:`.reader`: the CSV reader of rates (:func:`read_withdrawal_rates`);
- :mod:`.result`: what a run returns (:class:`StressResult`);
- :mod:`.metrics`: per-path metrics, summaries, coverage (:func:`summarize`,
  :func:`coverage_ratio`);
- :mod:`.kernel`: the SPEC's daily steps, one function each, over the state in place;
- :mod:`.simulation`: one run: validate, set up, step the days, collect (:func:`simulate`);
- :mod:`.search`: the buffer search's runs, each ratio once, several side by side
  (:class:`~.search.MissedPaths`);
- :mod:`.sweeps`: scenario sweeps and the buffer search (:func:`stress_sweep`,
  :func:`size_buffer`).
"""

from .kernel import step
from .metrics import METRICS, coverage_ratio, path_metrics, summarize
from .params import RunModel, StressParams
from .rates import RNG_BLOCK, drawdown_increase, withdrawal_rates
from .reader import read_withdrawal_rates
from .result import DAILY_COLUMNS, StressResult
from .shocks import parse_shock, parse_shocks
from .simulation import simulate
from .state import EPS_REL, State
from .sweeps import StressSweep, scenario_params, size_buffer, stress_sweep
from .unbonding import UNBONDING_RULE, Unbonding

__all__ = [
    "Unbonding",
    "UNBONDING_RULE",
    "StressParams",
    "RunModel",
    "StressResult",
    "METRICS",
    "DAILY_COLUMNS",
    "EPS_REL",
    "withdrawal_rates",
    "RNG_BLOCK",
    "simulate",
    "path_metrics",
    "summarize",
    "size_buffer",
    "coverage_ratio",
    "read_withdrawal_rates",
    "parse_shock",
    "parse_shocks",
    "drawdown_increase",
    "stress_sweep",
    "StressSweep",
    "scenario_params",
    "State",
    "step",
]
