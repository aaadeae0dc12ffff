"""Benchmark of ``softstake rewards`` end to end (issue 10), run on demand.

A generated generic ledger: 100,000 accounts x 1 token (BNB, balances 1..~500, above the
0.5 minimum and below the 1,000 cap) x 30 days, 1,000,000 balance changes (an opening
deposit per account the day before, then random deposits and withdrawals). Each case runs
as its own process, the cases in turn (a, b, c, a, b, c, ...), ``--runs`` times after one
warm-up round:

a. ``softstake rewards LEDGER --start .. --end .. --out history.csv`` (the command);
b. the lean single pass this file also holds (``lean``): pyarrow reads the CSV, numpy
   computes each account's time-weighted daily balance with ``bincount`` (no groupby, no
   minimum, cap or compounding) and a simple reward, pandas writes 5 columns;
c. the package in one process (``parquet``): read the ledger, ``reward_history``,
   ``files.write_table`` to ``history.parquet`` (what ``--out history.parquet`` does).

Per case: wall time, CPU time (user + sys) and peak RSS of the process (``os.wait4``), min
and median over the runs; and the ratio a/b run by run. The history of (a) and (c) must
hold the same rows (checked after the runs).

Usage: python benchmarks/bench_cli.py [--accounts N] [--changes M] [--runs R] [--keep DIR]
       python benchmarks/bench_cli.py lean LEDGER OUT
       python benchmarks/bench_cli.py parquet LEDGER OUT
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

START, DAYS, DAY_S = pd.Timestamp("2025-12-01", tz="UTC"), 30, 86400
END = START + pd.Timedelta(days=DAYS - 1)
APR = 0.025
HERE = Path(__file__).resolve()


def make_ledger(path: Path, n_accounts: int, n_changes: int, seed: int = 1) -> None:
    """Write the generated ledger (generic CSV: ``time,account,token,change``)."""
    from softstake_model.files import write_csv

    rng = np.random.default_rng(seed)
    opening = np.round(rng.lognormal(3.0, 1.0, n_accounts) + 1.0, 8)
    opening = np.minimum(opening, 500.0)
    n_moves = n_changes - n_accounts
    who = rng.integers(0, n_accounts, n_moves)
    # withdrawals are at most 1/40 of the opening balance: no balance reaches the minimum
    # with fewer than ~38 withdrawals (an account has about 9 changes)
    amount = np.round(opening[who] * rng.uniform(-1 / 40, 1 / 10, n_moves), 8)
    secs = np.concatenate([np.full(n_accounts, -12 * 3600),
                           rng.integers(0, DAYS * DAY_S, n_moves)])
    order = np.argsort(secs, kind="stable")
    acc = np.concatenate([np.arange(n_accounts), who])[order]
    write_csv(pd.DataFrame({
        "time": START + pd.to_timedelta(secs[order], unit="s"),
        "account": pd.Categorical.from_codes(
            acc, categories=pd.Index([f"acct{i:07d}" for i in range(n_accounts)])),
        "token": "BNB",
        "change": np.concatenate([opening, amount])[order],
    }), path)


def lean(ledger: str, out: str) -> None:
    """The bar: one pass, pyarrow read, numpy daily balances, pandas write of 5 columns."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    types = {"time": pa.timestamp("s", tz="UTC"), "account": pa.string(),
             "token": pa.string(), "change": pa.float64()}
    t = pacsv.read_csv(ledger, convert_options=pacsv.ConvertOptions(column_types=types))
    secs = t["time"].combine_chunks().cast(pa.int64()).to_numpy()  # seconds: unit "s"
    accounts = pc.dictionary_encode(t["account"]).combine_chunks()
    acc = accounts.indices.to_numpy().astype(np.int64)
    names = accounts.dictionary.to_numpy(zero_copy_only=False)
    tokens = pc.dictionary_encode(t["token"]).combine_chunks()
    token_of = np.zeros(len(names), dtype=np.int64)
    token_of[acc] = tokens.indices.to_numpy()
    change = t["change"].to_numpy()
    n, t0 = len(names), int(START.timestamp())
    day = (secs - t0) // DAY_S
    before = day < 0
    opening = np.bincount(acc[before], weights=change[before], minlength=n)
    inside = ~before & (day < DAYS)
    k = acc[inside] * DAYS + day[inside]
    c = change[inside]
    left = (t0 + (day[inside] + 1) * DAY_S - secs[inside]) / DAY_S  # share of its day left
    total = np.bincount(k, weights=c, minlength=n * DAYS).reshape(n, DAYS)
    part = np.bincount(k, weights=c * left, minlength=n * DAYS).reshape(n, DAYS)
    avg = opening[:, None] + np.cumsum(total, axis=1) - total + part
    dates = pd.date_range(START.tz_localize(None), periods=DAYS).strftime("%Y-%m-%d")
    pd.DataFrame({
        "date": np.tile(np.asarray(dates), n),
        "account": np.repeat(names, DAYS),
        "token": np.repeat(tokens.dictionary.to_numpy(zero_copy_only=False)[token_of], DAYS),
        "avg_balance": avg.ravel(),
        "reward": np.round(avg.ravel() * APR / 365, 8),
    }).to_csv(out, index=False, lineterminator="\n")


def parquet(ledger: str, out: str) -> None:
    """What ``softstake rewards LEDGER --out history.parquet`` does, in one process."""
    from softstake_model import load_catalog, read_ledger, reward_history
    from softstake_model.files import write_table

    hist = reward_history(read_ledger(ledger), load_catalog(), start=START.date(),
                          end=END.date())
    write_table(hist, out)


def run(cmd: list[str]) -> dict:
    """Run ``cmd``; its wall time, CPU time and peak RSS (from ``wait4``)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_gib": usage.ru_maxrss / 2**20}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] in ("lean", "parquet"):
        {"lean": lean, "parquet": parquet}[sys.argv[1]](sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="folder for the ledger and outputs (default: a temporary "
                                   "one, removed afterwards)")
    ap.add_argument("--out", default="benchmarks/results/cli.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        ledger = work / "ledger.csv"
        make_ledger(ledger, args.accounts, args.changes)
        softstake = str(Path(sys.executable).with_name("softstake"))
        cases = {
            "a_cli_csv": [softstake, "rewards", str(ledger), "--start", str(START.date()),
                          "--end", str(END.date()), "--out", str(work / "history.csv")],
            "b_lean": [sys.executable, str(HERE), "lean", str(ledger),
                       str(work / "lean.csv")],
            "c_parquet": [sys.executable, str(HERE), "parquet", str(ledger),
                          str(work / "history.parquet")],
        }
        for cmd in cases.values():  # warm-up round (file cache, imports)
            run(cmd)
        runs: dict[str, list[dict]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                runs[name].append(run(cmd))
        csv_hist = pd.read_csv(work / "history.csv")
        pq_hist = pd.read_parquet(work / "history.parquet")
        same = len(csv_hist) == len(pq_hist) and np.array_equal(
            csv_hist["reward"].to_numpy(), pq_hist["reward"].to_numpy()) and np.array_equal(
            csv_hist["avg_balance"].to_numpy(), pq_hist["avg_balance"].to_numpy())
        rows = len(csv_hist)
    summary = {}
    for name, rs in runs.items():
        walls = [r["wall_s"] for r in rs]
        summary[name] = {"wall_min_s": min(walls), "wall_median_s": float(np.median(walls)),
                         "cpu_median_s": float(np.median([r["cpu_s"] for r in rs])),
                         "peak_rss_gib": max(r["peak_rss_gib"] for r in rs)}
        print(f"{name:10s} wall min {min(walls):6.2f} s, median {np.median(walls):6.2f} s; "
              f"cpu median {summary[name]['cpu_median_s']:6.2f} s; "
              f"peak RSS {summary[name]['peak_rss_gib']:.2f} GiB")
    ratio = [a["wall_s"] / b["wall_s"] for a, b in zip(runs["a_cli_csv"], runs["b_lean"])]
    print(f"a/b wall, run by run: min {min(ratio):.2f}, median {np.median(ratio):.2f}, "
          f"max {max(ratio):.2f}; history rows {rows:,}; CSV and Parquet histories agree: "
          f"{same}")
    result = {"accounts": args.accounts, "changes": args.changes, "runs": args.runs,
              "history_rows": rows, "machine": platform.platform(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "cases": runs, "summary": summary, "ratio_a_b": ratio, "outputs_agree": same}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not same:
        raise SystemExit("the CSV and Parquet histories disagree")


if __name__ == "__main__":
    main()
