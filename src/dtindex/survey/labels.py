"""Reader-visible words of the survey report in Chinese and English.

The report's tables keep short machine names for their columns (``share``, ``ci_low`` ...; the
CSV files and ``report.json`` use them); every HTML page and workbook shows the label from
:data:`COLUMNS` instead, and codes that appear as cell values (``all``, screening steps, test
methods) are replaced by :data:`VALUES`. ``tests/survey/test_labels.py`` scans every HTML and
Excel output of the survey demos for a machine name that reached a reader.
"""

from __future__ import annotations

import re

COLUMNS: dict[str, tuple[str, str]] = {
    # name: (zh, en)
    "step": ("步骤", "Step"),
    "rule": ("筛查规则", "Screening rule"),
    "flagged": ("命中份数", "Flagged"),
    "removed": ("剔除份数", "Removed"),
    "remaining": ("剩余份数", "Remaining"),
    "share_of_received": ("占回收问卷比例", "Share of responses received"),
    "variable": ("变量", "Variable"),
    "group": ("分组", "Group"),
    "n": ("样本量", "n"),
    "base_n": ("基数（样本量）", "Base n"),
    "effective_n": ("有效样本量（Kish）", "Effective n (Kish)"),
    "deff": ("设计效应", "Design effect"),
    "margin_of_error": ("误差范围（±）", "Margin of error (±)"),
    "category": ("类别", "Category"),
    "share": ("占比", "Share"),
    "se": ("标准误", "Standard error"),
    "ci_low": ("95%置信区间下限", "95% CI lower"),
    "ci_high": ("95%置信区间上限", "95% CI upper"),
    "target": ("目标", "Target"),
    "initial": ("加权前", "Before weighting"),
    "achieved": ("加权后", "After weighting"),
    "difference": ("差值", "Difference"),
    "sweep": ("迭代轮次", "Sweep"),
    "max_change": ("最大相对变化", "Largest relative change"),
    "code": ("选项代码", "Code"),
    "label": ("选项", "Option"),
    "pct_respondents": ("占答题人数比例", "% of respondents"),
    "pct_responses": ("占选择次数比例", "% of responses"),
    "chosen": ("选择项数", "Options chosen"),
    "item": ("题项", "Item"),
    "top_box": ("前两项合计", "Top box"),
    "top_box_se": ("前两项合计标准误", "Top box standard error"),
    "mean": ("均值", "Mean"),
    "mean_se": ("均值标准误", "Standard error of the mean"),
    "sd": ("标准差", "Standard deviation"),
    "item_total_r": ("校正题项-总分相关", "Corrected item-total correlation"),
    "alpha_if_deleted": ("删除该题项后的α", "Alpha if item deleted"),
    "option": ("选项", "Option"),
    "answer": ("答案", "Answer"),
    "all": ("全部", "All"),
    "estimate": ("估计值", "Estimate"),
    "method": ("检验方法", "Test"),
    "statistic": ("统计量", "Statistic"),
    "df": ("分子自由度", "Numerator df"),
    "ddf": ("分母自由度", "Denominator df"),
    "p_value": ("p 值", "p value"),
    "pearson": ("Pearson 卡方", "Pearson chi-square"),
    "design_df": ("设计自由度", "Design df"),
    "delta_trace": ("设计效应矩阵之迹", "Trace of the design-effect matrix"),
    "delta_trace2": ("设计效应矩阵平方之迹", "Trace of its square"),
    "base_note": ("样本量提示", "Base note"),
    "unweighted": ("未加权占比", "Unweighted share"),
    "weighted": ("加权占比", "Weighted share"),
    "population": ("总体（普查）占比", "Population (census) share"),
    "province": ("省份", "Province"),
    "adcode": ("行政区划代码", "Adcode"),
    "letter": ("列标记", "Column letter"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
}

VALUES: dict[str, tuple[str, str]] = {
    "all": ("全部", "All"),
    "received": ("回收问卷", "Responses received"),
    "valid": ("有效问卷", "Valid responses"),
    "rao-scott": ("Rao–Scott 二阶校正 F 检验", "Rao-Scott second-order F test"),
    "rao-scott-1": ("Rao–Scott 一阶校正卡方检验", "Rao-Scott first-order chi-square test"),
    "pearson": ("Pearson 卡方检验（未校正）", "Pearson chi-square (uncorrected)"),
    "wald": ("Wald 检验", "Wald test"),
    "adj-wald": ("校正 Wald 检验", "Adjusted Wald test"),
}

_MACHINE = re.compile(r"[a-z][a-z0-9_]*")


def text(key: str, lang: str) -> str:
    """A column or value word in ``lang`` (``zh`` or ``en``)."""
    pair = COLUMNS.get(key) or VALUES[key]
    return pair[0] if lang == "zh" else pair[1]


def value(v: object, lang: str) -> object:
    """A cell value with codes (``all``, ``received`` ...) replaced by their words."""
    if isinstance(v, str) and v in VALUES:
        return VALUES[v][0 if lang == "zh" else 1]
    return v


def is_machine_name(name: str) -> bool:
    """True for a lower-case code such as ``ci_low`` (never shown to a reader as it is)."""
    return bool(_MACHINE.fullmatch(name))


def column_labels(columns, lang: str) -> dict[str, str]:
    """Display label of every machine-named column (:data:`COLUMNS`); other columns (already
    words, e.g. an option label 制造业) keep their name."""
    return {c: text(c, lang) for c in map(str, columns) if c in COLUMNS}
