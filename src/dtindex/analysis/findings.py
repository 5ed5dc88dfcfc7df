"""Generated findings: short sentences in Chinese and English, each produced by a rule from a table.

Every rule is a function ``rule_*(table, ...) -> list[Finding]`` that reads only the
table(s) it is given, returns ``[]`` when its condition does not hold or the numbers
it needs are missing or tied, and puts every number the sentence rests on into
``Finding.numbers``. :func:`report_findings` builds the tables from a city build (and
optionally an industry build) and runs every rule. The rules are listed, with their
conditions, in ``docs/analysis.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice
from ..periods import parse_period
from .attribution import contributions as compute_contributions
from .groups import cluster_summary, tier_summary
from .industry import double_high, industry_scale, province_industry_shares
from .national import layer_stability, national_series
from .rankings import rank_table, top_moves

SEVERITIES = ("headline", "notable", "info")

#: rule id -> (order, severity); the order sorts findings in a report.
RULES: dict[str, tuple[int, str]] = {
    "national_growth": (10, "headline"),
    "new_leader": (20, "headline"),
    "top_entry": (30, "notable"),
    "top_exit": (31, "notable"),
    "tier_growth_leader": (40, "notable"),
    "cluster_growth_leader": (41, "notable"),
    "province_growth_leader": (42, "notable"),
    "most_stable_layer": (50, "info"),
    "biggest_riser": (60, "notable"),
    "biggest_faller": (61, "notable"),
    "largest_industry": (70, "notable"),
    "fastest_industry": (71, "notable"),
    "double_high_leader": (80, "info"),
}

_SCOPE = {"city": ("城市", "cities"), "province": ("省份", "provinces")}


@dataclass(frozen=True)
class Finding:
    """One generated sentence with the numbers it rests on.

    ``rule``: the rule id (a key of :data:`RULES`); ``order``/``severity`` come from
    :data:`RULES`; ``numbers``: read-only mapping of every figure in the sentence (raw
    values: growth as fractions, ranks as integers).
    """

    rule: str
    text_zh: str
    text_en: str
    numbers: Mapping[str, Any] = field(default_factory=dict, hash=False)
    order: int = 0
    severity: str = "info"

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "order": self.order, "severity": self.severity, "text_zh": self.text_zh,
                "text_en": self.text_en, "numbers": dict(self.numbers)}


def _finding(rule: str, zh: str, en: str, numbers: Mapping[str, Any]) -> Finding:
    order, severity = RULES[rule]
    return Finding(rule, zh, en, {k: _plain(v) for k, v in numbers.items()}, order, severity)


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if v is pd.NA:
        return None
    return v


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _latest(table: pd.DataFrame, period: str | None) -> str | None:
    if period is not None:
        return str(period)
    times = pd.unique(table["Time"])
    return str(times[-1]) if len(times) else None


def _year_ago(period: str) -> str | None:
    try:
        p = parse_period(period)
    except DataError:
        return None
    return p.shift(-p.per_year).label


def _per_year(period: str) -> int:
    try:
        return parse_period(period).per_year
    except DataError:
        return 1


def _scope(scope: str, owner: str) -> tuple[str, str]:
    check_choice(owner, "scope", scope, tuple(_SCOPE))
    return _SCOPE[scope]


# --------------------------------------------------------------------------- rules
def rule_national_growth(national: pd.DataFrame, *, period: str | None = None) -> list[Finding]:
    """``national_growth``: the national index in ``period`` (default latest) and its YoY (and QoQ) growth.

    Fires when the top node (``depth == 0``) has a value and a YoY rate in ``period``.
    """
    top = national[national["depth"] == 0]
    period = _latest(top, period)
    row = top[top["Time"] == period]
    if row.empty or pd.isna(row["value"].iloc[0]) or pd.isna(row["yoy"].iloc[0]):
        return []
    r = row.iloc[0]
    yoy, qoq = float(r["yoy"]), r["qoq"]
    mean = national.attrs.get("rollup") == "mean"
    zh = f"{period}全国{r['name']}{'（单位平均）' if mean else ''}为{r['value']:.2f}，同比{'增长' if yoy >= 0 else '下降'}{_pct(abs(yoy))}"
    en = (f"In {period} the national {r['name_en']}{' (mean over units)' if mean else ''} stood at {r['value']:.2f}, "
          f"{'up' if yoy >= 0 else 'down'} {_pct(abs(yoy))} year on year")
    sub_yearly = _per_year(period) > 1
    if pd.notna(qoq) and sub_yearly:
        zh += f"，环比{'增长' if qoq >= 0 else '下降'}{_pct(abs(qoq))}"
        en += f" and {'up' if qoq >= 0 else 'down'} {_pct(abs(qoq))} on the previous {'month' if _per_year(period) == 12 else 'quarter'}"
    return [_finding("national_growth", zh, en, {"period": period, "value": r["value"], "yoy": yoy,
                                                 "qoq": None if pd.isna(qoq) else float(qoq)})]


def rule_new_leader(ranks: pd.DataFrame, *, period: str | None = None, scope: str = "city") -> list[Finding]:
    """``new_leader``: a unit ranked first in ``period`` that was not first a year earlier.

    Fires when exactly one unit has rank 1 in ``period`` and its ``rank_yoy`` exists and is > 1
    (so the leader changed). Shared first places never fire.
    """
    zh_scope, en_scope = _scope(scope, "rule_new_leader")
    period = _latest(ranks, period)
    now = ranks[(ranks["Time"] == period) & (ranks["rank"] == 1).fillna(False)]
    if len(now) != 1:
        return []
    r = now.iloc[0]
    if pd.isna(r["rank_yoy"]) or r["rank_yoy"] <= 1:
        return []
    ago = _year_ago(period)
    before = ranks[(ranks["Time"] == ago) & (ranks["rank"] == 1).fillna(False)]
    prev_zh, prev_en = "、".join(before["name"]), ", ".join(before["name_en"])
    zh = f"{r['name']}跃居{zh_scope}首位（{period}，上年同期第{int(r['rank_yoy'])}位，原首位为{prev_zh}）"
    en = (f"{r['name_en']} rose to first place among {en_scope} in {period} "
          f"({_ordinal(int(r['rank_yoy']))} a year earlier, when {prev_en} led)")
    return [_finding("new_leader", zh, en, {"period": period, "unit": r["unit"], "value": r["value"],
                                            "rank_yoy": int(r["rank_yoy"]), "previous_leaders": list(before["unit"])})]


def rule_top_entries(ranks: pd.DataFrame, *, period: str | None = None, top: int = 10,
                     scope: str = "province") -> list[Finding]:
    """``top_entry`` / ``top_exit``: units entering or leaving the top ``top`` against a year earlier.

    One finding per unit listed by :func:`~dtindex.analysis.rankings.top_moves` (``against="yoy"``)
    in ``period``; units missing in either period never fire.
    """
    zh_scope, en_scope = _scope(scope, "rule_top_entries")
    period = _latest(ranks, period)
    moves = top_moves(ranks, top=top, against="yoy", period=period)
    out = []
    for r in moves.itertuples(index=False):
        rank, before = int(r.rank), int(r.rank_before)
        nums = {"period": period, "unit": r.unit, "rank": rank, "rank_yoy": before, "top": top, "value": r.value}
        if r.move == "entered":
            zh = f"{r.name}跻身{zh_scope}前{top}（{period}第{rank}位，上年同期第{before}位）"
            en = (f"{r.name_en} entered the top {top} {en_scope} ({_ordinal(rank)} in {period}, "
                  f"{_ordinal(before)} a year earlier)")
            out.append(_finding("top_entry", zh, en, nums))
        else:
            zh = f"{r.name}跌出{zh_scope}前{top}（{period}第{rank}位，上年同期第{before}位）"
            en = (f"{r.name_en} dropped out of the top {top} {en_scope} ({_ordinal(rank)} in {period}, "
                  f"{_ordinal(before)} a year earlier)")
            out.append(_finding("top_exit", zh, en, nums))
    return out


_GROUP_WORDS = {
    "tier": ("{g}城市", "层级", "{g}-tier cities", "tiers", "tier_growth_leader"),
    "cluster": ("{g}城市群", "城市群", "the {g} cluster", "clusters", "cluster_growth_leader"),
    "province": ("{g}", "省份", "{g}", "provinces", "province_growth_leader"),
}


def rule_group_growth_leader(summary: pd.DataFrame, *, kind: str = "tier", strong_margin: float = 0.05) -> list[Finding]:
    """``tier_growth_leader`` / ``cluster_growth_leader`` / ``province_growth_leader``.

    From a :func:`~dtindex.analysis.groups.group_summary`: the group with the highest
    ``mean_yoy``. Fires when at least two groups have a ``mean_yoy`` and the highest is
    strictly above the second; the wording says "far ahead" (远超) when the margin is at
    least ``strong_margin`` (default 0.05 = 5 percentage points).
    """
    check_choice("rule_group_growth_leader", "kind", kind, tuple(_GROUP_WORDS))
    zh_name, zh_others, en_name, en_others, rule = _GROUP_WORDS[kind]
    s = summary[summary["mean_yoy"].notna()]
    if len(s) < 2:
        return []
    s = s.sort_values("mean_yoy", ascending=False, kind="stable")
    first, second = s.iloc[0], s.iloc[1]
    margin = float(first["mean_yoy"] - second["mean_yoy"])
    if margin <= 0:
        return []
    strong = margin >= strong_margin
    zh = (f"{zh_name.format(g=first['group'])}平均增速{_pct(first['mean_yoy'])}，"
          f"{'远超' if strong else '高于'}其他{zh_others}（高出第二位{zh_name.format(g=second['group'])}"
          f"{margin * 100:.1f}个百分点）")
    en_of = (lambda g: en_name.format(g=g.removesuffix(" tier").replace(" ", "-"))) if kind == "tier" else (
        lambda g: en_name.format(g=g))
    en_first = en_of(first["group_en"])
    en = (f"{en_first[0].upper()}{en_first[1:]} grew fastest on average ({_pct(first['mean_yoy'])} year on year), "
          f"{'far ahead of' if strong else 'ahead of'} other {en_others} "
          f"({margin * 100:.1f} percentage points above {en_of(second['group_en'])})")
    window = summary.attrs.get("window")
    return [_finding(rule, zh, en, {"group": first["group"], "mean_yoy": first["mean_yoy"],
                                    "second_group": second["group"], "second_mean_yoy": second["mean_yoy"],
                                    "margin": margin, "strong": strong,
                                    "window": list(window) if window else None})]


def rule_most_stable_layer(stability: pd.DataFrame) -> list[Finding]:
    """``most_stable_layer``: the layer whose growth varies least (:func:`layer_stability`).

    Fires when at least two layers have a growth variance and the smallest is strictly
    below the others.
    """
    s = stability[stability["growth_var"].notna()].sort_values("growth_var", kind="stable")
    if len(s) < 2 or not s["growth_var"].iloc[0] < s["growth_var"].iloc[1]:
        return []
    r = s.iloc[0]
    kind = stability.attrs.get("growth_kind", "qoq")
    used = stability.attrs.get("periods") or []
    per_year = _per_year(str(used[0])) if len(used) else 4
    if kind == "qoq" and per_year > 1:
        zh_kind, en_kind = ("环比", "quarter-on-quarter" if per_year == 4 else "month-on-month")
    else:  # yearly data: the previous period is the previous year
        zh_kind, en_kind = ("同比", "year-on-year")
    zh = (f"{r['name']}层增长最为稳定（{zh_kind}增速标准差{r['growth_sd'] * 100:.1f}个百分点，"
          f"平均{zh_kind}增速{_pct(r['growth_mean'])}）")
    en = (f"The {r['name_en']} layer grew most steadily (standard deviation of {en_kind} growth "
          f"{r['growth_sd'] * 100:.1f} percentage points, mean {en_kind} growth {_pct(r['growth_mean'])})")
    return [_finding("most_stable_layer", zh, en, {"layer": r["iCode"], "growth_var": r["growth_var"],
                                                   "growth_sd": r["growth_sd"], "growth_mean": r["growth_mean"],
                                                   "rank_moves": r["rank_moves"], "growth_kind": kind})]


def biggest_movers(ranks: pd.DataFrame, *, period: str | None = None, against: str = "yoy") -> dict[str, str]:
    """Units with the largest rise and fall in rank in ``period`` (``{"riser": unit, "faller": unit}``).

    Largest ``change_yoy`` (or ``change_prev``) above 0 / smallest below 0; ties: better
    current rank, then unit code. A key is absent when no unit rose (fell).
    """
    check_choice("biggest_movers", "against", against, ("yoy", "prev"))
    period = _latest(ranks, period)
    col = f"change_{against}"
    t = ranks[(ranks["Time"] == period) & ranks[col].notna()]
    out: dict[str, str] = {}
    for key, sign in (("riser", 1), ("faller", -1)):
        cand = t[(t[col] * sign > 0).fillna(False)]
        if cand.empty:
            continue
        cand = cand.assign(_c=-(cand[col] * sign).astype(float), _r=cand["rank"].astype(float),
                           _u=cand["unit"].astype(str))
        out[key] = str(cand.sort_values(["_c", "_r", "_u"], kind="stable")["unit"].iloc[0])
    return out


def rule_biggest_movers(ranks: pd.DataFrame, *, period: str | None = None, against: str = "yoy",
                        contributions: pd.DataFrame | None = None, scope: str = "city") -> list[Finding]:
    """``biggest_riser`` / ``biggest_faller``: the largest rank rise and fall, with the main indicator.

    Units from :func:`biggest_movers`. With ``contributions`` (from
    :func:`~dtindex.analysis.attribution.contributions` over the same two periods) the
    sentence names the indicator with the largest contribution to the riser's index change
    (the smallest for the faller); ties in contribution go to the first indicator in
    framework order.
    """
    _scope(scope, "rule_biggest_movers")
    period = _latest(ranks, period)
    movers = biggest_movers(ranks, period=period, against=against)
    out = []
    for key, rule in (("riser", "biggest_riser"), ("faller", "biggest_faller")):
        if key not in movers:
            continue
        unit = movers[key]
        r = ranks[(ranks["Time"] == period) & (ranks["unit"] == unit)].iloc[0]
        before, rank = int(r[f"rank_{against}"]), int(r["rank"])
        n = abs(before - rank)
        when_zh = "较上年同期" if against == "yoy" else "较上期"
        when_en = "on a year earlier" if against == "yoy" else "on the previous period"
        verb_zh, verb_en = ("上升", "rose") if key == "riser" else ("下降", "fell")
        zh = f"{r['name']}排名{when_zh}{verb_zh}{n}位（第{before}位→第{rank}位）"
        en = (f"{r['name_en']} {verb_en} {n} place{'' if n == 1 else 's'} {when_en} "
              f"(from {_ordinal(before)} to {_ordinal(rank)})")
        nums: dict[str, Any] = {"period": period, "unit": unit, "rank": rank, f"rank_{against}": before,
                                "places": n}
        if contributions is not None:
            c = contributions[(contributions["unit"] == unit) & (contributions["kind"] == "indicator")]
            if c.empty:
                raise DataError(f"rule_biggest_movers: the contributions table has no indicator rows for unit {unit}")
            p1 = contributions.attrs.get("p1")
            if p1 is not None and p1 != period:
                raise DataError(f"rule_biggest_movers: contributions end in {p1}, the finding is about {period}")
            pos = int(np.argmax(c["contribution"].to_numpy()) if key == "riser"
                      else np.argmin(c["contribution"].to_numpy()))
            main = c.iloc[pos]
            if key == "riser":
                zh += f"，主要得益于{main['name']}（贡献{main['contribution']:+.3f}）"
                en += f", driven mainly by {main['name_en']} (contribution {main['contribution']:+.3f})"
            else:
                zh += f"，{main['name']}贡献最弱（{main['contribution']:+.3f}）"
                en += f"; {main['name_en']} contributed least ({main['contribution']:+.3f})"
            nums.update({"indicator": main["iCode"], "contribution": main["contribution"],
                         "index_change": float(contributions[(contributions["unit"] == unit)
                                                             & (contributions["kind"] == "total")]["change"].iloc[0])})
        out.append(_finding(rule, zh, en, nums))
    return out


def rule_industries(scale: pd.DataFrame) -> list[Finding]:
    """``largest_industry`` (unique rank 1 by scale) and ``fastest_industry`` (unique highest mean YoY growth)."""
    out = []
    first = scale[(scale["rank"] == 1).fillna(False)]
    if len(first) == 1 and pd.notna(first["share"].iloc[0]):
        r = first.iloc[0]
        out.append(_finding(
            "largest_industry", f"{r['industry_name']}行业数字化规模居首，占全部行业的{_pct(r['share'])}",
            f"{r['industry_name_en']} is the largest industry by digital scale ({_pct(r['share'])} of all industries)",
            {"industry": r["industry"], "value": r["value"], "share": r["share"],
             "period": scale.attrs.get("period")}))
    g = scale[scale["mean_yoy"].notna()].sort_values("mean_yoy", ascending=False, kind="stable")
    if len(g) >= 2 and g["mean_yoy"].iloc[0] > g["mean_yoy"].iloc[1]:
        r = g.iloc[0]
        out.append(_finding(
            "fastest_industry", f"{r['industry_name']}行业增长最快，平均同比增速{_pct(r['mean_yoy'])}",
            f"{r['industry_name_en']} grew fastest among industries ({_pct(r['mean_yoy'])} mean year-on-year growth)",
            {"industry": r["industry"], "mean_yoy": r["mean_yoy"], "second_industry": g["industry"].iloc[1],
             "second_mean_yoy": g["mean_yoy"].iloc[1], "window": list(scale.attrs.get("window") or [])}))
    return out


def rule_double_high_leader(classified: pd.DataFrame) -> list[Finding]:
    """``double_high_leader``: the province that is double-high in the most industries (:func:`double_high`).

    Fires when some province is double-high in at least one industry and no other
    province has as many.
    """
    dh = classified[classified["double_high"].to_numpy(dtype=bool)]
    if dh.empty:
        return []
    counts = dh.groupby("province", sort=False).size().sort_values(ascending=False, kind="stable")
    if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
        return []
    prov = counts.index[0]
    n = int(counts.iloc[0])
    rows = dh[dh["province"] == prov]
    inds_zh = "、".join(rows["industry_name"])
    inds_en = ", ".join(rows["industry_name_en"])
    prov_en = rows["province_en"].iloc[0]
    return [_finding("double_high_leader", f"{prov}在{n}个行业中占比与增速双高（{inds_zh}）",
                     f"{prov_en} combines a high share with high growth in {n} industr{'y' if n == 1 else 'ies'} "
                     f"({inds_en})",
                     {"province": prov, "n_industries": n, "industries": list(rows["industry"])})]


# --------------------------------------------------------------------------- all rules
def report_findings(city: Any, industry: Any = None, *, industry_names: pd.DataFrame | None = None,
                    period: str | None = None, window: Sequence[str] | None = None, tier_list: str = "2025",
                    top: int = 10, strong_margin: float = 0.05, sep: str = ":", method: str = "auto") -> list[Finding]:
    """Build the tables from a city build (and an industry build) and run every rule.

    Tables: :func:`national_series`, :func:`rank_table` of cities and provinces,
    :func:`tier_summary`, :func:`cluster_summary`, :func:`layer_stability`, the
    contributions of the biggest movers between the same period a year earlier and
    ``period``, and for the industry build :func:`industry_scale`,
    :func:`province_industry_shares` and :func:`double_high`. If the movers cannot be
    decomposed (non-arithmetic build, a child present in one period only) their sentences
    carry no attribution and ``numbers["attribution"]`` says why. ``method`` is the roll-up
    of the national series, provinces and layers (``auto``: the build's recipe; ``mean`` for
    index points that do not add up).

    Returns
    -------
    list of Finding, sorted by rule order (then the rule's own order).
    """
    national = national_series(city, method=method)
    latest = national["Time"].iloc[-1]
    period = latest if period is None else str(period)
    city_ranks = rank_table(city, top=top)
    prov_ranks = rank_table(city, by="province", top=top, method=method)
    found: list[Finding] = []
    found += rule_national_growth(national, period=period)
    found += rule_new_leader(city_ranks, period=period, scope="city")
    found += rule_top_entries(prov_ranks, period=period, top=top, scope="province")
    # the growth rules read mean_yoy (mean of member growth), which does not depend on the roll-up; sums keep the
    # share columns of the summaries defined for non-additive builds too
    found += rule_group_growth_leader(tier_summary(city, tier_list=tier_list, period=period, window=window,
                                                   method="sum"), kind="tier", strong_margin=strong_margin)
    found += rule_group_growth_leader(cluster_summary(city, period=period, window=window, method="sum"),
                                      kind="cluster", strong_margin=strong_margin)
    found += rule_most_stable_layer(layer_stability(city, method=method))
    movers = biggest_movers(city_ranks, period=period)
    ago = _year_ago(period)
    contrib, why = None, None
    if movers and ago in set(city_ranks["Time"]):
        try:
            contrib = compute_contributions(city, ago, period, units=sorted(set(movers.values())))
        except (SpecError, DataError) as exc:
            why = str(exc)
    moved = rule_biggest_movers(city_ranks, period=period, contributions=contrib)
    if why is not None:
        moved = [_finding(f.rule, f.text_zh, f.text_en, {**f.numbers, "attribution": why}) for f in moved]
    found += moved
    if industry is not None:
        found += rule_industries(industry_scale(industry, period=period, window=window, names=industry_names, sep=sep))
        shares = province_industry_shares(industry, period=period, window=window, names=industry_names, sep=sep)
        found += rule_double_high_leader(double_high(shares))
    return sorted(found, key=lambda f: f.order)


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a table ``rule, order, severity, text_zh, text_en, numbers`` (numbers as JSON text)."""
    return pd.DataFrame({
        "rule": [f.rule for f in findings], "order": [f.order for f in findings],
        "severity": [f.severity for f in findings], "text_zh": [f.text_zh for f in findings],
        "text_en": [f.text_en for f in findings],
        "numbers": [json.dumps(dict(f.numbers), ensure_ascii=False, sort_keys=True, default=str) for f in findings],
    })
