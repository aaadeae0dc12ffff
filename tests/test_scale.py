"""Dask scale-out: converter, engine over partitions, chunk-independent Monte Carlo."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from softstake_model import load_catalog, read_ledger, reward_history
from softstake_model.cli import main
from softstake_model.errors import InputError, ParameterError
from softstake_model.liquidity import RunModel, StressParams, simulate, withdrawal_rates
from softstake_model.scale import (
    MANIFEST,
    convert_ledger,
    daily_totals,
    get_client,
    monte_carlo_dask,
    partition_files,
    read_ledger_dir,
    read_partition,
    rewards_dask,
    write_output_dir,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    c = get_client(workers=2, memory_limit="1GiB")
    yield c
    c.close()


@pytest.fixture(scope="module")
def ledger_csv(tmp_path_factory):
    """300 accounts over three tokens, opening deposits and random moves over 20 days."""
    rng = np.random.default_rng(5)
    n_acc, n = 300, 4000
    tokens = rng.choice(["BNB", "SOL", "ADA"], n_acc)
    opening = pd.DataFrame({"time": "2025-11-01T00:00:00Z",
                            "account": [f"u{i:04d}" for i in range(n_acc)], "token": tokens,
                            "change": np.round(rng.lognormal(5, 2, n_acc) + 200, 6)})
    who = rng.integers(0, n_acc, n)
    t = pd.Timestamp("2025-11-18", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 20 * 86400, n), unit="s")
    moves = pd.DataFrame({"time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "account": [f"u{i:04d}" for i in who], "token": tokens[who],
                          "change": np.round(rng.uniform(-5, 10, n), 6)})
    frame = pd.concat([opening, moves]).sort_values("time", kind="stable")
    path = tmp_path_factory.mktemp("ledger") / "ledger.csv"
    frame.to_csv(path, index=False)
    return path


def test_converter_buckets_whole_accounts(ledger_csv, tmp_path):
    out = tmp_path / "parts"
    m = convert_ledger(ledger_csv, out, buckets=13, chunksize=500)
    assert m["rows"] == 4300 and m["format"] == "generic"
    seen: dict[str, str] = {}
    for f in partition_files(out):
        for acc in pq.read_table(f, columns=["account"]).column(0).to_pylist():
            assert seen.setdefault(acc, f.name) == f.name  # never in two partitions
    assert len(partition_files(out)) > 5
    whole = read_ledger(ledger_csv)
    back = read_ledger_dir(out)
    cols = ["time", "account", "token", "change", "line"]
    assert back[cols].equals(whole[cols])


def test_failed_conversion_keeps_the_earlier_one(ledger_csv, tmp_path):
    out = tmp_path / "parts"
    convert_ledger(ledger_csv, out, buckets=4)
    before = sorted(p.name for p in out.iterdir())
    bad = tmp_path / "bad.csv"
    bad.write_text(ledger_csv.read_text() + "2025-12-01T00:00:00Z,u0001,BNB,oops\n")
    with pytest.raises(InputError, match="line 4302, column 'change'"):
        convert_ledger(bad, out, buckets=4, chunksize=1000)
    assert sorted(p.name for p in out.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".parts.")]


def test_dask_engine_equals_the_in_memory_engine(ledger_csv, tmp_path, client):
    out = tmp_path / "parts"
    convert_ledger(ledger_csv, out, buckets=11, chunksize=700)
    cat = load_catalog()
    kw = {"start": "2025-11-18", "end": "2025-12-07",
          "activated_at": "2025-11-19T10:00:00Z"}
    mem = reward_history(read_ledger(ledger_csv), cat, **kw)
    mem = mem.assign(account=mem.account.astype(str), token=mem.token.astype(str)).sort_values(
        ["date", "account", "token"], ignore_index=True)
    res = rewards_dask(out, cat, client=client, **kw)
    assert res["history"].equals(mem)
    want = daily_totals(mem).sort_values(["date", "token"], ignore_index=True)
    pd.testing.assert_frame_equal(res["totals"], want, check_exact=False, rtol=1e-12)
    written = rewards_dask(out, cat, client=client, out=tmp_path / "result", **kw)
    hist = pd.read_parquet(tmp_path / "result" / "history")
    assert len(hist) == len(mem)
    assert np.isclose(hist["reward"].sum(), mem["reward"].sum(), rtol=1e-12)
    assert (tmp_path / "result" / "daily_totals.csv").is_file()
    assert len(written["totals"]) == len(want)


def test_monte_carlo_does_not_depend_on_chunks(client):
    p = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:7", days=60,
                     base_rate=0.002)
    runs = RunModel(arrival_rate=0.03, volatility=0.8, price_sensitivity=0.1)
    whole = simulate(p, withdrawal_rates(p, 2500, 11, runs), daily=False).metrics
    for chunk in (1000, 333, 2500):
        got = monte_carlo_dask(p, 2500, 11, runs, chunk=chunk).drop(columns="path")
        pd.testing.assert_frame_equal(got, whole)


def test_malformed_partition_is_named(ledger_csv, tmp_path):
    out = tmp_path / "parts"
    convert_ledger(ledger_csv, out, buckets=3)
    f = partition_files(out)[1]
    t = pq.read_table(f).to_pandas()
    t.loc[5, "change"] = np.nan
    t.to_parquet(f, index=False)
    with pytest.raises(InputError) as e:
        read_partition(f)
    assert str(e.value).startswith(f"{f}, column 'change': row 5 (source line")
    t.loc[5, "change"] = -1e9  # now the balance goes negative
    t.to_parquet(f, index=False)
    with pytest.raises(InputError, match="goes negative") as e:
        read_partition(f)
    assert str(f) in str(e.value)


def test_commands(ledger_csv, tmp_path, capsys):
    out = tmp_path / "parts"
    assert main(["ledger", "convert", str(ledger_csv), "--out", str(out), "--buckets",
                 "7"]) == 0
    assert json.loads((out / MANIFEST).read_text())["buckets"] == 7
    capsys.readouterr()
    args = ["--start", "2025-11-18", "--end", "2025-11-25"]
    assert main(["rewards", str(out), *args, "--out", str(tmp_path / "mem.csv")]) == 0
    assert main(["rewards", str(out), *args, "--engine", "dask",
                 "--out", str(tmp_path / "dask.csv")]) == 0
    a = pd.read_csv(tmp_path / "mem.csv").sort_values(["date", "account"], ignore_index=True)
    b = pd.read_csv(tmp_path / "dask.csv").sort_values(["date", "account"], ignore_index=True)
    pd.testing.assert_frame_equal(a, b)
    assert main(["rewards", str(ledger_csv), *args, "--engine", "dask"]) == 2
    assert "softstake ledger convert" in capsys.readouterr().err


def test_sweep_on_dask_equals_the_in_memory_sweep(client):
    from softstake_model.liquidity import stress_sweep
    from softstake_model.scale import sweep_dask
    from softstake_model.sweeps import grid

    base = StressParams(total=1e6, buffer_ratio=0.05, unbonding="fixed:7", days=40,
                        base_rate=0.002)
    runs = RunModel(arrival_rate=0.05)
    scenarios = grid(buffer_ratio=[0.02, 0.1], unbonding=["fixed:7", "boundary:2"])
    mem = stress_sweep(base, scenarios, paths=300, seed=4, runs=runs, daily=False).metrics
    got = sweep_dask(base, scenarios, paths=300, seed=4, runs=runs, chunk=128)
    pd.testing.assert_frame_equal(got.set_index(["scenario", "path"])[mem.columns], mem,
                                  check_index_type=False)


def test_command_connects_to_an_existing_scheduler(ledger_csv, tmp_path, client, capsys):
    out = tmp_path / "parts"
    convert_ledger(ledger_csv, out, buckets=5)
    address = client.scheduler.address
    code = main(["rewards", str(out), "--start", "2025-11-18", "--end", "2025-11-20",
                 "--engine", "dask", "--scheduler", address, "--out", str(tmp_path / "res")])
    assert code == 0
    totals = pd.read_csv(tmp_path / "res" / "daily_totals.csv")
    assert set(totals["token"]) == {"ADA", "BNB", "SOL"} and len(totals) == 9
    assert main(["rewards", str(out), "--start", "2025-11-18", "--end", "2025-11-20",
                 "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot be reached" in capsys.readouterr().err


def test_errors_name_the_python_parameter(ledger_csv, tmp_path):
    with pytest.raises(ParameterError) as e:
        convert_ledger(ledger_csv, tmp_path / "parts", buckets=0)
    assert e.value.param == "buckets"
    assert str(e.value) == "buckets must be a whole number in 1..100000, got 0"
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    with pytest.raises(ParameterError) as e:
        write_output_dir(taken, lambda folder: None)
    assert e.value.param == "out" and str(e.value).startswith(f"out '{taken}' exists")
    assert taken.read_text() == "not a folder"
    params = StressParams(total=100, buffer_ratio=0.1, days=3)
    for kw, name in (({"paths": 0}, "paths"), ({"paths": 5, "chunk": 0}, "chunk")):
        with pytest.raises(ParameterError) as e:
            monte_carlo_dask(params, **kw)
        assert e.value.param == name and str(e.value) == f"{name} must be >= 1, got 0"
