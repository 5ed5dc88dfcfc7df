"""Spatial weights and autocorrelation: PySAL's published St. Louis example, hand computations."""

import math

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.regional.spatial import (
    EARTH_RADIUS_KM, coordinates, distance_matrix, geary, lisa, moran, parse_weights, weights_from_coordinates,
    weights_from_matrix,
)

libpysal = pytest.importorskip("libpysal")


@pytest.fixture(scope="module")
def stl():
    from libpysal.examples import get_path

    w = libpysal.io.open(get_path("stl.gal")).read()
    y = np.array(libpysal.io.open(get_path("stl_hom.txt")).by_col["HR8893"])
    w.transform = "r"
    return y, w


def test_moran_reproduces_pysal_published_st_louis_value(stl):
    # PySAL esda documentation and test suite (esda/tests/test_moran.py): St. Louis region homicide rates
    # 1988-93 (stl_hom.txt, HR8893) with stl.gal contiguity, row-standardised:
    # I = 0.24365582621771695, E[I] = -1/77 = -0.012987012987012988, p_norm = 0.00027147862770937614.
    y, w = stl
    m = moran(y, w, permutations=99, seed=1)
    assert m.value == pytest.approx(0.24365582621771695, rel=1e-12)
    assert m.expected == pytest.approx(-0.012987012987012988)
    assert m.p_norm == pytest.approx(0.00027147862770937614, rel=1e-6)
    assert moran(y, w, permutations=99, seed=1).p_sim == m.p_sim  # seeded: reproducible
    assert 1 / 100 <= m.p_sim <= 0.05


def test_geary_matches_its_formula(stl):
    y, w = stl
    W = w.full()[0]
    n, z = y.size, y - y.mean()
    C = (n - 1) * np.sum(W * (y[:, None] - y[None, :]) ** 2) / (2 * W.sum() * np.sum(z ** 2))
    g = geary(y, w, permutations=0)
    assert g.value == pytest.approx(C)
    assert g.expected == 1.0


def test_lisa_statistic_quadrants_and_seeded_p_values(stl):
    y, w = stl
    out = lisa(y, w, permutations=199, seed=7)
    W = w.full()[0]
    z = (y - y.mean()) / y.std()
    Ii = (y.size - 1) * z * (W @ z) / np.sum(z * z)  # esda's local Moran statistic
    np.testing.assert_allclose(out["Ii"], Ii, rtol=1e-10)
    lag = W @ z
    expect = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    assert list(out["quadrant"]) == list(expect)
    assert out["p_sim"].between(1 / 200, 0.5 + 1 / 200).all()
    again = lisa(y, w, permutations=199, seed=7)
    assert out["p_sim"].equals(again["p_sim"])


def test_lisa_flags_a_clear_cluster():
    # 3 x 4 grid as coordinates; a hot block of high values must be HH with small p-values
    pos = [(i, j) for i in range(6) for j in range(6)]
    y = np.array([10.0 if (i < 3 and j < 3) else 1.0 for i, j in pos]) + np.arange(36) * 1e-3
    from libpysal.weights import lat2W

    w = lat2W(6, 6)
    w.transform = "r"
    out = lisa(y, w, permutations=999, seed=1)
    core = out.iloc[[0, 1, 6, 7]]  # (0,0), (0,1), (1,0), (1,1): all neighbours hot
    assert (core["quadrant"] == "HH").all()
    assert (core["p_sim"] < 0.05).all()


def test_haversine_by_hand():
    # a quarter of a great circle along the equator: pi/2 * R
    d = distance_matrix([0.0, 0.0], [0.0, 90.0])
    assert d[0, 1] == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)
    assert d[0, 0] == 0


def test_knn_and_idw_weights_from_shipped_coordinates():
    units = ["110000", "120000", "130100", "310000", "320100", "440100", "440300"]  # 北京 天津 石家庄 上海 南京 广州 深圳
    w = weights_from_coordinates(units, "knn", k=1)
    assert w.neighbors["110000"] == ["120000"]
    assert w.neighbors["440100"] == ["440300"]
    assert w.neighbors["310000"] == ["320100"]
    pairs = ["110000", "120000", "130100", "440100", "440300"]
    w2 = parse_weights("idw:300", pairs)
    assert set(w2.neighbors["110000"]) == {"120000", "130100"}  # 天津 ~110 km, 石家庄 ~265 km
    assert set(w2.neighbors["440100"]) == {"440300"}
    d = distance_matrix(*coordinates(["110000", "120000", "130100"]).to_numpy().T)
    share = (1 / d[0, 1]) / (1 / d[0, 1] + 1 / d[0, 2])
    assert w2.weights["110000"][w2.neighbors["110000"].index("120000")] == pytest.approx(share)  # row-standardised
    with pytest.raises(DataError, match="no neighbour within"):
        parse_weights("idw:50", units)
    with pytest.raises(DataError, match="k must be"):
        parse_weights("knn:7", units)


def test_province_codes_are_located_at_their_cities_centroid():
    xy = coordinates(["440000", "110000"])
    from dtindex.regions import cities

    c = cities()
    gd = c[c["province_adcode"] == "440000"][["lat", "lon"]].astype(float).mean()
    assert xy.loc["440000", "lat"] == pytest.approx(gd["lat"])
    with pytest.raises(DataError, match="no coordinates"):
        coordinates(["999999"])
    by_name = coordinates(["广东", "深圳"])
    assert by_name.loc["广东", "lat"] == pytest.approx(gd["lat"])
    assert by_name.loc["深圳", "lat"] == pytest.approx(float(c.set_index("adcode").loc["440300", "lat"]))


def test_user_matrix(tmp_path):
    M = pd.DataFrame({"unit": ["a", "b", "c"], "a": [0, 1, 0], "b": [1, 0, 2], "c": [0, 2, 0]})
    path = tmp_path / "w.csv"
    M.to_csv(path, index=False)
    w = weights_from_matrix(path, ["a", "b", "c"])
    assert w.neighbors["b"] == ["a", "c"]
    assert w.weights["b"] == pytest.approx([1 / 3, 2 / 3])
    M.loc[0, "a"] = 1
    M.to_csv(path, index=False)
    with pytest.raises(DataError, match="diagonal"):
        weights_from_matrix(path, ["a", "b", "c"])
