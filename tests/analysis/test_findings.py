"""Rule-based findings: each rule fires on hand-made tables and stays silent on ties or missing data."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis import (
    RULES,
    Finding,
    biggest_movers,
    contributions,
    double_high,
    findings_frame,
    industry_scale,
    layer_stability,
    national_series,
    province_industry_shares,
    rank_table,
    report_findings,
    rule_biggest_movers,
    rule_double_high_leader,
    rule_group_growth_leader,
    rule_industries,
    rule_most_stable_layer,
    rule_national_growth,
    rule_new_leader,
    rule_top_entries,
    tier_summary,
)
from dtindex.errors import DataError, SpecError

from .panels import BJ, IND_NAMES, SH, industry_index, main_index, rank_index


@pytest.fixture(scope="module")
def idx():
    return main_index()


@pytest.fixture(scope="module")
def ranked():
    return rank_index()


def test_finding_is_frozen_and_carries_numbers():
    f = Finding("x", "中", "en", {"a": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.rule = "y"
    with pytest.raises(TypeError):
        f.numbers["a"] = 2
    assert f.to_dict()["numbers"] == {"a": 1}


def test_national_growth(idx):
    (f,) = rule_national_growth(national_series(idx))
    # 2022Q1: 33, YoY 33/18-1 = 83.3 %, QoQ 33/27-1 = 22.2 %
    assert f.text_zh == "2022Q1全国数字化转型指数为33.00，同比增长83.3%，环比增长22.2%"
    assert f.text_en == ("In 2022Q1 the national Digital Transformation Index stood at 33.00, up 83.3% year on year "
                         "and up 22.2% on the previous quarter")
    assert f.numbers["yoy"] == pytest.approx(5 / 6) and f.rule == "national_growth" and f.severity == "headline"
    assert rule_national_growth(national_series(idx), period="2021Q4") == []  # no YoY: silent


def test_new_leader(ranked):
    ranks = rank_table(ranked)
    (f,) = rule_new_leader(ranks, period="2022Q1")
    # 2022Q1: 上海 12 overtakes 北京 (11); a year earlier 上海 was 2nd
    assert f.text_zh == "上海跃居城市首位（2022Q1，上年同期第2位，原首位为北京）"
    assert f.text_en == "Shanghai rose to first place among cities in 2022Q1 (2nd a year earlier, when Beijing led)"
    assert f.numbers["unit"] == SH and f.numbers["previous_leaders"] == [BJ]
    assert rule_new_leader(ranks, period="2021Q4") == []  # no year-earlier rank
    tied = ranks.copy()
    tied.loc[(tied.Time == "2022Q1") & (tied.unit == BJ), "rank"] = 1
    assert rule_new_leader(tied, period="2022Q1") == []  # shared first place: silent
    with pytest.raises(SpecError, match="scope"):
        rule_new_leader(ranks, scope="county")


def test_top_entries_and_exits(ranked):
    ranks = rank_table(ranked, top=3)
    found = rule_top_entries(ranks, period="2022Q1", top=3, scope="city")
    # 2022Q1 vs 2021Q1: 合肥 4th -> 3rd enters, 深圳 3rd -> 4th leaves
    assert [f.rule for f in found] == ["top_entry", "top_exit"]
    assert found[0].text_zh == "合肥跻身城市前3（2022Q1第3位，上年同期第4位）"
    assert found[0].text_en == "Hefei entered the top 3 cities (3rd in 2022Q1, 4th a year earlier)"
    assert found[1].text_zh == "深圳跌出城市前3（2022Q1第4位，上年同期第3位）"
    assert rule_top_entries(ranks, period="2022Q1", top=2, scope="city") == []  # top 2 unchanged
    assert rule_top_entries(ranks, period="2021Q3", top=3, scope="city") == []  # no year-earlier ranks


def test_group_growth_leader(idx):
    tiers = tier_summary(idx)
    (f,) = rule_group_growth_leader(tiers, kind="tier")
    # 新一线 1.25 vs 一线 .875: margin 37.5 points >= 5 -> 远超
    assert f.text_zh == "新一线城市平均增速125.0%，远超其他层级（高出第二位一线城市37.5个百分点）"
    assert f.text_en == ("New-first-tier cities grew fastest on average (125.0% year on year), far ahead of other "
                         "tiers (37.5 percentage points above First-tier cities)")
    assert f.numbers["margin"] == pytest.approx(0.375) and f.numbers["window"] == ["2022Q1", "2022Q1"]
    (weak,) = rule_group_growth_leader(tiers, kind="tier", strong_margin=0.5)
    assert "高于其他层级" in weak.text_zh and "ahead of other tiers" in weak.text_en
    table = pd.DataFrame({"group": ["珠三角", "长三角"], "group_en": ["Pearl River Delta", "Yangtze River Delta"],
                          "mean_yoy": [0.2, 0.2]})
    assert rule_group_growth_leader(table, kind="cluster") == []  # tie
    assert rule_group_growth_leader(table.assign(mean_yoy=[0.2, np.nan]), kind="cluster") == []  # one group
    (c,) = rule_group_growth_leader(table.assign(mean_yoy=[0.23, 0.2]), kind="cluster")
    assert c.rule == "cluster_growth_leader"
    assert c.text_zh == "珠三角城市群平均增速23.0%，高于其他城市群（高出第二位长三角城市群3.0个百分点）"


def test_most_stable_layer(idx):
    (f,) = rule_most_stable_layer(layer_stability(idx))
    assert f.numbers["layer"] == "infra" and f.text_zh.startswith("基础设施层增长最为稳定（环比增速标准差")
    same = pd.DataFrame({"iCode": ["a", "b"], "name": ["甲", "乙"], "name_en": ["A", "B"], "growth_var": [0.1, 0.1],
                         "growth_sd": [0.3, 0.3], "growth_mean": [0.1, 0.1], "rank_moves": [1, 1]})
    assert rule_most_stable_layer(same) == []
    assert rule_most_stable_layer(same.assign(growth_var=[0.1, np.nan])) == []


def test_biggest_movers_with_attribution(ranked):
    ranks = rank_table(ranked)
    # 2022Q1 vs 2021Q1: 上海 2 -> 1 (+1), 合肥 4 -> 3 (+1), 北京 1 -> 2 (-1), 深圳 3 -> 4 (-1)
    # ties: the better current rank wins -> riser 上海, faller 北京
    assert biggest_movers(ranks, period="2022Q1") == {"riser": SH, "faller": BJ}
    contrib = contributions(ranked, "2021Q1", "2022Q1", units=[SH, BJ])
    riser, faller = rule_biggest_movers(ranks, period="2022Q1", contributions=contrib)
    # 上海: x 9 -> 14, y 9 -> 10, weights .5: x contributes 2.5, y 0.5
    assert riser.text_zh == "上海排名较上年同期上升1位（第2位→第1位），主要得益于云计算（贡献+2.500）"
    assert riser.text_en == ("Shanghai rose 1 place on a year earlier (from 2nd to 1st), driven mainly by Cloud "
                             "(contribution +2.500)")
    assert riser.numbers["indicator"] == "x" and riser.numbers["index_change"] == 3
    # 北京: x 10 -> 13 (+1.5), y 10 -> 9 (-0.5): y contributed least
    assert faller.text_zh == "北京排名较上年同期下降1位（第1位→第2位），支付贡献最弱（-0.500）"
    plain = rule_biggest_movers(ranks, period="2022Q1")
    assert plain[0].text_zh == "上海排名较上年同期上升1位（第2位→第1位）" and "indicator" not in plain[0].numbers
    assert rule_biggest_movers(ranks, period="2021Q3", against="prev") == []  # nobody moved
    with pytest.raises(DataError, match="no indicator rows for unit 110000"):
        rule_biggest_movers(ranks, period="2022Q1", contributions=contrib[contrib.unit == SH])
    later = contributions(ranked, "2021Q2", "2022Q2", units=[SH, BJ])
    with pytest.raises(DataError, match="contributions end in 2022Q2"):
        rule_biggest_movers(ranks, period="2022Q1", contributions=later)


def test_industry_rules():
    ind = industry_index()
    found = rule_industries(industry_scale(ind, names=IND_NAMES))
    # C is the largest (11 of 24 = 45.8 %); I grows fastest (8/5-1 = 60 % vs C 11/7-1 = 57.1 %)
    assert [f.text_zh for f in found] == ["制造业行业数字化规模居首，占全部行业的45.8%", "信息技术行业增长最快，平均同比增速60.0%"]
    shares = province_industry_shares(ind, names=IND_NAMES)
    (f,) = rule_double_high_leader(double_high(shares))
    # medians: 安徽 is double-high in C and J, 广东 only in I
    assert f.text_zh == "安徽在2个行业中占比与增速双高（制造业、金融业）"
    assert f.text_en == "Anhui combines a high share with high growth in 2 industries (Manufacturing, Finance)"
    # thresholds .3 / 0: 安徽 C (.5, .5), 广东 C (.45, .05) and 广东 I (.35, .225) -> 广东 leads with 2
    (g,) = rule_double_high_leader(double_high(shares, share_threshold=0.3, growth_threshold=0.0))
    assert g.numbers == {"province": "广东", "n_industries": 2, "industries": ["C", "I"]}
    # thresholds .3 / .1: 广东 C's growth .05 is not above .1 -> 安徽 C and 广东 I, one each: a tie, silent
    assert rule_double_high_leader(double_high(shares, share_threshold=0.3, growth_threshold=0.1)) == []
    assert rule_double_high_leader(double_high(shares, share_threshold=0.9)) == []  # nobody double-high


def test_report_findings_deterministic(idx, tmp_path):
    ind = industry_index()
    found = report_findings(idx, ind, industry_names=IND_NAMES)
    assert [f.rule for f in found] == ["national_growth", "tier_growth_leader", "cluster_growth_leader",
                                       "most_stable_layer", "largest_industry", "fastest_industry",
                                       "double_high_leader"]
    assert [f.order for f in found] == sorted(f.order for f in found)
    assert all(f.rule in RULES for f in found)
    again = report_findings(idx, ind, industry_names=IND_NAMES)
    assert [f.to_dict() for f in found] == [f.to_dict() for f in again]
    frame = findings_frame(found)
    assert list(frame.columns) == ["rule", "order", "severity", "text_zh", "text_en", "numbers"]
    assert json.loads(frame["numbers"].iloc[0])["value"] == 33


def test_report_findings_movers_and_non_arithmetic(ranked):
    found = {f.rule: f for f in report_findings(ranked, period="2022Q1", top=3)}
    assert {"new_leader", "top_entry", "top_exit", "biggest_riser", "biggest_faller"} <= set(found)
    assert found["biggest_riser"].numbers["indicator"] == "x"
    # geometric aggregation: the movers are still reported, without attribution, and say why
    geo = ranked.rebuild({"aggregate.method": "geometric"})
    moved = {f.rule: f for f in report_findings(geo, period="2022Q1", top=3)}
    riser = moved["biggest_riser"]
    assert "indicator" not in riser.numbers and "weighted arithmetic" in riser.numbers["attribution"]
    assert riser.text_zh == "上海排名较上年同期上升1位（第2位→第1位）"
