"""Entropy weights against published worked examples.

Both examples use the raw-proportion form of the method (p_ij = x_ij / sum_i x_ij,
k = 1 / ln n, no min-max standardisation, no shift): in dtindex that is
``entropy(X, standardise=False, zero_policy="limit")``.
"""

import numpy as np
import pytest

from dtindex.methods.weights import entropy


def test_xu_2004():
    # Xu, X. (2004). A note on the subjective and objective integrated approach to determine attribute
    # weights. European Journal of Operational Research 156(2), 530-532: weights 0.4630, 0.3992, 0.1378, 0.0000.
    X = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]], dtype=float)
    res = entropy(X, standardise=False, zero_policy="limit")
    assert np.round(res.weights, 4).tolist() == [0.4630, 0.3992, 0.1378, 0.0000]
    assert res.details["entropy"] == pytest.approx([0.887204, 0.902736, 0.966416, 0.999999], abs=1e-6)


def test_zavadskas_podvezko_2016():
    # Zavadskas, E. K. & Podvezko, V. (2016). Integrated determination of objective criteria weights in MCDM.
    # International Journal of Information Technology & Decision Making 15(2), 267-283:
    # entropy weights 0.1146, 0.1981, 0.4185, 0.2689 (criterion types are not used by the entropy step).
    X = np.array([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    res = entropy(X, standardise=False, zero_policy="limit")
    assert np.round(res.weights, 4).tolist() == [0.1146, 0.1981, 0.4185, 0.2689]
