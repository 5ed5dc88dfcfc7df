"""Gini, CV, Theil and the Dagum decomposition: hand computations and exact additivity."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import MethodDomainError
from dtindex.regional.inequality import cv, dagum, gini, theil


def test_gini_theil_closed_form():
    # y = (1, 1, 4): mean 2; sum over ordered pairs |y_i - y_r| = 12, G = 12 / (2 * 9 * 2) = 1/3;
    # T = (1/3)[2 * 0.5 ln 0.5 + 2 ln 2] = ln2 / 3; L = (1/3)[2 ln 2 + ln 0.5] = ln2 / 3
    y = [1, 1, 4]
    assert gini(y) == pytest.approx(1 / 3)
    t = theil(y)
    assert t.T == pytest.approx(math.log(2) / 3)
    assert t.L == pytest.approx(math.log(2) / 3)
    assert t.T_between == 0 and t.L_between == 0
    # population sd = sqrt(((1)^2 + 1 + 4) / 3) = sqrt(2)
    assert cv(y) == pytest.approx(math.sqrt(2) / 2)


def test_dagum_hand_example_without_overlap():
    # groups a = (1, 2), b = (3, 4, 10); mu = 4, mu_a = 1.5, mu_b = 17/3
    # G = 80 / (2 * 25 * 4) = 0.4; G_aa = 2 / (2 * 4 * 1.5) = 1/6; G_bb = 28 / (2 * 9 * 17/3) = 14/51
    # G_ba = 25 / (2 * 3 * (1.5 + 17/3)) = 25/43; p = (0.4, 0.6), s = (0.15, 0.85)
    # Gw = 1/6*0.4*0.15 + 14/51*0.6*0.85 = 0.15; Gb = 25/43 * (0.6*0.15 + 0.4*0.85) = 0.25; no overlap: Gt = 0
    d = dagum([1, 2, 3, 4, 10], ["a", "a", "b", "b", "b"])
    assert d.groups == ("a", "b")
    assert d.G == pytest.approx(0.4)
    assert d.G_jj["a"] == pytest.approx(1 / 6)
    assert d.G_jj["b"] == pytest.approx(14 / 51)
    assert d.G_jh[("b", "a")] == pytest.approx(25 / 43)
    assert d.Gw == pytest.approx(0.15)
    assert d.Gnb == pytest.approx(0.25)
    assert d.Gt == pytest.approx(0.0, abs=1e-15)


def test_dagum_hand_example_with_transvariation():
    # a = (1, 4) mean 2.5, b = (2, 6) mean 4 (richer). Pairs b - a: 1, -2, 5, 2 ->
    # d_ba = (1 + 5 + 2)/4 = 2, p_ba = 2/4 = 0.5, D = 1.5/2.5 = 0.6; G_ba = 10 / (4 * 6.5) = 5/13;
    # p = (1/2, 1/2), s = (5/13, 8/13): weight p_b s_a + p_a s_b = 1/2 -> Gnb = 3/26, Gt = 1/13;
    # G_aa = 6 / (8 * 2.5) = 0.3, G_bb = 8 / 32 = 0.25, Gw = 7/52; G = 34 / 104 = 17/52
    d = dagum([1, 4, 2, 6], ["a", "a", "b", "b"])
    assert d.D_jh[("b", "a")] == pytest.approx(0.6)
    assert d.G_jh[("b", "a")] == pytest.approx(5 / 13)
    assert (d.G, d.Gw, d.Gnb, d.Gt) == pytest.approx((17 / 52, 7 / 52, 3 / 26, 1 / 13))
    long = d.long("2023")
    assert list(long.columns) == ["time", "component", "group1", "group2", "value"]
    assert list(long["component"]) == ["G", "Gw", "Gnb", "Gt", "G_jj", "G_jj", "G_jh"]


def test_theil_grouped_hand_example():
    y = np.array([1.0, 2, 3, 4, 10])
    g = ["a", "a", "b", "b", "b"]
    mu, mu_a, mu_b = 4.0, 1.5, 17 / 3
    s_a, s_b = 3 / 20, 17 / 20
    T_a = (1 / 2) * sum(v / mu_a * math.log(v / mu_a) for v in (1, 2))
    T_b = (1 / 3) * sum(v / mu_b * math.log(v / mu_b) for v in (3, 4, 10))
    t = theil(y, g)
    assert t.T_within == pytest.approx(s_a * T_a + s_b * T_b)
    assert t.T_between == pytest.approx(s_a * math.log(mu_a / mu) + s_b * math.log(mu_b / mu))
    L_a = (1 / 2) * sum(math.log(mu_a / v) for v in (1, 2))
    L_b = (1 / 3) * sum(math.log(mu_b / v) for v in (3, 4, 10))
    assert t.L_within == pytest.approx(0.4 * L_a + 0.6 * L_b)
    assert t.L_between == pytest.approx(0.4 * math.log(mu / mu_a) + 0.6 * math.log(mu / mu_b))


def test_theil_l_needs_positive_values_and_t_allows_zero():
    t = theil([0.0, 1.0, 2.0])
    assert np.isnan(t.L) and t.T > 0
    with pytest.raises(MethodDomainError):
        gini([-1.0, 2.0])


values = st.lists(st.floats(0.01, 1000, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(1, 4), st.randoms(use_true_random=False))
def test_components_add_up_exactly(ys, k, rnd):
    groups = [f"g{rnd.randrange(k)}" for _ in ys]
    d = dagum(ys, groups)
    assert d.Gw + d.Gnb + d.Gt == pytest.approx(d.G, rel=1e-10, abs=1e-12)
    assert d.G == pytest.approx(gini(ys), rel=1e-10, abs=1e-12)
    assert all(0 <= v <= 1 for v in d.D_jh.values())
    t = theil(ys, groups)
    assert t.T_within + t.T_between == pytest.approx(t.T, rel=1e-9, abs=1e-12)
    assert t.L_within + t.L_between == pytest.approx(t.L, rel=1e-9, abs=1e-12)


@given(st.floats(0.01, 1e6), st.integers(1, 30))
def test_equal_values_have_no_inequality(v, n):
    ys = [v] * n
    assert gini(ys) == pytest.approx(0, abs=1e-12)
    assert theil(ys).T == pytest.approx(0, abs=1e-12)
    assert cv(ys) == pytest.approx(0, abs=1e-12)


def test_equal_group_means_give_no_negative_affluence():
    # found by hypothesis: two groups with the same mean, whose pair sums differ by rounding
    ys = [1.0, 511.6354713439941, 1.0, 1.0, 511.6354713439941]
    for groups in (["a", "a", "b", "c", "b"], ["a", "b", "a", "b", "c"], ["a", "a", "b", "b", "c"]):
        d = dagum(ys, groups)
        assert all(0 <= v <= 1 for v in d.D_jh.values())
        assert d.Gw + d.Gnb + d.Gt == pytest.approx(d.G, rel=1e-10, abs=1e-12)
