"""The daily steps of SPEC §5, one function each, over a :class:`~.state.State` in place.

Every step works on all Monte Carlo paths at once (arrays ``(paths,)``); the loop is over
days only, since each day depends on the last. The steps draw no random numbers and
allocate little: the withdrawal rates and APRs of every day are given, and the arithmetic
is in place in the order below (the order fixes the numbers to the last bit).

The FIFO queue is two cumulative sums per path, requested ``R`` and paid ``P``: the request
of day ``s`` is paid in full on the first day ``P >= R(s)``, so partial payments need no
per-request bookkeeping.

Each day (:func:`step`), in this order:

1. :func:`arrive`: unbonded amounts due today arrive in the liquid buffer ``L``;
2. :func:`pay_queued`: the queue is paid from ``L``, oldest first (partial payment allowed);
3. :func:`request`: new requests ``W = w_t * U``; ``U -= W``; :func:`pay_queue` pays them
   from ``L``; the rest joins the queue;
4. :func:`deposit` (optional): deposits add to ``U`` and ``L``;
5. :func:`rebalance`: toward ``target = buffer_ratio * U + queued``: if
   ``L + unbonding < target`` unbond the difference from ``B`` (optionally capped per day),
   arriving by the chain's rule; an amount that arrives the same day (rule ``none``) goes
   into ``L`` at once and the queue is paid again; :func:`restake` (optional): the excess
   of ``L`` over the target goes back to ``B``;
6. :func:`reward` (optional): the bonded stake earns the network APR, paid into ``L``; user
   balances grow by the user APR;

then :func:`track` updates the running metrics and :func:`record` keeps the day's state.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .params import StressParams
from .state import State
from .unbonding import Unbonding

__all__ = ["arrive", "pay_queue", "pay_queued", "request", "deposit", "rebalance",
           "restake", "reward", "track", "record", "step"]


def arrive(s: State, t: int) -> None:
    """Step 1: the amounts due on day ``t`` move from the pipeline into ``L``."""
    a = s.arrivals[t % len(s.arrivals)]
    s.liq += a
    s.inflight -= a
    a[:] = 0.0  # the slot of day t + slots


def pay_queue(s: State) -> None:
    """Pay the queue from ``L``, oldest first, on every path.

    Paying a queue in full sets the paid total to the requested total exactly.
    """
    np.subtract(s.req_cum, s.paid_cum, out=s.queued)
    np.greater_equal(s.liq, s.queued, out=s.full)
    pay = np.minimum(s.liq, s.queued, out=s.tmp)  # = queued where paid in full, else liq
    np.subtract(s.liq, pay, out=s.liq)
    np.add(s.paid_cum, pay, out=s.paid_cum)
    np.copyto(s.paid_cum, s.req_cum, where=s.full)


def pay_queued(s: State) -> None:
    """:func:`pay_queue` on the paths whose requests are not all paid (the others would
    pay exactly nothing)."""
    ix = np.flatnonzero(np.not_equal(s.req_cum, s.paid_cum, out=s.full))
    if ix.size:
        lq, rq, pc = s.liq[ix], s.req_cum[ix], s.paid_cum[ix]
        qd = rq - pc
        done = lq >= qd
        pay = np.where(done, qd, lq)
        s.liq[ix] = lq - pay
        s.paid_cum[ix] = np.where(done, rq, pc + pay)


def request(s: State, rate: NDArray[np.float64]) -> None:
    """Step 3: the day's requests ``W = rate * U`` leave the user balances and join the
    queue (``rate`` is the day's withdrawal share of every path)."""
    np.multiply(rate, s.u, out=s.w)
    s.u -= s.w
    s.req_cum += s.w


def deposit(s: State, rate: float) -> None:
    """Step 4: deposits ``rate * U`` add to ``U`` and ``L`` (nothing when ``rate`` is 0)."""
    if rate:
        dep = rate * s.u
        s.u += dep
        s.liq += dep
        s.dep_cum += dep


def rebalance(s: State, t: int, rule: Unbonding, ratio: float | NDArray[np.float64],
              cap: float | None) -> None:
    """Step 5: unbond what the buffer lacks of its target, at most ``cap`` tokens a day.

    The target is ``ratio * U + queued``; the amount unbonded is clipped to ``[0, B]``
    (and to ``cap``). It arrives by ``rule``; with rule ``none`` at once, and the queue is
    paid again.
    """
    np.subtract(s.req_cum, s.paid_cum, out=s.queued)
    unbond = np.multiply(ratio, s.u, out=s.tmp)  # target = ratio * u + queued
    unbond += s.queued
    unbond -= s.liq
    unbond -= s.inflight
    np.maximum(unbond, 0.0, out=unbond)  # clipped to [0, bonded]
    np.minimum(unbond, s.bonded, out=unbond)
    if cap is not None:
        np.minimum(unbond, cap, out=unbond)
    s.bonded -= unbond
    if rule.kind == "none":
        s.liq += unbond
        pay_queued(s)
    else:
        s.arrivals[rule.arrival(t) % len(s.arrivals)] += unbond
        s.inflight += unbond


def restake(s: State, ratio: float | NDArray[np.float64]) -> None:
    """Step 5 (optional): liquid balance above the target goes back to the bonded stake."""
    excess = np.maximum(s.liq - (ratio * s.u + (s.req_cum - s.paid_cum)), 0.0)
    s.liq -= excess
    s.bonded += excess


def reward(s: State, network_apr: NDArray[np.float64] | None,
           user_apr: NDArray[np.float64] | None, days_per_year: float) -> None:
    """Step 6: ``B * network_apr / days_per_year`` is paid into ``L``; ``U`` grows by
    ``user_apr / days_per_year`` (the day's APRs of every path; None: none)."""
    if network_apr is not None:
        r = s.bonded * network_apr / days_per_year
        s.liq += r
        s.rew_cum += r
    if user_apr is not None:
        s.u *= 1 + user_apr / days_per_year


def track(s: State, t: int) -> None:
    """The running metrics at the end of day ``t``.

    They change on the paths with a queue only (elsewhere they would add zeros); the paths
    whose queue emptied today end it. The FIFO heads (the longest delay) are moved only when
    ``s.heads`` (nothing else reads them).
    """
    np.subtract(s.req_cum, s.paid_cum, out=s.queued)
    np.greater(s.queued, s.eps, out=s.has_queue)
    idx = np.flatnonzero(s.has_queue)
    emptied = s.queued_idx[~s.has_queue[s.queued_idx]]
    s.last_empty[emptied] = t
    if t <= 30:
        s.outflow_30 += s.w
    if idx.size:
        q = s.queued[idx]
        # FIFO: today's request is the newest in the queue, so its unpaid part is min(w, q)
        s.delayed[idx] += np.minimum(s.w[idx], q)
        s.unit_days[idx] += q  # each unit waiting at a day's end adds one day to its delay
        s.max_queue[idx] = np.maximum(s.max_queue[idx], q)
        s.days_q[idx] += 1
        fq = s.first_q[idx]
        s.first_q[idx] = np.where(fq == 0, t, fq)
        if s.heads:
            _advance_heads(s, t, idx)
    s.had_q, s.has_queue = s.has_queue, s.had_q
    s.queued_idx = idx


def _advance_heads(s: State, t: int, idx: NDArray[np.int64]) -> None:
    """Move the FIFO heads of the queued paths ``idx`` past the requests paid in full.

    The oldest request still unpaid at the day's end will be paid on day ``t + 1`` at the
    earliest, so the largest delay is at least ``t + 1 - head``. A queue that formed today
    starts at today's request.
    """
    hd = np.where(s.had_q[idx], s.head[idx], t)
    s.req_hist[idx, t] = s.req_cum[idx]
    covered = s.paid_cum[idx] + s.eps
    ix, at = idx, np.arange(idx.size)
    while at.size:
        adv = s.req_hist[ix, hd[at]] <= covered[at]
        at, ix = at[adv], ix[adv]
        hd[at] += 1
    s.head[idx] = hd
    s.max_delay[idx] = np.maximum(s.max_delay[idx], t + 1 - hd)


def record(s: State, t: int, paid_before: NDArray[np.float64]) -> None:
    """Keep the state at the end of day ``t`` in ``s.out`` (``paid_before``: the paid total
    at the start of the day)."""
    o = s.out
    o["requested"][t - 1], o["paid"][t - 1] = s.w, s.paid_cum - paid_before
    o["queued"][t - 1], o["liquid"][t - 1] = s.queued, s.liq
    o["bonded"][t - 1], o["unbonding"][t - 1] = s.bonded, s.inflight
    o["user_balance"][t - 1] = s.u
    if "deposits" in o:
        o["deposits"][t - 1] = s.dep_cum
    if "rewards" in o:
        o["rewards"][t - 1] = s.rew_cum


def step(s: State, t: int, params: StressParams, rate: NDArray[np.float64],
         network_apr: NDArray[np.float64] | None,
         user_apr: NDArray[np.float64] | None) -> None:
    """Day ``t`` of every path: the steps 1 to 6 in order, the metrics, the record.

    Parameters
    ----------
    s
        The state at the end of day ``t - 1``, changed in place to that of day ``t``.
    t
        The day, 1-based.
    params
        The scenario (unbonding rule, cap, deposit rate, restake, year; the buffer ratio is
        the state's, ``s.ratio``, the scenario's unless the run set one per path).
    rate
        The day's withdrawal share of every path, in [0, 1].
    network_apr, user_apr
        The day's APRs of every path (fractions per year), or None for none.
    """
    paid_before = s.paid_cum.copy() if s.out else None
    arrive(s, t)
    pay_queued(s)
    request(s, rate)
    pay_queue(s)
    deposit(s, params.deposit_rate)
    rebalance(s, t, params.unbonding, s.ratio, params.max_unbond_per_day)
    if params.restake:
        restake(s, s.ratio)
    reward(s, network_apr, user_apr, params.days_per_year)
    track(s, t)
    if paid_before is not None:
        record(s, t, paid_before)
