"""OLS equals statsmodels (classical, HC3, cluster) and NIST's certified Longley values; fixed effects equal
the dummy-variable regression; standardised coefficients, VIF, within R² and dropped rows by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from dtindex.errors import DataError
from dtindex.stats import COEF_COLUMNS, ols


def test_longley_nist_certified_values():
    """NIST StRD, Longley (1967) linear regression, certified values (www.itl.nist.gov/div898/strd/lls/data/Longley.shtml).

    The data ship with statsmodels (statsmodels.datasets.longley).
    """
    from statsmodels.datasets import longley

    df = longley.load_pandas().data
    res = ols(df, "TOTEMP", ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"])
    c = res.coefficients.set_index("term")
    certified = {
        "const": (-3482258.63459582, 890420.383607373), "GNPDEFL": (15.0618722713733, 84.9149257747669),
        "GNP": (-0.358191792925910e-01, 0.334910077722432e-01), "UNEMP": (-2.02022980381683, 0.488399681651699),
        "ARMED": (-1.03322686717359, 0.214274163161675), "POP": (-0.511041056535807e-01, 0.226073200069370),
        "YEAR": (1829.15146461355, 455.478499142212),
    }
    for term, (b, se) in certified.items():
        assert c.loc[term, "estimate"] == pytest.approx(b, rel=1e-7)
        assert c.loc[term, "se"] == pytest.approx(se, rel=1e-7)
    assert res.r2 == pytest.approx(0.995479004577296, rel=1e-9)
    assert res.f_stat == pytest.approx(330.285339234588, rel=1e-7)
    assert res.nobs == 16 and res.df_resid == 9


@pytest.mark.parametrize("se,kw", [("classical", {}), ("hc3", {"cov_type": "HC3", "use_t": True})])
def test_equals_statsmodels(panel, se, kw):
    res = ols(panel, "y", ["x1", "x2"], se=se, level=0.9)
    ref = sm.OLS(panel["y"], sm.add_constant(panel[["x1", "x2"]])).fit(**kw)
    c = res.coefficients
    assert list(c.columns[:7]) == list(COEF_COLUMNS) and list(c["term"]) == ["const", "x1", "x2"]
    np.testing.assert_allclose(c["estimate"], ref.params, rtol=1e-12)
    np.testing.assert_allclose(c["se"], ref.bse, rtol=1e-12)
    np.testing.assert_allclose(c["t"], ref.tvalues, rtol=1e-12)
    np.testing.assert_allclose(c["p"], ref.pvalues, rtol=1e-10)
    np.testing.assert_allclose(c[["ci_low", "ci_high"]], ref.conf_int(alpha=0.1), rtol=1e-12)
    assert res.r2 == pytest.approx(ref.rsquared) and res.r2_adj == pytest.approx(ref.rsquared_adj)
    assert res.r2_within is None and res.nobs == 86
    if se == "classical":
        assert res.f_stat == pytest.approx(ref.fvalue) and res.f_p == pytest.approx(ref.f_pvalue)


def test_hc3_by_hand(panel):
    """HC3: (X'X)⁻¹ X' diag(e_i² / (1-h_i)²) X (X'X)⁻¹."""
    res = ols(panel, "y", ["x1", "x2"], se="hc3")
    X = np.column_stack([np.ones(len(panel)), panel[["x1", "x2"]]])
    y = panel["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    e = y - X @ (xtx_inv @ X.T @ y)
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    meat = (X * (e / (1 - h))[:, None] ** 2).T @ X
    np.testing.assert_allclose(res.coefficients["se"], np.sqrt(np.diag(xtx_inv @ meat @ xtx_inv)), rtol=1e-10)


def test_cluster_equals_statsmodels_and_the_cr1_formula(panel):
    res = ols(panel, "y", ["x1", "x2"], se="cluster:region")
    groups = pd.factorize(panel["region"])[0]
    X = sm.add_constant(panel[["x1", "x2"]])
    ref = sm.OLS(panel["y"], X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    np.testing.assert_allclose(res.coefficients["se"], ref.bse, rtol=1e-12)
    np.testing.assert_allclose(res.coefficients["p"], ref.pvalues, rtol=1e-10)
    # CR1 by hand: G/(G-1) (N-1)/(N-K) (X'X)⁻¹ Σ_g X_g'e_g e_g'X_g (X'X)⁻¹; t with G-1 df
    Xa, y = X.to_numpy(), panel["y"].to_numpy()
    inv = np.linalg.inv(Xa.T @ Xa)
    e = y - Xa @ inv @ Xa.T @ y
    scores = pd.DataFrame(Xa * e[:, None]).groupby(groups).sum().to_numpy()
    n, k, g = len(y), 3, 5
    V = g / (g - 1) * (n - 1) / (n - k) * inv @ scores.T @ scores @ inv
    np.testing.assert_allclose(res.coefficients["se"], np.sqrt(np.diag(V)), rtol=1e-10)
    assert res.n_clusters == 5 and res.df_resid == 4
    assert any("Only 5 clusters" in n for n in res.notes)


def _lsdv(panel: pd.DataFrame):
    """Dummy-variable regression written independently: a full set of unit dummies (no constant) plus
    period dummies for all periods but the first, solved by numpy least squares; classical s.e."""
    U = pd.get_dummies(panel["uCode"], dtype=float).to_numpy()
    T = pd.get_dummies(panel["Time"], dtype=float).to_numpy()[:, 1:]
    X = np.column_stack([panel[["x1", "x2"]].to_numpy(), U, T])
    y = panel["y"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    df = len(y) - X.shape[1]
    cov = e @ e / df * np.linalg.inv(X.T @ X)
    return beta[:2], np.sqrt(np.diag(cov))[:2], df, e


def test_twoway_fe_equals_dummy_variable_ols(panel):
    res = ols(panel, "y", ["x1", "x2"], fe="twoway", unit="uCode", time="Time")
    beta, se, df, e = _lsdv(panel)
    c = res.coefficients
    assert list(c["term"]) == ["x1", "x2"]
    np.testing.assert_allclose(c["estimate"], beta, rtol=1e-10)
    np.testing.assert_allclose(c["se"], se, rtol=1e-10)
    assert res.df_resid == df == 86 - 2 - 15 - 5
    assert res.n_units == 15 and res.n_periods == 6
    # within R²: 1 - RSS / Σ ỹ², ỹ = y net of the unit and period effects
    D = np.column_stack([pd.get_dummies(panel["uCode"], dtype=float), pd.get_dummies(panel["Time"], dtype=float)])
    y = panel["y"].to_numpy()
    yt = y - D @ np.linalg.lstsq(D, y, rcond=None)[0]
    assert res.r2_within == pytest.approx(1 - e @ e / (yt @ yt), rel=1e-10)


def test_one_way_fe_equals_the_within_estimator(panel):
    """Unit FE: OLS of unit-demeaned y on unit-demeaned x gives the same slopes."""
    res = ols(panel, "y", ["x1", "x2"], fe="unit")  # unit defaults to uCode
    dm = panel[["x1", "x2", "y"]] - panel.groupby("uCode")[["x1", "x2", "y"]].transform("mean")
    ref = sm.OLS(dm["y"], dm[["x1", "x2"]]).fit()
    np.testing.assert_allclose(res.coefficients["estimate"], ref.params, rtol=1e-10)
    assert res.r2_within == pytest.approx(ref.rsquared, rel=1e-10)  # uncentred = centred: ỹ has mean 0
    tfe = ols(panel, "y", ["x1", "x2"], fe="time")
    dm = panel[["x1", "x2", "y"]] - panel.groupby("Time")[["x1", "x2", "y"]].transform("mean")
    np.testing.assert_allclose(tfe.coefficients["estimate"], sm.OLS(dm["y"], dm[["x1", "x2"]]).fit().params, rtol=1e-10)


def test_fe_hc3_equals_statsmodels_on_the_dummy_design(panel):
    """HC3 with fixed effects uses the leverage of the full dummy-variable model."""
    for fe, dummies in (("unit", ["uCode"]), ("twoway", ["uCode", "Time"])):
        X = sm.add_constant(pd.concat([panel[["x1", "x2"]], *[pd.get_dummies(panel[c], drop_first=True, dtype=float)
                                                              for c in dummies]], axis=1))
        ref = sm.OLS(panel["y"], X).fit(cov_type="HC3", use_t=True)
        res = ols(panel, "y", ["x1", "x2"], fe=fe, se="hc3")
        np.testing.assert_allclose(res.coefficients["se"], ref.bse[["x1", "x2"]], rtol=1e-9)
        np.testing.assert_allclose(res.coefficients["p"], ref.pvalues[["x1", "x2"]], rtol=1e-7)


def _cr1(panel, dummies, groups, k_eff):
    """CR1 by hand on the dummy-variable design: G/(G-1) (N-1)/(N-K) (X'X)⁻¹ Σ_g X_g'e_g e_g'X_g (X'X)⁻¹."""
    X = np.column_stack([np.ones(len(panel)), panel[["x1", "x2"]],
                         *[pd.get_dummies(panel[c], drop_first=True, dtype=float) for c in dummies]])
    y = panel["y"].to_numpy()
    inv = np.linalg.inv(X.T @ X)
    e = y - X @ inv @ X.T @ y
    scores = pd.DataFrame(X * e[:, None]).groupby(pd.factorize(panel[groups])[0]).sum().to_numpy()
    g, n = len(scores), len(y)
    V = g / (g - 1) * (n - 1) / (n - k_eff) * inv @ scores.T @ scores @ inv
    return np.sqrt(np.diag(V))[1:3]


def test_fe_cluster_counts_only_effects_not_nested_in_clusters(panel):
    # unit effects nested in unit clusters: K = 2 slopes + 1 (the constant)
    res = ols(panel, "y", ["x1", "x2"], fe="unit", se="cluster:uCode")
    np.testing.assert_allclose(res.coefficients["se"], _cr1(panel, ["uCode"], "uCode", 3), rtol=1e-9)
    assert res.df_resid == 14
    # two-way, clusters = regions: units nest in regions, periods do not -> K = 2 + 1 + 5
    res = ols(panel, "y", ["x1", "x2"], fe="twoway", se="cluster:region")
    np.testing.assert_allclose(res.coefficients["se"], _cr1(panel, ["uCode", "Time"], "region", 8), rtol=1e-9)
    # period effects with unit clusters: periods are not nested -> K = 2 + 1 + 5 (all absorbed columns)
    res = ols(panel, "y", ["x1", "x2"], fe="time", se="cluster:uCode")
    np.testing.assert_allclose(res.coefficients["se"], _cr1(panel, ["Time"], "uCode", 8), rtol=1e-9)
    from scipy import stats
    c = res.coefficients
    np.testing.assert_allclose(c["p"], 2 * stats.t.sf(np.abs(c["t"]), 14))  # t with G - 1 df


def test_standardised_coefficients_and_vif(panel):
    res = ols(panel, "y", ["x1", "x2"])
    z = (panel[["x1", "x2", "y"]] - panel[["x1", "x2", "y"]].mean()) / panel[["x1", "x2", "y"]].std()
    ref = sm.OLS(z["y"], sm.add_constant(z[["x1", "x2"]])).fit()
    c = res.coefficients.set_index("term")
    np.testing.assert_allclose(c.loc[["x1", "x2"], "std_estimate"], ref.params[["x1", "x2"]], rtol=1e-10)
    r2 = sm.OLS(panel["x1"], sm.add_constant(panel["x2"])).fit().rsquared
    assert c.loc["x1", "vif"] == pytest.approx(1 / (1 - r2)) and c.loc["x2", "vif"] == pytest.approx(1 / (1 - r2))
    assert np.isnan(c.loc["const", "vif"]) and np.isnan(c.loc["const", "std_estimate"])


def test_missing_rows_are_dropped_and_reported(panel):
    df = panel.copy()
    df.loc[[4, 10], "x1"] = np.nan
    df.loc[10, "y"] = np.nan
    res = ols(df, "y", ["x1", "x2"])
    assert res.nobs == 84 and res.dropped.rows == (4, 10) and res.dropped.columns == {"y": 1, "x1": 2, "x2": 0}
    ref = ols(df.drop(index=[4, 10]), "y", ["x1", "x2"])
    np.testing.assert_allclose(res.coefficients["estimate"], ref.coefficients["estimate"])
    assert "2 row(s) with a missing value dropped listwise" in " ".join(res.summary_lines())
    assert "剔除 2 行" in " ".join(res.summary_lines("zh"))


def test_bad_input_errors(panel):
    with pytest.raises(DataError, match="unknown column 'nope'; the columns are: uCode, Time, region"):
        ols(panel, "y", ["x1", "nope"])
    with pytest.raises(DataError, match="unknown column 'province'"):
        ols(panel, "y", ["x1"], se="cluster:province")
    with pytest.raises(ValueError, match="cluster:COLUMN"):
        ols(panel, "y", ["x1"], se="robust")
    df = panel.assign(x3=2 * panel["x1"])
    with pytest.raises(DataError, match="linear combination"):
        ols(df, "y", ["x1", "x2", "x3"])
    df = panel.assign(size=panel["uCode"].str[1:].astype(float))  # constant within units
    with pytest.raises(DataError, match="size are constant within the fixed effects"):
        ols(df, "y", ["x1", "size"], fe="unit")
    with pytest.raises(DataError, match=r"0 complete rows for 3 parameters.*86 rows dropped for missing values in "
                                         r"x2 \(86\)\)$"):
        ols(panel.assign(x2=np.nan), "y", ["x1", "x2"])
    with pytest.raises(DataError, match="cluster column one has 1 distinct value"):
        ols(panel.assign(one="a"), "y", ["x1"], se="cluster:one")
    with pytest.raises(ValueError, match="needs the unit column"):
        ols(panel.drop(columns="uCode"), "y", ["x1"], fe="unit")
