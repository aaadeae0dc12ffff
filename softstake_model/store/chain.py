"""The staking state read from each chain (``softstake fetch chain``), written and read back.

:func:`record_chain_state` writes the tidy frame of
:func:`softstake_model.apr.onchain.read_chain` (``token, field, value, fetched_at, source``)
in one transaction, keyed by token, field and instant of the fetch, and logs the fetch;
:func:`read_chain_state` gives, per token and field, the latest value fetched on or before a
day: what the chain models read instead of their ``assumed`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import ParameterError
from . import schema
from .db import Store
from .write import Recorded, _log, _upsert, instant_text

__all__ = ["record_chain_state", "read_chain_state", "CHAIN_STATE_COLUMNS"]

#: The columns of the frames written and read.
CHAIN_STATE_COLUMNS = ["token", "field", "value", "fetched_at", "source"]


def record_chain_state(store: Store, frame: pd.DataFrame) -> Recorded:
    """Write the rows of ``frame`` (:data:`CHAIN_STATE_COLUMNS`) in one transaction.

    A row already stored with the same value and source is left as it is; the fetch is
    logged in ``fetches`` (kind ``chain``, source the tokens read).

    Returns
    -------
    Recorded
        Rows brought and rows new or changed (``changes`` empty).
    """
    missing = [c for c in CHAIN_STATE_COLUMNS if c not in frame]
    if missing:
        raise ParameterError(f"lacks the columns {', '.join(missing)}", param="frame")
    rows = [{"token": str(r.token), "field": str(r.field), "value": float(r.value),
             "fetched_at": instant_text(r.fetched_at), "source": str(r.source)[:200]}
            for r in frame.itertuples(index=False)]
    when = max((r["fetched_at"] for r in rows), default=instant_text(pd.Timestamp.now("UTC")))
    tokens = ",".join(sorted({r["token"] for r in rows}))[:64]
    with store.write() as conn:
        changed = _upsert(conn, schema.chain_state, rows, ("value", "source"))
        _log(conn, "chain", tokens, when, len(rows), changed)
    return Recorded(len(rows), changed, pd.DataFrame())


def read_chain_state(store: Store, tokens: Sequence[str] | None = None,
                     at: object = None) -> pd.DataFrame:
    """Per token and field, the latest value fetched on or before the day ``at``.

    Parameters
    ----------
    store
        An open history store.
    tokens
        Tokens to read (any case; None: all).
    at
        A day (its whole day counts, UTC); None: the latest of all.

    Returns
    -------
    pandas.DataFrame
        :data:`CHAIN_STATE_COLUMNS`, ``fetched_at`` as UTC instants (seconds), sorted by token
        and field.
    """
    import sqlalchemy as sa

    t = schema.chain_state
    q = sa.select(t)
    if tokens:
        q = q.where(t.c.token.in_([str(x).strip().upper() for x in tokens]))
    if at is not None:
        end = (pd.Timestamp(str(pd.Timestamp(at).date())) + pd.Timedelta(days=1))
        q = q.where(t.c.fetched_at < end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    with store.read() as conn:
        result = conn.execute(q)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        return pd.DataFrame(columns=CHAIN_STATE_COLUMNS)
    frame = frame.sort_values(["token", "field", "fetched_at"], kind="stable")
    frame = frame.groupby(["token", "field"], sort=True).tail(1)
    frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True).dt.as_unit("s")
    frame["value"] = frame["value"].astype(float)
    return frame[CHAIN_STATE_COLUMNS].reset_index(drop=True)
