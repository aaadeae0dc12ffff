"""Measure a command's peak memory against the estimate it checked before allocating.

Run as ``python tools/measure_memory.py COMMAND ARGS...``: the command runs in this
process with :func:`softstake_model.checks.work` wrapped to record the largest estimate it
was asked to allow; the peak resident memory above the same process's peak after the
imports and a tiny warm-up run is the measured figure. Prints one JSON line
``{"estimate": bytes, "peak": bytes}`` (Linux and macOS: ``resource.getrusage``).
``tests/test_memory_estimates.py`` runs it for stress and rewards.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys


def _max_rss() -> int:
    """The process's peak resident memory so far, in bytes."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def main(argv: list[str]) -> int:
    """Run ``argv`` (after a tiny ``warmup`` run given before ``--``) and print the figures."""
    from softstake_model import checks

    split = argv.index("--")
    warmup, command = argv[:split], argv[split + 1:]
    asked: list[float] = []
    real = checks.work

    def record(bytes_needed: float, *args: object, **kwargs: object) -> None:
        asked.append(bytes_needed)
        real(bytes_needed, *args, **kwargs)

    checks.work = record
    os.environ["SOFTSTAKE_MAX_BYTES"] = str(10**12)
    checks.MAX_BYTES = 10**12
    from softstake_model.cli import main as cli

    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        assert cli(warmup) == 0
        base, asked[:] = _max_rss(), []
        assert cli(command) == 0
    print(json.dumps({"estimate": max(asked), "peak": _max_rss() - base}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
