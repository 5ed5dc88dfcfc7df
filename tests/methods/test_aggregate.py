"""Tests for dtindex.methods.aggregate (weighted means, TOPSIS, missing and non-positive policies)."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from dtindex.errors import MethodDomainError, SpecError
from dtindex.methods.aggregate import AGGREGATORS, aggregate, arithmetic, geometric, harmonic, topsis

NAN = np.nan
MEANS = ("arithmetic", "geometric", "harmonic")


def close(got, expected, tol=1e-12):
    np.testing.assert_allclose(got, np.asarray(expected, dtype=float), rtol=tol, atol=tol)


# --------------------------------------------------------------------------- hand-computed means


def test_weighted_means_hand_computed():
    # x = (2, 4, 8), w = (1, 2, 5), sum w = 8
    # arithmetic: (1*2 + 2*4 + 5*8) / 8 = 50 / 8 = 6.25
    # geometric:  2^(1/8) * 4^(2/8) * 8^(5/8) = 2^((1 + 4 + 15) / 8) = 2^2.5 = 5.656854...
    # harmonic:   8 / (1/2 + 2/4 + 5/8) = 8 / 1.625 = 4.923077...
    V = np.array([[2.0, 4.0, 8.0]])
    w = np.array([1.0, 2.0, 5.0])
    close(arithmetic(V, w), [6.25])
    close(geometric(V, w), [2**2.5])
    close(harmonic(V, w), [8 / 1.625])
    # the dispatcher gives the same numbers
    for name, expected in zip(MEANS, (6.25, 2**2.5, 8 / 1.625)):
        close(aggregate(V, w, name), [expected])


def test_rows_are_independent():
    # second row x = (10, 20, 40), w = (1, 1, 2): arithmetic (10 + 20 + 80) / 4 = 27.5,
    # geometric (10 * 20 * 40^2)^(1/4) = 320000^(1/4) = 23.78414, harmonic 4 / (1/10 + 1/20 + 2/40) = 20
    V = np.array([[2.0, 2.0, 2.0], [10.0, 20.0, 40.0]])
    w = [1, 1, 2]
    close(arithmetic(V, w), [2, 27.5])
    close(geometric(V, w), [2, 320000 ** 0.25])
    close(harmonic(V, w), [2, 20])


def test_hdi_geometric_mean_published_example():
    # UNDP Human Development Report, Technical notes (HDI worked example): the HDI is the unweighted
    # geometric mean of the dimension indices, (0.6971 * 0.3447 * 0.5506)^(1/3) = 0.510
    got = geometric(np.array([[0.6971, 0.3447, 0.5506]]), np.ones(3))
    assert got[0] == pytest.approx(0.510, abs=5e-4)
    assert got[0] == pytest.approx((0.6971 * 0.3447 * 0.5506) ** (1 / 3), rel=1e-12)


@pytest.mark.parametrize("name", MEANS)
def test_weights_are_relative(name):
    V = np.array([[2.0, 4.0, 8.0], [3.0, 1.0, 9.0]])
    w = np.array([3.0, 6.0, 15.0])          # sums to 24
    close(aggregate(V, w, name), aggregate(V, w / w.sum(), name))
    close(aggregate(V, w, name), aggregate(V, [1, 2, 5], name))


# --------------------------------------------------------------------------- missing values


def test_missing_skip_reweights_like_coinr_a_amean():
    # COINr a_amean drops NA children with their weights and re-normalises the rest:
    # x = (10, NaN, 40), w = (1, 1, 2) -> (1*10 + 2*40) / (1 + 2) = 90 / 3 = 30
    V = np.array([[10.0, NAN, 40.0], [10.0, 20.0, 40.0]])
    close(arithmetic(V, [1, 1, 2]), [30.0, 27.5])
    # geometric: (10 * 40^2)^(1/3) = 16000^(1/3); harmonic: 3 / (1/10 + 2/40) = 20
    close(geometric(V, [1, 1, 2]), [16000 ** (1 / 3), 320000 ** 0.25])
    close(harmonic(V, [1, 1, 2]), [20.0, 20.0])


@pytest.mark.parametrize("name", MEANS)
def test_missing_propagate(name):
    V = np.array([[10.0, NAN, 40.0], [10.0, 20.0, 40.0]])
    got = aggregate(V, [1, 1, 2], name, missing="propagate")
    assert math.isnan(got[0])
    close(got[1:], aggregate(V[1:], [1, 1, 2], name))


@pytest.mark.parametrize("name", sorted(AGGREGATORS))
def test_missing_error_names_rows_and_children(name):
    V = np.array([[0.5, 0.2, 0.9], [0.4, NAN, 0.3], [NAN, 0.1, 0.8]])
    labels = ["Beijing 2023Q1", "Shanghai 2023Q1", "Shenzhen 2023Q1"]
    with pytest.raises(MethodDomainError, match=re.escape(
        "aggregation with missing='error' found 2 missing child values: "
        "Shanghai 2023Q1 (infra), Shenzhen 2023Q1 (people); impute first or use missing='skip'"
    )):
        aggregate(V, [1, 1, 1], name, missing="error", row_labels=labels, children=("people", "infra", "gov"))


def test_missing_error_accepts_array_labels_and_falls_back_to_positions():
    V = np.array([[0.5, NAN], [0.4, 0.3]])
    # Panel.row_labels() returns an object array: it must work as row_labels
    with pytest.raises(MethodDomainError, match=re.escape("A 2023Q1 (c2)")):
        arithmetic(V, [1, 1], missing="error", row_labels=np.array(["A 2023Q1", "B 2023Q1"], dtype=object),
                   children=np.array(["c1", "c2"], dtype=object))
    with pytest.raises(MethodDomainError, match=re.escape("found 1 missing child values: 0 (1)")):
        arithmetic(V, [1, 1], missing="error")


@pytest.mark.parametrize("name", sorted(AGGREGATORS))
@pytest.mark.parametrize("missing", ["skip", "propagate"])
def test_all_missing_row_is_nan(name, missing):
    V = np.array([[NAN, NAN], [0.2, 0.6], [0.7, 0.1]])
    got = aggregate(V, [1, 3], name, missing=missing)
    assert math.isnan(got[0])
    assert np.isfinite(got[1:]).all()


@pytest.mark.parametrize("name", MEANS)
def test_missing_child_with_only_weight_is_nan(name):
    # w = (0, 1): when the only weighted child is missing there is nothing to average
    got = aggregate(np.array([[5.0, NAN], [5.0, 7.0]]), [0, 1], name)
    assert math.isnan(got[0])
    close(got[1:], [7.0])


# --------------------------------------------------------------------------- non-positive values


@pytest.mark.parametrize("name", ["geometric", "harmonic"])
def test_nonpositive_error_names_row_child_and_value(name):
    V = np.array([[0.5, 0.2, 0.9], [0.4, 0.7, 0.0], [0.1, -2.5, 0.3]])
    labels = ("Beijing 2023Q1", "Shanghai 2023Q1", "Shenzhen 2023Q1")
    with pytest.raises(MethodDomainError, match=re.escape(
        f"{name} mean needs values > 0 but found Shanghai 2023Q1 (gov = 0), Shenzhen 2023Q1 (infra = -2.5); "
        "normalise to a positive range"
    )):
        aggregate(V, [1, 1, 1], name, row_labels=labels, children=["people", "infra", "gov"])


def test_shift_policy_hand_checked():
    # x = (0, 3), equal weights, c = 1: geometric sqrt((0 + 1)(3 + 1)) - 1 = 2 - 1 = 1
    # harmonic 2 / (1/1 + 1/4) - 1 = 1.6 - 1 = 0.6
    V = np.array([[0.0, 3.0], [1.0, 1.0]])
    close(geometric(V, [1, 1], nonpositive="shift", shift=1), [1.0, 1.0])
    close(harmonic(V, [1, 1], nonpositive="shift", shift=1), [0.6, 1.0])
    # weighted: w = (1, 3), c = 1: geometric 1^(1/4) * 4^(3/4) - 1 = 2^1.5 - 1
    close(geometric(V[:1], [1, 3], nonpositive="shift", shift=1), [2**1.5 - 1])
    # the shift is ignored with nonpositive='error' (data positive here)
    close(geometric(np.array([[1.0, 4.0]]), [1, 1], shift=5), [2.0])


@pytest.mark.parametrize("name", ["geometric", "harmonic"])
def test_shift_too_small(name):
    with pytest.raises(MethodDomainError, match=re.escape("found 0 (c2 = -1); the shift 1 is too small")):
        aggregate(np.array([[2.0, -1.0]]), [1, 1], name, nonpositive="shift", shift=1, children=["c1", "c2"])


def test_nonpositive_missing_is_not_a_domain_error():
    # a missing child is skipped, not taken for a non-positive value
    close(geometric(np.array([[NAN, 4.0, 1.0]]), [1, 1, 1]), [2.0])


# --------------------------------------------------------------------------- TOPSIS

# 3 alternatives x 2 criteria, w = (2, 1) -> (2/3, 1/3):
#            c1   c2
#   r0        3    1
#   r1        4    2
#   r2        0    2
# vector norms: c1 sqrt(9 + 16 + 0) = 5, c2 sqrt(1 + 4 + 4) = 3
# r = (0.6, 1/3), (0.8, 2/3), (0, 2/3);  v = w r = (0.4, 1/9), (8/15, 2/9), (0, 2/9)
# ideal A+ = (8/15, 2/9), anti-ideal A- = (0, 1/9)
# r0: D+ = sqrt((2/15)^2 + (1/9)^2) = sqrt(549) / 135, D- = 0.4 = 54 / 135 -> C = 54 / (54 + sqrt 549) = 0.69740
# r1: D+ = 0 -> C = 1
# r2: D+ = 8/15, D- = 1/9 -> C = (1/9) / (8/15 + 1/9) = 5 / 29 = 0.172414
TOP = np.array([[3.0, 1.0], [4.0, 2.0], [0.0, 2.0]])
TOP_C = [54 / (54 + math.sqrt(549)), 1.0, 5 / 29]


def test_topsis_hand_computed():
    close(topsis(TOP, [2, 1]), TOP_C)
    close(topsis(TOP, [2 / 3, 1 / 3], scale=100), 100 * np.asarray(TOP_C))


def test_topsis_without_vector_normalisation():
    # v = w x = (2, 1/3), (8/3, 2/3), (0, 2/3); A+ = (8/3, 2/3), A- = (0, 1/3)
    # r0: D+ = sqrt((2/3)^2 + (1/3)^2) = sqrt(5)/3, D- = 2 -> C = 2 / (2 + sqrt(5)/3) = 6 / (6 + sqrt 5)
    # r2: D+ = 8/3, D- = 1/3 -> C = 1/9
    close(topsis(TOP, [2, 1], vector_normalise=False), [6 / (6 + math.sqrt(5)), 1.0, 1 / 9])


def test_topsis_groups_are_separate_scopes():
    # two periods; period 2 is period 1 with c1 scaled by 10 and c2 by 0.5: vector normalisation
    # removes column scale, so per-period closeness is the same, while pooled closeness is not
    V = np.vstack([TOP, TOP * [10.0, 0.5]])
    per = topsis(V, [2, 1], groups=np.array([0, 0, 0, 1, 1, 1]))
    close(per, TOP_C + TOP_C)
    pooled = topsis(V, [2, 1])
    assert not np.allclose(pooled, per)
    # groups may interleave and use any labels
    order = np.array([0, 3, 1, 4, 2, 5])
    close(topsis(V[order], [2, 1], groups=np.array(["q1", "q2"] * 3)), np.asarray(TOP_C + TOP_C)[order])


def test_topsis_missing():
    # r0 misses c2: its distances use c1 only: v = 0.4 (c1 norm still 5), A+ = 8/15, A- = 0
    # -> C = 0.4 / (2/15 + 0.4) = 0.75; c2 norm sqrt(4 + 4) = sqrt 8 for the others
    V = np.array([[3.0, NAN], [4.0, 2.0], [0.0, 2.0]])
    got = topsis(V, [2, 1])
    assert got[0] == pytest.approx(0.75, rel=1e-12)
    # c2 is 2 for both r1 and r2, so A+ = A- on c2 and only c1 separates them:
    # r1: D+ = 0 -> C = 1; r2: D+ = 8/15, D- = 0 -> C = 0
    close(got[1:], [1.0, 0.0])
    assert math.isnan(topsis(V, [2, 1], missing="propagate")[0])


def test_topsis_degenerate_group_is_nan():
    # a single alternative is both ideal and anti-ideal: D+ = D- = 0, closeness undefined
    got = topsis(np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]]), [1, 1], groups=[0, 0, 1])
    assert math.isnan(got[2]) and np.isfinite(got[:2]).all()


# --------------------------------------------------------------------------- spec errors


@pytest.mark.parametrize("name", sorted(AGGREGATORS))
def test_bad_weights(name):
    V = np.array([[0.5, 0.2], [0.4, 0.3]])
    with pytest.raises(SpecError, match="one weight per child: got 3 weights for 2 children"):
        aggregate(V, [1, 1, 1], name)
    with pytest.raises(SpecError, match=re.escape("weights must be finite and >= 0; got [1.0, -1.0]")):
        aggregate(V, [1, -1], name)
    with pytest.raises(SpecError, match="finite"):
        aggregate(V, [1, NAN], name)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", sorted(AGGREGATORS))
def test_all_zero_weights_are_a_spec_error(name):
    # w = (0, 0): no child counts; expected SpecError naming the weights; got [nan, nan] silently
    with pytest.raises(SpecError, match="weight"):
        aggregate(np.array([[0.5, 0.2], [0.4, 0.3]]), [0, 0], name)


def test_bad_choices_use_the_template():
    V = np.array([[0.5, 0.2]])
    with pytest.raises(SpecError, match=re.escape(
        "The 'method' parameter of aggregate must be one of 'arithmetic', 'geometric', 'harmonic', 'topsis', 'gra', "
        "'gra_topsis', 'vikor', 'rsr'; got 'median'."
    )):
        aggregate(V, [1, 1], "median")
    with pytest.raises(SpecError, match=re.escape(
        "The 'missing' parameter of aggregate must be one of 'skip', 'propagate', 'error'; got 'drop'."
    )):
        arithmetic(V, [1, 1], missing="drop")
    with pytest.raises(SpecError, match=re.escape(
        "The 'nonpositive' parameter of geometric aggregation must be one of 'error', 'shift'; got 'clip'."
    )):
        geometric(V, [1, 1], nonpositive="clip")


# --------------------------------------------------------------------------- properties

FAST = settings(max_examples=60, deadline=None)


@hs.composite
def positive_rows(draw, max_rows=5, max_k=5):
    n = draw(hs.integers(1, max_rows))
    k = draw(hs.integers(1, max_k))
    vals = draw(hs.lists(hs.floats(0.01, 1000), min_size=n * k, max_size=n * k))
    w = draw(hs.lists(hs.floats(0.05, 10), min_size=k, max_size=k))
    return np.array(vals).reshape(n, k), np.array(w)


@FAST
@given(c=hs.floats(0.001, 1e6), k=hs.integers(1, 6), w=hs.lists(hs.floats(0.05, 10), min_size=6, max_size=6),
       name=hs.sampled_from(MEANS))
def test_prop_constant_row_gives_the_constant(c, k, w, name):
    got = aggregate(np.full((2, k), c), w[:k], name)
    np.testing.assert_allclose(got, c, rtol=1e-12)


@FAST
@given(data=positive_rows())
def test_prop_am_gm_hm_inequality(data):
    V, w = data
    am, gm, hm = arithmetic(V, w), geometric(V, w), harmonic(V, w)
    tol = 1e-12 * V.max(axis=1)
    assert (hm <= gm + tol).all()
    assert (gm <= am + tol).all()
    assert (V.min(axis=1) - tol <= hm).all()
    assert (am <= V.max(axis=1) + tol).all()


@FAST
@given(data=positive_rows(), name=hs.sampled_from(MEANS), holes=hs.lists(hs.booleans(), min_size=25, max_size=25))
def test_prop_result_within_row_range(data, name, holes):
    V, w = data
    V = V.copy()
    mask = np.array(holes[: V.size]).reshape(V.shape)
    V[mask] = NAN
    got = aggregate(V, w, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN rows
        lo, hi = np.nanmin(V, axis=1), np.nanmax(V, axis=1)
    present = ~np.isnan(V).all(axis=1)
    np.testing.assert_array_equal(np.isnan(got), ~present)
    tol = 1e-12 * np.nan_to_num(hi)
    assert (got[present] >= lo[present] - tol[present]).all()
    assert (got[present] <= hi[present] + tol[present]).all()


@FAST
@given(data=positive_rows(), scale=hs.floats(0.1, 10), name=hs.sampled_from(MEANS))
def test_prop_weight_scale_invariance(data, scale, name):
    V, w = data
    np.testing.assert_allclose(aggregate(V, w * scale, name), aggregate(V, w, name), rtol=1e-12)


@FAST
@given(data=positive_rows(max_rows=8))
def test_prop_topsis_in_unit_interval(data):
    V, w = data
    got = topsis(V, w)
    ok = got[~np.isnan(got)]
    assert ((ok >= 0) & (ok <= 1 + 1e-12)).all()
