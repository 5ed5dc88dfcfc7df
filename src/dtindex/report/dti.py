"""The Digital Transformation Index report, assembled from a release folder or any build folder.

:func:`build_report` reads only the release (its main build, ``city`` in the demo or the
one build of a ``dtindex build --out`` folder, an optional ``industry`` build with
``industries.csv``, and ``release.json``), computes every table with :mod:`dtindex.analysis`
and returns a :class:`~dtindex.report.model.Report` value; :func:`render` writes it as one
offline HTML file and one Excel workbook. The report adapts to the data
(:mod:`dtindex.report.context`): periods, growth window, the framework's own layers, the
roll-up rule, which units the region tables know. ``build_report`` assembles an explicit
list of sections; a section that needs data the release lacks is replaced by one line
saying why. Each section and what it shows is described in ``docs/report.md``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import analysis as A
from ..errors import DataError
from ..release import Release
from .html import write_html
from .excel import write_excel
from .context import LeftOut, ReportContext, report_context
from .model import KPI, Callout, Chart, Heading, KPICards, Map, Paragraph, Report, Section, Table
from . import dti_charts, fmt
from .future import future_sections
from .links import links_sections

GROWTH_WINDOW = ("2022Q1", "2023Q1")  # the demo's window; any release derives its own (report.context.derive_window)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _names(release: Release) -> pd.DataFrame | None:
    path = release.path / "industries.csv"
    if not path.exists():
        return None
    df = pd.read_csv(path, dtype=str)
    return df.rename(columns={"name": "name_zh"})[["code", "name_zh", "name_en"]]


def _section(ctx: ReportContext, sid: str, zh: str, en: str, make: Callable[[], Section]) -> Section:
    """``make()``, or the section's title with one line saying why it is left out."""
    try:
        return make()
    except LeftOut as why:
        return Section(sid, ctx.t(zh, en), (Callout(ctx.t(f"本节略去：{why.zh}", f"Left out: {why.en}"), kind="note",
                                                    id=f"{sid}-left-out"),))


def build_report(release: Release | str | Path, *, lang: str = "zh", geojson: str | Path | None = None,
                 window: tuple[str, str] | None = None, info: dict[str, Any] | None = None) -> Report:
    """The report of a release or build folder, as a value (nothing is written).

    ``window`` = (start, end) of the growth rankings (default: derived from the periods);
    ``info`` overrides the cover information (``title``, ``title_en``, ``source``,
    ``source_en``, ``unit``, ``unit_en``, ``edition``) that otherwise comes from the spec.

    The sections are an explicit list. To add one, append one line
    ``_section(ctx, "<id>", "<zh title>", "<en title>", lambda: <function>(...))``; the function
    returns a :class:`Section`, or raises :class:`~dtindex.report.context.LeftOut` with the
    reason when the release lacks its data (the report then shows that one line instead).
    """
    ctx = report_context(release, lang=lang, geojson=geojson, window=window, info=info)
    rel, city = ctx.release, ctx.main
    ranks = ctx.display(A.rank_table(city, method=ctx.rollup))
    sections = [
        _section(ctx, "overview", "概览", "Overview", lambda: _overview(ctx, ranks)),
        _section(ctx, "national", f"{ctx.whole}指数", f"{ctx.whole} index", lambda: _national(ctx)),
        _section(ctx, "cities", f"{ctx.unit_noun}排名", f"{ctx.unit_noun} rankings", lambda: _cities(ctx, ranks)),
        _section(ctx, "provinces", "省份", "Provinces", lambda: _provinces(ctx)),
        _section(ctx, "tiers", "城市层级", "City tiers", lambda: _tiers(ctx)),
        _section(ctx, "clusters", "城市群", "City clusters", lambda: _clusters(ctx)),
        _section(ctx, "industries", "行业", "Industries", lambda: _industries(ctx)),
        _section(ctx, "attribution", "排名变化的原因", "Why units moved", lambda: _attribution(ctx, ranks)),
        _section(ctx, "regional", "区域差异与动态", "Regional gaps and dynamics", lambda: _regional(ctx)),
        *future_sections(rel, ctx.lang, ctx.geojson),
        *links_sections(rel, ctx.lang),
        _section(ctx, "method", "方法", "Method", lambda: _method(ctx)),
    ]
    sections = [_with_source(s, ctx.source) for s in sections]
    periods = ctx.periods
    span = f"{periods[0]}–{ctx.latest}" if len(periods) > 1 else ctx.latest
    data_line = (_t(lang, "合成演示数据（非真实遥测）", "synthetic demo data (not real telemetry)") if rel.synthetic
                 else (ctx.source or _t(lang, "未注明（在 spec 中写 source，或用 dtindex report --source）",
                                        "not stated (set source in the spec, or dtindex report --source)")))
    meta = {_t(lang, "数据", "Data"): data_line}
    if ctx.info.get("edition"):
        meta[_t(lang, "版次", "Edition")] = ctx.info["edition"]
    if ctx.unit:
        meta[_t(lang, "单位", "Unit")] = ctx.unit
    meta.update({
        _t(lang, "期间", "Periods"): span,
        **({_t(lang, "基期", "Base period"): str(city.base_period)} if city.base_period else {}),
        _t(lang, "汇总方式", "Roll-up"): ctx.rollup_note,
        _t(lang, "配方", "Recipe"): json.dumps(city.recipe().get("resolved", {}), ensure_ascii=False, indent=1)[:4000],
    })
    subtitle = span + (f" · {ctx.info['edition']}" if ctx.info.get("edition") and ctx.info["edition"] != span else "")
    notice = rel.meta.get("notice") if rel.synthetic else None
    return Report(ctx.title, tuple(sections), subtitle=subtitle, meta=meta, lang=lang, synthetic=rel.synthetic,
                  notice=notice)


def _with_source(section: Section, source: str | None) -> Section:
    """Every chart, map and table carries the data source (and edition) under it."""
    if not source:
        return section
    blocks = tuple(dataclasses.replace(b, source=source) if isinstance(b, (Chart, Map, Table)) and b.source is None
                   else b for b in section.blocks)
    return dataclasses.replace(section, blocks=blocks)


# ---------------------------------------------------------------------- sections
def _require_periods(ctx: ReportContext, n: int = 2) -> None:
    if len(ctx.periods) < n or (n >= 2 and ctx.freq is None):
        raise LeftOut(f"数据只有 {len(ctx.periods)} 个期间，本节需要至少 {n} 个。",
                      f"the data have {len(ctx.periods)} period(s); this section needs at least {n}.")


def _require_regions(ctx: ReportContext, what_zh: str, what_en: str) -> None:
    if not ctx.cities:
        raise LeftOut(f"{what_zh}需要中国城市单位（区划代码），本数据的单位不是城市。",
                      f"{what_en} need Chinese city units (adcodes); the units of these data are not cities.")


def _overview(ctx: ReportContext, ranks: pd.DataFrame) -> Section:
    city, lang = ctx.main, ctx.lang
    national = A.national_series(city, method=ctx.rollup)
    top = national[(national["iCode"] == city.root) & (national["Time"] == ctx.latest)].iloc[0]
    blocks: list[Any] = []
    if ctx.release.synthetic:
        blocks.append(Callout(ctx.t("本报告的全部数字由随机生成的合成活动记录计算得出，不代表任何真实城市或行业。",
                                    "Every number in this report is computed from randomly generated synthetic activity "
                                    "records; it describes no real city or industry."), kind="warning",
                              title=ctx.t("合成数据", "Synthetic data")))
    what = ctx.t(f"{ctx.whole}指数", f"{ctx.whole} index") if ctx.rollup == "sum" else \
        ctx.t(f"{ctx.unit_noun}{ctx.rollup_word}指数", f"{ctx.rollup_word.capitalize()} {ctx.unit_noun.lower()} index")
    cards = [KPI(ctx.t(f"{ctx.latest} {what}", f"{what} {ctx.latest}"), float(top["value"]), fmt.decimal(2),
                 change=None if pd.isna(top["yoy"]) else float(top["yoy"])),
             KPI(ctx.t(f"{ctx.unit_noun}数（{ctx.latest}）", f"{ctx.units_noun.capitalize()} ({ctx.latest})"),
                 int(top["n_units"]), fmt.integer())]
    if ctx.industry is not None:
        cards.append(KPI(ctx.t("城市×行业单元", "City × industry units"), len(ctx.industry.units), fmt.integer()))
    leader = ranks[(ranks["Time"] == ctx.latest) & (ranks["rank"] == 1)]
    if len(leader) == 1:
        cards.append(KPI(ctx.t(f"第一名：{leader[ctx.name_col].iloc[0]}", f"First: {leader[ctx.name_col].iloc[0]}"),
                         float(leader["value"].iloc[0]), fmt.decimal(2)))
    blocks.append(KPICards(tuple(cards)))
    findings = _findings(ctx)
    if findings:
        blocks.append(Heading(ctx.t("主要发现", "Key findings")))
        for i, f in enumerate(findings, start=1):
            blocks.append(Paragraph(f.text_zh if lang == "zh" else f.text_en, finding=i))
    return Section("overview", ctx.t("概览", "Overview"), tuple(blocks),
                   lead=ctx.t("每条发现由规则从下文表格生成，并附其所依据的数字。",
                              "Each finding is produced by a rule from the tables below and carries its numbers."))


def _findings(ctx: ReportContext) -> list:
    """The rule-based findings; for units that are not cities only the rules that need no region tables."""
    city = ctx.main
    if ctx.freq is None or len(ctx.periods) < 2:
        return []
    if ctx.cities:
        return A.report_findings(city, ctx.industry, industry_names=_names(ctx.release) if ctx.industry else None,
                                 window=ctx.window, method=ctx.rollup)
    found: list = []
    national = A.national_series(city, method=ctx.rollup)
    ranks = ctx.display(A.rank_table(city, method=ctx.rollup))
    found += A.rule_national_growth(national, period=ctx.latest)
    found += A.rule_new_leader(ranks, period=ctx.latest, scope="city")
    if len(ctx.layers) >= 2:
        found += A.rule_most_stable_layer(A.layer_stability(city, method=ctx.rollup))
    found += A.rule_biggest_movers(ranks, period=ctx.latest)
    return sorted(found, key=lambda f: f.order)


def _national(ctx: ReportContext) -> Section:
    city, lang = ctx.main, ctx.lang
    _require_periods(ctx, 1)
    national = A.national_series(city, method=ctx.rollup)
    label = ctx.name_col
    wide = national.pivot(index="Time", columns="iCode", values="value").reindex(
        index=list(ctx.periods), columns=list(pd.unique(national["iCode"]))).reset_index()
    series_names = dict(zip(national["iCode"], national[label]))
    how = ctx.t("合计", "total") if ctx.rollup == "sum" else ctx.t(f"{ctx.unit_noun}{ctx.rollup_word}",
                                                                    f"{ctx.rollup_word} over {ctx.units_noun}")
    blocks: list[Any] = []
    if len(ctx.periods) >= 2:  # one period: the table says it all, a one-point line would be an empty chart
        blocks.append(Chart.from_frame(
            "line", wide, "Time", [c for c in wide.columns if c != "Time"], names=series_names,
            title=ctx.t(f"{ctx.whole}指数及各层（{how}）", f"{ctx.whole} index and its layers ({how})"),
            x_label=ctx.period_noun, y_label=ctx.t("指数", "Index"), unit=ctx.unit, main=True, id="national-line",
            fmt=fmt.decimal(1), note=ctx.rollup_note))
    cols = ["Time", label, "value"] + (["qoq"] if ctx.sub_yearly else []) + (["yoy"] if national["yoy"].notna().any() else [])
    table = national[cols].rename(columns={
        "Time": ctx.period_noun, label: ctx.t("指数", "Index"), "value": ctx.t("数值", "Value"),
        "qoq": ctx.vs_previous, "yoy": ctx.t("同比", "YoY")})
    formats = {table.columns[2]: fmt.decimal(2), **{c: fmt.change(1) for c in table.columns[3:]}}
    blocks.append(Table.from_frame(table, title=ctx.t(f"{ctx.whole}指数及各层与增速", f"{ctx.whole} index, layers and growth"),
                                   formats=formats, id="national-table", sheet="national",
                                   note=ctx.rollup_note if len(ctx.periods) < 2 else None))
    if len(ctx.layers) >= 2 and len(ctx.periods) >= 3:
        stability = A.layer_stability(city, method=ctx.rollup)
        stab = stability[[label, "growth_mean", "growth_sd", "rank_moves", "stability_rank"]].rename(columns={
            label: ctx.t("层", "Layer"), "growth_mean": ctx.t("平均环比增速", "Mean growth on the previous period"),
            "growth_sd": ctx.t("环比增速标准差", "SD of that growth"), "rank_moves": ctx.t("增速名次变动", "Growth-rank moves"),
            "stability_rank": ctx.t("稳定性名次", "Stability rank")})
        blocks.append(Table.from_frame(stab, title=ctx.t("各层增长的稳定性", "Stability of layer growth"),
                                       formats={stab.columns[1]: fmt.percent(1), stab.columns[2]: fmt.percent(1),
                                                stab.columns[4]: fmt.rank()}, id="layer-stability",
                                       sheet="layer_stability"))
    return Section("national", ctx.t(f"{ctx.whole}指数", f"{ctx.whole} index"), tuple(blocks))


def _cities(ctx: ReportContext, ranks: pd.DataFrame) -> Section:
    city, lang, nm, latest = ctx.main, ctx.lang, ctx.name_col, ctx.latest
    noun = ctx.unit_noun
    cur = ranks[ranks["Time"] == latest].sort_values("rank", kind="stable").head(20)
    cols = {"rank": ctx.t("排名", "Rank"), nm: noun, "value": ctx.t("指数", "Index")}
    if ctx.year_ago:
        cols["change_yoy"] = ctx.t("较上年同期", "vs a year earlier") if ctx.sub_yearly else ctx.vs_previous
    if ctx.sub_yearly and ctx.previous:
        cols["change_prev"] = ctx.vs_previous
    tab = cur[list(cols)].rename(columns=cols)
    formats = {tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(3)}
    if ctx.sub_yearly and ctx.previous:
        formats[tab.columns[-1]] = fmt.rank_change()
    blocks: list[Any] = [Table.from_frame(
        tab, title=ctx.t(f"{noun}排名前{len(tab)}（{latest}）", f"Top {len(tab)} {ctx.units_noun} ({latest})"), formats=formats,
        rank_change=tab.columns[3] if ctx.year_ago else None, heat=(tab.columns[2],), id="city-top20", sheet="city_top20",
        note=ctx.t("排名变化 = 上期名次 − 本期名次，正数表示上升。", "Rank change = earlier rank − current rank; positive means up."))]
    blocks.append(dti_charts.top_bar(ctx, ranks))
    if len(ctx.periods) >= 2:
        blocks.append(dti_charts.rank_bump(ctx, ranks))
    if ctx.year_ago:
        moves = A.top_moves(ranks, period=latest)
        if len(moves):
            mv = moves[["move", nm, "rank", "rank_before"]].rename(columns={
                "move": ctx.t("变动", "Move"), nm: noun, "rank": ctx.t("本期名次", "Rank"),
                "rank_before": ctx.t("上年同期名次", "Rank a year earlier")})
            mv[mv.columns[0]] = mv[mv.columns[0]].map({"entered": ctx.t("进入前10", "entered top 10"),
                                                       "left": ctx.t("跌出前10", "left top 10")})
            blocks.append(Table.from_frame(mv, title=ctx.t("前10名的进入与退出", "Entries into and exits from the top 10"),
                                           formats={mv.columns[2]: fmt.rank(), mv.columns[3]: fmt.rank()},
                                           id="city-top10-moves", sheet="city_top10_moves"))
    if ctx.window:
        w1 = ctx.window[1]
        growth = ctx.display(A.growth_ranking(city, by="unit", window=ctx.window))
        g = growth.head(20)[["rank", nm, "mean_yoy", "value_end"]].rename(columns={
            "rank": ctx.t("增速排名", "Growth rank"), nm: noun,
            "mean_yoy": ctx.t("平均同比增速", "Mean YoY growth"), "value_end": ctx.t(f"{w1} 指数", f"Index {w1}")})
        blocks.append(Table.from_frame(
            g, title=ctx.t(f"{noun}增速排名前{len(g)}（{ctx.window_label} 同比均值）",
                           f"Top {len(g)} {ctx.units_noun} by growth (mean YoY, {ctx.window_label})"),
            formats={g.columns[0]: fmt.rank(), g.columns[2]: fmt.percent(1), g.columns[3]: fmt.decimal(3)},
            id="city-growth", sheet="city_growth",
            note=ctx.t(f"增速窗口 {ctx.window_label}：窗口内各期同比增速的平均。",
                       f"Growth window {ctx.window_label}: mean of the YoY rates in it.")))
        try:
            blocks.append(dti_charts.level_growth_quadrant(ctx, growth))
        except LeftOut as why:
            blocks.append(Callout(ctx.t(why.zh, why.en), kind="note"))
    values = city.table(city.root)[latest]
    if ctx.cities:
        known = set(ctx.mapped)
        blocks.append(Map(ctx.t(f"{noun}指数分布（{latest}）", f"{noun} index ({latest})"),
                          tuple((str(u), None if pd.isna(v) else float(v)) for u, v in values.items() if str(u) in known),
                          level="city", id="city-map", fmt=fmt.decimal(2), unit=ctx.unit))
    elif ctx.unit_kind == "province":
        known = set(ctx.mapped)
        blocks.append(Map(ctx.t(f"省份指数（{latest}）", f"Province index ({latest})"),
                          tuple((str(u), None if pd.isna(v) else float(v)) for u, v in values.items() if str(u) in known),
                          level="province", geojson=ctx.geojson, id="city-map", fmt=fmt.decimal(2), unit=ctx.unit))
    if ctx.unmapped:
        shown = [f"{ctx.names.get(u, u)}" + ("" if ctx.names.get(u, u) == u else ctx.t(f"（{u}）", f" ({u})"))
                 for u in ctx.unmapped[:40]]
        more = len(ctx.unmapped) - len(shown)
        text = "、".join(shown) if lang == "zh" else ", ".join(shown)
        if ctx.cities or ctx.unit_kind == "province":
            blocks.append(Paragraph(ctx.t(
                f"不在区划表中、未上图的单位（{len(ctx.unmapped)} 个）：{text}" + (f" 等另 {more} 个" if more > 0 else ""),
                f"Units the region tables do not know, not on the map ({len(ctx.unmapped)}): {text}"
                + (f" and {more} more" if more > 0 else ""))))
        else:
            blocks.append(Paragraph(ctx.t("本数据的单位不是中国城市或省份，不绘制地图。",
                                          "The units of these data are not Chinese cities or provinces, so no map is drawn.")))
    return Section("cities", ctx.t(f"{noun}排名", f"{noun} rankings"), tuple(blocks))


def _provinces(ctx: ReportContext) -> Section:
    from .. import regions

    _require_regions(ctx, "省份汇总", "Province roll-ups")
    city, latest = ctx.main, ctx.latest
    ranks = A.rank_table(city, by="province", method=ctx.rollup)
    col = "unit" if ctx.lang == "zh" else "name_en"
    cur = ranks[ranks["Time"] == latest].sort_values("rank", kind="stable")
    cols = {"rank": ctx.t("排名", "Rank"), col: ctx.t("省份", "Province"), "value": ctx.t("指数", "Index")}
    if ctx.year_ago:
        cols["change_yoy"] = ctx.t("较上年同期", "vs a year earlier") if ctx.sub_yearly else ctx.vs_previous
    tab = cur[list(cols)].rename(columns=cols)
    how = ctx.rollup_word
    blocks: list[Any] = [Table.from_frame(
        tab, title=ctx.t(f"省份排名（{latest}，所辖{ctx.units_noun}{how}）", f"Province ranking ({latest}, {how} of {ctx.units_noun})"),
        formats={tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(2)},
        rank_change=tab.columns[3] if ctx.year_ago else None,
        heat=(tab.columns[2],), id="province-ranking", sheet="province_ranking", note=ctx.rollup_note)]
    short_to_code = dict(zip(regions.provinces()["short_name"], regions.provinces()["adcode"]))
    values = tuple((str(short_to_code[u]), float(v)) for u, v in zip(cur["unit"], cur["value"])
                   if u in short_to_code and pd.notna(v))
    blocks.append(Map(ctx.t(f"省份指数（{latest}）", f"Province index ({latest})"), values, level="province",
                      geojson=ctx.geojson, id="province-map", fmt=fmt.decimal(2), unit=ctx.unit, note=ctx.rollup_note))
    if ctx.window:
        gr = A.growth_ranking(city, by="province", window=ctx.window, method=ctx.rollup)
        g = gr[["rank", col, "mean_yoy"]]
        g.columns = [ctx.t("增速排名", "Growth rank"), ctx.t("省份", "Province"), ctx.t("平均同比增速", "Mean YoY growth")]
        blocks.append(Table.from_frame(g, title=ctx.t(f"省份增速排名（{ctx.window_label}）",
                                                      f"Province growth ranking ({ctx.window_label})"),
                                       formats={g.columns[0]: fmt.rank(), g.columns[2]: fmt.percent(1)},
                                       id="province-growth", sheet="province_growth",
                                       note=ctx.t(f"省份的增速为其{how}指数的同比增速。", f"A province's growth is that of its {how}.")))
    return Section("provinces", ctx.t("省份", "Provinces"), tuple(blocks))


def _weighted_means(ctx: ReportContext, by: str, summary: pd.DataFrame) -> pd.Series:
    """The summary's ``mean_index`` (plain mean of members), or the declared weighted mean of the latest period."""
    if ctx.rollup != "weighted_mean":
        return summary["mean_index"]
    r = A.rank_table(ctx.main, by=by, method="weighted_mean")
    latest = r[r["Time"] == ctx.latest].set_index("unit")["value"]
    return summary["group"].map(latest)


def _tiers(ctx: ReportContext) -> Section:
    _require_regions(ctx, "城市层级", "City tiers")
    _require_periods(ctx, 2)
    if not ctx.window:
        raise LeftOut("没有同比增速（数据不足一年），无法比较层级增长。", "no year-on-year growth (less than a year of data).")
    city, lang = ctx.main, ctx.lang
    grp = "group" if lang == "zh" else "group_en"
    tiers = A.tier_summary(city, window=ctx.window, method="sum")
    tiers["mean_index"] = _weighted_means(ctx, "tier", tiers)
    tier_list = str(tiers["tier_list"].iloc[0]) if "tier_list" in tiers.columns and len(tiers) else "2025"
    blocks: list[Any] = []
    if ctx.rollup == "sum":
        shares = A.tier_shares(city)
        wide = shares.pivot(index="Time", columns=grp, values="share").reindex(
            columns=list(pd.unique(shares[grp]))).reset_index()
        blocks.append(Chart.from_frame("stacked_bar", wide, "Time", [c for c in wide.columns if c != "Time"], percent=True,
                                       title=ctx.t("各层级城市占全国指数的份额", "Share of the national index by city tier"),
                                       fmt=fmt.percent(1), main=True, id="tier-shares"))
        cols = [grp, "n_units", "unit_share", "share", "share_change", "mean_yoy", "growth_rank"]
    else:
        cols = [grp, "n_units", "unit_share", "mean_index", "mean_yoy", "growth_rank"]
    blocks.append(dti_charts.layers_by_group(ctx, "tier"))
    names = {grp: ctx.t("层级", "Tier"), "n_units": ctx.t("城市数", "Cities"), "unit_share": ctx.t("城市数占比", "Share of cities"),
             "share": ctx.t("指数份额", "Share of index"), "share_change": ctx.t("份额变化", "Change of share"),
             "mean_index": ctx.t(f"平均指数（{ctx.latest}）", f"Mean index ({ctx.latest})"),
             "mean_yoy": ctx.t("平均同比增速", "Mean YoY growth"), "growth_rank": ctx.t("增速名次", "Growth rank")}
    tab = tiers[cols].rename(columns=names)
    kinds = {"unit_share": fmt.percent(1), "share": fmt.percent(1), "share_change": fmt.change(1),
             "mean_index": fmt.decimal(2), "mean_yoy": fmt.percent(1), "growth_rank": fmt.rank()}
    blocks.append(Table.from_frame(
        tab, title=ctx.t("城市层级", "City tiers"), formats={names[c]: kinds[c] for c in cols if c in kinds},
        id="tier-summary", sheet="tiers",
        note=ctx.t(f"层级采用第一财经《{tier_list}城市商业魅力排行榜》（2023年名单只有前三档，故默认用完整的{tier_list}年名单）；"
                   "平均增速为成员城市同比增速的平均值。" + ctx.rollup_note,
                   f"Tiers from the Yicai {tier_list} list (the 2023 list in the shipped table has only the top three "
                   "tiers, so the complete list is the default); mean growth averages member cities' YoY rates. "
                   + ctx.rollup_note)))
    return Section("tiers", ctx.t("城市层级", "City tiers"), tuple(blocks))


#: Fewest located cities for the regional section (k-nearest-neighbour weights use k = 5).
MIN_REGIONAL_UNITS = 10


def _regional(ctx: ReportContext) -> Section:
    """The 区域差异与动态 section (:mod:`dtindex.report.regional`): needs cities located by the region tables."""
    if not ctx.cities:
        raise LeftOut("单位不是城市，区域差异与空间分析需要城市代码。", "the units are not cities; regional gaps and spatial "
                      "statistics need city codes.")
    _require_periods(ctx, 2)
    if len(ctx.mapped) < MIN_REGIONAL_UNITS:
        raise LeftOut(f"区域表能定位的城市只有 {len(ctx.mapped)} 个，少于 {MIN_REGIONAL_UNITS} 个，不足以做区域差异与空间分析。",
                      f"only {len(ctx.mapped)} cities are located by the region tables; regional gaps and spatial "
                      f"statistics need at least {MIN_REGIONAL_UNITS}.")
    from .regional import regional_section

    return regional_section(ctx.main, lang=ctx.lang, units=ctx.mapped)


def _clusters(ctx: ReportContext) -> Section:
    _require_regions(ctx, "城市群", "City clusters")
    _require_periods(ctx, 2)
    if not ctx.window:
        raise LeftOut("没有同比增速（数据不足一年），无法比较城市群增长。", "no year-on-year growth (less than a year of data).")
    city, lang, latest = ctx.main, ctx.lang, ctx.latest
    grp = "group" if lang == "zh" else "group_en"
    clusters = A.cluster_summary(city, window=ctx.window, method="sum")
    clusters["mean_index"] = _weighted_means(ctx, "cluster", clusters)
    blocks: list[Any] = []
    if ctx.rollup == "sum":
        blocks.append(Chart.from_frame("grouped_bar", clusters, grp, ["share", "unit_share"],
                                       names={"share": ctx.t("指数份额", "Share of index"),
                                              "unit_share": ctx.t("城市数份额", "Share of cities")},
                                       title=ctx.t("十一大城市群：指数份额与城市数份额", "11 city clusters: share of index vs share of cities"),
                                       fmt=fmt.percent(1), main=True, id="cluster-shares"))
        cols = [grp, "n_units", "share", "unit_share", "mean_index", "mean_yoy", "head_names", "head_share"]
    else:
        cols = [grp, "n_units", "unit_share", "mean_index", "mean_yoy", "head_names"]
    blocks.append(dti_charts.layers_by_group(ctx, "cluster"))
    names = {grp: ctx.t("城市群", "Cluster"), "n_units": ctx.t("城市数", "Cities"), "share": ctx.t("指数份额", "Share of index"),
             "unit_share": ctx.t("城市数份额", "Share of cities"), "mean_index": ctx.t("平均指数", "Mean index"),
             "mean_yoy": ctx.t("平均同比增速", "Mean YoY growth"), "head_names": ctx.t("头部城市", "Head cities"),
             "head_share": ctx.t("头部城市份额", "Head cities' share")}
    tab = clusters[cols].rename(columns=names)
    kinds = {"share": fmt.percent(1), "unit_share": fmt.percent(1), "mean_index": fmt.decimal(3),
             "mean_yoy": fmt.percent(1), "head_share": fmt.percent(1)}
    blocks.append(Table.from_frame(tab, title=ctx.t(f"城市群概况（{latest}）", f"City clusters ({latest})"),
                                   formats={names[c]: kinds[c] for c in cols if c in kinds},
                                   heat=(names["mean_yoy"],), id="cluster-summary", sheet="clusters", note=ctx.rollup_note))
    if ctx.industry is not None:
        names_ind = _names(ctx.release)
        tops = A.cluster_top_industries(ctx.industry, names=names_ind)
        ind = "industry_name" if lang == "zh" else "industry_name_en"
        top = tops[[grp, "position", ind, "rank_sum", "mean_rank"]].rename(columns={
            grp: ctx.t("城市群", "Cluster"), "position": ctx.t("位次", "Position"), ind: ctx.t("行业", "Industry"),
            "rank_sum": ctx.t("各期名次之和", "Sum of ranks over periods"), "mean_rank": ctx.t("平均名次", "Mean rank")})
        blocks.append(Table.from_frame(
            top, title=ctx.t("各城市群前三行业（按各期名次累计）", "Top 3 industries per cluster (cumulative rank over periods)"),
            formats={top.columns[1]: fmt.integer(), top.columns[3]: fmt.decimal(0), top.columns[4]: fmt.decimal(2)},
            id="cluster-industries", sheet="cluster_industries",
            note=ctx.t("累计名次 = 行业在城市群内各期名次之和，越小越靠前；并列时按最新一期指数、再按行业代码。",
                       "Cumulative rank = sum of the industry's ranks within the cluster over the periods (lower is better); "
                       "ties broken by the latest index, then the industry code.")))
    return Section("clusters", ctx.t("城市群", "City clusters"), tuple(blocks))


def _industries(ctx: ReportContext) -> Section:
    if ctx.industry is None:
        raise LeftOut("本发布没有行业指数（industry 构建）。", "the release has no industry index (an 'industry' build).")
    names = _names(ctx.release)
    if names is None:
        raise LeftOut("发布目录缺少 industries.csv（行业名称）。", "the release has no industries.csv (industry names).")
    if not ctx.window:
        raise LeftOut("没有同比增速（数据不足一年）。", "no year-on-year growth (less than a year of data).")
    industry, lang, latest = ctx.industry, ctx.lang, ctx.latest
    scale = A.industry_scale(industry, names=names, window=ctx.window)
    dh = A.double_high(A.province_industry_shares(industry, names=names, window=ctx.window))
    ind = "industry_name" if lang == "zh" else "industry_name_en"
    bar = Chart.from_frame("bar", scale, ind, ["value"], names={"value": ctx.t("指数", "Index")}, horizontal=True,
                           title=ctx.t(f"行业数字化规模（{latest}）", f"Industry digital scale ({latest})"),
                           fmt=fmt.decimal(2), main=True, id="industry-scale-bar")
    tab = scale[["rank", ind, "value", "share", "mean_yoy", "growth_rank"]].rename(columns={
        "rank": ctx.t("规模排名", "Scale rank"), ind: ctx.t("行业", "Industry"), "value": ctx.t("指数", "Index"),
        "share": ctx.t("占全部行业", "Share of all industries"), "mean_yoy": ctx.t("平均同比增速", "Mean YoY growth"),
        "growth_rank": ctx.t("增速排名", "Growth rank")})
    t = Table.from_frame(tab, title=ctx.t("行业规模与增速", "Industry scale and growth"),
                         formats={tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(2), tab.columns[3]: fmt.percent(1),
                                  tab.columns[4]: fmt.percent(1), tab.columns[5]: fmt.rank()},
                         heat=(tab.columns[4],), id="industry-scale", sheet="industries")
    blocks: list[Any] = [bar, t]
    if len(scale):  # the double-high quadrant for the largest industry
        code = scale.iloc[0]["industry"]
        sub = dh[dh["industry"] == code]
        prov = "province" if lang == "zh" else "province_en"
        pts = sub.dropna(subset=["share", "mean_share_yoy"])
        if len(pts):
            blocks.append(Chart.from_points(
                pts, "share", "mean_share_yoy", label=prov, kind="quadrant",
                title=ctx.t(f"“双高”省份：{scale.iloc[0]['industry_name']}", f"Double-high provinces: {scale.iloc[0]['industry_name_en']}"),
                x_label=ctx.t("行业占本省数字产业份额", "Share of the province's digital industry"),
                y_label=ctx.t("份额平均同比增速", "Mean YoY growth of the share"), fmt=fmt.percent(1), x_fmt=fmt.percent(1),
                x_threshold=float(pts["share_threshold"].iloc[0]), y_threshold=float(pts["growth_threshold"].iloc[0]),
                quadrant_labels=(ctx.t("双高", "double-high"), ctx.t("高增速", "high growth"), ctx.t("双低", "double-low"),
                                 ctx.t("高份额", "high share")), id="double-high"))
        both = dh[dh["double_high"]]
        d = both[[ind, prov, "share", "mean_share_yoy"]].rename(columns={
            ind: ctx.t("行业", "Industry"), prov: ctx.t("省份", "Province"), "share": ctx.t("份额", "Share"),
            "mean_share_yoy": ctx.t("份额平均同比增速", "Mean YoY growth of the share")})
        blocks.append(Table.from_frame(d, title=ctx.t("“双高”省份（份额与增速均高于省份中位数）",
                                                      "Double-high provinces (share and growth above the provincial median)"),
                                       formats={d.columns[2]: fmt.percent(1), d.columns[3]: fmt.percent(1)},
                                       id="double-high-table", sheet="double_high"))
    return Section("industries", ctx.t("行业", "Industries"), tuple(blocks))


def _attribution(ctx: ReportContext, ranks: pd.DataFrame) -> Section:
    city, lang = ctx.main, ctx.lang
    _require_periods(ctx, 2)
    p1 = ctx.latest
    p0 = ctx.year_ago or ctx.previous
    if p0 is None:
        raise LeftOut("最新一期没有可比的上一期。", "the latest period has no earlier period to compare with.")
    agg = (city.recipe().get("resolved") or {}).get("aggregate") or {}
    if any(s.get("method") != "arithmetic" for s in agg.values()):
        raise LeftOut("分解只适用于加权算术平均聚合。", "the decomposition needs weighted arithmetic aggregation.")
    movers = A.biggest_movers(ranks, period=p1)
    blocks: list[Any] = []
    label = "name" if lang == "zh" else "name_en"
    for role, unit in (("riser", movers.get("riser")), ("faller", movers.get("faller"))):
        if not unit:
            continue
        try:
            att = A.attribute(city, unit, p0, p1)
        except DataError as exc:  # a child present in one period only: say so instead of guessing
            blocks.append(Callout(str(exc), kind="note"))
            continue
        rows = att[att["kind"] != "total"]
        tab = rows[[label, "kind", "weight", "value_p0", "value_p1", "contribution", "share"]].rename(columns={
            label: ctx.t("指标", "Indicator"), "kind": ctx.t("类别", "Kind"), "weight": ctx.t("有效权重", "Effective weight"),
            "value_p0": p0, "value_p1": p1, "contribution": ctx.t("贡献", "Contribution"),
            "share": ctx.t("贡献占比", "Share of change")})
        who = ctx.unit_name(unit)
        title = ctx.t(f"{who}：指数变化的分解（{p0}→{p1}）", f"{who}: decomposition of the index change ({p0}→{p1})")
        blocks.append(Table.from_frame(tab, title=title, formats={
            tab.columns[2]: fmt.decimal(3), tab.columns[3]: fmt.decimal(3), tab.columns[4]: fmt.decimal(3),
            tab.columns[5]: fmt.decimal(3), tab.columns[6]: fmt.percent(1)}, id=f"attribution-{role}", sheet=f"attribution_{role}",
            note=ctx.t("贡献 = 有效权重 × 标准化值变化；各指标贡献之和等于指数变化。",
                       "Contribution = effective weight × change of the normalised value; contributions sum to the change.")))
    riser = movers.get("riser")
    if riser:
        try:
            gap = A.attribute_gap(city, riser, p0, p1, neighbour="above")
        except DataError as exc:  # no neighbour above (already first) or a child present in one period only
            gap = None
            blocks.append(Callout(str(exc), kind="note"))
        if gap is not None:
            other = ctx.unit_name(gap.attrs.get("neighbour"))
            g = gap[gap["kind"] != "total"][[label, "kind", "gap_p0", "gap_p1", "contribution", "share"]].rename(columns={
                label: ctx.t("指标", "Indicator"), "kind": ctx.t("类别", "Kind"),
                "gap_p0": ctx.t(f"{p0} 差距", f"Gap {p0}"), "gap_p1": ctx.t(f"{p1} 差距", f"Gap {p1}"),
                "contribution": ctx.t("对差距变化的贡献", "Contribution to the change of the gap"),
                "share": ctx.t("占比", "Share")})
            who = ctx.unit_name(riser)
            blocks.append(Table.from_frame(g, title=ctx.t(
                f"{who}与前一名{other}的差距如何变化（{p0}→{p1}）", f"How the gap between {who} and {other}, ranked just above, changed ({p0}→{p1})"),
                formats={g.columns[2]: fmt.decimal(3), g.columns[3]: fmt.decimal(3), g.columns[4]: fmt.decimal(3),
                         g.columns[5]: fmt.percent(1)}, id="attribution-gap", sheet="attribution_gap",
                note=ctx.t("差距 = 前一名指数 − 本单位指数（按层和指标分解）；贡献之和等于差距的变化。",
                           "Gap = index of the unit above − the unit's index, by layer and indicator; contributions sum to the change of the gap.")))
    if not blocks:
        raise LeftOut("名次没有变化的单位。", "no unit changed rank.")
    return Section("attribution", ctx.t("排名变化的原因", "Why units moved"), tuple(blocks),
                   lead=ctx.t("排名上升和下降最多的单位，其指数变化按层和指标分解。",
                              "The biggest riser and faller, their index change decomposed by layer and indicator."))


_NORM_WORDS = {
    "base_share": ("各指标除以基期全国合计再乘以100（base_share）", "each indicator divided by its base-period total, times 100 (base_share)"),
    "none": ("不做标准化（直接使用原值）", "none (values used as they are)"),
    "minmax": ("最小–最大标准化（minmax）", "min–max (minmax)"),
    "zscore": ("标准分数（zscore）", "z-scores (zscore)"),
}


def _method(ctx: ReportContext) -> Section:
    blocks: list[Any] = []
    builds = [(ctx.main, ctx.t("指数权重", "Index weights"))]
    if ctx.industry is not None:
        builds = [(ctx.main, ctx.t("城市指数权重", "City index weights")), (ctx.industry, ctx.t("行业指数权重", "Industry index weights"))]
    for build, title in builds:
        w = build.weights_table()
        label = {n.code: n.label(ctx.lang) for n in build.framework}
        w = pd.DataFrame({ctx.t("指标", "Node"): [label.get(c, c) for c in w["iCode"]],
                          ctx.t("上级", "Parent"): [label.get(c, c) for c in w["Parent"]],
                          ctx.t("权重", "Weight"): w["weight"].astype(float)})
        blocks.append(Table.from_frame(w, title=title, formats={w.columns[2]: fmt.decimal(4)},
                                       id=f"weights-{build.name}", sheet=f"weights_{build.name}"))
    resolved = ctx.main.recipe().get("resolved") or {}
    norms = sorted({s.get("method") for s in (resolved.get("normalise") or {}).values()} - {None})
    weights = sorted(set((resolved.get("weights") or {}).values()))
    expert_zh = "（专家打分法 w_j = Σ_i a_ij / Σ_j Σ_i a_ij）" if "expert" in weights else ""
    expert_en = " (expert scoring: w_j = sum_i a_ij / sum_j sum_i a_ij)" if "expert" in weights else ""
    aggs = sorted({s.get("method") for s in (resolved.get("aggregate") or {}).values()} - {None})
    k = 0 if ctx.lang == "zh" else 1
    norm_text = ("；" if k == 0 else "; ").join(_NORM_WORDS.get(n, (n, n))[k] for n in norms) or "-"
    base = f"{ctx.t('基期', 'base period')} {ctx.main.base_period}" if ctx.main.base_period else ""
    blocks.append(Paragraph(ctx.t(
        f"标准化：{norm_text}{('，' + base) if base else ''}；权重：{'、'.join(weights) or '-'}"
        f"{expert_zh}；聚合：{'、'.join(aggs) or '-'}（加权算术平均为 Σ w_j x_j）。"
        f"{ctx.rollup_note}全部表格可由构建目录（scores.csv 与 recipe.json）重新计算。",
        f"Normalisation: {norm_text}{(', ' + base) if base else ''}; weights: {', '.join(weights) or '-'}"
        f"{expert_en}; aggregation: {', '.join(aggs) or '-'} "
        f"(weighted arithmetic mean: sum_j w_j x_j). {ctx.rollup_note} Every table can be recomputed from the "
        "build folder (scores.csv and recipe.json).")))
    return Section("method", ctx.t("方法", "Method"), tuple(blocks))


# ---------------------------------------------------------------------- render
def render(release_path: str | Path, out_dir: str | Path, *, lang: str = "zh", geojson: str | Path | None = None,
           progress: Callable[[str], None] | None = None, window: tuple[str, str] | None = None,
           info: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``report.html`` (offline, self-contained) and ``report.xlsx`` for a release or build folder;
    return their paths. ``window`` and ``info`` as for :func:`build_report`."""
    tick = progress or (lambda stage: None)
    tick("analyse")
    report = build_report(release_path, lang=lang, geojson=geojson, window=window, info=info)
    tick("render")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html, xlsx = out / "report.html", out / "report.xlsx"
    write_html(report, html)
    write_excel(report, xlsx)
    return {"html": html, "excel": xlsx}
