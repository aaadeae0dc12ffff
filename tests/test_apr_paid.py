"""The rate a holder was paid, from a statement, reconcile's table, a reward history or a
rewards record: hand-computed rates, and the same rate whichever file carries it."""

from __future__ import annotations

import pandas as pd
import pytest

from softstake_model import examples
from softstake_model.apr.paid import paid_rates, read_paid_history
from softstake_model.errors import InputError


def test_a_reconcile_table_by_hand(tmp_path):
    f = tmp_path / "rec.csv"
    # ADA: 3000 eligible; paid 0.23506849 a day, one payout settling two days (0.47013698)
    pd.DataFrame({
        "date": ["2026-11-01", "2026-11-02", "2026-11-04", "2026-11-05"],
        "account": "a", "token": "ADA", "days": [1, 1, 2, 1],
        "avg_balance": 3000.0, "eligible_balance": [3000.0, 3000.0, 3000.0, 0.0],
        "apr": 0.03, "expected": 0.1, "paid": [0.23506849, 0.23506849, 0.47013698, 0.0],
        "difference": 0.0, "implied_apr": 0.0, "exchange_avg": 0.0,
        "flag": "ok"}).to_csv(f, index=False)
    h = read_paid_history(f)
    assert h.attrs["kind"] == "reconcile table"
    assert h["eligible_balance"].tolist() == [3000.0, 3000.0, 6000.0]  # nothing eligible: out
    r = paid_rates(h)
    # 4 days' pay over 4 days of 3000 ADA, a year of 365 days
    assert r.at["ADA", "apr"] == pytest.approx(4 * 0.23506849 * 365 / (4 * 3000), rel=1e-12)
    assert r.at["ADA", "apr"] == pytest.approx(0.0286, abs=1e-8)
    assert (r.at["ADA", "payouts"], r.at["ADA", "first"]) == (3, pd.Timestamp("2026-11-01"))
    assert paid_rates(h, last_days=2).at["ADA", "payouts"] == 1  # the 4th only


def test_a_statement_and_its_reconcile_table_give_the_same_rate(tmp_path):
    from softstake_model.cli import main

    statement = examples.path("statement")
    table = tmp_path / "rec.csv"
    act = examples.path("statement_activations")
    assert main(["reconcile", str(statement), "--activations", str(act),
                 "--out", str(table)]) == 0
    h = read_paid_history(statement, activations=str(act))
    a, b = paid_rates(h), paid_rates(read_paid_history(table))
    assert h.attrs["kind"] == "statement"
    pd.testing.assert_series_equal(a["apr"], b["apr"], rtol=1e-12)
    # the synthetic statement was paid at 2.5 % on BNB (less the truncation to 8 decimals)
    assert a.at["BNB", "apr"] == pytest.approx(0.025, rel=2e-3)


def test_a_rewards_record(tmp_path):
    import json

    f = tmp_path / "rec.json"
    day = 86_400_000
    t0 = int(pd.Timestamp("2026-11-02T04:00:00Z").value // 1_000_000)
    rows = [{"asset": "ADA", "rewards": "0.23506849", "rewardAsset": "ADA",
             "avgAmount": "3000", "time": t0 + i * day} for i in range(3)]
    f.write_text(json.dumps({"rows": rows, "total": 3}))
    h = read_paid_history(f)
    assert h.attrs["kind"] == "reward history"
    assert h["date"].min() == pd.Timestamp("2026-11-01")  # accrued the day before
    assert paid_rates(h).at["ADA", "apr"] == pytest.approx(0.23506849 * 365 / 3000, rel=1e-12)
    # the shipped record carries no balances (avgAmount 0): no rate can be read off it
    with pytest.raises(InputError, match="no payout with an eligible balance"):
        paid_rates(read_paid_history(examples.path("rewards_record")))


def test_nothing_eligible_is_one_message(tmp_path):
    f = tmp_path / "h.csv"
    pd.DataFrame({"date": ["2026-11-01"], "token": ["ADA"], "reward": [0.0],
                  "eligible_balance": [0.0]}).to_csv(f, index=False)
    with pytest.raises(InputError, match="no payout with an eligible balance"):
        paid_rates(read_paid_history(f))


def _ada_table(tmp_path, days=30, paid=0.23506849):
    f = tmp_path / "ada.csv"
    pd.DataFrame({
        "date": pd.date_range("2026-10-01", periods=days, freq="D").strftime("%Y-%m-%d"),
        "account": "a", "token": "ADA", "days": 1, "avg_balance": 3000.0,
        "eligible_balance": 3000.0, "apr": 0.042, "expected": 0.345, "paid": paid,
        "difference": 0.0, "implied_apr": 0.0286, "exchange_avg": 3000.0,
        "flag": "mismatch"}).to_csv(f, index=False)
    return f


def test_yields_project_at_the_rate_realized(tmp_path, capsys):
    """The issue's holder: paid about 2.86 % on ADA, the catalogue says 4.2 %."""
    import json

    from softstake_model.cli import main

    f = _ada_table(tmp_path)
    assert main(["yields", "project", "--balance", "3000", "--token", "ADA", "--apr",
                 "realized", str(f)]) == 0
    got = json.loads(capsys.readouterr().out)
    rate = 0.23506849 * 365 / 3000  # 2.86 %, less the truncation
    assert got["terms"]["apr"] == pytest.approx(rate, rel=1e-12)
    assert got["terms"]["apr_source"].startswith("realized: the rate paid on ADA in ")
    assert main(["yields", "project", "--balance", "3000", "--token", "ADA", "--apr",
                 repr(rate)]) == 0
    same = json.loads(capsys.readouterr().out)
    assert got["total_rewards"] == same["total_rewards"]
    # a year at 2.86 % compounded daily (the preset pays every day): about 87.0 ADA
    assert got["total_rewards"] == pytest.approx(3000 * ((1 + rate / 365) ** 365 - 1), rel=1e-3)


@pytest.mark.parametrize(("flags", "words"), [
    (["--apr", "realized"], "neither a rate"),
    (["--apr", "0.05", "x"], "takes a rate or 'realized FILE'"),
])
def test_yields_apr_mistakes_are_one_line(flags, words, capsys):
    from softstake_model.cli import main

    assert main(["yields", "project", "--balance", "3000", "--token", "ADA", *flags]) != 0
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_realized_needs_the_token_of_a_file_with_several(tmp_path):
    from softstake_model.apr.paid import realized_rate
    from softstake_model.errors import ParameterError

    with pytest.raises(ParameterError, match="was paid in BNB, SOL"):
        realized_rate(examples.path("statement"),
                      activations=str(examples.path("statement_activations")))
    token, apr, text = realized_rate(_ada_table(tmp_path), fee=0.15)
    assert token == "ADA" and apr == pytest.approx(0.23506849 * 365 / 3000 / 0.85)
    assert "gross of the 15% fee" in text


def test_apr_realized_reads_a_statement_and_reconciles_table(tmp_path, capsys):
    from softstake_model.cli import main

    f = _ada_table(tmp_path, days=3)
    out = tmp_path / "r.csv"
    assert main(["apr", "realized", str(f), "--out", str(out)]) == 0
    r = pd.read_csv(out)
    assert r["apr"].tolist() == pytest.approx([0.23506849 * 365 / 3000] * 3, rel=1e-12)
    assert main(["apr", "realized", str(examples.path("statement")), "--out", str(out)]) == 0
    r = pd.read_csv(out)
    assert set(r["token"]) == {"BNB", "SOL"}
    # the synthetic statement pays BNB at 2.5 % (less the truncation to 8 decimals)
    assert r.loc[r["token"] == "BNB", "apr"].median() == pytest.approx(0.025, rel=1e-3)
