"""The stress page's figures: Monte Carlo paths carry the shock, delay targets, intervals,
the ranking and its sensitivity to the price link."""

import numpy as np
import pytest

from softstake_model.catalog import load_catalog
from softstake_model.liquidity import (
    RunModel,
    StressParams,
    simulate,
    size_buffer,
    withdrawal_rates,
)
from softstake_model.stress import buffer_interval, run_stress
from softstake_model.stress_question import StressQuestion
from softstake_model.stress_ranking import price_link_sensitivity, rank_tokens

SCENARIO = {"total": 1e6, "buffer_ratio": 0.05, "days": 40, "base_rate": 0.001,
            "shock_day": 5, "paths": 200, "alpha": 0.05, "price_link": 0.1}


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def token_stress(token, catalog, **fields):
    """The report's figures of one token: the ranking row of the one builder's answer."""
    return run_stress(StressQuestion(token=token, **fields), catalogue=catalog).row()


def test_monte_carlo_paths_carry_the_shock(cat):
    small = token_stress("BNB", cat, shock_fraction=0.2, **SCENARIO)
    large = token_stress("BNB", cat, shock_fraction=0.4, **SCENARIO)
    # the defect: both shocks gave the same buffer; a 40 % rush needs more than 20 %
    assert large["buffer_needed"] > small["buffer_needed"] + 0.15
    # a buffer below the one-day rush cannot pay it at once: every path is delayed
    assert small["p_delay"] == 1.0 and small["buffer_needed"] > 0.2 - 0.001 - 0.05


def test_figures_equal_the_mechanics(cat):
    r = token_stress("TRX", cat, shock_fraction=0.2, max_delay_days=3, seed=7,
                     **SCENARIO)
    params = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:14", days=40,
                          base_rate=0.001, shocks=((5, 0.2),))
    runs = RunModel(volatility=float(cat.loc["TRX", "volatility"]), price_sensitivity=0.1)
    rates = withdrawal_rates(params, 200, 7, runs)
    m = simulate(params, rates, daily=False).metrics
    assert r["p_delay"] == float((m["max_delay_days"] > 3).mean())
    assert r["buffer_needed"] == size_buffer(params, rates, 0.05, 3, tol=1e-3)
    assert r["p_delay_low"] <= r["p_delay"] <= r["p_delay_high"]
    assert r["buffer_low"] <= r["buffer_needed"] <= r["buffer_high"]
    # deterministic shock run: 20 % asked on day 5 against a 5 % buffer, 14-day unbonding
    assert r["shock_max_delay_days"] == 14


def test_unbonding_override_and_ranking(cat):
    fast = token_stress("TRX", cat, shock_fraction=0.2, unbonding="none",
                        **SCENARIO)
    assert fast["unbonding"] == "none" and fast["unbonding_confidence"] == "given"
    assert fast["p_delay"] == 0.0 and fast["buffer_needed"] == 0.0
    rows = [{"token": "A", "buffer_needed": 0.1, "p_delay": 0.9, "shock_max_delay_days": 7},
            {"token": "B", "buffer_needed": None, "p_delay": 1.0, "shock_max_delay_days": 1},
            {"token": "C", "buffer_needed": 0.1, "p_delay": 0.95, "shock_max_delay_days": 2}]
    assert list(rank_tokens(rows)["token"]) == ["B", "C", "A"]  # no buffer enough first


def test_buffer_interval_without_paths_to_resample():
    params = StressParams(total=100.0, buffer_ratio=0.1, unbonding="fixed:1", days=3,
                          shocks=((1, 0.3),))
    found = buffer_interval(params, withdrawal_rates(params), 0.05)
    assert found.buffer_ratio == pytest.approx(0.3, abs=1e-3) and found.low is None


def test_price_link_sensitivity(cat):
    q = StressQuestion(shock_fraction=0.0, **{k: v for k, v in SCENARIO.items()
                                              if k != "price_link"})
    s = price_link_sensitivity(q, ["BNB", "S"], [0.0, 0.3], catalog=cat)
    assert list(s.columns) == ["token", "rank@0", "buffer@0", "rank@0.3", "buffer@0.3"]
    assert sorted(s["rank@0"]) == [1, 2]
    # a stronger price link never lowers the buffer S needs (same paths, more withdrawn)
    assert np.all(s["buffer@0.3"].to_numpy() >= s["buffer@0"].to_numpy() - 1e-9)


def test_overlapping_buffer_intervals_are_not_called_a_ranking():
    import pandas as pd

    from softstake_model.report.views.stress import _indistinct

    ranking = pd.DataFrame({
        "token": ["S", "TRX", "BNB", "SUI"],
        "buffer_needed": [0.382, 0.361, 0.20, 0.0],
        "buffer_low": [0.382, 0.361, 0.18, 0.0],
        "buffer_high": [0.459, 0.487, 0.22, 0.0]})
    # TRX's 36.1–48.7 % overlaps S's 38.2–45.9 %; BNB's 18–22 % does not; SUI needs none
    assert _indistinct(ranking) == ["TRX"]


def test_stress_page_intervals_of_no_width_say_why():
    from softstake_model.report.views.stress import _interval

    assert _interval(0.25, 0.2, 0.3).replace("\xa0", " ").replace("\u2060", "") == \
        "25.0 % (20.0 %–30.0 %)"
    assert _interval(0.0, 0.0, 0.0) == "0 % (no width: every resample of the paths agrees)"
    assert _interval(0.2181, 0.2179, 0.2183).endswith("(rounded))")  # ends equal once rounded
    assert _interval(0.25, float("nan"), float("nan")) == "25.0 %"  # one path: no interval
