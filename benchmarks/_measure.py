"""Time and peak memory of a call, measured in a forked child process.

The child resets the kernel's peak-RSS mark (``/proc/self/clear_refs``) right before the
call, so ``peak_rss_gib`` is the peak of the whole process during the call: what it already
held (``rss_before_gib``) plus what the call added.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _child(prepare: Callable[[], Any], call: Callable[[Any], Any], q: mp.Queue) -> None:
    data = prepare()
    before = _kib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    t = time.perf_counter()
    info = call(data)
    elapsed = time.perf_counter() - t
    q.put({"seconds": elapsed, "rss_before_gib": before / 2**20,
           "peak_rss_gib": _kib("VmHWM") / 2**20, "peak_reset": reset, **(info or {})})


def measure(prepare: Callable[[], Any], call: Callable[[Any], dict | None]) -> dict:
    """Run ``call(prepare())`` in a child; return its seconds, memory and ``call``'s dict."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(prepare, call, q))
    p.start()
    out = q.get()
    p.join()
    return out
