"""The softstake command: outputs, exit codes, messages, and nothing half-written."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import EXAMPLES

from softstake_model.cli import main
from softstake_model.rewards import HISTORY_COLUMNS

LEDGER = "time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,100\n"


@pytest.fixture
def ledger(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text(LEDGER)
    return p


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_rewards_to_stdout(ledger, capsys):
    code, out, _ = run(["rewards", ledger, "--apr", "0.0365", "--start", "2025-11-20",
                        "--end", "2025-11-21"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ",".join(HISTORY_COLUMNS)
    # 100 BNB (min 0.5, cap 1000) at 3.65 %: 0.01 on day 1, paid 11-21 04:00
    assert lines[1] == "2025-11-20,a,BNB,100.0,100.0,0.0365,0.01,2025-11-21T04:00:00Z"
    day2 = lines[2].split(",")
    assert float(day2[3]) == pytest.approx(100 + 0.01 * 20 / 24, rel=1e-15)
    assert day2[6] == "0.01000083"


def test_overrides_and_tiers(ledger, capsys):
    code, out, _ = run(["rewards", ledger, "--min-holding", "200", "--start", "2025-11-20",
                        "--end", "2025-11-20"], capsys)
    assert code == 0 and out.splitlines()[1].split(",")[6] == "0.0"
    code, out, _ = run(["rewards", ledger, "--tiers", "50:0.0365,inf:0", "--start",
                        "2025-11-20", "--end", "2025-11-20"], capsys)
    assert out.splitlines()[1].split(",")[6] == "0.005"  # 50 * 0.0365 / 365


def test_out_file_is_written_and_kept_on_failure(ledger, tmp_path, capsys):
    out = tmp_path / "h.csv"
    assert run(["rewards", ledger, "--start", "2025-11-20", "--end", "2025-11-22",
                "--out", out], capsys)[0] == 0
    good = out.read_text()
    assert len(pd.read_csv(out)) == 3
    # a failing run (APR history missing a day) leaves the earlier output untouched
    apr = tmp_path / "apr.csv"
    apr.write_text("date,token,apr\n2025-11-20,BNB,0.02\n2025-11-22,BNB,0.02\n")
    code, _, err = run(["rewards", ledger, "--apr-history", apr, "--start", "2025-11-20",
                        "--end", "2025-11-22", "--out", out], capsys)
    assert code == 1
    assert "no APR for BNB on 2025-11-21" in err and str(apr) in err
    assert out.read_text() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".h.csv")] == []


@pytest.mark.parametrize("args, code, message", [
    (["--start", "2025-11-20", "--end", "2025-11-19"], 2,
     "--end 2025-11-19 is before the start 2025-11-20"),
    (["--start", "2025-11-20", "--end", "2025-11-2x"], 2,
     "--end is not a date YYYY-MM-DD: '2025-11-2x'"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--apr", "5"], 2,
     "--apr must be a fraction in [0, 1]"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--tiers", "5:0.1"], 2, "--tiers"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--token", "DOGE"], 2,
     "--token has unknown token(s) ['DOGE']"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--payout-time", "25:00"], 2,
     "--payout-time"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--fee", "1.5"], 2, "fee"),
    (["--start", "2025-11-20", "--end", "2025-11-21", "--activated-at", "2025-11-19"], 2,
     "has no time zone: '2025-11-19'"),
])
def test_bad_arguments_exit_2(ledger, capsys, args, code, message):
    got, out, err = run(["rewards", ledger, *args], capsys)
    assert got == code
    assert message in err
    assert "Traceback" not in err and out == ""


def test_unknown_token_in_generic_ledger_is_a_data_error(tmp_path, capsys):
    p = tmp_path / "l.csv"
    p.write_text(LEDGER + "2025-11-02T00:00:00Z,a,DOGE,5\n")
    code, _, err = run(["rewards", p, "--start", "2025-11-20", "--end", "2025-11-20"], capsys)
    assert code == 1
    assert f"{p}, line 3, column 'token': unknown token 'DOGE'" in err


def test_statement_other_coins_are_skipped(capsys):
    code, out, err = run(["rewards", EXAMPLES / "binance_statement.csv", "--start",
                          "2025-11-20", "--end", "2025-11-21"], capsys)
    assert code == 0
    assert "ignoring coins without soft staking: USDT" in err
    assert "replaced by the simulated ones" in err
    assert set(pd.read_csv(pd.io.common.StringIO(out))["token"]) == {"BNB", "SOL"}


def test_console_script_has_no_traceback(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("time,account,token,change\n2025-11-01 00:00,a,BNB,1\n")
    res = subprocess.run([sys.executable, "-m", "softstake_model.cli", "rewards", str(p),
                          "--start", "2025-11-20", "--end", "2025-11-20"],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "line 2, column 'time'" in res.stderr


def test_reconcile_example(tmp_path, capsys):
    out = tmp_path / "rec.csv"
    code, text, _ = run(["reconcile", EXAMPLES / "binance_statement.csv", "--activated-at",
                         "2025-11-19T11:30:00Z", "--apr", "catalog", "--out", out], capsys)
    assert code == 0
    assert "1 missing, 1 unexpected, 1 mismatch" in text
    table = pd.read_csv(out)
    flagged = table[table.flag != "ok"].set_index("flag")
    # the three faults tools/make_examples.py planted
    assert flagged.loc["missing", ["date", "token"]].tolist() == ["2025-11-26", "BNB"]
    assert flagged.loc["unexpected", ["date", "token"]].tolist() == ["2025-11-19", "BNB"]
    assert flagged.loc["mismatch", ["date", "token"]].tolist() == ["2025-12-01", "SOL"]
    assert flagged.loc["mismatch", "difference"] == pytest.approx(5e-6, abs=1e-12)


def test_reconcile_with_rewards_record(capsys):
    code, text, _ = run(["reconcile", EXAMPLES / "binance_statement.csv", "--rewards-record",
                         EXAMPLES / "rewards_record.json", "--activated-at",
                         "2025-11-19T11:30:00Z", "--apr", "catalog"], capsys)
    assert code == 0
    assert "1 missing, 1 unexpected, 1 mismatch" in text


def test_stress_spec_example(tmp_path, capsys):
    out, daily = tmp_path / "s.json", tmp_path / "d.csv"
    code, _, _ = run(["stress", "--total", "1000000", "--buffer", "0.1", "--unbonding",
                      "fixed:14", "--shock", "1:0.3", "--days", "30", "--out", out,
                      "--daily-out", daily], capsys)
    assert code == 0
    s = json.loads(out.read_text())
    assert (s["max_queue"], s["delayed_amount"], s["max_delay_days"], s["days_with_queue"],
            s["days_to_clear"], s["requested"], s["paid"]) == (200000, 200000, 14, 14, 14,
                                                               300000, 300000)
    assert s["mean_delay_days"] == pytest.approx(28 / 3)
    d = pd.read_csv(daily)
    assert list(d.columns) == ["path", "day", "requested", "paid", "queued", "liquid",
                               "bonded", "unbonding", "user_balance"]
    assert d.loc[d.day == 15, "liquid"].item() == 70000


def test_stress_monte_carlo_summary(capsys):
    code, out, _ = run(["stress", "--token", "SOL", "--total", "1e6", "--buffer", "0.05",
                        "--paths", "200", "--days", "60", "--seed", "3"], capsys)
    assert code == 0
    s = json.loads(out)
    assert s["unbonding"] == "boundary:2"  # SOL's catalogue rule
    for k in ("max_queue", "delayed_amount", "delayed_share", "max_delay_days",
              "mean_delay_days", "days_with_queue", "days_to_clear", "requested", "paid"):
        assert set(s[k]) >= {"mean", "p50", "p95", "p99", "max"}, k
    assert 0 <= s["p_any_delay"] <= 1
    again = run(["stress", "--token", "SOL", "--total", "1e6", "--buffer", "0.05",
                 "--paths", "200", "--days", "60", "--seed", "3"], capsys)[1]
    assert json.loads(again) == s


@pytest.mark.parametrize("args, message", [
    (["--total", "-5", "--buffer", "0.1", "--unbonding", "none"],
     "--total must be > 0"),
    (["--total", "5", "--buffer", "1.5", "--unbonding", "none"],
     "--buffer must be in [0, 1], got 1.5"),
    (["--total", "5", "--buffer", "0.1", "--unbonding", "fixed"],
     "--unbonding 'fixed' is not fixed:N"),
    (["--total", "5", "--buffer", "0.1", "--unbonding", "none", "--shock", "x:1"],
     "--shock 'x:1' is not DAY:FRACTION"),
    (["--total", "5", "--buffer", "0.1"], "--unbonding must be given when no token is"),
])
def test_stress_bad_parameters(tmp_path, capsys, args, message):
    out = tmp_path / "s.json"
    out.write_text("earlier")
    code, stdout, err = run(["stress", *args, "--out", out], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert out.read_text() == "earlier"


def test_stress_rates_file_with_gap(tmp_path, capsys):
    rates = tmp_path / "r.csv"
    rates.write_text("path,day,rate\n0,1,0.1\n0,3,0.1\n")
    code, _, err = run(["stress", "--total", "100", "--buffer", "0.1", "--unbonding",
                        "fixed:2", "--withdrawal-rates", rates], capsys)
    assert code == 1 and "path 0 has no rate for day 2" in err
    rates.write_text("path,day,rate\n0,1,0.5\n0,2,0.0\n1,1,0.0\n1,2,0.0\n")
    code, out, _ = run(["stress", "--total", "100", "--buffer", "0.1", "--unbonding",
                        "fixed:1", "--withdrawal-rates", rates], capsys)
    s = json.loads(out)
    assert code == 0 and s["paths"] == 2 and s["p_any_delay"] == 0.5


def test_stress_two_shocks_in_one_option(capsys):
    # the hand-worked two-shock case of test_liquidity, shocks given as one option
    code, out, _ = run(["stress", "--total", "1000000", "--buffer", "0.1", "--unbonding",
                        "fixed:5", "--days", "10", "--shock", "1:0.2", "3:0.1"], capsys)
    s = json.loads(out)
    assert code == 0 and s["requested"] == 280000 and s["max_delay_days"] == 5


def test_catalog_from_the_binance_product_list(ledger, tmp_path, capsys):
    # GET /sapi/v1/soft-staking/list as a catalogue override: BNB apr 0.0365
    f = tmp_path / "list.json"
    f.write_text(json.dumps({"rows": [{"asset": "BNB", "minAmount": "0.5", "maxCap": "1000",
                                       "apr": "0.0365", "stakedAmount": "0",
                                       "totalProfit": "0"}], "total": 1}))
    code, out, _ = run(["rewards", ledger, "--catalog", f, "--start", "2025-11-20", "--end",
                        "2025-11-20"], capsys)
    assert code == 0 and out.splitlines()[1].split(",")[5:7] == ["0.0365", "0.01"]


def test_token_is_comma_separated_and_repeatable(tmp_path, capsys):
    p = tmp_path / "l.csv"
    p.write_text(LEDGER + "2025-11-01T00:00:00Z,a,SOL,10\n2025-11-01T00:00:00Z,a,ADA,500\n")
    base = ["rewards", p, "--start", "2025-11-20", "--end", "2025-11-20"]
    one = run([*base, "--token", "bnb,SOL"], capsys)[1]
    two = run([*base, "--token", "BNB", "--token", "sol"], capsys)[1]
    assert one == two and sorted(pd.read_csv(pd.io.common.StringIO(one))["token"]) == \
        ["BNB", "SOL"]
    code, _, err = run(["yields", "project", "--balance", "1", "--token", "BNB,SOL"], capsys)
    assert code == 2 and "--token must name one token" in err


@pytest.mark.parametrize("args, message", [
    (["apr", "chain", "SOL", "--staked-fraction", "0"], "--staked-fraction must be above 0"),
    (["apr", "index", "--pre", "1", "--post", "2", "--elapsed", "0"], "--elapsed must be"),
    (["apr", "convert", "--apy", "inf"], "--apy must be a finite number"),
    (["caps", "--population", "lognormal:1,1", "--holders", "10", "--apr", "0.01",
      "--budget", "1", "--cap-step", "0"], "--cap-step must be > 0, got 0"),
    (["yields", "curve", "--apr", "0.05", "--balances", "1,x"],
     "--balances '1,x' is not a list of numbers"),
    (["rewards", "l.csv", "--start", "2025-11-20", "--end", "2025-11-21", "--tiers",
      "nan:0.1,inf:0.003"], "--tiers bounds must be positive"),
])
def test_package_errors_are_named_by_their_flags(args, message, capsys):
    code, out, err = run(args, capsys)
    assert code == 2 and message in err and out == ""


def test_help_starts_without_the_modelling_stack():
    code = ("import sys\nfrom softstake_model.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'matplotlib') "
            "if m in sys.modules)\nprint(heavy)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip().endswith("[]"), res.stdout


def test_the_command_modules_are_thin():
    import ast
    from pathlib import Path

    import softstake_model.cli as cli

    for path in Path(cli.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 300, path.name
        imported = {a.name.split(".")[0] for node in ast.walk(ast.parse(text))
                    if isinstance(node, ast.Import) for a in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(text))
                     if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        assert not imported & {"numpy", "pandas"}, path.name
