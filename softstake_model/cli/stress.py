"""``softstake stress``: can withdrawals be paid while stake unbonds?

The options are the fields of :class:`~softstake_model.stress_question.StressQuestion`
(meaning, unit, bounds and default written once, there); the command answers it with
:func:`~softstake_model.stress.run_stress`, the builder the ``liquidity_stress`` report uses.
"""

from __future__ import annotations

import argparse

from .options import add_catalog, add_token, json_text, note

__all__ = ["NAME", "HELP", "DESCRIPTION", "add_arguments", "run"]

NAME = "stress"
HELP = "liquidity stress: can withdrawals be paid while stake unbonds?"
DESCRIPTION = ("Simulate withdrawals against a liquid buffer and bonded stake and find the "
               "buffer that meets a delay target. Prints (or writes) a JSON summary with "
               "every parameter value used; --daily-out writes the daily state. By default "
               "one deterministic path without the rush (--paths N for Monte Carlo, "
               "--shock-fraction F for the rush).")


class _Spelled(argparse.Action):
    """Store the value of an earlier spelling of an option and note the spelling, so that a
    message about the value names the flag the user typed too."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        namespace.spelled = {**getattr(namespace, "spelled", {}), self.dest: option_string}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments: the question's fields, then how to run it."""
    from .. import spec
    from ..stress_question import (
        RUN_FIELDS,
        SCENARIO_FIELDS,
        SINGLE_RUN,
        TARGET_FIELDS,
        StressQuestion,
    )

    add_token(p, one=True)
    add_catalog(p)
    spec.add_options(p, StressQuestion, SCENARIO_FIELDS, defaults=SINGLE_RUN,
                     exclude=("shocks",))
    shocks = spec.specs(StressQuestion)["shocks"]
    p.add_argument(shocks.flag, dest="shocks", action="extend", nargs="+", default=[],
                   metavar=shocks.metavar, help=f"{shocks.doc.rstrip('.')}: "
                   f"{shocks.flag} 1:0.3 5:0.1 (or repeated)")
    for action in p._actions:  # not given: the question's, or a rates file's length
        if action.dest == "days":
            action.default = argparse.SUPPRESS
    p.add_argument("--withdrawal-rates", dest="rates", metavar="FILE",
                   help="CSV path,day,rate: replay these paths instead of generating them "
                   "(--days defaults to the file's last day)")
    target = p.add_argument_group("the buffer search's target")
    spec.add_options(target, StressQuestion, TARGET_FIELDS)
    # the earlier spellings, kept as aliases (not listed)
    target.add_argument("--size-buffer", dest="alpha", type=float, default=argparse.SUPPRESS,
                        action=_Spelled, help=argparse.SUPPRESS)
    target.add_argument("--max-delay", dest="max_delay_days", type=float,
                        default=argparse.SUPPRESS, action=_Spelled, help=argparse.SUPPRESS)
    runs = p.add_argument_group("stochastic runs (with --paths > 1; defaults are assumed)")
    spec.add_options(runs, StressQuestion, RUN_FIELDS)
    p.add_argument("--engine", choices=["memory", "dask"], default="memory",
                   help="dask: Monte Carlo paths in chunks as Dask tasks")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: a scheduler")
    p.add_argument("--chunk", type=int, default=1000, metavar="PATHS",
                   help="paths per Dask task (results do not depend on it)")
    p.add_argument("--out", metavar="SUMMARY.json", help="write the summary here")
    p.add_argument("--daily-out", metavar="DAILY.csv", help="write the daily state here")


def run(args: argparse.Namespace) -> int:
    """Answer the question and write its summary (and daily state)."""
    from .. import spec
    from ..errors import ParameterError
    from ..files import atomic_write, write_table
    from ..liquidity import read_withdrawal_rates
    from ..stress import run_stress
    from ..stress_question import StressQuestion

    extra, rates = {}, args.rates
    if args.rates and not hasattr(args, "days"):  # the horizon is the file's: read it once
        rates = read_withdrawal_rates(args.rates)
        extra["days"] = rates.shape[0]
    try:
        question = spec.from_args(StressQuestion, args, **extra)
    except ParameterError as e:  # a value given by an earlier spelling: say so
        typed = getattr(args, "spelled", {}).get(e.param)
        if typed is None:
            raise
        raise ParameterError(f"{e.reason} (given as {typed})", param=e.param) from None
    report = run_stress(question, rates=rates, engine=args.engine,
                        scheduler=args.scheduler, chunk=args.chunk, daily=bool(args.daily_out))
    text = json_text(report.summary)
    # the daily state first: if it fails, no new summary is left beside the earlier one
    if report.daily is not None:
        write_table(report.daily, args.daily_out)
        note(f"wrote {len(report.daily):,} daily rows to {args.daily_out}")
    if args.out:
        atomic_write(args.out, lambda h: h.write(text))
        note(f"wrote the summary to {args.out}")
    else:
        print(text, end="")
    return 0
