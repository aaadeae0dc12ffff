"""Issue 19 item 4 on the report: the overview shows each spread's interval, marks a spread
whose sign is not known, and says why a chain has no network APR instead of a spread; the
caps headline carries them from the chain model (SOL's interval, APE's reason)."""

import pytest
from report_records import caps_record

from softstake_model.apr import apr_table
from softstake_model.catalog import load_catalog
from softstake_model.report.overview import overview_table, overview_view
from softstake_model.report.params import validate
from softstake_model.report.views import caps_view

SPREAD = "spread"


def _cells(records):
    view = overview_view(overview_table(records))
    return {r["cells"][0]["text"]: dict(zip(view["head"], r["cells"], strict=True))
            for r in view["rows"]}


def test_interval_sign_unknown_and_no_model_cells():
    cells = _cells([
        caps_record("SOL", "s", apr=0.058, spread=0.0018, spread_low=-0.0054,
                    spread_high=0.0102, spread_sign="unknown", no_model=""),
        caps_record("BNB", "b", apr=0.025, spread=-0.016, spread_low=-0.0193,
                    spread_high=-0.0063, spread_sign="negative", no_model=""),
        caps_record("APE", "a", apr=0.03, spread=None, spread_low=None, spread_high=None,
                    spread_sign=None, no_model="no model since 2025-04-15: pool removed")])
    sol, bnb, ape = (cells[t][SPREAD] for t in ("SOL", "BNB", "APE"))
    assert (sol["text"], sol["css"], sol["sub"]) == ("? 0.18 %", "",
                                                     "-0.54\xa0%\xa0to\xa01.02\xa0%")
    assert "sign is not known" in sol["title"]
    assert (bnb["text"], bnb["css"], bnb["sub"]) == ("▼ -1.60 %", "bad",
                                                     "-1.93\xa0%\xa0to\xa0-0.63\xa0%")
    assert "sign" not in bnb["title"]
    assert ape["text"] == "no model" and ape["sub"] == "no model since 2025-04-15: pool removed"
    # a record from before the interval existed still shows its spread, without one
    old = _cells([caps_record("BNB", "o", apr=0.025, spread=0.004)])["BNB"][SPREAD]
    assert (old["text"], old["sub"]) == ("0.40 %", "")


@pytest.mark.parametrize("token", ["SOL", "APE"])
def test_the_caps_headline_carries_the_models_interval(token):
    p = validate("caps", {"token": token, "holders": 500, "sweep_points": 5})
    h = caps_view(p)["headline"]
    row = apr_table(load_catalog()).set_index("token").loc[token]
    if token == "APE":  # no model: no spread, the reason instead
        assert h["spread"] is None and h["spread_low"] is None
        assert h["no_model"] == row["no_model"] and h["no_model"].startswith("no model since")
        return
    assert h["spread_low"] == pytest.approx(row["spread_low"], rel=1e-12)
    assert h["spread_high"] == pytest.approx(row["spread_high"], rel=1e-12)
    assert h["spread_low"] < h["spread"] < h["spread_high"] and h["no_model"] == ""
    assert h["spread_sign"] == row["spread_sign"]
    table = overview_table([{**caps_record(token, "c"), "headline": h}]).set_index("token")
    assert table.loc[token, "spread_sign"] == row["spread_sign"]
