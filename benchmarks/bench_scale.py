"""Benchmark of the Dask engine (issue 7), run on demand: ``make bench-scale``.

A generated ledger of 100,000,000 balance changes (10,000,000 accounts, 1 token, 30 days)
written straight to account-bucketed Parquet (the layout ``softstake ledger convert``
makes), then processed end to end — read partitions, run the engine, write the history as
Parquet and the daily totals — on a local cluster of one single-threaded worker per core
with a memory limit for the whole cluster (default 4 GiB). Peak memory is the largest sum
of the workers' RSS, sampled every 0.2 s. Beside it, the same pipeline (read, engine,
write) on a sample of partitions in one process: throughput per core in changes a second.

Usage: python benchmarks/bench_scale.py [--accounts N] [--changes M] [--buckets B]
       [--memory GiB] [--dir DIR] [--sample-partitions K]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from softstake_model import load_catalog, reward_history
from softstake_model.scale import MANIFEST, get_client, read_partition, rewards_dask

START = pd.Timestamp("2025-12-01", tz="UTC")
SCHEMA = pa.schema([("time", pa.timestamp("ns", tz="UTC")), ("account", pa.string()),
                    ("token", pa.string()), ("change", pa.float64()), ("wallet", pa.string()),
                    ("kind", pa.string()), ("line", pa.int64())])


def generate(folder: Path, accounts: int, changes: int, buckets: int) -> None:
    """Bucket k holds accounts i with i % buckets == k: an opening deposit each, then random
    deposits and withdrawals (at most 1/40 of the opening) over 30 days."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    per_moves = (changes - accounts) // buckets
    for k in range(buckets):
        ids = np.arange(k, accounts, buckets)
        opening = np.round(rng.lognormal(3.0, 2.0, len(ids)) + 0.1, 8)
        who = rng.integers(0, len(ids), per_moves)
        amount = np.round(opening[who] * rng.uniform(-1 / 40, 1 / 10, per_moves), 8)
        secs = np.concatenate([np.full(len(ids), -43_200), rng.integers(0, 30 * 86_400,
                                                                        per_moves)])
        acc = np.concatenate([ids, ids[who]])
        order = np.argsort(secs, kind="stable")
        labels = np.char.add("acct", np.char.zfill(acc[order].astype(str), 8))
        table = pa.table({
            "time": pa.array((START + pd.to_timedelta(secs[order], unit="s")).as_unit("ns"),
                             type=pa.timestamp("ns", tz="UTC")),
            "account": pa.array(labels), "token": pa.array(["BNB"] * len(order)),
            "change": np.concatenate([opening, amount])[order],
            "wallet": pa.array(["free"] * len(order)), "kind": pa.array([""] * len(order)),
            "line": np.arange(len(order), dtype=np.int64) + 2}, schema=SCHEMA)
        pq.write_table(table, folder / f"part-{k:05d}.parquet")
    (folder / MANIFEST).write_text(json.dumps({"source": "generated", "format": "generic",
                                               "buckets": buckets, "rows": changes}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10_000_000)
    ap.add_argument("--changes", type=int, default=100_000_000)
    ap.add_argument("--buckets", type=int, default=100)
    ap.add_argument("--memory", type=float, default=4.0, help="GiB for the whole cluster")
    ap.add_argument("--dir", default="benchmarks/results/scale")
    ap.add_argument("--sample-partitions", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    args = ap.parse_args()
    base = Path(args.dir)
    ledger, out = base / "ledger", base / "history"
    shutil.rmtree(base, ignore_errors=True)
    t = time.perf_counter()
    generate(ledger, args.accounts, args.changes, args.buckets)
    print(f"generated {args.changes:,} changes in {args.buckets} partitions in "
          f"{time.perf_counter() - t:.0f} s")
    cat = load_catalog()
    kw = {"start": "2025-12-01", "end": "2025-12-30"}

    # in one process: the same pipeline on a sample of partitions
    sample = sorted(ledger.glob("part-*.parquet"))[: args.sample_partitions]
    rows = 0
    t = time.perf_counter()
    for i, f in enumerate(sample):
        part = read_partition(f)
        rows += len(part)
        hist = reward_history(part, cat, **kw)
        hist.assign(account=hist.account.astype(str), token=hist.token.astype(str)).to_parquet(
            base / f"sample-{i}.parquet", index=False)
    t_mem = time.perf_counter() - t
    per_core_mem = rows / t_mem
    print(f"in-memory engine, one process: {rows:,} changes (read, engine, write) in "
          f"{t_mem:.1f} s -> {per_core_mem / 1e6:.2f} M changes/s")

    workers = os.cpu_count() or 1
    client = get_client(workers=workers, memory_limit=f"{args.memory / workers:.3f}GiB")
    pids = list(client.run(os.getpid).values())
    peak = [0]
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.is_set():
            try:
                total = sum(psutil.Process(p).memory_info().rss for p in pids)
            except psutil.NoSuchProcess:
                total = 0
            peak[0] = max(peak[0], total)
            time.sleep(0.2)

    watcher = threading.Thread(target=sample_rss, daemon=True)
    watcher.start()
    t = time.perf_counter()
    res = rewards_dask(ledger, cat, client=client, out=out, **kw)
    wall = time.perf_counter() - t
    stop.set()
    watcher.join()
    restarted = sorted(set(client.run(os.getpid).values()) - set(pids))
    client.close()
    per_core = args.changes / wall / workers
    print(f"dask: {args.changes:,} changes on {workers} workers ({args.memory:g} GiB in all) in "
          f"{wall:.0f} s -> {args.changes / wall / 1e6:.2f} M changes/s, "
          f"{per_core / 1e6:.2f} M per core ({per_core / per_core_mem:.0%} of in-memory); "
          f"peak workers RSS {peak[0] / 2**30:.2f} GiB; workers restarted: {len(restarted)}; "
          f"{int(res['totals']['accounts_earning'].max()):,} accounts earning on the last day")
    result = {"changes": args.changes, "accounts": args.accounts, "buckets": args.buckets,
              "workers": workers, "memory_limit_gib": args.memory, "wall_s": wall,
              "throughput_per_s": args.changes / wall, "per_core_per_s": per_core,
              "in_memory_per_core_per_s": per_core_mem, "ratio": per_core / per_core_mem,
              "peak_workers_rss_gib": peak[0] / 2**30, "workers_restarted": len(restarted)}
    (base.parent / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
