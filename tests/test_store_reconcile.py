"""reconcile reading the history store: ``--apr-history store`` and ``--rewards-record
store`` give what the same figures give from files; several rewards files are all read."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytest.importorskip("sqlalchemy")

from softstake_model import examples
from softstake_model.errors import ParameterError
from softstake_model.ledger import read_rewards_record
from softstake_model.reconcile_question import ReconcileQuestion, reconcile_statement
from softstake_model.store import open_store, record_products, record_rewards

DAYS = pd.date_range("2025-11-15", "2025-12-12", freq="D")
RATE = {"BNB": 0.02, "SOL": 0.058}
GAP = pd.Timestamp("2025-11-28")  # no snapshot that day: the 27th's rate carries over


def _apr(token: str, day: pd.Timestamp) -> float:
    return RATE[token] + (0.0005 if day >= pd.Timestamp("2025-12-01") else 0.0)


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "h.sqlite"
    store = open_store(path)
    for day in DAYS:
        if day == GAP:
            continue
        frame = pd.DataFrame({"token": list(RATE), "min_holding": 0.0,
                              "cap": float("inf"),
                              "apr": [_apr(t, day) for t in RATE],
                              "staked_amount": float("nan"), "total_profit": float("nan")})
        record_products(store, frame, day.tz_localize("UTC") + pd.Timedelta(hours=1))
    record_rewards(store, examples.rewards_record(), pd.Timestamp("2026-12-01", tz="UTC"))
    store.close()
    return path


def _history_file(tmp_path):
    rows = [(d, t, _apr(t, d - pd.Timedelta(days=1) if d == GAP else d))
            for d in DAYS for t in RATE]
    f = tmp_path / "apr.csv"
    pd.DataFrame(rows, columns=["date", "token", "apr"]).assign(
        date=lambda x: x["date"].dt.strftime("%Y-%m-%d")).to_csv(f, index=False)
    return f


def _same(a, b):
    cols = ["date", "token", "expected", "paid", "apr", "flag"]
    pd.testing.assert_frame_equal(a.table[cols].reset_index(drop=True),
                                  b.table[cols].reset_index(drop=True))


def test_apr_history_from_the_store_is_the_history_file(store_path, tmp_path):
    from_store = reconcile_statement(ReconcileQuestion(apr_history="store",
                                                       store=str(store_path)))
    from_file = reconcile_statement(ReconcileQuestion(apr_history=str(_history_file(tmp_path))))
    _same(from_store, from_file)
    assert from_store.basis == "history"
    day = from_store.table.set_index(["date", "token"])
    assert day.at[(GAP, "SOL"), "apr"] == RATE["SOL"]  # carried over the missing day
    assert day.at[(pd.Timestamp("2025-12-02"), "BNB"), "apr"] == 0.0205


def test_rewards_record_from_the_store_is_the_file(store_path):
    kw = {"activated_at": "2025-11-19T11:30:00Z", "apr": "catalog"}
    from_store = reconcile_statement(ReconcileQuestion(rewards_record="store",
                                                       store=str(store_path), **kw))
    # both lay the store's latest snapshot over the catalogue (BNB at 2.05 %)
    from_file = reconcile_statement(ReconcileQuestion(
        rewards_record=str(examples.path("rewards_record")), store=str(store_path), **kw))
    _same(from_store, from_file)
    assert set(from_store.table["apr"].dropna()) == {0.0205, 0.0585}


def test_the_store_is_laid_over_the_catalogue_reconcile_uses(store_path):
    kw = {"activated_at": "2025-11-19T11:30:00Z", "apr": "catalog"}
    shipped = reconcile_statement(ReconcileQuestion(**kw))
    fetched = reconcile_statement(ReconcileQuestion(store=str(store_path), **kw))
    assert set(shipped.table["apr"].dropna()) == {0.025, 0.058}  # the shipped catalogue's
    assert set(fetched.table["apr"].dropna()) == {0.0205, 0.0585}  # the latest snapshot's


def test_every_rewards_file_given_is_read(tmp_path):
    rec = json.loads(examples.path("rewards_record").read_text())
    rows = rec["rows"]
    half = len(rows) // 2
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"rows": rows[:half + 2], "total": half + 2}))  # overlap of 2
    b.write_text(json.dumps({"rows": rows[half:], "total": len(rows) - half}))
    kw = {"activated_at": "2025-11-19T11:30:00Z", "apr": "catalog"}
    both = reconcile_statement(ReconcileQuestion(rewards_record=f"{a},{b}", **kw))
    one = reconcile_statement(ReconcileQuestion(
        rewards_record=str(examples.path("rewards_record")), **kw))
    _same(both, one)
    assert len(read_rewards_record(a)) + len(read_rewards_record(b)) == len(rows) + 2


def test_store_without_one_is_one_message(tmp_path):
    with pytest.raises(ParameterError, match="apr_history is 'store' but there is no "
                                             "history store"):
        reconcile_statement(ReconcileQuestion(apr_history="store",
                                              store=str(tmp_path / "none.sqlite")))


def test_the_command_reads_the_store(store_path, capsys):
    from softstake_model.cli import main

    assert main(["reconcile", "--apr-history", "store", "--store", str(store_path)]) == 0
    text = capsys.readouterr().out
    assert f"Compared with the APR history given (history store sqlite:///{store_path})" \
        in text
