"""The memory ``softstake stress`` checks before allocating (:func:`softstake_model.checks.
work`) is within a factor of 1.5 of the peak it then uses, measured as the process's peak
resident memory above a tiny warm-up run of the same command (``tools/measure_memory.py``),
with and without the daily state. (The rewards and caps estimates are tested beside their
own code: ``tests/test_rewards_memory.py``, ``tests/test_caps_memory.py``.)"""

import sys

import pytest
from memory_tool import assert_within, measure

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through /proc or resource.getrusage")]


def test_stress_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000"], tmp_path))


def test_stress_daily_out_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000", "--daily-out",
                           str(tmp_path / "daily.csv")], tmp_path))
