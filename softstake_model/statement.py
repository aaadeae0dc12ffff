"""A holder's statement read for a reconciliation: the checked coins, opening balances,
duplicate rows and the reward label.

Most holders export a period, not the account's whole life, so the balance a statement
starts from is unknown. Each account, coin and wallet opens the statement with a balance
either given (:func:`read_opening_balances`, or a mapping in the Python API) or inferred:
the smallest that keeps every balance of the statement at or above zero (0 when it never
goes below). Inferred openings are listed, as they are an assumption about the holder's
past. Only the coins checked are balance-checked: a coin without soft staking, or outside
the tokens asked for, is set aside before any balance is computed.

A statement that holds no reward credit for a checked coin while that coin receives small
credits on many days under another label gets a warning naming the label (pass it with
``reward_labels``).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError
from .ledger import check_tokens, order_and_check, read_ledger
from .tables import Column, read_table, reject_rows
from .typing import Frame

__all__ = ["Statement", "read_statement", "read_opening_balances", "infer_openings",
           "likely_reward_label", "repeated_lines", "OPENING_COLUMNS"]

#: Columns of :attr:`Statement.openings`: balances in tokens at the statement's first
#: instant (00:00 UTC of its first day); ``inferred`` is True where no balance was given.
OPENING_COLUMNS = ["account", "token", "wallet", "balance", "inferred"]
#: Fewest days of small credits under one label that make it look like the reward label.
HINT_DAYS = 5


@dataclass(frozen=True)
class Statement:
    """A statement ready to reconcile.

    Attributes
    ----------
    ledger
        Normalised ledger of the checked coins, the opening balances as its first rows
        (``line`` 1, at 00:00 UTC of the first day).
    ignored
        Coins set aside (no soft staking), sorted.
    openings
        :data:`OPENING_COLUMNS`, one row per account, coin and wallet.
    duplicates
        ``rows``, ``line``, ``same_as``, ``dropped`` of exact duplicate rows, or None.
    notes
        Sentences for the holder: inferred openings, duplicates, a likely reward label.
    """

    ledger: Frame
    ignored: list[str]
    openings: Frame
    duplicates: dict | None = None
    notes: list[str] = field(default_factory=list)


def read_opening_balances(path: str | Path) -> pd.DataFrame:
    """Read a CSV ``token,balance[,account][,wallet]`` of opening balances (tokens >= 0).

    A blank or missing ``account`` means every account of the statement; a blank or
    missing ``wallet`` means ``free``.
    """
    table = read_table(path, [Column("token"), Column("balance", "number", low=0),
                              Column("account", required=False, allow_empty=True),
                              Column("wallet", required=False, allow_empty=True)])
    out = pd.DataFrame({
        "account": table["account"] if "account" in table else "",
        "token": table["token"].str.upper(),
        "wallet": table["wallet"].str.lower().replace("", "free") if "wallet" in table
        else "free",
        "balance": table["balance"]})
    reject_rows(table, ~out["wallet"].isin(["free", "locked"]), "wallet",
                lambda i: f"wallet '{out['wallet'].iloc[i]}' is not 'free' or 'locked'")
    reject_rows(table, out.duplicated(["account", "token", "wallet"]), "token",
                lambda i: f"{out['token'].iloc[i]} appears twice")
    return out


def _given(openings: object) -> pd.DataFrame | None:
    """Opening balances as a frame ``account, token, wallet, balance`` (None: none)."""
    if openings is None:
        return None
    if isinstance(openings, str | Path):
        return read_opening_balances(openings)
    if isinstance(openings, Mapping):
        bad = [k for k, v in openings.items() if not (np.isfinite(float(v)) and float(v) >= 0)]
        if bad:
            raise ParameterError(f"must map tokens to balances >= 0; {bad[0]} has "
                                 f"{openings[bad[0]]}", param="opening_balances")
        return pd.DataFrame({"account": "", "token": [str(k).upper() for k in openings],
                             "wallet": "free", "balance": [float(v) for v in
                                                           openings.values()]})
    if isinstance(openings, pd.DataFrame):
        return openings.assign(**{c: openings.get(c, d) for c, d in
                                  (("account", ""), ("wallet", "free"))})
    raise ParameterError(f"must be a file, a mapping token -> balance or a frame, got "
                         f"{type(openings).__name__}", param="opening_balances")


def infer_openings(ledger: pd.DataFrame, given: pd.DataFrame | None = None) -> pd.DataFrame:
    """:data:`OPENING_COLUMNS` of every account, coin and wallet of a time-ordered ledger:
    the given balance, else the smallest keeping every running balance >= 0.

    Examples
    --------
    >>> led = pd.DataFrame({"account": "a", "token": "ADA", "wallet": "free",
    ...                     "change": [-30.0, 10.0, -5.0]})
    >>> infer_openings(led)[["token", "balance", "inferred"]].values.tolist()
    [['ADA', 30.0, True]]
    """
    keys = ["account", "token", "wallet"]
    run = ledger.groupby(keys, sort=False)["change"].cumsum()
    low = run.groupby([ledger[k] for k in keys], sort=True).min()
    out = (-low).clip(lower=0.0).round(8).rename("balance").reset_index()
    out["inferred"] = True
    if given is not None and len(given):
        g = given.copy()
        g["account"] = g["account"].fillna("").astype(str)
        exact = out.merge(g[g["account"] != ""], on=keys, how="left", suffixes=("", "_g"))
        every = out.merge(g[g["account"] == ""].drop(columns="account"),
                          on=["token", "wallet"], how="left", suffixes=("", "_g"))
        value = exact["balance_g"].fillna(every["balance_g"])
        out["inferred"] = value.isna().to_numpy()
        out["balance"] = value.fillna(out["balance"]).to_numpy(float)
    return out[OPENING_COLUMNS]


def likely_reward_label(ledger: pd.DataFrame, operations: pd.Series | None) -> str | None:
    """A sentence naming the label of small daily credits, when no row is a reward credit
    and some coin receives credits under one label on :data:`HINT_DAYS` days or more, at
    most one a day; else None."""
    if operations is None or (ledger["kind"] == "reward").any() or ledger.empty:
        return None
    rows = ledger[(ledger["change"] > 0) & (ledger["line"] > 1)]
    rows = rows.assign(op=operations.reindex(rows["line"].to_numpy()).to_numpy(),
                       day=rows["time"].dt.floor("D"))
    per_day = rows.groupby(["op", "token", "day"]).size()
    stats = per_day.groupby(["op", "token"]).agg(["size", "max"])
    daily = stats[(stats["size"] >= HINT_DAYS) & (stats["max"] == 1)]
    if daily.empty:
        return None
    (op, token), n = daily["size"].idxmax(), int(daily["size"].max())
    return (f"no reward credit matched the known labels, but {token} is credited under "
            f"'{op}' on {n} days, once a day: if that is the soft-staking reward, give "
            f"--reward-label '{op}' (reward_labels in Python)")


def _duplicate_note(found: dict | None) -> list[str]:
    if not found:
        return []
    what = "dropped" if found["dropped"] else "kept (--drop-duplicates removes them)"
    return [f"{found['rows']:,} row(s) repeat an earlier row exactly, first line "
            f"{found['line']} (same as line {found['same_as']}): the same export twice? "
            f"They are {what}"]


def _opening_note(openings: pd.DataFrame) -> list[str]:
    shown = openings[openings["inferred"] & (openings["balance"] > 0)]
    if shown.empty:
        return []
    parts = ", ".join(f"{r.token} {r.balance:,.8g}" + (f" ({r.wallet})" if r.wallet != "free"
                                                      else "")
                      for r in shown.itertuples())
    return [f"opening balances inferred (the smallest keeping every balance >= 0): {parts}; "
            "give --opening-balances FILE to set them"]


def read_statement(
    path: str | Path,
    catalog: pd.DataFrame,
    *,
    format: str = "auto",
    tokens: Sequence[str] | None = None,
    reward_labels: Sequence[str] = (),
    duplicates: str = "keep",
    opening_balances: str | Path | Mapping[str, float] | pd.DataFrame | None = None,
) -> Statement:
    """Read a statement (or generic ledger) for a reconciliation of ``catalog``'s coins.

    Parameters
    ----------
    path, format
        The file and its format (:func:`~softstake_model.ledger.read_ledger`).
    tokens
        Coins to check (None: every catalogue coin of a statement; every coin of a generic
        ledger, which must all be in the catalogue).
    reward_labels
        Statement labels of reward credits beyond the known ones.
    duplicates
        ``keep`` or ``drop`` exact duplicate rows (counted either way).
    opening_balances
        A CSV file (:func:`read_opening_balances`), a mapping token -> balance (every
        account, the free wallet) or a frame; coins not in it are inferred.
    """
    led = read_ledger(path, format, check_balances=False, duplicates=duplicates,
                      reward_labels=tuple(reward_labels))
    found, operations = led.attrs.get("duplicates"), led.attrs.get("operations")
    ignored: list[str] = []
    if tokens or led.attrs.get("format") == "binance-statement":
        keep = led["token"].isin(list(tokens) if tokens else catalog.index)
        if not tokens:
            ignored = sorted(set(led.loc[~keep, "token"]))
        led = led[keep & led["token"].isin(catalog.index)]
    else:
        check_tokens(led, catalog.index, str(path))
    if led.empty:
        raise InputError("no balance changes for the selected token(s)", file=str(path))
    openings = infer_openings(led, _given(opening_balances))
    start = led["time"].min().floor("D")
    rows = openings[openings["balance"] > 0]
    opening_rows = pd.DataFrame({
        "time": pd.Series(start, index=rows.index), "account": rows["account"],
        "token": rows["token"], "change": rows["balance"], "wallet": rows["wallet"],
        "kind": "", "line": 1})
    full = pd.concat([opening_rows, led], ignore_index=True)
    full = order_and_check(full, str(path))  # a given opening may still be too small
    notes = _duplicate_note(found) + _opening_note(openings)
    hint = likely_reward_label(full, operations)
    if hint:
        notes.append(hint)
    full.attrs.update(format=led.attrs.get("format"))
    return Statement(ledger=full, ignored=ignored, openings=openings, duplicates=found,
                     notes=notes)


#: Most body lines checked for repeats (16 bytes each: 320 MB at the limit).
MAX_CHECKED_LINES = 20_000_000


def repeated_lines(path: str) -> tuple[int, int, int] | None:
    """``(count, first line, the line it repeats)`` of body lines that repeat an earlier one
    exactly (blank lines aside), or None; files over :data:`MAX_CHECKED_LINES` lines are
    not checked (None). One pass, a 64-bit hash and the line number per line."""
    hashes, numbers = array("q"), array("q")
    with open(path, "rb") as f:
        next(f, None)
        for number, line in enumerate(f, start=2):
            key = line.rstrip(b"\r\n")
            if key.strip():
                hashes.append(hash(key))
                numbers.append(number)
            if len(hashes) > MAX_CHECKED_LINES:
                return None
    h, n = np.frombuffer(hashes, dtype=np.int64), np.frombuffer(numbers, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    same = h[order][1:] == h[order][:-1]
    if not same.any():
        return None
    starts = np.maximum.accumulate(np.where(np.r_[True, ~same], np.arange(len(h)), 0))
    later = np.flatnonzero(np.r_[False, same])  # sorted positions of the repeats
    k = later[np.argmin(n[order][later])]
    return int(same.sum()), int(n[order][k]), int(n[order][starts[k]])
