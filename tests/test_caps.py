"""Platform caps: a five-holder population worked by hand, properties, searches."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model import Terms
from softstake_model.caps import (
    CapModel,
    cap_for_budget,
    cap_for_spread,
    cap_metrics,
    gini,
    platform_margin,
    sample_population,
    sweep,
)
from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.sweeps import grid, zip_

FIVE = [1.0, 2.0, 3.0, 50.0, 100.0]  # at 3.65 % a day pays balance / 10,000


def test_five_holders_by_hand():
    m = cap_metrics(FIVE, 0.0365, min_holding=2, cap=10)
    # rewards: 0 (below 2), 0.0002, 0.0003, 0.001 (capped), 0.001 (capped)
    assert m["holders"] == 5
    assert m["earning_share"] == 0.8
    assert m["eligible_share"] == pytest.approx((2 + 3 + 10 + 10) / 156)
    assert m["daily_cost"] == pytest.approx(0.0025, abs=1e-15)
    # Gini of (0, .0002, .0003, .001, .001): 2*(1*0+2*.0002+3*.0003+4*.001+5*.001)/(5*.0025)
    # - 6/5 = 2*0.0103/0.0125 - 1.2 = 0.448
    assert m["gini"] == pytest.approx(0.448)
    # top 20 % (the 100 holder) gets 0.001 of 0.0025
    assert m["cost_by_percentile"]["top_10pct"] == pytest.approx(0.4)
    assert m["cost_by_percentile"]["bottom_50pct"] == pytest.approx(0.0002 / 0.0025)


def test_fast_model_equals_holder_by_holder():
    b = sample_population("0.9*lognormal:2,1.5+0.1*pareto:200,1.1", 5000, seed=4)
    model = CapModel(b, 0.025, Terms())
    caps = [0.3, 1, 7.5, 100, 1000, np.inf]
    for mn in (0.0, 0.5, 10.0):
        fast = model.metrics(caps, mn)
        for row in fast.itertuples():
            exact = cap_metrics(b, 0.025, mn, row.cap)
            assert row.daily_cost == pytest.approx(exact["daily_cost"], rel=1e-12, abs=1e-12)
            assert row.gini == pytest.approx(exact["gini"], rel=1e-9, abs=1e-12)
            assert row.earning_share == exact["earning_share"]
            assert row.eligible_share == pytest.approx(exact["eligible_share"], rel=1e-12)


def test_gini():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)


@settings(max_examples=50, deadline=None)
@given(b=st.lists(st.floats(0, 1e5), min_size=1, max_size=40),
       c1=st.floats(0.01, 1e5), c2=st.floats(0.01, 1e5), mn=st.floats(0, 100))
def test_raising_the_cap_never_lowers_a_reward(b, c1, c2, mn):
    lo, hi = min(c1, c2), max(c1, c2)
    from softstake_model.rules import daily_reward

    r_lo = daily_reward(np.array(b), 0.05, mn, lo)
    r_hi = daily_reward(np.array(b), 0.05, mn, hi)
    assert (r_hi >= r_lo).all()
    model = CapModel(b, 0.05, Terms())
    assert model.cost(hi, mn) >= model.cost(lo, mn) - 1e-12


def test_budget_search_lands_on_the_last_affordable_step():
    model = CapModel(FIVE, 0.0365, Terms())
    cap = cap_for_budget(model, 0.01, step=0.01)
    # 0.0006 from the three small holders + 2 * cap / 10,000 <= 0.01  ->  cap = 47
    assert cap == pytest.approx(47.0)
    assert model.cost(cap) <= 0.01 < model.cost(cap + 0.01)
    assert cap_for_budget(model, 1.0) == np.inf  # no cap binds
    b = sample_population("lognormal:3,2", 20000, seed=9)
    big = CapModel(b, 0.025, Terms())
    c = cap_for_budget(big, 50.0, min_holding=1, step=0.5)
    assert big.cost(c, 1) <= 50.0 < big.cost(c + 0.5, 1)


def test_spread_search_and_margin():
    model = CapModel(FIVE, 0.0365, Terms())
    # network 7.3 % on everything staked: spread(cap) = 0.073 - 365 * cost(cap) / 156
    cap = cap_for_spread(model, 0.073, target=0.05, step=0.01)
    total = 156.0

    def spread(c):
        return 0.073 - 365 * float(model.cost(c)) / total

    assert spread(cap) >= 0.05 > spread(cap + 0.01)
    m = platform_margin(model, 0.073, [0.0, 0.1], [10.0])
    row = m.iloc[1]
    assert row.onchain_yield == pytest.approx(0.073 * 0.9 * total / 365)
    assert row.margin == pytest.approx(row.onchain_yield - float(model.cost(10.0)))


def test_sweeps_over_cap_and_minimum():
    model = CapModel(FIVE, 0.0365, Terms())
    g = sweep(model, grid(cap=[10, 100], min_holding=[0, 2]))
    # (10, 0): .0001+.0002+.0003+.001+.001; (10, 2): without the 1; (100, 0): all; (100, 2)
    assert g.daily_cost.tolist() == pytest.approx([0.0026, 0.0025, 0.0156, 0.0155])
    z = sweep(model, zip_(cap=[10, 100], min_holding=[2, 0]))
    assert z.daily_cost.tolist() == pytest.approx([0.0025, 0.0156])
    with pytest.raises(ParameterError):
        sweep(model, [{"buffer": 1}])


def test_population_specs():
    b = sample_population("pareto:10,2", 10000, seed=1)
    assert b.min() >= 10 and np.median(b) == pytest.approx(10 * 2 ** 0.5, rel=0.05)
    assert np.array_equal(b, sample_population("pareto:10,2", 10000, seed=1))
    for bad in ("normal:1,2", "lognormal:1", "0.5*pareto:1,1+0.4*lognormal:1,1",
                "pareto:-1,2"):
        with pytest.raises(ParameterError, match="^population "):
            sample_population(bad, 10)


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_caps_and_yields_commands(tmp_path, capsys):
    f = tmp_path / "b.csv"
    f.write_text("balance\n" + "\n".join(str(b) for b in FIVE) + "\n")
    code, out, _ = run(["caps", "--balances", f, "--apr", "0.0365", "--min-holding", "2",
                        "--cap", "10", "--budget", "0.002"], capsys)
    r = json.loads(out)
    assert code == 0 and r["holders"] == 5 and r["daily_cost"] == pytest.approx(0.0025)
    assert r["gini"] == pytest.approx(0.448)
    # budget 0.002 with minimum 2: 0.0002 + 0.0003 + 2 * cap / 10,000 <= 0.002 -> cap 7.5
    assert r["cap_for_budget"] == pytest.approx(7.5)
    code, out, _ = run(["yields", "curve", "--apr", "0.0365", "--min-holding", "0.5",
                        "--cap", "1000", "--balances", "0.4,100,2000"], capsys)
    assert out.splitlines() == ["balance,effective_apr,daily_reward", "0.4,0.0,0.0",
                                "100.0,0.0365,0.01", "2000.0,0.01825,0.1"]
    code, out, _ = run(["yields", "project", "--balance", "100", "--apr", "0.0365",
                        "--days", "4"], capsys)
    r = json.loads(out)
    assert r["total_rewards"] == pytest.approx(0.04000549)
    assert r["final_balance"] == pytest.approx(100.04000549)
    f.write_text("balance\n1\n-2\n")
    code, _, err = run(["caps", "--balances", f, "--apr", "0.01"], capsys)
    assert code == 1 and "line 3, column 'balance'" in err
    # the holders sampled default to the report's 200,000 (one default for both shells)
    code, out, _ = run(["caps", "--population", "lognormal:1,1", "--apr", "0.01"], capsys)
    assert code == 0 and json.loads(out)["holders"] == 200_000
    assert json.loads(out)["parameters"]["holders"] == 200_000
    code, _, err = run(["caps", "--population", "lognormal:1,1", "--apr", "0.01",
                        "--holders", "5"], capsys)
    assert code == 2 and "--holders must be in 10..10,000,000, got 5" in err
    code, _, err = run(["yields", "project", "--balance", "-1", "--apr", "0.01"], capsys)
    assert code == 2 and "--balance" in err


def test_an_interval_of_no_width_says_why(tmp_path):
    from softstake_model.report.params import validate
    from softstake_model.report.views import caps_view

    cat = tmp_path / "dot.csv"
    cat.write_text("token,min_holding,cap,apr,unbonding,volatility,price_usd\n"
                   "DOT,10,5000,0.12,fixed:28,0.7,4\n")
    # 1,000 DOT over 500 holders: nobody holds 5,000, so both caps pay the same
    v = caps_view(validate("caps", {"token": "DOT", "catalog": str(cat), "book": 1000.0,
                                    "holders": 500, "other_cap": 9000.0}))
    text = " ".join(v["findings"])
    assert ("the 95 % bootstrap interval over holders has no width: every resample gives 0 DOT, "
            "as no sampled holder holds more than 5,000 DOT") in text
    assert "rests on the 0 holders above 5,000 DOT" in text


def test_parameter_table_has_no_python_words():
    from softstake_model.report.format import params_frame
    from softstake_model.stress_question import StressQuestion

    shown = params_frame(StressQuestion(restake=True)).set_index("parameter")["value"]
    assert shown["restake"] == "yes"
    assert not {"None", "True", "False"} & set(shown)
    assert params_frame(StressQuestion(restake=False)).set_index("parameter").loc[
        "restake", "value"] == "no"
