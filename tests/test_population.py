"""A holder population tied to the book, and the difference between two caps with its
interval over holders (in the command and on the caps page)."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model.cap_question import CapQuestion, cap_cost
from softstake_model.caps import holder_rewards, sample_population
from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.population import calibrate, cap_difference, population_figures
from softstake_model.report.params import validate
from softstake_model.report.views import caps_view

SHAPE = "0.95*lognormal:5,1.8+0.05*pareto:20000,1.2"


def test_calibrated_total_is_the_book_and_the_shape_stays():
    raw = sample_population(SHAPE, 50_000, 0)
    b = calibrate(raw, 2_000_000.0)
    assert b.sum() == pytest.approx(2_000_000.0, rel=1e-12)
    # the shape: every ratio between holders is kept (one scale factor)
    assert np.allclose(b / raw, b[0] / raw[0], rtol=1e-12)
    assert population_figures(b, 4.0)["total_usd"] == pytest.approx(8_000_000.0)
    assert population_figures(b)["mean"] == pytest.approx(40.0)  # 2 M over 50,000 holders
    with pytest.raises(ParameterError, match="book"):
        calibrate(raw, 0.0)
    with pytest.raises(ParameterError, match="holds nothing"):
        calibrate(np.zeros(3), 10.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 1e6), min_size=1, max_size=50), st.floats(1.0, 1e9))
def test_calibrate_property(balances, book):
    b = calibrate(balances, book)
    assert b.sum() == pytest.approx(book, rel=1e-9)
    assert (np.argsort(b, kind="stable") == np.argsort(balances, kind="stable")).all()


def test_cap_difference_by_hand():
    # 36.5 % a year is 0.1 % a day. Holders 500, 1,500, 4,000 with a minimum of 1,000:
    # cap 3,000 pays 1.5 + 3 = 4.5 a day, cap 2,000 pays 1.5 + 2 = 3.5: a difference of 1,
    # from the one holder above 2,000 (the 500 holder earns nothing under either)
    d = cap_difference([500.0, 1500.0, 4000.0], 0.365, 1000.0, 3000.0, 2000.0)
    assert d.difference == pytest.approx(1.0) and d.holders_between == 1
    assert d.low <= d.difference <= d.high
    # the same holders everywhere: every resample is the population, no spread
    same = cap_difference(np.full(40, 4000.0), 0.365, 0.0, 3000.0, 2000.0)
    assert same.difference == pytest.approx(40.0) and (same.low, same.high) == \
        pytest.approx((40.0, 40.0))
    # tied to a book, every resample is scaled back to it: 40 holders of 4,000 always
    assert cap_difference(np.full(40, 4000.0), 0.365, 0.0, 3000.0, 2000.0,
                          book=160_000.0).high == pytest.approx(40.0)
    with pytest.raises(ParameterError, match="2 holders"):
        cap_difference([1.0], 0.1, 0.0, 2.0, 1.0)


def test_cap_difference_equals_the_two_costs():
    b = calibrate(sample_population(SHAPE, 20_000, 3), 2_000_000.0)
    d = cap_difference(b, 0.12, 10.0, 5000.0, 2000.0, book=2_000_000.0, resamples=200)
    at = {c: holder_rewards(b, 0.12, 10.0, c).sum() for c in (5000.0, 2000.0)}
    assert d.difference == pytest.approx(at[5000.0] - at[2000.0], abs=1e-6)
    assert d.holders_between == int((b > 2000.0).sum())
    assert d.low < d.difference < d.high


def _dot(tmp_path):
    f = tmp_path / "dot.csv"
    f.write_text("token,min_holding,cap,apr,unbonding,volatility,price_usd\n"
                 "DOT,10,5000,0.12,fixed:28,0.7,4\n")
    return str(f)


def test_cap_cost_ties_the_population_to_the_book(tmp_path):
    cat = _dot(tmp_path)
    res = cap_cost(CapQuestion(token="DOT", catalog=cat, book=2_000_000.0, holders=5000,
                               other_cap=2000.0))
    pop = res.summary["population"]
    assert pop["total"] == pytest.approx(2_000_000.0) and pop["holders"] == 5000
    assert pop["total_usd"] == pytest.approx(8_000_000.0) and pop["book"] == 2_000_000.0
    assert res.summary["cap_difference"]["other_cap"] == 2000.0
    # a population in USD and the same one in tokens have one shape: tied to a book, the
    # holders are the same
    tokens = cap_cost(CapQuestion(token="DOT", catalog=cat, book=2_000_000.0, holders=5000,
                                  population=SHAPE))
    assert np.allclose(np.sort(tokens.balances), np.sort(res.balances), rtol=1e-12)
    with pytest.raises(ParameterError, match="balances file is the book"):
        CapQuestion(token="DOT", catalog=cat, book=1.0, balances=cat)


def test_command_and_page_say_the_same(tmp_path, capsys):
    cat = _dot(tmp_path)
    out = tmp_path / "c.json"
    args = ["caps", "--token", "DOT", "--catalog", cat, "--book", "2000000", "--holders",
            "5000", "--other-cap", "2000", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    s = json.loads(out.read_text())
    v = caps_view(validate("caps", {"token": "DOT", "catalog": cat, "book": 2_000_000.0,
                                    "holders": 5000, "other_cap": 2000.0}))
    h = v["headline"]
    assert s["population"]["total"] == h["population_total"]
    assert (s["cap_difference"]["daily_cost_difference"], s["cap_difference"]["low"]) == \
        (h["cost_difference"], h["intervals"]["cost_difference"][0])
    text = " ".join(v["findings"])
    assert "5,000 holders with 2,000,000 DOT in all (about $8,000,000 at $4.00), tied to the " \
        "book" in text
    assert "bootstrap interval over holders" in text
    untied = caps_view(validate("caps", {"token": "DOT", "catalog": cat, "holders": 5000}))
    assert "not tied to a book" in untied["findings"][0]
