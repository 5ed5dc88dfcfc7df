"""Map shapes for :class:`~dtindex.report.model.Map` blocks, and which units they cover.

Shapes come from the files vendored from the ``echarts@4.9.0`` npm package
(``vendor/china.json``: 31 provinces + Taiwan, Hong Kong, Macao; ``vendor/china-cities.json``:
367 city-level units) or from a user-supplied GeoJSON FeatureCollection.

Each feature is keyed by its adcode: the feature ``id`` (vendored files), or
``Map.adcode_property``, or the properties ``adcode`` / ``id``. Features sharing an adcode
are merged into one MultiPolygon. Features without a valid adcode (e.g. a boundary-line
feature) are drawn but carry no data; features without Polygon/MultiPolygon geometry are
not drawn. Before embedding, every feature's ``name`` property is replaced by its adcode,
so ECharts matches data by adcode and display names come from :mod:`dtindex.regions`.

The vendored city file predates a few adcode changes; :data:`CITY_MAP_ALIASES` maps its
old codes to the current ones (儋州 469003 -> 460400, 2015; 吐鲁番 652100 -> 650400, 2015;
哈密 652200 -> 650500, 2016; 山南 542200 -> 540500, 2016; 那曲 542400 -> 540600, 2018;
林芝 542600 -> 540400, 2015). 莱芜 (371200) was merged into 济南 in 2019; its shape stays
a separate area without data. Units with no shape in the file (三沙 460300 and the newer
Xinjiang corps cities 659008-659012 in the vendored file) are listed under the map.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from dtindex.errors import DataError, describe_rows

from .model import Map

ECHARTS_VERSION = "4.9.0"

CITY_MAP_ALIASES = {
    "469003": "460400",
    "652100": "650400",
    "652200": "650500",
    "542200": "540500",
    "542400": "540600",
    "542600": "540400",
}

#: Shared bounding box (lon, lat of the top-left and bottom-right corners) of the vendored maps,
#: so a city-level map and the province outline drawn over it line up exactly. The shapes reach
#: 18.1°N; the box goes to 15.5°N so the 三沙 city seat (16.8°N) of a scatter map stays inside.
CHINA_BOUNDS = ((73.5, 53.6), (135.1, 15.5))

#: ECharts map names. "china" makes ECharts 4 add its South China Sea islands inset.
PROVINCE_MAP = "china"
CITY_MAP = "dt-china-cities"


@dataclass(frozen=True)
class Shapes:
    """Shapes ready to embed: ``key`` (ECharts map name), ``payload`` (ASCII JSON text with
    feature names replaced by adcodes), ``adcodes`` (units with a shape), ``names``
    (adcode -> name given in the file), ``source`` (``"vendored"`` or the file name)."""

    key: str
    payload: str
    adcodes: frozenset[str]
    names: tuple[tuple[str, str], ...]
    source: str


@dataclass(frozen=True)
class Coverage:
    """Which of a map's units are drawn (``drawn``) and which have no shape or coordinates
    (``missing``); both in adcode order."""

    drawn: tuple[str, ...]
    missing: tuple[str, ...]


def vendor_path(name: str) -> Path:
    """Path of a vendored file (``echarts.min.js``, ``china.json``, ``china-cities.json``...)."""
    return Path(str(resources.files("dtindex.report") / "vendor" / name))


@cache
def vendor_text(name: str) -> str:
    """Text of a vendored file, read once."""
    path = vendor_path(name)
    if not path.is_file():
        raise DataError(f"Vendored report file {path} is missing; reinstall dtindex (it ships in dtindex/report/vendor/).")
    return path.read_text(encoding="utf-8")


def _adcode(feature: dict, prop: str | None) -> str | None:
    """The feature's adcode as a 6-digit string, or None when it has none."""
    from dtindex.regions import normalise_code

    props = feature.get("properties") or {}
    if prop is not None:
        candidates = [props.get(prop)]
    else:
        candidates = [feature.get("id"), props.get("adcode"), props.get("id")]
    for raw in candidates:
        if raw is None:
            continue
        try:
            return normalise_code(raw)
        except ValueError:
            continue
    return None


def _as_multi(geometry: dict) -> tuple[list, list | None]:
    coords = geometry["coordinates"]
    offsets = geometry.get("encodeOffsets")
    if geometry["type"] == "Polygon":
        return [coords], (None if offsets is None else [offsets])
    return list(coords), (None if offsets is None else list(offsets))


def prepare_shapes(collection: object, *, key: str, source: str, adcode_property: str | None = None,
                   aliases: dict[str, str] | None = None) -> Shapes:
    """Key a GeoJSON FeatureCollection by adcode (see the module docstring).

    Raises DataError when the object is not a FeatureCollection, when ``adcode_property`` is
    given but absent from a polygon feature, or when no feature has an adcode.
    """
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise DataError(f"Map shapes {source}: expected a GeoJSON FeatureCollection with a 'features' list.")
    aliases = aliases or {}
    merged: dict[str, dict] = {}
    order: list[str] = []
    names: dict[str, str] = {}
    plain: list[dict] = []
    absent_prop: list[int] = []
    for i, feature in enumerate(collection["features"]):
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        props = feature.get("properties") or {}
        if adcode_property is not None and adcode_property not in props:
            absent_prop.append(i)
            continue
        code = _adcode(feature, adcode_property)
        if code is None:
            plain.append({"type": "Feature", "properties": {"name": str(props.get("name") or f"feature-{i}")},
                          "geometry": geometry})
            continue
        code = aliases.get(code, code)
        if code not in merged:
            out_props = {"name": code}
            if "cp" in props:
                out_props["cp"] = props["cp"]
            merged[code] = {"type": "Feature", "properties": out_props, "geometry": geometry}
            order.append(code)
            if props.get("name"):
                names[code] = str(props["name"])
            continue
        have = merged[code]["geometry"]
        c1, o1 = _as_multi(have)
        c2, o2 = _as_multi(geometry)
        if (o1 is None) != (o2 is None):
            raise DataError(f"Map shapes {source}: features for adcode {code} mix encoded and plain coordinates.")
        geom = {"type": "MultiPolygon", "coordinates": c1 + c2}
        if o1 is not None:
            geom["encodeOffsets"] = o1 + o2
        merged[code]["geometry"] = geom
    if absent_prop:
        raise DataError(f"Map shapes {source}: property {adcode_property!r} is missing from features "
                        f"{describe_rows(absent_prop)} (0-based); set adcode_property to the property holding adcodes.")
    if not merged:
        raise DataError(f"Map shapes {source}: no polygon feature has a 6-digit adcode (looked at "
                        f"{'property ' + repr(adcode_property) if adcode_property else 'feature id, properties adcode and id'}).")
    out = {k: v for k, v in collection.items() if k not in ("features", "type")}
    out["type"] = "FeatureCollection"
    out["features"] = [merged[c] for c in order] + plain
    payload = json.dumps(out, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return Shapes(key=key, payload=payload, adcodes=frozenset(order), names=tuple(sorted(names.items())), source=source)


@cache
def vendored_shapes(level: str) -> Shapes:
    """Shapes of the vendored province (``"province"``) or city-level (``"city"``) map, read once."""
    if level == "province":
        return prepare_shapes(json.loads(vendor_text("china.json")), key=PROVINCE_MAP, source="vendored")
    return prepare_shapes(json.loads(vendor_text("china-cities.json")), key=CITY_MAP, source="vendored",
                          aliases=CITY_MAP_ALIASES)


@lru_cache(maxsize=32)
def _user_shapes(path: str, mtime_ns: int, size: int, adcode_property: str | None) -> Shapes:
    raw = Path(path).read_bytes()
    try:
        collection = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"Map GeoJSON {path}: not valid UTF-8 JSON ({exc}).") from None
    key = "dt-geo-" + hashlib.sha256(raw + (adcode_property or "").encode()).hexdigest()[:12]
    return prepare_shapes(collection, key=key, source=Path(path).name, adcode_property=adcode_property)


def shapes_for(block: Map) -> Shapes:
    """The shapes a map block is drawn on: its user GeoJSON, or the vendored file of its
    level (the province file for scatter maps)."""
    if block.geojson is not None:
        path = Path(block.geojson)
        if not path.is_file():
            raise DataError(f"Map {block.title!r}: GeoJSON file {path} does not exist.")
        st = os.stat(path)
        return _user_shapes(str(path.resolve()), st.st_mtime_ns, st.st_size, block.adcode_property)
    return vendored_shapes("province" if block.kind == "scatter" else block.level)


@lru_cache(maxsize=4)
def _region_tables() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]], dict[str, tuple[float, float]]]:
    from dtindex.regions import cities, provinces

    c, p = cities(), provinces()
    city_names = dict(zip(c["adcode"], zip(c["short_name"], c["name_en"])))
    prov_names = dict(zip(p["adcode"], zip(p["short_name"], p["name_en"])))
    ok = c["lat"].notna() & c["lon"].notna()
    coords = dict(zip(c.loc[ok, "adcode"], zip(c.loc[ok, "lon"].astype(float), c.loc[ok, "lat"].astype(float))))
    return city_names, prov_names, coords


def unit_names(block: Map, codes: list[str] | tuple[str, ...], lang: str, shapes: Shapes | None = None) -> dict[str, str]:
    """Display name per adcode: ``Map.names`` override, else the dtindex region tables
    (zh short name / English name), else the name in the shape file, else the adcode."""
    city_names, prov_names, _ = _region_tables()
    primary, secondary = (prov_names, city_names) if block.level == "province" else (city_names, prov_names)
    override = dict(block.names)
    file_names = dict(shapes.names) if shapes is not None else {}
    k = 0 if lang == "zh" else 1
    out = {}
    for code in codes:
        if code in override:
            out[code] = override[code]
        elif code in primary:
            out[code] = primary[code][k]
        elif code in secondary:
            out[code] = secondary[code][k]
        else:
            out[code] = file_names.get(code, code)
    return out


def scatter_coords(block: Map) -> dict[str, tuple[float, float]]:
    """(lon, lat) per adcode for a scatter map: ``Map.coords`` over the city table's."""
    _, _, table = _region_tables()
    out = {code: table[code] for code, _ in block.values if code in table}
    out.update({code: (lon, lat) for code, lon, lat in block.coords})
    return out


def coverage(block: Map) -> Coverage:
    """Split a map's units into drawn and missing (no shape / no coordinates)."""
    codes = [c for c, _ in block.values]
    have = set(scatter_coords(block)) if block.kind == "scatter" else shapes_for(block).adcodes
    return Coverage(drawn=tuple(c for c in codes if c in have), missing=tuple(c for c in codes if c not in have))
