"""Industries: national scale and growth, shares of each province's digital industry, double-high provinces,
and the leading industries of each city cluster.

The industry build's units are city × industry codes ``"<adcode><sep><industry>"``
(default ``sep=":"``, e.g. ``"440300:C39"``). With base_share normalisation and
arithmetic aggregation the build is additive, so an industry's national index is
the sum over cities and a province's the sum over its cities.
Industry names come from a table with columns ``code, name_zh, name_en``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows
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
    split_units,
    window_mean,
)
from .grouping import make_grouping
from .rankings import By

QUADRANTS = ("high-high", "high-low", "low-high", "low-low")


def _names(names: pd.DataFrame | None, industries: Sequence[str], owner: str) -> pd.DataFrame:
    """Industry order and names: the names table's order (codes in the build only), else sorted codes."""
    present = sorted(set(industries))
    if names is None:
        return pd.DataFrame({"industry": present, "industry_name": present, "industry_name_en": present})
    need = ("code", "name_zh", "name_en")
    missing = [c for c in need if c not in names.columns]
    if missing:
        raise DataError(f"{owner}: the industry names table lacks columns {', '.join(missing)}; it needs "
                        f"{', '.join(need)} (columns are {describe_rows(list(names.columns), 20)})")
    codes = names["code"].astype(str).str.strip()
    dup = codes[codes.duplicated()]
    if len(dup):
        raise DataError(f"{owner}: the industry names table repeats codes {describe_rows(dup.unique().tolist())}")
    lacking = [c for c in present if c not in set(codes)]
    if lacking:
        raise DataError(f"{owner}: the industry names table has no row for industries {describe_rows(lacking)} "
                        "of the build")
    table = pd.DataFrame({"industry": codes.to_numpy(dtype=object),
                          "industry_name": names["name_zh"].astype(str).to_numpy(dtype=object),
                          "industry_name_en": names["name_en"].astype(str).to_numpy(dtype=object)})
    return table[table["industry"].isin(present)].reset_index(drop=True)


def _industry_wide(idx: IndexLike, code: str | None, sep: str, owner: str):
    wide = node_table(idx, code)
    cities, industries = split_units(wide.index, sep, owner)
    return wide, cities, industries


def _by_industry(wide: pd.DataFrame, industries: np.ndarray, order: list[str], how: str) -> pd.DataFrame:
    g = wide.groupby(industries, sort=False)
    values = g.sum(min_count=1) if how == "sum" else g.mean()
    return values.reindex(order)


def industry_series(idx: IndexLike, *, code: str | None = None, names: pd.DataFrame | None = None,
                    method: str = "auto", sep: str = ":") -> pd.DataFrame:
    """National index of each industry per period with QoQ and YoY growth.

    ``value_i,t = sum_c s_(c,i),t`` over cities (additive builds; else the mean).

    Returns
    -------
    DataFrame ``Time, industry, industry_name, industry_name_en, value, n_units, qoq, yoy``
    ordered by period, then industry (names-table order, else code order).
    """
    owner = "industry_series"
    how = rollup_method(idx, method, owner)
    axis = PeriodAxis.of(idx)
    wide, _, industries = _industry_wide(idx, code, sep, owner)
    nm = _names(names, industries, owner)
    order = nm["industry"].tolist()
    values = _by_industry(wide, industries, order, how)
    counts = wide.notna().groupby(industries, sort=False).sum().reindex(order)
    df = long_frame(values.index, list(values.columns), {
        "value": values, "n_units": counts, "qoq": growth(values, axis.previous()),
        "yoy": growth(values, axis.year_ago())}, key="industry")
    df = df.merge(nm, on="industry", how="left", sort=False)
    df = df[["Time", "industry", "industry_name", "industry_name_en", "value", "n_units", "qoq", "yoy"]]
    df.attrs["rollup"] = how
    return df


def industry_scale(idx: IndexLike, *, code: str | None = None, period: str | None = None,
                   window: Sequence[str] | None = None, min_periods: int | None = None,
                   names: pd.DataFrame | None = None, method: str = "auto", sep: str = ":") -> pd.DataFrame:
    """Industries ranked by national scale at ``period`` and by mean YoY growth over ``window``.

    ``value_i`` = national index of industry i at ``period`` (default latest),
    ``share_i = value_i / sum_k value_k``, ``rank`` = rank of ``value`` (1 = largest, 'min' ties);
    ``mean_yoy_i`` = mean of the YoY growth rates of ``value_i,t`` over the window (as in
    :func:`~dtindex.analysis.rankings.growth_ranking`), ``growth_rank`` its rank (1 = fastest).

    Returns
    -------
    DataFrame ``industry, industry_name, industry_name_en, value, share, rank, n_yoy, mean_yoy,
    growth_rank`` ordered by ``rank`` then industry code.
    """
    owner = "industry_scale"
    how = rollup_method(idx, method, owner)
    require_sum(how, owner)
    axis = PeriodAxis.of(idx)
    period = axis.period_or_latest(period, owner)
    win = axis.window(window, owner)
    wide, _, industries = _industry_wide(idx, code, sep, owner)
    nm = _names(names, industries, owner)
    values = _by_industry(wide, industries, nm["industry"].tolist(), "sum")
    mean, n = window_mean(growth(values, axis.year_ago()), win, min_periods, owner)
    df = nm.copy()
    df["value"] = values[period].to_numpy()
    df["share"] = df["value"] / values[period].sum(min_count=1)
    df["rank"] = as_rank(rank_desc(df["value"]))
    df["n_yoy"] = n.to_numpy()
    df["mean_yoy"] = mean.to_numpy()
    df["growth_rank"] = as_rank(rank_desc(df["mean_yoy"]))
    df = order_rows(df, [("rank", "rank"), ("industry", "str")])
    df.attrs.update({"period": period, "window": (win[0], win[-1])})
    return df


def province_industry_shares(idx: IndexLike, *, code: str | None = None, period: str | None = None,
                             window: Sequence[str] | None = None, min_periods: int | None = None,
                             names: pd.DataFrame | None = None, provinces: By = "province", method: str = "auto",
                             sep: str = ":") -> pd.DataFrame:
    """Each industry's share of each province's digital industry, and that share's growth.

    ``v_p,i,t = sum_{c in p} s_(c,i),t``; ``share_p,i,t = v_p,i,t / sum_k v_p,k,t``;
    ``share_yoy_p,i,t = share_p,i,t / share_p,i,(t - 1 year) - 1`` and ``mean_share_yoy`` its
    mean over ``window`` (needs ``min_periods`` rates, default all). ``share_rank`` ranks the
    provinces of an industry by ``share`` at ``period`` and ``growth_rank`` by
    ``mean_share_yoy`` (1 = highest, 'min' ties).

    Returns
    -------
    DataFrame ``industry, industry_name, industry_name_en, province, province_en, value,
    province_total, share, n_yoy, mean_share_yoy, share_rank, growth_rank``, ordered by
    industry (names-table order), ``share_rank``, then province order.
    """
    owner = "province_industry_shares"
    how = rollup_method(idx, method, owner)
    require_sum(how, owner)
    axis = PeriodAxis.of(idx)
    period = axis.period_or_latest(period, owner)
    win = axis.window(window, owner)
    wide, _, industries = _industry_wide(idx, code, sep, owner)
    nm = _names(names, industries, owner)
    g = make_grouping(wide.index, provinces, sep=sep, owner=owner)
    prov = g.labels.reindex(wide.index).to_numpy(dtype=object)
    keep = pd.notna(prov)
    sub = wide[keep]
    values = sub.groupby([prov[keep], industries[keep]], sort=False).sum(min_count=1)
    values.index = values.index.set_names(["province", "industry"])
    totals = values.groupby(level="province", sort=False).transform(lambda x: x.sum(min_count=1))
    share = values / totals
    mean, n = window_mean(growth(share, axis.year_ago()), win, min_periods, owner)
    df = pd.DataFrame({
        "industry": values.index.get_level_values("industry").to_numpy(dtype=object),
        "province": values.index.get_level_values("province").to_numpy(dtype=object),
        "value": values[period].to_numpy(), "province_total": totals[period].to_numpy(),
        "share": share[period].to_numpy(), "n_yoy": n.to_numpy(), "mean_share_yoy": mean.to_numpy(),
    })
    df["province_en"] = g.en_many(df["province"])
    df["share_rank"] = as_rank(rank_desc(df["share"], df["industry"].to_numpy(dtype=object)))
    df["growth_rank"] = as_rank(rank_desc(df["mean_share_yoy"], df["industry"].to_numpy(dtype=object)))
    df = df.merge(nm, on="industry", how="left", sort=False)
    df = df[["industry", "industry_name", "industry_name_en", "province", "province_en", "value", "province_total",
             "share", "n_yoy", "mean_share_yoy", "share_rank", "growth_rank"]]
    df = order_rows(df, [("industry", nm["industry"].tolist()), ("share_rank", "rank"),
                         ("province", list(g.order)), ("province", "str")])
    df.attrs.update({"period": period, "window": (win[0], win[-1]), "grouping": g.describe()})
    return df


def industry_top(shares: pd.DataFrame, *, n: int = 10, by: str = "share") -> pd.DataFrame:
    """Top-``n`` provinces of each industry from :func:`province_industry_shares`.

    ``by="share"``: rows with ``share_rank <= n``; ``by="growth"``: ``growth_rank <= n``
    (with 'min' ties an industry can list more than ``n`` provinces). Adds ``position``
    (the rank used); ordered by industry, position, province.
    """
    check_choice("industry_top", "by", by, ("share", "growth"))
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecError(f"industry_top: n must be a positive integer; got {n!r}")
    col = "share_rank" if by == "share" else "growth_rank"
    out = shares[shares[col] <= n].copy()
    out.insert(0, "position", out[col])
    order = list(pd.unique(shares["industry"]))
    out = order_rows(out, [("industry", order), ("position", "rank"), ("province", "str")])
    out.attrs.update(shares.attrs)
    out.attrs["by"] = by
    return out


def _threshold(value: float | str, column: pd.Series, groups: pd.Series, param: str) -> pd.Series:
    if isinstance(value, str):
        if value != "median":
            raise SpecError(f"The {param!r} parameter of double_high must be one of 'median' or a number; got {value!r}.")
        return column.groupby(groups.to_numpy(dtype=object)).transform("median")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
        raise SpecError(f"The {param!r} parameter of double_high must be one of 'median' or a number; got {value!r}.")
    return pd.Series(float(value), index=column.index)


def double_high(shares: pd.DataFrame, *, share_threshold: float | str = "median",
                growth_threshold: float | str = "median") -> pd.DataFrame:
    """Classify each (industry, province) of :func:`province_industry_shares` into share × growth quadrants.

    ``high_share = share > share_threshold`` and ``high_growth = mean_share_yoy > growth_threshold``
    (strictly above). A threshold is ``"median"`` (default: the median over the provinces of
    that industry that have both a share and a growth rate) or a number (share as a
    fraction, growth as a fraction). ``quadrant`` is ``high-high``, ``high-low``,
    ``low-high`` or ``low-low`` (share first); ``double_high`` = ``quadrant == "high-high"``.
    Rows missing share or growth get no quadrant (NA) and ``double_high`` False.

    Returns
    -------
    The input columns plus ``share_threshold, growth_threshold, high_share, high_growth,
    quadrant, double_high`` in the input's row order.
    """
    df = shares.copy()
    both = df["share"].notna() & df["mean_share_yoy"].notna()
    basis = df[["share", "mean_share_yoy"]].where(both)
    df["share_threshold"] = _threshold(share_threshold, basis["share"], df["industry"], "share_threshold").to_numpy()
    df["growth_threshold"] = _threshold(growth_threshold, basis["mean_share_yoy"], df["industry"],
                                        "growth_threshold").to_numpy()
    hs = (df["share"] > df["share_threshold"]).to_numpy(dtype=bool)
    hg = (df["mean_share_yoy"] > df["growth_threshold"]).to_numpy(dtype=bool)
    ok = both.to_numpy(dtype=bool) & df["share_threshold"].notna().to_numpy() & df["growth_threshold"].notna().to_numpy()
    df["high_share"] = pd.array(np.where(ok, hs, False), dtype="boolean")
    df["high_growth"] = pd.array(np.where(ok, hg, False), dtype="boolean")
    df.loc[~ok, ["high_share", "high_growth"]] = pd.NA
    quad = np.where(hs, np.where(hg, QUADRANTS[0], QUADRANTS[1]), np.where(hg, QUADRANTS[2], QUADRANTS[3]))
    df["quadrant"] = pd.array(np.where(ok, quad, None), dtype="string")
    df["double_high"] = ok & hs & hg
    return df


def quadrant_table(classified: pd.DataFrame) -> pd.DataFrame:
    """Per industry, the provinces in each quadrant of :func:`double_high` (all four quadrants listed).

    Returns
    -------
    DataFrame ``industry, industry_name, industry_name_en, quadrant, n, provinces, provinces_en``
    (province names in the input's order, joined by "、" / ", "), ordered by industry then
    ``high-high, high-low, low-high, low-low``.
    """
    keys = ["industry", "industry_name", "industry_name_en"]
    inds = classified[keys].drop_duplicates()
    full = inds.merge(pd.DataFrame({"quadrant": QUADRANTS}), how="cross")
    c = classified[classified["quadrant"].notna()]
    agg = c.groupby(["industry", "quadrant"], sort=False).agg(
        n=("province", "size"), provinces=("province", "、".join), provinces_en=("province_en", ", ".join))
    out = full.merge(agg.reset_index(), on=["industry", "quadrant"], how="left")
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out[["provinces", "provinces_en"]] = out[["provinces", "provinces_en"]].fillna("")
    return order_rows(out, [("industry", inds["industry"].tolist()), ("quadrant", list(QUADRANTS))])


def cluster_top_industries(idx: IndexLike, *, n: int = 3, code: str | None = None, names: pd.DataFrame | None = None,
                           clusters: By = "cluster", method: str = "auto", sep: str = ":") -> pd.DataFrame:
    """The ``n`` leading industries of each city cluster by cumulative ranking over all periods.

    For cluster g, industry i and period t, ``v_g,i,t`` is the roll-up of ``s_(c,i),t``
    over the member cities c (sum for additive builds, else mean) and ``r_g,i,t`` its rank
    among the industries of g in t (1 = largest, 'min' ties). The periods of g are those in
    which g has any value. ``rank_sum_g,i = sum_t r_g,i,t`` (lower is better); industries
    without a rank in every period of g are left out (listed in ``attrs["incomplete"]``).
    Industries are ordered by ``rank_sum``, then by the value in g's latest period
    (higher first), then by industry code; the first ``n`` are kept.

    Returns
    -------
    DataFrame ``group, group_en, position, industry, industry_name, industry_name_en,
    rank_sum, n_periods, mean_rank, latest_value, latest_rank``, ordered by canonical
    cluster order then position.
    """
    owner = "cluster_top_industries"
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecError(f"{owner}: n must be a positive integer; got {n!r}")
    how = rollup_method(idx, method, owner)
    wide, _, industries = _industry_wide(idx, code, sep, owner)
    nm = _names(names, industries, owner)
    g = make_grouping(wide.index, clusters, sep=sep, owner=owner)
    lab = g.labels.reindex(wide.index).to_numpy(dtype=object)
    keep = pd.notna(lab)
    grp = wide[keep].groupby([lab[keep], industries[keep]], sort=False)
    values = grp.sum(min_count=1) if how == "sum" else grp.mean()
    values.index = values.index.set_names(["group", "industry"])
    R = values.groupby(level="group", sort=False).rank(method="min", ascending=False, na_option="keep")
    cl = values.index.get_level_values("group")
    active = values.notna().groupby(level="group", sort=False).transform("any")  # periods where g has data
    complete = (R.notna() | ~active).all(axis=1) & active.any(axis=1)
    A = active.to_numpy(dtype=bool)
    Xv, Xr = values.to_numpy(), R.to_numpy()
    # last period in which the cluster has data: position of the last True per row
    li = np.where(A.any(axis=1), A.shape[1] - 1 - np.argmax(A[:, ::-1], axis=1), -1)
    rows = np.arange(len(values))
    df = pd.DataFrame({
        "group": cl.to_numpy(dtype=object),
        "industry": values.index.get_level_values("industry").to_numpy(dtype=object),
        "rank_sum": R.where(active).sum(axis=1, min_count=1).to_numpy(),
        "n_periods": active.sum(axis=1).to_numpy(dtype=np.int64),
        "latest_value": np.where(li >= 0, Xv[rows, np.maximum(li, 0)], np.nan),
        "latest_rank": np.where(li >= 0, Xr[rows, np.maximum(li, 0)], np.nan),
        "complete": complete.to_numpy(dtype=bool),
    })
    incomplete = df.loc[~df["complete"], ["group", "industry"]]
    df = df[df["complete"]].drop(columns="complete")
    df["mean_rank"] = df["rank_sum"] / df["n_periods"]
    df["latest_rank"] = as_rank(df["latest_rank"])
    df = order_rows(df, [("group", list(g.order)), ("rank_sum", "rank"), ("latest_value", "desc"),
                         ("industry", "str")])
    df["position"] = df.groupby("group", sort=False).cumcount() + 1
    df = df[df["position"] <= n].merge(nm, on="industry", how="left", sort=False)
    df["group_en"] = g.en_many(df["group"])
    df = df[["group", "group_en", "position", "industry", "industry_name", "industry_name_en", "rank_sum",
             "n_periods", "mean_rank", "latest_value", "latest_rank"]]
    df.attrs["grouping"] = g.describe()
    df.attrs["incomplete"] = list(map(tuple, incomplete.to_numpy().tolist()))
    return df
