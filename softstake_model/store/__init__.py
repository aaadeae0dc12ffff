"""The history store: every fetched snapshot kept, read back by the catalogue, reconcile
and the APR fits (needs the ``[fetch]`` extra: SQLAlchemy, and psycopg for PostgreSQL).

See ``docs/fetch.md``. :func:`open_store` opens it; ``record_*`` write a fetch in one
transaction; ``read_*`` export tidy tables; :func:`catalog_at`,
:func:`apr_history_from_store` and :func:`apr_fit_from_store` are what the rest of the
package reads.
"""

from .db import Store, default_store_path, existing_store, open_store, store_url
from .figures import log_return_volatility, price_figures
from .layer import (
    apr_fit_from_store,
    apr_history_from_store,
    catalog_at,
    catalog_from_store,
    fetched_source,
    rewards_record_from_store,
)
from .read import HISTORY_TABLES, read_apr, read_prices, read_products, read_rewards
from .write import (
    Recorded,
    product_changes,
    record_apr,
    record_prices,
    record_products,
    record_rewards,
)

__all__ = [
    "Store", "open_store", "existing_store", "store_url", "default_store_path",
    "record_products", "record_rewards", "record_prices", "record_apr", "Recorded",
    "product_changes", "read_products", "read_rewards", "read_prices", "read_apr",
    "HISTORY_TABLES", "catalog_at", "catalog_from_store", "apr_history_from_store",
    "apr_fit_from_store", "rewards_record_from_store",
    "fetched_source", "price_figures", "log_return_volatility",
]
