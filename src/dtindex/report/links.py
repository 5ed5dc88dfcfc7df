"""Report section on the links between indices (correlation, regression, mediation), from a release.

:func:`links_sections` reads the ``links_*.csv`` files the demo writes into a
release (:mod:`dtindex.demo.links`; computed with :mod:`dtindex.stats`) and
returns one section (nothing when the files are absent): rule-based findings,
the correlation heat map, the scatter of the future-industry index on the DTI
with its fitted line, the coefficient plot with confidence intervals of the
environment regression, and the mediation path diagram with the indirect effect
and its bootstrap confidence intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..demo.links import VARIABLES
from ..release import Release
from . import fmt
from .model import Callout, Chart, Evidence, Heading, Paragraph, Section, Series, Table

FILES = ("links_data.csv", "links_correlation.csv", "links_fit.csv", "links_ols.csv", "links_mediation.csv")


#: short axis labels of the coefficient plot
SHORT = {"ln_vc": ("风险投资", "VC"), "ln_open_source": ("开源开发者", "Open source"), "policy_support": ("政策支持", "Policy"),
         "ln_patents": ("知识产权", "Patents"), "talent": ("人才", "Talent"), "ln_incubators": ("孵化器", "Incubators")}


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _var(lang: str, code: str) -> str:
    zh, en = VARIABLES.get(code, (code, code))
    return zh if lang == "zh" else en


def _stars(p: float) -> str:
    return "" if not np.isfinite(p) else "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def links_sections(release: Release, lang: str = "zh") -> list[Section]:
    """The links section of a release (an empty list when the release has no ``links_*.csv``)."""
    if not all((release.path / f).exists() for f in FILES):
        return []
    read = lambda f, **kw: pd.read_csv(release.path / f, **kw)  # noqa: E731
    data = read("links_data.csv", dtype={"code": str})
    corr = read("links_correlation.csv")
    fit = read("links_fit.csv")
    env = read("links_ols.csv")
    med = read("links_mediation.csv")
    meta = release.meta.get("future", {}).get("links", {})
    blocks: list[Any] = []
    if release.synthetic or meta.get("synthetic"):
        blocks.append(Callout(_t(lang, "以下关联分析基于合成数据，仅演示方法，不构成对真实城市的结论。",
                                 "The link analyses below run on synthetic data: they show the method, not findings about "
                                 "real cities."), kind="warning", title=_t(lang, "合成数据", "Synthetic data")))
    blocks.append(Heading(_t(lang, "主要发现", "Key findings")))
    blocks.extend(links_findings(lang, corr, fit, env, med, meta))
    blocks.append(_corr_heat(lang, corr))
    blocks.append(_scatter(lang, data, fit))
    blocks.extend(_regression(lang, env, meta))
    blocks.extend(_mediation(lang, med, meta))
    return [Section("links", _t(lang, "指数间关联：相关、回归与中介", "Links between indices: correlation, regression, mediation"),
                    tuple(blocks),
                    lead=_t(lang, f"以 {len(data)} 个城市为样本（各指数取最新一期），用 dtindex.stats 计算。",
                            f"{len(data)} cities (latest period of each index), computed with dtindex.stats."))]


def links_findings(lang, corr, fit, env, med, meta) -> list[Paragraph]:
    """Rule-based findings: (1) DTI x future-industry correlation; (2) the environment factors with
    p < 0.05, strongest standardised effect first; (3) the total indirect effect and whether its
    bootstrap CI excludes 0, with the mediator whose indirect effect is larger."""
    out = []
    p = corr[(corr["method"] == "pearson") & (corr["var1"] == "dti") & (corr["var2"] == "fii")].iloc[0]
    strength = (_t(lang, "强", "strong") if abs(p["r"]) >= 0.6 else _t(lang, "中等", "moderate") if abs(p["r"]) >= 0.3
                else _t(lang, "弱", "weak"))
    b = fit[fit["term"] == "dti"].iloc[0]
    out.append(Paragraph(_t(
        lang, f"城市数字化转型指数与未来产业发展指数呈{strength}{'正' if p['r'] > 0 else '负'}相关（Pearson r = {p['r']:.2f}，"
              f"Holm 校正 p = {p['p_adj']:.3g}）；数字化转型指数每高 1 分，未来产业发展指数平均高 {b['estimate']:.3f} 分。",
        f"The city DTI and the future-industry index are {strength}ly {'positively' if p['r'] > 0 else 'negatively'} "
        f"correlated (Pearson r = {p['r']:.2f}, Holm-adjusted p = {p['p_adj']:.3g}); one DTI point goes with "
        f"{b['estimate']:.3f} future-industry points on average."),
        evidence=(Evidence("r", float(p["r"]), fmt.decimal(2)), Evidence(_t(lang, "斜率", "slope"), float(b["estimate"]), fmt.decimal(3)))))
    e = env[env["term"] != "const"].copy()
    sig = e[e["p"] < 0.05].assign(a=lambda d: d["std_estimate"].abs()).sort_values("a", ascending=False)
    if len(sig):
        names = ("、" if lang == "zh" else ", ").join(
            f"{_var(lang, r.term)}（β = {r.std_estimate:.2f}）" if lang == "zh" else f"{_var(lang, r.term)} (β = {r.std_estimate:.2f})"
            for r in sig.itertuples())
        text = _t(lang, f"在控制其他因素后，显著影响人工智能产业集聚的环境因素为：{names}（HC3 稳健标准误，p < 0.05），"
                        f"模型 R² = {float(env['r2'].iloc[0]):.2f}。",
                  f"Holding the other factors fixed, the environment factors with a significant effect on AI agglomeration "
                  f"are {names} (HC3 robust SE, p < 0.05); R² = {float(env['r2'].iloc[0]):.2f}.")
    else:
        text = _t(lang, "没有环境因素在 5% 水平上显著影响人工智能产业集聚。",
                  "No environment factor has a significant effect on AI agglomeration at the 5% level.")
    out.append(Paragraph(text, evidence=tuple(Evidence(_var(lang, r.term), float(r.std_estimate), fmt.decimal(2))
                                              for r in sig.head(3).itertuples())))
    ind = med[med["effect"] == "indirect"].iloc[0]
    bc = med[med["effect"] == "indirect_bc"].iloc[0]
    excl = not (ind["ci_low"] <= 0 <= ind["ci_high"])
    per = med[med["effect"].str.startswith("indirect[")]
    biggest = per.loc[per["estimate"].abs().idxmax(), "effect"][len("indirect["):-1] if len(per) else meta.get("mediation", {}).get("m", [""])[0]
    x = _var(lang, meta.get("mediation", {}).get("x", "ln_investment"))
    y = _var(lang, meta.get("mediation", {}).get("y", "fii"))
    out.append(Paragraph(_t(
        lang, f"{x}对{y}的间接效应（经由数字基础设施和数字平台）为 {ind['estimate']:.3f}，5000 次自助抽样百分位 95% 置信区间 "
              f"[{ind['ci_low']:.3f}, {ind['ci_high']:.3f}]{'不含 0，中介效应显著' if excl else '包含 0，中介效应不显著'}"
              f"（偏差校正区间 [{bc['ci_low']:.3f}, {bc['ci_high']:.3f}]）；其中经由{_var(lang, biggest)}的间接效应最大。",
        f"The indirect effect of {x} on {y} through digital infrastructure and platform is {ind['estimate']:.3f}; its "
        f"percentile bootstrap 95% CI [{ind['ci_low']:.3f}, {ind['ci_high']:.3f}] "
        f"{'excludes 0: the mediation is significant' if excl else 'includes 0: no significant mediation'} "
        f"(bias-corrected [{bc['ci_low']:.3f}, {bc['ci_high']:.3f}]); the path through {_var(lang, biggest)} is the larger."),
        evidence=(Evidence(_t(lang, "间接效应", "Indirect effect"), float(ind["estimate"]), fmt.decimal(3)),
                  Evidence(_t(lang, "置信下限", "CI low"), float(ind["ci_low"]), fmt.decimal(3)),
                  Evidence(_t(lang, "置信上限", "CI high"), float(ind["ci_high"]), fmt.decimal(3)))))
    return [Paragraph(p.text, finding=i, evidence=p.evidence) for i, p in enumerate(out, start=1)]


def _corr_heat(lang, corr) -> Chart:
    c = corr[corr["method"] == "pearson"]
    vars_ = list(pd.unique(pd.concat([c["var1"], c["var2"]])))
    R = pd.DataFrame(np.eye(len(vars_)), index=vars_, columns=vars_)
    for r in c.itertuples():
        R.loc[r.var1, r.var2] = R.loc[r.var2, r.var1] = r.r
    return Chart("heat_table", _t(lang, "相关系数矩阵（Pearson）", "Correlation matrix (Pearson)"),
                 categories=tuple(_var(lang, v) for v in vars_),
                 series=tuple(Series(_var(lang, v), tuple(R.loc[v].to_numpy())) for v in vars_),
                 fmt=fmt.decimal(2), id="links-corr", sheet="links_correlation",
                 note=_t(lang, "p 值经 Holm 多重比较校正，见工作簿；Spearman 相关一并列出。",
                         "Holm-adjusted p-values and the Spearman correlations are in the workbook."))


def _scatter(lang, data, fit) -> Chart:
    a = float(fit.loc[fit["term"] == "const", "estimate"].iloc[0])
    b = float(fit.loc[fit["term"] == "dti", "estimate"].iloc[0])
    r2 = float(fit["r2"].iloc[0])
    lab = "name" if lang == "zh" else "name_en"
    return Chart.from_points(data, "dti", "fii", label=lab, series_name=_t(lang, "城市", "Cities"),
                             title=_t(lang, "数字化转型指数与未来产业发展指数", "DTI and the future-industry index"),
                             x_label=_var(lang, "dti"), y_label=_var(lang, "fii"), fmt=fmt.decimal(1),
                             fit_line=(a, b), id="links-scatter", sheet="links_scatter",
                             note=_t(lang, f"拟合线：未来产业指数 = {a:.2f} + {b:.3f} × 数字化转型指数（R² = {r2:.2f}）。",
                                     f"Fitted line: future-industry index = {a:.2f} + {b:.3f} × DTI (R² = {r2:.2f})."))


def _regression(lang, env, meta) -> list[Any]:
    e = env[env["term"] != "const"].copy()
    ratio = np.where(e["estimate"] != 0, e["std_estimate"] / e["estimate"].where(e["estimate"] != 0, 1.0), np.nan)
    cats = tuple(_var(lang, t) for t in e["term"])
    short = tuple(SHORT[t][0 if lang == "zh" else 1] if t in SHORT else _var(lang, t) for t in e["term"])
    chart = Chart("interval", _t(lang, "人工智能产业集聚的环境因素：标准化系数与 95% 置信区间",
                                 "Environment factors of AI agglomeration: standardised coefficients with 95% CIs"),
                  categories=short,
                  series=(Series(_t(lang, "下限", "low"), tuple(np.minimum(e["ci_low"] * ratio, e["ci_high"] * ratio))),
                          Series(_t(lang, "标准化系数", "β"), tuple(e["std_estimate"])),
                          Series(_t(lang, "上限", "high"), tuple(np.maximum(e["ci_low"] * ratio, e["ci_high"] * ratio)))),
                  fmt=fmt.decimal(2), id="links-coef", sheet="links_coefficients",
                  note=_t(lang, "因变量：城市人工智能初创企业占全国比重（%）；OLS，HC3 稳健标准误；区间为原系数区间按标准化比例换算。",
                          "Outcome: the city's share of the nation's AI start-ups (%); OLS with HC3 robust SE; the "
                          "intervals are the coefficients' intervals rescaled like the coefficients."))
    tab = pd.DataFrame({_t(lang, "变量", "Variable"): cats, _t(lang, "系数", "Coefficient"): e["estimate"].to_numpy(),
                        _t(lang, "标准误", "SE"): e["se"].to_numpy(), "t": e["t"].to_numpy(), "p": e["p"].to_numpy(),
                        _t(lang, "95% 下限", "95% low"): e["ci_low"].to_numpy(),
                        _t(lang, "95% 上限", "95% high"): e["ci_high"].to_numpy(),
                        _t(lang, "标准化系数", "Standardised"): e["std_estimate"].to_numpy(), "VIF": e["vif"].to_numpy()})
    cols = list(tab.columns)
    table = Table.from_frame(tab, title=_t(lang, "环境因素回归结果", "Environment regression"),
                             formats={**{c: fmt.decimal(3) for c in cols[1:4] + cols[5:8]}, "p": fmt.decimal(4),
                                      "VIF": fmt.decimal(2)}, id="links-ols", sheet="links_ols",
                             note=_t(lang, f"样本 {int(env['nobs'].iloc[0])} 个城市，R² = {float(env['r2'].iloc[0]):.3f}。",
                                     f"{int(env['nobs'].iloc[0])} cities, R² = {float(env['r2'].iloc[0]):.3f}."))
    return [chart, table]


def _mediation(lang, med, meta) -> list[Any]:
    m = meta.get("mediation", {})
    x, y, ms = m.get("x", "ln_investment"), m.get("y", "fii"), list(m.get("m", ["dti_infra", "dti_platform"]))
    row = med.set_index("effect")
    nodes = (_var(lang, x), *[_var(lang, v) for v in ms], _var(lang, y))
    edges = []
    for v in ms:
        a_key, b_key = (f"a[{v}]", f"b[{v}]") if len(ms) > 1 else ("a", "b")
        edges.append(Series(f"a({_var(lang, v)})" if len(ms) > 1 else "a",
                            (float(row.loc[a_key, "estimate"]), float(row.loc[a_key, "p"])), labels=(nodes[0], _var(lang, v))))
        edges.append(Series(f"b({_var(lang, v)})" if len(ms) > 1 else "b",
                            (float(row.loc[b_key, "estimate"]), float(row.loc[b_key, "p"])), labels=(_var(lang, v), nodes[-1])))
    edges.append(Series("c'", (float(row.loc["c_prime", "estimate"]), float(row.loc["c_prime", "p"])),
                        labels=(nodes[0], nodes[-1])))
    ind, bc, c = row.loc["indirect"], row.loc["indirect_bc"], row.loc["c"]
    note = _t(lang, f"间接效应 = {ind['estimate']:.3f}（Sobel z = {ind['z_or_t']:.2f}），百分位 95% CI [{ind['ci_low']:.3f}, "
                    f"{ind['ci_high']:.3f}]，偏差校正 95% CI [{bc['ci_low']:.3f}, {bc['ci_high']:.3f}]；总效应 c = {c['estimate']:.3f}。"
                    "实线：p < 0.05；* p<0.05，** p<0.01，*** p<0.001。",
              f"Indirect effect = {ind['estimate']:.3f} (Sobel z = {ind['z_or_t']:.2f}), percentile 95% CI [{ind['ci_low']:.3f}, "
              f"{ind['ci_high']:.3f}], bias-corrected 95% CI [{bc['ci_low']:.3f}, {bc['ci_high']:.3f}]; total effect "
              f"c = {c['estimate']:.3f}. Solid arrows: p < 0.05; * p<0.05, ** p<0.01, *** p<0.001.")
    chart = Chart("path", _t(lang, "中介路径图（PROCESS 模型 4，并行中介）", "Mediation path diagram (PROCESS model 4, parallel mediators)"),
                  categories=nodes, series=tuple(edges), fmt=fmt.decimal(3), id="links-path", sheet="links_path",
                  note=note, height=380)
    label = {"a": "a", "b": "b", "c": _t(lang, "c（总效应）", "c (total)"), "c_prime": _t(lang, "c'（直接效应）", "c' (direct)"),
             "indirect": _t(lang, "间接效应（百分位 CI）", "indirect (percentile CI)"),
             "indirect_bc": _t(lang, "间接效应（偏差校正 CI）", "indirect (bias-corrected CI)")}

    def effect_name(e: str) -> str:
        head, _, rest = e.partition("[")
        base = label.get(head, head)
        return f"{base} · {_var(lang, rest[:-1])}" if rest else base

    tab = pd.DataFrame({_t(lang, "效应", "Effect"): [effect_name(e) for e in med["effect"]],
                        _t(lang, "估计值", "Estimate"): med["estimate"].to_numpy(), _t(lang, "标准误", "SE"): med["se"].to_numpy(),
                        "z / t": med["z_or_t"].to_numpy(), "p": med["p"].to_numpy(),
                        _t(lang, "95% 下限", "95% low"): med["ci_low"].to_numpy(), _t(lang, "95% 上限", "95% high"): med["ci_high"].to_numpy()})
    cols = list(tab.columns)
    table = Table.from_frame(tab, title=_t(lang, "中介效应检验", "Mediation effects"),
                             formats={**{c: fmt.decimal(3) for c in cols[1:4] + cols[5:]}, "p": fmt.decimal(4)},
                             id="links-mediation", sheet="links_mediation",
                             note=_t(lang, f"自助抽样 {int(med['boot'].iloc[0])} 次（种子 {int(med['seed'].iloc[0])}）；间接效应行的标准误和 z 为 Sobel 检验。",
                                     f"{int(med['boot'].iloc[0])} bootstrap resamples (seed {int(med['seed'].iloc[0])}); the SE and z of "
                                     "the indirect rows are Sobel's."))
    return [chart, table]
