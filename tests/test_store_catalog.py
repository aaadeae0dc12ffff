"""product_catalog lays the history store over the shipped catalogue, value by value, as of
a date (default today), each value saying where it came from; staleness counts from it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sqlalchemy")

from softstake_model.apr.table import apr_table
from softstake_model.catalog import load_catalog
from softstake_model.product import product_catalog
from softstake_model.store import open_store, record_products


def today() -> pd.Timestamp:
    """Today's date (UTC), read when a test runs: a suite crossing midnight stays right."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    store = open_store(path)
    for day, apr in ((today() - pd.Timedelta(days=10), 0.031), (today() - pd.Timedelta(days=1),
                                                              0.0286)):
        record_products(store, pd.DataFrame({
            "token": ["ADA"], "min_holding": [10.0], "cap": [np.inf], "apr": [apr],
            "staked_amount": [np.nan], "total_profit": [np.nan]}),
            day.tz_localize("UTC") + pd.Timedelta(hours=2))
    store.close()
    monkeypatch.setenv("SOFTSTAKE_STORE", str(path))
    return path


def test_latest_snapshot_on_or_before_the_date_value_by_value(store_path):
    shipped = load_catalog()
    cat = product_catalog()  # today, the store of SOFTSTAKE_STORE
    day = today() - pd.Timedelta(days=1)
    assert cat.at["ADA", "apr"] == 0.0286 and cat.at["ADA", "min_holding"] == 10.0
    assert cat.at["ADA", "apr_source"] == f"fetched {day:%Y-%m-%d} binance"
    assert cat.at["ADA", "apr_confidence"] == "published"
    assert cat.at["ADA", "cap"] == np.inf  # no cap in the list: no cap
    # a value the store lacks keeps the shipped one and its source
    assert cat.at["ADA", "price_usd"] == shipped.at["ADA", "price_usd"]
    assert cat.at["ADA", "price_usd_source"] == shipped.at["ADA", "price_usd_source"]
    assert cat.at["BNB", "apr"] == shipped.at["BNB", "apr"]
    earlier = product_catalog(at=today() - pd.Timedelta(days=5))
    assert earlier.at["ADA", "apr"] == 0.031
    before = product_catalog(at=today() - pd.Timedelta(days=30))
    assert before.at["ADA", "apr"] == shipped.at["ADA", "apr"]


def test_staleness_counts_from_today(store_path):
    t = apr_table(product_catalog()).set_index("token")
    assert t.at["ADA", "apr_age_days"] == 1 and "stale" not in t.at["ADA", "flags"]
    assert "stale" in t.at["BNB", "flags"]  # the shipped 2025 figure


def test_a_users_file_wins_over_the_store(store_path, tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("token,apr\nADA,0.05\n")
    cat = product_catalog(str(f))
    assert cat.at["ADA", "apr"] == 0.05 and cat.at["ADA", "apr_confidence"] == "user"
    assert cat.at["ADA", "min_holding"] == 10.0  # the store still gives the minimum


def test_no_store_the_shipped_catalogue(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "none.sqlite"))
    pd.testing.assert_frame_equal(product_catalog(), load_catalog())
    assert not (tmp_path / "none.sqlite").exists()  # never created


def test_yields_project_uses_the_fetched_apr(store_path, capsys):
    from softstake_model.cli import main

    assert main(["yields", "project", "--balance", "3000", "--token", "ADA"]) == 0
    assert json.loads(capsys.readouterr().out)["terms"]["apr"] == 0.0286


def test_history_catalog_prints_each_value_with_its_source(store_path, capsys):
    from softstake_model.cli import main

    assert main(["history", "catalog", "--token", "ADA"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"The catalogue as of {today():%Y-%m-%d}: 3 value(s) fetched")
    apr = next(line for line in lines if line.split()[:2] == ["ADA", "apr"])
    day = today() - pd.Timedelta(days=1)
    assert apr.split()[2:6] == ["2.86%", "published", "fetched", f"{day:%Y-%m-%d}"]
    price = next(line for line in lines if line.split()[:2] == ["ADA", "price_usd"])
    assert "assumed" in price.split()[3]  # not fetched: the shipped value and source


def test_history_catalog_as_of_an_earlier_day_to_a_file(store_path, tmp_path, capsys):
    from softstake_model.cli import main

    out = tmp_path / "cat.csv"
    at = today() - pd.Timedelta(days=5)
    assert main(["history", "catalog", "--at", f"{at:%Y-%m-%d}", "--out", str(out)]) == 0
    t = pd.read_csv(out).set_index(["token", "field"])
    assert t.loc[("ADA", "apr"), "value"] == 0.031
    assert t.loc[("ADA", "apr"), "as_of"] == f"{today() - pd.Timedelta(days=10):%Y-%m-%d}"
    assert len(t) == 5 * len(load_catalog())
