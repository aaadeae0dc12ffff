"""``softstake report``: run the notebooks through papermill and build the HTML report."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from .options import add_token, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "REPORT_MODULES", "add_arguments", "run",
           "missing_extra"]

#: What the report imports from the ``report`` extra (module names).
REPORT_MODULES = ("papermill", "nbconvert", "nbformat", "nbclient", "jupyter_client",
                  "ipykernel", "jinja2", "matplotlib", "tqdm", "psutil")

NAME = "report"
HELP = "run the notebooks and build the HTML report"
DESCRIPTION = ("Run the report notebooks through papermill for a set of scenarios, in "
               "parallel, render each to HTML without code, and write an index. Default: "
               "every notebook for all 15 catalogue tokens.")
FLAGS = {"notebooks": "--notebook", "tokens": "--token", "overrides": "-p",
         "notebook": "--notebook"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("--scenarios", metavar="FILE.yaml",
                   help="parameter sets per notebook, with grid: and zip: sweeps")
    p.add_argument("--notebook", action="append", metavar="NAME",
                   help="only these notebooks (yields, caps, liquidity_stress, reconcile)")
    add_token(p)
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="set a parameter of the selected notebooks")
    p.add_argument("--out", default="reports", metavar="DIR", help="output folder (reports/)")
    p.add_argument("--jobs", type=int, metavar="N", help="parallel runs (default: cores)")
    p.add_argument("--quick", action="store_true",
                   help="small parameters (and BNB, SOL, ADA only) for a fast smoke run")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS",
                   help="longest time one notebook cell may run (default: 1800)")
    p.add_argument("--notebooks-dir", metavar="DIR",
                   help="where the notebooks are (default: those shipped in the package)")


def missing_extra(modules: tuple[str, ...] | None = None) -> list[str]:
    """The modules of ``modules`` (None: :data:`REPORT_MODULES`) that cannot be imported."""
    import importlib.util

    return [m for m in (REPORT_MODULES if modules is None else modules)
            if importlib.util.find_spec(m) is None]


def run(args: argparse.Namespace) -> int:
    """Plan, execute, say where the index is."""
    from ..errors import ParameterError, SoftstakeError

    missing = missing_extra()
    if missing:
        raise SoftstakeError("softstake report needs the report extra: pip install "
                             f"'softstake[report]' (missing: {', '.join(missing)})")
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"must be >= 1, got {args.jobs}", param="jobs")
    if not args.timeout > 0:
        raise ParameterError(f"must be > 0 seconds, got {args.timeout:g}", param="timeout")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ParameterError(f"'{args.out}' is a file; give a folder for the report",
                             param="out")
    from ..report.warm import start_server

    # the kernel server imports what the notebooks use while this process plans the runs
    server = start_server(args.jobs or os.cpu_count() or 1)
    try:
        return _report(args, server)
    finally:
        if server is not None:
            server.stop()


def _report(args: argparse.Namespace, server: object) -> int:
    from ..report.runner import execute, load_scenarios, plan

    scenarios = load_scenarios(args.scenarios) if args.scenarios else None
    runs = plan(scenarios, args.notebook, args.token, [tuple(p) for p in args.parameter],
                args.quick)
    note(f"{len(runs)} run(s) with {args.jobs or os.cpu_count()} job(s)")
    t = time.perf_counter()
    results = execute(runs, args.out, args.jobs, notebooks_dir=args.notebooks_dir,
                      timeout=args.timeout, server=server)
    failed = [r for r in results if not r.ok]
    for r in failed:
        note(f"error: {r.run.notebook} [{r.run.label}] failed at {r.error}")
    index = Path(args.out).resolve() / "index.html"
    print(f"{len(results) - len(failed)} of {len(results)} reports built in "
          f"{time.perf_counter() - t:.0f} s; open {index}")
    return 1 if failed else 0
