"""Kernel densities and Markov chains: PySAL/giddy's published US income example, hand computations."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import DataError
from dtindex.regional.dynamics import kde, markov, pooled_classes, silverman_bandwidth, spatial_markov


@pytest.fixture(scope="module")
def usjoin():
    libpysal = pytest.importorskip("libpysal")
    from libpysal.examples import get_path

    f = libpysal.io.open(get_path("usjoin.csv"))
    pci = np.array([f.by_col[str(y)] for y in range(1929, 2010)]).T
    w = libpysal.io.open(get_path("states48.gal")).read()
    w.transform = "r"
    names = [str(i) for i in range(pci.shape[0])]
    w = libpysal.weights.W({names[int(k)]: [names[int(j)] for j in v] for k, v in w.neighbors.items()},
                           id_order=names, silence_warnings=True)
    w.transform = "r"
    return pd.DataFrame(pci, index=names), w


def test_markov_reproduces_rey_2001_us_income_example(usjoin):
    # giddy documentation (Spatial_Markov with fixed=True, k=5, m=5 on relative per-capita incomes of 48 US
    # states 1929-2009; Rey 2001): the pooled (a-spatial) transition matrix over fixed quintiles is
    # [[0.91461837 0.07503234 0.00905563 0.00129366 0.        ]
    #  [0.06570302 0.82654402 0.10512484 0.00131406 0.00131406]
    #  [0.00520833 0.10286458 0.79427083 0.09505208 0.00260417]
    #  [0.         0.00913838 0.09399478 0.84856397 0.04830287]
    #  [0.         0.         0.         0.06217617 0.93782383]]
    panel, _ = usjoin
    r = markov(panel, 5, relative=True)
    expected = np.array([
        [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0.0],
        [0.06570302, 0.82654402, 0.10512484, 0.00131406, 0.00131406],
        [0.00520833, 0.10286458, 0.79427083, 0.09505208, 0.00260417],
        [0.0, 0.00913838, 0.09399478, 0.84856397, 0.04830287],
        [0.0, 0.0, 0.0, 0.06217617, 0.93782383]])
    np.testing.assert_allclose(r.probabilities, expected, atol=5e-9)
    assert r.counts.sum() == 48 * 80
    assert r.steady_state.sum() == pytest.approx(1.0)


def test_spatial_markov_conditions_the_classic_chain(usjoin):
    panel, w = usjoin
    sm = spatial_markov(panel, w, 5, relative=True)
    assert list(sm.columns) == ["lag_class", "from", "to", "p", "n"]
    classic = markov(panel, 5, relative=True).long()
    total = sm.groupby(["from", "to"])["n"].sum().to_numpy()
    np.testing.assert_array_equal(total, classic["n"].to_numpy())
    h = sm.attrs["homogeneity"]
    assert h["dof"] > 0 and h["LR"] >= 0 and 0 <= h["p"] <= 1


def test_spatial_markov_hand_example():
    # units a-b-c on a line (a~b, b~c): b's lag is the mean of a and c, a's lag is b, c's lag is b
    from libpysal.weights import W

    w = W({"a": ["b"], "b": ["a", "c"], "c": ["b"]}, id_order=["a", "b", "c"])
    panel = pd.DataFrame({"t1": [1.0, 2.0, 9.0], "t2": [1.5, 8.0, 9.5]}, index=["a", "b", "c"])
    # pooled values 1, 1.5, 2, 8, 9, 9.5 -> median 5: classes t1 (1, 1, 2), t2 (1, 2, 2)
    # lags t1: a 2, b 5, c 2; t2: a 8, b 5.5, c 8 -> pooled lag median 5.25: t1 lag classes (1, 1, 1)
    sm = spatial_markov(panel, w, 2).set_index(["lag_class", "from", "to"])
    assert sm.loc[(1, 1, 1), "n"] == 1 and sm.loc[(1, 1, 2), "n"] == 1  # a stays low, b moves up
    assert sm.loc[(1, 2, 2), "n"] == 1  # c stays high
    assert sm.loc[(1, 1, 2), "p"] == 0.5 and sm.xs(2)["n"].sum() == 0


def test_markov_hand_example():
    # 4 units x 3 periods, values pooled: 1..12 -> 2 classes split at the median 6.5
    panel = pd.DataFrame({"t1": [1, 2, 7, 8], "t2": [3, 9, 4, 10], "t3": [5, 11, 6, 12]}, index=list("abcd"))
    r = markov(panel, 2)
    assert r.cuts.tolist() == [6.5]
    # classes: a 1,1,1; b 1,2,2; c 2,1,1; d 2,2,2 -> transitions 1->1: 3, 1->2: 1, 2->1: 1, 2->2: 3
    assert r.counts.tolist() == [[3, 1], [1, 3]]
    out = r.long()
    assert list(out.columns) == ["from", "to", "p", "n"]
    assert out["p"].tolist() == [0.75, 0.25, 0.25, 0.75]


@settings(max_examples=30, deadline=None)
@given(st.integers(5, 30), st.integers(2, 6), st.integers(2, 5), st.integers(0, 10_000))
def test_markov_rows_sum_to_one(n, t, k, seed):
    rng = np.random.default_rng(seed)
    panel = pd.DataFrame(rng.lognormal(size=(n, t)))
    r = markov(panel, k)
    sums = r.probabilities.sum(axis=1)
    has = r.counts.sum(axis=1) > 0
    np.testing.assert_allclose(sums[has], 1.0)


def test_markov_errors():
    with pytest.raises(DataError, match="balanced"):
        pooled_classes(pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, 3.0]}), 2)
    with pytest.raises(DataError, match="not distinct"):
        markov(pd.DataFrame({"a": [1.0, 1, 1, 2], "b": [1.0, 1, 1, 1]}), 4)


def test_silverman_bandwidth_and_density_integrates_to_one():
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    sd = y.std(ddof=1)  # 3.02765
    iqr = 7.75 - 3.25   # numpy's linear percentiles
    assert silverman_bandwidth(y) == pytest.approx(0.9 * min(sd, iqr / 1.34) * 10 ** -0.2)
    d = kde(pd.DataFrame({"2021": y, "2022": y * 1.5}), points=400)
    for _, g in d.groupby("time"):
        assert np.trapezoid(g["density"], g["x"]) == pytest.approx(1.0, abs=2e-3)
    assert d.groupby("time")["x"].apply(tuple).nunique() == 1  # one common grid
