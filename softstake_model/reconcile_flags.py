"""The flag and the reason of every payout of a reconciliation, in the holder's terms.

A payout is

- ``ok``: paid within the tolerance of what was due; its ``difference`` is then 0;
- ``missing``: a reward was due, none was paid;
- ``late``: a reward was due and none was paid on its day, but a later payout (within
  :data:`LATE_DAYS` days) of the same account and coin holds that much on top of its own
  due: the amount is moved back to the day it was due (``paid_on`` is the day it came),
  so the later payout is ``ok`` again and the totals are unchanged;
- ``unexpected``: paid where nothing could earn (no balance, below the minimum, before
  the activation or after the deactivation);
- ``mismatch``: paid and due differ by more than one unit of the precision per accrual
  day (the most that truncation versus rounding can explain) *and* by more than the
  tolerance.

Every flag but ``ok`` has a ``reason``: a short sentence with the figures behind it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .terms import Terms

__all__ = ["FLAGS", "LATE_DAYS", "flag_payouts"]

#: Every flag, in the order counts list them.
FLAGS = ("ok", "missing", "late", "unexpected", "mismatch")
#: Days after its due day within which a payout counts as ``late`` rather than missing.
LATE_DAYS = 7


def _within(diff: np.ndarray, due: np.ndarray, days: np.ndarray, tolerance: float,
            unit: float) -> np.ndarray:
    """Whether a difference is explained: one unit per accrual day, or the tolerance."""
    a = np.abs(diff)
    return (a <= unit * np.maximum(days, 1) * (1 + 1e-6)) | (a <= tolerance * due * (1 + 1e-9))


def flag_payouts(table: pd.DataFrame, tolerance: float, terms: Terms,
                 catalog: pd.DataFrame, history: pd.DataFrame) -> None:
    """Add ``difference``, ``flag``, ``reason`` and ``paid_on`` to a payout table, in place.

    ``table`` has ``account, token, date, credit_date, days, avg_balance, expected, paid``,
    ordered by account, token and date; ``history`` is the reward history it was built
    from (the accruing days of each account and coin).
    """
    unit = 10.0 ** -terms.precision
    due = table["expected"].fillna(0.0).to_numpy(float)
    paid = table["paid"].fillna(0.0).to_numpy(float, copy=True)
    days = table["days"].to_numpy(int)
    table["paid_on"] = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    table.loc[paid != 0, "paid_on"] = table.loc[paid != 0, "credit_date"]
    flag = np.full(len(table), "ok", dtype=object)
    flag[(due > 0) & (paid == 0)] = "missing"
    flag[(paid != 0) & (due == 0)] = "unexpected"
    _late(table, flag, due, paid, days, tolerance, unit)
    diff = np.round(paid - due, terms.precision)
    both = (paid != 0) & (due > 0)
    fits = _within(diff, due, days, tolerance, unit)
    flag[both & ~fits & (flag == "ok")] = "mismatch"
    diff[(flag == "ok") | ((flag == "late") & fits)] = 0.0
    table["paid"] = np.where(table["paid"].isna() & (paid == 0), np.nan, paid)
    table["difference"] = diff
    table["flag"] = flag
    table["reason"] = _reasons(table, catalog, history, terms)


def _late(table: pd.DataFrame, flag: np.ndarray, due: np.ndarray, paid: np.ndarray,
          days: np.ndarray, tolerance: float, unit: float) -> None:
    """Missing payouts found in a later payout: moved back and flagged ``late``."""
    group = (table["account"].astype(str) + "\x00" + table["token"].astype(str)).to_numpy()
    credit = table["credit_date"].to_numpy("datetime64[D]").astype(np.int64)
    for i in np.flatnonzero(flag == "missing"):
        for j in range(i + 1, len(table)):
            if group[j] != group[i] or credit[j] - credit[i] > LATE_DAYS:
                break
            extra = paid[j] - due[j]
            if flag[j] in ("ok", "unexpected") and extra > 0 and _within(
                    np.array([extra - due[i]]), np.array([due[i]]),
                    np.array([days[i] + days[j]]), tolerance, unit)[0]:
                paid[i], paid[j] = np.round(extra, 12), np.round(paid[j] - extra, 12)
                flag[i], flag[j] = "late", "ok"
                table.iloc[i, table.columns.get_loc("paid_on")] = table["credit_date"].iloc[j]
                break


def _reasons(table: pd.DataFrame, catalog: pd.DataFrame, history: pd.DataFrame,
             terms: Terms) -> np.ndarray:
    """One sentence per flagged payout ("" where ok)."""
    span = history.groupby([history["account"].astype(str), history["token"].astype(str)],
                           observed=True)["date"].agg(["min", "max"])
    out = np.full(len(table), "", dtype=object)
    for i, r in enumerate(table.itertuples(index=False)):
        if r.flag == "ok":
            continue
        if r.flag == "missing":
            out[i] = f"{r.expected:.8f} {r.token} due, nothing paid"
        elif r.flag == "late":
            late = (pd.Timestamp(r.paid_on) - pd.Timestamp(r.credit_date)).days
            out[i] = f"paid late by {late} day{'s' * (late != 1)}, on {r.paid_on.date()}"
        elif r.flag == "unexpected":
            out[i] = _unexpected(r, catalog, span)
        else:
            out[i] = _mismatch(r, catalog)
    return out


def _unexpected(r: object, catalog: pd.DataFrame, span: pd.DataFrame) -> str:
    key = (r.account, r.token)
    if key not in span.index:
        return "the account accrues nothing (not activated, or excluded)"
    first, last = span.loc[key, "min"], span.loc[key, "max"]
    if r.date < first:
        return f"before the activation: accrues from {first.date()}"
    if r.date > last:
        return f"after the deactivation or the checked days: accrues to {last.date()}"
    low = float(catalog.loc[r.token, "min_holding"]) if r.token in catalog.index else 0.0
    if r.avg_balance == r.avg_balance and r.avg_balance > 0:
        return (f"the day's balance {r.avg_balance:,.8g} {r.token} is below the minimum "
                f"{low:,.8g}")
    return f"no {r.token} balance to earn"


def _mismatch(r: object, catalog: pd.DataFrame) -> str:
    cap = float(catalog.loc[r.token, "cap"]) if r.token in catalog.index else np.inf
    more = "more" if r.difference > 0 else "less"
    share = abs(r.difference) / r.expected if r.expected else np.nan
    text = f"paid {share:.1%} {more} than due"
    if r.difference > 0 and np.isfinite(cap) and r.avg_balance > cap:
        text += (f"; the balance {r.avg_balance:,.8g} is above the cap {cap:,.8g}: only the "
                 "cap earns")
    return text
