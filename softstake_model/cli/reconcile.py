"""``softstake reconcile``: a holder's statement, the reward due each day beside the one paid."""

from __future__ import annotations

import argparse
import sys

from .options import add_terms, add_timeline, note
from .rewards import FLAGS as _REWARDS_FLAGS
from .rewards import ledger_setup

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "reconcile"
HELP = "expected against paid rewards of a statement"
DESCRIPTION = ("Check a holder's statement: the reward due each day beside the one paid, with "
               "flags for missing, unexpected or wrong days.")
FLAGS = {**_REWARDS_FLAGS, "path": "STATEMENT", "record_account": "--account"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("statement", metavar="STATEMENT", help="statement CSV with reward credits")
    p.add_argument("--rewards-record", metavar="FILE",
                   help="Binance rewardsRecord JSON; paid rewards are taken from it")
    p.add_argument("--account", help="account the rewards record belongs to")
    add_terms(p)
    add_timeline(p)
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first accrual day to check")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last accrual day to check")
    p.add_argument("--out", metavar="FILE", help="also write the full table as CSV here")


def run(args: argparse.Namespace) -> int:
    """Reconcile and print the counts, the flagged rows and (without --out) the table."""
    from ..files import write_table
    from ..ledger import read_rewards_record
    from ..reconcile import flag_counts, reconcile

    ledger, catalog, terms, timeline = ledger_setup(args, args.statement)
    record = read_rewards_record(args.rewards_record) if args.rewards_record else None
    table = reconcile(ledger, catalog, terms, start=args.start, end=args.end,
                      rewards_record=record, record_account=args.account, **timeline)
    counts = flag_counts(table)
    print(f"{len(table)} payouts checked: " + ", ".join(f"{n} {f}" for f, n in counts.items()))
    flagged = table[table["flag"] != "ok"]
    if len(flagged):
        cols = ["date", "account", "token", "expected", "paid", "difference", "flag"]
        print(flagged[cols].to_string(index=False, float_format=lambda v: f"{v:.8f}"))
    if args.out:
        write_table(table, args.out)
        note(f"wrote the full table ({len(table):,} rows) to {args.out}")
    else:
        print()
        sys.stdout.flush()
        write_table(table, None)
    return 0
