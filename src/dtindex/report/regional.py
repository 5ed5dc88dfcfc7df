"""The 区域差异与动态 (regional gaps and dynamics) section of the DTI report, from a release.

:func:`regional_section` computes, from the release's ``city`` build only:

* the Dagum Gini decomposition of the index by the four NBS regions in every period (table of G,
  within / net-between / transvariation contributions, a 100 % stacked chart of the contributions,
  and the latest within- and between-region Ginis), with Theil T's within/between split;
* the kernel density evolution of the index (Gaussian, Silverman bandwidth, one common grid);
* the Markov transition matrix over pooled quartile classes;
* global Moran's I per period, the Moran scatter and the LISA cluster map of the latest period
  (5 nearest neighbours by great-circle distance, 999 permutations, seed 1);
* the coupling coordination of the three layers by province (latest period);
* the top obstacles of the ten lowest-ranked cities.

Every method and default is documented in docs/regional.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..regional.coupling import GRADES, GRADES_EN, coupling
from ..regional.dynamics import kde, markov
from ..regional.inequality import dagum, theil
from ..regional.obstacle import layer_obstacles, release_obstacles, top_obstacles
from ..regions import REGIONS, cities, provinces
from . import format as fmt
from .model import Callout, Chart, Heading, Map, Paragraph, Section, Table

SECTION_ID = "regional"
KNN = 5
PERMUTATIONS = 999
SEED = 1
LISA_LEVEL = 0.05
KDE_PERIODS = 5
LOWEST = 10


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _region_of(units) -> pd.Series:
    c = cities().set_index("adcode")
    p = provinces().set_index("adcode")
    codes = pd.Index([str(u) for u in units])
    prov = c["province_adcode"].reindex(codes)
    prov = prov.where(prov.notna(), pd.Series(codes.where(codes.isin(p.index)), index=codes))
    return p["region"].reindex(prov.to_numpy()).set_axis(codes)


def _name_map(lang: str) -> dict[str, str]:
    c = cities()
    return dict(zip(c["adcode"], c["short_name"] if lang == "zh" else c["name_en"]))


def regional_section(release, *, lang: str = "zh", units=None) -> Section:
    """The 区域差异与动态 section of a release (its ``city`` build), as a report value.

    ``units`` restricts the section to those units (e.g. the ones the region tables locate);
    default: every unit of the build.
    """
    city = release["city"] if hasattr(release, "builds") else release
    wide = city.table(city.root)
    if units is not None:
        wide = wide.loc[wide.index.isin(list(units))]
    periods = list(wide.columns)
    latest = periods[-1]
    region = _region_of(wide.index)
    blocks: list = []
    blocks += _dagum_blocks(lang, wide, region)
    blocks += _kde_blocks(lang, wide)
    blocks += _markov_blocks(lang, wide)
    blocks += _spatial_blocks(lang, wide[latest], latest)
    blocks += _coupling_blocks(lang, city, latest)
    blocks += _obstacle_blocks(lang, city, latest)
    return Section(SECTION_ID, _t(lang, "区域差异与动态", "Regional gaps and dynamics"), tuple(blocks),
                   lead=_t(lang, "区域差异从哪里来、落后地区是否追赶、相邻城市是否集聚、哪些指标拖了后腿。方法与默认设置见 docs/regional.md。",
                           "Where regional gaps come from, whether laggards catch up, whether neighbours cluster "
                           "and which indicators hold cities back. Methods and defaults: docs/regional.md."))


def _region_label(lang: str, code: str) -> str:
    return code if lang == "zh" else REGIONS.get(code, code)


def _dagum_blocks(lang, wide: pd.DataFrame, region: pd.Series) -> list:
    known = region.notna().to_numpy()
    rows, pairs, jj = [], [], []
    for p in wide.columns:
        y = wide[p].to_numpy(float)
        ok = known & np.isfinite(y)
        d = dagum(y[ok], region.to_numpy()[ok])
        t = theil(y[ok], region.to_numpy()[ok])
        share = d.contributions()
        rows.append({"period": p, "G": d.G, "Gw": d.Gw, "Gnb": d.Gnb, "Gt": d.Gt, "sw": share["Gw"],
                     "snb": share["Gnb"], "st": share["Gt"], "T": t.T, "Tb": t.T_between / t.T if t.T else np.nan})
        last = d
    for g in last.groups:
        jj.append({"region": _region_label(lang, g), "value": last.G_jj[g]})
    for (a, b), v in last.G_jh.items():
        pairs.append({"pair": f"{_region_label(lang, a)}–{_region_label(lang, b)}", "value": v,
                      "D": last.D_jh[(a, b)]})
    df = pd.DataFrame(rows)
    names = {"period": _t(lang, "季度", "Quarter"), "G": _t(lang, "总体基尼系数", "Gini G"),
             "Gw": _t(lang, "区域内 Gw", "Within Gw"), "Gnb": _t(lang, "区域间净值 Gnb", "Net between Gnb"),
             "Gt": _t(lang, "超变密度 Gt", "Transvariation Gt"), "sw": _t(lang, "区域内贡献率", "Within share"),
             "snb": _t(lang, "区域间贡献率", "Between share"), "st": _t(lang, "超变密度贡献率", "Transvariation share"),
             "T": _t(lang, "泰尔指数 T", "Theil T"), "Tb": _t(lang, "T 区域间占比", "T between share")}
    table = Table.from_frame(
        df.rename(columns=names), title=_t(lang, "Dagum 基尼系数分解（四大区域）", "Dagum Gini decomposition by the four regions"),
        formats={names[k]: fmt.decimal(4) for k in ("G", "Gw", "Gnb", "Gt", "T")}
        | {names[k]: fmt.percent(1) for k in ("sw", "snb", "st", "Tb")},
        note=_t(lang, "G = Gw + Gnb + Gt（Dagum 1997），区域按 NBS 东部/中部/西部/东北划分；泰尔指数 T 的组内与组间部分精确相加。",
                "G = Gw + Gnb + Gt (Dagum 1997); regions: NBS east / central / west / northeast. Theil T's within and "
                "between parts add up exactly."),
        id="regional-dagum", sheet=_t(lang, "Dagum分解", "Dagum"))
    shares = df[["period", "sw", "snb", "st"]]
    chart = Chart.from_frame("stacked_bar", shares, "period", ["sw", "snb", "st"], percent=True,
                             names={"sw": names["sw"], "snb": names["snb"], "st": names["st"]},
                             title=_t(lang, "基尼系数来源：贡献率", "Sources of the Gini: contribution shares"),
                             x_label=_t(lang, "季度", "Quarter"), fmt=fmt.percent(1), main=True,
                             id="regional-dagum-chart", sheet=_t(lang, "Dagum贡献率", "Dagum shares"))
    jj_t = Table.from_frame(pd.DataFrame(jj).rename(columns={"region": _t(lang, "区域", "Region"),
                                                             "value": _t(lang, "区域内基尼系数", "Within-region Gini")}),
                            title=_t(lang, f"区域内基尼系数（{wide.columns[-1]}）", f"Within-region Gini ({wide.columns[-1]})"),
                            formats={_t(lang, "区域内基尼系数", "Within-region Gini"): fmt.decimal(4)},
                            id="regional-gjj", sheet=_t(lang, "区域内基尼", "Within Gini"))
    jh_t = Table.from_frame(pd.DataFrame(pairs).rename(columns={
        "pair": _t(lang, "区域对（高–低）", "Pair (higher–lower)"), "value": _t(lang, "区域间基尼系数", "Between-region Gini"),
        "D": _t(lang, "相对经济影响 D", "Relative affluence D")}),
        title=_t(lang, f"区域间基尼系数（{wide.columns[-1]}）", f"Between-region Gini ({wide.columns[-1]})"),
        formats={_t(lang, "区域间基尼系数", "Between-region Gini"): fmt.decimal(4),
                 _t(lang, "相对经济影响 D", "Relative affluence D"): fmt.decimal(3)},
        id="regional-gjh", sheet=_t(lang, "区域间基尼", "Between Gini"))
    return [Heading(_t(lang, "区域差异：Dagum 基尼系数分解", "Regional gaps: Dagum Gini decomposition")), table, chart, jj_t, jh_t]


def _kde_blocks(lang, wide: pd.DataFrame) -> list:
    cols = list(wide.columns)
    pick = sorted(set(np.linspace(0, len(cols) - 1, min(KDE_PERIODS, len(cols))).round().astype(int).tolist()))
    sub = wide[[cols[i] for i in pick]]
    dens = kde(sub, points=120, upper_quantile=0.98)
    piv = dens.pivot(index="x", columns="time", values="density").reset_index()
    piv["x"] = [f"{v:.2f}" for v in piv["x"]]
    chart = Chart.from_frame("line", piv, "x", [str(c) for c in sub.columns],
                             title=_t(lang, "指数分布的核密度演进", "Kernel density evolution of the index"),
                             x_label=_t(lang, "指数", "Index"), y_label=_t(lang, "密度", "Density"), fmt=fmt.decimal(3),
                             note=_t(lang, "高斯核，Silverman 经验带宽 h = 0.9·min(s, IQR/1.34)·n^(-1/5)，各期共用同一网格；横轴截至第 98 百分位数（密度用全部城市估计）。",
                                     "Gaussian kernel, Silverman's rule-of-thumb bandwidth h = 0.9·min(s, IQR/1.34)·n^(-1/5), "
                                     "one grid for all periods; the axis ends at the 98th percentile (densities use every city)."),
                             id="regional-kde", sheet=_t(lang, "核密度", "Kernel density"))
    return [Heading(_t(lang, "分布动态", "Distribution dynamics")), chart]


def _markov_blocks(lang, wide: pd.DataFrame) -> list:
    W = wide.dropna()
    res = markov(W, 4)
    labels = [_t(lang, f"第{i}类", f"Class {i}") for i in range(1, 5)]
    df = pd.DataFrame(res.probabilities, columns=labels)
    df.insert(0, _t(lang, "期初类别", "From"), labels)
    df[_t(lang, "转移次数", "Transitions")] = res.counts.sum(axis=1).astype(int)
    cuts = ", ".join(f"{c:.3f}" for c in res.cuts)
    table = Table.from_frame(df, title=_t(lang, "马尔可夫转移概率矩阵（四分位类别）", "Markov transition probabilities (quartile classes)"),
                             formats={lab: fmt.percent(1) for lab in labels}, heat=labels, heat_range=(0.0, 1.0),
                             note=_t(lang, f"类别按全部季度合并后的四分位数划分（分界点 {cuts}），第1类最低；行为期初类别，列为下一季度类别，每行之和为 100%。",
                                     f"Classes by quartiles of all quarters pooled (cut points {cuts}); class 1 lowest. Rows: "
                                     "class in a quarter; columns: class in the next quarter; rows sum to 100 %."),
                             id="regional-markov", sheet=_t(lang, "马尔可夫", "Markov"))
    return [table]


def _spatial_blocks(lang, y: pd.Series, latest: str) -> list:
    from ..regional.spatial import lisa, moran, weights_from_coordinates

    y = y.dropna()
    w = weights_from_coordinates(list(y.index), "knn", k=KNN)
    m = moran(y.to_numpy(), w, PERMUTATIONS, SEED)
    loc = lisa(y.to_numpy(), w, PERMUTATIONS, SEED)
    names = _name_map(lang)
    loc["name"] = [names.get(u, u) for u in loc["unit"]]
    sig = loc["p_sim"] < LISA_LEVEL
    q = _t(lang, "象限", "Quadrant")
    scatter = Chart.from_points(loc.assign(**{q: loc["quadrant"]}), "z", "lag", label="name", by=q, kind="quadrant",
                                title=_t(lang, f"Moran 散点图（{latest}）", f"Moran scatter plot ({latest})"),
                                x_label=_t(lang, "标准化指数 z", "Standardised index z"),
                                y_label=_t(lang, "邻居的空间滞后 Wz", "Spatial lag of neighbours Wz"),
                                x_threshold=0.0, y_threshold=0.0, fmt=fmt.decimal(2),
                                quadrant_labels=("HH", "LH", "LL", "HL"),
                                note=_t(lang, f"全局 Moran's I = {m.value:.4f}，期望 {m.expected:.4f}，z = {m.z:.2f}，"
                                              f"正态 p = {m.p_norm:.3f}，置换 p = {m.p_sim:.3f}（{PERMUTATIONS} 次，种子 {SEED}）；"
                                              f"权重：大圆距离最近 {KNN} 个城市，行标准化。",
                                        f"Global Moran's I = {m.value:.4f}, expected {m.expected:.4f}, z = {m.z:.2f}, normal "
                                        f"p = {m.p_norm:.3f}, permutation p = {m.p_sim:.3f} ({PERMUTATIONS} permutations, seed "
                                        f"{SEED}); weights: {KNN} nearest cities by great-circle distance, row-standardised."),
                                id="regional-moran", sheet=_t(lang, "Moran散点", "Moran scatter"))
    classes = (_t(lang, "不显著", "not significant"), "HH", "LH", "LL", "HL")
    code = np.where(sig, loc["quadrant"].map({"HH": 2, "LH": 3, "LL": 4, "HL": 5}), 1)
    lisa_map = Map(title=_t(lang, f"LISA 集聚图（{latest}）", f"LISA cluster map ({latest})"),
                   values=tuple(zip(loc["unit"], code.astype(float))), level="city", kind="scatter", classes=classes,
                   note=_t(lang, f"局部 Moran 指数，条件置换 {PERMUTATIONS} 次，p < {LISA_LEVEL} 的城市按象限着色；未做多重检验校正。",
                           f"Local Moran, {PERMUTATIONS} conditional permutations; cities with p < {LISA_LEVEL} coloured by "
                           "quadrant; no multiple-testing correction."),
                   id="regional-lisa", sheet=_t(lang, "LISA集聚", "LISA"))
    counts = loc[sig]["quadrant"].value_counts()
    text = _t(lang, f"{latest} 全局 Moran's I 为 {m.value:.3f}（置换 p = {m.p_sim:.3f}）；显著的 HH 集聚城市 {int(counts.get('HH', 0))} 个，"
                    f"LL 集聚 {int(counts.get('LL', 0))} 个。",
              f"In {latest} global Moran's I is {m.value:.3f} (permutation p = {m.p_sim:.3f}); {int(counts.get('HH', 0))} "
              f"cities form significant high-high clusters and {int(counts.get('LL', 0))} low-low clusters.")
    return [Heading(_t(lang, "空间集聚", "Spatial clustering")), Paragraph(text), scatter, lisa_map]


def _coupling_blocks(lang, city, latest: str) -> list:
    from .. import analysis as A

    layers = list(city.framework.children[city.root])
    if len(layers) < 2:
        return [Callout(_t(lang, "耦合协调度需要至少两个子系统（指数只有一层），此处略去。",
                           "Coupling coordination needs at least two subsystems (the index has one layer); left out."),
                        kind="note", id="regional-coupling-left-out")]
    parts = []
    for code in layers:
        t = A.rank_table(city, by="province", code=code)
        parts.append(t[["Time", "unit", "name", "name_en", "value"]].assign(layer=code))
    df = pd.concat(parts).pivot_table(index=["Time", "unit", "name", "name_en"], columns="layer", values="value").reset_index()
    for code in layers:  # pooled min-max over provinces and periods -> [0, 1]
        lo, hi = df[code].min(), df[code].max()
        df[code] = (df[code] - lo) / (hi - lo) if hi > lo else 1.0
    last = df[df["Time"] == latest].reset_index(drop=True)
    res = coupling(last[layers].to_numpy(), systems=layers)
    labels = {code: city.framework[code].label(lang) for code in layers}
    out = pd.DataFrame({_t(lang, "省份", "Province"): last["name" if lang == "zh" else "name_en"]})
    for code in layers:
        out[labels[code]] = last[code]
    out["C"], out["T"], out["D"] = res["C"], res["T"], res["D"]
    out[_t(lang, "协调等级", "Grade")] = res["grade"] if lang == "zh" else \
        res["grade"].map(dict(zip(GRADES, GRADES_EN)))
    prov = provinces()
    code_of = dict(zip(prov["short_name"], prov["adcode"])) | dict(zip(prov["name"], prov["adcode"]))
    out = out.assign(_unit=last["unit"].map(code_of)).sort_values("D", ascending=False, kind="stable")
    table = Table.from_frame(out.drop(columns="_unit"),
                             title=_t(lang, f"三层耦合协调度（省级，{latest}）", f"Coupling coordination of the three layers by province ({latest})"),
                             formats={**{labels[c]: fmt.decimal(3) for c in layers}, "C": fmt.decimal(3),
                                      "T": fmt.decimal(3), "D": fmt.decimal(3)}, heat=["D"],
                             note=_t(lang, "各层省级值（城市合计）按全部省份与季度合并做极差标准化到 [0, 1]；C = n·[ΠU/(ΣU)^n]^(1/n)，"
                                           "T 为等权平均，D = √(C·T)，十级划分。",
                                     "Layer values by province (sum of cities), min-max rescaled to [0, 1] over all provinces and "
                                     "quarters; C = n·[ΠU/(ΣU)^n]^(1/n), T the equally weighted mean, D = √(C·T), ten grades."),
                             id="regional-coupling", sheet=_t(lang, "耦合协调", "Coupling"))
    cmap = Map.from_frame(out, "_unit", "D", title=_t(lang, f"耦合协调度 D（{latest}）", f"Coordination degree D ({latest})"),
                          level="province", fmt=fmt.decimal(3), value_range=(0.0, 1.0),
                          id="regional-coupling-map", sheet=_t(lang, "耦合协调地图", "Coupling map"))
    return [Heading(_t(lang, "三层耦合协调", "Coupling coordination of the three layers")), table, cmap]


def _obstacle_blocks(lang, city, latest: str) -> list:
    long, notes = release_obstacles(city)
    long = long[long["time"] == latest]
    ranks = city.table(city.root, what="ranks")[latest].dropna().sort_values(kind="stable")
    score = city.table(city.root)[latest]
    idle = [u for u in ranks.index if not score.get(u, 0) > 0]  # no activity: obstacles just equal the weights
    ranked = ranks.drop(index=idle)
    lowest = list(ranked.index[-LOWEST:][::-1])
    sub = long[long["unit"].isin(lowest)]
    top = top_obstacles(sub, 3)
    layer = layer_obstacles(sub, city.framework)
    names = _name_map(lang)
    fw = city.framework
    rows = []
    for u in lowest:
        t = top[top["unit"] == u]
        lay = layer[layer["unit"] == u].set_index("iCode")["obstacle"]
        row = {_t(lang, "城市", "City"): names.get(u, u), _t(lang, "排名", "Rank"): int(ranks[u])}
        for _, r in t.iterrows():
            row[_t(lang, f"障碍因子{int(r['rank'])}", f"Obstacle {int(r['rank'])}")] = \
                f"{fw[r['iCode']].label(lang)} {r['obstacle']:.1%}"
        for code in fw.children[fw.root]:
            row[fw[code].label(lang)] = float(lay.get(code, np.nan))
        rows.append(row)
    df = pd.DataFrame(rows)
    layer_cols = [fw[c].label(lang) for c in fw.children[fw.root]]
    pooled = notes["rescaling"].str.contains("pooled").any()
    rescale = _t(lang, "指标标准化值按全部城市和季度合并做极差标准化到 [0, 1]" if pooled else "min-max 目标区间换算到 [0, 1]",
                 "the indicators' normalised values min-max rescaled to [0, 1] over all cities and quarters" if pooled
                 else "min-max target range mapped to [0, 1]")
    idle_note = _t(lang, f"另有 {len(idle)} 个城市指数为 0（无活动），其障碍度即各指标权重，未列出。",
                   f"{len(idle)} further cities score 0 (no activity); their obstacles equal the weights and are not listed.") \
        if idle else ""
    table = Table.from_frame(df, title=_t(lang, f"排名最后 {LOWEST} 个城市的主要障碍因子（{latest}）",
                                          f"Main obstacles of the {LOWEST} lowest-ranked cities ({latest})"),
                             formats={c: fmt.percent(1) for c in layer_cols}, heat=layer_cols, heat_range=(0.0, 1.0),
                             note=_t(lang, f"障碍度 O_ij = w_j(1 − x'_ij) / Σ w_j(1 − x'_ij)，w_j 为指标在总指数中的权重；层级障碍度为其指标之和。标准化值：{rescale}。",
                                     f"Obstacle degree O_ij = w_j(1 − x'_ij) / Σ w_j(1 − x'_ij), w_j the indicator's weight in the "
                                     f"index; a layer's obstacle is the sum over its indicators. Normalised values: {rescale}. ") + idle_note,
                             id="regional-obstacles", sheet=_t(lang, "障碍度", "Obstacles"))
    return [Heading(_t(lang, "障碍因子诊断", "Obstacle diagnosis")), table]
