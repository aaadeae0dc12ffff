"""``softstake caps`` checks the memory it will need before sampling its holders
(:data:`softstake_model.caps.HOLDER_BYTES` a holder, :func:`softstake_model.checks.work`):
the estimate is within a factor of 1.5 of the peak it then uses, measured as the process's
peak resident memory above a tiny warm-up run of the same command
(``tools/measure_memory.py``, as ``tests/test_memory_estimates.py`` does for stress)."""

import sys

import pytest
from memory_tool import assert_within, measure

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through /proc or resource.getrusage")]


def test_caps_estimate_within_a_factor_of_the_peak(tmp_path):
    fig = measure(["caps", "--token", "BNB", "--holders", "10"],
                  ["caps", "--token", "BNB", "--holders", "2000000"], tmp_path)
    assert fig["estimate"] == 2_000_000 * 104  # 13 arrays of 8 bytes a holder
    assert_within(fig)
