"""The memory tests' one way to measure: ``tools/measure_memory.py`` in a fresh process (the
kernel's high-water mark reset after a tiny warm-up), and the factor-of-1.5 check."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Left out of the measured process's environment: importing Dask (tests/test_scale.py)
#: sets glibc's trim threshold in this one (a shell running the command has none).
LEAKED = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_")


def measure(warmup: list[str], command: list[str], cwd: Path) -> dict:
    """``{"estimate": bytes, "peak": bytes, "reset": bool}`` of ``command`` after ``warmup``."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKED}
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "measure_memory.py"), *warmup,
                           "--", *command], capture_output=True, text=True, cwd=cwd,
                          check=False, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_within(fig: dict, factor: float = 1.5) -> None:
    """The estimate within ``factor`` of the measured peak; no peak at all is a failure (a
    broken measurement or a command that did not run), not a case to skip."""
    assert fig["peak"] > 0, f"no peak above the warm-up (estimate {fig['estimate']:,.0f} B)"
    ratio = fig["estimate"] / fig["peak"]
    assert 1 / factor <= ratio <= factor, f"estimate {fig['estimate']:,.0f} B, peak " \
                                          f"{fig['peak']:,.0f} B (ratio {ratio:.2f})"
