"""stress_sweep: tidy per-path metrics, shocks as data, one summary row per scenario."""

import pytest

from softstake_model.liquidity import METRICS, RunModel, StressParams, stress_sweep
from softstake_model.sweeps import grid


def test_tidy_metrics_and_summary_by_hand():
    base = StressParams(total=1000, buffer_ratio=0.1, days=20, unbonding="fixed:14")
    res = stress_sweep(base, grid(shocks=[((1, 0.3),), ((1, 0.5),)], buffer_ratio=[0.1, 0.6]),
                       daily=False)
    m = res.metrics
    assert m.index.names == ["scenario", "path"] and len(m) == 4
    assert list(m.columns) == ["shocks", "buffer_ratio", *METRICS]
    assert m["shocks"].tolist() == [((1, 0.3),), ((1, 0.3),), ((1, 0.5),), ((1, 0.5),)]
    s = {(sh, b): v for sh, b, v in res.summary[["shocks", "buffer_ratio",
                                                    "delayed_amount_mean"]].itertuples(index=False)}
    # a 30 % shock (300) against a 10 % buffer (100): 200 waits; against 60 %: none
    assert s[((1, 0.3),), 0.1] == pytest.approx(200)
    assert s[((1, 0.5),), 0.1] == pytest.approx(400)
    assert s[((1, 0.3),), 0.6] == 0 and s[((1, 0.5),), 0.6] == 0
    assert res.summary["paths"].tolist() == [1, 1, 1, 1]
    assert res.daily is None


def test_summary_over_paths():
    base = StressParams(total=1e6, buffer_ratio=0.02, days=30, base_rate=0.002)
    res = stress_sweep(base, [{"buffer_ratio": 0.02}, {"buffer_ratio": 0.5}], paths=50,
                       runs=RunModel(arrival_rate=0.1))
    m = res.metrics
    # the summary is the per-scenario mean / share / quantile of the per-path metrics
    first = m.xs(0, level="scenario")
    assert res.summary.loc[0, "p_any_delay"] == pytest.approx((first["delayed_amount"] > 0)
                                                             .mean())
    assert res.summary.loc[0, "max_queue_mean"] == pytest.approx(first["max_queue"].mean())
    assert res.summary.loc[0, "max_delay_days_p95"] == pytest.approx(
        first["max_delay_days"].quantile(0.95))
    assert res.daily.index.names == ["scenario", "path", "day"]
    assert len(res.daily) == 2 * 50 * 30
    metrics, summary, daily = res  # a named tuple
    assert summary is res.summary
