"""Members of provinces, tiers and clusters, and unit -> group maps for roll-ups."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable
from functools import lru_cache
from numbers import Integral

import numpy as np
import pandas as pd

from dtindex.errors import (
    DataError,
    DtindexWarning,
    check_choice,
    describe_rows,
    param_error,
)

from .lookup import _city_keys, _lookup_province, _normalise_codes
from .tables import (
    _CLUSTER_ALIASES,
    _REGION_ALIASES,
    _TIER_COLUMN,
    _TIER_SLUGS,
    CLUSTERS,
    LEVELS,
    REGIONS,
    TIERS,
    City,
    _cities_table,
    _memberships,
    _provinces_table,
    _tier_list,
)

# --------------------------------------------------------------------------- groups




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
