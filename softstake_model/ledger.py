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

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError

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
# a time of day followed by a zone: "...T08:00:00Z", "...08:00+02:00", "...08:00:00.5-0500"
_ZONE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$",
                   re.IGNORECASE)
_NEG_TOL = 1e-9


def _header(path: Path) -> list[str]:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected a ledger file", file=str(path))
    with path.open(newline="", encoding="utf-8-sig") as f:
        try:
            row = next(csv.reader(f), [])
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(f"not a readable CSV: {e}", file=str(path), line=1) from None
    names = [c.strip() for c in row]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"duplicate header column(s) {dup}", file=str(path), line=1)
    return names


def _read_strings(path: Path, required: list[str]) -> pd.DataFrame:
    names = _header(path)
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"missing column(s) {missing}; the header has {names}",
            file=str(path), line=1, column=missing[0],
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError(f"not a readable CSV: {e}", file=str(path)) from None
    frame.columns = [c.strip() for c in frame.columns]
    frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def _first_bad(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _amounts(raw: pd.Series, lines: np.ndarray, file: str, column: str) -> np.ndarray:
    num = pd.to_numeric(raw.str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num)
    if bad.any():
        i = _first_bad(bad)
        raise InputError(f"'{raw.iloc[i]}' is not a finite number", file=file,
                         line=int(lines[i]), column=column)
    return num


def _nonempty(raw: pd.Series, lines: np.ndarray, file: str, column: str) -> pd.Series:
    s = raw.str.strip()
    bad = (s == "").to_numpy()
    if bad.any():
        raise InputError("empty value", file=file, line=int(lines[_first_bad(bad)]),
                         column=column)
    return s


def read_generic(path: str | Path) -> pd.DataFrame:
    """Read the generic CSV ``time,account,token,change[,wallet][,kind]``.

    ``time`` must be ISO-8601 with a zone (``Z`` or ``+HH:MM``); zone-less times are
    rejected rather than guessed.
    """
    path = Path(path)
    return normalise(**_parse_generic(_read_strings(path, GENERIC_COLUMNS), str(path)),
                     file=str(path))


GENERIC_COLUMNS = ["time", "account", "token", "change"]


def _parse_generic(raw: pd.DataFrame, file: str) -> dict:
    """Columns of a chunk of the generic CSV (strings, with ``line``), validated."""
    lines = raw["line"].to_numpy()
    time = _times(raw["time"], lines, file, "time")
    wallet = raw["wallet"].str.strip().str.lower() if "wallet" in raw else None
    if wallet is not None:
        wallet = wallet.replace("", "free")
        bad = ~wallet.isin(["free", "locked"])
        if bad.any():
            i = _first_bad(bad)
            raise InputError(f"wallet '{wallet.iloc[i]}' is not 'free' or 'locked'",
                             file=file, line=int(lines[i]), column="wallet")
    kind = raw["kind"].str.strip().str.lower() if "kind" in raw else None
    return {
        "time": time,
        "account": _nonempty(raw["account"], lines, file, "account"),
        "token": _nonempty(raw["token"], lines, file, "token").str.upper(),
        "change": _amounts(raw["change"], lines, file, "change"),
        "wallet": wallet,
        "kind": kind,
        "line": lines,
    }


def read_binance_statement(
    path: str | Path, reward_operations: str = REWARD_OPERATIONS
) -> pd.DataFrame:
    """Read a Binance "Generate All Statements" CSV; only ``Account == Spot`` rows count.

    ``UTC_Time`` is ``YYYY-MM-DD HH:MM:SS`` in UTC. A missing ``User_ID`` (column or
    value) becomes the account ``self``. Operations matching ``reward_operations`` are
    marked ``kind = reward``.
    """
    path = Path(path)
    return normalise(**_parse_statement(_read_strings(path, BINANCE_COLUMNS), str(path),
                                        reward_operations), file=str(path))


def _parse_statement(raw: pd.DataFrame, file: str,
                     reward_operations: str = REWARD_OPERATIONS) -> dict:
    """Columns of a chunk of a Binance statement (strings, with ``line``): Spot rows only."""
    raw = raw[raw["Account"].str.strip().str.lower() == "spot"]
    lines = raw["line"].to_numpy()
    t = raw["UTC_Time"].str.strip()
    time = pd.to_datetime(t, format="%Y-%m-%d %H:%M:%S", errors="coerce").dt.tz_localize("UTC")
    if time.isna().any():
        i = _first_bad(time.isna())
        raise InputError(f"'{t.iloc[i]}' is not a time like 2025-01-04 11:20:13",
                         file=file, line=int(lines[i]), column="UTC_Time")
    account = raw["User_ID"].str.strip() if "User_ID" in raw else pd.Series("", index=raw.index)
    account = account.replace("", "self")
    kind = np.where(raw["Operation"].str.contains(reward_operations, case=False, regex=True),
                    "reward", "")
    return {
        "time": time,
        "account": account,
        "token": _nonempty(raw["Coin"], lines, file, "Coin").str.upper(),
        "change": _amounts(raw["Change"], lines, file, "Change"),
        "wallet": None,
        "kind": kind,
        "line": lines,
    }


def detect_format(path: str | Path) -> str:
    """``binance-statement`` if the header has the statement's columns, else ``generic``."""
    names = _header(Path(path))
    return "binance-statement" if all(c in names for c in BINANCE_COLUMNS) else "generic"


def iter_chunks(path: str | Path, format: str = "auto", chunksize: int = 1_000_000):
    """Parse a ledger file chunk by chunk (never holding it whole): yields frames with the
    normalised columns, in file order, validated row by row but not yet sorted nor checked
    for negative balances (that needs whole accounts: see :func:`normalise`)."""
    path = Path(path)
    file = str(path)
    if format == "auto":
        format = detect_format(path)
    if format not in ("generic", "binance-statement"):
        raise ParameterError(f"--format: '{format}' is not auto, generic or binance-statement")
    required = GENERIC_COLUMNS if format == "generic" else BINANCE_COLUMNS
    names = _header(path)
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(f"missing column(s) {missing}; the header has {names}", file=file,
                         line=1, column=missing[0])
    parse = _parse_generic if format == "generic" else _parse_statement
    first = 2
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                             skipinitialspace=True, chunksize=chunksize)
        for raw in reader:
            raw.columns = [c.strip() for c in raw.columns]
            raw["line"] = np.arange(first, first + len(raw))
            first += len(raw)
            yield frame_of(**parse(raw, file))
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError(f"not a readable CSV: {e}", file=file) from None


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
            "account": np.asarray(account, dtype=object).astype(str),
            "token": np.asarray(token, dtype=object).astype(str),
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
    frame = frame.sort_values(["time", "line"], kind="stable", ignore_index=True)
    _check_negative(frame, file)
    return frame


def _check_negative(frame: pd.DataFrame, file: str | None) -> None:
    if frame.empty:
        return
    run = frame.groupby(["account", "token", "wallet"], sort=False)["change"].cumsum()
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
    path = Path(path)
    if format == "auto":
        format = detect_format(path)
    readers = {"generic": read_generic, "binance-statement": read_binance_statement}
    if format in readers:
        frame = readers[format](path)
        frame.attrs["format"] = format
        return frame
    raise ParameterError(f"--format: '{format}' is not auto, generic or binance-statement")


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


def _times(raw: pd.Series, lines: np.ndarray, file: str, column: str,
           allow_empty: bool = False) -> pd.Series:
    t = raw.fillna("").astype(str).str.strip()
    empty = t == ""
    if not allow_empty and empty.any():
        raise InputError("empty value", file=file, line=int(lines[_first_bad(empty)]),
                         column=column)
    zoneless = ~empty & ~t.str.contains(_ZONE)
    if zoneless.any():
        i = _first_bad(zoneless)
        raise InputError(f"time '{t.iloc[i]}' has no time zone; write it as UTC, e.g. "
                         "2025-11-20T08:00:00Z", file=file, line=int(lines[i]), column=column)
    out = pd.to_datetime(t.where(~empty, None), format="ISO8601", utc=True, errors="coerce")
    bad = out.isna() & ~empty
    if bad.any():
        i = _first_bad(bad)
        raise InputError(f"'{t.iloc[i]}' is not an ISO-8601 time", file=file,
                         line=int(lines[i]), column=column)
    return out


def read_apr_history(path: str | Path) -> pd.DataFrame:
    """Read an APR history CSV ``date,token,apr`` (APR as a fraction per year).

    Returns
    -------
    pandas.DataFrame
        ``date`` (naive UTC day), ``token`` (upper case), ``apr``.
    """
    path = Path(path)
    file = str(path)
    raw = _read_strings(path, ["date", "token", "apr"])
    lines = raw["line"].to_numpy()
    date = pd.to_datetime(raw["date"].str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    if date.isna().any():
        i = _first_bad(date.isna())
        raise InputError(f"'{raw['date'].iloc[i]}' is not a date YYYY-MM-DD", file=file,
                         line=int(lines[i]), column="date")
    apr = _amounts(raw["apr"], lines, file, "apr")
    if (apr < 0).any():
        i = _first_bad(apr < 0)
        raise InputError(f"negative APR {apr[i]}", file=file, line=int(lines[i]), column="apr")
    if (apr > 1).any():
        i = _first_bad(apr > 1)
        raise InputError(f"APR {apr[i]} looks like a percentage; give fractions (0.05 = 5%)",
                         file=file, line=int(lines[i]), column="apr")
    token = _nonempty(raw["token"], lines, file, "token").str.upper()
    frame = pd.DataFrame({"date": date, "token": token, "apr": apr})
    dup = frame.duplicated(["date", "token"])
    if dup.any():
        i = _first_bad(dup)
        raise InputError(f"{token.iloc[i]} on {date.iloc[i].date()} appears twice", file=file,
                         line=int(lines[i]), column="date")
    frame.attrs["file"] = file  # so a day missing later is reported against this file
    return frame


def read_accounts(path: str | Path) -> set[str]:
    """Read a CSV with an ``account`` column (e.g. excluded accounts) as a set of ids."""
    path = Path(path)
    raw = _read_strings(path, ["account"])
    return set(_nonempty(raw["account"], raw["line"].to_numpy(), str(path), "account"))


def read_activations(path: str | Path) -> pd.DataFrame:
    """Read ``account,activated_at[,deactivated_at][,token]`` (times ISO-8601 with a zone).

    A blank ``token`` means every token; a blank ``deactivated_at`` means still active.
    """
    path = Path(path)
    file = str(path)
    raw = _read_strings(path, ["account", "activated_at"])
    lines = raw["line"].to_numpy()
    out = pd.DataFrame({
        "account": _nonempty(raw["account"], lines, file, "account"),
        "activated_at": _times(raw["activated_at"], lines, file, "activated_at"),
        "deactivated_at": _times(raw["deactivated_at"], lines, file, "deactivated_at", True)
        if "deactivated_at" in raw else pd.NaT,
        "token": raw["token"].str.strip().str.upper() if "token" in raw else "",
    })
    dup = out.duplicated(["account", "token"])
    if dup.any():
        i = _first_bad(dup)
        raise InputError(f"account '{out['account'].iloc[i]}' appears twice", file=file,
                         line=int(lines[i]), column="account")
    return out
