"""DuckDB backend: the default engine, embedded, out of core.

DuckDB reads Parquet and CSV where they lie (local folders, globs,
hive-partitioned trees; object storage through its ``httpfs`` extension) and
streams them through the grouped aggregation; only the grouped result (one row
per city, industry and period) comes back to Python, never the raw records.

Memory
------
``memory_limit`` (default: half of the machine's or container's memory) caps
DuckDB's buffer pool; operators that need more (a large ``count(distinct)``)
spill to ``temp_directory`` (default: ``dtindex-duckdb`` in the system temp
folder) instead of failing. ``preserve_insertion_order`` is off because no
result depends on row order, which lets DuckDB stream without buffering.
``threads`` defaults to all cores. ``duckdb_settings`` passes any other
setting (``s3_region``, ``http_retries``...).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ..errors import DataError, SpecError
from .grouped import GroupedRows
from .spec import EngineConfig, EngineSpec, LookupSpec, SourceSpec

_TEMP_NAMES = itertools.count()


def default_memory_limit() -> str:
    """Half of the memory this process may use (container limit or physical memory), in MiB."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return f"{max(total // 2 // 2**20, 256)}MiB"


def default_temp_directory() -> str:
    return str(Path(tempfile.gettempdir()) / "dtindex-duckdb")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _path_list(paths: list[str], ext: str) -> tuple[str, bool]:
    """DuckDB list literal of the files to read; a folder means every ``*.ext`` below it."""
    out, folder = [], False
    for p in paths:
        if "://" not in p and os.path.isdir(p):
            folder = True
            out.append(str(Path(p) / "**" / f"*.{ext}"))
        else:
            out.append(p)
    return "[" + ", ".join(_quote(p) for p in out) + "]", folder


class DuckDBBackend:
    """Runs compiled plans on an in-memory DuckDB connection (see the module docstring)."""

    dialect = "duckdb"

    def __init__(self, engine: EngineSpec | None = None, *, connection: duckdb.DuckDBPyConnection | None = None):
        engine = engine or EngineSpec()
        self.engine = engine
        self._own = connection is None
        self.con = connection or duckdb.connect(":memory:")
        temp = engine.temp_directory or default_temp_directory()
        settings: dict[str, Any] = {
            "memory_limit": engine.memory_limit or default_memory_limit(),
            "temp_directory": temp,
            "preserve_insertion_order": False,
            "TimeZone": engine.timezone,
        }
        if engine.threads:
            settings["threads"] = engine.threads
        settings.update(engine.duckdb_settings)
        for name, value in settings.items():
            lit = str(value).lower() if isinstance(value, bool) else (value if isinstance(value, (int, float)) else _quote(str(value)))
            try:
                self.con.execute(f"SET {name} = {lit}")
            except duckdb.Error as exc:
                raise SpecError(f"engine: DuckDB setting {name} = {value!r} was refused: {_first(exc)}") from None
        self._attached: dict[str, str] = {}

    # ------------------------------------------------------------------ sources
    def register(self, source: SourceSpec | LookupSpec, view: str, config: EngineConfig) -> dict[str, str]:
        """Create a view named ``view`` over the source; return its columns and DuckDB types."""
        rel = self._relation(source, config)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(view)} AS SELECT * FROM {rel}")
            rows = self.con.execute(f"DESCRIBE {_ident(view)}").fetchall()
        except duckdb.Error as exc:
            raise DataError(f"source {source.label}: DuckDB cannot read {self._where(source, config)}: {_first(exc)}") from None
        return {r[0]: r[1] for r in rows}

    def column_facts(self, source: SourceSpec, config: EngineConfig, columns: list[str]) -> dict[str, Any]:
        """What the Parquet files' own statistics prove about ``columns`` (:class:`~dtindex.engine.plan.ColumnFacts`).

        Read from the files' footers (``parquet_metadata``), not from the rows: a
        column has no NULLs when every row group of every file records a null
        count of 0, and no negative value when every row group records a minimum
        of 0 or more. Missing statistics (other writers, CSV, tables) prove nothing.
        """
        from .plan import ColumnFacts

        if source.kind != "parquet" or not columns:
            return {}
        listing, _ = _path_list([config.resolve(p) for p in source.paths], "parquet")
        names = ", ".join(_quote(c) for c in columns)
        try:
            total = self.con.execute(f"SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata({listing})"
                                     ).fetchall()[0][0]
            rows = self.con.execute(
                f"SELECT path_in_schema, count(*), count(*) FILTER (WHERE stats_null_count = 0), "
                f"count(*) FILTER (WHERE TRY_CAST(coalesce(stats_min_value, stats_min) AS DOUBLE) >= 0) "
                f"FROM parquet_metadata({listing}) WHERE path_in_schema IN ({names}) GROUP BY 1").fetchall()
        except duckdb.Error:
            return {}
        return {name: ColumnFacts(no_nulls=n == total and no_null == total, nonnegative=n == total and nonneg == total)
                for name, n, no_null, nonneg in rows if total}

    def create_view(self, view: str, sql: str, *, source: SourceSpec | None = None) -> dict[str, str]:
        """Create a view from a query (a source joined to its lookup table); return its column types."""
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(view)} AS {sql}")
            rows = self.con.execute(f"DESCRIBE {_ident(view)}").fetchall()
        except duckdb.Error as exc:
            where = f"source {source.label}: " if source is not None else ""
            raise DataError(f"{where}DuckDB cannot create the joined view: {_first(exc)}") from None
        return {r[0]: r[1] for r in rows}

    def _where(self, source: SourceSpec | LookupSpec, config: EngineConfig) -> str:
        if source.kind in ("parquet", "csv"):
            return ", ".join(config.resolve(p) for p in source.paths)
        return f"table {source.table}"

    def _relation(self, source: SourceSpec | LookupSpec, config: EngineConfig) -> str:
        if source.kind == "table":
            raise DataError(f"source {source.label}: kind 'table' names a Spark/Hive catalog table and needs "
                            "engine name 'spark'; for DuckDB use kind 'duckdb' (a table in a .duckdb file), "
                            "'parquet' or 'csv'")
        if source.kind == "duckdb":
            db = config.resolve(source.database)
            if "://" not in db and not os.path.exists(db):
                raise DataError(f"source {source.label}: database file {db} not found")
            alias = self._attached.get(db)
            if alias is None:
                alias = f"dt_db_{len(self._attached)}"
                try:
                    self.con.execute(f"ATTACH {_quote(db)} AS {alias} (READ_ONLY)")
                except duckdb.Error as exc:
                    raise DataError(f"source {source.label}: cannot open DuckDB database {db}: {_first(exc)}") from None
                self._attached[db] = alias
            parts = ".".join(_ident(p) for p in source.table.split("."))
            return f"{alias}.{parts}"
        paths = [config.resolve(p) for p in source.paths]
        ext = "parquet" if source.kind == "parquet" else "csv"
        for p in paths:
            if "://" not in p and not any(ch in p for ch in "*?[") and not os.path.exists(p):
                raise DataError(f"source {source.label}: {p} not found")
        listing, folder = _path_list(paths, ext)
        hive = source.hive_partitioning if source.hive_partitioning is not None else folder
        if source.kind == "parquet":
            return f"read_parquet({listing}, hive_partitioning = {str(hive).lower()})"
        types = ", ".join(f"{_quote(c)}: {_quote(t)}" for c, t in source.reader_types().items())
        return (f"read_csv({listing}, header = {str(source.header).lower()}, delim = {_quote(source.delimiter)}, "
                f"hive_partitioning = {str(hive).lower()}, types = {{{types}}})")

    # ------------------------------------------------------------------ queries
    def query(self, sql: str, *, source: SourceSpec | None = None, typed: bool = False) -> pd.DataFrame:
        """Run one query; the (small) result as a DataFrame of exact Python values (object columns, None for NULL).

        ``typed``: numeric columns stay numpy arrays where that loses nothing
        (int64 without NULLs, float64 with NaN for NULL); the main aggregation
        query reads its result this way.

        Results travel as numpy arrays (``fetchnumpy``, about ten times faster
        than ``fetchall``) and become object columns without a Python loop.
        numpy holds 128-bit integers (``SUM`` of integers) only as doubles, so
        those columns are fetched as ``BIGINT`` plus, for the rare totals beyond
        64 bits, their exact text; results with other types (decimals, dates) use ``fetchall``.
        """
        try:
            rel = self.con.sql(sql)
            names, types = list(rel.columns), [str(t).upper() for t in rel.types]
            if not all(t in FAST_TYPES for t in types):
                cur = self.con.execute(sql)
                rows = cur.fetchall()
                return pd.DataFrame(rows, columns=names, dtype=object) if rows else \
                    pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
            huge = [n for n, t in zip(names, types) if t in ("HUGEINT", "UHUGEINT")]
            if huge:
                sel = []
                for n in names:
                    q = _ident(n)
                    if n in huge:
                        sel.append(f"TRY_CAST({q} AS BIGINT) AS {q}")
                        sel.append(f"CASE WHEN TRY_CAST({q} AS BIGINT) IS NULL AND {q} IS NOT NULL "
                                   f"THEN CAST({q} AS VARCHAR) END AS {_ident(n + ' big')}")
                    else:
                        sel.append(q)
                rel = self.con.sql(f"SELECT {', '.join(sel)} FROM ({sql}) AS q")
            arrays = rel.fetchnumpy()
        except duckdb.Error as exc:
            where = f"source {source.label}: " if source is not None else ""
            raise DataError(f"{where}DuckDB query failed: {_first(exc)}") from None
        cols = {}
        for n in names:
            if typed and n not in huge:
                native = _native(arrays[n])
                if native is not None:
                    cols[n] = native
                    continue
            col = _objects(arrays[n])
            if n in huge:
                big = _objects(arrays[n + " big"])
                for i in np.flatnonzero(pd.notna(big)):  # totals beyond 64 bits only
                    col[i] = int(big[i])
            cols[n] = pd.Series(col, dtype=object)
        return pd.DataFrame(cols, columns=names)

    @staticmethod
    def coded_sql(plan: Any, known: dict[str, tuple | None], *, tag: str = "") -> tuple[dict[str, tuple], str]:
        """The ENUM types of :meth:`grouped` (``{key: (type name, values, CREATE TYPE statement)}``) and its query.

        A key gets a type when its known values are all text (the city list,
        ``industry_codes``, text filter values).
        """
        types = {}
        for key, vals in known.items():
            if vals is None or not len(vals) or not all(isinstance(v, str) for v in vals):
                continue
            name = f"dt_enum_{tag}_{key}" if tag else f"dt_enum_{key}"
            listed = list(dict.fromkeys(vals))
            types[key] = (name, listed, f"CREATE TYPE {_ident(name)} AS ENUM ({', '.join(_quote(v) for v in listed)})")
        return types, plan.sql("duckdb", coded={k: name for k, (name, _, _) in types.items()})

    @contextmanager
    def grouped(self, plan: Any, known: dict[str, tuple], *, source: SourceSpec | None = None
                ) -> Iterator[tuple[GroupedRows | None, Any]]:
        """Run a plan's grouped query with its text keys grouped as integer codes of their known values.

        ``known``: ``{key name: the values it may take}`` -- the city list, a
        source's ``industry_codes``, the filter values of the pivot column. Each
        becomes a small DuckDB ``ENUM`` type, and the query groups by
        ``enum_code(TRY_CAST(key AS type))``: integers are cheaper to hash and
        to hand over than text, and no Python string is made per grouped row
        (the distinct values are the lists themselves). A value a list does not
        hold (an unknown or empty code) gets code ``-1``.

        Yields ``(rows, read_frame)``: ``rows`` is a
        :class:`~dtindex.engine.grouped.GroupedRows` (keys without a list are
        factorised here), or None when a column has a type this form does not
        read (decimal totals).
        ``read_frame()`` returns the grouped rows with text keys, as
        :meth:`query` (``typed``) would, for the general path on dirty data:
        the groups already read are decoded, and only rows with an unlisted
        value are read again (the follow-up query), never the whole source.
        """
        types, sql = self.coded_sql(plan, known, tag=str(next(_TEMP_NAMES)))
        enums = {key: name for key, (name, _, _) in types.items()}
        values = {key: np.asarray(listed, dtype=object) for key, (_, listed, _) in types.items()}
        try:
            try:
                for _, _, create in types.values():
                    self.con.execute(create)
                rel = self.con.sql(sql)
                names, kinds = list(rel.columns), [str(t).upper() for t in rel.types]
                huge = [nm for nm, t in zip(names, kinds) if t in ("HUGEINT", "UHUGEINT")]
                plain = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
                         "UBIGINT", "FLOAT", "DOUBLE", "VARCHAR", "BOOLEAN", "HUGEINT", "UHUGEINT"}
                rows = None
                if all(t in plain for t in kinds):
                    if huge:  # 128-bit totals (sums of integers) arrive as exact Python integers (see query)
                        frame = self.query(sql, source=source, typed=True)
                        arrays = {c: frame[c].to_numpy() for c in frame.columns}
                    else:
                        arrays = rel.fetchnumpy()
                    codes, uniques, cols = {}, {}, {}
                    for name in names:
                        col = arrays[name]
                        if name in enums:
                            codes[name], uniques[name] = _codes(col), values[name]
                        elif name in known:  # a key without a list (or not text): factorised here
                            c, u = pd.factorize(_objects(col), use_na_sentinel=True)
                            codes[name], uniques[name] = c.astype(np.int64), np.asarray(u, dtype=object)
                        else:
                            native = _native(col)
                            cols[name] = native if native is not None else _objects(col)
                    rows = GroupedRows(len(arrays[names[0]]), codes, uniques, cols)
            except duckdb.Error as exc:
                where = f"source {source.label}: " if source is not None else ""
                raise DataError(f"{where}DuckDB query failed: {_first(exc)}") from None

            def read_frame() -> pd.DataFrame:
                if rows is None:  # the coded query was not run
                    return self.query(plan.sql("duckdb"), source=source, typed=True)
                listed = np.ones(rows.n, dtype=bool)
                for key in enums:
                    listed &= rows.codes[key] >= 0
                decoded = {}
                for name in names:
                    if name in rows.codes:
                        c = rows.codes[name][listed]
                        text = rows.uniques[name][np.maximum(c, 0)] if len(rows.uniques[name]) else \
                            np.full(len(c), None, dtype=object)
                        text[c < 0] = None  # NULL (a key without a list)
                        decoded[name] = pd.Series(text, dtype=object)
                    else:
                        decoded[name] = rows.values[name][listed]
                clean = pd.DataFrame(decoded, columns=names)
                if listed.all():
                    return clean
                # groups with a value no list holds: read again with text keys, only their rows
                rest = self.query(plan.sql("duckdb", coded=enums, uncoded_only=True), source=source, typed=True)
                return rest if clean.empty else pd.concat([clean, rest], ignore_index=True)

            yield rows, read_frame
        finally:
            for enum in enums.values():
                self.con.execute(f"DROP TYPE IF EXISTS {_ident(enum)}")

    def close(self) -> None:
        if self._own:
            self.con.close()

    def __enter__(self) -> "DuckDBBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FAST_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                        "HUGEINT", "UHUGEINT", "FLOAT", "DOUBLE", "VARCHAR", "BOOLEAN"})


def _codes(values: Any) -> np.ndarray:
    """An ``enum_code`` result column as int64 codes, -1 for NULL (a value the type does not list)."""
    if isinstance(values, np.ma.MaskedArray):
        out = np.asarray(values.data).astype(np.int64)
        out[np.ma.getmaskarray(values)] = -1
        return out
    arr = np.asarray(values)
    if arr.dtype == object:
        null = pd.isna(arr)
        return np.where(null, -1, arr).astype(np.int64)
    return arr.astype(np.int64)


def _native(values: Any) -> np.ndarray | None:
    """A numeric result column as int64 (no NULLs) or float64 (NaN for NULL); None for other columns."""
    kind = np.asarray(values).dtype.kind
    if kind == "f":
        out = np.asarray(np.ma.getdata(values), dtype=np.float64).copy()
        if isinstance(values, np.ma.MaskedArray):
            out[np.ma.getmaskarray(values)] = np.nan
        return out
    if kind in "iu" and not (isinstance(values, np.ma.MaskedArray) and np.ma.getmaskarray(values).any()):
        return np.asarray(np.ma.getdata(values)).astype(np.int64)
    return None


def _objects(values: Any) -> np.ndarray:
    """A numpy result column as an object array of Python values, None where masked (NULL); no Python loop."""
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        out = np.asarray(values.data).astype(object)
        out[mask] = None
        return out
    out = np.asarray(values).astype(object)
    if out.dtype == object and np.asarray(values).dtype.kind == "f":
        out[np.isnan(np.asarray(values))] = None
    return out


def _first(exc: Exception) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return " ".join(lines[:3]) if lines else type(exc).__name__
