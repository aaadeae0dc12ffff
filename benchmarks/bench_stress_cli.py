"""``softstake stress --withdrawal-rates FILE`` end to end against a plain loop (issue 24).

A rates CSV of ``--paths`` x ``--days`` (default 5,000 x 365, 1,825,000 rows, sorted by
path then day, as ``bench_tables.make_rates`` writes it) replayed by the command for BNB
(``fixed:7``), buffer 5 %: the whole process (start-up, imports, reading the file, the
simulation, the JSON summary), timed with ``os.wait4``. The baseline is the plain per-path
Python loop of ``tests/reference_stress.py`` over the same rates, in one process already
holding them (so neither start-up nor reading is charged to it), on the first
``--loop-paths`` paths, scaled per path. With ``--before DIR`` the command also runs with
the package in ``DIR`` (the code before), in turn with the new one; the cases alternate
(after, before, loop, after, ...) after one warm-up run of each command.

What each side does: the loop replays every path once at the buffer and computes its
metrics. The command does that too, and also answers the buffer question (the smallest
buffer with P(any delay) <= 5 %, by bisection on the same paths, and its bootstrap
interval: more runs of all paths at other buffers, and 1,000 resamples of the paths). So
two ratios are printed: the issue's (the command against one replay of the loop) and one
of equal work (the loop charged as many replays of every path as the command runs at full
length: its ratio runs are counted in a separate, untimed process, ``count_runs``; runs
stopped early are not counted, which charges the loop less than the command's work).

Usage: python benchmarks/bench_stress_cli.py [--paths N] [--days H] [--runs R] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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


def loop_seconds_per_path(rates_file: Path, k: int) -> tuple[float, float]:
    """The plain loop over the first ``k`` paths of the file (read beforehand, untimed):
    wall and CPU seconds per path."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(rates_file)
    path, rate = t["path"].to_numpy(), t["rate"].to_numpy()
    paths = [rate[path == p].tolist() for p in range(k)]
    start, cpu = time.perf_counter(), time.process_time()
    for r in paths:
        run_path(TOTAL, BUFFER, RULE, r)
    return (time.perf_counter() - start) / k, (time.process_time() - cpu) / k


COUNT = """
import json, sys
from softstake_model.liquidity import state
from softstake_model.liquidity.state import State
from softstake_model.stress import run_stress
from softstake_model.liquidity import read_withdrawal_rates
started, stopped = [0], [0]
real = State.start.__func__
def start(cls, params, days, paths, *a, **k):
    started[0] += paths
    return real(cls, params, days, paths, *a, **k)
State.start = classmethod(start)
try:
    from softstake_model.liquidity import search
    real_pass = search._pass
    def counted(params, rates, ratios, *a):
        missed, done = real_pass(params, rates, ratios, *a)
        stopped[0] += 0 if done else len(ratios) * rates.shape[1]
        return missed, done
    search._pass = counted
except ImportError:  # the code before: one simulate per ratio
    pass
r = read_withdrawal_rates(sys.argv[1])
run_stress(token="BNB", total=float(sys.argv[2]), buffer_ratio=float(sys.argv[3]),
           days=r.shape[0], rates=r)
n = r.shape[1]
print(json.dumps({"runs_started": started[0] / n, "runs_stopped_early": stopped[0] / n}))
"""


def count_runs(rates_file: Path, package: str) -> dict:
    """Runs of all paths (ratio runs) the command makes, counted in a separate process with
    ``package`` first on the path: started, and stopped early (before the horizon)."""
    done = subprocess.run([sys.executable, "-c", COUNT, str(rates_file), str(TOTAL),
                           str(BUFFER)], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": package}, cwd=rates_file.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=5_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--loop-paths", type=int, default=500)
    ap.add_argument("--before", help="a folder holding the package before (softstake_model/)")
    ap.add_argument("--out", default="benchmarks/results/stress_cli.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rates = Path(tmp) / "rates.csv"
        make_rates(rates, args.paths, args.days)
        # the command as ``python -m``: the package on PYTHONPATH, whatever its entry point
        cmd = [sys.executable, "-m", "softstake_model.cli", "stress", "--token", "BNB",
               "--total", str(TOTAL), "--buffer", str(BUFFER), "--withdrawal-rates",
               str(rates), "--out", str(Path(tmp) / "s.json")]
        here = str(Path(__file__).resolve().parents[1])
        cases = {"after": ["env", f"PYTHONPATH={here}", *cmd]}
        packages = {"after": here}
        if args.before:
            cases["before"] = ["env", f"PYTHONPATH={args.before}", *cmd]
            packages["before"] = args.before
        counts = {k: count_runs(rates, v) for k, v in packages.items()}
        load_before = os.getloadavg()
        for c in cases.values():
            run(c)  # warm-up
        runs: dict[str, list[dict]] = {k: [] for k in cases}
        loop = []
        for _ in range(args.runs):
            for name, c in cases.items():
                runs[name].append(run(c))
            loop.append(loop_seconds_per_path(rates, args.loop_paths))
    per_path = min(w for w, _ in loop)
    cpu_per_path = min(c for _, c in loop)
    result = {"paths": args.paths, "days": args.days, "load_before": load_before,
              "load_after": os.getloadavg(), "loop_s_per_path": loop, "cases": runs,
              "runs": counts}
    print(f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
          f"end; loop {per_path * 1e3:.2f} ms/path (CPU {cpu_per_path * 1e3:.2f}; min of "
          f"{args.runs}) x {args.paths:,} paths = {per_path * args.paths:.2f} s for one replay")
    for name, rs in runs.items():
        walls = [r["wall_s"] for r in rs]
        wall = min(walls)
        ratio = per_path * args.paths / wall
        full = counts[name]["runs_started"] - counts[name]["runs_stopped_early"]
        cpu = min(r["cpu_s"] for r in rs)
        cpu_ratio = cpu_per_path * args.paths / cpu
        result.update({f"{name}_loop_ratio": ratio, f"{name}_equal_work_ratio": full * ratio,
                       f"{name}_loop_cpu_ratio": cpu_ratio})
        print(f"{name:6s} wall min {wall:.2f} s (median {float(np.median(walls)):.2f}), cpu "
              f"min {cpu:.2f} s; runs of all paths {counts[name]['runs_started']:.0f} "
              f"({counts[name]['runs_stopped_early']:.0f} stopped early) -> loop / command "
              f"{ratio:.1f}x for one replay (CPU {cpu_ratio:.1f}x), {full * ratio:.0f}x for "
              f"{full:.0f} replays")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
