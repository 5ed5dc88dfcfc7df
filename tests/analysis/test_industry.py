"""Industry tables on the industry panel of panels.py (3 cities x 3 industries x 5 quarters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis import (
    cluster_top_industries,
    double_high,
    industry_scale,
    industry_series,
    industry_top,
    province_industry_shares,
    quadrant_table,
)
from dtindex.errors import DataError, SpecError

from .panels import IND_NAMES, industry_index, main_index


@pytest.fixture(scope="module")
def idx():
    return industry_index()


@pytest.fixture(scope="module")
def shares(idx):
    return province_industry_shares(idx, names=IND_NAMES)


def test_industry_series(idx):
    df = industry_series(idx, names=IND_NAMES)
    assert list(df.columns) == ["Time", "industry", "industry_name", "industry_name_en", "value", "n_units", "qoq", "yoy"]
    # national per industry: C 7 7 7 7 11, J 5 5 5 5 5, I 5 6 6 6 8 ; names-table order C, J, I
    assert df[df.Time == "2021Q1"]["industry"].tolist() == ["C", "J", "I"]
    assert df[df.industry == "C"]["value"].tolist() == [7, 7, 7, 7, 11]
    assert df[df.industry == "I"]["value"].tolist() == [5, 6, 6, 6, 8]
    assert df[df.industry == "I"]["qoq"].iloc[1] == pytest.approx(0.2)
    assert df[df.industry == "C"]["yoy"].iloc[4] == pytest.approx(11 / 7 - 1)
    assert df["n_units"].iloc[0] == 3
    plain = industry_series(idx)  # no names: codes, sorted
    assert plain[plain.Time == "2021Q1"]["industry"].tolist() == ["C", "I", "J"]
    assert plain["industry_name"].iloc[0] == "C"


def test_industry_scale(idx):
    df = industry_scale(idx, names=IND_NAMES)
    assert list(df.columns) == ["industry", "industry_name", "industry_name_en", "value", "share", "rank", "n_yoy",
                                "mean_yoy", "growth_rank"]
    # 2022Q1: C 11, I 8, J 5 of 24 ; YoY C 11/7-1, I 8/5-1 = .6, J 0
    assert df["industry"].tolist() == ["C", "I", "J"]
    assert df["share"].tolist() == pytest.approx([11 / 24, 8 / 24, 5 / 24])
    assert df["rank"].tolist() == [1, 2, 3]
    assert df["mean_yoy"].tolist() == pytest.approx([4 / 7, 0.6, 0.0])
    assert df["growth_rank"].tolist() == [2, 1, 3]
    early = industry_scale(idx, period="2021Q1", names=IND_NAMES)
    # 2021Q1: C 7, J 5, I 5 -> J and I share rank 2, listed by code (I before J)
    assert early[["industry", "rank"]].values.tolist() == [["C", 1], ["I", 2], ["J", 2]]


def test_province_industry_shares(shares):
    assert list(shares.columns) == ["industry", "industry_name", "industry_name_en", "province", "province_en", "value",
                                    "province_total", "share", "n_yoy", "mean_share_yoy", "share_rank", "growth_rank"]
    s = shares.set_index(["industry", "province"])
    # 广东 = 深圳 + 广州: C 6 -> 9, J 4 -> 4, I 4 -> 7; totals 14 -> 20.  安徽 = 合肥: C 1 -> 2, J 1, I 1; 3 -> 4
    assert s.loc[("C", "广东"), "share"] == pytest.approx(9 / 20)
    assert s.loc[("C", "广东"), "province_total"] == 20
    assert s.loc[("C", "安徽"), "share"] == pytest.approx(2 / 4)
    # share growth 2022Q1 vs 2021Q1: 广东 C (9/20)/(6/14)-1 = .05, J (4/20)/(4/14)-1 = -.3, I (7/20)/(4/14)-1 = .225
    assert s.loc[("C", "广东"), "mean_share_yoy"] == pytest.approx(0.05)
    assert s.loc[("J", "广东"), "mean_share_yoy"] == pytest.approx(-0.3)
    assert s.loc[("I", "广东"), "mean_share_yoy"] == pytest.approx(0.225)
    # 安徽 C (2/4)/(1/3)-1 = .5, J and I (1/4)/(1/3)-1 = -.25
    assert s.loc[("C", "安徽"), "mean_share_yoy"] == pytest.approx(0.5)
    assert s.loc[("I", "安徽"), "mean_share_yoy"] == pytest.approx(-0.25)
    assert shares[["industry", "province", "share_rank", "growth_rank"]].values.tolist() == [
        ["C", "安徽", 1, 1], ["C", "广东", 2, 2], ["J", "安徽", 1, 1], ["J", "广东", 2, 2],
        ["I", "广东", 1, 1], ["I", "安徽", 2, 2]]
    assert shares.groupby("province")["share"].sum().to_dict() == pytest.approx({"广东": 1.0, "安徽": 1.0})


def test_custom_province_mapping_by_city_code(idx, shares):
    # a mapping keyed by city codes applies to every industry unit of the city
    custom = province_industry_shares(idx, names=IND_NAMES,
                                      provinces=pd.Series({"440300": "south", "440100": "south", "340100": "east"}))
    assert custom["province"].tolist() == ["east", "south", "east", "south", "south", "east"]
    np.testing.assert_allclose(custom["share"], shares["share"])
    with pytest.raises(DataError, match="no entry for 3 unit"):
        province_industry_shares(idx, provinces=pd.Series({"440300": "south", "440100": "south"}))


def test_top_lists(shares):
    top = industry_top(shares, n=1)
    assert top[["industry", "position", "province"]].values.tolist() == [["C", 1, "安徽"], ["J", 1, "安徽"],
                                                                       ["I", 1, "广东"]]
    growth = industry_top(shares, n=1, by="growth")
    assert growth["province"].tolist() == ["安徽", "安徽", "广东"]
    with pytest.raises(SpecError, match="'by' parameter of industry_top"):
        industry_top(shares, by="value")


def test_double_high_median_thresholds(shares):
    dh = double_high(shares)
    s = dh.set_index(["industry", "province"])
    # C: median share (.5 + .45)/2 = .475, median growth (.5 + .05)/2 = .275 -> 安徽 high-high, 广东 low-low
    assert s.loc[("C", "安徽"), "share_threshold"] == pytest.approx(0.475)
    assert s.loc[("C", "安徽"), "growth_threshold"] == pytest.approx(0.275)
    assert s["quadrant"].to_dict() == {("C", "安徽"): "high-high", ("C", "广东"): "low-low",
                                       ("J", "安徽"): "high-high", ("J", "广东"): "low-low",
                                       ("I", "广东"): "high-high", ("I", "安徽"): "low-low"}
    assert dh["double_high"].tolist() == [True, False, True, False, True, False]
    q = quadrant_table(dh)
    assert list(q.columns) == ["industry", "industry_name", "industry_name_en", "quadrant", "n", "provinces",
                               "provinces_en"]
    c = q[q.industry == "C"]
    assert c["quadrant"].tolist() == ["high-high", "high-low", "low-high", "low-low"]
    assert c["n"].tolist() == [1, 0, 0, 1] and c["provinces"].tolist() == ["安徽", "", "", "广东"]


def test_double_high_fixed_thresholds_and_missing(shares):
    dh = double_high(shares, share_threshold=0.3, growth_threshold=0.0).set_index(["industry", "province"])
    # C 广东 (.45, .05): high-high; J 安徽 (.25, -.25): low-low; I 广东 (.35, .225): high-high
    assert dh.loc[("C", "广东"), "quadrant"] == "high-high"
    assert dh.loc[("J", "安徽"), "quadrant"] == "low-low"
    assert dh.loc[("I", "广东"), "double_high"]
    # a share of exactly the threshold is not above it
    assert double_high(shares, share_threshold=0.45).set_index(["industry", "province"]).loc[
        ("C", "广东"), "high_share"] == False
    gap = shares.copy()
    gap.loc[0, "mean_share_yoy"] = np.nan
    got = double_high(gap)
    assert pd.isna(got.loc[0, "quadrant"]) and not got.loc[0, "double_high"] and pd.isna(got.loc[0, "high_share"])
    with pytest.raises(SpecError, match="share_threshold"):
        double_high(shares, share_threshold="mean")
    with pytest.raises(SpecError, match="growth_threshold"):
        double_high(shares, growth_threshold=float("nan"))


def test_cluster_top_industries(idx):
    df = cluster_top_industries(idx, names=IND_NAMES)
    assert list(df.columns) == ["group", "group_en", "position", "industry", "industry_name", "industry_name_en",
                                "rank_sum", "n_periods", "mean_rank", "latest_value", "latest_rank"]
    # 珠三角 (深圳 + 广州): C 6 6 6 6 9, J 4 4 4 4 4, I 4 5 5 5 7
    #   ranks C 1 1 1 1 1 = 5; I 2 2 2 2 2 = 10; J 2 3 3 3 3 = 14
    # 长三角 (合肥): C 1 1 1 1 2, J 1 ..., I 1 ... -> ranks C 1 1 1 1 1 = 5; J 1 1 1 1 2 = 6; I 1 1 1 1 2 = 6
    #   J and I tie on rank sum and latest value (1): code order puts I first
    assert df[["group", "position", "industry", "rank_sum"]].values.tolist() == [
        ["珠三角", 1, "C", 5], ["珠三角", 2, "I", 10], ["珠三角", 3, "J", 14],
        ["长三角", 1, "C", 5], ["长三角", 2, "I", 6], ["长三角", 3, "J", 6]]
    assert df["n_periods"].tolist() == [5] * 6
    assert df["latest_value"].tolist() == [9, 7, 4, 2, 1, 1]
    assert df["industry_name"].iloc[0] == "制造业" and df["group_en"].iloc[0] == "Pearl River Delta"
    assert cluster_top_industries(idx, n=1)["industry"].tolist() == ["C", "C"]
    with pytest.raises(SpecError, match="n must be a positive integer"):
        cluster_top_industries(idx, n=0)


def test_cluster_top_industries_tie_on_rank_sum_goes_to_latest_value():
    from .panels import IND_FRAMEWORK, build_index

    # one city of 珠三角, two quarters: A 5 -> 3, B 4 -> 6: ranks A (1, 2), B (2, 1), both sum to 3;
    # B is larger in the latest quarter, so B comes first although A has the smaller code
    values = {"440300:A": {"cloud": [5, 3], "ai": [5, 3]}, "440300:B": {"cloud": [4, 6], "ai": [4, 6]}}
    idx = build_index(values, ["2021Q1", "2021Q2"], IND_FRAMEWORK)
    df = cluster_top_industries(idx)
    assert df[["industry", "rank_sum", "latest_value"]].values.tolist() == [["B", 3, 6], ["A", 3, 3]]


def test_cluster_top_industries_leaves_out_incomplete():
    # 合肥:I absent in 2021Q2 -> 长三角 has no I value that quarter: I is left out of 长三角's list
    idx = industry_index(drop=[("340100:I", "2021Q2")])
    df = cluster_top_industries(idx)
    assert df[df.group == "长三角"]["industry"].tolist() == ["C", "J"]
    assert ("长三角", "I") in df.attrs["incomplete"]


def test_names_and_unit_errors(idx):
    with pytest.raises(DataError, match="no row for industries J"):
        industry_scale(idx, names=IND_NAMES[IND_NAMES.code != "J"])
    with pytest.raises(DataError, match="lacks columns name_en"):
        industry_scale(idx, names=IND_NAMES.drop(columns="name_en"))
    with pytest.raises(DataError, match="repeats codes C"):
        industry_scale(idx, names=pd.concat([IND_NAMES, IND_NAMES.iloc[:1]]))
    with pytest.raises(DataError, match="not '<city>:<industry>' codes: 440300"):
        industry_scale(main_index())
