"""Benchmark of the checked table readers (issue 10), run on demand.

Two generated files: a generic ledger CSV of 1,000,000 rows (``time,account,token,change``,
10,000 accounts, times with ``Z``) read by :func:`softstake_model.ledger.read_ledger`, and a
withdrawal-rates CSV of 5,000 paths x 365 days (1,825,000 rows, sorted by path then day)
read by :func:`softstake_model.liquidity.read_withdrawal_rates` (and by its checked reader
alone, which a file it cannot vouch for goes through). The plain baseline in the
same run is ``pandas.read_csv`` of the same file with no checks at all (C engine, types
inferred). Each time is the best of ``--repeat`` runs.

Usage: python benchmarks/bench_tables.py [--rows N] [--paths P] [--days H] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from softstake_model.ledger import read_ledger
from softstake_model.liquidity import read_withdrawal_rates
from softstake_model.liquidity.reader import _checked_rates


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def make_ledger(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    accounts = 10_000
    t0 = pd.Timestamp("2025-11-01T00:00:00Z")
    secs = np.sort(rng.integers(0, 30 * 86400, rows))
    times = (t0 + pd.to_timedelta(secs, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    acc = rng.integers(0, accounts, rows)
    change = np.round(rng.uniform(-1, 2, rows), 8)
    change[:accounts] = 1e6  # opening balances: no balance goes negative
    acc[:accounts] = np.arange(accounts)
    pd.DataFrame({"time": times, "account": acc, "token": "BNB", "change": change}).to_csv(
        path, index=False)


def make_rates(path: Path, paths: int, days: int) -> None:
    rng = np.random.default_rng(1)
    pd.DataFrame({"path": np.repeat(np.arange(paths), days),
                  "day": np.tile(np.arange(1, days + 1), paths),
                  "rate": np.round(rng.uniform(0, 0.01, paths * days), 6)}).to_csv(
        path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--paths", type=int, default=5_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/softstake-bench-tables")
    ap.add_argument("--out", default="benchmarks/results/tables.json")
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    ledger = folder / f"ledger_{args.rows}.csv"
    rates = folder / f"rates_{args.paths}x{args.days}.csv"
    if not ledger.exists():
        make_ledger(ledger, args.rows)
    if not rates.exists():
        make_rates(rates, args.paths, args.days)

    assert len(read_ledger(ledger)) == args.rows
    assert read_withdrawal_rates(str(rates)).shape == (args.days, args.paths)
    out = {
        "ledger_rows": args.rows,
        "read_ledger_s": best(lambda: read_ledger(ledger), args.repeat),
        "ledger_plain_read_csv_s": best(lambda: pd.read_csv(ledger), args.repeat),
        "rates_rows": args.paths * args.days,
        "read_withdrawal_rates_s": best(lambda: read_withdrawal_rates(str(rates)), args.repeat),
        "rates_checked_reader_s": best(lambda: _checked_rates(str(rates), None), args.repeat),
        "rates_plain_read_csv_s": best(lambda: pd.read_csv(rates), args.repeat),
    }
    print(json.dumps(out, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
