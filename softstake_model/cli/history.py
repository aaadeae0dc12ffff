"""``softstake history``: the history store's tables, tidy, as CSV or Parquet."""

from __future__ import annotations

import argparse

from .options import add_token, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "history"
HELP = "export the history store: products, APR, prices or rewards (CSV)"
DESCRIPTION = (
    "Export a table of the history store (see 'softstake fetch'): one row per token and day "
    "(products, apr, prices) or per reward record (rewards). CSV on stdout, or --out FILE "
    "(.parquet for Parquet), written atomically.")
FLAGS = {"location": "--store", "store": "--store"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("table", choices=["products", "apr", "prices", "rewards"],
                   help="which table")
    add_token(p)
    p.add_argument("--start", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--end", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--store", metavar="PATH|URL",
                   help="history store (default: $SOFTSTAKE_STORE, else the user data folder)")
    p.add_argument("--out", metavar="FILE", help="output CSV or .parquet (default: stdout)")


def run(args: argparse.Namespace) -> int:
    """Read the table and write it."""
    from ..fetch.jobs import export_history, parse_day
    from ..product import parse_tokens
    from ..store import open_store

    start, end = parse_day(args.start, "start"), parse_day(args.end, "end")
    store = open_store(args.store)
    rows = export_history(store, args.table, parse_tokens(args.token), start, end, args.out)
    if args.out:
        note(f"wrote {rows:,} rows of {args.table} from {store.url} to {args.out}")
    return 0
