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

    m = convert_ledger(args.source, args.out, args.buckets, args.format, args.chunksize,
                       progress=sys.stderr.isatty())
    note(f"wrote {m['rows']:,} rows into {len(m['files'])} partitions under {args.out}")
    found = repeated_lines(args.source)
    if found:
        note(f"{found[0]:,} line(s) repeat an earlier line exactly, first line {found[1]} "
             f"(same as line {found[2]}): the same export twice? They are converted as "
             "they are")
    return 0


#: Most body lines checked for repeats (16 bytes each: 320 MB at the limit).
MAX_CHECKED_LINES = 20_000_000


def repeated_lines(path: str) -> tuple[int, int, int] | None:
    """``(count, first line, the line it repeats)`` of body lines that repeat an earlier one
    exactly (blank lines aside), or None; files over :data:`MAX_CHECKED_LINES` lines are
    not checked (None). One pass, a 64-bit hash and the line number per line."""
    from array import array

    import numpy as np

    hashes, numbers = array("q"), array("q")
    with open(path, "rb") as f:
        next(f, None)
        for number, line in enumerate(f, start=2):
            key = line.rstrip(b"\r\n")
            if key.strip():
                hashes.append(hash(key))
                numbers.append(number)
            if len(hashes) > MAX_CHECKED_LINES:
                return None
    h, n = np.frombuffer(hashes, dtype=np.int64), np.frombuffer(numbers, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    same = h[order][1:] == h[order][:-1]
    if not same.any():
        return None
    starts = np.maximum.accumulate(np.where(np.r_[True, ~same], np.arange(len(h)), 0))
    later = np.flatnonzero(np.r_[False, same])  # sorted positions of the repeats
    k = later[np.argmin(n[order][later])]
    return int(same.sum()), int(n[order][k]), int(n[order][starts[k]])
