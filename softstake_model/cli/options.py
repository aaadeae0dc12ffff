"""Options shared by several commands, defined once, and the output helpers of the shells.

``--token`` means the same everywhere: comma-separated and repeatable
(``--token BNB,SOL --token ADA``); a command about one position takes one token.
Nothing here computes a figure: parsing and printing only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

__all__ = [
    "note",
    "add_token",
    "add_catalog",
    "add_preset",
    "add_terms",
    "refuse_apr_with_tiers",
    "add_timeline",
    "json_text",
    "print_json",
]


def note(text: str) -> None:
    """A line for the user on stderr, prefixed with the command's name."""
    print(f"softstake: {text}", file=sys.stderr)


def add_token(p: argparse.ArgumentParser | argparse._ArgumentGroup, one: bool = False) -> None:
    """``--token``: comma-separated and repeatable."""
    what = "catalogue token (its minimum, cap, APR, unbonding, volatility)" if one else \
        "token(s), comma-separated or repeated (default: all)"
    p.add_argument("--token", action="append", metavar="TOKEN", help=what)


def add_catalog(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--catalog FILE``: a CSV, YAML or Binance product-list JSON laid over the catalogue."""
    p.add_argument("--catalog", metavar="FILE",
                   help="CSV/YAML/API-JSON file laid over the shipped token catalogue")


def add_preset(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--preset NAME`` with the presets' names as choices."""
    from ..terms import PRESETS

    p.add_argument("--preset", default="binance_soft_staking", choices=list(PRESETS),
                   help="product terms (default binance_soft_staking)")


def refuse_apr_with_tiers(args: argparse.Namespace) -> None:
    """``--apr`` and ``--tiers`` together are refused: the tiers set the rate paid, so the
    APR would be shown beside rewards it did not make."""
    if getattr(args, "apr", None) is not None and getattr(args, "tiers", None) is not None:
        from ..errors import ParameterError

        raise ParameterError("--apr cannot be combined with --tiers: the tiers set the rate "
                             "paid (give one of them)")


def add_terms(p: argparse.ArgumentParser, apr_type: object = float,
              apr_help: str = "APR as a fraction (0.05 = 5%%)") -> None:
    """Catalogue and product terms of the ledger commands (``rewards``, ``reconcile``);
    ``apr_type`` parses ``--apr``. The product terms' options are the fields of
    :class:`~softstake_model.terms.Terms` (meaning, bounds and choices written there), each
    defaulting to the preset's value; the times of day are given as HH:MM."""
    from ..spec import add_options
    from ..terms import Terms

    g = p.add_argument_group("product terms (override the preset and the catalogue)")
    g.add_argument("--format", default="auto", choices=["auto", "generic", "binance-statement"],
                   help="ledger format (auto: Binance statements are recognised by header)")
    add_token(g)
    add_preset(g)
    add_catalog(g)
    apr = g.add_mutually_exclusive_group()
    apr.add_argument("--apr", type=apr_type, metavar="RATE", help=apr_help)
    apr.add_argument("--apr-history", metavar="FILE", help="CSV date,token,apr (every day)")
    g.add_argument("--min-holding", type=float, metavar="X", help="minimum balance (tokens)")
    g.add_argument("--cap", type=float, metavar="Y", help="cap on eligible balance (tokens)")
    names = ["tiers", "snapshot", "fee", "precision", "seed"]
    add_options(g, Terms, names, defaults=dict.fromkeys(names))
    g.add_argument("--fixed-time", metavar="HH:MM", help="time of the 'fixed' snapshot (UTC)")
    g.add_argument("--payout-time", metavar="HH:MM", help="time of day of payouts (UTC)")


def add_timeline(p: argparse.ArgumentParser) -> None:
    """Activation, deactivation and excluded accounts."""
    t = p.add_argument_group("timeline")
    t.add_argument("--activated-at", metavar="ISO", help="activation instant, all accounts")
    t.add_argument("--deactivated-at", metavar="ISO", help="deactivation instant, all accounts")
    t.add_argument("--activations", metavar="FILE",
                   help="CSV account,activated_at[,deactivated_at][,token]")
    t.add_argument("--exclude-accounts", dest="excluded", metavar="FILE",
                   help="CSV with an 'account' column: accounts that accrue nothing")


def _finite(obj: object) -> object:
    """JSON has no infinity or NaN: write them as null (a cap of null means no cap)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):  # numpy scalars
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def json_text(obj: object) -> str:
    """Indented JSON of plain figures, non-finite numbers as null."""
    return json.dumps(_finite(obj), indent=2) + "\n"


def print_json(obj: object) -> None:
    """Write :func:`json_text` to stdout."""
    sys.stdout.write(json_text(obj))
