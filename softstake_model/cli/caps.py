"""``softstake caps``: what a minimum and a cap cost the platform."""

from __future__ import annotations

import argparse

from .options import add_rule, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "caps"
HELP = "what a minimum and a cap cost the platform (JSON)"
DESCRIPTION = ("Cost, shares and concentration of rewards for a holder population under a "
               "minimum and a cap.")
FLAGS = {"step": "--cap-step", "path": "--balances"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--balances", metavar="FILE", help="CSV with a 'balance' column")
    src.add_argument("--population", metavar="SPEC",
                     help="lognormal:MU,SIGMA | pareto:XM,ALPHA | W*A+W*B mixtures")
    p.add_argument("--holders", type=int, metavar="N", help="holders to sample")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    add_rule(p)
    p.add_argument("--budget", type=float, metavar="DAILY_COST",
                   help="also find the largest cap whose daily cost fits (tokens a day)")
    p.add_argument("--cap-step", type=float, default=0.01, metavar="X",
                   help="resolution of the cap search (tokens, default 0.01)")
    p.add_argument("--out", metavar="FILE", help="also write the JSON here")


def run(args: argparse.Namespace) -> int:
    """Compute and print the JSON summary."""
    import sys

    from ..caps import caps_summary, population_balances
    from ..files import atomic_write
    from ..product import build_terms, token_rule

    balances = population_balances(args.population, args.holders, args.balances, args.seed)
    terms = build_terms(args.preset, tiers=args.tiers)
    rule = token_rule(args.token, catalog=args.catalog, apr=args.apr,
                      min_holding=args.min_holding, cap=args.cap, terms=terms)
    text = json_text(caps_summary(balances, rule, terms, budget=args.budget,
                                  cap_step=args.cap_step))
    sys.stdout.write(text)
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
    return 0
