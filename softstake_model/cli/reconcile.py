"""``softstake reconcile``: a holder's statement, the reward due each day beside the one paid.

Every option is a field of :class:`softstake_model.reconcile_question.ReconcileQuestion`
(names, defaults, bounds and help written once there); the command builds the question,
calls :func:`~softstake_model.reconcile_question.reconcile_statement` and prints what it
returns.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .options import add_token, note
from .rewards import FLAGS as _REWARDS_FLAGS

if TYPE_CHECKING:
    from ..reconcile_question import Reconciliation

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "reconcile"
HELP = "expected against paid rewards of a statement"
DESCRIPTION = (
    "Check a holder's statement: the reward due each day beside the one paid, with flags for "
    "missing, unexpected or wrong payouts. Binance adjusts the APR daily and publishes no "
    "history, so by default each payout's APR is read off the statement (paid / eligible "
    "balance) and compared with the median of its neighbours; --apr RATE, --apr catalog or "
    "--apr-history FILE compare with that APR instead. A statement of a period opens with "
    "the balances given by --opening-balances, else the smallest that keep every balance >= 0 "
    "(said in the output). Prints the summary, the per-token totals and the flagged payouts, "
    "each with its accrual day, the day it is credited and a reason; --out writes the full "
    "table (CSV or .parquet), or the figures with every parameter used (.json). A value "
    "written none, null or '' means the option's default.")
#: Python names in the package's errors that are not fields of the question.
FLAGS = {**{k: v for k, v in _REWARDS_FLAGS.items() if k in ("fixed_time_s", "payout_time_s")},
         "path": "STATEMENT", "record_account": "--account", "compare": "--apr"}

#: The question's fields by option group, in the order --help lists them.
_MAIN = ("rewards_record", "account", "store", "opening_balances", "reward_label",
         "drop_duplicates")
#: Options that may be repeated (each adds one value).
_REPEATED = ("rewards_record", "reward_label")
_TERMS = ("format", "preset", "catalog")
_RULE = ("min_holding", "cap", "tiers", "snapshot", "fixed_time", "payout_time", "fee",
         "precision", "seed")
_TIMELINE = ("activated_at", "deactivated_at", "activations", "excluded")
_CHECK = ("start", "end", "tolerance", "neighbours")


def _apr(text: str) -> float | str:
    """``--apr``: a fraction or ``catalog`` (refused while the options are parsed)."""
    from ..errors import ParameterError
    from ..reconcile_question import parse_compare

    try:
        return parse_compare(text)  # type: ignore[return-value]
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is neither an APR (0.05 = 5%) nor 'catalog'") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments (from the question's fields)."""
    from .. import spec
    from ..reconcile_question import ReconcileQuestion as Q

    p.add_argument("statement", metavar="STATEMENT", nargs="?",
                   help=spec.specs(Q)["statement"].doc.replace("%", "%%"))
    spec.add_options(p, Q, _MAIN)
    g = p.add_argument_group("product terms (override the preset and the catalogue)")
    spec.add_options(g, Q, _TERMS)
    add_token(g)
    apr = g.add_mutually_exclusive_group()
    spec.add_options(apr, Q, ("apr", "apr_history"))
    spec.add_options(g, Q, _RULE)
    spec.add_options(p.add_argument_group("timeline"), Q, _TIMELINE)
    spec.add_options(p, Q, _CHECK)
    for action in p._actions:  # --apr is refused while parsing, as a type error
        if action.dest == "apr":
            action.type = _apr
    _repeatable(p)
    p.add_argument("--out", metavar="FILE",
                   help="write the full table (CSV or .parquet), or the figures and every "
                        "parameter used (.json)")


def _repeatable(p: argparse.ArgumentParser) -> None:
    """The options of :data:`_REPEATED` collect every value given (one place: an option
    added later, e.g. another source of reward records, joins the tuple)."""
    for action in p._actions:
        if action.dest in _REPEATED:
            action.__class__ = argparse._AppendAction


def _tokens(v: float) -> str:
    return "" if v != v else f"{v:,.8f}"


def _usd(v: float) -> str:
    return "" if v != v else f"{v:,.2f}"


def _day(d: object) -> str:
    return "" if d != d else str(d.date())  # type: ignore[attr-defined]


def _pct(v: float) -> str:
    return "" if v != v else f"{v:.3%}"


def _print(res: Reconciliation) -> None:
    """The summary, the per-token totals and the flagged payouts."""
    table, counts, flagged = res.table, res.counts, res.flagged
    for line in res.glance():
        print(line.replace("activated_at", "--activated-at"))
    paid_rows = int((table["paid"] > 0).sum())
    if res.basis in ("catalog", "given") and counts["mismatch"] > paid_rows / 2:
        print("most payouts differ from that APR: the exchange adjusts it daily; run without "
              "--apr to compare each payout with its neighbours, or give the rates paid "
              "with --apr-history")
    totals = res.totals.reset_index()
    if totals.empty:
        print("no payout to check for the selected token(s)")
        return
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
    if len(flagged):
        width = int(flagged["reason"].str.len().max())
        print()
        print(flagged.to_string(
            index=False, na_rep="",
            columns=["date", "credit_date", "account", "token", "expected", "paid",
                     "difference", "implied_apr", "apr", "flag", "reason"],
            header=["accrual day", "credited", "account", "token", "expected", "paid",
                    "difference", "implied APR", "compared APR", "flag", "reason"],
            formatters={"date": _day, "credit_date": _day, "expected": _tokens,
                        "paid": _tokens, "difference": _tokens, "implied_apr": _pct,
                        "apr": _pct, "reason": lambda r: f" {r:<{width}}"},
            justify="left"))


def run(args: argparse.Namespace) -> int:
    """Reconcile; print the summary, per-token totals and flagged payouts."""
    from .. import spec
    from ..files import atomic_write, write_table
    from ..reconcile_question import ReconcileQuestion, reconcile_statement
    from .options import json_text

    question = spec.from_args(ReconcileQuestion, args, token=args.token)
    res = reconcile_statement(question)
    if res.ignored:
        note(f"ignoring coins without soft staking: {', '.join(res.ignored)}")
    _print(res)
    if args.out and Path(args.out).suffix.lower() == ".json":
        text = json_text({"parameters": res.parameters, **res.figures()})
        atomic_write(args.out, lambda f: f.write(text))
        note(f"wrote the figures and the parameters used to {args.out}")
    elif args.out:
        write_table(res.table, args.out)
        note(f"wrote the full table ({len(res.table):,} rows) to {args.out}")
    elif len(res.table) > len(res.flagged):
        note("--out FILE writes the full table")
    return 0
