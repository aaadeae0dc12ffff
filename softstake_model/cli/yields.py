"""``softstake yields``: what a holder earns — projections and the effective-APR curve."""

from __future__ import annotations

import argparse

from .options import add_catalog, add_preset, add_rule, note, print_json

__all__ = ["NAME", "HELP", "DESCRIPTION", "FLAGS", "add_arguments"]

NAME = "yields"
HELP = "what a holder earns: projections and APR curves"
DESCRIPTION = "Holder yields."
FLAGS = {"price_paths": "--paths", "payout_time_s": "--payout-time", "prices": "--price",
         "path": "--price-history", "budget": "--budget-usd"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    sub = p.add_subparsers(dest="yields_command", required=True)
    pj = sub.add_parser("project", help="project a balance with daily compounding (JSON)",
                        description="Project a balance through the product's rules. With "
                        "--apr-paths the APR follows simulated paths; with --price (and "
                        "--volatility or --price-history) the result is also valued in fiat.")
    size = pj.add_mutually_exclusive_group(required=True)
    size.add_argument("--balance", type=float, metavar="X",
                      help="tokens held from before --start")
    size.add_argument("--budget-usd", type=float, metavar="USD",
                      help="a USD budget, bought at --price (default the catalogue's price)")
    add_rule(pj)
    pj.add_argument("--days", type=int, default=365, metavar="N")
    pj.add_argument("--start", metavar="DATE", help="first accrual day (default today, UTC)")
    pj.add_argument("--payout-time", metavar="HH:MM")
    pj.add_argument("--apr-paths", type=int, default=0, metavar="N",
                    help="simulate N APR paths centred on the APR (the token's own process: "
                         "its history, its schedule, or a labelled fallback)")
    pj.add_argument("--apr-history", metavar="FILE",
                    help="with --apr-paths: fit the paths' process to this daily date,apr CSV")
    pj.add_argument("--price", type=float, metavar="P",
                    help="token price now (USD); the result is also valued at it and under "
                         "simulated prices (default price: the catalogue's, not simulated)")
    pj.add_argument("--volatility", type=float, metavar="V",
                    help="annual price volatility (default: the token's)")
    pj.add_argument("--drift", type=float, default=0.0, metavar="MU", help="annual drift")
    pj.add_argument("--price-history", metavar="FILE",
                    help="CSV of daily prices (column 'price' or 'close'): bootstrap its daily "
                         "returns instead of GBM; starts at --price if given, else the last")
    pj.add_argument("--paths", type=int, default=1000, metavar="N", help="price paths")
    pj.add_argument("--seed", type=int, default=0, metavar="S")
    pj.set_defaults(run=_project)
    co = sub.add_parser("compare", help="the same USD budget in several tokens (table)",
                        description="Put the same USD budget in each token at its catalogue "
                        "price: tokens bought, rewards in tokens and in USD at today's price, "
                        "effective APR, and the value at the horizon under price risk (GBM at "
                        "the token's volatility, 5/50/95 %% quantiles).")
    co.add_argument("--tokens", required=True, metavar="T1,T2,...",
                    help="catalogue tokens, e.g. SOL,ADA,BNB")
    co.add_argument("--budget-usd", type=float, required=True, metavar="USD")
    co.add_argument("--days", type=int, default=365, metavar="N")
    co.add_argument("--start", metavar="DATE", help="first accrual day (default today, UTC)")
    add_catalog(co)
    add_preset(co)
    co.add_argument("--paths", type=int, default=1000, metavar="N", help="price paths")
    co.add_argument("--seed", type=int, default=0, metavar="S")
    co.add_argument("--out", metavar="FILE", help="also write the table (CSV or .parquet)")
    co.set_defaults(run=_compare)
    cu = sub.add_parser("curve", help="effective APR against balance (CSV)")
    add_rule(cu)
    cu.add_argument("--balances", required=True, metavar="B1,B2,...")
    cu.set_defaults(run=_curve)


def _project(args: argparse.Namespace) -> int:
    from ..product import build_terms, token_rule
    from ..yields import holder_outlook

    terms = build_terms(args.preset, tiers=args.tiers, payout_time=args.payout_time)
    rule = token_rule(args.token, catalog=args.catalog, apr=args.apr,
                      min_holding=args.min_holding, cap=args.cap, terms=terms)
    out = holder_outlook(args.balance, rule, terms, days=args.days, start=args.start,
                         apr_paths=args.apr_paths, apr_history=args.apr_history,
                         seed=args.seed, price=args.price,
                         volatility=args.volatility, drift=args.drift,
                         price_history=args.price_history, price_paths=args.paths,
                         budget_usd=args.budget_usd)
    if "note" in out["position"]:
        note(out["position"]["note"].replace("budget_usd", "--budget-usd"))
    print_json(out)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from ..files import write_table
    from ..product import build_terms
    from ..yields import compare_tokens

    table = compare_tokens(args.budget_usd, args.tokens, catalog=args.catalog, days=args.days,
                           paths=args.paths, seed=args.seed, terms=build_terms(args.preset),
                           start=args.start)
    usd = "{:,.2f}".format
    print(f"${args.budget_usd:,.2f} in each token for {args.days} days, bought and valued at "
          "the catalogue price; value at the horizon under price risk: 5 / 50 / 95 % of "
          "simulated paths")
    print(table.to_string(
        index=False,
        columns=["token", "price_usd", "tokens", "apr", "effective_apr", "rewards_tokens",
                 "rewards_usd", "final_value_p5", "final_value_p50", "final_value_p95",
                 "p_fiat_loss"],
        header=["token", "price USD", "tokens bought", "APR", "effective APR",
                "rewards (tokens)", "rewards USD", "value p5", "value p50", "value p95",
                "P(loss)"],
        formatters={"price_usd": usd, "tokens": "{:,.6g}".format, "apr": "{:.2%}".format,
                    "effective_apr": "{:.2%}".format, "rewards_tokens": "{:,.6g}".format,
                    "rewards_usd": usd, "final_value_p5": usd, "final_value_p50": usd,
                    "final_value_p95": usd, "p_fiat_loss": "{:.0%}".format}))
    assumed = [f"{t}: {a}" for t, a in zip(table["token"], table["assumed"], strict=True) if a]
    if assumed:
        print("assumed catalogue values: " + "; ".join(assumed))
    if args.out:
        write_table(table, args.out)
        note(f"wrote {len(table)} rows to {args.out}")
    return 0


def _curve(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..files import write_table
    from ..product import build_terms, token_rule
    from ..yields import effective_apr_curve

    try:
        balances = [float(b) for b in args.balances.split(",") if b.strip()]
    except ValueError:
        raise ParameterError(f"'{args.balances}' is not a list of numbers",
                             param="balances") from None
    terms = build_terms(args.preset, tiers=args.tiers)
    rule = token_rule(args.token, catalog=args.catalog, apr=args.apr,
                      min_holding=args.min_holding, cap=args.cap, terms=terms)
    write_table(effective_apr_curve(balances, rule.apr, rule.min_holding, rule.cap, terms),
                None)
    return 0
