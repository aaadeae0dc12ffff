"""The example data shipped with the package, loaded as the functions that use it expect.

Every loader reads the file that ships inside the package (:mod:`importlib.resources`), with
the package's own checked readers, so the frames are exactly what the command line reads.

>>> from softstake_model import examples
>>> examples.statement()["token"].unique().tolist()
['BNB', 'SOL']
>>> examples.eth_store().index[0].date().isoformat()
'2020-12-01'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["path", "ledger", "statement", "rewards_record", "activations", "cardano_epochs",
           "eth_store", "FILES"]

#: Name -> file under ``softstake_model/data``.
FILES = {
    "ledger": "examples/ledger.csv",
    "statement": "examples/binance_statement.csv",
    "rewards_record": "examples/rewards_record.json",
    "activations": "examples/activations.csv",
    "statement_activations": "examples/binance_statement_activations.csv",
    "cardano_epochs": "cardano_epoch_rewards_ada.csv",
    "eth_store": "eth_staking_apr_ethstore_daily.csv",
}


def path(name: str) -> Path:
    """Path of the shipped file ``name`` (a key of :data:`FILES`), e.g. for the command line.

    >>> path("statement").name
    'binance_statement.csv'
    """
    from .errors import ParameterError

    if name not in FILES:
        raise ParameterError(f"must be one of {', '.join(FILES)}, got {name!r}", param="name")
    return Path(str(resources.files("softstake_model") / "data" / FILES[name]))


def ledger() -> pd.DataFrame:
    """A small generic ledger (alice, bob, carol, dave; BNB, SOL, ADA; November 2025),
    normalised (:func:`~softstake_model.ledger.read_ledger`); accounts are activated as
    :func:`activations` says."""
    from .ledger import read_ledger

    return read_ledger(path("ledger"))


def statement() -> pd.DataFrame:
    """A synthetic Binance "Generate All Statements" CSV of one holder (BNB and SOL, Nov-Dec
    2025), normalised, its coins without soft staking (USDT) set aside. Its reward credits
    are what the rules pay at the catalogue APR after activation on 2025-11-19 11:30 UTC,
    with three faults planted (``tools/make_examples.py``): the BNB payout of 2025-11-27
    left out, the SOL payout of 2025-12-02 0.000005 too high, a stray BNB credit on
    2025-11-20."""
    from .product import ledger_for, product_catalog

    return ledger_for(path("statement"), product_catalog())[0]


def rewards_record() -> pd.DataFrame:
    """The statement's reward credits as the Binance API's rewardsRecord JSON gives them
    (:func:`~softstake_model.ledger.read_rewards_record`)."""
    from .ledger import read_rewards_record

    return read_rewards_record(path("rewards_record"))


def activations() -> pd.DataFrame:
    """Activation instants of the accounts of :func:`ledger`
    (:func:`~softstake_model.ledger.read_activations`)."""
    from .ledger import read_activations

    return read_activations(path("activations"))


def cardano_epochs() -> pd.DataFrame:
    """Cardano mainnet epoch rewards in ADA (epochs 210-538, from the Cardano Foundation
    rewards calculation, MIT), one row per epoch with the gross annualised reward rate,
    ``epoch_start_utc`` as UTC instants; the source is in ``data/`` beside the file."""
    frame = pd.read_csv(path("cardano_epochs"))
    frame["epoch_start_utc"] = pd.to_datetime(frame["epoch_start_utc"], utc=True)
    return frame


def eth_store() -> pd.Series:
    """The daily ETH.STORE staking APR (fraction per year), indexed by UTC day, from
    2020-12-01: the series the APR uncertainty model takes its shape from."""
    frame = pd.read_csv(path("eth_store"))
    return pd.Series(frame["apr"].to_numpy(float),
                     index=pd.DatetimeIndex(pd.to_datetime(frame["date"], utc=True), name="date"),
                     name="apr")
