"""The ``softstake`` command: argument parsing and error reporting only.

Exit codes: 0 success; 1 bad input data (the message names file, line and column);
2 bad arguments (the message names the argument). No traceback is shown unless
``SOFTSTAKE_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import load_catalog, override, select_tokens
from .errors import InputError, ParameterError, SoftstakeError
from .files import write_csv
from .ledger import (
    check_tokens,
    read_accounts,
    read_activations,
    read_apr_history,
    read_ledger,
    read_rewards_record,
)
from .reconcile import reconcile
from .rewards import reward_history
from .rules import parse_tiers
from .scale import MANIFEST, is_ledger_dir, read_ledger_dir, write_history_dir
from .terms import PRESETS, SNAPSHOT_METHODS, parse_hhmm, preset

__all__ = ["main", "build_parser"]


def _note(text: str) -> None:
    print(f"softstake: {text}", file=sys.stderr)


def _terms_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("product terms (override the preset and the catalogue)")
    g.add_argument("--format", default="auto", choices=["auto", "generic", "binance-statement"],
                   help="ledger format (auto: Binance statements are recognised by header)")
    g.add_argument("--token", action="append", metavar="TOKEN",
                   help="token(s) to compute, repeatable or comma-separated (default: all)")
    g.add_argument("--preset", default="binance_soft_staking", choices=list(PRESETS),
                   help="product terms (default binance_soft_staking)")
    g.add_argument("--catalog", metavar="FILE",
                   help="CSV/YAML/API-JSON file laid over the shipped token catalogue")
    apr = g.add_mutually_exclusive_group()
    apr.add_argument("--apr", type=float, metavar="RATE", help="APR as a fraction (0.05 = 5%%)")
    apr.add_argument("--apr-history", metavar="FILE", help="CSV date,token,apr (every day)")
    g.add_argument("--min-holding", type=float, metavar="X", help="minimum balance (tokens)")
    g.add_argument("--cap", type=float, metavar="Y", help="cap on eligible balance (tokens)")
    g.add_argument("--tiers", metavar="BANDS",
                   help='marginal bands "500:0.12,5000:0.008,inf:0.003" (upper:apr)')
    g.add_argument("--snapshot", choices=SNAPSHOT_METHODS, help="balance measure of a day")
    g.add_argument("--fixed-time", metavar="HH:MM", help="time of the 'fixed' snapshot (UTC)")
    g.add_argument("--payout-time", metavar="HH:MM", help="time of day of payouts (UTC)")
    g.add_argument("--fee", type=float, metavar="F", help="share of gross reward kept (0.15)")
    g.add_argument("--precision", type=int, metavar="N", help="decimals rewards truncate to")
    g.add_argument("--seed", type=int, metavar="N", help="seed of hourly_random snapshots")
    t = p.add_argument_group("timeline")
    t.add_argument("--activated-at", metavar="ISO", help="activation instant, all accounts")
    t.add_argument("--deactivated-at", metavar="ISO", help="deactivation instant, all accounts")
    t.add_argument("--activations", metavar="FILE",
                   help="CSV account,activated_at[,deactivated_at][,token]")
    t.add_argument("--exclude-accounts", metavar="FILE",
                   help="CSV with an 'account' column: accounts that accrue nothing")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``softstake`` command."""
    parser = argparse.ArgumentParser(
        prog="softstake",
        description="Exchange soft staking: rewards, reconciliation, liquidity stress, APR, "
        "holder yields and platform caps.")
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("rewards", help="daily reward history of a ledger",
                       description="Compute the daily reward history the product's rules "
                       "produce for a ledger (CSV: date,account,token,avg_balance,"
                       "eligible_balance,apr,reward,paid_at).")
    r.add_argument("ledger", metavar="LEDGER", help="ledger CSV (generic or Binance statement)")
    _terms_options(r)
    r.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day (inclusive)")
    r.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day (inclusive)")
    r.add_argument("--no-compound", action="store_true",
                   help="do not credit simulated rewards into later balances")
    r.add_argument("--out", metavar="FILE|DIR",
                   help="output CSV (default: stdout), or a folder: Parquet history plus "
                        "per-token daily totals")
    r.add_argument("--engine", choices=["memory", "dask"], default="memory",
                   help="memory (default) or dask, over the partitions of a converted ledger")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a running Dask scheduler (default: a local "
                        "cluster sized to the machine)")
    r.set_defaults(run=_rewards)

    lg = sub.add_parser("ledger", help="ledger tools")
    lsub = lg.add_subparsers(dest="ledger_command", required=True)
    cv2 = lsub.add_parser("convert", help="stream a ledger into bucketed Parquet partitions",
                          description="Convert a ledger CSV (generic or Binance statement) "
                          "into Parquet partitions bucketed by account, reading it in chunks.")
    cv2.add_argument("input", metavar="INPUT")
    cv2.add_argument("--out", required=True, metavar="DIR")
    cv2.add_argument("--buckets", type=int, default=64, metavar="N")
    cv2.add_argument("--format", default="auto", choices=["auto", "generic",
                                                          "binance-statement"])
    cv2.add_argument("--chunksize", type=int, default=1_000_000, metavar="ROWS")
    cv2.set_defaults(run=_ledger_convert)

    c = sub.add_parser("reconcile", help="expected against paid rewards of a statement",
                       description="Check a holder's statement: the reward due each day "
                       "beside the one paid, with flags for missing, unexpected or wrong days.")
    c.add_argument("statement", metavar="STATEMENT", help="statement CSV with reward credits")
    c.add_argument("--rewards-record", metavar="FILE",
                   help="Binance rewardsRecord JSON; paid rewards are taken from it")
    c.add_argument("--account", help="account the rewards record belongs to")
    _terms_options(c)
    c.add_argument("--start", metavar="YYYY-MM-DD", help="first accrual day to check")
    c.add_argument("--end", metavar="YYYY-MM-DD", help="last accrual day to check")
    c.add_argument("--out", metavar="FILE", help="also write the full table as CSV here")
    c.set_defaults(run=_reconcile)

    s = sub.add_parser(
        "stress", help="liquidity stress: can withdrawals be paid while stake unbonds?",
        description="Simulate withdrawals against a liquid buffer and bonded stake (SPEC §5). "
        "Prints (or writes) a JSON summary; --daily-out writes the daily state.")
    s.add_argument("--token", help="catalogue token: its unbonding rule and volatility")
    s.add_argument("--catalog", metavar="FILE", help="file laid over the shipped catalogue")
    s.add_argument("--total", type=float, required=True, metavar="AMOUNT",
                   help="users' balances at the start (tokens)")
    s.add_argument("--buffer", type=float, required=True, metavar="RATIO",
                   help="share kept liquid, in [0, 1]")
    s.add_argument("--unbonding", metavar="RULE",
                   help="fixed:N | boundary:P[@PHASE] | none (default: the token's rule)")
    s.add_argument("--days", type=int, metavar="H", help="horizon in days (default 90)")
    s.add_argument("--base-rate", type=float, default=0.0, metavar="R",
                   help="share of balances withdrawn every day")
    s.add_argument("--shock", action="extend", nargs="+", default=[], metavar="DAY:FRACTION",
                   help="scheduled extra withdrawals: --shock 1:0.3 5:0.1 (or repeated)")
    s.add_argument("--withdrawal-rates", metavar="FILE",
                   help="CSV path,day,rate: replay these paths instead of generating them")
    s.add_argument("--max-unbond-per-day", type=float, metavar="X",
                   help="most that may be unbonded per day (tokens)")
    s.add_argument("--restake", action="store_true", help="re-stake liquid excess daily")
    s.add_argument("--deposit-rate", type=float, default=0.0, metavar="R",
                   help="share of balances deposited every day")
    s.add_argument("--network-apr", type=float, default=0.0, metavar="R",
                   help="APR the bonded stake earns (paid into the buffer)")
    s.add_argument("--user-apr", type=float, default=0.0, metavar="R",
                   help="APR credited to user balances")
    s.add_argument("--paths", type=int, default=1, metavar="N",
                   help="Monte Carlo paths (more than 1 turns the stochastic runs on)")
    s.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
    from .liquidity import RunModel

    rm = RunModel()  # the documented (assumed) defaults live in one place
    runs = s.add_argument_group("stochastic runs (with --paths > 1; defaults are assumed)")
    runs.add_argument("--run-rate", type=float, default=rm.arrival_rate, metavar="P",
                      help=f"probability a run starts on a day (default {rm.arrival_rate:.4g})")
    runs.add_argument("--run-days", type=int, default=rm.duration_days, metavar="D",
                      help=f"days a run lasts (default {rm.duration_days})")
    runs.add_argument("--run-min", type=float, default=rm.size_min, metavar="S",
                      help=f"smallest run, share of balances (Pareto scale, default "
                           f"{rm.size_min:g})")
    runs.add_argument("--run-alpha", type=float, default=rm.size_alpha, metavar="A",
                      help=f"Pareto tail index of run sizes (default {rm.size_alpha:g})")
    runs.add_argument("--run-cap", type=float, default=rm.size_cap, metavar="S",
                      help=f"largest run, share of balances (default {rm.size_cap:g})")
    runs.add_argument("--price-link", type=float, default=0.0, metavar="K",
                      help="extra withdrawal share per unit of new log drawdown of a price "
                      "path at the token's volatility")
    s.add_argument("--size-buffer", type=float, metavar="ALPHA",
                   help="also find the smallest buffer with P(delay) <= ALPHA")
    s.add_argument("--max-delay", type=float, metavar="K",
                   help="with --size-buffer: P(max delay > K days) <= ALPHA instead")
    s.add_argument("--engine", choices=["memory", "dask"], default="memory",
                   help="dask: Monte Carlo paths in chunks as Dask tasks")
    s.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: a scheduler")
    s.add_argument("--chunk", type=int, default=1000, metavar="PATHS",
                   help="paths per Dask task (results do not depend on it)")
    s.add_argument("--out", metavar="SUMMARY.json", help="write the summary here")
    s.add_argument("--daily-out", metavar="DAILY.csv", help="write the daily state here")
    s.set_defaults(run=_stress)

    a = sub.add_parser("apr", help="APR conversions, realized APR, chain models",
                       description="APR tools (SPEC §4). Rates are fractions (0.05 = 5%%).")
    asub = a.add_subparsers(dest="apr_command", required=True)
    cv = asub.add_parser("convert", help="APR <-> APY with daily compounding")
    g = cv.add_mutually_exclusive_group(required=True)
    g.add_argument("--apr", type=float, metavar="R")
    g.add_argument("--apy", type=float, metavar="R")
    cv.add_argument("--days-per-year", type=float, default=365, metavar="N")
    cv.set_defaults(run=_apr_convert)
    ix = asub.add_parser("index", help="APR from a share-rate (index) change")
    ix.add_argument("--pre", type=float, required=True, metavar="X")
    ix.add_argument("--post", type=float, required=True, metavar="Y")
    ix.add_argument("--elapsed", type=float, required=True, metavar="SECONDS")
    ix.set_defaults(run=_apr_index)
    rz = asub.add_parser("realized", help="daily realized APR of a reward history (CSV out)")
    rz.add_argument("history", metavar="HISTORY",
                    help="CSV of 'softstake rewards' (or a Binance rewardsRecord JSON)")
    rz.add_argument("--window", type=int, action="append", metavar="N",
                    help="rolling window in days, repeatable (default 7 and 30)")
    rz.add_argument("--precision", type=int, default=8, metavar="N")
    rz.add_argument("--fee", type=float, default=0.0, metavar="F")
    rz.add_argument("--days-per-year", type=float, default=365, metavar="N")
    rz.add_argument("--out", metavar="FILE", help="output CSV (default: stdout)")
    rz.set_defaults(run=_apr_realized)
    ch = asub.add_parser("chain", help="network APR from protocol parameters")
    ch.add_argument("chain", metavar="CHAIN", help="generic, SOL, ADA, TRX, NEAR, APT or EGLD")
    when = ch.add_mutually_exclusive_group()
    when.add_argument("--year", type=float, metavar="Y", help="years into the schedule")
    when.add_argument("--at", metavar="DATE", help="date the rates apply to (YYYY-MM-DD)")
    ch.add_argument("--staked-fraction", type=float, metavar="F")
    ch.add_argument("--commission", type=float, metavar="C")
    ch.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override a parameter of data/chain_params.csv, repeatable")
    ch.set_defaults(run=_apr_chain)

    y = sub.add_parser("yields", help="what a holder earns: projections and APR curves")
    ysub = y.add_subparsers(dest="yields_command", required=True)
    pj = ysub.add_parser("project", help="project a balance with daily compounding (JSON)",
                         description="Project a balance through the product's rules. With "
                         "--apr-paths the APR follows simulated paths; with --price and "
                         "--volatility the result is also valued in fiat.")
    pj.add_argument("--balance", type=float, required=True, metavar="X",
                    help="tokens held from before --start")
    _rule_options(pj)
    pj.add_argument("--days", type=int, default=365, metavar="N")
    pj.add_argument("--start", default="2025-11-20", metavar="DATE")
    pj.add_argument("--payout-time", metavar="HH:MM")
    pj.add_argument("--apr-paths", type=int, metavar="N",
                    help="simulate N APR paths (OU, kappa and sigma fitted on the shipped "
                         "ETH.STORE series, long-run mean at the APR)")
    pj.add_argument("--price", type=float, metavar="P", help="token price now (fiat)")
    pj.add_argument("--volatility", type=float, metavar="V",
                    help="annual price volatility (default: the token's)")
    pj.add_argument("--drift", type=float, default=0.0, metavar="MU", help="annual drift")
    pj.add_argument("--price-history", metavar="FILE",
                    help="CSV of daily prices (column 'price' or 'close'): bootstrap its daily "
                         "returns instead of GBM; starts at --price if given, else the last")
    pj.add_argument("--paths", type=int, default=1000, metavar="N", help="price paths")
    pj.add_argument("--seed", type=int, default=0, metavar="S")
    pj.set_defaults(run=_yields_project)
    cu = ysub.add_parser("curve", help="effective APR against balance (CSV)")
    _rule_options(cu)
    cu.add_argument("--balances", required=True, metavar="B1,B2,...")
    cu.set_defaults(run=_yields_curve)

    k = sub.add_parser("caps", help="what a minimum and a cap cost the platform (JSON)",
                       description="Cost, shares and concentration of rewards for a holder "
                       "population under a minimum and a cap.")
    src = k.add_mutually_exclusive_group(required=True)
    src.add_argument("--balances", metavar="FILE", help="CSV with a 'balance' column")
    src.add_argument("--population", metavar="SPEC",
                     help="lognormal:MU,SIGMA | pareto:XM,ALPHA | W*A+W*B mixtures")
    k.add_argument("--holders", type=int, metavar="N", help="holders to sample")
    k.add_argument("--seed", type=int, default=0, metavar="S")
    _rule_options(k)
    k.add_argument("--budget", type=float, metavar="DAILY_COST",
                   help="also find the largest cap whose daily cost fits (tokens a day)")
    k.add_argument("--cap-step", type=float, default=0.01, metavar="X",
                   help="resolution of the cap search (tokens, default 0.01)")
    k.add_argument("--out", metavar="FILE", help="also write the JSON here")
    k.set_defaults(run=_caps)

    rp = sub.add_parser("report", help="run the notebooks and build the HTML report",
                        description="Run the report notebooks through papermill for a set of "
                        "scenarios, in parallel, render each to HTML without code, and write "
                        "an index. Default: every notebook for all 15 catalogue tokens.")
    rp.add_argument("--scenarios", metavar="FILE.yaml",
                    help="parameter sets per notebook, with grid: and zip: sweeps")
    rp.add_argument("--notebook", action="append", metavar="NAME",
                    help="only these notebooks (yields, caps, liquidity_stress, reconcile)")
    rp.add_argument("--token", action="append", metavar="T", help="only these tokens")
    rp.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"), help="set a parameter of the selected notebooks")
    rp.add_argument("--out", default="reports", metavar="DIR", help="output folder (reports/)")
    rp.add_argument("--jobs", type=int, metavar="N", help="parallel runs (default: cores)")
    rp.add_argument("--quick", action="store_true",
                    help="small parameters (and BNB, SOL, ADA only) for a fast smoke run")
    rp.add_argument("--notebooks-dir", metavar="DIR", help="where the notebooks are")
    rp.set_defaults(run=_report)
    return parser


def _rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", help="catalogue token for minimum, cap, APR (and volatility)")
    p.add_argument("--catalog", metavar="FILE", help="file laid over the shipped catalogue")
    p.add_argument("--apr", type=float, metavar="R")
    p.add_argument("--min-holding", type=float, metavar="M")
    p.add_argument("--cap", type=float, metavar="C")
    p.add_argument("--tiers", metavar="BANDS")
    p.add_argument("--preset", default="binance_soft_staking", choices=list(PRESETS))


def _rule_setup(args: argparse.Namespace) -> tuple[dict, object, list[str]]:
    """Minimum, cap, APR (and volatility) from the token and overrides; terms; assumed."""
    terms = preset(args.preset)
    if args.tiers:
        terms = terms.replace(tiers=parse_tiers(args.tiers))
    if getattr(args, "payout_time", None):
        terms = terms.replace(payout_time_s=parse_hhmm(args.payout_time, "--payout-time"))
    vals = {"min_holding": 0.0, "cap": float("inf"), "apr": None, "volatility": None,
            "price_usd": None}
    assumed: list[str] = []
    if args.token:
        row = select_tokens(load_catalog(args.catalog), [args.token]).iloc[0]
        for f in vals:
            vals[f] = float(row[f])
        given = {"min_holding": args.min_holding, "cap": args.cap, "apr": args.apr}
        assumed = [f"{f}: {row[f + '_source']}" for f in ("min_holding", "cap", "apr",
                                                          "volatility")
                   if row[f"{f}_confidence"] == "assumed" and given.get(f) is None]
    for f, v in (("min_holding", args.min_holding), ("cap", args.cap), ("apr", args.apr)):
        if v is not None:
            vals[f] = v
    if vals["apr"] is None and terms.tiers is None:
        raise ParameterError("give --token or --apr (or --tiers)")
    if vals["apr"] is None:
        vals["apr"] = 0.0
    if not 0 <= vals["apr"] <= 1:
        raise ParameterError(f"--apr: {vals['apr']} must be a fraction in [0, 1]")
    if vals["min_holding"] < 0 or not vals["cap"] > 0:
        raise ParameterError("--min-holding must be >= 0 and --cap > 0")
    return vals, terms, assumed


def _yields_project(args: argparse.Namespace) -> int:
    from .yields import fiat_outcomes, gbm_prices, project

    vals, terms, assumed = _rule_setup(args)
    apr: object = vals["apr"]
    if args.apr_paths:
        from .apr import fit_ou, simulate_ou
        from .apr.uncertainty import OUFit

        eth = pd.read_csv(_data("eth_staking_apr_ethstore_daily.csv"))["apr"]
        shape = fit_ou(eth, bootstrap=0)
        if not vals["apr"] > 0:
            raise ParameterError("--apr-paths needs a positive APR")
        fit = OUFit(shape.kappa, float(np.log(vals["apr"])), shape.sigma, 1.0, vals["apr"],
                    shape.n)
        apr = simulate_ou(fit, args.days, args.apr_paths, args.seed)
        assumed.append("APR paths: OU speed and volatility of the ETH.STORE series carried "
                       "over to this token (assumed)")
    proj = project(args.balance, apr=apr, min_holding=vals["min_holding"], cap=vals["cap"],
                   terms=terms, days=args.days, start=args.start)
    out = proj.summary()
    if args.price_history:
        from .yields import bootstrap_prices

        hist_prices = _read_prices(args.price_history)
        n_paths = args.apr_paths or args.paths
        prices = bootstrap_prices(hist_prices, args.days, n_paths, args.seed + 1, args.price)
        out["fiat"] = {"price": float(prices[0, 0]), "bootstrap_of": args.price_history,
                       "paths": n_paths, **fiat_outcomes(proj, prices)}
    elif args.price is not None or args.volatility is not None:
        if args.price is None:
            raise ParameterError("--volatility needs --price")
        vol = args.volatility if args.volatility is not None else vals["volatility"]
        if vol is None:
            raise ParameterError("give --volatility (or --token for its volatility)")
        n_paths = args.apr_paths or args.paths  # with APR paths, price path i pairs with APR i
        prices = gbm_prices(args.price, vol, args.days, n_paths, args.seed + 1, args.drift,
                            terms.days_per_year)
        out["fiat"] = {"price": args.price, "volatility": vol, "drift": args.drift,
                       "paths": n_paths, **fiat_outcomes(proj, prices)}
    out["terms"] = {"min_holding": vals["min_holding"], "cap": vals["cap"], "apr": vals["apr"],
                    "preset": terms.name}
    if assumed:
        out["assumed"] = assumed
    _print_json(out)
    return 0


def _read_prices(path: str) -> pd.Series:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(f"not a readable CSV: {e}", file=path) from None
    col = next((c for c in ("price", "close", "Close") if c in frame), None)
    if col is None:
        raise InputError("needs a 'price' or 'close' column", file=path, line=1)
    num = pd.to_numeric(frame[col], errors="coerce")
    bad = ~(np.isfinite(num.to_numpy(float)) & (num.to_numpy(float) > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"'{frame[col].iloc[i]}' is not a positive price", file=path,
                         line=i + 2, column=col)
    return num


def _yields_curve(args: argparse.Namespace) -> int:
    from .yields import effective_apr_curve

    try:
        balances = [float(b) for b in args.balances.split(",") if b.strip()]
    except ValueError:
        raise ParameterError(f"--balances: '{args.balances}' is not a list of numbers") from None
    vals, terms, _ = _rule_setup(args)
    write_csv(effective_apr_curve(balances, vals["apr"], vals["min_holding"], vals["cap"],
                                  terms), None)
    return 0


def _caps(args: argparse.Namespace) -> int:
    from .caps import CapModel, cap_for_budget, cap_metrics, read_balances, sample_population
    from .files import atomic_write

    if args.population:
        if args.holders is None:
            raise ParameterError("--population needs --holders N")
        balances = sample_population(args.population, args.holders, args.seed)
    else:
        if args.holders is not None:
            raise ParameterError("--holders goes with --population, not --balances")
        balances = read_balances(args.balances)
    vals, terms, assumed = _rule_setup(args)
    out = cap_metrics(balances, vals["apr"], vals["min_holding"], vals["cap"], terms)
    out["terms"] = {"min_holding": vals["min_holding"], "cap": vals["cap"], "apr": vals["apr"]}
    if args.budget is not None:
        model = CapModel(balances, vals["apr"], terms)
        cap = cap_for_budget(model, args.budget, vals["min_holding"], args.cap_step)
        out["cap_for_budget"] = None if cap is None else (cap if np.isfinite(cap) else "none")
        if cap is not None and np.isfinite(cap):
            out["cost_at_cap_for_budget"] = float(model.cost(cap, vals["min_holding"]))
    if assumed:
        out["assumed"] = assumed
    text = json.dumps(_finite(out), indent=2) + "\n"
    sys.stdout.write(text)
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.runner import NOTEBOOKS_DIR, execute, load_scenarios, plan

    scenarios = load_scenarios(args.scenarios) if args.scenarios else None
    runs = plan(scenarios, args.notebook, args.token, [tuple(p) for p in args.parameter],
                args.quick)
    nb_dir = Path(args.notebooks_dir) if args.notebooks_dir else NOTEBOOKS_DIR
    _note(f"{len(runs)} run(s) with {args.jobs or os.cpu_count()} job(s)")
    t = time.perf_counter()
    results = execute(runs, args.out, args.jobs, nb_dir)
    failed = [r for r in results if not r.ok]
    for r in failed:
        _note(f"error: {r.run.notebook} [{r.run.label}] failed at {r.error}")
    index = Path(args.out).resolve() / "index.html"
    print(f"{len(results) - len(failed)} of {len(results)} reports built in "
          f"{time.perf_counter() - t:.0f} s; open {index}")
    return 1 if failed else 0


def _data(name: str) -> str:
    from importlib import resources

    return str(resources.files("softstake_model") / "data" / name)


def _date(value: str | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(pd.to_datetime(value, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise ParameterError(f"--{name}: '{value}' is not a date YYYY-MM-DD") from None


def _setup(args: argparse.Namespace, path: str) -> tuple:
    """Ledger, catalogue, terms and timeline from the shared options."""
    terms = preset(args.preset)
    changes: dict[str, object] = {}
    if args.snapshot:
        changes["snapshot"] = args.snapshot
        if args.snapshot == "time_weighted" and terms.accrual == "per_snapshot":
            changes["accrual"] = "daily"  # a continuous measure has no snapshots to accrue on
    if args.fixed_time:
        changes["fixed_time_s"] = parse_hhmm(args.fixed_time, "--fixed-time")
    if args.payout_time:
        changes["payout_time_s"] = parse_hhmm(args.payout_time, "--payout-time")
    for name in ("fee", "precision", "seed"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.tiers:
        if args.apr_history:
            raise ParameterError("--tiers and --apr-history cannot be combined: tiers set the APR")
        changes["tiers"] = parse_tiers(args.tiers)
    if changes:
        terms = terms.replace(**changes)

    catalog = load_catalog(args.catalog)
    tokens = [t for arg in (args.token or []) for t in arg.split(",") if t.strip()]
    if tokens:
        catalog = select_tokens(catalog, tokens)
    if args.apr is not None and not 0 <= args.apr <= 1:
        raise ParameterError(f"--apr: {args.apr} must be a fraction in [0, 1] (0.05 = 5%)")
    catalog = override(catalog, apr=args.apr, min_holding=args.min_holding, cap=args.cap)

    if getattr(args, "engine", "memory") == "dask":
        ledger = None
    elif is_ledger_dir(path):
        ledger = read_ledger_dir(path)
        ledger.attrs["format"] = json.loads((Path(path) / MANIFEST).read_text())["format"]
    else:
        ledger = read_ledger(path, args.format)
    if ledger is None:  # the Dask engine reads the partitions on its workers
        return None, catalog, terms, _timeline(args)
    is_statement = ledger.attrs.get("format") == "binance-statement"
    if tokens:
        ledger = ledger[ledger["token"].isin(catalog.index)]
    elif is_statement:
        other = sorted(set(ledger["token"]) - set(catalog.index))
        if other:
            _note(f"ignoring coins without soft staking: {', '.join(other)}")
        ledger = ledger[ledger["token"].isin(catalog.index)]
    else:
        check_tokens(ledger, catalog.index, path)
    if ledger.empty:
        raise InputError("no balance changes for the selected token(s)", file=path)
    return ledger, catalog, terms, _timeline(args)


def _timeline(args: argparse.Namespace) -> dict[str, object]:
    timeline: dict[str, object] = {
        "activated_at": args.activated_at, "deactivated_at": args.deactivated_at}
    if args.activations:
        if args.activated_at or args.deactivated_at:
            raise ParameterError("--activations cannot be combined with --activated-at/"
                                 "--deactivated-at")
        timeline["activations"] = read_activations(args.activations)
    if args.exclude_accounts:
        timeline["excluded"] = read_accounts(args.exclude_accounts)
    if args.apr_history:
        timeline["apr_history"] = read_apr_history(args.apr_history)
    return timeline


def _out_is_dir(out: str | None) -> bool:
    return out is not None and (out.endswith(("/", os.sep)) or Path(out).is_dir()
                                or Path(out).suffix == "")


def _rewards(args: argparse.Namespace) -> int:
    start, end = _date(args.start, "start"), _date(args.end, "end")
    if end < start:
        raise ParameterError(f"--end {args.end} is before --start {args.start}")
    if args.engine == "dask":
        return _rewards_dask(args, start, end)
    if args.scheduler:
        raise ParameterError("--scheduler goes with --engine dask")
    ledger, catalog, terms, timeline = _setup(args, args.ledger)
    if (ledger["kind"] == "reward").any() and not args.no_compound:
        _note("the ledger holds reward credits; they are replaced by the simulated ones "
              "(use 'softstake reconcile' to check them)")
    hist = reward_history(ledger, catalog, terms, start=start, end=end,
                          compound=not args.no_compound,
                          progress=sys.stderr.isatty() and len(ledger) > 1_000_000, **timeline)
    if _out_is_dir(args.out):
        write_history_dir(hist, args.out)
        _note(f"wrote {len(hist)} rows of history and the daily totals to {args.out}")
        return 0
    write_csv(hist, args.out)
    if args.out:
        _note(f"wrote {len(hist)} rows to {args.out}")
    return 0


def _rewards_dask(args: argparse.Namespace, start: pd.Timestamp, end: pd.Timestamp) -> int:
    from .scale import get_client, rewards_dask

    if not is_ledger_dir(args.ledger):
        raise ParameterError(f"--engine dask reads a converted ledger folder; convert "
                             f"'{args.ledger}' first: softstake ledger convert "
                             f"{args.ledger} --out LEDGER_DIR")
    _, catalog, terms, timeline = _setup(args, args.ledger)
    client = get_client(args.scheduler)
    try:
        link = getattr(client, "dashboard_link", None)
        if link:
            _note(f"Dask dashboard: {link}")
        progress = sys.stderr.isatty()
        if _out_is_dir(args.out):
            res = rewards_dask(args.ledger, catalog, terms, start=start, end=end, out=args.out,
                               client=client, compound=not args.no_compound, progress=progress,
                               only_catalog_tokens=bool(args.token), **timeline)
            _note(f"wrote the history and {len(res['totals'])} daily totals to {args.out}")
        else:
            res = rewards_dask(args.ledger, catalog, terms, start=start, end=end, client=client,
                               compound=not args.no_compound, progress=progress,
                               only_catalog_tokens=bool(args.token), **timeline)
            write_csv(res["history"], args.out)
    finally:
        client.close()
    return 0


def _ledger_convert(args: argparse.Namespace) -> int:
    from .scale import convert_ledger

    m = convert_ledger(args.input, args.out, args.buckets, args.format, args.chunksize,
                       progress=sys.stderr.isatty())
    _note(f"wrote {m['rows']} rows into {len(m['files'])} partitions under {args.out}")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    ledger, catalog, terms, timeline = _setup(args, args.statement)
    record = read_rewards_record(args.rewards_record) if args.rewards_record else None
    table = reconcile(ledger, catalog, terms, start=_date(args.start, "start"),
                      end=_date(args.end, "end"), rewards_record=record,
                      record_account=args.account, **timeline)
    counts = table["flag"].value_counts()
    flagged = table[table["flag"] != "ok"]
    print(f"{len(table)} payouts checked: "
          + ", ".join(f"{counts.get(f, 0)} {f}" for f in ("ok", "missing", "unexpected",
                                                          "mismatch")))
    if len(flagged):
        cols = ["date", "account", "token", "expected", "paid", "difference", "flag"]
        print(flagged[cols].to_string(index=False, float_format=lambda v: f"{v:.8f}"))
    if args.out:
        write_csv(table, args.out)
        _note(f"wrote the full table ({len(table)} rows) to {args.out}")
    else:
        print()
        write_csv(table, None)
    return 0


def _stress(args: argparse.Namespace) -> int:
    from .files import atomic_write
    from .liquidity import (
        RunModel,
        StressParams,
        coverage_ratio,
        parse_shock,
        path_metrics,
        read_withdrawal_rates,
        simulate,
        size_buffer,
        summarize,
        withdrawal_rates,
    )

    catalog = load_catalog(args.catalog)
    row = select_tokens(catalog, [args.token]).iloc[0] if args.token else None
    rule = args.unbonding or (row["unbonding"] if row is not None else None)
    rates_file, runs = None, None
    if args.withdrawal_rates:
        rates_file = read_withdrawal_rates(args.withdrawal_rates, args.days)
    days = args.days or (rates_file.shape[0] if rates_file is not None else 90)
    params = StressParams(
        total=args.total, buffer_ratio=args.buffer, unbonding=rule or "none", days=days,
        base_rate=args.base_rate, shocks=tuple(parse_shock(x) for x in args.shock),
        max_unbond_per_day=args.max_unbond_per_day, restake=args.restake,
        deposit_rate=args.deposit_rate, network_apr=args.network_apr, user_apr=args.user_apr)
    if rule is None:
        raise ParameterError("give --token (its catalogue rule) or --unbonding")
    if rates_file is not None:
        if args.base_rate or args.shock:
            raise ParameterError("--withdrawal-rates replaces --base-rate and --shock")
        rates = rates_file
    else:
        if args.paths > 1:
            vol = float(row["volatility"]) if row is not None else 0.0
            runs = RunModel(arrival_rate=args.run_rate, duration_days=args.run_days,
                            size_min=args.run_min, size_alpha=args.run_alpha,
                            size_cap=args.run_cap, volatility=vol,
                            price_sensitivity=args.price_link)
        rates = withdrawal_rates(params, args.paths, args.seed, runs) \
            if args.engine == "memory" else None
    if args.engine == "dask":
        if rates_file is not None or args.daily_out:
            raise ParameterError("--engine dask runs generated Monte Carlo paths; it takes "
                                 "neither --withdrawal-rates nor --daily-out")
        from .liquidity import StressResult
        from .scale import get_client, monte_carlo_dask

        client = get_client(args.scheduler)
        try:
            metrics = monte_carlo_dask(params, args.paths, args.seed, runs, args.chunk)
        finally:
            client.close()
        res = StressResult(params, metrics, outflow_30d=metrics["outflow_30d"].to_numpy())
    else:
        res = simulate(params, rates, daily=bool(args.daily_out))
    summary = summarize(path_metrics(res))
    summary = {"token": args.token.upper() if args.token else None,
               "unbonding": str(params.unbonding), "paths": res.paths, "days": days,
               **summary, "coverage": coverage_ratio(res)}
    assumed = []
    if row is not None and row["unbonding_confidence"] == "assumed" and not args.unbonding:
        assumed.append(f"unbonding rule {rule}: {row['unbonding_source']}")
    if rates_file is None and args.paths > 1:
        assumed.append("stochastic run model (arrival, duration, Pareto sizes): assumed "
                       "calibration, see docs/liquidity.md")
        if args.price_link and row is not None and row["volatility_confidence"] == "assumed":
            assumed.append(f"volatility {row['volatility']}: {row['volatility_source']}")
    if assumed:
        summary["assumed"] = assumed
    if args.size_buffer is not None:
        if rates is None:  # the search reuses one set of paths in memory
            rates = withdrawal_rates(params, args.paths, args.seed, runs)
        summary["buffer_for_alpha"] = {
            "alpha": args.size_buffer, "max_delay_days": args.max_delay,
            "buffer_ratio": size_buffer(params, rates, args.size_buffer, args.max_delay)}
    text = json.dumps(_finite(summary), indent=2) + "\n"
    daily = res.daily() if args.daily_out else None
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
        _note(f"wrote the summary to {args.out}")
    else:
        sys.stdout.write(text)
    if daily is not None:
        write_csv(daily, args.daily_out)
        _note(f"wrote {len(daily)} daily rows to {args.daily_out}")
    return 0


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(_finite(obj), indent=2, default=_json_default) + "\n")


def _finite(obj: object) -> object:
    """JSON has no infinity or NaN: write them as null (a cap of null means no cap)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _json_default(v: object) -> object:
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(f"cannot write {type(v).__name__} as JSON")


def _apr_convert(args: argparse.Namespace) -> int:
    from .apr import apr_to_apy, apy_to_apr

    if args.apr is not None:
        apr = args.apr
        apy = float(apr_to_apy(apr, args.days_per_year))
    else:
        apy = args.apy
        apr = float(apy_to_apr(apy, args.days_per_year))
    _print_json({"apr": apr, "apy": apy, "days_per_year": args.days_per_year})
    return 0


def _apr_index(args: argparse.Namespace) -> int:
    from .apr import apr_from_index

    _print_json({"apr": apr_from_index(args.pre, args.post, args.elapsed),
                 "pre": args.pre, "post": args.post, "elapsed_seconds": args.elapsed})
    return 0


def _apr_realized(args: argparse.Namespace) -> int:
    from .apr import read_reward_history, realized_apr

    if not 0 <= args.fee < 1:
        raise ParameterError(f"--fee: {args.fee} is not in [0, 1)")
    table = realized_apr(read_reward_history(args.history), args.days_per_year,
                         args.precision, args.fee, tuple(args.window or (7, 30)))
    write_csv(table, args.out)
    return 0


def _apr_chain(args: argparse.Namespace) -> int:
    from .apr import network_apr

    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--param: '{item}' is not NAME=VALUE")
        params[name.strip()] = value.strip()
    _print_json(network_apr(args.chain, at=args.at, year=args.year,
                            staked_fraction=args.staked_fraction, commission=args.commission,
                            params=params))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SoftstakeError as e:
        _note(f"error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _note("interrupted")
        return 130
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, MemoryError) as e:
        _note(f"error: {e}")
        return 1
    except Exception as e:  # the command never shows a traceback
        if os.environ.get("SOFTSTAKE_DEBUG"):
            raise
        _note(f"internal error: {type(e).__name__}: {e} (set SOFTSTAKE_DEBUG=1 for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
