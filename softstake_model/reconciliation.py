"""Reconciliation for a holder: the rewards the rules say were due beside those paid.

The holder's statement already holds the reward credits the exchange paid. The expected
rewards are computed on the statement *as it is* (credits included, no simulated
compounding), since the exchange pays on the real balance, credits and all. Paid rewards
come from the statement's reward credits or, if given, from the rewards-record JSON of the
Binance API, which also carries the exchange's own average balance.

Rewards are matched by payout day: the credit paid on day P settles the accrual day(s)
whose payout falls on P (one day for daily payouts, a week's worth for weekly ones).

Which APR a payout is compared with (``compare``):

- ``"implied"`` (the default): Binance adjusts the APR daily and publishes no history, so
  each payout's own rate is read off the statement: the *implied APR* is
  ``paid / (1 - fee) * days_per_year / eligible balance`` (exact up to the truncation of
  the payout to 8 decimals). A payout is checked against the **median implied APR of its
  neighbours** — up to ``neighbours`` payouts of the same account and token on each side,
  the payout itself left out — a robust rule that one wrong payout cannot move. It is a
  ``mismatch`` when it departs from that median by more than ``tolerance`` (relative) *and*
  by more than one unit of the precision per accrual day; a day with a balance to earn and
  no payout is ``missing`` (its expected reward at the neighbours' median); a credit where
  no balance could earn is ``unexpected``. At the ends of a statement the neighbours lie on
  one side only, so a steady trend there reads as about two days' change; a median is at
  most three days' moves away, so rates that move by at most 3 % a day are never flagged
  at the default tolerance (1.03³ - 1 < 10 %; a property test checks it).
- ``"catalog"``: the catalogue's (assumed, mid-2025) APR of each token, or the tiers.
- a number: that APR for every token.
- with an ``apr_history`` (a timeline argument) the history's rate of each day.

Without an activation (``activated_at`` or ``activations``) each account is taken to be
activated the day before the accrual day of its first reward credit, and the table says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import checks
from .balances import DAY_NS
from .catalog import override
from .errors import InputError, ParameterError
from .product import parse_tokens
from .reconcile_flags import FLAGS, flag_payouts
from .rewards import payout_days, reward_history
from .rules import implied_apr, payout
from .tables import parse_time
from .terms import Terms
from .typing import Fraction, Frame

__all__ = ["RECONCILE_COLUMNS", "FLAGS", "DEFAULT_TOLERANCE", "HISTORY_TOLERANCE", "reconcile",
           "flag_counts",
           "reconcile_totals", "neighbour_median"]

RECONCILE_COLUMNS = ["date", "credit_date", "account", "token", "days", "avg_balance",
                     "eligible_balance", "apr", "expected", "paid", "difference",
                     "implied_apr", "exchange_avg", "flag", "reason", "paid_on"]
# FLAGS (ok, missing, late, unexpected, mismatch): see softstake_model.reconcile_flags
#: Relative departure of a payout's implied APR from its neighbours' median that is still
#: ``ok`` when the APR is implied (0.1: a 5 % neighbourhood accepts 4.5 % to 5.5 %).
DEFAULT_TOLERANCE = 0.1
#: The default tolerance against an APR history (0.1 %): the rates are exact, but after a
#: faulty credit the statement's balance differs from the exchange's by that credit, about
#: a day's reward, B * APR / 365, which moves a later reward by APR / 365 of itself (0.03 %
#: at 10 % APR); 0.1 % covers three such days and nothing a fault would be.
HISTORY_TOLERANCE = 0.001


def reconcile(
    statement: pd.DataFrame,
    catalog: pd.DataFrame,
    terms: Terms | None = None,
    *,
    start: object = None,
    end: object = None,
    rewards_record: pd.DataFrame | None = None,
    record_account: str | None = None,
    compare: str | float | None = None,
    tolerance: Fraction | None = None,
    neighbours: int = 3,
    tokens: str | Sequence[str] | None = None,
    **timeline: object,
) -> Frame:
    """Expected against paid rewards, one row per account, token and payout.

    Parameters
    ----------
    statement
        Normalised ledger of the holder, reward credits marked ``kind == 'reward'``.
    catalog, terms
        As for :func:`~softstake_model.rewards.reward_history`.
    start, end
        Accrual days to check (inclusive); default from the first day of the statement to
        the last accrual day whose payout falls before the statement's last entry.
    rewards_record
        :func:`~softstake_model.ledger.read_rewards_record` frame; when given, the paid
        rewards come from it (for ``record_account``, default the statement's only account).
    compare
        ``"implied"``, ``"catalog"`` or an APR (fraction per year), see the module's notes.
        Default: the ``apr_history`` if one is given, ``"catalog"`` with tiers (they set the
        rate), else ``"implied"``.
    tolerance
        Relative departure from the APR compared with that is still ``ok`` (beyond one
        unit of the precision, always allowed). Default :data:`DEFAULT_TOLERANCE` when the
        APR is implied, :data:`HISTORY_TOLERANCE` against an APR history, 0 otherwise.
    neighbours
        Payouts on each side whose median implied APR a payout is compared with.
    tokens
        Check only these tokens (the statement's range and the activation still come from
        the whole statement); None: all.
    **timeline
        ``apr_history``, ``activated_at``, ``deactivated_at``, ``activations``, ``excluded``.

    Returns
    -------
    pandas.DataFrame
        :data:`RECONCILE_COLUMNS`: ``date`` is the (last) accrual day, ``credit_date``
        the day its payout is credited (the day the statement shows it), ``days`` the
        number of accrual days settled by the payout; amounts in tokens (``difference`` =
        paid - expected, rounded to the precision, and 0 where the payout is within the
        tolerance); ``apr`` the APR compared with (fraction per year); ``implied_apr`` =
        paid / (1 - fee) * days_per_year / eligible; ``flag`` and ``reason`` as
        :mod:`~softstake_model.reconcile_flags` says, ``paid_on`` the day a payout came
        (later than ``credit_date`` when ``late``). ``attrs`` holds ``basis``
        (``implied``, ``catalog``, ``given`` or ``history``), ``compared_with`` (a
        sentence naming it), ``activation`` (a sentence when the activation was taken
        from the first reward credit, else None) and ``notes`` (sentences for the
        holder).
    """
    checks.date_range(start, end)
    terms = terms or Terms()
    basis, given = _basis(compare, terms, timeline.get("apr_history"))
    tolerance = _tolerance(tolerance, neighbours, basis)
    if given is not None:
        catalog = override(catalog, apr=given)
    paid = _paid(statement, rewards_record, record_account)
    infer = timeline.get("activated_at") is None and timeline.get("activations") is None
    start, end = _range(statement, paid, terms, start, end, infer)
    activation = _infer_activation(statement, paid, terms, start, timeline) if infer else None
    wanted = parse_tokens(tokens)
    if wanted:
        statement = statement[statement["token"].astype(str).isin(wanted)]
        paid = paid[paid["token"].astype(str).isin(wanted)]
    hist = reward_history(statement, catalog, terms, start=start, end=end, compound=False,
                          **timeline)
    table = _by_payout(hist, paid, terms, start, end)
    table["implied_apr"] = implied_apr(table["paid"].to_numpy(float),
                                       table["eligible_balance"].to_numpy(float),
                                       fee=terms.fee, days_per_year=terms.days_per_year)
    if basis == "implied":
        _at_neighbours(table, neighbours, terms)
    flag_payouts(table, tolerance, terms, catalog, hist)
    out = table[RECONCILE_COLUMNS].copy()
    out.attrs.update(basis=basis, activation=activation,
                     notes=_activation_notes(statement, timeline.get("activations"),
                                             activation),
                     compared_with=_compared_with(basis, given, catalog, out, tolerance,
                                                  neighbours, terms, timeline))
    return out


def _tolerance(tolerance: float | None, neighbours: int, basis: str) -> float:
    """The tolerance checked (default by basis), and ``neighbours`` checked."""
    if tolerance is None:
        tolerance = {"implied": DEFAULT_TOLERANCE, "history": HISTORY_TOLERANCE}.get(basis, 0.0)
    if not (np.isfinite(tolerance) and tolerance >= 0):
        raise ParameterError(f"must be a fraction >= 0 (0.1 = 10 %), got {tolerance}",
                             param="tolerance")
    if not (isinstance(neighbours, int | np.integer) and neighbours >= 1):
        raise ParameterError(f"must be a whole number >= 1, got {neighbours}",
                             param="neighbours")
    return float(tolerance)


def _infer_activation(statement: pd.DataFrame, paid: pd.DataFrame, terms: Terms,
                      start: pd.Timestamp, timeline: dict) -> str:
    """Put the activation taken from the first credits in ``timeline`` (a deactivation
    given still applies); return the sentence saying so."""
    timeline["activations"], activation = _activation_from_credits(statement, paid, terms,
                                                                   start)
    if timeline.get("deactivated_at") is not None:
        timeline["activations"]["deactivated_at"] = parse_time(timeline["deactivated_at"],
                                                               "deactivated_at")
    timeline["activated_at"] = timeline["deactivated_at"] = None
    return activation


def _at_neighbours(table: pd.DataFrame, neighbours: int, terms: Terms) -> None:
    """``apr`` and ``expected`` at the median implied APR of each payout's neighbours."""
    rate = table["implied_apr"].where(table["paid"] > 0).to_numpy(float)
    group = (table["account"] + "\x00" + table["token"]).to_numpy()
    ref = neighbour_median(rate, group, neighbours)
    table["apr"] = np.where(np.isnan(ref), table["apr"], ref)
    table["expected"] = np.where(
        table["eligible_balance"].notna(),
        payout(table["eligible_balance"].fillna(0), table["apr"].fillna(0), fee=terms.fee,
               precision=terms.precision, days_per_year=terms.days_per_year), np.nan)


def _range(statement: pd.DataFrame, paid: pd.DataFrame, terms: Terms, start: object,
           end: object, infer: bool) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The accrual days to check: those given, else the statement's (from the first
    credit's accrual day when the activation is inferred, to the last day paid)."""
    if start is None:
        start = statement["time"].min().floor("D").tz_localize(None)
        if infer and len(paid):  # nothing accrues before the first credit's accrual day
            first = _last_paid_day(paid["time"].min(), terms) - \
                pd.Timedelta(days=terms.payout_every_days - 1)
            start = max(start, first)
    if end is None:
        last = max(statement["time"].max(), paid["time"].max()) if len(paid) else \
            statement["time"].max()
        end = _last_paid_day(last, terms)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    return start, max(start, end)


def _by_payout(hist: pd.DataFrame, paid: pd.DataFrame, terms: Terms, start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    """The history's accrual days grouped by payout day beside the credits paid that day
    (an outer join: a payout with no accrual, an accrual with no payout)."""
    lag = pd.Timedelta(days=terms.payout_lag_days)
    hist["account"] = hist["account"].astype(str)
    hist["token"] = hist["token"].astype(str)
    hist["pay_day"] = hist["paid_at"].dt.floor("D").dt.tz_localize(None)
    exp = hist.groupby(["account", "token", "pay_day"], sort=True).agg(
        date=("date", "max"), days=("date", "size"), avg_balance=("avg_balance", "mean"),
        eligible_balance=("eligible_balance", "sum"), apr=("apr", "mean"),
        expected=("reward", "sum"))
    paid["pay_day"] = paid["time"].dt.floor("D").dt.tz_localize(None)
    paid["account"] = paid["account"].astype(str)
    paid["token"] = paid["token"].astype(str)
    in_range = (paid["pay_day"] - lag >= start) & (paid["pay_day"] - lag <= end)
    got = paid[in_range].groupby(["account", "token", "pay_day"], sort=True).agg(
        paid=("paid", "sum"), exchange_avg=("exchange_avg", "last"))
    table = exp.join(got, how="outer").reset_index().rename(columns={"pay_day": "credit_date"})
    table["date"] = table["date"].fillna(table["credit_date"] - lag)
    table["days"] = table["days"].fillna(0).astype(int)
    return table.sort_values(["account", "token", "date"], ignore_index=True)


def _activation_notes(statement: pd.DataFrame, activations: pd.DataFrame | None,
                      inferred: str | None) -> list[str]:
    """A note when an activations file names no account of the statement."""
    if inferred is not None or activations is None:
        return []
    have = set(statement["account"].astype(str))
    named = set(activations["account"].astype(str))
    if have & named:
        return []
    return [f"the activations name no account of the statement (they name "
            f"{', '.join(sorted(named)[:3])}{', ...' if len(named) > 3 else ''}; the "
            f"statement holds {', '.join(sorted(have)[:3])}): nothing accrues"]


def neighbour_median(values: np.ndarray, group: np.ndarray, half: int) -> np.ndarray:
    """Median of the non-NaN values within ``half`` rows on each side in the same group,
    the row itself left out (NaN where there are none). Rows are in group order.

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 9.0, 3.0, np.nan])
    >>> neighbour_median(v, np.array(["a"] * 5), 1).tolist()
    [2.0, 5.0, 2.5, 9.0, 3.0]
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    offsets = np.r_[np.arange(-half, 0), np.arange(1, half + 1)]
    idx = np.arange(n)[:, None] + offsets[None, :]
    inside = (idx >= 0) & (idx < n)
    idx_c = np.clip(idx, 0, max(n - 1, 0))
    if n == 0:
        return v
    same = np.asarray(group)[idx_c] == np.asarray(group)[:, None]
    around = np.where(inside & same, v[idx_c], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no neighbour: NaN
        return np.nanmedian(around, axis=1)


def _basis(compare: object, terms: Terms, apr_history: object) -> tuple[str, float | None]:
    """``(basis, given APR)`` of the comparison asked for."""
    if apr_history is not None:
        if compare not in (None, "history"):
            raise ParameterError("cannot be combined with an APR history (it sets the "
                                 "APR of each day)", param="compare")
        return "history", None
    if compare is None:
        return ("catalog" if terms.tiers is not None else "implied"), None
    if isinstance(compare, str):
        if compare in ("implied", "catalog"):
            if compare == "implied" and terms.tiers is not None:
                raise ParameterError("cannot be 'implied' with tiers: the tiers set the APR",
                                     param="compare")
            return compare, None
        raise ParameterError(f"must be 'implied', 'catalog' or an APR, got {compare!r}",
                             param="compare")
    rate = float(compare)
    if not (np.isfinite(rate) and 0 <= rate <= 1):
        raise ParameterError(f"must be a fraction in [0, 1] (0.05 = 5%), got {rate}",
                             param="compare")
    return "given", rate


def _paid(statement: pd.DataFrame, record: pd.DataFrame | None,
          record_account: str | None) -> pd.DataFrame:
    """``account, token, time, paid, exchange_avg`` of every reward paid."""
    if record is not None:
        accounts = pd.unique(statement["account"])
        if record_account is None:
            if len(accounts) != 1:
                raise InputError(
                    f"the statement holds {len(accounts)} accounts; say which one the rewards "
                    "record belongs to")
            record_account = str(accounts[0])
        return pd.DataFrame({"account": record_account, "token": record["token"],
                             "time": record["time"], "paid": record["reward"],
                             "exchange_avg": record["avg_amount"]})
    rows = statement[statement["kind"] == "reward"]
    return pd.DataFrame({"account": rows["account"], "token": rows["token"],
                         "time": rows["time"], "paid": rows["change"], "exchange_avg": np.nan})


def _last_paid_day(last: pd.Timestamp, terms: Terms) -> pd.Timestamp:
    """The last accrual day whose payout instant is at or before ``last``."""
    last_ns = pd.Timestamp(last).as_unit("ns").value
    day = last_ns // DAY_NS - terms.payout_lag_days
    candidates = day - np.arange(8 + terms.payout_every_days)
    instants = payout_days(candidates, terms) * DAY_NS + terms.payout_time_s * 10**9
    ok = candidates[instants <= last_ns]
    return pd.Timestamp(int(ok.max() if len(ok) else candidates[-1]) * DAY_NS)


def _activation_from_credits(statement: pd.DataFrame, paid: pd.DataFrame, terms: Terms,
                             start: pd.Timestamp) -> tuple[pd.DataFrame, str]:
    """Each account activated the day before the first accrual day its first credit
    settles; accounts without a credit accrue every day. Returns the frame and a sentence."""
    first = paid.groupby(paid["account"].astype(str))["time"].min()
    pay_day = first.dt.floor("D").dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    pay_num = pay_day.astype(np.int64)
    span = np.arange(7 + terms.payout_every_days)
    cand = pay_num[:, None] - terms.payout_lag_days - span[None, :]
    settles = payout_days(cand.ravel(), terms).reshape(cand.shape) == pay_num[:, None]
    first_day = np.where(settles, cand, np.iinfo(np.int64).max).min(axis=1)
    act = pd.to_datetime((first_day - 1) * DAY_NS, utc=True)
    accounts = pd.Index(pd.unique(statement["account"].astype(str)))
    frame = pd.DataFrame({"account": first.index.astype(str), "activated_at": act})
    silent = accounts.difference(frame["account"])
    if len(silent):
        frame = pd.concat([frame, pd.DataFrame({
            "account": silent, "activated_at": (start - pd.Timedelta(days=1)).tz_localize(
                "UTC")})], ignore_index=True)
    frame["activated_at"] = frame["activated_at"].astype("datetime64[ns, UTC]")
    frame["deactivated_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    parts = [f"account {a} accrues from {pd.Timestamp(d).date()}" for a, d in
             zip(first.index, pd.to_datetime(first_day * DAY_NS), strict=True)]
    text = ("activation taken from the first reward credit (" + ", ".join(parts)
            + "); give activated_at to check earlier days") if parts else \
        "no reward credit in the statement to take the activation from"
    if len(silent):
        text += f"; no reward credit for {', '.join(silent)}: every day is checked"
    return frame, text


def _compared_with(basis: str, given: float | None, catalog: pd.DataFrame,
                   table: pd.DataFrame, tolerance: float, neighbours: int, terms: Terms,
                   timeline: dict) -> str:
    """A sentence naming the APR the payouts were compared with."""
    tol = f"{tolerance * 100:g}%" if tolerance else "no"
    if basis == "implied":
        return (f"the APR implied by each payout, against the median of up to "
                f"{2 * neighbours} neighbouring payouts ({tol} tolerance beyond one unit of "
                f"the {terms.precision}-decimal precision)")
    if basis == "given":
        return f"the APR given, {given:.2%} for every token ({tol} tolerance)"
    if basis == "history":
        file = getattr(timeline.get("apr_history"), "attrs", {}).get("file")
        return "the APR history given" + (f" ({file})" if file else "") + f" ({tol} tolerance)"
    if terms.tiers is not None:
        return f"the tiers of the terms ({tol} tolerance)"
    tokens = sorted(set(table["token"]))
    rates = ", ".join(f"{t} {catalog.loc[t, 'apr']:.2%}" for t in tokens if t in catalog.index)
    return (f"the catalogue APR ({rates}; estimates, not the daily rates paid; "
            f"{tol} tolerance)")


def flag_counts(table: pd.DataFrame) -> pd.Series:
    """Payouts per flag of a :func:`reconcile` table, every flag of :data:`FLAGS` listed.

    Examples
    --------
    >>> flag_counts(pd.DataFrame({"flag": ["ok", "ok", "missing"]})).to_dict()
    {'ok': 2, 'missing': 1, 'late': 0, 'unexpected': 0, 'mismatch': 0}
    """
    return table["flag"].value_counts().reindex(list(FLAGS), fill_value=0).astype(int)


def reconcile_totals(table: pd.DataFrame, catalog: pd.DataFrame,
                     precision: int = 8) -> pd.DataFrame:
    """Per token: payouts, flagged payouts, and expected, paid and their difference in
    tokens and in USD at the catalogue price (``price_usd``). The difference is the sum of
    the payouts' differences (none for those within the tolerance), else paid - expected.

    Examples
    --------
    >>> t = pd.DataFrame({"token": ["BNB", "BNB"], "expected": [0.5, 0.25],
    ...                   "paid": [0.5, None], "flag": ["ok", "missing"]})
    >>> cat = pd.DataFrame({"price_usd": [600.0]}, index=["BNB"])
    >>> reconcile_totals(t, cat).loc["BNB", ["difference", "difference_usd"]].tolist()
    [-0.25, -150.0]
    """
    t = table.assign(expected=table["expected"].fillna(0.0), paid=table["paid"].fillna(0.0),
                     flagged=table["flag"] != "ok")
    out = t.groupby("token", sort=True).agg(payouts=("flag", "size"),
                                            flagged=("flagged", "sum"),
                                            expected=("expected", "sum"), paid=("paid", "sum"))
    out["difference"] = np.round(t.groupby("token", sort=True)["difference"].sum(),
                                 precision) if "difference" in t else \
        np.round(out["paid"] - out["expected"], precision)
    price = catalog["price_usd"].reindex(out.index).astype(float)
    out["price_usd"] = price
    for col in ("expected", "paid", "difference"):
        out[f"{col}_usd"] = out[col] * price
    return out
