"""Tests for dtindex.methods.rank.rank_desc (ranks of scores within each period, 1 = highest)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from dtindex.errors import SpecError
from dtindex.methods.rank import rank_desc, rank_rows

NAN = np.nan


@pytest.mark.parametrize(
    "ties, expected",
    [
        # scores 3, 5, 5, 1, 4: descending order 5, 5, 4, 3, 1
        ("min", [4, 1, 1, 5, 3]),          # COINr / sport ranking: ties share the best rank, 2 is skipped
        ("max", [4, 2, 2, 5, 3]),          # ties share the worst rank, 1 is skipped
        ("average", [4, 1.5, 1.5, 5, 3]),  # (1 + 2) / 2
        ("dense", [3, 1, 1, 4, 2]),        # no rank skipped
        ("first", [4, 1, 2, 5, 3]),        # tied units ranked in unit order
    ],
)
def test_tie_rules(ties, expected):
    np.testing.assert_array_equal(rank_desc(np.array([3.0, 5.0, 5.0, 1.0, 4.0]), n_units=5, ties=ties), expected)


def test_default_is_min():
    np.testing.assert_array_equal(rank_desc(np.array([3.0, 5.0, 5.0, 1.0]), n_units=4), [3, 1, 1, 4])


def test_nan_gets_no_rank_and_does_not_take_a_place():
    # the missing unit is left out: the others rank 1..3
    got = rank_desc(np.array([2.0, NAN, 7.0, 5.0]), n_units=4)
    np.testing.assert_array_equal(got, [3, NAN, 1, 2])
    assert np.isnan(rank_desc(np.array([NAN, NAN]), n_units=2)).all()


def test_each_period_ranked_on_its_own():
    # period-major: P1 = (10, 30, 20), P2 = (1, 3, 2) -> same ranks although every P2 score is lower
    x = np.array([10.0, 30.0, 20.0, 1.0, 3.0, 2.0, 5.0, NAN, 5.0])
    np.testing.assert_array_equal(rank_desc(x, n_units=3), [3, 1, 2, 3, 1, 2, 1, NAN, 1])
    # changing one period does not move ranks in another
    y = x.copy()
    y[3:6] = [300.0, -1.0, 0.0]
    np.testing.assert_array_equal(rank_desc(y, n_units=3)[[0, 1, 2, 6, 7, 8]], [3, 1, 2, 1, NAN, 1])
    np.testing.assert_array_equal(rank_desc(y, n_units=3)[3:6], [1, 3, 2])


def test_bad_ties_uses_the_template():
    with pytest.raises(SpecError, match=re.escape(
        "The 'ties' parameter of rank must be one of 'min', 'max', 'average', 'dense', 'first'; got 'olympic'."
    )):
        rank_desc(np.array([1.0, 2.0]), n_units=2, ties="olympic")


def test_input_not_modified_and_deterministic():
    x = np.array([3.0, NAN, 3.0, 1.0])
    before = x.copy()
    a = rank_desc(x, n_units=2)
    b = rank_desc(x, n_units=2)
    np.testing.assert_array_equal(x, before)
    assert a.tobytes() == b.tobytes()


@settings(max_examples=50, deadline=None)
@given(vals=hs.lists(hs.integers(-5, 5) | hs.just(None), min_size=1, max_size=24), n_units=hs.integers(1, 6))
def test_prop_min_rank_counts_better_scores(vals, n_units):
    vals = vals[: len(vals) - len(vals) % n_units] or [0] * n_units
    x = np.array([NAN if v is None else float(v) for v in vals]).reshape(-1, n_units)
    got = rank_desc(x.reshape(-1), n_units=n_units).reshape(x.shape)
    # rank 'min' = 1 + number of units in the same period with a strictly higher score
    better = (x[:, None, :] > x[:, :, None]).sum(axis=2)
    np.testing.assert_array_equal(got, np.where(np.isnan(x), NAN, 1.0 + better))
    # the ranks of every rule lie between 1 and the number of ranked units in the period
    counts = (~np.isnan(x)).sum(axis=1, keepdims=True)
    for ties in ("max", "average", "dense", "first"):
        r = rank_desc(x.reshape(-1), n_units=n_units, ties=ties).reshape(x.shape)
        ok = ~np.isnan(x)
        assert ((r[ok] >= 1) & (r[ok] <= np.broadcast_to(counts, x.shape)[ok])).all()


@settings(max_examples=60, deadline=None)
@given(vals=hs.lists(hs.integers(-4, 4) | hs.floats(-3, 3, allow_nan=False) | hs.just(None), min_size=1, max_size=30),
       n_units=hs.integers(1, 7), ties=hs.sampled_from(["min", "max", "average", "dense", "first"]))
def test_prop_same_ranks_as_scipy_rankdata(vals, n_units, ties):
    # rank_desc is numpy only (a build imports neither scipy nor pandas); scipy's rankdata is the reference
    from scipy.stats import rankdata

    vals = vals[: len(vals) - len(vals) % n_units] or [0] * n_units
    x = np.array([NAN if v is None else float(v) for v in vals]).reshape(-1, n_units)
    got = rank_desc(x.reshape(-1), n_units=n_units, ties=ties).reshape(x.shape)
    for row, r in zip(x, got):
        ok = ~np.isnan(row)
        expected = np.full(row.shape, NAN)
        if ok.any():
            expected[ok] = rankdata(-row[ok], method="ordinal" if ties == "first" else ties)
        np.testing.assert_array_equal(r, expected)


@settings(max_examples=80, deadline=None)
@given(hs.lists(hs.lists(hs.sampled_from([0.0, 1.0, 1.0, 2.5, -3.0, np.nan]), min_size=4, max_size=4),
                min_size=1, max_size=6),
       hs.sampled_from(["min", "max", "average", "dense", "first"]))
def test_prop_rank_rows_is_rankdata_per_row(rows, ties):
    # the ascending row ranks the Kendall test and the rank normalisation use instead of scipy.stats
    from scipy.stats import rankdata

    V = np.array(rows, dtype=float)
    expected = rankdata(V, method="ordinal" if ties == "first" else ties, axis=1, nan_policy="omit")
    np.testing.assert_array_equal(rank_rows(V, ties), expected)
