"""Grey relational analysis, grey-relational TOPSIS and VIKOR (issue 15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dtindex.errors import SpecError
from dtindex.index import Index
from dtindex.methods.aggregate import aggregate
from dtindex.methods.aggregate_relative import gra, gra_topsis, vikor, vikor_table
from dtindex.uncertainty import UncertaintySpec, run_uncertainty

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"


# ---------------------------------------------------------------- VIKOR, published examples
def test_vikor_opricovic_tzeng_2004():
    # Opricovic, S. & Tzeng, G.-H. (2004). Compromise solution by MCDM methods: a comparative analysis of VIKOR and
    # TOPSIS. EJOR 156(2), 445-455, the numerical example: A1 = (1, 3000), A2 = (2, 3750), A3 = (5, 4500),
    # f1 minimised, f2 maximised, w = (0.5, 0.5): Q = 1, 0, 1 and A2 is the compromise solution (also pymcdm's
    # test). S and R follow from the definitions: S = .5, .375, .5; R = .5, .25, .5.
    X = np.array([[1, 3000], [2, 3750], [5, 4500]], dtype=float)
    res = vikor_table(X, [0.5, 0.5], directions=[-1, 1], labels=["A1", "A2", "A3"])
    assert res.table["Q"].tolist() == [1.0, 0.0, 1.0]
    np.testing.assert_allclose(res.table["S"], [0.5, 0.375, 0.5])
    np.testing.assert_allclose(res.table["R"], [0.5, 0.25, 0.5])
    assert res.compromise == ("A2",) and res.advantage and res.stability and res.dq == 0.5


def test_vikor_yang_wu_2020():
    # Yang, W. & Wu, Y. (2020). A new improvement method to avoid rank reversal in VIKOR. IEEE Access 8,
    # 21261-21271: five alternatives, four benefit criteria, equal weights; Q = 0.5679, 0.7667, 1, 0.7493, 0
    # (as in pymcdm's test).
    M = np.array([[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92], [85, 9, 100, 29]], dtype=float)
    res = vikor_table(M, [0.25] * 4)
    assert res.table["Q"].round(4).tolist() == [0.5679, 0.7667, 1.0, 0.7493, 0.0]
    # the aggregator gives 1 - Q (higher is better), the same order
    np.testing.assert_allclose(vikor(M, [1, 1, 1, 1]), 1 - res.table["Q"].to_numpy())
    assert res.compromise == (4,)


def test_vikor_acceptance_conditions():
    # hand-made: Q = 0, 0.2, 1 with DQ = 0.5 -> C1 fails: compromise {a', a''}
    X = np.array([[10.0, 10.0], [9.0, 9.5], [0.0, 0.0]])
    res = vikor_table(X, [0.5, 0.5], labels=["a", "b", "c"])
    assert not res.advantage and res.stability
    assert res.compromise == ("a", "b")
    # C2 fails: the best by Q is neither best by S nor by R (v = 0.5 balances them)
    X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.6, 0.6, 0.6]])
    res = vikor_table(X, [1, 1, 1], v=0.5, labels=["x", "y", "z"])
    t = res.table
    best = t["Q"].idxmin()
    assert best == "z" and t.loc["z", "rank_S"] > 1 and t.loc["z", "rank_R"] == 1
    with pytest.raises(SpecError, match="v .* must be in \\[0, 1\\]"):
        vikor_table(X, [1, 1, 1], v=2)


# ---------------------------------------------------------------- GRA (hand computations)
def test_gra_published_yildirim_onder_2015():
    """A published GRA example with rho = 0.5 and weights.

    Yildirim, B. F. & Onder, E. (eds.) (2015), *Isletmeciler, Muhendisler ve Yoneticiler icin Operasyonel,
    Yonetsel ve Stratejik Problemlerin Cozumunde Cok Kriterli Karar Verme Yontemleri*, Dora, 2nd ed.
    (ISBN 978-605-9929-44-8), as worked in the documented example of JMcDM's ``grey`` (GitHub
    jbytecode/JMcDM, src/grey.jl, commit 87bbb34e0dc0468ddb311310f0a7b54d1d374633), where we read the
    numbers (the book's page and table number are not given there): 5 alternatives, 6 criteria (K1, K3, K6
    cost), weights 0.05, 0.20, 0.10, 0.15, 0.10, 0.40, min-max normalisation, rho = 0.5; grades 0.525,
    0.7007142857142857, 0.5464285714285715, 0.5762820512820512, 0.650952380952381; alternative 2 best.
    """
    X = np.array([[105000, 105, 10, 4, 300, 10], [120000, 110, 15, 4, 500, 8], [150000, 120, 12, 3, 550, 12],
                  [115000, 105, 20, 4, 600, 9], [135000, 115, 15, 5, 400, 9]], dtype=float)
    cost = np.array([True, False, True, False, False, True])
    lo, hi = X.min(axis=0), X.max(axis=0)
    V = np.where(cost, (hi - X) / (hi - lo), (X - lo) / (hi - lo))  # dtindex's min-max, cost indicators reversed
    r = gra(V, [0.05, 0.20, 0.10, 0.15, 0.10, 0.40], rho=0.5)
    np.testing.assert_allclose(r, [0.525, 0.7007142857142857, 0.5464285714285715, 0.5762820512820512,
                                   0.650952380952381], atol=1e-12)
    assert int(np.argmax(r)) == 1


def test_gra_by_hand():
    # no published worked example with its numbers was found here; by hand (Deng's formula, rho = 0.5):
    # X = [[1, .5], [.5, 1], [0, 0]], reference (1, 1); deltas [[0, .5], [.5, 0], [1, 1]], dmin 0, dmax 1
    # xi = .5 / (delta + .5): [[1, .5], [.5, 1], [1/3, 1/3]] -> grades (w = .5, .5): .75, .75, 1/3
    X = np.array([[1.0, 0.5], [0.5, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(gra(X, [1, 1]), [0.75, 0.75, 1 / 3])
    # weights 3:1 -> .875, .625, 1/3; rho = 1 -> xi = 1 / (delta + 1): [[1, 2/3], [2/3, 1], [.5, .5]]
    np.testing.assert_allclose(gra(X, [3, 1]), [0.875, 0.625, 1 / 3])
    np.testing.assert_allclose(gra(X, [1, 1], rho=1.0), [5 / 6, 5 / 6, 0.5])
    with pytest.raises(SpecError, match="rho must be in \\(0, 1\\]"):
        gra(X, [1, 1], rho=0)


def test_gra_topsis_by_hand():
    X = np.array([[1.0, 0.5], [0.5, 1.0], [0.0, 0.0]])
    # to the best (1, 1): r+ = .75, .75, 1/3 (above); to the worst (0, 0): deltas [[1, .5], [.5, 1], [0, 0]]
    # xi- = .5 / (delta + .5): [[1/3, .5], [.5, 1/3], [1, 1]] -> r- = 5/12, 5/12, 1
    rp, rm = np.array([0.75, 0.75, 1 / 3]), np.array([5 / 12, 5 / 12, 1.0])
    np.testing.assert_allclose(gra_topsis(X, [1, 1]), rp / (rp + rm))


# ---------------------------------------------------------------- pipeline, CLI shorthand, uncertainty
@pytest.fixture(scope="module")
def demo() -> Index:
    return Index.from_spec(DEMO)


@pytest.mark.parametrize("method, params", [("gra", {"rho": 0.4}), ("gra_topsis", {}), ("vikor", {"v": 0.6}),
                                            ("rsr", {"ranking": "interpolated"})])
def test_relative_aggregations_in_a_build(demo, method, params):
    per = demo.rebuild({"aggregate.method": method, "aggregate.params": {**params, "scope": "per_period"}})
    kids = per.framework.children["DTI"]
    V = np.column_stack([per.scores[k] for k in kids])
    w = np.array([per.weights[k] for k in kids])
    p = demo.panel
    groups = np.where(p.present, p.period_index, -1)
    want = aggregate(V, w, method, groups=groups, **params)
    np.testing.assert_allclose(per.scores["DTI"][p.present], want[p.present])
    with pytest.raises(SpecError, match=f"The 'params' parameter of {method} aggregation must be one of 'scope'"):
        demo.rebuild({"aggregate.method": method, "aggregate.params": {"colour": 1}})


def test_aggregation_alternatives_in_the_uncertainty_analysis(demo):
    res = run_uncertainty(demo, UncertaintySpec(n=8, seed=1, sensitivity=False,
                                               aggregation=["arithmetic", "vikor:0.5", "gra:0.5"]))
    assert set(res.table["aggregation"]) <= {"arithmetic", "vikor:0.5", "gra:0.5"}
    assert len(set(res.table["aggregation"])) >= 2


def test_batched_replications_equal_rebuilds():
    # the uncertainty engine's batched path gives the same scores as full rebuilds (with weights set per replication)
    from dtindex.uncertainty.batch import BatchModel, Replications

    asem_dir = Path(__file__).parents[1] / "data" / "asem"
    asem = Index.from_coinr(asem_dir / "ASEM_iMeta.csv", asem_dir / "ASEM_iData.csv")
    records = [
        {"changes": {"aggregate.method": "gra", "aggregate.params": {"rho": 0.4}}, "weights": {"Conn": 0.7}},
        {"changes": {"aggregate.method": "gra_topsis"}, "weights": {"Physical": 1.3}},
        {"changes": {"aggregate.method": "vikor", "aggregate.params": {"v": 0.3}}, "weights": {"Sust": 1.5}},
        {"changes": {"aggregate.method": "vikor", "aggregate.missing": "propagate"}},
        {"changes": {"aggregate.method": "rsr"}, "weights": {"Conn": 1.4}},
    ]
    res = BatchModel(asem).run(Replications.from_records(records), keep_scores=True)
    for i, rec in enumerate(records):
        ref = asem.rebuild(rec["changes"], weights=rec.get("weights"))
        np.testing.assert_allclose(res.scores[i], ref.scores["Index"], rtol=1e-12, atol=1e-14, equal_nan=True)
        np.testing.assert_array_equal(res.ranks[i], ref.ranks["Index"].astype(np.float32))


# ---------------------------------------------------------------- RSR
def test_rsr_by_hand_and_probit_grading():
    from scipy.stats import norm

    from dtindex.methods.rsr import rsr, rsr_table

    # no published worked example with its numbers was found here; by hand: 5 units, 2 indicators
    X = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0], [4.0, 50.0], [5.0, 40.0]])
    # integer ranks (1 = worst): col 1 = 1..5, col 2 = 1, 3, 2, 5, 4 -> RSR = (R1 + R2) / (2 * 5)
    want = np.array([2, 5, 5, 9, 9]) / 10
    np.testing.assert_allclose(rsr(X, [1, 1]), want)
    res = rsr_table(X, labels=list("abcde"))
    np.testing.assert_allclose(res.table["RSR"], want)
    d = res.distribution
    # distinct RSR .2, .5, .9 with f = 1, 2, 2; cf = 1, 3, 5; mean ranks 1, 2.5, 4.5; p = .2, .5, 1 - 1/20
    np.testing.assert_allclose(d["mean_rank"], [1, 2.5, 4.5])
    np.testing.assert_allclose(d["p"], [0.2, 0.5, 0.95])
    np.testing.assert_allclose(d["probit"], 5 + norm.ppf([0.2, 0.5, 0.95]))
    slope, intercept = np.polyfit(d["probit"], d["RSR"], 1)
    assert res.slope == pytest.approx(slope) and res.intercept == pytest.approx(intercept)
    # 3 grades cut at probit 4 and 6: 4.16 -> 2, 5 -> 2, 6.64 -> 3
    assert res.table["grade"].tolist() == [2, 2, 2, 3, 3]
    assert res.thresholds == pytest.approx((intercept + 4 * slope, intercept + 6 * slope))
    # weights and the interpolated ranks (非整秩): R = 1 + (n - 1)(x - min) / (max - min)
    R2 = 1 + 4 * (X[:, 1] - 10) / 40
    np.testing.assert_allclose(rsr(X, [1, 3], ranking="interpolated"), (0.25 * np.arange(1, 6) + 0.75 * R2) / 5)
    # a cost indicator is ranked in reverse
    np.testing.assert_allclose(rsr_table(X, directions=[1, -1]).table["RSR"], (np.arange(1, 6) + 6 - [1, 3, 2, 5, 4]) / 10)
    with pytest.raises(SpecError, match="must be one of 3, 4, 5"):
        rsr_table(X, grades=6)
