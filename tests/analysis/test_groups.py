"""Tier and cluster tables on the MAIN panel (see panels.py for the numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis import (
    cluster_growth_rankings,
    cluster_heads,
    cluster_rankings,
    cluster_summary,
    group_shares,
    group_summary,
    tier_shares,
    tier_summary,
)
from dtindex.errors import DataError, DtindexWarning, SpecError

from .panels import GZ, HF, MAIN, MAIN_FRAMEWORK, Q5, SZ, YQ, build_index, main_index


@pytest.fixture(scope="module")
def idx():
    return main_index()


# tier totals (2025 list): 一线 = 深圳 + 广州 = 12 15 17 19 21; 新一线 = 合肥 4 5 6 6 9; 五线 = 阳泉 2 2 2 2 3
# national: 18 22 25 27 33


def test_tier_shares_by_hand(idx):
    df = tier_shares(idx)
    assert list(df.columns) == ["Time", "group", "group_en", "n_units", "value", "national", "share", "share_change",
                                "qoq", "yoy", "tier_list"]
    q = df[df.Time == "2022Q1"]
    assert q["group"].tolist() == ["一线", "新一线", "五线"]  # canonical tier order
    assert q["value"].tolist() == [21, 9, 3] and q["national"].tolist() == [33, 33, 33]
    assert q["share"].tolist() == pytest.approx([21 / 33, 9 / 33, 3 / 33])
    # share change vs 2021Q4 (19/27, 6/27, 2/27)
    assert q["share_change"].tolist() == pytest.approx([21 / 33 - 19 / 27, 9 / 33 - 6 / 27, 3 / 33 - 2 / 27])
    assert q["yoy"].tolist() == pytest.approx([21 / 12 - 1, 9 / 4 - 1, 3 / 2 - 1])
    assert q["n_units"].tolist() == [2, 1, 1]
    assert (df["tier_list"] == "2025").all() and df.attrs["grouping"]["tier_list"] == "2025"
    first = df[df.Time == "2021Q1"]
    assert np.isnan(first["share_change"]).all() and np.isnan(first["qoq"]).all()
    # shares of all groups sum to 1 when every unit has a tier
    assert df.groupby("Time")["share"].sum().to_numpy() == pytest.approx(np.ones(5))


def test_tier_summary_by_hand(idx):
    df = tier_summary(idx)
    assert list(df.columns) == ["group", "group_en", "n_units", "unit_share", "value", "share", "share_gap",
                                "share_first", "share_last", "share_change", "share_trend", "mean_index", "n_growth",
                                "mean_yoy", "total_yoy", "growth_rank", "tier_list"]
    s = df.set_index("group")
    assert s["unit_share"].to_dict() == {"一线": 0.5, "新一线": 0.25, "五线": 0.25}
    assert s.loc["一线", "share_gap"] == pytest.approx(21 / 33 - 0.5)
    assert s["share_change"].to_dict() == pytest.approx({"一线": 21 / 33 - 12 / 18, "新一线": 9 / 33 - 4 / 18,
                                                         "五线": 3 / 33 - 2 / 18})
    # OLS slope on x = 0..4 (mean 2, sum of squares 10): sum (x - 2) * share / 10
    shares = [12 / 18, 15 / 22, 17 / 25, 19 / 27, 21 / 33]
    assert s.loc["一线", "share_trend"] == pytest.approx(sum((x - 2) * y for x, y in enumerate(shares)) / 10)
    assert s.loc["一线", "mean_index"] == pytest.approx((12 + 9) / 2)
    # mean of member growth: 一线 (12/8-1 + 9/4-1)/2 = (.5 + 1.25)/2 = .875; growth of the total 21/12-1 = .75
    assert s["mean_yoy"].to_dict() == pytest.approx({"一线": 0.875, "新一线": 1.25, "五线": 0.5})
    assert s["total_yoy"].to_dict() == pytest.approx({"一线": 0.75, "新一线": 1.25, "五线": 0.5})
    assert s["growth_rank"].to_dict() == {"一线": 2, "新一线": 1, "五线": 3}
    assert s["n_growth"].to_dict() == {"一线": 2, "新一线": 1, "五线": 1}
    assert df.attrs["period"] == "2022Q1" and df.attrs["window"] == ("2022Q1", "2022Q1")
    at = tier_summary(idx, period="2021Q3").set_index("group")
    assert at.loc["一线", "share"] == pytest.approx(17 / 25) and at.loc["一线", "mean_index"] == pytest.approx(8.5)


def test_tier_list_2023_and_custom_tiers(idx):
    with pytest.warns(DtindexWarning, match="2023 tier list"):
        df = tier_summary(idx, tier_list="2023")
    # 阳泉 has no tier in the 2023 list (only 一线 / 新一线 / 二线 are filled)
    assert df["group"].tolist() == ["一线", "新一线"]
    assert (df["tier_list"] == "2023").all()
    assert df.attrs["grouping"]["unmapped_units"] == [YQ]
    assert df["share"].sum() == pytest.approx(30 / 33)  # 阳泉's 3 counts nationally, in no tier
    custom = tier_shares(idx, tiers=pd.Series({SZ: "big", GZ: "small", HF: "small", YQ: "small"}))
    q = custom[custom.Time == "2022Q1"]
    assert q["group"].tolist() == ["big", "small"] and q["value"].tolist() == [12, 21]
    assert (custom["tier_list"] == "custom").all()
    with pytest.raises(SpecError, match="tier_list"):
        tier_summary(idx, tier_list="2024")


def test_shares_need_an_additive_build():
    idx = build_index(MAIN, Q5, MAIN_FRAMEWORK, methods={"normalise": {"method": "minmax"}})
    with pytest.raises(SpecError, match="need an additive build"):
        group_shares(idx)
    forced = group_shares(idx, method="sum")
    assert forced.groupby("Time")["share"].sum().to_numpy() == pytest.approx(np.ones(5))


def test_cluster_summary_and_heads(idx):
    df = cluster_summary(idx)
    # 珠三角 = 深圳 + 广州 (21 in 2022Q1), 长三角 = 合肥 (9); 阳泉 in no cluster
    assert df["group"].tolist() == ["珠三角", "长三角"]
    s = df.set_index("group")
    assert s["share"].to_dict() == pytest.approx({"珠三角": 21 / 33, "长三角": 9 / 33})
    assert s["unit_share"].to_dict() == {"珠三角": 0.5, "长三角": 0.25}
    assert s["mean_index"].to_dict() == {"珠三角": 10.5, "长三角": 9.0}
    assert s["mean_yoy"].to_dict() == pytest.approx({"珠三角": 0.875, "长三角": 1.25})
    # default heads: the two largest cities of the cluster in 2022Q1
    assert s.loc["珠三角", "head_units"] == f"{SZ},{GZ}" and s.loc["珠三角", "head_names"] == "深圳、广州"
    assert s.loc["珠三角", "head_share"] == 1.0
    assert df.attrs["grouping"]["unmapped_units"] == [YQ]
    one = cluster_summary(idx, n_heads=1).set_index("group")
    assert one.loc["珠三角", "head_share"] == pytest.approx(12 / 21)
    heads = cluster_heads(idx, heads={"珠三角": [GZ]})
    prd = heads[heads.group == "珠三角"]
    # 广州 / (深圳 + 广州) per quarter: 4/12, 6/15, 7/17, 8/19, 9/21
    assert prd["head_share"].tolist() == pytest.approx([4 / 12, 6 / 15, 7 / 17, 8 / 19, 9 / 21])
    assert prd["head_names"].iloc[0] == "广州"
    assert heads[heads.group == "长三角"]["head_units"].iloc[0] == HF  # default for clusters not given
    with pytest.raises(DataError, match="not members of it: 340100"):
        cluster_heads(idx, heads={"珠三角": [HF]})
    with pytest.raises(DataError, match="no units in the build: 京津冀"):
        cluster_heads(idx, heads={"京津冀": ["110000"]})
    with pytest.raises(SpecError, match="n_heads"):
        cluster_heads(idx, n_heads=0)


def test_head_tie_broken_by_code():
    # 2022Q1: 广州 and 合肥 both 9; a custom cluster of the two keeps the smaller code
    idx = main_index()
    heads = cluster_heads(idx, n_heads=1, clusters=pd.Series({SZ: None, GZ: "K", HF: "K", YQ: None}))
    assert heads["head_units"].iloc[0] == HF


def test_cluster_rankings(idx):
    r = cluster_rankings(idx)
    assert r[r.Time == "2021Q1"][["group", "unit", "rank"]].values.tolist() == [
        ["珠三角", SZ, 1], ["珠三角", GZ, 2], ["长三角", HF, 1]]
    g = cluster_growth_rankings(idx)
    assert g[["group", "unit", "mean_yoy", "rank"]].values.tolist() == [
        ["珠三角", GZ, 1.25, 1], ["珠三角", SZ, 0.5, 2], ["长三角", HF, 1.25, 1]]


def test_province_shares(idx):
    df = group_summary(idx, by="province").set_index("group")
    assert df["value"].to_dict() == {"广东": 21, "安徽": 9, "山西": 3}
    assert df.index.tolist() == ["山西", "安徽", "广东"]  # province order = adcode order (14, 34, 44)
    assert df["group_en"].to_dict() == {"山西": "Shanxi", "安徽": "Anhui", "广东": "Guangdong"}
