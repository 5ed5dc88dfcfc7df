"""PCA weights in the OECD/JRC Handbook and the Chinese textbook conventions (issue 15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import MethodDomainError, SpecError
from dtindex.methods.pca_weights import components_to_keep
from dtindex.methods.weights import pca

TAI = Path(__file__).parents[1] / "data" / "methods" / "tai_handbook2008.csv"


@pytest.fixture(scope="module")
def tai() -> pd.DataFrame:
    # OECD & JRC (2008), Handbook on Constructing Composite Indicators, pp. 152-153: the 8 TAI indicators;
    # the multivariate examples use the first 23 countries (Finland ... Slovenia)
    df = pd.read_csv(TAI).set_index("country")
    assert len(df) == 23 and df.index[0] == "Finland" and df.index[-1] == "Slovenia"
    return df


# Handbook Table 16, "Eigenvalues of TAI data set": eigenvalue, variance (%), cumulative variance (%)
TABLE16 = [(3.3, 41.9, 41.9), (1.7, 21.8, 63.7), (1.0, 12.3, 76.0), (0.9, 11.1, 87.2), (0.5, 6.0, 93.2),
           (0.3, 3.7, 96.9), (0.2, 2.2, 99.1), (0.1, 0.9, 100.0)]
# Handbook Table 17, "Factor loadings of TAI based on principal components" (4 varimax-rotated factors), row
# Patents: loadings 0.07 0.97 0.06 0.06; squared loadings scaled to unity sum 0.00 0.67 0.00 0.00
PATENTS_LOADINGS = [0.07, 0.97, 0.06, 0.06]
PATENTS_SCALED = [0.00, 0.67, 0.00, 0.00]


def test_handbook_table16_eigenvalues(tai):
    res = pca(tai, convention="handbook")
    got = res.details["eigenvalues"]
    # the printed table has one decimal and was computed from the unrounded source data, so some entries
    # differ from the printed (rounded) inputs in the last digit: compare within that rounding
    np.testing.assert_allclose(got, [r[0] for r in TABLE16], atol=0.06)
    np.testing.assert_allclose(100 * res.details["explained_variance_ratio"], [r[1] for r in TABLE16], atol=0.12)
    np.testing.assert_allclose(100 * res.details["cumulative_variance_ratio"], [r[2] for r in TABLE16], atol=0.12)
    # the Handbook keeps 4 factors, each explaining more than 10% (together 87.2%)
    assert int(res.details["n_components"]) == 4


def test_handbook_table17_patents_row(tai):
    res = pca(tai, convention="handbook")
    L = res.details["loadings"]
    # factors in the order of the Handbook: 1 = internet/electricity/schooling, 2 = patents, 3 = university,
    # 4 = royalties/telephones; ours are in the order of the unrotated components, matched here by content
    cols = tai.columns.tolist()
    order = [int(np.argmax(np.abs(L[cols.index(c)]))) for c in ("schooling", "patents", "university", "royalties")]
    assert sorted(order) == [0, 1, 2, 3]
    np.testing.assert_allclose(L[cols.index("patents"), order], PATENTS_LOADINGS, atol=0.0101)
    scaled = res.details["squared_loadings_scaled"][cols.index("patents"), order]
    assert scaled.round(2).tolist() == PATENTS_SCALED


def test_handbook_weights_follow_the_stated_steps(tai):
    res = pca(tai, convention="handbook")
    L = res.details["loadings"]
    ev = (L**2).sum(axis=0)
    # rotation keeps the communalities and the variance of the retained components
    lam = res.details["eigenvalues"][:4]
    assert ev.sum() == pytest.approx(lam.sum())
    scaled = L**2 / ev
    np.testing.assert_allclose(scaled.sum(axis=0), 1.0)
    raw = scaled.max(axis=1) * (ev / ev.sum())[scaled.argmax(axis=1)]
    np.testing.assert_allclose(res.weights, raw / raw.sum())
    assert res.params["convention"] == "handbook" and res.params["retain"] == "variance_share"


def test_textbook_convention_by_hand(tai):
    Z = (tai - tai.mean()) / tai.std()
    vals, vecs = np.linalg.eigh(np.corrcoef(Z.to_numpy(), rowvar=False))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    m = int((vals > 1).sum())
    assert m == 2  # Kaiser: 3.35 and 1.75 (the third eigenvalue is 0.985)
    V = vecs[:, :m] * np.sign(vecs[:, :m].sum(axis=0))
    c = V @ (vals[:m] / vals[:m].sum())
    res = pca(tai, convention="textbook")
    np.testing.assert_allclose(res.weights, c / c.sum())
    assert int(res.details["n_components"]) == 2 and res.params["retain"] == "kaiser"
    cum = pca(tai, convention="textbook", retain="cumulative")
    assert int(cum.details["n_components"]) == 4  # 87.2% >= 85%
    assert int(pca(tai, convention="textbook", retain=3).details["n_components"]) == 3


def test_retention_rules():
    lam = np.array([3.35, 1.75, 0.98, 0.89, 0.47, 0.30, 0.17, 0.08])
    assert components_to_keep(lam, "kaiser") == 2
    assert components_to_keep(lam, "variance_share") == 4
    assert components_to_keep(lam, "variance_share", min_share=0.2) == 2
    assert components_to_keep(lam, "cumulative") == 4
    assert components_to_keep(lam, "cumulative", cumulative=0.6) == 2
    assert components_to_keep(np.array([0.9, 0.6, 0.5]), "kaiser") == 1  # at least one
    with pytest.raises(SpecError, match="retain = 9 components"):
        components_to_keep(lam, 9)
    with pytest.raises(SpecError, match="must be one of 'kaiser', 'variance_share', 'cumulative'"):
        components_to_keep(lam, "scree")


def test_default_convention_unchanged_and_errors(tai):
    first = pca(tai)
    v = np.linalg.eigh(np.corrcoef(tai.to_numpy(), rowvar=False))[1][:, -1]
    np.testing.assert_allclose(first.weights, v**2)
    with pytest.raises(SpecError, match="retain applies to the conventions"):
        pca(tai, retain="kaiser")
    X = np.array([[1.0, 5.0, 2.0], [2.0, 4.0, 4.0], [3.0, 3.0, 5.0], [4.0, 1.0, 9.0]])
    with pytest.raises(MethodDomainError, match="negative combined coefficient"):
        pca(X, convention="textbook", retain=1)
    assert (pca(X, convention="handbook", retain=2).weights >= 0).all()


def test_settings_that_would_be_ignored_are_refused(tai):
    with pytest.raises(SpecError, match="min_share applies to retain='variance_share' only; this pca uses the first"):
        pca(tai, min_share=0.2)
    with pytest.raises(SpecError, match="cumulative applies to retain='cumulative' only; this pca uses retain='kaiser'"):
        pca(tai, convention="textbook", cumulative=0.9)
    res = pca(tai, convention="textbook", retain="cumulative", cumulative=0.6)
    assert int(res.details["n_components"]) == 2 and res.params["cumulative"] == 0.6
    assert "min_share" not in res.params
