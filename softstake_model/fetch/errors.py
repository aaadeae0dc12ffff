"""Faults of the network in one line each, and the bounded retry on rate limits.

Every failure of a fetch becomes a :class:`FetchError` whose message is one sentence naming
the service and what to do; keys, secrets, signatures and query strings never appear in it
(the SDK's and ccxt's own messages are not passed on where they could hold a URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ParameterError, SoftstakeError

__all__ = ["FetchError", "RetryPolicy", "with_retries", "network_reason", "RateLimited"]

T = TypeVar("T")


class FetchError(SoftstakeError):
    """A fetch failed; nothing was written (exit 1)."""

    exit_code = 1


class RateLimited(Exception):
    """Internal: the service asked to wait ``retry_after`` seconds (HTTP 429 or 418)."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        self.status, self.retry_after = status, retry_after
        super().__init__(status, retry_after)


@dataclass(frozen=True)
class RetryPolicy:
    """How rate limits are honoured.

    Attributes
    ----------
    attempts
        Tries of one request in all (>= 1).
    max_wait
        Longest wait, in seconds, the fetch accepts from a ``Retry-After``; a longer one
        stops it at once.
    default_wait
        Seconds waited when a 429 or 418 comes without ``Retry-After``.
    """

    attempts: int = 4
    max_wait: float = 120.0
    default_wait: float = 5.0

    def __post_init__(self) -> None:
        if not (isinstance(self.attempts, int) and self.attempts >= 1):
            raise ParameterError(f"must be an integer >= 1, got {self.attempts}",
                                 param="attempts")
        for name in ("max_wait", "default_wait"):
            v = getattr(self, name)
            if not (v >= 0):
                raise ParameterError(f"must be >= 0 seconds, got {v}", param=name)


def with_retries(call: Callable[[], T], service: str, policy: RetryPolicy,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``call``; on :class:`RateLimited` wait ``Retry-After`` and try again, at most
    ``policy.attempts`` times in all.

    Raises
    ------
    FetchError
        Still limited after the last try, or asked to wait longer than ``max_wait``.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except RateLimited as e:
            what = "rate limit exceeded (HTTP 429)" if e.status == 429 else \
                "this IP is banned for exceeding the rate limit (HTTP 418)"
            wait = policy.default_wait if e.retry_after is None else float(e.retry_after)
            if wait > policy.max_wait:
                raise FetchError(f"{service}: {what}; it asks to wait {wait:g} s, more than "
                                 f"the {policy.max_wait:g} s allowed (--max-wait); try later"
                                 ) from None
            if attempt == policy.attempts:
                raise FetchError(f"{service}: {what}, still after {policy.attempts} tries; "
                                 "try later") from None
            sleep(wait)
    raise AssertionError("unreachable")


def network_reason(exc: BaseException) -> str:
    """What a transport failure was, in words (no URL): TLS, timeout, truncated, no network.
    """
    import requests

    chain = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 8:
        chain.append(e)
        e = e.__cause__ or e.__context__
    names = " ".join(type(x).__name__ for x in chain) + " " + " ".join(str(x) for x in chain)
    if any(isinstance(x, requests.exceptions.SSLError) for x in chain) or "SSL" in names \
            or "CERTIFICATE" in names.upper():
        return "TLS failure (certificate or protocol); check the clock, a proxy, or the CA " \
               "bundle"
    if any(isinstance(x, requests.exceptions.Timeout) for x in chain) or "Timeout" in names:
        return "timed out"
    if any(isinstance(x, requests.exceptions.ChunkedEncodingError
                      | requests.exceptions.ContentDecodingError) for x in chain) \
            or "IncompleteRead" in names or "ProtocolError" in names:
        return "the response was cut off (truncated body)"
    return "no network connection (the host cannot be reached)"
