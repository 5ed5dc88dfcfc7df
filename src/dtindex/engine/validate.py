"""Checks on raw tables and the dirty-data policies, applied to grouped results.

:func:`check_schema` runs before any scan: every column a source names must
exist (the message lists the columns that do), summed columns must be numbers,
unit columns text or whole numbers.

The other functions work on the *grouped* result of the main query (one row per
raw city code, industry and period ordinal -- thousands of rows, not billions):
:func:`classify` marks groups whose period is outside the declared periods or
unreadable (``out_of_period``), whose city or industry is empty
(``null_unit``) or not in the code list (``unknown_code``), in that order of
precedence, so each dirty row is counted once. :func:`dirty_log` counts the
rows of every indicator in each class, with the offending values and their
row counts; :func:`raise_failures` turns the classes whose policy is ``fail``
into one :class:`~dtindex.errors.DataError`. Nothing is dropped silently:
every row that does not reach a value is in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows
from ..periods import Period
from .plan import KEY_CITY, KEY_INDUSTRY, KEY_PERIOD, SourcePlan, logical_type
from .spec import Policies, SourceSpec

CATEGORIES = ("out_of_period", "null_unit", "unknown_code")
NUMBER_KINDS = ("integer", "decimal", "float")
LOG_COLUMNS = ["source", "indicator", "category", "policy", "n_rows", "detail"]
CATEGORY_TEXT = {
    "out_of_period": "rows outside the declared periods or with an unreadable time",
    "null_unit": "rows with an empty city or industry",
    "unknown_code": "rows with codes not in the code list",
    "negative": "rows with negative values",
    "null_value": "rows with an empty value (not counted in sums)",
    "zero_denominator": "unit-periods with a zero denominator (value left missing)",
}
FIX = {
    "out_of_period": "correct the times, widen 'periods', or set policies.out_of_period to 'drop'",
    "null_unit": "fill the unit columns, or set policies.null_unit to 'drop' or 'map_unknown'",
    "unknown_code": "correct the codes, add them to engine.city_codes (or industry_codes), "
                    "or set policies.unknown_code to 'drop' or 'map_unknown'",
    "negative": "correct the values, or set policies.negative to 'drop' or 'keep'",
}


# ---------------------------------------------------------------------- schema
def _lookup(schema: dict[str, str], name: str) -> str | None:
    if name in schema:
        return name
    folded = [c for c in schema if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def check_schema(source: SourceSpec, schema: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Logical types of the columns a source uses; errors for missing or mistyped columns.

    Types declared in ``columns`` replace the table's own (they are cast in
    the query). Raises :class:`DataError` naming the source, the column, what
    it is for and, for a missing column, the columns the table has.
    """
    where = f"source {source.label}"
    needed = source.needed_columns()
    missing = [c for c in needed if _lookup(schema, c) is None]
    if missing:
        raise DataError(f"{where}: columns {', '.join(map(repr, missing))} are not in the table; "
                        f"its columns are {describe_rows(list(schema), 40)}")
    types: dict[str, tuple[str, int]] = {}
    for c in needed:
        declared = source.columns.get(c)
        types[c] = logical_type(declared if declared else schema[_lookup(schema, c)])
    for role, name in (("city", source.city), ("industry", source.industry)):
        if name and types[name][0] not in ("string", "integer"):
            raise DataError(f"{where}: the {role} column {name!r} has type {_shown(schema, source, name)}; {role} codes "
                            f"must be text or whole numbers (declare one with columns: {{{name}: VARCHAR}})")
    if types[source.time][0] not in ("date", "timestamp", "string", "integer"):
        raise DataError(f"{where}: the time column {source.time!r} has type {_shown(schema, source, source.time)}; it "
                        "must be a date, a timestamp, text or a whole number")
    if source.time_format and types[source.time][0] != "string":
        raise DataError(f"{where}: time_format is for text time columns; {source.time!r} has type "
                        f"{_shown(schema, source, source.time)}")
    for ind in source.indicators:
        for m in ind.parts:
            if m is not None and m.kind == "sum" and types[m.column][0] not in NUMBER_KINDS:
                raise DataError(f"{where}: indicator {ind.code} sums {m.column!r}, which has type "
                                f"{_shown(schema, source, m.column)}; sum needs numbers (integer, decimal or double), "
                                f"or declare a numeric type with columns: {{{m.column}: DOUBLE}}")
    return types


def _shown(schema: dict[str, str], source: SourceSpec, name: str) -> str:
    return source.columns.get(name) or schema[_lookup(schema, name)]


# ---------------------------------------------------------------------- classification
@dataclass
class Classified:
    """Class of every group row: '' (clean) or one of :data:`CATEGORIES`."""

    category: np.ndarray  # object array of '' / category
    period_label: np.ndarray  # label shown for out-of-period rows


def _is_empty(values: pd.Series) -> np.ndarray:
    v = values.astype(object)
    return np.array((v.isna() | (v.astype(str) == "")).to_numpy(), dtype=bool)


def classify(frame: pd.DataFrame, plan: SourcePlan, codes: frozenset[str], period_range: tuple[int, int]) -> Classified:
    """Classify grouped rows (see the module docstring)."""
    n = len(frame)
    cat = np.full(n, "", dtype=object)
    lo, hi = period_range
    p = frame[KEY_PERIOD].astype(object)
    no_period = p.isna().to_numpy()
    ordinals = np.where(no_period, lo, pd.to_numeric(p.where(~p.isna(), lo))).astype(np.int64)
    out = no_period | (ordinals < lo) | (ordinals > hi)
    labels = period_labels(ordinals, plan.freq)
    labels[no_period] = "unreadable or empty time"
    null_unit = _is_empty(frame[KEY_CITY])
    unknown = ~null_unit & ~frame[KEY_CITY].astype(object).isin(codes).to_numpy()
    if plan.industry_key is not None:
        ind_null = _is_empty(frame[KEY_INDUSTRY])
        null_unit = null_unit | ind_null
        if plan.source.industry_codes is not None:
            unknown = unknown | ~ind_null & ~frame[KEY_INDUSTRY].astype(object).isin(set(plan.source.industry_codes)).to_numpy()
    cat[unknown] = "unknown_code"
    cat[null_unit] = "null_unit"
    cat[out] = "out_of_period"
    return Classified(cat, labels)


def _offending(frame: pd.DataFrame, plan: SourcePlan, mask: np.ndarray, rows: np.ndarray, category: str,
               cls: Classified) -> list[tuple[str, int]]:
    """Offending values with their row counts, most frequent first."""
    if category == "out_of_period":
        keys = pd.Series(cls.period_label[mask])
    elif category == "null_unit":
        city = frame[KEY_CITY].astype(object)[mask]
        txt = np.where(_is_empty(city), "empty city", "empty industry")
        keys = pd.Series(txt)
    else:
        codes = plan.source.industry_codes
        city = frame[KEY_CITY].astype(object)[mask].astype(str).to_numpy()
        keys = pd.Series(np.array([repr(c) for c in city], dtype=object))
        if plan.industry_key is not None and codes is not None:
            ind = frame[KEY_INDUSTRY].astype(object)[mask].astype(str).to_numpy()
            bad_ind = ~np.isin(ind, codes)
            keys = pd.Series(np.where(bad_ind, np.array([f"industry {x!r}" for x in ind], dtype=object), keys.to_numpy()))
    counts = pd.Series(rows[mask]).groupby(keys.to_numpy()).sum()
    counts = counts[counts > 0]
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [(str(k), int(v)) for k, v in order]


def format_values(values: list[tuple[str, int]], limit: int = 10) -> str:
    shown = ", ".join(f"{v} ({n:,} row{'s' if n != 1 else ''})" for v, n in values[:limit])
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return shown + more


def as_int(v: Any) -> int:
    """An exact count (engine integer, decimal or None) as a Python int."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return 0
    return int(v)


def ints(values: Any) -> np.ndarray:
    """Exact engine counts (int, Decimal or None = 0) as an int64 array."""
    vals = np.asarray(values)
    if vals.dtype.kind in "iu":
        return vals.astype(np.int64)
    vals = vals.astype(object)
    try:
        return vals.astype(np.int64)
    except (TypeError, ValueError):
        return np.array([as_int(v) for v in vals], dtype=np.int64)


def column_ints(frame: pd.DataFrame, name: str) -> np.ndarray:
    return ints(frame[name].to_numpy())


def period_labels(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """Labels of period ordinals (each distinct ordinal formatted once)."""
    uniq, inv = np.unique(np.asarray(ordinals, dtype=np.int64), return_inverse=True)
    return np.array([Period(freq, int(o)).label for o in uniq], dtype=object)[inv] if len(uniq) else np.array([], dtype=object)


def dirty_log(frame: pd.DataFrame, plan: SourcePlan, cls: Classified, policies: Policies) -> list[dict[str, Any]]:
    """Rows of every indicator in each dirty class, with offending values (one record per class)."""
    out = []
    for ind in plan.indicators:
        rows = column_ints(frame, f"a{ind.rows}")
        for category in CATEGORIES:
            mask = cls.category == category
            n = int(rows[mask].sum()) if mask.any() else 0
            if n == 0:
                continue
            values = _offending(frame, plan, mask, rows, category, cls)
            out.append({"source": plan.source.label, "indicator": ind.code, "category": category,
                        "policy": getattr(policies, category), "n_rows": n, "detail": format_values(values),
                        "values": values})
    return out


def raise_failures(records: list[dict[str, Any]], extra: str = "") -> None:
    """One DataError for every log record whose policy is ``fail``."""
    failing = [r for r in records if r["policy"] == "fail" and r["n_rows"] > 0]
    if not failing:
        return
    lines = []
    for r in failing[:8]:
        lines.append(f"indicator {r['indicator']}: {r['n_rows']:,} {CATEGORY_TEXT[r['category']]}: {r['detail']}")
    more = f"; and {len(failing) - 8} more" if len(failing) > 8 else ""
    cats = list(dict.fromkeys(r["category"] for r in failing))
    fixes = "; ".join(f"{c} policy is 'fail': {FIX[c]}" for c in cats)
    src = failing[0]["source"]
    raise DataError(f"source {src}: {'; '.join(lines)}{more}{extra}. The {fixes}.")


# ---------------------------------------------------------------------- exact values
def exact_units(v: Any) -> int | None:
    """An exact engine total as an integer count of ``10**-scale`` units (None stays None).

    Every sum comes back as a whole number already in those units: integer
    columns, rounded floating-point columns (a whole double) and decimal
    columns (the query multiplies the decimal total by ``10**scale``) -- an
    int, or a Decimal with no fraction from Spark. The conversion loses nothing.
    """
    if v is None:
        return None
    if isinstance(v, float):
        if np.isnan(v):
            return None
        if not v.is_integer():
            raise DataError(f"internal: an engine returned a fractional total ({v!r}) where whole units were expected")
        return int(v)
    if isinstance(v, Decimal) and v != v.to_integral_value():
        raise DataError(f"internal: an engine returned a fractional total ({v}) where whole units were expected")
    return int(v)


EXACT_DOUBLE = 2**53  # every whole number of smaller magnitude is a double


def numeric(values: Any) -> np.ndarray:
    """Engine values (int, Decimal, float or None) as doubles, NaN for None -- for signs and magnitudes only."""
    vals = np.asarray(values)
    if vals.dtype.kind in "iuf":
        return vals.astype(float)
    null = pd.isna(vals)
    out = np.where(null, 0.0, vals).astype(float)
    out[null] = np.nan
    return out


def exact_int_array(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Whole engine totals as ``(int64 array, null mask)``, without a Python loop; None when one does not fit
    in 64 bits (the caller then converts element by element)."""
    vals = np.asarray(values)
    if vals.dtype.kind in "iu":
        return vals.astype(np.int64), np.zeros(len(vals), dtype=bool)
    if vals.dtype.kind == "f":  # whole numbers held in doubles (checked to be below 2**53 by the caller)
        null = np.isnan(vals)
        return np.where(null, 0.0, vals).astype(np.int64), null
    vals = vals.astype(object)
    null = pd.isna(pd.Series(vals)).to_numpy()
    filled = vals.copy()
    filled[null] = 0
    try:
        out = filled.astype(np.int64)
    except (OverflowError, TypeError, ValueError):
        return None
    return out, null


def scaled_values(units: np.ndarray, null: np.ndarray | None, scale: int) -> np.ndarray:
    """``units / 10**scale`` as correctly rounded doubles (NaN where null; ``null`` None: none is), vectorised.

    Where ``|units| < 2**53`` (and ``scale <= 22``) both operands are exact
    doubles, so IEEE division gives the correctly rounded quotient -- the same
    double as Python's ``int / int``; other entries are divided by Python.
    ``units`` may be whole doubles below ``2**53`` (exact sums of rounded floats).
    """
    out = units.astype(float) / float(10 ** scale) if scale <= 22 else np.full(len(units), np.nan)
    if units.dtype.kind != "f" or scale > 22:
        big = (np.abs(units) >= EXACT_DOUBLE) | (scale > 22)
        if null is not None:
            big &= ~null
        for i in np.flatnonzero(big):  # rare: totals beyond 2**53 units
            out[i] = int(units[i]) / 10 ** scale
    if null is not None:
        out[null] = np.nan
    return out


def ratio_values(num: np.ndarray, num_scale: int, den: np.ndarray, den_scale: int, null: np.ndarray) -> np.ndarray:
    """:func:`ratio_value` of int64 arrays, vectorised where both scaled operands are exact doubles."""
    out = np.full(len(num), np.nan)
    ok = ~null & (den != 0)
    if max(num_scale, den_scale) > 15:
        for i in np.flatnonzero(ok):
            out[i] = ratio_value(int(num[i]), num_scale, int(den[i]), den_scale)
        return out
    # magnitudes first (in doubles, with a margin), so the int64 products below cannot overflow
    fast = ok & (np.abs(num.astype(float)) * 10.0 ** den_scale < EXACT_DOUBLE / 2) \
        & (np.abs(den.astype(float)) * 10.0 ** num_scale < EXACT_DOUBLE / 2)
    a = np.where(fast, num, 0) * np.int64(10 ** den_scale)
    b = np.where(fast, den, 1) * np.int64(10 ** num_scale)
    out[fast] = a[fast].astype(float) / b[fast].astype(float)
    for i in np.flatnonzero(ok & ~fast):  # rare: operands beyond 2**53
        out[i] = ratio_value(int(num[i]), num_scale, int(den[i]), den_scale)
    return out


def ratio_value(num: int, num_scale: int, den: int, den_scale: int) -> float:
    """``(num * 10**-num_scale) / (den * 10**-den_scale)``, correctly rounded (Python int division)."""
    return (num * 10 ** den_scale) / (den * 10 ** num_scale)
