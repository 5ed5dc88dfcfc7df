"""Read user tables (CSV / Excel) as text, then convert columns with row-level errors.

Tables are read with every cell as text so that nothing is guessed silently;
:func:`to_numbers` then converts a column and reports the first offending cells
as ``file row N: value "x" in column C is not a number``. Row numbers are the
ones a spreadsheet shows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", ".."})


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, BOM optional) or Excel (.xlsx/.xls) file with every cell as text.

    Empty cells become ``""``; surrounding whitespace of headers is stripped.
    Row positions match the file: a blank line in the middle stays as an empty
    row (so later row numbers are right and the row itself is reported), only
    trailing blank lines are dropped. A row with more fields than the header,
    and duplicate header names, are errors.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, keep_default_na=False,
                                header=None)
        elif suffix in (".csv", ".txt", ".tsv"):
            raw = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None,
                skip_blank_lines=False, sep="\t" if suffix == ".tsv" else ",",
            )
        else:
            raise DataError(f"{path}: unsupported file type {suffix!r}; use .csv or .xlsx")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8") from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise DataError(
                f"{path.name} row {m.group(2)}: {m.group(3)} fields but the header has {m.group(1)} "
                "(an unquoted comma inside a value? quote it or use a dot as decimal separator)"
            ) from None
        raise DataError(f"{path}: cannot be read as a table: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: cannot be read as a table: {exc}") from None
    if raw.empty:
        raise DataError(f"{path.name}: the file is empty; a header row is required")
    raw = raw.fillna("").astype(str)
    header = [str(c).strip() for c in raw.iloc[0]]
    unnamed = [i for i, h in enumerate(header) if not h]
    if unnamed:
        with_values = [i for i in unnamed if (raw.iloc[1:, i] != "").any()]
        if with_values:
            i = with_values[0]
            row = int(np.flatnonzero((raw.iloc[1:, i] != "").to_numpy())[0]) + 2
            raise DataError(
                f"{path.name}: column {i + 1} has no header but holds values (first in row {row}); name the column"
            )
        keep = [i for i, h in enumerate(header) if h]
        raw = raw.iloc[:, keep]
        header = [header[i] for i in keep]  # empty trailing columns, as spreadsheet exports write them
    dups = sorted({c for c in header if header.count(c) > 1})
    if dups:
        raise DataError(f"{path.name}: duplicate column names: {', '.join(dups)}")
    df = raw.iloc[1:].reset_index(drop=True)
    df.columns = header
    filled = (df != "").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    return df.iloc[:last].reset_index(drop=True)


def to_numbers(column: pd.Series, *, source: str, name: str | None = None, limit: int = 5) -> np.ndarray:
    """Convert a text column to float64; missing tokens become NaN, anything else must parse.

    Raises
    ------
    DataError
        naming the file, the row numbers, the values and the column.
    """
    name = name or str(column.name)
    text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
    missing = text.isin(MISSING_TOKENS)
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce")
    bad = (numbers.isna() | np.isinf(numbers.fillna(0.0))) & ~missing
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        parts = [f'row {p + 2}: value "{text.iloc[p]}"' for p in positions[:limit]]
        more = f" (and {len(positions) - limit} more rows)" if len(positions) > limit else ""
        hint = " (use a dot as decimal separator)" if any("," in text.iloc[p] for p in positions[:limit]) else ""
        raise DataError(f"{source} {'; '.join(parts)}{more} in column {name} is not a number{hint}")
    return numbers.to_numpy(dtype=float)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
