"""Writing fetched data into the history store: one transaction per fetch, upserts keyed
by what each row observes, so a re-run that brings nothing new changes nothing.

Each ``record_*`` function takes the frame a fetch returned and the instant of the fetch
(UTC), writes every row in one transaction (:meth:`~softstake_model.store.db.Store.write`)
and logs the fetch in ``fetches``. A row whose values equal the stored ones is left as it
is (its ``fetched_at`` stays the time the values were first seen); a changed row takes the
new values and the new fetch time. A failure or an interruption anywhere rolls the whole
fetch back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema
from .db import Store
from .read import latest_products

__all__ = ["Recorded", "record_products", "record_rewards", "record_prices", "record_apr",
           "product_changes", "instant_text", "PRODUCT_FIELDS"]

#: The product figures compared between snapshots (and printed when they move).
PRODUCT_FIELDS = ("min_holding", "cap", "apr")
_PRODUCT_VALUES = ("min_holding", "cap", "apr", "staked_amount", "total_profit")
_CHUNK = 500


@dataclass(frozen=True)
class Recorded:
    """What a fetch wrote.

    Attributes
    ----------
    rows
        Rows the fetch brought.
    changed
        Rows inserted or changed (0 on a re-run that brings nothing new).
    changes
        For products: ``token, field, old, new`` since the previous snapshot
        (:func:`product_changes`); empty otherwise.
    """

    rows: int
    changed: int
    changes: pd.DataFrame


def instant_text(when: pd.Timestamp) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` of a UTC instant (naive instants are taken as UTC)."""
    t = pd.Timestamp(when)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(v: object) -> object:
    """A stored value: NaN and infinity (no cap) as NULL, numpy scalars as Python ones."""
    if isinstance(v, float | np.floating):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _upsert(conn: object, table: object, rows: list[dict], compare: tuple[str, ...]) -> int:
    """Insert ``rows``; on a key already stored, update it only where a ``compare`` value
    differs. Returns the rows inserted or changed."""
    if not rows:
        return 0
    import sqlalchemy as sa

    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    keys = [c.name for c in table.primary_key.columns]
    changed = 0
    for lo in range(0, len(rows), _CHUNK):
        ins = insert(table).values(rows[lo:lo + _CHUNK])
        update = {c.name: ins.excluded[c.name] for c in table.columns if c.name not in keys}
        differs = sa.or_(*[table.c[c].is_distinct_from(ins.excluded[c]) for c in compare])
        stmt = ins.on_conflict_do_update(index_elements=keys, set_=update, where=differs)
        # rows inserted or updated come back (psycopg gives no rowcount for an upsert)
        changed += len(conn.execute(stmt.returning(table.c[keys[0]])).all())
    return changed


def _log(conn: object, kind: str, source: str, at: str, rows: int, changed: int) -> None:
    conn.execute(schema.fetches.insert().values(kind=kind, source=source, fetched_at=at,
                                                rows=rows, changed=changed))


def _records(frame: pd.DataFrame, columns: tuple[str, ...], **constant: object) -> list[dict]:
    out = []
    for rec in frame[list(columns)].to_dict("records"):
        out.append({**{k: _value(v) for k, v in rec.items()}, **constant})
    return out


def product_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What moved between two product snapshots (both indexed by token).

    Returns
    -------
    pandas.DataFrame
        ``token, field, old, new``: ``field`` is ``added`` or ``removed`` for a token in
        one snapshot only, otherwise the figure that moved (``apr``, ``min_holding``,
        ``cap``; a missing cap is no cap). Tokens in alphabetical order.

    Examples
    --------
    >>> old = pd.DataFrame({"min_holding": [1.0], "cap": [10.0], "apr": [0.02]},
    ...                    index=pd.Index(["BNB"], name="token"))
    >>> new = pd.DataFrame({"min_holding": [1.0, 5.0], "cap": [10.0, 50.0],
    ...                     "apr": [0.03, 0.01]}, index=pd.Index(["BNB", "SOL"], name="token"))
    >>> product_changes(old, new).values.tolist()
    [['BNB', 'apr', 0.02, 0.03], ['SOL', 'added', nan, nan]]
    """
    rows: list[tuple] = []
    for token in sorted(set(previous.index) | set(current.index)):
        if token not in previous.index:
            rows.append((token, "added", np.nan, np.nan))
        elif token not in current.index:
            rows.append((token, "removed", np.nan, np.nan))
        else:
            for fld in PRODUCT_FIELDS:
                a, b = (float(f.at[token, fld]) if pd.notna(f.at[token, fld]) else np.inf
                        for f in (previous, current))
                if a != b:
                    rows.append((token, fld, a, b))
    return pd.DataFrame(rows, columns=["token", "field", "old", "new"]).astype(
        {"old": float, "new": float})


def record_products(store: Store, products: pd.DataFrame, fetched_at: pd.Timestamp,
                    source: str = "binance") -> Recorded:
    """Store a product snapshot: one row per token for the UTC day of ``fetched_at``.

    Parameters
    ----------
    products
        ``token, min_holding, cap, apr, staked_amount, total_profit`` (tokens; APR a
        fraction per year; an infinite or missing cap is no cap).
    fetched_at
        When the list was fetched (UTC).
    source
        The exchange (``binance``).

    Returns
    -------
    Recorded
        With ``changes``: what moved since the latest snapshot stored before this one
        (the same day's, on a re-run).
    """
    at = instant_text(fetched_at)
    day = at[:10]
    current = products.set_index("token")[list(PRODUCT_FIELDS)]
    rows = _records(products, ("token", *_PRODUCT_VALUES), source=source, day=day,
                    fetched_at=at)
    with store.write() as conn:
        previous = latest_products(conn, source, day)
        changed = _upsert(conn, schema.products, rows, _PRODUCT_VALUES)
        _log(conn, "products", source, at, len(rows), changed)
    return Recorded(len(rows), changed, product_changes(previous, current))


def record_rewards(store: Store, rewards: pd.DataFrame, fetched_at: pd.Timestamp,
                   source: str = "binance") -> Recorded:
    """Store reward records ``time`` (UTC), ``token``, ``reward``, ``reward_token``,
    ``avg_amount`` (the frame :func:`softstake_model.ledger.read_rewards_record` returns)."""
    at = instant_text(fetched_at)
    frame = rewards.assign(time_ms=(rewards["time"].dt.as_unit("ms").astype("int64")))
    rows = _records(frame, ("token", "reward_token", "time_ms", "reward", "avg_amount"),
                    source=source, fetched_at=at)
    with store.write() as conn:
        changed = _upsert(conn, schema.rewards, rows, ("reward", "avg_amount"))
        _log(conn, "rewards", source, at, len(rows), changed)
    return Recorded(len(rows), changed, pd.DataFrame())


def record_prices(store: Store, candles: pd.DataFrame, fetched_at: pd.Timestamp,
                  exchange: str) -> Recorded:
    """Store daily candles ``day`` (naive UTC day), ``token``, ``quote``, ``open, high,
    low, close, volume``."""
    at = instant_text(fetched_at)
    frame = candles.assign(day=candles["day"].dt.strftime("%Y-%m-%d"))
    values = ("open", "high", "low", "close", "volume")
    rows = _records(frame, ("token", "quote", "day", *values), exchange=exchange,
                    fetched_at=at)
    with store.write() as conn:
        changed = _upsert(conn, schema.prices, rows, values)
        _log(conn, "prices", exchange, at, len(rows), changed)
    return Recorded(len(rows), changed, pd.DataFrame())


def record_apr(store: Store, history: pd.DataFrame, fetched_at: pd.Timestamp) -> Recorded:
    """Store APR histories ``source, token, date`` (naive UTC day), ``apr`` (fraction)."""
    at = instant_text(fetched_at)
    frame = history.assign(day=history["date"].dt.strftime("%Y-%m-%d"))
    rows = _records(frame, ("source", "token", "day", "apr"), fetched_at=at)
    sources = ",".join(sorted(history["source"].unique())) if len(history) else "none"
    with store.write() as conn:
        changed = _upsert(conn, schema.apr, rows, ("apr",))
        _log(conn, "apr", sources[:64], at, len(rows), changed)
    return Recorded(len(rows), changed, pd.DataFrame())
