"""Correlations equal scipy's on pairwise-complete rows; Holm and BH equal the hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dtindex.errors import DataError
from dtindex.stats import correlation, correlation_matrix
from dtindex.stats.correlation import adjust_pvalues


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    a = rng.normal(size=40)
    df = pd.DataFrame({"a": a, "b": a + rng.normal(size=40), "c": rng.normal(size=40), "d": -a + rng.normal(size=40)})
    df.loc[[2, 5, 9], "b"] = np.nan
    df.loc[[5, 11], "c"] = np.nan
    return df


@pytest.mark.parametrize("method,fn", [("pearson", stats.pearsonr), ("spearman", stats.spearmanr),
                                       ("kendall", stats.kendalltau)])
def test_equals_scipy_pairwise_complete(data, method, fn):
    out = correlation(data, ["a", "b", "c", "d"], method=method)
    assert list(out.columns) == ["var1", "var2", "r", "p", "n", "p_adj"]
    assert list(zip(out.var1, out.var2)) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    for r in out.itertuples():
        ok = data[[r.var1, r.var2]].dropna()
        res = fn(ok[r.var1], ok[r.var2])
        assert r.n == len(ok)
        assert r.r == pytest.approx(res[0], abs=1e-14) and r.p == pytest.approx(res[1], rel=1e-12)
    assert out.loc[0, "n"] == 37 and out.loc[3, "n"] == 36  # b missing in 3 rows; b or c in 4 (row 5 in both)
    np.testing.assert_array_equal(out["p_adj"], out["p"])


def test_holm_and_bh_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # Holm: sorted 0.005,0.01,0.03,0.04 × (4,3,2,1) = 0.02,0.03,0.06,0.04 -> running max 0.02,0.03,0.06,0.06
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02, np.nan])
    # BH: sorted p × 4/rank = 0.02,0.02,0.04,0.04 -> running min from the top: 0.02,0.02,0.04,0.04
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), [0.02, 0.04, 0.04, 0.02, np.nan])


def test_holm_and_bh_equal_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(4).uniform(size=57) ** 3
    p[[3, 9]] = p[[20, 21]]  # ties
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        np.testing.assert_allclose(adjust_pvalues(p, ours), multipletests(p, method=theirs)[1], rtol=1e-14)


def test_adjusted_column_and_matrix(data):
    out = correlation(data, ["a", "b", "c"], adjust="holm")
    order = np.argsort(out["p"].to_numpy())
    m = len(out)
    expected = np.maximum.accumulate(np.minimum(1, out["p"].to_numpy()[order] * (m - np.arange(m))))
    np.testing.assert_allclose(out["p_adj"].to_numpy()[order], expected)
    mat = correlation_matrix(data, ["a", "b", "c"])
    assert mat.loc["a", "a"] == 1 and mat.loc["b", "a"] == mat.loc["a", "b"] == out.loc[0, "r"]
    n = correlation_matrix(data, ["a", "b", "c"], value="n")
    assert n.loc["a", "a"] == 40 and n.loc["b", "b"] == 37 and n.loc["b", "c"] == 36


def test_constant_or_short_pairs_are_nan_and_not_counted():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 1, 1, 1], "c": [2.0, 1, 4, 3], "d": [1.0, np.nan, np.nan, 2]})
    out = correlation(df, ["a", "b", "c", "d"], adjust="bh").set_index(["var1", "var2"])
    assert np.isnan(out.loc[("a", "b"), "r"]) and np.isnan(out.loc[("a", "d"), "p_adj"])
    assert out.loc[("a", "d"), "n"] == 2
    assert out.loc[("a", "c"), "p_adj"] == pytest.approx(out.loc[("a", "c"), "p"])  # the only testable pair


def test_errors_name_columns_and_rows(data):
    with pytest.raises(DataError, match=r"unknown column 'zz'; the columns are: a, b, c, d"):
        correlation(data, ["a", "zz"])
    text = pd.DataFrame({"a": ["1", "2", "3"], "b": ["1", "x", "2"]}, index=pd.RangeIndex(2, 5))
    text.attrs["source"] = "t.csv"
    with pytest.raises(DataError, match=r't.csv row 3: value "x" in column b is not a number'):
        correlation(text, ["a", "b"])
    with pytest.raises(ValueError, match="method"):
        correlation(data, ["a", "b"], method="cosine")
