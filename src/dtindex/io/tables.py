"""Read user tables (CSV / Excel) as text, convert columns with row-level errors, write CSV.

Tables are read with every cell as text so that nothing is guessed silently;
:func:`to_numbers` then converts a column and reports the first offending cells
as ``file row N: value "x" in column C is not a number``. Row numbers are the
ones a spreadsheet shows: the header is row 1, the first data row is row 2.

There is one reader and one writer: :func:`read_text_table` reads CSV with the
standard library's :mod:`csv` module (Excel through pandas/openpyxl) into a
:class:`TextTable` of numpy text columns, so that a build from CSV tables needs
no pandas; :func:`read_table` gives the same cells as a pandas DataFrame for
code that works with frames. :func:`write_csv` writes columns (or a DataFrame)
exactly as ``DataFrame.to_csv(index=False)`` would, byte for byte (:func:`csv_text` returns that text).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import DataError

MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", ".."})
_MISSING = np.array(sorted(MISSING_TOKENS))
_RAGGED_HINT = "(an unquoted comma inside a value? quote it or use a dot as decimal separator)"


@dataclass(frozen=True, eq=False)
class TextTable:
    """A table read as text: header names and a 2-D object array of ``str`` cells (rows x columns)."""

    columns: tuple[str, ...]
    cells: np.ndarray

    def __len__(self) -> int:
        return self.cells.shape[0]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray:
        """One column as an object array of ``str``."""
        return self.cells[:, self.columns.index(name)]

    def records(self) -> list[dict[str, str]]:
        """One ``{column: cell}`` dict per row."""
        return [dict(zip(self.columns, row)) for row in self.cells.tolist()]

    def to_frame(self):
        """The same cells as a pandas DataFrame of text columns."""
        import pandas as pd

        return pd.DataFrame({c: self.cells[:, i] for i, c in enumerate(self.columns)}, columns=list(self.columns),
                            dtype=str)


def read_text_table(path: str | Path, *, sheet: str | int | None = None) -> TextTable:
    """Read a CSV (UTF-8, BOM optional), TSV or Excel (.xlsx/.xls) file with every cell as text.

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
    if suffix in (".xlsx", ".xlsm", ".xls"):
        rows = _excel_rows(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _csv_rows(path, "\t" if suffix == ".tsv" else ",")
    else:
        raise DataError(f"{path}: unsupported file type {suffix!r}; use .csv or .xlsx")
    if not rows:
        raise DataError(f"{path.name}: the file is empty; a header row is required")
    width = len(rows[0])
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    for i in np.flatnonzero(lengths < width).tolist():  # short rows (and blank lines) get empty cells
        rows[i] = rows[i] + [""] * (width - len(rows[i]))
    raw = np.empty((len(rows), width), dtype=object)
    raw[:] = rows
    header = [str(c).strip() for c in raw[0]]
    body = raw[1:]
    unnamed = [i for i, h in enumerate(header) if not h]
    if unnamed:
        with_values = [i for i in unnamed if (body[:, i] != "").any()]
        if with_values:
            i = with_values[0]
            row = int(np.flatnonzero(body[:, i] != "")[0]) + 2
            raise DataError(
                f"{path.name}: column {i + 1} has no header but holds values (first in row {row}); name the column"
            )
        keep = [i for i, h in enumerate(header) if h]
        body = body[:, keep]
        header = [header[i] for i in keep]  # empty trailing columns, as spreadsheet exports write them
    dups = sorted({c for c in header if header.count(c) > 1})
    if dups:
        raise DataError(f"{path.name}: duplicate column names: {', '.join(dups)}")
    filled = (body != "").any(axis=1) if body.shape[1] else np.zeros(len(body), bool)
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    return TextTable(tuple(header), body[:last])


def _csv_rows(path: Path, sep: str) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(f"{path}: cannot be read as a table: {exc} (line {reader.line_num + 1})") from None
    if rows and max(map(len, rows)) > len(rows[0]):  # a row with more fields than the header: find its line
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        width = len(next(reader))
        for row in reader:
            if len(row) > width:
                raise DataError(f"{path.name} row {reader.line_num}: {len(row)} fields but the header has "
                                f"{width} {_RAGGED_HINT}")
    return rows


def _excel_rows(path: Path, sheet: str | int | None) -> list[list[str]]:
    import pandas as pd

    try:
        raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, keep_default_na=False,
                            header=None)
    except ValueError as exc:
        raise DataError(f"{path}: cannot be read as a table: {exc}") from None
    return raw.fillna("").astype(str).to_numpy(dtype=object).tolist()


def read_table(path: str | Path, *, sheet: str | int | None = None):
    """:func:`read_text_table` as a pandas DataFrame of text columns (the same cells and errors)."""
    return read_text_table(path, sheet=sheet).to_frame()


def _as_text(column: Any) -> np.ndarray:
    """A column (numpy array, list or pandas Series) as a numpy ``str`` array, stripped; missing -> ``""``."""
    if hasattr(column, "isna") and hasattr(column, "to_numpy"):  # pandas: real NaN / None / NA are missing
        arr = column.to_numpy(dtype=object, na_value="")
    else:
        arr = np.asarray(column, dtype=object)
    if arr.size == 0:
        return np.array([], dtype=str)
    return np.strings.strip(arr.astype(str))


def to_numbers(column: Any, *, source: str, name: str | None = None, limit: int = 5) -> np.ndarray:
    """Convert a text column to float64; missing tokens become NaN, anything else must parse.

    Numbers are decimal (``1``, ``-2.5``, ``3e4``, ``.5``), as ``pandas.to_numeric``
    reads them; infinite values, ``1_000``, ``1,5`` and non-ASCII digits are refused.

    Raises
    ------
    DataError
        naming the file, the row numbers, the values and the column.
    """
    name = name if name is not None else str(getattr(column, "name", "value"))
    if isinstance(column, np.ndarray) and column.dtype.kind == "f":
        numbers = column.astype(np.float64)
        text = None
        bad = np.isinf(numbers)
    else:
        text = _as_text(column)
        missing = np.isin(text, _MISSING)
        candidates = np.where(missing, "nan", text)
        joined = "".join(candidates.tolist())
        try:
            if not joined.isascii() or "_" in joined:
                raise ValueError
            numbers = np.array(candidates.tolist(), dtype=np.float64)  # faster than astype from numpy text
        except ValueError:  # locate the offending cells one by one (the error path only)
            numbers = np.array([_parse(t) for t in candidates.tolist()], dtype=np.float64)
            numbers[missing] = np.nan
            bad = ~missing & (np.isnan(numbers) | np.isinf(numbers))
        else:
            bad = ~missing & ~np.isfinite(numbers)  # inf, and NaN spelt other than a missing token ("-nan")
            numbers[missing] = np.nan
    if bad.any():
        if text is None:
            text = numbers.astype(str)
        positions = np.flatnonzero(bad)
        parts = [f'row {p + 2}: value "{text[p]}"' for p in positions[:limit]]
        more = f" (and {len(positions) - limit} more rows)" if len(positions) > limit else ""
        hint = " (use a dot as decimal separator)" if any("," in text[p] for p in positions[:limit]) else ""
        raise DataError(f"{source} {'; '.join(parts)}{more} in column {name} is not a number{hint}")
    return numbers


def _parse(text: str) -> float:
    if not text.isascii() or "_" in text:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return float("nan")


# ---------------------------------------------------------------------- writing
_QUOTE_CHARS = (",", '"', "\r", "\n")
_ROWS_PER_CHUNK = 65_536


def write_csv(fh: IO[str], table: Mapping[str, Any] | Any, *, index: bool = False,
              float_format: str | None = None) -> None:
    """Write ``table`` (a mapping ``column -> values`` or a pandas DataFrame) as CSV to a text handle.

    The bytes are those of ``DataFrame(table).to_csv(fh, index=False, lineterminator="\\n")``:
    floats in their shortest round-trip form (``0.1``, ``100.0``, ``1e-05``),
    missing values (NaN, None, pandas NA) as empty cells, other values with
    ``str``, fields quoted only when needed (a comma, a double quote or a line
    break inside; quotes doubled). Open ``fh`` with ``newline=""``.

    Each column becomes a list of cell texts at C speed: number columns of at
    least :data:`FAST_TEXT_MIN` values through DuckDB's cast to text (checked
    to equal ``repr``, see :func:`_float_texts`), shorter ones by
    ``float.__repr__`` / ``int.__repr__`` mapped over the values; only object
    columns visit cells one by one. Rows are joined in chunks of 65,536, which
    is several times as fast as :class:`csv.writer` on the release tables and
    keeps memory bounded.

    ``index=True`` (a DataFrame) writes the index first, as ``to_csv`` does by
    default (one column per level, headed by the level's name or left empty);
    ``float_format`` (a %-format such as ``"%.10g"``) prints the float columns
    as ``to_csv(float_format=...)`` does.
    """
    if hasattr(table, "to_numpy") and hasattr(table, "columns"):  # a pandas DataFrame
        names = list(table.columns)
        columns = [_frame_column(table.iloc[:, i], float_format) for i in range(len(names))]
        if index:
            idx = table.index
            names = ["" if n is None else n for n in idx.names] + names
            columns = [_frame_column(idx.get_level_values(k).to_series(), float_format)
                       for k in range(idx.nlevels)] + columns
    else:
        if index:
            raise TypeError("write_csv: index=True needs a DataFrame")
        names = list(table)
        columns = [_cells(np.asarray(v) if not isinstance(v, np.ndarray) else v, float_format)
                   for v in table.values()]
    csv.writer(fh, lineterminator="\n").writerow(names)
    if not columns:
        return
    columns = [_quoted(c) for c in columns]
    if len(columns) == 1:  # csv writes a row holding one empty field as "" (otherwise the line would be blank)
        columns = [['""' if not c else c for c in columns[0]]]
    n = len(columns[0])
    for lo in range(0, n, _ROWS_PER_CHUNK):
        part = [c[lo:lo + _ROWS_PER_CHUNK] for c in columns]
        fh.write("\n".join(map(",".join, zip(*part))))
        fh.write("\n")


def csv_text(table: Mapping[str, Any] | Any) -> str:
    """The text :func:`write_csv` writes, as a string (for HTTP bodies and writers that add a BOM first)."""
    buf = io.StringIO()
    write_csv(buf, table)
    return buf.getvalue()


def _cells(values: np.ndarray, float_format: str | None = None) -> list[str]:
    """Cell texts of a numpy column: floats by ``repr`` or ``float_format`` (NaN -> ""), ints by ``repr``,
    others by ``str``."""
    kind = values.dtype.kind
    if kind == "f" and float_format is not None:
        missing = np.isnan(values)
        out = np.full(len(values), "", dtype=object)
        out[~missing] = list(map(float_format.__mod__, values[~missing].tolist()))
        return out.tolist()
    if kind == "f" and values.dtype != np.float64:  # float32/16 print their own shortest form, as pandas does
        out = values.astype(str)
        out[np.isnan(values)] = ""
        return out.tolist()
    if kind == "f":
        missing = np.isnan(values)
        if not missing.any():
            return _float_texts(values)
        out = np.full(len(values), "", dtype=object)
        out[~missing] = _float_texts(values[~missing])
        return out.tolist()
    if kind in "iu":
        if len(values) >= FAST_TEXT_MIN:
            con = _float_connection()
            if con:
                return _duckdb_texts(con, values)
        return list(map(int.__repr__, values.tolist()))
    if kind == "U":
        return values.tolist()
    return list(map(_text, values.tolist()))


#: Number columns at least this long are printed by DuckDB (its fixed cost is about a millisecond).
FAST_TEXT_MIN = 20_000
#: Values whose shortest round-trip texts are easy to get wrong: exponent thresholds (1e16, 1e-05),
#: subnormals, the largest double, signed zero, infinities, ties in the last digit.
_FLOAT_PROBE = np.array([0.0, -0.0, 0.1, 1 / 3, -2 / 3, 100.0, 1e15, 9999999999999998.0, 1e16, 1.5e16, 1e22,
                         1e-4, 1.5e-4, 1e-5, 1.2345e-5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                         np.inf, -np.inf, 0.30000000000000004, 123456789.12345679, 2.0 ** 53, 2.0 ** 53 + 2,
                         4.35, 0.015, 1e300 * 1e-300, 7.0e-10, 12345678901234567890.0])
_duckdb_floats: Any = None  # the connection, once it has passed the probe; False when it did not


def _float_texts(values: np.ndarray) -> list[str]:
    """``float.__repr__`` of every value (no NaN), i.e. the shortest text that reads back as the same double.

    Long columns are printed by DuckDB's ``DOUBLE -> VARCHAR`` cast, which gives the same texts as
    Python's ``repr`` (shortest round trip, ``1e+16``/``1e-05`` from the same exponent thresholds, ``inf``)
    about five times as fast. That equality is what this writer promises, so it is not assumed: on
    first use the cast is compared with ``repr`` on :data:`_FLOAT_PROBE`, and ``repr`` is used for good
    if any text differs (``tests/io/test_table_writer.py`` also compares millions of random doubles).
    """
    if len(values) >= FAST_TEXT_MIN:
        con = _float_connection()
        if con:
            return _duckdb_texts(con, values)
    return list(map(float.__repr__, values.tolist()))


def _duckdb_texts(con: Any, values: np.ndarray) -> list[str]:
    # read by name in the query below (DuckDB scans a local dict of numpy arrays); float64 without NaN
    # or an integer type (ints print exactly)
    col = {"x": np.ascontiguousarray(values)}  # noqa: F841
    with con.cursor() as cur:  # a cursor per call: the web app writes CSV from several threads
        return cur.execute("SELECT CAST(x AS VARCHAR) AS s FROM col").fetchnumpy()["s"].tolist()


def _float_connection() -> Any:
    global _duckdb_floats
    if _duckdb_floats is None:
        try:
            import duckdb

            con = duckdb.connect(config={"preserve_insertion_order": True})  # texts come back in row order
            same = _duckdb_texts(con, _FLOAT_PROBE) == list(map(float.__repr__, _FLOAT_PROBE.tolist()))
        except Exception:  # noqa: BLE001 - any failure means: print with repr
            con, same = None, False
        _duckdb_floats = con if same else False
    return _duckdb_floats


def _text(value: Any) -> str:
    """One cell as :class:`csv.writer` writes it (None and NaN -> "", floats by ``repr``, else ``str``)."""
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else float.__repr__(value)
    try:
        missing = bool(value != value)  # NaT
    except TypeError:  # pandas NA: its comparisons are NA
        missing = True
    except ValueError:  # an array-like cell: written with str, as csv would
        missing = False
    return "" if missing else str(value)


def _frame_column(series, float_format: str | None = None) -> list[str]:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
        return _cells(series.to_numpy(), float_format)
    if str(dtype) == "str" or (str(dtype) == "category" and str(dtype.categories.dtype) == "str"):
        out = series.to_numpy(dtype=object, na_value="")  # strings, missing -> ""
        return out.tolist()
    out = np.array(series.to_numpy(dtype=object), dtype=object)  # a copy: never write into the frame's buffer
    out[series.isna().to_numpy()] = None
    return list(map(_text, out.tolist()))


def _quoted(cells: list[str]) -> list[str]:
    """Cells as :class:`csv.writer` (QUOTE_MINIMAL) writes them: a cell holding a comma, a double quote or a
    line-break character goes through the csv module itself, so its quoting rules apply exactly."""
    joined = "\x00".join(cells)
    if not any(ch in joined for ch in _QUOTE_CHARS):
        return cells
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")

    def one(cell: str) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow([cell, ""])  # two fields, so that csv's single-empty-field rule cannot apply
        return buf.getvalue()[:-2]

    return [one(c) if any(ch in c for ch in _QUOTE_CHARS) else c for c in cells]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
