"""A plain, per-path reading of SPEC §5, written independently of softstake_model.liquidity.

One path at a time, Python floats, a deque of (request day, amount left) for the FIFO queue
and a dict of arrivals. Used by the tests as an independent check and by the benchmark as
the baseline.
"""

from __future__ import annotations

import math
from collections import deque


def arrival_day(rule: str, t: int) -> int:
    if rule == "none" or rule == "fixed:0":
        return t
    kind, _, rest = rule.partition(":")
    if kind == "fixed":
        return t + int(rest)
    period, _, phase = rest.partition("@")
    p, ph = int(period), int(phase or 0)
    d = t + 1
    while (d - ph) % p:
        d += 1
    return d


def run_path(total, buffer, rule, rates, max_unbond=None, restake=False, deposit_rate=0.0,
             network_apr=0.0, user_apr=0.0):
    """Simulate one path; returns (daily rows, metrics dict)."""
    u, liq = total, buffer * total
    bonded = total - liq
    arrivals: dict[int, float] = {}
    inflight = 0.0
    queue: deque = deque()  # [request day, amount left]
    requested = paid = deposits = rewards = 0.0
    delayed = 0.0
    unit_days = 0.0
    max_delay = 0
    days_with_queue = 0
    first_queue = None
    last_emptied = None
    rows = []
    eps = 1e-9 * total

    def pay(liq, day_paid_today):
        nonlocal paid, max_delay
        while queue and (liq > 0 or queue[0][1] <= eps):  # dust counts as paid
            req = queue[0]
            x = min(liq, req[1])
            req[1] -= x
            liq -= x
            paid += x
            day_paid_today += x
            if req[1] <= eps:
                paid += req[1]  # float dust of the request counts as paid
                day_paid_today += req[1]
                liq -= req[1]
                max_delay = max(max_delay, t - req[0])
                queue.popleft()
        return liq, day_paid_today

    had_queue = False
    for t in range(1, len(rates) + 1):
        paid_today = 0.0
        a = arrivals.pop(t, 0.0)
        liq += a
        inflight -= a
        liq, paid_today = pay(liq, paid_today)
        w = rates[t - 1] * u
        u -= w
        requested += w
        if w > 0:
            queue.append([t, w])
        before = sum(r[1] for r in queue if r[0] == t)
        liq, paid_today = pay(liq, paid_today)
        after = sum(r[1] for r in queue if r[0] == t)
        if deposit_rate:
            d = deposit_rate * u
            u += d
            liq += d
            deposits += d
        queued = sum(r[1] for r in queue)
        target = buffer * u + queued
        need = max(0.0, min(target - liq - inflight, bonded))
        if max_unbond is not None:
            need = min(need, max_unbond)
        bonded -= need
        arr = arrival_day(rule, t)
        if arr == t:
            liq += need
            liq, paid_today = pay(liq, paid_today)
            after = sum(r[1] for r in queue if r[0] == t)
        else:
            arrivals[arr] = arrivals.get(arr, 0.0) + need
            inflight += need
        delayed += after
        del before
        queued = sum(r[1] for r in queue)
        if restake and liq > buffer * u + queued:
            x = liq - (buffer * u + queued)
            liq -= x
            bonded += x
        if network_apr:
            r = bonded * network_apr / 365
            liq += r
            rewards += r
        if user_apr:
            u *= 1 + user_apr / 365
        if queued > eps:
            days_with_queue += 1
            unit_days += queued
            if first_queue is None:
                first_queue = t
            had_queue = True
        elif had_queue:
            last_emptied = t
            had_queue = False
        rows.append({"day": t, "requested": w, "paid": paid_today, "queued": queued,
                     "liquid": liq, "bonded": bonded, "unbonding": inflight,
                     "user_balance": u, "deposits": deposits, "rewards": rewards})
    h = len(rates)
    for req in queue:  # unpaid at the horizon: days waited so far
        max_delay = max(max_delay, h + 1 - req[0])
    if first_queue is None:
        to_clear = 0
    elif had_queue:
        to_clear = math.nan
    else:
        to_clear = last_emptied - first_queue
    metrics = {
        "requested": requested, "paid": paid,
        "max_queue": max((r["queued"] for r in rows if r["queued"] > eps), default=0.0),
        "delayed_amount": delayed if delayed > eps else 0.0,
        "delayed_share": delayed / requested if requested > 0 and delayed > eps else 0.0,
        "max_delay_days": max_delay,
        "mean_delay_days": unit_days / requested if requested > 0 else 0.0,
        "days_with_queue": days_with_queue, "days_to_clear": to_clear,
    }
    return rows, metrics
