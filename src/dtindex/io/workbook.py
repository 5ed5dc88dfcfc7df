"""Filled-in data-entry workbooks (``dtindex init``'s ``data.xlsx``), read with cell-level errors.

Layout (``data.layout: workbook`` in the spec):

* sheets named in :data:`INFO_SHEETS` (the readme and the code list) are skipped;
* every other sheet holds the indicator table with a header row: ``uCode``, ``uName``, the
  group columns and one column per indicator. A sheet **without** a ``Time`` column is one
  period, named by the sheet (``2023Q1``, ``2023``, ``2023-01``); a sheet **with** a ``Time``
  column holds several periods (the one-sheet "period column" layout). A sheet with the
  columns ``iCode`` and ``value`` is **long**: one row per unit, period and indicator;
* an empty ``uCode`` is filled from ``uName`` when the name is a city of the shipped region
  table (full name ``杭州市`` or short name ``杭州``); units the table does not know (countries,
  enterprises) keep their own code;
* rows with nothing in them are skipped.

Every problem names the file, sheet and cell as Excel shows them:
``data.xlsx sheet 2023Q1 cell D17: "12,3" is not a number``. Numbers are checked column by
column with pandas (no per-row Python loop over the values).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ..lazy import pandas as pd

from ..errors import DataError, describe_rows
from ..periods import parse_period

#: Sheets of a dtindex template that hold explanations or reference lists, not data.
INFO_SHEETS = ("说明 readme", "代码表 codes")


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _sheet_frame(ws, where: str) -> tuple[pd.DataFrame, list[int], dict[str, int]]:
    """The sheet's rows as objects (header row 1), their Excel row numbers and each header's column index."""
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise DataError(f"{where}: the sheet is empty; row 1 must hold the column headers")
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    cols: dict[str, int] = {}
    for j, h in enumerate(header):
        if not h:
            continue
        if h in cols:
            raise DataError(f"{where} cell {_column_letter(j)}1: duplicate column header {h!r} "
                            f"(also in {_column_letter(cols[h])}1)")
        cols[h] = j
    width = len(header)
    body = [tuple(r) + (None,) * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    if not len(frame):
        return frame, [], cols
    filled = frame.apply(_text).ne("").any(axis=1)
    keep = np.flatnonzero(filled.to_numpy(dtype=bool))
    return frame.iloc[keep].reset_index(drop=True), [int(i) + 2 for i in keep], cols


def _text(values: pd.Series) -> pd.Series:
    """Cell values as stripped text ("" for empty; a whole number stored as 2023.0 reads 2023)."""
    s = values.astype(object)
    text = s.where(s.notna(), "").astype(str).str.strip()
    return text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True).astype(object)


def _numbers(values: pd.Series, rownos: list[int], col: int, where: str) -> pd.Series:
    """Numbers of one column (numeric cells, or text that parses); anything else is an error naming its cell."""
    s = values.astype(object)
    text = s.where(s.notna(), "").astype(str).str.strip()
    blank = text == ""
    parsed = pd.to_numeric(text.where(~blank, None), errors="coerce")
    bad = np.flatnonzero((~blank & (parsed.isna() | np.isinf(parsed.fillna(0.0)))).to_numpy())
    if bad.size:
        cells = [f"cell {_column_letter(col)}{rownos[i]}: \"{text.iloc[i]}\" is not a number" for i in bad[:5]]
        more = f" (and {bad.size - 5} more)" if bad.size > 5 else ""
        hint = " (use a dot as decimal separator)" if any("," in text.iloc[i] for i in bad[:5]) else ""
        raise DataError(f"{where} " + f"; {where} ".join(cells) + more + hint)
    return parsed.astype(float)


def _city_codes() -> dict[str, str]:
    from .. import regions

    t = regions.cities()
    codes = t["adcode"].astype(str)
    return {**dict(zip(t["name"].astype(str), codes)), **dict(zip(t["short_name"].astype(str), codes))}


LONG_CODE, LONG_VALUE = "iCode", "value"


def _long_to_wide(out: pd.DataFrame, frame: pd.DataFrame, rownos: list[int], cols: dict[str, int],
                  numeric: Sequence[str], groups: Sequence[str], where: str, unit_col: str, name_col: str,
                  time_col: str) -> pd.DataFrame:
    """A long sheet (one row per unit, period and indicator: ``iCode``, ``value``) as wide rows."""
    codes = _text(frame[cols[LONG_CODE]])
    bad = np.flatnonzero((~codes.isin(list(numeric))).to_numpy())
    if bad.size:
        i = int(bad[0])
        what = "empty iCode" if codes.iloc[i] == "" else f"{codes.iloc[i]!r} is not an indicator of the framework"
        raise DataError(f"{where} cell {_column_letter(cols[LONG_CODE])}{rownos[i]}: {what}; indicators are "
                        f"{describe_rows(list(numeric), 30)}")
    out = out.assign(**{LONG_CODE: codes.to_numpy(dtype=object),
                        LONG_VALUE: _numbers(frame[cols[LONG_VALUE]], rownos, cols[LONG_VALUE], where).to_numpy()})
    for g in groups:
        out[g] = _text(frame[cols[g]]).to_numpy(dtype=object)
    keys3 = [unit_col, time_col, LONG_CODE]
    dup = np.flatnonzero(out.duplicated(keys3, keep=False).to_numpy())
    if dup.size:
        u, t, c = (out[k].iloc[dup[0]] for k in keys3)
        same = (out[unit_col] == u) & (out[time_col] == t) & (out[LONG_CODE] == c)
        rows_ = [rownos[i] for i in np.flatnonzero(same.to_numpy())][:5]
        raise DataError(f"{where} rows {', '.join(map(str, rows_))}: unit {u!r}, period {t}, indicator {c} appears more "
                        "than once; give each value once")
    keys = [unit_col, time_col]
    order = pd.MultiIndex.from_frame(out[keys].drop_duplicates())  # units and periods in the sheet's order
    wide = out.pivot(index=keys, columns=LONG_CODE, values=LONG_VALUE).reindex(index=order, columns=list(numeric))
    wide.columns.name = None
    first = out.replace({name_col: {"": None}}).groupby(keys, sort=False)[[name_col, *groups]].first()
    wide = wide.join(first).reset_index()
    wide[name_col] = wide[name_col].fillna("")
    return wide[[unit_col, name_col, time_col, *groups, *numeric]]


def read_data_workbook(path: str | Path, *, numeric: Sequence[str], groups: Sequence[str] = (),
                       unit_col: str = "uCode", name_col: str = "uName", time_col: str = "Time"):
    """Read a data-entry workbook into a :class:`~dtindex.panel.Panel` (layout in the module docstring)."""
    from openpyxl import load_workbook

    from ..panel import Panel

    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    try:
        book = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise DataError(f"{p.name} could not be read as an Excel workbook: {exc}") from None
    parts: list[pd.DataFrame] = []
    try:
        sheets = [ws for ws in book.worksheets if ws.title not in INFO_SHEETS]
        if not sheets:
            raise DataError(f"{p.name}: no data sheet (only {', '.join(INFO_SHEETS)}); add one sheet per period")
        by_name = _city_codes()
        for ws in sheets:
            where = f"{p.name} sheet {ws.title}"
            frame, rownos, cols = _sheet_frame(ws, where)
            if unit_col not in cols and name_col not in cols:
                raise DataError(f"{where} row 1: no {unit_col} (or {name_col}) column; headers are "
                                f"{describe_rows(list(cols), 20)}")
            long = LONG_CODE in cols and LONG_VALUE in cols
            missing = [c for c in ([*groups] if long else [*numeric, *groups]) if c not in cols]
            if missing:
                raise DataError(f"{where} row 1: columns named in the framework are missing: {describe_rows(missing)}; "
                                f"headers are {describe_rows(list(cols), 30)}")
            if not len(frame):
                continue
            out = pd.DataFrame(index=range(len(frame)))
            codes = _text(frame[cols[unit_col]]) if unit_col in cols else pd.Series("", index=frame.index, dtype=object)
            names = _text(frame[cols[name_col]]) if name_col in cols else pd.Series("", index=frame.index, dtype=object)
            codes = codes.where(codes != "", names.map(by_name).fillna(""))
            empty = np.flatnonzero((codes == "").to_numpy())
            if empty.size:
                i = int(empty[0])
                cell = f"{_column_letter(cols.get(unit_col, cols.get(name_col, 0)))}{rownos[i]}"
                hint = f" and {names.iloc[i]!r} is not a city of the region table" if names.iloc[i] else ""
                raise DataError(f"{where} cell {cell}: empty {unit_col}{hint}; give the unit code (or a city name)")
            out[unit_col] = codes.to_numpy(dtype=object)
            out[name_col] = names.to_numpy(dtype=object)
            if time_col in cols:
                times = _text(frame[cols[time_col]])
                blank = np.flatnonzero((times == "").to_numpy())
                if blank.size:
                    raise DataError(f"{where} cell {_column_letter(cols[time_col])}{rownos[blank[0]]}: empty {time_col}")
                out[time_col] = times.to_numpy(dtype=object)
            else:
                try:
                    label = parse_period(ws.title).label
                except DataError:
                    raise DataError(f"{where}: the sheet name {ws.title!r} is not a period (e.g. 2023Q1, 2023, 2023-01) "
                                    f"and the sheet has no {time_col} column; name each data sheet by its period") from None
                out[time_col] = label
            if long:
                out = _long_to_wide(out, frame, rownos, cols, numeric, groups, where, unit_col, name_col, time_col)
                out["_sheet"] = ws.title
                parts.append(out)
                continue
            dup = np.flatnonzero(out.duplicated([unit_col, time_col], keep=False).to_numpy())
            if dup.size:
                first = out[unit_col].iloc[dup[0]]
                rows_ = [rownos[i] for i in dup if out[unit_col].iloc[i] == first][:5]
                raise DataError(f"{where} rows {', '.join(map(str, rows_))}: unit {first!r} appears more than once "
                                "in the same period; each unit needs one row per period")
            for g in groups:
                out[g] = _text(frame[cols[g]]).to_numpy(dtype=object)
            for c in numeric:
                out[c] = _numbers(frame[cols[c]], rownos, cols[c], where).to_numpy()
            out["_sheet"] = ws.title
            parts.append(out)
    finally:
        book.close()
    if not parts:
        raise DataError(f"{p.name}: the data sheets have no rows below their headers")
    df = pd.concat(parts, ignore_index=True)
    dup = df[df.duplicated([unit_col, time_col], keep=False)]
    if len(dup):
        raise DataError(f"{p.name}: unit {dup[unit_col].iloc[0]!r} in period {dup[time_col].iloc[0]} appears on sheets "
                        f"{describe_rows(list(pd.unique(dup['_sheet'])))}; each unit needs one row per period")
    # numbers go in as floats: Panel.from_frame parses them back exactly (shortest round-trip text)
    return Panel.from_frame(df.drop(columns="_sheet"), numeric=numeric, groups=groups, unit_col=unit_col, name_col=name_col,
                            time_col=time_col, source=p.name)


# ---------------------------------------------------------------------- expert-scoring workbooks
EXPERT_CODE_HEADER = "iCode"
EXPERT_SCORE_HEADER = "评分 score"
SCORE_RANGE = (1, 5)


def is_template(path: str | Path) -> bool:
    """True for an Excel workbook with a dtindex template readme sheet (``说明 readme``)."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm") or not p.exists():
        return False
    from openpyxl import load_workbook

    try:
        book = load_workbook(p, read_only=True)
    except Exception:  # not readable: the caller's reader reports it
        return False
    try:
        return INFO_SHEETS[0] in book.sheetnames
    finally:
        book.close()


def read_expert_workbook(path: str | Path) -> pd.DataFrame:
    """Read an expert-scoring template: one sheet per expert, a row per node, its score (1–5) in ``评分 score``.

    Returns the frame of :func:`dtindex.methods.expert.read_expert_scores`: index = experts
    (the sheet names), columns = node codes, float scores. Every score must be a whole
    number from 1 to 5; a problem names its cell: ``experts.xlsx sheet 专家2 cell D5: "x"
    is not a number``.
    """
    from openpyxl import load_workbook

    p = Path(path)
    try:
        book = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise DataError(f"{p.name} could not be read as an Excel workbook: {exc}") from None
    experts: dict[str, pd.Series] = {}
    try:
        for ws in book.worksheets:
            if ws.title in INFO_SHEETS:
                continue
            where = f"{p.name} sheet {ws.title}"
            frame, rownos, cols = _sheet_frame(ws, where)
            for h in (EXPERT_CODE_HEADER, EXPERT_SCORE_HEADER):
                if h not in cols:
                    raise DataError(f"{where} row 1: no column {h!r}; headers are {describe_rows(list(cols), 20)}")
            if not len(frame):
                raise DataError(f"{where}: no rows below the header")
            codes = _text(frame[cols[EXPERT_CODE_HEADER]])
            empty = np.flatnonzero((codes == "").to_numpy())
            if empty.size:
                raise DataError(f"{where} cell {_column_letter(cols[EXPERT_CODE_HEADER])}{rownos[empty[0]]}: empty iCode")
            dup = codes[codes.duplicated()]
            if len(dup):
                raise DataError(f"{where}: node {dup.iloc[0]!r} is listed twice")
            col = cols[EXPERT_SCORE_HEADER]
            scores = _numbers(frame[col], rownos, col, where)
            lo, hi = SCORE_RANGE
            bad = np.flatnonzero((scores.isna() | (scores < lo) | (scores > hi) | (scores != scores.round())).to_numpy())
            if bad.size:
                i = int(bad[0])
                got = "empty" if pd.isna(scores.iloc[i]) else f"{scores.iloc[i]:g}"
                raise DataError(f"{where} cell {_column_letter(col)}{rownos[i]}: score {got} for {codes.iloc[i]}; "
                                f"give a whole number from {lo} to {hi}")
            experts[ws.title] = pd.Series(scores.to_numpy(), index=codes.to_numpy(dtype=object))
    finally:
        book.close()
    if not experts:
        raise DataError(f"{p.name}: no expert sheet (one sheet per expert, besides {INFO_SHEETS[0]})")
    out = pd.DataFrame(experts).T
    out.index.name = "expert"
    out.attrs["source"] = p.name
    return out
