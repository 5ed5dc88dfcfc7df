"""Tests of dtindex.methods.weights."""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dtindex.errors import DataError, DtindexWarning, MethodDomainError, SpecError
from dtindex.methods.weights import (
    DEFAULT_ENTROPY_SHIFT,
    ObjectiveWeights,
    critic,
    cv,
    entropy,
    equal,
    normalise_raw,
    pca,
)

# ---------------------------------------------------------------------------
# normalise_raw / equal
# ---------------------------------------------------------------------------


def test_normalise_raw():
    np.testing.assert_allclose(normalise_raw([2, 1, 1]), [0.5, 0.25, 0.25])
    np.testing.assert_allclose(normalise_raw(np.array([0.0, 3.0])), [0.0, 1.0])


@pytest.mark.parametrize(
    "raw, message",
    [
        ([1, -2, 3, -4], r"negative value\(s\) at position 1 \(-2\), position 3 \(-4\)"),
        ([1, float("nan")], r"NaN value\(s\) at position 1"),
        ([1, float("inf")], r"infinite value\(s\) at position 1"),
        ([0, 0, 0], "all zero"),
        ([], "non-empty 1-D"),
        ([[1, 2], [3, 4]], "non-empty 1-D"),
        (["a", 1], "must be numbers"),
    ],
)
def test_normalise_raw_errors(raw, message):
    with pytest.raises(SpecError, match=message):
        normalise_raw(raw)


def test_normalise_raw_names_labels_and_owner():
    with pytest.raises(SpecError, match=r"^weights of group infra: .*negative value\(s\) at ai \(-1\)"):
        normalise_raw([1, -1], owner="weights of group infra", labels=["cloud", "ai"])


def test_equal():
    np.testing.assert_array_equal(equal(4), [0.25] * 4)
    assert equal(1).tolist() == [1.0]
    for bad in (0, -1, 2.0, True):
        with pytest.raises(SpecError, match="positive integer"):
            equal(bad)


# ---------------------------------------------------------------------------
# entropy: hand-computed values
# ---------------------------------------------------------------------------

# col 0 standardises to 0, 1/3, 2/3, 1 -> p = 0, 1/6, 1/3, 1/2
# col 1 standardises to 0, 0, 0, 1     -> p = 0, 0, 0, 1 -> e = 0
X_HAND = np.array([[10.0, 5.0], [11.0, 5.0], [12.0, 5.0], [13.0, 9.0]])


def test_entropy_by_hand_limit_policy():
    e0 = (1 / 6 * math.log(6) + 1 / 3 * math.log(3) + 1 / 2 * math.log(2)) / math.log(4)
    d = np.array([1 - e0, 1.0])
    res = entropy(X_HAND, zero_policy="limit")
    assert isinstance(res, ObjectiveWeights)
    np.testing.assert_allclose(res.details["entropy"], [e0, 0.0], atol=1e-15)
    np.testing.assert_allclose(res.details["divergence"], d)
    np.testing.assert_allclose(res.weights, d / d.sum())
    # the numbers themselves: e0 = 0.7295739..., w = (0.212863, 0.787137)
    np.testing.assert_allclose(res.weights, [0.212863, 0.787137], atol=5e-7)
    np.testing.assert_array_equal(res.details["min"], [10, 5])
    np.testing.assert_array_equal(res.details["max"], [13, 9])
    assert res.n_obs == 4 and res.method == "entropy"


def test_entropy_by_hand_shift_policy():
    a = DEFAULT_ENTROPY_SHIFT
    assert a == 1e-4

    def ent(z):
        z = np.asarray(z) + a
        p = z / z.sum()
        return -sum(pi * math.log(pi) for pi in p) / math.log(len(p))

    e = np.array([ent([0, 1 / 3, 2 / 3, 1]), ent([0, 0, 0, 1])])
    res = entropy(X_HAND)
    np.testing.assert_allclose(res.details["entropy"], e, rtol=1e-12)
    np.testing.assert_allclose(res.weights, (1 - e) / (1 - e).sum(), rtol=1e-12)
    assert res.params["zero_policy"] == "shift" and res.params["shift"] == 1e-4
    # the shift changes the weights a little, and the result says which shift was used
    assert not np.allclose(res.weights, entropy(X_HAND, zero_policy="limit").weights, atol=1e-6)
    res2 = entropy(X_HAND, shift=0.01)
    assert res2.params["shift"] == 0.01
    assert not np.allclose(res2.weights, res.weights, atol=1e-4)


def test_entropy_negative_direction_by_hand():
    # col 0 flipped: (13 - x) / 3 -> 1, 2/3, 1/3, 0 : same p-multiset as before, so same entropy
    res = entropy(X_HAND, directions=[-1, 1], zero_policy="limit")
    np.testing.assert_allclose(res.weights, [0.212863, 0.787137], atol=5e-7)
    # col 1 flipped: (9 - x) / 4 -> 1, 1, 1, 0 -> p = 1/3 (x3), 0 -> e = 1 ... (ln 3 / ln 4)
    res = entropy(X_HAND, directions=[1, -1], zero_policy="limit")
    e1 = math.log(3) / math.log(4)
    np.testing.assert_allclose(res.details["entropy"][1], e1)


def test_entropy_unstandardised_positive_data():
    X = np.array([[1.0, 2.0], [3.0, 2.5], [6.0, 3.0]])
    res = entropy(X, standardise=False, zero_policy="error")
    P = X / X.sum(axis=0)
    e = -(P * np.log(P)).sum(axis=0) / math.log(3)
    np.testing.assert_allclose(res.weights, (1 - e) / (1 - e).sum())
    assert np.isnan(res.details["min"]).all()


def test_entropy_panel_rows_are_pooled():
    # 2 units x 3 periods stacked: one weight vector for the whole panel == entropy of the stacked matrix
    panel = pd.DataFrame(
        {"x1": [1.0, 2.0, 4.0, 2.0, 3.0, 5.0], "x2": [9.0, 7.0, 8.0, 3.0, 4.0, 4.5]},
        index=pd.MultiIndex.from_product([["A", "B"], [2020, 2021, 2022]], names=["unit", "year"]),
    )
    res = entropy(panel)
    assert res.n_obs == 6
    np.testing.assert_array_equal(res.details["min"], [1.0, 3.0])


# ---------------------------------------------------------------------------
# entropy: domain and parameter errors
# ---------------------------------------------------------------------------


def test_entropy_negative_values_without_standardisation_name_rows():
    X = pd.DataFrame({"a": [1.0, -2.0, 3.0, -1.0], "b": [1.0, 2.0, 3.0, 4.0]}, index=["c1", "c2", "c3", "c4"])
    with pytest.raises(MethodDomainError, match=r"indicator\(s\) a at rows c2, c4; e.g. value -2 at row c2, column a is negative"):
        entropy(X, standardise=False)
    with pytest.raises(MethodDomainError, match=r"rows \(0-based positions\) 1, 3"):
        entropy(X.to_numpy(), standardise=False)


def test_entropy_zero_policy_error_names_rows():
    X = np.array([[1.0, 2.0], [0.0, 3.0], [2.0, 0.0]])
    with pytest.raises(MethodDomainError, match=r"2 value\(s\) in indicator\(s\) column 0, column 1 at rows \(0-based positions\) 1, 2"):
        entropy(X, standardise=False, zero_policy="error")
    # the limit policy accepts zeros (0 ln 0 = 0) and the shift policy moves them away
    entropy(X, standardise=False, zero_policy="limit")
    entropy(X, standardise=False, zero_policy="shift")


def test_entropy_parameter_errors():
    with pytest.raises(SpecError, match="The 'zero_policy' parameter of entropy must be one of 'shift', 'limit', 'error'; got 'drop'."):
        entropy(X_HAND, zero_policy="drop")
    with pytest.raises(SpecError, match="zero_policy='error' cannot be combined with standardise=True"):
        entropy(X_HAND, zero_policy="error")
    with pytest.raises(SpecError, match="'shift' parameter of entropy must be a finite number > 0"):
        entropy(X_HAND, shift=0.0)
    with pytest.raises(SpecError, match=r"The 'directions\[column 1\]' parameter of entropy must be one of 1, -1; got 0"):
        entropy(X_HAND, directions=[1, 0])
    with pytest.raises(SpecError, match="3 directions given for 2 indicators"):
        entropy(X_HAND, directions=[1, 1, 1])
    with pytest.raises(SpecError, match="need standardise=True"):
        entropy(X_HAND, directions=[1, -1], standardise=False)
    with pytest.raises(SpecError, match="nan_policy"):
        entropy(X_HAND, nan_policy="drop")


@pytest.mark.parametrize("method", [entropy, critic, cv, pca])
def test_constant_indicator_is_refused_by_name(method):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "flat": [4.0, 4.0, 4.0]})
    with pytest.raises(MethodDomainError, match=r"indicator\(s\) flat \(always 4\) are constant over all 3 observations"):
        method(X)


@pytest.mark.parametrize("method", [entropy, critic, cv, pca])
def test_input_errors(method):
    with pytest.raises(DataError, match="at least 2 complete observations"):
        method([[1.0, 2.0]])
    with pytest.raises(DataError, match="must be 2-D"):
        method([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match=r"infinite values at row 1 column b"):
        method(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, np.inf, 2.0]}))
    with pytest.raises(DataError, match=r"column\(s\) name are not"):
        method(pd.DataFrame({"a": [1.0, 2.0], "name": ["x", "y"]}))
    with pytest.raises(SpecError, match="3 column names given for 2 columns"):
        method([[1.0, 2.0], [2.0, 1.0]], columns=["a", "b", "c"])


# ---------------------------------------------------------------------------
# NaN policy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", [entropy, critic, cv, pca])
def test_nan_policy(method):
    X = pd.DataFrame(
        {"a": [1.0, 2.0, np.nan, 4.0, 6.0, 3.0], "b": [2.0, 1.0, 3.0, 7.0, np.nan, 4.0], "c": [5.0, 3.0, 1.0, 2.0, 2.0, 9.0]},
        index=["u1", "u2", "u3", "u4", "u5", "u6"],
    )
    with pytest.raises(DataError, match=r"2 missing value\(s\) at row u3 column a, row u5 column b.*nan_policy='omit'"):
        method(X)
    with pytest.warns(DtindexWarning, match=r"2 of 6 rows hold missing values and are excluded from the weighting \(rows u3, u5\)"):
        res = method(X, nan_policy="omit")
    assert res.excluded_rows == (2, 4) and res.n_obs == 4
    expected = method(X.dropna())
    np.testing.assert_allclose(res.weights, expected.weights, rtol=1e-12)


# ---------------------------------------------------------------------------
# CRITIC
# ---------------------------------------------------------------------------

X_CRITIC = [[1.0, 3.0, 2.0], [2.0, 1.0, 2.5], [3.0, 2.0, 1.0], [4.0, 5.0, 3.0]]


def test_critic_by_hand():
    # min-max standardised columns, written out by hand
    z = [[0, 1 / 3, 2 / 3, 1], [0.5, 0.0, 0.25, 1.0], [0.5, 0.75, 0.0, 1.0]]
    sigma = [statistics.stdev(c) for c in z]
    r = [[statistics.correlation(a, b) if a is not b else 1.0 for b in z] for a in z]
    C = [sigma[j] * sum(1 - r[j][k] for k in range(3)) for j in range(3)]
    w = [c / sum(C) for c in C]
    res = critic(X_CRITIC)
    np.testing.assert_allclose(res.details["sigma"], sigma, rtol=1e-12)
    np.testing.assert_allclose(res.details["correlation"], r, rtol=1e-12)
    np.testing.assert_allclose(res.details["information"], C, rtol=1e-12)
    np.testing.assert_allclose(res.weights, w, rtol=1e-12)
    np.testing.assert_allclose(res.weights, [0.3556, 0.2793, 0.3651], atol=5e-5)


def test_critic_direction_flips_correlation_sign():
    res = critic(X_CRITIC, directions=[1, -1, 1])
    R = res.details["correlation"]
    R0 = critic(X_CRITIC).details["correlation"]
    np.testing.assert_allclose(R[0, 1], -R0[0, 1])
    np.testing.assert_allclose(R[0, 2], R0[0, 2])
    np.testing.assert_allclose(res.details["sigma"], critic(X_CRITIC).details["sigma"])


def test_critic_sd_convention_does_not_change_weights():
    res = critic(X_CRITIC)
    Z = (np.array(X_CRITIC) - res.details["min"]) / (res.details["max"] - res.details["min"])
    C_pop = Z.std(axis=0, ddof=0) * res.details["conflict"]
    np.testing.assert_allclose(res.weights, C_pop / C_pop.sum(), rtol=1e-12)


def test_critic_degenerate_cases():
    with pytest.raises(MethodDomainError, match="perfectly positively correlated"):
        critic([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    assert critic([[1.0], [2.0], [5.0]]).weights.tolist() == [1.0]


# ---------------------------------------------------------------------------
# CV
# ---------------------------------------------------------------------------


def test_cv_by_hand():
    res = cv([[1.0, 10.0], [3.0, 20.0]])
    # means 2, 15; sample sd sqrt(2), sqrt(50); cv = 0.70711, 0.47140
    np.testing.assert_allclose(res.details["sd"], [math.sqrt(2), math.sqrt(50)])
    np.testing.assert_allclose(res.details["cv"], [math.sqrt(2) / 2, math.sqrt(50) / 15])
    np.testing.assert_allclose(res.weights, [0.6, 0.4])


def test_cv_needs_positive_mean():
    X = pd.DataFrame({"growth": [-3.0, 1.0, -1.0], "level": [1.0, 2.0, 3.0], "z": [-1.0, 0.0, 1.0]})
    with pytest.raises(MethodDomainError, match=r"indicator\(s\) growth \(mean -1\), z \(mean 0\) have mean <= 0"):
        cv(X)


# ---------------------------------------------------------------------------
# PCA
# ---------------------------------------------------------------------------


def test_pca_by_hand_block_structure():
    # x2 = 2 x1 (r = 1); x3 is uncorrelated with both: R = [[1,1,0],[1,1,0],[0,0,1]]
    # eigenvalues 2, 1, 0; first eigenvector (1, 1, 0)/sqrt 2 -> w = (1/2, 1/2, 0); share 2/3
    x1 = np.array([1.0, 2.0, 3.0, 4.0])
    X = np.column_stack([x1, 2 * x1, [1.0, -1.0, -1.0, 1.0]])
    res = pca(X)
    np.testing.assert_allclose(res.weights, [0.5, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.details["eigenvalues"], [2.0, 1.0, 0.0], atol=1e-12)
    assert float(res.details["explained_variance_share"]) == pytest.approx(2 / 3)
    np.testing.assert_allclose(res.details["loadings"], [1.0, 1.0, 0.0], atol=1e-12)


def test_pca_two_indicators():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 4.0]])
    r = np.corrcoef(X, rowvar=False)[0, 1]
    res = pca(X)
    np.testing.assert_allclose(res.weights, [0.5, 0.5])
    assert float(res.details["explained_variance_share"]) == pytest.approx((1 + r) / 2)


def test_pca_sign_irrelevant():
    X = np.array([[1.0, 2.0, 1.0], [2.0, 3.0, 3.0], [3.0, 5.0, 2.0], [4.0, 4.0, 5.0]])
    a = pca(X).weights
    b = pca(-X).weights  # flips every column: eigenvector sign changes, weights do not
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_pca_warns_when_first_component_not_unique():
    X = np.column_stack([[1.0, 2.0, 3.0, 4.0], [1.0, -1.0, -1.0, 1.0]])  # r = 0: R = I
    with pytest.warns(DtindexWarning, match="not unique"):
        pca(X)


# ---------------------------------------------------------------------------
# shared behaviour
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", [entropy, critic, cv, pca])
def test_deterministic_and_immutable_details(method):
    X = np.array([[1.0, 2.0, 1.0], [2.0, 3.0, 3.0], [3.0, 5.0, 2.0], [4.0, 4.0, 5.0]])
    a, b = method(X), method(X.copy())
    assert np.array_equal(a.weights, b.weights)
    key = next(iter(a.details))
    with pytest.raises(ValueError):
        a.details[key][...] = 0
    with pytest.raises(TypeError):
        a.details["new"] = np.zeros(1)


@pytest.mark.parametrize("method", [entropy, critic, cv, pca])
def test_single_indicator_gets_weight_one(method):
    assert method([[1.0], [2.0], [4.0]]).weights.tolist() == [1.0]


# ---------------------------------------------------------------------------
# properties (hypothesis)
# ---------------------------------------------------------------------------


@st.composite
def data_and_permutation(draw):
    n = draw(st.integers(4, 15))
    k = draw(st.integers(2, 5))
    X = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0.1, 100.0, allow_nan=False), unique=True))
    perm = np.array(draw(st.permutations(range(n))))
    dirs = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=k, max_size=k)))
    return X, perm, dirs


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtindexWarning)
        return fn(*args, **kwargs)


@settings(max_examples=40, deadline=None)
@given(data_and_permutation())
def test_property_weights_non_negative_sum_one_and_row_order_invariant(case):
    X, perm, dirs = case
    for method, kw in ((entropy, {"directions": dirs}), (critic, {"directions": dirs}), (cv, {}), (pca, {})):
        try:
            res = _quiet(method, X, **kw)
        except MethodDomainError:  # CRITIC with all columns perfectly correlated: refused by design
            assert method is critic
            continue
        w = res.weights
        assert (w >= 0).all() and w.sum() == pytest.approx(1.0, abs=1e-12)
        if method is pca:
            ev = res.details["eigenvalues"]
            assume(ev[0] - ev[1] > 1e-6)  # the first component is unique
        shuffled = _quiet(method, X[perm], **kw)
        np.testing.assert_allclose(shuffled.weights, w, rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(data_and_permutation(), st.sampled_from(["shift", "limit"]))
def test_property_entropy_negative_direction_is_flipped_standardisation(case, policy):
    X, _, dirs = case
    res = entropy(X, directions=dirs, zero_policy=policy)
    # same as entropy of the mirrored data with every direction positive ...
    np.testing.assert_allclose(entropy(X * dirs, zero_policy=policy).weights, res.weights, rtol=1e-9, atol=1e-12)
    # ... and as entropy of the flipped standardisation passed in as is
    lo, hi = X.min(axis=0), X.max(axis=0)
    Z = np.where(dirs > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))
    np.testing.assert_allclose(
        entropy(Z, standardise=False, zero_policy=policy).weights, res.weights, rtol=1e-9, atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=12).filter(lambda r: sum(r) > 0))
def test_property_normalise_raw(raw):
    w = normalise_raw(raw)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w * sum(raw), raw, rtol=1e-9, atol=1e-9)
