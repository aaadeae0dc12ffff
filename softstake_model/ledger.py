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

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError
from .fastledger import as_text, sorted_and_checked
from .tables import Column, iter_table, parse_column, read_header, read_table, reject_rows

__all__ = [
    "LEDGER_COLUMNS",
    "REWARD_OPERATIONS",
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
]

LEDGER_COLUMNS = ["time", "account", "token", "change", "wallet", "kind", "line"]
BINANCE_COLUMNS = ["UTC_Time", "Account", "Operation", "Coin", "Change"]
#: Statement operations that are soft-staking reward credits (case-insensitive regex).
#: Binance does not publish the exact label; any Spot operation naming soft staking is
#: taken as a reward credit, since soft staking moves no principal (assumed).
REWARD_OPERATIONS = r"soft[\s_-]*staking"
_NEG_TOL = 1e-9


def _first_bad(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


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


def read_generic(path: str | Path) -> pd.DataFrame:
    """Read the generic CSV ``time,account,token,change[,wallet][,kind]``.

    ``time`` must be ISO-8601 with a zone (``Z`` or ``+HH:MM``); zone-less times are
    rejected rather than guessed.
    """
    table = read_table(path, GENERIC_SPEC)
    return normalise(**_parse_generic(table), file=str(path))


def _parse_generic(table: pd.DataFrame) -> dict:
    """Ledger columns of a checked generic table (:data:`GENERIC_SPEC`)."""
    wallet = None
    if "wallet" in table:
        wallet = table["wallet"].str.lower().replace("", "free")
        reject_rows(table, ~wallet.isin(["free", "locked"]), "wallet",
                    lambda i: f"wallet '{wallet.iloc[i]}' is not 'free' or 'locked'")
    return {
        "time": table["time"],
        "account": table["account"],
        "token": table["token"].str.upper(),
        "change": table["change"],
        "wallet": wallet,
        "kind": table["kind"].str.lower() if "kind" in table else None,
        "line": table["line"].to_numpy(),
    }


def read_binance_statement(
    path: str | Path, reward_operations: str = REWARD_OPERATIONS
) -> pd.DataFrame:
    """Read a Binance "Generate All Statements" CSV; only ``Account == Spot`` rows count.

    ``UTC_Time`` is ``YYYY-MM-DD HH:MM:SS`` in UTC. A missing ``User_ID`` (column or
    value) becomes the account ``self``. Operations matching ``reward_operations`` are
    marked ``kind = reward``.
    """
    table = read_table(path, STATEMENT_SPEC)
    return normalise(**_parse_statement(table, reward_operations), file=str(path))


#: The Spot columns of a statement, checked once the other accounts' rows are dropped.
_SPOT_SPEC = (Column("UTC_Time", "time", format="%Y-%m-%d %H:%M:%S"), Column("Coin"),
              Column("Change", "number"))


def _parse_statement(table: pd.DataFrame, reward_operations: str = REWARD_OPERATIONS) -> dict:
    """Ledger columns of a checked statement table (:data:`STATEMENT_SPEC`): Spot rows."""
    spot = table[table["Account"].str.lower() == "spot"]
    lines = spot["line"].to_numpy()
    file = table.attrs.get("file", "")
    time, coin, change = (parse_column(spot[c.name], c, lines, file=file) for c in _SPOT_SPEC)
    account = spot["User_ID"] if "User_ID" in spot else pd.Series("", index=spot.index)
    kind = np.where(spot["Operation"].str.contains(reward_operations, case=False, regex=True),
                    "reward", "")
    return {
        "time": time,
        "account": account.replace("", "self"),
        "token": coin.str.upper(),
        "change": change,
        "wallet": None,
        "kind": kind,
        "line": lines,
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
            yield frame_of(**_parse_statement(table))


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
    idx = idx.tz_convert("UTC") if idx.tz is not None else idx.tz_localize("UTC")
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

    Raises
    ------
    InputError
        If a balance goes negative: names the line (or row) of the change that does it.
    """
    return order_and_check(frame_of(**columns), file)


def order_and_check(frame: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Sort a ledger frame by time, keeping file order within an instant (by ``line``), and
    check that no balance goes negative."""
    fast = sorted_and_checked(frame)  # on arrays; None: the check below names the line
    if fast is not None:
        return fast
    frame = frame.sort_values(["time", "line"], kind="stable", ignore_index=True)
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


def read_ledger(path: str | Path, format: str = "auto") -> pd.DataFrame:
    """Read a ledger file in ``format`` (``auto``, ``generic`` or ``binance-statement``).

    ``auto`` recognises a Binance statement by its header (``UTC_Time``, ``Account``,
    ``Operation``, ``Coin``, ``Change``) and reads anything else as the generic CSV.
    """
    _check_format(format)
    if format == "auto":
        format = detect_format(path)
    readers = {"generic": read_generic, "binance-statement": read_binance_statement}
    frame = readers[format](path)
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


def _json_rows(path: Path) -> list[dict]:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not valid JSON: {e}", file=str(path)) from None
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError("expected {'rows': [...]} or a list of objects", file=str(path))
    return rows


def _json_frame(path: Path, fields: dict[str, str]) -> pd.DataFrame:
    rows = _json_rows(path)
    for i, r in enumerate(rows):
        for key in fields:
            if key not in r:
                raise InputError(f"row {i} has no field '{key}'", file=str(path), column=key)
    frame = pd.DataFrame(rows, columns=list(fields)) if rows else pd.DataFrame(
        columns=list(fields))
    for key, kind in fields.items():
        if kind == "number":
            num = pd.to_numeric(frame[key], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(num)
            if bad.any():
                i = _first_bad(bad)
                raise InputError(f"row {i}: '{frame[key].iloc[i]}' is not a finite number",
                                 file=str(path), column=key)
            frame[key] = num
        else:
            frame[key] = frame[key].astype(str).str.strip()
    return frame


def read_rewards_record(path: str | Path) -> pd.DataFrame:
    """Read ``GET /sapi/v1/soft-staking/history/rewardsRecord`` JSON.

    Returns
    -------
    pandas.DataFrame
        ``time`` (UTC, from ``time`` in ms), ``token``, ``reward``, ``reward_token``,
        ``avg_amount``, sorted by time.
    """
    path = Path(path)
    f = _json_frame(path, {"asset": "str", "rewards": "number", "rewardAsset": "str",
                           "avgAmount": "number", "time": "number"})
    return pd.DataFrame(
        {
            "time": pd.to_datetime(f["time"].astype("int64"), unit="ms", utc=True),
            "token": f["asset"].str.upper(),
            "reward": f["rewards"].astype(float),
            "reward_token": f["rewardAsset"].str.upper(),
            "avg_amount": f["avgAmount"].astype(float),
        }
    ).sort_values("time", kind="stable", ignore_index=True)


def read_product_list(path: str | Path) -> pd.DataFrame:
    """Read ``GET /sapi/v1/soft-staking/list`` JSON as a catalogue override.

    Returns
    -------
    pandas.DataFrame
        ``token, min_holding, cap, apr, staked_amount, total_profit`` (``apr`` is a fraction,
        as the API gives it: "0.0015" = 0.15 %).
    """
    path = Path(path)
    f = _json_frame(path, {"asset": "str", "minAmount": "number", "maxCap": "number",
                           "apr": "number", "stakedAmount": "number", "totalProfit": "number"})
    return pd.DataFrame(
        {
            "token": f["asset"].str.upper(),
            "min_holding": f["minAmount"],
            "cap": f["maxCap"],
            "apr": f["apr"],
            "staked_amount": f["stakedAmount"],
            "total_profit": f["totalProfit"],
        }
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
    return out
