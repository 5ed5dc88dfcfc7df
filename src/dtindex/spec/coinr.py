"""COINr-compatible framework tables (``iMeta``), as CSV or Excel.

Required columns: ``iCode, iName, Parent, Level, Weight, Direction, Type``.
Optional: ``iName_en`` (English name when ``iName`` is Chinese), ``GoalMin,
GoalMax, Transform`` (``log`` or empty) for goalposts, ``Aggregation`` on
Aggregate rows (the method that forms that node), ``Denominator``, ``Target``,
``Unit``. ``Type`` is ``Indicator``, ``Aggregate``, ``Group`` (a categorical
column of the data) or ``Denominator`` (a numeric column indicators can be
divided by). ``Level`` may be empty on Group/Denominator rows; it is checked
against the hierarchy on the others. Other columns are ignored (COINr files
carry e.g. ``Unit`` and ``Target``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SpecError, describe_rows
from ..io.tables import MISSING_TOKENS, TextTable, read_text_table
from .framework import Framework, framework_from_records

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("iCode", "iName", "Parent", "Level", "Weight", "Direction", "Type")
TYPES = {"indicator": "indicator", "aggregate": "aggregate", "group": "group", "denominator": "denominator"}
AGG_ALIASES = {
    "a_amean": "arithmetic", "a_gmean": "geometric", "a_hmean": "harmonic",
    "arithmetic": "arithmetic", "geometric": "geometric", "harmonic": "harmonic", "topsis": "topsis",
    "amean": "arithmetic", "gmean": "geometric", "hmean": "harmonic",
}


def _num(value: str, *, source: str, row: int, column: str, required: bool = False) -> float | None:
    text = str(value).strip()
    if text in MISSING_TOKENS:
        if required:
            raise SpecError(f"{source} row {row}: column {column} is empty; a number is required")
        return None
    try:
        return float(text)
    except ValueError:
        raise SpecError(f'{source} row {row}: value "{text}" in column {column} is not a number') from None


def framework_from_table(df: TextTable | pd.DataFrame, *, source: str = "iMeta") -> Framework:
    """Build a :class:`Framework` from a COINr iMeta table read as text (a TextTable or a DataFrame)."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SpecError(
            f"{source}: missing columns {', '.join(missing)}; a COINr framework table needs "
            f"{', '.join(REQUIRED)} (found {', '.join(df.columns)})"
        )
    records: list[dict] = []
    groups: list[str] = []
    denominators: list[str] = []
    cols = set(df.columns)
    rows = df.records() if isinstance(df, TextTable) else df.to_dict("records")
    for pos, row in enumerate(rows):
        rownum = pos + 2
        code = str(row["iCode"]).strip()
        if not code:
            raise SpecError(f"{source} row {rownum}: column iCode is empty")
        kind = TYPES.get(str(row["Type"]).strip().lower())
        if kind is None:
            raise SpecError(
                f'{source} row {rownum}: value "{row["Type"]}" in column Type is not one of '
                "Indicator, Aggregate, Group, Denominator"
            )
        if kind == "group":
            groups.append(code)
            continue
        if kind == "denominator":
            denominators.append(code)
            continue
        rec: dict = {"code": code, "type": kind, "name": str(row["iName"]).strip() or None}
        if "iName_en" in cols:
            rec["name_en"] = str(row["iName_en"]).strip() or None
        parent = str(row["Parent"]).strip()
        rec["parent"] = None if parent in MISSING_TOKENS else parent
        level = _num(row["Level"], source=source, row=rownum, column="Level", required=True)
        if level != int(level):
            raise SpecError(f'{source} row {rownum}: value "{row["Level"]}" in column Level is not a whole number')
        rec["level"] = int(level)
        weight = _num(row["Weight"], source=source, row=rownum, column="Weight")
        if weight is None:
            if rec["parent"] is not None:
                raise SpecError(f"{source} row {rownum}: column Weight is empty for {code!r}; a number is required")
            weight = 1.0  # the top node's weight is never used
        rec["weight"] = weight
        direction = _num(row["Direction"], source=source, row=rownum, column="Direction", required=True)
        if direction not in (1.0, -1.0):
            raise SpecError(f'{source} row {rownum}: value "{row["Direction"]}" in column Direction must be 1 or -1')
        rec["direction"] = int(direction)
        for col, key in (("GoalMin", "goal_min"), ("GoalMax", "goal_max"), ("Target", "target")):
            if col in cols:
                v = _num(row[col], source=source, row=rownum, column=col)
                if v is not None:
                    rec[key] = v
        if "Transform" in cols:
            t = str(row["Transform"]).strip().lower()
            if t not in ("", "none", "log", "na"):
                raise SpecError(f'{source} row {rownum}: value "{row["Transform"]}" in column Transform must be log or empty')
            if t == "log":
                rec["transform"] = "log"
        if "Aggregation" in cols:
            agg = str(row["Aggregation"]).strip()
            if agg and agg not in MISSING_TOKENS:
                if kind != "aggregate":
                    raise SpecError(
                        f'{source} row {rownum}: column Aggregation is set on indicator {code!r}; it only applies to Aggregate rows'
                    )
                if agg.lower() not in AGG_ALIASES:
                    raise SpecError(
                        f'{source} row {rownum}: value "{agg}" in column Aggregation is not one of '
                        "arithmetic, geometric, harmonic, topsis (or COINr's a_amean, a_gmean, a_hmean)"
                    )
                rec["aggregation"] = AGG_ALIASES[agg.lower()]
        for col, key in (("Denominator", "denominator"), ("Unit", "unit")):
            if col in cols:
                v = str(row[col]).strip()
                if v and v not in MISSING_TOKENS:
                    rec[key] = v
        records.append(rec)
    fw = framework_from_records(records, groups=groups, denominators=denominators, source=source)
    unknown_denoms = sorted({n.denominator for n in fw if n.denominator and n.denominator not in denominators})
    if unknown_denoms:
        raise SpecError(
            f"{source}: Denominator column names {describe_rows(unknown_denoms)}, which are not Denominator rows "
            f"(Denominator rows: {describe_rows(denominators) or 'none'})"
        )
    return fw


def read_framework_table(path: str | Path, *, sheet: str | int | None = None) -> Framework:
    """Read a COINr iMeta table from CSV or Excel."""
    return framework_from_table(read_text_table(path, sheet=sheet), source=Path(path).name)


def framework_to_table(fw: Framework) -> pd.DataFrame:
    """Write a framework back as a COINr iMeta table (round trip of :func:`framework_from_table`)."""
    import numpy as np
    import pandas as pd

    rows = []
    for n in fw:
        rows.append({
            "iCode": n.code, "iName": n.name or "", "iName_en": n.name_en or "", "Parent": n.parent or "",
            "Level": n.level, "Weight": n.weight, "Direction": n.direction,
            "Type": "Indicator" if n.is_indicator else "Aggregate",
            "GoalMin": n.goal_min if n.goal_min is not None else np.nan,
            "GoalMax": n.goal_max if n.goal_max is not None else np.nan,
            "Transform": n.transform or "", "Aggregation": n.aggregation or "",
            "Denominator": n.denominator or "",
        })
    for g in fw.groups:
        rows.append({"iCode": g, "Type": "Group"})
    for d in fw.denominators:
        rows.append({"iCode": d, "Type": "Denominator"})
    return pd.DataFrame(rows)
