"""apr fit and the per-token APR processes fit the stored daily APRs once the store holds
enough days; the same fit as from a file of the same figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sqlalchemy")

from softstake_model.apr.uncertainty import process_sentence, token_process
from softstake_model.store import MIN_FIT_DAYS, open_store, record_products


def _store(path, days):
    rng = np.random.default_rng(7)
    log_apr = np.log(0.03) + np.cumsum(rng.normal(0, 0.02, days))
    when = pd.date_range("2026-06-01", periods=days, freq="D", tz="UTC")
    store = open_store(path)
    for t, x in zip(when, np.exp(log_apr), strict=True):
        record_products(store, pd.DataFrame({
            "token": ["ADA"], "min_holding": [150.0], "cap": [150000.0], "apr": [x],
            "staked_amount": [np.nan], "total_profit": [np.nan]}), t + pd.Timedelta(hours=1))
    store.close()
    return pd.DataFrame({"date": when.tz_localize(None).strftime("%Y-%m-%d"),
                         "apr": np.exp(log_apr)})


def test_apr_fit_store_is_the_fit_of_the_same_figures_in_a_file(tmp_path, capsys):
    from softstake_model.cli import main

    figures = _store(tmp_path / "h.sqlite", 60)
    f = tmp_path / "apr.csv"
    figures.to_csv(f, index=False)
    assert main(["apr", "fit", str(f), "--bootstrap", "20", "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["apr", "fit", "store", "--token", "ada", "--store", str(tmp_path / "h.sqlite"),
                 "--bootstrap", "20", "--json"]) == 0
    from_store = json.loads(capsys.readouterr().out)
    for k in ("kappa", "mu", "sigma", "n"):
        assert from_store[k] == pytest.approx(from_file[k], rel=1e-12), k
    assert from_store["n"] == 60 and from_store["source"] == "stored"


def test_too_few_days_or_no_token_is_one_message(tmp_path, capsys):
    from softstake_model.cli import main

    _store(tmp_path / "h.sqlite", MIN_FIT_DAYS - 1)
    where = ["--store", str(tmp_path / "h.sqlite")]
    assert main(["apr", "fit", "store", "--token", "ADA", *where]) != 0
    assert "fewer than 30 days of ADA" in capsys.readouterr().err
    assert main(["apr", "fit", "store", *where]) != 0
    err = capsys.readouterr().err
    assert "needs --token" in err and len(err.strip().splitlines()) == 1


def test_token_process_fits_the_store_once_it_holds_enough_days(tmp_path, monkeypatch):
    assert token_process("ADA").source == "history"  # no store: the shipped history
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "h.sqlite"))
    _store(tmp_path / "h.sqlite", MIN_FIT_DAYS - 1)
    assert token_process("ADA").source == "history"  # not enough days yet
    _store(tmp_path / "h.sqlite", 45)  # the same 29 days and 16 more
    fit = token_process("ADA")
    assert fit.source == "stored" and fit.n == 45
    assert "history store" in process_sentence("ADA")
    assert token_process("BNB").source != "stored"  # nothing stored for BNB
