"""The reward engine: a ledger in, the daily reward history out (SPEC §2).

For every account, token and accruing UTC day it measures the balance
(:mod:`~softstake_model.balances`), applies the rule (:mod:`~softstake_model.rules`) with
the token's minimum, cap and APR of the day, and schedules the payout. With compounding,
each reward is credited at its payout instant and counts in every later balance measure;
the engine then steps through the days (each depends on the last), every step working on
all accounts at once.

Timeline (SPEC §2): an account activated at any time on day A accrues from day A + 1; if
deactivated on day Z it accrues up to day Z - 1. Excluded accounts accrue nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .balances import DAY_NS, DayGrid, DayMeasure, Snapshot, _day_start
from .errors import InputError, ParameterError
from .files import CSV_CHUNK_ROWS
from .ledger import accounts_of
from .rules import eligible, gross, rate_paid, truncate
from .tables import parse_time
from .terms import Terms

__all__ = [
    "HISTORY_COLUMNS",
    "reward_history",
    "accrue",
    "payout_days",
    "apr_matrix",
    "accrual_window",
    "history_memory",
]

# memory the rewards command needs per history row, bytes: the grid, the engine's four day
# arrays (the history's float columns), the date and payout columns, the codes and the
# temporaries (measured 51-54 from 3.65 M to 30 M rows, tests/test_rewards_memory.py)
_HISTORY_BYTES = 56
# and per row of the CSV writer's chunk (files.CSV_CHUNK_ROWS rows at a time): the rows'
# text and Arrow arrays (measured 290-360)
_CSV_ROW_BYTES = 320

# keys the day loop applies the rule to at once (its float temporaries, 512 KiB each, stay
# in a core's cache)
_BLOCK = 1 << 16

HISTORY_COLUMNS = ["date", "account", "token", "avg_balance", "eligible_balance", "apr",
                   "reward", "paid_at"]


def history_memory(rows: int) -> float:
    """Bytes the rewards command needs for a history of ``rows`` rows: the engine and the
    history frame, and writing it as CSV a chunk at a time (checked before allocating).

    Examples
    --------
    >>> f"{history_memory(3_650_000) / 1e6:,.0f} MB"  # 10,000 accounts x 365 days
    '524 MB'
    """
    return rows * _HISTORY_BYTES + min(rows, CSV_CHUNK_ROWS) * _CSV_ROW_BYTES


def payout_days(day_numbers: np.ndarray, terms: Terms) -> np.ndarray:
    """Calendar day number of the payout of each accrual day (days since 1970-01-01)."""
    p = np.asarray(day_numbers, dtype=np.int64) + terms.payout_lag_days
    if terms.payout_every_days == 7:
        weekday = (p + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
        p = p + (terms.payout_weekday - weekday) % 7
    return p


def apr_matrix(
    catalog: pd.DataFrame,
    tokens: pd.Index,
    dates: pd.DatetimeIndex,
    history: pd.DataFrame | None = None,
    file: str | None = None,
    needed: np.ndarray | None = None,
) -> np.ndarray:
    """``(n_tokens, n_days)`` APR in force for each token and day.

    Parameters
    ----------
    catalog
        Token catalogue (constant ``apr`` per token) used when ``history`` is None.
    history
        Long frame ``date, token, apr`` (dates as UTC days): the APR is adjusted daily, so
        every token must have every day; a missing day is an :class:`InputError`.
    needed
        ``(n_tokens, n_days)`` booleans: the days a history must cover (those that accrue;
        the others get 0). None: every day.
    """
    if history is None:
        return np.repeat(catalog.loc[list(tokens), "apr"].to_numpy(float)[:, None],
                         len(dates), axis=1)
    file = file or history.attrs.get("file")  # set by ledger.read_apr_history
    days = pd.DatetimeIndex(dates).tz_localize(None) if dates.tz is not None else dates
    wide = history.pivot_table(index="date", columns="token", values="apr", aggfunc="last")
    out = np.empty((len(tokens), len(days)))
    for i, token in enumerate(tokens):
        if token not in wide.columns:
            raise InputError(f"no APR for token {token}", file=file, column="token")
        col = wide[token].reindex(days)
        gap = col.isna().to_numpy() & (True if needed is None else needed[i])
        col = col.fillna(0.0)
        if gap.any():
            missing = col.index[gap][0].date()
            raise InputError(f"no APR for {token} on {missing} (the APR is needed every day)",
                             file=file, column="apr")
        out[i] = col.to_numpy(float)
    return out


def accrual_window(
    grid: DayGrid,
    activated_at: object = None,
    deactivated_at: object = None,
    activations: pd.DataFrame | None = None,
    excluded: Iterable[str] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """First and end (exclusive) grid day of each key's accrual.

    ``activations`` (columns ``account``, ``activated_at``, optional ``deactivated_at``
    and ``token``; blank token = every token) gives a timeline per account: an account
    missing from it is not activated. Otherwise ``activated_at`` / ``deactivated_at``
    apply to all, and with neither every day accrues.
    """
    nk = grid.n_keys
    day0 = grid.start_day_number

    def first_day(ts: pd.Series) -> np.ndarray:  # activation on day A -> accrues from A + 1
        return (ts.dt.floor("D").dt.as_unit("ns").array.asi8 // DAY_NS + 1 - day0)

    def end_day(ts: pd.Series) -> np.ndarray:  # deactivation on day Z -> accrues to Z - 1
        return ts.dt.floor("D").dt.as_unit("ns").array.asi8 // DAY_NS - day0

    first = np.zeros(nk, dtype=np.int64)
    end = np.full(nk, grid.n_days, dtype=np.int64)
    if activations is not None:
        keys = pd.DataFrame({"account": np.asarray(grid.accounts[grid.key_account], dtype=str),
                             "token": np.asarray(grid.tokens[grid.key_token], dtype=str)})
        act = activations.copy()
        if "token" not in act:
            act["token"] = ""
        act["token"] = act["token"].fillna("").astype(str).str.upper()
        if "deactivated_at" not in act:  # typed, so that the day arithmetic applies
            act["deactivated_at"] = pd.Series(pd.NaT, index=act.index,
                                              dtype="datetime64[ns, UTC]")
        specific = keys.merge(act[act["token"] != ""], on=["account", "token"], how="left")
        general = keys.merge(act[act["token"] == ""].drop(columns="token"), on="account",
                             how="left")
        use = specific["activated_at"].notna()
        a = specific["activated_at"].where(use, general["activated_at"])
        z = specific["deactivated_at"].where(use, general["deactivated_at"])
        never = a.isna().to_numpy()
        first = np.where(never, grid.n_days, first_day(a.fillna(grid.start)))
        end = np.where(z.isna().to_numpy(), grid.n_days,
                       end_day(z.fillna(grid.start)))
    elif activated_at is not None or deactivated_at is not None:
        if activated_at is not None:
            first[:] = first_day(pd.Series([_ts(activated_at, "activated_at")]))[0]
        if deactivated_at is not None:
            end[:] = end_day(pd.Series([_ts(deactivated_at, "deactivated_at")]))[0]
    excluded = accounts_of(excluded)
    if excluded:
        acc = np.asarray(grid.accounts[grid.key_account], dtype=str)
        end[np.isin(acc, list(excluded))] = 0
    return np.clip(first, 0, grid.n_days), np.clip(end, 0, grid.n_days)


def _ts(value: object, name: str) -> pd.Timestamp:
    """An instant argument in UTC (:func:`softstake_model.tables.parse_time`)."""
    return parse_time(value, name)


def reward_history(
    ledger: pd.DataFrame,
    catalog: pd.DataFrame,
    terms: Terms | None = None,
    *,
    start: object = None,
    end: object = None,
    apr_history: pd.DataFrame | None = None,
    activated_at: object = None,
    deactivated_at: object = None,
    activations: pd.DataFrame | None = None,
    excluded: Iterable[str] = (),
    compound: bool = True,
    progress: bool = False,
    statement_credits: bool = True,
) -> pd.DataFrame:
    """The daily reward history the product's rules produce for a ledger.

    Parameters
    ----------
    ledger
        Normalised ledger (:func:`softstake_model.ledger.read_ledger`); ``account`` and
        ``token`` may be str or categorical. Only the ``free`` wallet earns.
    catalog
        Token catalogue (``min_holding``, ``cap``, ``apr``), already overridden as wanted;
        every token of the ledger must be in it.
    terms
        Product terms (default: Binance Soft Staking). Bands set in USD are converted to
        each token's units at its catalogue ``price_usd``; ``attrs["rule_basis"]`` of the
        result says what the minimum, cap, APR and tiers came from.
    start, end
        First and last day, inclusive (UTC dates); default the ledger's first and last
        day.
    apr_history
        ``date, token, apr`` to use instead of the catalogue's constant APR.
    activated_at, deactivated_at, activations, excluded
        Accrual timeline, see :func:`accrual_window`.
    compound
        Credit each reward at its payout instant so that it counts in later balances.
        Reward credits already in the ledger (``kind == 'reward'``) are then replaced by
        the simulated ones, never counted twice. ``compound=False``: the simulation
        credits nothing; the ledger's own credits stay (what a reconciliation needs).
    statement_credits
        With ``compound=False``, False leaves the ledger's own reward credits out too.
    progress
        Show a progress bar over days.

    Returns
    -------
    pandas.DataFrame
        :data:`HISTORY_COLUMNS`, one row per account, token and accruing day, ordered by
        date, account, token. ``date`` is the UTC day; ``paid_at`` the payout instant (UTC);
        balances and rewards in tokens; ``apr`` the rate paid, a fraction per year (with
        tiers, the rate the bands give the eligible balance, not the catalogue's APR).
    """
    terms = terms or Terms()
    s, n_days = _days(ledger, start, end)
    if terms.tiers is not None and terms.tiers_unit == "USD":
        kw = dict(apr_history=apr_history, activated_at=activated_at, excluded=excluded,
                  deactivated_at=deactivated_at, activations=activations, compound=compound,
                  progress=progress, statement_credits=statement_credits)
        return _in_tokens(ledger, catalog, terms, start=s, end=s + (n_days - 1) * DAY, **kw)
    grid = DayGrid(_earning(ledger, catalog, compound or not statement_credits), s, n_days,
                   memory=history_memory)
    dates = grid.dates()
    tokens = pd.Index(np.asarray(grid.tokens, dtype=str))
    first, stop = accrual_window(grid, activated_at, deactivated_at, activations, excluded)
    apr_td = apr_matrix(catalog, tokens, dates, apr_history,
                        needed=None if apr_history is None else
                        _needed(grid, len(tokens), first, stop))
    cat = catalog.loc[list(tokens)] if len(tokens) else catalog.iloc[:0]
    min_k = cat["min_holding"].to_numpy(float)[grid.key_token]
    cap_k = cat["cap"].to_numpy(float)[grid.key_token]

    values = accrue(grid, terms, min_k, cap_k, lambda d: apr_td[grid.key_token, d], first, stop,
                    compound=compound, progress=progress, spend_grid=True)
    day_numbers = grid.start_day_number + np.arange(n_days)
    out = _frame(grid, tokens, first, stop, values,
                 payout_days(day_numbers, terms) * DAY_NS + terms.payout_time_s * 10**9)
    out.attrs["rule_basis"] = terms.rule_basis
    return out


DAY = pd.Timedelta(days=1)


def _in_tokens(ledger: pd.DataFrame, catalog: pd.DataFrame, terms: Terms,
               **kw: object) -> pd.DataFrame:
    """The history token by token, each under bands converted at its own price."""
    parts, bases = [], []
    for token in pd.unique(ledger["token"].astype(str)):
        price = catalog.loc[token, "price_usd"] if token in catalog.index and \
            "price_usd" in catalog else np.nan
        t = terms.in_tokens(None if pd.isna(price) else float(price), token)
        part = reward_history(ledger[ledger["token"].astype(str) == token], catalog, t,
                              **kw)  # type: ignore[arg-type]
        parts.append(part)
        bases.append(part.attrs["rule_basis"])
    out = pd.concat(parts, ignore_index=True) if parts else \
        reward_history(ledger, catalog, terms.replace(tiers_unit="token"), **kw)  # type: ignore[arg-type]
    out = out.sort_values(["date", "account", "token"], kind="stable", ignore_index=True)
    each = [b.removeprefix(f"{terms.rule_basis} (").removesuffix(")") for b in bases]
    out.attrs["rule_basis"] = f"{terms.rule_basis} ({'; '.join(each)})" if each else \
        terms.rule_basis
    return out


def _needed(grid: DayGrid, n_tokens: int, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``(n_tokens, n_days)``: the days some key of each token accrues."""
    needed = np.zeros((n_tokens, grid.n_days + 1), dtype=np.int64)
    np.add.at(needed, (grid.key_token, first), 1)  # +1 where a key starts, -1 where it ends
    np.add.at(needed, (grid.key_token, np.maximum(stop, first)), -1)
    return np.cumsum(needed, axis=1)[:, :-1] > 0


def _days(ledger: pd.DataFrame, start: object, end: object) -> tuple[pd.Timestamp, int]:
    """First day and number of days of a history (default: the ledger's range)."""
    if (start is None or end is None) and len(ledger) == 0:
        raise ParameterError("is needed for an empty ledger", param="start" if start is None
                             else "end")
    if start is None:
        start = ledger["time"].min().floor("D")
    if end is None:
        end = ledger["time"].max().floor("D")
    s, e = _day_start(start, "start"), _day_start(end, "end")
    if e < s:
        raise ParameterError(f"{e.date()} is before the start {s.date()}", param="end")
    return s, int((e - s) // pd.Timedelta(days=1)) + 1


def _earning(ledger: pd.DataFrame, catalog: pd.DataFrame, compound: bool) -> pd.DataFrame:
    """The entries that count: the ``free`` wallet; reward credits left out when they are
    simulated; every token in the catalogue."""
    led = ledger
    if "wallet" in led:
        led = _where(led, led["wallet"] == "free")
    if compound and "kind" in led:
        led = _where(led, led["kind"] != "reward")
    missing = pd.Index(pd.unique(led["token"])).difference(catalog.index)
    if len(missing):
        raise ParameterError(f"has token(s) {list(missing)} that are not in the catalogue",
                             param="ledger")
    return led


def _where(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep``; ``frame`` itself (not a copy) when all are."""
    return frame if keep.all() else frame[keep]


def accrue(
    grid: DayGrid,
    terms: Terms,
    min_k: np.ndarray,
    cap_k: np.ndarray,
    apr_of_day: Callable[[int], np.ndarray],
    first: np.ndarray,
    stop: np.ndarray,
    *,
    compound: bool = True,
    progress: bool = False,
    spend_grid: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The day loop shared by every user of the rules: measure, rule, payout, compounding.

    Parameters
    ----------
    grid
        The balances on their day grid.
    min_k, cap_k
        Minimum and cap of each key (tokens).
    apr_of_day
        ``apr_of_day(d)`` → the APR of every key on grid day ``d`` (fraction per year).
    first, stop
        Each key accrues on grid days ``first <= d < stop``.
    spend_grid
        Write each day's measure over the grid's start balances of that day (no second
        copy; ``grid.start_balance`` then holds the measures).

    Returns
    -------
    tuple of numpy.ndarray
        Balance measure, eligible balance, APR and reward (tokens, truncated), each
        ``(n_days, n_keys)``, day-major.
    """
    n_days, nk = grid.n_days, grid.n_keys
    measure = DayMeasure(grid, Snapshot.of(terms))
    per_snapshot = terms.accrual == "per_snapshot"
    day_numbers = grid.start_day_number + np.arange(n_days)
    pay_day = payout_days(day_numbers, terms) - grid.start_day_number  # grid column of payout
    pay_off = terms.payout_time_s * 10**9

    # each day's row contiguous; the measure's linear part is spent by the day's eligible
    # balance (each day read before it is written), so no third (n_days, n_keys) array
    avg = grid.start_balance if spend_grid else np.empty((n_days, nk))
    elig = measure.spend_linear_part() if measure.linear else np.empty((n_days, nk))
    apr_used, reward = np.empty((n_days, nk)), np.empty((n_days, nk))
    credited = np.zeros(nk)  # rewards paid before the current day
    pending: dict[int, np.ndarray] = {}  # grid day -> rewards paid during that day
    for d in _day_steps(range(n_days), progress):
        credit = pending.pop(d, None)
        m, vals = measure.day(d, credited, credit, pay_off, per_snapshot=per_snapshot,
                              out=avg[d])
        apr_k = apr_of_day(d)
        idle = (d < first) | (d >= stop)
        for b in _blocks(nk):  # the rule block by block: its temporaries stay in cache
            el, r, a = _rule(terms, m[b], None if vals is None else vals[b], min_k[b],
                             cap_k[b], apr_k[b])
            r[idle[b]] = 0.0
            elig[d, b], reward[d, b], apr_used[d, b] = el, r, a
        if compound:
            p = int(pay_day[d])
            if p < n_days:
                pending[p] = pending[p] + reward[d] if p in pending else reward[d]
        if credit is not None:
            credited = credited + credit
    return avg, elig, apr_used, reward


def _blocks(n: int) -> list[slice]:
    """Slices of ``range(n)`` of at most :data:`_BLOCK` items (at least one slice)."""
    return [slice(i, i + _BLOCK) for i in range(0, max(n, 1), _BLOCK)]


def _rule(terms: Terms, m: np.ndarray, vals: np.ndarray | None, min_k: np.ndarray,
          cap_k: np.ndarray, apr_k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eligible balance, reward and APR paid of some keys on one day, from the day's
    measure ``m`` or, accruing per snapshot, the values at each snapshot ``vals``."""
    if vals is not None:
        e_s = eligible(vals, min_k[:, None], cap_k[:, None])
        el = e_s.mean(axis=1)
        g = gross(e_s, apr_k[:, None], terms.tiers, terms.days_per_year).mean(axis=1)
    else:
        el = eligible(m, min_k, cap_k)
        g = gross(el, apr_k, terms.tiers, terms.days_per_year)
    r = truncate(g * (1.0 - terms.fee), terms.precision)
    if terms.tiers is not None:  # the history shows the rate the tiers paid
        apr_k = rate_paid(g, el, apr_k, terms.tiers, terms.days_per_year)
    return el, r, apr_k


def _day_steps(days: range, progress: bool) -> Iterable[int]:
    """The days, with a progress bar when asked and tqdm is installed."""
    if progress:
        try:
            from tqdm.auto import tqdm
        except ModuleNotFoundError:  # a core install has no progress bars (extra "report")
            return days
        return tqdm(days, desc="days", unit="day")
    return days


def _code_dtype(n: int) -> type:
    """The integer type pandas keeps a categorical's codes in for ``n`` categories."""
    for t in (np.int8, np.int16, np.int32):
        if n < np.iinfo(t).max:
            return t
    return np.int64


def _frame(grid: DayGrid, tokens: pd.Index, first: np.ndarray, stop: np.ndarray,
           values: tuple[np.ndarray, ...], paid_ns: np.ndarray) -> pd.DataFrame:
    """The history frame from ``values`` = (avg, eligible, apr, reward), each (n_days,
    n_keys); the arrays become the columns as they are (not copied)."""
    n_days, nk = values[0].shape
    day_idx = np.arange(n_days)
    day_ns = (grid.start_day_number + day_idx) * DAY_NS
    accounts = grid.accounts  # the ledger's own labels where it had them (checked unique)
    acc_codes = grid.key_account.astype(_code_dtype(len(accounts)))
    tok_codes = grid.key_token.astype(_code_dtype(len(tokens)))
    cols = [v.reshape(-1) for v in values]
    if (first <= 0).all() and (stop >= n_days).all():  # every day accrues: whole arrays
        date = np.repeat(day_ns, nk)
        paid = np.repeat(paid_ns, nk)
        acc, tok = np.tile(acc_codes, n_days), np.tile(tok_codes, n_days)
    else:
        accruing = (day_idx[:, None] >= first[None, :]) & (day_idx[:, None] < stop[None, :])
        sel = np.flatnonzero(accruing.ravel())
        d, k = np.divmod(sel, nk)
        date, paid, acc, tok = day_ns[d], paid_ns[d], acc_codes[k], tok_codes[k]
        cols = [c[sel] for c in cols]
    # codes valid by construction (indices into the grid's labels): not checked again
    return pd.DataFrame({
        "date": date.view("datetime64[ns]"),
        "account": pd.Categorical.from_codes(acc, dtype=pd.CategoricalDtype(accounts),
                                             validate=False),
        "token": pd.Categorical.from_codes(tok, dtype=pd.CategoricalDtype(tokens),
                                           validate=False),
        **dict(zip(["avg_balance", "eligible_balance", "apr", "reward"], cols, strict=True)),
        "paid_at": pd.array(paid, dtype=pd.DatetimeTZDtype("ns", "UTC"), copy=False),
    }, copy=False)
