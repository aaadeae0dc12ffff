"""The holder's commands: reconcile from the statement alone, yields in dollars."""

import json

import pandas as pd
import pytest
from conftest import EXAMPLES

from softstake_model.cli import main

STATEMENT = EXAMPLES / "binance_statement.csv"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_reconcile_from_the_statement_alone(capsys):
    code, out, err = run(["reconcile", STATEMENT], capsys)
    assert code == 0
    lines = out.splitlines()
    # no activation given: taken from the first credit, the stray BNB credit of 11-20, so
    # accrual from 11-19; that credit pays 1.14 % where its neighbours paid 2.5 %
    # (mismatch), SOL held on 11-19 has no payout (missing), and BNB's 11-26 is missing
    assert lines[0] == ("44 payouts checked (2025-11-19 to 2025-12-10, accrual days): 41 ok, "
                        "2 missing, 1 mismatch")
    assert "Activation taken from the first reward credit" in lines[1]
    assert lines[2].startswith("Compared with the APR implied by each payout")
    flags = ("mismatch", "missing", "unexpected")
    flagged = [x.split() for x in lines[3:] if any(f" {f} " in x for f in flags)]
    # accrual day, credit day (the next), token, flag, and the reason
    assert [(f[0], f[1], f[3], next(w for w in f if w in flags)) for f in flagged] == [
        ("2025-11-19", "2025-11-20", "BNB", "mismatch"),
        ("2025-11-26", "2025-11-27", "BNB", "missing"),
        ("2025-11-19", "2025-11-20", "SOL", "missing")]
    assert "paid 54.4% less than due" in out  # 0.0001 against 0.00021916: 1 - 0.456
    assert "0.00021926 BNB due, nothing paid" in out
    assert "1.141%" in out  # 0.0001 BNB on 3.2000833 BNB: 0.0001 * 365 / 3.2000833
    assert "date,account" not in out and "e-0" not in out  # no CSV, no float noise
    assert "--out FILE writes the full table" in err


def test_reconcile_table_goes_to_out(tmp_path, capsys):
    out = tmp_path / "rec.csv"
    code, text, _ = run(["reconcile", STATEMENT, "--activated-at", "2025-11-19T11:30:00Z",
                         "--out", out], capsys)
    assert code == 0
    # paid at the catalogue's constant rates, the SOL payout 0.000005 (0.7 %) too high is
    # within the default 10 % tolerance of the implied APR; the other two faults remain
    assert "43 payouts checked (2025-11-19 to 2025-12-10, accrual days): 41 ok, 1 missing, " \
        "1 unexpected" in text
    assert "before the activation: accrues from 2025-11-20" in text
    table = pd.read_csv(out)
    assert {"date", "account", "token", "expected", "paid", "difference", "flag",
            "implied_apr"} <= set(table.columns)
    assert (table["difference"].round(8) == table["difference"]).all()
    # per-token totals: BNB's faults are the 0.0001 stray credit and 0.00021926 unpaid
    totals = [x.split() for x in text.splitlines() if x.strip().startswith(("BNB", "SOL"))]
    assert totals[0][:3] == ["BNB", "22", "2"]


def test_reconcile_against_a_given_apr_says_so(capsys):
    code, out, _ = run(["reconcile", STATEMENT, "--token", "SOL", "--apr", "0.05"], capsys)
    assert code == 0
    assert "Compared with the APR given, 5.00% for every token" in out
    assert "most payouts differ from that APR" in out
    with pytest.raises(SystemExit):
        main(["reconcile", str(STATEMENT), "--apr", "median"])
    assert "'median' is neither an APR" in capsys.readouterr().err
    code, _, err = run(["reconcile", STATEMENT, "--tolerance", "-1"], capsys)
    assert code == 2 and "--tolerance must be a fraction >= 0" in err


def test_project_a_budget_in_dollars(capsys):
    code, out, _ = run(["yields", "project", "--budget-usd", "2000", "--token", "SOL",
                        "--price", "100", "--days", "1", "--start", "2025-11-20"], capsys)
    assert code == 0
    res = json.loads(out)
    assert res["position"]["tokens"] == 20.0  # 2,000 USD at 100
    # one day: 20 * 5.8 % / 365 = 0.00317808219 -> 0.00317808 SOL, 0.317808 USD at 100
    assert res["total_rewards"] == 0.00317808
    assert res["at_price"]["rewards_usd"] == pytest.approx(0.317808, abs=1e-12)
    assert res["at_price"]["position_usd"] == 2000.0


def test_project_says_when_the_cap_bites(capsys):
    code, out, err = run(["yields", "project", "--balance", "2000", "--token", "SOL",
                          "--days", "1"], capsys)
    assert code == 0
    assert "2,000 SOL is above the cap of 1,000: only 1,000 earn" in err
    assert "--budget-usd" in err
    assert json.loads(out)["position"]["earning_tokens"] == 1000.0
    with pytest.raises(SystemExit):  # one or the other
        main(["yields", "project", "--balance", "1", "--budget-usd", "1"])


def test_compare_tokens_side_by_side(tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    code, text, _ = run(["yields", "compare", "--tokens", "SOL,ADA", "--budget-usd", "2000",
                         "--days", "1", "--paths", "20", "--start", "2025-11-20",
                         "--out", out], capsys)
    assert code == 0
    assert "$2,000.00 in each token" in text and "tokens bought" in text
    t = pd.read_csv(out).set_index("token")
    assert list(t.index) == ["SOL", "ADA"]
    # 2,000 USD at 140 = 14.2857 SOL; a day at 5.8 %: 0.002270058… -> 0.00227005 SOL
    assert t.loc["SOL", "tokens"] == pytest.approx(2000 / 140, rel=1e-15)
    assert t.loc["SOL", "rewards_tokens"] == 0.00227005
    assert t.loc["SOL", "rewards_usd"] == pytest.approx(0.00227005 * 140, rel=1e-12)
    # 2,000 USD at 0.45 = 4,444.44 ADA; at 4.2 %: 0.511415525… -> 0.51141552 ADA
    assert t.loc["ADA", "rewards_tokens"] == 0.51141552
    assert t.loc["ADA", "final_value_p5"] <= t.loc["ADA", "final_value_p50"] <= \
        t.loc["ADA", "final_value_p95"]
