"""The parts of a stress answer: the buffer split into the shock's part and the random runs'
part, the Monte Carlo delay quantiles with intervals, the sensitivity to the run model, and
the page that shows them (one token: no ranking)."""

import numpy as np
import pandas as pd
import pytest

from softstake_model.errors import ParameterError
from softstake_model.liquidity import StressParams
from softstake_model.report.params import validate
from softstake_model.report.views import stress_view
from softstake_model.stress import run_stress
from softstake_model.stress_parts import (
    INTERVAL_COVERS,
    buffer_parts,
    delay_quantiles,
    run_model_sensitivity,
    run_model_variants,
    shock_buffer,
)
from softstake_model.stress_question import StressQuestion

TOL = 1e-3


def _scenario(shocks, rule="fixed:7"):
    return StressParams(total=1e6, buffer_ratio=0.05, unbonding=rule, days=40, shocks=shocks)


def test_shock_buffer_by_hand():
    # a 30 % rush, nothing else: the buffer must hold 30 % (bisection's upper end, tol 1e-3)
    b = shock_buffer(_scenario(((10, 0.3),)), 0.05, None, TOL)
    assert 0.3 <= b <= 0.3 + TOL
    # a second rush of 10 % of what is left two days later, before any unbonding arrives
    # (7 days): 0.3 + 0.1 * (1 - 0.3) = 0.37
    b = shock_buffer(_scenario(((10, 0.3), (12, 0.1))), 0.05, None, TOL)
    assert 0.37 <= b <= 0.37 + TOL
    # a 7-day wait is within a 7-day target: unbonding alone pays it, no buffer needed
    assert shock_buffer(_scenario(((10, 0.3),)), 0.05, 7, TOL) == 0.0
    assert 0.3 <= shock_buffer(_scenario(((10, 0.3),)), 0.05, 6, TOL) <= 0.3 + TOL


def test_with_random_runs_off_the_buffer_is_the_shock():
    r = run_stress(unbonding="fixed:28", paths=300, shock_fraction=0.2, buffer_ratio=0.3,
                   arrival_rate=0.0, price_link=0.0)
    f = r.figures
    # every path is the deterministic schedule: the buffer needed is the shock's, 20 %
    assert f.buffer.buffer_ratio == f.parts.shock
    assert 0.2 <= f.parts.shock <= 0.2 + TOL
    assert f.parts.runs == 0.0
    assert r.summary["buffer_for_alpha"]["shock_part"] == f.parts.shock
    assert r.summary["buffer_for_alpha"]["interval_covers"] == INTERVAL_COVERS


def test_parts_add_up_with_random_runs():
    r = run_stress(unbonding="fixed:28", paths=300, shock_fraction=0.2, buffer_ratio=0.3)
    f = r.figures
    assert f.parts.shock + f.parts.runs == pytest.approx(f.buffer.buffer_ratio, abs=1e-12)
    assert f.parts.runs > 0  # runs of at least 2 % arrive on some of 300 paths
    assert buffer_parts(None, 0.2).runs is None and buffer_parts(0.1, 0.2).runs == 0.0


def test_delay_quantiles_by_hand():
    q = delay_quantiles(np.arange(101.0), seed=1)
    assert [(x.name, x.days) for x in q] == [("p50", 50.0), ("p95", 95.0), ("p99", 99.0),
                                              ("max", 100.0)]
    for x in q[:3]:
        assert x.low <= x.days <= x.high
    assert q[3].low is None and q[3].high is None
    # every path the same: the intervals are that value
    assert all((x.low, x.high) == (7.0, 7.0) for x in delay_quantiles(np.full(50, 7.0))[:3])
    # one path: no interval
    assert delay_quantiles([3.0])[0].low is None
    with pytest.raises(ParameterError, match="longest"):
        delay_quantiles([])


def test_headline_quantiles_are_the_paths():
    r = run_stress(unbonding="fixed:28", paths=400, shock_fraction=0.2, buffer_ratio=0.3,
                   seed=3)
    x = r.metrics["max_delay_days"].astype(float)
    plain = r.figures.plain()
    assert plain["longest_delay_p99_days"] == pytest.approx(np.quantile(x, 0.99))
    assert plain["longest_delay_p50_days"] == pytest.approx(np.quantile(x, 0.5))
    assert plain["longest_delay_max_days"] == x.max()
    assert plain["p_any_delay"] == (r.metrics["delayed_amount"] > 0).mean()
    for k in (7, 14, 28):
        assert plain[f"p_delay_over_{k}d"] == (x > k).mean()
        assert plain[f"p_delay_over_{k}d_low"] <= (x > k).mean() <= plain[f"p_delay_over_{k}d_high"]
    assert r.summary["longest_delay"]["p99"]["days"] == plain["longest_delay_p99_days"]


def test_run_model_sensitivity_rows():
    q = StressQuestion(unbonding="fixed:28", paths=300, shock_fraction=0.2, days=60)
    names = [n for n, _ in run_model_variants(q)]
    assert set(names) == {"arrival_rate", "size_alpha", "duration_days", "price_link"}
    s = run_model_sensitivity(q, "fixed:28", 0.7)
    at = s[(s["field"] == "arrival_rate")]["value"].tolist()
    assert at == pytest.approx([q.arrival_rate / 2, 2 * q.arrival_rate])
    assert s["change"].iloc[0] == 0.0
    with pytest.raises(ParameterError, match="paths"):
        run_model_sensitivity(StressQuestion(unbonding="none", paths=1), "none", 0.0)


def test_sensitivity_row_equals_a_run_at_that_value():
    q = StressQuestion(token="SOL", paths=300, shock_fraction=0.2, days=60)
    base = run_stress(q)
    s = run_model_sensitivity(q, base.unbonding, base.volatility)
    assert s["buffer_needed"].iloc[0] == base.figures.buffer.buffer_ratio
    off = run_stress(q, price_link=0.0)
    row = s[(s["field"] == "price_link") & (s["value"] == 0.0)]
    assert row["buffer_needed"].iloc[0] == off.figures.buffer.buffer_ratio


def test_a_catalogue_token_without_volatility(tmp_path):
    f = tmp_path / "dot.csv"
    f.write_text("token,min_holding,cap,apr,unbonding\nDOT,10,5000,0.12,fixed:28\n")
    with pytest.raises(ParameterError, match="volatility") as e:
        run_stress(token="DOT", catalog=str(f), paths=20, days=30)
    assert e.value.param == "catalog"
    r = run_stress(token="DOT", catalog=str(f), paths=20, days=30, price_link=0.0)
    assert r.volatility == 0.0 and r.unbonding == "fixed:28"


def test_one_token_page_has_no_ranking():
    v = stress_view(validate("liquidity_stress", {"tokens": "SOL", "paths": 200,
                                                  "days": 60}))
    assert not v["several"] and v["sensitivity"] is None
    assert v["run_model"] is not None and v["run_model"]["assumption"].iloc[0] == "as asked"
    h = v["headline"]
    assert h["token"] == "SOL" and h["per_token"]["SOL"]["buffer_shock"] == h["buffer_shock"]
    assert h["buffer_shock"] + h["buffer_runs"] == pytest.approx(h["buffer_needed"])
    # the index reads plain figures, their intervals beside them; one token: no "worst of"
    t = h["per_token"]["SOL"]
    assert h["intervals"]["longest_delay_p99_days"] == [t["longest_delay_p99_low_days"],
                                                        t["longest_delay_p99_high_days"]]
    assert h["intervals"]["buffer_needed"] == [t["buffer_low"], t["buffer_high"]]
    assert h["intervals"]["p_delay"] == [t["p_delay_low"], t["p_delay_high"]]
    assert "longest_delay_max_days" not in h["intervals"] and "max_p_delay" not in h
    assert all(isinstance(h[k], float) for k in ("longest_delay_p50_days",
                                                 "longest_delay_p95_days", "p_any_delay"))
    text = " ".join(v["findings"])
    assert "points are the scheduled withdrawals' own" in text
    assert "Already within the target" not in text  # a ranking's sentence
    assert INTERVAL_COVERS in text
    assert list(v["delays"].columns) == ["token", "shock", "p50", "p95", "p99", "max",
                                         "p_any_delay", "p_delay_over_7d",
                                         "p_delay_over_14d", "p_delay_over_28d"]


def test_several_tokens_rank_and_weigh_the_riskiest():
    v = stress_view(validate("liquidity_stress", {"tokens": "BNB,SOL", "paths": 100,
                                                  "days": 40}))
    assert v["several"] and v["sensitivity"] is not None
    assert v["riskiest"] == v["ranking"]["token"].iloc[0] == v["headline"]["riskiest"]
    assert isinstance(v["parts"], pd.DataFrame) and len(v["parts"]) == 2
    assert v["headline"]["worst_longest_delay_p99_days"] == max(
        t["longest_delay_p99_days"] for t in v["headline"]["per_token"].values())
