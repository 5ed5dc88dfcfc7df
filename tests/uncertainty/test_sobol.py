"""Saltelli design and Sobol estimators: hand-checked numbers, analytic test functions, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from dtindex.errors import SpecError
from dtindex.uncertainty.sobol import (
    ishigami,
    ishigami_indices,
    saltelli_design,
    sobol_indices,
    uniform_sample,
)


def test_estimators_by_hand():
    # n = 2, k = 1: yA = (1, 3), yB = (2, 4), yAB = (2, 3)
    # V = var(1, 3, 2, 4; divisor 3) = 5/3
    # S1 = mean(yB (yAB - yA)) / V = mean(2 * 1, 4 * 0) / V = 1 / (5/3) = 0.6
    # ST = mean((yA - yAB)^2) / (2 V) = mean(1, 0) / (10/3) = 0.15
    res = sobol_indices(np.array([1.0, 3, 2, 4, 2, 3]), 2, 1)
    assert res.S1[0] == pytest.approx(0.6)
    assert res.ST[0] == pytest.approx(0.15)
    assert res.variance[0] == pytest.approx(5 / 3)
    assert np.isnan(res.S1_low).all()


def test_design_swaps_the_columns_of_each_factor():
    d = saltelli_design([2, 1], 5, seed=3, sampling="random")
    A, B = d.X[d.block("A")], d.X[d.block("B")]
    AB0, AB1 = d.X[d.block("AB", 0)], d.X[d.block("AB", 1)]
    assert d.X.shape == (5 * 4, 3)
    np.testing.assert_array_equal(AB0[:, :2], B[:, :2])
    np.testing.assert_array_equal(AB0[:, 2], A[:, 2])
    np.testing.assert_array_equal(AB1[:, :2], A[:, :2])
    np.testing.assert_array_equal(AB1[:, 2], B[:, 2])
    assert not np.allclose(A, B)


def test_ishigami_indices_match_the_analytic_values():
    S1, ST = ishigami_indices()
    # Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, sec. 4.8 (a = 7, b = 0.1)
    np.testing.assert_allclose(S1, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(ST, [0.5576, 0.4424, 0.2437], atol=5e-5)
    d = saltelli_design([1, 1, 1], 2**12, seed=11, sampling="sobol")
    res = sobol_indices(ishigami(-np.pi + 2 * np.pi * d.X), d.n, d.k, bootstrap=200, ci=0.95, seed=2)
    np.testing.assert_allclose(res.S1, S1, atol=0.03)
    np.testing.assert_allclose(res.ST, ST, atol=0.02)
    # the bootstrap intervals are ordered and cover the analytic values
    assert (res.S1_low <= res.S1_high).all() and (res.ST_low <= res.ST_high).all()
    assert ((res.ST_low <= ST) & (ST <= res.ST_high)).all()
    assert ((res.S1_low <= S1) & (S1 <= res.S1_high)).all()


def test_ishigami_with_pseudo_random_sampling():
    S1, ST = ishigami_indices()
    d = saltelli_design([1, 1, 1], 2**13, seed=4, sampling="random")
    res = sobol_indices(ishigami(-np.pi + 2 * np.pi * d.X), d.n, d.k)
    np.testing.assert_allclose(res.S1, S1, atol=0.06)
    np.testing.assert_allclose(res.ST, ST, atol=0.04)


def test_linear_model_with_a_grouped_factor():
    # y = x1 + x2 + 2 x3, x ~ U(0, 1): V = 1/12 + 1/12 + 4/12; group {x1, x2} has S = ST = 1/3, x3 has 2/3
    d = saltelli_design([2, 1], 2**11, seed=5)
    y = d.X[:, 0] + d.X[:, 1] + 2 * d.X[:, 2]
    res = sobol_indices(y, d.n, d.k)
    np.testing.assert_allclose(res.S1, [1 / 3, 2 / 3], atol=0.02)
    np.testing.assert_allclose(res.ST, [1 / 3, 2 / 3], atol=0.02)


def test_several_outputs_nan_and_constant_outputs():
    d = saltelli_design([1, 1], 512, seed=6)
    y1 = d.X[:, 0] + 3 * d.X[:, 1]
    y2 = np.full(len(y1), 4.0)  # constant: no variance, indices undefined
    y3 = y1.copy()
    y3[::7] = np.nan  # missing outputs are left out
    res = sobol_indices(np.column_stack([y1, y2, y3]), d.n, d.k, bootstrap=50)
    assert res.S1.shape == (2, 3)
    np.testing.assert_allclose(res.ST[:, 0], [0.1, 0.9], atol=0.03)
    assert np.isnan(res.S1[:, 1]).all() and np.isnan(res.ST_high[:, 1]).all()
    np.testing.assert_allclose(res.ST[:, 2], res.ST[:, 0], atol=0.03)


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = saltelli_design([1, 2], 64, seed=1).X
    np.testing.assert_array_equal(a, saltelli_design([1, 2], 64, seed=1).X)
    assert not np.array_equal(a, saltelli_design([1, 2], 64, seed=2).X)
    y = a.sum(axis=1)
    r1 = sobol_indices(y, 64, 2, bootstrap=30, seed=9)
    r2 = sobol_indices(y, 64, 2, bootstrap=30, seed=9)
    np.testing.assert_array_equal(r1.S1_low, r2.S1_low)
    np.testing.assert_array_equal(uniform_sample(5, 2, seed=0, sampling="random"),
                                  uniform_sample(5, 2, seed=0, sampling="random"))


def test_bad_arguments():
    with pytest.raises(SpecError, match="expected n \\(k \\+ 2\\) = 8"):
        sobol_indices(np.zeros(7), 2, 2)
    with pytest.raises(SpecError, match="The 'sampling' parameter of uncertainty must be one of 'sobol', 'random'"):
        uniform_sample(4, 2, seed=0, sampling="lhs")
    with pytest.raises(SpecError, match="every factor needs at least one column"):
        saltelli_design([], 4, seed=0)
