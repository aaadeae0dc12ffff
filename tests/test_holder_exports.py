"""A holder's real exports (issue 20), worked by hand: 100 BNB at 3.65 % pays 0.01 a day.

Statements of a window and their opening balances, reward labels, duplicated and paged
files, activations files, and the output in the holder's terms (late payouts, reasons,
no difference where a payout is within the tolerance).
"""

import json

import pandas as pd
import pytest
from conftest import make_ledger

from softstake_model import product_catalog
from softstake_model.errors import InputError, ParameterError
from softstake_model.ledger import read_activations, read_ledger, read_rewards_records
from softstake_model.reconcile_question import ReconcileQuestion, reconcile_statement
from softstake_model.reconciliation import reconcile, reconcile_totals
from softstake_model.statement import likely_reward_label, read_statement

HEADER = "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n"
# The window opens with 100 BNB held (not in it); 40 are sold at noon on 11-20, so day 20
# averages 100 * 0.5 + 60 * 0.5 = 80 BNB -> 80 / 10,000 = 0.008 due (paid 11-21 04:00); day
# 21 holds 60 + 0.008 * 20/24 = 60.00666.. -> 0.00600066. USDT goes negative (its own
# opening is missing too) and is never balance-checked: it has no soft staking.
WINDOW = [
    "u,2025-11-20 12:00:00,Spot,Transaction Sold,BNB,-40,",
    "u,2025-11-20 12:00:00,Spot,Transaction Revenue,USDT,24000,",
    "u,2025-11-20 13:00:00,Spot,Withdraw,USDT,-30000,",
    "u,2025-11-20 14:00:00,Funding,Deposit,USDT,50,",
    "u,2025-11-21 04:00:00,Spot,{label},BNB,0.008,",
    "u,2025-11-22 04:00:00,Spot,{label},BNB,0.00600066,",
]


def write(tmp_path, lines, name="s.csv", label="Soft Staking Rewards", header=HEADER):
    p = tmp_path / name
    p.write_text(header + "".join(x.format(label=label) + "\n" for x in lines))
    return p


def question(path, **kw):
    return ReconcileQuestion(statement=str(path), apr=0.0365, min_holding=0, **kw)


def test_a_window_with_its_opening_balance_given(tmp_path):
    opening = tmp_path / "open.csv"
    opening.write_text("token,balance\nBNB,100\n")
    r = reconcile_statement(question(write(tmp_path, WINDOW), opening_balances=str(opening)))
    assert r.table["expected"].tolist() == [0.008, 0.00600066]
    assert r.counts["ok"] == 2 and r.totals.loc["BNB", "difference"] == 0
    assert r.openings.set_index("token").loc["BNB", ["balance", "inferred"]].tolist() == [
        100.0, False]
    assert r.ignored == ["USDT"]  # -6,000 USDT, never checked


def test_a_window_with_its_opening_balance_inferred(tmp_path):
    # the smallest opening keeping BNB >= 0 is 40: day 20 averages 40 * 0.5 = 20 BNB ->
    # 0.002 due against 0.008 paid; day 21 holds 0 + 0.008 * 20/24 = 0.00666.. BNB ->
    # 0.00666.. / 10,000 = 0.00000066 (truncated) against 0.00600066 paid
    r = reconcile_statement(question(write(tmp_path, WINDOW)))
    assert r.openings.set_index("token").loc["BNB", ["balance", "inferred"]].tolist() == [
        40.0, True]
    assert r.table["expected"].tolist() == [0.002, 6.6e-07]
    assert r.table["flag"].tolist() == ["mismatch", "mismatch"]
    assert any("opening balances inferred" in n and "BNB 40" in n for n in r.notes)
    # a mapping in the Python API sets it as a file does
    st = read_statement(write(tmp_path, WINDOW), product_catalog(),
                        opening_balances={"BNB": 100})
    assert st.openings[["token", "balance", "inferred"]].values.tolist() == [
        ["BNB", 100.0, False]]
    assert st.ledger["change"].iloc[0] == 100.0 and st.ledger["line"].iloc[0] == 1


def test_the_known_labels_and_one_given(tmp_path):
    for label in ("Staking Rewards", "Soft Staking", "soft_staking reward"):
        r = reconcile_statement(question(write(tmp_path, WINDOW, label=label),
                                         opening_balances=None))
        assert r.table["paid"].notna().all(), label
    dist = write(tmp_path, WINDOW, label="Distribution")
    assert reconcile_statement(question(dist)).table["paid"].isna().all()
    given = reconcile_statement(question(dist, reward_label=["Distribution"]))
    assert given.table["paid"].tolist() == [0.008, 0.00600066]


def test_a_warning_names_the_likely_reward_label():
    days = [f"2025-11-{d:02d}T04:00:00Z" for d in range(21, 26)]
    led = make_ledger([("2025-11-01T00:00:00Z", "u", "BNB", 100)]
                      + [(t, "u", "BNB", 0.01) for t in days])
    led["line"] = range(2, 2 + len(led))
    ops = pd.Series(["Deposit"] + ["Distribution"] * 5, index=led["line"].to_numpy())
    text = likely_reward_label(led, ops)
    assert "'Distribution' on 5 days" in text and "--reward-label 'Distribution'" in text
    assert likely_reward_label(led.iloc[:-1], ops) is None  # 4 days: too few to tell


def test_an_export_downloaded_twice(tmp_path):
    # joined without its header: 6 rows repeated, the first at line 8 (same as line 2)
    both = write(tmp_path, WINDOW + WINDOW)
    led = read_ledger(both, check_balances=False)
    assert led.attrs["duplicates"] == {"rows": 6, "line": 8, "same_as": 2, "dropped": False}
    assert led["change"].sum() == pytest.approx(2 * (-40 + 24000 - 30000 + 0.01400066))
    opening = {"BNB": 100.0}
    r = reconcile_statement(question(both, drop_duplicates=True,
                                     opening_balances=str(_open(tmp_path, opening))))
    assert r.table["flag"].tolist() == ["ok", "ok"]
    assert any("6 row(s) repeat an earlier row exactly, first line 8" in n for n in r.notes)
    # joined with its header: refused at the line of the second header
    with pytest.raises(InputError, match="line 8: repeats the header"):
        read_ledger(write(tmp_path, WINDOW + [HEADER.strip()] + WINDOW))


def _open(tmp_path, balances):
    p = tmp_path / "open.csv"
    p.write_text("token,balance\n" + "".join(f"{k},{v}\n" for k, v in balances.items()))
    return p


def _page(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text(json.dumps({"rows": rows, "total": len(rows)}))
    return p


def _row(day, reward, asset="BNB", ms=True):
    t = int(pd.Timestamp(f"2025-11-{day}T04:00:00Z").timestamp())
    return {"asset": asset, "rewards": str(reward), "rewardAsset": asset, "avgAmount": "0",
            "time": t * 1000 if ms else t}


def test_every_page_of_a_rewards_record(tmp_path):
    a = _page(tmp_path, "a.json", [_row(21, 0.008), _row(22, 0.00600066)])
    b = _page(tmp_path, "b.json", [_row(22, 0.00600066), _row(23, 0.006)])  # overlap: 22
    rec = read_rewards_records([a, b])
    assert rec["reward"].tolist() == [0.008, 0.00600066, 0.006]
    c = _page(tmp_path, "c.json", [_row(22, 0.007)])
    with pytest.raises(InputError, match="pages that disagree"):
        read_rewards_records([a, c])
    with pytest.raises(InputError, match="looks like seconds"):
        read_rewards_records(_page(tmp_path, "s.json", [_row(21, 0.008, ms=False)]))
    micro = dict(_row(21, 0.008), time=_row(21, 0.008)["time"] * 1000)
    with pytest.raises(InputError, match="looks like microseconds"):
        read_rewards_records(_page(tmp_path, "u.json", [micro]))
    with pytest.raises(InputError, match="'asset' is null"):
        read_rewards_records(_page(tmp_path, "n.json", [dict(_row(21, 0.008), asset=None)]))
    y = (pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2027-01-01", tz="UTC"))
    with pytest.raises(InputError, match="outside the statement's years"):
        read_rewards_records(a, within=y)


def test_both_pages_pay_the_window(tmp_path):
    a = _page(tmp_path, "a.json", [_row(21, 0.008)])
    b = _page(tmp_path, "b.json", [_row(22, 0.00600066)])
    r = reconcile_statement(question(write(tmp_path, WINDOW), rewards_record=[str(a), str(b)],
                                     opening_balances=str(_open(tmp_path, {"BNB": 100}))))
    assert r.table["paid"].tolist() == [0.008, 0.00600066]
    assert r.counts["ok"] == 2


def test_activations_files(tmp_path):
    p = tmp_path / "act.csv"
    p.write_text("account,activated_at\nu,2025-11-19T11:30:00Z\n")
    assert read_activations(p)["account"].tolist() == ["u"]
    p.write_text("account,activated_at,deactivated_at\nu,2025-11-19T11:30:00Z,"
                 "2025-11-18T00:00:00Z\n")
    with pytest.raises(InputError, match="line 2.*is not after activated_at"):
        read_activations(p)
    st = make_ledger([("2025-11-01T00:00:00Z", "u", "BNB", 100)])
    other = pd.DataFrame({"account": ["someone"], "activated_at": pd.to_datetime(
        ["2025-11-19T00:00Z"], utc=True)})
    t = reconcile(st, product_catalog(), start="2025-11-20", end="2025-11-21",
                  compare=0.0365, activations=other)
    assert "the activations name no account of the statement" in t.attrs["notes"][0]


def test_kind_is_checked_like_wallet(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("time,account,token,change,kind\n2025-11-01T00:00:00Z,u,BNB,100,\n"
                 "2025-11-02T00:00:00Z,u,BNB,0.01,Soft Staking\n")
    with pytest.raises(InputError, match="line 3.*kind 'Soft Staking' is not blank"):
        read_ledger(p)


CREDITS = [
    ("2025-11-21T04:00:00Z", 0.01000001),  # day 20: due 0.01, one unit over -> ok, 0
    # day 21 (100 + 0.01000001 * 20/24 = 100.00833334 -> 0.01000083) paid with day 22's
    ("2025-11-23T04:00:00Z", 0.02000183),  # day 22: 100.01000001 all day -> 0.010001
    ("2025-11-24T04:00:00Z", 0.01000266),  # day 23: 100.01 + 0.02000183 * 20/24 -> 0.01000266
]


def _statement(credits):
    rows = [("2025-11-01T00:00:00Z", "u", "BNB", 100)] + [(t, "u", "BNB", v) for t, v in credits]
    return make_ledger(rows, [""] + ["reward"] * len(credits))


def test_a_payout_credited_a_day_late(plain_catalog):
    t = reconcile(_statement(CREDITS), plain_catalog, start="2025-11-20", end="2025-11-23",
                  compare="catalog")
    assert t["expected"].tolist() == [0.01, 0.01000083, 0.010001, 0.01000266]
    assert t["flag"].tolist() == ["ok", "late", "ok", "ok"]
    assert t["reason"].tolist() == ["", "paid late by 1 day, on 2025-11-23", "", ""]
    # the late amount moved back to its day: 0.02000183 - 0.010001 = 0.01000083
    assert t["paid"].tolist() == [0.01000001, 0.01000083, 0.010001, 0.01000266]
    assert t["difference"].tolist() == [0.0, 0.0, 0.0, 0.0]  # within one unit: none
    assert [str(d.date()) for d in t["credit_date"]] == ["2025-11-21", "2025-11-22",
                                                        "2025-11-23", "2025-11-24"]
    assert reconcile_totals(t, plain_catalog).loc["BNB", "difference"] == 0.0


def test_a_reason_for_every_flag(plain_catalog):
    cat = plain_catalog.copy()
    cat.loc["BNB", ["min_holding", "cap"]] = [50.0, 80.0]
    st = make_ledger([("2025-11-01T00:00:00Z", "u", "BNB", 100),
                      ("2025-11-21T00:00:00Z", "u", "BNB", -60),
                      ("2025-11-21T04:00:00Z", "u", "BNB", 0.01),   # day 20: capped 80 -> 0.008
                      ("2025-11-22T04:00:00Z", "u", "BNB", 0.004)],  # day 21: 40 < 50
                     ["", "", "reward", "reward"])
    t = reconcile(st, cat, start="2025-11-20", end="2025-11-21", compare="catalog")
    assert t["expected"].tolist() == [0.008, 0.0]
    assert t["flag"].tolist() == ["mismatch", "unexpected"]
    assert t["reason"].tolist() == [
        "paid 25.0% more than due; the balance 100 is above the cap 80: only the cap earns",
        "the day's balance 40.008333 BNB is below the minimum 50"]  # 40 + 0.01 * 20/24
    t = reconcile(st, cat, start="2025-11-20", end="2025-11-21", compare="catalog",
                  activated_at="2025-11-20T10:00:00Z")
    assert t["reason"].iloc[0] == "before the activation: accrues from 2025-11-21"


def test_an_apr_history_is_needed_only_on_accruing_days(plain_catalog, tmp_path):
    # activated 11-20: days 21 and 22 accrue, so a history of those two days is enough
    st = _statement([("2025-11-22T04:00:00Z", 0.01), ("2025-11-23T04:00:00Z", 0.01000083)])
    hist = pd.DataFrame({"date": pd.to_datetime(["2025-11-21", "2025-11-22"]),
                         "token": "BNB", "apr": 0.0365})
    t = reconcile(st, plain_catalog, start="2025-11-20", end="2025-11-22",
                  activated_at="2025-11-20T10:00:00Z", apr_history=hist)
    assert t["flag"].tolist() == ["ok", "ok"]
    with pytest.raises(InputError, match="no APR for"):
        reconcile(st, plain_catalog, start="2025-11-20", end="2025-11-22",
                  activated_at="2025-11-20T10:00:00Z", apr_history=hist.iloc[1:])


def test_no_value_may_be_written_none_or_empty():
    for text in ("none", "None", "null", "", "~"):
        q = ReconcileQuestion(activated_at=text, token=text, tolerance=text)
        assert q.activated_at is None and q.token is None and q.tolerance is None
    with pytest.raises(ParameterError, match="rewards_record should be a file's path"):
        ReconcileQuestion(rewards_record=[3])


def test_an_apr_history_tolerates_a_faults_knock_on(plain_catalog):
    # 1,000,000 BNB at 3.65 %: day 20 is due 100, paid 130 (the fault). The exchange pays
    # day 21 on its own balance, 1,000,000 + 100 * 20/24 -> 100.00833333; the statement
    # holds 1,000,000 + 130 * 20/24, so 100.01083333 is due there: 0.0025 apart, 0.0025 %,
    # within the history's 0.1 % tolerance, beyond no tolerance at all
    st = make_ledger([("2025-11-01T00:00:00Z", "u", "BNB", 1e6),
                      ("2025-11-21T04:00:00Z", "u", "BNB", 130.0),
                      ("2025-11-22T04:00:00Z", "u", "BNB", 100.00833333)],
                     ["", "reward", "reward"])
    hist = pd.DataFrame({"date": pd.to_datetime(["2025-11-20", "2025-11-21"]),
                         "token": "BNB", "apr": 0.0365})
    kw = dict(start="2025-11-20", end="2025-11-21", apr_history=hist)
    t = reconcile(st, plain_catalog, **kw)
    assert t["expected"].tolist() == [100.0, 100.01083333]
    assert t["flag"].tolist() == ["mismatch", "ok"]
    assert "0.1% tolerance" in t.attrs["compared_with"]
    assert reconcile(st, plain_catalog, tolerance=0, **kw)["flag"].tolist() == [
        "mismatch", "mismatch"]


def test_ledger_convert_names_repeated_lines(tmp_path, capsys):
    from softstake_model.cli import main

    src = write(tmp_path, WINDOW + WINDOW[:2])  # two lines repeated, the first at line 8
    assert main(["ledger", "convert", str(src), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "2 line(s) repeat an earlier line exactly, first line 8 (same as line 2)" in err
