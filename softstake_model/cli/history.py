"""``softstake history``: the history store's tables, tidy, as CSV or Parquet."""

from __future__ import annotations

import argparse

from .options import add_token, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "run"]

NAME = "history"
HELP = "the history store's tables, or the catalogue as of a date with each value's source"
DESCRIPTION = (
    "Export a table of the history store (see 'softstake fetch'): one row per token and day "
    "(products, apr, prices) or per reward record (rewards); CSV on stdout, or --out FILE "
    "(.parquet for Parquet), written atomically. 'catalog' prints the catalogue as of --at "
    "(default today): each value, its confidence and where it came from (fetched, or "
    "shipped), the store's latest snapshot on or before that day laid over the shipped one.")
FLAGS = {"location": "--store", "store": "--store", "at": "--at"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("table", choices=["products", "apr", "prices", "rewards", "catalog"],
                   help="which table")
    p.add_argument("--at", metavar="DATE",
                   help="catalog: the day it is taken as of (default today, UTC)")
    p.add_argument("--source", default="binance",
                   choices=["binance", "okx", "kucoin", "kraken"],
                   help="catalog: the exchange whose product snapshots are laid (binance)")
    add_token(p)
    p.add_argument("--start", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--end", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--store", metavar="PATH|URL",
                   help="history store (default: $SOFTSTAKE_STORE, else the user data folder)")
    p.add_argument("--out", metavar="FILE", help="output CSV or .parquet (default: stdout)")


def _amount(v: float) -> str:
    return "no cap" if v == float("inf") else f"{v:,.8g}"


_SHOWN = {"min_holding": _amount, "cap": _amount, "apr": "{:.2%}".format,
          "price_usd": "${:,.4g}".format, "volatility": "{:.0%}".format}


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _existing(location: str | None) -> object:
    """The history store at ``location``, which must exist: reading never creates one."""
    from ..errors import SoftstakeError
    from ..store import existing_store, open_store, store_url

    store = existing_store(location)
    if store is not None:
        return store
    try:
        import sqlalchemy as sa
    except ImportError:
        return open_store(location)  # says which extra to install
    where = sa.make_url(store_url(location)).database
    raise SoftstakeError(f"no history store at {where} (from --store, $SOFTSTAKE_STORE or "
                         "the default): 'softstake fetch' makes one")


def _catalog(args: argparse.Namespace) -> int:
    from ..catalog import load_catalog, select_tokens
    from ..fetch.jobs import parse_day, today
    from ..files import write_table
    from ..product import parse_tokens
    from ..store import catalog_at, catalog_sources

    day = parse_day(args.at, "at") or today()
    store = _existing(args.store)
    cat = catalog_at(load_catalog(), store, day, source=args.source)
    wanted = parse_tokens(args.token)
    table = catalog_sources(select_tokens(cat, wanted) if wanted else cat)
    if args.out:
        write_table(table, args.out)
        note(f"wrote {len(table):,} rows to {args.out}")
        return 0
    laid = len(cat.attrs["fetched"])
    print(f"The catalogue as of {day:%Y-%m-%d}: {laid:,} value(s) fetched into {store.url} "
          "laid over the shipped ones.")
    cells = [[str(t), f, _SHOWN[f](v), c, _short(str(src)), a if isinstance(a, str) else ""]
             for t, f, v, c, src, a in table.itertuples(index=False)]
    head = ["token", "value of", "value", "confidence", "source", "as of"]
    widths = [max(len(r[i]) for r in [head, *cells]) for i in range(len(head))]
    for r in [head, *cells]:
        print("  ".join(x.rjust(w) if i == 2 else x.ljust(w)
                        for i, (x, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    return 0


def run(args: argparse.Namespace) -> int:
    """Read the table and write it."""
    from ..fetch.jobs import export_history, parse_day
    from ..product import parse_tokens

    if args.table == "catalog":
        return _catalog(args)
    start, end = parse_day(args.start, "start"), parse_day(args.end, "end")
    store = _existing(args.store)
    rows = export_history(store, args.table, parse_tokens(args.token), start, end, args.out)
    if args.out:
        note(f"wrote {rows:,} rows of {args.table} from {store.url} to {args.out}")
    return 0
