"""What each ``softstake fetch`` subcommand does, as one call: fetch, then write the history
store in one transaction, then (``out``) the file. Nothing is written when the fetch fails.

The commands only parse their flags, call these and format what they return.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from ..files import atomic_write, write_table
from ..store import (
    HISTORY_TABLES,
    Recorded,
    Store,
    price_figures,
    read_prices,
    record_apr,
    record_prices,
    record_products,
    record_rewards,
)
from .binance import (
    RATE_TOKENS,
    BinanceSession,
    fetch_products,
    fetch_rate_history,
    fetch_rewards,
    rates_to_apr,
)
from .prices import PriceSource, fetch_daily_candles

__all__ = ["Done", "parse_day", "today", "products_job", "rewards_job", "prices_job",
           "rates_job", "export_history"]


@dataclass(frozen=True)
class Done:
    """What a fetch did: the store's account of it, when, and the span or figures."""

    recorded: Recorded
    fetched_at: pd.Timestamp
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    fetched: int = 0
    figures: tuple[dict, ...] = ()


def today() -> pd.Timestamp:
    """Today's UTC day (naive)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()


def parse_day(text: str | None, param: str) -> pd.Timestamp | None:
    """A ``YYYY-MM-DD`` day, or None; a :class:`ParameterError` naming ``param`` if not."""
    if text is None:
        return None
    try:
        return pd.Timestamp(text).normalize()
    except ValueError:
        raise ParameterError(f"'{text}' is not a date (YYYY-MM-DD)", param=param) from None


def _json_out(out: str | Path | None, rows: list[dict]) -> None:
    if out:
        text = json.dumps({"rows": rows, "total": len(rows)}, indent=2) + "\n"
        atomic_write(out, lambda h: h.write(text))


def products_job(store: Store, session: BinanceSession, page_size: int = 100,
                 out: str | Path | None = None) -> Done:
    """Every soft-staking product into the store; ``out``: the product-list JSON (what
    ``--catalog`` reads). ``recorded.changes`` is what moved since the last snapshot."""
    frame, rows = fetch_products(session, page_size)
    now = pd.Timestamp.now(tz="UTC")
    done = record_products(store, frame, now)
    _json_out(out, rows)
    return Done(done, now, fetched=len(rows))


def rewards_job(store: Store, session: BinanceSession, start: pd.Timestamp,
                end: pd.Timestamp | None = None, tokens: Sequence[str] | None = None,
                page_size: int = 100, out: str | Path | None = None) -> Done:
    """The account's reward records from ``start`` to ``end`` (default today) into the
    store; ``out``: rewardsRecord JSON (what ``reconcile --rewards-record`` reads)."""
    end = today() if end is None else end
    frame = fetch_rewards(session, start, end, list(tokens) if tokens else None, page_size)
    now = pd.Timestamp.now(tz="UTC")
    done = record_rewards(store, frame, now)
    _json_out(out, [{"asset": r.token, "rewards": repr(r.reward), "rewardAsset":
                     r.reward_token, "avgAmount": repr(r.avg_amount),
                     "time": int(r.time.value // 1_000_000)}
                    for r in frame.itertuples(index=False)])
    return Done(done, now, start, end, fetched=len(frame))


def prices_job(store: Store, src: PriceSource, tokens: Sequence[str], quote: str = "USDT",
               days: int = 400, window_days: int = 365) -> Done:
    """Daily candles of ``tokens`` into the store; ``figures``: per token the last close
    and the volatility over ``window_days`` from everything stored
    (:func:`~softstake_model.store.price_figures`), as plain dicts."""
    if not tokens:
        raise ParameterError("needs at least one token", param="token")
    now = pd.Timestamp.now(tz="UTC")
    candles = pd.concat([fetch_daily_candles(src, t, quote, days, now) for t in tokens],
                        ignore_index=True)
    done = record_prices(store, candles, now, src.name)
    stored = read_prices(store, list(tokens), exchange=src.name)
    figures = price_figures(stored[stored["quote"] == quote.upper()], today(), window_days)
    rows = tuple({"token": t, **f} for t, f in figures.to_dict("index").items())
    return Done(done, now, fetched=len(candles), figures=rows)


def rates_job(store: Store, session: BinanceSession, tokens: Sequence[str] | None = None,
              start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> Done:
    """The BNSOL / WBETH rate histories (default both; default span the 90 days to today)
    into the store as daily APR histories (:func:`~softstake_model.fetch.rates_to_apr`)."""
    end = today() if end is None else end
    start = end - pd.Timedelta(days=90) if start is None else start
    history = pd.concat([fetch_rate_history(session, t, start, end)
                         for t in (tokens or list(RATE_TOKENS))], ignore_index=True)
    now = pd.Timestamp.now(tz="UTC")
    return Done(record_apr(store, rates_to_apr(history), now), now, start, end,
                fetched=len(history))


def export_history(store: Store, table: str, tokens: Sequence[str] | None = None,
                   start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                   out: str | Path | None = None) -> int:
    """Write a tidy table of the store (CSV, or Parquet for ``.parquet``; stdout when
    ``out`` is None), atomically; returns its rows."""
    if table not in HISTORY_TABLES:
        raise ParameterError(f"must be one of {', '.join(HISTORY_TABLES)}, got '{table}'",
                             param="table")
    frame = HISTORY_TABLES[table](store, list(tokens) if tokens else None, start, end)
    write_table(frame, out)
    return len(frame)
