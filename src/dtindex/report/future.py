"""Report sections of the future-industry development index (未来产业发展指数), from a release.

:func:`future_sections` reads the release's ``future`` (provinces) and
``future_city`` (cities) builds and ``future_units.csv`` / ``future_ai.csv``
and returns the sections (nothing when the release has no future build):

* ``future`` -- KPIs, rule-based findings, province ranking (total and fields), map of the total;
* ``future-fields`` -- a choropleth per field, field x dimension heat table, top cities per field;
* ``future-profiles`` -- radar profiles, development paths (k-means), leading fields;
* ``future-ai`` -- the AI sub-field by track.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..future import analysis as FA
from ..future.taxonomy import AI_TRACKS, DIMENSIONS, FIELDS
from ..release import Release
from . import fmt
from .model import KPI, Callout, Chart, Evidence, Heading, KPICards, Map, Paragraph, Section, Series, Table

BUILD, CITY_BUILD = "future", "future_city"
RADAR_UNITS = 5


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _read(rel: Release, name: str, **kw: Any) -> pd.DataFrame:
    path = rel.path / name
    if not path.exists():
        raise DataError(f"{rel.path}: {name} is missing; the future-industry sections need it (rebuild the release)")
    return pd.read_csv(path, keep_default_na=False, na_values=[""], **kw)


def _field(lang: str, code: str) -> str:
    zh, en = FIELDS[code] if code in FIELDS else ("未来产业发展指数", "Future-industry index")
    return zh if lang == "zh" else en


def _dim(lang: str, code: str) -> str:
    return DIMENSIONS[code][0 if lang == "zh" else 1]


def _name(units: pd.DataFrame, lang: str):
    col = "name" if lang == "zh" else "name_en"
    m = units.drop_duplicates("code").set_index("code")[col]
    return lambda code: str(m.get(str(code), code))


def future_sections(release: Release, lang: str = "zh", geojson: str | None = None) -> list[Section]:
    """The future-industry sections of a release (an empty list when it has no ``future`` build)."""
    if BUILD not in release.builds:
        return []
    prov, city = release[BUILD], release[CITY_BUILD]
    units = _read(release, "future_units.csv", dtype={"code": str, "province": str})
    ai = _read(release, "future_ai.csv", dtype={"region": str, "period": str})
    latest = prov.period_labels[-1]
    name = _name(units, lang)
    ranks = FA.rankings(prov, units, latest)
    profile = FA.dimension_profile(prov, latest)
    paths, centroids = FA.cluster_paths(profile)
    leading = FA.leading_fields(prov, latest)
    heat = FA.field_dimension_table(prov, latest)
    findings = future_findings(lang, ranks, profile, paths, centroids, leading, ai, units, latest)
    return [
        _overview(lang, release, prov, city, ranks, findings, latest, name, geojson),
        _fields(lang, prov, city, units, heat, latest, name, geojson),
        _profiles(lang, profile, paths, centroids, leading, latest, name),
        _ai(lang, ai, latest, name),
    ]


# ---------------------------------------------------------------------- findings
def future_findings(lang, ranks, profile, paths, centroids, leading, ai, units, latest) -> list[Paragraph]:
    """Rule-based findings (zh / en), each with the numbers it rests on.

    1. the province first in the total, its score and leading field;
    2. the leader of every field;
    3. the region group (东部/中部/西部/东北) with the highest mean growth score, and with the
       highest mean diversity score;
    4. the development paths and their members;
    5. the province with the most AI start-ups and the largest AI track nationally.
    """
    name = _name(units, lang)
    out: list[Paragraph] = []
    tot = ranks[ranks["node"] == FA.ROOT].sort_values(["rank", "code"])
    top = tot.iloc[0]
    lead = leading.set_index("code").loc[top["code"]]
    out.append(Paragraph(_t(
        lang, f"{latest}年，{name(top['code'])}未来产业发展指数居全国首位（{top['score']:.1f}），"
              f"其领先领域为{_field(lang, lead['leading'])}（全国第{int(lead['leading_rank'])}）。",
        f"In {latest}, {name(top['code'])} ranks first in the future-industry index ({top['score']:.1f}); its leading "
        f"field is {_field(lang, lead['leading'])} (rank {int(lead['leading_rank'])})."),
        evidence=(Evidence(_t(lang, "指数", "Index"), float(top["score"]), fmt.decimal(1)),)))
    leaders = []
    for f in FIELDS:
        r = ranks[(ranks["node"] == f)].sort_values(["rank", "code"]).iloc[0]
        leaders.append((f, r))
    sep = "；" if lang == "zh" else "; "
    out.append(Paragraph(_t(lang, "各领域排名第一的省份：", "Field leaders: ")
                         + sep.join(f"{_field(lang, f)} {name(r['code'])}（{r['score']:.1f}）" if lang == "zh"
                                    else f"{_field(lang, f)}: {name(r['code'])} ({r['score']:.1f})" for f, r in leaders)
                         + ("。" if lang == "zh" else "."),
                         evidence=tuple(Evidence(_field(lang, f), float(r["score"]), fmt.decimal(1)) for f, r in leaders[:3])))
    prof = profile.merge(units[units["level"] == "province"][["code", "region"]], on="code", how="left")
    means = prof.groupby("region")[list(DIMENSIONS)].mean()
    en_region = {"东部": "the east", "中部": "the centre", "西部": "the west", "东北": "the north-east"}
    g, d = means["growth"].idxmax(), means["diversity"].idxmax()
    rg = (lambda r: r) if lang == "zh" else (lambda r: en_region.get(r, r))
    out.append(Paragraph(_t(
        lang, f"分地区看，{rg(g)}省份成长性平均得分最高（{means.loc[g, 'growth']:.1f}），"
              f"{rg(d)}省份多样性平均得分最高（{means.loc[d, 'diversity']:.1f}）。",
        f"By region, provinces in {rg(g)} have the highest mean growth score ({means.loc[g, 'growth']:.1f}) and those in "
        f"{rg(d)} the highest mean diversity score ({means.loc[d, 'diversity']:.1f})."),
        evidence=(Evidence(_t(lang, "成长性", "Growth"), float(means.loc[g, "growth"]), fmt.decimal(1)),
                  Evidence(_t(lang, "多样性", "Diversity"), float(means.loc[d, "diversity"]), fmt.decimal(1)))))
    nm = "name_zh" if lang == "zh" else "name_en"
    parts = []
    for c in centroids.itertuples():
        members = paths.loc[paths["path"] == c.path, "code"].map(name).tolist()
        shown = ("、" if lang == "zh" else ", ").join(members[:4]) + ("等" if lang == "zh" and len(members) > 4 else
                                                                    " etc." if len(members) > 4 else "")
        parts.append(f"{getattr(c, nm)}（{c.n}个：{shown}）" if lang == "zh" else f"{getattr(c, nm)} ({c.n}: {shown})")
    out.append(Paragraph(_t(lang, f"按四维画像聚类，各省份形成{len(centroids)}条发展路径：",
                            f"Clustering the four-dimension profiles gives {len(centroids)} development paths: ")
                         + sep.join(parts) + ("。" if lang == "zh" else "."),
                         evidence=(Evidence(_t(lang, "路径数", "Paths"), float(len(centroids)), fmt.integer()),)))
    a = ai[ai["level"] == "province"]
    if len(a) and a["firms"].sum() > 0:
        by_p = a.groupby("region")["firms"].sum()
        by_t = a.groupby("track")["firms"].sum()
        p, t = by_p.idxmax(), by_t.idxmax()
        share_p, share_t = by_p[p] / by_p.sum(), by_t[t] / by_t.sum()
        tn = AI_TRACKS[t][0 if lang == "zh" else 1]
        out.append(Paragraph(_t(
            lang, f"人工智能领域，{name(p)}的初创企业最多（占全国{share_p:.1%}）；全国人工智能初创企业中{tn}赛道占比最高（{share_t:.1%}）。",
            f"In AI, {name(p)} has the most start-ups ({share_p:.1%} of the nation); {tn} is the largest AI track "
            f"({share_t:.1%} of AI start-ups)."),
            evidence=(Evidence(name(p), float(share_p), fmt.percent(1)), Evidence(tn, float(share_t), fmt.percent(1)))))
    return [Paragraph(p.text, finding=i, evidence=p.evidence) for i, p in enumerate(out, start=1)]


# ---------------------------------------------------------------------- sections
def _overview(lang, rel, prov, city, ranks, findings, latest, name, geojson) -> Section:
    blocks: list[Any] = []
    meta = rel.meta.get("future", {})
    if rel.synthetic or meta.get("synthetic"):
        blocks.append(Callout(_t(lang, "未来产业部分的初创企业、融资和专利数据均为随机生成的合成数据，不代表任何真实企业或地区。",
                                 "The start-ups, financing events and patents behind the future-industry part are "
                                 "randomly generated synthetic data; they describe no real firm or region."),
                              kind="warning", title=_t(lang, "合成数据", "Synthetic data")))
    rows = meta.get("rows", {})
    blocks.append(KPICards((
        KPI(_t(lang, "未来产业领域", "Future-industry fields"), len(FIELDS), fmt.integer()),
        KPI(_t(lang, "省份", "Provinces"), len(prov.units), fmt.integer()),
        KPI(_t(lang, "城市", "Cities"), len(city.units), fmt.integer()),
        KPI(_t(lang, "初创企业", "Start-ups"), rows.get("registry"), fmt.integer()),
    )))
    blocks.append(Heading(_t(lang, "主要发现", "Key findings")))
    blocks.extend(findings)
    wide = ranks.pivot(index="code", columns="node", values="score")
    rk = ranks.pivot(index="code", columns="node", values="rank")
    tot = ranks[ranks["node"] == FA.ROOT].sort_values(["rank", "code"])
    tab = pd.DataFrame({_t(lang, "排名", "Rank"): tot["rank"].to_numpy(),
                        _t(lang, "省份", "Province"): tot["code"].map(name).to_numpy(),
                        _t(lang, "总指数", "Index"): tot["score"].to_numpy(),
                        _t(lang, "名次变化", "Rank change"): tot["change"].to_numpy()})
    for f in FIELDS:
        tab[_field(lang, f)] = wide.loc[tot["code"], f].to_numpy()
    cols = list(tab.columns)
    blocks.append(Table.from_frame(
        tab, title=_t(lang, f"省份未来产业发展指数（{latest}）", f"Province future-industry index ({latest})"),
        formats={cols[0]: fmt.rank(), **{c: fmt.decimal(1) for c in cols[2:3] + cols[4:]}}, rank_change=cols[3],
        heat=tuple(cols[4:]), id="future-ranking", sheet="future_ranking",
        note=_t(lang, "各领域得分为四个维度的算术平均，维度为其指标的算术平均；指标经缩尾处理后按全部年份统一极差标准化到 0–100。",
                "Field scores average the four dimensions, which average their indicators; indicators are winsorised "
                "where skewed and min-max normalised to 0-100 over all years together.")))
    values = tuple((str(c), float(v)) for c, v in zip(tot["code"], tot["score"]))
    blocks.append(Map(_t(lang, f"未来产业发展指数（{latest}）", f"Future-industry index ({latest})"), values,
                      level="province", geojson=geojson, id="future-map", fmt=fmt.decimal(1), sheet="future_map"))
    return Section("future", _t(lang, "未来产业发展指数", "Future-industry development index"), tuple(blocks),
                   lead=_t(lang, "六大未来产业领域按集聚度、活跃度、成长性和多样性四个维度测度，覆盖全部省份和地级以上城市。",
                           "Six future-industry fields measured by agglomeration, activity, growth and diversity for "
                           "every province and prefecture-level city."))


def _fields(lang, prov, city, units, heat, latest, name, geojson) -> Section:
    blocks: list[Any] = []
    ranks = FA.rankings(prov, units, latest)
    for f in FIELDS:
        r = ranks[ranks["node"] == f]
        blocks.append(Map(_t(lang, f"{_field(lang, f)}（{latest}）", f"{_field(lang, f)} ({latest})"),
                          tuple((str(c), float(v)) for c, v in zip(r["code"], r["score"])), level="province",
                          geojson=geojson, id=f"future-map-{f}", fmt=fmt.decimal(1), sheet=f"future_map_{f}"))
    blocks.append(Chart("heat_table", _t(lang, f"领域 × 维度平均得分（省份，{latest}）",
                                         f"Field x dimension mean scores (provinces, {latest})"),
                        categories=tuple(_dim(lang, d) for d in DIMENSIONS),
                        series=tuple(Series(_field(lang, f), tuple(heat.loc[f].to_numpy())) for f in FIELDS),
                        fmt=fmt.decimal(1), id="future-heat", sheet="future_field_dimension",
                        note=_t(lang, "各省份得分的平均值。", "Means of the provinces' scores.")))
    cr = FA.rankings(city, units, latest)
    tot = cr[cr["node"] == FA.ROOT].sort_values(["rank", "code"]).head(20)
    wide = cr.pivot(index="code", columns="node", values="score")
    ctab = pd.DataFrame({_t(lang, "排名", "Rank"): tot["rank"].to_numpy(),
                         _t(lang, "城市", "City"): tot["code"].map(name).to_numpy(),
                         _t(lang, "总指数", "Index"): tot["score"].to_numpy(),
                         _t(lang, "名次变化", "Rank change"): tot["change"].to_numpy(),
                         **{_field(lang, f): wide.loc[tot["code"], f].to_numpy() for f in FIELDS}})
    ccols = list(ctab.columns)
    blocks.append(Table.from_frame(
        ctab, title=_t(lang, f"城市未来产业发展指数前 20 名（{latest}）", f"Top 20 cities in the future-industry index ({latest})"),
        formats={ccols[0]: fmt.rank(), **{c: fmt.decimal(1) for c in ccols[2:3] + ccols[4:]}}, rank_change=ccols[3],
        heat=tuple(ccols[4:]), id="future-city-ranking", sheet="future_city_ranking",
        note=_t(lang, "全部城市的得分和名次见发布目录 future_city/scores.csv、ranks.csv。",
                "Every city's scores and ranks are in the release's future_city/scores.csv and ranks.csv.")))
    top = FA.top_cities(city, units, latest, n=5)
    top = top[top["node"] != FA.ROOT]
    tab = pd.DataFrame({_t(lang, "领域", "Field"): top["node"].map(lambda f: _field(lang, f)).to_numpy(),
                        _t(lang, "排名", "Rank"): top["rank"].to_numpy(),
                        _t(lang, "城市", "City"): top["code"].map(name).to_numpy(),
                        _t(lang, "省份", "Province"): (top["province_name"] if lang == "zh" else
                                                       top["code"].str[:2].add("0000").map(name)).to_numpy(),
                        _t(lang, "得分", "Score"): top["score"].to_numpy()})
    cols = list(tab.columns)
    blocks.append(Table.from_frame(tab, title=_t(lang, f"各领域前五城市（{latest}）", f"Top five cities per field ({latest})"),
                                   formats={cols[1]: fmt.rank(), cols[4]: fmt.decimal(1)}, heat=(cols[4],),
                                   id="future-top-cities", sheet="future_top_cities"))
    return Section("future-fields", _t(lang, "未来产业分领域", "Future-industry fields"), tuple(blocks))


def _profiles(lang, profile, paths, centroids, leading, latest, name) -> Section:
    dims = list(DIMENSIONS)
    cats = tuple(_dim(lang, d) for d in dims)
    top = profile.assign(total=profile[dims].mean(axis=1)).sort_values(["total", "code"], ascending=[False, True])
    radar = Chart("radar", _t(lang, f"四维画像：综合得分前{RADAR_UNITS}的省份（{latest}）",
                              f"Four-dimension profiles of the top {RADAR_UNITS} provinces ({latest})"),
                  categories=cats, series=tuple(Series(name(r.code), tuple(getattr(r, d) for d in dims))
                                                for r in top.head(RADAR_UNITS).itertuples()),
                  fmt=fmt.decimal(1), id="future-radar", sheet="future_profiles",
                  note=_t(lang, "维度得分为六个领域该维度得分的加权平均（权重同总指数）。",
                          "A dimension's score is the weighted mean of the six fields' scores of that dimension "
                          "(weights as in the total)."))
    nm = "name_zh" if lang == "zh" else "name_en"
    path_radar = Chart("radar", _t(lang, "发展路径的典型画像（聚类中心）", "Typical profile of each path (cluster centres)"),
                       categories=cats, series=tuple(Series(getattr(c, nm), tuple(getattr(c, d) for d in dims))
                                                     for c in centroids.itertuples()),
                       fmt=fmt.decimal(1), id="future-path-radar", sheet="future_path_centres")
    lead = leading.set_index("code")
    tab = paths.merge(profile, on="code").sort_values(["path", "code"])
    out = pd.DataFrame({_t(lang, "路径", "Path"): tab[nm].to_numpy(),
                        _t(lang, "省份", "Province"): tab["code"].map(name).to_numpy(),
                        **{_dim(lang, d): tab[d].to_numpy() for d in dims},
                        _t(lang, "领先领域", "Leading field"): tab["code"].map(lambda c: _field(lang, lead.loc[c, "leading"])).to_numpy(),
                        _t(lang, "领先领域名次", "Its rank"): tab["code"].map(lambda c: lead.loc[c, "leading_rank"]).to_numpy()})
    cols = list(out.columns)
    table = Table.from_frame(out, title=_t(lang, f"省份发展路径与领先领域（{latest}）", f"Province paths and leading fields ({latest})"),
                             formats={**{c: fmt.decimal(1) for c in cols[2:6]}, cols[7]: fmt.rank()}, heat=tuple(cols[2:6]),
                             id="future-paths", sheet="future_paths",
                             note=_t(lang, "路径由四维画像的 k 均值聚类（k = 4，固定随机种子）得到，按聚类中心命名；领先领域为该省全国名次最好的领域。",
                                     "Paths: k-means clustering of the four-dimension profiles (k = 4, fixed seed), named "
                                     "after their centres; the leading field is the field with the province's best national rank."))
    return Section("future-profiles", _t(lang, "画像与发展路径", "Profiles and paths"), (radar, path_radar, table))


def _ai(lang, ai, latest, name) -> Section:
    view = FA.ai_view(ai, "province")
    track_name = {t: AI_TRACKS[t][0 if lang == "zh" else 1] for t in AI_TRACKS}
    nat = view.groupby("track")["firms"].sum().reindex(list(AI_TRACKS)).fillna(0.0)
    blocks: list[Any] = [Chart("bar", _t(lang, "全国人工智能初创企业的赛道分布", "AI start-ups by track (nation)"),
                               categories=tuple(track_name[t] for t in nat.index),
                               series=(Series(_t(lang, "企业数", "Firms"), tuple(nat.to_numpy())),),
                               fmt=fmt.integer(), id="future-ai-tracks", sheet="future_ai_tracks", main=True)]
    totals = view.groupby("region")["firms"].sum().sort_values(ascending=False, kind="stable")
    top = list(totals.index[:10])
    sub = view[view["region"].isin(top)]
    wide = sub.pivot(index="region", columns="track", values="firms").reindex(index=top, columns=list(AI_TRACKS)).fillna(0.0)
    blocks.append(Chart("stacked_bar", _t(lang, "人工智能初创企业最多的 10 个省份：赛道结构", "Top 10 provinces in AI: track mix"),
                        categories=tuple(name(c) for c in top),
                        series=tuple(Series(track_name[t], tuple(wide[t].to_numpy())) for t in AI_TRACKS),
                        percent=True, horizontal=True, fmt=fmt.integer(), id="future-ai-mix", sheet="future_ai_mix",
                        note=_t(lang, f"截至{latest}年底的企业存量。", f"Stock of firms at the end of {latest}.")))
    lead = view.sort_values(["track", "national_share"], ascending=[True, False]).groupby("track").head(1)
    lead = lead.set_index("track").reindex(list(AI_TRACKS)).reset_index()
    tab = pd.DataFrame({_t(lang, "赛道", "Track"): lead["track"].map(track_name).to_numpy(),
                        _t(lang, "领先省份", "Leading province"): lead["region"].map(name).to_numpy(),
                        _t(lang, "占全国比重", "Share of the nation"): lead["national_share"].to_numpy(),
                        _t(lang, "企业数", "Firms"): lead["firms"].to_numpy(),
                        _t(lang, f"{latest}年融资额（万元）", f"Financing {latest} (10k yuan)"): lead["financing"].to_numpy()})
    cols = list(tab.columns)
    blocks.append(Table.from_frame(tab, title=_t(lang, "人工智能各赛道的领先省份", "Leading province of each AI track"),
                                   formats={cols[2]: fmt.percent(1), cols[3]: fmt.integer(), cols[4]: fmt.integer()},
                                   id="future-ai-leaders", sheet="future_ai_leaders"))
    return Section("future-ai", _t(lang, "人工智能细分领域", "The AI sub-field"), tuple(blocks))
