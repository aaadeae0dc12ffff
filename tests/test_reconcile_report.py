"""The reconcile report's parameters and view: dates as text, the APR compared with named."""

import datetime

import pandas as pd
import pytest
from conftest import EXAMPLES

from softstake_model.errors import ParameterError
from softstake_model.report.params import validate
from softstake_model.report.runner import _parse_value


def test_dates_through_p_become_text():
    # `-p start 2025-11-20` arrives from YAML as a date
    p = validate("reconcile", {"start": _parse_value("2025-11-20"),
                               "end": datetime.date(2025, 12, 1), "activated_at": None})
    assert (p.start, p.end, p.activated_at) == ("2025-11-20", "2025-12-01", None)


@pytest.mark.parametrize("apr, ok", [(None, True), ("catalog", True), (0.05, True),
                                     (1.5, False), ("median", False)])
def test_apr_is_implied_catalog_or_a_rate(apr, ok):
    if ok:
        assert validate("reconcile", {"apr": apr}).apr == apr
    else:
        with pytest.raises(ParameterError, match="'apr'"):
            validate("reconcile", {"apr": apr})


def test_view_names_the_apr_and_totals():
    from softstake_model.report.views import reconcile_view

    v = reconcile_view(validate("reconcile", {"apr": "catalog"}))
    assert v.headline["apr_compared"] == "catalog"
    assert (v.headline["missing"], v.headline["unexpected"],
            v.headline["mismatch"]) == (1, 1, 1)  # the three planted faults
    assert v.compared_with.startswith("the catalogue APR (BNB 2.50%, SOL 5.80%")
    # the SOL payout 0.000005 high; BNB: the stray 0.0001 paid, 0.00021927 unpaid
    assert v.totals.loc["SOL", "flagged"] == 1
    # paid: every BNB reward credit of the statement file, summed here from the raw CSV
    raw = pd.read_csv(EXAMPLES / "binance_statement.csv")
    bnb = raw[(raw.Operation == "Soft Staking Rewards") & (raw.Coin == "BNB")]["Change"]
    assert v.totals.loc["BNB", "paid"] == pytest.approx(bnb.sum(), abs=1e-12)
    # the difference is the two faults, up to one unit (1e-8) of rounding on 22 payouts
    assert v.totals.loc["BNB", "difference"] == pytest.approx(0.0001 - 0.00021927, abs=22e-8)
    implied = reconcile_view(validate("reconcile", {}))
    assert implied.headline["apr_compared"] == "implied"
    assert implied.compared_with.startswith("the APR implied by each payout")
    # the example's own activation (its data file), so only the planted faults: the SOL
    # payout 0.7 % high is within the implied APR's 10 % tolerance
    assert (implied.headline["missing"], implied.headline["unexpected"],
            implied.headline["mismatch"]) == (1, 1, 0)
    assert implied.activation is None


@pytest.mark.parametrize("given, flags", [
    ({}, []),
    ({"apr": "catalog", "tolerance": 0.0}, ["--apr", "catalog", "--tolerance", "0"]),
    ({"apr": 0.05, "token": "SOL", "neighbours": 2},
     ["--apr", "0.05", "--token", "SOL", "--neighbours", "2"]),
    ({"statement": str(EXAMPLES / "binance_statement.csv"), "fee": 0.1},
     [str(EXAMPLES / "binance_statement.csv"), "--fee", "0.1"]),
    # a statement of the holder's, no activation written as a reader would: both infer it
    # from the first credit and say so
    ({"statement": str(EXAMPLES / "binance_statement.csv"), "activated_at": "none",
      "drop_duplicates": True, "reward_label": ["Distribution"]},
     [str(EXAMPLES / "binance_statement.csv"), "--activated-at", "", "--drop-duplicates",
      "--reward-label", "Distribution"]),
])
def test_command_and_report_give_the_same_figures(given, flags, tmp_path, capsys):
    """One question, two shells: `softstake reconcile --out F.json` and the report's view
    with the same parameters agree to the last digit, and both list every parameter."""
    import json

    from softstake_model import spec
    from softstake_model.cli import main
    from softstake_model.report.views import reconcile_view

    out = tmp_path / "r.json"
    assert main(["reconcile", *flags, "--out", str(out)]) == 0
    capsys.readouterr()
    cli = json.loads(out.read_text())
    p = validate("reconcile", given)
    page = reconcile_view(p)
    assert cli["parameters"] == spec.values(p) == page.parameters
    assert len(cli["parameters"]) == 30  # every field of the question, defaults included
    assert cli["headline"] == page.headline
    for token, row in cli["totals"].items():
        for col, value in row.items():
            assert value == spec.plain(page.totals.loc[token, col]), (token, col)
    assert [r["expected"] for r in cli["flagged"]] == [
        spec.plain(x) for x in page.flagged["expected"]]
    assert cli["compared_with"] == page.compared_with
    assert cli["activation"] == page.activation and cli["notes"] == list(page.notes)
    if given.get("activated_at") == "none":
        assert page.activation.startswith("activation taken from the first reward credit")


def test_cli_options_are_the_question_fields():
    """Every field of the question is an option of the command (dest = the Python name)."""
    import dataclasses

    from softstake_model.cli import build_parser
    from softstake_model.reconcile_question import ReconcileQuestion

    parser = build_parser("reconcile")
    sub = next(a for a in parser._actions if a.dest == "command").choices["reconcile"]
    dests = {a.dest for a in sub._actions}
    assert {f.name for f in dataclasses.fields(ReconcileQuestion)} <= dests


def test_one_message_per_bad_value_in_both_shells(capsys):
    from softstake_model.cli import main

    with pytest.raises(ParameterError) as e:
        validate("reconcile", {"neighbours": 0, "fee": 1.0, "preset": "nope"})
    text = str(e.value)
    assert "parameter 'neighbours' must be in 1..100, got 0" in text
    assert "parameter 'fee' must be in [0, 1), got 1" in text
    assert "parameter 'preset' must be one of" in text
    assert main(["reconcile", "--neighbours", "0"]) == 2
    assert "--neighbours must be in 1..100, got 0" in capsys.readouterr().err
