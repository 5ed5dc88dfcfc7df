"""Map shapes: vendored files keyed by adcode, user GeoJSON, coverage of units."""

from __future__ import annotations

import json

import pytest

from dtindex.errors import DataError
from dtindex.report import Map, geo


def test_vendored_province_shapes():
    shapes = geo.vendored_shapes("province")
    assert shapes.key == "china"  # ECharts 4 adds the South China Sea inset to a map named "china"
    assert len(shapes.adcodes) == 34 and {"440000", "710000", "810000", "820000"} <= shapes.adcodes
    payload = json.loads(shapes.payload)
    assert payload["UTF8Encoding"] is True
    assert {f["properties"]["name"] for f in payload["features"]} == set(shapes.adcodes)
    assert shapes.payload.isascii()


def test_vendored_city_shapes_use_current_adcodes():
    shapes = geo.vendored_shapes("city")
    assert len(shapes.adcodes) == 367
    # old codes in the echarts file mapped to today's (吐鲁番, 哈密, 山南, 那曲, 林芝, 儋州)
    for old, new in geo.CITY_MAP_ALIASES.items():
        assert new in shapes.adcodes and old not in shapes.adcodes
    assert "371200" in shapes.adcodes  # 莱芜: merged into 济南 in 2019, shape kept without data
    assert "460300" not in shapes.adcodes  # 三沙 has no shape in the file


def test_coverage_lists_units_without_shape_or_coordinates():
    m = Map("m", {"440300": 1.0, "460300": 0.1, "460400": 0.3, "650400": 0.2}, level="city")
    cov = geo.coverage(m)
    assert cov.drawn == ("440300", "460400", "650400") and cov.missing == ("460300",)
    dots = Map("d", {"440300": 1.0, "659012": 0.05}, level="city", kind="scatter")
    assert geo.coverage(dots).missing == ("659012",)  # 白杨市 has no coordinates in the city table
    placed = Map("d", {"440300": 1.0, "659012": 0.05}, level="city", kind="scatter", coords={"659012": (84.3, 46.1)})
    assert geo.coverage(placed).missing == ()
    assert geo.scatter_coords(placed)["659012"] == (84.3, 46.1)


def test_unit_names():
    m = Map("m", {"440300": 1.0}, level="city", names={"310000": "申城"})
    assert geo.unit_names(m, ["440300", "310000", "440000"], "zh") == {"440300": "深圳", "310000": "申城", "440000": "广东"}
    assert geo.unit_names(m, ["440300"], "en") == {"440300": "Shenzhen"}
    assert geo.unit_names(m, ["371200"], "zh", geo.vendored_shapes("city")) == {"371200": "莱芜"}
    assert geo.unit_names(m, ["999999"], "zh") == {"999999": "999999"}


def _square(x: float, y: float) -> list:
    return [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]


def _write(tmp_path, features, name="shapes.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_user_geojson_keyed_merged_and_listed(tmp_path):
    features = [
        {"type": "Feature", "properties": {"adcode": 440300, "name": "深圳市"},
         "geometry": {"type": "Polygon", "coordinates": _square(114, 22)}},
        {"type": "Feature", "properties": {"adcode": "440300", "name": "深圳市"},
         "geometry": {"type": "MultiPolygon", "coordinates": [_square(115, 22)]}},
        {"type": "Feature", "properties": {"adcode": "100000_JD", "name": ""},
         "geometry": {"type": "MultiPolygon", "coordinates": [_square(120, 10)]}},
        {"type": "Feature", "properties": {"adcode": 440100}, "geometry": {"type": "Point", "coordinates": [113, 23]}},
    ]
    path = _write(tmp_path, features)
    m = Map("m", {"440300": 1.0, "440100": 2.0}, level="city", geojson=str(path))
    shapes = geo.shapes_for(m)
    assert shapes.adcodes == frozenset({"440300"}) and shapes.source == "shapes.geojson"
    assert shapes.key.startswith("dt-geo-") and shapes.key == geo.shapes_for(m).key
    payload = json.loads(shapes.payload)
    merged = payload["features"][0]
    assert merged["properties"] == {"name": "440300"}
    assert merged["geometry"]["type"] == "MultiPolygon" and len(merged["geometry"]["coordinates"]) == 2
    assert payload["features"][1]["properties"]["name"] == "feature-2"  # boundary feature drawn, no data
    assert len(payload["features"]) == 2  # the point feature is not drawn
    assert geo.coverage(m).missing == ("440100",)  # a point is no shape: the unit is listed, not dropped


def test_user_geojson_adcode_property(tmp_path):
    features = [{"type": "Feature", "properties": {"code": "440300", "adcode": "110000"},
                 "geometry": {"type": "Polygon", "coordinates": _square(114, 22)}}]
    path = _write(tmp_path, features)
    assert geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(path), adcode_property="code")).adcodes == {"440300"}
    assert geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(path))).adcodes == {"110000"}
    with pytest.raises(DataError, match="property 'gb' is missing from features 0 \\(0-based\\)"):
        geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(path), adcode_property="gb"))


def test_user_geojson_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="bad.json: not valid UTF-8 JSON"):
        geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(bad)))
    notfc = tmp_path / "notfc.json"
    notfc.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(DataError, match="expected a GeoJSON FeatureCollection"):
        geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(notfc)))
    nocode = _write(tmp_path, [{"type": "Feature", "properties": {"name": "x"},
                                "geometry": {"type": "Polygon", "coordinates": _square(0, 0)}}], "nocode.json")
    with pytest.raises(DataError, match="no polygon feature has a 6-digit adcode"):
        geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(nocode)))
    with pytest.raises(DataError, match="does not exist"):
        geo.shapes_for(Map("m", {"440300": 1.0}, geojson=str(tmp_path / "missing.json")))
