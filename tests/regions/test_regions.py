"""Tests of dtindex.regions: the packaged city / province tables and their lookup API.

Expected counts are those stated in the data README (src/dtindex/data/regions/README.md,
"Counts" section and the cluster table), which was written independently of this module.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtindex import regions as rg
from dtindex.regions import lookup as rg_lookup
from dtindex.regions import tables as rg_tables
from dtindex.errors import DataError, DtindexWarning, SpecError

REFERENCE = Path("/work/shared/reference/regions")

# README "Counts": rows per province.
PROVINCE_ROWS = {
    "新疆": 26, "广东": 21, "四川": 21, "海南": 19, "河南": 18, "湖北": 17, "安徽": 16, "山东": 16,
    "云南": 16, "辽宁": 14, "湖南": 14, "广西": 14, "甘肃": 14, "黑龙江": 13, "江苏": 13,
    "内蒙古": 12, "河北": 11, "山西": 11, "浙江": 11, "江西": 11, "陕西": 10, "吉林": 9,
    "福建": 9, "贵州": 9, "青海": 8, "西藏": 7, "宁夏": 5, "北京": 1, "天津": 1, "上海": 1,
    "重庆": 1,
}
PRIMARY_CLUSTER_ROWS = {
    "珠三角": 9, "京津冀": 13, "长三角": 27, "成渝": 16, "呼包鄂榆": 4, "关中平原": 10,
    "长江中游": 31, "哈长": 11, "中原": 28, "兰西": 9, "北部湾": 15,
}
ALL_CLUSTER_ROWS = {**PRIMARY_CLUSTER_ROWS, "关中平原": 11, "中原": 30}
# README: 17 partial memberships (成渝 4, 关中平原 5, 长江中游 2, 兰西 6).
PARTIAL_MEMBERSHIPS = {"成渝": 4, "关中平原": 5, "长江中游": 2, "兰西": 6}
# Pinyin names shared by two cities.
AMBIGUOUS_EN = {
    "Suzhou": {"320500", "341300"}, "Taizhou": {"321200", "331000"},
    "Fuzhou": {"350100", "361000"}, "Yichun": {"230700", "360900"},
    "Yulin": {"450900", "610800"},
}


def short_names(cities: list[rg.City]) -> list[str]:
    return [c.short_name for c in cities]


# --------------------------------------------------------------------------- tables


def test_table_sizes_and_levels():
    t = rg.cities()
    assert len(t) == 369
    assert len(rg.provinces()) == 31
    assert t["level"].value_counts().to_dict() == {
        "prefecture": 333, "county_direct": 32, "municipality": 4}
    assert tuple(t.columns) == (
        "adcode", "name", "short_name", "name_en", "province_adcode", "province", "level",
        "tier", "tier_2025", "cluster", "cluster_partial", "clusters_all", "lat", "lon")


def test_adcodes_are_unique_six_character_strings():
    t = rg.cities()
    for frame in (t, rg.provinces()):
        codes = frame["adcode"]
        assert isinstance(codes.dtype, pd.StringDtype)
        assert codes.str.fullmatch(r"[0-9]{6}").all()
        assert codes.is_unique
    assert t["province_adcode"].str.fullmatch(r"[0-9]{2}0000").all()
    assert t["adcode"].iloc[0] == "110000"
    assert t.loc[t["name"] == "济源市", "adcode"].item() == "419001"


def test_column_dtypes():
    t = rg.cities()
    assert str(t["cluster_partial"].dtype) == "boolean"
    assert t["cluster_partial"].isna().sum() == 196
    assert t["cluster_partial"].sum() == 16
    assert t["lat"].dtype == np.float64 and t["lon"].dtype == np.float64
    assert t["lat"].notna().sum() == 364  # README: coordinates for 364 of 369 rows
    shenzhen = t.set_index("adcode").loc["440300"]
    assert (shenzhen["lat"], shenzhen["lon"]) == (22.5463, 114.0528)


def test_cities_returns_a_copy():
    t = rg.cities()
    t.loc[0, "name"] = "changed"
    assert rg.cities().loc[0, "name"] == "北京市"
    assert rg.city("110000").name == "北京市"


def test_rows_per_province_match_readme():
    counts = rg.group_map("province").value_counts().to_dict()
    assert counts == PROVINCE_ROWS


def test_region_division():
    counts = rg.provinces()["region"].value_counts().to_dict()
    assert counts == {"东部": 10, "中部": 6, "西部": 12, "东北": 3}
    assert len(rg.members(region="东北")) == 14 + 9 + 13
    assert len(rg.members(region=["Eastern", "中部"])) == len(rg.members()) - len(
        rg.members(region=["西部", "northeast"]))


def test_tier_counts_2025_and_2023():
    t = rg.cities()
    assert t["tier_2025"].value_counts().reindex(list(rg.TIERS)).tolist() == [4, 15, 30, 70, 90, 128]
    assert t["tier"].value_counts().to_dict() == {"一线": 4, "新一线": 15, "二线": 30}
    assert t.loc[t["level"] == "county_direct", ["tier", "tier_2025"]].isna().all().all()


def test_cluster_counts_primary_and_all_memberships():
    assert {k: len(rg.members(cluster=k)) for k in rg.CLUSTERS} == PRIMARY_CLUSTER_ROWS
    assert {k: len(rg.members(cluster=k, all_memberships=True))
            for k in rg.CLUSTERS} == ALL_CLUSTER_ROWS
    partial = {k: len(rg.members(cluster=k, all_memberships=True))
               - len(rg.members(cluster=k, all_memberships=True, include_partial=False))
               for k in rg.CLUSTERS}
    assert {k: v for k, v in partial.items() if v} == PARTIAL_MEMBERSHIPS
    assert sum(PRIMARY_CLUSTER_ROWS.values()) == 173
    assert rg.group_map("cluster").isna().sum() == 196


def test_constants_order_and_names():
    assert list(rg.CLUSTERS) == list(PRIMARY_CLUSTER_ROWS)  # README order
    assert rg.CLUSTERS["珠三角"] == "Pearl River Delta"
    assert len(set(rg.CLUSTERS.values())) == 11
    assert list(rg.TIERS) == ["一线", "新一线", "二线", "三线", "四线", "五线"]
    assert list(rg.REGIONS) == ["东部", "中部", "西部", "东北"]


# --------------------------------------------------------------------------- city lookups


@pytest.mark.parametrize(
    "key", [440300, np.int64(440300), "440300", " 440300 ", "深圳市", "深圳", "Shenzhen",
            "shenzhen", " SHEN ZHEN "])
def test_shenzhen_by_every_kind_of_key(key):
    c = rg.city(key)
    assert c is rg.city("440300")  # one cached record per unit
    assert (c.adcode, c.name, c.name_en, c.province, c.province_short, c.region) == (
        "440300", "深圳市", "Shenzhen", "广东省", "广东", "东部")
    assert (c.tier, c.tier_2025, c.cluster, c.cluster_partial) == ("一线", "一线", "珠三角", False)


@pytest.mark.parametrize("key", ["xian", "Xi'an", "XI AN", "xi’an", "西安", "西安市", 610100])
def test_xian(key):
    assert rg.city(key).adcode == "610100"


@pytest.mark.parametrize("key", ["Lvliang", "Luliang", "Lüliang", "LÜLIANG", "lv liang", "吕梁"])
def test_lvliang(key):
    assert rg.city(key).name == "吕梁市"


def test_jilin_city_versus_province():
    assert rg.city("吉林").adcode == "220200"
    assert rg.city("Jilin").adcode == "220200"
    assert rg.city("吉林市").province == "吉林省"
    assert rg.province("吉林").adcode == "220000"
    assert rg.province("Jilin").adcode == "220000"
    with pytest.raises(DataError) as err:
        rg.city("吉林省")
    assert str(err.value) == (
        "Unknown city '吉林省': it names the province 吉林省 (220000); use province('吉林省'), "
        "or members(province='吉林省') for its cities.")


def test_hainan_resolves_to_the_prefecture_in_city_lookup():
    # 海南 is the short name of 海南省 and of 海南藏族自治州: city() means the city.
    for key in ("海南", "Hainan", "海南州", "海南藏族自治州", 632500):
        c = rg.city(key)
        assert (c.adcode, c.province) == ("632500", "青海省")
    assert rg.province("海南").adcode == "460000"
    assert rg.province("Hainan").name == "海南省"
    with pytest.raises(DataError, match=r"^Unknown city '海南省': it names the province 海南省"):
        rg.city("海南省")


def test_english_stems_and_alternative_spellings():
    assert rg.city("Enshi").adcode == "422800"
    assert rg.city("Hinggan").name == "兴安盟"
    assert rg.city("Da Hinggan Ling").name == "大兴安岭地区"
    assert rg.city("Shennongjia").adcode == "429021"
    assert rg.city("Shigatse").name == "日喀则市"
    assert rg.city("Kashi").name == "喀什地区"
    assert rg.city("延边州").name == "延边朝鲜族自治州"
    assert rg.province("Xizang").name == "西藏自治区"
    assert rg.province("inner mongolia").adcode == "150000"
    assert rg.province("Shanxi").name == "山西省" and rg.province("Shaanxi").name == "陕西省"


def test_every_unit_round_trips_through_its_keys():
    t = rg.cities()
    for code, name, short, name_en in t[["adcode", "name", "short_name", "name_en"]].itertuples(
            index=False):
        c = rg.city(code)
        assert c.adcode == code
        assert rg.city(int(code)) is c and rg.city(name) is c and rg.city(short) is c
        if not any(code in pair for pair in AMBIGUOUS_EN.values()):
            assert rg.city(name_en) is c
    for row in rg.provinces().itertuples(index=False):
        p = rg.province(row.adcode)
        assert rg.province(row.name) is p and rg.province(row.short_name) is p
        assert rg.province(row.name_en) is p and rg.province(int(row.adcode)) is p


def test_ambiguous_pinyin_names_list_candidates():
    with pytest.raises(DataError) as err:
        rg.city("Suzhou")
    assert str(err.value) == (
        "Ambiguous city 'Suzhou': it matches 苏州市 (320500, 江苏省) and 宿州市 (341300, 安徽省); "
        "pass the adcode or the Chinese name, or narrow with province=...")
    for key, codes in AMBIGUOUS_EN.items():
        with pytest.raises(DataError, match=f"^Ambiguous city '{key}'"):
            rg.city(key)
        resolved = {rg.city(key, province=rg.city(c).province).adcode for c in codes}
        assert resolved == codes
    assert rg.city("Suzhou", province="Anhui").name == "宿州市"
    with pytest.raises(DataError) as err:
        rg.city("苏州", province="安徽")
    assert str(err.value) == "City '苏州' is not in 安徽省: it matches 苏州市 (320500, 江苏省)."


def test_unknown_city_messages():
    cases = {
        "深证": "Unknown city '深证': did you mean 深圳 (440300)?",
        "Shenzen": "Unknown city 'Shenzen': did you mean Shenzhen (440300), Heze (371700) or "
                   "Shenyang (210100)?",
        "广东": "Unknown city '广东': it names the province 广东省 (440000); use province('广东'), "
                "or members(province='广东') for its cities.",
        440000: "Unknown city code '440000': it is the code of the province 广东省; use "
                "province('440000'), or members(province='440000') for its cities.",
        "440304": "Unknown city code '440304': no city-level unit has this code; if it is a "
                  "district or county of 深圳市, pass that city's code '440300'.",
        110105: "Unknown city code '110105': no city-level unit has this code; if it is a "
                "district or county of 北京市, pass that city's code '110000'.",
        419099: "Unknown city code '419099': no city-level unit has this code (its first two "
                "digits are those of 河南省); the table follows the MCA list as of 2024-12-31.",
        "qqqqq": "Unknown city 'qqqqq': no city has a similar name; look cities up by adcode, "
                 "full or short Chinese name, or English name / pinyin (see "
                 "dtindex.regions.cities()).",
    }
    for key, message in cases.items():
        with pytest.raises(DataError) as err:
            rg.city(key)
        assert str(err.value) == message
    assert issubclass(DataError, ValueError)


@pytest.mark.parametrize("key", [440300.0, "440300.0", "4403", True, None, ["440300"], "", "'"])
def test_malformed_city_keys_raise_data_error(key):
    with pytest.raises(DataError):
        rg.city(key)


def test_unknown_province_messages():
    cases = {
        "深圳": "Unknown province '深圳': it names the city 深圳市 (440300) in 广东省 (440000); "
                "use city('深圳').",
        440300: "Unknown province code '440300': it is the code of the city 深圳市, which is in "
                "广东省 (440000).",
        "广栋": "Unknown province '广栋': did you mean 广西 (450000) or 广东 (440000)?",
        "990000": "Unknown province code '990000': province-level codes are the 31 codes of "
                  "provinces() (e.g. '440000').",
    }
    for key, message in cases.items():
        with pytest.raises(DataError) as err:
            rg.province(key)
        assert str(err.value) == message


def test_city_records():
    handan = rg.city("邯郸")
    assert (handan.cluster, handan.clusters_all, handan.partial_clusters) == (
        "京津冀", ("京津冀", "中原"), ())
    yuncheng = rg.city("运城")
    assert (yuncheng.cluster, yuncheng.cluster_partial) == ("中原", False)
    assert yuncheng.clusters_all == ("关中平原", "中原")
    assert yuncheng.partial_clusters == ("关中平原",)
    chongqing = rg.city("Chongqing")
    assert (chongqing.level, chongqing.cluster, chongqing.cluster_partial) == (
        "municipality", "成渝", True)
    shuanghe = rg.city("双河")
    assert (shuanghe.lat, shuanghe.lon, shuanghe.tier_2025, shuanghe.cluster) == (
        None, None, None, None)
    assert shuanghe.clusters_all == () and shuanghe.cluster_partial is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        handan.name = "x"  # type: ignore[misc]


def test_tier_for_and_2023_vs_2025_differences():
    # README: 昆明 新一线 -> 二线; 佛山 二线 -> 新一线; 中山 二线 -> 三线; 洛阳 (below 二线) -> 二线.
    expected = {"昆明": ("新一线", "二线"), "佛山": ("二线", "新一线"), "中山": ("二线", "三线"),
                "洛阳": (None, "二线")}
    for key, (y2023, y2025) in expected.items():
        c = rg.city(key)
        assert (c.tier_for("2023"), c.tier_for("2025"), c.tier_for(2025)) == (y2023, y2025, y2025)
    top23 = set(short_names(rg.members(tier=["一线", "新一线", "二线"], tier_list="2023")))
    top25 = set(short_names(rg.members(tier=["一线", "新一线", "二线"])))
    assert (top23 - top25, top25 - top23) == ({"中山"}, {"洛阳"})
    with pytest.raises(SpecError) as err:
        rg.city("深圳").tier_for(2024)
    assert str(err.value) == (
        "The 'tier_list' parameter of City.tier_for must be one of '2023', '2025'; got 2024.")


# --------------------------------------------------------------------------- members


def test_tier_aliases():
    first = short_names(rg.members(tier="一线"))
    assert first == ["北京", "上海", "广州", "深圳"]
    for alias in ("tier1", "Tier 1", "First tier", "first-tier", "FIRST_TIER"):
        assert short_names(rg.members(tier=alias)) == first
    assert len(rg.members(tier="new-tier1")) == 15
    assert len(rg.members(tier="New first tier")) == 15
    assert [len(rg.members(tier=f"tier{k}")) for k in range(2, 6)] == [30, 70, 90, 128]
    with pytest.raises(SpecError, match=r"^The 'tier' parameter of members must be one of "
                                        r"'一线', .*; got 'tier7'\.$"):
        rg.members(tier="tier7")


def test_2023_list_lower_tiers_refused():
    assert len(rg.members(tier="二线", tier_list="2023")) == 30
    with pytest.raises(DataError) as err:
        rg.members(tier="三线", tier_list="2023")
    assert str(err.value) == (
        "members: tier 三线 is not available in the 2023 list: the 'tier' column only has "
        "一线 / 新一线 / 二线 (the Yicai 2023 三线-五线 lists could not be sourced; see 'Tier "
        "caveat' in dtindex/data/regions/README.md). Use tier_list='2025' for the complete "
        "classification.")
    with pytest.raises(DataError, match="tier 四线, 五线 is not available"):
        rg.members(tier=["一线", "tier4", "tier5"], tier_list=2023)
    with pytest.raises(SpecError, match="'tier_list' parameter of members"):
        rg.members(tier="一线", tier_list="2024")


def test_cluster_aliases():
    prd = short_names(rg.members(cluster="珠三角"))
    # README cluster table: 广州 深圳 珠海 佛山 江门 肇庆 惠州 东莞 中山 (adcode order here).
    assert prd == ["广州", "深圳", "珠海", "佛山", "江门", "肇庆", "惠州", "东莞", "中山"]
    for alias in ("Pearl River Delta", "PRD", "prd", "珠三角城市群", "珠江三角洲",
                  "pearl river delta city cluster"):
        assert short_names(rg.members(cluster=alias)) == prd
    for zh, en in rg.CLUSTERS.items():
        assert short_names(rg.members(cluster=en)) == short_names(rg.members(cluster=zh))
    assert len(rg.members(cluster="BTH")) == 13
    assert len(rg.members(cluster="Yangtze River Delta")) == 27
    assert len(rg.members(cluster="Chengdu-Chongqing")) == 16
    with pytest.raises(SpecError, match=r"^The 'cluster' parameter of members .*; got 'GBA'\.$"):
        rg.members(cluster="GBA")


def test_all_memberships_and_partial():
    assert short_names(rg.members(cluster="中原", province="河北", all_memberships=True)) == [
        "邯郸", "邢台"]
    assert rg.members(cluster="中原", province="河北") == []
    handan = rg.city("邯郸")
    assert handan in rg.members(cluster="京津冀") and handan in rg.members(
        cluster="中原", all_memberships=True)
    guanzhong = short_names(rg.members(cluster="关中平原", all_memberships=True,
                                       include_partial=False))
    assert guanzhong == ["西安", "铜川", "宝鸡", "咸阳", "渭南", "天水"]
    assert short_names(rg.members(cluster="关中平原", include_partial=False)) == guanzhong
    # Primary assignment: 成渝 partial = 重庆 绵阳 达州 雅安.
    cy = rg.members(cluster="成渝")
    assert sorted(c.short_name for c in cy if c.cluster_partial) == sorted(
        ["重庆", "绵阳", "达州", "雅安"])


def test_filters_combine_and_agree_with_readme_lists():
    bth = {c.adcode for c in rg.members(cluster="京津冀")}
    assert bth == {c.adcode for c in rg.members(province=["北京", "天津", "河北"])}
    assert len(rg.members(province="河北")) == 11
    assert len(rg.members(province=440000)) == 21
    counties = rg.members(level="county_direct")
    assert len(counties) == 32 and all(c.tier_2025 is None for c in counties)
    assert len(rg.members(province="海南", level=["prefecture"])) == 4
    assert len(rg.members()) == 369
    assert short_names(rg.members(cluster="PRD", tier=["一线", "new-tier1"])) == [
        "广州", "深圳", "佛山", "东莞"]
    with pytest.raises(SpecError, match="'level' parameter of members"):
        rg.members(level="city")
    with pytest.raises(DataError, match="^Unknown province 'Atlantis'"):
        rg.members(province="Atlantis")


def test_members_frame_matches_members():
    frame = rg.members_frame(cluster="长江中游", tier=["三线", "四线"])
    assert list(frame["adcode"]) == [c.adcode for c in rg.members(cluster="长江中游",
                                                                   tier=["三线", "四线"])]
    assert isinstance(frame.index, pd.RangeIndex) and frame.index[0] == 0
    assert frame.dtypes.equals(rg.cities().dtypes)


# --------------------------------------------------------------------------- group_map


def test_group_map_small_code_list():
    codes = ["440300", 130400, "610100", "659001", "440300"]
    assert rg.group_map("cluster", codes=codes).tolist() == [
        "珠三角", "京津冀", "关中平原", pd.NA, "珠三角"]
    en = rg.group_map("cluster", codes=codes, lang="en")
    assert en.tolist() == ["Pearl River Delta", "Beijing-Tianjin-Hebei", "Guanzhong Plain",
                           pd.NA, "Pearl River Delta"]
    assert list(en.index) == ["440300", "130400", "610100", "659001", "440300"]
    assert en.name == "cluster" and en.index.name == "adcode"
    assert str(en.dtype) == "string"
    assert rg.group_map("province", codes=codes[:4]).tolist() == ["广东", "河北", "陕西", "新疆"]
    assert rg.group_map("province", codes=codes[:2], lang="en").tolist() == ["Guangdong", "Hebei"]
    assert rg.group_map("region", codes=codes[:4], lang="en").tolist() == [
        "Eastern", "Eastern", "Western", "Western"]
    assert rg.group_map("tier", codes=codes[:4]).tolist() == ["一线", "三线", "新一线", pd.NA]
    assert rg.group_map("tier", codes=["530100"], lang="en").tolist() == ["Second tier"]


def test_group_map_rolls_up_scores():
    scores = pd.Series([1.0, 3.0, 5.0, 7.0, 10.0],
                       index=["440300", "440100", "110000", "659001", "130400"])
    by_cluster = scores.groupby(rg.group_map("cluster", codes=scores.index)).mean()
    # 珠三角: (1 + 3) / 2 = 2; 京津冀: (5 + 10) / 2 = 7.5; 石河子 (no cluster) dropped by groupby.
    assert by_cluster.to_dict() == {"京津冀": 7.5, "珠三角": 2.0}


def test_group_map_tier_2023_warns():
    with pytest.warns(DtindexWarning, match="288 classified units get NA"):
        labels = rg.group_map("tier", tier_list="2023")
    assert labels.value_counts().to_dict() == {"二线": 30, "新一线": 15, "一线": 4}
    assert labels.isna().sum() == 320


def test_group_map_errors():
    with pytest.raises(DataError) as err:
        rg.group_map("tier", codes=["440300", "440304", 999999, "440304"])
    assert str(err.value) == (
        "group_map: 3 code(s) are not in the city table: 440304, 999999. Expected city-level "
        "adcodes (municipality, prefecture-level or province-direct county-level unit; MCA list "
        "as of 2024-12-31); province, district and county codes are not city-level.")
    with pytest.raises(DataError) as err:
        rg.group_map("tier", codes=[440300.0, "440300", "x", True, None])
    assert str(err.value) == (
        "group_map: 'codes' has 4 entries that are not 6-digit adcodes, at position(s) 0, 2, 3, "
        "4: 440300.0, 'x', True, None. Float codes usually mean the column was read as numbers: "
        "read it as text, e.g. pd.read_csv(..., dtype={'adcode': str}).")
    with pytest.raises(DataError, match="must be a collection of adcodes"):
        rg.group_map("tier", codes="440300")
    with pytest.raises(SpecError) as err:
        rg.group_map("county")
    assert str(err.value) == ("The 'kind' parameter of group_map must be one of 'province', "
                              "'tier', 'cluster', 'region'; got 'county'.")
    with pytest.raises(SpecError, match="'lang' parameter of group_map"):
        rg.group_map("tier", lang="fr")


# --------------------------------------------------------------------------- codes


def test_normalise_code_accepts():
    assert rg.normalise_code(440300) == "440300"
    assert rg.normalise_code(np.int32(110000)) == "110000"
    assert rg.normalise_code(" 659012\n") == "659012"


@pytest.mark.parametrize("value, message", [
    (440300.0, "Adcode 440300.0 is a float; adcodes are 6-digit codes, never floats. A float "
               "usually means the column was read as numbers with missing values: read it as "
               "text, e.g. pd.read_csv(..., dtype={'adcode': str}). Pass 440300 or '440300'."),
    ("440300.0", "Adcode '440300.0' looks like a float written as text; pass '440300' (read "
                 "code columns as text, e.g. pd.read_csv(..., dtype={'adcode': str}))."),
    (44030, "Adcode 44030 is not a 6-digit code; expected six digits such as 440300 (pass codes "
            "with leading zeros as strings)."),
    ("4403", "Adcode '4403' is not a 6-digit code; expected six digits such as '440300'."),
    ("４４０３００", "Adcode '４４０３００' is not a 6-digit code; expected six digits such as "
                    "'440300'."),
    (True, "Adcode True is a boolean; expected a 6-digit code such as '440300'."),
    (None, "Adcode must be an int or a 6-digit string; got NoneType None."),
])
def test_normalise_code_refuses(value, message):
    with pytest.raises(DataError) as err:
        rg.normalise_code(value)
    assert str(err.value) == message


@given(st.integers(min_value=100000, max_value=999999))
def test_normalise_code_int_round_trip(n):
    code = rg.normalise_code(n)
    assert code == str(n) and len(code) == 6
    assert rg.normalise_code(code) == code


@given(st.text(max_size=9))
def test_normalise_code_strings_are_six_ascii_digits_or_refused(text):
    stripped = text.strip()
    if len(stripped) == 6 and stripped.isascii() and stripped.isdigit():
        assert rg.normalise_code(text) == stripped
    else:
        with pytest.raises(DataError):
            rg.normalise_code(text)


# --------------------------------------------------------------------------- data files


def test_lookups_reuse_the_cached_index():
    rg.city("深圳")
    before = rg_lookup._city_keys.cache_info()
    for key in ("广州", "Shanghai", 110000, "Xi'an"):
        rg.city(key)
    after = rg_lookup._city_keys.cache_info()
    assert after.misses == before.misses and after.currsize == 1


def test_validation_names_file_line_column_and_value():
    raw = rg_tables._read_package_csv("cities.csv", rg_tables._CITY_COLUMNS)
    provs = rg_tables._provinces_table()
    rg_tables._validate_cities(raw, provs)  # the shipped file passes

    def broken(row: int, column: str, value: str) -> str:
        frame = raw.copy()
        frame.loc[row, column] = value
        with pytest.raises(DataError) as err:
            rg_tables._validate_cities(frame, provs)
        return str(err.value)

    assert broken(4, "adcode", "13030") == (
        "data/regions/cities.csv: column 'adcode' has unexpected values at line(s) 6: '13030'; "
        "expected a 6-digit code.")
    assert broken(4, "adcode", "130100") == (
        "data/regions/cities.csv: column 'adcode' has unexpected values at line(s) 4, 6: "
        "'130100', '130100'; expected unique codes.")
    assert broken(5, "tier_2025", "六线").startswith(
        "data/regions/cities.csv: column 'tier_2025' has unexpected values at line(s) 7: '六线'")
    assert broken(0, "clusters_all", "长三角") == (
        "data/regions/cities.csv: column 'clusters_all' has unexpected values at line(s) 2: "
        "'长三角'; expected to contain the primary 'cluster' (with '*' exactly when "
        "cluster_partial is true).")
    assert "line(s) 2: '990000'" in broken(0, "province_adcode", "990000")
    assert "line(s) 2: 'abc'" in broken(0, "lat", "abc")


def test_package_readme_has_header_and_reference_text():
    text = resources.files("dtindex").joinpath("data").joinpath("regions").joinpath(
        "README.md").read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    assert first.startswith("> **dtindex package data**")
    assert "# Regions reference tables (mainland China, city level)" in rest
    if (REFERENCE / "README.md").exists():
        assert rest.lstrip("\n") == (REFERENCE / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference data not available (CI)")
@pytest.mark.parametrize("name", ["cities.csv", "provinces.csv"])
def test_package_csv_identical_to_reference(name):
    packaged = resources.files("dtindex").joinpath("data").joinpath("regions").joinpath(name)
    assert packaged.read_bytes() == (REFERENCE / name).read_bytes()
