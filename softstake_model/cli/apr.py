"""``softstake apr``: APR conversions, realized APR of a history, chain models."""

from __future__ import annotations

import argparse

from .options import print_json

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments"]

NAME = "apr"
HELP = "APR conversions, realized APR, chain models"
DESCRIPTION = "APR tools. Rates are fractions (0.05 = 5%%)."
FLAGS = {"elapsed_seconds": "--elapsed", "windows": "--window", "params": "--param",
         "chain": "CHAIN", "path": "HISTORY"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="apr_command", required=True)
    cv = sub.add_parser("convert", help="APR <-> APY with daily compounding")
    g = cv.add_mutually_exclusive_group(required=True)
    g.add_argument("--apr", type=float, metavar="R")
    g.add_argument("--apy", type=float, metavar="R")
    cv.add_argument("--days-per-year", type=float, default=365, metavar="N")
    cv.set_defaults(run=_convert)
    ix = sub.add_parser("index", help="APR from a share-rate (index) change")
    ix.add_argument("--pre", type=float, required=True, metavar="X")
    ix.add_argument("--post", type=float, required=True, metavar="Y")
    ix.add_argument("--elapsed", type=float, required=True, metavar="SECONDS")
    ix.set_defaults(run=_index)
    rz = sub.add_parser("realized", help="daily realized APR of a reward history (CSV out)")
    rz.add_argument("history", metavar="HISTORY",
                    help="CSV of 'softstake rewards' (or a Binance rewardsRecord JSON)")
    rz.add_argument("--window", type=int, action="append", metavar="N",
                    help="rolling window in days, repeatable (default 7 and 30)")
    rz.add_argument("--precision", type=int, default=8, metavar="N")
    rz.add_argument("--fee", type=float, default=0.0, metavar="F")
    rz.add_argument("--days-per-year", type=float, default=365, metavar="N")
    rz.add_argument("--out", metavar="FILE", help="output CSV (default: stdout)")
    rz.set_defaults(run=_realized)
    ch = sub.add_parser("chain", help="network APR from protocol parameters")
    ch.add_argument("chain", metavar="CHAIN", help="generic, SOL, ADA, TRX, NEAR, APT or EGLD")
    when = ch.add_mutually_exclusive_group()
    when.add_argument("--year", type=float, metavar="Y", help="years into the schedule")
    when.add_argument("--at", metavar="DATE", help="date the rates apply to (YYYY-MM-DD)")
    ch.add_argument("--staked-fraction", type=float, metavar="F")
    ch.add_argument("--commission", type=float, metavar="C")
    ch.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override a parameter of data/chain_params.csv, repeatable")
    ch.set_defaults(run=_chain)


def _convert(args: argparse.Namespace) -> int:
    from ..apr import apr_to_apy, apy_to_apr

    if args.apr is not None:
        apr, apy = args.apr, float(apr_to_apy(args.apr, args.days_per_year))
    else:
        apy, apr = args.apy, float(apy_to_apr(args.apy, args.days_per_year))
    print_json({"apr": apr, "apy": apy, "days_per_year": args.days_per_year})
    return 0


def _index(args: argparse.Namespace) -> int:
    from ..apr import apr_from_index

    print_json({"apr": apr_from_index(args.pre, args.post, args.elapsed),
                "pre": args.pre, "post": args.post, "elapsed_seconds": args.elapsed})
    return 0


def _realized(args: argparse.Namespace) -> int:
    from ..apr import read_reward_history, realized_apr
    from ..files import write_table

    table = realized_apr(read_reward_history(args.history), args.days_per_year,
                         args.precision, args.fee, tuple(args.window or (7, 30)))
    write_table(table, args.out)
    return 0


def _chain(args: argparse.Namespace) -> int:
    from ..apr import network_apr
    from ..errors import ParameterError

    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"'{item}' is not NAME=VALUE", param="params")
        params[name.strip()] = value.strip()
    print_json(network_apr(args.chain, at=args.at, year=args.year,
                           staked_fraction=args.staked_fraction, commission=args.commission,
                           params=params))
    return 0
