"""Reader-facing labels of the statistics tables in Chinese and English.

The CSV files keep the contract's English column names (``var1``, ``estimate``,
``z_or_t`` ...); a report or workbook shows :func:`labelled` tables instead, whose
headers and effect names are in the reader's language.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import check_choice

LANGS = ("zh", "en")

COLUMNS: dict[str, dict[str, str]] = {
    "zh": {
        "var1": "变量 1", "var2": "变量 2", "r": "相关系数", "p": "p 值", "n": "样本量", "p_adj": "校正 p 值",
        "term": "变量", "estimate": "估计值", "se": "标准误", "t": "t 值", "ci_low": "置信区间下限",
        "ci_high": "置信区间上限", "std_estimate": "标准化系数", "vif": "方差膨胀因子 VIF", "effect": "效应",
        "z_or_t": "z 或 t 值",
    },
    "en": {
        "var1": "Variable 1", "var2": "Variable 2", "r": "r", "p": "p-value", "n": "N", "p_adj": "Adjusted p-value",
        "term": "Term", "estimate": "Estimate", "se": "Std. error", "t": "t", "ci_low": "CI lower", "ci_high": "CI upper",
        "std_estimate": "Standardised coefficient", "vif": "VIF", "effect": "Effect", "z_or_t": "z or t",
    },
}

EFFECTS: dict[str, dict[str, str]] = {
    "zh": {
        "const": "常数项", "a": "a 路径（X → M）", "b": "b 路径（M → Y）", "c": "总效应 c", "c_prime": "直接效应 c'",
        "indirect": "间接效应（Sobel 检验，百分位自助法区间）", "indirect_bc": "间接效应（偏差校正自助法区间）",
    },
    "en": {
        "const": "Intercept", "a": "a path (X → M)", "b": "b path (M → Y)", "c": "Total effect c",
        "c_prime": "Direct effect c'", "indirect": "Indirect effect (Sobel test, percentile bootstrap CI)",
        "indirect_bc": "Indirect effect (bias-corrected bootstrap CI)",
    },
}

_PER_MEDIATOR = re.compile(r"^(a|b|indirect|indirect_bc)\[(.+)\]$")


def effect_label(effect: str, lang: str = "zh") -> str:
    """The reader's name of a mediation / regression row, e.g. ``indirect[M1]`` -> ``间接效应…：M1``."""
    check_choice("effect_label", "lang", lang, LANGS)
    m = _PER_MEDIATOR.match(effect)
    if m:
        base = EFFECTS[lang][m.group(1)]
        return f"{base}：{m.group(2)}" if lang == "zh" else f"{base}: {m.group(2)}"
    if effect in ("indirect", "indirect_bc"):
        return EFFECTS[lang][effect]
    return EFFECTS[lang].get(effect, effect)


def labelled(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy of a correlation, coefficient or mediation table with translated headers and row names."""
    check_choice("labelled", "lang", lang, LANGS)
    out = table.copy()
    for col in ("effect", "term"):
        if col in out.columns:
            out[col] = [effect_label(str(v), lang) for v in out[col]]
    return out.rename(columns=COLUMNS[lang])
