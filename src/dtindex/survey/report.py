"""The survey report as data: an ordered list of sections with tables, chart specs and text.

:func:`build_report` turns a :class:`~dtindex.survey.pipeline.SurveyAnalysis` into
``list[Section]``. A :class:`Section` holds ``text`` (paragraphs), ``tables`` (:class:`Table`:
a pandas DataFrame with a name, title and per-column number formats) and ``charts`` (plain dicts).
Renderers (HTML, Excel) only read these values; nothing is computed while rendering.

Chart dicts share the keys ``kind`` (``bar``, ``stacked_bar``, ``heat_table``, ``grouped_bar``),
``id``, ``title``, ``question`` (question text), ``base_n`` (unweighted responses behind the chart),
``weighted`` (bool), ``format`` (``pct`` / ``num2`` / ``int``), ``synthetic`` (bool), ``note`` and
``data``:

* ``bar``: ``data = [{"label", "value", "ci_low", "ci_high", "n"}, ...]`` (in display order);
* ``stacked_bar``: ``categories = [scale labels]``, ``data = [{"label", "values": {category:
  share}, "top_box", "mean", "n"}, ...]`` sorted by top-box share;
* ``heat_table``: ``rows``, ``columns``, ``values`` (rows x columns shares), ``base_n`` per column
  as a dict (``base_n_total`` = all);
* ``grouped_bar``: ``groups``, ``series``, ``data = [{"group", "series", "value", "ci_low",
  "ci_high", "n"}, ...]``, ``scale = [min, max]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SpecError, check_choice
from .adequacy import adequacy_table
from .ciprop import method_note
from .colprops import column_tests
from .design import categories
from .items import (
    cronbach_alpha,
    heat_table,
    likert_table,
    mean_by,
    multi_choice,
    single_choice,
)
from .labels import text as text_word
from .labels import value as value_label
from .pipeline import SurveyAnalysis
from .spec import Question

FORMATS = ("pct", "int", "num1", "num2", "num3", "text")
CHART_KINDS = ("bar", "stacked_bar", "heat_table", "grouped_bar", "map")
LANGS = ("zh", "en")

_T = {
    "zh": {"sample": "样本与有效性筛查", "weighting": "加权", "questions": "题目结果", "cuts": "交叉分析",
           "synthetic": "【合成数据 SYNTHETIC】本报告数据由 dtindex 随机生成，仅用于演示，不代表任何真实的受访者、企业或调查。",
           "received": "共收到问卷 {n_received:,} 份，经有效性筛查后保留有效问卷 {n_valid:,} 份（有效率 {rate:.1%}）。",
           "funnel": "筛查漏斗", "adequacy": "样本充足性（95%置信水平下比例的误差范围）", "profile": "样本构成：{label}",
           "kish": "加权后 Kish 有效样本量 {neff:,.0f}，加权设计效应 {deff:.2f}；迭代 {sweeps} 轮，{conv}，{trimmed} 个权重被截尾。",
           "converged": "已收敛", "not_converged": "未收敛", "margins": "加权目标与达成", "convergence": "迭代过程",
           "base": "样本量 N = {n:,}", "weighted_note": "加权百分比，95%置信区间见表格。",
           "unweighted_note": "未加权百分比，95%置信区间见表格。", "counts": "选择项数分布：{label}",
           "weighted_means": "加权均值，95%置信区间见表格。", "unweighted_means": "未加权均值，95%置信区间见表格。",
           "count_note": "问卷份数（未加权）。",
           "alpha": "量表信度（Cronbach's α = {alpha:.3f}，n = {n:,}）", "heat": "{row} × {col}",
           "means": "{var}：按{group}的平均分", "test": "{row} × {col}（各{col}内的占比及置信区间）",
           "matrix": "{row} × {col}（列百分比）", "heat_letters": "{row} × {col}（选择比例及列比较）", "matrix_chart": "{row}：按{col}",
           "chisq_table": "{row} × {col}：独立性检验", "all": "全部", "numeric": "{label}：均值",
           "small": "样本量较小，仅供参考", "suppressed": "样本量过小，不报告",
           "small_note": "* 样本量较小，仅供参考（n < {flag}）；n < {suppress} 的结果不报告（显示为 —）。",
           "letters_note": ("列比较：各列以字母标记；单元格中的字母表示该列占比显著高于字母所示列（基于设计的 t 检验，"
                            "自由度 {df}，每行按 Bonferroni 法校正，α = {alpha}）。"),
           "rs_sig": ("{title}：Rao–Scott 校正检验 F({df1:.2f}, {df2:.1f}) = {F:.2f}，p {p}，"
                      "在 {alpha} 水平上差异显著，即不同{col}的{row}分布不同。"),
           "rs_ns": ("{title}：Rao–Scott 校正检验 F({df1:.2f}, {df2:.1f}) = {F:.2f}，p {p}，"
                     "在 {alpha} 水平上差异不显著，没有证据表明不同{col}的{row}分布不同。"),
           "base_row": "样本量 N", "answer": "答案",
           "map": "{label}：各省份{indicator}", "map_sample": "{label}：各省份样本占比",
           "map_note": "未着色的省份无样本或样本量过小（n < {suppress}，不报告）；名称后标 * 的省份样本量较小，仅供参考，色阶只按样本量充足的省份设定。",
           "map_table": "{indicator}：分省份结果",
           "sample_share": "样本占比", "margins_source": "加权目标的数据来源：{source}。",
           "compare": "加权前后对比", "cmp_margins": "样本结构：加权前、加权后与普查总体",
           "cmp_margins_note": "总体占比为加权目标；加权后样本结构与总体一致。",
           "cmp_indicators": "主要指标：未加权与加权结果",
           "cmp_ind_note": "差值 = 加权 − 未加权；置信区间为加权估计的区间。",
           "cmp_lead": "加权（raking）使样本在{vars}上的结构与总体一致；下表比较加权前后的样本结构和主要结果，差值反映样本结构偏差对结果的影响。",
           "cmp_biggest": "加权前后差异最大的指标是“{ind}”：未加权 {uw:.1%}，加权后 {w:.1%}，未加权结果{dir}了 {d:.1f} 个百分点。",
           "over": "高估", "under": "低估",
           "findings": "主要发现",
           "f_lead": "以下发现均为加权估计；样本量不足 {flag} 的分组不参与比较（样本量较小，仅供参考）。",
           "f_lead_all": "以下发现均为加权估计。",
           "f_overall": "在回答该题的 {n:,} 名受访者中，{p:.1%}{label}（95%置信区间 {lo:.1%}–{hi:.1%}）。",
           "f_leaders": "按{var}看，“{top}”群体最高（{ptop:.1%}），是数字应用的“头雁”；“{bottom}”最低（{pbottom:.1%}）。",
           "f_spread": "按{var}看差异最大：“{top}”最高（{ptop:.1%}），“{bottom}”最低（{pbottom:.1%}）。",
           "ev_all": "全部受访者", "ev_ci": "95%置信区间"},
    "en": {"sample": "Sample and screening", "weighting": "Weighting", "questions": "Results by question",
           "cuts": "Cross-analysis",
           "synthetic": "[SYNTHETIC DATA] Generated by dtindex for demonstration only; not a real survey of real respondents or firms.",
           "received": "{n_received:,} responses received; {n_valid:,} valid after screening ({rate:.1%}).",
           "funnel": "Screening funnel", "adequacy": "Sample adequacy (margin of error of a proportion, 95% confidence)",
           "profile": "Sample profile: {label}",
           "kish": "Kish effective sample size after weighting {neff:,.0f}, design effect {deff:.2f}; {sweeps} sweeps, "
                   "{conv}; {trimmed} weights trimmed.",
           "converged": "converged", "not_converged": "not converged", "margins": "Weighting targets and achieved",
           "convergence": "Raking sweeps", "base": "Base N = {n:,}",
           "weighted_note": "Weighted percentages; 95% confidence intervals in the table.",
           "unweighted_note": "Unweighted percentages; 95% confidence intervals in the table.",
           "weighted_means": "Weighted means; 95% confidence intervals in the table.",
           "unweighted_means": "Unweighted means; 95% confidence intervals in the table.",
           "count_note": "Numbers of responses (unweighted).",
           "counts": "Number of options chosen: {label}", "alpha": "Scale reliability (Cronbach's alpha = {alpha:.3f}, n = {n:,})",
           "heat": "{row} x {col}", "means": "{var}: mean by {group}",
           "test": "{row} by {col} (shares within each group, with confidence intervals)",
           "matrix": "{row} by {col} (column percentages)",
           "heat_letters": "{row} by {col} (share choosing each option, column comparisons)", "matrix_chart": "{row}: by {col}",
           "chisq_table": "{row} x {col}: test of independence", "all": "All", "numeric": "{label}: mean",
           "small": "small base, indicative only", "suppressed": "base too small, not reported",
           "small_note": "* small base (n < {flag}), indicative only; results with n < {suppress} are not reported (shown as —).",
           "letters_note": ("Column comparisons: columns are lettered; a letter in a cell means the share in that column is "
                            "significantly higher than in the column of that letter (design-based t test, {df} df, "
                            "Bonferroni-adjusted within each row, alpha = {alpha})."),
           "rs_sig": ("{title}: Rao-Scott adjusted test F({df1:.2f}, {df2:.1f}) = {F:.2f}, p {p}: significant at the "
                      "{alpha} level, so the distribution of {row} differs by {col}."),
           "rs_ns": ("{title}: Rao-Scott adjusted test F({df1:.2f}, {df2:.1f}) = {F:.2f}, p {p}: not significant at the "
                     "{alpha} level; no evidence that the distribution of {row} differs by {col}."),
           "base_row": "Base N", "answer": "Answer",
           "map": "{label}: {indicator} by province", "map_sample": "{label}: share of the sample by province",
           "map_note": "Provinces left blank have no responses or too few to report (n < {suppress}); a * after the name marks a small base (indicative only); the colour scale is set by provinces with an adequate base.",
           "map_table": "{indicator}: results by province",
           "sample_share": "Share of sample", "margins_source": "Source of the weighting targets: {source}.",
           "compare": "Weighted and unweighted results", "cmp_margins": "Sample structure: unweighted, weighted and census",
           "cmp_margins_note": "Population shares are the weighting targets; after weighting the sample matches them.",
           "cmp_indicators": "Headline indicators: unweighted and weighted",
           "cmp_ind_note": "Difference = weighted minus unweighted; intervals are those of the weighted estimate.",
           "cmp_lead": ("Raking makes the sample's structure by {vars} match the population; the tables compare the sample "
                        "structure and the headline results before and after weighting: the differences show what the "
                        "sample's imbalance does to the results."),
           "cmp_biggest": ("Weighting changes \"{ind}\" most: {uw:.1%} unweighted, {w:.1%} weighted; the unweighted "
                           "result {dir} it by {d:.1f} percentage points."),
           "over": "overstates", "under": "understates",
           "findings": "Key findings",
           "f_lead": "All findings are weighted estimates; groups with fewer than {flag} respondents are not compared (small base).",
           "f_lead_all": "All findings are weighted estimates.",
           "f_overall": "Of the {n:,} respondents who answered, {p:.1%} {label} (95% CI {lo:.1%}-{hi:.1%}). ",
           "f_leaders": "By {var}, \"{top}\" leads ({ptop:.1%}), the pace-setters; \"{bottom}\" is lowest ({pbottom:.1%}).",
           "f_spread": "{var} makes the largest difference: \"{top}\" highest ({ptop:.1%}), \"{bottom}\" lowest ({pbottom:.1%}).",
           "ev_all": "All respondents", "ev_ci": "95% CI"},
}


def p_text(p: float) -> str:
    """A p value as printed in a sentence: ``< 0.001`` or ``= 0.034``."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


@dataclass(frozen=True)
class Table:
    """A report table: ``frame`` plus a unique ``name`` (sheet / CSV name), ``title`` and
    ``formats`` (column -> one of :data:`FORMATS`)."""

    name: str
    title: str
    frame: pd.DataFrame
    formats: dict = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Section:
    """``findings``: numbered findings, dicts ``{"text", "evidence": [{"label", "value", "format"}]}``."""

    id: str
    title: str
    text: tuple = ()
    tables: tuple = ()
    charts: tuple = ()
    findings: tuple = ()


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-friendly records (NaN -> None, numpy scalars -> Python)."""
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v))
                    for k, v in rec.items()})
    return out


def _f(v):
    if v is None:
        return None
    v = float(v)
    return None if np.isnan(v) else v


class _Builder:
    def __init__(self, a: SurveyAnalysis, lang: str):
        self.a, self.lang, self.t = a, lang, _T[lang]
        self.spec, self.design = a.spec, a.design
        self.synthetic = bool(a.spec.synthetic)
        rs = a.spec.report
        self.ci = rs.ci_method
        self.flag, self.suppress = rs.small_base.flag_below, rs.small_base.suppress_below
        self.ci_note = method_note(self.ci, lang, rs.confidence)
        src = a.spec.weighting.source
        self.margins_source = self.t["margins_source"].format(source=src.get(lang)) if src is not None else ""

    def chart(self, kind: str, cid: str, title: str, question: str, base_n: int, fmt: str, **data) -> dict:
        t, w = self.t, self.a.weighted
        if fmt == "int":
            note = t["count_note"]
        elif fmt.startswith("num"):
            note = t["weighted_means"] if w else t["unweighted_means"]
        else:
            note = t["weighted_note"] if w else t["unweighted_note"]
        extra = data.pop("extra_note", "")
        return {"kind": kind, "id": cid, "title": title, "question": question, "base_n": int(base_n),
                "weighted": w, "format": fmt, "synthetic": self.synthetic, "note": " ".join(x for x in (note, extra) if x),
                **data}

    def labels(self, var: str) -> dict:
        return self.spec.value_labels(var, self.lang)

    # ------------------------------------------------------------ small base
    def base_state(self, n) -> np.ndarray:
        """0 = fine, 1 = flagged (n < flag_below), 2 = suppressed (n < suppress_below)."""
        n = np.asarray(n, dtype=float)
        return np.where(n < self.suppress, 2, np.where(n < self.flag, 1, 0))

    def mark(self, label, state: int) -> str:
        return f"{label} *" if state == 1 else str(label)

    def small_note(self) -> str:
        return self.t["small_note"].format(flag=self.flag, suppress=self.suppress)

    def apply_small_base(self, frame: pd.DataFrame, n_col: str, label_col: str | None, value_cols) -> tuple[pd.DataFrame, bool]:
        """Mark rows on a small base and blank the estimates of suppressed rows; returns the frame
        (with a ``base_note`` column when any row is affected) and whether any row is affected."""
        state = self.base_state(frame[n_col].to_numpy())
        if not (state > 0).any():
            return frame, False
        out = frame.copy()
        cols = [c for c in value_cols if c in out.columns]
        out.loc[state == 2, cols] = np.nan
        if label_col is not None:
            out[label_col] = [self.mark(v, s) for v, s in zip(out[label_col], state)]
        out["base_note"] = np.where(state == 2, self.t["suppressed"], np.where(state == 1, self.t["small"], ""))
        return out, True

    def notes(self, *parts: str) -> str:
        return " ".join(p for p in parts if p)

    # ---------------------------------------------------------------- sample
    def sample(self) -> Section:
        t, a = self.t, self.a
        s = a.screening
        text = [t["received"].format(n_received=s.n_received, n_valid=s.n_valid,
                                     rate=s.n_valid / s.n_received if s.n_received else 0)]
        funnel = s.funnel.copy()
        funnel["rule"] = [value_label(r, self.lang) for r in funnel["rule"]]
        tables = [Table("funnel", t["funnel"], funnel, {"step": "int", "flagged": "int", "removed": "int",
                                                         "remaining": "int", "share_of_received": "pct"})]
        charts = [self.chart("bar", "funnel", t["funnel"], t["funnel"], s.n_received, "int",
                             data=[{"label": r["rule"], "value": int(r["remaining"]), "ci_low": None, "ci_high": None,
                                    "n": int(r["remaining"])} for r in _records(funnel)])]
        groups = list(self.spec.report.groups)
        labels = {g: self.labels(g) for g in groups}
        adequacy = adequacy_table(a.valid, groups, weights=self.design.weights.to_numpy(),
                                  confidence=self.spec.report.confidence, population=self.spec.population, labels=labels)
        adequacy["variable"] = [self.spec.label(v, self.lang) if v != "all" else t["all"] for v in adequacy["variable"]]
        adequacy["group"] = [value_label(g, self.lang) for g in adequacy["group"]]
        adequacy, small = self.apply_small_base(adequacy, "n", "group", ["margin_of_error"])
        tables.append(Table("adequacy", t["adequacy"], adequacy, {"n": "int", "effective_n": "num1", "deff": "num2",
                                                                   "margin_of_error": "pct"},
                            note=self.small_note() if small else ""))
        for g in groups:
            tab = self._distribution(g)
            label = self.spec.label(g, self.lang)
            tables.append(Table(f"profile_{g}", t["profile"].format(label=label), tab, self._dist_formats(),
                                note=self.ci_note))
        return Section("sample", t["sample"], tuple(text), tuple(tables), tuple(charts))

    def _dist_formats(self):
        return {"n": "int", "share": "pct", "se": "pct", "ci_low": "pct", "ci_high": "pct"}

    def _distribution(self, var: str) -> pd.DataFrame:
        props = self.design.proportions(var, ci=self.ci, level=self.spec.report.confidence)
        codes, cats = categories(self.design.column(var))
        n = np.bincount(codes[codes >= 0], minlength=len(cats))
        lab = self.labels(var)
        return pd.DataFrame({"category": [lab.get(c, c) for c in cats], "n": n, "share": props["estimate"].to_numpy(),
                             "se": props["se"].to_numpy(), "ci_low": props["ci_low"].to_numpy(),
                             "ci_high": props["ci_high"].to_numpy()})

    # ------------------------------------------------------------- weighting
    def weighting(self) -> Section | None:
        r = self.a.raking
        if r is None:
            return None
        t = self.t
        text = [t["kish"].format(neff=r.kish_n, deff=r.deff, sweeps=r.sweeps,
                                 conv=t["converged"] if r.converged else t["not_converged"], trimmed=r.trimmed)]
        if self.margins_source:
            text.append(self.margins_source)
        margins = r.margins.copy()
        margins["category"] = [self.labels(v).get(c, c) for v, c in zip(margins["variable"], margins["category"])]
        margins["variable"] = [self.spec.label(v, self.lang) for v in margins["variable"]]
        tables = (Table("weighting_margins", t["margins"], margins,
                        {"target": "num1", "initial": "num1", "achieved": "num1", "difference": "num3"},
                        note=self.margins_source),
                  Table("weighting_sweeps", t["convergence"], r.report(), {"sweep": "int", "max_change": "num3"}))
        return Section("weighting", t["weighting"], tuple(text), tables, ())

    # ------------------------------------------------------------- questions
    def question(self, q: Question) -> Section | None:
        t, lang = self.t, self.lang
        title = f"{q.code}. {q.text.get(lang)}"
        level = self.spec.report.confidence
        if q.type == "single":
            tab = single_choice(self.design, q, lang=lang, ci=self.ci, level=level)
            base = int(tab["n"].sum())
            state = int(self.base_state([base])[0])
            small = self.small_note() if state else ""
            if state == 2:
                tab.loc[:, ["share", "se", "ci_low", "ci_high"]] = np.nan
            chart = self.chart("bar", f"q-{q.code}", title, q.text.get(lang), base, "pct", extra_note=small,
                               data=[{"label": r["label"], "value": _f(r["share"]), "ci_low": _f(r["ci_low"]),
                                      "ci_high": _f(r["ci_high"]), "n": int(r["n"])} for r in _records(tab)])
            charts = [chart]
            if q.code == self.spec.report.province:
                charts = [self._province_sample_map(q, tab, title)]
            tables = [Table(q.code, title, tab, self._dist_formats(), note=self.notes(self.ci_note, small))]
            text = [t["base"].format(n=base)]
            if q.code == self.spec.report.province:
                for m in self.spec.report.maps:
                    ch, tb = self._province_indicator_map(q, m)
                    charts.append(ch)
                    tables.append(tb)
            return Section(f"q-{q.code}", title, tuple(text), tuple(tables), tuple(charts))
        if q.type == "multi":
            mc = multi_choice(self.design, q, lang=lang, ci=self.ci, level=level)
            state = int(self.base_state([mc.base_n])[0])
            small = self.small_note() if state else ""
            chart = self.chart("bar", f"q-{q.code}", title, q.text.get(lang), mc.base_n, "pct", extra_note=small,
                               data=[{"label": r["label"], "value": _f(r["pct_respondents"]), "ci_low": _f(r["ci_low"]),
                                      "ci_high": _f(r["ci_high"]), "n": int(r["n"])} for r in _records(mc.options)])
            fm = {"n": "int", "pct_respondents": "pct", "se": "pct", "ci_low": "pct", "ci_high": "pct",
                  "pct_responses": "pct"}
            return Section(f"q-{q.code}", title, (t["base"].format(n=mc.base_n),),
                           (Table(f"{q.code}_options", title, mc.options, fm, note=self.notes(self.ci_note, small)),
                            Table(f"{q.code}_count", t["counts"].format(label=q.text.get(lang)), mc.counts,
                                  {"chosen": "int", **self._dist_formats()}, note=self.ci_note)), (chart,))
        if q.type in ("likert", "matrix"):
            tab = likert_table(self.design, q, lang=lang)
            cats = [o.label.get(lang) for o in q.scale.options()]  # type: ignore[union-attr]
            base = int(tab["n"].max()) if len(tab) else 0
            small_chart = self.small_note() if (self.base_state(tab["n"].to_numpy()) > 0).any() else ""
            chart = self.chart("stacked_bar", f"q-{q.code}", title, q.text.get(lang), base, "pct", categories=cats,
                               extra_note=small_chart,
                               data=[{"label": r["label"], "values": {c: _f(r[c]) for c in cats},
                                      "top_box": _f(r["top_box"]), "mean": _f(r["mean"]), "n": int(r["n"])}
                                     for r in _records(tab)])
            fm = {c: "pct" for c in cats} | {"n": "int", "top_box": "pct", "top_box_se": "pct", "mean": "num2",
                                              "mean_se": "num3"}
            tab, small = self.apply_small_base(tab, "n", "label", [*cats, "top_box", "top_box_se", "mean", "mean_se"])
            tables = [Table(f"{q.code}_items", title, tab, fm, note=self.small_note() if small else "")]
            text = [t["base"].format(n=base)]
            if q.type == "matrix":
                al = cronbach_alpha(self.a.valid, q.columns())
                text.append(t["alpha"].format(alpha=al.alpha, n=al.n))
                items = al.items.copy()
                items["item"] = [self.spec.label(i, lang) for i in items["item"]]
                tables.append(Table(f"{q.code}_alpha", t["alpha"].format(alpha=al.alpha, n=al.n), items,
                                    {"mean": "num2", "sd": "num2", "item_total_r": "num3", "alpha_if_deleted": "num3"}))
            return Section(f"q-{q.code}", title, tuple(text), tuple(tables), (chart,))
        if q.type == "numeric":
            est = self.design.mean(q.code).reset_index(names="variable")
            est["variable"] = [self.spec.label(v, lang) for v in est["variable"]]
            n = int(self.design.column(q.code).notna().sum())
            est.insert(1, "n", n)
            return Section(f"q-{q.code}", title, (t["base"].format(n=n),),
                           (Table(q.code, t["numeric"].format(label=q.text.get(lang)), est,
                                  {"n": "int", "estimate": "num2", "se": "num3", "ci_low": "num2", "ci_high": "num2"}),), ())
        return None

    # ------------------------------------------------------------- provinces
    def _adcodes(self, q: Question) -> dict:
        from ..regions import province

        out = {}
        for o in q.choices():
            try:
                out[o.code] = province(o.label.get("zh")).adcode
            except Exception as exc:  # noqa: BLE001 - re-raised with the option named
                raise SpecError(f"report province {q.code}: option {o.code} ({o.label.get('zh')}) is not a province "
                                f"name: {exc}") from None
        return out

    def _province_sample_map(self, q: Question, tab: pd.DataFrame, title: str) -> dict:
        """Share of the sample by province (a distribution over all respondents: no small-base rule)."""
        codes = self._adcodes(q)
        values = {codes[c]: _f(v) for c, v in zip(tab["code"], tab["share"])}
        return self.chart("map", f"map-{q.code}", self.t["map_sample"].format(label=q.text.get(self.lang)),
                          q.text.get(self.lang), int(tab["n"].sum()), "pct", values=values,
                          base_n_by_unit={codes[c]: int(n) for c, n in zip(tab["code"], tab["n"])})

    def _province_indicator_map(self, q: Question, m) -> tuple[dict, Table]:
        t, lang = self.t, self.lang
        target = self.spec.question(m.question)
        y = self.design.column(m.question)
        wanted = {str(c) for c in m.codes}
        cat = self.indicator(m.question, m.codes)
        by = self.design.by(q.code).proportions(cat, ci=self.ci, level=self.spec.report.confidence)
        est = by.xs(True, level=-1)
        codes, cats = categories(self.design.column(q.code))
        ok = (codes >= 0) & y.notna().to_numpy()
        n = pd.Series(np.bincount(codes[ok], minlength=len(cats)), index=cats)
        opts = [o.label.get(lang) for o in target.choices() if str(o.code) in wanted]
        indicator = f"“{'/'.join(opts)}”" + ("的比例" if lang == "zh" else " (share)")
        adcodes = self._adcodes(q)
        lab = self.labels(q.code)
        frame = pd.DataFrame({"province": [lab.get(c, c) for c in est.index], "adcode": [adcodes[c] for c in est.index],
                              "n": n.reindex(est.index).to_numpy(), "share": est["estimate"].to_numpy(),
                              "se": est["se"].to_numpy(), "ci_low": est["ci_low"].to_numpy(),
                              "ci_high": est["ci_high"].to_numpy()})
        frame, small = self.apply_small_base(frame, "n", "province", ["share", "se", "ci_low", "ci_high"])
        state = self.base_state(frame["n"].to_numpy())
        title = t["map"].format(label=target.text.get(lang), indicator=indicator)
        names = {a: f"{p} *" for a, p, st in zip(frame["adcode"], [lab.get(c, c) for c in est.index], state) if st == 1}
        # the colour scale comes from provinces with an adequate base: a small base does not set it
        solid = est["estimate"].to_numpy()[state == 0]
        solid = solid[~np.isnan(solid)]
        value_range = [float(solid.min()), float(solid.max())] if len(solid) >= 2 and solid.max() > solid.min() else None
        chart = self.chart("map", f"map-{q.code}-{m.question}", title, target.text.get(lang), int(frame["n"].sum()),
                           "pct", values={a: (None if s == 2 else _f(v)) for a, v, s in
                                          zip(frame["adcode"], est["estimate"], state)},
                           base_n_by_unit=dict(zip(frame["adcode"], frame["n"].astype(int).tolist())), names=names,
                           value_range=value_range,
                           extra_note=self.notes(t["map_note"].format(suppress=self.suppress),
                                                 self.small_note() if small else ""))
        table = Table(f"map_{m.question}", t["map_table"].format(indicator=f"{target.text.get(lang)}{indicator}"),
                      frame, {**self._dist_formats(), "adcode": "text"},
                      note=self.notes(self.ci_note, self.small_note() if small else ""))
        return chart, table

    # ------------------------------------------------------------------ cuts
    def cuts(self) -> Section | None:
        spec, lang, t = self.spec, self.lang, self.t
        tables, charts, text = [], [], []
        for qcode, group in spec.report.heat:
            q = spec.question(qcode)
            glab = self.labels(group)
            table, bases = heat_table(self.design, q, group, lang=lang, group_labels=glab)
            state = self.base_state(bases["n"].to_numpy())
            rename = {g: self.mark(g, s) for g, s in zip(bases["group"], state) if g != "all"}
            for g, s in zip(bases["group"], state):
                if s == 2:
                    table[g] = np.nan
            table = table.rename(columns=rename)
            small = bool((state > 0).any())
            title = t["heat"].format(row=q.text.get(lang), col=spec.label(group, lang))
            frame = table.reset_index()
            note = self.small_note() if small else ""
            tables.append(Table(f"heat_{qcode}_{group}", title, frame, {c: "pct" for c in table.columns}, note=note))
            tables.append(self._heat_letters(q, group))
            charts.append(self.chart("heat_table", f"heat-{qcode}-{group}", title, q.text.get(lang),
                                     int(bases["n"].iloc[-1]), "pct", rows=table.index.tolist(),
                                     columns=[t["all"] if c == "all" else c for c in table.columns],
                                     values=[[_f(v) for v in row] for row in table.to_numpy()], extra_note=note,
                                     base_n_by_column=dict(zip([t["all"] if c == "all" else c for c in table.columns],
                                                               bases["n"].astype(int).tolist()))))
        for var, group in spec.report.means:
            glab = self.labels(group)
            q = next((q for q in spec.questions if q.code == var), None)
            items = q.columns() if q is not None and q.type == "matrix" else [var]
            frames = []
            for item in items:
                mb = mean_by(self.design, item, group, labels=glab)
                mb.insert(0, "item", spec.label(item, lang))
                frames.append(mb)
            frame = pd.concat(frames, ignore_index=True)
            frame["group"] = [value_label(g, lang) for g in frame["group"]]
            frame, small = self.apply_small_base(frame, "n", "group", ["mean", "se", "ci_low", "ci_high"])
            title = t["means"].format(var=spec.label(var, lang), group=spec.label(group, lang))
            scale = [q.scale.min, q.scale.max] if q is not None and q.scale is not None else None
            note = self.small_note() if small else ""
            tables.append(Table(f"means_{var}_{group}", title, frame,
                                {"n": "int", "mean": "num2", "se": "num3", "ci_low": "num2", "ci_high": "num2"}, note=note))
            charts.append(self.chart("grouped_bar", f"means-{var}-{group}", title, spec.label(var, lang),
                                     int(frame.loc[frame["group"] == t["all"], "n"].max()), "num2",
                                     groups=frame["group"].unique().tolist(), series=[spec.label(i, lang) for i in items],
                                     scale=scale, extra_note=note,
                                     data=[{"group": r["group"], "series": r["item"], "value": _f(r["mean"]),
                                            "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]), "n": int(r["n"])}
                                           for r in _records(frame)]))
        for row, col in spec.report.tests:
            tb, ch, line = self._crosstab(row, col)
            tables.extend(tb)
            charts.append(ch)
            text.append(line)
        if not tables:
            return None
        return Section("cuts", t["cuts"], tuple(text), tuple(tables), tuple(charts))

    def _matrix(self, ct, state, clab: dict, answers: list, total) -> tuple[list, pd.DataFrame]:
        """The SPSS-style matrix of a :class:`~dtindex.survey.colprops.ColumnTests`: one text column
        per group headed "(A) group" ("*" on a small base), cells "36.3% BC", suppressed groups "—",
        the base N row and the total column (no letter)."""
        t = self.t
        heads = [f"({ct.group_letters[g]}) {self.mark(clab.get(g, g), int(s))}" for g, s in zip(ct.base.index, state)]
        cells = {}
        for (g, s), h in zip(zip(ct.base.index, state), heads):
            vals = []
            for a in ct.shares.index:
                v, let = ct.shares.loc[a, g], ct.letters.loc[a, g]
                vals.append("—" if s == 2 or np.isnan(v) else f"{v:.1%}" + (f" {let}" if let else ""))
            vals.append(f"{int(ct.base[g]):,}" + (" *" if s == 1 else ""))
            cells[h] = vals
        cells[t["all"]] = [f"{v:.1%}" for v in total] + [f"{int(ct.base.sum()):,}"]
        return heads, pd.DataFrame({"answer": [*answers, t["base_row"]], **cells})

    def _heat_letters(self, q: Question, group: str) -> Table:
        """Column-proportion letters for a multi-choice question by group: each option is a yes/no
        answer tested across the groups like a cross-tab row; options in the heat table's order."""
        spec, lang, t = self.spec, self.lang, self.t
        clab = self.labels(group)
        rows, totals, ct = [], [], None
        for o, col in zip(q.options, q.columns()):
            x = self.design.data[col].to_numpy(dtype=float)
            cat = pd.Series(pd.Categorical(np.where(np.isnan(x), None, np.where(x > 0, "yes", "no")),
                                           categories=["no", "yes"]), index=self.design.data.index)
            ct = column_tests(self.design, cat, group, alpha=spec.report.alpha, min_base=max(self.suppress, 1))
            rows.append((o.label.get(lang), ct.shares.loc["yes"], ct.letters.loc["yes"]))
            totals.append(float(self.design.proportions(cat).loc["yes", "estimate"]))
        order = np.argsort(-np.asarray(totals), kind="stable")
        shares = pd.DataFrame([rows[i][1] for i in order], index=[rows[i][0] for i in order])
        letters = pd.DataFrame([rows[i][2] for i in order], index=shares.index)
        merged = type(ct)(shares, ct.base, letters, ct.pairs, ct.group_letters, ct.df, ct.alpha)
        state = self.base_state(ct.base.to_numpy())
        _, matrix = self._matrix(merged, state, clab, list(shares.index), [totals[i] for i in order])
        small = bool((state > 0).any())
        note = self.notes(t["letters_note"].format(df=ct.df, alpha=spec.report.alpha), self.small_note() if small else "")
        return Table(f"heat_{q.code}_{group}_letters", t["heat_letters"].format(row=q.text.get(lang),
                                                                                  col=spec.label(group, lang)),
                     matrix, {c: "text" for c in matrix.columns}, note=note)

    def _crosstab(self, row: str, col: str) -> tuple[list[Table], dict, str]:
        """Matrix cross-tab (answers x groups, column %, letters, base N), its chart, the long
        table with intervals, the Rao-Scott table and the test line in words."""
        spec, lang, t = self.spec, self.lang, self.t
        rlab, clab = self.labels(row), self.labels(col)
        rname, cname = spec.label(row, lang), spec.label(col, lang)
        alpha = spec.report.alpha
        ct = column_tests(self.design, row, col, alpha=alpha, min_base=max(self.suppress, 1))
        state = self.base_state(ct.base.to_numpy())
        answers = [str(rlab.get(a, a)) for a in ct.shares.index]
        total = self.design.proportions(row)["estimate"].reindex(ct.shares.index).to_numpy()
        heads, matrix = self._matrix(ct, state, clab, answers, total)
        small = bool((state > 0).any())
        title = t["matrix"].format(row=rname, col=cname)
        note = self.notes(t["letters_note"].format(df=ct.df, alpha=alpha), self.small_note() if small else "")
        tables = [Table(f"xtab_{row}_{col}", title, matrix, {c: "text" for c in matrix.columns}, note=note)]
        # chart: one 100 % stacked bar per reported group
        keep = [(g, h) for (g, s), h in zip(zip(ct.base.index, state), heads) if s < 2]
        chart = self.chart("stacked_bar", f"xtab-{row}-{col}", t["matrix_chart"].format(row=rname, col=cname), rname,
                           int(ct.base.sum()), "pct", categories=answers, extra_note=self.small_note() if small else "",
                           data=[{"label": h, "values": {str(rlab.get(a, a)): _f(ct.shares.loc[a, g]) for a in ct.shares.index},
                                  "n": int(ct.base[g])} for g, h in keep])
        # long table with intervals
        props = self.design.by(col).proportions(row, ci=self.ci, level=spec.report.confidence).reset_index()
        props.columns = ["group", "category", *props.columns[2:]]
        nmap = dict(zip(ct.base.index, ct.base.to_numpy()))
        props.insert(1, "base_n", [int(nmap.get(g, 0)) for g in props["group"]])
        props["group"] = [clab.get(g, g) for g in props["group"]]
        props["category"] = [rlab.get(c, c) for c in props["category"]]
        props, small2 = self.apply_small_base(props, "base_n", "group", ["estimate", "se", "ci_low", "ci_high"])
        tables.append(Table(f"test_{row}_{col}", t["test"].format(row=rname, col=cname), props,
                            {"base_n": "int", "estimate": "pct", "se": "pct", "ci_low": "pct", "ci_high": "pct"},
                            note=self.notes(self.ci_note, self.small_note() if small2 else "")))
        res = self.design.chisq(row, col)
        key = "rs_sig" if res.p_value < alpha else "rs_ns"
        line = t[key].format(title=t["heat"].format(row=rname, col=cname), df1=res.df, df2=res.ddf, F=res.statistic,
                             p=p_text(res.p_value), alpha=alpha, row=rname, col=cname)
        stat = pd.DataFrame([res.as_dict()])
        stat["method"] = [value_label(m, lang) for m in stat["method"]]
        tables.append(Table(f"test_{row}_{col}_chisq", t["chisq_table"].format(row=rname, col=cname),
                            stat, {"statistic": "num3", "df": "num2", "ddf": "num2", "p_value": "num3",
                                   "pearson": "num3", "n": "int", "design_df": "int", "delta_trace": "num3",
                                   "delta_trace2": "num3"}, note=line))
        return tables, chart, line

    # ------------------------------------------------------- indicators
    def indicator(self, question: str, codes) -> pd.Series:
        """Per response: True if the answer to ``question`` is one of ``codes``, False if another
        answer, missing if not answered (a categorical with categories False, True)."""
        y = self.design.column(question)
        num = pd.to_numeric(y, errors="coerce")
        if num.notna().sum() == y.notna().sum() and all(isinstance(c, int) for c in codes):
            hit = num.isin([float(c) for c in codes])
        else:
            hit = y.astype(str).isin({str(c) for c in codes})
        return pd.Series(pd.Categorical(hit.where(y.notna()), categories=[False, True]), index=y.index)

    def indicator_name(self, ind) -> str:
        return ind.label.get(self.lang)

    def _share(self, design, cat) -> tuple[float, float, float, int]:
        est = design.proportions(cat, ci=self.ci, level=self.spec.report.confidence).loc[True]
        return float(est["estimate"]), float(est["ci_low"]), float(est["ci_high"]), int(cat.notna().sum())

    def _by_group(self, cat: pd.Series, group: str) -> pd.DataFrame:
        """Share of ``cat`` within each level of ``group``: label, n, share (unweighted n)."""
        by = self.design.by(group).proportions(cat, ci=self.ci, level=self.spec.report.confidence)
        est = by.xs(True, level=-1)
        codes, cats = categories(self.design.column(group))
        ok = (codes >= 0) & cat.notna().to_numpy()
        n = pd.Series(np.bincount(codes[ok], minlength=len(cats)), index=cats).reindex(est.index).to_numpy()
        lab = self.labels(group)
        return pd.DataFrame({"group": [str(lab.get(c, c)) for c in est.index], "n": n,
                             "share": est["estimate"].to_numpy()})

    # ------------------------------------------------------- weighted vs unweighted
    def comparison(self) -> Section | None:
        r = self.a.raking
        if r is None:
            return None
        t, lang = self.t, self.lang
        m = r.margins.copy()
        for c in ("target", "initial", "achieved"):
            m[c] = m[c] / m.groupby("variable")[c].transform("sum")
        frame = pd.DataFrame({"variable": [self.spec.label(v, lang) for v in m["variable"]],
                              "category": [self.labels(v).get(c, c) for v, c in zip(m["variable"], m["category"])],
                              "unweighted": m["initial"].to_numpy(), "weighted": m["achieved"].to_numpy(),
                              "population": m["target"].to_numpy()})
        tables = [Table("compare_margins", t["cmp_margins"], frame,
                        {"unweighted": "pct", "weighted": "pct", "population": "pct"},
                        note=self.notes(t["cmp_margins_note"], self.margins_source))]
        charts = []
        sep = "、" if lang == "zh" else ", "
        text = [t["cmp_lead"].format(vars=sep.join(self.spec.label(v, lang) for v in dict.fromkeys(m["variable"])))]
        inds = self.spec.report.indicators
        if inds:
            from .design import Design

            raw = Design(self.a.valid)
            rows = []
            for ind in inds:
                cat = self.indicator(ind.question, ind.codes)
                uw = self._share(raw, cat)
                w = self._share(self.design, cat)
                rows.append({"indicator": self.indicator_name(ind), "n": uw[3], "unweighted": uw[0], "weighted": w[0],
                             "difference": w[0] - uw[0], "ci_low": w[1], "ci_high": w[2]})
            ind_frame = pd.DataFrame(rows)
            tables.append(Table("compare_indicators", t["cmp_indicators"], ind_frame,
                                {"n": "int", "unweighted": "pct", "weighted": "pct", "difference": "pct",
                                 "ci_low": "pct", "ci_high": "pct"}, note=self.notes(t["cmp_ind_note"], self.ci_note)))
            uw_name, w_name = text_word("unweighted", lang), text_word("weighted", lang)
            charts.append(self.chart("grouped_bar", "compare-indicators", t["cmp_indicators"], t["cmp_indicators"],
                                     int(ind_frame["n"].max()), "pct", horizontal=True,
                                     groups=ind_frame["indicator"].tolist(),
                                     series=[uw_name, w_name], scale=None,
                                     data=[d for rec in _records(ind_frame) for d in (
                                         {"group": rec["indicator"], "series": uw_name, "value": _f(rec["unweighted"])},
                                         {"group": rec["indicator"], "series": w_name, "value": _f(rec["weighted"])})]))
            big = ind_frame.iloc[int(np.argmax(np.abs(ind_frame["difference"].to_numpy())))]
            text.append(t["cmp_biggest"].format(ind=big["indicator"], uw=big["unweighted"], w=big["weighted"],
                                                d=abs(big["difference"]) * 100,
                                                dir=t["over"] if big["difference"] < 0 else t["under"]))
        return Section("compare", t["compare"], tuple(text), tuple(tables), tuple(charts))

    # ------------------------------------------------------------ findings
    def findings(self) -> Section | None:
        inds = self.spec.report.indicators
        if not inds:
            return None
        t, lang = self.t, self.lang
        groups = list(self.spec.report.groups)
        out, skipped = [], False
        for ind in inds:
            cat = self.indicator(ind.question, ind.codes)
            p, lo, hi, n = self._share(self.design, cat)
            name = self.indicator_name(ind)
            best = None  # (spread, variable, top row, bottom row)
            for g in groups:
                by = self._by_group(cat, g)
                eligible = by[by["n"] >= max(self.flag, 1)]
                skipped |= len(eligible) < len(by)
                if len(eligible) < 2:
                    continue
                top = eligible.loc[eligible["share"].idxmax()]
                bottom = eligible.loc[eligible["share"].idxmin()]
                key = top["share"] if ind.leaders else top["share"] - bottom["share"]
                if best is None or key > best[0]:
                    best = (key, g, top, bottom)
            evidence = [{"label": t["ev_all"], "value": p, "format": "pct"},
                        {"label": t["ev_ci"], "value": f"{lo:.1%}–{hi:.1%}", "format": "text"}]
            sentence = t["f_overall"].format(p=p, label=name, lo=lo, hi=hi, n=n)
            if best is not None:
                _, g, top, bottom = best
                gname = self.spec.label(g, lang)
                key = "f_leaders" if ind.leaders else "f_spread"
                sentence += t[key].format(var=gname, top=top["group"], ptop=top["share"], bottom=bottom["group"],
                                          pbottom=bottom["share"], label=name)
                evidence += [{"label": f"{gname}：{top['group']}" if lang == "zh" else f"{gname}: {top['group']}",
                              "value": float(top["share"]), "format": "pct"},
                             {"label": f"{gname}：{bottom['group']}" if lang == "zh" else f"{gname}: {bottom['group']}",
                              "value": float(bottom["share"]), "format": "pct"}]
            out.append({"text": sentence, "evidence": evidence})
        text = [t["f_lead"].format(flag=self.flag) if skipped else t["f_lead_all"]]
        return Section("findings", t["findings"], tuple(text), (), (), tuple(out))


def build_report(analysis: SurveyAnalysis, *, lang: str = "zh") -> list[Section]:
    """The survey report as an ordered list of sections (sample and screening, weighting, one
    section per question, cross-analysis). Attention-check questions and open-text questions
    are left out of the question sections."""
    check_choice("build_report", "lang", lang, LANGS)
    b = _Builder(analysis, lang)
    sections = []
    f = b.findings()
    if f is not None:
        sections.append(f)
    sections.append(b.sample())
    w = b.weighting()
    if w is not None:
        sections.append(w)
    c = b.comparison()
    if c is not None:
        sections.append(c)
    skip = {r.question for r in analysis.spec.screening if r.rule == "attention"}
    for q in analysis.spec.questions:
        if q.code in skip or q.type == "text":
            continue
        sec = b.question(q)
        if sec is not None:
            sections.append(sec)
    cuts = b.cuts()
    if cuts is not None:
        sections.append(cuts)
    if b.synthetic:  # the first thing a reader sees
        first = sections[0]
        sections[0] = Section(first.id, first.title, (b.t["synthetic"], *first.text), first.tables, first.charts,
                              first.findings)
    names = [tb.name for s in sections for tb in s.tables]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise SpecError(f"build_report: table names {', '.join(dups)} are repeated; a report cut is listed twice")
    return sections


def report_json(sections: list[Section]) -> dict:
    """JSON twin of the report data (tables as records)."""
    return {"sections": [{"id": s.id, "title": s.title, "text": list(s.text), "charts": list(s.charts),
                          "findings": list(s.findings),
                          "tables": [{"name": tb.name, "title": tb.title, "formats": tb.formats, "note": tb.note,
                                      "columns": [str(c) for c in tb.frame.columns], "rows": _records(tb.frame)}
                                     for tb in s.tables]} for s in sections]}
