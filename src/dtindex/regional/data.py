"""Reading long-form tables for the regional analyses (CSV, Excel or Parquet), with file/row/column errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows

__all__ = ["period_order", "read_long", "wide"]


def period_order(labels) -> list:
    """Distinct period labels in time order: as periods (2021Q4 < 2022Q1, 2021-09 < 2021-10) when every
    label is a year, quarter or month of one frequency, else as text. A gap between recognised periods
    (e.g. a missing quarter) gives a warning: transitions and growth steps then span the gap."""
    import warnings

    from ..errors import DtindexWarning
    from ..periods import parse_period

    distinct = list(pd.unique(pd.Series(list(labels), dtype=object)))
    try:
        parsed = {lab: parse_period(lab) for lab in distinct}
    except DataError:
        return sorted(distinct, key=str)
    if len({p.freq for p in parsed.values()}) != 1:
        return sorted(distinct, key=str)
    order = sorted(distinct, key=lambda lab: parsed[lab].ordinal)
    ords = [parsed[lab].ordinal for lab in order]
    gaps = [f"{a} -> {b}" for a, b, x, y in zip(order, order[1:], ords, ords[1:]) if y - x != 1]
    if gaps:
        warnings.warn(f"periods are not consecutive ({', '.join(map(str, gaps[:3]))}); steps span the gaps",
                      DtindexWarning, stacklevel=2)
    return order


def _read_any(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.suffix.lower() == ".parquet":
        import duckdb

        try:
            df = duckdb.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        except duckdb.Error as exc:
            raise DataError(f"{path}: cannot be read as Parquet: {exc}") from None
        return df.astype(object).where(df.notna(), "").astype(str)
    from ..io.tables import read_table

    return read_table(path)


def read_long(path: str | Path, *, values: list[str], unit: str | None = None, time: str | None = None,
              group: str | None = None) -> pd.DataFrame:
    """Read DATA and check it: named columns exist, value columns are numbers, (unit, time) is unique.

    Returns the columns asked for, values as float, keys as stripped text, in file order. A missing
    value is an error naming its rows (regional statistics need every unit; drop or impute first).
    """
    path = Path(path)
    raw = _read_any(path)
    wanted = [c for c in (unit, time, group) if c] + list(values)
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise DataError(f"{path.name}: no column {', '.join(missing)}; columns are {describe_rows(list(raw.columns), 20)}")
    from ..io.tables import to_numbers

    out = pd.DataFrame(index=raw.index)
    for c in (unit, time, group):
        if c:
            col = raw[c].astype(str).str.strip()
            empty = np.flatnonzero((col == "").to_numpy())
            if empty.size:
                raise DataError(f"{path.name} row {empty[0] + 2}: column {c} is empty"
                                + (f" (and {empty.size - 1} more rows)" if empty.size > 1 else ""))
            out[c] = col
    for c in values:
        x = to_numbers(raw[c], source=path.name, name=c)
        nan = np.flatnonzero(np.isnan(x))
        if nan.size:
            rows = ", ".join(str(i + 2) for i in nan[:5])
            raise DataError(f"{path.name} rows {rows}{' ...' if nan.size > 5 else ''}: column {c} has no value; "
                            "every unit needs a value (drop or impute those rows first)")
        out[c] = x
    keys = [c for c in (unit, time) if c]
    if unit:
        dup = out.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            rows = np.flatnonzero(dup)
            raise DataError(f"{path.name} rows {', '.join(str(i + 2) for i in rows[:6])}: the same "
                            f"{' and '.join(keys)} appears more than once")
    if out.empty:
        raise DataError(f"{path.name}: no data rows")
    return out


def wide(df: pd.DataFrame, value: str, unit: str, time: str, *, balanced: bool = True) -> pd.DataFrame:
    """Units x periods table (periods in sorted order); with ``balanced`` a missing cell is an error."""
    W = df.pivot(index=unit, columns=time, values=value)
    W = W.reindex(columns=period_order(W.columns))
    if balanced and W.isna().any().any():
        lacking = W.index[W.isna().any(axis=1)].tolist()
        raise DataError(f"units {describe_rows(lacking)} lack a value in some period; this method needs every unit "
                        "in every period")
    return W
