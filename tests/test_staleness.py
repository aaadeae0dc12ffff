"""A page whose figures rest on shipped values older than 90 days says so at the top; a
fetched value, a value of the user's or a recent one does not count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from softstake_model.catalog import load_catalog
from softstake_model.staleness import shipped_ages, stale_line


def today() -> pd.Timestamp:
    """Today's date (UTC), read when a test runs: a suite crossing midnight stays right."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()


def test_ages_by_hand():
    cat = load_catalog()
    a = shipped_ages(cat, ["BNB"], ["apr", "cap"], at="2026-12-01").set_index("field")
    assert a.at["apr", "age_days"] == (pd.Timestamp("2026-12-01")
                                       - pd.Timestamp(cat.at["BNB", "apr_date"])).days
    assert a.at["cap", "dated"] == pd.Timestamp("2025-11-19")
    assert a.at["cap", "age_days"] == 377
    # 90 days after the catalogue's date nothing but the older APR is stale
    line = stale_line(cat, ["BNB"], ["apr", "cap"], at="2026-02-17")
    assert "cap" not in line and "apr of 2025-07-01" in line
    assert stale_line(cat, ["BNB"], ["cap"], at="2026-02-17") is None


def test_fetched_and_user_values_do_not_count():
    cat = load_catalog()
    cat.loc["BNB", ["cap_source", "cap_confidence"]] = ["fetched 2026-11-30 binance",
                                                        "published"]
    cat.loc["BNB", "apr_confidence"] = "user"
    assert stale_line(cat, ["BNB"], ["apr", "cap"], at="2026-12-01") is None
    assert "min_holding" in stale_line(cat, ["BNB"], ["min_holding", "cap"], at="2026-12-01")


def test_the_yields_page_opens_with_it_until_a_fetch(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    from softstake_model.report.views import yields_view
    from softstake_model.store import open_store, record_prices, record_products
    from softstake_model.yields import HolderQuestion

    q = HolderQuestion(token="ADA", balance=3000.0, days=30)
    first = yields_view(q)["findings"][0]
    assert first.startswith("These figures rest on shipped catalogue values older than 90")
    assert "ADA" in first and "apr of" in first
    store = open_store(tmp_path / "h.sqlite")
    record_products(store, pd.DataFrame({
        "token": ["ADA"], "min_holding": [150.0], "cap": [150000.0], "apr": [0.0286],
        "staked_amount": [np.nan], "total_profit": [np.nan]}), pd.Timestamp.now(tz="UTC"))
    days = pd.date_range(end=today() - pd.Timedelta(days=1), periods=60, freq="D", unit="s")
    record_prices(store, pd.DataFrame({
        "day": days, "token": "ADA", "quote": "USDT", "open": 1.0, "high": 1.0, "low": 1.0,
        "close": 0.4 * np.exp(0.03 * np.sin(np.arange(60))), "volume": 1.0}),
        pd.Timestamp.now(tz="UTC"), "binance")
    store.close()
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "h.sqlite"))
    assert not any(f.startswith("These figures rest") for f in yields_view(q)["findings"])


def test_reconcile_says_it_in_the_command_and_the_figures(capsys):
    from softstake_model.reconcile_question import ReconcileQuestion, reconcile_statement

    r = reconcile_statement(ReconcileQuestion(apr="catalog"))
    assert r.stale.startswith("These figures rest on shipped") and "apr of" in r.stale
    assert r.figures()["stale"] == r.stale
    given = reconcile_statement(ReconcileQuestion(apr="catalog", min_holding=0.0, cap=1e9))
    assert "min_holding" not in given.stale and "cap" not in given.stale.split(":")[1]


def test_overview_apr_source_gives_the_source_and_date(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    from softstake_model.report import validate
    from softstake_model.report.overview import overview_table, overview_view
    from softstake_model.report.views import caps_view
    from softstake_model.store import open_store, record_products

    def source_cell(token):
        p = validate("caps", {"token": token, "holders": 500, "sweep_points": 5})
        record = {"notebook": "caps", "scenario": "c", "slug": f"caps-{token}", "ok": True,
                  "params": {"token": token}, "headline": caps_view(p)["headline"],
                  "html": f"caps-{token}.html"}
        view = overview_view(overview_table([record]))
        return dict(zip(view["head"], view["rows"][0]["cells"], strict=True))["APR source"]

    assert source_cell("BNB")["text"] == "shipped 2025-07-01 (weak)"
    store = open_store(tmp_path / "h.sqlite")
    record_products(store, pd.DataFrame({
        "token": ["BNB"], "min_holding": [0.5], "cap": [1000.0], "apr": [0.0285],
        "staked_amount": [np.nan], "total_profit": [np.nan]}), pd.Timestamp.now(tz="UTC"))
    store.close()
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "h.sqlite"))
    assert source_cell("BNB")["text"] == f"fetched {today():%Y-%m-%d} binance"


def test_the_stress_ranking_takes_the_fetched_volatility(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    from softstake_model.store import open_store, record_prices
    from softstake_model.stress_question import StressQuestion
    from softstake_model.stress_ranking import stress_ranking

    store = open_store(tmp_path / "h.sqlite")
    days = pd.date_range(end=today() - pd.Timedelta(days=1), periods=60, freq="D", unit="s")
    closes = 0.4 * np.exp(0.03 * np.sin(np.arange(60)))
    record_prices(store, pd.DataFrame({
        "day": days, "token": "ADA", "quote": "USDT", "open": 1.0, "high": 1.0, "low": 1.0,
        "close": closes, "volume": 1.0}), pd.Timestamp.now(tz="UTC"), "binance")
    store.close()
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "h.sqlite"))
    cat = stress_ranking(StressQuestion(token="ADA", paths=1), ["ADA"]).catalog
    returns = np.diff(np.log(closes))
    assert cat.at["ADA", "volatility"] == pytest.approx(returns.std(ddof=1) * np.sqrt(365),
                                                        rel=1e-12)
