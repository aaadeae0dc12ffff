"""Hostile and careless inputs of issue 23: each case a one-line message naming the flag (the
command line, exit code != 0) or the Python parameter (the package, ParameterError), or the
right result. Command lines run through :func:`softstake_model.cli.main` in this process."""

import gc
import gzip
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from softstake_model import checks
from softstake_model.cli import main
from softstake_model.errors import InputError, ParameterError

LEDGER = "time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,100\n"  # BNB only
STATEMENT_LEAP = "UTC_Time,Account,Operation,Coin,Change\n2016-12-31 23:59:60,Spot,Deposit,BNB,1\n"
R = ["--start", "2025-11-20", "--end", "2025-11-21"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "l.csv").write_text(LEDGER)
    (tmp_path / "leap.csv").write_text(LEDGER.replace("2025-11-01T00:00:00Z",
                                                      "2016-12-31T23:59:60Z"))
    (tmp_path / "leap_statement.csv").write_text(STATEMENT_LEAP)
    (tmp_path / "l.csv.gz").write_bytes(gzip.compress(LEDGER.encode()))
    with zipfile.ZipFile(tmp_path / "l.xlsx", "w") as z:  # an .xlsx is a zip archive
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    pd.read_csv(tmp_path / "l.csv").to_parquet(tmp_path / "l.parquet")
    (tmp_path / "p0.csv").write_text("token,price_usd\nBNB,0\n")
    (tmp_path / "dup.yaml").write_text("BNB:\n  apr: 0.01\nSOL:\n  apr: 0.02\nBNB:\n  apr: 0.5\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = e.code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    return code, err


# (id, argv, exit code, message fragment)
CASES = [
    ("price-0", ["yields", "project", "--balance", "10", "--token", "BNB", "--price", "0"], 2,
     "--price must be > 0, got 0"),
    ("price-negative-budget", ["yields", "project", "--budget-usd", "100", "--token", "BNB",
                               "--price", "-1"], 2, "--price must be > 0, got -1"),
    ("catalogue-price-0", ["yields", "compare", "--budget-usd", "100", "--tokens", "BNB",
                           "--catalog", "p0.csv"], 1,
     "p0.csv, line 2, column 'price_usd': BNB: price_usd must be > 0 (empty for no price)"),
    ("catalogue-price-0-project", ["yields", "project", "--budget-usd", "100", "--token",
                                   "BNB", "--catalog", "p0.csv"], 2,
     "--catalog is not a usable catalogue: p0.csv, line 2, column 'price_usd'"),
    ("cap-below-a-held-minimum", ["rewards", "l.csv", "--cap", "0.1", *R], 2,
     "--cap 0.1 is below the minimum 0.5 of BNB: nothing could earn"),
    ("caps-cap-below-minimum", ["caps", "--token", "BNB", "--holders", "100", "--cap", "0.1"],
     2, "--cap 0.1 is below the minimum 0.5: nothing could earn"),
    ("caps-minimum-above-cap", ["caps", "--token", "BNB", "--holders", "100", "--cap", "0.1",
                                "--min-holding", "0.2"], 2,
     "--min-holding 0.2 is above the cap 0.1"),
    ("reconcile-cap-below-a-held-minimum", ["reconcile", "l.csv", "--cap", "0.1"], 2,
     "--cap 0.1 is below the minimum 0.5 of BNB: nothing could earn"),
    ("caps-other-cap-below-minimum", ["caps", "--token", "BNB", "--holders", "100",
                                      "--other-cap", "0.1"], 2,
     "--other-cap 0.1 is below the minimum 0.5 of BNB"),
    ("leap-second", ["rewards", "leap.csv", *R], 1,
     "leap.csv, line 2, column 'time': '2016-12-31T23:59:60Z' is a leap second"),
    ("leap-second-statement", ["rewards", "leap_statement.csv", *R], 1,
     "leap_statement.csv, line 2, column 'UTC_Time': '2016-12-31 23:59:60' is a leap second"),
    ("leap-second-argument", ["rewards", "l.csv", *R, "--activated-at",
                              "2025-11-01T23:59:60Z"], 2, "--activated-at is a leap second"),
    ("gzip", ["rewards", "l.csv.gz", *R], 1, "l.csv.gz: is a gzip file: decompress it"),
    ("xlsx", ["rewards", "l.xlsx", *R], 1,
     "l.xlsx: is a zip archive or a spreadsheet (.xlsx): export the sheet as CSV"),
    ("parquet", ["rewards", "l.parquet", *R], 1, "l.parquet: is a Parquet file"),
    ("catalogue-yaml-second-bnb", ["rewards", "l.csv", *R, "--catalog", "dup.yaml"], 1,
     "dup.yaml, line 5: not valid YAML: found duplicate key 'BNB' (first on line 1)"),
    ("catalogue-yaml-second-bnb-yields", ["yields", "project", "--balance", "1", "--token",
                                          "BNB", "--catalog", "dup.yaml"], 2,
     "--catalog is not a usable catalogue: dup.yaml, line 5: not valid YAML: found "
     "duplicate key 'BNB'"),
]


@pytest.mark.parametrize("argv, code, fragment", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hostile_input(workdir, capsys, argv, code, fragment):
    got, err = run(argv, capsys)
    assert got == code, err
    assert fragment in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_cap_is_checked_against_the_tokens_held_only(workdir, capsys):
    # TRX's minimum (400) is above 5, but the ledger holds BNB only (minimum 0.5)
    code = main(["rewards", "l.csv", "--cap", "5", "--apr", "0.0365", *R])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = pd.read_csv(__import__("io").StringIO(out))
    assert rows["eligible_balance"].tolist() == [5.0, 5.0]  # 100 held, capped at 5
    assert rows["reward"].tolist() == [0.0005, 0.0005]  # 5 x 0.0365 / 365


def test_reconcile_checks_the_cap_against_the_coins_held_only(workdir, capsys):
    # TRX's minimum (400) is above 5; the statement holds BNB only: no refusal
    code = main(["reconcile", "l.csv", "--cap", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "TRX" not in err


def test_a_catalogue_cap_below_a_minimum_names_cap_and_token():
    from softstake_model.catalog import load_catalog, override

    with pytest.raises(ParameterError) as e:
        override(load_catalog(), cap=5.0)
    assert e.value.param == "cap" and "below the minimum 400 of TRX" in str(e.value)
    assert override(load_catalog(), ["BNB"], cap=5.0).at["BNB", "cap"] == 5.0


def test_price_of_the_python_api():
    from softstake_model.fiat import bootstrap_prices, gbm_prices
    from softstake_model.yields import HolderQuestion

    for price in (0.0, -1.0):
        with pytest.raises(ParameterError) as e:
            HolderQuestion(token="BNB", balance=1.0, price=price)
        assert e.value.param == "price"
        with pytest.raises(ParameterError) as e:
            gbm_prices(price, 0.5, 2, 2)
        assert e.value.param == "price"
        with pytest.raises(ParameterError) as e:
            bootstrap_prices([1.0, 2.0, 3.0], 2, 2, p0=price)
        assert e.value.param == "price"
    from softstake_model.catalog import load_catalog, override

    with pytest.raises(ParameterError) as e:
        override(load_catalog(), price_usd=0.0)
    assert e.value.param == "price_usd"


def test_caps_question_refuses_a_comparison_cap_below_the_minimum():
    from softstake_model.cap_question import CapQuestion, cap_cost

    with pytest.raises(ParameterError) as e:
        cap_cost(CapQuestion(token="BNB", holders=100, other_cap=0.1))
    assert e.value.param == "other_cap" and "minimum 0.5" in str(e.value)
    with pytest.raises(ParameterError, match=r"0\.1 is below the minimum 0\.5") as e:
        cap_cost(CapQuestion(token="BNB", holders=100, cap=0.1))
    assert e.value.param == "cap"


def test_caps_summary_of_a_table():
    from softstake_model.caps import caps_summary, gini
    from softstake_model.product import TokenRule

    rule = TokenRule(apr=0.0365)  # 100 -> 0.01 a day, 200 -> 0.02, 300 -> 0.03
    # Gini of (1, 2, 3): sum |xi - xj| / (2 n^2 mean) = 8 / (2 * 9 * 2) = 2/9
    table = pd.DataFrame({"account": ["a", "b", "c"], "balance": [100.0, 200.0, 300.0]})
    assert caps_summary(table, rule)["gini"] == pytest.approx(2 / 9, rel=1e-12)
    assert caps_summary(table["balance"], rule)["gini"] == pytest.approx(2 / 9, rel=1e-12)
    with pytest.raises(ParameterError) as e:
        caps_summary(table.drop(columns="balance").assign(x=1.0), rule)
    assert e.value.param == "balances" and "no 'balance' column" in str(e.value)
    with pytest.raises(ParameterError) as e:
        caps_summary(np.ones((3, 2)), rule)
    assert e.value.param == "balances" and "shape (3, 2)" in str(e.value)
    with pytest.raises(ParameterError):
        gini(np.ones((3, 2)))


def _columns(**kw):
    cols = dict(time=pd.to_datetime(["2025-11-01T00:00:00Z"] * 2), account=["a", "b"],
                token=["BNB", "BNB"], change=[100.0, 200.0])
    return {**cols, **kw}


def test_normalise_refuses_times_without_a_zone():
    from softstake_model.ledger import normalise

    with pytest.raises(ParameterError) as e:
        normalise(**_columns(time=pd.to_datetime(["2025-11-01 00:00:00"] * 2)))
    assert e.value.param == "time" and "no time zone" in str(e.value)


def test_normalise_wallets_in_any_case_and_refused_otherwise():
    from softstake_model.catalog import load_catalog, override
    from softstake_model.ledger import normalise
    from softstake_model.rewards import reward_history

    ledger = normalise(**_columns(wallet=["FREE", "Locked"]))
    assert ledger["wallet"].tolist() == ["free", "locked"]
    cat = override(load_catalog(), apr=0.0365)
    hist = reward_history(ledger, cat, start="2025-11-20", end="2025-11-20")
    assert hist["account"].tolist() == ["a"]  # the free 100 earns 0.01, the locked nothing
    assert hist["reward"].tolist() == [0.01]
    with pytest.raises(ParameterError) as e:
        normalise(**_columns(wallet=["free", "spot"]))
    assert e.value.param == "wallet" and "'spot' at row 1" in str(e.value)


def test_a_missing_account_names_the_column_and_row():
    from softstake_model.ledger import check_frame, normalise

    for account in (pd.Categorical(["a", np.nan]), ["a", None]):
        with pytest.raises(ParameterError) as e:
            normalise(**_columns(account=account))
        assert e.value.param == "account" and str(e.value) == "account has no value at row 1"
    frame = normalise(**_columns())
    check_frame(frame)  # a frame normalise made passes
    frame["account"] = pd.Categorical(["a", np.nan])
    with pytest.raises(ParameterError) as e:
        check_frame(frame)
    assert e.value.param == "ledger" and "column 'account' at row 1" in str(e.value)
    frame = normalise(**_columns())
    frame.loc[1, "wallet"] = "FREE"
    with pytest.raises(ParameterError, match="'FREE' in column 'wallet' at row 1"):
        check_frame(frame)


def test_excluded_text_that_is_no_file_is_refused(tmp_path):
    from softstake_model.ledger import accounts_of

    with pytest.raises(ParameterError) as e:
        accounts_of("me")
    assert e.value.param == "excluded" and "{'me'}" in str(e.value)
    (tmp_path / "ex.csv").write_text("account\nme\nyou\n")
    assert accounts_of(str(tmp_path / "ex.csv")) == {"me", "you"}
    assert accounts_of({"me"}) == {"me"} and accounts_of(["me", "you"]) == {"me", "you"}


def test_a_yaml_catalogue_with_a_second_token_is_refused(workdir):
    from softstake_model.catalog import load_catalog

    with pytest.raises(InputError) as e:
        load_catalog(workdir / "dup.yaml")
    assert e.value.line == 5 and "duplicate key 'BNB'" in str(e.value)


def test_chunked_reader_is_closed(workdir, monkeypatch):
    import softstake_model.tables as tables
    from softstake_model.ledger import iter_chunks

    readers = []
    real = tables._read_text

    def record(*a, **k):
        readers.append(real(*a, **k))
        return readers[-1]

    monkeypatch.setattr(tables, "_read_text", record)
    (workdir / "two.csv").write_text(LEDGER + "2025-11-02T00:00:00Z,a,BNB,1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(iter_chunks("two.csv", chunksize=1))) == 2  # read to the end
        assert len(next(iter_chunks("two.csv", chunksize=1))) == 1  # left after one chunk
        gc.collect()
    assert len(readers) == 2 and all(r.handles.handle.closed for r in readers)


def test_memory_error_names_what_to_reduce(capsys, monkeypatch):
    import softstake_model.cap_question as cq

    def exhausted(q):
        raise MemoryError()

    monkeypatch.setattr(cq, "cap_cost", exhausted)
    code, err = run(["caps", "--token", "BNB", "--holders", "100"], capsys)
    assert code == 1
    assert err.strip() == ("softstake: error: out of memory in 'softstake caps': ask for less "
                           "(--holders (or a smaller --balances file)), or run it where more "
                           "memory is free")


def test_history_never_creates_a_store(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sqlalchemy")
    where = tmp_path / "none.sqlite"
    monkeypatch.setenv("SOFTSTAKE_STORE", str(where))
    for table in ("catalog", "prices"):
        code, err = run(["history", table], capsys)
        assert code == 1 and f"no history store at {where}" in err, err
        assert not where.exists()


def test_price_source_says_where_the_price_came_from(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    from softstake_model.store import open_store, record_prices
    from softstake_model.yields import HolderQuestion, outlook

    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "none.sqlite"))
    q = dict(token="BNB", balance=1.0, days=1, price_paths=10)
    at = outlook(HolderQuestion(**q)).summary["at_price"]
    assert at["price_source"] == "catalogue: shipped 2025-11-19 (assumed)"
    assert outlook(HolderQuestion(**q, price=500.0)).summary["at_price"]["price_source"] == \
        "given"
    store = open_store(tmp_path / "h.sqlite")
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    days = pd.date_range(end=today - pd.Timedelta(days=1), periods=40)
    close = 600.0 * np.exp(0.01 * np.sin(np.arange(40)))
    record_prices(store, pd.DataFrame({"day": days, "token": "BNB", "quote": "USDT",
                                       "open": close, "high": close, "low": close,
                                       "close": close, "volume": 1.0}),
                  today.tz_localize("UTC"), "binance")
    store.close()
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path / "h.sqlite"))
    at = outlook(HolderQuestion(**q)).summary["at_price"]
    assert at["price"] == pytest.approx(close[-1])
    assert at["price_source"].startswith("catalogue: fetched ")


def test_rewards_on_stdout_are_written_in_chunks(workdir, monkeypatch):
    import softstake_model.files as files

    writes = []

    class Out:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    monkeypatch.setattr(files, "CSV_CHUNK_ROWS", 1)
    monkeypatch.setattr(sys, "stdout", Out())
    assert main(["rewards", "l.csv", "--apr", "0.0365", "--start", "2025-11-20", "--end",
                 "2025-11-22"]) == 0
    assert len(writes) == 4  # the header, then one row at a time
    assert writes[0].startswith("date,account,token") and writes[3].startswith("2025-11-22")


def test_caps_holders_estimate_is_the_calibrated_one():
    from softstake_model.caps import HOLDER_BYTES, sample_population

    assert HOLDER_BYTES == 104
    with pytest.raises(ParameterError) as e:
        limit = checks.MAX_BYTES
        sample_population("lognormal:1,1", limit // HOLDER_BYTES + 1)
    assert e.value.param == "holders" and f"x {HOLDER_BYTES} bytes" in str(e.value)


def test_reward_history_refuses_excluded_text_that_is_no_file():
    from softstake_model import Terms, load_catalog, reward_history
    from softstake_model.ledger import normalise

    ledger = normalise(time=["2025-11-01T00:00:00Z"], account=["me"], token=["BNB"],
                       change=[100.0])
    with pytest.raises(ParameterError) as e:
        reward_history(ledger, load_catalog(), Terms(), start="2025-11-02", end="2025-11-02",
                       excluded="me")
    assert e.value.param == "excluded"
    kept = reward_history(ledger, load_catalog(), Terms(), start="2025-11-02",
                          end="2025-11-02", excluded={"me"})
    assert kept["reward"].sum() == 0.0  # excluded: nothing accrues
    paid = reward_history(ledger, load_catalog(), Terms(), start="2025-11-02",
                          end="2025-11-02")
    assert paid["reward"].sum() > 0  # not excluded: 100 BNB earn


def test_a_yaml_catalogue_that_is_not_utf8_is_named(tmp_path):
    from softstake_model.catalog import load_catalog

    (tmp_path / "c.yaml").write_bytes(b"BNB:\n  apr: 0.01 # caf\xe9\n")
    with pytest.raises(InputError, match=r"c\.yaml.*not UTF-8 text: invalid continuation "
                                         r"byte at byte 22"):  # 5 + 17 bytes before it
        load_catalog(tmp_path / "c.yaml")
