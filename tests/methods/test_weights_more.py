"""Maximising deviation, mean square deviation, G1 and combination weighting (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import MethodDomainError, SpecError
from dtindex.methods.combine import combine_weights
from dtindex.methods.dispersion import max_deviation, msd
from dtindex.methods.g1 import g1


# ---------------------------------------------------------------- mean square deviation
def test_msd_jahan_edwards_2013():
    # Jahan, A. & Edwards, K. L. (2013). Weighting of dependent and target-based criteria for optimal
    # decision-making in materials selection process: biomedical applications. Materials & Design 49,
    # 1000-1008: standard-deviation weights of the normalised matrix (each column already spans 0..1)
    # printed as 0.35, 0.31, 0.34 (the same example as pymcdm's test of standard_deviation_weights).
    M = np.array([[0, 0, 0], [0.39, 0.3, 0.77], [0.17, 0.36, 0.8], [0.35, 0.29, 0.93], [0.3, 0.4, 0.94],
                  [0.84, 0.71, 1], [1, 1, 0.99]])
    res = msd(M)
    assert res.weights.round(2).tolist() == [0.35, 0.31, 0.34]
    # the columns span 0..1, so standardising changes nothing
    np.testing.assert_allclose(res.weights, msd(M, standardise=False).weights)
    np.testing.assert_allclose(res.details["sigma"], M.std(axis=0))


def test_msd_by_hand():
    # z = (0, .5, 1) and (0, 0, 1): sigma = sqrt(1/6), sqrt(2/9)
    res = msd([[1.0, 5.0], [2.0, 5.0], [3.0, 9.0]])
    s = np.array([np.sqrt(1 / 6), np.sqrt(2 / 9)])
    np.testing.assert_allclose(res.weights, s / s.sum())


# ---------------------------------------------------------------- maximising deviation
def test_max_deviation_by_hand():
    # hand computation (no published example was found): z = (0, .5, 1) and (0, 0, 1)
    # sum over ordered pairs |z_i - z_k|: 2 * (.5 + 1 + .5) = 4 and 2 * (0 + 1 + 1) = 4 -> equal weights
    res = max_deviation([[1.0, 5.0], [2.0, 5.0], [3.0, 9.0]])
    np.testing.assert_allclose(res.details["deviation"], [4.0, 4.0])
    np.testing.assert_allclose(res.weights, [0.5, 0.5])
    # (0, .25, 1) vs (0, 1, 1): D = 2 * (.25 + 1 + .75) = 4 and 2 * (1 + 1 + 0) = 4; with a fourth row
    res = max_deviation([[0.0, 0.0], [1.0, 4.0], [4.0, 4.0], [2.0, 0.0]])
    z1, z2 = np.array([0, .25, 1, .5]), np.array([0, 1, 1, 0])
    D = [np.abs(z[:, None] - z[None, :]).sum() for z in (z1, z2)]
    np.testing.assert_allclose(res.weights, np.array(D) / sum(D))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(1, 5), st.integers(0, 10**6))
def test_max_deviation_equals_the_pairwise_definition(n, k, seed):
    X = np.random.default_rng(seed).normal(size=(n, k))
    X[0] += 1.0  # no constant columns
    X[1] -= 1.0
    Z = (X - X.min(0)) / (X.max(0) - X.min(0))
    D = np.abs(Z[:, None, :] - Z[None, :, :]).sum(axis=(0, 1))
    np.testing.assert_allclose(max_deviation(X).weights, D / D.sum())
    # reversing an indicator changes nothing (no directions needed)
    np.testing.assert_allclose(max_deviation(-X).weights, max_deviation(X).weights)
    np.testing.assert_allclose(msd(-X).weights, msd(X).weights)


def test_dispersion_refuses_constant_and_bad_parameters():
    for fn in (max_deviation, msd):
        with pytest.raises(MethodDomainError, match="constant"):
            fn([[1.0, 2.0], [1.0, 3.0]])
        with pytest.raises(SpecError, match="standardise"):
            fn([[1.0, 2.0], [2.0, 3.0]], standardise="yes")


# ---------------------------------------------------------------- G1
def test_g1_by_hand():
    # hand computation from Guo Yajun's formulas: r = (1.2, 1.5) -> w3 = 1 / (1 + 1.5 + 1.2 * 1.5) = 1 / 4.3
    w = g1(["a", "b", "c"], [1.2, 1.5])
    np.testing.assert_allclose(w.to_numpy(), [1.2 * 1.5 / 4.3, 1.5 / 4.3, 1 / 4.3])
    assert list(w.index) == ["a", "b", "c"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([1.0, 1.2, 1.4, 1.6, 1.8]), min_size=0, max_size=8))
def test_g1_reproduces_the_ratios(ratios):
    labels = [f"x{i}" for i in range(len(ratios) + 1)]
    w = g1(labels, ratios).to_numpy()
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w[:-1] / w[1:], ratios)
    assert (np.diff(w) <= 1e-15).all()  # the order is kept


def test_g1_errors():
    with pytest.raises(SpecError, match="need 2 ratios"):
        g1(["a", "b", "c"], [1.2])
    with pytest.raises(SpecError, match=r"r_2 = w\(a\) / w\(b\) must be a number >= 1"):
        g1(["a", "b"], [0.8])
    with pytest.raises(SpecError, match="listed twice"):
        g1(["a", "a"], [1.0])


# ---------------------------------------------------------------- combination weighting
def test_multiplicative_reproduces_idocriw_of_zavadskas_podvezko_2016():
    # Zavadskas, E. K. & Podvezko, V. (2016). Integrated determination of objective criteria weights in MCDM.
    # IJITDM 15(2), 267-283: IDOCRIW combines the CILOS weights q = 0.3343, 0.2199, 0.1957, 0.2501 with the
    # entropy weights 0.1146, 0.1981, 0.4185, 0.2689 multiplicatively, w = q e / sum q e; published
    # 0.1658, 0.1885, 0.3545, 0.2911 (also pymcdm's tests).
    cilos = [0.3343, 0.2199, 0.1957, 0.2501]
    ent = [0.1146, 0.1981, 0.4185, 0.2689]
    w = combine_weights(cilos, ent, rule="multiplicative").weights
    np.testing.assert_allclose(w, [0.1658, 0.1885, 0.3545, 0.2911], atol=1.5e-4)


def test_linear_min_information_and_game_theory_by_hand():
    u, v = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.6, 0.3])
    lin = combine_weights(u, v, rule="linear", alpha=0.3)
    np.testing.assert_allclose(lin.weights, 0.3 * u + 0.7 * v)
    assert lin.coefficients == (0.3, 0.7)
    mi = combine_weights(u, v, rule="min_information").weights
    np.testing.assert_allclose(mi, np.sqrt(u * v) / np.sqrt(u * v).sum())
    # game theory by hand: [[u.u, u.v], [v.u, v.v]] a = [u.u, v.v]
    # u.u = .38, u.v = .29, v.v = .46 -> a = (.38*.46 - .29*.46, .38*.46 - .38*.29) / (.38*.46 - .29^2)
    det = 0.38 * 0.46 - 0.29**2
    a = np.array([(0.38 * 0.46 - 0.29 * 0.46) / det, (0.38 * 0.46 - 0.29 * 0.38) / det])
    gt = combine_weights(u, v, rule="game_theory")
    np.testing.assert_allclose(gt.coefficients, a / a.sum())
    np.testing.assert_allclose(gt.weights, (a / a.sum()) @ np.stack([u, v]))


def test_combination_of_equal_vectors_is_that_vector():
    u = [0.2, 0.3, 0.5]
    for rule, alpha in (("linear", 0.5), ("game_theory", None), ("min_information", None)):
        np.testing.assert_allclose(combine_weights(u, u, rule=rule, alpha=alpha).weights, u)
    # the multiplicative form sharpens instead: u^2 / sum u^2
    np.testing.assert_allclose(combine_weights(u, u).weights, np.square(u) / np.square(u).sum())


def test_combination_errors():
    with pytest.raises(SpecError, match="linear rule needs alpha"):
        combine_weights([0.5, 0.5], [0.4, 0.6], rule="linear")
    with pytest.raises(SpecError, match="alpha applies to the linear rule only"):
        combine_weights([0.5, 0.5], [0.4, 0.6], rule="multiplicative", alpha=0.5)
    with pytest.raises(SpecError, match="have 3 entries, the first 2"):
        combine_weights([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(MethodDomainError, match="no indicator has both"):
        combine_weights([1.0, 0.0], [0.0, 1.0])
    with pytest.raises(SpecError, match="must be one of 'multiplicative'"):
        combine_weights([1.0], [1.0], rule="additive")
