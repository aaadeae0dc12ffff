"""The history store: schema versions and migrations, one snapshot per token and day,
transactions, the tidy readers, and what the catalogue, reconcile and the fits read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa

from softstake_model import load_catalog
from softstake_model.errors import SoftstakeError
from softstake_model.ledger import read_apr_history
from softstake_model.store import (
    apr_fit_from_store,
    apr_history_from_store,
    catalog_at,
    open_store,
    read_products,
    record_apr,
    record_prices,
    record_products,
    schema,
    store_url,
)


def products(**apr):
    toks = ["BNB", "SOL", "ADA"]
    return pd.DataFrame({"token": toks, "min_holding": [0.5, 1.0, 150.0],
                         "cap": [1000.0, np.inf, 150000.0],
                         "apr": [apr.get(t, d) for t, d in zip(toks, [0.025, 0.06, 0.03])],
                         "staked_amount": 0.0, "total_profit": 0.0})


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "s.sqlite")
    yield s
    s.close()


def test_the_location_is_the_flag_then_the_environment_then_the_user_data_folder(
        monkeypatch, tmp_path):
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "env.sqlite"))
    assert store_url(tmp_path / "flag.sqlite") == f"sqlite:///{tmp_path / 'flag.sqlite'}"
    assert store_url() == f"sqlite:///{tmp_path / 'env.sqlite'}"
    assert store_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("SOFTSTAKE_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store_url() == f"sqlite:///{tmp_path / 'xdg' / 'softstake' / 'history.sqlite'}"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store):
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000


def test_a_version_1_store_is_migrated_to_the_current_version(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        schema.MIGRATIONS[0][1](conn)
        conn.execute(schema.schema_version.insert().values(version=1))
    engine.dispose()
    s = open_store(tmp_path / "old.sqlite")
    with s.read() as conn:
        assert schema.version_of(conn) == schema.SCHEMA_VERSION == 3
        assert "ix_products_token_day" in {i["name"] for i in
                                           sa.inspect(conn).get_indexes("products")}


def test_a_store_from_a_newer_softstake_is_refused(tmp_path):
    open_store(tmp_path / "new.sqlite").close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.begin() as conn:
        conn.execute(schema.schema_version.update().values(version=99))
    engine.dispose()
    with pytest.raises(SoftstakeError, match="schema version 99, newer than"):
        open_store(tmp_path / "new.sqlite")


def test_one_snapshot_per_token_and_day_keeps_the_fetch_time_of_a_change(store):
    record_products(store, products(), pd.Timestamp("2026-11-30T08:00:00Z"))
    again = record_products(store, products(), pd.Timestamp("2026-11-30T12:00:00Z"))
    assert again.changed == 0 and again.changes.empty
    moved = record_products(store, products(BNB=0.03), pd.Timestamp("2026-11-30T18:00:00Z"))
    assert moved.changed == 1
    assert moved.changes.values.tolist() == [["BNB", "apr", 0.025, 0.03]]
    snap = read_products(store).set_index("token")
    assert len(snap) == 3
    assert snap.loc["BNB", "fetched_at"] == pd.Timestamp("2026-11-30T18:00:00Z")
    assert snap.loc["SOL", "fetched_at"] == pd.Timestamp("2026-11-30T08:00:00Z")
    assert snap.loc["SOL", "cap"] == np.inf  # no cap
    record_products(store, products(), pd.Timestamp("2026-12-01T08:00:00Z"))
    assert len(read_products(store)) == 6


def test_a_write_that_fails_leaves_the_store_as_it_was(store):
    record_products(store, products(), pd.Timestamp("2026-11-30T08:00:00Z"))
    before = read_products(store)
    with pytest.raises(KeyboardInterrupt), store.write() as conn:  # Ctrl-C half-way
        conn.execute(schema.products.delete())
        raise KeyboardInterrupt
    pd.testing.assert_frame_equal(read_products(store), before)


def test_a_fetch_while_a_report_reads_neither_waits_nor_changes_what_it_reads(store):
    import threading

    record_products(store, products(), pd.Timestamp("2026-11-30T08:00:00Z"))
    with store.read() as conn:
        count = "select count(*) from products"
        assert conn.exec_driver_sql(count).scalar() == 3
        writer = threading.Thread(target=record_products, args=(
            store, products(), pd.Timestamp("2026-12-01T08:00:00Z")))
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive()  # the write went through while the read was open
        assert conn.exec_driver_sql(count).scalar() == 3  # the read's view is unchanged
    assert len(read_products(store)) == 6


def test_catalog_at_lays_the_latest_snapshot_on_or_before_the_date(store):
    record_products(store, products(), pd.Timestamp("2026-11-20T08:00:00Z"))
    record_products(store, products(BNB=0.03), pd.Timestamp("2026-11-30T08:00:00Z"))
    shipped = load_catalog()
    cat = catalog_at(shipped, store, "2026-11-25")
    assert cat.loc["BNB", "apr"] == 0.025
    assert cat.loc["BNB", "apr_source"] == "fetched 2026-11-20 binance"
    assert cat.loc["BNB", "apr_date"] == "2026-11-20"
    cat = catalog_at(shipped, store, "2026-12-01")
    assert cat.loc["BNB", "apr"] == 0.03 and cat.loc["BNB", "apr_confidence"] == "published"
    assert cat.loc["SOL", "cap"] == np.inf and cat.loc["SOL", "cap_source"].startswith(
        "fetched 2026-11-30")
    assert list(cat.columns) == list(shipped.columns) and list(cat.index) == list(shipped.index)
    # values the store lacks keep their shipped source; a day before any snapshot: shipped
    assert cat.loc["TRX", "apr_source"] == shipped.loc["TRX", "apr_source"]
    pd.testing.assert_frame_equal(catalog_at(shipped, store, "2026-11-19"), shipped)


def test_a_users_own_value_wins_over_the_store(store):
    from softstake_model.catalog import override

    record_products(store, products(), pd.Timestamp("2026-11-30T08:00:00Z"))
    mine = override(load_catalog(), ["BNB"], apr=0.05)
    cat = catalog_at(mine, store, "2026-12-01")
    assert cat.loc["BNB", "apr"] == 0.05 and cat.loc["BNB", "apr_confidence"] == "user"
    assert cat.loc["BNB", "min_holding_source"] == "fetched 2026-11-30 binance"


def test_the_stored_apr_history_reads_like_an_apr_history_file(store, tmp_path):
    for day, apr in (("2026-11-28", 0.02), ("2026-11-29", 0.021), ("2026-11-30", 0.022)):
        record_products(store, products(BNB=apr), pd.Timestamp(f"{day}T08:00:00Z"))
    got = apr_history_from_store(store, ["BNB"])
    (tmp_path / "h.csv").write_text("date,token,apr\n2026-11-28,BNB,0.02\n"
                                    "2026-11-29,BNB,0.021\n2026-11-30,BNB,0.022\n")
    want = read_apr_history(tmp_path / "h.csv")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["date"].dtype == want["date"].dtype
    assert got.attrs["file"].startswith("history store sqlite:///")


def test_the_apr_history_fills_gaps_only_when_asked_and_takes_published_rates(store):
    record_products(store, products(), pd.Timestamp("2026-11-28T08:00:00Z"))
    record_products(store, products(BNB=0.03), pd.Timestamp("2026-11-30T08:00:00Z"))
    record_apr(store, pd.DataFrame({"source": "binance WBETH exchange rate",
                                    "token": "WBETH", "date": pd.to_datetime(["2026-11-29"]),
                                    "apr": [0.031]}), pd.Timestamp("2026-11-30T09:00:00Z"))
    gaps = apr_history_from_store(store, ["BNB", "WBETH"])
    assert gaps.values.tolist() == [[pd.Timestamp("2026-11-28"), "BNB", 0.025],
                                    [pd.Timestamp("2026-11-29"), "WBETH", 0.031],
                                    [pd.Timestamp("2026-11-30"), "BNB", 0.03]]
    filled = apr_history_from_store(store, ["BNB"], fill=True)
    assert filled["apr"].tolist() == [0.025, 0.025, 0.03]
    assert filled.attrs["sources"] == {"BNB": ["binance soft staking"]}


def test_the_apr_fit_waits_for_enough_days_then_fits_the_stored_history(store):
    rng = np.random.default_rng(1)
    x = np.log(0.03)
    for i, day in enumerate(pd.date_range("2026-09-01", periods=40, freq="D")):
        if i == 20:
            assert apr_fit_from_store(store, "BNB") is None  # 20 days < 30
        x += 0.2 * (np.log(0.03) - x) + 0.05 * rng.standard_normal()
        record_products(store, products(BNB=float(np.exp(x))), day + pd.Timedelta(hours=8))
    from softstake_model.apr.history import fit_history

    fit = apr_fit_from_store(store, "BNB", bootstrap=0)
    h = apr_history_from_store(store, ["BNB"])
    direct = fit_history(h["date"], h["apr"], bootstrap=0)
    assert fit.n == 40 and fit.as_dict()["kappa"] == direct.as_dict()["kappa"]


def test_prices_are_one_row_per_day_and_rerun_safe(store):
    from softstake_model.store import read_prices

    candles = pd.DataFrame({"day": pd.to_datetime(["2026-11-29", "2026-11-30"]).as_unit("s"),
                            "token": "BNB", "quote": "USDT", "open": 1.0, "high": 2.0,
                            "low": 0.5, "close": [900.0, 910.0], "volume": 10.0})
    assert record_prices(store, candles, pd.Timestamp("2026-12-01T01:00Z"), "binance"
                         ).changed == 2
    assert record_prices(store, candles, pd.Timestamp("2026-12-01T02:00Z"), "binance"
                         ).changed == 0
    p = read_prices(store)
    assert p["close"].tolist() == [900.0, 910.0]
    assert (p["fetched_at"] == pd.Timestamp("2026-12-01T01:00Z")).all()


def test_catalog_from_store_never_creates_a_store(tmp_path, monkeypatch):
    from softstake_model.store import catalog_from_store, existing_store

    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "none.sqlite"))
    assert existing_store() is None
    shipped = load_catalog()
    cat = catalog_from_store(shipped, "2026-12-01")
    pd.testing.assert_frame_equal(cat, shipped)
    assert cat.attrs["fetched"] == [] and not (tmp_path / "none.sqlite").exists()
    s = open_store()
    record_products(s, products(), pd.Timestamp("2026-11-30T08:00:00Z"))
    s.close()
    cat = catalog_from_store(shipped, "2026-12-01")
    assert cat.loc["BNB", "apr_source"] == "fetched 2026-11-30 binance"
    assert ("BNB", "apr") in cat.attrs["fetched"]


def test_stored_rewards_read_like_a_rewards_record_file(store, tmp_path):
    from softstake_model.ledger import read_rewards_record
    from softstake_model.store import record_rewards, rewards_record_from_store

    (tmp_path / "r.json").write_text(
        '{"rows": [{"asset": "ADA", "rewards": "0.5", "rewardAsset": "ADA", '
        '"avgAmount": "3000", "time": 1764633600000}, {"asset": "ADA", "rewards": "0.25", '
        '"rewardAsset": "ADA", "avgAmount": "3000", "time": 1764547200000}]}')
    want = read_rewards_record(tmp_path / "r.json")
    record_rewards(store, want, pd.Timestamp("2026-12-02T00:00Z"))
    got = rewards_record_from_store(store, ["ada"], "2025-12-01", "2025-12-02")
    pd.testing.assert_frame_equal(got, want)
    assert rewards_record_from_store(store, ["ADA"], "2025-12-02", "2025-12-02")[
        "reward"].tolist() == [0.5]
