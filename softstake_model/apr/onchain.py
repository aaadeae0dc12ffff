"""Staking state read from public chain interfaces: a tidy frame of figures with provenance.

One reader per chain asks that chain's public JSON-RPC or REST interface (base URL
configurable, standard library ``urllib`` only) and returns rows ``token, field, value,
fetched_at, source``; :func:`read_chain` is the entry point and :data:`READERS` the
registry. Figures are in the chain's whole tokens (lamports, yoctoNEAR and MIST divided
out) and rates as fractions a year:

- SOL (JSON-RPC): ``getInflationRate`` (``inflation_total``, ``inflation_validator``,
  ``inflation_foundation``), ``getSupply`` (``supply``, ``circulating``),
  ``getVoteAccounts`` (``staked``: activated stake of current and delinquent vote accounts;
  ``commission_median``), and ``staked_fraction = staked / supply``.
- NEAR (JSON-RPC): ``validators`` (``staked``: the current validators' stake) and
  ``block`` (``supply``: the final block's ``total_supply``), ``staked_fraction``.
- SUI (JSON-RPC): ``suix_getLatestSuiSystemState`` (``staked``, ``subsidy_per_epoch``,
  ``distributions``, ``subsidy_period``, ``subsidy_decrease``, ``epoch``).
- EGLD (REST, the MultiversX API): ``/economics`` (``supply``, ``circulating``, ``staked``,
  ``staked_fraction``, and the API's own ``apr``, ``base_apr``, ``topup_apr``; the fields of
  multiversx/mx-sdk-php ``src/Http/Entities/Economics.php``).
- APT (REST): ``0x1::staking_config::StakingRewardsConfig`` and ``0x1::block::BlockResource``
  (``rewards_rate`` and ``min_rewards_rate``: the per-epoch FixedPoint64 rate times the
  epochs in a year; ``epochs_per_year``).

A failed request or an answer of another shape is an :class:`~softstake_model.errors.InputError`
naming the URL and method; nothing is returned half-read.
"""

from __future__ import annotations

import json
import statistics
import urllib.error
import urllib.request
from collections.abc import Callable

import pandas as pd

from ..errors import InputError, ParameterError

__all__ = ["READERS", "DEFAULT_URLS", "read_chain", "COLUMNS"]

#: The columns of every frame a reader returns.
COLUMNS = ["token", "field", "value", "fetched_at", "source"]

#: Public endpoints used when no base URL is given.
DEFAULT_URLS = {
    "SOL": "https://api.mainnet-beta.solana.com",
    "NEAR": "https://rpc.mainnet.near.org",
    "SUI": "https://fullnode.mainnet.sui.io:443",
    "APT": "https://api.mainnet.aptoslabs.com",
    "EGLD": "https://api.multiversx.com",
}

_TIMEOUT = 20  # seconds a request may take


def _request(url: str, body: dict | None, what: str) -> object:
    """The decoded JSON of a GET (``body`` None) or a JSON POST to ``url``."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=_TIMEOUT) as resp:
            return json.loads(resp.read().decode())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(f"{what} failed: {getattr(exc, 'reason', exc)}", file=url) from None
    except json.JSONDecodeError:
        raise InputError(f"{what}: the answer is not JSON", file=url) from None


def _rpc(url: str, method: str, params: object) -> object:
    """The ``result`` of a JSON-RPC 2.0 call."""
    answer = _request(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                      method)
    if not isinstance(answer, dict) or "result" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        raise InputError(f"{method}: no result in the answer ({error or 'unexpected shape'})",
                         file=url)
    return answer["result"]


def _get(result: object, path: str, url: str, method: str) -> object:
    """``result[a][b]…`` for ``path`` "a.b…", or an InputError naming what is missing."""
    node = result
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise InputError(f"{method}: the answer has no '{path}'", file=url)
        node = node[key]
    return node


def _num(value: object, url: str, method: str, field: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{method}: '{field}' is not a number ({value!r})", file=url) from None


def _sol(url: str) -> list[tuple[str, float, str]]:
    infl = _rpc(url, "getInflationRate", [])
    supply = _rpc(url, "getSupply", [{"excludeNonCirculatingAccountsList": True}])
    votes = _rpc(url, "getVoteAccounts", [])
    rows = [(f"inflation_{k}", _num(_get(infl, k, url, "getInflationRate"), url,
                                    "getInflationRate", k), "getInflationRate")
            for k in ("total", "validator", "foundation")]
    total = _num(_get(supply, "value.total", url, "getSupply"), url, "getSupply", "total") / 1e9
    circ = _num(_get(supply, "value.circulating", url, "getSupply"), url, "getSupply",
                "circulating") / 1e9
    accounts = list(_get(votes, "current", url, "getVoteAccounts")) + \
        list(_get(votes, "delinquent", url, "getVoteAccounts"))
    staked = sum(_num(a.get("activatedStake"), url, "getVoteAccounts", "activatedStake")
                 for a in accounts) / 1e9
    commissions = [_num(a.get("commission"), url, "getVoteAccounts", "commission") / 100
                   for a in accounts]
    rows += [("supply", total, "getSupply"), ("circulating", circ, "getSupply"),
             ("staked", staked, "getVoteAccounts")]
    if commissions:
        rows.append(("commission_median", statistics.median(commissions), "getVoteAccounts"))
    if total > 0:
        rows.append(("staked_fraction", staked / total, "getVoteAccounts / getSupply"))
    return rows


def _near(url: str) -> list[tuple[str, float, str]]:
    vals = _rpc(url, "validators", [None])
    block = _rpc(url, "block", {"finality": "final"})
    staked = sum(_num(v.get("stake"), url, "validators", "stake")
                 for v in _get(vals, "current_validators", url, "validators")) / 1e24
    supply = _num(_get(block, "header.total_supply", url, "block"), url, "block",
                  "total_supply") / 1e24
    rows = [("staked", staked, "validators"), ("supply", supply, "block")]
    if supply > 0:
        rows.append(("staked_fraction", staked / supply, "validators / block"))
    return rows


_SUI_FIELDS = (("staked", "totalStake", 1e9), ("subsidy_per_epoch",
               "stakeSubsidyCurrentDistributionAmount", 1e9),
               ("distributions", "stakeSubsidyDistributionCounter", 1),
               ("subsidy_period", "stakeSubsidyPeriodLength", 1),
               ("subsidy_decrease", "stakeSubsidyDecreaseRate", 1e4), ("epoch", "epoch", 1))


def _sui(url: str) -> list[tuple[str, float, str]]:
    method = "suix_getLatestSuiSystemState"
    state = _rpc(url, method, [])
    return [(field, _num(_get(state, key, url, method), url, method, key) / scale, method)
            for field, key, scale in _SUI_FIELDS]


def _apt(url: str) -> list[tuple[str, float, str]]:
    base = url.rstrip("/") + "/v1/accounts/0x1/resource/"
    cfg_url, blk_url = base + "0x1::staking_config::StakingRewardsConfig", \
        base + "0x1::block::BlockResource"
    cfg = _request(cfg_url, None, "StakingRewardsConfig")
    blk = _request(blk_url, None, "BlockResource")
    interval = _num(_get(blk, "data.epoch_interval", blk_url, "BlockResource"), blk_url,
                    "BlockResource", "epoch_interval") / 1e6  # microseconds
    if not interval > 0:
        raise InputError("BlockResource: epoch_interval must be positive", file=blk_url)
    epochs = 31_536_000 // interval
    rows = [("epochs_per_year", float(epochs), "BlockResource")]
    for field in ("rewards_rate", "min_rewards_rate"):
        raw = _num(_get(cfg, f"data.{field}.value", cfg_url, "StakingRewardsConfig"),
                   cfg_url, "StakingRewardsConfig", field)
        rows.append((field, raw / 2**64 * epochs, "StakingRewardsConfig"))
    return rows


_EGLD_FIELDS = (("supply", "totalSupply"), ("circulating", "circulatingSupply"),
                ("staked", "staked"), ("apr", "apr"), ("base_apr", "baseApr"),
                ("topup_apr", "topUpApr"))


def _egld(url: str) -> list[tuple[str, float, str]]:
    full = url.rstrip("/") + "/economics"
    eco = _request(full, None, "economics")
    rows = [(field, _num(_get(eco, key, full, "economics"), full, "economics", key),
             "economics") for field, key in _EGLD_FIELDS]
    values = dict((f, v) for f, v, _ in rows)
    if values["supply"] > 0:
        rows.append(("staked_fraction", values["staked"] / values["supply"], "economics"))
    return rows


#: One reader per chain: ``reader(base_url) -> [(field, value, method), ...]``.
READERS: dict[str, Callable[[str], list[tuple[str, float, str]]]] = {
    "SOL": _sol, "NEAR": _near, "SUI": _sui, "APT": _apt, "EGLD": _egld}


def read_chain(token: str, base_url: str | None = None,
               fetched_at: object = None) -> pd.DataFrame:
    """The staking state of ``token``'s chain as a tidy frame (:data:`COLUMNS`).

    Parameters
    ----------
    token
        One of :data:`READERS` (any case).
    base_url
        The chain's JSON-RPC endpoint or REST base (default :data:`DEFAULT_URLS`).
    fetched_at
        The time stamped on the rows (default now, UTC; seconds).

    Raises
    ------
    ParameterError
        For a token without a reader.
    InputError
        For a failed request or an answer of another shape (naming the URL and method).
    """
    key = str(token).strip().upper()
    if key not in READERS:
        raise ParameterError(f"'{token}' has no on-chain reader; choose one of "
                             f"{', '.join(READERS)}", param="token")
    url = base_url or DEFAULT_URLS[key]
    when = pd.Timestamp.now(tz="UTC") if fetched_at is None else pd.Timestamp(str(fetched_at))
    when = (when.tz_convert("UTC") if when.tzinfo else when.tz_localize("UTC")).floor("s")
    rows = READERS[key](url)
    frame = pd.DataFrame([(key, f, float(v), when, f"{url} {m}") for f, v, m in rows],
                         columns=COLUMNS)
    frame["fetched_at"] = frame["fetched_at"].dt.as_unit("s")
    return frame
