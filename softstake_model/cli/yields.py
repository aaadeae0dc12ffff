"""``softstake yields``: what a holder earns — projections and the effective-APR curve.

Every option is a field of :class:`~softstake_model.yields.HolderQuestion` (its meaning,
unit, bounds and default written once there); ``project`` answers the question through
:func:`~softstake_model.yields.outlook`, the entry point the yields report calls too.
"""

from __future__ import annotations

import argparse

from .options import note, refuse_apr_with_tiers

__all__ = ["NAME", "HELP", "DESCRIPTION", "add_arguments"]

NAME = "yields"
HELP = "what a holder earns: projections and APR curves"
DESCRIPTION = "Holder yields."

#: The rule of one position (the command has no default token: without --token the terms
#: are the ones given, minimum 0 and no cap unless given).
_RULE = ["token", "catalog", "apr", "min_holding", "cap", "tiers", "preset"]
_NO_TOKEN = {"token": None}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands and their arguments."""
    from ..spec import add_options
    from ..yields import HolderQuestion as Q

    sub = p.add_subparsers(dest="yields_command", required=True)
    pj = sub.add_parser("project", help="project a balance with daily compounding (JSON)",
                        description="Project a balance through the product's rules. With "
                        "--apr-paths the APR follows simulated paths; with a price (given or "
                        "the catalogue's) and a volatility the result is also valued in "
                        "fiat under simulated prices (GBM, or --price-history bootstrapped).")
    add_options(pj.add_mutually_exclusive_group(required=True), Q, ["balance", "budget_usd"],
                defaults={"budget_usd": None})
    add_options(pj, Q, exclude=["balance", "budget_usd"], defaults=_NO_TOKEN)
    pj.add_argument("--out", metavar="FILE", help="also write the JSON here")
    pj.set_defaults(run=_project)
    co = sub.add_parser("compare", help="the same USD budget in several tokens (table)",
                        description="Put the same USD budget in each token at its catalogue "
                        "price: tokens bought, rewards in tokens and in USD at today's price, "
                        "effective APR, and the value at the horizon under price risk (GBM at "
                        "the token's volatility, 5/50/95 %% quantiles).")
    co.add_argument("--tokens", required=True, metavar="T1,T2,...",
                    help="catalogue tokens, e.g. SOL,ADA,BNB")
    add_options(co, Q, ["budget_usd", "days", "start", "catalog", "preset", "price_paths",
                        "seed"])
    co.add_argument("--out", metavar="FILE", help="also write the table (CSV or .parquet)")
    co.set_defaults(run=_compare)
    cu = sub.add_parser("curve", help="effective APR against balance (CSV)")
    add_options(cu, Q, _RULE, defaults=_NO_TOKEN)
    cu.add_argument("--balances", required=True, metavar="B1,B2,...")
    cu.set_defaults(run=_curve)


def _project(args: argparse.Namespace) -> int:
    from ..files import atomic_write
    from ..spec import from_args
    from ..yields import HolderQuestion, outlook
    from .options import json_text

    refuse_apr_with_tiers(args)
    out = outlook(from_args(HolderQuestion, args)).summary
    if "note" in out["position"]:
        note(out["position"]["note"].replace("budget_usd", "--budget-usd"))
    text = json_text(out)
    print(text, end="")
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from ..files import write_table
    from ..product import build_terms
    from ..yields import compare_tokens

    table = compare_tokens(args.budget_usd, args.tokens, catalog=args.catalog, days=args.days,
                           paths=args.price_paths, seed=args.seed,
                           terms=build_terms(args.preset), start=args.start)
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

    refuse_apr_with_tiers(args)
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
