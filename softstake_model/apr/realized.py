"""Realized APR from reward records: what was actually paid, as an annual rate.

Per day: ``apr = reward * days_per_year / eligible / (1 - fee)``. Because the reward was
truncated to ``precision`` decimals, the gross reward lay in ``[reward, reward + 10**-p)``,
so the APR lies in ``[apr_low, apr_high)``. Rolling means over 7 and 30 days (or any
window) are taken per account and token over the daily APRs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import rules
from ..catalog import load_catalog
from ..errors import InputError, ParameterError
from ..ledger import read_rewards_record
from ..rules import implied_apr
from ..tables import Column, read_table
from ..typing import Decimals, Fraction, Frame

__all__ = ["realized_apr", "read_reward_history"]


def realized_apr(
    history: Frame,
    days_per_year: float = 365,
    precision: Decimals = 8,
    fee: Fraction = 0.0,
    windows: Sequence[int] = (7, 30),
) -> Frame:
    """Daily realized APR with the interval truncation allows and rolling means.

    Parameters
    ----------
    history
        Columns ``date``, ``reward`` and ``eligible_balance`` (tokens); optional
        ``account`` and ``token`` (rolling means are taken within each pair).
    windows
        Rolling windows in days; each adds a column ``apr_<N>d`` (mean of the daily APRs
        available in the last N days, days without an eligible balance skipped).

    Returns
    -------
    pandas.DataFrame
        The input's keys with ``reward, eligible_balance, apr, apr_low, apr_high`` and the
        rolling columns; APRs are fractions per year, NaN where nothing was eligible.
    """
    if not days_per_year > 0:
        raise ParameterError(f"must be positive, got {days_per_year}", param="days_per_year")
    if not 0 <= fee < 1:
        raise ParameterError(f"must be in [0, 1), got {fee}", param="fee")
    if not (isinstance(precision, int) and 0 <= precision <= 12):
        raise ParameterError(f"must be an integer in 0..12, got {precision}", param="precision")
    if any(int(w) < 1 for w in windows):
        raise ParameterError(f"must be whole numbers >= 1, got {list(windows)}",
                             param="windows")
    missing = [c for c in ("date", "reward", "eligible_balance") if c not in history]
    if missing:
        raise InputError(f"missing column(s) {missing}", column=missing[0])
    keys = [c for c in ("account", "token") if c in history]
    extra = [c for c in ("average_balance", "eligible_from") if c in history]
    out = history[["date", *keys, "reward", "eligible_balance", *extra]].copy()
    out["date"] = pd.to_datetime(out["date"])
    out = out.sort_values([*keys, "date"], kind="stable", ignore_index=True)
    unit = 10.0 ** -precision
    elig = out["eligible_balance"].to_numpy(float)
    reward = out["reward"].to_numpy(float)
    out["apr"] = implied_apr(reward, elig, fee=fee, days_per_year=days_per_year)
    out["apr_low"] = out["apr"]
    out["apr_high"] = implied_apr(reward + unit, elig, fee=fee, days_per_year=days_per_year)
    for w in windows:
        # rows are sorted by keys then date, the order groupby(sort=False) gives back
        grouped = out.groupby(keys, sort=False, observed=True) if keys else out
        roll = grouped.rolling(f"{int(w)}D", on="date", min_periods=1)["apr"].mean()
        out[f"apr_{int(w)}d"] = roll.to_numpy()
    return out


def read_reward_history(path: str, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a reward history: the CSV of ``softstake rewards`` (``date, reward,
    eligible_balance``…) or a Binance rewards-record JSON (the day before ``time`` as the
    accrual date).

    A rewards record gives ``avgAmount``, the day's average balance, not the eligible one:
    the token's minimum and cap (from ``catalog``, default the shipped catalogue) are
    applied, ``eligible = 0`` below the minimum and ``min(avgAmount, cap)`` above it. A
    token the catalogue lacks keeps ``avgAmount``; the column ``eligible_from`` says which
    applied on each row.

    The CSV keeps ``date`` (a naive day), ``reward``, ``eligible_balance`` and, if present,
    ``account`` and ``token``; a bad value is an :class:`InputError` naming its line.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(p))
    if p.suffix.lower() == ".json":
        rec = read_rewards_record(p)
        if catalog is None:
            catalog = load_catalog()
        tokens = rec["token"].astype(str).str.upper()
        known = tokens.isin(catalog.index).to_numpy()
        mn = tokens.map(catalog["min_holding"]).to_numpy(float)
        cap = tokens.map(catalog["cap"]).to_numpy(float)
        avg = rec["avg_amount"].to_numpy(float)
        eligible = np.where(known, rules.eligible(avg, np.nan_to_num(mn), np.nan_to_num(
            cap, nan=np.inf)), avg)
        return pd.DataFrame({
            "date": (rec["time"].dt.floor("D") - pd.Timedelta(days=1)).dt.tz_localize(None),
            "token": rec["token"], "reward": rec["reward"],
            "average_balance": avg, "eligible_balance": eligible,
            "eligible_from": np.where(known, "catalogue minimum and cap",
                                      "avgAmount (token not in the catalogue)")})
    spec = [Column("date", "date"), Column("reward", "number"),
            Column("eligible_balance", "number")]
    return read_table(p, spec, keep=("account", "token")).drop(columns="line")
