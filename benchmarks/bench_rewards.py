"""Benchmark of the reward engine (issues 2 and 24), run on demand: ``make bench``.

1. A generated ledger of N accounts x 1 token x 30 days with M balance changes (default
   1,000,000 accounts and 10,000,000 changes): the engine's time from the frame in memory to
   the history, its CPU time and its peak memory (peak RSS of the process during the call,
   measured in a child process after resetting the kernel's high-water mark). Each round is
   a fresh process; with ``--before DIR`` the package in ``DIR`` (the code before, e.g.
   ``git archive HEAD softstake_model | tar -x -C DIR``) runs too, the two in turn (before,
   after, before, ...), and every column of the two histories must be the same to the bit.
2. On a sample of 10,000 of those accounts, the engine against a plain pandas baseline
   written the way an analyst would (group by account, step through the days), in the same
   run; both must give the same rewards to the last decimal.

The engine needs more than the default memory limit: run it with
``SOFTSTAKE_MAX_BYTES=8000000000``.

Usage: python benchmarks/bench_rewards.py [--accounts N] [--changes M] [--sample K]
       [--rounds R] [--before DIR] [--no-compound]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import measure

from softstake_model import Terms, load_catalog, reward_history

HERE = Path(__file__).resolve()
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


def digest(hist: pd.DataFrame) -> str:
    """One hash of every column's values, labels and dtype (equal histories, equal hash)."""
    h = hashlib.sha256()
    for name, col in hist.items():
        h.update(f"{name}:{col.dtype}".encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update("\x1f".join(map(str, col.cat.categories)).encode())
            values = col.cat.codes.to_numpy()
        elif hasattr(col.array, "asi8"):
            values = col.array.asi8
        else:
            values = col.to_numpy()
        values = np.ascontiguousarray(values)
        h.update(values.tobytes() if values.dtype == object else values.view(np.uint8))
    return h.hexdigest()


def _engine(ledger: pd.DataFrame, compound: bool = True) -> dict:
    """The engine's wall and CPU time and the process's peak RSS, taken as the call
    returns: the checks after it (the sum, the hash of every column) are not counted."""
    t, wall = os.times(), time.perf_counter()
    hist = reward_history(ledger, catalog(), Terms(), start=START,
                          end=START + pd.Timedelta(days=29), compound=compound)
    wall, cpu, peak = time.perf_counter() - wall, os.times(), _peak_rss_gib()
    return {"seconds": wall, "peak_rss_gib": peak, "rows": len(hist),
            "total_reward": float(hist["reward"].sum()),
            "cpu_s": cpu.user - t.user + cpu.system - t.system,
            "user_s": cpu.user - t.user, "system_s": cpu.system - t.system,
            "digest": digest(hist)}


def _peak_rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def one_round(package: str, args: argparse.Namespace) -> dict:
    """The full ledger in a fresh process importing the package from ``package``."""
    cmd = [sys.executable, str(HERE), "--child", "--accounts", str(args.accounts),
           "--changes", str(args.changes), *(["--no-compound"] if args.no_compound else [])]
    env = {**os.environ, "PYTHONPATH": package,
           "SOFTSTAKE_MAX_BYTES": os.environ.get("SOFTSTAKE_MAX_BYTES", "8000000000")}
    load = os.getloadavg()[0]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the round with {package} failed:\n{done.stderr}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {**out, "load_start": load, "load_end": os.getloadavg()[0]}


def _child(args: argparse.Namespace) -> None:
    import softstake_model

    full = measure(lambda: make_ledger(args.accounts, args.changes),
                   lambda led: _engine(led, not args.no_compound))
    print(json.dumps({**full, "package": str(Path(softstake_model.__file__).parent)}))


def _line(name: str, r: dict) -> str:
    return (f"  {name}: {r['seconds']:.2f} s (CPU {r['cpu_s']:.2f} s: user {r['user_s']:.2f}, "
            f"system {r['system_s']:.2f}), peak RSS {r['peak_rss_gib']:.2f} GiB (ledger "
            f"{r['rss_before_gib']:.2f}), load {r['load_start']:.1f}-{r['load_end']:.1f}")


def full_rounds(args: argparse.Namespace) -> dict:
    """``--rounds`` rounds of the full ledger, before and after in turn when asked."""
    packages = {"after": str(HERE.parents[1])}
    if args.before:
        packages = {"before": str(Path(args.before).resolve()), **packages}
    runs: dict[str, list[dict]] = {k: [] for k in packages}
    for i in range(args.rounds):
        print(f"round {i + 1} of {args.rounds}:")
        for name, package in packages.items():
            runs[name].append(one_round(package, args))
            print(_line(name, runs[name][-1]), flush=True)
    summary = {k: {"seconds_min": min(r["seconds"] for r in v),
                   "seconds_median": statistics.median(r["seconds"] for r in v),
                   "cpu_s_min": min(r["cpu_s"] for r in v),
                   "peak_rss_gib_max": max(r["peak_rss_gib"] for r in v)}
               for k, v in runs.items()}
    if args.before:
        ratios = sorted(a["seconds"] / b["seconds"] for a, b in
                        zip(runs["after"], runs["before"], strict=True))
        digests = {r["digest"] for v in runs.values() for r in v}
        summary["after_over_before"] = {"min": ratios[0], "median": statistics.median(ratios),
                                        "max": ratios[-1]}
        summary["identical"] = len(digests) == 1
        print(f"after / before, round by round: min {ratios[0]:.2f}, median "
              f"{statistics.median(ratios):.2f}, max {ratios[-1]:.2f}; every column "
              f"identical to the bit: {summary['identical']}")
    return {"runs": runs, "summary": summary}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=10_000_000)
    ap.add_argument("--sample", type=int, default=10_000,
                    help="accounts checked against the plain baseline (0: none)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--before", help="a folder holding the package before (softstake_model/)")
    ap.add_argument("--no-compound", action="store_true", help="the engine without "
                    "compounding (the sample's baseline always compounds)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="benchmarks/results/rewards.json")
    args = ap.parse_args()
    if args.child:
        _child(args)
        return

    print(f"full ledger: {args.accounts:,} accounts, {args.changes:,} changes")
    full = full_rounds(args)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "pandas": pd.__version__},
        "full": {"accounts": args.accounts, "changes": args.changes,
                 "compound": not args.no_compound, **full},
    }
    if args.sample:
        result["sample"] = sample_check(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not result.get("sample", {}).get("rewards_identical", True):
        raise SystemExit("engine and baseline disagree")
    if not full["summary"].get("identical", True):
        raise SystemExit("the histories before and after differ")


def sample_check(args: argparse.Namespace) -> dict:
    """The first ``--sample`` accounts: the engine against the plain baseline."""
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
    return {"accounts": args.sample, "changes": len(sample), "engine_s": t_engine,
            "baseline_s": t_base, "speedup": t_base / t_engine, "rewards_identical": same,
            "max_avg_diff": max_avg_diff}


if __name__ == "__main__":
    main()
