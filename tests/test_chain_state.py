"""Issue 19 item 3: the staking state fetched from each chain, stored (schema version 3),
read back on or before a date, and read by the chain models instead of their assumed rows;
the command end to end against local servers (127.0.0.1) answering the hand-written shapes
of tests/data/recorded/chains/."""

from fractions import Fraction

import pandas as pd
import pytest
import sqlalchemy as sa
from test_apr_onchain import server  # noqa: F401  (the fixture)

from softstake_model.apr import apr_table, network_apr
from softstake_model.apr.onchain import read_chains
from softstake_model.apr.stored import STATE_PARAMS, state_params
from softstake_model.catalog import load_catalog
from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.store import open_store, schema
from softstake_model.store.chain import read_chain_state, record_chain_state


def _state(rows: list[tuple], when: str) -> pd.DataFrame:
    return pd.DataFrame([(t, f, v, pd.Timestamp(when), s) for t, f, v, s in rows],
                        columns=["token", "field", "value", "fetched_at", "source"])


def test_a_version_2_store_gains_chain_state(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'v2.sqlite'}")
    with engine.begin() as conn:
        for _, step in schema.MIGRATIONS[:2]:
            step(conn)
        schema.chain_state.drop(conn)  # as a version-2 softstake left it
        conn.execute(schema.schema_version.insert().values(version=2))
    engine.dispose()
    store = open_store(tmp_path / "v2.sqlite")
    with store.read() as conn:
        assert schema.version_of(conn) == 3
        assert sa.inspect(conn).has_table("chain_state")


def test_the_latest_state_on_or_before_a_day(tmp_path):
    store = open_store(tmp_path / "s.sqlite")
    first = _state([("SOL", "staked_fraction", 0.5, "u getVoteAccounts"),
                    ("SOL", "supply", 600e6, "u getSupply")], "2026-11-30T08:00:00Z")
    assert record_chain_state(store, first).changed == 2
    assert record_chain_state(store, first).changed == 0  # a re-run changes nothing
    later = _state([("SOL", "staked_fraction", 0.6, "u getVoteAccounts")],
                   "2026-12-02T23:59:00Z")
    record_chain_state(store, later)
    assert read_chain_state(store, ["sol"], "2026-11-29").empty
    on30 = read_chain_state(store, ["SOL"], "2026-12-01")
    assert dict(zip(on30.field, on30.value, strict=True)) == {"staked_fraction": 0.5,
                                                              "supply": 600e6}
    on2 = read_chain_state(store, None, "2026-12-02")  # the whole day counts
    assert on2.set_index("field").loc["staked_fraction", "value"] == 0.6
    assert on2.set_index("field").loc["supply", "value"] == 600e6  # latest of that field
    with pytest.raises(ParameterError, match="lacks the columns"):
        record_chain_state(store, first.drop(columns="source"))


def test_a_fetched_stake_replaces_the_assumed_row(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    monkeypatch.setenv("SOFTSTAKE_STORE", str(path))
    shipped = network_apr("SOL", at="2026-12-01", interval=False)
    assert "staked_fraction" in shipped["assumed"]
    record_chain_state(open_store(path), _state(
        [("SOL", "staked_fraction", 0.5, "https://rpc getVoteAccounts / getSupply")],
        "2026-11-30T08:00:00Z"))
    res = network_apr("SOL", at="2026-12-01")
    row = res["parameters"]["staked_fraction"]
    assert row["value"] == 0.5 and row["confidence"] == "fetched"
    assert row["source"] == "fetched 2026-11-30 from https://rpc getVoteAccounts / getSupply"
    assert "staked_fraction" not in res["assumed"] and "staked_fraction" not in \
        res["interval_params"]
    mev = shipped["parameters"]["mev_fee_yield"]["value"]
    sf = shipped["parameters"]["staked_fraction"]["value"]
    # the inflation leg scales as 1 / staked fraction; the fee leg does not
    assert res["network_apr"] - mev == pytest.approx((shipped["network_apr"] - mev) * sf / 0.5)
    before = network_apr("SOL", at="2026-11-29", interval=False)  # before the fetch
    assert before["parameters"]["staked_fraction"]["confidence"] == "assumed"
    row = apr_table(load_catalog(), at="2026-12-01").set_index("token")
    assert row.loc["SOL", "fetched"] == "SOL.staked_fraction (fetched 2026-11-30 from " \
        "https://rpc getVoteAccounts / getSupply)" and row.loc["NEAR", "fetched"] == ""
    assert "SOL.staked_fraction" not in row.loc["SOL", "assumed"]
    assert network_apr("SOL", at="2026-12-01", staked_fraction=0.7,
                       interval=False)["parameters"]["staked_fraction"]["confidence"] == "user"


def test_cardano_projects_from_the_fetched_epoch(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    monkeypatch.setenv("SOFTSTAKE_STORE", str(path))
    start = pd.Timestamp("2026-11-28T21:44:51Z").timestamp()
    record_chain_state(open_store(path), _state(
        [("ADA", "reserves", 6.8e9, "k totals"), ("ADA", "fees", 90_000.0, "k epoch_info"),
         ("ADA", "staked", 21.5e9, "k epoch_info"), ("ADA", "epoch", 600.0, "k tip"),
         ("ADA", "epoch_start", start, "k epoch_info")], "2026-11-30T08:00:00Z"))
    res = network_apr("ADA", at="2026-12-01", interval=False)
    assert res["epoch"] == 600 and res["state"] == "projected 0 epochs from fetched epoch 600"
    p = res["parameters"]
    eta, rho = Fraction(str(p["eta"]["value"])), Fraction(str(p["rho"]["value"]))
    expansion = 6_800_000_000_000_000 * rho * eta  # eta < 1
    pot = int(expansion) + 90_000_000_000
    pools = pot - pot // 5  # tau = 0.2 to the treasury
    gross = pools * p["distribution_efficiency"]["value"] / 21_500_000_000_000_000 * 73
    assert res["network_apr"] == pytest.approx(gross, rel=1e-12)
    assert p["base_date"]["value"] == "2026-11-28"
    # without one of the epoch's figures none is laid over
    partial = _state([("ADA", "reserves", 6.8e9, "k totals")], "2026-11-30T08:00:00Z")
    assert state_params("ADA", partial) == {}


def test_every_mapped_field_is_one_a_reader_gives():
    read = {"SOL": "staked_fraction", "NEAR": "staked_fraction", "EGLD": "staked_fraction"}
    assert set(STATE_PARAMS) <= {"SOL", "NEAR", "EGLD", "SUI", "IOTA", "ALGO", "TRX", "TON",
                                 "ADA"}
    assert all(STATE_PARAMS[c][f][0] == f for c, f in read.items())


def test_fetch_chain_end_to_end(server, tmp_path, capsys, monkeypatch):  # noqa: F811
    store = tmp_path / "cli.sqlite"
    sol, ton = server("SOL"), server("TON")
    monkeypatch.setenv("SOFTSTAKE_TON_URL", ton)
    code = main(["fetch", "chain", "sol", "TON", "--url", f"SOL={sol}", "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0 and "of 2 chains" in out and f"TON ({ton})" in out
    state = read_chain_state(open_store(store), ["TON"])
    assert state.set_index("field").loc["staked", "value"] == 620e6
    assert state.set_index("field").loc["staked", "source"] == \
        f"{ton} blockchain/validators"


def test_fetch_chain_refusals_write_nothing(server, tmp_path, capsys):  # noqa: F811
    store = tmp_path / "bad.sqlite"
    assert main(["fetch", "chain", "SOL", "--url", "SOL", "--store", str(store)]) != 0
    assert "--url" in capsys.readouterr().err
    assert main(["fetch", "chain", "DOGE", "--store", str(store)]) != 0
    assert "include DOGE, which has no on-chain reader" in capsys.readouterr().err
    broken = server("NEAR", "500")
    assert main(["fetch", "chain", "SOL", "NEAR", "--url", f"SOL={server('SOL')}",
                 "--url", f"NEAR={broken}", "--store", str(store)]) != 0
    assert "failed" in capsys.readouterr().err and not store.exists()
    with pytest.raises(ParameterError, match="not fetched"):
        read_chains(["SOL"], {"TON": "http://127.0.0.1:9"})
