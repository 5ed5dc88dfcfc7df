"""Dimension measures against hand computations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import SpecError
from dtindex.future import dimensions as D


def test_share_and_zero_total():
    np.testing.assert_allclose(D.share([4, 1, 0], [5, 5, 0]), [80.0, 20.0, 0.0])


def test_location_quotient_by_hand():
    # region A: 4 of its 5 firms in the field; nation: 5 of 10 -> LQ = (4/5)/(5/10) = 1.6
    assert D.location_quotient(4, 5, 5, 10) == pytest.approx(1.6)
    assert D.location_quotient(1, 5, 5, 10) == pytest.approx(0.4)
    # a region without firms, a field without firms: 0, not NaN
    np.testing.assert_array_equal(D.location_quotient([0, 0], [0, 3], [5, 0], [10, 10]), [0.0, 0.0])


def test_growth_dhs_and_zero_base():
    g = D.growth_rate([3, 0, 0, 4, 10], [1, 1, 0, 0, 11])
    np.testing.assert_allclose(g, [(1 - 3) / 2, 2.0, 0.0, -2.0, 1 / 10.5])
    assert np.isfinite(g).all()


def test_growth_pct_zero_base_rule():
    np.testing.assert_allclose(D.growth_rate([2, 0, 0], [3, 5, 0], method="pct"), [0.5, 1.0, 0.0])
    with pytest.raises(SpecError, match="growth method"):
        D.growth_rate(1, 2, method="log")


def test_entropy_and_hhi_by_hand():
    counts = np.array([[3, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=float)
    h = D.entropy_diversity(counts)
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(6)  # 0.31385
    assert h[0] == pytest.approx(expected)
    assert h[0] == pytest.approx(0.313845, abs=1e-6)
    assert h[1] == 0.0 and h[2] == pytest.approx(1.0)
    np.testing.assert_allclose(D.hhi(counts), [0.625, 1.0, 1 / 6])
    np.testing.assert_allclose(D.hhi_diversity(counts), [(1 - 0.625) / (1 - 1 / 6), 0.0, 1.0])
    assert D.diversity([[2, 2, 0, 0, 0]])[0] == pytest.approx(math.log(2) / math.log(5))
    assert D.diversity([[2, 2, 0, 0, 0]], method="hhi")[0] == pytest.approx(0.5 / 0.8)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=2, max_size=8))
def test_diversity_bounds(counts):
    c = np.array([counts], dtype=float)
    for m in ("entropy", "hhi"):
        v = D.diversity(c, method=m)[0]
        assert 0.0 <= v <= 1.0
    assert 1 / len(counts) - 1e-12 <= D.hhi(c)[0] <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1e6), st.floats(0, 1e6))
def test_dhs_bounded(a, b):
    g = D.growth_rate(a, b)
    assert -2.0 <= g <= 2.0
