"""The rate a holder was actually paid, read from what the holder has: a statement, the
table ``softstake reconcile --out`` writes, a reward history or a rewards-record JSON.

:func:`read_paid_history` turns any of them into the daily history
:func:`~softstake_model.apr.realized.realized_apr` takes (``date, token, reward,
eligible_balance``); :func:`paid_rates` sums it into one rate per token, the rate
``yields project --apr realized FILE`` projects at.

- A **statement** (a Binance statement or a generic ledger CSV) is reconciled
  (:func:`~softstake_model.reconcile_question.reconcile_statement`): its balances give each
  payout's eligible balance under the preset's rule, its reward credits what was paid.
- **reconcile's table** (``reconcile --out FILE.csv`` or ``.parquet``) already holds both:
  ``paid``, ``eligible_balance`` and ``days`` (accrual days settled by the payout).
- A **reward history** (``softstake rewards --out``) or a **rewards record** is read by
  :func:`~softstake_model.apr.realized.read_reward_history`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError, ParameterError
from ..rules import implied_apr
from ..tables import read_header
from ..typing import Fraction, Frame

__all__ = ["read_paid_history", "paid_rates", "realized_rate", "RECONCILE_TABLE_COLUMNS"]

#: The columns that mark a table written by ``softstake reconcile --out``.
RECONCILE_TABLE_COLUMNS = ("date", "token", "days", "eligible_balance", "paid", "flag")


def _from_reconcile(table: pd.DataFrame, file: str) -> Frame:
    """A reconcile table's payouts with something eligible, as a daily history: a payout
    settling ``days`` days counts ``days`` times its eligible balance."""
    t = table[(table["paid"].astype(float) > 0)
              & (table["eligible_balance"].astype(float) > 0)]
    out = pd.DataFrame({
        "date": pd.to_datetime(t["date"]).dt.as_unit("s").to_numpy(),
        "token": t["token"].astype(str).str.upper().to_numpy(),
        "reward": t["paid"].astype(float).to_numpy(),
        "eligible_balance": (t["eligible_balance"].astype(float)
                             * t["days"].astype(float).clip(lower=1)).to_numpy()})
    if "account" in t:
        out.insert(1, "account", t["account"].astype(str).to_numpy())
    out.attrs["file"] = file
    return out


def read_paid_history(path: str | Path, catalog: pd.DataFrame | str | None = None,
                      preset: str = "binance_soft_staking", **question: object) -> Frame:
    """What was paid, day by day, from any file the holder has (see the module notes).

    Parameters
    ----------
    path
        A statement, reconcile's table (CSV or ``.parquet``), a reward history CSV or a
        rewardsRecord JSON.
    catalog
        Minimum and cap per token for a rewards record: a catalogue frame, or a file laid
        over the catalogue (default :func:`~softstake_model.product.product_catalog`: the
        history store's where there is one, else the shipped ones); a file is also the
        catalogue a statement is reconciled with.
    preset
        Product terms a statement is reconciled under.
    **question
        Other fields of :class:`~softstake_model.reconcile_question.ReconcileQuestion` for
        a statement (``activated_at``, ``activations``, ``catalog`` …); by default a
        statement is taken to be activated the day before its first reward credit.

    Returns
    -------
    pandas.DataFrame
        ``date`` (naive day), ``token``, ``reward`` (tokens paid), ``eligible_balance``
        (tokens earning, times the days the payout settled); ``attrs["file"]`` and
        ``attrs["kind"]`` (``statement``, ``reconcile table``, ``reward history``).
    """
    from .realized import read_reward_history

    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", file=str(p))
    if p.suffix.lower() == ".parquet":
        out = _from_reconcile(pd.read_parquet(p), str(p))
        out.attrs["kind"] = "reconcile table"
        return out
    header = set() if p.suffix.lower() == ".json" else set(read_header(p))
    if set(RECONCILE_TABLE_COLUMNS) <= header:
        out = _from_reconcile(pd.read_csv(p), str(p))
        out.attrs["kind"] = "reconcile table"
    elif p.suffix.lower() == ".json" or {"reward", "eligible_balance"} <= header:
        if not isinstance(catalog, pd.DataFrame):
            from ..product import product_catalog

            catalog = product_catalog(catalog)  # the store's minimum and cap if it has them
        out = read_reward_history(str(p), catalog)
        out.attrs["kind"] = "reward history"
    else:
        from ..reconcile_question import ReconcileQuestion, reconcile_statement

        if isinstance(catalog, str):
            question = {"catalog": catalog, **question}
        res = reconcile_statement(ReconcileQuestion(statement=str(p), preset=preset,
                                                    **question))
        out = _from_reconcile(res.table, str(p))
        out.attrs["kind"] = "statement"
    out.attrs["file"] = str(p)
    return out


def paid_rates(history: Frame, fee: Fraction = 0.0, days_per_year: float = 365.0,
               last_days: int | None = None) -> Frame:
    """One rate per token: what was paid over what was eligible, per year.

    ``apr = sum(reward) / (1 - fee) * days_per_year / sum(eligible_balance)``: the mean of
    the daily rates weighted by the balance that earned them (the rate a balance that
    stayed would have been paid).

    Parameters
    ----------
    history
        :func:`read_paid_history`'s frame.
    last_days
        Only the last N days of each token (none: all).

    Returns
    -------
    pandas.DataFrame
        Indexed by token: ``apr`` (fraction per year), ``payouts``, ``first``, ``last``
        (days), ``reward`` and ``eligible_days`` (token-days); ``attrs["file"]`` kept.
    """
    if not 0 <= fee < 1:
        raise ParameterError(f"must be in [0, 1), got {fee}", param="fee")
    if last_days is not None and not (isinstance(last_days, int) and last_days >= 1):
        raise ParameterError(f"must be a whole number >= 1, got {last_days}",
                             param="last_days")
    if "token" not in history:
        raise InputError("has no 'token' column: the rate paid is per token",
                         file=history.attrs.get("file"), column="token")
    h = history[(history["eligible_balance"] > 0)]
    if h.empty:
        raise InputError("no payout with an eligible balance: no rate was paid",
                         file=history.attrs.get("file"))
    if last_days is not None:
        start = h.groupby("token")["date"].transform("max") - pd.Timedelta(days=last_days - 1)
        h = h[h["date"] >= start]
    g = h.groupby("token", sort=True)
    out = pd.DataFrame({"payouts": g.size(), "first": g["date"].min(),
                        "last": g["date"].max(), "reward": g["reward"].sum(),
                        "eligible_days": g["eligible_balance"].sum()})
    out["apr"] = implied_apr(out["reward"].to_numpy(float),
                             out["eligible_days"].to_numpy(float), fee=fee,
                             days_per_year=days_per_year)
    out = out[["apr", "payouts", "first", "last", "reward", "eligible_days"]]
    out.attrs["file"] = history.attrs.get("file")
    out.attrs["kind"] = history.attrs.get("kind")
    return out


def realized_rate(path: str | Path, token: str | None = None, fee: Fraction = 0.0,
                  **question: object) -> tuple[str, float, str]:
    """The rate ``token`` was paid in the file at ``path`` (:func:`paid_rates` over all of
    it), gross of ``fee`` (the share the product keeps, so a projection under the same
    terms pays it again).

    Returns
    -------
    (str, float, str)
        The token, the APR (fraction per year) and a sentence saying where it came from.
        Without ``token`` the file must hold one token only.
    """
    rates = paid_rates(read_paid_history(path, **question), fee=fee)
    if token is None:
        if len(rates) != 1:
            raise ParameterError(f"is needed: {path} was paid in {', '.join(rates.index)}",
                                 param="token")
        token = str(rates.index[0])
    token = token.upper()
    if token not in rates.index:
        raise InputError(f"has no payout of {token} with an eligible balance (it has "
                         f"{', '.join(rates.index)})", file=str(path))
    r = rates.loc[token]
    text = (f"realized: the rate paid on {token} in {path} ({rates.attrs['kind']}), "
            f"{r['apr']:.3%} a year over {int(r['payouts'])} payouts from "
            f"{r['first']:%Y-%m-%d} to {r['last']:%Y-%m-%d} (paid / eligible balance"
            + (f", gross of the {fee:.0%} fee" if fee else "") + ")")
    return token, float(r["apr"]), text
