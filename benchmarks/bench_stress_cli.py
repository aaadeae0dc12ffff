"""``softstake stress --withdrawal-rates FILE`` end to end against a plain loop (issue 24).

A rates CSV of ``--paths`` x ``--days`` (default 5,000 x 365, 1,825,000 rows, sorted by
path then day, as ``bench_tables.make_rates`` writes it) replayed by the command for BNB
(``fixed:7``), buffer 5 %: the whole process (start-up, imports, reading the file, the
simulation, the JSON summary), timed with ``os.wait4``. The baseline is the plain per-path
Python loop of ``tests/reference_stress.py`` over the same rates, in one process already
holding them (so neither start-up nor reading is charged to it), on the first
``--loop-paths`` paths, scaled per path. With ``--before DIR`` the command also runs with
the package in ``DIR`` (the code before), in turn with the new one.

Usage: python benchmarks/bench_stress_cli.py [--paths N] [--days H] [--runs R] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench_cli import run
from bench_tables import make_rates
from reference_stress import run_path

TOTAL, BUFFER, RULE = 1_000_000.0, 0.05, "fixed:7"


def loop_seconds_per_path(rates_file: Path, k: int) -> float:
    """The plain loop over the first ``k`` paths of the file (read beforehand, untimed)."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(rates_file)
    path, rate = t["path"].to_numpy(), t["rate"].to_numpy()
    paths = [rate[path == p].tolist() for p in range(k)]
    start = time.perf_counter()
    for r in paths:
        run_path(TOTAL, BUFFER, RULE, r)
    return (time.perf_counter() - start) / k


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=5_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--loop-paths", type=int, default=500)
    ap.add_argument("--before", help="a folder holding the package before (softstake_model/)")
    ap.add_argument("--out", default="benchmarks/results/stress_cli.json")
    args = ap.parse_args()
    softstake = str(Path(sys.executable).with_name("softstake"))
    with tempfile.TemporaryDirectory() as tmp:
        rates = Path(tmp) / "rates.csv"
        make_rates(rates, args.paths, args.days)
        cmd = [softstake, "stress", "--token", "BNB", "--total", str(TOTAL), "--buffer",
               str(BUFFER), "--withdrawal-rates", str(rates), "--out", str(Path(tmp) / "s.json")]
        cases = {"after": cmd}
        if args.before:
            cases["before"] = ["env", f"PYTHONPATH={args.before}", *cmd]
        for c in cases.values():
            run(c)  # warm-up
        runs: dict[str, list[dict]] = {k: [] for k in cases}
        loop = []
        for _ in range(args.runs):
            for name, c in cases.items():
                runs[name].append(run(c))
            loop.append(loop_seconds_per_path(rates, args.loop_paths))
    per_path = min(loop)
    result = {"paths": args.paths, "days": args.days, "load_after": os.getloadavg(),
              "loop_s_per_path": loop, "cases": runs}
    for name, rs in runs.items():
        wall = min(r["wall_s"] for r in rs)
        ratio = per_path * args.paths / wall
        result[f"{name}_loop_ratio"] = ratio
        median = float(np.median([r["wall_s"] for r in rs]))
        print(f"{name:6s} wall min {wall:.2f} s (median {median:.2f}),"
              f" cpu min {min(r['cpu_s'] for r in rs):.2f} s -> "
              f"{args.paths * args.days / wall / 1e6:.2f} M path-days/s; loop "
              f"{per_path * 1e3:.2f} ms/path (min of {args.runs}) x {args.paths:,} paths = "
              f"{per_path * args.paths:.2f} s -> {ratio:.1f}x")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
