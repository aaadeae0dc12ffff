"""The history store on a real PostgreSQL server (``SOFTSTAKE_TEST_PG_URL``, started by
``.ci/run``): migrations under two first runs at once, upserts, one transaction per fetch,
the readers and the layering. Skipped only where no server is given and ``CI`` is unset.

The database the URL names is emptied (the store's tables dropped) by these tests: give a
throw-away one, as ``.ci/run`` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa

from softstake_model import load_catalog
from softstake_model.store import (
    apr_history_from_store,
    catalog_at,
    open_store,
    read_products,
    record_products,
    schema,
)

URL = os.environ.get("SOFTSTAKE_TEST_PG_URL")
if not URL:
    if os.environ.get("CI"):
        pytest.fail("SOFTSTAKE_TEST_PG_URL is not set under CI: .ci/run starts PostgreSQL",
                    pytrace=False)
    pytest.skip("no PostgreSQL server (set SOFTSTAKE_TEST_PG_URL)", allow_module_level=True)
pytest.importorskip("psycopg")

pytestmark = pytest.mark.allow_hosts(["127.0.0.1", "::1"])


def _empty() -> None:
    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        schema.METADATA.drop_all(conn)
    engine.dispose()


@pytest.fixture
def store():
    _empty()
    s = open_store(URL)
    yield s
    s.close()


def products(bnb_apr: float = 0.025) -> pd.DataFrame:
    return pd.DataFrame({"token": ["BNB", "SOL"], "min_holding": [0.5, 1.0],
                         "cap": [1000.0, np.inf], "apr": [bnb_apr, 0.06],
                         "staked_amount": 0.0, "total_profit": 0.0})


def test_postgres_keeps_one_snapshot_per_token_and_day(store):
    assert store.dialect == "postgresql"
    assert record_products(store, products(), pd.Timestamp("2026-11-30T08:00Z")).changed == 2
    assert record_products(store, products(), pd.Timestamp("2026-11-30T09:00Z")).changed == 0
    moved = record_products(store, products(0.03), pd.Timestamp("2026-11-30T10:00Z"))
    assert moved.changes.values.tolist() == [["BNB", "apr", 0.025, 0.03]]
    snap = read_products(store).set_index("token")
    assert snap.loc["BNB", "fetched_at"] == pd.Timestamp("2026-11-30T10:00Z")
    assert snap.loc["SOL", "fetched_at"] == pd.Timestamp("2026-11-30T08:00Z")
    assert snap.loc["SOL", "cap"] == np.inf
    cat = catalog_at(load_catalog(), store, "2026-12-01")
    assert cat.loc["BNB", "apr"] == 0.03
    assert cat.loc["BNB", "apr_source"] == "fetched 2026-11-30 binance"
    assert apr_history_from_store(store, ["BNB"])["apr"].tolist() == [0.03]


def test_a_failed_write_on_postgres_changes_nothing(store):
    record_products(store, products(), pd.Timestamp("2026-11-30T08:00Z"))
    before = read_products(store)
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute(schema.products.delete())
        raise RuntimeError("interrupted")
    pd.testing.assert_frame_equal(read_products(store), before)


_WRITER = """
import sys
import pandas as pd
import numpy as np
from softstake_model.store import open_store, record_products
s = open_store(sys.argv[1])
for i in range(20):
    f = pd.DataFrame({"token": ["BNB", "SOL"], "min_holding": [0.5, 1.0],
                      "cap": [1000.0, np.inf], "apr": [0.025, 0.06],
                      "staked_amount": 0.0, "total_profit": 0.0})
    day = pd.Timestamp("2026-11-01T08:00Z") + pd.Timedelta(days=i)
    record_products(s, f, day)
"""


def test_two_first_runs_at_once_on_postgres_migrate_once_and_agree():
    _empty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, URL], env=env,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errs = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    s = open_store(URL)
    snap = read_products(s)
    assert len(snap) == 40 and not snap.duplicated(["token", "day"]).any()
    with s.read() as conn:
        assert schema.version_of(conn) == schema.SCHEMA_VERSION
        changed = conn.execute(sa.select(schema.fetches.c.changed)).scalars().all()
    assert len(changed) == 40 and sum(changed) == 40  # each row written once
    s.close()
