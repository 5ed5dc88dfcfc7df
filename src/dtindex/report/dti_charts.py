"""Charts of a DTI-style report that a reader would rather look at than read.

Each function takes the :class:`~dtindex.report.context.ReportContext` and analysis tables
and returns a :class:`~dtindex.report.model.Chart` (its data sheet goes into the workbook):

* :func:`top_bar` — horizontal bars of the top ``n`` units in the latest period;
* :func:`rank_bump` — a bump chart: ranks of the latest top ``n`` over the periods;
* :func:`level_growth_quadrant` — latest level (x) against mean year-on-year growth over
  the window (y), split at the medians into four quadrants;
* :func:`layers_by_group` — the mean score of each layer (the framework's first level)
  over the member units of each tier or cluster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import analysis as A
from ..analysis._base import node_table
from .context import LeftOut, ReportContext
from .format import decimal, percent, rank
from .model import Chart, Series

MAX_BUMP_PERIODS = 13


def top_bar(ctx: ReportContext, ranks: pd.DataFrame, n: int = 20) -> Chart:
    cur = ranks[(ranks["Time"] == ctx.latest) & ranks["rank"].notna()].sort_values("rank", kind="stable").head(n)
    cur = cur.drop_duplicates(ctx.name_col)
    return Chart("bar", ctx.t(f"{ctx.unit_noun}指数前{len(cur)}名（{ctx.latest}）", f"Top {len(cur)} {ctx.units_noun} ({ctx.latest})"),
                 categories=tuple(cur[ctx.name_col].astype(str)),
                 series=(Series(ctx.t("指数", "Index"), tuple(cur["value"].astype(float))),),
                 horizontal=True, fmt=decimal(2), main=True, id="city-top20-bar", sheet="city_top20_bar",
                 note=ctx.t(f"单位：{ctx.unit}", f"Unit: {ctx.unit}") if ctx.unit else None)


def rank_bump(ctx: ReportContext, ranks: pd.DataFrame, n: int = 10) -> Chart:
    """Ranks of the latest top ``n`` in each of the last :data:`MAX_BUMP_PERIODS` periods."""
    if len(ctx.periods) < 2:
        raise LeftOut("只有一个期间，没有名次变化可画。", "one period only: there are no rank changes to draw.")
    periods = list(ctx.periods[-MAX_BUMP_PERIODS:])
    cur = ranks[(ranks["Time"] == ctx.latest) & ranks["rank"].notna()].sort_values("rank", kind="stable").head(n)
    sub = ranks[ranks["Time"].isin(periods) & ranks["unit"].isin(cur["unit"])]
    wide = sub.pivot(index="unit", columns="Time", values="rank").reindex(index=cur["unit"], columns=periods)
    names = cur.set_index("unit")[ctx.name_col].astype(str)
    series = tuple(Series(f"{names[u]}" if list(names).count(names[u]) == 1 else f"{names[u]} ({u})",
                          tuple(None if pd.isna(v) else float(v) for v in wide.loc[u]))
                   for u in cur["unit"])
    return Chart("bump", ctx.t(f"前{len(cur)}名{ctx.units_noun}的名次变化（{periods[0]}–{periods[-1]}）",
                               f"Ranks of the top {len(cur)} {ctx.units_noun} over time ({periods[0]}–{periods[-1]})"),
                 categories=tuple(periods), series=series, x_label=ctx.period_noun,
                 y_label=ctx.t("名次", "Rank"), fmt=rank(), height=420, id="city-bump", sheet="city_bump",
                 note=ctx.t("名次 1 在最上方；线条中断表示该期无数据。", "Rank 1 is at the top; a gap means no value in that period."))


def level_growth_quadrant(ctx: ReportContext, growth: pd.DataFrame) -> Chart:
    """x = index in the window's last period, y = mean YoY growth over the window; thresholds at the medians."""
    pts = growth.dropna(subset=["value_end", "mean_yoy"])
    if len(pts) < 4:
        raise LeftOut("有增速的单位少于 4 个，无法划分象限。", "fewer than 4 units have a growth rate; no quadrants to draw.")
    x_med, y_med = float(np.median(pts["value_end"])), float(np.median(pts["mean_yoy"]))
    w1, span = ctx.window[1], ctx.window_label
    return Chart.from_points(
        pts, "value_end", "mean_yoy", label=ctx.name_col, kind="quadrant",
        series_name=ctx.units_noun,
        title=ctx.t(f"水平与增速（{w1} 指数 × {span} 平均同比增速）",
                    f"Level and growth (index {w1} × mean YoY growth {span})"),
        x_label=ctx.t(f"{w1} 指数", f"Index {w1}"), y_label=ctx.t("平均同比增速", "Mean YoY growth"),
        fmt=percent(1), x_fmt=decimal(1), x_threshold=x_med, y_threshold=y_med,
        quadrant_labels=(ctx.t("高水平·高增速", "high level, fast growth"), ctx.t("追赶者", "catching up"),
                         ctx.t("低水平·低增速", "low level, slow growth"), ctx.t("高水平·增速放缓", "high level, slowing")),
        id="city-quadrant", sheet="city_quadrant",
        note=ctx.t("虚线为中位数；右上为指数和增速均高于中位数的单位。",
                   "Dashed lines are the medians; top right: both level and growth above the median."))


def layers_by_group(ctx: ReportContext, by: str) -> Chart:
    """Mean layer scores of each tier or cluster's member units in the latest period."""
    layers = ctx.layers
    if not layers:
        raise LeftOut("框架只有一层，没有分层得分。", "the framework has one level: there are no layer scores.")
    g = A.make_grouping(ctx.main.units, by)
    labels = g.labels
    frames = {}
    for code in layers:
        wide = node_table(ctx.main, code)
        col = wide[ctx.latest]
        frames[code] = col.groupby(labels.reindex(col.index).to_numpy(dtype=object), sort=False).mean()
    table = pd.DataFrame(frames)
    order = g.present_order([x for x in table.index if pd.notna(x)])
    if not order:
        raise LeftOut("没有单位属于任何分组。", "no unit belongs to any group.")
    table = table.reindex(order)
    cats = [g.zh(x) if ctx.lang == "zh" else g.en(x) for x in order]
    what = ctx.t("城市层级", "city tier") if by == "tier" else ctx.t("城市群", "city cluster")
    return Chart("grouped_bar", ctx.t(f"各{what}的分层得分（成员平均，{ctx.latest}）",
                                      f"Layer scores by {what} (mean of members, {ctx.latest})"),
                 categories=tuple(cats), series=tuple(Series(ctx.label(c), tuple(table[c].astype(float))) for c in layers),
                 unit=ctx.unit, fmt=decimal(2), id=f"{by}-layers", sheet=f"{by}_layers",
                 note=ctx.t("每组为成员单位分层得分的简单平均，便于不同规模的组相比较。",
                            "Each bar is the plain mean of the member units' layer scores, so groups of different size compare."))
