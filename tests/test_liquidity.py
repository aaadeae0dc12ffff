"""Liquidity stress: hand-worked cases, invariants, an independent per-path reference."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_stress import run_path

from softstake_model import load_catalog
from softstake_model.errors import InputError, ParameterError
from softstake_model.liquidity import (
    DAILY_COLUMNS,
    METRICS,
    RunModel,
    StressParams,
    Unbonding,
    coverage_ratio,
    parse_shock,
    path_metrics,
    read_withdrawal_rates,
    simulate,
    size_buffer,
    stress_sweep,
    summarize,
    withdrawal_rates,
)
from softstake_model.sweeps import grid, zip_


def run(**kw):
    p = StressParams(**kw)
    res = simulate(p, withdrawal_rates(p))
    return res, summarize(path_metrics(res))


def test_spec_worked_example():
    res, m = run(total=1_000_000, buffer_ratio=0.10, unbonding="fixed:14", days=30,
                 shocks=((1, 0.30),))
    assert m["requested"] == 300_000 and m["paid"] == 300_000
    assert m["max_queue"] == 200_000
    assert m["max_delay_days"] == 14
    assert m["delayed_share"] == pytest.approx(2 / 3, rel=1e-15)
    assert m["mean_delay_days"] == pytest.approx(200_000 * 14 / 300_000, rel=1e-15)
    assert m["days_with_queue"] == 14 and m["days_to_clear"] == 14
    assert res.unbonding[0, 0] == 270_000  # 0.10 * 700,000 + 200,000, arriving on day 15
    assert res.paid[14, 0] == 200_000
    assert res.liquid[14, 0] == 70_000


def test_two_shocks_by_hand():
    # day 1: W 200k, pay 100k, queue 100k, unbond 80k + 100k = 180k -> day 6
    # day 3: W 80k, queue 180k, target 72k + 180k = 252k, unbond 72k -> day 8
    # day 6: 180k arrives, pays day 1 (delay 5) and day 3 (delay 3)
    res, m = run(total=1_000_000, buffer_ratio=0.10, unbonding="fixed:5", days=10,
                 shocks=((1, 0.2), (3, 0.1)))
    assert m["requested"] == 280_000 and m["max_queue"] == 180_000
    assert m["delayed_amount"] == 180_000
    assert m["max_delay_days"] == 5
    assert m["mean_delay_days"] == pytest.approx((100_000 * 5 + 80_000 * 3) / 280_000)
    assert m["days_with_queue"] == 5 and m["days_to_clear"] == 5
    assert res.liquid[7, 0] == pytest.approx(72_000) and res.bonded[7, 0] == 648_000


def test_boundary_rule_by_hand():
    # boundary:7@3 releases on days 3, 10, 17 ...; a run on day 4 waits until day 10
    res, m = run(total=1000, buffer_ratio=0.2, unbonding="boundary:7@3", days=14,
                 shocks=((4, 0.5),))
    assert res.paid[9, 0] == 300  # day 10
    assert m["max_delay_days"] == 6 and m["days_with_queue"] == 6
    assert m["mean_delay_days"] == pytest.approx(300 * 6 / 500)
    assert Unbonding.parse("boundary:2").arrival(1) == 2
    assert Unbonding.parse("boundary:2").arrival(2) == 4
    assert Unbonding.parse("boundary:14@3").arrival(3) == 17


def test_unbonding_cap_by_hand():
    # 100 a day may unbond, 2-day wait: the 500 queue drains 100 a day from day 3 to day 7
    res, m = run(total=1000, buffer_ratio=0.0, unbonding="fixed:2", days=10,
                 shocks=((1, 0.5),), max_unbond_per_day=100)
    assert res.queued[:7, 0].tolist() == [500, 500, 400, 300, 200, 100, 0]
    assert m["max_delay_days"] == 6
    assert m["mean_delay_days"] == pytest.approx(2000 / 500)
    assert m["days_to_clear"] == 6


def test_restake_and_deposits_by_hand():
    # deposits of 10 % a day; the excess over 10 % of balances goes back on-chain
    res, _ = run(total=1000, buffer_ratio=0.1, unbonding="fixed:2", days=2,
                 deposit_rate=0.1, restake=True)
    assert res.user_balance[:, 0].tolist() == pytest.approx([1100, 1210])
    assert res.liquid[:, 0].tolist() == pytest.approx([110, 121])
    assert res.bonded[:, 0].tolist() == pytest.approx([990, 1089])
    keep, _ = run(total=1000, buffer_ratio=0.1, unbonding="fixed:2", days=2, deposit_rate=0.1)
    assert keep.liquid[:, 0].tolist() == pytest.approx([200, 310])


def test_same_day_unbonding_pays_the_queue_that_day():
    res, m = run(total=1000, buffer_ratio=0.1, unbonding="none", days=3, shocks=((1, 0.3),))
    assert m["delayed_amount"] == 0 and m["max_delay_days"] == 0
    assert res.liquid[0, 0] == pytest.approx(70)


def test_queue_that_never_clears():
    _, m = run(total=1000, buffer_ratio=0.0, unbonding="fixed:30", days=10, shocks=((2, 0.5),))
    assert m["days_to_clear"] is None
    assert m["max_delay_days"] == 9  # waited days 2..10 so far: a lower bound
    assert m["paid"] == 0


def test_every_catalogue_token_has_a_rule():
    for token, rule in load_catalog()["unbonding"].items():
        assert isinstance(Unbonding.parse(rule), Unbonding), token


@pytest.mark.parametrize("kw, message", [
    ({"total": -1, "buffer_ratio": 0.1}, "total must be > 0, got -1"),
    ({"total": 1, "buffer_ratio": 1.2}, "buffer_ratio must be in [0, 1], got 1.2"),
    ({"total": 1, "buffer_ratio": 0.1, "unbonding": "fixed:x"},
     "unbonding 'fixed:x' is not fixed:N, boundary:P[@PHASE] or none"),
    ({"total": 1, "buffer_ratio": 0.1, "shocks": ((0, 0.1),)},
     "shocks '0:0.1' needs a day >= 1 and a fraction in [0, 1]"),
    ({"total": 1, "buffer_ratio": 0.1, "base_rate": 2}, "base_rate must be in [0, 1], got 2"),
    ({"total": 1, "buffer_ratio": 0.1, "days": 0}, "days must be in 1..36,525, got 0"),
    ({"total": 1, "buffer_ratio": 0.1, "network_apr": 2},
     "network_apr must be a fraction in [0, 1] (0.05 = 5%), got 2: it looks like a "
     "percentage; write 0.02"),
    ({"total": 1, "buffer_ratio": 0.1, "max_unbond_per_day": -5},
     "max_unbond_per_day must be >= 0, got -5"),
])
def test_bad_parameters(kw, message):
    with pytest.raises(ParameterError) as e:
        StressParams(**kw)
    assert str(e.value) == message
    assert e.value.param == message.split()[0]


@pytest.mark.parametrize("call, param", [
    (lambda: parse_shock("x:1"), "shocks"),
    (lambda: parse_shock("0:0.5"), "shocks"),
    (lambda: RunModel(arrival_rate=1.5), "arrival_rate"),
    (lambda: RunModel(duration_days=0), "duration_days"),
    (lambda: RunModel(size_min=0.5, size_cap=0.4), "size_cap"),
    (lambda: RunModel(price_sensitivity=-1), "price_sensitivity"),
    (lambda: withdrawal_rates(StressParams(1, 0.1), paths=0), "paths"),
    (lambda: withdrawal_rates(StressParams(1, 0.1), first_path=-1), "first_path"),
    (lambda: simulate(StressParams(1, 0.1, days=3), np.zeros((2, 1))), "rates"),
    (lambda: size_buffer(StressParams(1, 0.1, days=3), np.zeros((3, 1)), alpha=1), "alpha"),
])
def test_errors_name_the_python_parameter(call, param):
    with pytest.raises(ParameterError) as e:
        call()
    assert e.value.param == param and str(e.value).startswith(f"{param} ")
    assert "--" not in str(e.value)


scenario = st.fixed_dictionaries({
    "buffer_ratio": st.floats(0, 1),
    "unbonding": st.sampled_from(["none", "fixed:1", "fixed:3", "fixed:14", "boundary:2",
                                  "boundary:5@2", "boundary:14@3"]),
    "max_unbond_per_day": st.one_of(st.none(), st.floats(0, 200)),
    "restake": st.booleans(),
    "deposit_rate": st.sampled_from([0.0, 0.01, 0.2]),
    "network_apr": st.sampled_from([0.0, 0.05]),
    "user_apr": st.sampled_from([0.0, 0.04]),
})
rate_paths = st.lists(st.lists(st.one_of(st.just(0.0), st.floats(0, 1)), min_size=20,
                               max_size=20), min_size=1, max_size=3)


@settings(max_examples=80, deadline=None)
@given(sc=scenario, paths=rate_paths)
def test_invariants_and_reference(sc, paths):
    params = StressParams(total=1000.0, days=20, **sc)
    rates = np.array(paths).T
    res = simulate(params, rates)
    tol = 1e-7 * params.total
    paid_cum = np.cumsum(res.paid, axis=0)
    req_cum = np.cumsum(res.requested, axis=0)
    # nothing is created or lost, every day, every path
    assets = res.liquid + res.bonded + res.unbonding + paid_cum
    assert np.allclose(assets, params.total + res.deposits + res.rewards, atol=tol, rtol=0)
    assert np.allclose(paid_cum + res.queued, req_cum, atol=tol, rtol=0)
    for name in ("requested", "paid", "queued", "liquid", "bonded", "unbonding",
                 "user_balance"):
        assert (getattr(res, name) >= -tol).all(), name
    # the same numbers from the independent per-path reference (FIFO, delays)
    metrics = path_metrics(res)
    for j, col in enumerate(rates.T):
        rows, ref = run_path(params.total, params.buffer_ratio, str(params.unbonding),
                             list(col), params.max_unbond_per_day, params.restake,
                             params.deposit_rate, params.network_apr, params.user_apr)
        assert np.allclose(res.liquid[:, j], [r["liquid"] for r in rows], atol=tol, rtol=0)
        for k in METRICS:
            got, want = metrics.at[j, k], ref[k]
            if isinstance(want, float) and math.isnan(want):
                assert math.isnan(got), k
            else:
                assert got == pytest.approx(want, abs=1e-6 * params.total), k


def test_seeded_monte_carlo_is_reproducible():
    p = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:7", days=120)
    runs = RunModel(arrival_rate=0.02, volatility=0.8, price_sensitivity=0.02)
    a = withdrawal_rates(p, 500, 42, runs)
    assert np.array_equal(a, withdrawal_rates(p, 500, 42, runs))
    assert not np.array_equal(a, withdrawal_rates(p, 500, 43, runs))
    m1 = summarize(path_metrics(simulate(p, a)))
    m2 = summarize(path_metrics(simulate(p, withdrawal_rates(p, 500, 42, runs))))
    assert m1 == m2
    assert 0 < m1["p_any_delay"] < 1


def test_run_sizes_follow_the_pareto_calibration():
    # a run of share S over d days withdraws 1 - (1 - S) of the balance in all
    p = StressParams(total=1.0, buffer_ratio=0.1, days=3)
    runs = RunModel(arrival_rate=1.0, duration_days=1, size_min=0.02, size_alpha=1.5)
    w = withdrawal_rates(p, 20000, 7, runs)[0]
    assert np.median(w) == pytest.approx(0.02 * 2 ** (1 / 1.5), rel=0.03)
    assert (w >= 0.02).all()


def test_buffer_sizing_is_a_proper_search():
    p = StressParams(total=1e6, buffer_ratio=0.1, unbonding="fixed:7", days=90)
    rates = withdrawal_rates(p, 400, 3, RunModel(arrival_rate=0.02))
    r = size_buffer(p, rates, alpha=0.05, tol=1e-4)
    assert r is not None and 0 < r < 1

    def p_delay(ratio):
        m = path_metrics(simulate(StressParams(1e6, ratio, "fixed:7", 90), rates))
        return (m["delayed_amount"] > 0).mean()

    assert p_delay(r) <= 0.05 < p_delay(r - 2e-4)
    k = size_buffer(p, rates, alpha=0.05, max_delay_days=3)
    assert k is not None and k <= r


def test_coverage_ratio_by_hand():
    res, _ = run(total=1000, buffer_ratio=0.1, days=40, shocks=((1, 0.2), (35, 0.5)))
    c = coverage_ratio(res)
    assert c["stressed_outflow"] == pytest.approx(200)  # day 35 is outside 30 days
    assert c["coverage_ratio"] == pytest.approx(100 / 200)


def test_sweeps():
    assert len(grid(buffer_ratio=[0.1, 0.2], days=[30, 60, 90])) == 6
    assert zip_(a=[1, 2], b=[3, 4]) == [{"a": 1, "b": 3}, {"a": 2, "b": 4}]
    with pytest.raises(ParameterError, match="equal length"):
        zip_(a=[1, 2], b=[3])
    base = StressParams(total=1000, buffer_ratio=0.1, days=20, shocks=((1, 0.3),))
    metrics, _, daily = stress_sweep(base, grid(buffer_ratio=[0.1, 0.5],
                                                unbonding=["fixed:14", "none"]))
    assert metrics.index.get_level_values("scenario").tolist() == [0, 1, 2, 3]
    assert metrics.loc[metrics.buffer_ratio == 0.5, "delayed_amount"].eq(0).all()
    assert daily.index.names == ["scenario", "path", "day"] and "queued" in daily
    assert len(daily) == 4 * 20
    with pytest.raises(ParameterError, match="unknown stress parameter"):
        stress_sweep(base, [{"buffer": 0.1}])


def test_rates_file(tmp_path):
    p = tmp_path / "rates.csv"
    pd.DataFrame({"path": [0, 0, 1, 1], "day": [1, 2, 1, 2],
                  "rate": [0.1, 0.0, 0.2, 0.3]}).to_csv(p, index=False)
    r = read_withdrawal_rates(str(p))
    assert r.tolist() == [[0.1, 0.2], [0.0, 0.3]]
    pd.DataFrame({"path": [0, 0, 1], "day": [1, 2, 2], "rate": [0.1, 0, 0.3]}).to_csv(
        p, index=False)
    with pytest.raises(InputError, match="path 1 has no rate for day 1"):
        read_withdrawal_rates(str(p))


def test_drawdown_increase_by_hand():
    from softstake_model.liquidity import drawdown_increase

    prices = np.array([1.0, 0.9, 0.8, 0.95, 0.85, 0.7, 1.1, 1.0])
    r = np.diff(np.log(prices))[:, None]
    got = drawdown_increase(r)[:, 0]
    # 0.9 and 0.8 are new lows; 0.95 and 0.85 stay above the low 0.8; 0.7 is a new low;
    # 1.1 is a new peak; 1.0 falls from it
    want = [np.log(1 / 0.9), np.log(0.9 / 0.8), 0, 0, np.log(0.8 / 0.7), 0, np.log(1.1 / 1.0)]
    assert got == pytest.approx(want, abs=1e-12)


def test_apr_paths_drive_rewards_and_conserve():
    # a constant path equals the constant; varying paths keep the books balanced
    p = StressParams(total=1000, buffer_ratio=0.2, unbonding="fixed:3", days=30,
                     base_rate=0.01, network_apr=0.073, user_apr=0.0365)
    rates = withdrawal_rates(p, 3, 1, RunModel(arrival_rate=0.1))
    a = simulate(p, rates)
    b = simulate(p, rates, network_apr=np.full((30, 3), 0.073),
                 user_apr=np.full((30, 3), 0.0365))
    assert np.array_equal(a.liquid, b.liquid) and np.array_equal(a.rewards, b.rewards)
    net = np.linspace(0.02, 0.2, 90).reshape(30, 3)
    c = simulate(p, rates, network_apr=net)
    paid_cum = np.cumsum(c.paid, axis=0)
    assets = c.liquid + c.bonded + c.unbonding + paid_cum
    assert np.allclose(assets, 1000 + c.deposits + c.rewards, atol=1e-9)
    # day 1: W = w * 1000 is paid from the buffer (200); rebalancing to 20 % of 1000 - W
    # unbonds 0.8 W, so 800 - 0.8 W stays bonded and earns its path's APR for the day
    w = rates[0] * 1000
    assert c.rewards[0] == pytest.approx((800 - 0.8 * w) * net[0] / 365, rel=1e-12)
    with pytest.raises(ParameterError, match="network_apr APR paths"):
        simulate(p, rates, network_apr=np.zeros((30, 2)))


def dense_run_rates(params, runs, seed, block):
    """Run rates of one block of paths written out densely, straight from the model: a run
    starts with probability arrival_rate, takes a capped Pareto share, spread evenly (in
    compound terms) over duration_days days."""
    h, n = params.days, 1024
    rng = np.random.default_rng([seed, block])
    starts = rng.random((h, n)) < runs.arrival_rate
    size = np.minimum(runs.size_min * (1 - rng.random((h, n))) ** (-1 / runs.size_alpha),
                      runs.size_cap)
    daily = np.where(starts, 1 - (1 - size) ** (1 / runs.duration_days), 0.0)
    spread = np.zeros((h, n))
    for k in range(runs.duration_days):
        spread[k:] += daily[:h - k]
    return spread


@pytest.mark.parametrize("first, paths", [(0, 1024), (1000, 100), (2047, 1)])
def test_run_rates_equal_the_dense_form(first, paths):
    # frequent, long runs: many overlap on a path; the base rate and a shock add first
    params = StressParams(total=1, buffer_ratio=0.1, days=60, base_rate=0.001,
                          shocks=((5, 0.2),))
    runs = RunModel(arrival_rate=0.2, duration_days=4)
    blocks = np.hstack([dense_run_rates(params, runs, 9, b) for b in range(3)])
    base = np.full((60, 1), 0.001)
    base[4] += 0.2
    expected = np.clip(base + blocks[:, first:first + paths], 0, 1)
    got = withdrawal_rates(params, paths, 9, runs, first_path=first)
    assert np.array_equal(got, expected)
    assert (blocks > 0).mean() > 0.5  # the case does exercise overlapping runs


def test_daily_table_is_the_state_sorted_by_path_then_day():
    p = StressParams(total=1000.0, buffer_ratio=0.05, unbonding="fixed:3", days=12)
    res = simulate(p, np.random.default_rng(4).uniform(0, 0.2, (12, 5)))
    got = res.daily()
    h, n = res.requested.shape
    want = pd.DataFrame({"path": np.tile(np.arange(n), h),
                         "day": np.repeat(np.arange(1, h + 1), n),
                         **{c: getattr(res, c).ravel() for c in DAILY_COLUMNS[2:]}}
                        ).sort_values(["path", "day"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.loc[(got["path"] == 3) & (got["day"] == 7), "liquid"].item() == \
        res.liquid[6, 3]
