"""Measure a command's peak memory against the estimate it checked before allocating.

Run as ``python tools/measure_memory.py COMMAND ARGS...``: the command runs in this
process with :func:`softstake_model.checks.work` wrapped to record the largest estimate it
was asked to allow. After the imports and a tiny warm-up run the kernel's high-water mark
is reset (Linux: ``/proc/self/clear_refs``), so the measured figure is the command's own
peak above what the process then holds, whatever the warm-up peaked at; elsewhere the peak
above the warm-up's (``resource.getrusage``). Prints one JSON line
``{"estimate": bytes, "peak": bytes, "reset": bool}``.
``tests/test_memory_estimates.py`` and ``tests/test_caps_memory.py`` run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
from pathlib import Path


def _status_bytes(field: str) -> int | None:
    """A ``/proc/self/status`` figure (``VmRSS``, ``VmHWM``) in bytes; None without /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) * 1024 for line in lines if line.startswith(field)),
                None)


def _reset_peak() -> int | None:
    """Reset the kernel's high-water mark; the resident bytes now, None where it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_bytes("VmRSS")


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
        asked.clear()
        now = _reset_peak()
        base = _max_rss() if now is None else now
        assert cli(command) == 0
    peak = (_max_rss() if now is None else _status_bytes("VmHWM")) - base  # type: ignore[operator]
    print(json.dumps({"estimate": max(asked), "peak": peak, "reset": now is not None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
