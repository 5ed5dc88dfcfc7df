"""Apache Spark backend: the same compiled plans, run by PySpark on any ``spark.master``.

This is the only dtindex module that imports ``pyspark``, and it does so
lazily: without the extra installed, choosing ``engine: spark`` says exactly
``pip install 'dtindex[spark]'``.

The session comes from ``SparkSession.builder.getOrCreate()``: under
``spark-submit`` (or in a notebook that already has a session) dtindex uses
that session and its master; otherwise ``engine.spark.master`` (for example
``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://https://...``) and
``engine.spark.conf`` configure a new one. ``spark.sql.session.timeZone`` is
set to ``engine.timezone`` so that timestamps fall into the same periods as
in DuckDB. Only the grouped result is collected to the driver.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
from sqlglot import exp

from ..errors import DataError, DtindexError
from .spec import FILTER_DIALECT, EngineConfig, EngineSpec, LookupSpec, SourceSpec

INSTALL_HINT = "pip install 'dtindex[spark]'"


def import_pyspark() -> Any:
    """The ``pyspark.sql`` module, or a clear error naming the extra to install."""
    try:
        with warnings.catch_warnings():
            # PySpark warns about pandas versions at import; dtindex collects plain rows, not pandas frames
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", UserWarning)
            import pyspark.sql as sql
    except ImportError:
        raise DtindexError(f"engine 'spark' needs PySpark, which is not installed: {INSTALL_HINT}") from None
    return sql


def spark_log_path(engine: EngineSpec) -> Path:
    """Where Spark's own console output goes (``engine.spark.log``, default ``<temp>/dtindex-spark/spark.log``)."""
    return Path(engine.spark.log) if engine.spark.log else Path(tempfile.gettempdir()) / "dtindex-spark" / "spark.log"


@contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """Point this process's stderr (file descriptor 2) at ``path`` for the duration.

    A JVM started inside inherits the descriptor, so its WARN lines and
    progress bars keep going to ``path`` after Python's stderr is restored.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


def spark_session(engine: EngineSpec) -> Any:
    """Get (or create) the Spark session the engine settings describe.

    A session dtindex starts writes Spark's console output (log4j WARN lines,
    stage progress bars) to :func:`spark_log_path`, not to the terminal: the
    JVM's stderr is that file, console progress bars are off
    (``spark.ui.showConsoleProgress``) and the log level is WARN. The user sees
    dtindex's own progress; ``engine.spark.conf`` can turn either back on.
    """
    sql = import_pyspark()
    builder = sql.SparkSession.builder.appName(engine.spark.app_name)
    if engine.spark.master:
        builder = builder.master(engine.spark.master)
    conf = {"spark.sql.session.timeZone": engine.timezone, "spark.ui.showConsoleProgress": "false", **engine.spark.conf}
    for key, value in conf.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings(), stderr_to(spark_log_path(engine)):
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("WARN")
    for key, value in conf.items():  # an existing session keeps its static settings; runtime ones can be set
        if key.startswith("spark.sql."):
            session.conf.set(key, value)
    return session


def _spark_type(sql_type: str) -> str:
    return exp.DataType.build(sql_type, dialect=FILTER_DIALECT).sql(dialect="spark")


def _first(exc: Exception) -> str:
    text = getattr(exc, "getMessage", None)
    msg = text() if callable(text) else str(exc)
    lines = [ln for ln in msg.strip().splitlines() if ln.strip() and not ln.startswith(("\tat ", "JVM stacktrace"))]
    return " ".join(lines[:2]) if lines else type(exc).__name__


class SparkBackend:
    """Runs compiled plans with Spark SQL (see the module docstring)."""

    dialect = "spark"

    def __init__(self, engine: EngineSpec | None = None, *, session: Any = None):
        self.engine = engine or EngineSpec(name="spark")
        self.spark = session if session is not None else spark_session(self.engine)
        self.log_path = None if session is not None else spark_log_path(self.engine)
        if session is not None:
            self.spark.conf.set("spark.sql.session.timeZone", self.engine.timezone)
        self._views: list[str] = []

    # ------------------------------------------------------------------ sources
    def register(self, source: SourceSpec | LookupSpec, view: str, config: EngineConfig) -> dict[str, str]:
        """Create a temporary view named ``view`` over the source; return its columns and Spark types."""
        try:
            df = self._frame(source, config)
        except DtindexError:
            raise
        except Exception as exc:  # py4j / pyspark analysis errors
            raise DataError(f"source {source.label}: Spark cannot read it: {_first(exc)}") from None
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return {f.name: f.dataType.simpleString() for f in df.schema.fields}

    def create_view(self, view: str, sql: str, *, source: SourceSpec | None = None) -> dict[str, str]:
        """Create a temporary view from a query (a source joined to its lookup table); return its column types."""
        try:
            df = self.spark.sql(sql)
        except Exception as exc:
            where = f"source {source.label}: " if source is not None else ""
            raise DataError(f"{where}Spark cannot create the joined view: {_first(exc)}") from None
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return {f.name: f.dataType.simpleString() for f in df.schema.fields}

    def _frame(self, source: SourceSpec | LookupSpec, config: EngineConfig) -> Any:
        if source.kind == "duckdb":
            raise DataError(f"source {source.label}: kind 'duckdb' (a table in a .duckdb file) is read by the duckdb "
                            "engine only; for Spark, export it to Parquet (COPY table TO 'folder' (FORMAT parquet)) "
                            "or register it as a catalog table (kind 'table')")
        if source.kind == "table":
            return self.spark.table(source.table)
        paths = [config.resolve(p) for p in source.paths]
        for p in paths:
            if "://" not in p and not any(ch in p for ch in "*?[") and not os.path.exists(p):
                raise DataError(f"source {source.label}: {p} not found")
        reader = self.spark.read
        globbed = [p for p in paths if any(ch in p for ch in "*?[")]
        if source.hive_partitioning is False:
            reader = reader.option("recursiveFileLookup", "true")
        elif globbed and len(paths) == 1:
            base = re.split(r"[*?\[]", globbed[0])[0]
            reader = reader.option("basePath", base if base.endswith("/") else os.path.dirname(base))
        if source.kind == "parquet":
            return reader.parquet(*paths)
        # every CSV column is read as text, then the used ones are cast to the same types DuckDB's reader
        # is given (SourceSpec.reader_types); with ANSI mode (Spark 4 default) a bad value raises, as in DuckDB
        df = (reader.option("header", str(source.header).lower()).option("sep", source.delimiter)
              .option("inferSchema", "false").option("mode", "FAILFAST").csv(paths))
        types = source.reader_types()
        cols = []
        for c in df.columns:
            if c in types and types[c].upper() not in ("VARCHAR", "TEXT", "STRING"):
                cols.append(f"CAST(`{c}` AS {_spark_type(types[c])}) AS `{c}`")
            else:
                cols.append(f"`{c}`")
        return df.selectExpr(*cols)

    # ------------------------------------------------------------------ queries
    def query(self, sql: str, *, source: SourceSpec | None = None) -> pd.DataFrame:
        """Run one query and collect the (small) grouped result as exact Python values."""
        try:
            df = self.spark.sql(sql)
            rows = df.collect()
        except DtindexError:
            raise
        except Exception as exc:
            where = f"source {source.label}: " if source is not None else ""
            raise DataError(f"{where}Spark query failed: {_first(exc)}") from None
        names = df.columns
        data = [tuple(r) for r in rows]
        return pd.DataFrame(data, columns=names, dtype=object) if data else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})

    def close(self) -> None:
        for view in self._views:
            try:
                self.spark.catalog.dropTempView(view)
            except Exception:  # the session may already be stopped
                pass
        self._views.clear()

    def __enter__(self) -> "SparkBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_available() -> None:
    """Raise the install hint when PySpark is missing (used before any work starts)."""
    import_pyspark()


__all__ = ["INSTALL_HINT", "SparkBackend", "check_available", "import_pyspark", "spark_session"]
