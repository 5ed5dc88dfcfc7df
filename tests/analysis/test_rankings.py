"""Rankings, rank changes, top-N moves and growth rankings (MAIN and RANK panels of panels.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis import growth_ranking, rank_table, top_moves
from dtindex.errors import DataError, SpecError

from .panels import BJ, GZ, HF, SH, SZ, YQ, main_index, rank_index


@pytest.fixture(scope="module")
def idx():
    return main_index()


def _at(df, period, col="rank"):
    sub = df[df.Time == period]
    return dict(zip(sub["unit"], sub[col]))


def test_city_ranks_ties_and_changes(idx):
    df = rank_table(idx, top=2)
    assert list(df.columns) == ["Time", "unit", "name", "name_en", "value", "rank", "rank_prev", "change_prev",
                                "rank_yoy", "change_yoy", "in_top"]
    assert len(df) == 20
    # 2021Q1: 深圳 8, 广州 4, 合肥 4, 阳泉 2 -> 1, 2, 2, 4 ('min' ties)
    assert _at(df, "2021Q1") == {SZ: 1, GZ: 2, HF: 2, YQ: 4}
    # tied units are listed by code: 340100 before 440100
    assert df[df.Time == "2021Q1"]["unit"].tolist() == [SZ, HF, GZ, YQ]
    # 2021Q2: 9, 6, 5, 2 -> 合肥 falls from 2 to 3: change_prev = 2 - 3 = -1
    assert _at(df, "2021Q2") == {SZ: 1, GZ: 2, HF: 3, YQ: 4}
    assert _at(df, "2021Q2", "change_prev")[HF] == -1
    # 2022Q1: 12, 9, 9, 3 -> 1, 2, 2, 4; vs 2021Q4 (1, 2, 3, 4) 合肥 +1; vs 2021Q1 no change
    assert _at(df, "2022Q1") == {SZ: 1, GZ: 2, HF: 2, YQ: 4}
    assert _at(df, "2022Q1", "change_prev") == {SZ: 0, GZ: 0, HF: 1, YQ: 0}
    assert _at(df, "2022Q1", "change_yoy") == {SZ: 0, GZ: 0, HF: 0, YQ: 0}
    assert df[df.Time == "2021Q4"]["rank_yoy"].isna().all()  # 2020Q4 is not in the build
    assert str(df["rank"].dtype) == "Int64"
    # top 2 with a tie at 2: three units are in the top 2 in 2021Q1
    assert _at(df, "2021Q1", "in_top") == {SZ: True, GZ: True, HF: True, YQ: False}
    assert df.attrs["grouping"]["kind"] == "unit"
    assert df[df.unit == SZ]["name"].iloc[0] == "深圳" and df[df.unit == SZ]["name_en"].iloc[0] == "Shenzhen"


def test_top_moves(idx):
    df = rank_table(idx, top=2)
    moves = top_moves(df, top=2, against="prev")
    assert list(moves.columns) == ["Time", "unit", "name", "name_en", "move", "rank", "rank_before", "value"]
    # 合肥 leaves the top 2 in 2021Q2 (2 -> 3) and re-enters in 2022Q1 (3 -> 2)
    assert moves[["Time", "unit", "move", "rank", "rank_before"]].values.tolist() == [
        ["2021Q2", HF, "left", 3, 2], ["2022Q1", HF, "entered", 2, 3]]
    assert top_moves(df, top=2, against="yoy").empty  # 2022Q1 vs 2021Q1: same top 2
    assert top_moves(df, top=2, against="prev", period="2022Q1")["move"].tolist() == ["entered"]
    with pytest.raises(SpecError, match="'against' parameter of top_moves"):
        top_moves(df, against="year")


def test_province_ranking_sums_cities(idx):
    df = rank_table(idx, by="province")
    # 广东 = 深圳 + 广州 = 12, 15, 17, 19, 21; 安徽 = 4, 5, 6, 6, 9; 山西 = 2, 2, 2, 2, 3
    assert _at(df, "2022Q1", "value") == {"广东": 21, "安徽": 9, "山西": 3}
    assert _at(df, "2021Q1", "value") == {"广东": 12, "安徽": 4, "山西": 2}
    assert df[df.Time == "2022Q1"]["unit"].tolist() == ["广东", "安徽", "山西"]
    assert df[df.unit == "安徽"]["name_en"].iloc[0] == "Anhui"
    assert df.attrs["grouping"]["kind"] == "province"
    mean = rank_table(idx, by="province", method="mean")
    assert _at(mean, "2022Q1", "value")["广东"] == pytest.approx(10.5)


def test_unit_missing_in_a_period_gets_no_rank_and_no_move():
    idx = main_index(drop=[(HF, "2021Q2")])
    df = rank_table(idx, top=2)
    assert pd.isna(_at(df, "2021Q2")[HF]) and np.isnan(_at(df, "2021Q2", "value")[HF])
    assert {u: r for u, r in _at(df, "2021Q2").items() if u != HF} == {SZ: 1, GZ: 2, YQ: 3}
    # no rank in 2021Q2 -> no change in 2021Q2 nor in 2021Q3 vs 2021Q2, and no top-2 move
    assert pd.isna(_at(df, "2021Q3", "change_prev")[HF])
    moves = top_moves(df, top=2, against="prev")
    assert moves[moves.unit == HF]["Time"].tolist() == ["2022Q1"]


def test_growth_ranking_default_window(idx):
    df = growth_ranking(idx)
    assert list(df.columns) == ["unit", "name", "name_en", "value_start", "value_end", "n_yoy", "mean_yoy", "rank"]
    assert df.attrs["window"] == ("2022Q1", "2022Q1")
    # YoY 2022Q1: 深圳 12/8-1 = .5, 广州 9/4-1 = 1.25, 合肥 9/4-1 = 1.25, 阳泉 3/2-1 = .5
    got = df.set_index("unit")
    assert got["mean_yoy"].to_dict() == pytest.approx({SZ: 0.5, GZ: 1.25, HF: 1.25, YQ: 0.5})
    assert df["unit"].tolist() == [HF, GZ, YQ, SZ]  # rank 1, 1, 3, 3; ties by code
    assert df["rank"].tolist() == [1, 1, 3, 3]
    prov = growth_ranking(idx, by="province")
    # 广东 21/12-1 = .75, 安徽 9/4-1 = 1.25, 山西 3/2-1 = .5
    assert prov["unit"].tolist() == ["安徽", "广东", "山西"]
    assert prov["mean_yoy"].tolist() == pytest.approx([1.25, 0.75, 0.5])


def test_growth_ranking_window_mean_and_min_periods():
    idx = rank_index()
    df = growth_ranking(idx).set_index("unit")
    # window 2022Q1-2022Q2; 上海 (12/9-1 + 15/9-1)/2 = .5; 北京 (.1 + .1)/2; 合肥 (.5 + 1)/2; 深圳 0
    assert df["mean_yoy"].to_dict() == pytest.approx({SH: 0.5, BJ: 0.1, HF: 0.75, SZ: 0.0})
    assert df["rank"].to_dict() == {HF: 1, SH: 2, BJ: 3, SZ: 4}
    assert df["n_yoy"].tolist() == [2, 2, 2, 2]
    one = growth_ranking(idx, window=("2022Q2", "2022Q2")).set_index("unit")
    assert one.loc[SH, "mean_yoy"] == pytest.approx(15 / 9 - 1) and one.loc[SH, "value_start"] == 15
    # 深圳 absent in 2022Q2: one rate only -> no mean unless min_periods=1
    gap = rank_index(drop=[(SZ, "2022Q2")])
    strict = growth_ranking(gap).set_index("unit")
    assert np.isnan(strict.loc[SZ, "mean_yoy"]) and pd.isna(strict.loc[SZ, "rank"]) and strict.loc[SZ, "n_yoy"] == 1
    loose = growth_ranking(gap, min_periods=1).set_index("unit")
    assert loose.loc[SZ, "mean_yoy"] == 0.0 and loose.loc[SZ, "rank"] == 4
    with pytest.raises(SpecError, match="min_periods"):
        growth_ranking(idx, min_periods=3)
    with pytest.raises(SpecError, match="after its end"):
        growth_ranking(idx, window=("2022Q2", "2022Q1"))
    with pytest.raises(SpecError, match="window must be a pair"):
        growth_ranking(idx, window="2022Q1")


def test_growth_needs_a_year_earlier():
    from .panels import MAIN, MAIN_FRAMEWORK, build_index

    four = ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    short = build_index({u: {k: v[:4] for k, v in c.items()} for u, c in MAIN.items()}, four, MAIN_FRAMEWORK)
    with pytest.raises(DataError, match="year-on-year growth is undefined"):
        growth_ranking(short)


def test_within_groups(idx):
    df = rank_table(idx, within="cluster")
    # 阳泉 is in no cluster: left out and reported
    assert set(df["unit"]) == {SZ, GZ, HF}
    assert df.attrs["within"]["unmapped_units"] == [YQ]
    q1 = df[df.Time == "2022Q1"]
    assert q1[["group", "unit", "rank"]].values.tolist() == [["珠三角", SZ, 1], ["珠三角", GZ, 2], ["长三角", HF, 1]]
    assert q1["group_en"].tolist() == ["Pearl River Delta", "Pearl River Delta", "Yangtze River Delta"]
    g = growth_ranking(idx, within="cluster")
    assert g[["group", "unit", "rank"]].values.tolist() == [["珠三角", GZ, 1], ["珠三角", SZ, 2], ["长三角", HF, 1]]
    # provinces within regions: 广东 东部, 安徽 中部, 山西 中部 -> 安徽 first in 中部 in 2022Q1
    pr = rank_table(idx, by="province", within="region")
    assert pr[pr.Time == "2022Q1"][["group", "unit", "rank"]].values.tolist() == [
        ["东部", "广东", 1], ["中部", "安徽", 1], ["中部", "山西", 2]]
    # group X holds cities of 广东 and 安徽: it cannot be ranked within provinces
    with pytest.raises(DataError, match="span several 'province' groups, so they cannot be ranked within them: X"):
        rank_table(idx, by=pd.Series({SZ: "X", GZ: "X", HF: "X", YQ: "Y"}), within="province")


def test_custom_mapping_and_bad_arguments(idx):
    mapping = pd.Series({SZ: "south", GZ: "south", HF: "east", YQ: None})
    df = rank_table(idx, by=mapping)
    assert df[df.Time == "2022Q1"][["unit", "value"]].values.tolist() == [["south", 21.0], ["east", 9.0]]
    assert df.attrs["grouping"] == {"kind": "custom", "n_unmapped": 1, "unmapped_units": [YQ]}
    with pytest.raises(DataError, match="no entry for 1 unit"):
        rank_table(idx, by=pd.Series({SZ: "s", GZ: "s", HF: "e"}))
    with pytest.raises(SpecError, match="The 'by' parameter of rank_table"):
        rank_table(idx, by="county")
    with pytest.raises(SpecError, match="top must be a positive integer"):
        rank_table(idx, top=0)
    with pytest.raises(SpecError, match="unknown node"):
        rank_table(idx, code="zzz")


def test_layer_ranking(idx):
    df = rank_table(idx, code="infra")
    # infra 2022Q1: 12, 8, 10, 3 -> 深圳 1, 合肥 2, 广州 3, 阳泉 4
    assert _at(df, "2022Q1") == {SZ: 1, HF: 2, GZ: 3, YQ: 4}
