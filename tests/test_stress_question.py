"""The stress question: one definition under the command and the report, one builder, one
set of defaults, every value used listed in the outputs."""

import dataclasses
import json

import pytest

from softstake_model import spec
from softstake_model.cli import build_parser, main
from softstake_model.errors import ParameterError
from softstake_model.report.format import params_frame
from softstake_model.report.params import validate
from softstake_model.report.views import stress_view
from softstake_model.stress import run_stress
from softstake_model.stress_question import SINGLE_RUN, StressQuestion

#: One question, as the command's options and as the report's parameters.
SAME = {"days": 40, "shock_day": 5, "shock_fraction": 0.2, "paths": 200, "alpha": 0.01,
        "max_delay_days": 3, "seed": 4, "price_link": 0.1}
FLAGS = ["--days", "40", "--shock-day", "5", "--shock-fraction", "0.2", "--paths", "200",
         "--alpha", "0.01", "--max-delay-days", "3", "--seed", "4", "--price-link", "0.1"]


def _command(tmp_path, capsys, *args):
    out = tmp_path / "s.json"
    assert main(["stress", *args, "--out", str(out)]) == 0, capsys.readouterr().err
    return json.loads(out.read_text())


def test_command_and_report_give_the_same_buffer(tmp_path, capsys):
    s = _command(tmp_path, capsys, "--token", "TRX", *FLAGS)
    v = stress_view(validate("liquidity_stress", {"tokens": "TRX", **SAME}))
    page = v["headline"]["per_token"]["TRX"]
    b = s["buffer_for_alpha"]
    # the same figures to the last digit, not approximately
    assert (b["buffer_ratio"], b["low"], b["high"]) == \
        (page["buffer_needed"], page["buffer_low"], page["buffer_high"])
    assert (s["p_delay"]["p"], s["p_delay"]["low"], s["p_delay"]["high"]) == \
        (page["p_delay"], page["p_delay_low"], page["p_delay_high"])
    assert s["shock_run"]["max_delay_days"] == page["shock_max_delay_days"] == 14
    # a 20 % rush against a 5 % buffer with 14-day unbonding: more than 15 % must be liquid
    assert 0.15 < b["buffer_ratio"] < 0.6
    # both list the same values: the command's JSON and the page's parameter table
    listed = spec.values(validate("liquidity_stress", {"tokens": "TRX", **SAME}))
    assert listed.pop("tokens") == "TRX" and listed.pop("token") is None
    assert s["parameters"] == {**listed, "token": "TRX"}


def test_the_old_spellings_are_aliases(tmp_path, capsys):
    new = _command(tmp_path, capsys, "--token", "BNB", "--paths", "50", "--days", "30",
                   "--max-delay-days", "2", "--alpha", "0.1")
    old = _command(tmp_path, capsys, "--token", "BNB", "--paths", "50", "--days", "30",
                   "--max-delay", "2", "--size-buffer", "0.1")
    assert old == new and new["parameters"]["max_delay_days"] == 2


def test_json_lists_every_parameter_defaults_included(tmp_path, capsys):
    s = _command(tmp_path, capsys, "--unbonding", "fixed:14", "--days", "30")
    names = [f.name for f in dataclasses.fields(StressQuestion)]
    assert list(s["parameters"]) == names
    p = s["parameters"]
    assert (p["total"], p["buffer_ratio"], p["base_rate"], p["price_link"], p["paths"],
            p["shock_fraction"], p["unbonding"], p["days"]) == \
        (1_000_000.0, 0.05, 0.0, 0.1, 1, 0.0, "fixed:14", 30)
    frame = params_frame(validate("liquidity_stress", {}))
    assert set(frame["parameter"]) == set(names) | {"tokens"}


def test_one_set_of_defaults():
    # the report's parameters are the question's fields with the question's defaults
    report = spec.values(validate("liquidity_stress", {}))
    question = spec.values(StressQuestion())
    assert {k: v for k, v in report.items() if k != "tokens"} == question
    assert (question["days"], question["base_rate"], question["price_link"]) == (180, 0.0, 0.1)
    # the command's options have the same defaults but for the single run's two
    args = build_parser("stress").parse_args(["stress"])
    command = spec.values(spec.from_args(StressQuestion, args))
    differ = {k for k in question if command[k] != question[k]}
    assert differ == set(SINGLE_RUN) == {"paths", "shock_fraction"}


def test_a_rush_needs_its_size_as_buffer():
    # one deterministic path: 20 % withdrawn on day 10, nothing else, 14-day unbonding.
    # With a buffer b < 20 %, 20 % - b waits 14 days; the smallest buffer without any delay
    # is 20 % (bisection to 0.001 from above)
    r = run_stress(token="TRX", shock_fraction=0.2)
    b = r.figures.buffer.buffer_ratio
    assert 0.2 <= b <= 0.201
    assert r.figures.shock_max_delay_days == 14 and r.figures.p_delay == 1.0
    assert r.summary["requested"] == pytest.approx(200_000)


def test_errors_name_the_flag(tmp_path, capsys):
    out = tmp_path / "s.json"
    code = main(["stress", "--token", "BNB", "--days", "5", "--shock-fraction", "0.2",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "--shock-day 10 falls after the horizon of 5 days" in err
    code = main(["stress", "--token", "BNB", "--run-min", "0.5", "--run-cap", "0.4"])
    assert code == 2 and "--run-cap must be between the smallest run (0.5) and 1, got 0.4" \
        in capsys.readouterr().err
    with pytest.raises(Exception, match="parameter 'token' is one scenario's token"):
        validate("liquidity_stress", {"token": "BNB"})


@pytest.mark.parametrize("flags, message", [
    (["--max-delay", "-1"], "--max-delay-days must be >= 0, got -1 (given as --max-delay)"),
    (["--max-delay-days", "-1"], "--max-delay-days must be >= 0, got -1"),
    (["--max-delay", "nan"],
     "--max-delay-days must be a finite number, got nan (given as --max-delay)"),
    (["--size-buffer", "1"], "--alpha must be in [0, 1), got 1 (given as --size-buffer)"),
    (["--alpha", "-0.5"], "--alpha must be in [0, 1), got -0.5"),
    (["--tolerance", "0"], "--tolerance must be in (0, 1], got 0"),
    (["--confidence", "1"], "--confidence must be in (0, 1), got 1"),
    (["--seed", "-1"], "--seed must be >= 0, got -1"),
    (["--paths", "0"], "--paths must be >= 1, got 0"),
    (["--shock-day", "0"], "--shock-day must be >= 1, got 0"),
    (["--max-unbond-per-day", "-1"], "--max-unbond-per-day must be >= 0, got -1"),
    (["--run-days", "0"], "--run-days must be in 1..36,525, got 0"),
    (["--run-alpha", "0"], "--run-alpha must be > 0, got 0"),
    (["--price-link", "-1"], "--price-link must be >= 0, got -1"),
])
def test_bounds_refused_in_one_line_naming_the_flag_typed(flags, message, tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["stress", "--token", "BNB", *flags, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"softstake: error: {message}\n"
    assert not out.exists()


@pytest.mark.parametrize("field, value, message", [
    ("max_delay_days", -1.0, "max_delay_days must be >= 0, got -1"),
    ("alpha", 1.0, "alpha must be in [0, 1), got 1"),
    ("tolerance", 0.0, "tolerance must be in (0, 1], got 0"),
    ("shock_day", 0, "shock_day must be >= 1, got 0"),
])
def test_the_api_refuses_the_same_bounds_by_python_name(field, value, message):
    with pytest.raises(ParameterError) as e:
        run_stress(token="BNB", **{field: value})
    assert e.value.param == field and str(e.value) == message


@pytest.mark.parametrize("fields", [
    {"token": "BNB", "price_link": 0.0},
    {"token": "BNB", "price_link": 0.2, "max_delay_days": 2.0},
    {"token": "NEAR", "price_link": 0.1, "alpha": 0.2, "buffer_ratio": 0.01},
    {"token": "NEAR", "price_link": 0.2, "max_delay_days": 1.0},
])
def test_rank_figures_are_the_full_answers(fields):
    """The ranking at other price links reads rank_figures: the same numbers as the whole
    answer's row (run without the buffer's interval) under the keys it ranks by."""
    from softstake_model.stress_ranking import rank_figures

    q = dataclasses.replace(StressQuestion(), paths=150, days=90, seed=3, arrival_rate=0.03,
                            shock_fraction=0.08, **fields)
    full = run_stress(q, interval=False).row()
    lean = rank_figures(q)
    assert lean == {k: full[k] for k in ("token", "buffer_needed", "p_delay",
                                         "shock_max_delay_days")}
    assert lean["p_delay"] > 0 and lean["buffer_needed"] > q.buffer_ratio
    assert lean["shock_max_delay_days"] > 0
