"""``softstake yields``: what a holder earns — projections and the effective-APR curve."""

from __future__ import annotations

import argparse

from .options import add_rule, print_json

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments"]

NAME = "yields"
HELP = "what a holder earns: projections and APR curves"
DESCRIPTION = "Holder yields."
FLAGS = {"price_paths": "--paths", "payout_time_s": "--payout-time", "prices": "--price",
         "path": "--price-history"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="yields_command", required=True)
    pj = sub.add_parser("project", help="project a balance with daily compounding (JSON)",
                        description="Project a balance through the product's rules. With "
                        "--apr-paths the APR follows simulated paths; with --price (and "
                        "--volatility or --price-history) the result is also valued in fiat.")
    pj.add_argument("--balance", type=float, required=True, metavar="X",
                    help="tokens held from before --start")
    add_rule(pj)
    pj.add_argument("--days", type=int, default=365, metavar="N")
    pj.add_argument("--start", default="2025-11-20", metavar="DATE")
    pj.add_argument("--payout-time", metavar="HH:MM")
    pj.add_argument("--apr-paths", type=int, default=0, metavar="N",
                    help="simulate N APR paths (OU, kappa and sigma fitted on the shipped "
                         "ETH.STORE series, long-run level at the APR)")
    pj.add_argument("--price", type=float, metavar="P", help="token price now (fiat)")
    pj.add_argument("--volatility", type=float, metavar="V",
                    help="annual price volatility (default: the token's)")
    pj.add_argument("--drift", type=float, default=0.0, metavar="MU", help="annual drift")
    pj.add_argument("--price-history", metavar="FILE",
                    help="CSV of daily prices (column 'price' or 'close'): bootstrap its daily "
                         "returns instead of GBM; starts at --price if given, else the last")
    pj.add_argument("--paths", type=int, default=1000, metavar="N", help="price paths")
    pj.add_argument("--seed", type=int, default=0, metavar="S")
    pj.set_defaults(run=_project)
    cu = sub.add_parser("curve", help="effective APR against balance (CSV)")
    add_rule(cu)
    cu.add_argument("--balances", required=True, metavar="B1,B2,...")
    cu.set_defaults(run=_curve)


def _project(args: argparse.Namespace) -> int:
    from ..product import build_terms, token_rule
    from ..yields import holder_outlook

    terms = build_terms(args.preset, tiers=args.tiers, payout_time=args.payout_time)
    rule = token_rule(args.token, catalog=args.catalog, apr=args.apr,
                      min_holding=args.min_holding, cap=args.cap, terms=terms)
    print_json(holder_outlook(args.balance, rule, terms, days=args.days, start=args.start,
                              apr_paths=args.apr_paths, seed=args.seed, price=args.price,
                              volatility=args.volatility, drift=args.drift,
                              price_history=args.price_history, price_paths=args.paths))
    return 0


def _curve(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..files import write_table
    from ..product import build_terms, token_rule
    from ..yields import effective_apr_curve

    try:
        balances = [float(b) for b in args.balances.split(",") if b.strip()]
    except ValueError:
        raise ParameterError(f"'{args.balances}' is not a list of numbers",
                             param="balances") from None
    terms = build_terms(args.preset, tiers=args.tiers)
    rule = token_rule(args.token, catalog=args.catalog, apr=args.apr,
                      min_holding=args.min_holding, cap=args.cap, terms=terms)
    write_table(effective_apr_curve(balances, rule.apr, rule.min_holding, rule.cap, terms),
                None)
    return 0
