"""Whether a page's figures rest on shipped catalogue values that are old: the line a report
page opens with when they do.

A value is *shipped* when it is neither fetched (its source starts ``fetched``, see
:func:`softstake_model.store.catalog_at`) nor the user's (confidence ``user``). Its date is
the catalogue's ``apr_date`` for an APR and the date the shipped catalogue describes
(:func:`softstake_model.catalog.as_of`) for every other value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .catalog import as_of

__all__ = ["shipped_ages", "stale_line", "page_stale_line", "value_source",
           "MAX_SHIPPED_AGE_DAYS", "FETCHABLE"]

#: The catalogue values ``softstake fetch`` brings (products: minimum, cap, APR; prices:
#: price and volatility); the others are chain terms that a fetch does not date.
FETCHABLE = ("min_holding", "cap", "apr", "price_usd", "volatility")

#: Shipped values older than this many days make a page say so at the top.
MAX_SHIPPED_AGE_DAYS = 90


def _today() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()


def value_source(row: pd.Series, field: str) -> str:
    """Where one catalogue value came from, in a few words: ``user``, ``fetched
    2026-11-30 binance`` (a fetched value's source up to its detail) or ``shipped
    2025-07-01 (weak)`` (the shipped value's date and confidence).

    Examples
    --------
    >>> from softstake_model.catalog import load_catalog
    >>> value_source(load_catalog().loc["BNB"], "apr")
    'shipped 2025-07-01 (weak)'
    """
    confidence = str(row.get(f"{field}_confidence", ""))
    source = str(row.get(f"{field}_source", ""))
    if confidence == "user":
        return "user"
    if source.startswith("fetched "):
        return source.split(":", 1)[0]
    dated = row.get("apr_date") if field == "apr" else None
    dated = str(dated) if isinstance(dated, str) and dated else as_of()
    return f"shipped {dated} ({confidence})"


def shipped_ages(catalog: pd.DataFrame, tokens: Sequence[str],
                 fields: Sequence[str], at: object = None) -> pd.DataFrame:
    """The shipped values among ``fields`` of ``tokens``, with their date and age in days
    at ``at`` (default today, UTC).

    Returns
    -------
    pandas.DataFrame
        ``token, field, dated, age_days``, oldest first.
    """
    day = _today() if at is None else pd.Timestamp(at).normalize()
    shipped_day = pd.Timestamp(as_of())
    rows = []
    for token in tokens:
        if token not in catalog.index:
            continue
        r = catalog.loc[token]
        for fld in fields:
            source = str(r.get(f"{fld}_source", ""))
            if r.get(f"{fld}_confidence") == "user" or source.startswith("fetched "):
                continue
            dated = r.get("apr_date") if fld == "apr" else None
            dated = pd.Timestamp(str(dated)) if isinstance(dated, str) and dated \
                else shipped_day
            rows.append((token, fld, dated, (day - dated).days))
    out = pd.DataFrame(rows, columns=["token", "field", "dated", "age_days"])
    return out.sort_values(["age_days", "token"], ascending=[False, True],
                           ignore_index=True)


def stale_line(catalog: pd.DataFrame, tokens: Sequence[str], fields: Sequence[str],
               at: object = None, max_age_days: int = MAX_SHIPPED_AGE_DAYS) -> str | None:
    """A sentence naming the shipped values older than ``max_age_days`` the figures rest on,
    or None when there are none.

    Examples
    --------
    >>> from softstake_model.catalog import load_catalog
    >>> print(stale_line(load_catalog(), ["BNB"], ["apr", "price_usd"], at="2026-12-01"))
    ... # doctest: +NORMALIZE_WHITESPACE
    These figures rest on shipped catalogue values older than 90 days at 2026-12-01: apr
    of 2025-07-01 (518 days) for BNB; price_usd of 2025-11-19 (377 days) for BNB. Run
    `softstake fetch products` and `softstake fetch prices` for today's (see
    docs/fetch.md).
    >>> print(stale_line(load_catalog(), ["BNB", "SOL"], ["min_holding", "cap"],
    ...                  at="2026-12-01"))  # doctest: +NORMALIZE_WHITESPACE
    These figures rest on shipped catalogue values older than 90 days at 2026-12-01:
    min_holding, cap of 2025-11-19 (377 days) for BNB, SOL. Run `softstake fetch products`
    and `softstake fetch prices` for today's (see docs/fetch.md).
    """
    day = _today() if at is None else pd.Timestamp(at).normalize()
    old = shipped_ages(catalog, tokens, fields, day)
    old = old[old["age_days"] > max_age_days]
    if old.empty:
        return None
    by_field = old.groupby(["field", "dated", "age_days"], sort=False)["token"].agg(
        lambda t: ", ".join(sorted(t))).reset_index()
    listed = "; ".join(
        f"{', '.join(g['field'])} of {dated:%Y-%m-%d} ({age:,} days) for {tokens}"
        for (dated, age, tokens), g in by_field.groupby(["dated", "age_days", "token"],
                                                        sort=False))
    return (f"These figures rest on shipped catalogue values older than {max_age_days} days "
            f"at {day:%Y-%m-%d}: {listed}. Run `softstake fetch products` and `softstake "
            "fetch prices` for today's (see docs/fetch.md).")


def page_stale_line(catalog: object, tokens: Sequence[str],
                    fields: Sequence[str] = FETCHABLE,
                    given: dict[str, object] | None = None) -> str | None:
    """:func:`stale_line` for a report page: ``catalog`` a catalogue frame, or the file (or
    None) :func:`~softstake_model.product.product_catalog` lays the store over; ``fields``
    the values the page's figures use, less those ``given`` (not None) by the user."""
    from .product import product_catalog

    cat = catalog if isinstance(catalog, pd.DataFrame) else product_catalog(catalog)
    used = [f for f in fields if (given or {}).get(f) is None]
    return stale_line(cat, [t for t in tokens if t], used)
