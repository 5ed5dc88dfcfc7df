"""Provinces, city tiers and city clusters: shares of the national total, trends, growth, heads.

All share columns divide sums of unit scores, so they need an additive build
(``base_share``/``none`` normalisation and arithmetic aggregation, whose
national index is the sum over units); pass ``method="sum"`` to force sums for
another build. Units in no group (a county-level unit has no tier; 196 cities
are in no cluster) count in the national total but in no group, so the shares
of the groups can sum to less than 1; they are listed in ``attrs["grouping"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, describe_rows
from ._base import (
    IndexLike,
    PeriodAxis,
    as_rank,
    growth,
    long_frame,
    node_table,
    order_rows,
    rank_desc,
    require_sum,
    rollup_method,
    shift_columns,
    trend_slope,
    unit_names,
    window_mean,
)
from .grouping import Grouping, make_grouping, rollup
from .rankings import By, growth_ranking, rank_table


def group_shares(idx: IndexLike, *, by: By = "tier", code: str | None = None, tier_list: str = "2025",
                 method: str = "auto", sep: str | None = None) -> pd.DataFrame:
    """Each group's total and share of the national total per period.

    ``value_g,t = sum_{c in g} s_c,t``; ``national_t = sum_c s_c,t`` over all units
    (also those in no group); ``share_g,t = value_g,t / national_t``;
    ``share_change_g,t = share_g,t - share_g,t-1`` (previous period; in share units, 0.01 =
    one percentage point); ``qoq``/``yoy`` = growth of ``value_g``.

    Returns
    -------
    DataFrame ``Time, group, group_en, n_units, value, national, share, share_change, qoq, yoy``,
    ordered by period then the canonical group order (tiers 一线..五线, clusters as
    :data:`dtindex.regions.CLUSTERS`, provinces by adcode). ``attrs["grouping"]`` says
    which tier list was used and which units are in no group.
    """
    owner = "group_shares"
    how = rollup_method(idx, method, owner)
    require_sum(how, owner)
    axis = PeriodAxis.of(idx)
    wide = node_table(idx, code)
    g = make_grouping(wide.index, by, tier_list=tier_list, sep=sep, owner=owner)
    values, counts = rollup(wide, g, "sum")
    national = wide.sum(axis=0, min_count=1)
    share = values.div(national, axis=1)
    df = long_frame(values.index, list(values.columns), {
        "n_units": counts, "value": values,
        "national": pd.DataFrame(np.broadcast_to(national.to_numpy(), values.shape), index=values.index,
                                 columns=values.columns),
        "share": share,
        "share_change": share - shift_columns(share, axis.previous()),
        "qoq": growth(values, axis.previous()), "yoy": growth(values, axis.year_ago()),
    }, key="group")
    df.insert(2, "group_en", g.en_many(df["group"]))
    df.attrs["grouping"] = g.describe()
    return df


def group_summary(idx: IndexLike, *, by: By = "tier", code: str | None = None, period: str | None = None,
                  window: Sequence[str] | None = None, min_periods: int | None = None, tier_list: str = "2025",
                  method: str = "auto", sep: str | None = None) -> pd.DataFrame:
    """One row per group: size, share, share trend, mean index and mean growth.

    At ``period`` (default the latest):

    * ``n_units`` = units of the group with a value; ``unit_share = n_units / N`` with N the
      units with a value nationally; ``value`` = group total; ``share = value / national``;
      ``share_gap = share - unit_share`` (positive: the group weighs more in the index than in
      the count of units); ``mean_index`` = mean value of the group's units.
    * ``share_first``/``share_last``: share in the first/last period of the build;
      ``share_change = share_last - share_first``; ``share_trend`` = OLS slope of the share on
      the period number (per period; 0.001 = +0.1 percentage point per quarter).
    * ``mean_yoy`` (*the* growth of a group, used by the findings) = unweighted mean over the
      group's units of each unit's mean YoY growth over ``window`` (units without a growth
      rate are left out; ``n_growth`` counts those used). ``total_yoy`` = mean YoY growth of
      the group total over the window (a size-weighted growth). ``growth_rank`` ranks
      ``mean_yoy`` (1 = fastest, 'min' ties).

    Returns
    -------
    DataFrame ``group, group_en, n_units, unit_share, value, share, share_gap, share_first,
    share_last, share_change, share_trend, mean_index, n_growth, mean_yoy, total_yoy,
    growth_rank`` in canonical group order. ``attrs``: ``grouping``, ``period``, ``window``.
    """
    owner = "group_summary"
    how = rollup_method(idx, method, owner)
    require_sum(how, owner)
    axis = PeriodAxis.of(idx)
    period = axis.period_or_latest(period, owner)
    win = axis.window(window, owner)
    wide = node_table(idx, code)
    g = make_grouping(wide.index, by, tier_list=tier_list, sep=sep, owner=owner)
    values, counts = rollup(wide, g, "sum")
    national = wide.sum(axis=0, min_count=1)
    share = values.div(national, axis=1)
    unit_growth, _ = window_mean(growth(wide, axis.year_ago()), win, min_periods, owner)
    member = pd.DataFrame({"group": g.labels.reindex(wide.index).to_numpy(dtype=object),
                           "value": wide[period].to_numpy(), "growth": unit_growth.to_numpy()})
    member = member[member["group"].notna()]
    per = member.groupby("group", sort=False)
    total_growth, _ = window_mean(growth(values, axis.year_ago()), win, min_periods, owner)
    n_all = int(wide[period].notna().sum())
    groups = values.index
    df = pd.DataFrame({
        "group": groups.to_numpy(dtype=object),
        "group_en": g.en_many(groups),
        "n_units": counts[period].to_numpy(),
        "unit_share": counts[period].to_numpy() / n_all if n_all else np.nan,
        "value": values[period].to_numpy(),
        "share": share[period].to_numpy(),
    })
    df["share_gap"] = df["share"] - df["unit_share"]
    df["share_first"] = share.iloc[:, 0].to_numpy()
    df["share_last"] = share.iloc[:, -1].to_numpy()
    df["share_change"] = df["share_last"] - df["share_first"]
    df["share_trend"] = trend_slope(share, axis.ordinals())
    df["mean_index"] = per["value"].mean().reindex(groups).to_numpy()
    df["n_growth"] = per["growth"].count().reindex(groups).fillna(0).astype(np.int64).to_numpy()
    df["mean_yoy"] = per["growth"].mean().reindex(groups).to_numpy()
    df["total_yoy"] = total_growth.reindex(groups).to_numpy()
    df["growth_rank"] = as_rank(rank_desc(df["mean_yoy"]))
    df.attrs.update({"grouping": g.describe(), "period": period, "window": (win[0], win[-1])})
    return df


def tier_shares(idx: IndexLike, *, tier_list: str = "2025", tiers: pd.Series | None = None, code: str | None = None,
                method: str = "auto", sep: str | None = None) -> pd.DataFrame:
    """:func:`group_shares` by city tier, with a ``tier_list`` column saying which list was used.

    ``tiers``: a user mapping unit -> tier replaces the shipped list (``tier_list`` then reads ``custom``).
    """
    df = group_shares(idx, by="tier" if tiers is None else tiers, code=code, tier_list=tier_list, method=method,
                      sep=sep)
    df["tier_list"] = tier_list if tiers is None else "custom"
    return df


def tier_summary(idx: IndexLike, *, tier_list: str = "2025", tiers: pd.Series | None = None, code: str | None = None,
                 period: str | None = None, window: Sequence[str] | None = None, min_periods: int | None = None,
                 method: str = "auto", sep: str | None = None) -> pd.DataFrame:
    """:func:`group_summary` by city tier, with a ``tier_list`` column (``2025``, ``2023`` or ``custom``)."""
    df = group_summary(idx, by="tier" if tiers is None else tiers, code=code, period=period, window=window,
                       min_periods=min_periods, tier_list=tier_list, method=method, sep=sep)
    df["tier_list"] = tier_list if tiers is None else "custom"
    return df


def _heads(wide: pd.DataFrame, g: Grouping, period: str, heads: Mapping[str, Sequence[str]] | None,
           n_heads: int, owner: str) -> dict[str, list[str]]:
    """Head units per group: given, else the ``n_heads`` highest values at ``period`` (ties: code)."""
    if not isinstance(n_heads, (int, np.integer)) or n_heads < 1:
        raise SpecError(f"{owner}: n_heads must be a positive integer; got {n_heads!r}")
    labels = g.labels.reindex(wide.index)
    present = [x for x in g.order if (labels == x).any()]
    given = {str(k): [str(u) for u in v] for k, v in (heads or {}).items()}
    unknown = [k for k in given if k not in present]
    if unknown:
        raise DataError(f"{owner}: heads given for groups that have no units in the build: {describe_rows(unknown)}; "
                        f"groups are {describe_rows(present, 20)}")
    out: dict[str, list[str]] = {}
    frame = pd.DataFrame({"unit": wide.index.to_numpy(dtype=object), "group": labels.to_numpy(dtype=object),
                          "value": wide[period].to_numpy()})
    frame = order_rows(frame[frame["group"].notna() & frame["value"].notna()], [("value", "desc"), ("unit", "str")])
    top = frame.groupby("group", sort=False).head(n_heads)
    for grp in present:
        if grp in given:
            outside = [u for u in given[grp] if u not in labels.index or labels.get(u) != grp]
            if outside:
                raise DataError(f"{owner}: head units of {grp} are not members of it: {describe_rows(outside)}")
            out[grp] = given[grp]
        else:
            out[grp] = top.loc[top["group"] == grp, "unit"].tolist()
    return out


def cluster_heads(idx: IndexLike, *, heads: Mapping[str, Sequence[str]] | None = None, n_heads: int = 2,
                  period: str | None = None, clusters: By = "cluster", code: str | None = None,
                  method: str = "auto", sep: str | None = None) -> pd.DataFrame:
    """Share of each cluster's total held by its head cities, per period.

    ``head_share_g,t = sum_{c in H_g} s_c,t / sum_{c in g} s_c,t``. The head set ``H_g``
    is fixed over periods so the share's trend is meaningful: ``heads[g]`` if given
    (e.g. ``{"珠三角": ["440300", "440100"]}``), else the ``n_heads`` members with the
    highest value at ``period`` (default latest; ties by unit code).

    Returns
    -------
    DataFrame ``Time, group, group_en, head_units, head_names, head_value, value, head_share``
    (``head_units``/``head_names``: codes joined by ",", names joined by "、"), ordered by
    period and canonical cluster order.
    """
    owner = "cluster_heads"
    how = rollup_method(idx, method, owner)
    require_sum(how, owner)
    axis = PeriodAxis.of(idx)
    period = axis.period_or_latest(period, owner)
    wide = node_table(idx, code)
    g = make_grouping(wide.index, clusters, sep=sep, owner=owner)
    values, _ = rollup(wide, g, "sum")
    chosen = _heads(wide, g, period, heads, n_heads, owner)
    head_values = pd.DataFrame([wide.loc[chosen[x]].sum(axis=0, min_count=1) for x in values.index],
                               index=values.index)
    df = long_frame(values.index, list(values.columns), {
        "head_value": head_values, "value": values, "head_share": head_values / values}, key="group")
    df.insert(2, "group_en", g.en_many(df["group"]))
    joined = {x: ",".join(chosen[x]) for x in values.index}
    names = {x: "、".join(unit_names(chosen[x], sep)[0]) for x in values.index}
    df.insert(3, "head_units", df["group"].map(joined))
    df.insert(4, "head_names", df["group"].map(names))
    df.attrs["grouping"] = g.describe()
    df.attrs["heads_period"] = period
    return df


def cluster_summary(idx: IndexLike, *, heads: Mapping[str, Sequence[str]] | None = None, n_heads: int = 2,
                    period: str | None = None, window: Sequence[str] | None = None, min_periods: int | None = None,
                    clusters: By = "cluster", code: str | None = None, method: str = "auto",
                    sep: str | None = None) -> pd.DataFrame:
    """:func:`group_summary` by city cluster plus the head cities' share at ``period``.

    Returns the columns of :func:`group_summary` and ``head_units, head_names, head_share``
    (see :func:`cluster_heads`).
    """
    df = group_summary(idx, by=clusters, code=code, period=period, window=window, min_periods=min_periods,
                       method=method, sep=sep)
    heads_df = cluster_heads(idx, heads=heads, n_heads=n_heads, period=df.attrs["period"], clusters=clusters,
                             code=code, method=method, sep=sep)
    at = heads_df[heads_df["Time"] == df.attrs["period"]].set_index("group")
    for col in ("head_units", "head_names", "head_share"):
        df[col] = df["group"].map(at[col]).to_numpy()
    return df


def cluster_rankings(idx: IndexLike, *, clusters: By = "cluster", code: str | None = None, top: int = 10,
                     sep: str | None = None) -> pd.DataFrame:
    """Cities ranked within their cluster per period (:func:`rank_table` with ``within=clusters``)."""
    return rank_table(idx, by="unit", within=clusters, code=code, top=top, sep=sep)


def cluster_growth_rankings(idx: IndexLike, *, clusters: By = "cluster", code: str | None = None,
                            window: Sequence[str] | None = None, min_periods: int | None = None,
                            sep: str | None = None) -> pd.DataFrame:
    """Cities ranked by mean YoY growth within their cluster (:func:`growth_ranking` with ``within``)."""
    return growth_ranking(idx, by="unit", within=clusters, code=code, window=window, min_periods=min_periods,
                          sep=sep)
