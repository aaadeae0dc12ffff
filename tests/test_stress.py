"""run_stress: one scenario answered as the command prints it; numbers from SPEC §5's worked
example and hand-worked cases."""

import numpy as np
import pytest

from softstake_model.errors import ParameterError
from softstake_model.stress import RUN_MODEL_ASSUMPTION, run_stress


def test_spec_worked_example():
    # 1,000,000 users' tokens, 10 % buffer, fixed 14-day unbonding, 30 % withdrawn on day 1
    rep = run_stress(total=1e6, buffer_ratio=0.1, unbonding="fixed:14", days=30,
                     shocks=((1, 0.3),), daily=True)
    s = rep.summary
    assert (s["max_queue"], s["max_delay_days"], s["days_with_queue"], s["days_to_clear"]) == \
        (200000, 14, 14, 14)
    assert s["mean_delay_days"] == pytest.approx(200000 * 14 / 300000)
    assert s["delayed_share"] == pytest.approx(2 / 3)
    assert s["coverage"]["buffer"] == 100000
    assert rep.daily.loc[rep.daily.day == 15, "liquid"].item() == pytest.approx(70000)
    assert "assumed" not in s and s["token"] is None


def test_token_brings_its_rule_and_assumptions():
    # TRX unbonds in 14 days (chain parameter); SOL at the end of its ~2-day epoch
    s = run_stress(total=100.0, buffer_ratio=0.1, token="trx", days=20, shocks=((1, 0.3),)
                   ).summary
    assert (s["token"], s["unbonding"], s["max_delay_days"]) == ("TRX", "fixed:14", 14)
    s = run_stress(total=100.0, buffer_ratio=0.1, token="SOL", paths=50, days=30,
                   price_link=0.1).summary
    assert s["unbonding"] == "boundary:2" and s["paths"] == 50
    assert RUN_MODEL_ASSUMPTION in s["assumed"]


def test_replayed_rates_and_buffer_search():
    # two paths: 50 % withdrawn on day 1, or nothing; a 10 % buffer delays the first
    rates = np.array([[0.5, 0.0], [0.0, 0.0]])
    s = run_stress(total=100.0, buffer_ratio=0.1, unbonding="fixed:1", rates=rates, days=2,
                   alpha=0.0, tolerance=1e-4).summary
    assert s["paths"] == 2 and s["p_any_delay"] == 0.5
    # paying 50 on the day needs a buffer of 50 % of balances
    assert s["buffer_for_alpha"]["buffer_ratio"] == pytest.approx(0.5, abs=1e-4)


@pytest.mark.parametrize("kwargs, param", [
    ({}, "unbonding"),
    ({"unbonding": "none", "rates": np.zeros((2, 1)), "days": 2, "base_rate": 0.1}, "rates"),
    ({"unbonding": "none", "rates": np.zeros((2, 1)), "days": 3}, "rates"),
    ({"unbonding": "none", "days": 5, "shock_fraction": 0.2}, "shock_day"),
    ({"unbonding": "none", "size_min": 0.5, "size_cap": 0.4}, "size_cap"),
    ({"unbonding": "none", "engine": "spark"}, "engine"),
    ({"token": "BNB,SOL"}, "token"),
])
def test_errors_name_the_parameter(kwargs, param):
    with pytest.raises(ParameterError) as e:
        run_stress(total=100.0, buffer_ratio=0.1, **kwargs)
    assert e.value.param == param
