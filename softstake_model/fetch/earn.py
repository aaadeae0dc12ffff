"""Other exchanges' flexible earn products through ccxt's implicit endpoints, stored as
product snapshots under the exchange's name so its preset can be laid over real terms.

=========  =====================================================  =====================
exchange   ccxt method (endpoint)                                  keys (environment)
=========  =====================================================  =====================
okx        ``publicGetFinanceSavingsLendingRateSummary``           none (public)
           (``GET /api/v5/finance/savings/lending-rate-summary``)
kucoin     ``earnGetEarnSavingProducts``                           ``KUCOIN_API_KEY``,
           (``GET /api/v1/earn/saving/products``)                  ``KUCOIN_API_SECRET``,
                                                                   ``KUCOIN_API_PASSPHRASE``
kraken     ``privatePostEarnStrategies``                           ``KRAKEN_API_KEY``,
           (``POST /0/private/Earn/Strategies``)                   ``KRAKEN_API_SECRET``
=========  =====================================================  =====================

Gate is not offered: ccxt has no endpoint for Gate's soft staking; its public
``uni/currencies`` lists the limits of lending orders (the lender's minimum rate), not a
rate a holder is paid.

What each row becomes (``token, min_holding, cap, apr, staked_amount``; APR a fraction
per year):

- okx: ``avgRate`` (the 24 h average annual lending rate, before the 15 % OKX holds back,
  which the ``okx_simple_earn`` preset applies); ``avgAmt`` the amount lent; OKX gives no
  minimum or cap (left empty).
- kucoin: the ``DEMAND`` (flexible savings) products; ``returnRate`` (annual fraction),
  ``userLowerLimit`` and ``userUpperLimit``; a currency listed twice keeps its first row.
- kraken: the strategies of ``lock_type`` ``flex`` (Auto Earn; else ``instant``); APR the
  middle of ``apr_estimate`` ``low``-``high`` (percent in the API; the middle is
  assumed), ``user_min_allocation`` and ``user_cap``; Kraken's ``XBT`` is ``BTC``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .binance import _assets, _numbers
from .errors import FetchError, RetryPolicy
from .prices import PriceSource, ccxt_call, make_price_source

__all__ = ["EARN_EXCHANGES", "EARN_BASE_URL_ENV", "EarnEndpoint", "make_earn_source",
           "fetch_earn_products"]

EARN_BASE_URL_ENV = "SOFTSTAKE_EARN_BASE_URL"


@dataclass(frozen=True)
class EarnEndpoint:
    """One exchange's earn product list: the ccxt method and the keys it needs."""

    method: str
    keys: tuple[tuple[str, str], ...] = ()  # (ccxt credential, environment variable)
    params: tuple[tuple[str, str], ...] = ()


EARN_EXCHANGES: dict[str, EarnEndpoint] = {
    "okx": EarnEndpoint("publicGetFinanceSavingsLendingRateSummary"),
    "kucoin": EarnEndpoint("earnGetEarnSavingProducts",
                           (("apiKey", "KUCOIN_API_KEY"), ("secret", "KUCOIN_API_SECRET"),
                            ("password", "KUCOIN_API_PASSPHRASE"))),
    "kraken": EarnEndpoint("privatePostEarnStrategies",
                           (("apiKey", "KRAKEN_API_KEY"), ("secret", "KRAKEN_API_SECRET"))),
}


def make_earn_source(name: str, url: str | None = None, timeout: float = 10.0,
                     policy: RetryPolicy | None = None,
                     sleep: Callable[[float], None] = time.sleep,
                     env: Mapping[str, str] | None = None) -> PriceSource:
    """A ccxt exchange for :func:`fetch_earn_products`, its keys from the environment
    (never from flags); ``url`` (else ``$SOFTSTAKE_EARN_BASE_URL``) replaces its hosts."""
    if name not in EARN_EXCHANGES:
        raise ParameterError(f"must be one of binance, {', '.join(EARN_EXCHANGES)}, got "
                             f"'{name}'", param="exchange")
    env = os.environ if env is None else env
    need = EARN_EXCHANGES[name].keys
    missing = [var for _, var in need if not env.get(var, "").strip()]
    if missing:
        raise ParameterError(f"{name}'s earn products need an API key: set "
                             f"{', '.join(missing)} in the environment (keys are never "
                             "taken from flags)")
    keys = {k: env[var].strip() for k, var in need}
    return make_price_source(name, url, timeout, policy, sleep, keys=keys,
                             url_env=EARN_BASE_URL_ENV, allowed=tuple(EARN_EXCHANGES))


def _data(body: object, key: str, who: str) -> list[dict]:
    rows = body.get(key) if isinstance(body, dict) else None
    if isinstance(rows, dict) and "items" in rows:  # kraken: result.items
        rows = rows["items"]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"{who}: malformed response (no list of products in '{key}')")
    return rows


def _okx(body: object, who: str) -> pd.DataFrame:
    rows = _data(body, "data", who)
    f = _numbers(rows, {"avgRate": "apr", "avgAmt": "staked_amount"}, "lending-rate-summary",
                 optional=("avgAmt",), service=who)
    f.insert(0, "token", _assets(rows, "ccy", "lending-rate-summary", who))
    return f.assign(min_holding=np.nan, cap=np.nan)


def _kucoin(body: object, who: str) -> pd.DataFrame:
    rows = [r for r in _data(body, "data", who) if r.get("category") == "DEMAND"]
    f = _numbers(rows, {"returnRate": "apr", "userLowerLimit": "min_holding",
                        "userUpperLimit": "cap"}, "earn/saving/products",
                 optional=("userUpperLimit",), service=who)
    f.insert(0, "token", _assets(rows, "currency", "earn/saving/products", who))
    return f.drop_duplicates("token", keep="first").assign(staked_amount=np.nan)


def _kraken(body: object, who: str) -> pd.DataFrame:
    rows = _data(body, "result", who)
    kind = [(r.get("lock_type") or {}).get("type") for r in rows]
    rank = {"flex": 0, "instant": 1}
    rows = [dict(r, _rank=rank[k], **{f"apr_{e}": (r.get("apr_estimate") or {}).get(e)
                                      for e in ("low", "high")})
            for r, k in zip(rows, kind, strict=True) if k in rank]
    f = _numbers(rows, {"apr_low": "low", "apr_high": "high",
                        "user_min_allocation": "min_holding", "user_cap": "cap",
                        "_rank": "rank"}, "Earn/Strategies",
                 optional=("user_min_allocation", "user_cap"), service=who)
    tokens = _assets(rows, "asset", "Earn/Strategies", who)
    f.insert(0, "token", ["BTC" if t == "XBT" else t for t in tokens])
    f["apr"] = (f.pop("low") + f.pop("high")) / 200.0
    f["min_holding"] = f["min_holding"].fillna(0.0)
    f = f.sort_values(["token", "rank"], kind="stable").drop(columns="rank")
    return f.drop_duplicates("token", keep="first").assign(staked_amount=np.nan)


_PARSE = {"okx": _okx, "kucoin": _kucoin, "kraken": _kraken}


def fetch_earn_products(src: PriceSource) -> tuple[pd.DataFrame, object]:
    """The flexible earn products of ``src``'s exchange (see the module notes).

    Returns
    -------
    (pandas.DataFrame, object)
        ``token, min_holding, cap, apr, staked_amount, total_profit`` (APR a fraction per
        year; a missing cap is no cap, ``inf``; a figure the exchange does not give is
        empty), tokens in alphabetical order; and the body as the exchange sent it.
    """
    who = f"{src.name} earn products"
    endpoint = EARN_EXCHANGES[src.name]
    body = ccxt_call(src, lambda: getattr(src.exchange, endpoint.method)(
        dict(endpoint.params)), who)
    if src.name == "kraken" and isinstance(body, dict) and body.get("error"):
        raise FetchError(f"{who}: refused ({'; '.join(map(str, body['error']))[:160]})")
    f = _PARSE[src.name](body, who)
    if (f["apr"] < 0).any():
        raise FetchError(f"{who}: malformed response (a negative rate for "
                         f"{f['token'][f['apr'] < 0].iloc[0]})")
    f["cap"] = f["cap"].fillna(np.inf)
    out = f.assign(total_profit=np.nan)[["token", "min_holding", "cap", "apr",
                                          "staked_amount", "total_profit"]]
    return out.sort_values("token", ignore_index=True), body
