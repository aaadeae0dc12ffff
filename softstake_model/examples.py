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

from pathlib import Path

import pandas as pd

from . import shipped
from .errors import ParameterError
from .ledger import read_activations, read_ledger, read_rewards_record
from .product import ledger_for, product_catalog
from .typing import Frame

__all__ = ["path", "ledger", "statement", "rewards_record", "activations",
           "statement_activations", "cardano_epochs", "eth_store", "FILES"]

#: Name -> file under ``softstake_model/data`` (the examples among :data:`shipped.FILES`).
FILES = {k: shipped.FILES[k] for k in ("ledger", "statement", "rewards_record", "activations",
                                       "statement_activations", "cardano_epochs",
                                       "eth_store")}


def path(name: str) -> Path:
    """Path of the shipped file ``name`` (a key of :data:`FILES`), e.g. for the command line.

    >>> path("statement").name
    'binance_statement.csv'
    """
    if name not in FILES:
        raise ParameterError(f"must be one of {', '.join(FILES)}, got {name!r}", param="name")
    return shipped.path(name)


def ledger() -> Frame:
    """A small generic ledger (alice, bob, carol, dave; BNB, SOL, ADA; November 2025),
    normalised (:func:`~softstake_model.ledger.read_ledger`); accounts are activated as
    :func:`activations` says."""
    return read_ledger(path("ledger"))


def statement() -> Frame:
    """A synthetic Binance "Generate All Statements" CSV of one holder (BNB and SOL, Nov-Dec
    2025), normalised, its coins without soft staking (USDT) set aside. Its reward credits
    are what the rules pay at the catalogue APR after the activation
    :func:`statement_activations` gives, with three faults planted
    (``tools/make_examples.py``): the BNB payout of 2025-11-27 left out, the SOL payout
    of 2025-12-02 0.000005 too high, a stray BNB credit on 2025-11-20."""
    return ledger_for(path("statement"), product_catalog())[0]


def rewards_record() -> Frame:
    """The statement's reward credits as the Binance API's rewardsRecord JSON gives them
    (:func:`~softstake_model.ledger.read_rewards_record`)."""
    return read_rewards_record(path("rewards_record"))


def activations() -> Frame:
    """Activation instants of the accounts of :func:`ledger`
    (:func:`~softstake_model.ledger.read_activations`)."""
    return read_activations(path("activations"))


def statement_activations() -> Frame:
    """The activation instant of the account of :func:`statement`, the one its reward
    credits were made after (:func:`~softstake_model.ledger.read_activations`)."""
    return read_activations(path("statement_activations"))


def cardano_epochs() -> Frame:
    """Cardano mainnet epoch rewards in ADA (epochs 210-538, from the Cardano Foundation
    rewards calculation, MIT), one row per epoch with the gross annualised reward rate,
    ``epoch_start_utc`` as UTC instants; the source is in ``data/`` beside the file
    (:func:`softstake_model.shipped.cardano_epochs`)."""
    return shipped.cardano_epochs()


def eth_store() -> pd.Series:
    """The daily ETH.STORE staking APR (fraction per year), indexed by UTC day, from
    2020-12-01: the series the APR uncertainty model takes its shape from."""
    frame = shipped.eth_store()
    return pd.Series(frame["apr"].to_numpy(float),
                     index=pd.DatetimeIndex(frame["date"], name="date"), name="apr")
