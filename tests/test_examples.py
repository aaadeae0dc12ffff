"""The shipped example data loads through the package's readers."""

import pandas as pd
import pytest

import softstake_model as ss
from softstake_model import examples
from softstake_model.errors import ParameterError


def test_loaders_read_the_shipped_files():
    st = examples.statement()
    assert set(st["token"]) == {"BNB", "SOL"}  # USDT has no soft staking
    # 3 BNB/SOL reward credits a day for 22 days, one left out, one stray added
    record = examples.rewards_record()
    assert len(record) == (st["kind"] == "reward").sum()
    assert set(examples.activations()["account"]) == {"alice", "bob", "carol", "dave"}
    assert {"time", "account", "token", "change"} <= set(examples.ledger().columns)
    epochs = examples.cardano_epochs()
    assert epochs["epoch"].iloc[0] == 210 and str(epochs["epoch_start_utc"].dt.tz) == "UTC"
    eth = examples.eth_store()
    # the file's first row: 2020-12-01T00:00:00Z,0.1740251707100836
    assert eth.index[0] == pd.Timestamp("2020-12-01", tz="UTC")
    assert eth.iloc[0] == 0.1740251707100836


def test_path_and_top_level():
    assert examples.path("rewards_record").name == "rewards_record.json"
    with pytest.raises(ParameterError):
        examples.path("nothing")
    assert ss.examples is examples
    for name in ss.__all__:
        assert getattr(ss, name) is not None
    # no submodule is named like the function: importing reconciliation leaves it in place
    import softstake_model.reconciliation  # noqa: F401
    from softstake_model.reconciliation import reconcile_totals

    assert callable(ss.reconcile) and callable(ss.stress_sweep) and callable(reconcile_totals)
    assert ss.reconcile.__module__ == "softstake_model.reconciliation"
