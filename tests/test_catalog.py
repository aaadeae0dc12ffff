import numpy as np
import pytest

from softstake_model.catalog import (
    VALUE_FIELDS,
    assumed_values,
    load_catalog,
    override,
    select_tokens,
)
from softstake_model.errors import InputError, ParameterError

TOKENS = "BNB SOL TRX ADA SUI TON NEAR APT POL ALGO IOTA S APE EGLD AXS".split()


def test_fifteen_tokens_with_source_and_confidence():
    cat = load_catalog()
    assert sorted(cat.index) == sorted(TOKENS)
    for fld in VALUE_FIELDS:
        assert cat[f"{fld}_confidence"].isin(["published", "weak", "assumed"]).all(), fld
        assert (cat[f"{fld}_source"].str.len() > 5).all(), fld
    # SPEC §3 values
    assert cat.loc["BNB", ["min_holding", "cap", "apr"]].tolist() == [0.5, 1000.0, 0.025]
    assert cat.loc["SUI", ["min_holding", "cap"]].tolist() == [100.0, 50000.0]
    assert cat.loc["TRX", "unbonding"] == "fixed:14"
    assert cat.loc["APT", "unbonding"].startswith("boundary:14")
    assert cat.loc["ADA", "unbonding"] == "none"
    # every assumed value says why, in its source
    for _, row in assumed_values(cat).iterrows():
        assert row["source"].startswith("assumed"), row


def test_user_csv_and_yaml_override(tmp_path):
    p = tmp_path / "cat.csv"
    p.write_text("token,apr,cap\nbnb,0.03,\nDOGE,0.01,5\n")
    with pytest.raises(InputError, match="new token DOGE needs a value for 'min_holding'"):
        load_catalog(p)
    p.write_text("token,apr,cap,min_holding,unbonding\nbnb,0.03,,,\nDOGE,0.01,5,1,none\n")
    cat = load_catalog(p)
    assert cat.loc["BNB", "apr"] == 0.03 and cat.loc["BNB", "apr_confidence"] == "user"
    assert cat.loc["BNB", "cap"] == 1000.0  # blank keeps the shipped value
    assert cat.loc["DOGE", "cap"] == 5.0
    y = tmp_path / "cat.yaml"
    y.write_text("SOL:\n  min_holding: 2\n")
    assert load_catalog(y).loc["SOL", "min_holding"] == 2.0


def test_bad_user_catalogue(tmp_path):
    p = tmp_path / "cat.csv"
    p.write_text("token,apr\nBNB,lots\n")
    with pytest.raises(InputError, match="line 2, column 'apr'"):
        load_catalog(p)
    p.write_text("token,colour\nBNB,red\n")
    with pytest.raises(InputError, match="unknown column"):
        load_catalog(p)
    p.write_text("token,unbonding\nBNB,slowly\n")
    with pytest.raises(InputError, match="column 'unbonding'"):
        load_catalog(p)


def test_override_and_select():
    cat = override(load_catalog(), ["BNB"], apr=0.01, cap=None)
    assert cat.loc["BNB", "apr"] == 0.01 and cat.loc["SOL", "apr"] == 0.058
    assert cat.loc["BNB", "cap"] == 1000.0
    assert override(load_catalog(), cap=np.inf).loc["SOL", "cap"] == np.inf
    with pytest.raises(ParameterError, match="^cap must be > 0"):
        override(load_catalog(), cap=0.0)
    assert list(select_tokens(load_catalog(), ["sol", "bnb"]).index) == ["SOL", "BNB"]


def test_a_catalogue_file_is_checked_where_it_is_loaded(tmp_path):
    # the report views load catalogues directly: a percentage or a minimum above the cap is
    # refused there too, naming the file and the column
    f = tmp_path / "cat.csv"
    f.write_text("token,apr\nBNB,5\n")
    with pytest.raises(InputError, match="column 'apr'.*looks like a percentage: write 0.05"):
        load_catalog(f)
    f.write_text("token,min_holding,cap\nBNB,10,5\n")
    with pytest.raises(InputError, match="column 'min_holding'.*above the cap 5"):
        load_catalog(f)
