"""The ``softstake`` command: one module per command, each parsing its arguments, calling
package functions and formatting what they return.

Exit codes: 0 success; 1 bad input data (the message names file, line and column); 2 bad
arguments (the message names the flag); 130 interrupted. No traceback is shown unless
``SOFTSTAKE_DEBUG=1`` is set. Package errors name Python parameters (``buffer_ratio``);
:func:`main` names the command's flag instead (``--buffer``).

Only the command being run has its arguments declared, so ``softstake --help`` and small
commands start without importing what they do not use.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .options import note

__all__ = ["main", "build_parser", "COMMANDS"]

#: The commands, in the order ``--help`` lists them (module names under ``cli/``).
COMMANDS = ("rewards", "reconcile", "ledger", "stress", "apr", "yields", "caps", "report")


def _module(name: str) -> object:
    return importlib.import_module(f"{__name__}.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, only that command's arguments are declared
    (``""``: none, for the top-level help)."""
    parser = argparse.ArgumentParser(
        prog="softstake",
        description="Exchange soft staking: rewards, reconciliation, liquidity stress, APR, "
        "holder yields and platform caps.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        mod = _module(name)
        p = sub.add_parser(name, help=mod.HELP, description=mod.DESCRIPTION)
        if only is None or only == name:
            mod.add_arguments(p)
            if hasattr(mod, "run"):
                p.set_defaults(run=mod.run)
            p.set_defaults(flags=mod.FLAGS, command_parser=p)
    return parser


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` and of its subcommands."""
    out: set[str] = set()
    for action in parser._actions:
        out.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for p in action.choices.values():
                out |= _options(p)
    return out


def flag_for(args: argparse.Namespace, param: str | None) -> str | None:
    """The command's name for the Python parameter ``param`` (a flag or a positional), or
    None when the command has none."""
    if param is None or not hasattr(args, "command_parser"):
        return None
    known = _options(args.command_parser)
    named = args.flags.get(param)
    if named is not None and (not named.startswith("-") or named in known):
        return named
    flag = "--" + param.replace("_", "-")
    return flag if flag in known else None


def _command(argv: Sequence[str]) -> str | None:
    for a in argv:
        if not a.startswith("-"):
            return a if a in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    from ..errors import ParameterError, SoftstakeError

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command(argv) or "").parse_args(argv)
    try:
        return args.run(args)
    except ParameterError as e:
        flag = flag_for(args, e.param)
        note(f"error: {e.named(flag) if flag else e}")
        return e.exit_code
    except SoftstakeError as e:
        note(f"error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        note("interrupted")
        return 130
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, MemoryError) as e:
        note(f"error: {e}")
        return 1
    except Exception as e:  # the command never shows a traceback
        if os.environ.get("SOFTSTAKE_DEBUG"):
            raise
        note(f"internal error: {type(e).__name__}: {e} (set SOFTSTAKE_DEBUG=1 for details)")
        return 1
