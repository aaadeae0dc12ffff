"""Daily closes through ccxt's public OHLCV (no key), paged by time.

The exchange's API hosts can be replaced (``--base-url``, else
``SOFTSTAKE_PRICES_BASE_URL``): every API URL of the ccxt exchange keeps its path and takes
the given scheme and host, so a test server or a regional endpoint serves every call.
The candle of the day the fetch runs is still open and is not kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..errors import ParameterError
from .errors import FetchError, RateLimited, RetryPolicy, network_reason, with_retries

__all__ = ["PriceSource", "make_price_source", "fetch_daily_candles", "BASE_URL_ENV",
           "EXCHANGES"]

BASE_URL_ENV = "SOFTSTAKE_PRICES_BASE_URL"
#: Exchanges offered by ``softstake fetch prices --exchange`` (ccxt ids).
EXCHANGES = ("binance", "okx", "kraken", "gateio", "kucoin")
_DAY_MS = 86_400_000
_PAGE = 1000


@dataclass(frozen=True)
class PriceSource:
    """A ccxt exchange and how its calls are retried."""

    exchange: object
    name: str
    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep


def _rebase(urls: object, base: str) -> object:
    """Every ``scheme://host`` URL in ccxt's ``urls['api']`` moved to ``base``."""
    if isinstance(urls, dict):
        return {k: _rebase(v, base) for k, v in urls.items()}
    if isinstance(urls, str) and "://" in urls:
        rest = urls.split("://", 1)[1]
        path = rest.split("/", 1)[1] if "/" in rest else ""
        return f"{base}/{path}" if path else base
    return urls


def make_price_source(name: str = "binance", url: str | None = None, timeout: float = 10.0,
                      policy: RetryPolicy | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> PriceSource:
    """A ccxt exchange for public daily candles; ``url`` replaces its API hosts."""
    try:
        import ccxt
    except ImportError:
        raise FetchError("fetching prices needs ccxt: pip install 'softstake[fetch]'") from None
    if name not in EXCHANGES:
        raise ParameterError(f"must be one of {', '.join(EXCHANGES)}, got '{name}'",
                             param="exchange")
    if not timeout > 0:
        raise ParameterError(f"must be > 0 seconds, got {timeout}", param="timeout")
    options = {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False} \
        if name == "binance" else {}
    ex = getattr(ccxt, name)({"enableRateLimit": True, "enableLastJsonResponse": True,
                              "timeout": int(timeout * 1000),
                              "options": options})
    base = (url or os.environ.get(BASE_URL_ENV) or "").strip().rstrip("/")
    if base:
        if not base.startswith(("https://", "http://")):
            raise ParameterError(f"must start with https:// or http://, got '{base}'",
                                 param="base_url")
        ex.urls["api"] = _rebase(ex.urls["api"], base)
    return PriceSource(ex, name, policy or RetryPolicy(), sleep)


def _retry_after(ex: object) -> float | None:
    headers = getattr(ex, "last_response_headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _binance_klines(raw: object) -> bool:
    """Whether a Binance klines body is a list of ``[time, o, h, l, c, v, …]`` rows
    (ccxt drops rows it cannot parse instead of failing)."""
    if not isinstance(raw, list):
        return False
    for row in raw:
        if not isinstance(row, list) or len(row) < 6 or not isinstance(row[0], int):
            return False
        try:
            [float(v) for v in row[1:6]]
        except (TypeError, ValueError):
            return False
    return True


def _page(src: PriceSource, symbol: str, since: int) -> list:
    import ccxt

    def once() -> list:
        try:
            return src.exchange.fetch_ohlcv(symbol, "1d", since=since, limit=_PAGE)
        except ccxt.DDoSProtection:  # 429 / 418 (RateLimitExceeded is one)
            status = getattr(src.exchange, "last_http_response_status", None)
            raise RateLimited(418 if status == 418 else 429,
                              _retry_after(src.exchange)) from None

    who = f"{src.name} prices"
    try:
        batch = with_retries(once, who, src.policy, src.sleep)
    except ccxt.BadSymbol:
        raise ParameterError(f"has no market {symbol} on {src.name}", param="token") from None
    except ccxt.NetworkError as e:
        raise FetchError(f"{who}: {network_reason(e)}") from None
    except ccxt.BaseError as e:
        reason = " ".join(str(e).split())[:160]
        raise FetchError(f"{who}: malformed or refused response ({type(e).__name__}: "
                         f"{reason})") from None
    except (TypeError, KeyError, IndexError, ValueError):
        raise FetchError(f"{who}: malformed response (unexpected JSON)") from None
    raw = getattr(src.exchange, "last_json_response", None)
    if raw is None:  # ccxt keeps a body that is not JSON as text and returns no candles
        raise FetchError(f"{who}: malformed response (not JSON)")
    if src.name == "binance" and not _binance_klines(raw):
        raise FetchError(f"{who}: malformed response (klines must be lists of open time, "
                         "open, high, low, close, volume)")
    if not isinstance(batch, list) or not all(
            isinstance(c, list) and len(c) >= 5 and isinstance(c[0], int)
            and isinstance(c[4], int | float) and c[4] > 0 for c in batch):
        raise FetchError(f"{who}: malformed response (candles must be [time, open, high, "
                         "low, close, volume] with a close > 0)")
    return batch


def fetch_daily_candles(src: PriceSource, token: str, quote: str, days: int,
                        now: pd.Timestamp | None = None) -> pd.DataFrame:
    """The last ``days`` complete UTC days of ``token/quote`` candles, paged by time.

    Returns
    -------
    pandas.DataFrame
        ``day`` (naive UTC day), ``token``, ``quote``, ``open, high, low, close, volume``;
        one row per day the exchange has, oldest first.
    """
    if not (isinstance(days, int) and days >= 1):
        raise ParameterError(f"must be an integer >= 1, got {days}", param="days")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    today = int(now.normalize().value // 1_000_000)
    symbol = f"{token.upper()}/{quote.upper()}"
    since, rows = today - days * _DAY_MS, []
    while since < today:
        batch = [c for c in _page(src, symbol, since) if c[0] < today]
        batch = [c for c in batch if c[0] >= since]
        if not batch:
            break
        rows += batch
        since = int(batch[-1][0]) + _DAY_MS
    frame = pd.DataFrame([c[:6] for c in rows],
                         columns=["ms", "open", "high", "low", "close", "volume"])
    try:
        values = frame[["open", "high", "low", "close", "volume"]].astype(float)
    except (TypeError, ValueError):
        raise FetchError(f"{src.name} prices: malformed response (a candle value is not a "
                         "number)") from None
    if len(frame) and not (values["close"] > 0).all():
        raise FetchError(f"{src.name} prices: malformed response (a close is not > 0)")
    out = pd.DataFrame({"day": pd.to_datetime(frame["ms"].astype("int64"), unit="ms")
                        .dt.normalize().dt.as_unit("s"), "token": token.upper(),
                        "quote": quote.upper()})
    out = pd.concat([out, values], axis=1)
    return out.drop_duplicates("day", keep="last").sort_values("day", ignore_index=True)
