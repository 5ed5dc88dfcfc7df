"""Reference tables: constants, records, loading and validation of the package CSVs."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from numbers import Integral

import numpy as np
import pandas as pd

from dtindex.errors import DataError, describe_rows, param_error

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

def _tier_list(owner: str, tier_list: object) -> str:
    """Validate a tier-list choice; the ints 2023 / 2025 are accepted for the strings."""
    text = tier_list
    if isinstance(tier_list, Integral) and not isinstance(tier_list, (bool, np.bool_)):
        text = str(int(tier_list))
    if text not in TIER_LISTS:
        raise param_error(owner, "tier_list", TIER_LISTS, tier_list)
    return str(text)
