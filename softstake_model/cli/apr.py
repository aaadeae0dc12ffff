"""``softstake apr``: APR conversions, realized APR of a history, chain models."""

from __future__ import annotations

import argparse

from .options import add_catalog, print_json

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments"]

NAME = "apr"
HELP = "APR conversions, realized APR, chain models"
DESCRIPTION = "APR tools. Rates are fractions (0.05 = 5%%)."
FLAGS = {"elapsed_seconds": "--elapsed", "windows": "--window", "params": "--param",
         "chain": "CHAIN", "path": "HISTORY", "max_age_days": "--max-age"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="apr_command", required=True)
    cv = sub.add_parser("convert", help="APR <-> APY with daily compounding")
    g = cv.add_mutually_exclusive_group(required=True)
    g.add_argument("--apr", type=float, metavar="R")
    g.add_argument("--apy", type=float, metavar="R")
    cv.add_argument("--days-per-year", type=float, default=365, metavar="N")
    cv.set_defaults(run=_convert)
    ix = sub.add_parser("index", help="APR from a share-rate (index) change")
    ix.add_argument("--pre", type=float, required=True, metavar="X")
    ix.add_argument("--post", type=float, required=True, metavar="Y")
    ix.add_argument("--elapsed", type=float, required=True, metavar="SECONDS")
    ix.set_defaults(run=_index)
    rz = sub.add_parser("realized", help="daily realized APR of a reward history (CSV out)")
    rz.add_argument("history", metavar="HISTORY",
                    help="CSV of 'softstake rewards' (or a Binance rewardsRecord JSON)")
    rz.add_argument("--window", type=int, action="append", metavar="N",
                    help="rolling window in days, repeatable (default 7 and 30)")
    rz.add_argument("--precision", type=int, default=8, metavar="N")
    rz.add_argument("--fee", type=float, default=0.0, metavar="F")
    rz.add_argument("--days-per-year", type=float, default=365, metavar="N")
    rz.add_argument("--out", metavar="FILE", help="output CSV (default: stdout)")
    add_catalog(rz)
    rz.set_defaults(run=_realized)
    ch = sub.add_parser("chain", help="network APR from protocol parameters")
    ch.add_argument("chain", metavar="CHAIN",
                    help="generic or a catalogue token: SOL, ADA, TRX, NEAR, APT, EGLD, SUI, "
                         "IOTA, ALGO, TON, POL, BNB, S, APE, AXS")
    when = ch.add_mutually_exclusive_group()
    when.add_argument("--year", type=float, metavar="Y",
                      help="years into the schedule (ALGO: from the start of staking rewards)")
    when.add_argument("--at", metavar="DATE", help="date the rates apply to (YYYY-MM-DD)")
    ch.add_argument("--staked-fraction", type=float, metavar="F")
    ch.add_argument("--commission", type=float, metavar="C")
    ch.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override a parameter of data/chain_params.csv, repeatable")
    ch.set_defaults(run=_chain)
    tb = sub.add_parser("table", help="catalogue APR against each chain's net APR, flagged")
    tb.add_argument("--at", metavar="DATE", help="date the rates apply to (YYYY-MM-DD)")
    tb.add_argument("--max-age", type=int, default=365, metavar="DAYS",
                    help="flag catalogue APRs older than this (default 365)")
    add_catalog(tb)
    tb.add_argument("--out", metavar="FILE", help="output CSV (default: stdout)")
    tb.add_argument("--text", action="store_true",
                    help="print one sentence per token instead of CSV")
    tb.set_defaults(run=_table)
    ft = sub.add_parser("fit", help="fit the APR process (OU on log APR) to a history")
    ft.add_argument("history", metavar="HISTORY",
                    help="CSV with columns date (YYYY-MM-DD) and apr (fraction); gaps and "
                         "irregular dates are handled")
    ft.add_argument("--bootstrap", type=int, default=200, metavar="N",
                    help="bootstrap series for the intervals (default 200)")
    ft.add_argument("--seed", type=int, default=0, metavar="N")
    ft.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ft.set_defaults(run=_fit)


def _convert(args: argparse.Namespace) -> int:
    from ..apr import apr_to_apy, apy_to_apr

    if args.apr is not None:
        apr, apy = args.apr, float(apr_to_apy(args.apr, args.days_per_year))
    else:
        apy, apr = args.apy, float(apy_to_apr(args.apy, args.days_per_year))
    print_json({"apr": apr, "apy": apy, "days_per_year": args.days_per_year})
    return 0


def _index(args: argparse.Namespace) -> int:
    from ..apr import apr_from_index

    print_json({"apr": apr_from_index(args.pre, args.post, args.elapsed),
                "pre": args.pre, "post": args.post, "elapsed_seconds": args.elapsed})
    return 0


def _realized(args: argparse.Namespace) -> int:
    from ..apr import read_reward_history, realized_apr
    from ..catalog import load_catalog
    from ..files import write_table

    table = realized_apr(read_reward_history(args.history, load_catalog(args.catalog)),
                         args.days_per_year,
                         args.precision, args.fee, tuple(args.window or (7, 30)))
    write_table(table, args.out)
    return 0


def _chain(args: argparse.Namespace) -> int:
    from ..apr import network_apr
    from ..errors import ParameterError

    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"'{item}' is not NAME=VALUE", param="params")
        params[name.strip()] = value.strip()
    print_json(network_apr(args.chain, at=args.at, year=args.year,
                           staked_fraction=args.staked_fraction, commission=args.commission,
                           params=params))
    return 0


def _table(args: argparse.Namespace) -> int:
    from ..apr import apr_table
    from ..catalog import load_catalog
    from ..files import write_table

    table = apr_table(load_catalog(args.catalog), at=args.at, max_age_days=args.max_age)
    if not args.text:
        write_table(table, args.out)
        return 0
    for r in table.itertuples(index=False):
        print(_table_line(r))
    return 0


def _table_line(r: object) -> str:
    """One token of :func:`~softstake_model.apr.apr_table` as a sentence."""
    head = f"{r.token}: catalogue {r.apr:.2%}"
    if r.no_model:
        return f"{head}; {r.no_model}"
    sign = {"unknown": "sign not known", "": ""}.get(r.spread_sign, r.spread_sign)
    line = (f"{head}; net network {r.net_apr:.2%} ({r.net_apr_low:.2%} to "
            f"{r.net_apr_high:.2%}); spread {r.spread:+.2%} ({r.spread_low:+.2%} to "
            f"{r.spread_high:+.2%}, {sign})")
    for word, value in (("fetched", r.fetched), ("assumed", r.assumed), ("flags", r.flags)):
        if value:
            line += f"; {word}: {value}"
    return line


_ROWS = (("kappa", "speed of mean reversion", "{:.3g} a year"),
         ("half_life_days", "half-life", "{:,.0f} days"),
         ("long_run_apr", "long-run APR (median)", "{:.2%}"),
         ("sigma", "volatility of log APR", "{:.3f} per sqrt year"))


def _fit(args: argparse.Namespace) -> int:
    from ..apr import fit_apr_history

    fit = fit_apr_history(args.history, bootstrap=args.bootstrap, seed=args.seed)
    if args.json:
        print_json(fit.as_dict())
        return 0
    table = fit.summary()
    print(f"OU process of log APR fitted to {fit.n:,} observations ending {fit.end} "
          f"(typical spacing {fit.dt_days:g} days); log-likelihood {fit.loglik:,.1f}.")
    if args.bootstrap:
        print(f"Intervals: {fit.level:.0%}, from {args.bootstrap:,} bootstrap series.")
    for name, words, fmt in _ROWS:
        r = table.loc[name]
        span = "" if r.isna()["low"] else \
            f"  ({fmt.format(r['low'])} to {fmt.format(r['high'])})"
        print(f"  {words:<26} {fmt.format(r['estimate'])}{span}")
    return 0
