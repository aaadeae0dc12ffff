"""``softstake rewards``: the daily reward history the product's rules give a ledger."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .options import add_terms, add_timeline, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run", "catalog_and_terms",
           "timeline_of", "ledger_setup"]

NAME = "rewards"
HELP = "daily reward history of a ledger"
DESCRIPTION = ("Compute the daily reward history the product's rules produce for a ledger "
               "(CSV: date,account,token,avg_balance,eligible_balance,apr,reward,paid_at; "
               "Parquet with --out FILE.parquet).")
#: Empty: every option is found by its dest (the Python name). Kept for ``cli/reconcile.py``,
#: which merges it into its own map.
FLAGS: dict[str, str] = {}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("path", metavar="LEDGER",
                   help="ledger CSV (generic or Binance statement), or a converted folder")
    add_terms(p)
    add_timeline(p)
    p.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day (inclusive)")
    p.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day (inclusive)")
    p.add_argument("--no-compound", action="store_true",
                   help="do not credit simulated rewards into later balances")
    p.add_argument("--out", metavar="FILE|DIR",
                   help="output CSV or .parquet file (default: CSV on stdout), or a folder: "
                        "Parquet history plus per-token daily totals")
    p.add_argument("--engine", choices=["memory", "dask"], default="memory",
                   help="memory (default) or dask, over the partitions of a converted ledger")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a running Dask scheduler (default: a local "
                        "cluster sized to the machine)")


def catalog_and_terms(args: argparse.Namespace, limits: bool = True) -> tuple:
    """The catalogue and terms the shared options describe (package calls only); without
    ``limits``, ``--min-holding`` and ``--cap`` are left for :func:`ledger_setup` to lay
    over the tokens the ledger holds."""
    from ..product import build_terms, product_catalog
    from .options import refuse_apr_with_tiers

    refuse_apr_with_tiers(args)
    terms = build_terms(args.preset, snapshot=args.snapshot, fixed_time=args.fixed_time,
                        payout_time=args.payout_time, fee=args.fee, precision=args.precision,
                        seed=args.seed, tiers=args.tiers)
    catalog = product_catalog(args.catalog, args.token, apr=args.apr,
                              min_holding=args.min_holding if limits else None,
                              cap=args.cap if limits else None)
    return catalog, terms


def timeline_of(args: argparse.Namespace, terms: object) -> dict:
    """The timeline options, read (package call)."""
    from ..product import timeline

    return timeline(activated_at=args.activated_at, deactivated_at=args.deactivated_at,
                    activations=args.activations, excluded=args.excluded,
                    apr_history=args.apr_history, terms=terms)


def ledger_setup(args: argparse.Namespace, path: str) -> tuple:
    """Ledger, catalogue, terms and timeline of the ledger commands (package calls only)."""
    from ..catalog import override
    from ..product import ledger_for

    catalog, terms = catalog_and_terms(args, limits=False)
    timeline = timeline_of(args, terms)
    ledger, ignored = ledger_for(path, catalog, format=args.format,
                                 only_catalog_tokens=bool(args.token))
    if ignored:
        note(f"ignoring coins without soft staking: {', '.join(ignored)}")
    if args.min_holding is not None or args.cap is not None:  # checked where it applies
        held = set(ledger["token"].unique())
        catalog = override(catalog, [t for t in catalog.index if t in held],
                           min_holding=args.min_holding, cap=args.cap)
    return ledger, catalog, terms, timeline


def _out_is_dir(out: str | None) -> bool:
    return out is not None and (out.endswith(("/", os.sep)) or Path(out).is_dir()
                                or Path(out).suffix == "")


def run(args: argparse.Namespace) -> int:
    """Read, compute, write."""
    from ..rewards import reward_history

    if args.engine == "dask":
        return _run_dask(args)
    if args.scheduler:
        from ..errors import ParameterError

        raise ParameterError("goes with the dask engine", param="scheduler")
    ledger, catalog, terms, timeline = ledger_setup(args, args.path)
    if not args.no_compound and (ledger["kind"] == "reward").any():
        note("the ledger holds reward credits; they are replaced by the simulated ones "
             "(use 'softstake reconcile' to check them)")
    hist = reward_history(ledger, catalog, terms, start=args.start, end=args.end,
                          compound=not args.no_compound,
                          progress=sys.stderr.isatty() and len(ledger) > 1_000_000, **timeline)
    note(f"terms {terms.name}: {hist.attrs.get('rule_basis', terms.rule_basis)}")
    if _out_is_dir(args.out):
        from ..scale import write_history_dir

        write_history_dir(hist, args.out)
        note(f"wrote {len(hist):,} rows of history and the daily totals to {args.out}")
        return 0
    from ..files import write_table

    write_table(hist, args.out)
    if args.out:
        note(f"wrote {len(hist):,} rows to {args.out}")
    return 0


def _run_dask(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..files import write_table
    from ..scale import get_client, is_ledger_dir, rewards_dask

    if not is_ledger_dir(args.path):
        raise ParameterError(f"reads a converted ledger folder; convert '{args.path}' first: "
                             f"softstake ledger convert {args.path} --out LEDGER_DIR",
                             param="engine")
    catalog, terms = catalog_and_terms(args)
    timeline = timeline_of(args, terms)
    client = get_client(args.scheduler)
    try:
        link = getattr(client, "dashboard_link", None)
        if link:
            note(f"Dask dashboard: {link}")
        to_dir = _out_is_dir(args.out)
        res = rewards_dask(args.path, catalog, terms, start=args.start, end=args.end,
                           out=args.out if to_dir else None, client=client,
                           compound=not args.no_compound, progress=sys.stderr.isatty(),
                           only_catalog_tokens=bool(args.token), **timeline)
        if to_dir:
            note(f"wrote the history and {len(res['totals']):,} daily totals to {args.out}")
        else:
            write_table(res["history"], args.out)
    finally:
        client.close()
    return 0
