"""What the catalogue, reconcile and the APR fits read from the history store.

- :func:`catalog_at`: the catalogue as of a date, each value the latest fetched one on or
  before it where the store has one, marked where it came from.
- :func:`apr_history_from_store`: the stored APR history in the shape of
  :func:`softstake_model.ledger.read_apr_history` (what ``reconcile --apr-history`` takes).
- :func:`apr_fit_from_store`: the OU fit of a token's stored APR history, once it holds
  enough days.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .db import Store, existing_store
from .figures import DEFAULT_WINDOW_DAYS, price_figures

__all__ = ["catalog_at", "catalog_from_store", "apr_history_from_store", "apr_fit_from_store",
           "rewards_record_from_store", "fetched_source", "PRODUCT_SOURCE", "MIN_FIT_DAYS",
           "UNPUBLISHED", "catalog_sources", "SOURCED_FIELDS"]

#: The ``source`` of soft-staking product snapshots.
PRODUCT_SOURCE = "binance"
#: Figures a source's product list does not carry (stored empty; an empty cap reads as
#: no cap, so it is not laid): OKX's lending-rate summary gives rates only.
UNPUBLISHED: dict[str, tuple[str, ...]] = {"okx": ("min_holding", "cap")}
#: Fewest stored days :func:`apr_fit_from_store` fits a process to.
MIN_FIT_DAYS = 30


def fetched_source(day: pd.Timestamp, source: str, detail: str = "") -> str:
    """The ``*_source`` text of a fetched value: ``fetched 2026-11-30 binance[: detail]``."""
    text = f"fetched {pd.Timestamp(day):%Y-%m-%d} {source}"
    return f"{text}: {detail}" if detail else text


def _lay(cat: pd.DataFrame, token: str, fld: str, value: float, source: str) -> None:
    cat.at[token, fld] = value
    cat.at[token, f"{fld}_confidence"] = "published"
    cat.at[token, f"{fld}_source"] = source


def _latest_products(store: Store, at: pd.Timestamp, source: str) -> pd.DataFrame:
    from .read import read_products  # SQLAlchemy: only once there is a store

    snaps = read_products(store, end=at)
    snaps = snaps[snaps["source"] == source]
    return snaps.sort_values(["token", "day"]).groupby("token").tail(1).set_index("token")


def catalog_at(catalog: pd.DataFrame, store: Store, at: object = None,
               source: str = PRODUCT_SOURCE, quote: str = "USDT",
               window_days: int = DEFAULT_WINDOW_DAYS) -> pd.DataFrame:
    """``catalog`` with, value by value, the latest snapshot on or before ``at`` laid over it.

    Parameters
    ----------
    catalog
        A catalogue frame (:func:`softstake_model.catalog.load_catalog`).
    store
        The history store.
    at
        The date (default: today, UTC).
    source
        The exchange whose product snapshots are laid (``min_holding``, ``cap``, ``apr``
        and ``apr_date``): ``binance``, or ``okx``, ``kucoin``, ``kraken`` (``softstake
        fetch products --exchange``), to lay that exchange's preset over its real terms.
    quote
        The quote currency of the prices laid as ``price_usd`` (USDT taken as USD).
    window_days
        Days of daily returns the ``volatility`` is computed over.

    Returns
    -------
    pandas.DataFrame
        The same columns and tokens. A laid value is ``published`` (the exchange's own
        figures) and its ``*_source`` says ``fetched YYYY-MM-DD SOURCE`` (the UTC day of the
        fetch) and, for prices and volatility, the pair and the window. Values marked
        ``user`` are kept: a user's own file wins over the store. Values the store does not
        have keep their shipped confidence and source. ``attrs["fetched"]`` lists the
        ``(token, field)`` pairs laid; ``attrs["not_in_catalog"]`` the stored tokens the
        catalogue does not have (not added: they lack unbonding and epoch terms).
    """
    day = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() if at is None \
        else pd.Timestamp(at).normalize()
    cat = catalog.copy()
    laid: list[tuple[str, str]] = []

    def keep(token: str, fld: str) -> bool:
        return cat.at[token, f"{fld}_confidence"] != "user"

    snaps = _latest_products(store, day, source)
    for token, row in snaps.iterrows():
        if token not in cat.index:
            continue
        src = fetched_source(row["fetched_at"].tz_convert(None), source)
        for fld in ("min_holding", "cap", "apr"):
            if pd.notna(row[fld]) and keep(token, fld) \
                    and fld not in UNPUBLISHED.get(source, ()):
                _lay(cat, token, fld, float(row[fld]), src)
                laid.append((token, fld))
        if (token, "apr") in laid and "apr_date" in cat:
            cat.at[token, "apr_date"] = f"{row['day']:%Y-%m-%d}"
    from .read import read_prices

    prices = read_prices(store, tokens=list(cat.index), end=day)
    figures = price_figures(prices[prices["quote"] == quote], day, window_days)
    for token, f in figures.iterrows():
        when = f["fetched_at"].tz_convert(None)
        pair = f"{token}/{f['quote']}"
        if keep(token, "price_usd"):
            _lay(cat, token, "price_usd", f["price"], fetched_source(
                when, f["exchange"], f"close of {pair} on {f['price_day']:%Y-%m-%d} "
                f"({f['quote']} taken as USD)"))
            laid.append((token, "price_usd"))
        if np.isfinite(f["volatility"]) and keep(token, "volatility"):
            _lay(cat, token, "volatility", f["volatility"], fetched_source(
                when, f["exchange"], f"annualised (x sqrt 365) from {f['returns']} daily log "
                f"returns of {pair} closes, {f['window_start']:%Y-%m-%d} to "
                f"{f['price_day']:%Y-%m-%d}"))
            laid.append((token, "volatility"))
    cat.attrs["fetched"] = laid
    cat.attrs["not_in_catalog"] = sorted(set(snaps.index) - set(cat.index))
    return cat


#: The catalogue values :func:`catalog_sources` lists, in order.
SOURCED_FIELDS = ("min_holding", "cap", "apr", "price_usd", "volatility")


def catalog_sources(catalog: pd.DataFrame,
                    fields: Sequence[str] = SOURCED_FIELDS) -> pd.DataFrame:
    """Each value of ``catalog`` with where it came from, one row per token and field.

    Returns
    -------
    pandas.DataFrame
        ``token, field, value, confidence, source`` (``apr`` rows with the catalogue's
        ``apr_date`` in ``as_of``), tokens in the catalogue's order.
    """
    rows = []
    for token, r in catalog.iterrows():
        for fld in fields:
            rows.append({"token": token, "field": fld, "value": float(r[fld]),
                         "confidence": r[f"{fld}_confidence"], "source": r[f"{fld}_source"],
                         "as_of": r.get("apr_date") if fld == "apr" else None})
    return pd.DataFrame(rows, columns=["token", "field", "value", "confidence", "source",
                                       "as_of"])


def catalog_from_store(catalog: pd.DataFrame, at: object = None,
                       location: str | None = None) -> pd.DataFrame:
    """:func:`catalog_at` on the store at ``location`` (default ``$SOFTSTAKE_STORE`` or the
    user data folder's file) when there is one; otherwise ``catalog`` as it is (with
    ``attrs["fetched"]`` empty). Never creates a store."""
    store = existing_store(location)
    if store is None:
        out = catalog.copy()
        out.attrs["fetched"], out.attrs["not_in_catalog"] = [], []
        return out
    try:
        return catalog_at(catalog, store, at)
    finally:
        store.close()


def rewards_record_from_store(store: Store, tokens: Sequence[str] | None = None,
                              start: object = None, end: object = None) -> pd.DataFrame:
    """The stored reward records in the shape of
    :func:`softstake_model.ledger.read_rewards_record`: ``time, token, reward,
    reward_token, avg_amount``, sorted by time; ``attrs["file"]`` names the store."""
    from .read import read_rewards

    f = read_rewards(store, tokens, start, end)
    out = f[["time", "token", "reward", "reward_token", "avg_amount"]].sort_values(
        "time", kind="stable", ignore_index=True)
    out.attrs["file"] = f"history store {store.url}"
    return out


def apr_history_from_store(store: Store, tokens: Sequence[str] | None = None,
                           start: object = None, end: object = None,
                           fill: bool = False) -> pd.DataFrame:
    """The stored daily APR history, as :func:`softstake_model.ledger.read_apr_history`
    returns one from a file.

    Parameters
    ----------
    tokens
        Tokens (default: every stored one).
    start, end
        Days, inclusive (default: all).
    fill
        Carry each APR forward over days without a snapshot, up to the token's last
        snapshot (assumed: a rate holds until the next snapshot shows another).

    Returns
    -------
    pandas.DataFrame
        ``date`` (naive UTC day), ``token``, ``apr`` (fraction per year), one row per token
        and day, sorted by date then token. Soft-staking snapshots come first; a token or
        day they lack takes a published APR history (``softstake fetch rates``).
        ``attrs["file"]`` names the store (for messages about a missing day) and
        ``attrs["sources"]`` maps each token to the sources its rows came from.
    """
    from .read import read_apr, read_products

    prod = read_products(store, tokens, start, end)
    prod = prod.assign(source=prod["source"] + " soft staking")[["day", "token", "apr",
                                                                 "source"]]
    pub = read_apr(store, tokens, start, end)[["day", "token", "apr", "source"]]
    both = pd.concat([prod.dropna(subset=["apr"]), pub], ignore_index=True)
    rank = np.where(both.index < len(prod.dropna(subset=["apr"])), 0, 1)
    both = both.assign(rank=rank).sort_values(["token", "day", "rank", "source"],
                                              kind="stable")
    both = both.drop_duplicates(["token", "day"], keep="first")
    if fill and len(both):
        parts = []
        for token, g in both.groupby("token", sort=True):
            days = pd.date_range(g["day"].min(), g["day"].max(), freq="D", unit="s")
            parts.append(g.set_index("day").reindex(days).ffill().rename_axis("day")
                         .reset_index().assign(token=token))
        both = pd.concat(parts, ignore_index=True)
    # the unit read_apr_history's dates have (ns), so the two mix and compare alike
    out = pd.DataFrame({"date": pd.DatetimeIndex(both["day"]).as_unit("ns"),
                        "token": both["token"].to_numpy(),
                        "apr": both["apr"].to_numpy(dtype=float)})
    out = out.sort_values(["date", "token"], kind="stable", ignore_index=True)
    out.attrs["file"] = f"history store {store.url}"
    out.attrs["sources"] = {t: sorted(set(g["source"])) for t, g in both.groupby("token")}
    return out


def apr_fit_from_store(store: Store, token: str, min_days: int = MIN_FIT_DAYS,
                       bootstrap: int = 200, seed: int | None = 0) -> object | None:
    """The OU process of log APR fitted to the token's stored daily APR history
    (:func:`softstake_model.apr.history.fit_history`), or None while the store holds fewer
    than ``min_days`` days of it.

    Days without a snapshot are gaps (not filled): the fit handles irregular dates. The
    fit's ``source`` is ``stored``.
    """
    from ..apr.history import fit_history

    h = apr_history_from_store(store, [token])
    h = h[h["apr"] > 0]
    if len(h) < min_days:
        return None
    return fit_history(h["date"], h["apr"], bootstrap=bootstrap, seed=seed, source="stored")
