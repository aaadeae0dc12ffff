"""Binance through its official SDK ``binance-sdk-staking``: the soft-staking product list,
a holder's reward records and the BNSOL / WBETH rate histories.

Every call is signed by the SDK (HMAC-SHA256 with ``BINANCE_API_SECRET``, or RSA / Ed25519
with ``BINANCE_PRIVATE_KEY_FILE``; :mod:`softstake_model.fetch.keys`) and goes to the base
URL given (``--base-url``, else ``BINANCE_BASE_URL``, else ``https://api.binance.com``).
Lists are paged (``current``, ``size``) until the response's ``total`` is reached; time
ranges are cut into windows of at most :data:`WINDOW_DAYS` days (the API allows three
months). Nothing is returned until every page has arrived, so a failure half-way leaves the
store as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .errors import FetchError, RateLimited, RetryPolicy, network_reason, with_retries
from .keys import Credentials

__all__ = ["BinanceSession", "make_session", "base_url", "fetch_products", "fetch_rewards",
           "fetch_rate_history", "rates_to_apr", "DEFAULT_BASE_URL", "BASE_URL_ENV",
           "WINDOW_DAYS", "RATE_TOKENS"]

DEFAULT_BASE_URL = "https://api.binance.com"
BASE_URL_ENV = "BINANCE_BASE_URL"
#: Longest time window of one request for a history, in days.
WINDOW_DAYS = 90
_MAX_PAGES = 1000
_SERVICE = "Binance"
#: The rate histories Binance publishes, by token: (SDK method, what the rate is).
RATE_TOKENS = {"BNSOL": "get_bnsol_rate_history", "WBETH": "get_wbeth_rate_history"}
_HINTS = {
    -2015: "Binance refused the API key (-2015: invalid key, IP not allowed, or no "
           "permission for this endpoint); check the key, its IP restriction and that "
           "'Enable Reading' is on",
    -2014: "Binance refused the API key (-2014: the key's format is invalid); check "
           "BINANCE_API_KEY",
    -1022: "Binance rejected the signature (-1022): the secret or private key does not "
           "belong to this API key",
    -1021: "Binance refused the request's timestamp (-1021: outside the receive window); "
           "this computer's clock is off: synchronise it (e.g. 'timedatectl set-ntp true' "
           "or 'chronyc makestep') and try again",
}


@dataclass(frozen=True)
class BinanceSession:
    """The SDK's REST client with how its calls are retried."""

    api: object
    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep


def base_url(flag: str | None = None) -> str:
    """The base URL: ``flag``, else ``$BINANCE_BASE_URL``, else :data:`DEFAULT_BASE_URL`."""
    url = (flag or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ParameterError(f"must start with https:// or http://, got '{url}'",
                             param="base_url")
    return url


def make_session(credentials: Credentials, url: str | None = None, timeout: float = 10.0,
                 policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> BinanceSession:
    """A signed SDK client for ``url`` (:func:`base_url`); ``timeout`` in seconds.

    Raises
    ------
    FetchError
        The SDK is not installed, or the private key file cannot be read (a wrong
        passphrase, or not an RSA / Ed25519 PEM key).
    """
    try:
        from binance_common.configuration import ConfigurationRestAPI
        from binance_sdk_staking.staking import Staking
    except ImportError:
        raise FetchError("fetching from Binance needs its SDK: pip install "
                         "'softstake[fetch]'") from None
    if not timeout > 0:
        raise ParameterError(f"must be > 0 seconds, got {timeout}", param="timeout")
    key_file = str(credentials.private_key_file) if credentials.private_key_file else None
    config = ConfigurationRestAPI(
        api_key=credentials.api_key, api_secret=credentials.api_secret,
        private_key=key_file, private_key_passphrase=credentials.passphrase,
        base_path=base_url(url), timeout=int(timeout * 1000), retries=0)
    try:
        api = Staking(config_rest_api=config).rest_api
    except (ValueError, IndexError, TypeError):
        raise FetchError(f"cannot read the private key in {key_file}: a wrong "
                         "BINANCE_PRIVATE_KEY_PASSPHRASE, or not an RSA or Ed25519 PEM key"
                         ) from None
    return BinanceSession(api, policy or RetryPolicy(), sleep)


def _refused(e: Exception) -> FetchError:
    code = getattr(e, "status_code", None)
    if code in _HINTS:
        return FetchError(_HINTS[code])
    msg = " ".join(str(getattr(e, "error_message", "") or "").split())[:200]
    return FetchError(f"{_SERVICE} refused the request ({code}: {msg})" if code is not None
                      else f"{_SERVICE} refused the request: {msg}")


def _call(session: BinanceSession, method: str, **params: object) -> dict:
    """One SDK call, rate limits honoured, every failure a one-line :class:`FetchError`;
    the response as a plain dict (field names as the API spells them)."""
    from binance_common import errors as sdk

    def once() -> object:
        try:
            return getattr(session.api, method)(**params).data()
        except sdk.TooManyRequestsError as e:
            raise RateLimited(429, e.retry_after) from None
        except sdk.RateLimitBanError as e:
            raise RateLimited(418, e.retry_after) from None

    try:
        data = with_retries(once, _SERVICE, session.policy, session.sleep)
    except sdk.NetworkError as e:
        raise FetchError(f"{_SERVICE}: {network_reason(e)}") from None
    except sdk.ServerError as e:
        raise FetchError(f"{_SERVICE}: server error (HTTP {e.status_code}); try later"
                         ) from None
    except (sdk.ClientError, sdk.BadRequestError, sdk.UnauthorizedError, sdk.ForbiddenError,
            sdk.NotFoundError) as e:
        raise _refused(e) from None
    except ValueError:  # the body is not JSON (cut off, or an HTML error page)
        raise FetchError(f"{_SERVICE}: malformed response (not JSON) from {method}") from None
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    if not isinstance(data, dict):
        raise FetchError(f"{_SERVICE}: malformed response from {method} (expected an "
                         "object with 'rows' and 'total')")
    return data


def _paged(session: BinanceSession, method: str, size: int, **params: object) -> list[dict]:
    """Every row of a paged list: pages 1, 2, … until ``total`` rows have come."""
    rows: list[dict] = []
    for current in range(1, _MAX_PAGES + 1):
        data = _call(session, method, current=current, size=size, **params)
        page, total = data.get("rows") or [], data.get("total")
        if isinstance(total, str) and total.isdigit():  # some models declare it a string
            total = int(total)
        if not isinstance(page, list) or not all(isinstance(r, dict) for r in page) \
                or not isinstance(total, int) or total < 0:
            raise FetchError(f"{_SERVICE}: malformed response from {method} (page "
                             f"{current}: 'rows' must be a list and 'total' a count)")
        rows += page
        if len(rows) >= total:
            return rows
        if not page:
            raise FetchError(f"{_SERVICE}: {method} ended at {len(rows)} of its {total} "
                             "rows (the list changed while paging); run again")
    raise FetchError(f"{_SERVICE}: {method} did not reach its total in {_MAX_PAGES} pages")


def _numbers(rows: list[dict], fields: dict[str, str], method: str,
             optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """The ``fields`` of ``rows`` (API name -> column) as floats; a missing or
    non-numeric value is a :class:`FetchError` naming the row and field."""
    out: dict[str, list] = {col: [] for col in fields.values()}
    for i, r in enumerate(rows):
        for key, col in fields.items():
            v = r.get(key)
            if v in (None, "") and key in optional:
                out[col].append(np.nan)
                continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = np.nan
            if not np.isfinite(x):
                raise FetchError(f"{_SERVICE}: malformed response from {method}: row {i} "
                                 f"field '{key}' is {v!r}, not a number")
            out[col].append(x)
    return pd.DataFrame(out)


def _assets(rows: list[dict], key: str, method: str) -> list[str]:
    bad = [i for i, r in enumerate(rows) if not isinstance(r.get(key), str) or not r[key]]
    if bad:
        raise FetchError(f"{_SERVICE}: malformed response from {method}: row {bad[0]} has "
                         f"no '{key}'")
    return [r[key].strip().upper() for r in rows]


def fetch_products(session: BinanceSession, page_size: int = 100
                   ) -> tuple[pd.DataFrame, list[dict]]:
    """Every soft-staking product (``GET /sapi/v1/soft-staking/list``).

    Returns
    -------
    (pandas.DataFrame, list of dict)
        ``token, min_holding, cap, apr, staked_amount, total_profit`` (tokens; APR a
        fraction per year as the API gives it; a missing ``maxCap`` is no cap, ``inf``),
        and the rows as the API sent them (for ``--out``).
    """
    method = "get_soft_staking_product_list"
    rows = _paged(session, method, page_size)
    f = _numbers(rows, {"minAmount": "min_holding", "maxCap": "cap", "apr": "apr",
                        "stakedAmount": "staked_amount", "totalProfit": "total_profit"},
                 method, optional=("maxCap", "stakedAmount", "totalProfit"))
    f.insert(0, "token", _assets(rows, "asset", method))
    f["cap"] = f["cap"].fillna(np.inf)
    if f["token"].duplicated().any():
        raise FetchError(f"{_SERVICE}: malformed response from {method}: token "
                         f"{f['token'][f['token'].duplicated()].iloc[0]} listed twice")
    return f, rows


def _windows(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[int, int]]:
    """``[start, end]`` as windows of at most :data:`WINDOW_DAYS` days, in ms (inclusive)."""
    lo, hi = (int(t.value // 1_000_000) for t in (start, end))
    if hi < lo:
        raise ParameterError("must not be before the start", param="end")
    step = WINDOW_DAYS * 86_400_000
    return [(a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]


def _utc(t: object) -> pd.Timestamp:
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def fetch_rewards(session: BinanceSession, start: object, end: object,
                  tokens: list[str] | None = None, page_size: int = 100) -> pd.DataFrame:
    """Reward records (``GET /sapi/v1/soft-staking/history/rewardsRecord``) from ``start``
    to the end of day ``end`` (UTC), in windows of at most 90 days, each paged.

    Returns
    -------
    pandas.DataFrame
        ``time`` (UTC), ``token``, ``reward``, ``reward_token``, ``avg_amount``, as
        :func:`softstake_model.ledger.read_rewards_record` reads them; sorted by time.
    """
    method = "get_soft_staking_rewards_history"
    lo, hi = _utc(start), _utc(end) + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)
    rows: list[dict] = []
    for asset in [t.strip().upper() for t in tokens] if tokens else [None]:
        for a, b in _windows(lo, hi):
            rows += _paged(session, method, page_size, asset=asset, start_time=a, end_time=b)
    f = _numbers(rows, {"rewards": "reward", "avgAmount": "avg_amount", "time": "time_ms"},
                 method, optional=("avgAmount",))
    out = pd.DataFrame({
        "time": pd.to_datetime(f["time_ms"].astype("int64"), unit="ms", utc=True),
        "token": _assets(rows, "asset", method),
        "reward": f["reward"],
        "reward_token": _assets(rows, "rewardAsset", method),
        "avg_amount": f["avg_amount"],
    })
    out = out.drop_duplicates(["time", "token", "reward_token"])
    return out.sort_values("time", kind="stable", ignore_index=True)


def fetch_rate_history(session: BinanceSession, token: str, start: object, end: object,
                       page_size: int = 100) -> pd.DataFrame:
    """The BNSOL or WBETH rate history: ``time`` (UTC), ``exchange_rate`` (SOL per BNSOL,
    ETH per WBETH) and ``published_apr`` (``annualPercentageRate``, a fraction)."""
    token = token.strip().upper()
    if token not in RATE_TOKENS:
        raise ParameterError(f"has no published rate history; known: {list(RATE_TOKENS)}",
                             param="token")
    method = RATE_TOKENS[token]
    lo, hi = _utc(start), _utc(end) + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)
    rows: list[dict] = []
    for a, b in _windows(lo, hi):
        rows += _paged(session, method, page_size, start_time=a, end_time=b)
    f = _numbers(rows, {"exchangeRate": "exchange_rate",
                        "annualPercentageRate": "published_apr", "time": "time_ms"},
                 method, optional=("annualPercentageRate",))
    out = pd.DataFrame({"time": pd.to_datetime(f["time_ms"].astype("int64"), unit="ms",
                                               utc=True),
                        "token": token, "exchange_rate": f["exchange_rate"],
                        "published_apr": f["published_apr"]})
    return out.drop_duplicates("time").sort_values("time", ignore_index=True)


def rates_to_apr(history: pd.DataFrame) -> pd.DataFrame:
    """Daily APR histories from a rate history (:func:`fetch_rate_history`).

    The last rate of each UTC day is that day's; the APR of a day is
    :func:`softstake_model.apr.convert.apr_from_index` of the previous day's rate, this
    day's and the seconds between them (source ``binance TOKEN exchange rate``). The
    published ``annualPercentageRate`` of the day's last row is kept too (source
    ``binance TOKEN published APR``).

    Returns
    -------
    pandas.DataFrame
        ``source, token, date`` (naive UTC day), ``apr`` (fraction per year).

    Examples
    --------
    A rate up one basis point in a day is 3.65 %:

    >>> h = pd.DataFrame({"time": pd.to_datetime([0, 86_400_000], unit="ms", utc=True),
    ...                   "token": "WBETH", "exchange_rate": [1.0, 1.0001],
    ...                   "published_apr": [np.nan, np.nan]})
    >>> rates_to_apr(h)[["source", "apr"]].round(12).values.tolist()
    [['binance WBETH exchange rate', 0.0365]]
    """
    from ..apr.convert import apr_from_index

    parts = []
    for token, g in history.sort_values("time").groupby("token", sort=True):
        day = g["time"].dt.tz_convert(None).dt.normalize().dt.as_unit("s")
        last = g.assign(date=day).groupby("date").tail(1)
        t = last["time"].to_numpy()
        x = last["exchange_rate"].to_numpy(dtype=float)
        elapsed = (t[1:] - t[:-1]) / np.timedelta64(1, "s")
        aprs = [apr_from_index(a, b, s) for a, b, s in zip(x[:-1], x[1:], elapsed)]
        parts.append(pd.DataFrame({"source": f"binance {token} exchange rate", "token": token,
                                   "date": last["date"].to_numpy()[1:], "apr": aprs}))
        pub = last.dropna(subset=["published_apr"])
        parts.append(pd.DataFrame({"source": f"binance {token} published APR", "token": token,
                                   "date": pub["date"].to_numpy(),
                                   "apr": pub["published_apr"].to_numpy(dtype=float)}))
    cols = ["source", "token", "date", "apr"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
