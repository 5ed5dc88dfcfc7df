"""Mainland China city and province reference tables, shipped as package data.

The tables live in ``dtindex/data/regions/`` (``cities.csv``: 369 city-level units;
``provinces.csv``: 31 province-level units; ``README.md``: sources and caveats). They are
read once with :mod:`importlib.resources`, validated, and cached; every lookup after the
first is a dictionary access.

Conventions
-----------
* Adcodes are always 6-character strings (``"440300"``), never integers or floats.
* ``tier`` is the Yicai 2023 list, in which only 一线, 新一线 and 二线 are filled;
  ``tier_2025`` is the complete 2025 list. The two must not be mixed (see
  ``docs/regions.md``); functions that use tiers take ``tier_list="2023" | "2025"``.
* ``cluster`` is the primary national city cluster of a unit; ``clusters_all`` lists every
  cluster whose plan includes it (邯郸 and 邢台: 京津冀 and 中原; 运城: 关中平原 and 中原).
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from numbers import Integral
from typing import NamedTuple

import numpy as np
import pandas as pd

from dtindex.errors import (
    DataError,
    DtindexWarning,
    check_choice,
    describe_rows,
    param_error,
)

__all__ = [
    "CLUSTERS", "LEVELS", "REGIONS", "TIERS", "TIER_LISTS", "City", "Province", "cities", "city",
    "group_map", "members", "members_frame", "normalise_code", "province", "provinces",
]

#: Yicai city tiers, best first, with English names. Accepted aliases (case, spaces,
#: hyphens and underscores ignored): the English name ("First tier", "first-tier") and the
#: short form ("tier1", "new-tier1", "tier2" ... "tier5").
TIERS: dict[str, str] = {
    "一线": "First tier", "新一线": "New first tier", "二线": "Second tier",
    "三线": "Third tier", "四线": "Fourth tier", "五线": "Fifth tier",
}

#: The 11 national city clusters in the order of the data README, with English names.
CLUSTERS: dict[str, str] = {
    "珠三角": "Pearl River Delta",
    "京津冀": "Beijing-Tianjin-Hebei",
    "长三角": "Yangtze River Delta",
    "成渝": "Chengdu-Chongqing",
    "呼包鄂榆": "Hohhot-Baotou-Ordos-Yulin",
    "关中平原": "Guanzhong Plain",
    "长江中游": "Middle Yangtze River",
    "哈长": "Harbin-Changchun",
    "中原": "Central Plains",
    "兰西": "Lanzhou-Xining",
    "北部湾": "Beibu Gulf",
}

#: NBS four-region division (2011) with English names.
REGIONS: dict[str, str] = {"东部": "Eastern", "中部": "Central", "西部": "Western", "东北": "Northeast"}

#: Administrative levels in ``cities.csv``.
LEVELS: tuple[str, ...] = ("municipality", "prefecture", "county_direct")

#: Tier lists: ``"2023"`` -> column ``tier``; ``"2025"`` -> column ``tier_2025``.
TIER_LISTS: tuple[str, ...] = ("2023", "2025")

_TIER_COLUMN = {"2023": "tier", "2025": "tier_2025"}

_TIER_SLUGS = {
    "一线": "tier1", "新一线": "new-tier1", "二线": "tier2", "三线": "tier3", "四线": "tier4",
    "五线": "tier5",
}

# Further spellings accepted for clusters (abbreviations, pinyin, longer Chinese forms).
_CLUSTER_ALIASES = {
    "珠三角": ("PRD", "珠江三角洲", "Zhusanjiao"),
    "京津冀": ("BTH", "JJJ", "Jingjinji", "Jing-Jin-Ji"),
    "长三角": ("YRD", "长江三角洲", "Changsanjiao"),
    "成渝": ("Chengyu", "成渝地区双城经济圈", "Chengdu-Chongqing Economic Circle"),
    "呼包鄂榆": ("Hubaoeyu",),
    "关中平原": ("关中", "Guanzhong"),
    "长江中游": ("Middle Reaches of the Yangtze River", "Changjiang Zhongyou"),
    "哈长": ("Hachang",),
    "中原": ("Zhongyuan",),
    "兰西": ("兰州西宁", "Lanxi"),
    "北部湾": ("Beibuwan",),
}

_REGION_ALIASES = {
    "东部": ("East",), "中部": ("Centre", "Center"), "西部": ("West",), "东北": ("Northeastern",),
}

# Alternative romanisations named in the data README (caveat 9), keyed by adcode.
_CITY_ALT_EN = {
    "540200": ("Shigatse",), "540300": ("Chamdo",), "653100": ("Kashi",), "513200": ("Aba",),
    "650500": ("Kumul",),
}
_PROVINCE_ALT_EN = {"540000": ("Xizang",), "150000": ("Nei Mongol", "Neimenggu")}

_CITY_COLUMNS = (
    "adcode", "name", "short_name", "name_en", "province_adcode", "province", "level",
    "tier", "tier_2025", "cluster", "cluster_partial", "clusters_all", "lat", "lon",
)
_PROVINCE_COLUMNS = ("adcode", "name", "short_name", "name_en", "region")

# Type suffixes of English names of non-city units ("Hinggan League", "Aksu Prefecture").
_EN_TYPE_SUFFIXES = (" Prefecture", " League", " County", " Forestry District")

_CODE_RE = r"[0-9]{6}"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Province:
    """One mainland province-level unit (a row of ``provinces.csv``).

    Attributes
    ----------
    adcode : str
        6-character MCA code, e.g. ``"440000"``.
    name, short_name, name_en : str
        Full Chinese name (广东省), short name (广东), English name (Guangdong).
    region : str
        NBS four-region label: 东部, 中部, 西部 or 东北 (English names in :data:`REGIONS`).
    """

    adcode: str
    name: str
    short_name: str
    name_en: str
    region: str


@dataclass(frozen=True, slots=True)
class City:
    """One city-level unit (a row of ``cities.csv`` joined to its province).

    Attributes
    ----------
    adcode : str
        6-character MCA code, e.g. ``"440300"``.
    name, short_name, name_en : str
        Full Chinese name (深圳市), short name (深圳), English name (Shenzhen).
    province_adcode, province, province_short : str
        Code, full name and short name of the province-level unit.
    region : str
        NBS four-region label of the province (东部 / 中部 / 西部 / 东北).
    level : str
        ``"municipality"``, ``"prefecture"`` or ``"county_direct"``.
    tier : str or None
        Yicai 2023 tier; only 一线 / 新一线 / 二线 are filled, so None means "below 二线 or
        not classified" (see :meth:`tier_for`).
    tier_2025 : str or None
        Yicai 2025 tier (complete; None only for county_direct units).
    cluster : str or None
        Primary national city cluster, None if the unit is in none.
    cluster_partial : bool or None
        Whether the plan of ``cluster`` covers only part of the unit; None without cluster.
    clusters_all : tuple of str
        Every cluster whose plan includes the unit (README order), without the ``*`` marks.
    partial_clusters : tuple of str
        The subset of ``clusters_all`` that includes the unit only in part.
    lat, lon : float or None
        WGS84 location of the government seat; None for the 5 units without a point.
    """

    adcode: str
    name: str
    short_name: str
    name_en: str
    province_adcode: str
    province: str
    province_short: str
    region: str
    level: str
    tier: str | None
    tier_2025: str | None
    cluster: str | None
    cluster_partial: bool | None
    clusters_all: tuple[str, ...]
    partial_clusters: tuple[str, ...]
    lat: float | None
    lon: float | None

    def tier_for(self, tier_list: str | int = "2025") -> str | None:
        """Return the tier of this unit in the 2023 or the 2025 Yicai list.

        Parameters
        ----------
        tier_list : {"2025", "2023"} (ints 2025 / 2023 accepted)
            ``"2023"`` reads ``tier`` (only the top three tiers are filled: None can mean
            三线-五线), ``"2025"`` reads ``tier_2025``.

        Examples
        --------
        >>> c = city("洛阳")
        >>> c.tier_for("2023") is None, c.tier_for(2025)
        (True, '二线')
        """
        year = _tier_list("City.tier_for", tier_list)
        return self.tier if year == "2023" else self.tier_2025


# --------------------------------------------------------------------------- loading


def _read_package_csv(filename: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read ``dtindex/data/regions/<filename>`` with every column as text."""
    ref = resources.files("dtindex").joinpath("data").joinpath("regions").joinpath(filename)
    raw = ref.read_bytes()
    frame = pd.read_csv(
        io.BytesIO(raw), dtype="string", keep_default_na=False, na_values=[""], encoding="utf-8"
    )
    found = tuple(frame.columns)
    if found != columns:
        missing = [c for c in columns if c not in found]
        extra = [c for c in found if c not in columns]
        raise DataError(
            f"data/regions/{filename}: columns {list(found)} do not match the expected "
            f"{list(columns)} (missing {missing}, unexpected {extra})."
        )
    return frame


def _lines(mask: pd.Series | np.ndarray) -> str:
    """CSV line numbers (header = line 1) of the rows flagged by ``mask``."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return describe_rows(positions + 2)


def _check(source: str, column: str, bad: pd.Series | np.ndarray, frame: pd.DataFrame,
           expected: str) -> None:
    """Raise a DataError naming the file, column, lines and values where ``bad`` is True."""
    bad = np.asarray(pd.Series(bad).fillna(True), dtype=bool)
    if bad.any():
        values = describe_rows(repr(v) for v in frame[column].to_numpy(dtype=object)[bad])
        raise DataError(
            f"{source}: column {column!r} has unexpected values at line(s) {_lines(bad)}: "
            f"{values}; expected {expected}."
        )


def _validate_provinces(frame: pd.DataFrame, source: str = "data/regions/provinces.csv") -> None:
    """Check ``provinces.csv``: codes ``dd0000`` and unique, names present and unique."""
    code = frame["adcode"]
    _check(source, "adcode", ~code.str.fullmatch(r"[0-9]{2}0000"), frame,
           "a 6-digit province code ending in 0000")
    _check(source, "adcode", code.duplicated(keep=False), frame, "unique codes")
    for column in ("name", "short_name", "name_en"):
        _check(source, column, frame[column].isna(), frame, "a non-empty name")
        _check(source, column, frame[column].duplicated(keep=False), frame, "unique names")
    _check(source, "region", ~frame["region"].isin(list(REGIONS)), frame,
           f"one of {list(REGIONS)}")


def _validate_cities(frame: pd.DataFrame, provs: pd.DataFrame,
                     source: str = "data/regions/cities.csv") -> None:
    """Check ``cities.csv`` value by value; raise DataError naming line, column and value."""
    code = frame["adcode"]
    _check(source, "adcode", ~code.str.fullmatch(_CODE_RE), frame, "a 6-digit code")
    _check(source, "adcode", code.duplicated(keep=False), frame, "unique codes")
    for column in ("name", "short_name", "name_en", "province", "level"):
        _check(source, column, frame[column].isna(), frame, "a non-empty value")
    for column in ("name", "short_name"):
        _check(source, column, frame[column].duplicated(keep=False), frame, "unique names")
    _check(source, "province_adcode", ~frame["province_adcode"].isin(provs["adcode"]), frame,
           "a code listed in provinces.csv")
    prov_name = frame["province_adcode"].map(dict(zip(provs["adcode"], provs["name"])))
    _check(source, "province", frame["province"].ne(prov_name), frame,
           "the provinces.csv name of province_adcode")
    _check(source, "level", ~frame["level"].isin(list(LEVELS)), frame, f"one of {list(LEVELS)}")
    for column in ("tier", "tier_2025"):
        _check(source, column, ~(frame[column].isna() | frame[column].isin(list(TIERS))), frame,
               f"empty or one of {list(TIERS)}")
    cluster = frame["cluster"]
    _check(source, "cluster", ~(cluster.isna() | cluster.isin(list(CLUSTERS))), frame,
           f"empty or one of {list(CLUSTERS)}")
    flag = frame["cluster_partial"]
    _check(source, "cluster_partial", ~(flag.isna() | flag.isin(["true", "false"])), frame,
           "empty, 'true' or 'false'")
    _check(source, "cluster_partial", flag.isna() != cluster.isna(), frame,
           "a value exactly when 'cluster' is filled")
    allc = frame["clusters_all"]
    _check(source, "clusters_all", allc.isna() != cluster.isna(), frame,
           "a value exactly when 'cluster' is filled")
    tokens = allc.str.split(";").explode()
    tokens = tokens[tokens.notna()]
    pattern = "|".join(f"{c}\\*?" for c in CLUSTERS)
    good_token = tokens.str.fullmatch(pattern).to_numpy(dtype=bool)
    bad_rows = np.zeros(len(frame), dtype=bool)
    bad_rows[np.unique(tokens.index[~good_token])] = True
    _check(source, "clusters_all", bad_rows, frame,
           f"';'-separated names from {list(CLUSTERS)}, each optionally followed by '*'")
    # The primary cluster, written as in clusters_all ('*' when partial), must be one token.
    primary = cluster + flag.map({"true": "*", "false": ""}).astype("string")
    same = tokens.to_numpy(dtype=object) == primary.loc[tokens.index].to_numpy(dtype=object)
    has_primary = pd.Series(same, index=tokens.index).groupby(level=0).any()
    has_primary = has_primary.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    _check(source, "clusters_all", ~(has_primary | cluster.isna().to_numpy(dtype=bool)), frame,
           "to contain the primary 'cluster' (with '*' exactly when cluster_partial is true)")
    for column, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        number = pd.to_numeric(frame[column], errors="coerce")
        bad = (frame[column].notna() & number.isna()) | ~(number.isna() | number.between(low, high))
        _check(source, column, bad, frame, f"empty or a number in [{low:g}, {high:g}]")
    _check(source, "lon", frame["lat"].isna() != frame["lon"].isna(), frame,
           "lat and lon both empty or both filled")


@lru_cache(maxsize=None)
def _provinces_table() -> pd.DataFrame:
    frame = _read_package_csv("provinces.csv", _PROVINCE_COLUMNS)
    _validate_provinces(frame)
    return frame


@lru_cache(maxsize=None)
def _cities_table() -> pd.DataFrame:
    frame = _read_package_csv("cities.csv", _CITY_COLUMNS)
    _validate_cities(frame, _provinces_table())
    frame["cluster_partial"] = (frame["cluster_partial"] == "true").astype("boolean")
    frame["lat"] = frame["lat"].astype("float64")
    frame["lon"] = frame["lon"].astype("float64")
    return frame


@lru_cache(maxsize=None)
def _memberships() -> pd.DataFrame:
    """Long table of ``clusters_all``: one row per (adcode, cluster) with a partial flag."""
    table = _cities_table()
    tokens = table.set_index("adcode")["clusters_all"].str.split(";").explode().dropna()
    tokens = tokens.astype("string")
    return pd.DataFrame({
        "adcode": tokens.index.astype("string"),
        "cluster": tokens.str.rstrip("*").to_numpy(),
        "partial": tokens.str.endswith("*").to_numpy(dtype=bool),
    })


def cities() -> pd.DataFrame:
    """Return a copy of the city table (369 rows, columns as in ``cities.csv``).

    Text columns use the pandas ``string`` dtype with ``<NA>`` for empty fields (``adcode``
    and ``province_adcode`` are 6-character strings); ``cluster_partial`` is ``boolean``
    (NA where ``cluster`` is empty); ``lat`` / ``lon`` are float64 (NaN for 5 units).
    Rows are in file order (ascending adcode). The NBS region is in :func:`provinces`
    (join on ``province_adcode``) and on every :class:`City`.

    Examples
    --------
    >>> t = cities()
    >>> len(t), t.loc[t["short_name"] == "深圳", "adcode"].item()
    (369, '440300')
    """
    return _cities_table().copy()


def provinces() -> pd.DataFrame:
    """Return a copy of the province table (31 rows: adcode, name, short_name, name_en, region).

    Examples
    --------
    >>> provinces()["region"].value_counts()["东部"]
    np.int64(10)
    """
    return _provinces_table().copy()


# --------------------------------------------------------------------------- keys


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _text_key(text: str) -> str:
    """Chinese key: NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _latin_key(text: str) -> str:
    """Latin key: accents dropped (ü -> u), case folded, only a-z and 0-9 kept (Xi'an -> xian)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", stripped.casefold())


def _latin_variants(text: str) -> list[str]:
    """Latin keys of a name: the plain key, and with ü typed as v (Lüliang -> lvliang)."""
    keys = [_latin_key(text)]
    if "ü" in text.casefold():
        keys.append(_latin_key(text.replace("ü", "v").replace("Ü", "V")))
    return keys


def _english_stem(name_en: str) -> str | None:
    """Place part of a typed English name ("Enshi Tujia and Miao Autonomous Prefecture": Enshi)."""
    if " Autonomous " in name_en:
        return name_en.split(" ", 1)[0]
    for suffix in _EN_TYPE_SUFFIXES:
        if name_en.endswith(suffix):
            return name_en[: -len(suffix)]
    return None


class _Keys(NamedTuple):
    by_code: dict[str, object]
    text: dict[str, tuple[str, ...]]
    latin: dict[str, tuple[str, ...]]
    text_label: dict[str, str]
    latin_label: dict[str, str]


def _add(index: dict[str, tuple[str, ...]], key: str, code: str) -> None:
    if key and code not in index.get(key, ()):
        index[key] = index.get(key, ()) + (code,)


@lru_cache(maxsize=None)
def _province_keys() -> _Keys:
    table = _provinces_table()
    by_code: dict[str, object] = {}
    text: dict[str, tuple[str, ...]] = {}
    latin: dict[str, tuple[str, ...]] = {}
    for code, name, short, name_en, region in table.itertuples(index=False, name=None):
        by_code[code] = Province(code, name, short, name_en, region)
        for key in (name, short):
            _add(text, _text_key(key), code)
        for spelling in (name_en, *_PROVINCE_ALT_EN.get(code, ())):
            for key in _latin_variants(spelling):
                _add(latin, key, code)
    labels = dict(zip(table["adcode"], table["short_name"]))
    return _Keys(by_code, text, latin, labels, dict(zip(table["adcode"], table["name_en"])))


@lru_cache(maxsize=None)
def _city_keys() -> _Keys:
    table = _cities_table()
    provs = _province_keys().by_code
    members = _memberships()
    all_of = members.groupby("adcode", sort=False)["cluster"].agg(tuple).to_dict()
    partial_of = members[members["partial"]].groupby("adcode", sort=False)["cluster"].agg(tuple)
    partial_of = partial_of.to_dict()

    def value(x: object) -> object:
        return None if x is pd.NA or (isinstance(x, float) and np.isnan(x)) else x

    by_code: dict[str, object] = {}
    text: dict[str, tuple[str, ...]] = {}
    latin: dict[str, tuple[str, ...]] = {}
    columns = [table[c].to_numpy(dtype=object) for c in _CITY_COLUMNS]
    for row in zip(*columns, strict=True):
        rec = dict(zip(_CITY_COLUMNS, (value(v) for v in row), strict=True))
        code = rec["adcode"]
        prov = provs[rec["province_adcode"]]
        partial = rec["cluster_partial"]
        by_code[code] = City(
            adcode=code, name=rec["name"], short_name=rec["short_name"], name_en=rec["name_en"],
            province_adcode=prov.adcode, province=prov.name, province_short=prov.short_name,
            region=prov.region, level=rec["level"], tier=rec["tier"], tier_2025=rec["tier_2025"],
            cluster=rec["cluster"], cluster_partial=None if partial is None else bool(partial),
            clusters_all=all_of.get(code, ()), partial_clusters=partial_of.get(code, ()),
            lat=None if rec["lat"] is None else float(rec["lat"]),
            lon=None if rec["lon"] is None else float(rec["lon"]),
        )
        names = [rec["name"], rec["short_name"]]
        if rec["name"].endswith("自治州"):
            names.append(rec["short_name"] + "州")  # 海南州, 延边州: common usage
        for key in names:
            _add(text, _text_key(key), code)
        stem = _english_stem(rec["name_en"])
        spellings = [rec["name_en"], *([stem] if stem else []), *_CITY_ALT_EN.get(code, ())]
        for spelling in spellings:
            for key in _latin_variants(spelling):
                _add(latin, key, code)
    return _Keys(by_code, text, latin, dict(zip(table["adcode"], table["short_name"])),
                 dict(zip(table["adcode"], table["name_en"])))


# --------------------------------------------------------------------------- codes


def normalise_code(x: object) -> str:
    """Return ``x`` as a 6-character adcode string, or raise DataError.

    Accepted: a Python or numpy integer in 100000-999999 (``440300``) and a string of
    exactly six ASCII digits, surrounding whitespace ignored (``"440300"``, ``" 440300"``).
    Refused, with a message saying how to fix it: floats (``440300.0``; a float adcode
    usually means the column was read as numbers with missing values), float-like text
    (``"440300.0"``), other lengths, booleans and other types. The code is not checked
    against the tables; :func:`city` and :func:`province` do that.

    Examples
    --------
    >>> normalise_code(440300), normalise_code(" 440300")
    ('440300', '440300')
    """
    if isinstance(x, (bool, np.bool_)):
        raise DataError(f"Adcode {x!r} is a boolean; expected a 6-digit code such as '440300'.")
    if isinstance(x, Integral):
        number = int(x)
        if not 100000 <= number <= 999999:
            raise DataError(
                f"Adcode {number} is not a 6-digit code; expected six digits such as 440300 "
                "(pass codes with leading zeros as strings)."
            )
        return str(number)
    if isinstance(x, (float, np.floating)):
        hint = ""
        if np.isfinite(x) and float(x).is_integer() and 100000 <= x <= 999999:
            hint = f" Pass {int(x)} or '{int(x)}'."
        raise DataError(
            f"Adcode {x!r} is a float; adcodes are 6-digit codes, never floats. A float usually "
            "means the column was read as numbers with missing values: read it as text, e.g. "
            f"pd.read_csv(..., dtype={{'adcode': str}}).{hint}"
        )
    if isinstance(x, str):
        text = x.strip()
        if re.fullmatch(_CODE_RE, text):
            return text
        if re.fullmatch(r"[0-9]{6}\.0+", text):
            raise DataError(
                f"Adcode {x!r} looks like a float written as text; pass {text.split('.')[0]!r} "
                "(read code columns as text, e.g. pd.read_csv(..., dtype={'adcode': str}))."
            )
        raise DataError(
            f"Adcode {x!r} is not a 6-digit code; expected six digits such as '440300'."
        )
    raise DataError(
        f"Adcode must be an int or a 6-digit string; got {type(x).__name__} {x!r}."
    )


def _normalise_codes(codes: Iterable[object], owner: str) -> pd.Index:
    """Vectorised :func:`normalise_code` for a collection; one error lists every bad entry."""
    if isinstance(codes, (str, bytes)) or not isinstance(codes, Iterable):
        raise DataError(
            f"{owner}: 'codes' must be a collection of adcodes (list, Series, Index); "
            f"got {type(codes).__name__} {codes!r}."
        )
    # str() of an int is its digits; of a float '440300.0', of a bool 'True', of NA '<NA>':
    # only the first passes the 6-digit pattern, as in normalise_code.
    values = pd.Series(list(codes), dtype=object)
    text = values.astype(str).str.strip()
    ok = text.str.fullmatch(_CODE_RE).to_numpy(dtype=bool)
    if not ok.all():
        bad = ~ok
        shown = describe_rows(repr(v) for v in values.to_numpy()[bad])
        hint = ""
        if text.str.fullmatch(r"[0-9]{6}\.0+").to_numpy(dtype=bool)[bad].any():
            hint = (" Float codes usually mean the column was read as numbers: read it as text, "
                    "e.g. pd.read_csv(..., dtype={'adcode': str}).")
        raise DataError(
            f"{owner}: 'codes' has {bad.sum()} entr{'y' if bad.sum() == 1 else 'ies'} that are "
            f"not 6-digit adcodes, at position(s) {describe_rows(np.flatnonzero(bad))}: "
            f"{shown}.{hint}"
        )
    return pd.Index(text.to_numpy(dtype=object), dtype="string", name="adcode")


# --------------------------------------------------------------------------- lookups


def _join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _key_codes(key: object, keys: _Keys, what: str) -> tuple[tuple[str, ...] | None, str, bool]:
    """Resolve ``key`` to candidate codes.

    Returns ``(codes or None, normalised key, is_code)``.
    """
    if isinstance(key, (bool, np.bool_)):
        raise DataError(f"{what.capitalize()} key {key!r} is a boolean; pass an adcode or a name.")
    if isinstance(key, (Integral, float, np.floating)) or (
        isinstance(key, str) and key.strip().isascii() and key.strip().replace(".", "").isdigit()
    ):
        code = normalise_code(key)
        return ((code,) if code in keys.by_code else None), code, True
    if not isinstance(key, str):
        raise DataError(
            f"{what.capitalize()} key must be an adcode or a name; "
            f"got {type(key).__name__} {key!r}."
        )
    if _cjk(key):
        norm = _text_key(key)
        return keys.text.get(norm), norm, False
    norm = _latin_key(key)
    if not norm:
        raise DataError(f"{what.capitalize()} key {key!r} is empty; pass an adcode or a name.")
    return keys.latin.get(norm), norm, False


def _suggestions(key: str, keys: _Keys) -> str:
    """``"did you mean 深圳 (440300)?"`` from difflib matches of the normalised key."""
    # Chinese keys are 2-4 characters, so one wrong character already halves the ratio.
    if _cjk(key):
        pool, query, label, cutoff = keys.text, _text_key(key), keys.text_label, 0.5
    else:
        pool, query, label, cutoff = keys.latin, _latin_key(key), keys.latin_label, 0.6
    codes: list[str] = []
    for match in difflib.get_close_matches(query, list(pool), n=10, cutoff=cutoff):
        codes.extend(c for c in pool[match] if c not in codes)
    if not codes:
        return ""
    return "did you mean " + _join_or([f"{label[c]} ({c})" for c in codes[:3]]) + "?"


def _unknown_city(key: object, norm: str, is_code: bool) -> DataError:
    ckeys, pkeys = _city_keys(), _province_keys()
    if is_code:
        prov = pkeys.by_code.get(norm)
        if prov is not None:
            return DataError(
                f"Unknown city code '{norm}': it is the code of the province {prov.name}; "
                f"use province('{norm}'), or members(province='{norm}') for its cities."
            )
        for parent in (norm[:4] + "00", norm[:2] + "0000"):
            if parent in ckeys.by_code:
                c = ckeys.by_code[parent]
                return DataError(
                    f"Unknown city code '{norm}': no city-level unit has this code; if it is a "
                    f"district or county of {c.name}, pass that city's code '{parent}'."
                )
        prov = pkeys.by_code.get(norm[:2] + "0000")
        where = f" (its first two digits are those of {prov.name})" if prov else ""
        return DataError(
            f"Unknown city code '{norm}': no city-level unit has this code{where}; the table "
            "follows the MCA list as of 2024-12-31."
        )
    pcodes, _, _ = _key_codes(key, pkeys, "province")
    if pcodes:
        prov = pkeys.by_code[pcodes[0]]
        return DataError(
            f"Unknown city {key!r}: it names the province {prov.name} ({prov.adcode}); use "
            f"province({key!r}), or members(province={key!r}) for its cities."
        )
    hint = _suggestions(key, ckeys)
    if hint:
        return DataError(f"Unknown city {key!r}: {hint}")
    return DataError(
        f"Unknown city {key!r}: no city has a similar name; look cities up by adcode, full or "
        "short Chinese name, or English name / pinyin (see dtindex.regions.cities())."
    )


def _lookup_province(key: object) -> Province:
    pkeys, ckeys = _province_keys(), _city_keys()
    codes, norm, is_code = _key_codes(key, pkeys, "province")
    if codes and len(codes) == 1:
        return pkeys.by_code[codes[0]]
    if codes:
        listed = _join_or([f"{pkeys.by_code[c].name} ({c})" for c in codes])
        raise DataError(f"Ambiguous province {key!r}: it matches {listed}; pass the adcode.")
    if is_code:
        c = ckeys.by_code.get(norm)
        if c is not None:
            raise DataError(
                f"Unknown province code '{norm}': it is the code of the city {c.name}, which is "
                f"in {c.province} ({c.province_adcode})."
            )
        raise DataError(
            f"Unknown province code '{norm}': province-level codes are the 31 codes of "
            "provinces() (e.g. '440000')."
        )
    ccodes, _, _ = _key_codes(key, ckeys, "city")
    if ccodes and len(ccodes) == 1:
        c = ckeys.by_code[ccodes[0]]
        raise DataError(
            f"Unknown province {key!r}: it names the city {c.name} ({c.adcode}) in "
            f"{c.province} ({c.province_adcode}); use city({key!r})."
        )
    hint = _suggestions(key, pkeys)
    if hint:
        raise DataError(f"Unknown province {key!r}: {hint}")
    raise DataError(
        f"Unknown province {key!r}: no province has a similar name; look provinces up by "
        "adcode, full or short Chinese name, or English name (see dtindex.regions.provinces())."
    )


def province(key: str | int) -> Province:
    """Look up a province-level unit.

    Parameters
    ----------
    key : str or int
        Adcode (``440000`` or ``"440000"``), full name (广东省), short name (广东) or English
        name, case-insensitive, spaces and hyphens ignored ("Inner Mongolia"; also "Xizang",
        "Neimenggu"). 吉林 and 海南 resolve to the provinces here (use :func:`city` for
        吉林市 and 海南藏族自治州).

    Returns
    -------
    Province

    Raises
    ------
    DataError
        Unknown key (close matches suggested; a city name or code is pointed to :func:`city`).

    Examples
    --------
    >>> province("吉林").name, province("Hainan").adcode
    ('吉林省', '460000')
    """
    return _lookup_province(key)


def city(key: str | int, *, province: str | int | None = None) -> City:
    """Look up a city-level unit (municipality, prefecture-level or province-direct unit).

    Parameters
    ----------
    key : str or int
        One of: the adcode (``440300`` or ``"440300"``); the full Chinese name (深圳市);
        the short name (深圳; for 自治州 also ``<short>州``, e.g. 海南州); the English name
        or pinyin (Shenzhen), compared after case folding and dropping spaces, hyphens and
        apostrophes ("xian" and "Xi'an" both give 西安), with ü typed as u or v ("Luliang",
        "Lvliang"); for prefectures, leagues and autonomous units also the place part of the
        English name ("Enshi", "Aksu", "Hinggan"), and the alternative spellings Shigatse,
        Chamdo, Kashi, Aba, Kumul.
    province : str or int, optional
        A province key (as in :func:`province`) that the city must belong to; it narrows
        ambiguous English keys: ``city("Suzhou", province="Anhui")`` is 宿州.

    Returns
    -------
    City

    Raises
    ------
    DataError
        Unknown key (with up to three close matches, e.g.
        ``Unknown city '深证': did you mean 深圳 (440300)?``); a key naming a province
        (吉林省, 广东); an ambiguous key (the pinyin pairs Suzhou 苏州/宿州, Taizhou 泰州/台州,
        Fuzhou 福州/抚州, Yichun 伊春/宜春, Yulin 榆林/玉林), listing the candidates; a city
        outside ``province``.

    Notes
    -----
    This is a city lookup, so a short name shared with a province resolves to the city:
    ``city("吉林")`` is 吉林市 (220200) and ``city("海南")`` / ``city("Hainan")`` is
    海南藏族自治州 (632500), never 吉林省 / 海南省 (use :func:`province` for those).
    Municipalities are cities too: ``city("北京")`` is 110000.

    Examples
    --------
    >>> city(440300).name, city("xian").adcode, city("Lvliang").name
    ('深圳市', '610100', '吕梁市')
    """
    keys = _city_keys()
    codes, norm, is_code = _key_codes(key, keys, "city")
    if not codes:
        raise _unknown_city(key, norm, is_code)
    if province is not None:
        prov = _lookup_province(province)
        inside = tuple(c for c in codes if keys.by_code[c].province_adcode == prov.adcode)
        if not inside:
            found = _join_or([f"{keys.by_code[c].name} ({c}, {keys.by_code[c].province})"
                              for c in codes])
            raise DataError(f"City {key!r} is not in {prov.name}: it matches {found}.")
        codes = inside
    if len(codes) > 1:
        listed = [f"{keys.by_code[c].name} ({c}, {keys.by_code[c].province})" for c in codes]
        listed_text = ", ".join(listed[:-1]) + " and " + listed[-1]
        raise DataError(
            f"Ambiguous city {key!r}: it matches {listed_text}; pass the adcode or the Chinese "
            "name, or narrow with province=..."
        )
    return keys.by_code[codes[0]]


# --------------------------------------------------------------------------- groups


def _tier_list(owner: str, tier_list: object) -> str:
    """Validate a tier-list choice; the ints 2023 / 2025 are accepted for the strings."""
    text = tier_list
    if isinstance(tier_list, Integral) and not isinstance(tier_list, (bool, np.bool_)):
        text = str(int(tier_list))
    if text not in TIER_LISTS:
        raise param_error(owner, "tier_list", TIER_LISTS, tier_list)
    return str(text)


@lru_cache(maxsize=None)
def _filled_tiers(year: str) -> tuple[str, ...]:
    """Tiers that occur in the column of tier list ``year`` (2023: only the top three)."""
    present = set(_cities_table()[_TIER_COLUMN[year]].dropna())
    return tuple(t for t in TIERS if t in present)


def _group_key(text: str) -> str:
    """Key for tier / cluster / region names: NFKC, case folded, punctuation and spaces dropped."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=None)
def _group_aliases() -> dict[str, dict[str, str]]:
    ordinal = ("first", "newfirst", "second", "third", "fourth", "fifth")
    tiers: dict[str, str] = {}
    for (zh, en), slug, word in zip(TIERS.items(), _TIER_SLUGS.values(), ordinal, strict=True):
        for alias in (zh, en, slug, f"{word}tier"):
            tiers[_group_key(alias)] = zh
    clusters: dict[str, str] = {}
    for zh, en in CLUSTERS.items():
        for alias in (zh, en, *_CLUSTER_ALIASES[zh]):
            clusters[_group_key(alias)] = zh
    regions: dict[str, str] = {}
    for zh, en in REGIONS.items():
        for alias in (zh, en, *_REGION_ALIASES[zh]):
            regions[_group_key(alias)] = zh
    return {"tier": tiers, "cluster": clusters, "region": regions}


def _resolve_group(owner: str, kind: str, value: object) -> str:
    canon = {"tier": TIERS, "cluster": CLUSTERS, "region": REGIONS}[kind]
    if isinstance(value, str):
        key = _group_key(value)
        if kind == "cluster":
            key = re.sub(r"(城市群|cityclusters?|urbanagglomeration|cluster)$", "", key)
        hit = _group_aliases()[kind].get(key)
        if hit is not None:
            return hit
    raise param_error(owner, kind, [*canon, *canon.values()], value)


def _as_list(value: object) -> list[object]:
    if isinstance(value, (str, bytes, Integral)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def members_frame(
    *,
    province: str | int | Iterable[str | int] | None = None,
    tier: str | Iterable[str] | None = None,
    cluster: str | Iterable[str] | None = None,
    region: str | Iterable[str] | None = None,
    level: str | Iterable[str] | None = None,
    tier_list: str = "2025",
    include_partial: bool = True,
    all_memberships: bool = False,
) -> pd.DataFrame:
    """Rows of :func:`cities` that satisfy every given filter (logical AND; OR within a list).

    Parameters
    ----------
    province : key or list of keys, optional
        Province keys as accepted by :func:`province` (广东, 440000, "Guangdong").
    tier : str or list of str, optional
        一线 / 新一线 / 二线 / 三线 / 四线 / 五线, or the English aliases of :data:`TIERS`
        ("tier1", "new-tier1", "tier2" ... "tier5", "First tier", "new-first-tier").
    cluster : str or list of str, optional
        Chinese name (珠三角) or English name / alias of :data:`CLUSTERS` ("Pearl River Delta",
        "PRD", "BTH", "YRD", "Chengdu-Chongqing", ...); a trailing 城市群 / "city cluster" is
        ignored.
    region : str or list of str, optional
        NBS region: 东部 / 中部 / 西部 / 东北 or Eastern / Central / Western / Northeast.
    level : str or list of str, optional
        ``"municipality"``, ``"prefecture"`` or ``"county_direct"``.
    tier_list : {"2025", "2023"}
        Which Yicai list ``tier`` refers to. The 2023 column only has 一线 / 新一线 / 二线;
        asking it for 三线-五线 raises DataError instead of returning an empty (wrong) set.
    include_partial : bool
        With ``cluster``: False drops units that the cluster plan covers only in part.
        No effect without ``cluster``.
    all_memberships : bool
        With ``cluster``: False tests the primary ``cluster`` column, True every membership in
        ``clusters_all`` (邯郸 is then in both 京津冀 and 中原). No effect without ``cluster``.

    Returns
    -------
    pandas.DataFrame
        Copy of the matching rows in table order (ascending adcode), fresh RangeIndex.

    Examples
    --------
    >>> list(members_frame(cluster="PRD", tier=["一线", "new-tier1"])["short_name"])
    ['广州', '深圳', '佛山', '东莞']
    """
    owner = "members"
    table = _cities_table()
    mask = np.ones(len(table), dtype=bool)
    if province is not None:
        codes = [_lookup_province(p).adcode for p in _as_list(province)]
        mask &= table["province_adcode"].isin(codes).to_numpy(dtype=bool)
    if region is not None:
        wanted = [_resolve_group(owner, "region", r) for r in _as_list(region)]
        provs = _provinces_table()
        codes = provs.loc[provs["region"].isin(wanted), "adcode"]
        mask &= table["province_adcode"].isin(codes).to_numpy(dtype=bool)
    if level is not None:
        levels = _as_list(level)
        for lv in levels:
            check_choice(owner, "level", lv, LEVELS)
        mask &= table["level"].isin(levels).to_numpy(dtype=bool)
    year = _tier_list(owner, tier_list)
    if tier is not None:
        tiers = [_resolve_group(owner, "tier", t) for t in _as_list(tier)]
        column = table[_TIER_COLUMN[year]]
        absent = [t for t in tiers if t not in _filled_tiers(year)]
        if absent:
            filled = " / ".join(_filled_tiers(year))
            raise DataError(
                f"members: tier {', '.join(absent)} is not available in the {year} list: the "
                f"'{_TIER_COLUMN[year]}' column only has {filled} (the Yicai {year} 三线-五线 "
                "lists could not be sourced; see 'Tier caveat' in dtindex/data/regions/"
                "README.md). Use tier_list='2025' for the complete classification."
            )
        mask &= column.isin(tiers).to_numpy(dtype=bool)
    if cluster is not None:
        names = [_resolve_group(owner, "cluster", c) for c in _as_list(cluster)]
        if all_memberships:
            m = _memberships()
            keep = m["cluster"].isin(names).to_numpy(dtype=bool)
            if not include_partial:
                keep = keep & ~m["partial"].to_numpy(dtype=bool)
            mask &= table["adcode"].isin(m.loc[keep, "adcode"]).to_numpy(dtype=bool)
        else:
            inside = table["cluster"].isin(names).to_numpy(dtype=bool)
            if not include_partial:
                inside = inside & ~table["cluster_partial"].fillna(True).to_numpy(dtype=bool)
            mask &= inside
    return table.loc[mask].reset_index(drop=True)


def members(
    *,
    province: str | int | Iterable[str | int] | None = None,
    tier: str | Iterable[str] | None = None,
    cluster: str | Iterable[str] | None = None,
    region: str | Iterable[str] | None = None,
    level: str | Iterable[str] | None = None,
    tier_list: str = "2025",
    include_partial: bool = True,
    all_memberships: bool = False,
) -> list[City]:
    """Cities that satisfy every given filter, as :class:`City` records in adcode order.

    Same parameters as :func:`members_frame` (which returns the table rows instead). With no
    filter, all 369 units.

    Examples
    --------
    >>> [c.short_name for c in members(cluster="中原", province="河北", all_memberships=True)]
    ['邯郸', '邢台']
    """
    frame = members_frame(
        province=province, tier=tier, cluster=cluster, region=region, level=level,
        tier_list=tier_list, include_partial=include_partial, all_memberships=all_memberships,
    )
    by_code = _city_keys().by_code
    return [by_code[c] for c in frame["adcode"]]


@lru_cache(maxsize=None)
def _labels() -> pd.DataFrame:
    """One label column per (kind, tier_list, lang), indexed by adcode."""
    table = _cities_table()
    provs = _provinces_table().set_index("adcode")
    prov_code = table["province_adcode"]
    region = prov_code.map(provs["region"]).astype("string")
    cols = {
        "province:zh": prov_code.map(provs["short_name"]),
        "province:en": prov_code.map(provs["name_en"]),
        "region:zh": region,
        "region:en": region.map(REGIONS),
        "cluster:zh": table["cluster"],
        "cluster:en": table["cluster"].map(CLUSTERS),
    }
    for year, column in _TIER_COLUMN.items():
        cols[f"tier{year}:zh"] = table[column]
        cols[f"tier{year}:en"] = table[column].map(TIERS)
    frame = pd.DataFrame({k: v.astype("string").to_numpy() for k, v in cols.items()},
                         index=pd.Index(table["adcode"], name="adcode"))
    return frame.astype("string")


def group_map(
    kind: str,
    *,
    codes: Iterable[str | int] | None = None,
    tier_list: str = "2025",
    lang: str = "zh",
) -> pd.Series:
    """Map city adcodes to a group label, for rolling index scores up by group.

    ``label(code) = L_kind(row(code))`` where ``L_kind`` reads the province short name (广东 /
    Guangdong), the NBS region (东部 / Eastern), the tier of the chosen list (二线 / Second
    tier) or the primary cluster (珠三角 / Pearl River Delta).

    Parameters
    ----------
    kind : {"province", "tier", "cluster", "region"}
    codes : iterable of adcodes, optional
        Codes to map, in the order wanted (ints and 6-digit strings, as in
        :func:`normalise_code`; duplicates kept). Default: all 369 units in table order.
    tier_list : {"2025", "2023"}
        For ``kind="tier"``. ``"2023"`` leaves everything below 二线 as NA and warns
        (:class:`~dtindex.errors.DtindexWarning`).
    lang : {"zh", "en"}
        Chinese labels or the English names of :data:`TIERS`, :data:`CLUSTERS`,
        :data:`REGIONS` and ``provinces().name_en``.

    Returns
    -------
    pandas.Series
        ``string`` dtype, index ``adcode`` (string), name ``kind``. NA where the unit has no
        group: units in no cluster (196 of 369), county_direct units for tiers, and units
        below 二线 in the 2023 list. Only the primary ``cluster`` is used, so each unit counts
        in one cluster; use ``members(cluster=..., all_memberships=True)`` for overlaps.

    Raises
    ------
    DataError
        Entries of ``codes`` that are not 6-digit codes or not in the city table (all listed).

    Examples
    --------
    >>> group_map("cluster", codes=["440300", 130400, "610100"], lang="en").tolist()
    ['Pearl River Delta', 'Beijing-Tianjin-Hebei', 'Guanzhong Plain']
    """
    owner = "group_map"
    check_choice(owner, "kind", kind, ("province", "tier", "cluster", "region"))
    check_choice(owner, "lang", lang, ("zh", "en"))
    year = _tier_list(owner, tier_list)
    labels = _labels()
    column = f"{'tier' + year if kind == 'tier' else kind}:{lang}"
    if kind == "tier" and year == "2023":
        table = _cities_table()
        blank = int((table["tier"].isna() & table["tier_2025"].notna()).sum())
        if blank:
            warnings.warn(
                f"group_map: the 2023 tier list only has {' / '.join(_filled_tiers(year))} "
                f"filled; {blank} classified units get NA. Use tier_list='2025' for a complete "
                "classification.",
                DtindexWarning,
                stacklevel=2,
            )
    series = labels[column]
    if codes is not None:
        wanted = _normalise_codes(codes, owner)
        unknown = wanted[~wanted.isin(labels.index)]
        if len(unknown):
            raise DataError(
                f"group_map: {len(unknown)} code(s) are not in the city table: "
                f"{describe_rows(unknown.unique())}. Expected city-level adcodes (municipality, "
                "prefecture-level or province-direct county-level unit; MCA list as of "
                "2024-12-31); province, district and county codes are not city-level."
            )
        series = series.reindex(wanted)
    return series.rename(kind).rename_axis("adcode")
