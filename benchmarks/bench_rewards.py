"""Benchmark of the reward engine (issue 2), run on demand: ``make bench``.

1. A generated ledger of N accounts x 1 token x 30 days with M balance changes (default
   1,000,000 accounts and 10,000,000 changes): the engine's time from the frame in memory to
   the history, and its peak memory (peak RSS of the process during the call, measured in a
   child process after resetting the kernel's high-water mark).
2. On a sample of 10,000 of those accounts, the engine against a plain pandas baseline
   written the way an analyst would (group by account, step through the days), in the same
   run; both must give the same rewards to the last decimal.

Usage: python benchmarks/bench_rewards.py [--accounts N] [--changes M] [--sample K]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import measure

from softstake_model import Terms, load_catalog, reward_history

START, DAYS = pd.Timestamp("2025-12-01"), 30
DAY_S = 86400


def make_ledger(n_accounts: int, n_changes: int, seed: int = 1) -> pd.DataFrame:
    """Opening deposits the day before, then random deposits/withdrawals over 30 days.

    Withdrawals are at most 1/40 of the opening balance, so no balance goes negative with
    fewer than 40 changes (the largest count per account stays far below that).
    """
    rng = np.random.default_rng(seed)
    opening = np.round(rng.lognormal(3.0, 2.0, n_accounts) + 0.1, 8)
    n_moves = n_changes - n_accounts
    who = rng.integers(0, n_accounts, n_moves)
    amount = np.round(opening[who] * rng.uniform(-1 / 40, 1 / 10, n_moves), 8)
    secs = rng.integers(0, DAYS * DAY_S, n_moves)
    t0 = START.tz_localize("UTC") - pd.Timedelta(hours=12)
    times = np.concatenate([np.zeros(n_accounts, dtype=np.int64), secs + 12 * 3600])
    acc = np.concatenate([np.arange(n_accounts), who])
    chg = np.concatenate([opening, amount])
    order = np.argsort(times, kind="stable")
    labels = pd.Index([f"acct{i:08d}" for i in range(n_accounts)])
    return pd.DataFrame({
        "time": t0 + pd.to_timedelta(times[order], unit="s"),
        "account": pd.Categorical.from_codes(acc[order], categories=labels),
        "token": pd.Categorical.from_codes(np.zeros(len(order), dtype=np.int8),
                                           categories=["BNB"]),
        "change": chg[order],
        "wallet": "free",
        "kind": "",
    })


def catalog() -> pd.DataFrame:
    return load_catalog()


def baseline(ledger: pd.DataFrame, cat: pd.DataFrame, terms: Terms) -> pd.DataFrame:
    """The plain way: per account, per day, integrate the balance and pay, compounding."""
    row = cat.loc["BNB"]
    mn, cap, apr = row["min_holding"], row["cap"], row["apr"]
    pay = terms.payout_time_s
    out = []
    for account, g in ledger.groupby("account", observed=True):
        g = g.sort_values("time", kind="stable")
        secs = ((g["time"] - START.tz_localize("UTC")).dt.total_seconds()).to_numpy()
        ch = g["change"].to_numpy()
        bal = ch[secs < 0].sum()
        credits = []  # (time in seconds since START, amount)
        for day in range(DAYS):
            lo, hi = day * DAY_S, (day + 1) * DAY_S
            events = [(s - lo, c) for s, c in zip(secs, ch) if lo <= s < hi]
            events += [(t - lo, c) for t, c in credits if lo <= t < hi]
            events.sort(key=lambda e: e[0])
            integral, last, b = 0.0, 0.0, bal
            for off, c in events:
                integral += b * (off - last)
                b, last = b + c, off
            integral += b * (DAY_S - last)
            avg = integral / DAY_S
            elig = 0.0 if avg < mn else min(avg, cap)
            reward = math.floor(elig * apr / 365 * 1e8 * (1 + 1e-15)) / 1e8
            out.append((account, day, avg, reward))
            bal = b
            credits.append(((day + 1) * DAY_S + pay, reward))
    return pd.DataFrame(out, columns=["account", "day", "avg_balance", "reward"])


def _engine(ledger: pd.DataFrame) -> dict:
    hist = reward_history(ledger, catalog(), Terms(), start=START,
                          end=START + pd.Timedelta(days=29))
    return {"rows": len(hist), "total_reward": float(hist["reward"].sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=10_000_000)
    ap.add_argument("--sample", type=int, default=10_000)
    ap.add_argument("--out", default="benchmarks/results/rewards.json")
    args = ap.parse_args()

    full = measure(lambda: make_ledger(args.accounts, args.changes), _engine)
    print(f"full ledger: {args.accounts:,} accounts, {args.changes:,} changes -> "
          f"{full['rows']:,} rows in {full['seconds']:.2f} s; peak RSS {full['peak_rss_gib']:.2f}"
          f" GiB (ledger alone {full['rss_before_gib']:.2f} GiB)")

    # the sample: the first K accounts of the same generator, all their changes
    ledger = make_ledger(args.accounts, args.changes)
    codes = ledger["account"].cat.codes.to_numpy()
    sample = ledger[codes < args.sample].copy()
    sample["account"] = sample["account"].cat.remove_unused_categories()
    cat, terms = catalog(), Terms()
    t = time.perf_counter()
    fast = reward_history(sample, cat, terms, start=START, end=START + pd.Timedelta(days=29))
    t_engine = time.perf_counter() - t
    t = time.perf_counter()
    slow = baseline(sample, cat, terms)
    t_base = time.perf_counter() - t
    fast = fast.sort_values(["account", "date"], kind="stable")
    same = np.array_equal(fast["reward"].to_numpy(), slow["reward"].to_numpy())
    max_avg_diff = float(np.max(np.abs(fast["avg_balance"].to_numpy() -
                                       slow["avg_balance"].to_numpy())))
    print(f"sample: {args.sample:,} accounts, {len(sample):,} changes: engine {t_engine:.3f} s,"
          f" baseline {t_base:.1f} s -> {t_base / t_engine:.0f}x; rewards identical: {same};"
          f" max |avg diff| {max_avg_diff:.2e}")
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "pandas": pd.__version__},
        "full": {"accounts": args.accounts, "changes": args.changes, **full},
        "sample": {"accounts": args.sample, "changes": len(sample), "engine_s": t_engine,
                   "baseline_s": t_base, "speedup": t_base / t_engine,
                   "rewards_identical": same, "max_avg_diff": max_avg_diff},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not same:
        raise SystemExit("engine and baseline disagree")


if __name__ == "__main__":
    main()
