"""Where the history store lives and how it is opened: SQLite by default, any SQLAlchemy URL.

The store is chosen, first match wins, by

1. the ``--store`` flag (a path or a URL), passed here as ``location``;
2. the ``SOFTSTAKE_STORE`` environment variable (a path or a URL);
3. ``history.sqlite`` in the user's data directory (``platformdirs.user_data_dir``, or
   ``$XDG_DATA_HOME/softstake``, or ``~/.local/share/softstake``).

A path is an SQLite file; anything with ``://`` is an SQLAlchemy URL, for example
``postgresql+psycopg://user@host/softstake`` for a shared PostgreSQL.

Concurrency: SQLite runs in WAL mode (readers never wait for a writer) with a busy timeout,
and every write transaction starts with ``BEGIN IMMEDIATE``, so two writers queue instead of
failing half-way. On PostgreSQL each write is one transaction of upserts, and migrations
take a transaction-scoped advisory lock, so two first runs do not both create the tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError, SoftstakeError

__all__ = ["Store", "open_store", "existing_store", "store_url", "default_store_path",
           "BUSY_TIMEOUT_MS"]

#: How long an SQLite writer waits for another writer before giving up (milliseconds).
BUSY_TIMEOUT_MS = 60_000
_LOCK_ID = 0x50F75  # advisory lock of the PostgreSQL migration ("softs")


def default_store_path() -> Path:
    """``history.sqlite`` in the user's data directory (created on first use)."""
    try:
        from platformdirs import user_data_dir

        base = Path(user_data_dir("softstake", appauthor=False))
    except ImportError:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        base = Path(xdg) / "softstake"
    return base / "history.sqlite"


def store_url(location: str | os.PathLike | None = None) -> str:
    """The SQLAlchemy URL of the store: ``location``, else ``$SOFTSTAKE_STORE``, else the
    default file (see the module notes)."""
    raw = str(location) if location is not None else os.environ.get("SOFTSTAKE_STORE", "")
    if raw.strip() == "":
        if location is not None:
            raise ParameterError("is empty; give a file or a database URL", param="store")
        return f"sqlite:///{default_store_path()}"
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


def _shown(url: str) -> str:
    """The URL without a password, for messages."""
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Store:
    """An open history store.

    Attributes
    ----------
    url
        Its SQLAlchemy URL with any password hidden (what messages name).
    engine
        The SQLAlchemy engine.
    """

    url: str
    engine: object

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy dialect name)."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[object]:
        """A connection in a read transaction (a consistent view of the store)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[object]:
        """A connection in one write transaction: committed when the block ends, rolled
        back (nothing written) if it raises, is interrupted or is terminated."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(softstake_write=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()


def _sqlite_engine(url: str) -> object:
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: object, record: object) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: object) -> None:
        write = conn.get_execution_options().get("softstake_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_store(location: str | os.PathLike | None = None, migrate: bool = True) -> Store:
    """Open (and on first use create) the history store.

    Parameters
    ----------
    location
        A path (SQLite file) or an SQLAlchemy URL; None: ``$SOFTSTAKE_STORE`` or the
        default file (:func:`store_url`).
    migrate
        Bring the schema to the current version (one transaction).

    Raises
    ------
    SoftstakeError
        The store cannot be opened (the message names it, without a password), or it was
        made by a newer softstake.
    ParameterError
        ``store``: an empty location or an unusable URL.
    """
    try:
        import sqlalchemy as sa
    except ImportError:
        raise SoftstakeError("the history store needs SQLAlchemy: pip install "
                             "'softstake[fetch]'") from None
    url = store_url(location)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ParameterError(f"'{url}' is neither a path nor a database URL",
                             param="store") from None
    shown = _shown(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(url)
    else:
        try:
            engine = sa.create_engine(url, pool_pre_ping=True)
        except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as e:
            raise ParameterError(f"'{shown}' cannot be used: {e}", param="store") from None
    store = Store(shown, engine)
    if migrate:
        _migrate(store)
    return store


def existing_store(location: str | os.PathLike | None = None) -> Store | None:
    """The store if there is one, without creating it: None when SQLAlchemy is not
    installed or the SQLite file does not exist (a database URL is always opened).

    For readers (the catalogue, reports) that lay fetched values over shipped ones when a
    store exists and run on the shipped values otherwise.
    """
    raw = store_url(location)
    if raw.startswith("sqlite:///") and "?" not in raw and not Path(
            raw.removeprefix("sqlite:///")).is_file():
        return None  # no SQLite file: said without importing SQLAlchemy
    try:
        import sqlalchemy as sa
    except ImportError:
        return None
    url = sa.make_url(raw)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database)
                                                   .is_file()):
        return None
    return open_store(location)


def _migrate(store: Store) -> None:
    import sqlalchemy as sa

    from .schema import migrate

    try:
        with store.write() as conn:
            if store.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
            migrate(conn, store.url)
    except sa.exc.OperationalError as e:
        store.close()
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise SoftstakeError(f"cannot open the history store {store.url}: {reason}") from None
