"""Reconciliation worked by hand: 100 BNB at 3.65 % pays 0.01 a day."""

import pandas as pd
import pytest
from conftest import make_ledger

from softstake_model.reconcile import reconcile


def statement(credits):
    rows = [("2025-11-01T00:00:00Z", "u", "BNB", 100)]
    rows += [(t, "u", "BNB", v) for t, v in credits]
    return make_ledger(rows, [""] + ["reward"] * len(credits))


def test_flags_by_hand(plain_catalog):
    st = statement([
        ("2025-11-21T03:00:00Z", 0.01),        # day 20: due 0.01, paid 0.01 -> ok
        # day 21: due 100.01 * 21/24 ... no credit -> missing
        ("2025-11-23T05:00:00Z", 0.01000101),  # day 22: one unit (1e-8) over -> still ok
        ("2025-11-24T02:00:00Z", 0.02),        # day 23: paid twice what is due -> mismatch
    ])
    t = reconcile(st, plain_catalog, start="2025-11-20", end="2025-11-23").set_index("date")
    # day 21 balance: 100 + 0.01 credited at 03:00 -> 100 + 0.01*21/24 = 100.00875
    assert t.loc["2025-11-21", "avg_balance"] == pytest.approx(100.00875, rel=1e-14)
    assert t.loc["2025-11-21", "expected"] == 0.01000087
    assert t["flag"].tolist() == ["ok", "missing", "ok", "mismatch"]
    # day 22 holds 100.01 all day -> due 0.010001; 0.01000101 is within one unit
    assert t.loc["2025-11-22", "expected"] == 0.010001
    # day 23: 100.01 + 0.01000101 * 19/24 (credit at 05:00) = 100.01791747 -> 0.01000179
    assert t.loc["2025-11-23", "expected"] == 0.01000179
    assert t.loc["2025-11-23", "difference"] == pytest.approx(0.02 - 0.01000179, abs=1e-12)
    assert t.loc["2025-11-20", "implied_apr"] == pytest.approx(0.0365, rel=1e-12)


def test_unexpected_before_accrual(plain_catalog):
    st = statement([("2025-11-20T04:00:00Z", 0.5)])
    # activated 11-19 12:00: day 19 does not accrue, so its payout on 11-20 is unexpected;
    # day 20 holds the stray 0.5 from 04:00: 100 + 0.5 * 20/24 = 100.41666.. -> due 0.01004166,
    # and nothing pays it
    t = reconcile(st, plain_catalog, start="2025-11-19", end="2025-11-20",
                  activated_at=pd.Timestamp("2025-11-19T12:00Z"))
    assert t["flag"].tolist() == ["unexpected", "missing"]
    assert t["difference"].tolist() == [0.5, -0.01004166]
