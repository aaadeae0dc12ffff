"""Each snapshot method on small ledgers worked by hand, and against a brute-force reference."""

import numpy as np
import pandas as pd
import pytest
from conftest import make_ledger
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model.balances import Snapshot, daily_balances
from softstake_model.errors import ParameterError

# Day D = 2025-11-20.
# a: 10 from the day before; +24 at 06:00; -12 at 18:30
#    -> 10 for 6 h, 34 for 12.5 h, 22 for 5.5 h
# b: 50 from the day before; -20 at 03:00; +100 at 12:00
#    -> 50 for 3 h, 30 for 9 h, 130 for 12 h
ROWS = [
    ("2025-11-19T22:00:00Z", "a", "BNB", 10),
    ("2025-11-20T06:00:00Z", "a", "BNB", 24),
    ("2025-11-20T18:30:00Z", "a", "BNB", -12),
    ("2025-11-19T01:00:00Z", "b", "BNB", 50),
    ("2025-11-20T03:00:00Z", "b", "BNB", -20),
    ("2025-11-20T12:00:00Z", "b", "BNB", 100),
]
HAND = {
    # (60 + 34*12.5 + 22*5.5) / 24 = 606 / 24 ; (150 + 270 + 1560) / 24 = 1980 / 24
    "time_weighted": (25.25, 82.5),
    # a: hours 0-5 -> 10 (6), 6-18 -> 34 (13; 18:00 is before 18:30), 19-23 -> 22 (5)
    #    (60 + 442 + 110) / 24 = 25.5 ; b: same as time-weighted, changes are on the hour
    "hourly": (25.5, 82.5),
    # balance at 08:00
    "fixed": (34.0, 30.0),
    # a: min(b, 10) = 10 every hour ; b: 50*3 + 30*9 + 50*12 = 1020 / 24
    "hourly_min_open": (10.0, 42.5),
}


def one_day(method, rows=ROWS, **kw):
    out = daily_balances(make_ledger(rows), "2025-11-20", "2025-11-20", Snapshot(method, **kw))
    return tuple(out.sort_values("account")["avg_balance"])


@pytest.mark.parametrize("method", HAND)
def test_methods_by_hand(method):
    assert one_day(method) == pytest.approx(HAND[method], rel=1e-14)


def test_fixed_time_is_right_continuous():
    # a change at exactly the snapshot instant counts (balance includes changes at t)
    assert one_day("fixed", fixed_time_s=18 * 3600 + 30 * 60)[0] == 22.0
    assert one_day("fixed", fixed_time_s=18 * 3600 + 29 * 60)[0] == 34.0


def test_change_at_midnight_counts_for_the_whole_day():
    rows = [("2025-11-20T00:00:00Z", "a", "BNB", 7)]
    for method in HAND:
        assert one_day(method, rows) == (7.0,), method


def test_hourly_random_uses_one_instant_per_hour_seeded():
    snap = Snapshot("hourly_random", seed=42)
    day_number = int(pd.Timestamp("2025-11-20").value // 86_400_000_000_000)
    inst = snap.instants(day_number)
    hours = np.arange(24) * 3600 * 10**9
    assert ((inst >= hours) & (inst < hours + 3600 * 10**9)).all()
    # a: hours 0-5 -> 10, 6-17 -> 34 (instants in hour 6 are >= 06:00), 19-23 -> 22;
    # hour 18 is 34 if its instant is before 18:30, else 22
    x = 34 if inst[18] < (18 * 3600 + 1800) * 10**9 else 22
    expected_a = (60 + 12 * 34 + x + 110) / 24
    assert one_day("hourly_random", seed=42)[0] == pytest.approx(expected_a, rel=1e-14)
    # same seed, same instants, whatever range is asked for
    two = daily_balances(make_ledger(ROWS), "2025-11-19", "2025-11-21", snap)
    assert two[(two.account == "a") & (two.date == "2025-11-20")].avg_balance.iloc[0] == \
        pytest.approx(expected_a, rel=1e-14)


def test_unknown_method():
    with pytest.raises(ParameterError, match="snapshot"):
        Snapshot("daily_max")


def brute_force(rows, day, method, fixed_s=8 * 3600, instants=None):
    """Balance measure by direct evaluation, one account — independent of the engine."""
    t0 = pd.Timestamp(day, tz="UTC")
    events = sorted(((pd.Timestamp(t) - t0).total_seconds(), i, c)
                    for i, (t, *_rest, c) in enumerate(rows))

    def balance(s):  # right-continuous: includes changes at s
        return sum(c for (u, _, c) in events if u <= s)

    if method == "time_weighted":
        cuts = [0.0] + [u for (u, _, _) in events if 0 < u < 86400] + [86400.0]
        return sum(balance(a) * (b - a) for a, b in zip(cuts[:-1], cuts[1:])) / 86400
    if method == "fixed":
        return balance(fixed_s)
    pts = [h * 3600 for h in range(24)] if instants is None else instants
    if method == "hourly_min_open":
        return sum(min(balance(p), balance(0)) for p in pts) / len(pts)
    return sum(balance(p) for p in pts) / len(pts)


changes = st.lists(
    st.tuples(st.integers(-86400 * 2, 86400 * 2 - 1), st.integers(-50, 100)),
    min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(changes=changes, method=st.sampled_from(["time_weighted", "hourly", "fixed",
                                                "hourly_min_open"]))
def test_against_brute_force(changes, method):
    base = pd.Timestamp("2025-11-20", tz="UTC")
    # keep every running balance >= 0: add an opening deposit large enough
    rows = [((base - pd.Timedelta(days=3)).isoformat(), "a", "BNB", 100 * len(changes))]
    rows += [((base + pd.Timedelta(seconds=s)).isoformat(), "a", "BNB", float(c))
             for s, c in changes]
    got = daily_balances(make_ledger(rows), "2025-11-20", "2025-11-20", Snapshot(method))
    want = brute_force(rows, "2025-11-20", method)
    assert got["avg_balance"].iloc[0] == pytest.approx(want, rel=1e-12, abs=1e-9)


# the grid's sums, to the bit: the changes in the ledger's order, cell by cell, as an
# independent loop computes them, whatever the size of the grid's chunks
ledger_rows = st.lists(  # few keys and days, so that cells hold several changes
    st.tuples(st.integers(-86400, 86400 * 4), st.sampled_from(["a", "a", "b"]),
              st.sampled_from(["BNB", "BNB", "ETH"]),
              st.floats(-1.0, 1e6, allow_nan=False).map(lambda x: round(x, 8))),
    min_size=3, max_size=60)


@settings(max_examples=100, deadline=None)
@given(rows=ledger_rows, chunk=st.sampled_from([1, 2, 3, 7, 1 << 20]))
def test_grid_sums_are_the_ledger_order_sums_whatever_the_chunks(rows, chunk):
    from unittest import mock

    from softstake_model import balances

    base = pd.Timestamp("2025-11-20", tz="UTC")
    opening = [((base - pd.Timedelta(days=3)).isoformat(), a, t, 1e7)
               for a in "ab" for t in ("BNB", "ETH")]  # every balance stays positive
    ledger = make_ledger(opening + [((base + pd.Timedelta(seconds=s)).isoformat(), a, t, c)
                                    for s, a, t, c in rows])
    with mock.patch.object(balances, "_CHUNK", chunk):
        grid = balances.DayGrid(ledger, "2025-11-20", 3)
        tw = grid.linear_part(Snapshot("time_weighted"))
    keys = [(grid.accounts[i], grid.tokens[j])
            for i, j in zip(grid.key_account, grid.key_token, strict=True)]
    day_ns = balances.DAY_NS
    start, lin, at_midnight = (np.zeros((3, len(keys))) for _ in range(3))
    run = np.zeros(len(keys))
    for time, a, t, c in zip(ledger["time"], ledger["account"], ledger["token"],
                             ledger["change"], strict=True):  # in the ledger's order
        rel = (time - base).value
        k, d = keys.index((a, t)), rel // day_ns
        if d < 0:
            run[k] += c
        elif d < 3:
            start[d, k] += c
            lin[d, k] += c * ((day_ns - (rel - d * day_ns)) / day_ns)
            at_midnight[d, k] += c * (1.0 if rel == d * day_ns else 0.0)
    for d in range(3):  # the balance before day d: opening + day 0 + ... + day d-1
        run, start[d] = run + start[d], run
    assert np.array_equal(grid.start_balance.view(np.int64), start.view(np.int64))
    assert np.array_equal(tw.view(np.int64), lin.view(np.int64))
    # a sampled method sums the day-sorted changes: the same cells in the same order
    got = grid.linear_part(Snapshot("fixed", fixed_time_s=0))  # weight 1 at 00:00, else 0
    assert np.array_equal(got.view(np.int64), at_midnight.view(np.int64))


def test_a_missing_account_in_a_categorical_column_is_named():
    ledger = make_ledger(ROWS)
    ledger["account"] = pd.Categorical([None, "a", "a", "b", "b", "b"], categories=["a", "b"])
    with pytest.raises(ParameterError, match="missing 'account' in row 1"):
        daily_balances(ledger, "2025-11-20", "2025-11-20")
