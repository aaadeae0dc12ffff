"""The ``softstake`` command: one module per command, each parsing its arguments, calling
package functions and formatting what they return.

Exit codes: 0 success; 1 bad input data (the message names file, line and column); 2 bad
arguments (the message names the flag); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM,
which cleans up like Ctrl-C). Every message is one line; usage is shown by ``--help``, not on
every error. No traceback is shown unless
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

__all__ = ["main", "command", "build_parser", "check_paths", "Terminated", "COMMANDS"]

#: The commands, in the order ``--help`` lists them (module names under ``cli/``).
COMMANDS = ("rewards", "reconcile", "ledger", "stress", "apr", "yields", "caps", "report",
            "explore", "fetch", "history")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (usage is for ``--help``)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        note(f"error: {message} (see '{self.prog} --help')")
        raise SystemExit(2)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every cleanup runs (exit 143)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


#: Argument names that are outputs (the rest that name existing files are inputs).
_OUTPUTS = ("out", "daily_out")


def check_paths(args: argparse.Namespace) -> None:
    """Before any work: no output is an input, and no two outputs are one file.

    File outputs are also checked for kind (folders and special files are refused) unless
    the command writes folders there (``report``, ``ledger convert``, ``rewards`` to a
    folder).
    """
    from ..files import check_outputs, output_target

    outputs = {"--" + k.replace("_", "-"): getattr(args, k) for k in _OUTPUTS
               if getattr(args, k, None) is not None}
    if not outputs:
        return
    inputs = [v for k, v in vars(args).items() if k not in _OUTPUTS and isinstance(v, str)
              and v and os.path.exists(v)]
    inputs += [v for k, v in vars(args).items() if isinstance(v, list) and k not in _OUTPUTS
               for v in v if isinstance(v, str) and v and os.path.exists(v)]
    folders = getattr(args, "command", None) in ("report", "ledger") or (
        getattr(args, "command", None) == "rewards" and _rewards_dir(args.out))
    if folders:
        for k, v in outputs.items():
            if str(v).strip() == "":
                output_target(v, k)  # refuses the empty name
            for src in inputs:
                if os.path.realpath(v) == os.path.realpath(src):
                    from ..errors import ParameterError

                    raise ParameterError(f"'{v}' is the input '{src}': choose another "
                                         "folder", param=k)
        return
    check_outputs(outputs, inputs)


def _rewards_dir(out: str) -> bool:
    from .rewards import _out_is_dir

    return out != "" and _out_is_dir(out)


#: What to reduce when a command runs out of memory: its size flags.
_SIZES = {"stress": "--paths, --days or --token (or --engine dask)",
          "caps": "--holders (or a smaller --balances file)",
          "yields": "--paths, --apr-paths or --days",
          "rewards": "the days (--start to --end) or the ledger (--token; a ledger too large "
                     "for memory: softstake ledger convert, then --engine dask)",
          "reconcile": "the days (--start to --end), --token or --account",
          "report": "--jobs or the scenarios' sizes (--quick)",
          "ledger": "--chunksize"}


def _out_of_memory(command: str | None) -> str:
    """The one line for a MemoryError: what ran out and which flags ask for less."""
    what = _SIZES.get(command or "", "the input or the sizes asked for")
    return (f"error: out of memory in 'softstake {command}': ask for less ({what}), or run "
            "it where more memory is free")


def _module(name: str) -> object:
    return importlib.import_module(f"{__name__}.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, only that command's arguments are declared
    (``""``: none, for the top-level help)."""
    parser = _Parser(
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
            p.set_defaults(flags=getattr(mod, "FLAGS", {}), command_parser=p)
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
    None when the command has none.

    An option declared with ``dest`` equal to the Python name (as :mod:`..spec` declares
    every option) is found by its ``dest``; a module's ``FLAGS`` map names the rest.
    """
    if param is None or not hasattr(args, "command_parser"):
        return None
    for action in args.command_parser._actions:
        if action.dest == param and not isinstance(action, argparse._HelpAction):
            longs = [o for o in action.option_strings if o.startswith("--")]
            return (longs or action.option_strings or [action.metavar or param])[0]
    known = _options(args.command_parser)
    named = getattr(args, "flags", {}).get(param)
    if named is not None and (not named.startswith("-") or named in known):
        return named
    flag = "--" + param.replace("_", "-")
    return flag if flag in known else None


def _command(argv: Sequence[str]) -> str | None:
    for a in argv:
        if not a.startswith("-"):
            return a if a in COMMANDS else None
    return None


def command() -> None:
    """The ``softstake`` executable: :func:`main` on the command line's arguments, then exit
    with its code.

    Before the interpreter ends, what the command allocated is frozen (:func:`gc.freeze`):
    the teardown then does not walk it for reference cycles, which after a report (pandas,
    matplotlib, papermill and nbconvert loaded) took 0.4 s of the command's time. Every
    file the command writes is closed by then; standard output and error are flushed as
    at any exit.
    """
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    from ..errors import ParameterError, SoftstakeError

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command(argv) or "").parse_args(argv)
    import signal
    import threading

    old = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        check_paths(args)
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
    except Terminated:
        note("terminated")
        return 143
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        note(_out_of_memory(getattr(args, "command", None)))
        return 1
    except OSError as e:
        note(f"error: {e}")
        return 1
    except Exception as e:  # the command never shows a traceback
        if os.environ.get("SOFTSTAKE_DEBUG"):
            raise
        note(f"internal error: {type(e).__name__}: {e} (set SOFTSTAKE_DEBUG=1 for details)")
        return 1
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
