"""``softstake ledger convert``: a ledger streamed into account-bucketed Parquet."""

from __future__ import annotations

import argparse
import sys

from .options import note

__all__ = ["NAME", "HELP", "DESCRIPTION", "add_arguments", "run"]

NAME = "ledger"
HELP = "ledger tools"
DESCRIPTION = "Ledger tools."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="ledger_command", required=True)
    cv = sub.add_parser("convert", help="stream a ledger into bucketed Parquet partitions",
                        description="Convert a ledger CSV (generic or Binance statement) into "
                        "Parquet partitions bucketed by account, reading it in chunks.")
    cv.add_argument("source", metavar="INPUT", help="ledger CSV (generic or Binance statement)")
    cv.add_argument("--out", required=True, metavar="DIR")
    cv.add_argument("--buckets", type=int, default=64, metavar="N")
    cv.add_argument("--format", default="auto", choices=["auto", "generic", "binance-statement"])
    cv.add_argument("--chunksize", type=int, default=1_000_000, metavar="ROWS")
    cv.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Convert."""
    from ..scale import convert_ledger
    from ..statement import repeated_lines

    m = convert_ledger(args.source, args.out, args.buckets, args.format, args.chunksize,
                       progress=sys.stderr.isatty())
    note(f"wrote {m['rows']:,} rows into {len(m['files'])} partitions under {args.out}")
    found = repeated_lines(args.source)
    if found:
        note(f"{found[0]:,} line(s) repeat an earlier line exactly, first line {found[1]} "
             f"(same as line {found[2]}): the same export twice? They are converted as "
             "they are")
    return 0
