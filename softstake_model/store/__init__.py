"""The history store: every fetched snapshot kept, read back by the catalogue, reconcile
and the APR fits (needs the ``[fetch]`` extra: SQLAlchemy, and psycopg for PostgreSQL).

See ``docs/fetch.md``. :func:`open_store` opens it; ``record_*`` write a fetch in one
transaction; ``read_*`` export tidy tables; :func:`catalog_at`,
:func:`apr_history_from_store` and :func:`apr_fit_from_store` are what the rest of the
package reads.
"""

from typing import Any

#: Where each name is defined: the modules load on first use, so that asking whether there
#: is a store (:func:`existing_store`, no SQLite file) imports neither SQLAlchemy nor the
#: readers and writers.
_WHERE = {
    "db": ["Store", "open_store", "existing_store", "store_url", "default_store_path"],
    "figures": ["log_return_volatility", "price_figures"],
    "layer": ["MIN_FIT_DAYS", "apr_fit_from_store", "apr_history_from_store", "catalog_at",
              "catalog_from_store", "catalog_sources", "fetched_source",
              "rewards_record_from_store"],
    "read": ["HISTORY_TABLES", "read_apr", "read_prices", "read_products", "read_rewards"],
    "write": ["Recorded", "product_changes", "record_apr", "record_prices", "record_products",
              "record_rewards"],
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "Store", "open_store", "existing_store", "store_url", "default_store_path",
    "record_products", "record_rewards", "record_prices", "record_apr", "Recorded",
    "product_changes", "read_products", "read_rewards", "read_prices", "read_apr",
    "HISTORY_TABLES", "catalog_at", "catalog_from_store", "catalog_sources",
    "apr_history_from_store", "apr_fit_from_store", "rewards_record_from_store",
    "fetched_source", "price_figures", "log_return_volatility", "MIN_FIT_DAYS",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_MODULE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
