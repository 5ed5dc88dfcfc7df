"""Properties that hold for any data (hypothesis): FWL for fixed effects, c = c' + ab, scale equivariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dtindex.stats import correlation, mediate, ols


def _panel(seed: int, n_units: int, n_periods: int, drop: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"uCode": np.repeat(np.arange(n_units), n_periods).astype(str),
                       "Time": np.tile(np.arange(n_periods), n_units).astype(str)})
    df["x1"] = rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df)) + rng.normal() * df["x1"]
    df["y"] = 1.5 * df["x1"] - df["x2"] + rng.standard_t(4, size=len(df))
    keep = np.ones(len(df), bool)
    keep[rng.choice(len(df), size=drop, replace=False)] = False
    return df[keep].reset_index(drop=True)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_units=st.integers(4, 12), n_periods=st.integers(3, 6), drop=st.integers(0, 5))
def test_two_way_effects_are_absorbed_exactly(seed, n_units, n_periods, drop):
    """Adding any unit and period effects to y leaves the two-way FE slopes, se and within R² unchanged,
    and the slopes equal a dummy-variable least-squares fit."""
    df = _panel(seed, n_units, n_periods, drop)
    assume(len(df) > 2 + n_units + n_periods + 1)
    rng = np.random.default_rng(seed + 1)
    ue = dict(zip(map(str, range(n_units)), rng.normal(scale=5, size=n_units)))
    te = dict(zip(map(str, range(n_periods)), rng.normal(scale=5, size=n_periods)))
    shifted = df.assign(y=df["y"] + df["uCode"].map(ue) + df["Time"].map(te))
    a = ols(df, "y", ["x1", "x2"], fe="twoway")
    b = ols(shifted, "y", ["x1", "x2"], fe="twoway", se="classical")
    np.testing.assert_allclose(a.coefficients[["estimate", "se"]], b.coefficients[["estimate", "se"]], rtol=1e-7,
                               atol=1e-9)
    assert abs(a.r2_within - b.r2_within) < 1e-9
    D = np.column_stack([df[["x1", "x2"]], pd.get_dummies(df["uCode"], dtype=float),
                         pd.get_dummies(df["Time"], dtype=float)])
    beta = np.linalg.lstsq(D, df["y"].to_numpy(), rcond=None)[0][:2]
    np.testing.assert_allclose(a.coefficients["estimate"], beta, rtol=1e-7, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 80), k=st.integers(1, 3), scale=st.floats(1e-3, 1e3))
def test_total_effect_decomposes_and_scales(seed, n, k, scale):
    """c = c' + Σ aᵢbᵢ exactly; rescaling Y by s rescales every Y-path, se and bootstrap bound by s."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, k + 3)), columns=["x", "y", "w", *[f"m{i}" for i in range(k)]])
    ms = [f"m{i}" for i in range(k)]
    df[ms] = df[ms].to_numpy() + 0.5 * df[["x"]].to_numpy()
    r = mediate(df, "x", ms, "y", covariates=["w"], boot=200, seed=seed)
    t = r.table.set_index("effect")
    assert abs(t.loc["c", "estimate"] - t.loc["c_prime", "estimate"] - t.loc["indirect", "estimate"]) < 1e-9
    r2 = mediate(df.assign(y=df["y"] * scale), "x", ms, "y", covariates=["w"], boot=200, seed=seed)
    t2 = r2.table.set_index("effect")
    for row in ("c", "c_prime", "indirect", "indirect_bc"):
        for col in ("estimate", "se", "ci_low", "ci_high"):
            if np.isfinite(t.loc[row, col]):
                np.testing.assert_allclose(t2.loc[row, col], t.loc[row, col] * scale, rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 40))
def test_correlation_is_symmetric_and_bounded(seed, n):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    for method in ("pearson", "spearman", "kendall"):
        ab = correlation(df, ["a", "b", "c"], method=method, adjust="holm")
        ba = correlation(df, ["c", "b", "a"], method=method)
        assert ((ab["r"].abs() <= 1 + 1e-12) & (ab["p_adj"] >= ab["p"] - 1e-15) & (ab["p_adj"] <= 1)).all()
        np.testing.assert_allclose(sorted(ab["r"]), sorted(ba["r"]), atol=1e-12)
