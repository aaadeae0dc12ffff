"""The ledger's sort and balance check on arrays, for :mod:`softstake_model.ledger`.

:func:`sorted_and_checked` orders a ledger frame by time, file order within an instant (by
``line``), as :func:`~softstake_model.ledger.order_and_check` does, and checks that no
balance overflows or goes negative, on integer codes instead of the text columns: the
running balances are the same group-wise cumulative sums (one sequential sum per account,
token and wallet, in time order), so the same numbers. It returns None when a balance fails
the check, and the caller's check names the line. :func:`as_text` keeps text columns that
are already text as they are.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["sorted_and_checked", "as_text", "NEG_TOL"]

#: The most negative a running balance may be (rounding), as the careful check allows.
NEG_TOL = 1e-9


def as_text(values: object) -> object:
    """``values`` as text: a ``str`` Series without missing values as its array, unchanged;
    anything else as ``np.asarray(values, dtype=object).astype(str)``."""
    if isinstance(values, pd.Series) and values.dtype == "str" and not values.hasnans:
        return values.array
    return np.asarray(values, dtype=object).astype(str)


def _constant(values: pd.Series) -> bool:
    """Whether a text column holds one value only (cheap on Arrow text)."""
    if len(values) == 0 or values.dtype != "str":
        return False
    arr = pa.chunked_array(pa.array(values.array))
    return bool(pc.all(pc.equal(arr, arr[0])).as_py())


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a text column (equal text, equal code) and how many there are."""
    if _constant(values):
        return np.zeros(len(values), dtype=np.int64), 1
    if values.dtype == "str":
        enc = pc.dictionary_encode(pa.chunked_array(pa.array(values.array)).combine_chunks())
        return enc.indices.to_numpy().astype(np.int64), len(enc.dictionary)
    codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def _order(times: np.ndarray, lines: np.ndarray) -> np.ndarray | None:
    """The stable order by (time, line); None when the frame is already in that order."""
    dt = np.diff(times)
    if (dt >= 0).all() and (np.diff(lines)[dt == 0] >= 0).all():
        return None
    return np.lexsort((lines, times))


def _taken(frame: pd.DataFrame, order: np.ndarray) -> pd.DataFrame:
    """``frame.take(order).reset_index(drop=True)``, one-valued text columns not moved."""
    cols = {c: frame[c].array if _constant(frame[c]) else frame[c].array.take(order)
            for c in frame.columns}
    out = pd.DataFrame(cols, index=pd.RangeIndex(len(order)), copy=False)
    out.attrs = copy.deepcopy(frame.attrs)
    return out


def sorted_and_checked(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The frame sorted by time then ``line`` (stable), if no balance overflows or goes below
    ``-NEG_TOL``; None otherwise (or when a time is missing): let the careful check speak.

    Parameters
    ----------
    frame
        A ledger frame (the columns of :func:`~softstake_model.ledger.frame_of`).
    """
    if frame.empty or any(frame[c].hasnans for c in ("time", "account", "token", "wallet")):
        return None
    if not isinstance(frame["time"].dtype, pd.DatetimeTZDtype) or not frame.columns.is_unique:
        return None
    order = _order(frame["time"].array.asi8, frame["line"].to_numpy())
    key = np.zeros(len(frame), dtype=np.int64)
    for name in ("account", "token", "wallet"):
        codes, n = _codes(frame[name])
        key = key * n + codes
    change = frame["change"].to_numpy(dtype=float)
    if order is not None:
        key, change = key[order], change[order]
    run = pd.Series(change).groupby(key, sort=False).cumsum().to_numpy()
    if not np.isfinite(run).all() or (run < -NEG_TOL).any():
        return None
    return frame.reset_index(drop=True) if order is None else _taken(frame, order)
