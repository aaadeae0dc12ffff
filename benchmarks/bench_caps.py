"""Benchmark of the platform cap model (issue 5), run on demand: ``make bench``.

1,000,000 holders (a lognormal body with a Pareto tail) x 100 cap values: every metric
(earning and eligible share, daily cost, Gini) for each cap, exactly, through the sorted
prefix sums of :class:`softstake_model.caps.CapModel` — timed with the sort included. The
baseline is a plain loop: for each cap, every holder's reward computed one by one in Python,
run on a 10,000-holder sample in the same run (the ratio compares time per holder-cap pair),
and its daily costs must match the model's.

Usage: python benchmarks/bench_caps.py [--holders N] [--caps K] [--loop-holders M]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from _measure import measure

from softstake_model import Terms
from softstake_model.caps import CapModel, sample_population

SPEC = "0.95*lognormal:2,1.5+0.05*pareto:500,1.2"
APR, MIN = 0.025, 0.5


def plain_cost(balances: np.ndarray, cap: float) -> float:
    total = 0.0
    for b in balances.tolist():
        e = 0.0 if b < MIN else min(b, cap)
        total += math.floor(e * APR / 365 * 1e8 * (1 + 2e-15)) / 1e8
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--holders", type=int, default=1_000_000)
    ap.add_argument("--caps", type=int, default=100)
    ap.add_argument("--loop-holders", type=int, default=10_000)
    ap.add_argument("--out", default="benchmarks/results/caps.json")
    args = ap.parse_args()
    caps = np.logspace(0, 4, args.caps)

    def run(b: np.ndarray) -> dict:
        m = CapModel(b, APR, Terms()).metrics(caps, MIN)
        return {"cost_at_1000": float(np.interp(1000, caps, m["daily_cost"]))}

    full = measure(lambda: sample_population(SPEC, args.holders, seed=1), run)
    print(f"{args.holders:,} holders x {args.caps} caps: {full['seconds']:.3f} s, peak RSS "
          f"{full['peak_rss_gib']:.2f} GiB")

    sample = sample_population(SPEC, args.loop_holders, seed=2)
    t = time.perf_counter()
    slow = [plain_cost(sample, c) for c in caps]
    t_loop = time.perf_counter() - t
    fast = CapModel(sample, APR, Terms()).cost(caps, MIN)
    agree = bool(np.allclose(fast, slow, rtol=1e-12, atol=1e-9))
    per_loop = t_loop / (args.loop_holders * args.caps)
    per_fast = full["seconds"] / (args.holders * args.caps)
    print(f"plain loop: {args.loop_holders:,} holders x {args.caps} caps in {t_loop:.2f} s "
          f"({per_loop * 1e9:.0f} ns per pair) vs {per_fast * 1e9:.2f} ns -> "
          f"{per_loop / per_fast:.0f}x; costs agree: {agree}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"holders": args.holders, "caps": args.caps,
                                          "model": full, "loop_seconds": t_loop,
                                          "loop_holders": args.loop_holders,
                                          "speedup_per_pair": per_loop / per_fast,
                                          "agree": agree}, indent=2) + "\n")
    if not agree:
        raise SystemExit("model and loop disagree")


if __name__ == "__main__":
    main()
