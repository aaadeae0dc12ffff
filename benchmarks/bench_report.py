"""``softstake report`` before and after (issue 24, item 5): wall and CPU time, same pages.

The default report (every notebook, every catalogue token: 32 runs) and ``--quick`` (8 runs),
each with the package before (``--before DIR``: a checkout whose ``softstake_model`` is the
code before, e.g. ``/work/main`` or ``git worktree add DIR <commit>``) and after (this
checkout), in turn within each round (the order swapped every round), each into a new
output folder. Wall time and CPU time (user + system of the command and every process it
waited for, kernels included) from ``os.wait4``, the load average before each command.
Then the pages of the first round are compared: every run's HTML page before against
after, byte for byte once pandas' random table ids and the package's folder are taken out
(the index is left out: it holds the runs' durations).

Usage: python benchmarks/bench_report.py --before DIR [--rounds R] [--only quick|default]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SOFTSTAKE = [sys.executable, "-m", "softstake_model.cli", "report"]


def run(root: Path, out: Path, quick: bool) -> dict:
    """``softstake report`` with the package in ``root``; wall, CPU, load before."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [*SOFTSTAKE, "--out", str(out), *(["--quick"] if quick else [])]
    load = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=out.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} (PYTHONPATH={root}) failed: {err}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "user_s": usage.ru_utime, "sys_s": usage.ru_stime, "load_before": load}


def page(path: Path, root: Path) -> bytes:
    """A page with what differs between any two runs taken out: random ids (pandas' tables'
    ``T_1a2b3``, papermill's injected cell's ``cell-id=…``) and the package's folder (in
    the shipped example's path)."""
    data = path.read_bytes().replace(str(root / "softstake_model").encode(), b"PACKAGE")
    data = re.sub(rb"T_[0-9a-f]{5}", b"T_id", data)
    return re.sub(rb'injected-parameters" id="cell-id=[0-9a-f-]+"', b"injected", data)


def same_pages(a: Path, b: Path, roots: dict[str, Path]) -> dict:
    """Every run page of ``a`` (before) against ``b`` (after): identical, differing, missing."""
    pages = sorted(p.name for p in a.glob("*.html") if p.name != "index.html")
    other = {p.name for p in b.glob("*.html") if p.name != "index.html"}
    differ = [n for n in pages if n in other and
              page(a / n, roots["before"]) != page(b / n, roots["after"])]
    return {"pages": len(pages), "identical": len(pages) - len(differ) - len(set(pages) - other),
            "differ": differ, "missing": sorted(set(pages) ^ other)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="checkout holding the code before")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", choices=("quick", "default"))
    ap.add_argument("--out", default=str(HERE / "benchmarks/results/report.json"))
    args = ap.parse_args()
    roots = {"before": Path(args.before).resolve(), "after": HERE}
    modes = [m for m in ("quick", "default") if args.only in (None, m)]
    results: dict[str, list[dict]] = {f"{w} {m}": [] for m in modes for w in roots}
    pages: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            for mode in modes:
                order = ["before", "after"] if k % 2 == 0 else ["after", "before"]
                for who in order:
                    out = Path(tmp) / f"{who}-{mode}-{k}" / "reports"
                    out.parent.mkdir()
                    r = run(roots[who], out, mode == "quick")
                    results[f"{who} {mode}"].append(r)
                    print(f"round {k + 1} {who:6s} {mode:7s} wall {r['wall_s']:6.1f} s  "
                          f"CPU {r['cpu_s']:6.1f} s  load {r['load_before']:.2f}", flush=True)
                if k == 0:
                    pages[mode] = same_pages(Path(tmp) / f"before-{mode}-0" / "reports",
                                             Path(tmp) / f"after-{mode}-0" / "reports", roots)
                for who in order:
                    if k:
                        shutil.rmtree(Path(tmp) / f"{who}-{mode}-{k}", ignore_errors=True)
    for mode in modes:
        b, a = results[f"before {mode}"], results[f"after {mode}"]
        ratios = sorted(x["wall_s"] / y["wall_s"] for x, y in zip(b, a, strict=True))
        cpu = sorted(x["cpu_s"] / y["cpu_s"] for x, y in zip(b, a, strict=True))
        print(f"{mode}: before ÷ after, wall {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"CPU {', '.join(f'{r:.2f}' for r in cpu)}; pages {pages[mode]}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"runs": results, "pages": pages}, indent=2) + "\n")


if __name__ == "__main__":
    main()
