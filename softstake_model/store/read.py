"""Reading the history store as tidy tables, the exports of ``softstake history``.

Every reader returns one row per observation with typed columns: ``day`` / ``date`` as naive
UTC days (``datetime64[s]``), ``fetched_at`` as UTC instants, figures as floats (a missing
cap is ``inf``, no cap). Rows are sorted by token, then day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import schema
from .db import Store

__all__ = ["read_products", "read_rewards", "read_prices", "read_apr", "latest_products",
           "HISTORY_TABLES"]


def _tokens(tokens: Sequence[str] | None) -> list[str] | None:
    return None if not tokens else [t.strip().upper() for t in tokens]


def _select(conn: object, table: object, tokens: Sequence[str] | None,
            start: str | None, end: str | None, day: str = "day") -> pd.DataFrame:
    import sqlalchemy as sa

    q = sa.select(table)
    wanted = _tokens(tokens)
    if wanted:
        q = q.where(table.c.token.in_(wanted))
    if start is not None:
        q = q.where(table.c[day] >= start)
    if end is not None:
        q = q.where(table.c[day] <= end)
    result = conn.execute(q)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _day_text(value: object) -> str | None:
    return None if value is None else pd.Timestamp(value).strftime("%Y-%m-%d")


def _typed(frame: pd.DataFrame, numbers: Sequence[str], order: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    if "day" in out:
        out["day"] = pd.to_datetime(out["day"], format="%Y-%m-%d").dt.as_unit("s")
    if "fetched_at" in out:
        out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True).dt.as_unit("s")
    for c in numbers:
        out[c] = pd.to_numeric(out[c]).astype(float)
    return out.sort_values(list(order), kind="stable", ignore_index=True)


def read_products(store: Store, tokens: Sequence[str] | None = None, start: object = None,
                  end: object = None) -> pd.DataFrame:
    """Product snapshots: ``day, token, min_holding, cap, apr, staked_amount,
    total_profit, source, fetched_at`` (between ``start`` and ``end``, days inclusive)."""
    with store.read() as conn:
        f = _select(conn, schema.products, tokens, _day_text(start), _day_text(end))
    f = _typed(f, ("min_holding", "cap", "apr", "staked_amount", "total_profit"),
               ("token", "day", "source"))
    f["cap"] = f["cap"].fillna(np.inf)
    return f[["day", "token", "min_holding", "cap", "apr", "staked_amount", "total_profit",
              "source", "fetched_at"]]


def read_apr(store: Store, tokens: Sequence[str] | None = None, start: object = None,
             end: object = None) -> pd.DataFrame:
    """Published APR histories: ``day, token, apr, source, fetched_at``."""
    with store.read() as conn:
        f = _select(conn, schema.apr, tokens, _day_text(start), _day_text(end))
    return _typed(f, ("apr",), ("token", "day", "source"))[
        ["day", "token", "apr", "source", "fetched_at"]]


def read_prices(store: Store, tokens: Sequence[str] | None = None, start: object = None,
                end: object = None, exchange: str | None = None) -> pd.DataFrame:
    """Daily candles: ``day, token, quote, open, high, low, close, volume, exchange,
    fetched_at``."""
    with store.read() as conn:
        f = _select(conn, schema.prices, tokens, _day_text(start), _day_text(end))
    if exchange is not None:
        f = f[f["exchange"] == exchange]
    return _typed(f, ("open", "high", "low", "close", "volume"),
                  ("token", "quote", "day", "exchange"))[
        ["day", "token", "quote", "open", "high", "low", "close", "volume", "exchange",
         "fetched_at"]]


def read_rewards(store: Store, tokens: Sequence[str] | None = None, start: object = None,
                 end: object = None) -> pd.DataFrame:
    """Reward records: ``time`` (UTC), ``token, reward, reward_token, avg_amount, source,
    fetched_at`` (the columns of :func:`softstake_model.ledger.read_rewards_record`
    first)."""
    lo = None if start is None else int(pd.Timestamp(start, tz="UTC").value // 1_000_000)
    hi = None if end is None else int((pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1))
                                      .value // 1_000_000) - 1
    with store.read() as conn:
        f = _select(conn, schema.rewards, tokens, lo, hi, day="time_ms")
    f["time"] = pd.to_datetime(f["time_ms"].astype("int64"), unit="ms", utc=True)
    f = _typed(f, ("reward", "avg_amount"), ("time", "token", "reward_token"))
    return f[["time", "token", "reward", "reward_token", "avg_amount", "source",
              "fetched_at"]]


def latest_products(conn: object, source: str, on_or_before: str) -> pd.DataFrame:
    """The snapshot of the latest day on or before ``on_or_before`` (``YYYY-MM-DD``):
    ``min_holding, cap, apr`` indexed by token (empty if there is none)."""
    import sqlalchemy as sa

    t = schema.products
    last = conn.execute(sa.select(sa.func.max(t.c.day)).where(
        t.c.source == source, t.c.day <= on_or_before)).scalar()
    result = conn.execute(sa.select(t.c.token, t.c.min_holding, t.c.cap, t.c.apr).where(
        t.c.source == source, t.c.day == last))
    frame = pd.DataFrame(result.fetchall(), columns=["token", "min_holding", "cap", "apr"])
    return frame.astype({"min_holding": float, "cap": float, "apr": float}).set_index("token")


#: ``softstake history`` tables and their readers.
HISTORY_TABLES = {"products": read_products, "apr": read_apr, "prices": read_prices,
                  "rewards": read_rewards}
