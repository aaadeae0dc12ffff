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
- ADA (REST, Koios ``/api/v1``): ``tip`` (the epoch in progress), then of the last complete
  epoch ``totals`` (``reserves``, ``treasury``, ``supply``, ``circulating``) and
  ``epoch_info`` (``staked``: its active stake, ``fees``, ``epoch``, ``epoch_start``: its
  start in Unix seconds); lovelace divided out.
- IOTA (JSON-RPC): ``iotax_getLatestIotaSystemState`` (``staked``, ``supply``, ``epoch``;
  a versioned answer ``{"V2": {...}}`` is unwrapped), ``staked_fraction``.
- ALGO (REST, algod): ``/v2/ledger/supply`` (``online_stake``: ``online-money``,
  ``supply``: ``total-money``, ``round``), ``staked_fraction``.
- TRX (REST, TronGrid): ``wallet/listwitnesses`` (``total_votes``: the sum of
  ``voteCount``, one vote per TRX) and ``wallet/getchainparameters`` (``block_reward``:
  ``getWitnessPayPerBlock``, ``voting_reward``: ``getWitness127PayPerBlock``; sun divided
  out). TronGrid states no total supply.
- TON (REST, tonapi ``/v2/blockchain/validators``): ``staked`` (``total_stake``, the
  elector's stake of the current round), ``min_stake``, ``validators``; nanoton divided out.

A failed request or an answer of another shape is an :class:`~softstake_model.errors.InputError`
naming the URL and method; nothing is returned half-read.
"""

from __future__ import annotations

import json
import os
import statistics
import urllib.error
import urllib.request
from collections.abc import Callable

import pandas as pd

from ..errors import InputError, ParameterError

__all__ = ["READERS", "DEFAULT_URLS", "read_chain", "read_chains", "base_url", "COLUMNS"]

#: The columns of every frame a reader returns.
COLUMNS = ["token", "field", "value", "fetched_at", "source"]

#: Public endpoints used when no base URL is given.
DEFAULT_URLS = {
    "SOL": "https://api.mainnet-beta.solana.com",
    "NEAR": "https://rpc.mainnet.near.org",
    "SUI": "https://fullnode.mainnet.sui.io:443",
    "APT": "https://api.mainnet.aptoslabs.com",
    "EGLD": "https://api.multiversx.com",
    "ADA": "https://api.koios.rest/api/v1",
    "IOTA": "https://api.mainnet.iota.cafe",
    "ALGO": "https://mainnet-api.algonode.cloud",
    "TRX": "https://api.trongrid.io",
    "TON": "https://tonapi.io",
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


def _first(answer: object, url: str, method: str) -> dict:
    """The first row of a Koios answer (a JSON array of rows)."""
    if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
        raise InputError(f"{method}: the answer has no row", file=url)
    return answer[0]


def _ada(url: str) -> list[tuple[str, float, str]]:
    base = url.rstrip("/")
    tip = _first(_request(base + "/tip", None, "tip"), base + "/tip", "tip")
    epoch = int(_num(_get(tip, "epoch_no", base + "/tip", "tip"), base, "tip", "epoch_no")) - 1
    rows: list[tuple[str, float, str]] = [("epoch", float(epoch), "tip")]
    for method, fields in (("totals", (("reserves", "reserves"), ("treasury", "treasury"),
                                       ("supply", "supply"), ("circulating", "circulation"))),
                           ("epoch_info", (("staked", "active_stake"), ("fees", "fees")))):
        full = f"{base}/{method}?_epoch_no={epoch}"
        row = _first(_request(full, None, method), full, method)
        rows += [(field, _num(_get(row, key, full, method), full, method, key) / 1e6, method)
                 for field, key in fields]
        if method == "epoch_info":
            rows.append(("epoch_start", _num(_get(row, "start_time", full, method), full,
                                             method, "start_time"), method))
    return rows


def _iota(url: str) -> list[tuple[str, float, str]]:
    method = "iotax_getLatestIotaSystemState"
    state = _rpc(url, method, [])
    if isinstance(state, dict) and len(state) == 1 and next(iter(state)) in ("V1", "V2"):
        state = next(iter(state.values()))
    staked = _num(_get(state, "totalStake", url, method), url, method, "totalStake") / 1e9
    supply = _num(_get(state, "iotaTotalSupply", url, method), url, method,
                  "iotaTotalSupply") / 1e9
    rows = [("staked", staked, method), ("supply", supply, method),
            ("epoch", _num(_get(state, "epoch", url, method), url, method, "epoch"), method)]
    if supply > 0:
        rows.append(("staked_fraction", staked / supply, method))
    return rows


def _algo(url: str) -> list[tuple[str, float, str]]:
    full = url.rstrip("/") + "/v2/ledger/supply"
    sup = _request(full, None, "ledger/supply")
    online, total = (_num(_get(sup, k, full, "ledger/supply"), full, "ledger/supply", k) / 1e6
                     for k in ("online-money", "total-money"))
    rows = [("online_stake", online, "ledger/supply"), ("supply", total, "ledger/supply"),
            ("round", _num(_get(sup, "current_round", full, "ledger/supply"), full,
                           "ledger/supply", "current_round"), "ledger/supply")]
    if total > 0:
        rows.append(("staked_fraction", online / total, "ledger/supply"))
    return rows


_TRX_PARAMS = (("block_reward", "getWitnessPayPerBlock"),
               ("voting_reward", "getWitness127PayPerBlock"))


def _trx(url: str) -> list[tuple[str, float, str]]:
    base = url.rstrip("/")
    wit_url, par_url = base + "/wallet/listwitnesses", base + "/wallet/getchainparameters"
    witnesses = _get(_request(wit_url, None, "listwitnesses"), "witnesses", wit_url,
                     "listwitnesses")
    votes = sum(_num(w.get("voteCount", 0), wit_url, "listwitnesses", "voteCount")
                for w in witnesses)
    params = _get(_request(par_url, None, "getchainparameters"), "chainParameter", par_url,
                  "getchainparameters")
    values = {p.get("key"): p.get("value") for p in params if isinstance(p, dict)}
    rows = [("total_votes", votes, "listwitnesses")]
    for field, key in _TRX_PARAMS:
        if key not in values:
            raise InputError(f"getchainparameters: the answer has no '{key}'", file=par_url)
        rows.append((field, _num(values[key], par_url, "getchainparameters", key) / 1e6,
                     "getchainparameters"))
    return rows


def _ton(url: str) -> list[tuple[str, float, str]]:
    full = url.rstrip("/") + "/v2/blockchain/validators"
    v = _request(full, None, "blockchain/validators")
    what = "blockchain/validators"
    return [("staked", _num(_get(v, "total_stake", full, what), full, what, "total_stake")
             / 1e9, what),
            ("min_stake", _num(_get(v, "min_stake", full, what), full, what, "min_stake")
             / 1e9, what),
            ("validators", float(len(_get(v, "validators", full, what))), what)]


#: One reader per chain: ``reader(base_url) -> [(field, value, method), ...]``.
READERS: dict[str, Callable[[str], list[tuple[str, float, str]]]] = {
    "SOL": _sol, "NEAR": _near, "SUI": _sui, "APT": _apt, "EGLD": _egld, "ADA": _ada,
    "IOTA": _iota, "ALGO": _algo, "TRX": _trx, "TON": _ton}


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


def base_url(token: str, urls: dict[str, str] | None = None) -> str:
    """The endpoint of ``token``'s chain: ``urls[token]``, else ``$SOFTSTAKE_<TOKEN>_URL``
    (e.g. ``SOFTSTAKE_SOL_URL``), else :data:`DEFAULT_URLS`."""
    key = str(token).strip().upper()
    given = {str(k).strip().upper(): v for k, v in (urls or {}).items()}
    return given.get(key) or os.environ.get(f"SOFTSTAKE_{key}_URL", "").strip() or \
        DEFAULT_URLS.get(key, "")


def read_chains(tokens: list[str], urls: dict[str, str] | None = None,
                fetched_at: object = None) -> pd.DataFrame:
    """:func:`read_chain` of every token (each at :func:`base_url`), one frame, every
    request made before anything is returned (a failure returns nothing).

    Raises
    ------
    ParameterError
        ``tokens``: none given, or one without a reader (named); ``urls``: a URL for a
        token not asked for.
    """
    keys = [str(t).strip().upper() for t in tokens if str(t).strip()]
    if not keys:
        raise ParameterError(f"name at least one chain: {', '.join(READERS)}", param="tokens")
    unknown = [k for k in keys if k not in READERS]
    if unknown:
        raise ParameterError(f"include {', '.join(unknown)}, which has no on-chain reader; "
                             f"choose from {', '.join(READERS)}", param="tokens")
    extra = sorted({str(k).strip().upper() for k in urls or {}} - set(keys))
    if extra:
        raise ParameterError(f"names {', '.join(extra)}, which is not fetched", param="urls")
    when = pd.Timestamp.now(tz="UTC") if fetched_at is None else fetched_at
    frames = [read_chain(k, base_url(k, urls), when) for k in dict.fromkeys(keys)]
    return pd.concat(frames, ignore_index=True)
