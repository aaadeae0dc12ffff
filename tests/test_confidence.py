"""Wilson intervals and the bootstrap over paths: hand-worked numbers and rules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstake_model.confidence import bootstrap_threshold, wilson_interval
from softstake_model.errors import ParameterError

Z95 = 1.959963984540054


def test_wilson_by_hand():
    # 0 of 100: low 0, high z^2 / (n + z^2)
    lo, hi = wilson_interval(0, 100)
    assert float(lo) == 0.0
    assert float(hi) == pytest.approx(Z95**2 / (100 + Z95**2), rel=1e-12)
    # 91 of 100 (the textbook formula written out)
    n, p, z = 100, 0.91, Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson_interval(91, 100)
    assert (float(lo), float(hi)) == pytest.approx((centre - half, centre + half), rel=1e-12)
    # vectorised, and a wider interval at a higher level
    lo, hi = wilson_interval(np.array([5, 50]), np.array([100, 100]), 0.99)
    lo95, hi95 = wilson_interval(np.array([5, 50]), 100)
    assert np.all(lo < lo95) and np.all(hi > hi95)


@given(st.integers(1, 5000), st.data())
def test_wilson_contains_the_share(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n)
    assert 0 <= float(lo) <= k / n + 1e-12 and k / n - 1e-12 <= float(hi) <= 1
    assert float(hi) - float(lo) > 0


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ParameterError) as e:
        wilson_interval(5, 4)
    assert e.value.param == "successes"
    with pytest.raises(ParameterError, match="must be in"):
        wilson_interval(1, 4, confidence=1.5)


def test_bootstrap_threshold():
    grid = [0.1, 0.2, 0.3]
    # at 0.1 half the paths are bad, at 0.2 exactly 5 % (5 of 100), at 0.3 none
    bad = np.zeros((3, 100), dtype=bool)
    bad[0, :50] = True
    bad[1, :5] = True
    lo, hi = bootstrap_threshold(grid, bad, alpha=0.05, resamples=2000, seed=1)
    # resamples with more than 5 of the bad paths need 0.3; with 5 or fewer, 0.2
    assert (lo, hi) == (0.2, 0.3)
    # with no bad path at 0.2 every resample stops there
    bad[1] = False
    assert bootstrap_threshold(grid, bad, 0.05, seed=1) == (0.2, 0.2)
    with pytest.raises(ParameterError, match="must be"):
        bootstrap_threshold(grid, bad[:2], 0.05)
