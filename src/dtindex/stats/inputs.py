"""Input tables of the statistics commands: files (CSV / Excel / Parquet) or a release folder.

Every reader returns a :class:`pandas.DataFrame` whose index labels the rows the
way the user sees them, so a dropped or malformed row can be named:

* files: the spreadsheet row number (header = row 1, first data row = row 2);
* releases: ``"<uCode> <Time>"``;
* a DataFrame passed to the library: its own index.

:func:`numeric_columns` checks that requested columns exist (listing the
available ones otherwise) and converts them to float, naming file, row and
column of a value that is not a number. :func:`complete_cases` drops rows with
a missing value listwise and returns which rows it dropped, so that every
estimator can report them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows
from ..io.tables import MISSING_TOKENS, read_table, to_numbers

ID_COLUMNS = ("uCode", "Time")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq")


@dataclass(frozen=True)
class Dropped:
    """Rows left out of an estimation because a used column is missing in them."""

    rows: tuple
    columns: dict[str, int]  # column -> number of missing values among the used rows

    @property
    def count(self) -> int:
        return len(self.rows)

    def message(self, source: str = "data") -> str:
        """One sentence for the user (empty when nothing was dropped)."""
        if not self.rows:
            return ""
        cols = ", ".join(f"{c} ({n})" for c, n in self.columns.items() if n)
        return (f"{source}: {self.count} row(s) with a missing value dropped listwise "
                f"(missing in {cols}): rows {describe_rows(self.rows)}")


def source_name(data: pd.DataFrame) -> str:
    """The name used in messages: the file or release a table was read from, else ``data``."""
    return str(data.attrs.get("source", "data"))


def read_data(path: str | Path, *, build: str | Sequence[str] | None = None,
              sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV / TSV / Excel / Parquet file, or a release folder, for analysis.

    Files are read as text (nothing guessed); columns are converted to numbers
    when an analysis uses them (:func:`numeric_columns`). A release folder (or the
    output folder of ``dtindex demo``, which holds ``release/``) gives
    :func:`release_frame`. ``build`` only applies to releases, ``sheet`` only to
    Excel files.
    """
    path = Path(path)
    if path.is_dir():
        if not (path / "release.json").exists() and (path / "release" / "release.json").exists():
            path = path / "release"  # the output folder of `dtindex demo`
        return release_frame(path, build=build)
    if build:
        raise DataError(f"{path}: --build applies to a release folder, not to a file")
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; use a .csv, .tsv, .xlsx or .parquet file, "
                        "or a release folder")
    if path.suffix.lower() in (".parquet", ".pq"):
        df = _read_parquet(path)
    else:
        df = read_table(path, sheet=sheet)
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    df.attrs["source"] = path.name
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    import duckdb  # already a dependency; pandas would need pyarrow for Parquet

    try:
        con = duckdb.connect()
        try:
            df = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise DataError(f"{path}: cannot be read as a Parquet file: {exc}") from None
    return df


def release_frame(path: str | Path, *, build: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The wide table of a release: one row per unit and period, one column per index node.

    Columns: ``uCode``, ``Time``, the unit metadata of the build's unit file
    (e.g. ``name``, ``province``, ``tier_2025``, ``cluster`` for the demo's
    city build) and every node code of the build (the top node, layers,
    sub-indices and indicator scores). ``build`` names one build or several
    (their rows are joined on ``uCode`` and ``Time``; a code held by two builds
    becomes ``build:code``); by default the ``city`` build, else the first.
    """
    from ..release import Release

    rel = Release.load(path)
    names = _build_names(rel, build)
    frames = []
    codes_seen: dict[str, int] = {}
    for name in names:
        for code in rel[name].framework.codes:
            codes_seen[code] = codes_seen.get(code, 0) + 1
    for name in names:
        b = rel[name]
        keys = pd.MultiIndex.from_frame(b.scores[["uCode", "Time"]].drop_duplicates())  # file order
        wide = b.scores.pivot(index=["uCode", "Time"], columns="iCode", values="value").reindex(keys)
        order = [c for c in b.framework.output_order() if c in wide.columns]
        wide = wide[order]
        wide.columns = [c if codes_seen.get(c, 1) < 2 else f"{name}:{c}" for c in wide.columns]
        wide.columns.name = None
        frames.append(wide)
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, how="outer")
    out = out.reset_index()
    meta_units = _unit_metadata(rel, names)
    if meta_units is not None:
        extra = [c for c in meta_units.columns if c not in out.columns and c != "_key"]
        out = out.merge(meta_units[["_key", *extra]], left_on="uCode", right_on="_key", how="left").drop(columns="_key")
        out = out[["uCode", "Time", *extra, *[c for c in out.columns if c not in ("uCode", "Time", *extra)]]]
    out.index = pd.Index(out["uCode"].astype(str) + " " + out["Time"].astype(str), name="row")
    out.attrs["source"] = Path(path).name + (f" ({', '.join(names)})" if len(rel.builds) > 1 else "")
    return out


def _build_names(rel, build) -> list[str]:
    if build is None or build == "" or build == ():
        names = ["city"] if "city" in rel.builds else list(rel.builds)[:1]
    elif isinstance(build, str):
        names = [b.strip() for b in build.split(",") if b.strip()]
    else:
        names = list(build)
    if not names:
        raise DataError(f"{rel.path}: the release holds no builds")
    for n in names:
        rel[n]  # raises DataError naming the builds
    return names


def _unit_metadata(rel, names: list[str]) -> pd.DataFrame | None:
    files = rel.meta.get("unit_files") or {}
    for name in names:
        fname = files.get(name)
        if fname and (rel.path / fname).exists():
            units = read_table(rel.path / fname)
            key = "uCode" if "uCode" in units.columns else units.columns[0]
            return units.rename(columns={key: "_key"})
    return None


def check_columns(data: pd.DataFrame, columns: Sequence[str], *, role: str = "column") -> None:
    """Raise :class:`DataError` naming unknown columns and listing the available ones."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        avail = ", ".join(map(str, data.columns))
        raise DataError(f"{source_name(data)}: unknown {role} {', '.join(map(repr, missing))}; "
                        f"the columns are: {avail}")
    dups = sorted({c for c in columns if list(columns).count(c) > 1})
    if dups:
        raise DataError(f"{source_name(data)}: column {', '.join(map(repr, dups))} given twice")


def numeric_columns(data: pd.DataFrame, columns: Sequence[str], *, role: str = "column") -> pd.DataFrame:
    """The given columns as float64 (missing values NaN), with the input's row labels.

    Text columns are parsed; a value that is not a number raises
    ``<file> row N: value "x" in column C is not a number``.
    """
    check_columns(data, columns, role=role)
    src = source_name(data)
    out = {}
    for c in columns:
        col = data[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            vals = col.to_numpy(dtype=float, na_value=np.nan)
            bad = np.isinf(vals)
            if bad.any():
                label = data.index[int(np.flatnonzero(bad)[0])]
                raise DataError(f"{src} row {label}: value {vals[bad][0]} in column {c} is not a finite number")
        else:
            vals = _parse(col, src, c, data.index)
        out[c] = vals
    return pd.DataFrame(out, index=data.index)


def _parse(col: pd.Series, src: str, name: str, index: pd.Index) -> np.ndarray:
    try:
        return to_numbers(col.reset_index(drop=True), source=src, name=name)
    except DataError as exc:
        if isinstance(index, pd.RangeIndex) and index.start == 2 and index.step == 1:
            raise  # file rows: to_numbers' row numbers are the file's
        # re-word with the caller's row labels
        text = col.astype(object).where(col.notna(), "").astype(str).str.strip()
        missing = text.isin(MISSING_TOKENS)
        bad = pd.to_numeric(text.where(~missing, None), errors="coerce").isna() & ~missing
        pos = np.flatnonzero(bad.to_numpy())
        parts = [f'row {index[p]}: value "{text.iloc[p]}"' for p in pos[:5]]
        more = f" (and {len(pos) - 5} more rows)" if len(pos) > 5 else ""
        raise DataError(f"{src} {'; '.join(parts)}{more} in column {name} is not a number") from exc


def complete_cases(frame: pd.DataFrame, extra: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Dropped]:
    """Keep rows without a missing value in ``frame`` (and in ``extra``'s columns); report the rest."""
    na = frame.isna()
    if extra is not None:
        na = pd.concat([na, extra.isna() | (extra.astype(str) == "")], axis=1)
    drop = na.any(axis=1).to_numpy()
    dropped = Dropped(tuple(frame.index[drop]), {c: int(na[c].sum()) for c in na.columns})
    return frame.loc[~drop], dropped


PERIOD_COLUMNS = ("Time", "time", "year", "Year", "period", "Period")


def select_period(data: pd.DataFrame, period: str | None, *, time: str | None = None) -> pd.DataFrame:
    """The rows of one period: ``time`` column equal to ``period`` (all rows when ``period`` is None).

    ``time`` defaults to the first of ``Time``, ``time``, ``year``, ``Year``, ``period``, ``Period`` present.
    """
    if period is None:
        return data
    if time is None:
        time = next((c for c in PERIOD_COLUMNS if c in data.columns), None)
        if time is None:
            raise DataError(f"{source_name(data)}: no period column ({', '.join(PERIOD_COLUMNS)}) to select "
                            f"period {period!r}; the columns are: {', '.join(map(str, data.columns))}")
    check_columns(data, [time], role="period column")
    labels = data[time].astype(str).str.strip()
    keep = labels == str(period).strip()
    if not keep.any():
        found = ", ".join(pd.unique(labels)[:20])
        raise DataError(f"{source_name(data)}: no rows with {time} = {period!r}; the periods are: {found}")
    out = data.loc[keep]
    out.attrs = dict(data.attrs)
    return out
