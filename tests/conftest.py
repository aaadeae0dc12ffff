"""Shared fixtures: small ledgers built in the tests, so each expected number is visible."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from softstake_model import load_catalog
from softstake_model.ledger import normalise

#: The shipped example data, where the installed package has it.
EXAMPLES = resources.files("softstake_model") / "data" / "examples"


def make_ledger(rows: list[tuple], kinds: list[str] | None = None) -> pd.DataFrame:
    """Rows of (time ISO with zone, account, token, change[, wallet])."""
    times = pd.to_datetime([r[0] for r in rows], utc=True)
    wallet = [r[4] if len(r) > 4 else "free" for r in rows]
    return normalise(time=times, account=[r[1] for r in rows], token=[r[2] for r in rows],
                     change=np.array([r[3] for r in rows], dtype=float), wallet=wallet,
                     kind=kinds)


@pytest.fixture
def catalog() -> pd.DataFrame:
    return load_catalog()


@pytest.fixture
def plain_catalog() -> pd.DataFrame:
    """BNB with no minimum, no cap and a 3.65 % APR (daily reward = balance / 10,000)."""
    cat = load_catalog()
    cat.loc[:, "min_holding"] = 0.0
    cat.loc[:, "cap"] = np.inf
    cat.loc[:, "apr"] = 0.0365
    return cat


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """No test reaches the network: with pytest-socket installed, every test may connect to
    loopback only (local servers, kernels and Dask schedulers on 127.0.0.1 still work)."""
    if not config.pluginmanager.hasplugin("socket"):
        return
    loopback = pytest.mark.allow_hosts(["127.0.0.1", "::1", "localhost"])
    for item in items:
        if item.get_closest_marker("allow_hosts") is None:
            item.add_marker(loopback)


@pytest.fixture(autouse=True)
def _no_user_store(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                   ) -> None:
    """No test reads the user's own history store: ``SOFTSTAKE_STORE`` names a file that
    does not exist (tests of the store give theirs with ``--store`` or set it)."""
    monkeypatch.setenv("SOFTSTAKE_STORE", str(tmp_path_factory.getbasetemp() / "no-store.sqlite"))
