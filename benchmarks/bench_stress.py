"""Benchmark of the liquidity stress model (issue 3), run on demand: ``make bench``.

10,000 Monte Carlo paths x 365 days for one token (BNB, fixed:7), and the same for each of
the 15 catalogue tokens with its own unbonding rule: time and peak memory (generating the
paths, then the simulation with the per-path metrics, no daily state kept: what a Monte
Carlo summary needs). The baseline is the plain per-path Python loop of
``tests/reference_stress.py`` (a deque for the FIFO queue), timed on the first
``--loop-paths`` paths of the same run; the ratio compares the median time per path.
The loop's metrics must match the vectorised ones on those paths.

Timing: both sides in this process, one warm-up call, then ``--repeat`` timed calls of the
vectorised run (``--loop-repeat`` of the loop); min and median. The peak memory, and the time
of a first call in a fresh (forked) process, come from ``_measure.measure``.

Usage: python benchmarks/bench_stress.py [--paths N] [--days H] [--loop-paths K] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _measure import measure
from reference_stress import run_path

from softstake_model import load_catalog
from softstake_model.liquidity import (
    METRICS,
    RunModel,
    StressParams,
    simulate,
    withdrawal_rates,
)

RUNS = RunModel(arrival_rate=0.01)


def scenario(rule: str, days: int) -> StressParams:
    return StressParams(total=1_000_000, buffer_ratio=0.05, unbonding=rule, days=days,
                        base_rate=0.001)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--loop-paths", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--loop-repeat", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results/stress.json")
    args = ap.parse_args()
    rules = load_catalog()["unbonding"]

    p = scenario("fixed:7", args.days)
    rates = withdrawal_rates(p, args.paths, 1, RUNS)

    def vectorised(_: None) -> dict:  # generating the paths is part of the work
        m = simulate(p, withdrawal_rates(p, args.paths, 1, RUNS), daily=False).metrics
        return {"p_any_delay": float((m["delayed_amount"] > 0).mean())}

    one = measure(lambda: None, vectorised)
    vectorised(None)  # warm-up
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        vectorised(None)
        times.append(time.perf_counter() - t)
    t_vec = float(np.median(times))
    print(f"one token: {args.paths:,} paths x {args.days} days in {t_vec:.3f} s (median of "
          f"{args.repeat}, min {min(times):.3f} s; first call in a fresh process "
          f"{one['seconds']:.2f} s), peak RSS {one['peak_rss_gib']:.2f} GiB")

    def all_tokens(_: None) -> dict:
        per = {}
        for token, rule in rules.items():
            q = scenario(rule, args.days)
            t = time.perf_counter()
            simulate(q, withdrawal_rates(q, args.paths, 1, RUNS), daily=False)
            per[token] = time.perf_counter() - t
        return {"per_token_s": per}

    every = measure(lambda: None, all_tokens)
    print(f"15 tokens: {every['seconds']:.2f} s in all, peak RSS {every['peak_rss_gib']:.2f} GiB")

    k = args.loop_paths
    loop_times = []
    for _ in range(args.loop_repeat):
        t = time.perf_counter()
        ref = [run_path(p.total, p.buffer_ratio, str(p.unbonding), list(rates[:, j]))[1]
               for j in range(k)]
        loop_times.append(time.perf_counter() - t)
    t_loop = float(np.median(loop_times))
    fast = simulate(p, rates[:, :k], daily=False).metrics
    agree = all(np.isclose(fast.at[j, m], ref[j][m], rtol=1e-9, atol=1e-3, equal_nan=True)
                for j in range(k) for m in METRICS)
    per_loop, per_vec = t_loop / k, t_vec / args.paths
    print(f"loop: {k:,} paths in {t_loop:.2f} s (median of {args.loop_repeat}; "
          f"{per_loop * 1e3:.2f} ms/path) vs vectorised {per_vec * 1e6:.1f} us/path -> "
          f"{per_loop / per_vec:.0f}x; metrics agree: {agree}")
    result = {"paths": args.paths, "days": args.days, "one_token": one,
              "one_token_warm_s": times, "all_tokens": every,
              "loop": {"paths": k, "seconds": loop_times, "speedup_per_path": per_loop / per_vec,
                       "metrics_agree": agree}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not agree:
        raise SystemExit("vectorised and loop metrics disagree")


if __name__ == "__main__":
    main()
