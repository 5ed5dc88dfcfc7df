"""A small fixed report with every block kind, both maps and Chinese labels (tests and golden files)."""

from __future__ import annotations

import pandas as pd

from dtindex.report import (
    KPI,
    Callout,
    Chart,
    Evidence,
    Heading,
    KPICards,
    Map,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
    fmt,
)

QUARTERS = ("2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1")


def ranking_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "排名": [1, 2, 3, 4, 5],
        "城市": ["上海", "北京", "深圳", "广州", "合肥"],
        "指数": [1.2345, 1.1, 0.987, 0.8, 0.1234],
        "同比": [0.052, -0.031, 0.0, 0.1234, None],
        "排名变化": [2, -1, 0, 1, 7],
        "企业数": [123456, 98765, 87654, 5000, 1234],
    })


def sample_report(lang: str = "zh", synthetic: bool = True) -> Report:
    overview = Section("overview", "总体", (
        Paragraph("全国数字化转型指数持续上升。", finding=1,
                  evidence=(Evidence("2022Q1 指数", 1.2345, fmt.decimal(2)), Evidence("同比", 0.052, fmt.change(1)))),
        KPICards((KPI("全国指数", 1.2345, fmt.decimal(2), change=0.052), KPI("城市数", 350, fmt.integer()),
                  KPI("企业数", 1234567, fmt.compact(1), change=-0.01, note="合成"))),
        Callout("本报告使用合成数据。", kind="warning", title="说明"),
        Chart("line", "全国及分层指数", categories=QUARTERS, series=(
            Series("全国", (1.0, 1.05, 1.1, 1.15, 1.2345)),
            Series("基础设施", (1.0, 1.02, None, 1.08, 1.1)),
            Series("平台", (1.0, 1.1, 1.2, 1.25, 1.3)),
            Series("应用", (1.0, 0.98, 1.03, 1.1, 1.2)),
        ), x_label="季度", y_label="指数", unit="2021Q1=1", main=True, id="national-line",
            note="基期 2021Q1 全国合计为 1。", base_n=350),
    ), lead="全国与三层指数的走势。")
    ranking = Section("ranking", "城市排名", (
        Heading("前五名"),
        Table.from_frame(ranking_frame(), title="城市排名 2022Q1",
                         formats={"排名": fmt.rank(), "指数": fmt.decimal(3), "同比": fmt.change(1)},
                         rank_change="排名变化", heat=("指数",), note="排名变化为上一年同期名次减本期名次。",
                         source="合成数据", base_n=5, id="city-ranking"),
        Chart("bar", "城市指数", categories=("上海", "北京", "深圳", "广州", "合肥"),
              series=(Series("指数", (1.2345, 1.1, 0.987, 0.8, 0.1234)),), horizontal=True, main=True,
              id="city-bar"),
        Chart("grouped_bar", "分层指数", categories=("上海", "北京", "深圳"),
              series=(Series("基础设施", (1.1, 1.0, 0.9)), Series("平台", (1.3, 1.2, 1.0)),
                      Series("应用", (1.2, 0.9, 1.1))), id="layer-bars"),
        Chart("stacked_bar", "城市层级占比", categories=QUARTERS[:3], percent=True, fmt=fmt.decimal(1), main=True,
              series=(Series("一线", (40.0, 42.0, 41.0)), Series("新一线", (30.0, 29.0, 30.0)),
                      Series("二线", (30.0, 29.0, 29.0))), id="tier-share"),
        Chart("stacked_bar", "城市层级总量", categories=QUARTERS[:3], fmt=fmt.decimal(1),
              series=(Series("一线", (40.0, 42.0, 41.0)), Series("新一线", (30.0, 29.0, 30.0))), id="tier-total"),
    ))
    structure = Section("structure", "结构", (
        Chart("scatter", "份额与增速", series=(
            Series("东部", (0.1, 0.2), x=(0.3, 0.25), labels=("广东", "江苏")),
            Series("中部", (0.3,), x=(0.05,), labels=("安徽",)),
        ), x_label="份额", y_label="增速", fmt=fmt.percent(1), x_fmt=fmt.percent(1), x_threshold=0.1, id="share-growth"),
        Chart("quadrant", "双高省份", series=(Series("省份", (0.1, 0.2, 0.3, 0.05), x=(0.3, 0.25, 0.05, 0.02),
                                                     labels=("广东", "江苏", "安徽", "甘肃")),),
              x_label="份额", y_label="增速", fmt=fmt.percent(1), x_fmt=fmt.percent(1), x_threshold=0.1,
              y_threshold=0.15, quadrant_labels=("双高", "高增速", "双低", "高份额"), main=True, id="double-high"),
        Chart("heat_table", "行业渗透", categories=("云计算", "人工智能", "敏捷研发"),
              series=(Series("制造业", (0.5, 0.2, 0.3)), Series("金融业", (0.9, 0.7, None)),
                      Series("零售业", (0.4, 0.1, 0.2))), fmt=fmt.percent(0), id="industry-heat"),
        Chart("pie", "城市层级构成", categories=("一线", "新一线", "二线"),
              series=(Series("城市数", (4, 15, 30)),), fmt=fmt.integer(), main=True, id="tier-pie"),
    ))
    maps = Section("maps", "地图", (
        Map("省级指数", {"440000": 1.3, "310000": 1.25, "110000": 1.2, "340000": 0.9, "650000": 0.2, "540000": None},
            level="province", unit="指数", id="province-map", source="合成数据"),
        Map("城市指数", {"440300": 1.3, "310000": 1.25, "340100": 0.9, "460300": 0.1, "460400": 0.3, "650400": 0.2},
            level="city", id="city-map"),
        Map("城市散点", {"440300": 1.3, "310000": 1.25, "340100": 0.9, "460300": 0.1, "659012": 0.05},
            level="city", kind="scatter", id="city-dots"),
    ))
    title = "数字化转型指数报告（示例）" if lang == "zh" else "Digital Transformation Index (sample)"
    return Report(title, (overview, ranking, structure, maps), subtitle="2021Q1–2022Q1",
                  meta={"数据": "合成演示数据", "配方": '{\n  "normalise": "base_share"\n}'}, lang=lang,
                  synthetic=synthetic)
