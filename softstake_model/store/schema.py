"""The history store's tables and their versioned migrations.

Every table is tidy: one row per observation, keyed by what it observes. Days are text
``YYYY-MM-DD`` (UTC), instants text ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), so that SQLite and
PostgreSQL sort and compare them alike. No table holds a key, a secret or an account id.

=================  ========================================================================
``schema_version``  one row: the version of the schema the store is at
``fetches``         one row per fetch: kind, source, when, how many rows it wrote
``products``        one soft-staking snapshot per source, token and day: minimum, cap and
                    APR (fraction per year); ``fetched_at`` is the fetch that last changed it
``rewards``         reward records (token, instant in ms, reward token, amount, average
                    balance)
``prices``          daily OHLCV candles per exchange, token and quote (UTC days)
``apr``             published APR histories per source, token and day (fraction per year)
``chain_state``     staking state read from each chain (token, field, instant of the fetch,
                    value in whole tokens or a fraction, the URL and method it came from)
=================  ========================================================================

A migration is a function of a connection inside the migrating transaction;
:data:`MIGRATIONS` lists them in version order and :func:`migrate` applies those the store
has not had yet.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ..errors import SoftstakeError

__all__ = ["METADATA", "SCHEMA_VERSION", "MIGRATIONS", "migrate", "version_of",
           "schema_version", "fetches", "products", "rewards", "prices", "apr", "chain_state"]

METADATA = sa.MetaData()
_NUM = sa.Float(precision=53)  # double precision on PostgreSQL, REAL on SQLite
_DAY, _INSTANT = sa.String(10), sa.String(20)

schema_version = sa.Table("schema_version", METADATA,
                          sa.Column("version", sa.Integer, primary_key=True,
                                    autoincrement=False))

fetches = sa.Table(
    "fetches", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("fetched_at", _INSTANT, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
)

products = sa.Table(
    "products", METADATA,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("day", _DAY, primary_key=True),
    sa.Column("fetched_at", _INSTANT, nullable=False),
    sa.Column("min_holding", _NUM),
    sa.Column("cap", _NUM),
    sa.Column("apr", _NUM),
    sa.Column("staked_amount", _NUM),
    sa.Column("total_profit", _NUM),
)

rewards = sa.Table(
    "rewards", METADATA,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("reward_token", sa.String(32), primary_key=True),
    sa.Column("time_ms", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("reward", _NUM, nullable=False),
    sa.Column("avg_amount", _NUM),
    sa.Column("fetched_at", _INSTANT, nullable=False),
)

prices = sa.Table(
    "prices", METADATA,
    sa.Column("exchange", sa.String(32), primary_key=True),
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("quote", sa.String(16), primary_key=True),
    sa.Column("day", _DAY, primary_key=True),
    sa.Column("open", _NUM),
    sa.Column("high", _NUM),
    sa.Column("low", _NUM),
    sa.Column("close", _NUM, nullable=False),
    sa.Column("volume", _NUM),
    sa.Column("fetched_at", _INSTANT, nullable=False),
)

apr = sa.Table(
    "apr", METADATA,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("day", _DAY, primary_key=True),
    sa.Column("apr", _NUM, nullable=False),
    sa.Column("fetched_at", _INSTANT, nullable=False),
)


def _v1(conn: sa.Connection) -> None:
    """Version 1: every table of this module."""
    METADATA.create_all(conn, checkfirst=True)


def _v2(conn: sa.Connection) -> None:
    """Version 2: indexes for "latest snapshot on or before a day" by token."""
    for table in ("products", "prices", "apr"):
        conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS ix_{table}_token_day "
                             f"ON {table} (token, day)"))


chain_state = sa.Table(
    "chain_state", METADATA,
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("fetched_at", _INSTANT, primary_key=True),
    sa.Column("value", _NUM, nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
)


def _v3(conn: sa.Connection) -> None:
    """Version 3: ``chain_state``, the staking state ``softstake fetch chain`` reads."""
    chain_state.create(conn, checkfirst=True)


#: ``(version, migration)`` in order; a store at version N has had the first N applied.
MIGRATIONS: tuple[tuple[int, Callable[[sa.Connection], None]], ...] = ((1, _v1), (2, _v2),
                                                                        (3, _v3))
SCHEMA_VERSION = MIGRATIONS[-1][0]


def version_of(conn: sa.Connection) -> int:
    """The schema version of the store (0 for an empty database)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(conn: sa.Connection, where: str) -> int:
    """Bring the store to :data:`SCHEMA_VERSION` inside the caller's transaction.

    Returns the version it was at. A store made by a newer softstake is refused with a
    one-line :class:`~softstake_model.errors.SoftstakeError` naming ``where``.
    """
    found = version_of(conn)
    if found > SCHEMA_VERSION:
        raise SoftstakeError(f"{where}: the history store is at schema version {found}, "
                             f"newer than this softstake's {SCHEMA_VERSION}; upgrade softstake")
    for version, step in MIGRATIONS:
        if version > found:
            step(conn)
            conn.execute(sa.delete(schema_version))
            conn.execute(sa.insert(schema_version).values(version=version))
    return found
