"""The buffer search's runs (liquidity.search) give the numbers one run per ratio gives.

The references below are the search as it was written before the side-by-side runs: one
:func:`simulate` per ratio tried, the bisection step by step, the interval's grid run ratio
by ratio. Each is compared exactly (same floats, same booleans) with the new search, on
scenarios drawn by hypothesis (every unbonding kind, caps, restake, deposits, APRs, both
targets) and on Monte Carlo paths.
"""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model.confidence import bootstrap_threshold
from softstake_model.errors import ParameterError
from softstake_model.liquidity import (
    RunModel,
    StressParams,
    simulate,
    size_buffer,
    withdrawal_rates,
)
from softstake_model.liquidity import search as search_module
from softstake_model.liquidity.search import MissedPaths
from softstake_model.stress import BufferFound, buffer_interval


def bad_at(params, rates, ratio, max_delay_days):
    m = simulate(replace(params, buffer_ratio=ratio), rates, daily=False).metrics
    if max_delay_days is None:
        return (m["delayed_amount"] > 0).to_numpy()
    return (m["max_delay_days"] > max_delay_days).to_numpy()


def reference_size_buffer(params, rates, alpha, max_delay_days, tol):
    def ok(ratio):
        return float(bad_at(params, rates, ratio, max_delay_days).mean()) <= alpha

    if not ok(1.0):
        return None
    if ok(0.0):
        return 0.0
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def reference_interval(params, rates, alpha, max_delay_days, tol, points=16):
    found = reference_size_buffer(params, rates, alpha, max_delay_days, tol)
    n = rates.shape[1]
    if found is None or n < 2:
        return BufferFound(found)
    se = float(np.sqrt(max(alpha * (1 - alpha), 1.0 / n) / n))
    coarse = max(tol, 4e-3)
    lo = reference_size_buffer(params, rates, min(alpha + 4 * se, 0.999), max_delay_days,
                               coarse)
    hi = reference_size_buffer(params, rates, max(alpha - 4 * se, 0.0), max_delay_days,
                               coarse)
    lo = 0.0 if lo is None else min(lo, found)
    hi = 1.0 if hi is None else max(hi, found)
    grid = np.unique(np.concatenate([np.linspace(lo, hi, points), [found]]))
    bad = np.array([bad_at(params, rates, b, max_delay_days) for b in grid])
    low, high = bootstrap_threshold(grid, bad, alpha, 1000, 0.95, 0)
    return BufferFound(found, low, high)


scenarios = st.fixed_dictionaries({
    "unbonding": st.sampled_from(["none", "fixed:3", "fixed:9", "boundary:4@1", "boundary:7"]),
    "max_unbond_per_day": st.sampled_from([None, 20.0, 80.0]),
    "restake": st.booleans(),
    "deposit_rate": st.sampled_from([0.0, 0.002]),
    "network_apr": st.sampled_from([0.0, 0.3]),
    "user_apr": st.sampled_from([0.0, 0.1]),
})


@settings(max_examples=25, deadline=None)
@given(fields=scenarios, seed=st.integers(0, 10_000), paths=st.integers(1, 40),
       max_delay=st.sampled_from([None, 0.0, 1.0, 3.0]),
       alpha=st.sampled_from([0.0, 0.05, 0.3]), tol=st.sampled_from([1e-3, 0.02]),
       widest=st.sampled_from([1, 7, 20_000]), lookahead=st.sampled_from([1, 60, 8_192]))
def test_search_equals_one_run_per_ratio(fields, seed, paths, max_delay, alpha, tol, widest,
                                         lookahead):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "WIDEST", widest)  # 1 ratio a pass, a few, all
        mp.setattr(search_module, "LOOKAHEAD", lookahead)  # no level ahead, some, all
        check_search(fields, seed, paths, max_delay, alpha, tol)


def check_search(fields, seed, paths, max_delay, alpha, tol):
    p = StressParams(total=1000.0, buffer_ratio=0.1, days=30, **fields)
    rng = np.random.default_rng(seed)
    rates = rng.uniform(0, 0.08, (30, paths)) * (rng.uniform(size=(30, paths)) < 0.5)
    assert size_buffer(p, rates, alpha, max_delay, tol) == \
        reference_size_buffer(p, rates, alpha, max_delay, tol)
    ratios = [0.0, 0.03, 0.5, 0.03, 1.0]
    got = MissedPaths(p, rates, max_delay).missed(ratios)
    want = np.array([bad_at(p, rates, r, max_delay) for r in ratios])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("max_delay", [None, 2.0])
def test_interval_equals_the_ratio_by_ratio_search(max_delay):
    p = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:7", days=120,
                     shocks=((10, 0.1),))
    rates = withdrawal_rates(p, 300, 3, RunModel(arrival_rate=0.02))
    got = buffer_interval(p, rates, 0.05, max_delay)
    assert got == reference_interval(p, rates, 0.05, max_delay, 1e-3)
    assert got.low is not None and got.low <= got.buffer_ratio <= got.high
    with pytest.MonkeyPatch.context() as mp:  # each ratio asked, none ahead: shared ratios
        mp.setattr(search_module, "LOOKAHEAD", 1)
        missed = MissedPaths(p, rates, max_delay)
        assert buffer_interval(p, rates, 0.05, max_delay, missed=missed) == got
    # fewer runs than the ratio-by-ratio search's 2 + 10 + 2 x (2 + 8) + 14 or so
    assert missed.runs < 40


def test_one_path_searched_in_one_pass():
    """One path (the shock alone): both ends and the whole bisection to 0.001 in one pass
    of 1 + 1 + 1,023 ratios, with the answer of the step-by-step search."""
    p = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:28", days=60,
                     shocks=((10, 0.2),))
    rates = withdrawal_rates(p)
    passes = []
    real = search_module._pass
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_pass", lambda *a: passes.append(len(a[2])) or real(*a))
        got = size_buffer(p, rates, 0.05, None, 1e-3)
    assert got == reference_size_buffer(p, rates, 0.05, None, 1e-3)
    assert abs(got - 0.2) <= 1e-3
    assert passes == [1025]


def test_a_stopped_ratio_asked_with_a_larger_alpha_runs_again():
    p = StressParams(total=1000.0, buffer_ratio=0.0, unbonding="fixed:5", days=20)
    rates = np.full((20, 50), 0.05)
    rates[:, :10] = 0.0  # 10 of 50 paths never withdraw: never delayed
    m = MissedPaths(p, rates)
    assert m.meets({0.0: 0.1}) == {0.0: False}  # stopped early: more than 10 % missed
    assert m.runs == 1
    assert m.meets({0.0: 0.85}) == {0.0: True}  # 80 % missed, known only from a full run
    assert m.runs == 2
    np.testing.assert_array_equal(m.missed([0.0])[0], np.arange(50) >= 10)
    assert m.runs == 2


def test_search_refuses_what_would_never_end_or_means_nothing():
    p = StressParams(total=1000.0, buffer_ratio=0.1, days=5)
    rates = np.full((5, 2), 0.1)
    for bad, param in [({"tol": 0.0}, "tol"), ({"tol": -1e-3}, "tol"),
                       ({"max_delay_days": -1.0}, "max_delay_days"),
                       ({"alpha": 1.0}, "alpha")]:
        with pytest.raises(ParameterError) as e:
            size_buffer(p, rates, **{"alpha": 0.05, **bad})
        assert e.value.param == param


def test_interval_refuses_fewer_than_two_buffers():
    p = StressParams(total=1000.0, buffer_ratio=0.1, days=5)
    with pytest.raises(ParameterError) as e:
        buffer_interval(p, np.full((5, 3), 0.1), 0.05, points=1)
    assert e.value.param == "points" and "at least 2" in str(e.value)
