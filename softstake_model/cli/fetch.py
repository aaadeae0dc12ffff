"""``softstake fetch``: today's products, rewards, prices and rates into the history store."""

from __future__ import annotations

import argparse

from .options import add_token, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments", "change_lines"]

NAME = "fetch"
HELP = "fetch Binance products, rewards and rates and daily prices into the history store"
DESCRIPTION = (
    "Fetch today's data into the history store (SQLite in the user data folder, "
    "SOFTSTAKE_STORE or --store for another file or a database URL). Binance calls are "
    "signed with keys from the environment only: BINANCE_API_KEY with BINANCE_API_SECRET, "
    "or BINANCE_PRIVATE_KEY_FILE (and BINANCE_PRIVATE_KEY_PASSPHRASE). Prices need no key. "
    "Each fetch is one transaction: a failure leaves the store as it was.")
FLAGS = {"base_url": "--base-url", "store": "--store", "attempts": "--retries",
         "max_wait": "--max-wait", "window_days": "--window", "days": "--days",
         "timeout": "--timeout", "page_size": "--page-size", "end": "--end",
         "exchange": "--exchange", "location": "--store", "urls": "--url"}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="PATH|URL",
                   help="history store: an SQLite file or an SQLAlchemy URL "
                        "(default: $SOFTSTAKE_STORE, else the user data folder)")
    p.add_argument("--base-url", metavar="URL",
                   help="API base URL (default: $BINANCE_BASE_URL or, for prices, "
                        "$SOFTSTAKE_PRICES_BASE_URL; else the exchange's own)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="per request (default 10)")
    p.add_argument("--retries", type=int, default=4, metavar="N",
                   help="tries of a rate-limited request in all (default 4)")
    p.add_argument("--max-wait", type=float, default=120.0, metavar="SECONDS",
                   help="longest Retry-After honoured (default 120)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="fetch_command", required=True)
    pr = sub.add_parser("products", help="every soft-staking product (minimum, cap, APR)")
    _common(pr)
    pr.add_argument("--out", metavar="FILE.json",
                    help="also write the product list JSON (what --catalog reads)")
    pr.add_argument("--page-size", type=int, default=100, metavar="N")
    pr.set_defaults(run=_products)
    rw = sub.add_parser("rewards", help="the account's reward records (90-day windows)")
    _common(rw)
    rw.add_argument("--start", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    rw.add_argument("--end", metavar="DATE", help="last day (default today)")
    add_token(rw)
    rw.add_argument("--out", metavar="FILE.json",
                    help="also write the records as rewardsRecord JSON (what reconcile reads)")
    rw.add_argument("--page-size", type=int, default=100, metavar="N")
    rw.set_defaults(run=_rewards)
    pc = sub.add_parser("prices", help="daily closes through ccxt (no key)")
    _common(pc)
    pc.add_argument("--token", action="append", required=True, metavar="TOKEN",
                    help="token(s), comma-separated or repeated")
    pc.add_argument("--days", type=int, default=400, metavar="N",
                    help="complete days back from today (default 400)")
    pc.add_argument("--exchange", default="binance",
                    choices=["binance", "okx", "kraken", "gateio", "kucoin"])
    pc.add_argument("--quote", default="USDT", metavar="CCY", help="quote currency (USDT)")
    pc.add_argument("--window", type=int, default=365, metavar="DAYS",
                    help="days of returns the volatility shown is computed over (365)")
    pc.set_defaults(run=_prices)
    rt = sub.add_parser("rates", help="BNSOL and WBETH rate histories as APR histories")
    _common(rt)
    rt.add_argument("--token", action="append", metavar="TOKEN",
                    help="BNSOL and/or WBETH (default both)")
    rt.add_argument("--start", metavar="DATE", help="first day (default 90 days ago)")
    rt.add_argument("--end", metavar="DATE", help="last day (default today)")
    rt.set_defaults(run=_rates)
    _add_chain(sub)


def _session(args: argparse.Namespace) -> object:
    from ..fetch import RetryPolicy, credentials_from_env, make_session

    return make_session(credentials_from_env(), args.base_url, args.timeout,
                        RetryPolicy(attempts=args.retries, max_wait=args.max_wait))


def _pct(x: float) -> str:
    return "no cap" if x == float("inf") else f"{x:.2%}"


def _amount(x: float) -> str:
    return "no cap" if x == float("inf") else f"{x:,.8g}"


def change_lines(changes: object) -> list[str]:
    """One line per moved figure of ``softstake_model.store.product_changes``."""
    words = {"apr": ("APR", _pct), "min_holding": ("minimum", _amount),
             "cap": ("cap", _amount)}
    out = []
    for r in changes.itertuples(index=False):
        if r.field in ("added", "removed"):
            out.append(f"  {r.token}: {r.field}")
        else:
            name, fmt = words[r.field]
            out.append(f"  {r.token}: {name} {fmt(r.old)} -> {fmt(r.new)}")
    return out


def _products(args: argparse.Namespace) -> int:
    from ..fetch.jobs import products_job
    from ..store import open_store

    store = open_store(args.store)
    done = products_job(store, _session(args), args.page_size, args.out)
    print(f"Fetched {done.fetched:,} soft-staking products from Binance at "
          f"{done.fetched_at:%Y-%m-%d %H:%M} UTC into {store.url}; "
          f"{done.recorded.changed:,} rows new or changed.")
    lines = change_lines(done.recorded.changes)
    print("Changes since the last snapshot:" if lines else "No change since the last snapshot.")
    for line in lines:
        print(line)
    return 0


def _rewards(args: argparse.Namespace) -> int:
    from ..fetch.jobs import parse_day, rewards_job
    from ..product import parse_tokens
    from ..store import open_store

    start, end = parse_day(args.start, "start"), parse_day(args.end, "end")
    store = open_store(args.store)
    done = rewards_job(store, _session(args), start, end, parse_tokens(args.token),
                       args.page_size, args.out)
    print(f"Fetched {done.fetched:,} reward records from {done.start:%Y-%m-%d} to "
          f"{done.end:%Y-%m-%d} into {store.url}; {done.recorded.changed:,} new or changed.")
    return 0


def _prices(args: argparse.Namespace) -> int:
    from ..fetch import make_price_source
    from ..fetch.errors import RetryPolicy
    from ..fetch.jobs import prices_job
    from ..product import parse_tokens
    from ..store import open_store

    store = open_store(args.store)
    src = make_price_source(args.exchange, args.base_url, args.timeout,
                            RetryPolicy(attempts=args.retries, max_wait=args.max_wait))
    tokens = parse_tokens(args.token)
    done = prices_job(store, src, tokens, args.quote, args.days, args.window)
    print(f"Fetched {done.fetched:,} daily candles from {args.exchange} into {store.url}; "
          f"{done.recorded.changed:,} new or changed.")
    for f in done.figures:
        vol = "too few days for a volatility" if f["volatility"] != f["volatility"] else \
            f"volatility {f['volatility']:.1%} a year from {f['returns']:,} daily log " \
            f"returns since {f['window_start']:%Y-%m-%d}"
        print(f"  {f['token']}/{f['quote']}: close {f['price']:,.6g} on "
              f"{f['price_day']:%Y-%m-%d}; {vol}")
    missing = sorted(set(tokens) - {f["token"] for f in done.figures})
    if missing:
        note(f"no candles for {', '.join(missing)} on {args.exchange}")
    return 0


def _rates(args: argparse.Namespace) -> int:
    from ..fetch.jobs import parse_day, rates_job
    from ..product import parse_tokens
    from ..store import open_store

    start, end = parse_day(args.start, "start"), parse_day(args.end, "end")
    store = open_store(args.store)
    tokens = parse_tokens(args.token)
    done = rates_job(store, _session(args), tokens, start, end)
    print(f"Fetched {done.fetched:,} rates of {', '.join(tokens) or 'BNSOL, WBETH'} from "
          f"{done.start:%Y-%m-%d} to {done.end:%Y-%m-%d} into {store.url} as "
          f"{done.recorded.rows:,} daily APRs; {done.recorded.changed:,} new or changed.")
    return 0


def _add_chain(sub: argparse._SubParsersAction) -> None:
    ch = sub.add_parser("chain", help="staked amount, supply and reward parameters from each "
                                      "chain's public JSON-RPC or REST interface")
    ch.add_argument("tokens", nargs="+", metavar="TOKEN",
                    help="SOL, ADA, SUI, IOTA, NEAR, APT, EGLD, ALGO, TRX, TON")
    ch.add_argument("--store", metavar="PATH|URL",
                    help="history store (default: $SOFTSTAKE_STORE, else the user data folder)")
    ch.add_argument("--url", action="append", default=[], metavar="TOKEN=URL",
                    help="a chain's endpoint (repeatable; default $SOFTSTAKE_<TOKEN>_URL, "
                         "else its public one)")
    ch.set_defaults(run=_chain)


def _chain(args: argparse.Namespace) -> int:
    from ..apr.onchain import base_url, read_chains
    from ..errors import ParameterError
    from ..store import open_store
    from ..store.chain import record_chain_state

    urls = {}
    for item in args.url:
        token, sep, url = item.partition("=")
        if not sep or not token.strip() or not url.strip():
            raise ParameterError(f"'{item}' is not TOKEN=URL", param="url")
        urls[token.strip().upper()] = url.strip()
    frame = read_chains(args.tokens, urls)
    store = open_store(args.store)
    done = record_chain_state(store, frame)
    print(f"Fetched {done.rows:,} figures of {frame.token.nunique():,} chains into "
          f"{store.url}; {done.changed:,} new or changed.")
    for token, rows in frame.groupby("token", sort=False):
        shown = ", ".join(f"{f} {v:,.6g}" for f, v in zip(rows.field, rows.value, strict=True))
        print(f"  {token} ({base_url(token, urls)}): {shown}")
    return 0
