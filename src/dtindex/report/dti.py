"""The Digital Transformation Index report, assembled from a release folder.

:func:`build_report` reads only the release (the ``city`` and ``industry``
builds, ``industries.csv`` and ``release.json``), computes every table with
:mod:`dtindex.analysis` and returns a :class:`~dtindex.report.model.Report`
value; :func:`render` writes it as one offline HTML file and one Excel
workbook. Each section and what it shows is described in ``docs/report.md``.
"""

from __future__ import annotations

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
from .model import KPI, Callout, Chart, Heading, KPICards, Map, Paragraph, Report, Section, Table
from . import fmt
from .future import future_sections
from .links import links_sections

GROWTH_WINDOW = ("2022Q1", "2023Q1")  # the report's window for growth rankings (mean of YoY rates)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _names(release: Release) -> pd.DataFrame:
    path = release.path / "industries.csv"
    if not path.exists():
        raise DataError(f"{release.path}: industries.csv is missing; the industry section needs industry names")
    df = pd.read_csv(path, dtype=str)
    return df.rename(columns={"name": "name_zh"})[["code", "name_zh", "name_en"]]


def _window(periods: tuple[str, ...]) -> tuple[str, str] | None:
    """The report's growth window when the release covers it, else the last five quarters with a YoY rate."""
    if all(p in periods for p in GROWTH_WINDOW):
        return GROWTH_WINDOW
    with_yoy = periods[4:]
    return (with_yoy[max(0, len(with_yoy) - 5)], with_yoy[-1]) if with_yoy else None


def _name_col(lang: str) -> str:
    return "name" if lang == "zh" else "name_en"


def build_report(release: Release | str | Path, *, lang: str = "zh", geojson: str | Path | None = None) -> Report:
    """The DTI report of a release, as a value (nothing is written)."""
    rel = release if isinstance(release, Release) else Release.load(release)
    city, industry = rel["city"], rel["industry"]
    names = _names(rel)
    periods = city.period_labels
    latest = periods[-1]
    year_before = periods[-5] if len(periods) >= 5 else periods[0]
    window = _window(periods)
    nm = _name_col(lang)
    synthetic = rel.synthetic

    national = A.national_series(city)
    stability = A.layer_stability(city)
    city_ranks = A.rank_table(city)
    prov_ranks = A.rank_table(city, by="province")
    tiers = A.tier_summary(city, window=window)
    tier_shares = A.tier_shares(city)
    clusters = A.cluster_summary(city, window=window)
    ind_scale = A.industry_scale(industry, names=names, window=window)
    prov_ind = A.province_industry_shares(industry, names=names, window=window)
    dh = A.double_high(prov_ind)
    cluster_inds = A.cluster_top_industries(industry, names=names)
    findings = A.report_findings(city, industry, industry_names=names, window=window)

    sections = [
        _overview(lang, national, findings, city, industry, latest, synthetic, rel),
        _national(lang, national, stability, city),
        _cities(lang, city_ranks, city, latest, window, nm, geojson),
        _provinces(lang, prov_ranks, city, latest, window, geojson),
        _tiers(lang, tiers, tier_shares),
        _clusters(lang, clusters, cluster_inds, city, latest),
        _industries(lang, ind_scale, dh, latest),
        _attribution(lang, city, city_ranks, year_before, latest),
        *future_sections(rel, lang, str(geojson) if geojson else None),
        *links_sections(rel, lang),
        _method(lang, city, industry, rel),
    ]
    title = rel.meta.get("title") if lang == "zh" else rel.meta.get("title_en")
    title = title or _t(lang, "数字化转型指数报告", "Digital Transformation Index report")
    meta = {
        _t(lang, "数据", "Data"): _t(lang, "合成演示数据（非真实遥测）", "synthetic demo data (not real telemetry)")
        if synthetic else str(rel.meta.get("data", "")),
        _t(lang, "期间", "Periods"): f"{periods[0]}–{latest}",
        _t(lang, "基期", "Base period"): str(city.base_period or ""),
        _t(lang, "配方", "Recipe"): json.dumps(city.recipe().get("resolved", {}), ensure_ascii=False, indent=1)[:4000],
    }
    return Report(title, tuple(sections), subtitle=f"{periods[0]}–{latest}", meta=meta, lang=lang,
                  synthetic=synthetic, notice=rel.meta.get("notice"))


# ---------------------------------------------------------------------- sections
def _overview(lang, national, findings, city, industry, latest, synthetic, rel) -> Section:
    top = national[(national["iCode"] == city.root) & (national["Time"] == latest)].iloc[0]
    blocks: list[Any] = []
    if synthetic:
        blocks.append(Callout(_t(lang, "本报告的全部数字由随机生成的合成活动记录计算得出，不代表任何真实城市或行业。",
                                 "Every number in this report is computed from randomly generated synthetic activity "
                                 "records; it describes no real city or industry."), kind="warning",
                              title=_t(lang, "合成数据", "Synthetic data")))
    blocks.append(KPICards((
        KPI(_t(lang, f"{latest} 全国指数", f"National index {latest}"), float(top["value"]), fmt.decimal(2),
            change=None if pd.isna(top["yoy"]) else float(top["yoy"])),
        KPI(_t(lang, "城市数", "Cities"), len(city.units), fmt.integer()),
        KPI(_t(lang, "城市×行业单元", "City × industry units"), len(industry.units), fmt.integer()),
    )))
    blocks.append(Heading(_t(lang, "主要发现", "Key findings")))
    for i, f in enumerate(findings, start=1):
        blocks.append(Paragraph(f.text_zh if lang == "zh" else f.text_en, finding=i))
    return Section("overview", _t(lang, "概览", "Overview"), tuple(blocks),
                   lead=_t(lang, "每条发现由规则从下文表格生成，并附其所依据的数字。",
                           "Each finding is produced by a rule from the tables below and carries its numbers."))


def _national(lang, national, stability, city) -> Section:
    label = "name" if lang == "zh" else "name_en"
    wide = national.pivot(index="Time", columns="iCode", values="value").reindex(columns=list(pd.unique(national["iCode"])))
    wide = wide.reset_index()
    series_names = dict(zip(national["iCode"], national[label]))
    line = Chart.from_frame("line", wide, "Time", [c for c in wide.columns if c != "Time"], names=series_names,
                            title=_t(lang, "全国及三层指数", "National and layer indices"),
                            x_label=_t(lang, "季度", "Quarter"), y_label=_t(lang, "指数", "Index"),
                            unit=_t(lang, "基期全国合计=100", "base-period national total = 100"),
                            main=True, id="national-line", fmt=fmt.decimal(1))
    table = national[["Time", label, "value", "qoq", "yoy"]].rename(columns={
        "Time": _t(lang, "季度", "Quarter"), label: _t(lang, "指数", "Index"), "value": _t(lang, "数值", "Value"),
        "qoq": _t(lang, "环比", "QoQ"), "yoy": _t(lang, "同比", "YoY")})
    t = Table.from_frame(table, title=_t(lang, "全国及三层指数与增速", "National and layer indices and growth"),
                         formats={table.columns[2]: fmt.decimal(2), table.columns[3]: fmt.change(1),
                                  table.columns[4]: fmt.change(1)}, id="national-table", sheet="national")
    stab = stability[[label, "growth_mean", "growth_sd", "rank_moves", "stability_rank"]].rename(columns={
        label: _t(lang, "层", "Layer"), "growth_mean": _t(lang, "平均环比增速", "Mean QoQ growth"),
        "growth_sd": _t(lang, "环比增速标准差", "SD of QoQ growth"), "rank_moves": _t(lang, "增速名次变动", "Growth-rank moves"),
        "stability_rank": _t(lang, "稳定性名次", "Stability rank")})
    s = Table.from_frame(stab, title=_t(lang, "三层增长的稳定性", "Stability of layer growth"),
                         formats={stab.columns[1]: fmt.percent(1), stab.columns[2]: fmt.percent(1),
                                  stab.columns[4]: fmt.rank()}, id="layer-stability", sheet="layer_stability")
    return Section("national", _t(lang, "全国指数", "National index"), (line, t, s))


def _cities(lang, ranks, city, latest, window, nm, geojson) -> Section:
    cur = ranks[ranks["Time"] == latest].sort_values("rank", kind="stable").head(20)
    tab = cur[["rank", nm, "value", "change_yoy", "change_prev"]].rename(columns={
        "rank": _t(lang, "排名", "Rank"), nm: _t(lang, "城市", "City"), "value": _t(lang, "指数", "Index"),
        "change_yoy": _t(lang, "较上年同期", "vs a year earlier"), "change_prev": _t(lang, "较上季度", "vs previous quarter")})
    blocks: list[Any] = [Table.from_frame(
        tab, title=_t(lang, f"城市排名前20（{latest}）", f"Top 20 cities ({latest})"),
        formats={tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(3), tab.columns[4]: fmt.rank_change()},
        rank_change=tab.columns[3], heat=(tab.columns[2],), id="city-top20", sheet="city_top20",
        note=_t(lang, "排名变化 = 上期名次 − 本期名次，正数表示上升。", "Rank change = earlier rank − current rank; positive means up."))]
    moves = A.top_moves(ranks, period=latest)
    if len(moves):
        mv = moves[["move", nm, "rank", "rank_before"]].rename(columns={
            "move": _t(lang, "变动", "Move"), nm: _t(lang, "城市", "City"), "rank": _t(lang, "本期名次", "Rank"),
            "rank_before": _t(lang, "上年同期名次", "Rank a year earlier")})
        mv[mv.columns[0]] = mv[mv.columns[0]].map({"entered": _t(lang, "进入前10", "entered top 10"),
                                                   "left": _t(lang, "跌出前10", "left top 10")})
        blocks.append(Table.from_frame(mv, title=_t(lang, "前10名的进入与退出", "Entries into and exits from the top 10"),
                                       formats={mv.columns[2]: fmt.rank(), mv.columns[3]: fmt.rank()},
                                       id="city-top10-moves", sheet="city_top10_moves"))
    if window:
        gr = A.growth_ranking(city, by="unit", window=window).head(20)
        g = gr[["rank", nm, "mean_yoy", "value_end"]].rename(columns={
            "rank": _t(lang, "增速排名", "Growth rank"), nm: _t(lang, "城市", "City"),
            "mean_yoy": _t(lang, "平均同比增速", "Mean YoY growth"), "value_end": _t(lang, f"{latest} 指数", f"Index {latest}")})
        blocks.append(Table.from_frame(
            g, title=_t(lang, f"城市增速排名前20（{window[0]}–{window[1]} 同比均值）",
                        f"Top 20 cities by growth (mean YoY, {window[0]}–{window[1]})"),
            formats={g.columns[0]: fmt.rank(), g.columns[2]: fmt.percent(1), g.columns[3]: fmt.decimal(3)},
            id="city-growth", sheet="city_growth"))
    values = city.table(city.root)[latest]
    blocks.append(Map(_t(lang, f"城市指数分布（{latest}）", f"City index ({latest})"),
                      tuple((str(u), None if pd.isna(v) else float(v)) for u, v in values.items()),
                      level="city", id="city-map", fmt=fmt.decimal(2)))
    return Section("cities", _t(lang, "城市排名", "City rankings"), tuple(blocks))


def _provinces(lang, ranks, city, latest, window, geojson) -> Section:
    from .. import regions

    col = "unit" if lang == "zh" else "name_en"
    cur = ranks[ranks["Time"] == latest].sort_values("rank", kind="stable")
    tab = cur[["rank", col, "value", "change_yoy"]].rename(columns={
        "rank": _t(lang, "排名", "Rank"), col: _t(lang, "省份", "Province"), "value": _t(lang, "指数", "Index"),
        "change_yoy": _t(lang, "较上年同期", "vs a year earlier")})
    blocks: list[Any] = [Table.from_frame(
        tab, title=_t(lang, f"省份排名（{latest}）", f"Province ranking ({latest})"),
        formats={tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(2)}, rank_change=tab.columns[3],
        heat=(tab.columns[2],), id="province-ranking", sheet="province_ranking",
        note=_t(lang, "省份指数为所辖城市指数之和（base_share 可加）。", "A province's index is the sum of its cities' (base_share is additive)."))]
    short_to_code = dict(zip(regions.provinces()["short_name"], regions.provinces()["adcode"]))
    values = tuple((str(short_to_code[u]), float(v)) for u, v in zip(cur["unit"], cur["value"]) if u in short_to_code)
    blocks.append(Map(_t(lang, f"省份指数（{latest}）", f"Province index ({latest})"), values, level="province",
                      geojson=str(geojson) if geojson else None, id="province-map", fmt=fmt.decimal(2)))
    if window:
        gr = A.growth_ranking(city, by="province", window=window)
        g = gr[["rank", "unit" if lang == "zh" else "name_en", "mean_yoy"]]
        g.columns = [_t(lang, "增速排名", "Growth rank"), _t(lang, "省份", "Province"), _t(lang, "平均同比增速", "Mean YoY growth")]
        blocks.append(Table.from_frame(g, title=_t(lang, "省份增速排名", "Province growth ranking"),
                                       formats={g.columns[0]: fmt.rank(), g.columns[2]: fmt.percent(1)},
                                       id="province-growth", sheet="province_growth"))
    return Section("provinces", _t(lang, "省份", "Provinces"), tuple(blocks))


def _tiers(lang, tiers, shares) -> Section:
    grp = "group" if lang == "zh" else "group_en"
    tier_list = str(tiers["tier_list"].iloc[0]) if "tier_list" in tiers.columns and len(tiers) else "2025"
    wide = shares.pivot(index="Time", columns=grp, values="share").reindex(
        columns=list(pd.unique(shares[grp]))).reset_index()
    chart = Chart.from_frame("stacked_bar", wide, "Time", [c for c in wide.columns if c != "Time"], percent=True,
                             title=_t(lang, "各层级城市占全国指数的份额", "Share of the national index by city tier"),
                             fmt=fmt.percent(1), main=True, id="tier-shares")
    tab = tiers[[grp, "n_units", "unit_share", "share", "share_change", "mean_yoy", "growth_rank"]].rename(columns={
        grp: _t(lang, "层级", "Tier"), "n_units": _t(lang, "城市数", "Cities"), "unit_share": _t(lang, "城市数占比", "Share of cities"),
        "share": _t(lang, "指数份额", "Share of index"), "share_change": _t(lang, "份额变化", "Change of share"),
        "mean_yoy": _t(lang, "平均同比增速", "Mean YoY growth"), "growth_rank": _t(lang, "增速名次", "Growth rank")})
    t = Table.from_frame(tab, title=_t(lang, "城市层级", "City tiers"),
                         formats={tab.columns[2]: fmt.percent(1), tab.columns[3]: fmt.percent(1),
                                  tab.columns[4]: fmt.change(1), tab.columns[5]: fmt.percent(1), tab.columns[6]: fmt.rank()},
                         id="tier-summary", sheet="tiers",
                         note=_t(lang, f"层级采用第一财经《{tier_list}城市商业魅力排行榜》（2023年名单只有前三档，故默认用完整的{tier_list}年名单）；"
                                       "平均增速为成员城市同比增速的平均值。",
                                 f"Tiers from the Yicai {tier_list} list (the 2023 list in the shipped table has only the top three "
                                 "tiers, so the complete list is the default); mean growth averages member cities' YoY rates."))
    return Section("tiers", _t(lang, "城市层级", "City tiers"), (chart, t))


def _clusters(lang, clusters, tops, city, latest) -> Section:
    grp = "group" if lang == "zh" else "group_en"
    chart = Chart.from_frame("grouped_bar", clusters, grp, ["share", "unit_share"],
                             names={"share": _t(lang, "指数份额", "Share of index"),
                                    "unit_share": _t(lang, "城市数份额", "Share of cities")},
                             title=_t(lang, "十一大城市群：指数份额与城市数份额", "11 city clusters: share of index vs share of cities"),
                             fmt=fmt.percent(1), main=True, id="cluster-shares")
    tab = clusters[[grp, "n_units", "share", "unit_share", "mean_index", "mean_yoy", "head_names", "head_share"]].rename(columns={
        grp: _t(lang, "城市群", "Cluster"), "n_units": _t(lang, "城市数", "Cities"), "share": _t(lang, "指数份额", "Share of index"),
        "unit_share": _t(lang, "城市数份额", "Share of cities"), "mean_index": _t(lang, "平均指数", "Mean index"),
        "mean_yoy": _t(lang, "平均同比增速", "Mean YoY growth"), "head_names": _t(lang, "头部城市", "Head cities"),
        "head_share": _t(lang, "头部城市份额", "Head cities' share")})
    t = Table.from_frame(tab, title=_t(lang, f"城市群概况（{latest}）", f"City clusters ({latest})"),
                         formats={tab.columns[2]: fmt.percent(1), tab.columns[3]: fmt.percent(1), tab.columns[4]: fmt.decimal(3),
                                  tab.columns[5]: fmt.percent(1), tab.columns[7]: fmt.percent(1)},
                         heat=(tab.columns[5],), id="cluster-summary", sheet="clusters")
    ind = "industry_name" if lang == "zh" else "industry_name_en"
    top = tops[[grp, "position", ind, "rank_sum", "mean_rank"]].rename(columns={
        grp: _t(lang, "城市群", "Cluster"), "position": _t(lang, "位次", "Position"), ind: _t(lang, "行业", "Industry"),
        "rank_sum": _t(lang, "各季度名次之和", "Sum of quarterly ranks"), "mean_rank": _t(lang, "平均名次", "Mean rank")})
    t2 = Table.from_frame(top, title=_t(lang, "各城市群前三行业（按各季度名次累计）", "Top 3 industries per cluster (cumulative quarterly rank)"),
                          formats={top.columns[1]: fmt.integer(), top.columns[3]: fmt.decimal(0), top.columns[4]: fmt.decimal(2)},
                          id="cluster-industries", sheet="cluster_industries",
                          note=_t(lang, "累计名次 = 行业在城市群内各季度名次之和，越小越靠前；并列时按最新季度指数、再按行业代码。",
                                  "Cumulative rank = sum of the industry's quarterly ranks within the cluster (lower is better); "
                                  "ties broken by the latest index, then the industry code."))
    return Section("clusters", _t(lang, "城市群", "City clusters"), (chart, t, t2))


def _industries(lang, scale, dh, latest) -> Section:
    ind = "industry_name" if lang == "zh" else "industry_name_en"
    bar = Chart.from_frame("bar", scale, ind, ["value"], names={"value": _t(lang, "指数", "Index")}, horizontal=True,
                           title=_t(lang, f"行业数字化规模（{latest}）", f"Industry digital scale ({latest})"),
                           fmt=fmt.decimal(2), main=True, id="industry-scale-bar")
    tab = scale[["rank", ind, "value", "share", "mean_yoy", "growth_rank"]].rename(columns={
        "rank": _t(lang, "规模排名", "Scale rank"), ind: _t(lang, "行业", "Industry"), "value": _t(lang, "指数", "Index"),
        "share": _t(lang, "占全部行业", "Share of all industries"), "mean_yoy": _t(lang, "平均同比增速", "Mean YoY growth"),
        "growth_rank": _t(lang, "增速排名", "Growth rank")})
    t = Table.from_frame(tab, title=_t(lang, "行业规模与增速", "Industry scale and growth"),
                         formats={tab.columns[0]: fmt.rank(), tab.columns[2]: fmt.decimal(2), tab.columns[3]: fmt.percent(1),
                                  tab.columns[4]: fmt.percent(1), tab.columns[5]: fmt.rank()},
                         heat=(tab.columns[4],), id="industry-scale", sheet="industries")
    blocks: list[Any] = [bar, t]
    # the double-high quadrant for the largest industry
    if len(scale):
        code = scale.iloc[0]["industry"]
        sub = dh[dh["industry"] == code]
        prov = "province" if lang == "zh" else "province_en"
        pts = sub.dropna(subset=["share", "mean_share_yoy"])
        if len(pts):
            blocks.append(Chart.from_points(
                pts, "share", "mean_share_yoy", label=prov, kind="quadrant",
                title=_t(lang, f"“双高”省份：{scale.iloc[0]['industry_name']}", f"Double-high provinces: {scale.iloc[0]['industry_name_en']}"),
                x_label=_t(lang, "行业占本省数字产业份额", "Share of the province's digital industry"),
                y_label=_t(lang, "份额平均同比增速", "Mean YoY growth of the share"), fmt=fmt.percent(1), x_fmt=fmt.percent(1),
                x_threshold=float(pts["share_threshold"].iloc[0]), y_threshold=float(pts["growth_threshold"].iloc[0]),
                quadrant_labels=(_t(lang, "双高", "double-high"), _t(lang, "高增速", "high growth"), _t(lang, "双低", "double-low"),
                                 _t(lang, "高份额", "high share")), id="double-high"))
        both = dh[dh["double_high"]]
        d = both[[ind, prov, "share", "mean_share_yoy"]].rename(columns={
            ind: _t(lang, "行业", "Industry"), prov: _t(lang, "省份", "Province"), "share": _t(lang, "份额", "Share"),
            "mean_share_yoy": _t(lang, "份额平均同比增速", "Mean YoY growth of the share")})
        blocks.append(Table.from_frame(d, title=_t(lang, "“双高”省份（份额与增速均高于省份中位数）",
                                                   "Double-high provinces (share and growth above the provincial median)"),
                                       formats={d.columns[2]: fmt.percent(1), d.columns[3]: fmt.percent(1)},
                                       id="double-high-table", sheet="double_high"))
    return Section("industries", _t(lang, "行业", "Industries"), tuple(blocks))


def _attribution(lang, city, ranks, p0, p1) -> Section:
    movers = A.biggest_movers(ranks, period=p1)
    blocks: list[Any] = []
    label = "name" if lang == "zh" else "name_en"
    names = ranks.drop_duplicates("unit").set_index("unit")[label]
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
            label: _t(lang, "指标", "Indicator"), "kind": _t(lang, "类别", "Kind"), "weight": _t(lang, "有效权重", "Effective weight"),
            "value_p0": p0, "value_p1": p1, "contribution": _t(lang, "贡献", "Contribution"),
            "share": _t(lang, "贡献占比", "Share of change")})
        who = names.get(unit, unit)
        title = _t(lang, f"{who}：指数变化的分解（{p0}→{p1}）", f"{who}: decomposition of the index change ({p0}→{p1})")
        blocks.append(Table.from_frame(tab, title=title, formats={
            tab.columns[2]: fmt.decimal(3), tab.columns[3]: fmt.decimal(3), tab.columns[4]: fmt.decimal(3),
            tab.columns[5]: fmt.decimal(3), tab.columns[6]: fmt.percent(1)}, id=f"attribution-{role}", sheet=f"attribution_{role}",
            note=_t(lang, "贡献 = 有效权重 × 标准化值变化；各指标贡献之和等于指数变化。",
                    "Contribution = effective weight × change of the normalised value; contributions sum to the change.")))
    riser = movers.get("riser")
    if riser:
        try:
            gap = A.attribute_gap(city, riser, p0, p1, neighbour="above")
        except DataError as exc:  # no neighbour above (already first) or a child present in one period only
            gap = None
            blocks.append(Callout(str(exc), kind="note"))
        if gap is not None:
            other = names.get(gap.attrs.get("neighbour"), gap.attrs.get("neighbour"))
            g = gap[gap["kind"] != "total"][[label, "kind", "gap_p0", "gap_p1", "contribution", "share"]].rename(columns={
                label: _t(lang, "指标", "Indicator"), "kind": _t(lang, "类别", "Kind"),
                "gap_p0": _t(lang, f"{p0} 差距", f"Gap {p0}"), "gap_p1": _t(lang, f"{p1} 差距", f"Gap {p1}"),
                "contribution": _t(lang, "对差距变化的贡献", "Contribution to the change of the gap"),
                "share": _t(lang, "占比", "Share")})
            who = names.get(riser, riser)
            blocks.append(Table.from_frame(g, title=_t(
                lang, f"{who}与前一名{other}的差距如何变化（{p0}→{p1}）", f"How the gap between {who} and {other}, ranked just above, changed ({p0}→{p1})"),
                formats={g.columns[2]: fmt.decimal(3), g.columns[3]: fmt.decimal(3), g.columns[4]: fmt.decimal(3),
                         g.columns[5]: fmt.percent(1)}, id="attribution-gap", sheet="attribution_gap",
                note=_t(lang, "差距 = 前一名指数 − 本城市指数（按层和指标分解）；贡献之和等于差距的变化。",
                        "Gap = index of the unit above − the city's index, by layer and indicator; contributions sum to the change of the gap.")))
    return Section("attribution", _t(lang, "排名变化的原因", "Why cities moved"), tuple(blocks),
                   lead=_t(lang, "排名上升和下降最多的城市，其指数变化按层和指标分解。",
                           "The biggest riser and faller, their index change decomposed by layer and indicator."))


def _method(lang, city, industry, rel) -> Section:
    blocks: list[Any] = []
    for build, title in ((city, _t(lang, "城市指数权重", "City index weights")),
                         (industry, _t(lang, "行业指数权重", "Industry index weights"))):
        w = build.weights_table()
        label = {n.code: n.label(lang) for n in build.framework}
        w = pd.DataFrame({_t(lang, "指标", "Node"): [label.get(c, c) for c in w["iCode"]],
                          _t(lang, "上级", "Parent"): [label.get(c, c) for c in w["Parent"]],
                          _t(lang, "权重", "Weight"): w["weight"].astype(float)})
        blocks.append(Table.from_frame(w, title=title, formats={w.columns[2]: fmt.decimal(4)},
                                       id=f"weights-{build.name}", sheet=f"weights_{build.name}"))
    blocks.append(Paragraph(_t(
        lang,
        f"标准化：各指标除以基期（{city.base_period}）全国合计再乘以100（base_share），因而城市指数可加，"
        "省份、层级和城市群指数为成员城市之和；权重：专家打分法，w_j = Σ_i a_ij / Σ_j Σ_i a_ij；"
        "聚合：加权算术平均。全部表格可由发布目录（scores.csv 与 recipe.json）重新计算。",
        f"Normalisation: each indicator divided by its base-period ({city.base_period}) national total, times 100 "
        "(base_share), so city scores are additive and provinces, tiers and clusters are sums of their cities; "
        "weights: expert scoring, w_j = sum_i a_ij / sum_j sum_i a_ij; aggregation: weighted arithmetic mean. "
        "Every table can be recomputed from the release folder (scores.csv and recipe.json).")))
    return Section("method", _t(lang, "方法", "Method"), tuple(blocks))


# ---------------------------------------------------------------------- render
def render(release_path: str | Path, out_dir: str | Path, *, lang: str = "zh", geojson: str | Path | None = None,
           progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write ``report.html`` (offline, self-contained) and ``report.xlsx`` for a release; return their paths."""
    tick = progress or (lambda stage: None)
    tick("analyse")
    report = build_report(release_path, lang=lang, geojson=geojson)
    tick("render")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html, xlsx = out / "report.html", out / "report.xlsx"
    write_html(report, html)
    write_excel(report, xlsx)
    return {"html": html, "excel": xlsx}
