"""The dashboard's HTML pages, built as report values and rendered by the report machinery.

Each page function takes the served releases and the request's query string, validates
it, builds a :class:`~dtindex.report.model.Report` of sections (tables, charts, maps,
KPI cards from :mod:`dtindex.report.model`), renders the sections and chart specs with
:func:`dtindex.report.html.render_parts` — the same templates, ECharts option builders,
number formatters and vendored maps as the offline report — and wraps them in the
dashboard frame (navigation, release selector, filters, language switch). It returns a
:class:`Page`: the HTML and its JSON twin (the page's data, from :mod:`dtindex.web.queries`).

All page state is in the query string (``release``, ``lang``, ``period``, filters), so every
URL can be shared.
"""

from __future__ import annotations

import re

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
import pandas as pd
from markupsafe import Markup

from ..report import fmt
from ..report.model import KPI, Callout, Chart, Heading, KPICards, Map, Paragraph, Report, Section, Series, Table
from . import params as P
from . import queries as Q
from .releases import GROUPS, ROW_FIELDS, ReleaseView


@dataclass(frozen=True)
class Page:
    html: str
    data: dict[str, Any]


def _slug(name: str) -> str:
    """A build name as a block-id part (ids allow lower-case letters, digits and '-')."""
    return re.sub(r"[^a-z0-9-]+", "-", str(name).lower()).strip("-") or "build"


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


NAV = (("/", "概览", "Overview"), ("/rankings", "排名", "Rankings"), ("/city", "城市", "City"),
       ("/industry", "行业", "Industry"), ("/uncertainty", "不确定性", "Uncertainty"), ("/survey", "调查", "Survey"),
       ("/methodology", "方法", "Methodology"), ("/compare", "对比", "Compare"))
GROUP_NAMES = {"province": ("省份", "Province"), "tier": ("城市层级", "City tier"), "cluster": ("城市群", "City cluster")}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("dtindex.web", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=1)
def _report_css() -> str:
    return (resources.files("dtindex.report") / "templates" / "report.css").read_text(encoding="utf-8")


def _script_json(obj: Any) -> Markup:
    return Markup(json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                             allow_nan=False).replace("<", "\\u003c"))


# ---------------------------------------------------------------------- request context
@dataclass
class Ctx:
    views: dict[str, ReleaseView]
    view: ReleaseView
    lang: str
    query: dict[str, str]
    path: str

    def url(self, path: str, **changes: Any) -> str:
        """``path`` with this page's release and language plus ``changes`` (None drops a key)."""
        q = {"release": self.view.key if len(self.views) > 1 else None, "lang": self.lang if self.lang != "zh" else None}
        q.update(changes)
        items = [(k, v) for k, v in q.items() if v is not None and v != ""]
        return path + ("?" + urlencode(items) if items else "")

    def self_url(self, **changes: Any) -> str:
        keep = {k: v for k, v in self.query.items() if k not in ("release", "lang", "format")}
        keep.update(changes)
        return self.url(self.path, **keep)


def _ctx(views: dict[str, ReleaseView], default: str, q: dict[str, str], path: str) -> Ctx:
    key = q.get("release") or default
    key = P.choice("release", key, list(views))
    lang = P.choice("lang", q.get("lang") or "zh", P.LANGS)
    return Ctx(views, views[key], lang, q, path)


def _select(name: str, label: str, options: list[tuple[str, str]], value: str | None) -> dict:
    return {"type": "select", "name": name, "label": label, "options": options, "value": value or ""}


def _period_slider(c: Ctx, period: str) -> dict:
    return {"type": "range", "name": "period", "label": _t(c.lang, "期间", "Period"),
            "values": list(c.view.periods), "index": c.view.periods.index(period), "value": period}


def _group_select(c: Ctx, kind: str, value: str | None) -> dict:
    g = c.view.groupings[kind]
    opts = [("", _t(c.lang, "全部", "All"))] + [(v, v if c.lang == "zh" else g.en(v)) for v in c.view.group_values(kind)]
    zh, en = GROUP_NAMES[kind]
    return _select(kind, _t(c.lang, zh, en), opts, value)


def _node_select(c: Ctx, node: str) -> dict:
    fw = c.view.city.framework
    opts = [(n.code, ("　" * (fw[fw.root].level - n.level)) + n.label(c.lang)) for n in fw]
    return _select("node", _t(c.lang, "指标", "Index / indicator"), opts, node)


def _unit_name(c: Ctx, unit: str) -> str:
    row = c.view.unit_table.iloc[c.view.units[unit]]
    return str(row["name"] if c.lang == "zh" else row["name_en"])


def _city_options(c: Ctx) -> list[tuple[str, str]]:
    t = c.view.unit_table
    names = t["name"] if c.lang == "zh" else t["name_en"]
    return [(u, f"{n}（{u}）" if c.lang == "zh" else f"{n} ({u})") for u, n in zip(t["uCode"], names)]


def _render(c: Ctx, title: str, sections: list[Section], data: dict[str, Any], *, controls: list[dict] = (),
            action: str | None = None, extra_links: list[tuple[str, str, str]] = (),
            row_links: dict[str, list[str]] | None = None, head_links: dict[str, dict[str, str]] | None = None,
            active: str = "/") -> Page:
    from ..report.html import render_parts
    from ..report.geo import ECHARTS_VERSION
    from ..report.style import FONT_STACK
    from .. import __version__

    report = Report(title, tuple(sections), lang=c.lang, synthetic=c.view.release.synthetic)
    fragments, specs, shapes = render_parts(report)
    nav = [{"href": c.url(h if h != "/city" else f"/city/{_first_unit(c)}"), "text": _t(c.lang, zh, en),
            "active": h == active} for h, zh, en in NAV
           if (h != "/uncertainty" or c.view.uncertainty is not None) and (h != "/survey" or _has_survey(c.view))]
    releases = [(k, v.title(c.lang) + ("" if len(c.views) == 1 else f" — {k}")) for k, v in c.views.items()]
    hidden = {"lang": c.lang if c.lang != "zh" else None, "release": c.view.key if len(c.views) > 1 else None}
    other = "en" if c.lang == "zh" else "zh"
    html = _env().get_template("page.html.j2").render(
        lang=c.lang, html_lang="zh-CN" if c.lang == "zh" else "en", title=title,
        site=c.view.title(c.lang), nav=nav, releases=releases, release=c.view.key, multi=len(c.views) > 1,
        path=c.path, query=[(k, v) for k, v in c.query.items() if k not in ("release", "format")],
        lang_switch={"href": c.self_url(lang=other) if other != "zh" else c.self_url(lang=None),
                     "text": "English" if other == "en" else "中文"},
        synthetic=_synthetic(c), controls=list(controls), action=action or c.path,
        hidden={k: v for k, v in hidden.items() if v}, sections=[Markup(f) for f in fragments],
        json_href=c.self_url(format="json"), links=list(extra_links),
        geos=[{"key": g.key, "payload": Markup(g.payload.replace("<", "\\u003c"))} for g in shapes],
        specs=_script_json(specs), row_links=_script_json({"rows": row_links or {}, "heads": head_links or {}}), font_stack=Markup(FONT_STACK),
        css=Markup(_report_css()), labels={
            "apply": _t(c.lang, "应用", "Apply"), "json": _t(c.lang, "本页数据（JSON）", "This page as JSON"),
            "release": _t(c.lang, "发布版本", "Release"), "language": _t(c.lang, "语言", "Language"),
            "footer": _t(c.lang, f"dtindex {__version__} 本地仪表盘；图表使用 Apache ECharts {ECHARTS_VERSION}（Apache-2.0）。只读，不访问网络。",
                         f"dtindex {__version__} local dashboard; charts by Apache ECharts {ECHARTS_VERSION} (Apache-2.0). "
                         "Read-only; no network access.")})
    return Page(html, data)


def _first_unit(c: Ctx) -> str:
    pr = c.view.ranking(c.view.city.framework.root, c.view.latest)
    return pr.rows[0]["uCode"] if pr.rows else next(iter(c.view.units))


def _synthetic(c: Ctx) -> str | None:
    if not c.view.release.synthetic:
        return None
    return _t(c.lang, "合成数据：本仪表盘的全部数字由随机生成的合成活动记录计算得出，不代表任何真实城市或行业。",
              "Synthetic data: every number on this dashboard is computed from randomly generated activity records; "
              "it describes no real city or industry.")


def error_page(message: str, status: int, lang: str = "zh") -> str:
    return _env().get_template("error.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", status=status, message=message,
        title=_t(lang, {422: "请求有误", 404: "未找到"}.get(status, "发布数据有误"),
                 {422: "Bad request", 404: "Not found"}.get(status, "Release data error")),
        home=_t(lang, "返回概览", "Back to the overview"))


# ---------------------------------------------------------------------- overview
def overview_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/")
    v, lang = c.view, c.lang
    period = v.period(q.get("period"))
    data = Q.overview(v, period)
    nat = v.national()
    label = "name" if lang == "zh" else "name_en"
    root = v.city.framework.root
    top_row = nat[(nat["iCode"] == root) & (nat["Time"] == period)].iloc[0]
    blocks: list[Any] = [KPICards((
        KPI(_t(lang, f"{period} 全国指数", f"National index {period}"), float(top_row["value"]), fmt.decimal(2),
            change=None if pd.isna(top_row["yoy"]) else float(top_row["yoy"]),
            note=_t(lang, "较上年同期", "vs a year earlier") if not pd.isna(top_row["yoy"]) else None),
        KPI(_t(lang, "城市数", "Cities"), len(v.units), fmt.integer()),
        KPI(_t(lang, "期间数", "Periods"), len(v.periods), fmt.integer()),
    ))]
    wide = nat.pivot(index="Time", columns="iCode", values="value").reindex(
        index=list(v.periods), columns=list(pd.unique(nat["iCode"]))).reset_index()
    names = dict(zip(nat["iCode"], nat[label]))
    blocks.append(Chart.from_frame("line", wide, "Time", [x for x in wide.columns if x != "Time"], names=names,
                                   title=_t(lang, "全国及各层指数", "National and layer indices"),
                                   x_label=_t(lang, "期间", "Period"), fmt=fmt.decimal(1), id="national-line"))
    sections = [Section("overview", _t(lang, "全国", "National"), tuple(blocks))]
    # provinces: map and ranking
    from .. import regions

    prov = v.province_ranks()
    cur = prov[prov["Time"] == period].sort_values("rank", kind="stable")
    codes = dict(zip(regions.provinces()["short_name"], regions.provinces()["adcode"].astype(str)))
    values = tuple((codes[u], None if pd.isna(x) else float(x)) for u, x in zip(cur["unit"], cur["value"]) if u in codes)
    pcol = "unit" if lang == "zh" else "name_en"
    ptab = cur[["rank", pcol, "value", "change_yoy"]].rename(columns={
        "rank": _t(lang, "排名", "Rank"), pcol: _t(lang, "省份", "Province"), "value": _t(lang, "指数", "Index"),
        "change_yoy": _t(lang, "较上年同期", "vs a year earlier")})
    sections.append(Section("provinces", _t(lang, f"省份（{period}）", f"Provinces ({period})"), (
        Map(_t(lang, f"省份指数（{period}）", f"Province index ({period})"), values, level="province",
            id="province-map", fmt=fmt.decimal(2)),
        Table.from_frame(ptab, title=_t(lang, "省份排名", "Province ranking"),
                         formats={ptab.columns[0]: fmt.rank(), ptab.columns[2]: fmt.decimal(2)},
                         rank_change=ptab.columns[3], heat=(ptab.columns[2],), id="province-ranking"))))
    # top cities
    top = pd.DataFrame(data["top"])
    row_links = {}
    if len(top):
        ncol = "name" if lang == "zh" else "name_en"
        tt = top[["rank", ncol, "value", "rank_change", "growth_yoy"]].rename(columns={
            "rank": _t(lang, "排名", "Rank"), ncol: _t(lang, "城市", "City"), "value": _t(lang, "指数", "Index"),
            "rank_change": _t(lang, "较上期", "vs previous period"), "growth_yoy": _t(lang, "同比增速", "YoY growth")})
        sections.append(Section("top", _t(lang, f"城市前10（{period}）", f"Top 10 cities ({period})"), (
            Table.from_frame(tt, formats={tt.columns[0]: fmt.rank(), tt.columns[2]: fmt.decimal(3),
                                          tt.columns[4]: fmt.change(1)},
                             rank_change=tt.columns[3], id="top-cities",
                             title=_t(lang, "城市排名前10", "Top 10 cities")),)))
        row_links["table-top-cities"] = [c.url(f"/city/{u}", period=period) for u in top["uCode"]]
    # findings
    fblocks: list[Any] = [Paragraph(f["text_zh"] if lang == "zh" else f["text_en"], finding=i)
                          for i, f in enumerate(data["findings"], start=1)]
    if data["findings_note"]:
        fblocks.append(Callout(data["findings_note"], kind="note"))
    if not fblocks:
        fblocks.append(Paragraph(_t(lang, "本期没有生成发现。", "No findings for this period.")))
    sections.append(Section("findings", _t(lang, "主要发现", "Key findings"), tuple(fblocks),
                            lead=_t(lang, "每条发现由规则从指数表格生成。", "Each finding is produced by a rule from the index tables.")))
    return _render(c, _t(lang, "概览", "Overview"), sections, data, controls=[_period_slider(c, period)],
                   row_links=row_links, active="/")


# ---------------------------------------------------------------------- rankings
LIMITS = ("20", "50", "100", "1000")


def _rankings_params(c: Ctx) -> dict[str, Any]:
    v, q = c.view, c.query
    return {"period": v.period(q.get("period")), "node": v.node(q.get("node")),
            "limit": P.limit(q.get("limit"), default=50), "province": v.group("province", q.get("province")),
            "tier": v.group("tier", q.get("tier")), "cluster": v.group("cluster", q.get("cluster")),
            "sort": P.choice("sort", q.get("sort") or "rank", P.SORTS)}


def rankings_table(v: ReleaseView, data: dict[str, Any], lang: str) -> Table:
    """The rankings table of a page or download (one machinery for HTML and Excel)."""
    rows = pd.DataFrame(data["rows"], columns=list(ROW_FIELDS))
    sfx = "" if lang == "zh" else "_en"
    cols = {"rank": _t(lang, "排名", "Rank"), f"name{sfx}": _t(lang, "城市", "City"), "uCode": _t(lang, "代码", "Code"),
            f"province{sfx}": _t(lang, "省份", "Province"), f"tier{sfx}": _t(lang, "层级", "Tier"),
            f"cluster{sfx}": _t(lang, "城市群", "Cluster"), "value": _t(lang, "指数", "Index"),
            "rank_change": _t(lang, "较上期", "vs previous period"),
            "rank_change_yoy": _t(lang, "较上年同期", "vs a year earlier"),
            "growth_qoq": _t(lang, "环比增速", "QoQ growth"), "growth_yoy": _t(lang, "同比增速", "YoY growth")}
    t = rows[list(cols)].rename(columns=cols)
    h = list(cols.values())
    node = v.node_name(data["node"], lang)
    return Table.from_frame(
        t, title=_t(lang, f"{node}排名（{data['period']}）", f"{node} ranking ({data['period']})"),
        formats={h[0]: fmt.rank(), h[6]: fmt.decimal(3), h[8]: fmt.rank_change(), h[9]: fmt.change(1),
                 h[10]: fmt.change(1)},
        rank_change=h[7], heat=(h[6],), id="rankings", sheet="rankings",
        note=_t(lang, "排名为全国排名（筛选只选择行，不重新排名）；排名变化 = 之前名次 − 本期名次，正数表示上升。",
                "Ranks are national ranks (filters select rows, they do not re-rank); rank change = earlier rank − "
                "current rank, positive means up."))


def rankings_report(v: ReleaseView, kw: dict[str, Any], lang: str) -> Report:
    """The rankings of a query as a one-table report (for the Excel download)."""
    data = Q.rankings(v, **kw)
    t = rankings_table(v, data, lang)
    flt = ", ".join(f"{k}={x}" for k, x in data["filters"].items() if x) or _t(lang, "无", "none")
    return Report(t.title or "rankings", (Section("city-rankings", _t(lang, "排名", "Rankings"), (t,)),), lang=lang,
                  synthetic=v.release.synthetic, meta={_t(lang, "发布版本", "Release"): v.title(lang),
                                                       _t(lang, "筛选", "Filters"): flt})


def rankings_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/rankings")
    v, lang = c.view, c.lang
    kw = _rankings_params(c)
    data = Q.rankings(v, **kw)
    table = rankings_table(v, data, lang)
    blocks: list[Any] = []
    shown = pd.DataFrame(data["rows"][:20])
    if len(shown):
        ncol = "name" if lang == "zh" else "name_en"
        blocks.append(Chart("bar", _t(lang, "所选城市的指数（前20行）", "Index of the selected cities (first 20 rows)"),
                            categories=tuple(shown[ncol].astype(str)),
                            series=(Series(_t(lang, "指数", "Index"), tuple(shown["value"])),),
                            horizontal=True, fmt=fmt.decimal(3), id="rankings-bar", height=max(240, 22 * len(shown))))
    blocks.append(table)
    n = data["n_matched"]
    lead = _t(lang, f"共 {n} 个城市符合条件，显示前 {min(n, kw['limit'])} 个。",
              f"{n} cities match; the first {min(n, kw['limit'])} are shown.")
    sorts = {"rank": ("排名", "Rank"), "value": ("指数", "Index"), "rank_change": ("较上期名次变化", "Rank change vs previous"),
             "rank_change_yoy": ("较上年同期名次变化", "Rank change vs a year earlier"), "growth_qoq": ("环比增速", "QoQ growth"),
             "growth_yoy": ("同比增速", "YoY growth"), "name": ("名称", "Name")}
    controls = [_select("period", _t(lang, "期间", "Period"), [(p, p) for p in v.periods], kw["period"]),
                _node_select(c, kw["node"]), *[_group_select(c, g, kw[g]) for g in GROUPS],
                _select("sort", _t(lang, "排序", "Sort by"), [(k, _t(lang, *x)) for k, x in sorts.items()], kw["sort"]),
                _select("limit", _t(lang, "行数", "Rows"), [(x, x if x != "1000" else _t(lang, "全部", "all")) for x in LIMITS],
                        str(kw["limit"]) if str(kw["limit"]) in LIMITS else "50")]
    query = {k: (str(x) if x is not None else None) for k, x in kw.items()}
    query["lang"] = lang if lang != "zh" else None
    query["release"] = v.key if len(views) > 1 else None
    dl = urlencode([(k, x) for k, x in query.items() if x is not None and k != "limit"])
    links = [("download-csv", f"/download/rankings.csv?{dl}", _t(lang, "下载 CSV", "Download CSV")),
             ("download-xlsx", f"/download/rankings.xlsx?{dl}", _t(lang, "下载 Excel", "Download Excel"))]
    row_links = {"table-rankings": [c.url(f"/city/{r['uCode']}", period=kw["period"]) for r in data["rows"]]}
    state = {k: (str(x) if x is not None else None) for k, x in kw.items() if k != "sort"}
    head_links = {"table-rankings": {str(i): c.url("/rankings", **state, sort=key) for i, key in (
        (0, "rank"), (1, "name"), (6, "value"), (7, "rank_change"), (8, "rank_change_yoy"), (9, "growth_qoq"),
        (10, "growth_yoy"))}}
    return _render(c, _t(lang, "排名", "Rankings"), [Section("city-rankings", _t(lang, "城市排名", "City rankings"),
                                                           tuple(blocks), lead=lead)],
                   data, controls=controls, extra_links=links, row_links=row_links, head_links=head_links,
                   active="/rankings")


# ---------------------------------------------------------------------- city profile
def city_page(views: dict[str, ReleaseView], default: str, q: dict[str, str], code: str) -> Page:
    c = _ctx(views, default, q, "/city/" + (P.code_text(code) or "unknown"))
    v, lang = c.view, c.lang
    unit = v.unit(q.get("unit") or code)
    c.path = f"/city/{unit}"
    c.query = {k: x for k, x in q.items() if k != "unit"}
    period = v.period(q.get("period"))
    peers = P.code_list("peers", q.get("peers"), v.units, P.MAX_PEERS)
    data = Q.unit_profile(v, unit, period=period, peers=peers)
    i = v.periods.index(period)
    name = data["name"] if lang == "zh" else data["name_en"]
    root = data["series"][0]
    sfx = "" if lang == "zh" else "_en"
    kpis = [KPI(_t(lang, f"{period} 指数", f"Index {period}"), root["values"][i], fmt.decimal(3),
                change=data["growth_yoy"][i], note=_t(lang, "同比", "year on year") if data["growth_yoy"][i] is not None else None),
            KPI(_t(lang, "全国排名", "National rank"), root["ranks"][i], fmt.rank())]
    for kind in GROUPS:
        g = data["groups"][kind]
        if g["group"] is not None and g["percentiles"]:
            zh, en = GROUP_NAMES[kind]
            kpis.append(KPI(_t(lang, f"{zh}内百分位（{g['group']}）", f"Percentile in {en.lower()} ({g['group_en']})"),
                            g["percentiles"][i], fmt.decimal(0),
                            note=_t(lang, f"第 {g['ranks'][i]} / {g['sizes'][i]} 名", f"rank {g['ranks'][i]} of {g['sizes'][i]}")
                            if g["ranks"][i] is not None else None))
    info = " · ".join(str(x) for x in (data["full_name"] if lang == "zh" else data["name_en"], data[f"province{sfx}"],
                                       data[f"tier{sfx}"], data[f"cluster{sfx}"]) if x)
    periods = tuple(v.periods)
    series_chart = Chart("line", _t(lang, "指数与各层得分", "Index and layer scores"), categories=periods,
                         series=tuple(Series(s["name" if lang == "zh" else "name_en"], tuple(s["values"])) for s in data["series"]),
                         fmt=fmt.decimal(3), id="unit-series")
    rank_series = [Series(_t(lang, "全国", "National"), tuple(root["ranks"]))]
    for kind in GROUPS:
        g = data["groups"][kind]
        if g["group"] is not None:
            rank_series.append(Series(_t(lang, GROUP_NAMES[kind][0] + "内", "within " + GROUP_NAMES[kind][1].lower()),
                                      tuple(g["ranks"])))
    rank_chart = Chart("line", _t(lang, "排名历史", "Rank history"), categories=periods, series=tuple(rank_series),
                       fmt=fmt.rank(), id="unit-ranks", note=_t(lang, "名次越小越靠前。", "A smaller rank is better."))
    grows = []
    for kind in GROUPS:
        g = data["groups"][kind]
        if g["group"] is not None:
            grows.append({"kind": _t(lang, *GROUP_NAMES[kind]), "group": g["group"] if lang == "zh" else g["group_en"],
                          "rank": g["ranks"][i], "n": g["sizes"][i] if g["sizes"] else None,
                          "pct": g["percentiles"][i] if g["percentiles"] else None})
    sections = [Section("profile", name, (Paragraph(info), KPICards(tuple(kpis)), series_chart, rank_chart), lead=None)]
    if grows:
        gt = pd.DataFrame(grows).rename(columns={"kind": _t(lang, "分组", "Grouping"), "group": _t(lang, "组", "Group"),
                                                 "rank": _t(lang, "组内名次", "Rank in group"), "n": _t(lang, "成员数", "Members"),
                                                 "pct": _t(lang, "百分位", "Percentile")})
        sections[0] = Section("profile", name, (*sections[0].blocks, Table.from_frame(
            gt, title=_t(lang, f"组内位置（{period}）", f"Position within groups ({period})"),
            formats={gt.columns[2]: fmt.rank(), gt.columns[3]: fmt.integer(), gt.columns[4]: fmt.decimal(0)},
            id="unit-groups", note=_t(lang, "百分位 = 100 ×（成员数 − 组内名次）/（成员数 − 1），100 为组内第一。",
                                      "Percentile = 100 × (members − rank) / (members − 1); 100 = first in the group."))))
    # industries
    inds = pd.DataFrame(data["industries"])
    if len(inds):
        ic = "industry_name" if lang == "zh" else "industry_name_en"
        it = inds[[ic, "value", "share", "rank", "n_cities", "rank_change_yoy"]].rename(columns={
            ic: _t(lang, "行业", "Industry"), "value": _t(lang, "指数", "Index"), "share": _t(lang, "占本市行业合计", "Share of the city's industries"),
            "rank": _t(lang, "在该行业城市中的名次", "Rank among the industry's cities"), "n_cities": _t(lang, "城市数", "Cities"),
            "rank_change_yoy": _t(lang, "较上年同期", "vs a year earlier")})
        sections.append(Section("industries", _t(lang, f"本市行业（{period}）", f"The city's industries ({period})"), (
            Table.from_frame(it, formats={it.columns[1]: fmt.decimal(3), it.columns[2]: fmt.percent(1),
                                          it.columns[3]: fmt.rank(), it.columns[4]: fmt.integer()},
                             rank_change=it.columns[5], heat=(it.columns[1],), id="unit-industries",
                             title=_t(lang, "行业指数", "Industry indices")),)))
    # attribution
    att = data["attribution"]
    ablocks: list[Any] = []
    if att["rows"]:
        a = pd.DataFrame(att["rows"])
        a = a[a["kind"] != "total"]
        lc = "name" if lang == "zh" else "name_en"
        layers = a[a["kind"] == "layer"]
        ablocks.append(Chart("bar", _t(lang, "各层对指数变化的贡献", "Contribution of each layer to the change"),
                             categories=tuple(layers[lc].astype(str)),
                             series=(Series(_t(lang, "贡献", "Contribution"), tuple(layers["contribution"])),),
                             fmt=fmt.decimal(3), id="unit-attribution-bar", horizontal=True))
        kinds = {"layer": _t(lang, "层", "layer"), "indicator": _t(lang, "指标", "indicator")}
        at = a[[lc, "kind", "weight", "value_p0", "value_p1", "contribution", "share"]].copy()
        at["kind"] = at["kind"].map(kinds).fillna(at["kind"])
        at = at.rename(columns={lc: _t(lang, "指标", "Indicator"), "kind": _t(lang, "类别", "Kind"),
                                "weight": _t(lang, "有效权重", "Effective weight"), "value_p0": att["p0"], "value_p1": att["p1"],
                                "contribution": _t(lang, "贡献", "Contribution"), "share": _t(lang, "贡献占比", "Share of change")})
        ablocks.append(Table.from_frame(at, title=_t(lang, f"指数变化的分解（{att['p0']}→{att['p1']}）",
                                                    f"Decomposition of the index change ({att['p0']}→{att['p1']})"),
                                        formats={at.columns[2]: fmt.decimal(3), at.columns[3]: fmt.decimal(3),
                                                 at.columns[4]: fmt.decimal(3), at.columns[5]: fmt.decimal(3),
                                                 at.columns[6]: fmt.percent(1)}, id="unit-attribution",
                                        note=_t(lang, "贡献 = 有效权重 × 标准化值变化；各指标贡献之和等于指数变化。",
                                                "Contribution = effective weight × change of the normalised value; contributions sum to the change.")))
    if att.get("note"):
        ablocks.append(Callout(att["note"], kind="note"))
    if ablocks:
        sections.append(Section("attribution", _t(lang, "为什么变化", "Why it moved"), tuple(ablocks)))
    # peers
    pr = data["peers"]["units"]
    ncol = "name" if lang == "zh" else "name_en"
    peer_chart = Chart("line", _t(lang, "与同伴城市比较：指数", "Compared with peers: index"), categories=periods,
                       series=tuple(Series(p[ncol], tuple(p["values"])) for p in pr), fmt=fmt.decimal(3), id="unit-peers")
    pt = pd.DataFrame({_t(lang, "城市", "City"): [p[ncol] for p in pr],
                       _t(lang, "指数", "Index"): [p["values"][i] for p in pr],
                       _t(lang, "全国排名", "National rank"): [p["ranks"][i] for p in pr]})
    peer_table = Table.from_frame(pt, title=_t(lang, f"同伴城市（{period}）", f"Peers ({period})"),
                                  formats={pt.columns[1]: fmt.decimal(3), pt.columns[2]: fmt.rank()}, id="unit-peer-table",
                                  note=None if data["peers"]["chosen"] else _t(
                                      lang, "默认同伴为最新一期全国排名紧邻的城市；可在上方选择最多5个。",
                                      "Default peers are the cities ranked next to it nationally in the latest period; choose up to 5 above."))
    sections.append(Section("peers", _t(lang, "同伴比较", "Peers"), (peer_chart, peer_table)))
    opts = _city_options(c)
    controls = [_select("unit", _t(lang, "城市", "City"), opts, unit),
                _select("period", _t(lang, "期间", "Period"), [(p, p) for p in v.periods], period),
                {"type": "multi", "name": "peers", "label": _t(lang, "同伴（最多5个）", "Peers (up to 5)"),
                 "options": [o for o in opts if o[0] != unit], "values": peers}]
    row_links = {"table-unit-peer-table": [c.url(f"/city/{p['uCode']}", period=period) for p in pr]}
    return _render(c, f"{name} — " + _t(lang, "城市概况", "City profile"), sections, data, controls=controls,
                   row_links=row_links, active="/city")


# ---------------------------------------------------------------------- industry
def industry_code(v: ReleaseView, value: object) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return P.choice("industry", value, v.industry_codes())


def industry_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/industry")
    v, lang = c.view, c.lang
    period = v.period(q.get("period"))
    code = industry_code(v, q.get("industry"))
    data = Q.industry(v, period, code)
    if not data["available"]:
        sec = Section("industry", _t(lang, "行业", "Industries"), (Callout(_t(
            lang, "本发布没有行业指数（industry 构建或 industries.csv）。", "This release has no industry index (industry build or industries.csv)."),
            kind="note"),))
        return _render(c, _t(lang, "行业", "Industries"), [sec], data, active="/industry")
    code = data["industry"]
    ic = "industry_name" if lang == "zh" else "industry_name_en"
    scale = pd.DataFrame(data["scale"])
    bar = Chart.from_frame("bar", scale, ic, ["value"], names={"value": _t(lang, "指数", "Index")}, horizontal=True,
                           title=_t(lang, f"行业数字化规模（{period}）", f"Industry digital scale ({period})"),
                           fmt=fmt.decimal(2), id="industry-scale-bar", height=max(300, 24 * len(scale)))
    st = scale[["rank", ic, "value", "share", "mean_yoy", "growth_rank"]].rename(columns={
        "rank": _t(lang, "规模排名", "Scale rank"), ic: _t(lang, "行业", "Industry"), "value": _t(lang, "指数", "Index"),
        "share": _t(lang, "占全部行业", "Share of all industries"), "mean_yoy": _t(lang, "平均同比增速", "Mean YoY growth"),
        "growth_rank": _t(lang, "增速排名", "Growth rank")})
    table = Table.from_frame(st, title=_t(lang, "行业规模与增速", "Industry scale and growth"),
                             formats={st.columns[0]: fmt.rank(), st.columns[2]: fmt.decimal(2), st.columns[3]: fmt.percent(1),
                                      st.columns[4]: fmt.percent(1), st.columns[5]: fmt.rank()},
                             heat=(st.columns[4],), id="industry-scale")
    ser = pd.DataFrame(data["series"])
    top6 = scale["industry"].head(6).tolist()
    ser = ser[ser["industry"].isin(top6)]
    trend = Chart.from_frame("line", ser, "Time", "value", by=ic, title=_t(lang, "规模前六行业的指数走势", "Index of the six largest industries"),
                             fmt=fmt.decimal(2), id="industry-trend")
    sections = [Section("industries", _t(lang, "行业规模与增速", "Industry scale and growth"), (bar, trend, table))]
    prov = pd.DataFrame(data["provinces"])
    name = scale.loc[scale["industry"] == code, ic].iloc[0]
    blocks: list[Any] = []
    if len(prov):
        from .. import regions

        codes = dict(zip(regions.provinces()["short_name"], regions.provinces()["adcode"].astype(str)))
        values = tuple((codes[p], None if pd.isna(s) else float(s)) for p, s in zip(prov["province"], prov["share"]) if p in codes)
        blocks.append(Map(_t(lang, f"{name}占各省数字产业的份额", f"{name}: share of each province's digital industry"),
                          values, level="province", fmt=fmt.percent(1), id="industry-map"))
        pts = prov.dropna(subset=["share", "mean_share_yoy"])
        pc = "province" if lang == "zh" else "province_en"
        if len(pts):
            blocks.append(Chart.from_points(
                pts, "share", "mean_share_yoy", label=pc, kind="quadrant",
                title=_t(lang, f"“双高”省份：{name}", f"Double-high provinces: {name}"),
                x_label=_t(lang, "行业占本省数字产业份额", "Share of the province's digital industry"),
                y_label=_t(lang, "份额平均同比增速", "Mean YoY growth of the share"), fmt=fmt.percent(1), x_fmt=fmt.percent(1),
                x_threshold=float(pts["share_threshold"].iloc[0]), y_threshold=float(pts["growth_threshold"].iloc[0]),
                quadrant_labels=(_t(lang, "双高", "double-high"), _t(lang, "高增速", "high growth"), _t(lang, "双低", "double-low"),
                                 _t(lang, "高份额", "high share")), id="double-high"))
        pt = prov[["share_rank", pc, "value", "share", "mean_share_yoy"]].rename(columns={
            "share_rank": _t(lang, "份额排名", "Share rank"), pc: _t(lang, "省份", "Province"), "value": _t(lang, "指数", "Index"),
            "share": _t(lang, "份额", "Share"), "mean_share_yoy": _t(lang, "份额平均同比增速", "Mean YoY growth of the share")})
        blocks.append(Table.from_frame(pt, title=_t(lang, f"{name}：各省份额", f"{name}: provincial shares"),
                                       formats={pt.columns[0]: fmt.rank(), pt.columns[2]: fmt.decimal(3),
                                                pt.columns[3]: fmt.percent(1), pt.columns[4]: fmt.percent(1)},
                                       heat=(pt.columns[3],), id="industry-provinces"))
    sections.append(Section("provinces", _t(lang, f"{name}：省份", f"{name}: provinces"), tuple(blocks) or (
        Paragraph(_t(lang, "没有省份数据。", "No provincial data.")),)))
    names = dict(zip(scale["industry"], scale[ic]))
    controls = [_period_slider(c, period),
                _select("industry", _t(lang, "行业", "Industry"), [(k, f"{k} {n}") for k, n in names.items()], code)]
    return _render(c, _t(lang, "行业", "Industries"), sections, data, controls=controls, active="/industry")


# ---------------------------------------------------------------------- methodology
def methodology_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/methodology")
    v, lang = c.view, c.lang
    data = Q.methodology(v)
    sections = []
    for name, b in data["builds"].items():
        spec = b["spec"] or {}
        tree = pd.DataFrame(b["framework"])
        lc = "name" if lang == "zh" else "name_en"
        parent_names = dict(zip(tree["code"], tree[lc]))
        resolved = b["resolved"] or {}
        norm = resolved.get("normalise") or {}
        agg = resolved.get("aggregate") or {}
        tree["method"] = [
            (norm.get(code) or {}).get("method") or (agg.get(code) or {}).get("method") or "" for code in tree["code"]]
        tree["params"] = [json.dumps((norm.get(code) or agg.get(code) or {}).get("params") or {}, ensure_ascii=False)
                          for code in tree["code"]]
        tree["node"] = [("　" * (int(tree["level"].max()) - int(lv))) + str(n) for lv, n in zip(tree["level"], tree[lc])]
        tree["parent_name"] = [parent_names.get(p, "") if p else "" for p in tree["parent"]]
        ft = tree[["node", "code", "parent_name", "level", "weight", "method", "params"]].rename(columns={
            "node": _t(lang, "节点", "Node"), "code": _t(lang, "代码", "Code"), "parent_name": _t(lang, "上级", "Parent"),
            "level": _t(lang, "层级", "Level"), "weight": _t(lang, "权重", "Weight"),
            "method": _t(lang, "标准化 / 聚合方法", "Normalisation / aggregation"), "params": _t(lang, "参数", "Parameters")})
        blocks: list[Any] = [
            Paragraph(str(spec.get("description") or "")) if spec.get("description") else Heading(str(spec.get("name", name))),
            Table.from_frame(ft, title=_t(lang, "指标体系、权重与方法", "Framework, weights and methods"),
                             formats={ft.columns[3]: fmt.integer(), ft.columns[4]: fmt.decimal(4)}, id=f"framework-{_slug(name)}")]
        inputs = pd.DataFrame({_t(lang, "输入", "Input"): list(b["inputs"]), "SHA-256": list(b["inputs"].values())})
        if len(inputs):
            blocks.append(Table.from_frame(inputs, title=_t(lang, "输入文件及其哈希", "Input files and their hashes"),
                                           id=f"inputs-{_slug(name)}"))
        recipe = pd.DataFrame({_t(lang, "项目", "Item"): [_t(lang, "期间", "Periods"), _t(lang, "基期", "Base period"),
                                                         _t(lang, "单位数", "Units"), "dtindex",
                                                         _t(lang, "环境", "Environment")],
                               _t(lang, "值", "Value"): [f"{(b['periods'] or [''])[0]}–{(b['periods'] or [''])[-1]}",
                                                        str(b["base_period"] or ""), str(b["units"] or ""),
                                                        str(b["dtindex_version"] or ""),
                                                        ", ".join(f"{k} {x}" for k, x in (b["environment"] or {}).items())]})
        blocks.append(Table.from_frame(recipe, title=_t(lang, "配方", "Recipe"), id=f"recipe-{_slug(name)}",
                                       note=_t(lang, "全部表格可由发布目录（scores.csv 与 recipe.json）重新计算。",
                                               "Every table can be recomputed from the release folder (scores.csv and recipe.json).")))
        title = spec.get("title" if lang == "zh" else "title_en") or spec.get("title") or name
        sections.append(Section(f"build-{_slug(name)}", str(title), tuple(blocks)))
    return _render(c, _t(lang, "方法", "Methodology"), sections, data, active="/methodology")


# ---------------------------------------------------------------------- compare releases
def compare_params(views: dict[str, ReleaseView], default: str, q: dict[str, str]):
    keys = list(views)
    a = views[P.choice("a", q.get("a") or default, keys)]
    other = next((k for k in keys if k != a.key), a.key)
    b = views[P.choice("b", q.get("b") or other, keys)]
    common = [p for p in a.periods if p in b.periods]
    if not common:
        raise P.ParamError("b", f"releases {a.key!r} and {b.key!r} share no period; choose releases of the same periods")
    raw = q.get("period")
    period = common[-1] if raw is None or raw == "" else P.period(raw, tuple(common))
    nodes = [n for n in a.nodes if n in b.nodes]
    node = a.city.framework.root if not q.get("node") else P.choice("node", q.get("node"), nodes)
    return a, b, period, node


def compare_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/compare")
    lang = c.lang
    a, b, period, node = compare_params(views, default, q)
    data = Q.compare(a, b, period, node)
    blocks: list[Any] = []
    if a.key == b.key:
        blocks.append(Callout(_t(lang, "只加载了一个发布版本：请用 `dtindex serve 文件夹` 打开一个包含多个发布版本的文件夹，以比较两个版本或两种方法。",
                                 "Only one release is loaded: serve a folder holding several releases "
                                 "(`dtindex serve FOLDER`) to compare two editions or two method variants."), kind="note"))
    blocks.append(KPICards((
        KPI(_t(lang, "共同城市", "Cities in both"), data["n_common"], fmt.integer()),
        KPI(_t(lang, "名次不同的城市", "Cities whose rank differs"), data["n_moved"], fmt.integer()),
        KPI(_t(lang, "最大名次差", "Largest rank difference"), data["max_abs_diff"], fmt.integer()),
        KPI(_t(lang, "Spearman 等级相关", "Spearman rank correlation"), data["spearman"], fmt.decimal(3)))))
    rows = pd.DataFrame(data["rows"])
    ncol = "name" if lang == "zh" else "name_en"
    head = rows.head(200)
    t = head[[ncol, "rank_a", "rank_b", "rank_diff", "value_a", "value_b"]].rename(columns={
        ncol: _t(lang, "城市", "City"), "rank_a": f"{_t(lang, '名次', 'Rank')} A", "rank_b": f"{_t(lang, '名次', 'Rank')} B",
        "rank_diff": _t(lang, "名次差（A − B）", "Rank difference (A − B)"), "value_a": f"{_t(lang, '指数', 'Index')} A",
        "value_b": f"{_t(lang, '指数', 'Index')} B"})
    blocks.append(Table.from_frame(t, title=_t(lang, f"名次差异最大的城市（{period}，前200行）", f"Largest rank differences ({period}, first 200 rows)"),
                                   formats={t.columns[1]: fmt.rank(), t.columns[2]: fmt.rank(), t.columns[3]: fmt.rank_change(),
                                            t.columns[4]: fmt.decimal(3), t.columns[5]: fmt.decimal(3)},
                                   id="compare", note=_t(lang, "名次差为正：在 B 中排名更靠前。", "A positive difference: ranked higher in B.")))
    opts = [(k, f"{k} — {x.title(lang)}") for k, x in views.items()]
    common = [p for p in a.periods if p in b.periods]
    controls = [_select("a", "A", opts, a.key), _select("b", "B", opts, b.key),
                _select("period", _t(lang, "期间", "Period"), [(p, p) for p in common], period), _node_select(c, node)]
    row_links = {"table-compare": [c.url(f"/city/{u}", period=period) for u in head["uCode"]]}
    return _render(c, _t(lang, "版本对比", "Compare releases"),
                   [Section("release-compare", f"A: {a.title(lang)} · B: {b.title(lang)}", tuple(blocks))], data,
                   controls=controls, row_links=row_links, active="/compare")


# ---------------------------------------------------------------------- uncertainty
def uncertainty_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    from ..report.uncertainty import uncertainty_section

    c = _ctx(views, default, q, "/uncertainty")
    data = Q.uncertainty(c.view)
    section = uncertainty_section(c.view.uncertainty, lang=c.lang)
    rs = c.view.uncertainty.rank_intervals
    row_links = {"table-rank-stats": [c.url(f"/city/{u}") if u in c.view.units else "" for u in rs["uCode"]]}
    return _render(c, _t(c.lang, "排名的不确定性", "Rank uncertainty"), [section], data, row_links=row_links,
                   active="/uncertainty")


# ---------------------------------------------------------------------- survey explorer
def _has_survey(v: ReleaseView) -> bool:
    folder = v.release.path / "survey"
    return (folder / "questionnaire.yaml").is_file() and any(
        (folder / n).is_file() for n in ("responses.csv", "responses.xlsx"))


def survey_page(views: dict[str, ReleaseView], default: str, q: dict[str, str]) -> Page:
    c = _ctx(views, default, q, "/survey")
    v, lang = c.view, c.lang
    questions = Q.survey_questions(v) if _has_survey(v) else []
    if not questions:
        Q.survey_table(v, "", None, lang)  # NotFound naming what to add, or a ParamError
    question = q.get("question") or questions[0].code
    data = Q.survey_table(v, question, q.get("by") or None, lang)
    rows = pd.DataFrame(data["rows"])
    qtext = data["text"]
    blocks: list[Any] = [Paragraph(_t(lang, f"问题：{qtext}", f"Question: {qtext}"))]
    small = [g for g in data["groups"] if g["small_base"]]
    if small:
        names = "、".join(str(g["label"] or _t(lang, "全部", "all")) for g in small) if lang == "zh" else \
            ", ".join(str(g["label"] or "all") for g in small)
        blocks.append(Callout(_t(lang, f"样本量小于{data['small_base']}：{names}。这些组的估计很不稳定，请谨慎解读。",
                                 f"Base below {data['small_base']}: {names}. Estimates for these groups are unstable; "
                                 "read them with care."), kind="warning", title=_t(lang, "样本量小", "Small base")))
    options = list(pd.unique(rows["label"]))
    if data["by"] is None:
        blocks.append(Chart("bar", qtext, categories=tuple(options), series=(Series(_t(lang, "占比", "Share"),
                            tuple(rows["share"])),), horizontal=True, fmt=fmt.percent(1), id="survey-chart",
                            base_n=data["groups"][0]["base_n"]))
    else:
        glabels = [str(g["label"]) for g in data["groups"]]
        series = []
        for opt in options:
            sub = rows[rows["label"] == opt].set_index("group_label")["share"]
            series.append(Series(str(opt), tuple(sub.reindex(glabels).astype(float))))
        blocks.append(Chart("stacked_bar", qtext, categories=tuple(glabels), series=tuple(series), horizontal=True,
                            percent=True, fmt=fmt.percent(1), id="survey-chart", height=max(260, 34 * len(glabels))))
    t = rows[["group_label", "label", "n", "share", "ci_low", "ci_high", "base_n"]] if data["by"] else \
        rows[["label", "n", "share", "ci_low", "ci_high", "base_n"]]
    t = t.rename(columns={"group_label": _t(lang, "分组", "Group"), "label": _t(lang, "选项", "Option"),
                          "n": _t(lang, "样本数", "n"), "share": _t(lang, "加权占比", "Weighted share"),
                          "ci_low": _t(lang, "95%置信下限", "95% CI low"), "ci_high": _t(lang, "95%置信上限", "95% CI high"),
                          "base_n": _t(lang, "基数 N", "Base N")})
    k = 1 if data["by"] else 0
    cols = list(t.columns)
    blocks.append(Table.from_frame(
        t, title=_t(lang, "加权分布及置信区间", "Weighted distribution with confidence intervals"),
        formats={cols[k + 1]: fmt.integer(), cols[k + 2]: fmt.percent(1), cols[k + 3]: fmt.percent(1),
                 cols[k + 4]: fmt.percent(1), cols[k + 5]: fmt.integer()}, heat=(cols[k + 2],), id="survey-table",
        base_n=data["n_respondents"],
        note=_t(lang, ("已按总体边际加权（raking）；" if data["weighted"] else "未加权；") +
                "置信区间为 logit 区间（R svyciprop）；样本数与基数为未加权人数。",
                ("Raked to population margins; " if data["weighted"] else "Unweighted; ") +
                "logit confidence intervals (R svyciprop); n and base N are unweighted counts.")))
    opts = [(x.code, f"{x.code} {x.text.get(lang)}") for x in questions]
    controls = [_select("question", _t(lang, "问题", "Question"), opts, data["question"]),
                _select("by", _t(lang, "分组", "Breakdown"), [("", _t(lang, "不分组", "None"))] +
                        [o for o in opts if o[0] != data["question"]], data["by"] or "")]
    return _render(c, _t(lang, "调查浏览", "Survey explorer"),
                   [Section("survey", _t(lang, "调查结果", "Survey results"), tuple(blocks))], data, controls=controls,
                   active="/survey")
