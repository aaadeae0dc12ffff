"""The explorer's controls drive the package's functions (no kernel needed)."""

import pytest

from softstake_model.product import token_rule
from softstake_model.report.explore import Choices, Explorer, explore
from softstake_model.yields import project

pytest.importorskip("ipywidgets")


def test_a_control_change_redraws_with_the_new_value():
    ex = Explorer(Choices(token="ADA", holders=2000, days=60))
    assert ex.last is None
    ex.controls["budget_usd"].value = 5000.0  # the observer recomputes and redraws
    r = token_rule("ADA")
    held = 5000.0 / r.price_usd
    assert ex.last["amount"] == pytest.approx(held)
    expected = project(held, apr=r.apr, min_holding=r.min_holding, cap=r.cap, days=60)
    assert ex.last["projection"].summary()["total_rewards"] == \
        expected.summary()["total_rewards"]
    ex.controls["apr"].value = 0.1
    assert ex.last["rule"].apr == 0.1
    # several values at once redraw once; the values are the controls'
    result = ex.update(shock_fraction=0.0, buffer_ratio=0.0)
    assert result["stress"]["max_delay_days"] == 0.0
    assert ex.values().shock_fraction == 0.0


def test_a_refused_choice_is_said_not_raised():
    ex = Explorer(Choices(holders=1000, days=30))
    assert ex.update(unbonding="soon") is None
    assert explore(Choices(holders=1000, days=30, unbonding="none"))["stress"][
        "max_delay_days"] == 0.0


def test_a_refused_value_is_one_line_naming_the_control_and_the_chart_stays():
    ex = Explorer(Choices(holders=1000, days=30))
    assert ex.drive({}) is not None
    drawn = ex.chart.value
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n" and ex.message.value == ""
    ex.controls["min_holding"].value = -5.0  # the observer recomputes; the package refuses
    assert ex.message.value == ("<b>Not computed:</b> minimum (tokens) must be &gt;= 0, got -5 "
                                "(the charts show the last choices computed)")
    assert ex.chart.value == drawn
    ex.controls["balance"].value = -3.0
    assert "balance (tokens) must be &gt;= 0" in ex.message.value
    ex.update(min_holding=0.0, balance=0.0, token="SOL")  # computed again: a new chart
    assert ex.message.value == "" and ex.chart.value != drawn
    assert "SOL" in ex.sentences.value and "\n" not in ex.message.value


@pytest.mark.parametrize("drive, message", [
    ({"budget": 5}, "drive names no control ['budget']; the controls are token, preset, "),
    ("cap=50", "drive must be a mapping of control names to values, e.g. {'token': 'SOL'}; "
               "got str 'cap=50'"),
    ({"token": "DOGE"}, "drive gives a control a value it cannot take: "),
    ({"unbonding": "soon"}, "drive is refused: unbonding rule 'soon' is not fixed:N, "),
])
def test_a_drive_it_cannot_follow_is_one_line(drive, message):
    from softstake_model.report.explore import DriveError

    ex = Explorer(Choices(holders=1000, days=30))
    with pytest.raises(DriveError) as e:
        ex.drive(drive)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)
    assert e.value._render_traceback_() == [f"DriveError: {e.value}"]  # the notebook's line


def test_an_unknown_token_is_refused_by_name():
    from softstake_model.errors import ParameterError

    with pytest.raises(ParameterError, match="^token must be a catalogue token"):
        Explorer(Choices(token="DOGE"))


def test_explore_command_refuses_a_port_out_of_range(capsys):
    from softstake_model.cli import main

    assert main(["explore", "--port", "70000"]) == 2
    assert capsys.readouterr().err == ("softstake: error: --port must be a port in 0..65,535, "
                                       "got 70000\n")
