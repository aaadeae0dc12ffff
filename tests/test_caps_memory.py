"""``softstake caps`` checks the memory it will need before sampling its holders
(:data:`softstake_model.caps.HOLDER_BYTES` a holder, :func:`softstake_model.checks.work`):
the estimate is within a factor of 1.5 of the peak it then uses, measured as the process's
peak resident memory above a tiny warm-up run of the same command
(``tools/measure_memory.py``, as ``tests/test_memory_estimates.py`` does for stress)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through resource.getrusage")]


def test_caps_estimate_within_a_factor_of_the_peak(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "measure_memory.py"),
                           "caps", "--token", "BNB", "--holders", "10", "--",
                           "caps", "--token", "BNB", "--holders", "2000000"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    fig = json.loads(done.stdout.strip().splitlines()[-1])
    assert fig["estimate"] == 2_000_000 * 104  # 13 arrays of 8 bytes a holder
    if fig["peak"] <= 0:  # the run peaked below the warm-up: no figure to compare with
        pytest.skip(f"no peak above the warm-up measured (estimate {fig['estimate']:,.0f} B)")
    ratio = fig["estimate"] / fig["peak"]
    assert 1 / 1.5 <= ratio <= 1.5, f"estimate {fig['estimate']:,.0f} B, peak " \
                                    f"{fig['peak']:,.0f} B (ratio {ratio:.2f})"
