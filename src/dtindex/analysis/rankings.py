"""Rankings of units and groups per period, rank changes, top-N entries and exits, growth rankings.

Conventions (see ``docs/analysis.md``): rank 1 = highest value; equal values
share the smallest rank ("min": 1, 2, 2, 4); missing values get no rank. A rank
change is ``rank_before - rank``, so +3 means the unit rose three places. The
period before is the chronologically previous period (``prev``) or the same
period a year earlier (``yoy``); a period absent from the build gives no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SpecError, check_choice
from ._base import (
    IndexLike,
    PeriodAxis,
    as_rank,
    growth,
    long_frame,
    node_table,
    order_rows,
    rank_desc,
    rollup_method,
    rollup_weights,
    shift_columns,
    window_mean,
)
from .grouping import Grouping, group_of_entities, make_grouping, rollup

By = str | pd.Series | Mapping[str, str]


def _entity_values(idx: IndexLike, by: By, code: str | None, method: str, tier_list: str, sep: str | None,
                   owner: str) -> tuple[pd.DataFrame, Grouping, str]:
    wide = node_table(idx, code)
    g = make_grouping(wide.index, by, tier_list=tier_list, sep=sep, owner=owner)
    how = rollup_method(idx, method, owner, weighted=True) if g.kind != "unit" else "none"
    values, _ = rollup(wide, g, how, rollup_weights(idx, owner) if how == "weighted_mean" else None)
    return values, g, how


def _within(idx_units: pd.Index, values: pd.DataFrame, g: Grouping, within: By | None, tier_list: str,
            sep: str | None, owner: str) -> tuple[pd.DataFrame, pd.Series | None, Grouping | None]:
    if within is None:
        return values, None, None
    wg = make_grouping(idx_units, within, tier_list=tier_list, sep=sep, owner=owner)
    ent = group_of_entities(values.index, g, wg, owner)
    keep = ent.notna().to_numpy()
    return values[keep], ent[keep], wg


def _names(g: Grouping, entities: Sequence[str]) -> tuple[list[str], list[str]]:
    return g.zh_many(entities), g.en_many(entities)


def rank_table(idx: IndexLike, *, by: By = "unit", code: str | None = None, within: By | None = None,
               top: int = 10, method: str = "auto", tier_list: str = "2025", sep: str | None = None) -> pd.DataFrame:
    """Ranks of units (or groups of units) in every period, with changes and top-N membership.

    Parameters
    ----------
    idx : Index or BuildResult
    by : {"unit", "province", "tier", "cluster", "region"} or Series
        What is ranked: the build's units, or groups whose value is the roll-up
        of their units (sum for additive builds, else mean; see ``method``).
    code : str, optional
        Framework node (default: the top node).
    within : same choices as ``by``, optional
        Rank inside groups (e.g. cities within their cluster); entities in no
        ``within`` group are left out and listed in ``attrs["within"]``.
    top : int
        ``in_top`` is ``rank <= top`` (with 'min' ties more than ``top`` entities can qualify).
    method : {"auto", "sum", "mean"}
        Roll-up of units into groups; ``auto`` reads the build's recipe.
    tier_list : {"2025", "2023"}
        Tier list for ``by="tier"``/``within="tier"``.
    sep : str, optional
        Separator of city × industry unit codes (``":"``) for region look-ups.

    Returns
    -------
    DataFrame with columns ``Time, unit, name, name_en, [group, group_en,] value, rank, rank_prev,
    change_prev, rank_yoy, change_yoy, in_top``: one row per period and entity (an entity
    missing in a period has a row with NaN value and no rank). ``rank`` = rank of ``value``
    among the entities of the period (within ``group``), 'min' ties; ``rank_prev`` /
    ``rank_yoy`` = its rank in the previous period / the same period a year earlier;
    ``change_* = rank_* - rank`` (positive = rose). Ranks are nullable integers. Rows
    ordered by period, [group,] rank, then ``unit`` text. ``attrs["grouping"]`` describes
    the grouping (kind, tier list, units in no group).
    """
    owner = "rank_table"
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise SpecError(f"{owner}: top must be a positive integer; got {top!r}")
    axis = PeriodAxis.of(idx)
    values, g, _ = _entity_values(idx, by, code, method, tier_list, sep, owner)
    units_index = node_table(idx, code).index
    values, ent_within, wg = _within(units_index, values, g, within, tier_list, sep, owner)
    R = rank_desc(values, None if ent_within is None else ent_within.to_numpy(dtype=object))
    R_prev = shift_columns(R, axis.previous())
    R_yoy = shift_columns(R, axis.year_ago())
    cols: dict[str, pd.DataFrame] = {"value": values, "rank": R, "rank_prev": R_prev, "rank_yoy": R_yoy}
    df = long_frame(values.index, list(values.columns), cols)
    zh, en = _names(g, values.index.tolist())
    n_per = values.shape[1]
    df.insert(2, "name", np.tile(np.asarray(zh, dtype=object), n_per))
    df.insert(3, "name_en", np.tile(np.asarray(en, dtype=object), n_per))
    keys: list = [("Time", list(values.columns))]
    if ent_within is not None:
        grp = np.tile(ent_within.to_numpy(dtype=object), n_per)
        df.insert(4, "group", grp)
        df.insert(5, "group_en", wg.en_many(grp))
        keys.append(("group", list(wg.order)))
    for c in ("rank", "rank_prev", "rank_yoy"):
        df[c] = as_rank(df[c])
    df["change_prev"] = df["rank_prev"] - df["rank"]
    df["change_yoy"] = df["rank_yoy"] - df["rank"]
    df["in_top"] = (df["rank"] <= top).fillna(False).astype(bool)
    df = df[[c for c in ("Time", "unit", "name", "name_en", "group", "group_en", "value", "rank", "rank_prev",
                         "change_prev", "rank_yoy", "change_yoy", "in_top") if c in df.columns]]
    df = order_rows(df, [*keys, ("rank", "rank"), ("unit", "str")])
    df.attrs["grouping"] = g.describe()
    df.attrs["top"] = int(top)
    if wg is not None:
        df.attrs["within"] = wg.describe()
    return df


def top_moves(table: pd.DataFrame, *, top: int = 10, against: str = "yoy", period: str | None = None) -> pd.DataFrame:
    """Entries into and exits from the top ``top`` of a :func:`rank_table`.

    ``entered``: ``rank <= top`` and ``rank_before > top``; ``left``: ``rank_before <= top``
    and ``rank > top``, where ``rank_before`` is ``rank_yoy`` (``against="yoy"``) or
    ``rank_prev`` (``"prev"``). Both ranks must exist: an entity missing in either
    period neither enters nor leaves.

    Returns
    -------
    DataFrame ``Time, unit, name, name_en, [group, group_en,] move, rank, rank_before, value``;
    ``move`` is ``entered`` or ``left``. Rows ordered by period, [group,] move (entered
    first), the rank that counts (entered: new rank; left: old rank), then unit.
    """
    check_choice("top_moves", "against", against, ("yoy", "prev"))
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise SpecError(f"top_moves: top must be a positive integer; got {top!r}")
    t = table if period is None else table[table["Time"] == period]
    before = t[f"rank_{against}"]
    both = t["rank"].notna() & before.notna()
    entered = (both & (t["rank"] <= top) & (before > top)).fillna(False).to_numpy(dtype=bool)
    left = (both & (before <= top) & (t["rank"] > top)).fillna(False).to_numpy(dtype=bool)
    lead = [c for c in ("Time", "unit", "name", "name_en", "group", "group_en") if c in t.columns]
    parts = []
    for move, mask in (("entered", entered), ("left", left)):
        sub = t.loc[mask, lead].copy()
        sub["move"] = move
        sub["rank"] = t.loc[mask, "rank"]
        sub["rank_before"] = before[mask]
        sub["value"] = t.loc[mask, "value"]
        sub["_key"] = sub["rank"] if move == "entered" else sub["rank_before"]
        parts.append(sub)
    out = pd.concat(parts, ignore_index=True)
    times = list(pd.unique(table["Time"]))
    keys: list = [("Time", times)]
    if "group" in out.columns:
        keys.append(("group", list(pd.unique(table["group"]))))
    out = order_rows(out, [*keys, ("move", ["entered", "left"]), ("_key", "rank"), ("unit", "str")])
    out = out.drop(columns="_key")
    out.attrs.update(table.attrs)
    out.attrs["against"] = against
    return out


def growth_ranking(idx: IndexLike, *, by: By = "unit", code: str | None = None, window: Sequence[str] | None = None,
                   within: By | None = None, min_periods: int | None = None, method: str = "auto",
                   tier_list: str = "2025", sep: str | None = None) -> pd.DataFrame:
    """Rank units or groups by their mean year-on-year growth over a window of periods.

    ``yoy_t = v_t / v_(t - 1 year) - 1`` (NaN if either value is missing or the earlier
    value is <= 0) and ``mean_yoy = (1 / n) sum_{t in window} yoy_t``. The window is
    ``(start, end)``, both included (the report uses ``("2022Q1", "2023Q1")``); default:
    every period with the same period a year earlier in the build. ``mean_yoy`` needs at
    least ``min_periods`` rates (default: all periods of the window), else it is NaN and
    the entity gets no rank. For groups, ``v`` is the group's roll-up (growth of the total).

    Returns
    -------
    DataFrame ``unit, name, name_en, [group, group_en,] value_start, value_end, n_yoy,
    mean_yoy, rank``: values at the window's first and last period, number of rates
    used, mean rate (a fraction: 0.23 = 23 %), rank (1 = fastest, 'min' ties, within
    ``group`` if given). Ordered by [group,] rank, then unit. ``attrs["window"]`` = (start, end).
    """
    owner = "growth_ranking"
    axis = PeriodAxis.of(idx)
    win = axis.window(window, owner)
    values, g, _ = _entity_values(idx, by, code, method, tier_list, sep, owner)
    values, ent_within, wg = _within(node_table(idx, code).index, values, g, within, tier_list, sep, owner)
    G = growth(values, axis.year_ago())
    mean, n = window_mean(G, win, min_periods, owner)
    zh, en = _names(g, values.index.tolist())
    df = pd.DataFrame({"unit": values.index.to_numpy(dtype=object), "name": zh, "name_en": en})
    keys: list = []
    if ent_within is not None:
        df["group"] = ent_within.to_numpy(dtype=object)
        df["group_en"] = wg.en_many(df["group"])
        keys.append(("group", list(wg.order)))
    df["value_start"] = values[win[0]].to_numpy()
    df["value_end"] = values[win[-1]].to_numpy()
    df["n_yoy"] = n.to_numpy()
    df["mean_yoy"] = mean.to_numpy()
    r = rank_desc(df["mean_yoy"], None if ent_within is None else df["group"].to_numpy(dtype=object))
    df["rank"] = as_rank(r)
    df = order_rows(df, [*keys, ("rank", "rank"), ("unit", "str")])
    df.attrs["grouping"] = g.describe()
    df.attrs["window"] = (win[0], win[-1])
    if wg is not None:
        df.attrs["within"] = wg.describe()
    return df
