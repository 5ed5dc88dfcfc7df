"""Weighted cross-tabs and chi-square tests.

Reference: r-survey.r-forge.r-project.org/survey/example-chisq.html (R survey, dclus1 =
svydesign(id=~dnum, weights=~pw, fpc=~fpc, apiclus1)):
svytable(~sch.wide + stype, dclus1) = No: 406.1640 101.5410 270.7760; Yes: 4467.8035 372.3170 575.3989;
svychisq(~sch.wide + stype, dclus1): F = 5.1934, ndf = 1.495, ddf = 20.925, p-value = 0.02175;
statistic="Chisq": X-squared = 11.9409, df = 2, p-value = 0.005553;
statistic="adjWald": F = 2.2296, ndf = 2, ddf = 13, p-value = 0.1471; statistic="Wald": F = 2.40...
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dtindex.errors import DataError, SpecError
from dtindex.survey import Design


@pytest.fixture(scope="module")
def dclus1(apiclus1):
    return Design(apiclus1, weights="pw", ids="dnum", fpc="fpc")


def test_weighted_table_matches_svytable(dclus1):
    tab = dclus1.crosstab("sch.wide", "stype")
    want = [[406.1640, 101.5410, 270.7760], [4467.8035, 372.3170, 575.3989]]
    np.testing.assert_allclose(tab.to_numpy(), want, atol=5e-5)
    assert list(tab.index) == ["No", "Yes"] and list(tab.columns) == ["E", "H", "M"]
    rows = dclus1.crosstab("sch.wide", "stype", normalize="index")
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    cols = dclus1.crosstab("sch.wide", "stype", normalize="columns")
    assert cols.loc["No", "E"] == pytest.approx(406.1640 / (406.1640 + 4467.8035), abs=1e-6)
    assert dclus1.crosstab("sch.wide", "stype", normalize="all").to_numpy().sum() == pytest.approx(1.0)


def test_rao_scott_second_order_matches_svychisq(dclus1):
    res = dclus1.chisq("sch.wide", "stype")
    assert res.method == "rao-scott"
    assert res.statistic == pytest.approx(5.1934, abs=5e-5)
    assert res.df == pytest.approx(1.495, abs=5e-4)
    assert res.ddf == pytest.approx(20.925, abs=5e-4)
    assert res.p_value == pytest.approx(0.02175, abs=5e-6)
    assert res["ndf"] == res.df and res["p.value"] == res.p_value
    assert res.ddf == pytest.approx(res.df * 14)


def test_first_order_and_pearson(dclus1):
    first = dclus1.chisq("sch.wide", "stype", method="rao-scott-1")
    assert first.statistic == pytest.approx(11.9409, abs=5e-5)
    assert first.df == 2 and first.ddf is None
    assert first.p_value == pytest.approx(0.005553, abs=5e-7)
    pearson = dclus1.chisq("sch.wide", "stype", method="pearson")
    assert pearson.statistic == pytest.approx(first.statistic)
    assert pearson.p_value == pytest.approx(stats.chi2.sf(first.statistic, 2))
    assert dclus1.chisq("sch.wide", "stype", method="Chisq").statistic == first.statistic  # R's name


def test_wald_tests_match_svychisq(dclus1):
    adj = dclus1.chisq("sch.wide", "stype", method="adj-wald")
    assert adj.statistic == pytest.approx(2.2296, abs=5e-5)
    assert (adj.df, adj.ddf) == (2, 13)
    assert adj.p_value == pytest.approx(0.1471, abs=5e-5)
    wald = dclus1.chisq("sch.wide", "stype", method="wald")
    assert f"{wald.statistic:.4f}".startswith("2.40")
    assert wald.ddf == 14
    assert adj.statistic == pytest.approx(wald.statistic * 2 * 13 / (2 * 14))


def test_equal_weights_srs_reduces_to_pearson_by_hand():
    # 2 x 3 table, one response per row, equal weights, no fpc: Delta = n/(n-1) I
    counts = np.array([[10, 20, 30], [25, 15, 20]])
    rows = np.repeat(["a", "b"], counts.sum(axis=1))
    cols = np.concatenate([np.repeat(["x", "y", "z"], counts[0]), np.repeat(["x", "y", "z"], counts[1])])
    df = pd.DataFrame({"r": rows, "c": cols})
    n = len(df)
    x2 = stats.chi2_contingency(counts, correction=False)[0]
    d = Design(df)
    pear = d.chisq("r", "c", method="pearson")
    assert pear.statistic == pytest.approx(x2, rel=1e-12)
    rs = d.chisq("r", "c")
    assert rs.delta_trace == pytest.approx(2 * n / (n - 1), rel=1e-10)
    assert rs.df == pytest.approx(2.0)
    assert rs.statistic == pytest.approx(x2 * (n - 1) / (2 * n), rel=1e-10)
    assert rs.ddf == pytest.approx(2 * (n - 1))


def test_chisq_errors(dclus1, apiclus1):
    with pytest.raises(SpecError, match="'method' parameter of Design.chisq must be one of"):
        dclus1.chisq("sch.wide", "stype", method="g-test")
    one = apiclus1.assign(k="same")
    with pytest.raises(DataError, match="at least two observed categories"):
        Design(one, weights="pw", ids="dnum").chisq("k", "stype")
    with pytest.raises(SpecError, match="'normalize' parameter of crosstab"):
        dclus1.crosstab("sch.wide", "stype", normalize="rows")


def test_missing_values_are_left_out_of_the_table(apiclus1):
    df = apiclus1.assign(s=apiclus1["sch.wide"].where(apiclus1.groupby("dnum").cumcount() % 3 != 2))
    d = Design(df, weights="pw", ids="dnum", fpc="fpc")
    tab = d.crosstab("s", "stype")
    ok = df["s"].notna()
    assert tab.to_numpy().sum() == pytest.approx(df.loc[ok, "pw"].sum())
    sub = df[ok]
    assert sub["dnum"].nunique() == df["dnum"].nunique()  # every PSU keeps responses
    full = Design(sub, weights="pw", ids="dnum", fpc="fpc").chisq("s", "stype")
    res = d.chisq("s", "stype")
    # F does not depend on the n the table is scaled to; a domain equals the subset design here
    assert res.statistic == pytest.approx(full.statistic, rel=1e-10)
    # X^2 uses n = every response, as R's svychisq (nrow of the model matrix)
    assert res.pearson == pytest.approx(full.pearson * len(df) / ok.sum(), rel=1e-10)
