"""Reconciliation for a holder: the rewards the rules say were due beside those paid.

The holder's statement already holds the reward credits the exchange paid. The expected
rewards are computed on the statement *as it is* (credits included, no simulated
compounding), since the exchange pays on the real balance, credits and all. Paid rewards
come from the statement's reward credits or, if given, from the rewards-record JSON of the
Binance API, which also carries the exchange's own average balance.

Rewards are matched by payout day: the credit paid on day P settles the accrual day(s)
whose payout falls on P (one day for daily payouts, a week's worth for weekly ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import checks
from .errors import InputError
from .rewards import reward_history
from .terms import Terms

__all__ = ["RECONCILE_COLUMNS", "FLAGS", "reconcile", "flag_counts"]

RECONCILE_COLUMNS = ["date", "account", "token", "days", "avg_balance", "eligible_balance",
                     "apr", "expected", "paid", "difference", "implied_apr", "exchange_avg",
                     "flag"]
#: ``ok``; ``missing`` (a reward was due, none was paid); ``unexpected`` (paid where
#: nothing was due); ``mismatch`` (paid and due differ by more than one unit of the
#: precision, the most that truncation versus rounding can explain).
FLAGS = ("ok", "missing", "unexpected", "mismatch")


def reconcile(
    statement: pd.DataFrame,
    catalog: pd.DataFrame,
    terms: Terms | None = None,
    *,
    start: object = None,
    end: object = None,
    rewards_record: pd.DataFrame | None = None,
    record_account: str | None = None,
    **timeline: object,
) -> pd.DataFrame:
    """Expected against paid rewards, one row per account, token and payout.

    Parameters
    ----------
    statement
        Normalised ledger of the holder, reward credits marked ``kind == 'reward'``.
    catalog, terms
        As for :func:`~softstake_model.rewards.reward_history`.
    start, end
        Accrual days to check (inclusive); default from the first day of the statement to
        the accrual day of its last payout.
    rewards_record
        :func:`~softstake_model.ledger.read_rewards_record` frame; when given, the paid
        rewards come from it (for ``record_account``, default the statement's only account).
    **timeline
        ``apr_history``, ``activated_at``, ``deactivated_at``, ``activations``, ``excluded``.

    Returns
    -------
    pandas.DataFrame
        :data:`RECONCILE_COLUMNS`: ``date`` is the (last) accrual day, ``days`` the number
        of accrual days settled by the payout; amounts in tokens; ``difference`` =
        paid - expected; ``implied_apr`` = paid / (1 - fee) * days_per_year / eligible.
    """
    checks.date_range(start, end)
    terms = terms or Terms()
    if rewards_record is not None:
        accounts = pd.unique(statement["account"])
        if record_account is None:
            if len(accounts) != 1:
                raise InputError(
                    f"the statement holds {len(accounts)} accounts; say which one the rewards "
                    "record belongs to")
            record_account = str(accounts[0])
        paid = pd.DataFrame({"account": record_account, "token": rewards_record["token"],
                             "time": rewards_record["time"], "paid": rewards_record["reward"],
                             "exchange_avg": rewards_record["avg_amount"]})
    else:
        rows = statement[statement["kind"] == "reward"]
        paid = pd.DataFrame({"account": rows["account"], "token": rows["token"],
                             "time": rows["time"], "paid": rows["change"],
                             "exchange_avg": np.nan})
    lag = pd.Timedelta(days=terms.payout_lag_days)
    if start is None:
        start = statement["time"].min().floor("D").tz_localize(None)
    if end is None:
        last = paid["time"].max() if len(paid) else statement["time"].max()
        end = (last.floor("D") - lag).tz_localize(None)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        end = start
    hist = reward_history(statement, catalog, terms, start=start, end=end, compound=False,
                          **timeline)
    hist["account"] = hist["account"].astype(str)
    hist["token"] = hist["token"].astype(str)
    hist["pay_day"] = hist["paid_at"].dt.floor("D").dt.tz_localize(None)
    exp = hist.groupby(["account", "token", "pay_day"], sort=True).agg(
        date=("date", "max"), days=("date", "size"), avg_balance=("avg_balance", "mean"),
        eligible_balance=("eligible_balance", "sum"), apr=("apr", "mean"),
        expected=("reward", "sum"))
    paid["pay_day"] = paid["time"].dt.floor("D").dt.tz_localize(None)
    in_range = (paid["pay_day"] - lag >= start) & (paid["pay_day"] - lag <= end)
    got = paid[in_range].groupby(["account", "token", "pay_day"], sort=True).agg(
        paid=("paid", "sum"), exchange_avg=("exchange_avg", "last"))
    table = exp.join(got, how="outer").reset_index()
    table["date"] = table["date"].fillna(table["pay_day"] - lag)
    table["days"] = table["days"].fillna(0).astype(int)
    unit = 10.0 ** -terms.precision
    due = table["expected"].fillna(0.0)
    table["difference"] = table["paid"].fillna(0.0) - due
    with np.errstate(divide="ignore", invalid="ignore"):
        table["implied_apr"] = np.where(
            table["eligible_balance"] > 0,
            table["paid"] / (1 - terms.fee) * terms.days_per_year / table["eligible_balance"],
            np.nan)
    flag = np.full(len(table), "ok", dtype=object)
    has_paid = table["paid"].notna() & (table["paid"] != 0)
    flag[(due > 0) & ~has_paid] = "missing"
    flag[has_paid & (due == 0)] = "unexpected"
    flag[has_paid & (due > 0) & (table["difference"].abs() > unit * (1 + 1e-6))] = "mismatch"
    table["flag"] = flag
    return table[RECONCILE_COLUMNS].sort_values(["account", "token", "date"],
                                                ignore_index=True)


def flag_counts(table: pd.DataFrame) -> pd.Series:
    """Payouts per flag of a :func:`reconcile` table, every flag of :data:`FLAGS` listed.

    Examples
    --------
    >>> flag_counts(pd.DataFrame({"flag": ["ok", "ok", "missing"]})).to_dict()
    {'ok': 2, 'missing': 1, 'unexpected': 0, 'mismatch': 0}
    """
    return table["flag"].value_counts().reindex(list(FLAGS), fill_value=0).astype(int)
