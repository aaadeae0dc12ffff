"""Daily balance measures (SPEC §2 snapshot methods), for all accounts and tokens at once.

A ledger is laid on a grid of UTC days (:class:`DayGrid`): one row per account/token
("key"), one column per day. The balance just before each day starts is a cumulative sum
over the grid; what happens inside a day is kept as the day's changes with their offsets.

Four of the five methods are linear in the balance path, so a change ``c`` at offset ``o``
in the day adds ``c * w(o)`` to the day's measure, ``w(o)`` being the share of the
measure taken at or after ``o``:

* ``time_weighted`` — ``w(o) = (86400 s - o) / 86400 s``;
* ``hourly`` / ``hourly_random`` / ``fixed`` — the share of snapshot instants ``>= o``.

``hourly_min_open`` (mean over hours of ``min(b(HH:00), b(00:00))``) is not linear and is
computed from the balances at the 24 snapshot instants.

Balances are right-continuous: a change at instant t counts in a snapshot taken at t.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .checks import array_finite, work
from .errors import ParameterError
from .tables import parse_date
from .terms import SNAPSHOT_METHODS, Terms

__all__ = ["DAY_NS", "Snapshot", "DayGrid", "DayMeasure", "daily_balances"]

DAY_NS = 86_400 * 10**9
HOUR_NS = 3_600 * 10**9
# memory a grid and the engine's day loop hold per (day, key) cell, bytes: the start
# balances, the linear part, the engine's other day arrays and the rule's temporaries (an
# estimate checked before allocating; the reward history's own is rewards.history_memory)
_GRID_BYTES = 6 * 8
# changes handled at once by the grid's passes over the ledger (small enough that numpy's
# temporaries are reused from the heap, not fresh pages)
_CHUNK = 1 << 20


def _chunks(n: int) -> Iterator[slice]:
    """Consecutive slices of ``range(n)`` of at most :data:`_CHUNK` items."""
    return (slice(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK))


def _add_at(out: NDArray[np.float64], index: NDArray, values: NDArray[np.float64]) -> None:
    """``out[index] += values`` one value after another, in order (what ``np.bincount``'s
    weighted sums do, so the same sums to the last bit), into memory already touched."""
    np.add.at(out, index, values)


@dataclass(frozen=True)
class Snapshot:
    """How a day's balance is measured.

    Attributes
    ----------
    method
        One of ``time_weighted``, ``hourly``, ``hourly_random``, ``fixed``, ``hourly_min_open``.
    fixed_time_s
        Time of day of the ``fixed`` snapshot, seconds after 00:00 UTC.
    seed
        Seed of ``hourly_random``: the instants of calendar day ``n`` (days since
        1970-01-01) come from ``numpy.random.default_rng([seed, n])``, the same for every
        account, and independent of the date range asked for.
    """

    method: str = "time_weighted"
    fixed_time_s: int = 8 * 3600
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in SNAPSHOT_METHODS:
            raise ParameterError(
                f"is not one of {', '.join(SNAPSHOT_METHODS)}: '{self.method}'",
                param="snapshot")

    @classmethod
    def of(cls, terms: Terms) -> Snapshot:
        """The snapshot method of a product's terms."""
        return cls(terms.snapshot, terms.fixed_time_s, terms.seed)

    @property
    def linear(self) -> bool:
        """Whether the measure is a weighted mean of the balance path."""
        return self.method != "hourly_min_open"

    def instants(self, day_number: int) -> NDArray[np.int64] | None:
        """Snapshot offsets (ns after 00:00) on calendar day ``day_number``; None if continuous."""
        if self.method == "time_weighted":
            return None
        if self.method == "fixed":
            return np.array([self.fixed_time_s * 10**9], dtype=np.int64)
        hours = np.arange(24, dtype=np.int64) * HOUR_NS
        if self.method == "hourly_random":
            u = np.random.default_rng([self.seed, int(day_number)]).random(24)
            return hours + np.floor(u * HOUR_NS).astype(np.int64)
        return hours

    def weight_after(self, offset_ns: NDArray[np.int64], day_number: int) -> NDArray[np.float64]:
        """Share of the day's measure taken at or after each offset (linear methods)."""
        s = self.instants(day_number)
        if s is None:
            return (DAY_NS - offset_ns) / DAY_NS
        return (len(s) - np.searchsorted(s, offset_ns, side="left")) / len(s)


def _sum_by(index: NDArray[np.int64], weights: NDArray[np.float64], n: int) -> NDArray:
    """Sums of ``weights`` per ``index`` in ``0..n-1`` (float64 even when empty)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)


def _zeros(shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Zeros written in order (touched page by page, then summed into at random)."""
    out = np.empty(shape)
    out.fill(0.0)
    return out


def _codes(column: pd.Series) -> tuple[NDArray[np.integer], pd.Index]:
    """Integer codes and their labels, labels sorted (a categorical's codes used as they are,
    not copied); a missing value is refused."""
    cat = column.dtype
    if isinstance(cat, pd.CategoricalDtype) and cat.categories.is_monotonic_increasing:
        codes, labels = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, labels = pd.factorize(column, sort=True)
    if len(codes) and codes.min() < 0:
        raise ParameterError(f"has a missing '{column.name}' in row "
                             f"{int(np.argmax(codes < 0)) + 1:,}", param="ledger")
    return codes, labels if isinstance(labels, pd.Index) else pd.Index(labels)


def _keys(acc: NDArray[np.integer], n_acc: int, tok: NDArray[np.integer], n_tok: int
          ) -> tuple[NDArray[np.integer], NDArray[np.int64]]:
    """Account-token key of each change and the keys' ``account * n_tok + token`` codes
    (sorted): the pairs present, numbered in order."""
    n = n_acc * n_tok

    def pair(sl: slice) -> NDArray[np.integer]:
        return acc[sl].astype(np.int64) * n_tok + tok[sl] if n_tok > 1 else acc[sl]

    if n > 4 * len(acc) + 1_000_000:  # sparse pairs: hashing beats counting
        codes, uniq = pd.factorize(pair(slice(None)), sort=True)
        return codes, np.asarray(uniq, dtype=np.int64)
    present = np.zeros(n, dtype=bool)
    for sl in _chunks(len(acc)):
        present[pair(sl)] = True
    if present.all() and n_tok == 1:
        return acc, np.arange(n, dtype=np.int64)
    rank = (np.cumsum(present) - 1).astype(np.int32 if n < 2**31 else np.int64)
    key = np.empty(len(acc), dtype=rank.dtype)
    for sl in _chunks(len(acc)):
        key[sl] = rank[pair(sl)]
    return key, np.flatnonzero(present)


def _start_balances(daily: NDArray[np.float64], opening: NDArray[np.float64]
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Balances before each day from the days' sums, in place over ``daily``; and the end.

    Row ``d`` becomes ``opening + daily[0] + ... + daily[d - 1]``, summed in that order.
    """
    run = opening.copy()
    for row in daily:
        nxt = run + row
        row[:] = run
        run = nxt
    return daily, run


def _day_start(value: object, name: str) -> pd.Timestamp:
    """00:00 UTC of a date argument (:func:`softstake_model.tables.parse_date`)."""
    return parse_date(value, name).tz_localize("UTC").as_unit("ns")


class DayGrid:
    """A ledger laid on the UTC days ``start .. start + n_days - 1``.

    The grid keeps the ledger's own arrays (times, codes, changes; not copied) and passes
    over them in chunks: the sums per (day, key) cell are added one change after another in
    the ledger's order, so every cell's sum is the same to the last bit however the ledger
    is chunked.

    Parameters
    ----------
    ledger
        Normalised ledger (:mod:`softstake_model.ledger`), only the changes that count
        (e.g. the free wallet). Columns used: ``time``, ``account``, ``token``, ``change``;
        ``account`` and ``token`` may be str or categorical.
    start
        First day (a date, UTC).
    n_days
        Number of days.
    memory
        ``memory(cells)``: the bytes the caller's work needs for a grid of ``cells`` (day,
        key) cells, checked (:func:`softstake_model.checks.work`) before anything of that
        size is allocated; default the grid's and the day loop's own.

    Attributes
    ----------
    accounts, tokens
        Sorted labels; ``key_account`` / ``key_token`` index them for each key.
    start_balance
        ``(n_days, n_keys)`` balance just before each day's 00:00 (tokens); day-major, so
        that a day's row is contiguous for the engine's day loop.
    """

    def __init__(self, ledger: pd.DataFrame, start: object, n_days: int, *,
                 memory: Callable[[int], float] | None = None) -> None:
        if n_days < 1:
            raise ParameterError(f"must be >= 1 (the date range is empty), got {n_days}",
                                 param="n_days")
        self.start = _day_start(start, "start")
        self.n_days = n_days
        for col in ("time", "account", "token", "change"):
            if col not in ledger:
                raise ParameterError(f"needs a '{col}' column (time, account, token, change); "
                                     f"it has {list(ledger.columns)}", param="ledger")
        if not isinstance(ledger["time"].dtype, pd.DatetimeTZDtype):
            raise ParameterError("'time' must be zone-aware datetimes (UTC), got "
                                 f"{ledger['time'].dtype}", param="ledger")
        changes = pd.to_numeric(ledger["change"], errors="coerce").to_numpy(dtype=np.float64)
        array_finite(changes, "ledger")
        self.start_day_number = int(self.start.value // DAY_NS)
        acc, self.accounts = _codes(ledger["account"])
        tok, self.tokens = _codes(ledger["token"])
        n_tok = max(len(self.tokens), 1)
        key, uniq = _keys(acc, len(self.accounts), tok, n_tok)
        self.key_account = (uniq // n_tok).astype(np.int64)
        self.key_token = (uniq % n_tok).astype(np.int64)
        self.n_keys = nk = len(uniq)
        cells = n_days * max(nk, 1)
        work(memory(cells) if memory else cells * _GRID_BYTES, "end",
             f"{n_days:,} days x {nk:,} account-token pairs")
        self._time = ledger["time"].array  # in its own unit: made ns chunk by chunk
        self._key, self._change = key, changes
        self._by_day: tuple[NDArray, ...] | None = None

        opening, daily = np.zeros(nk), _zeros((n_days, nk))
        cells = daily.reshape(-1)
        for rel, day, k, c in self._passes():
            before = day < 0
            if before.any():
                _add_at(opening, k[before], c[before])
                inside = ~before
                inside &= day < n_days
                rel, day, k, c = rel[inside], day[inside], k[inside], c[inside]
            elif (day >= n_days).any():
                inside = day < n_days
                rel, day, k, c = rel[inside], day[inside], k[inside], c[inside]
            _add_at(cells, day * nk + k, c)
        self.start_balance, self._end_balance = _start_balances(daily, opening)
        self._check_balances()

    def _passes(self) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray,
                                        NDArray[np.float64]]]:
        """The ledger in chunks: ns after the grid's start, grid day, key and change."""
        for sl in _chunks(len(self._change)):
            rel = self._time[sl].as_unit("ns").asi8 - self.start.value
            yield rel, rel // DAY_NS, self._key[sl], self._change[sl]

    def _inside(self) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray,
                                        NDArray[np.float64]]]:
        """:meth:`_passes` of the changes inside the grid's days, offsets in their day."""
        for rel, day, k, c in self._passes():
            inside = day >= 0
            inside &= day < self.n_days
            if not inside.all():
                rel, day, k, c = rel[inside], day[inside], k[inside], c[inside]
            yield rel - day * DAY_NS, day, k, c

    def _days_sorted(self) -> tuple[NDArray, ...]:
        """The changes inside the grid sorted by day (stable): key, offset, change and each
        day's bounds (built once, for the sampled methods)."""
        if self._by_day is None:
            parts = list(zip(*self._inside(), strict=True)) or [[np.empty(0, np.int64)]] * 4
            off, d, k, c = (np.concatenate(p) for p in parts)
            if len(d) > 1 and (d[1:] < d[:-1]).any():
                order = np.argsort(d, kind="stable")
                d, k, off, c = d[order], k[order], off[order], c[order]
            self._by_day = (k.astype(np.int64), off, c.astype(np.float64),
                            np.searchsorted(d, np.arange(self.n_days + 1)))
        return self._by_day

    def _check_balances(self) -> None:
        """Refuse overflowing balances and negative ones (a missing opening balance)."""
        sb, end = self.start_balance, self._end_balance
        if not np.isfinite(end).all():
            raise ParameterError("balances overflow (changes of 1e308?)", param="ledger")
        low, high = end.copy(), np.abs(end)
        for row in sb:
            np.minimum(low, row, out=low)
            np.maximum(high, np.abs(row), out=high)
        neg = low < -1e-9 * np.maximum(1.0, high)
        if neg.any():
            j = int(np.flatnonzero(neg)[0])
            raise ParameterError(
                f"holds a negative balance ({low[j]:.12g} {self.tokens[self.key_token[j]]}) "
                f"for account '{self.accounts[self.key_account[j]]}'; an opening balance is "
                "probably missing", param="ledger")

    def day_number(self, d: int) -> int:
        """Calendar day number (days since 1970-01-01) of grid column ``d``."""
        return self.start_day_number + d

    def dates(self) -> pd.DatetimeIndex:
        """The grid's days as UTC midnights."""
        return pd.date_range(self.start, periods=self.n_days, freq="D")

    def linear_part(self, snap: Snapshot) -> NDArray[np.float64]:
        """``(n_days, n_keys)``: sum over each day's changes of ``change * w(offset)``."""
        nk, nd = self.n_keys, self.n_days
        out = _zeros((nd, nk))
        cells = out.reshape(-1)
        if snap.method == "time_weighted":
            for off, d, k, c in self._inside():
                _add_at(cells, d * nk + k, c * ((DAY_NS - off) / DAY_NS))
            return out
        k, off, c, bounds = self._days_sorted()
        for d in range(nd):
            sl = slice(bounds[d], bounds[d + 1])
            _add_at(cells, d * nk + k[sl], c[sl] * snap.weight_after(off[sl], self.day_number(d)))
        return out

    def within_day(self, d: int, instants: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(n_keys, K)``: sum of day ``d``'s changes at or before each snapshot instant."""
        n_inst = len(instants)
        k, off, c, bounds = self._days_sorted()
        sl = slice(bounds[d], bounds[d + 1])
        j = np.searchsorted(instants, off[sl], side="left")
        inc = _sum_by(k[sl] * (n_inst + 1) + j, c[sl],
                      self.n_keys * (n_inst + 1)).reshape(self.n_keys, n_inst + 1)
        return np.cumsum(inc, axis=1)[:, :n_inst]


class DayMeasure:
    """The day's balance measure of every key, with optional credits added on top.

    The reward engine calls :meth:`day` once per day, passing what earlier rewards have
    added to the balance (credited before the day, and credited during the day at an
    offset), so that compounding needs no second copy of the snapshot logic.
    """

    def __init__(self, grid: DayGrid, snap: Snapshot) -> None:
        self.grid, self.snap = grid, snap
        self._lin = grid.linear_part(snap) if snap.linear else None

    @property
    def linear(self) -> bool:
        """Whether the measure keeps a linear part (:meth:`DayGrid.linear_part`)."""
        return self._lin is not None

    def spend_linear_part(self) -> NDArray[np.float64]:
        """The ``(n_days, n_keys)`` linear part, for the caller to write each day's row over
        once that day is measured (a day's measure reads only its own row); later measures
        of a day already written over are wrong."""
        if self._lin is None:
            raise ValueError("a non-linear measure has no linear part")
        return self._lin

    def day(
        self,
        d: int,
        before: NDArray[np.float64] | float = 0.0,
        credit: NDArray[np.float64] | None = None,
        credit_offset_ns: int = 0,
        *,
        per_snapshot: bool = False,
        out: NDArray[np.float64] | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """Measure day ``d``.

        Parameters
        ----------
        d
            Grid column.
        before
            Per-key amount credited before the day starts (tokens).
        credit
            Per-key amount credited during the day at ``credit_offset_ns`` (tokens).
        per_snapshot
            Also return the per-snapshot values (sampled methods).
        out
            ``(n_keys,)`` array the measure is written into (it may be the grid's own
            ``start_balance[d]``, which is then spent); None: a new array.

        Returns
        -------
        measure
            ``(n_keys,)`` balance measure of the day (tokens).
        values
            ``(n_keys, K)`` value at each snapshot (balance, or for ``hourly_min_open``
            min(balance, opening balance)), when ``per_snapshot``; else None.
        """
        g, snap = self.grid, self.snap
        base = np.add(g.start_balance[d], before, out=out)
        if self._lin is not None and not per_snapshot:
            m = np.add(base, self._lin[d], out=base)
            if credit is not None:
                w = snap.weight_after(np.array([credit_offset_ns]), g.day_number(d))[0]
                m += credit * w
            return m, None
        inst = snap.instants(g.day_number(d))
        vals = base[:, None] + g.within_day(d, inst)
        if credit is not None:
            vals += credit[:, None] * (inst >= credit_offset_ns)[None, :]
        if snap.method == "hourly_min_open":
            vals = np.minimum(vals, vals[:, :1])
        return vals.mean(axis=1, out=out), (vals if per_snapshot else None)


def daily_balances(
    ledger: pd.DataFrame, start: object, end: object, snapshot: Snapshot | None = None
) -> pd.DataFrame:
    """The balance measure of every account/token and day, from the ledger alone.

    Parameters
    ----------
    ledger
        Normalised ledger; only ``wallet == 'free'`` rows count.
    start, end
        First and last day, inclusive (UTC dates).
    snapshot
        Measure; default time-weighted.

    Returns
    -------
    pandas.DataFrame
        ``date, account, token, avg_balance`` (tokens), one row per day and key, ordered
        by date, account, token.
    """
    snap = snapshot or Snapshot()
    s, e = _day_start(start, "start"), _day_start(end, "end")
    n_days = int((e - s) // pd.Timedelta(days=1)) + 1
    free = ledger[ledger["wallet"] == "free"] if "wallet" in ledger else ledger
    grid = DayGrid(free, s, n_days)
    meas = DayMeasure(grid, snap)
    values = np.stack([meas.day(d)[0] for d in range(n_days)]) if grid.n_keys else \
        np.empty((n_days, 0))
    d = np.repeat(np.arange(n_days), grid.n_keys)
    k = np.tile(np.arange(grid.n_keys), n_days)
    return pd.DataFrame(
        {
            "date": grid.dates().tz_localize(None)[d],
            "account": grid.accounts[grid.key_account[k]],
            "token": grid.tokens[grid.key_token[k]],
            "avg_balance": values.ravel(),
        }
    )
