"""Observations straight from the grouped query of a many-indicator source (the common, clean case).

The grouped query (:meth:`~dtindex.engine.plan.SourcePlan.sql` with a
:class:`~dtindex.engine.plan.Pivot`) returns one row per raw city, industry,
period ordinal and filter value (``k_pivot``). When every indicator reads one
filter value (``column = 'v'``) and is a count, distinct count or sum, that row already *is*
the indicator's observation for the unit and period: ``value`` is the row's
exact total divided once by ``10**scale``, ``n_rows`` its row count. No wide
table is built; the work is a few array operations over the grouped rows:

* keys are factorised column by column; classification (unknown or empty
  codes, periods outside the declared ones) looks only at the distinct values,
  and unit labels ``"<city>:<industry>"`` are built once per distinct pair;
* the order (indicator, period, unit) is one ``argsort`` of an integer key
  ``(filter value, period, rank of the unit label)``;
* values use the same exact conversions as the general path
  (:func:`~dtindex.engine.validate.exact_int_array`,
  :func:`~dtindex.engine.validate.scaled_values`), so the doubles are the same.

Anything else -- dirty keys, a negative value or a float total of ``2**53``
or more somewhere, ``IN`` lists, ratios -- returns ``None`` and the
engine takes the general path (rearranging the grouped rows into the FILTER
form), which handles every policy. Both paths give identical observations and
logs (``tests/engine/test_grouped.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..periods import Period
from .plan import KEY_CITY, KEY_INDUSTRY, KEY_PERIOD, KEY_PIVOT, SourcePlan
from .validate import EXACT_DOUBLE, exact_int_array, ints, numeric, scaled_values

OBS_COLUMNS = ["indicator", "unit", "city", "industry", "period", "value", "n_rows"]


def _direct_parts(plan: SourcePlan) -> list[tuple[Any, Any, Any]] | None:
    """``(indicator, its filter value, its part)`` for every indicator, or None when one is not a single-value
    count or sum (an IN list, a ratio)."""
    pv = plan.pivot
    if pv is None:
        return None
    out = []
    for ind in plan.indicators:
        p = ind.numerator
        if ind.denominator is not None or p.measure.kind not in ("count", "distinct", "sum"):
            return None
        used = [ind.rows, p.value, p.rows] + ([j for j in (p.nonnull, p.minimum) if j is not None]
                                               if p.measure.kind == "sum" else [])
        values = {pv.source_of[j][1] for j in used}
        if len(values) != 1 or len(next(iter(values))) != 1:
            return None
        out.append((ind, next(iter(values))[0], p))
    return out


@dataclass(frozen=True)
class GroupedRows:
    """The grouped result with its key columns factorised.

    ``codes[k]`` (int64, ``-1`` for NULL) index ``uniques[k]`` (the distinct
    values, any order) for the keys ``k_city``, ``k_industry`` and
    ``k_pivot``; ``values`` holds the other columns (``k_period`` and the
    aggregates ``a0``, ``a1``...) as numpy arrays; ``n`` is the row count.
    DuckDB delivers the codes directly
    (:meth:`~dtindex.engine.duckdb_backend.DuckDBBackend.grouped`); other
    backends' frames are factorised by :meth:`from_frame`.
    """

    n: int
    codes: dict[str, np.ndarray]
    uniques: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, keys: list[str]) -> "GroupedRows":
        codes, uniques, values = {}, {}, {}
        for name in frame.columns:
            col = frame[name].to_numpy()
            if name in keys:
                c, u = pd.factorize(np.asarray(col, dtype=object), use_na_sentinel=True)
                codes[name], uniques[name] = c.astype(np.int64), np.asarray(u, dtype=object)
            else:
                values[name] = col
        return cls(len(frame), codes, uniques, values)


def _nonnull(parts: list, name: str, narrow: dict[int, str]) -> int:
    """The aggregate counting non-empty values of the sum held in result column ``name``."""
    return next(p.nonnull for _, _, p in parts if p.measure.kind == "sum" and narrow[p.value] == name)


def _clean_codes(rows: GroupedRows, key: str, allowed: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """A key's ``(codes, distinct texts)``; None when one is empty or (with ``allowed``) unknown."""
    codes, texts = rows.codes[key], rows.uniques[key]
    if len(codes) and codes.min() < 0:
        return None
    if pd.api.types.infer_dtype(texts, skipna=False) != "string":
        texts = texts.astype(str).astype(object)
    if (texts == "").any():
        return None
    if allowed is not None and not all(t in allowed for t in texts):
        return None
    return codes, texts


def _order(key: np.ndarray, size: int) -> np.ndarray:
    """Positions that sort ``key`` (distinct non-negative integers below ``size``): one scatter over a dense range
    when it is not much larger than the key count (linear time), else a sort."""
    if size <= 8 * len(key) + 1_000_000:
        pos = np.full(size, -1, dtype=np.int64)
        pos[key] = np.arange(len(key), dtype=np.int64)
        order = pos[pos >= 0]
        if len(order) == len(key):
            return order
    return np.argsort(key, kind="stable")  # (equal keys, which grouped rows do not have, would all be kept)


LABEL_COLUMNS = ("indicator", "unit", "city", "industry", "period")


def labels(texts: np.ndarray, codes: np.ndarray, used: np.ndarray | None = None) -> pd.Categorical:
    """A label column ``texts[codes]`` as a pandas categorical with sorted categories (the labels that occur).

    Observations repeat a few hundred labels over up to millions of rows; a
    categorical stores one small integer per row and each distinct string once,
    and is built without touching a Python string per row. ``used``: the
    positions in ``texts`` that occur, when the caller knows them (else counted).
    """
    texts = np.asarray(texts, dtype=object)
    if used is None:
        used = np.flatnonzero(np.bincount(codes, minlength=len(texts)) > 0)
    order = used[np.argsort(texts[used].astype(str), kind="stable")]
    rank = np.full(len(texts), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return pd.Categorical.from_codes(rank[codes], categories=pd.Index(texts[order], dtype=object), validate=False)


def as_labels(values: np.ndarray) -> pd.Categorical:
    """A label column of Python strings as :func:`labels` builds it (the general path)."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    return labels(np.asarray(uniq, dtype=object), codes)


def concat_observations(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Observations of several sources one after another, label columns still categoricals (sorted categories)."""
    from pandas.api.types import union_categoricals

    out = pd.concat(parts, ignore_index=True)
    for name in LABEL_COLUMNS:
        cats = union_categoricals([pd.Categorical(p[name]) for p in parts], sort_categories=True)
        out[name] = cats
    return out


def direct_form(plan: SourcePlan) -> bool:
    """Whether the plan's grouped rows can be observations directly (every indicator a single-value count or sum)."""
    return _direct_parts(plan) is not None


def observations(rows: GroupedRows, plan: SourcePlan, codes: frozenset[str],
                 period_range: tuple[int, int]) -> tuple[pd.DataFrame, list[dict]] | None:
    """Observations and value log of a clean grouped result, or None when the general path is needed."""
    parts = _direct_parts(plan)
    if parts is None or rows.n == 0:
        return None
    pv = plan.pivot
    narrow = {j: f"a{pv.source_of[j][0]}" for j in range(len(plan.aggs))}
    cache: dict[tuple[str, str], np.ndarray] = {}

    def column(name: str, how: str) -> np.ndarray:
        """A whole result column converted once (``ints``, ``numeric``)."""
        if (name, how) not in cache:
            cache[name, how] = (ints if how == "ints" else numeric)(rows.values[name])
        return cache[name, how]

    # --- the checks of classify() and _exact_sums(), on distinct values and whole columns
    lo, hi = period_range
    per = column(KEY_PERIOD, "numeric")
    if np.isnan(per).any() or per.min() < lo or per.max() > hi:
        return None
    city = _clean_codes(rows, KEY_CITY, codes)
    if city is None:
        return None
    if plan.industry_key is not None:
        listed = plan.source.industry_codes
        industry = _clean_codes(rows, KEY_INDUSTRY, None if listed is None else set(listed))
        if industry is None:
            return None
    for name in sorted({narrow[p.minimum] for _, _, p in parts if p.minimum is not None}):
        if (column(name, "numeric") < 0).any():
            return None
    for name in sorted({narrow[p.value] for _, _, p in parts
                        if p.measure.kind == "sum" and plan.aggs[p.value].conv == "float"}):
        total = column(name, "numeric")
        if (np.abs(total) >= EXACT_DOUBLE).any() or \
                (np.isnan(total) & (column(narrow[_nonnull(parts, name, narrow)], "ints") > 0)).any():
            return None  # a total that may be inexact, or NaN values (the general path reports them)
    pcode, puniq = rows.codes[KEY_PIVOT], rows.uniques[KEY_PIVOT]
    if len(pcode) and pcode.min() < 0:
        return None  # an empty filter value (the scan selects none; left to the general path)
    # --- unit labels once per distinct (city, industry); their rank gives the unit order
    city_code, city_text = city
    if plan.industry_key is not None:
        ind_code, ind_text = industry
        n_ind = len(ind_text)
        pair = city_code * n_ind + ind_code
        present = np.zeros(len(city_text) * n_ind, dtype=bool)
        present[pair] = True
        slots = np.flatnonzero(present)
        unit_of = np.empty(len(present), dtype=object)
        unit_of[slots] = city_text[slots // n_ind] + ":" + ind_text[slots % n_ind]  # object arrays: one C loop
    else:
        pair = city_code
        present = np.zeros(len(city_text), dtype=bool)
        present[pair] = True
        slots = np.flatnonzero(present)
        unit_of = city_text
    slot_rank = np.zeros(len(unit_of), dtype=np.int64)  # position of a (city, industry) among the present ones
    slot_rank[slots] = np.arange(len(slots))
    rank_of = np.zeros(len(unit_of), dtype=np.int64)
    rank_of[slots] = np.argsort(np.argsort(unit_of[slots].astype(str), kind="stable"), kind="stable")
    # --- one sort: filter value, period, unit
    ordinals = per.astype(np.int64)
    omin, omax = int(ordinals.min()), int(ordinals.max())
    period_text = np.array([Period(plan.freq, o).label for o in range(omin, omax + 1)], dtype=object)
    code_of = {v: i for i, v in enumerate(puniq)}
    n_units, n_per = len(unit_of), omax - omin + 1
    key = (pcode * n_per + (ordinals - omin)) * n_units + rank_of[pair]
    order = _order(key, n_per * n_units * max(len(puniq), 1))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pcode, minlength=len(puniq)))])
    # --- each indicator: the rows of its filter value, in order; values from whole columns converted once
    exact: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    pieces: dict[str, list] = {c: [] for c in ("idx", "value", "n_rows", "code")}
    log = []
    for number, (ind, value, p) in enumerate(parts):
        c = code_of.get(value)
        idx = order[bounds[c]:bounds[c + 1]] if c is not None else np.array([], dtype=np.int64)
        n_rows = column(narrow[ind.rows], "ints")[idx]
        if p.measure.kind in ("count", "distinct"):
            units, null = column(narrow[p.value], "ints")[idx], None
        elif p.nonnull == p.rows and plan.aggs[p.value].conv == "float":
            units, null = column(narrow[p.value], "numeric")[idx], None  # no NULLs; whole doubles below 2**53
        else:
            name = narrow[p.value]
            if name not in exact:
                got = exact_int_array(rows.values[name])
                if got is None:
                    return None  # a total beyond 64 bits: the general path converts it exactly
                all_null = column(narrow[p.nonnull], "ints") == 0
                exact[name] = (np.where(all_null, 0, got[0]), all_null)
            all_units, all_null = exact[name]
            units, null = all_units[idx], all_null[idx]
            n_null = int(n_rows.sum() - column(narrow[p.nonnull], "ints")[idx].sum())
            if n_null:
                log.append({"source": plan.source.label, "indicator": ind.code, "category": "null_value",
                            "policy": "report", "n_rows": n_null, "detail": f"{p.measure.column} is empty",
                            "values": []})
        keep = n_rows > 0
        if not keep.all():
            idx, units, n_rows = idx[keep], units[keep], n_rows[keep]
            null = None if null is None else null[keep]
        pieces["idx"].append(idx)
        pieces["value"].append(scaled_values(units, null, p.scale))
        pieces["n_rows"].append(n_rows)
        pieces["code"].append(np.full(len(idx), number, dtype=np.int64))
    idx = np.concatenate(pieces["idx"])
    slot = pair[idx]
    indicator_text = np.array([ind.code for ind, _, _ in parts], dtype=object)
    everything = np.arange(len(slots))
    unit_code = slot_rank[slot]  # each observation's unit among the present ones
    if plan.industry_key is not None:  # city and industry of each present unit, then gathered by unit
        city_labels = labels(city_text, (slots // n_ind)[unit_code], np.unique(slots // n_ind))
        industry_labels = labels(ind_text, (slots % n_ind)[unit_code], np.unique(slots % n_ind))
    else:
        city_labels = labels(city_text, slot, slots)
        industry_labels = labels(np.array([""], dtype=object), np.zeros(len(idx), dtype=np.int64), np.zeros(1, dtype=np.int64))
    columns = {
        "indicator": labels(indicator_text, np.concatenate(pieces["code"])),
        "unit": labels(unit_of[slots], unit_code, everything),
        "city": city_labels, "industry": industry_labels,
        "period": labels(period_text, ordinals[idx] - omin),
        "value": np.concatenate(pieces["value"]), "n_rows": np.concatenate(pieces["n_rows"]).astype(np.int64),
    }
    obs = pd.DataFrame(columns, columns=OBS_COLUMNS, copy=False)
    return obs, log


__all__ = ["GroupedRows", "LABEL_COLUMNS", "as_labels", "concat_observations", "direct_form", "labels", "observations"]
