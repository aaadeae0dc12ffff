"""The report notebooks' parameters: validation messages, frozen objects, dates, shipped data;
and an overview figure against the caps computation. The runner's tests: test_runner.py."""

import dataclasses
import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_records import caps_record as _caps_record

from softstake_model.errors import ParameterError
from softstake_model.report import validate
from softstake_model.report.overview import overview_table
from softstake_model.report.params import YieldsParams
from softstake_model.report.runner import shipped_notebooks
from softstake_model.report.scenarios import parse_value as _parse_value


def test_validation_messages():
    assert isinstance(validate("yields", {"token": "sol", "days": 30}), YieldsParams)
    assert validate("yields", {"budget_usd": 5}).budget_usd == 5.0  # ints are floats
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['colour'\]"):
        validate("yields", {"colour": 1})
    with pytest.raises(ParameterError, match="'apr_paths' must be a whole number, got 2.5"):
        validate("yields", {"apr_paths": 2.5})
    with pytest.raises(ParameterError, match=r"^caps: parameter 'buffer_ratio' must be in "
                       r"\[0, 1\], got 2$"):
        validate("caps", {"buffer_ratio": 2})
    with pytest.raises(ParameterError, match=r"^caps: parameter 'holders' must be in "
                       r"10\.\.10,000,000, got 5$"):
        validate("caps", {"holders": 5})
    with pytest.raises(ParameterError, match=r"'tokens' names unknown token\(s\) \['XYZ'\]"):
        validate("liquidity_stress", {"tokens": "BNB,XYZ"})
    with pytest.raises(ParameterError, match=r"'preset' must be one of binance_soft_staking, "):
        validate("caps", {"preset": "nope"})
    assert validate("caps", {"preset": "kucoin_savings"}).preset == "kucoin_savings"
    assert validate("liquidity_stress", {"catalog": None}).catalog is None
    # one message per problem, each naming the notebook and the parameter
    with pytest.raises(ParameterError) as e:
        validate("yields", {"days": 0, "seed": "x"})
    assert str(e.value).splitlines() == [
        "yields: parameter 'days' must be in 1..36,525, got 0",
        "yields: parameter 'seed' must be a whole number, got 'x'"]
    with pytest.raises(ParameterError, match="'balance' must be a number, got True"):
        validate("yields", {"balance": True})


def test_parameters_are_frozen():
    p = validate("yields", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.days = 3


def test_dates_from_yaml_become_iso_text():
    # `-p activated_at 2025-11-20T08:00:00Z` stays the text written; a Python caller's
    # datetime or date becomes ISO text
    assert _parse_value("2025-11-20T08:00:00Z") == "2025-11-20T08:00:00Z"
    when = datetime.datetime(2025, 11, 20, 8, tzinfo=datetime.UTC)
    assert validate("reconcile", {"activated_at": when}).activated_at == \
        "2025-11-20T08:00:00+00:00"
    assert validate("reconcile", {"activated_at": datetime.date(2025, 11, 20)}).activated_at \
        == "2025-11-20"
    with pytest.raises(ParameterError, match="'activated_at' should be"):
        validate("reconcile", {"activated_at": 5})


def test_shipped_example_is_found_as_package_data():
    p = validate("reconcile", {})
    assert Path(p.statement).name == "binance_statement.csv" and Path(p.statement).is_file()
    with shipped_notebooks() as folder:
        assert sorted(f.name for f in folder.glob("*.ipynb")) == [
            "caps.ipynb", "explore.ipynb", "liquidity_stress.ipynb", "reconcile.ipynb",
            "yields.ipynb"]


def test_overview_number_is_the_caps_computation():
    from softstake_model.caps import cap_metrics, sample_population
    from softstake_model.product import token_rule
    from softstake_model.report.views import caps_view

    p = validate("caps", {"token": "SOL", "holders": 2000, "sweep_points": 5})
    record = {**_caps_record("SOL", "c"), "headline": caps_view(p)["headline"]}
    row = overview_table([record]).set_index("token").loc["SOL"]
    r = token_rule("SOL")
    balances = sample_population(p.population_usd, 2000, 0) / r.price_usd
    cost = cap_metrics(balances, r.apr, r.min_holding, r.cap)["daily_cost"]
    assert row["daily_cost_usd"] == pytest.approx(cost * r.price_usd, rel=1e-12)
    assert row["spread"] == pytest.approx(row["network_apr"] - 0.058, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0, 1e6), min_size=1, max_size=3000),
       tail=st.lists(st.floats(0, 1e9), max_size=5), steps=st.sampled_from([10, 50, 200]))
def test_a_long_curve_is_drawn_within_one_step_of_every_point(values, tail, steps):
    """plots._curve keeps the ends and enough points that the line drawn through them is
    within 1/steps of the y range at every point left out (curves like the Lorenz curve's:
    rising, with a few large jumps at the end)."""
    from softstake_model.report.plots import _curve

    v = np.sort(np.array(values + tail))
    y = np.concatenate([[0.0], np.cumsum(v)])
    x = np.linspace(0, 1, len(y))
    xs, ys = _curve(x, y, steps)
    assert xs[0] == x[0] and xs[-1] == x[-1] and set(xs) <= set(x)
    if len(x) <= 4 * steps:
        assert len(xs) == len(x)
    else:
        assert len(xs) <= 2 * steps + 4
    gap = np.abs(np.interp(x, xs, ys) - y).max()
    assert gap <= (y[-1] - y[0]) / steps * (1 + 1e-9) + 1e-9
