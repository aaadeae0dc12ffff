"""Readers: what they accept, and the message for each kind of bad input."""

import json

import pandas as pd
import pytest

from softstake_model.errors import InputError
from softstake_model.ledger import (
    read_activations,
    read_apr_history,
    read_ledger,
    read_product_list,
    read_rewards_record,
)


def write(tmp_path, text, name="ledger.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_generic_reads_and_orders(tmp_path):
    p = write(tmp_path, "time,account,token,change,wallet\n"
              "2025-11-20T10:00:00+02:00,a,bnb,5,\n"
              "2025-11-20T07:00:00Z,a,BNB,1.5,free\n")
    led = read_ledger(p)
    assert led["time"].tolist() == [pd.Timestamp("2025-11-20T07:00Z"),
                                    pd.Timestamp("2025-11-20T08:00Z")]
    assert led["token"].tolist() == ["BNB", "BNB"]
    assert led["wallet"].tolist() == ["free", "free"]
    assert led["line"].tolist() == [3, 2]


def test_same_instant_keeps_file_order(tmp_path):
    ok = "time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,5\n2025-11-20T07:00:00Z,a,BNB,-5\n"
    assert len(read_ledger(write(tmp_path, ok))) == 2
    bad = "time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,-5\n2025-11-20T07:00:00Z,a,BNB,5\n"
    with pytest.raises(InputError, match="line 2, column 'change': the free BNB balance"):
        read_ledger(write(tmp_path, bad))


@pytest.mark.parametrize("body, where", [
    ("time,account,token\n2025-11-20T07:00:00Z,a,BNB\n", "line 1, column 'change': missing"),
    ("time,account,token,change\n2025-11-20 07:00:00,a,BNB,1\n",
     "line 2, column 'time': time '2025-11-20 07:00:00' has no time zone"),
    ("time,account,token,change\n2025-13-20T07:00:00Z,a,BNB,1\n",
     "line 2, column 'time': '2025-13-20T07:00:00Z' is not an ISO-8601"),
    ("time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,1\n2025-11-20T08:00:00Z,a,BNB,inf\n",
     "line 3, column 'change': 'inf' is not a finite number"),
    ("time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,abc\n",
     "line 2, column 'change': 'abc' is not a finite number"),
    ("time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,\n",
     "line 2, column 'change': '' is not a finite number"),
    ("time,account,token,change\n2025-11-20T07:00:00Z,,BNB,1\n", "line 2, column 'account'"),
    ("time,account,token,change,change\n2025-11-20T07:00:00Z,a,BNB,1,1\n",
     "line 1: duplicate header column"),
    ("time,account,token,change,wallet\n2025-11-20T07:00:00Z,a,BNB,1,margin\n",
     "line 2, column 'wallet'"),
    ("time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,1\n2025-11-21T07:00:00Z,a,BNB,-2\n",
     "line 3, column 'change': the free BNB balance of account 'a' goes negative"),
])
def test_bad_generic_input_names_line_and_column(tmp_path, body, where):
    p = write(tmp_path, body)
    with pytest.raises(InputError) as e:
        read_ledger(p)
    assert str(e.value).startswith(f"{p}, {where}")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_ledger(tmp_path / "nope.csv")


STATEMENT = """User_ID,UTC_Time,Account,Operation,Coin,Change,Remark
7,2025-01-04 11:20:13,Spot,Deposit,BNB,2,
7,2025-01-04 11:21:00,Funding,Deposit,BNB,-50,
7,2025-01-05 04:00:00,Spot,Soft Staking Rewards,BNB,0.00013698,
7,2025-01-05 09:00:00,Spot,Withdraw,BNB,-1,
"""


def test_binance_statement_is_detected_and_only_spot_counts(tmp_path):
    led = read_ledger(write(tmp_path, STATEMENT))
    assert led.attrs["format"] == "binance-statement"
    assert led["change"].tolist() == [2, 0.00013698, -1]
    assert led["kind"].tolist() == ["", "reward", ""]
    assert (led["account"] == "7").all()


def test_binance_statement_without_user_id(tmp_path):
    text = "\n".join(",".join(r.split(",")[1:]) for r in STATEMENT.splitlines()) + "\n"
    led = read_ledger(write(tmp_path, text))
    assert (led["account"] == "self").all()


def test_binance_statement_bad_time(tmp_path):
    p = write(tmp_path, STATEMENT.replace("2025-01-05 09:00:00", "05/01/2025 09:00"))
    with pytest.raises(InputError, match="line 5, column 'UTC_Time'"):
        read_ledger(p)


def test_rewards_record_json(tmp_path):
    # the response example of GET /sapi/v1/soft-staking/history/rewardsRecord
    body = {"rows": [{"asset": "BNB", "rewards": "0.00000557", "rewardAsset": "BNB",
                      "avgAmount": "2.14", "time": 1754007978000},
                     {"asset": "SUI", "rewards": "0.00274257", "rewardAsset": "SUI",
                      "avgAmount": "100", "time": 1754007978000}], "total": 2}
    rec = read_rewards_record(write(tmp_path, json.dumps(body), "r.json"))
    assert rec["reward"].tolist() == [0.00000557, 0.00274257]
    assert rec["avg_amount"].tolist() == [2.14, 100.0]
    assert rec["time"].iloc[0] == pd.Timestamp("2025-08-01T00:26:18Z")
    body["rows"][1]["rewards"] = "NaN"
    with pytest.raises(InputError, match="column 'rewards': row 1"):
        read_rewards_record(write(tmp_path, json.dumps(body), "r.json"))


def test_product_list_json(tmp_path):
    body = {"status": True, "totalRewardsUsdt": "3.09827182",
            "rows": [{"asset": "BNB", "minAmount": "0.5", "maxCap": "1000", "apr": "0.0015",
                      "stakedAmount": "2.14", "totalProfit": "0.00171234"}], "total": 1}
    lst = read_product_list(write(tmp_path, json.dumps(body), "l.json"))
    assert lst.iloc[0][["min_holding", "cap", "apr"]].tolist() == [0.5, 1000.0, 0.0015]
    with pytest.raises(InputError, match="not valid JSON"):
        read_product_list(write(tmp_path, "{", "l.json"))


def test_apr_history_and_activations(tmp_path):
    apr = read_apr_history(write(tmp_path, "date,token,apr\n2025-11-20,bnb,0.02\n", "a.csv"))
    assert apr["token"].tolist() == ["BNB"]
    with pytest.raises(InputError, match="line 2, column 'apr': APR 5.0 looks like a percentage"):
        read_apr_history(write(tmp_path, "date,token,apr\n2025-11-20,BNB,5\n", "a.csv"))
    acts = read_activations(write(tmp_path, "account,activated_at,deactivated_at\n"
                                  "a,2025-11-19T10:00:00Z,\n", "act.csv"))
    assert pd.isna(acts["deactivated_at"].iloc[0])
    with pytest.raises(InputError, match="line 2, column 'activated_at'"):
        read_activations(write(tmp_path, "account,activated_at\na,2025-11-19\n", "act.csv"))


def test_unknown_format_names_the_parameter(tmp_path):
    from softstake_model.errors import ParameterError
    from softstake_model.ledger import iter_chunks

    p = write(tmp_path, "time,account,token,change\n")
    for call in (lambda: read_ledger(p, "xml"), lambda: next(iter_chunks(p, "xml"))):
        with pytest.raises(ParameterError) as e:
            call()
        assert e.value.param == "format"
        assert str(e.value) == "format is not auto, generic or binance-statement: 'xml'"


def test_apr_history_dates_are_strict(tmp_path):
    p = write(tmp_path, "date,token,apr\n2025-11-20,BNB,0.02\n2025-11-21garbage,BNB,0.02\n",
              "a.csv")
    with pytest.raises(InputError, match="line 3, column 'date': '2025-11-21garbage' is not a"):
        read_apr_history(p)
    p = write(tmp_path, "date,token,apr\n2025-11-20,BNB,0.02\n2025-11-20,bnb,0.03\n", "a.csv")
    with pytest.raises(InputError, match="line 3, column 'date': BNB on 2025-11-20 appears"):
        read_apr_history(p)


def test_statement_other_accounts_are_not_checked(tmp_path):
    # a Funding row with an unreadable time is skipped; the same on a Spot row is an error
    text = STATEMENT.replace("2025-01-04 11:21:00", "garbage")
    assert len(read_ledger(write(tmp_path, text))) == 3
    with pytest.raises(InputError, match="line 2, column 'UTC_Time': 'x' is not a time like"):
        read_ledger(write(tmp_path, STATEMENT.replace("2025-01-04 11:20:13", "x")))
