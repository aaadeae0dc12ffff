"""The state of a stress run: every array the daily steps read and write, shape ``(paths,)``.

:class:`State` holds the balances, the unbonding pipeline, the FIFO queue (two cumulative
sums per path), the running metrics and the day's work buffers. It is made once per run by
:meth:`State.start` and then changed in place by the steps of :mod:`.kernel`; nothing else
writes to it. Amounts are in tokens, days are whole days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..checks import work
from .params import StressParams

__all__ = ["State", "EPS_REL", "BYTES_PER_CELL", "DAILY_BYTES_PER_CELL", "check_memory",
           "DAILY_STATE"]

#: Amounts below this share of the total are float dust, not a queue or a delay.
EPS_REL = 1e-9
#: Memory a stress run holds per (day, path) cell, bytes: the rates, the FIFO history and
#: the paths' work arrays (an estimate, checked before anything is allocated). Measured
#: peaks for ``softstake stress --paths 20000`` (180 days): 64 to 100 bytes a cell, the
#: lower figure in a process started after Dask's tests in the same session (cause not
#: found), so the estimate sits between them.
BYTES_PER_CELL = 10 * 8
#: Memory the daily state adds per cell, bytes: its 7 to 9 arrays ``(days, paths)``, the
#: tidy table :meth:`~.result.StressResult.daily` makes of them (9 columns) and the CSV
#: writer's work (measured with ``--daily-out``: 173 to 214 bytes a cell in all).
DAILY_BYTES_PER_CELL = 14 * 8
#: The daily state kept with ``daily=True`` (plus ``deposits`` and ``rewards`` when they move).
DAILY_STATE = ("requested", "paid", "queued", "liquid", "bonded", "unbonding", "user_balance")

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]


def check_memory(days: int, paths: int, daily: bool = False) -> None:
    """Refuse a run of ``days x paths`` whose arrays would not fit the memory limit
    (:data:`BYTES_PER_CELL` a cell, and :data:`DAILY_BYTES_PER_CELL` more with the daily
    state).

    Raises
    ------
    ParameterError
        ``param="paths"``, from :func:`~softstake_model.checks.work`.
    """
    per = BYTES_PER_CELL + (DAILY_BYTES_PER_CELL if daily else 0)
    work(days * paths * per, "paths", f"{days:,} days x {paths:,} paths"
         + (" with the daily state" if daily else ""))


@dataclass(eq=False)
class State:
    """Every array of a run (``(paths,)`` unless stated), changed in place day by day.

    Attributes
    ----------
    u, liq, bonded, inflight
        User balances, liquid buffer, bonded stake, amount unbonding, tokens.
    arrivals
        ``(slots, paths)``: amounts arriving on day ``d`` in row ``d % slots``, a ring over
        the longest wait.
    req_cum, paid_cum
        Requested and paid so far, tokens: the FIFO queue is their difference.
    req_hist
        ``(paths, days + 1)``: ``req_cum`` at the end of day ``s``, written on the days a path
        ends with a queue (the only days its FIFO head can point to; other entries are never
        read, and their memory is never touched).
    head
        Oldest request day not yet paid in full (where queued).
    max_delay, delayed, unit_days, max_queue
        Running metrics: largest delay (days; unpaid: days so far), amount delayed, queued
        token-days, largest end-of-day queue.
    days_q, first_q, last_empty
        Days ending with a queue, the first such day, the day a queue was last emptied.
    had_q, queued_idx
        A queue at the end of the day before, and the paths that had it.
    dep_cum, rew_cum, outflow_30
        Deposits and rewards so far; amount requested in the first 30 days, tokens.
    w, queued, tmp, full, has_queue
        The day's buffers: requests, queue, a scratch array, two masks.
    out
        With ``daily``: the state of every day, arrays ``(days, paths)`` by name; else empty.
    eps
        Dust threshold, tokens (``EPS_REL`` of the total).
    ratio
        The buffer ratio of every path: the scenario's (a float), or one per path (the
        buffer search runs several ratios side by side, :mod:`.search`).
    heads
        Whether the FIFO heads, and so ``max_delay``, are kept (the buffer search for "no
        delay at all" reads only ``delayed``; ``max_delay`` then stays 0).
    """

    u: Floats
    liq: Floats
    bonded: Floats
    inflight: Floats
    arrivals: Floats
    req_cum: Floats
    paid_cum: Floats
    req_hist: Floats
    head: Ints
    max_delay: Floats
    dep_cum: Floats
    rew_cum: Floats
    delayed: Floats
    unit_days: Floats
    max_queue: Floats
    days_q: Ints
    first_q: Ints
    last_empty: Ints
    had_q: Flags
    queued_idx: Ints
    outflow_30: Floats
    w: Floats
    queued: Floats
    tmp: Floats
    full: Flags
    has_queue: Flags
    eps: float
    out: dict[str, Floats] = field(default_factory=dict)
    ratio: float | Floats = 0.0
    heads: bool = True

    @classmethod
    def start(cls, params: StressParams, days: int, paths: int, daily: bool,
              rewards: bool, ratio: Floats | None = None) -> State:
        """The state at the start of day 1.

        Parameters
        ----------
        params
            The scenario: total, buffer ratio, unbonding rule, deposit rate.
        days, paths
            Horizon and number of paths.
        daily
            Keep the state of every day (:data:`DAILY_STATE`, plus ``deposits`` with a
            deposit rate and ``rewards`` with rewards).
        rewards
            Whether the bonded stake earns rewards (a ``rewards`` record is kept).
        ratio
            A buffer ratio per path instead of the scenario's (the same arithmetic path by
            path, so each path's numbers are those of a run at its ratio).

        Returns
        -------
        State
            Buffer ``buffer_ratio * total`` liquid, the rest bonded, nothing queued.
        """
        n, h = paths, days
        r = params.buffer_ratio if ratio is None else ratio
        liq = np.full(n, params.buffer_ratio * params.total) if ratio is None else \
            np.asarray(ratio, dtype=np.float64) * params.total
        names = list(DAILY_STATE)
        if params.deposit_rate:
            names.append("deposits")
        if rewards:
            names.append("rewards")
        return cls(
            u=np.full(n, params.total, dtype=np.float64), liq=liq, bonded=params.total - liq,
            inflight=np.zeros(n), arrivals=np.zeros((params.unbonding.longest + 1, n)),
            req_cum=np.zeros(n), paid_cum=np.zeros(n), req_hist=np.empty((n, h + 1)),
            head=np.ones(n, dtype=np.int64), max_delay=np.zeros(n),
            dep_cum=np.zeros(n), rew_cum=np.zeros(n),
            delayed=np.zeros(n), unit_days=np.zeros(n), max_queue=np.zeros(n),
            days_q=np.zeros(n, dtype=np.int64), first_q=np.zeros(n, dtype=np.int64),
            last_empty=np.zeros(n, dtype=np.int64), had_q=np.zeros(n, dtype=bool),
            queued_idx=np.zeros(0, dtype=np.int64), outflow_30=np.zeros(n),
            w=np.empty(n), queued=np.zeros(n), tmp=np.empty(n),
            full=np.empty(n, dtype=bool), has_queue=np.zeros(n, dtype=bool),
            eps=EPS_REL * params.total,
            out={k: np.zeros((h, n)) for k in names} if daily else {}, ratio=r,
        )
