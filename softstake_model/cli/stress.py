"""``softstake stress``: can withdrawals be paid while stake unbonds?"""

from __future__ import annotations

import argparse

from .options import add_catalog, add_token, json_text, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "stress"
HELP = "liquidity stress: can withdrawals be paid while stake unbonds?"
DESCRIPTION = ("Simulate withdrawals against a liquid buffer and bonded stake. Prints (or "
               "writes) a JSON summary; --daily-out writes the daily state.")
FLAGS = {"buffer_ratio": "--buffer", "shocks": "--shock", "rates": "--withdrawal-rates",
         "arrival_rate": "--run-rate", "duration_days": "--run-days", "size_min": "--run-min",
         "size_alpha": "--run-alpha", "size_cap": "--run-cap",
         "price_sensitivity": "--price-link", "size_buffer_alpha": "--size-buffer",
         "max_delay_days": "--max-delay", "alpha": "--size-buffer", "path": "--withdrawal-rates"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments (run-model defaults are read from ``RunModel``)."""
    from ..liquidity import RunModel

    add_token(p, one=True)
    add_catalog(p)
    p.add_argument("--total", type=float, required=True, metavar="AMOUNT",
                   help="users' balances at the start (tokens)")
    p.add_argument("--buffer", type=float, required=True, metavar="RATIO",
                   help="share kept liquid, in [0, 1]")
    p.add_argument("--unbonding", metavar="RULE",
                   help="fixed:N | boundary:P[@PHASE] | none (default: the token's rule)")
    p.add_argument("--days", type=int, metavar="H", help="horizon in days (default 90)")
    p.add_argument("--base-rate", type=float, default=0.0, metavar="R",
                   help="share of balances withdrawn every day")
    p.add_argument("--shock", action="extend", nargs="+", default=[], metavar="DAY:FRACTION",
                   help="scheduled extra withdrawals: --shock 1:0.3 5:0.1 (or repeated)")
    p.add_argument("--withdrawal-rates", metavar="FILE",
                   help="CSV path,day,rate: replay these paths instead of generating them")
    p.add_argument("--max-unbond-per-day", type=float, metavar="X",
                   help="most that may be unbonded per day (tokens)")
    p.add_argument("--restake", action="store_true", help="re-stake liquid excess daily")
    p.add_argument("--deposit-rate", type=float, default=0.0, metavar="R",
                   help="share of balances deposited every day")
    p.add_argument("--network-apr", type=float, default=0.0, metavar="R",
                   help="APR the bonded stake earns (paid into the buffer)")
    p.add_argument("--user-apr", type=float, default=0.0, metavar="R",
                   help="APR credited to user balances")
    p.add_argument("--paths", type=int, default=1, metavar="N",
                   help="Monte Carlo paths (more than 1 turns the stochastic runs on)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
    rm = RunModel()  # the documented (assumed) defaults live in one place
    runs = p.add_argument_group("stochastic runs (with --paths > 1; defaults are assumed)")
    runs.add_argument("--run-rate", type=float, default=rm.arrival_rate, metavar="P",
                      help=f"probability a run starts on a day (default {rm.arrival_rate:.4g})")
    runs.add_argument("--run-days", type=int, default=rm.duration_days, metavar="D",
                      help=f"days a run lasts (default {rm.duration_days})")
    runs.add_argument("--run-min", type=float, default=rm.size_min, metavar="S",
                      help=f"smallest run, share of balances (Pareto scale, default "
                           f"{rm.size_min:g})")
    runs.add_argument("--run-alpha", type=float, default=rm.size_alpha, metavar="A",
                      help=f"Pareto tail index of run sizes (default {rm.size_alpha:g})")
    runs.add_argument("--run-cap", type=float, default=rm.size_cap, metavar="S",
                      help=f"largest run, share of balances (default {rm.size_cap:g})")
    runs.add_argument("--price-link", type=float, default=rm.price_sensitivity, metavar="K",
                      help="extra withdrawal share per unit of new log drawdown of a price "
                      "path at the token's volatility")
    p.add_argument("--size-buffer", type=float, metavar="ALPHA",
                   help="also find the smallest buffer with P(delay) <= ALPHA")
    p.add_argument("--max-delay", type=float, metavar="K",
                   help="with --size-buffer: P(max delay > K days) <= ALPHA instead")
    p.add_argument("--engine", choices=["memory", "dask"], default="memory",
                   help="dask: Monte Carlo paths in chunks as Dask tasks")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: a scheduler")
    p.add_argument("--chunk", type=int, default=1000, metavar="PATHS",
                   help="paths per Dask task (results do not depend on it)")
    p.add_argument("--out", metavar="SUMMARY.json", help="write the summary here")
    p.add_argument("--daily-out", metavar="DAILY.csv", help="write the daily state here")


def run(args: argparse.Namespace) -> int:
    """Run the scenario and write its summary (and daily state)."""
    from ..files import atomic_write, write_table
    from ..liquidity import RunModel, parse_shock
    from ..stress import run_stress

    runs = RunModel(arrival_rate=args.run_rate, duration_days=args.run_days,
                    size_min=args.run_min, size_alpha=args.run_alpha, size_cap=args.run_cap,
                    price_sensitivity=args.price_link)
    report = run_stress(
        total=args.total, buffer_ratio=args.buffer, token=args.token, catalog=args.catalog,
        unbonding=args.unbonding, days=args.days, base_rate=args.base_rate,
        shocks=tuple(parse_shock(x) for x in args.shock), rates=args.withdrawal_rates,
        max_unbond_per_day=args.max_unbond_per_day, restake=args.restake,
        deposit_rate=args.deposit_rate, network_apr=args.network_apr, user_apr=args.user_apr,
        paths=args.paths, seed=args.seed, runs=runs, size_buffer_alpha=args.size_buffer,
        max_delay_days=args.max_delay, engine=args.engine, scheduler=args.scheduler,
        chunk=args.chunk, daily=bool(args.daily_out))
    text = json_text(report.summary)
    # the daily state first: if it fails, no new summary is left beside the earlier one
    if report.daily is not None:
        write_table(report.daily, args.daily_out)
        note(f"wrote {len(report.daily):,} daily rows to {args.daily_out}")
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
        note(f"wrote the summary to {args.out}")
    else:
        print(text, end="")
    return 0
