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
