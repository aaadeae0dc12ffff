"""The product set-up shared by the command line and the reports: terms, catalogue, rule,
ledger and timeline, each checked against values read off the catalogue or worked by hand."""

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLES

from softstake_model.errors import InputError, ParameterError
from softstake_model.product import (
    build_terms,
    ledger_for,
    parse_tokens,
    product_catalog,
    timeline,
    token_rule,
)


def test_parse_tokens_comma_separated_and_repeated():
    assert parse_tokens("bnb, sol") == ["BNB", "SOL"]
    assert parse_tokens(["BNB", "SOL,ADA", "bnb", ""]) == ["BNB", "SOL", "ADA"]
    assert parse_tokens(None) == parse_tokens([]) == []


def test_build_terms_changes_only_what_is_given():
    t = build_terms("okx_simple_earn", fee=0.2, payout_time="06:30", tiers="10:0.1,inf:0")
    assert (t.fee, t.payout_time_s, t.snapshot, t.accrual) == (0.2, 6 * 3600 + 1800, "hourly",
                                                               "per_snapshot")
    assert t.tiers == ((10.0, 0.1), (np.inf, 0.0))
    # a continuous measure has no snapshots to accrue on
    assert build_terms("okx_simple_earn", snapshot="time_weighted").accrual == "daily"
    assert build_terms() == build_terms("binance_soft_staking")


@pytest.mark.parametrize("kwargs, param", [
    ({"preset_name": "nope"}, "preset"),
    ({"payout_time": "25:00"}, "payout_time"),
    ({"fixed_time": "8h"}, "fixed_time"),
    ({"fee": 1.5}, "fee"),
    ({"snapshot": "daily"}, "snapshot"),
    ({"tiers": "nan:0.1,inf:0.003"}, "tiers"),
    ({"tiers": "500:5,inf:0.003"}, "tiers"),
])
def test_build_terms_errors_name_the_parameter(kwargs, param):
    with pytest.raises(ParameterError) as e:
        build_terms(**kwargs)
    assert e.value.param == param and str(e.value).startswith(f"{param} ")


def test_product_catalog_selects_and_overrides():
    cat = product_catalog(tokens="sol,BNB", apr=0.02, cap=50.0)
    assert list(cat.index) == ["SOL", "BNB"]
    assert (cat["apr"] == 0.02).all() and (cat["cap"] == 50.0).all()
    assert (cat["apr_confidence"] == "user").all()
    with pytest.raises(ParameterError, match="^apr must be a fraction"):
        product_catalog(apr=5.0)


def test_token_rule_from_the_catalogue_and_by_hand():
    r = token_rule("bnb")
    # BNB in the shipped catalogue: minimum 0.5, cap 1000 (the API documentation's example)
    assert (r.token, r.min_holding, r.cap) == ("BNB", 0.5, 1000.0)
    assert any(line.startswith("BNB price_usd = ") for line in r.assumed)
    r = token_rule("BNB", apr=0.05, min_holding=1.0, cap=10.0)
    assert (r.apr, r.min_holding, r.cap) == (0.05, 1.0, 10.0)
    assert not any(" apr = " in line for line in r.assumed)  # given, so not assumed
    r = token_rule(apr=0.05)
    assert (r.token, r.min_holding, r.cap, r.assumed) == (None, 0.0, np.inf, ())
    assert token_rule(terms=build_terms(tiers="10:0.1,inf:0")).apr == 0.0


@pytest.mark.parametrize("kwargs, param", [
    ({}, "apr"),
    ({"token": "BNB,SOL"}, "token"),
    ({"token": "DOGE"}, "token"),
    ({"apr": 0.05, "min_holding": 10.0, "cap": 5.0}, "min_holding"),
    ({"apr": 0.05, "cap": 0.0}, "cap"),
    ({"apr": float("nan")}, "apr"),
])
def test_token_rule_errors(kwargs, param):
    with pytest.raises(ParameterError) as e:
        token_rule(**kwargs)
    assert e.value.param == param


def test_ledger_for_a_statement_sets_other_coins_aside():
    ledger, ignored = ledger_for(EXAMPLES / "binance_statement.csv", product_catalog())
    assert ignored == ["USDT"] and set(ledger["token"]) == {"BNB", "SOL"}
    ledger, ignored = ledger_for(EXAMPLES / "binance_statement.csv",
                                 product_catalog(tokens="SOL"), only_catalog_tokens=True)
    assert ignored == [] and set(ledger["token"]) == {"SOL"}


def test_ledger_for_a_generic_ledger_names_an_unknown_token(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,1\n"
                 "2025-11-01T00:00:00Z,a,DOGE,1\n")
    with pytest.raises(InputError, match="line 3, column 'token'"):
        ledger_for(p, product_catalog())
    ledger, _ = ledger_for(p, product_catalog(tokens="BNB"), only_catalog_tokens=True)
    assert len(ledger) == 1
    with pytest.raises(InputError, match="no balance changes"):
        ledger_for(p, product_catalog(tokens="SOL"), only_catalog_tokens=True)


def test_timeline_reads_files_and_refuses_contradictions(tmp_path):
    acts = tmp_path / "a.csv"
    acts.write_text("account,activated_at\na,2025-11-19T10:00:00Z\n")
    t = timeline(activations=acts)
    assert t["activations"]["activated_at"].iloc[0] == pd.Timestamp("2025-11-19T10:00:00Z")
    with pytest.raises(ParameterError) as e:
        timeline(activations=acts, activated_at="2025-11-19T00:00:00Z")
    assert e.value.param == "activations"
    with pytest.raises(ParameterError) as e:
        timeline(apr_history=pd.DataFrame(columns=["date", "token", "apr"]),
                 terms=build_terms(tiers="10:0.1,inf:0"))
    assert e.value.param == "apr_history"
