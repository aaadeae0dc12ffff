"""Readers of the Binance API's JSON answers: the rewards record (every page) and the
soft-staking product list. :mod:`softstake_model.ledger` re-exports them.

Every row must hold every field, none null; numbers finite; record times whole
milliseconds between 2017 and 2100 (seconds, microseconds or nanoseconds are refused and
named).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError

__all__ = ["read_rewards_record", "read_rewards_records", "read_product_list"]


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


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
        for key in fields:
            if r[key] is None:
                raise InputError(f"row {i}: '{key}' is null", file=str(path), column=key)
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
    _check_ms(f["time"].to_numpy(float), path)
    return pd.DataFrame(
        {
            "time": pd.to_datetime(f["time"].astype("int64"), unit="ms", utc=True),
            "token": f["asset"].str.upper(),
            "reward": f["rewards"].astype(float),
            "reward_token": f["rewardAsset"].str.upper(),
            "avg_amount": f["avgAmount"].astype(float),
        }
    ).sort_values("time", kind="stable", ignore_index=True)


#: Rewards-record times accepted, ms since 1970: 2017-07-14 (Binance opened) to 2100-01-01.
_RECORD_MS = (1_500_000_000_000, 4_102_444_800_000)
_UNITS = {"seconds": 1e-3, "microseconds": 1e3, "nanoseconds": 1e6}


def _check_ms(ms: np.ndarray, path: Path) -> None:
    """Refuse the first time that is not a whole number of milliseconds in range, naming
    the unit it looks like."""
    lo, hi = _RECORD_MS
    bad = (ms != np.round(ms)) | (ms < lo) | (ms > hi)
    if not bad.any():
        return
    i = _first_bad(bad)
    unit = next((u for u, k in _UNITS.items() if lo * k <= ms[i] <= hi * k), None)
    raise InputError(f"row {i}: time {ms[i]:.0f} is not milliseconds since 1970 between "
                     "2017 and 2100" + (f" (it looks like {unit})" if unit else ""),
                     file=str(path), column="time")


def read_rewards_records(paths: str | Path | list[str | Path], *,
                         within: tuple[pd.Timestamp, pd.Timestamp] | None = None
                         ) -> pd.DataFrame:
    """Read every page of a rewards record (:func:`read_rewards_record`) as one frame.

    Rows that several pages hold alike are kept once; the same token and reward token at
    the same time with different figures in two rows is refused (pages that disagree).
    With ``within`` = (start, end), a time outside [start, end) is refused (a record of
    another period, or in another unit).
    """
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    frames = [read_rewards_record(p).assign(file=str(p)) for p in paths]
    for f in frames if within is not None else ():
        out = ((f["time"] < within[0]) | (f["time"] >= within[1])).to_numpy()
        if out.any():
            i = _first_bad(out)
            raise InputError(f"row {i}: time {f['time'].iloc[i].isoformat()} is outside the "
                             f"statement's years ({within[0].year} to {within[1].year - 1})",
                             file=f["file"].iloc[i], column="time")
    if not frames:
        raise ParameterError("needs at least one file", param="rewards_record")
    both = pd.concat(frames, ignore_index=True)
    both = both.drop_duplicates([c for c in both.columns if c != "file"], ignore_index=True)
    clash = both.duplicated(["time", "token", "reward_token"], keep=False).to_numpy()
    if clash.any():
        a, b = both[clash].iloc[0], both[clash].iloc[1]
        raise InputError(f"{a['token']} at {a['time'].isoformat()} is {a['reward']:.8f} "
                         f"(average {a['avg_amount']:g}) in {a['file']} and "
                         f"{b['reward']:.8f} (average {b['avg_amount']:g}) here: pages that "
                         "disagree", file=b["file"], column="rewards")
    return both.drop(columns="file").sort_values("time", kind="stable", ignore_index=True)


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
