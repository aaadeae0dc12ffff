"""Checks of ledger columns and frames built in Python (the readers of :mod:`.ledger`
check files as they read them): what :func:`~softstake_model.ledger.normalise` and the
computations given a frame refuse, each naming the column and the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = ["LEDGER_COLUMNS", "check_frame", "checked_columns"]

LEDGER_COLUMNS = ["time", "account", "token", "change", "wallet", "kind", "line"]


def _first_bad(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def checked_columns(columns: dict[str, object]) -> dict[str, object]:
    """The columns of :func:`~softstake_model.ledger.frame_of`, checked: ``account`` and
    ``token`` without missing values, ``wallet`` ``free`` or ``locked`` in any case and
    ``kind`` written in lower case (times are checked for a zone by ``frame_of``).

    Raises
    ------
    ParameterError
        Naming the column and the row (counted from 0).
    """
    for name in ("account", "token"):
        _no_missing(columns.get(name), name)
    out = dict(columns)
    if out.get("wallet") is not None:
        out["wallet"] = _one_of(out["wallet"], "wallet", ("free", "locked"))
    if out.get("kind") is not None:  # ``reward`` in any case; any other kind is principal
        out["kind"] = _one_of(out["kind"], "kind", None)
    return out


def _no_missing(values: object, name: str) -> None:
    """Refuse a missing value (None, NaN, a missing category) in the column ``name``."""
    missing = pd.isna(pd.Series(values) if values is not None else pd.Series([None]))
    if missing.any():
        raise ParameterError(f"has no value at row {_first_bad(missing)}", param=name)


def _one_of(values: object, name: str, allowed: tuple[str, ...] | None) -> np.ndarray:
    """The column ``name`` in lower case (missing as ""), each value one of ``allowed``
    (None: any)."""
    text = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
    text = text.fillna("").astype(str).str.lower()
    bad = ~text.isin(allowed) if allowed is not None else pd.Series(False, index=text.index)
    if bad.any():
        i = _first_bad(bad)
        raise ParameterError(f"'{text.iloc[i]}' at row {i} is not "
                             f"{' or '.join(repr(a) for a in allowed)}", param=name)
    return text.to_numpy(dtype=object) if np.ndim(values) else text.iloc[0]


def check_frame(ledger: pd.DataFrame, param: str = "ledger") -> None:
    """Check a ledger frame given to a computation (not read by this module): the columns
    of :data:`LEDGER_COLUMNS`, times with a zone, no missing account or token (also as a
    missing category) and wallets ``free`` or ``locked``.

    Raises
    ------
    ParameterError
        Named ``param``, naming the column and the row (counted from 0).
    """
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise ParameterError(f"lacks the column(s) {missing} (read it with read_ledger or "
                             "build it with normalise)", param=param)
    if getattr(ledger["time"].dtype, "tz", None) is None:
        raise ParameterError("has times without a zone in column 'time': give instants in "
                             "UTC", param=param)
    for col in ("account", "token"):
        gone = ledger[col].isna().to_numpy()
        if gone.any():
            raise ParameterError(f"has no value in column '{col}' at row {_first_bad(gone)}",
                                 param=param)
    bad = ~ledger["wallet"].isin(("free", "locked")).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise ParameterError(f"has '{ledger['wallet'].iloc[i]}' in column 'wallet' at row {i}, "
                             "not 'free' or 'locked'", param=param)
