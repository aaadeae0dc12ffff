"""Today's data in: Binance's soft-staking products, a holder's rewards and the published
rate histories through the official SDK, daily prices through ccxt (``[fetch]`` extra).

Each ``fetch_*`` function returns frames and writes nothing; the commands write what they
return into the history store (:mod:`softstake_model.store`) in one transaction. See
``docs/fetch.md``.
"""

from .binance import (
    BinanceSession,
    base_url,
    fetch_products,
    fetch_rate_history,
    fetch_rewards,
    make_session,
    rates_to_apr,
)
from .errors import FetchError, RetryPolicy
from .keys import Credentials, credentials_from_env
from .prices import PriceSource, fetch_daily_candles, make_price_source

__all__ = ["BinanceSession", "make_session", "base_url", "fetch_products", "fetch_rewards",
           "fetch_rate_history", "rates_to_apr", "FetchError", "RetryPolicy", "Credentials",
           "credentials_from_env", "PriceSource", "make_price_source", "fetch_daily_candles"]
