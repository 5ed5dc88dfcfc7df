"""Mediation (PROCESS model 4): paths equal statsmodels, Sobel equals its formula, the bootstrap equals a plain
resampling loop, and the CI covers a known indirect effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from dtindex.errors import DataError
from dtindex.stats import MEDIATION_COLUMNS, mediate
from dtindex.stats.mediation import _bootstrap_indirect


@pytest.fixture(scope="module")
def single(mediation_data):
    return mediate(mediation_data, "x", "m", "y", covariates=["w"], boot=2000, seed=11)


def test_rows_and_columns(single):
    assert list(single.table.columns) == list(MEDIATION_COLUMNS)
    assert list(single.table["effect"]) == ["a", "b", "c", "c_prime", "indirect", "indirect_bc"]
    assert single.draws.shape == (2000, 1) and single.nobs == 400


def test_paths_equal_statsmodels(single, mediation_data):
    d = mediation_data
    fa = sm.OLS(d["m"], sm.add_constant(d[["x", "w"]])).fit()
    fy = sm.OLS(d["y"], sm.add_constant(d[["x", "m", "w"]])).fit()
    fc = sm.OLS(d["y"], sm.add_constant(d[["x", "w"]])).fit()
    t = single.table.set_index("effect")
    for row, fit, term in (("a", fa, "x"), ("b", fy, "m"), ("c", fc, "x"), ("c_prime", fy, "x")):
        assert t.loc[row, "estimate"] == pytest.approx(fit.params[term], rel=1e-12)
        assert t.loc[row, "se"] == pytest.approx(fit.bse[term], rel=1e-12)
        assert t.loc[row, "z_or_t"] == pytest.approx(fit.tvalues[term], rel=1e-12)
        assert t.loc[row, "p"] == pytest.approx(fit.pvalues[term], rel=1e-9)
        assert (t.loc[row, "ci_low"], t.loc[row, "ci_high"]) == pytest.approx(tuple(fit.conf_int().loc[term]))
    # OLS identity c = c' + a b (same rows, same covariates)
    assert t.loc["c", "estimate"] == pytest.approx(t.loc["c_prime", "estimate"] + t.loc["indirect", "estimate"])


def test_sobel_formula(single):
    t = single.table.set_index("effect")
    a, sa, b, sb = t.loc["a", "estimate"], t.loc["a", "se"], t.loc["b", "estimate"], t.loc["b", "se"]
    se = np.sqrt(b ** 2 * sa ** 2 + a ** 2 * sb ** 2)
    assert t.loc["indirect", "estimate"] == pytest.approx(a * b)
    assert t.loc["indirect", "se"] == pytest.approx(se, rel=1e-12)
    assert t.loc["indirect", "z_or_t"] == pytest.approx(a * b / se)
    assert t.loc["indirect", "p"] == pytest.approx(2 * stats.norm.sf(abs(a * b / se)))


def test_known_indirect_effect_inside_the_intervals(mediation_data):
    res = mediate(mediation_data, "x", "m", "y", covariates=["w"])  # defaults: 5000 resamples, seed 1, 95 %
    assert res.boot == 5000 and res.seed == 1
    t = res.table.set_index("effect")
    for row in ("indirect", "indirect_bc"):
        assert t.loc[row, "ci_low"] < 0.2 < t.loc[row, "ci_high"]
        assert t.loc[row, "ci_low"] > 0  # and the effect is detected
    assert t.loc["indirect_bc", "se"] == pytest.approx(res.draws.iloc[:, 0].std(ddof=1))
    assert np.isnan(t.loc["indirect_bc", "z_or_t"]) and np.isnan(t.loc["indirect_bc", "p"])


def test_percentile_and_bias_corrected_from_the_draws(single):
    d = single.draws.iloc[:, 0].to_numpy()
    t = single.table.set_index("effect")
    est = t.loc["indirect", "estimate"]
    assert (t.loc["indirect", "ci_low"], t.loc["indirect", "ci_high"]) == pytest.approx(tuple(np.quantile(d, [0.025, 0.975])))
    z0 = stats.norm.ppf(np.mean(d < est))
    q = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.025, 0.975]))
    assert (t.loc["indirect_bc", "ci_low"], t.loc["indirect_bc", "ci_high"]) == pytest.approx(tuple(np.quantile(d, q)))


def test_vectorised_bootstrap_equals_a_resampling_loop(mediation_data):
    d = mediation_data.iloc[:60]
    draws = _bootstrap_indirect(d["x"].to_numpy(), d[["m", "m2"]].to_numpy(), d["y"].to_numpy(),
                                d[["w"]].to_numpy(), 50, 123)
    idx = np.random.default_rng(123).integers(0, 60, size=(50, 60))
    for r in range(50):
        s = d.iloc[idx[r]]
        a = [sm.OLS(s[m], sm.add_constant(s[["x", "w"]])).fit().params["x"] for m in ("m", "m2")]
        fy = sm.OLS(s["y"], sm.add_constant(s[["x", "m", "m2", "w"]])).fit()
        np.testing.assert_allclose(draws[r], [a[0] * fy.params["m"], a[1] * fy.params["m2"]], rtol=1e-8, atol=1e-12)


def test_seeded_and_reproducible(mediation_data):
    r1 = mediate(mediation_data, "x", "m", "y", boot=500, seed=5)
    r2 = mediate(mediation_data, "x", "m", "y", boot=500, seed=5)
    r3 = mediate(mediation_data, "x", "m", "y", boot=500, seed=6)
    pd.testing.assert_frame_equal(r1.table, r2.table)
    assert r1.table.loc[4, "ci_low"] != r3.table.loc[4, "ci_low"]


def test_parallel_mediators(mediation_data):
    res = mediate(mediation_data, "x", ["m", "m2"], "y", covariates="w", boot=1000, seed=2)
    t = res.table.set_index("effect")
    assert list(t.index) == ["a[m]", "a[m2]", "b[m]", "b[m2]", "c", "c_prime", "indirect[m]", "indirect_bc[m]",
                             "indirect[m2]", "indirect_bc[m2]", "indirect", "indirect_bc"]
    for mi in ("m", "m2"):
        assert t.loc[f"indirect[{mi}]", "estimate"] == pytest.approx(t.loc[f"a[{mi}]", "estimate"] * t.loc[f"b[{mi}]", "estimate"])
    # total indirect = c - c' exactly; its delta-method se uses the covariances of the b's and the a's
    assert t.loc["indirect", "estimate"] == pytest.approx(t.loc["c", "estimate"] - t.loc["c_prime", "estimate"])
    d = mediation_data
    fy = sm.OLS(d["y"], sm.add_constant(d[["x", "m", "m2", "w"]])).fit()
    Z = sm.add_constant(d[["x", "w"]])
    fa = [sm.OLS(d[mi], Z).fit() for mi in ("m", "m2")]
    a = np.array([f.params["x"] for f in fa])
    b = fy.params[["m", "m2"]].to_numpy()
    E = np.column_stack([f.resid for f in fa])
    cov_a = E.T @ E / (len(d) - 3) * np.linalg.inv(Z.T @ Z)[1, 1]
    se = np.sqrt(a @ fy.cov_params().loc[["m", "m2"], ["m", "m2"]].to_numpy() @ a + b @ cov_a @ b)
    assert t.loc["indirect", "se"] == pytest.approx(se, rel=1e-10)
    np.testing.assert_allclose(res.draws["total"], res.draws["m"] + res.draws["m2"])
    assert t.loc["indirect[m2]", "ci_low"] < 0.3 * 0.25 < t.loc["indirect[m2]", "ci_high"]


def test_dropped_rows_and_errors(mediation_data):
    d = mediation_data.copy()
    d.loc[[0, 7], "m"] = np.nan
    res = mediate(d, "x", "m", "y", boot=200)
    assert res.nobs == 398 and res.dropped.rows == (0, 7)
    assert "2 row(s) with a missing value dropped" in " ".join(res.summary_lines())
    with pytest.raises(DataError, match="more than one role"):
        mediate(d, "x", "x", "y")
    with pytest.raises(DataError, match="unknown column 'q'"):
        mediate(d, "x", "q", "y")
    with pytest.raises(DataError, match="column k is constant"):
        mediate(d.assign(k=1.0), "x", "m", "y", covariates=["k"])
    with pytest.raises(ValueError, match="at least 100"):
        mediate(d, "x", "m", "y", boot=10)


def test_labelled_tables_for_reports(mediation_data):
    from dtindex.stats import effect_label, labelled

    res = mediate(mediation_data, "x", ["m", "m2"], "y", boot=100)
    zh = labelled(res.table, "zh")
    assert list(zh.columns) == ["效应", "估计值", "标准误", "z 或 t 值", "p 值", "置信区间下限", "置信区间上限"]
    assert zh["效应"].iloc[0] == "a 路径（X → M）：m" and zh["效应"].iloc[-1].startswith("间接效应（偏差校正")
    assert effect_label("c_prime", "en") == "Direct effect c'" and effect_label("x1", "zh") == "x1"
    assert labelled(res.table, "en").columns[0] == "Effect"
