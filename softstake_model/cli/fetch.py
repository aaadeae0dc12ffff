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
         "exchange": "--exchange", "location": "--store"}


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


def _day(text: str | None, flag: str, default: object) -> object:
    import pandas as pd

    from ..errors import ParameterError

    if text is None:
        return default
    try:
        return pd.Timestamp(text).normalize()
    except ValueError:
        raise ParameterError(f"{flag} '{text}' is not a date (YYYY-MM-DD)") from None


def _session(args: argparse.Namespace) -> object:
    from ..fetch import RetryPolicy, credentials_from_env, make_session

    return make_session(credentials_from_env(), args.base_url, args.timeout,
                        RetryPolicy(attempts=args.retries, max_wait=args.max_wait))


def _pct(x: float) -> str:
    return "no cap" if x == float("inf") else f"{x:.2%}"


def _amount(x: float) -> str:
    return "no cap" if x == float("inf") else f"{x:,.8g}"


def change_lines(changes: object) -> list[str]:
    """One sentence per moved figure of ``softstake_model.store.product_changes``."""
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
    import pandas as pd

    from ..fetch import fetch_products
    from ..files import atomic_write
    from ..store import open_store, record_products
    from .options import json_text

    store = open_store(args.store)
    session = _session(args)
    frame, rows = fetch_products(session, args.page_size)
    now = pd.Timestamp.now(tz="UTC")
    done = record_products(store, frame, now)
    if args.out:
        text = json_text({"rows": rows, "total": len(rows)})
        atomic_write(args.out, lambda h: h.write(text))
    print(f"Fetched {done.rows:,} soft-staking products from Binance at {now:%Y-%m-%d %H:%M} "
          f"UTC into {store.url}; {done.changed:,} rows new or changed.")
    lines = change_lines(done.changes)
    print("Changes since the last snapshot:" if lines else
          "No change since the last snapshot.")
    for line in lines:
        print(line)
    return 0


def _rewards(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..fetch import fetch_rewards
    from ..files import atomic_write
    from ..product import parse_tokens
    from ..store import open_store, record_rewards
    from .options import json_text

    now = pd.Timestamp.now(tz="UTC")
    start = _day(args.start, "--start", None)
    end = _day(args.end, "--end", now.tz_localize(None).normalize())
    store = open_store(args.store)
    frame = fetch_rewards(_session(args), start, end, parse_tokens(args.token) or None,
                          args.page_size)
    done = record_rewards(store, frame, now)
    if args.out:
        rows = [{"asset": r.token, "rewards": repr(r.reward), "rewardAsset": r.reward_token,
                 "avgAmount": repr(r.avg_amount), "time": int(r.time.value // 1_000_000)}
                for r in frame.itertuples(index=False)]
        text = json_text({"rows": rows, "total": len(rows)})
        atomic_write(args.out, lambda h: h.write(text))
    print(f"Fetched {done.rows:,} reward records from {start:%Y-%m-%d} to {end:%Y-%m-%d} "
          f"into {store.url}; {done.changed:,} new or changed.")
    return 0


def _prices(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..fetch import fetch_daily_candles, make_price_source
    from ..fetch.errors import RetryPolicy
    from ..product import parse_tokens
    from ..store import open_store, price_figures, read_prices, record_prices

    store = open_store(args.store)
    src = make_price_source(args.exchange, args.base_url, args.timeout,
                            RetryPolicy(attempts=args.retries, max_wait=args.max_wait))
    now = pd.Timestamp.now(tz="UTC")
    tokens = parse_tokens(args.token)
    candles = pd.concat([fetch_daily_candles(src, t, args.quote, args.days, now)
                         for t in tokens], ignore_index=True)
    done = record_prices(store, candles, now, args.exchange)
    print(f"Fetched {done.rows:,} daily candles from {args.exchange} into {store.url}; "
          f"{done.changed:,} new or changed.")
    stored = read_prices(store, tokens, exchange=args.exchange)
    figures = price_figures(stored[stored["quote"] == args.quote.upper()],
                            now.tz_localize(None), args.window)
    for token, f in figures.iterrows():
        vol = "too few days for a volatility" if pd.isna(f["volatility"]) else \
            f"volatility {f['volatility']:.1%} a year from {f['returns']:,} daily log " \
            f"returns since {f['window_start']:%Y-%m-%d}"
        print(f"  {token}/{f['quote']}: close {f['price']:,.6g} on {f['price_day']:%Y-%m-%d}; "
              f"{vol}")
    missing = sorted(set(tokens) - set(figures.index))
    if missing:
        note(f"no candles for {', '.join(missing)} on {args.exchange}")
    return 0


def _rates(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..fetch import fetch_rate_history, rates_to_apr
    from ..fetch.binance import RATE_TOKENS
    from ..product import parse_tokens
    from ..store import open_store, record_apr

    now = pd.Timestamp.now(tz="UTC")
    end = _day(args.end, "--end", now.tz_localize(None).normalize())
    start = _day(args.start, "--start", end - pd.Timedelta(days=90))
    store = open_store(args.store)
    session = _session(args)
    tokens = parse_tokens(args.token) or list(RATE_TOKENS)
    history = pd.concat([fetch_rate_history(session, t, start, end) for t in tokens],
                        ignore_index=True)
    aprs = rates_to_apr(history)
    done = record_apr(store, aprs, now)
    print(f"Fetched {len(history):,} rates of {', '.join(tokens)} into {store.url} as "
          f"{done.rows:,} daily APRs; {done.changed:,} new or changed.")
    return 0
