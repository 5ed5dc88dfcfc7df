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


def uncertainty_workbook(result, *, lang: str = "en") -> Report:
    """The workbook of an uncertainty analysis as a :class:`Report` for the shared Excel renderer.

    Sheets (after the README, which carries the English and Chinese summaries and any notes):
    ``Settings``, ``Factors`` (alternatives and indices of the mean absolute rank shift),
    ``Rank intervals``, ``Sensitivity`` (indices of every unit's rank) and ``What if``.
    """
    import pandas as pd

    from dtindex.uncertainty.summary import factor_table, report_tables

    tables = report_tables(result)
    u = result.uspec
    settings = pd.DataFrame({
        "setting": ["index", "period", "base sample size N", "replications run", "replications for rank statistics",
                    "sampling", "seed", "sensitivity indices", "bootstrap resamples", "confidence level", "top K"],
        "value": [str(v) for v in (result.index.framework.root, result.period or "(cross-section)", u.n,
                                   len(result.shift), len(result.ua_rows), u.sampling, u.seed,
                                   "yes" if result.sobol is not None else "no",
                                   u.bootstrap if result.sobol is not None else 0, u.ci, u.top)],
    })
    three = fmt.decimal(3)
    sens_fmt = {c: three for c in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")}
    ri = tables.rank_intervals
    ri_fmt = {c: f for c, f in (("mean_rank", fmt.decimal(2)), ("median_rank", fmt.decimal(1)),
                                ("q05", fmt.decimal(1)), ("q95", fmt.decimal(1))) if c in ri.columns}
    ri_fmt |= {c: fmt.percent(1) for c in ri.columns if str(c).startswith("share_top")}
    factors = factor_table(result)

    def table(frame, title, sheet, formats=None):
        formats = {c: f for c, f in (formats or {}).items() if c in frame.columns}
        return Table.from_frame(frame, title=title, sheet=sheet, formats=formats)

    sections = (
        Section("settings", "Settings", (table(settings, "Settings", "Settings"),
                                         table(factors, "Factors", "Factors", sens_fmt))),
        Section("rank-intervals", "Rank intervals", (table(ri, "Rank intervals", "Rank intervals", ri_fmt),)),
        Section("sensitivity", "Sensitivity", (table(tables.unit_sensitivity, "Sensitivity", "Sensitivity",
                                                     sens_fmt),)),
        Section("what-if", "What if", (table(tables.what_if, "What if", "What if"),)),
    )
    meta = [("Summary (English)", tables.paragraph_en), ("摘要（中文）", tables.paragraph_zh)]
    if result.messages:
        meta.append(("Notes", "\n".join(result.messages)))
    return Report(_t(lang, "排名的不确定性分析", "Rank uncertainty analysis"), sections, meta=tuple(meta), lang=lang)
