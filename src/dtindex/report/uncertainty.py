"""The uncertainty section of a report: rank intervals, sensitivity indices, what-if ranks.

:func:`uncertainty_section` turns the tables of
:func:`dtindex.uncertainty.report_tables` into a report section;
:func:`write_uncertainty_html` writes it as a one-section offline report.
"""

from __future__ import annotations

from pathlib import Path

from . import fmt
from .html import write_html
from .model import Chart, Paragraph, Report, Section, Series, Table


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def uncertainty_section(tables, *, lang: str = "zh", title: str | None = None) -> Section:
    """Rank-interval chart, sensitivity bar chart, the plain-language paragraph and the tables."""
    ri = tables.rank_intervals
    label = [f"{n} ({c})" if n and n != c else str(c) for c, n in zip(ri["uCode"], ri["uName"])]
    ints = Chart("interval", _t(lang, "排名的90%区间（按名义排名排序）", "90% rank intervals (units by nominal rank)"),
                 categories=tuple(label), series=(
                     Series(_t(lang, "第5百分位", "5th percentile"), tuple(float(v) for v in ri["q05"])),
                     Series(_t(lang, "中位数", "median"), tuple(float(v) for v in ri["median_rank"])),
                     Series(_t(lang, "第95百分位", "95th percentile"), tuple(float(v) for v in ri["q95"]))),
                 y_label=_t(lang, "排名", "Rank"), fmt=fmt.decimal(0), id="rank-intervals", height=420,
                 note=_t(lang, "分位数按 numpy 'linear'（R 第7类）定义。", "Quantiles: numpy 'linear' (R type 7)."))
    blocks: list = [Paragraph(tables.paragraph_zh if lang == "zh" else tables.paragraph_en), ints]
    fs = tables.factor_sensitivity
    if len(fs) and fs["ST"].notna().any():
        names = fs["label_zh" if lang == "zh" else "label_en"].astype(str)
        blocks.append(Chart("grouped_bar", _t(lang, "平均排名变动的敏感性指数", "Sensitivity of the mean rank shift"),
                            categories=tuple(names), series=(
                                Series(_t(lang, "一阶效应 S1", "first order S1"), tuple(float(v) for v in fs["S1"])),
                                Series(_t(lang, "总效应 ST", "total effect ST"), tuple(float(v) for v in fs["ST"]))),
                            fmt=fmt.decimal(2), id="sensitivity", horizontal=True,
                            note=_t(lang, "Saltelli 设计；一阶效应为 Saltelli (2010) 估计量，总效应为 Jansen 估计量。",
                                    "Saltelli design; first order by the Saltelli (2010) estimator, total effect by Jansen's.")))
        blocks.append(Table.from_frame(fs.drop(columns=["label_zh" if lang == "en" else "label_en"]),
                                       title=_t(lang, "各不确定输入的敏感性指数（含自助法置信区间）",
                                                "Sensitivity indices per uncertain input (bootstrap intervals)"),
                                       id="sensitivity-table", sheet="sensitivity"))
    blocks.append(Table.from_frame(ri, title=_t(lang, "排名统计", "Rank statistics"), id="rank-stats", sheet="rank_stats",
                                   formats={"mean_rank": fmt.decimal(2), "share_top10": fmt.percent(0)}
                                   if "share_top10" in ri.columns else {"mean_rank": fmt.decimal(2)}))
    if len(tables.what_if.columns) > 2:
        blocks.append(Table.from_frame(tables.what_if, title=_t(lang, "单项改变时的排名", "Ranks under each single alternative"),
                                       id="what-if", sheet="what_if"))
    return Section("uncertainty", title or _t(lang, "不确定性与敏感性分析", "Uncertainty and sensitivity"), tuple(blocks))


def write_uncertainty_html(tables, path: str | Path, *, lang: str = "zh", title: str | None = None) -> Path:
    """Write a one-section offline HTML report of an uncertainty analysis."""
    section = uncertainty_section(tables, lang=lang)
    report = Report(title or _t(lang, "排名的不确定性分析", "Rank uncertainty analysis"), (section,), lang=lang)
    write_html(report, path)
    return Path(path)
