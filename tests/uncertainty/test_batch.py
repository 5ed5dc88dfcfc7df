"""Batched replications: each equals a full engine rebuild; hand-checked tiny cases; ranks; errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import MethodDomainError, SpecError
from dtindex.methods.rank import rank_desc
from dtindex.uncertainty.batch import BatchModel, Replications, rank_batch

MINMAX = {"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}}
ZSCORE = {"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2}}
GEO = {"aggregate.method": "geometric"}
ARI = {"aggregate.method": "arithmetic"}


def run(index, records, **kw):
    return BatchModel(index, **kw).run(Replications.from_records(records), keep_scores=True)


# ---------------------------------------------------------------------- equality with full rebuilds (ASEM)
ASEM_REPS = [
    {"changes": {**MINMAX, **ARI}},
    {"changes": {**MINMAX, **GEO}},
    {"changes": {**ZSCORE, **ARI}},
    {"changes": {**ZSCORE, **GEO}},
    {"changes": {**MINMAX, **GEO}, "weights": {"Conn": 1.2, "Sust": 0.8, "Physical": 0.75, "Social": 1.25}},
    {"changes": {**ZSCORE, **GEO}, "weights": {"Conn": 0.8, "Environ": 1.2, "Instit": 0.9, "P2P": 1.1}},
    {"changes": {**ZSCORE, **ARI}, "weights": {"Conn": 1.25, "LPI": 3, "Flights": 0.5, "SusEcFin": 0.77}},
    {"changes": {**MINMAX, **ARI}, "weights": {"Sust": 2, "Political": 0.0}},
]


def test_every_asem_replication_equals_a_full_rebuild(asem):
    res = run(asem, ASEM_REPS)
    for i, rec in enumerate(ASEM_REPS):
        ref = asem.rebuild(rec["changes"], weights=rec.get("weights"))
        np.testing.assert_array_equal(res.ranks[i], ref.ranks["Index"].astype(np.float32))
        np.testing.assert_allclose(res.scores[i], ref.scores["Index"], rtol=1e-12, atol=1e-12)
    # the replications really differ: not all rank vectors are the same
    assert len({tuple(r) for r in res.ranks.tolist()}) == len(ASEM_REPS)


def test_random_weights_equal_rebuilds_for_every_method_combination(asem):
    rng = np.random.default_rng(5)
    nodes = [c for c in asem.framework.codes if asem.framework.level_of(c) in (2, 3)]
    records = []
    for changes in ({**MINMAX, **ARI}, {**MINMAX, **GEO}, {**ZSCORE, **ARI}, {**ZSCORE, **GEO}):
        for _ in range(3):
            records.append({"changes": changes,
                            "weights": {c: float(1 + 0.25 * (2 * rng.random() - 1)) for c in nodes}})
    res = run(asem, records)
    for i, rec in enumerate(records):
        ref = asem.rebuild(rec["changes"], weights=rec["weights"])
        np.testing.assert_array_equal(res.ranks[i], ref.ranks["Index"].astype(np.float32))


def test_harmonic_topsis_and_shifted_geometric_equal_rebuilds(asem):
    records = [
        {"changes": {**MINMAX, "aggregate.method": "harmonic"}, "weights": {"Conn": 2}},
        {"changes": {"aggregate.method": "topsis"}, "weights": {"Conn": 0.7, "Physical": 1.3}},
        {"changes": {"aggregate.method": "geometric", "aggregate.nonpositive": "shift", "aggregate.shift": 1.0},
         "weights": {"Sust": 1.5}},
        {"changes": {**MINMAX, "aggregate.method": "arithmetic", "aggregate.missing": "propagate"}},
    ]
    res = run(asem, records)
    for i, rec in enumerate(records):
        ref = asem.rebuild(rec["changes"], weights=rec.get("weights"))
        np.testing.assert_array_equal(res.ranks[i], ref.ranks["Index"].astype(np.float32))
        np.testing.assert_allclose(res.scores[i], ref.scores["Index"], rtol=1e-12, equal_nan=True)


def test_panel_ranks_within_each_period(asem_panel):
    records = [{"changes": {**MINMAX, **GEO}, "weights": {"Conn": 1.3}}, {"changes": ZSCORE}]
    res = run(asem_panel, records)
    for i, rec in enumerate(records):
        ref = asem_panel.rebuild(rec["changes"], weights=rec.get("weights"))
        np.testing.assert_array_equal(res.ranks[i], ref.ranks["Index"].astype(np.float32))
    df = res.long()
    assert list(df.columns) == ["rep", "Time", "uCode", "rank"]
    assert len(df) == 2 * 51 * 5


def test_chunk_size_does_not_change_results(asem):
    a = run(asem, ASEM_REPS, chunk=1)
    b = run(asem, ASEM_REPS, chunk=3)
    c = run(asem, ASEM_REPS)
    np.testing.assert_array_equal(a.ranks, c.ranks)
    np.testing.assert_array_equal(b.scores, c.scores)


# ---------------------------------------------------------------------- tiny hand-checked cases
# Data (normalisation 'none'): a1 = (1, 4, 3), a2 = (9, 4, 4), b1 = (4, 4, 2), b2 = (4, 4, 8) for U1, U2, U3.
# Nominal: A = (5, 4, 3.5), B = (4, 4, 5), Index = (4.5, 4, 4.25), ranks (1, 3, 2).

def test_tiny_nominal_by_hand(tiny):
    res = run(tiny, [{}])
    np.testing.assert_allclose(res.scores[0], [4.5, 4.0, 4.25])
    assert res.ranks[0].tolist() == [1, 3, 2]


def test_tiny_weights_by_hand(tiny):
    # w_A = 3, w_B = 1 -> 0.75 A + 0.25 B = (4.75, 4, 3.875); w_a1 = 0 -> A = a2 -> (6.5, 4, 4.5)
    res = run(tiny, [{"weights": {"A": 3, "B": 1}}, {"weights": {"a1": 0}},
                     {"weights": {"A": 1.5, "B": 0.5}}])
    np.testing.assert_allclose(res.scores[0], [4.75, 4.0, 3.875])
    assert res.ranks[0].tolist() == [1, 2, 3]
    np.testing.assert_allclose(res.scores[1], [6.5, 4.0, 4.5])
    assert res.ranks[1].tolist() == [1, 3, 2]
    # weights are relative within the parent: 1.5 : 0.5 is 3 : 1
    np.testing.assert_array_equal(res.scores[2], res.scores[0])


def test_tiny_exclusion_by_hand(tiny):
    # excluding a2: A = a1 = (1, 4, 3), Index = (2.5, 4, 4): U2 and U3 tie and share rank 1
    res = run(tiny, [{"exclude": ["a2"]}])
    np.testing.assert_allclose(res.scores[0], [2.5, 4.0, 4.0])
    assert res.ranks[0].tolist() == [3, 1, 1]


def test_tiny_excluding_every_child_drops_the_pillar(tiny):
    # excluding b1 and b2 leaves B without score; the Index is re-weighted over A alone: (5, 4, 3.5)
    res = run(tiny, [{"exclude": ["b1", "b2"]}])
    np.testing.assert_allclose(res.scores[0], [5.0, 4.0, 3.5])
    assert res.ranks[0].tolist() == [1, 2, 3]


def test_tiny_geometric_by_hand(tiny):
    # A = (sqrt 9, sqrt 16, sqrt 12) = (3, 4, 3.4641); B = (4, 4, sqrt 16) = (4, 4, 4)
    # Index = (sqrt 12, 4, sqrt(4 sqrt 12)) = (3.4641, 4, 3.7224): ranks (3, 1, 2), unlike the arithmetic (1, 3, 2)
    res = run(tiny, [{"changes": GEO}, {"changes": GEO, "weights": {"A": 3, "B": 1}}])
    np.testing.assert_allclose(res.scores[0], [math.sqrt(12), 4.0, math.sqrt(4 * math.sqrt(12))])
    assert res.ranks[0].tolist() == [3, 1, 2]
    # A^0.75 B^0.25 = (3^.75 4^.25, 4, 12^.375 4^.25) = (3.2237, 4, 3.5882)
    np.testing.assert_allclose(res.scores[1], [3**0.75 * 4**0.25, 4.0, 12**0.375 * 4**0.25])


def test_tiny_normalisation_by_hand(tiny):
    # minmax 1-100: a1 -> (1, 100, 67), a2 -> (100, 1, 1), b1 -> (100, 100, 1), b2 -> (1, 1, 100)
    # A = (50.5, 50.5, 34), B = (50.5, 50.5, 50.5), Index = (50.5, 50.5, 42.25): U1 and U2 share rank 1
    res = run(tiny, [{"changes": MINMAX}, {"changes": {**MINMAX, **GEO}}, {"changes": ZSCORE}])
    np.testing.assert_allclose(res.scores[0], [50.5, 50.5, 42.25])
    assert res.ranks[0].tolist() == [1, 1, 3]
    # geometric: A = (10, 10, sqrt 67), B = (10, 10, 10), Index = (10, 10, sqrt(10 sqrt 67))
    np.testing.assert_allclose(res.scores[1], [10.0, 10.0, math.sqrt(10 * math.sqrt(67))])
    assert res.ranks[1].tolist() == [1, 1, 3]
    # z-score (mean 10, sd 2, sample sd): z = 10 + 2 (x - mean) / sd per indicator
    def z(v):
        v = np.array(v, float)
        return 10 + 2 * (v - v.mean()) / math.sqrt(((v - v.mean()) ** 2).sum() / 2)
    A = (z([1, 4, 3]) + z([9, 4, 4])) / 2
    B = (z([4, 4, 2]) + z([4, 4, 8])) / 2
    # by hand: a1 sd = sqrt(7/3), a2 sd = sqrt(25/3), b1 sd = sqrt(4/3), b2 sd = sqrt(16/3); B = (10, 10, 10)
    np.testing.assert_allclose(B, [10, 10, 10])
    np.testing.assert_allclose(res.scores[2], (A + B) / 2)
    assert res.scores[2][0] == pytest.approx(10 + (2 * (1 - 8 / 3) / math.sqrt(7 / 3) + 2 * (10 / 3) / math.sqrt(25 / 3)) / 4)


def test_tiny_missing_child_is_reweighted_like_coinr(tiny_missing):
    # a1 missing for U3: a_amean uses a2 alone for A -> A = (5, 4, 4), Index = (4.5, 4, 4.5): U1 and U3 tie;
    # geometric: A(U3) = 4, B(U3) = sqrt(16) = 4, Index(U3) = 4
    res = run(tiny_missing, [{}, {"changes": GEO}, {"weights": {"a2": 5}}])
    np.testing.assert_allclose(res.scores[0], [4.5, 4.0, 4.5])
    assert res.ranks[0].tolist() == [1, 3, 1]
    assert res.scores[1][2] == pytest.approx(4.0)
    # with a1 missing, a2's weight is irrelevant for U3: re-weighted over present children
    assert res.scores[2][2] == pytest.approx(4.5)
    assert res.scores[2][0] == pytest.approx((1 * 1 / 6 + 9 * 5 / 6 + 4) / 2)


def test_tiny_imputation_alternative_by_hand(tiny_missing):
    # impute mean: a1(U3) = mean(1, 4) = 2.5 -> A(U3) = 3.25, Index(U3) = 4.125: ranks (1, 3, 2) instead of (1, 3, 1)
    res = run(tiny_missing, [{"changes": {"impute.method": "mean"}}, {"changes": {"impute.method": "none"}}])
    np.testing.assert_allclose(res.scores[0], [4.5, 4.0, 4.125])
    assert res.ranks[0].tolist() == [1, 3, 2]
    np.testing.assert_allclose(res.scores[1], [4.5, 4.0, 4.5])


# ---------------------------------------------------------------------- ranks
def test_rank_batch_tie_rules_by_hand():
    S = np.array([[3.0], [5.0], [5.0], [1.0], [np.nan]])
    assert rank_batch(S, 5, "min")[:, 0].tolist()[:4] == [3, 1, 1, 4]
    assert rank_batch(S, 5, "max")[:, 0].tolist()[:4] == [3, 2, 2, 4]
    assert rank_batch(S, 5, "average")[:, 0].tolist()[:4] == [3, 1.5, 1.5, 4]
    assert rank_batch(S, 5, "dense")[:, 0].tolist()[:4] == [2, 1, 1, 3]
    assert rank_batch(S, 5, "first")[:, 0].tolist()[:4] == [3, 1, 2, 4]
    assert np.isnan(rank_batch(S, 5, "min")[4, 0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, -1.0, np.nan]), min_size=12, max_size=12),
       st.sampled_from(["min", "max", "average", "dense", "first"]))
def test_rank_batch_equals_rank_desc(values, ties):
    x = np.array(values)  # 2 periods x 3 units x 2 replications
    S = x.reshape(6, 2)
    got = rank_batch(S, 3, ties)
    for r in range(2):
        np.testing.assert_array_equal(got[:, r], rank_desc(S[:, r], n_units=3, ties=ties))


# ---------------------------------------------------------------------- errors
def test_negative_or_all_zero_weights_name_the_replication(tiny):
    with pytest.raises(SpecError, match=r"replication 7: the weight of 'a1' is -1"):
        run(tiny, [{"rep": 7, "weights": {"a1": -1}}])
    with pytest.raises(SpecError, match=r"replication 2: the weights of the children of 'A' \(a1, a2\) are all zero"):
        run(tiny, [{"rep": 1}, {"rep": 2, "weights": {"a1": 0, "a2": 0}}])


def test_unknown_or_top_node_weights_are_refused(tiny):
    with pytest.raises(SpecError, match="weights of zz, which is not a weighted node"):
        run(tiny, [{"weights": {"zz": 1}}])
    with pytest.raises(SpecError, match="weights of Index, which is not a weighted node"):
        run(tiny, [{"weights": {"Index": 1}}])


def test_weights_of_computed_methods_cannot_be_set(tiny):
    equal = tiny.rebuild({"weights.method": "equal"})
    with pytest.raises(SpecError, match="computed by method 'equal'"):
        run(equal, [{"weights": {"A": 2}}])
    # noise multipliers on computed weights are fine
    res = BatchModel(equal).run(Replications(("1",), ({},), ("x",), np.zeros(1, int), {}, {"A": np.array([3.0])}),
                                keep_scores=True)
    np.testing.assert_allclose(res.scores[0], [4.75, 4.0, 3.875])


def test_geometric_of_zeros_names_the_replications(asem):
    with pytest.raises(MethodDomainError, match=r"replications 1, 2 \(.*geometric.*\): geometric mean needs values > 0"):
        run(asem, [{"changes": GEO}, {"changes": GEO, "weights": {"Conn": 2}}])


def test_duplicate_rep_ids_are_refused():
    with pytest.raises(SpecError, match="duplicate rep ids 1"):
        Replications.from_records([{"rep": 1}, {"rep": 1}])
