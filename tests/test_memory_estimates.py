"""The memory ``softstake stress`` checks before allocating (:func:`softstake_model.checks.
work`) is within a factor of 1.5 of the peak it then uses, measured as the process's peak
resident memory above a tiny warm-up run of the same command (``tools/measure_memory.py``),
with and without the daily state. (The rewards and caps estimates are tested beside their
own code: ``tests/test_rewards_memory.py``, ``tests/test_caps_memory.py``.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through resource.getrusage")]


#: Left out of the measured process's environment: importing Dask (tests/test_scale.py)
#: sets glibc's trim threshold in this one (a shell running the command has none).
LEAKED = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_")


def measure(warmup: list[str], command: list[str], cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in LEAKED}
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "measure_memory.py"), *warmup,
                           "--", *command], capture_output=True, text=True, cwd=cwd,
                          check=False, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_within(fig: dict, factor: float = 1.5) -> None:
    # the runs below allocate hundreds of MB over the warm-up: no peak above it is a broken
    # measurement (or a command that did not run), a failure, not a case to skip
    assert fig["peak"] > 0, f"no peak above the warm-up (estimate {fig['estimate']:,.0f} B)"
    ratio = fig["estimate"] / fig["peak"]
    assert 1 / factor <= ratio <= factor, f"estimate {fig['estimate']:,.0f} B, peak " \
                                          f"{fig['peak']:,.0f} B (ratio {ratio:.2f})"


def test_stress_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000"], tmp_path))


def test_stress_daily_out_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000", "--daily-out",
                           str(tmp_path / "daily.csv")], tmp_path))
