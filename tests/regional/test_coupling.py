"""Coupling coordination: hand computations and the bounds 0 <= C <= 1 (C = 1 iff all U_i equal)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtindex.errors import DataError, MethodDomainError
from dtindex.regional.coupling import coupling, coupling_degree, grade


def test_two_systems_hand_computation():
    # U = (0.25, 1): C = 2 sqrt(0.25 * 1) / (0.25 + 1) = 0.8, T = 0.625, D = sqrt(0.5) = 0.7071 -> 中级协调
    out = coupling(np.array([[0.25, 1.0]]))
    assert out.loc[0, "C"] == pytest.approx(0.8)
    assert out.loc[0, "T"] == pytest.approx(0.625)
    assert out.loc[0, "D"] == pytest.approx(math.sqrt(0.5))
    assert out.loc[0, "grade"] == "中级协调"
    assert out.loc[0, "E"] == pytest.approx(4.0) and out.loc[0, "relative"] == "U1 lags"


def test_three_systems_and_alpha():
    # U = (0.2, 0.4, 0.8): C = 3 [0.064 / 1.4^3]^(1/3) = 3 * 0.4 / 1.4 = 6/7; T = 0.4*0.2 + 0.3*0.4 + 0.3*0.8 = 0.44
    out = coupling(np.array([[0.2, 0.4, 0.8]]), [0.4, 0.3, 0.3], systems=["infra", "platform", "app"])
    assert out.loc[0, "C"] == pytest.approx(6 / 7)
    assert out.loc[0, "T"] == pytest.approx(0.44)
    assert out.loc[0, "D"] == pytest.approx(math.sqrt(6 / 7 * 0.44))
    assert out.loc[0, "lagging"] == "infra"
    # the n-system form C = n [prod U / (sum U)^n]^(1/n), written out, agrees
    U = np.array([0.2, 0.4, 0.8])
    assert out.loc[0, "C"] == pytest.approx(3 * (U.prod() / U.sum() ** 3) ** (1 / 3))


def test_grade_boundaries():
    assert list(grade([0.0, 0.0999, 0.1, 0.5, 0.8999, 0.9, 1.0])) == [
        "极度失调", "极度失调", "严重失调", "勉强协调", "良好协调", "优质协调", "优质协调"]
    assert grade([0.95], lang="en")[0] == "high-quality coordination"


def test_errors():
    with pytest.raises(MethodDomainError, match="normalised"):
        coupling(np.array([[0.5, 2.0]]))
    with pytest.raises(DataError, match="sum to 1"):
        coupling(np.array([[0.5, 0.5]]), [0.5, 0.6])
    with pytest.raises(DataError, match="at least two"):
        coupling(np.array([[0.5]]))


@given(st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=1, max_size=20))
def test_c_is_between_0_and_1(rows):
    U = np.array(rows)
    C = coupling_degree(U)
    ok = ~np.isnan(C)
    assert np.all((C[ok] >= 0) & (C[ok] <= 1))


@given(st.floats(1e-6, 1), st.integers(2, 6))
def test_equal_subsystems_couple_perfectly(u, n):
    assert coupling_degree(np.full((1, n), u))[0] == pytest.approx(1.0)
