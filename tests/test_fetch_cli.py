"""``softstake fetch`` and ``softstake history`` end to end against recorded responses on
127.0.0.1: one transaction per fetch, re-runs, two fetches at once, the exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("binance_sdk_staking")
pytest.importorskip("pytest_socket")
pytest.importorskip("sqlalchemy")

from fetchserver import Serving, recorded

from softstake_model.cli import main
from softstake_model.store import open_store, read_products

pytestmark = pytest.mark.allow_hosts(["127.0.0.1", "::1"])

KEY, SECRET = "dummy-key-0123456789abcdefWXYZ", "dummy-secret-do-not-use-9876543210"
LIST = "/sapi/v1/soft-staking/list"


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", SECRET)
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "store.sqlite"))
    with Serving() as fake:
        monkeypatch.setenv("BINANCE_BASE_URL", fake.url)
        yield fake


def pages(server, second=None):
    server.add(LIST, (200, recorded("soft_staking_list_page1.json")),
               second or (200, recorded("soft_staking_list_page2.json")))


def test_fetch_products_stores_prints_and_writes_the_catalog_json(server, tmp_path, capsys):
    from softstake_model import load_catalog

    pages(server)
    assert main(["fetch", "products", "--page-size", "2", "--out",
                 str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    assert "Fetched 3 soft-staking products" in out and "3 rows new or changed" in out
    assert "  ADA: added" in out and "  SOL: added" in out
    snap = read_products(open_store())
    assert snap["token"].tolist() == ["ADA", "BNB", "SOL"]
    assert snap["apr"].tolist() == [0.0286, 0.0285, 0.061]
    cat = load_catalog(tmp_path / "p.json")  # what --catalog reads
    assert cat.loc["ADA", "apr"] == 0.0286 and cat.loc["BNB", "cap"] == 1000.0


def test_a_rerun_changes_nothing_and_says_so(server, capsys):
    pages(server)
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    before = read_products(open_store())
    capsys.readouterr()
    pages(server)
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    out = capsys.readouterr().out
    assert "0 rows new or changed" in out and "No change since the last snapshot." in out
    pd.testing.assert_frame_equal(read_products(open_store()), before)


def test_moves_since_the_last_snapshot_are_printed(server, capsys):
    pages(server)
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    capsys.readouterr()
    page1 = json.loads(recorded("soft_staking_list_page1.json"))
    page1["rows"][0].update(apr="0.03", maxCap="2000")
    page1["rows"] = page1["rows"][:1]
    page1["total"] = 2
    server.add(LIST, (200, page1), (200, {"rows": json.loads(recorded(
        "soft_staking_list_page2.json"))["rows"], "total": 2}))
    assert main(["fetch", "products", "--page-size", "1"]) == 0
    out = capsys.readouterr().out
    assert "  BNB: APR 2.85% -> 3.00%" in out
    assert "  BNB: cap 1,000 -> 2,000" in out
    assert "  SOL: removed" in out
    snap = read_products(open_store()).set_index("token")
    # one snapshot per token and day: BNB's row changed and took the new fetch time
    assert len(snap) == 3 and snap.loc["BNB", "apr"] == 0.03
    assert snap.loc["BNB", "fetched_at"] >= snap.loc["ADA", "fetched_at"]


def test_a_failure_in_the_middle_of_paging_leaves_the_store_unchanged(server, capsys):
    pages(server)
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    store = open_store()
    before = read_products(store)
    with store.read() as conn:
        fetches = conn.exec_driver_sql("select count(*) from fetches").scalar()
    page1 = json.loads(recorded("soft_staking_list_page1.json"))
    page1["rows"][0]["apr"] = "0.09"
    pages(server, (401, recorded("error_-2015.json")))
    server.routes[LIST][0] = (200, page1)
    assert main(["fetch", "products", "--page-size", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-2015" in err
    pd.testing.assert_frame_equal(read_products(store), before)
    with store.read() as conn:
        assert conn.exec_driver_sql("select count(*) from fetches").scalar() == fetches


def test_no_key_is_one_line_and_nothing_is_fetched(server, monkeypatch, capsys):
    monkeypatch.delenv("BINANCE_API_KEY")
    assert main(["fetch", "products"]) == 2
    assert "no Binance API key" in capsys.readouterr().err
    assert server.requests == []


def test_keys_are_never_in_the_store_or_the_output(server, tmp_path, capsys):
    pages(server)
    server.add("/sapi/v1/soft-staking/history/rewardsRecord",
               (200, recorded("soft_staking_rewards.json")))
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    assert main(["fetch", "rewards", "--start", "2025-12-01", "--end", "2025-12-02",
                 "--out", str(tmp_path / "r.json")]) == 0
    open_store().close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("store.sqlite*"))
    printed = "".join(capsys.readouterr())
    for secret in (KEY, SECRET):
        assert secret.encode() not in raw and secret not in printed
        assert secret not in (tmp_path / "r.json").read_text()


def test_rewards_out_is_read_by_the_rewards_record_reader(server, tmp_path):
    from softstake_model.ledger import read_rewards_record

    server.add("/sapi/v1/soft-staking/history/rewardsRecord",
               (200, recorded("soft_staking_rewards.json")))
    assert main(["fetch", "rewards", "--start", "2025-12-01", "--end", "2025-12-02",
                 "--token", "ADA", "--out", str(tmp_path / "r.json")]) == 0
    (tmp_path / "rec.json").write_bytes(recorded("soft_staking_rewards.json"))
    pd.testing.assert_frame_equal(read_rewards_record(tmp_path / "r.json"),
                                  read_rewards_record(tmp_path / "rec.json"))
    assert main(["history", "rewards", "--out", str(tmp_path / "h.csv")]) == 0
    h = pd.read_csv(tmp_path / "h.csv")
    assert h["reward"].tolist() == [0.23506849, 0.23506849]
    assert h["time"].tolist() == ["2025-12-01T00:00:00Z", "2025-12-02T00:00:00Z"]


def test_history_products_exports_a_tidy_csv(server, tmp_path):
    pages(server)
    assert main(["fetch", "products", "--page-size", "2"]) == 0
    assert main(["history", "products", "--token", "bnb,ada", "--out",
                 str(tmp_path / "p.csv")]) == 0
    p = pd.read_csv(tmp_path / "p.csv")
    assert list(p.columns) == ["day", "token", "min_holding", "cap", "apr", "staked_amount",
                               "total_profit", "source", "fetched_at"]
    assert p["token"].tolist() == ["ADA", "BNB"]
    assert p["day"].iloc[0] == pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")


def test_fetch_rates_stores_apr_histories(server, capsys):
    server.add("/sapi/v1/sol-staking/sol/history/rateHistory",
               (200, recorded("bnsol_rate_history.json")))
    assert main(["fetch", "rates", "--token", "BNSOL", "--start", "2025-12-01", "--end",
                 "2025-12-02"]) == 0
    assert "as 3 daily APRs" in capsys.readouterr().out
    assert main(["history", "apr", "--token", "BNSOL"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "day,token,apr,source,fetched_at"
    assert lines[1].startswith("2025-12-01,BNSOL,0.0712,binance BNSOL published APR,")
    assert lines[2].split(",")[:2] == ["2025-12-02", "BNSOL"]
    assert float(lines[2].split(",")[2]) == pytest.approx(0.073, rel=1e-12)
    assert lines[2].split(",")[3] == "binance BNSOL exchange rate"


def test_two_fetches_at_once_in_two_processes_leave_consistent_data(server, tmp_path):
    page1 = json.loads(recorded("soft_staking_list_page1.json"))
    page2 = json.loads(recorded("soft_staking_list_page2.json"))
    server.add(LIST, lambda req: (200, page1 if req.params["current"] == "1" else page2))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    cmd = [sys.executable, "-m", "softstake_model.cli", "fetch", "products", "--page-size",
           "2"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    store = open_store()
    snap = read_products(store)
    assert snap["token"].tolist() == ["ADA", "BNB", "SOL"]
    with store.read() as conn:
        rows = conn.exec_driver_sql("select rows, changed from fetches order by id").all()
    # both fetches are logged; the first wrote the three rows, the second found them equal
    assert sorted(tuple(r) for r in rows) == [(3, 0), (3, 3)]
