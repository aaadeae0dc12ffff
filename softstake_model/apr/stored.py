"""The staking state fetched from each chain, as chain-model parameters with provenance.

``softstake fetch chain`` stores what each chain's interface says
(:mod:`softstake_model.store.chain`); :func:`stored_params` turns the latest of it on or
before a date into :class:`~softstake_model.apr.params.Param` rows (confidence
``fetched``, source ``fetched DAY from URL METHOD``) that :func:`.params.read_params` lays
over the shipped rows, so a model reads the fetched stake instead of an ``assumed`` one.
:data:`STATE_PARAMS` says which fetched field stands for which parameter. The store is the
one ``$SOFTSTAKE_STORE`` or the user data folder names (:func:`~softstake_model.store.db.
existing_store`); with none, or without SQLAlchemy, nothing is laid over.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from .params import Param, chain_table

__all__ = ["STATE_PARAMS", "stored_params", "state_params"]

#: Per chain, ``{parameter: (fetched field, parameter units per fetched unit)}``; ``"date"``
#: turns Unix seconds into a day. APT's one assumed input (proposal performance) is not
#: on its interfaces; ADA's pool margin and pool size are a pool's, not the chain's.
STATE_PARAMS: dict[str, dict[str, tuple[str, float | str]]] = {
    "SOL": {"staked_fraction": ("staked_fraction", 1)},
    "NEAR": {"staked_fraction": ("staked_fraction", 1)},
    "EGLD": {"staked_fraction": ("staked_fraction", 1)},
    "SUI": {"staked": ("staked", 1), "subsidy_period": ("subsidy_period", 1)},
    "IOTA": {"staked": ("staked", 1)},
    "ALGO": {"online_stake": ("online_stake", 1)},
    "TRX": {"total_votes": ("total_votes", 1), "block_reward": ("block_reward", 1),
            "voting_reward": ("voting_reward", 1)},
    "TON": {"elector_stake": ("staked", 1)},
    "ADA": {"reserves": ("reserves", 1e6), "fees": ("fees", 1e6),
            "active_stake": ("staked", 1e6), "base_epoch": ("epoch", 1),
            "base_date": ("epoch_start", "date")},
}


def _unit(chain: str, name: str) -> str:
    t = chain_table()
    units = t.loc[(t.chain == chain) & (t.name == name), "unit"]
    return str(units.iloc[0]) if len(units) else ""


def state_params(chain: str, state: pd.DataFrame) -> dict[str, Param]:
    """The parameters ``state`` (rows of :func:`~softstake_model.store.chain.
    read_chain_state` for ``chain``) gives, by name; a chain needing all of ADA's epoch
    figures gets none unless every one was fetched."""
    wanted = STATE_PARAMS.get(chain, {})
    rows = {r.field: r for r in state.itertuples(index=False) if r.token == chain}
    out = {}
    for name, (field, scale) in wanted.items():
        if field not in rows:
            continue
        r = rows[field]
        day = f"{pd.Timestamp(r.fetched_at):%Y-%m-%d}"
        if scale == "date":
            value: float | int | str = f"{pd.Timestamp(r.value, unit='s'):%Y-%m-%d}"
        else:
            value = r.value * scale
            value = int(round(value)) if scale != 1 or float(value).is_integer() else value
        out[name] = Param(name, value, _unit(chain, name), day,
                          f"fetched {day} from {r.source}", "fetched")
    if chain == "ADA" and len(out) < len(wanted):
        return {}  # the projection needs one epoch's reserves, fees, stake and start
    return out


@functools.lru_cache(maxsize=256)
def _read(url: str, stamp: int, chain: str, day: str) -> pd.DataFrame:
    from ..store import existing_store
    from ..store.chain import read_chain_state

    store = existing_store()
    if store is None:
        return pd.DataFrame()
    try:
        return read_chain_state(store, [chain], day)
    finally:
        store.close()


def stored_params(chain: str, at: pd.Timestamp) -> dict[str, Param]:
    """:func:`state_params` of the latest state of ``chain`` fetched on or before ``at``'s
    day, from the history store (none when there is no store or no state)."""
    if chain not in STATE_PARAMS:
        return {}
    try:
        import sqlalchemy as sa

        from ..store.db import store_url
    except ImportError:
        return {}
    url = sa.make_url(store_url())
    stamp = 0
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.is_file():
            return {}
        stamp = path.stat().st_mtime_ns + (Path(f"{path}-wal").stat().st_mtime_ns
                                           if Path(f"{path}-wal").is_file() else 0)
    read = _read if stamp else _read.__wrapped__  # a database URL is read every time
    state = read(str(url), stamp, chain, f"{pd.Timestamp(at):%Y-%m-%d}")
    return state_params(chain, state) if len(state) else {}
