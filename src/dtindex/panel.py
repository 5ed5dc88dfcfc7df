"""Panel data: units x periods x columns, held as dense numpy arrays.

A :class:`Panel` is balanced on purpose: it has one row per (period, unit) pair,
ordered by period then by unit (units in the order they first appear in the
input), and a ``present`` mask saying which rows were in the input. A
cross-section is a panel with one period whose label is ``""``.

Row ``r`` belongs to unit ``r % n_units`` and period ``r // n_units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import DataError, describe_rows
from .io.tables import TextTable, _as_text, read_text_table, to_numbers
from .periods import Period, parse_periods

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class Panel:
    """Indicator values (and auxiliary columns) for units over periods.

    Attributes
    ----------
    units : tuple of str
        Unit codes (``uCode``), in first-seen order.
    unit_names : tuple of str
        Unit names (``uName``), ``""`` when none were given.
    periods : tuple of Period or None
        Chronological; ``(None,)`` for a cross-section.
    values : dict of str -> ndarray
        Numeric columns (indicators and denominators), each of length
        ``n_units * n_periods``; NaN = missing.
    groups : dict of str -> ndarray
        Categorical columns (COINr ``Group`` rows), object arrays, ``""`` = none.
    present : ndarray of bool
        True where the (unit, period) row exists in the input.
    source : str
        Where the data came from, for messages.
    """

    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    periods: tuple[Period | None, ...]
    values: dict[str, np.ndarray]
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    present: np.ndarray | None = None
    source: str = "data"

    # ------------------------------------------------------------------ shape
    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def n_obs(self) -> int:
        return self.n_units * self.n_periods

    @property
    def has_time(self) -> bool:
        return self.periods[0] is not None

    @property
    def period_labels(self) -> tuple[str, ...]:
        return tuple("" if p is None else p.label for p in self.periods)

    @property
    def unit_index(self) -> np.ndarray:
        """Unit position of every row."""
        return np.tile(np.arange(self.n_units), self.n_periods)

    @property
    def period_index(self) -> np.ndarray:
        """Period position of every row."""
        return np.repeat(np.arange(self.n_periods), self.n_units)

    def period_position(self, label: str | Period) -> int:
        key = label.label if isinstance(label, Period) else str(label)
        labels = self.period_labels
        if key not in labels:
            raise DataError(f"{self.source}: period {key!r} is not in the data; periods are {describe_rows(labels)}")
        return labels.index(key)

    def row_label(self, row: int) -> str:
        """Human label of a row for error messages: ``uCode`` or ``uCode 2021Q1``."""
        unit = self.units[row % self.n_units]
        period = self.periods[row // self.n_units]
        return unit if period is None else f"{unit} {period.label}"

    def row_labels(self) -> np.ndarray:
        """Labels of every row, ``uCode`` or ``uCode 2021Q1`` (object array)."""
        units = np.array(self.units, dtype=object)[self.unit_index]
        if not self.has_time:
            return units
        return units + " " + np.array(self.period_labels, dtype=object)[self.period_index]

    def with_values(self, values: dict[str, np.ndarray]) -> "Panel":
        return Panel(self.units, self.unit_names, self.periods, values, self.groups, self.present, self.source)

    def column(self, code: str) -> np.ndarray:
        try:
            return self.values[code]
        except KeyError:
            raise DataError(
                f"{self.source}: no column {code!r}; numeric columns are {describe_rows(self.values, 20)}"
            ) from None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        df: TextTable | pd.DataFrame,
        *,
        numeric: Sequence[str],
        groups: Sequence[str] = (),
        unit_col: str = "uCode",
        name_col: str = "uName",
        time_col: str = "Time",
        source: str = "data",
    ) -> "Panel":
        """Build a panel from a wide table (COINr iData layout) read as text.

        ``df`` is a :class:`~dtindex.io.tables.TextTable` or a pandas DataFrame.
        One row per unit (and period); ``numeric`` columns are parsed with
        row-level errors; ``groups`` are kept as text. A column named in
        ``numeric`` or ``groups`` but absent is an error listing what exists.
        """
        cols = list(df.columns)
        if unit_col not in cols:
            raise DataError(f"{source}: no unit column {unit_col!r}; columns are {describe_rows(cols, 20)}")
        missing = [c for c in [*numeric, *groups] if c not in cols]
        if missing:
            raise DataError(
                f"{source}: columns named in the framework are missing from the data: {describe_rows(missing)}; "
                f"data columns are {describe_rows(cols, 30)}"
            )
        codes = _as_text(df[unit_col])
        empty = np.flatnonzero(codes == "")
        if empty.size:
            raise DataError(f"{source} row {empty[0] + 2}: empty {unit_col}; every row needs a unit code")
        tvals = _as_text(df[time_col]) if time_col in cols else None
        has_time = tvals is not None and bool((tvals != "").any())
        if has_time:
            blank = np.flatnonzero(tvals == "")
            if blank.size:
                raise DataError(f"{source} row {blank[0] + 2}: empty {time_col} while other rows have one")
            parsed = parse_periods(tvals.tolist(), where=source)
            distinct = sorted(set(parsed))
            pos = {p: i for i, p in enumerate(distinct)}
            period_of_row = np.array([pos[p] for p in parsed], dtype=np.int64)
            periods: tuple[Period | None, ...] = tuple(distinct)
        else:
            period_of_row = np.zeros(len(codes), dtype=np.int64)
            periods = (None,)
        n_rows = len(codes)
        unit_codes, unit_of_row = np.unique(codes, return_inverse=True)
        first_seen = np.full(len(unit_codes), n_rows)
        np.minimum.at(first_seen, unit_of_row, np.arange(n_rows))
        order = np.argsort(first_seen, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        unit_of_row = rank[unit_of_row]
        units = tuple(unit_codes[order].tolist())
        n_units = len(units)
        row_pos = period_of_row * n_units + unit_of_row
        counts = np.bincount(row_pos, minlength=n_units * len(periods))
        if (counts > 1).any():
            dup = np.flatnonzero(counts[row_pos] > 1)
            first = dup[0]
            where = f" in period {periods[period_of_row[first]]}" if has_time else ""
            raise DataError(
                f"{source} rows {', '.join(str(r + 2) for r in dup[:5])}: unit {str(codes[first])!r}{where} "
                f"appears more than once; each unit needs one row per period"
            )
        n_obs = n_units * len(periods)
        values = {}
        for col in numeric:
            arr = np.full(n_obs, np.nan)
            arr[row_pos] = to_numbers(df[col], source=source, name=col)
            values[col] = arr
        group_arrays = {}
        for col in groups:
            arr = np.full(n_obs, "", dtype=object)
            arr[row_pos] = _as_text(df[col]).tolist()
            group_arrays[col] = arr
        names = [""] * n_units
        if name_col in cols:
            name_vals = _as_text(df[name_col])
            named = np.flatnonzero(name_vals != "")
            # first non-empty name per unit
            _, first = np.unique(unit_of_row[named], return_index=True)
            for row in named[first].tolist():
                names[int(unit_of_row[row])] = str(name_vals[row])
        present = np.zeros(n_obs, dtype=bool)
        present[row_pos] = True
        return cls(units, tuple(names), periods, values, group_arrays, present, source)

    @classmethod
    def from_long(
        cls,
        df: pd.DataFrame,
        *,
        unit_col: str = "uCode",
        time_col: str = "Time",
        code_col: str = "iCode",
        value_col: str = "value",
        groups: Sequence[str] = (),
        source: str = "data",
    ) -> "Panel":
        """Build a panel from a long table ``uCode, Time, iCode, value`` (+ group columns).

        Group columns repeat on every row of a unit (and period); a unit whose
        group value differs between its rows is reported as a duplicate row.
        """
        import pandas as pd

        if isinstance(df, TextTable):
            df = df.to_frame()
        need = [unit_col, code_col, value_col, *groups]
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise DataError(
                f"{source}: long layout needs columns {', '.join(need)} (and optionally {time_col}); "
                f"missing {', '.join(missing)}; columns are {describe_rows(df.columns, 20)}"
            )
        df = df.copy()
        for col in (unit_col, code_col) + ((time_col,) if time_col in df.columns else ()):
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str).str.strip()
            empty = np.flatnonzero((df[col] == "").to_numpy())
            if empty.size and not (col == time_col and empty.size == len(df)):
                raise DataError(f"{source} row {empty[0] + 2}: empty {col}; every row of the long layout needs one")
        if time_col in df.columns and (df[time_col] == "").all():
            df = df.drop(columns=time_col)  # an empty Time column: a cross-section, as in the wide layout
        if time_col in df.columns:
            parse_periods(df[time_col].tolist(), where=source)  # row numbers of the long file
        keys = [unit_col] + ([time_col] if time_col in df.columns else [])
        dup = df.duplicated(keys + [code_col], keep=False).to_numpy()
        if dup.any():
            rows = np.flatnonzero(dup)[:5] + 2
            raise DataError(f"{source} rows {', '.join(map(str, rows))}: the same unit, period and indicator appear more than once")
        to_numbers(df[value_col], source=source, name=value_col)  # row-level errors before reshaping
        for g in groups:
            df[g] = df[g].astype(object).where(df[g].notna(), "").astype(str).str.strip()
            n_values = df.groupby(keys, sort=False)[g].transform("nunique").to_numpy()
            if (n_values > 1).any():
                first = int(np.flatnonzero(n_values > 1)[0])
                same = (df[keys] == df.loc[first, keys]).all(axis=1).to_numpy()
                rows = np.flatnonzero(same)
                values = sorted(set(df.loc[same, g]))
                where = " ".join(str(df.loc[first, k]) for k in keys)
                raise DataError(
                    f"{source} rows {', '.join(str(r + 2) for r in rows[:5])}: group column {g} has different values "
                    f"for {where} ({', '.join(map(repr, values))}); a unit has one {g} per period"
                )
        wide = df.pivot(index=keys + list(groups), columns=code_col, values=value_col).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        order = pd.unique(df[unit_col])
        wide["__order"] = wide[unit_col].map({u: i for i, u in enumerate(order)})
        wide = wide.sort_values(["__order"], kind="stable").drop(columns="__order").fillna("")
        codes = [c for c in pd.unique(df[code_col])]
        return cls.from_frame(wide, numeric=codes, groups=groups, unit_col=unit_col, time_col=time_col, source=source)

    # ------------------------------------------------------------------ output
    def to_frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Wide table of present rows: uCode, uName, Time, groups, numeric columns."""
        cols = list(self.values) if columns is None else list(columns)
        mask = self.present if self.present is not None else np.ones(self.n_obs, bool)
        import pandas as pd

        out = {
            "uCode": np.array(self.units, dtype=object)[self.unit_index][mask],
            "uName": np.array(self.unit_names, dtype=object)[self.unit_index][mask],
            "Time": np.array(self.period_labels, dtype=object)[self.period_index][mask],
        }
        for g, arr in self.groups.items():
            out[g] = arr[mask]
        for c in cols:
            out[c] = self.values[c][mask]
        return pd.DataFrame(out)


def read_panel(
    path: str | Path,
    *,
    numeric: Sequence[str],
    groups: Sequence[str] = (),
    layout: str = "wide",
    sheet: str | int | None = None,
    unit_col: str = "uCode",
    name_col: str = "uName",
    time_col: str = "Time",
) -> Panel:
    """Read a data file in the COINr iData (wide) or long layout."""
    df = read_text_table(path, sheet=sheet)
    source = Path(path).name
    if layout == "long":
        panel = Panel.from_long(df, unit_col=unit_col, time_col=time_col, groups=groups, source=source)
        missing = [c for c in numeric if c not in panel.values]
        if missing:
            raise DataError(
                f"{source}: no values for indicators {describe_rows(missing)}; indicator codes in the file: "
                f"{describe_rows(panel.values, 20)}"
            )
        return panel
    return Panel.from_frame(df, numeric=numeric, groups=groups, unit_col=unit_col, name_col=name_col,
                            time_col=time_col, source=source)
