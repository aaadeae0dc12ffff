"""``softstake caps``: what a minimum and a cap cost the platform.

Every option is a field of :class:`~softstake_model.cap_question.CapQuestion` (meaning,
unit, bounds and default written once there); the answer comes from
:func:`~softstake_model.cap_question.cap_cost`, the entry point the caps report calls too.
"""

from __future__ import annotations

import argparse

from .options import json_text, refuse_apr_with_tiers

__all__ = ["NAME", "HELP", "DESCRIPTION", "add_arguments", "run"]

NAME = "caps"
HELP = "what a minimum and a cap cost the platform (JSON)"
DESCRIPTION = ("Cost, shares and concentration of rewards for a holder population under a "
               "minimum and a cap, and the margin left of the on-chain yield. Without "
               "--balances or --population the holders are the report's population in USD "
               "(--population-usd) at the token's price. The command has no default token: "
               "without --token the terms are the ones given.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    from ..cap_question import CapQuestion as Q
    from ..spec import add_options

    add_options(p.add_mutually_exclusive_group(), Q, ["balances", "population",
                                                      "population_usd"])
    add_options(p, Q, exclude=["balances", "population", "population_usd"],
                defaults={"token": None})
    p.add_argument("--out", metavar="FILE", help="also write the JSON here")


def run(args: argparse.Namespace) -> int:
    """Compute and print the JSON summary."""
    import sys

    from ..cap_question import CapQuestion, cap_cost
    from ..files import atomic_write
    from ..spec import from_args

    refuse_apr_with_tiers(args)
    text = json_text(cap_cost(from_args(CapQuestion, args)).summary)
    sys.stdout.write(text)
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
    return 0
