"""Result tables and plain-language text of an uncertainty analysis.

Rank statistics per unit (over the replications used for uncertainty):

* ``mean_rank`` = (1/R) sum_r rank_r;
* ``median_rank``, ``q05``, ``q95``: quantiles by numpy's ``linear`` method,
  Hyndman and Fan (1996) definition 7, R's default ``quantile(type = 7)``:
  with the R ranks sorted x_(1) <= ... <= x_(R), the p-quantile is
  x_(h) + (h - floor h) (x_(floor h + 1) - x_(h)) at h = (R - 1) p + 1, so
  interval ends may be fractions;
* ``share_top<K>`` = share of replications in which rank <= K;
* ``rank_min`` / ``rank_max``.

Missing ranks (a unit without a score in a replication) are left out.

:func:`narrative` turns the tables into a paragraph by fixed rules (documented
in ``docs/uncertainty.md``); :func:`report_tables` returns what a report
section needs as plain pandas tables plus the English and Chinese text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .batch import BatchModel, Replications

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import UncertaintyResult
    from .sobol import SobolIndices

SENSITIVITY_COLUMNS = ["output", "factor", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]


# ---------------------------------------------------------------------- tables
def rank_statistics(ranks: np.ndarray, nominal: np.ndarray, units, *, top: int = 10,
                    names=None) -> pd.DataFrame:
    """Per-unit rank statistics (definitions in the module docstring), sorted by nominal rank.

    Parameters
    ----------
    ranks : ndarray (R, U)
        Rank of each unit in each replication (NaN = missing).
    nominal : ndarray (U,)
        Nominal ranks.
    units : sequence of str
        Unit codes, in data order.
    top : int
        K of the ``share_top<K>`` column.

    >>> df = rank_statistics(np.array([[1, 2], [2, 1], [1, 2.]]), np.array([1, 2.]), ["A", "B"], top=1)
    >>> df[["uCode", "mean_rank", "share_top1"]].round(3).values.tolist()
    [['A', 1.333, 0.667], ['B', 1.667, 0.333]]
    """
    ranks = np.asarray(ranks, dtype=float)
    count = (~np.isnan(ranks)).sum(axis=0)
    with np.errstate(invalid="ignore"):
        have = count > 0
        safe = np.where(np.isnan(ranks), 0.0, ranks)
        mean = np.where(have, safe.sum(axis=0) / np.maximum(count, 1), np.nan)
        share = np.where(have, (ranks <= top).sum(axis=0) / np.maximum(count, 1), np.nan)
    q = np.full((3, ranks.shape[1]), np.nan)
    if have.any():
        q[:, have] = np.nanquantile(ranks[:, have], [0.05, 0.5, 0.95], axis=0, method="linear")
    lo = np.where(have, np.where(np.isnan(ranks), np.inf, ranks).min(axis=0), np.nan)
    hi = np.where(have, np.where(np.isnan(ranks), -np.inf, ranks).max(axis=0), np.nan)
    nominal = np.asarray(nominal, dtype=float)
    df = pd.DataFrame({
        "uCode": list(units),
        "uName": list(names) if names is not None else [""] * len(units),
        "nominal_rank": _int(nominal),
        "mean_rank": mean,
        "median_rank": q[1],
        "q05": q[0],
        "q95": q[2],
        "rank_min": _int(lo),
        "rank_max": _int(hi),
        f"share_top{top}": share,
        "n_replications": count,
    })
    order = np.lexsort((np.arange(len(df)), np.where(np.isnan(nominal), np.inf, nominal)))
    return df.iloc[order].reset_index(drop=True)


def _int(a: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers as a nullable Int64 array (NaN -> NA)."""
    a = np.asarray(a, dtype=float)
    missing = np.isnan(a)
    return pd.arrays.IntegerArray(np.where(missing, 0, a).astype(np.int64), missing)


def what_if_table(model: BatchModel, factors, units, cols: np.ndarray, nominal: np.ndarray,
                  notes: list[str] | None = None) -> pd.DataFrame:
    """Ranks under each single discrete alternative, every other setting nominal.

    Columns: ``uCode``, ``nominal_rank`` and one ``<factor>=<alternative>``
    column per alternative (``exclude=<code>`` for leaving out one
    indicator), rows sorted by nominal rank.

    A single change may not be computable with the nominal settings (e.g.
    geometric aggregation of a min-max [0, 100] normalisation, which has
    zeros). It is then combined with the first alternative of every other
    discrete factor, and the column says so:
    ``aggregation=geometric (with normalisation=minmax:1,100)``. If that fails
    too, the column is empty and the reason is appended to ``notes``.
    """
    from ..errors import DtindexError

    discrete = [f for f in factors if f.kind == "discrete"]
    data: dict[str, object] = {"uCode": list(units), "nominal_rank": _int(nominal)}
    for f in discrete:
        for alt in f.alternatives:
            if f.name == "exclude" and not alt.exclude:
                continue
            col = f"{f.name}={alt.label}"
            others = [g for g in discrete if g is not f and g.name != "exclude"]
            attempts = [(col, alt.changes)]
            if others:
                fallback = dict(alt.changes)
                for g in others:
                    fallback.update(g.alternatives[0].changes)
                with_txt = ", ".join(f"{g.name}={g.alternatives[0].label}" for g in others)
                attempts.append((f"{col} (with {with_txt})", fallback))
            errors = []
            for name, changes in attempts:
                try:
                    res = model.run(Replications.from_records(
                        [{"rep": name, "changes": changes, "exclude": list(alt.exclude)}]))
                except DtindexError as exc:
                    errors.append(str(exc))
                    continue
                data[name] = _int(res.ranks[0, cols])
                break
            else:
                data[col] = _int(np.full(len(units), np.nan))
                if notes is not None:
                    notes.append(f"what-if {col}: not computable: {errors[-1]}")
    df = pd.DataFrame(data)
    order = np.lexsort((np.arange(len(df)), np.where(np.isnan(nominal), np.inf, nominal)))
    return df.iloc[order].reset_index(drop=True)


def empty_sensitivity() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("output", "factor") else float)
                         for c in SENSITIVITY_COLUMNS})


def sensitivity_table(sob: SobolIndices, factors, outputs, nominal: np.ndarray) -> pd.DataFrame:
    """Long table ``output, factor, S1, S1_low, S1_high, ST, ST_low, ST_high``.

    Rows: the mean absolute rank shift first, then the units by nominal rank;
    within an output, factors in declaration order. NaN where the output does
    not vary (its variance is 0).
    """
    m = sob.S1.shape[1]
    order_units = np.lexsort((np.arange(m - 1), np.where(np.isnan(nominal), np.inf, nominal)))
    out_order = [m - 1, *order_units.tolist()]
    rows = []
    for o in out_order:
        for i, f in enumerate(factors):
            rows.append((outputs[o], f.name, sob.S1[i, o], sob.S1_low[i, o], sob.S1_high[i, o], sob.ST[i, o],
                         sob.ST_low[i, o], sob.ST_high[i, o]))
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


# ---------------------------------------------------------------------- text
def _num(x: float) -> str:
    """A rank or quantile for prose: whole numbers without decimals."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _join_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _join_zh(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


def tolerance(n_units: int) -> int:
    """Rank tolerance of the robustness rules: max(1, ceil(0.02 * number of units))."""
    return max(1, math.ceil(0.02 * n_units))


def band_width(n_units: int) -> int:
    """Width of the rank bands described by the text: 10 up to 60 units, 20 up to 200, else 50."""
    return 10 if n_units <= 60 else 20 if n_units <= 200 else 50


def _unit(code: str, name: str) -> str:
    return f"{name} ({code})" if name and name != code else code


def band_drivers(result: UncertaintyResult) -> list[dict]:
    """Which factor drives the ranks of each band of nominal ranks (rules in ``docs/uncertainty.md``).

    For a band, the total index S_T of each factor is averaged over the
    band's units (units whose rank never changes are left out). The factor
    with the largest mean S_T "mostly" drives the band when its mean is at
    least 1.5 times the runner-up's; otherwise both are named. Adjacent bands
    with the same verdict (the same factor, or the same pair in any order) are
    merged. Returns dicts ``lo, hi, kind`` (``fixed`` / ``mostly`` /
    ``both``), ``first``, ``second`` (factor positions), ``st`` (mean S_T of
    the first), ``set`` (the factors named).
    """
    if result.sobol is None:
        return []
    n = len(result.units)
    b = band_width(n)
    ST = result.sobol.ST[:, :n]  # (k, U), units in data order
    nominal = result.nominal
    bands = []
    top_rank = int(np.nanmax(nominal)) if n else 0
    for lo in range(1, top_rank + 1, b):
        hi = min(lo + b - 1, top_rank)
        sel = (nominal >= lo) & (nominal <= hi)
        if not sel.any():
            continue
        block = ST[:, sel]
        defined = ~np.isnan(block).all(axis=0)
        if not defined.any():
            verdict = {"kind": "fixed", "first": None, "second": None, "st": 0.0, "set": ()}
        else:
            mean_st = np.nanmean(block[:, defined], axis=1)
            order = np.argsort(-mean_st, kind="stable")
            first = int(order[0])
            second = int(order[1]) if len(order) > 1 else None
            mostly = second is None or mean_st[first] >= 1.5 * mean_st[second]
            pair = (first,) if mostly else tuple(sorted((first, second)))
            verdict = {"kind": "mostly" if mostly else "both", "first": first,
                       "second": None if mostly else second, "st": float(mean_st[first]), "set": pair}
        if bands and bands[-1]["kind"] == verdict["kind"] and bands[-1].get("set") == verdict.get("set"):
            bands[-1]["hi"] = hi
            bands[-1]["st"] = max(bands[-1]["st"], verdict["st"])
        else:
            bands.append({"lo": lo, "hi": hi, **verdict})
    return bands


def narrative(result: UncertaintyResult) -> dict[str, str]:
    """A paragraph in English and in Chinese describing the result, generated by fixed rules.

    Rules (see ``docs/uncertainty.md``): tolerance t = :func:`tolerance`; a
    unit is *stable* when its 90% interval [q05, q95] lies within nominal
    rank +/- t; the top K (K <= ``top``) is called robust when every unit of
    nominal rank <= K is stable and K >= 3 (K = 1 or 2: "only the top K",
    K = 0: "even the top is sensitive", naming the first unstable unit); the
    three widest intervals are
    named; each band of nominal ranks (:func:`band_width`) is attributed to
    the factor(s) with the largest mean total index (:func:`band_drivers`);
    the mean absolute rank shift, its main driver and the share of its
    variance due to interactions (1 - sum S_i, when above 20%) are stated;
    the single discrete alternative that moves ranks most is named.
    """
    rs = result.rank_stats
    fw = result.index.framework
    root = fw[fw.root]
    factors = result.factors
    n = len(rs)
    R = len(result.ua_rows)
    t = tolerance(n)
    top = result.uspec.top
    en: list[str] = []
    zh: list[str] = []
    period_en = f" in {result.period}" if result.period else ""
    period_zh = f"（{result.period}）" if result.period else ""
    fl_en = _join_en([f.label_en for f in factors])
    fl_zh = _join_zh([f.label_zh for f in factors])
    total = len(result.shift)
    if total > R:
        en.append(f"The {root.label('en')} ranking{period_en} was recomputed {total:,} times, varying {fl_en}; "
                  f"the rank intervals come from {R:,} independent draws.")
        zh.append(f"{root.label('zh')}排名{period_zh}共重新计算了{total}次，变动了{fl_zh}；排名区间基于其中{R}次独立抽样。")
    else:
        en.append(f"The {root.label('en')} ranking{period_en} was recomputed {R:,} times, varying {fl_en}.")
        zh.append(f"{root.label('zh')}排名{period_zh}重新计算了{R}次，变动了{fl_zh}。")

    nominal = rs["nominal_rank"].to_numpy(dtype=float, na_value=np.nan)
    q05, q95 = rs["q05"].to_numpy(), rs["q95"].to_numpy()
    stable = (q05 >= nominal - t) & (q95 <= nominal + t)
    k = 0
    while k < n and nominal[k] <= top and stable[k]:
        k += 1
    robust_k = int(nominal[k - 1]) if k else 0
    if robust_k >= 3:
        en.append(f"The ranking of the top {robust_k} is robust: in 90% of the replications each of them stays "
                  f"within ±{t} of its nominal rank.")
        zh.append(f"前{robust_k}名的排名是稳健的：在90%的重复计算中，它们的排名与名义排名相差均不超过{t}位。")
    elif n:
        i = k if k < n else 0
        u = _unit(rs["uCode"].iloc[i], rs["uName"].iloc[i])
        where_en = (f"{u} (nominal rank {_num(nominal[i])}) ranks between {_num(q05[i])} and {_num(q95[i])} in 90% "
                    "of the replications.")
        where_zh = f"{u}（名义排名第{_num(nominal[i])}）在90%的重复计算中排在第{_num(q05[i])}至{_num(q95[i])}名之间。"
        if robust_k:
            en.append(f"Only the top {robust_k} {'rank is' if robust_k == 1 else 'ranks are'} robust: {where_en}")
            zh.append(f"只有前{robust_k}名的排名是稳健的：{where_zh}")
        else:
            en.append(f"Even the top of the ranking is sensitive: {where_en}")
            zh.append(f"即使排名前列也不稳健：{where_zh}")
    n_stable = int(stable.sum())
    en.append(f"{n_stable} of {n} units keep their rank within ±{t} in 90% of the replications.")
    zh.append(f"{n}个单元中有{n_stable}个在90%的重复计算中排名变动不超过{t}位。")

    width = q95 - q05
    widest = np.lexsort((nominal, -width))[:3]
    widest = [i for i in widest if width[i] > 0]
    if widest:
        items_en = [f"{_unit(rs['uCode'].iloc[i], rs['uName'].iloc[i])} (nominal {_num(nominal[i])}, 90% interval "
                    f"{_num(q05[i])}–{_num(q95[i])})" for i in widest]
        items_zh = [f"{_unit(rs['uCode'].iloc[i], rs['uName'].iloc[i])}（名义第{_num(nominal[i])}名，90%区间第"
                    f"{_num(q05[i])}–{_num(q95[i])}名）" for i in widest]
        en.append(f"The least certain ranks are those of {_join_en(items_en)}.")
        zh.append(f"排名最不确定的是{_join_zh(items_zh)}。")

    bands = band_drivers(result)
    if bands:
        parts_en, parts_zh = [], []
        for band in bands:
            span_en = f"ranks {band['lo']}–{band['hi']}" if band["hi"] > band["lo"] else f"rank {band['lo']}"
            span_zh = f"第{band['lo']}–{band['hi']}名" if band["hi"] > band["lo"] else f"第{band['lo']}名"
            if band["kind"] == "fixed":
                parts_en.append(f"{span_en} do not change in any replication")
                parts_zh.append(f"{span_zh}在所有重复计算中都不变")
                continue
            f1 = factors[band["first"]]
            if band["kind"] == "mostly":
                parts_en.append(f"{span_en} depend mostly on {f1.label_en}")
                parts_zh.append(f"{span_zh}主要取决于{f1.label_zh}")
            else:
                f2 = factors[band["second"]]
                parts_en.append(f"{span_en} depend on both {f1.label_en} and {f2.label_en}")
                parts_zh.append(f"{span_zh}同时取决于{f1.label_zh}和{f2.label_zh}")
        sentence = "; ".join(parts_en)
        en.append(sentence[0].upper() + sentence[1:] + ".")
        zh.append("；".join(parts_zh) + "。")

    shift = result.shift
    if np.isfinite(shift).any():
        mean_shift = float(np.nanmean(shift[result.ua_rows]))
        lo, hi = np.nanquantile(shift[result.ua_rows], [0.05, 0.95], method="linear")
        en.append(f"On average a unit moves {mean_shift:.1f} ranks away from its nominal rank "
                  f"(90% of the replications: {lo:.1f}–{hi:.1f}).")
        zh.append(f"平均而言，每个单元的排名偏离名义排名{mean_shift:.1f}位（90%的重复计算在{lo:.1f}–{hi:.1f}位之间）。")
        if result.sobol is not None:
            st = result.sobol.ST[:, -1]
            s1 = result.sobol.S1[:, -1]
            if np.isfinite(st).any():
                i = int(np.nanargmax(st))
                en.append(f"This mean rank shift depends mostly on {factors[i].label_en} (total effect "
                          f"{st[i]:.2f}, first-order effect {s1[i]:.2f}).")
                zh.append(f"这一平均排名变动主要取决于{factors[i].label_zh}（总效应指数{st[i]:.2f}，"
                          f"一阶效应指数{s1[i]:.2f}）。")
                inter = 1.0 - float(np.nansum(np.clip(s1, 0, None)))
                if inter > 0.2:
                    en.append(f"Interactions between the inputs account for about {inter:.0%} of its variance.")
                    zh.append(f"各输入之间的交互作用约占其方差的{inter:.0%}。")

    wi = result.what_if
    alt_cols = [c for c in wi.columns if c not in ("uCode", "nominal_rank")]
    if alt_cols:
        base = wi["nominal_rank"].to_numpy(dtype=float, na_value=np.nan)
        moves = {}
        for c in alt_cols:
            d = np.abs(wi[c].to_numpy(dtype=float, na_value=np.nan) - base)
            if np.isfinite(d).any():
                moves[c] = float(np.nanmean(d))
        best = max(moves, key=lambda c: (moves[c], -alt_cols.index(c))) if moves else None
        if best is None:
            pass
        elif moves[best] > 0:
            name, _, label = best.partition("=")
            label, _, cond = label.partition(" (with ")
            f = next(f for f in factors if f.name == name)
            if f.name == "exclude":
                what_en, what_zh = f"excluding {label}", f"剔除指标{label}"
            else:
                what_en, what_zh = f"setting {f.label_en} to {label}", f"将{f.label_zh}改为{label}"
            if cond:
                what_en += f" (with {cond.rstrip(')')})"
                what_zh += f"（同时{cond.rstrip(')')}）"
            en.append(f"Of the single changes, {what_en} moves ranks the most ({moves[best]:.1f} ranks on average).")
            zh.append(f"在单项改变中，{what_zh}对排名的影响最大（平均变动{moves[best]:.1f}位）。")
        else:
            en.append("No single discrete alternative changes any rank.")
            zh.append("任何单项离散选择都不改变排名。")
    return {"en": " ".join(en), "zh": "".join(zh)}


# ---------------------------------------------------------------------- for reports
@dataclass(frozen=True)
class ReportTables:
    """What a report section on uncertainty needs, as plain tables and text.

    ``rank_intervals``: units sorted by nominal rank with ``nominal_rank``,
    ``median_rank``, ``q05``, ``q95`` (the bars of the 90% interval chart)
    and the other statistics; ``factor_sensitivity``: one row per factor with
    the indices of the mean absolute rank shift (the sensitivity bar chart);
    ``unit_sensitivity``: the indices of every unit's rank; ``what_if``: ranks
    under each single discrete alternative; ``paragraph_en`` /
    ``paragraph_zh``: the plain-language text.
    """

    rank_intervals: pd.DataFrame
    factor_sensitivity: pd.DataFrame
    unit_sensitivity: pd.DataFrame
    what_if: pd.DataFrame
    paragraph_en: str
    paragraph_zh: str


def factor_table(result: UncertaintyResult) -> pd.DataFrame:
    """One row per factor: name, English and Chinese label, kind, alternatives, and the
    indices of the mean absolute rank shift (NaN without sensitivity analysis)."""
    sens = result.sensitivity
    shift = sens[sens["output"] == "mean_rank_shift"].set_index("factor")
    rows = []
    for f in result.factors:
        desc = (f"noise ±{f.noise:g} on {len(f.nodes)} weights" if f.kind == "weights"
                else " | ".join(a.label for a in f.alternatives))
        row = {"factor": f.name, "label_en": f.label_en, "label_zh": f.label_zh, "kind": f.kind,
               "alternatives": desc}
        for c in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"):
            row[c] = float(shift.loc[f.name, c]) if f.name in shift.index else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def report_tables(result: UncertaintyResult) -> ReportTables:
    """Tables and paragraphs for a report section (see :class:`ReportTables`)."""
    sens = result.sensitivity
    return ReportTables(
        rank_intervals=result.rank_stats.copy(),
        factor_sensitivity=factor_table(result),
        unit_sensitivity=sens[sens["output"] != "mean_rank_shift"].reset_index(drop=True),
        what_if=result.what_if.copy(),
        paragraph_en=result.text["en"],
        paragraph_zh=result.text["zh"],
    )


__all__ = [
    "ReportTables",
    "band_drivers",
    "band_width",
    "factor_table",
    "narrative",
    "rank_statistics",
    "report_tables",
    "sensitivity_table",
    "tolerance",
    "what_if_table",
]
