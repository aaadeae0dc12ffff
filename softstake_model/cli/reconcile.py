"""``softstake reconcile``: a holder's statement, the reward due each day beside the one paid."""

from __future__ import annotations

import argparse

from .options import add_terms, add_timeline, note
from .rewards import FLAGS as _REWARDS_FLAGS
from .rewards import catalog_and_terms, timeline_of

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "reconcile"
HELP = "expected against paid rewards of a statement"
DESCRIPTION = (
    "Check a holder's statement: the reward due each day beside the one paid, with flags for "
    "missing, unexpected or wrong payouts. Binance adjusts the APR daily and publishes no "
    "history, so by default each payout's APR is read off the statement (paid / eligible "
    "balance) and compared with the median of its neighbours; --apr RATE, --apr catalog or "
    "--apr-history FILE compare with that APR instead. Prints the summary, the per-token "
    "totals and the flagged payouts; --out writes the full table.")
FLAGS = {**_REWARDS_FLAGS, "path": "STATEMENT", "record_account": "--account",
         "compare": "--apr"}


def _apr(text: str) -> float | str:
    """``--apr``: a fraction or ``catalog``."""
    if text.strip().lower() == "catalog":
        return "catalog"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is neither an APR (0.05 = 5%) nor 'catalog'") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("statement", metavar="STATEMENT", help="statement CSV with reward credits")
    p.add_argument("--rewards-record", metavar="FILE",
                   help="Binance rewardsRecord JSON; paid rewards are taken from it")
    p.add_argument("--account", help="account the rewards record belongs to")
    add_terms(p, apr_type=_apr,
              apr_help="compare with this APR (0.05 = 5%%) or with the catalogue's "
                       "('catalog') instead of the APR implied by each payout")
    add_timeline(p)
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first accrual day to check")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last accrual day to check")
    p.add_argument("--tolerance", type=float, metavar="F",
                   help="relative departure from the APR compared with that is still ok "
                        "(default 0.1 when the APR is implied, 0 when one is given)")
    p.add_argument("--out", metavar="FILE", help="write the full table (CSV or .parquet)")


def _tokens(v: float) -> str:
    return "" if v != v else f"{v:,.8f}"


def _usd(v: float) -> str:
    return "" if v != v else f"{v:,.2f}"


def _pct(v: float) -> str:
    return "" if v != v else f"{v:.3%}"


def run(args: argparse.Namespace) -> int:
    """Reconcile; print the summary, per-token totals and flagged payouts."""
    from ..files import write_table
    from ..ledger import read_rewards_record
    from ..product import ledger_for, parse_tokens
    from ..reconciliation import flag_counts, reconcile, reconcile_totals

    # the whole statement is read (its range and activation), the tokens chosen afterwards
    whole = argparse.Namespace(**{**vars(args), "apr": None, "token": None})
    catalog, terms = catalog_and_terms(whole)
    timeline = timeline_of(args, terms)
    tokens = parse_tokens(args.token)
    ledger, ignored = ledger_for(args.statement, catalog, format=args.format,
                                 only_catalog_tokens=bool(tokens))
    if ignored:
        note(f"ignoring coins without soft staking: {', '.join(ignored)}")
    record = read_rewards_record(args.rewards_record) if args.rewards_record else None
    table = reconcile(ledger, catalog, terms, start=args.start, end=args.end,
                      rewards_record=record, record_account=args.account, compare=args.apr,
                      tolerance=args.tolerance, tokens=tokens or None, **timeline)
    counts = flag_counts(table)
    if len(table):
        span = f" ({table['date'].min().date()} to {table['date'].max().date()})"
    else:
        span = ""
    print(f"{len(table)} payouts checked{span}: "
          + ", ".join(f"{n} {f}" for f, n in counts.items()))
    print(f"compared with {table.attrs['compared_with']}")
    if table.attrs.get("activation"):
        print(table.attrs["activation"].replace("activated_at", "--activated-at"))
    paid_rows = int((table["paid"] > 0).sum())
    if table.attrs["basis"] in ("catalog", "given") and counts["mismatch"] > paid_rows / 2:
        print("most payouts differ from that APR: the exchange adjusts it daily; run without "
              "--apr to compare each payout with its neighbours, or give the rates paid "
              "with --apr-history")
    totals = reconcile_totals(table, catalog, terms.precision).reset_index()
    if totals.empty:
        print("no payout to check for the selected token(s)")
        return 0
    print()
    print(totals.to_string(
        index=False,
        columns=["token", "payouts", "flagged", "expected", "paid", "difference",
                 "difference_usd"],
        header=["token", "payouts", "flagged", "expected", "paid", "difference",
                "difference USD"],
        formatters={"expected": _tokens, "paid": _tokens, "difference": _tokens,
                    "difference_usd": _usd}))
    print("(amounts in tokens; USD at the catalogue price)")
    flagged = table[table["flag"] != "ok"]
    if len(flagged):
        print()
        print(flagged.to_string(
            index=False, na_rep="",
            columns=["date", "account", "token", "expected", "paid", "difference",
                     "implied_apr", "apr", "flag"],
            header=["date", "account", "token", "expected", "paid", "difference",
                    "implied APR", "compared APR", "flag"],
            formatters={"date": lambda d: str(d.date()), "expected": _tokens,
                        "paid": _tokens, "difference": _tokens, "implied_apr": _pct,
                        "apr": _pct}))
    if args.out:
        write_table(table, args.out)
        note(f"wrote the full table ({len(table):,} rows) to {args.out}")
    elif len(table) > len(flagged):
        note("--out FILE writes the full table")
    return 0
