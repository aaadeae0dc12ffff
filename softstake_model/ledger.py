"""Ledger readers: generic CSV, Binance statements and Binance API JSON, in one frame.

The normalised ledger is a DataFrame with one row per balance change:

========  ==========================================================================
time      UTC instant (``datetime64[ns, UTC]``)
account   account id (str)
token     token symbol, upper case (str)
change    signed amount in tokens (float64)
wallet    ``free`` (earns) or ``locked`` (held by open orders; does not earn)
kind      ``reward`` for reward credits already paid by the exchange, else ``""``
line      line of the source file the row came from (header = line 1), for messages
========  ==========================================================================

Rows are in time order; changes at the same instant keep their file order. The balance of
an account/token/wallet starts at 0 and is right-continuous: at instant t it includes every
change at t.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError
from .fastledger import as_text, sorted_and_checked
from .ledger_frame import LEDGER_COLUMNS, _first_bad, check_frame, checked_columns
from .records import read_product_list, read_rewards_record, read_rewards_records
from .tables import Column, iter_table, parse_column, read_header, read_table, reject_rows

__all__ = [
    "LEDGER_COLUMNS",
    "REWARD_OPERATIONS",
    "REWARD_LABELS",
    "reward_mask",
    "read_rewards_records",
    "read_ledger",
    "read_generic",
    "read_binance_statement",
    "read_rewards_record",
    "read_product_list",
    "normalise",
    "check_tokens",
    "detect_format",
    "iter_chunks",
    "frame_of",
    "order_and_check",
    "read_apr_history",
    "read_activations",
    "read_accounts",
    "accounts_of",
    "check_frame",
]

BINANCE_COLUMNS = ["UTC_Time", "Account", "Operation", "Coin", "Change"]
#: Statement operations that are soft-staking reward credits (case-insensitive regex).
#: Binance does not publish the exact label; any Spot operation naming soft staking is
#: taken as a reward credit, since soft staking moves no principal (assumed).
REWARD_OPERATIONS = r"soft[\s_-]*staking"
#: Other statement labels taken as reward credits, whole and case-insensitive (assumed:
#: Binance's label for Spot staking rewards; airdrops' ``Distribution`` is not among them,
#: give it with ``reward_labels`` when it is the one).
REWARD_LABELS = ("Staking Rewards", "Soft Staking Rewards")
#: What :func:`read_ledger` does with exact duplicate rows (always counted in
#: ``attrs["duplicates"]``).
DUPLICATES = ("keep", "drop")
_NEG_TOL = 1e-9


GENERIC_COLUMNS = ["time", "account", "token", "change"]
#: Columns of the generic CSV (``wallet`` and ``kind`` optional).
GENERIC_SPEC = (
    Column("time", "time"),
    Column("account"),
    Column("token"),
    Column("change", "number"),
    Column("wallet", required=False, allow_empty=True),
    Column("kind", required=False, allow_empty=True),
)
#: Columns of a Binance statement (``User_ID`` optional; blank means ``self``).
STATEMENT_SPEC = (
    Column("UTC_Time", "str", allow_empty=True),  # parsed on Spot rows only
    Column("Account", allow_empty=True),
    Column("Operation", allow_empty=True),
    Column("Coin", allow_empty=True),
    Column("Change", allow_empty=True),
    Column("User_ID", required=False, allow_empty=True),
)
_FORMATS = ("auto", "generic", "binance-statement")


def read_generic(path: str | Path, *, check_balances: bool = True,
                 duplicates: str = "keep") -> pd.DataFrame:
    """Read the generic CSV ``time,account,token,change[,wallet][,kind]``.

    ``time`` must be ISO-8601 with a zone (``Z`` or ``+HH:MM``); zone-less times are
    rejected rather than guessed. ``kind`` is blank or ``reward``. ``check_balances`` and
    ``duplicates`` as for :func:`read_ledger`.
    """
    table, found = _duplicates(read_table(path, GENERIC_SPEC), duplicates)
    frame = order_and_check(frame_of(**_parse_generic(table)), str(path), check_balances)
    frame.attrs["duplicates"] = found
    return frame


def _duplicates(table: pd.DataFrame, action: str) -> tuple[pd.DataFrame, dict | None]:
    """``(table, found)``: exact duplicate rows counted (``rows``, the ``line`` of the first
    and the ``same_as`` line it repeats), and dropped if ``action == 'drop'``."""
    if action not in DUPLICATES:
        raise ParameterError(f"must be keep or drop, got '{action}'", param="duplicates")
    body = table.drop(columns="line")
    dup = body.duplicated().to_numpy()
    if not dup.any():
        return table, None
    i = int(np.flatnonzero(dup)[0])
    same = body.iloc[:i].eq(body.iloc[i]).all(axis=1).to_numpy()
    found = {"rows": int(dup.sum()), "line": int(table["line"].iloc[i]),
             "same_as": int(table["line"].iloc[int(np.flatnonzero(same)[0])]),
             "dropped": action == "drop"}
    return (table[~dup].reset_index(drop=True) if action == "drop" else table), found


def _parse_generic(table: pd.DataFrame) -> dict:
    """Ledger columns of a checked generic table (:data:`GENERIC_SPEC`)."""
    wallet = None
    if "wallet" in table:
        wallet = table["wallet"].str.lower().replace("", "free")
        reject_rows(table, ~wallet.isin(["free", "locked"]), "wallet",
                    lambda i: f"wallet '{wallet.iloc[i]}' is not 'free' or 'locked'")
    kind = None
    if "kind" in table:  # principal (blank) or a reward credit already paid
        kind = table["kind"].str.lower()
        reject_rows(table, ~kind.isin(["", "reward"]), "kind",
                    lambda i: f"kind '{table['kind'].iloc[i]}' is not blank (principal) or "
                    "'reward'")
    return {
        "time": table["time"],
        "account": table["account"],
        "token": table["token"].str.upper(),
        "change": table["change"],
        "wallet": wallet,
        "kind": kind,
        "line": table["line"].to_numpy(),
    }


def read_binance_statement(
    path: str | Path, reward_operations: str = REWARD_OPERATIONS, *,
    reward_labels: tuple[str, ...] = (), check_balances: bool = True,
    duplicates: str = "keep",
) -> pd.DataFrame:
    """Read a Binance "Generate All Statements" CSV; only ``Account == Spot`` rows count.

    ``UTC_Time`` is ``YYYY-MM-DD HH:MM:SS`` in UTC. A missing ``User_ID`` (column or
    value) becomes the account ``self``. Operations matching ``reward_operations``, or one
    of :data:`REWARD_LABELS` and ``reward_labels`` (:func:`reward_mask`), are marked
    ``kind = reward``. ``check_balances`` and ``duplicates`` as for :func:`read_ledger`;
    ``attrs["operations"]`` holds each Spot row's ``Operation`` by file line (the
    reconciliation's hint at an unknown reward label reads it).
    """
    table, found = _duplicates(read_table(path, STATEMENT_SPEC), duplicates)
    cols = _parse_statement(table, reward_operations, reward_labels)
    ops = pd.Series(cols.pop("operation"), index=cols["line"], name="operation")
    frame = order_and_check(frame_of(**cols), str(path), check_balances)
    frame.attrs.update(duplicates=found, operations=ops)
    return frame


def reward_mask(operation: pd.Series, reward_operations: str = REWARD_OPERATIONS,
                labels: tuple[str, ...] = ()) -> np.ndarray:
    """Which statement operations are reward credits: matching ``reward_operations`` (a
    regex), or equal, case and surrounding spaces aside, to one of :data:`REWARD_LABELS`
    or ``labels``.

    Examples
    --------
    >>> ops = pd.Series(["Soft Staking", "staking rewards", "Distribution", "Deposit"])
    >>> reward_mask(ops, labels=("Distribution",)).tolist()
    [True, True, True, False]
    """
    known = {x.strip().lower() for x in (*REWARD_LABELS, *labels)}
    text = operation.astype(str)
    return (text.str.contains(reward_operations, case=False, regex=True)
            | text.str.strip().str.lower().isin(known)).to_numpy()


#: The Spot columns of a statement, checked once the other accounts' rows are dropped.
_SPOT_SPEC = (Column("UTC_Time", "time", format="%Y-%m-%d %H:%M:%S"), Column("Coin"),
              Column("Change", "number"))


def _parse_statement(table: pd.DataFrame, reward_operations: str = REWARD_OPERATIONS,
                     reward_labels: tuple[str, ...] = ()) -> dict:
    """Ledger columns of a checked statement table (:data:`STATEMENT_SPEC`): Spot rows,
    with their ``operation``."""
    spot = table[table["Account"].str.lower() == "spot"]
    lines = spot["line"].to_numpy()
    file = table.attrs.get("file", "")
    time, coin, change = (parse_column(spot[c.name], c, lines, file=file) for c in _SPOT_SPEC)
    account = spot["User_ID"] if "User_ID" in spot else pd.Series("", index=spot.index)
    kind = np.where(reward_mask(spot["Operation"], reward_operations, reward_labels),
                    "reward", "")
    return {
        "time": time,
        "account": account.replace("", "self"),
        "token": coin.str.upper(),
        "change": change,
        "wallet": None,
        "kind": kind,
        "line": lines,
        "operation": spot["Operation"].to_numpy(),
    }


def _check_format(format: str) -> None:
    if format not in _FORMATS:
        raise ParameterError(f"is not auto, generic or binance-statement: '{format}'",
                             param="format")


def detect_format(path: str | Path) -> str:
    """``binance-statement`` if the header has the statement's columns, else ``generic``."""
    names = read_header(path)
    return "binance-statement" if all(c in names for c in BINANCE_COLUMNS) else "generic"


def iter_chunks(path: str | Path, format: str = "auto", chunksize: int = 1_000_000):
    """Parse a ledger file chunk by chunk (never holding it whole): yields frames with the
    normalised columns, in file order, validated row by row but not yet sorted nor checked
    for negative balances (that needs whole accounts: see :func:`normalise`)."""
    _check_format(format)
    if format == "auto":
        format = detect_format(path)
    if format == "generic":
        for table in iter_table(path, GENERIC_SPEC, chunksize=chunksize):
            yield frame_of(**_parse_generic(table))
    else:
        for table in iter_table(path, STATEMENT_SPEC, chunksize=chunksize):
            cols = _parse_statement(table)
            cols.pop("operation")
            yield frame_of(**cols)


def frame_of(
    *,
    time: pd.Series | pd.DatetimeIndex,
    account: pd.Series | np.ndarray,
    token: pd.Series | np.ndarray,
    change: np.ndarray,
    wallet: pd.Series | np.ndarray | None = None,
    kind: pd.Series | np.ndarray | None = None,
    line: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assemble the ledger columns (see the module doc), in the order given."""
    n = len(change)
    idx = pd.DatetimeIndex(time)
    if idx.tz is None:
        raise ParameterError("has no time zone: give instants in UTC, e.g. pd.to_datetime("
                             "..., utc=True) (a time without a zone is refused, never "
                             "guessed)", param="time")
    idx = idx.tz_convert("UTC")
    return pd.DataFrame(
        {
            "time": idx.as_unit("ns"),
            "account": as_text(account),  # text kept as it is (fastledger.py)
            "token": as_text(token),
            "change": np.asarray(change, dtype=np.float64),
            "wallet": "free" if wallet is None else np.asarray(wallet, dtype=object),
            "kind": "" if kind is None else np.asarray(kind, dtype=object),
            "line": np.arange(2, n + 2) if line is None else np.asarray(line),
        }
    )


def normalise(*, file: str | None = None, **columns: object) -> pd.DataFrame:
    """Assemble (:func:`frame_of`), order by time (file order within an instant) and validate.

    The columns are those of :func:`frame_of`: ``time`` instants with a zone, ``account``
    and ``token`` without missing values, ``wallet`` ``free`` or ``locked`` (in any case,
    written in lower case) and ``kind`` (written in lower case: ``reward`` is a reward
    credit).

    Raises
    ------
    ParameterError
        Naming the column (and the row, counted from 0): times without a zone, a missing
        account or token, a wallet that is neither.
    InputError
        If a balance goes negative: names the line (or row) of the change that does it.
    """
    return order_and_check(frame_of(**checked_columns(columns)), file)


def order_and_check(frame: pd.DataFrame, file: str | None = None,
                    check: bool = True) -> pd.DataFrame:
    """Sort a ledger frame by time, keeping file order within an instant (by ``line``), and
    (if ``check``) check that no balance goes negative."""
    if check:
        fast = sorted_and_checked(frame)  # on arrays; None: the check below names the line
        if fast is not None:
            return fast
    frame = frame.sort_values(["time", "line"], kind="stable", ignore_index=True)
    if check:
        _check_negative(frame, file)
    return frame


def _check_negative(frame: pd.DataFrame, file: str | None) -> None:
    if frame.empty:
        return
    run = frame.groupby(["account", "token", "wallet"], sort=False)["change"].cumsum()
    big = ~np.isfinite(run.to_numpy(dtype=float))
    if big.any():
        i = _first_bad(big)
        r = frame.iloc[i]
        raise InputError(f"the {r['wallet']} {r['token']} balance of account '{r['account']}' "
                         f"overflows (is {run.iloc[i]}) at {r['time'].isoformat()}",
                         file=file, line=int(r["line"]), column="change")
    bad = (run < -_NEG_TOL).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        r = frame.iloc[i]
        raise InputError(
            f"the {r['wallet']} {r['token']} balance of account '{r['account']}' goes negative "
            f"({run.iloc[i]:.12g}) at {r['time'].isoformat()}; an opening balance is probably "
            "missing from the ledger",
            file=file, line=int(r["line"]), column="change",
        )


def read_ledger(path: str | Path, format: str = "auto", *, check_balances: bool = True,
                duplicates: str = "keep", reward_labels: tuple[str, ...] = ()
                ) -> pd.DataFrame:
    """Read a ledger file in ``format`` (``auto``, ``generic`` or ``binance-statement``).

    ``auto`` recognises a Binance statement by its header (``UTC_Time``, ``Account``,
    ``Operation``, ``Coin``, ``Change``) and reads anything else as the generic CSV.

    Parameters
    ----------
    check_balances
        Refuse a balance that goes negative (False: a statement of a window, whose opening
        balances are added later, see :mod:`softstake_model.statement`).
    duplicates
        ``keep`` or ``drop`` exact duplicate rows (two fills in one second are possible, so
        they are not refused); ``attrs["duplicates"]`` counts them (``rows``, the ``line``
        of the first, the ``same_as`` line it repeats) or is None.
    reward_labels
        Statement labels of reward credits beyond the known ones.
    """
    _check_format(format)
    if format == "auto":
        format = detect_format(path)
    opts: dict = {"check_balances": check_balances, "duplicates": duplicates}
    if format == "binance-statement":
        frame = read_binance_statement(path, reward_labels=tuple(reward_labels), **opts)
    else:
        frame = read_generic(path, **opts)
    frame.attrs["format"] = format
    return frame


def check_tokens(ledger: pd.DataFrame, known: pd.Index, file: str | None = None) -> None:
    """Raise :class:`InputError` at the first row whose token is not in ``known``."""
    bad = ~ledger["token"].isin(known)
    if bad.any():
        r = ledger.loc[bad].sort_values("line").iloc[0]
        raise InputError(
            f"unknown token '{r['token']}'; the catalogue has {', '.join(known)} "
            "(add it with --catalog)",
            file=file, line=int(r["line"]), column="token",
        )


def read_apr_history(path: str | Path) -> pd.DataFrame:
    """Read an APR history CSV ``date,token,apr`` (APR as a fraction per year).

    Returns
    -------
    pandas.DataFrame
        ``date`` (naive UTC day), ``token`` (upper case), ``apr``; ``attrs["file"]`` is
        the file, so that a day missing later is reported against it.
    """
    table = read_table(path, [Column("date", "date"), Column("token"),
                              Column("apr", "number")])
    apr = table["apr"]
    reject_rows(table, apr < 0, "apr", lambda i: f"negative APR {apr.iloc[i]}")
    reject_rows(table, apr > 1, "apr",
                lambda i: f"APR {apr.iloc[i]} looks like a percentage; give fractions "
                "(0.05 = 5%)")
    frame = pd.DataFrame({"date": table["date"], "token": table["token"].str.upper(),
                          "apr": apr})
    dup = frame.duplicated(["date", "token"])
    reject_rows(table, dup, "date", lambda i: f"{frame['token'].iloc[i]} on "
                f"{frame['date'].iloc[i].date()} appears twice")
    frame.attrs["file"] = table.attrs["file"]
    return frame


def read_accounts(path: str | Path) -> set[str]:
    """Read a CSV with an ``account`` column (e.g. excluded accounts) as a set of ids."""
    return set(read_table(path, [Column("account")])["account"])


def accounts_of(accounts: object, param: str = "excluded") -> set[str]:
    """Accounts given as a collection of ids, or as a CSV file with an ``account`` column
    (:func:`read_accounts`); a text that names no file is refused (read as a collection
    its letters would be the accounts, and nothing would be excluded).

    Raises
    ------
    ParameterError
        Named ``param``, for a text or path that is not a file.
    """
    if isinstance(accounts, str | Path):
        if not Path(accounts).is_file():
            raise ParameterError(f"'{accounts}' is not a file of accounts: give the account "
                                 f"ids as a set (e.g. {{'{accounts}'}}) or a CSV with an "
                                 "'account' column", param=param)
        return read_accounts(accounts)
    return {str(a) for a in accounts}  # type: ignore[attr-defined]


def read_activations(path: str | Path) -> pd.DataFrame:
    """Read ``account,activated_at[,deactivated_at][,token]`` (times ISO-8601 with a zone).

    A blank ``token`` means every token; a blank ``deactivated_at`` means still active.
    """
    table = read_table(path, [
        Column("account"),
        Column("activated_at", "time"),
        Column("deactivated_at", "time", required=False, allow_empty=True),
        Column("token", required=False, allow_empty=True),
    ])
    out = pd.DataFrame({
        "account": table["account"],
        "activated_at": table["activated_at"],
        "deactivated_at": table["deactivated_at"] if "deactivated_at" in table else
        pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns, UTC]"),
        "token": table["token"].str.upper() if "token" in table else "",
    })
    reject_rows(table, out.duplicated(["account", "token"]), "account",
                lambda i: f"account '{out['account'].iloc[i]}' appears twice")
    a, z = out["activated_at"], out["deactivated_at"]
    reject_rows(table, (z <= a).to_numpy(), "deactivated_at",
                lambda i: f"{z.iloc[i].isoformat()} is not after activated_at "
                f"{a.iloc[i].isoformat()}")
    return out
