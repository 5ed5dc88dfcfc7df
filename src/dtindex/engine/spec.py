"""The ``sources`` and ``engine`` sections of an index spec, validated.

``IndexSpec.sources`` and ``IndexSpec.engine`` are free-form in the spec model;
this module turns them into typed, validated models:

* :class:`SourceSpec` -- one raw table (Parquet files or hive-partitioned
  folders, CSV, a DuckDB database table, or a Spark/Hive catalog table) with its
  unit columns (city code, optional industry), its time column and grain, its
  dirty-data policies and the indicators measured on it.
* :class:`IndicatorDef` -- one indicator: a measure (``sum(col)``,
  ``count(*)``, ``count(distinct col)`` or a ratio ``A / B`` of two of them)
  and optional filter expressions (SQL, parsed and checked with sqlglot).
* :class:`EngineSpec` -- which backend runs the aggregation (``duckdb`` or
  ``spark``), its resources, the workspace store and the default policies.

Everything is parsed once by :func:`engine_config`, which also resolves
relative paths against the spec's folder. Messages name the source and the
setting that is wrong, in the project's one template for bad choices.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlglot import exp

from ..errors import SpecError, check_choice
from ..periods import Period, parse_period, period_range
from ..spec.framework import _pydantic_message

ENGINES = ("duckdb", "spark")
KINDS = ("parquet", "csv", "duckdb", "table")
GRAINS = ("day", "month", "quarter", "year")
GRAIN_RANK = {"day": 0, "month": 1, "quarter": 2, "year": 3}
FREQ_OF_GRAIN = {"month": "month", "quarter": "quarter", "year": "year"}
POLICY_CHOICES = {
    "unknown_code": ("fail", "drop", "map_unknown"),
    "null_unit": ("fail", "drop", "map_unknown"),
    "negative": ("fail", "drop", "keep"),
    "out_of_period": ("fail", "drop"),
}
EMPTY_CHOICES = ("missing", "zero")
FILTER_DIALECT = "duckdb"
DEFAULT_FLOAT_SCALE = 6


class Policies(BaseModel):
    """What to do with dirty rows; every count is reported in the build log.

    ``unknown_code``: a city code not in the city list (or an industry not in
    ``industry_codes``). ``null_unit``: an empty or null city (or industry).
    ``negative``: a negative value of a summed column (``keep`` sums it, e.g.
    refunds). ``out_of_period``: a time outside the declared periods or one
    that cannot be read. ``map_unknown`` puts the rows into the unit named by
    ``engine.unknown_unit``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    unknown_code: str = "fail"
    null_unit: str = "fail"
    negative: str = "fail"
    out_of_period: str = "fail"

    @model_validator(mode="after")
    def _check(self) -> "Policies":
        for name, allowed in POLICY_CHOICES.items():
            check_choice("policies", name, getattr(self, name), allowed)
        return self


class SparkSettings(BaseModel):
    """Spark session settings: ``master`` (``local[2]``, ``spark://host:7077``,
    ``yarn``, ``k8s://...``; unset = whatever ``spark-submit`` or an existing
    session gives), ``app_name``, any ``conf`` key (``spark.executor.memory``...)
    and ``log``: the file that receives Spark's own console output (its WARN
    lines and progress bars) when dtindex starts the session (default
    ``dtindex-spark/spark.log`` in the system temp folder)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    master: str | None = None
    app_name: str = "dtindex"
    conf: dict[str, str] = Field(default_factory=dict)
    log: str | None = None

    @field_validator("conf", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return {str(k): str(x).lower() if isinstance(x, bool) else str(x) for k, x in v.items()} if isinstance(v, dict) else v


class EngineSpec(BaseModel):
    """The ``engine`` section of a spec.

    ``memory_limit``, ``temp_directory`` and ``threads`` are DuckDB settings
    (defaults: half the machine's memory, a ``dtindex-duckdb`` folder in the
    system temp folder, all cores); ``duckdb_settings`` passes any other
    DuckDB ``SET name = value``. ``timezone`` fixes how both engines read
    timestamps with a time zone. ``store`` names the workspace DuckDB file
    (aggregated observations and releases); ``city_codes`` is ``"regions"``
    (the 369 city-level units shipped with dtindex) or an explicit list.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "duckdb"
    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = Field(default=None, ge=1)
    duckdb_settings: dict[str, Any] = Field(default_factory=dict)
    spark: SparkSettings = Field(default_factory=SparkSettings)
    timezone: str = "UTC"
    store: str | None = None
    policies: Policies = Field(default_factory=Policies)
    city_codes: str | list[str] = "regions"
    unknown_unit: str = "unknown"

    @field_validator("city_codes", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [str(c) for c in v] if isinstance(v, (list, tuple)) else v

    @model_validator(mode="after")
    def _check(self) -> "EngineSpec":
        check_choice("engine", "name", self.name, ENGINES)
        if isinstance(self.city_codes, str):
            check_choice("engine", "city_codes", self.city_codes, ("regions",))
        elif not self.city_codes:
            raise ValueError("engine.city_codes: the list is empty; give city codes or 'regions'")
        if not self.unknown_unit.strip():
            raise ValueError("engine.unknown_unit must not be empty")
        return self


# ---------------------------------------------------------------------- measures
@dataclass(frozen=True)
class Measure:
    """One aggregate: ``kind`` is ``sum``, ``count`` (rows) or ``distinct``."""

    kind: str
    column: str | None

    @property
    def text(self) -> str:
        if self.kind == "sum":
            return f"sum({self.column})"
        if self.kind == "distinct":
            return f"count(distinct {self.column})"
        return "count(*)"


MEASURE_HELP = "sum(column), count(*), count(distinct column) or a ratio of two of them (A / B)"


def _column_name(node: exp.Expression, where: str) -> str:
    if not isinstance(node, exp.Column) or node.table:
        raise SpecError(f"{where}: the measure must aggregate one plain column; got {node.sql(FILTER_DIALECT)!r}. "
                        f"Measures are {MEASURE_HELP}")
    return node.name


def _one_measure(node: exp.Expression, where: str) -> Measure:
    node = node.unnest()
    if isinstance(node, exp.Sum):
        return Measure("sum", _column_name(node.this, where))
    if isinstance(node, exp.Count):
        arg = node.this
        if isinstance(arg, exp.Star):
            return Measure("count", None)
        if isinstance(arg, exp.Distinct):
            if len(arg.expressions) != 1:
                raise SpecError(f"{where}: count(distinct ...) takes one column; got {node.sql(FILTER_DIALECT)!r}")
            return Measure("distinct", _column_name(arg.expressions[0], where))
        raise SpecError(f"{where}: use count(*) to count rows or count(distinct column); got {node.sql(FILTER_DIALECT)!r}")
    raise SpecError(f"{where}: {node.sql(FILTER_DIALECT)!r} is not a measure; measures are {MEASURE_HELP}")


@lru_cache(maxsize=1024)
def parse_measure(text: str, where: str) -> tuple[Measure, Measure | None]:
    """Parse ``sum(x)``, ``count(*)``, ``count(distinct x)`` or ``A / B``.

    Returns the numerator and the denominator (None unless a ratio).

    >>> parse_measure("sum(amount) / count(distinct user_id)", "m")[1].text
    'count(distinct user_id)'
    """
    try:
        node = sqlglot.parse_one(text, read=FILTER_DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise SpecError(f"{where}: cannot parse measure {text!r}: {_first_line(exc)}; measures are {MEASURE_HELP}") from None
    node = node.unnest()
    if isinstance(node, exp.Div):
        return _one_measure(node.this, where), _one_measure(node.expression, where)
    return _one_measure(node, where), None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def parse_filter(text: str | None, where: str) -> exp.Expression | None:
    """Parse a row filter (DuckDB SQL syntax) and refuse what is not a row-level condition.

    Sub-queries, aggregates, window functions and several statements are
    refused; the columns it names are checked against the table later.
    Each text is parsed once per process; callers get their own copy of the tree.
    """
    if text is None or not str(text).strip():
        return None
    return _parse_filter(str(text), where).copy()


@lru_cache(maxsize=1024)
def _parse_filter(text: str, where: str) -> exp.Expression:
    try:
        parsed = sqlglot.parse(str(text), read=FILTER_DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise SpecError(f"{where}: cannot parse filter {text!r}: {_first_line(exc)}") from None
    parsed = [p for p in parsed if p is not None]
    if len(parsed) != 1:
        raise SpecError(f"{where}: the filter {text!r} must be one SQL expression, not {len(parsed)} statements")
    node = parsed[0]
    bad = [type(n).__name__ for n in node.walk() if isinstance(n, (exp.Query, exp.Subquery, exp.Window, exp.AggFunc, exp.Command, exp.DDL, exp.DML))]
    if bad or isinstance(node, (exp.Query, exp.Command)):
        raise SpecError(f"{where}: the filter {text!r} must be a condition on one row (no sub-queries, aggregates or windows)")
    if any(isinstance(n, exp.Column) and n.table for n in node.walk()):
        raise SpecError(f"{where}: the filter {text!r} names a table-qualified column; use plain column names")
    return node


def filter_columns(node: exp.Expression | None) -> list[str]:
    return sorted({c.name for c in node.find_all(exp.Column)}) if node is not None else []


# ---------------------------------------------------------------------- sources
class IndicatorDef(BaseModel):
    """One indicator measured on a source.

    ``measure``: ``sum(col)``, ``count(*)``, ``count(distinct col)`` or
    ``A / B``. ``filter`` keeps rows for both parts of a ratio;
    ``numerator_filter`` / ``denominator_filter`` apply to one part (AND-ed
    with ``filter``). ``scale``: decimal digits kept per record when summing
    a floating-point column (values are rounded to ``10**-scale`` and summed
    exactly as integers, so every engine gives the same bits). ``empty``:
    value of a unit-period with no rows (``missing`` = NaN, or ``zero``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    measure: str
    filter: str | None = None
    numerator_filter: str | None = None
    denominator_filter: str | None = None
    scale: int = Field(default=DEFAULT_FLOAT_SCALE, ge=0, le=12)
    empty: str = "missing"

    @model_validator(mode="after")
    def _check(self) -> "IndicatorDef":
        check_choice(f"indicator {self.code}", "empty", self.empty, EMPTY_CHOICES)
        _, den = parse_measure(self.measure, f"indicator {self.code}")
        for name in ("filter", "numerator_filter", "denominator_filter"):
            parse_filter(getattr(self, name), f"indicator {self.code} {name}")
        if den is None and (self.numerator_filter or self.denominator_filter):
            raise ValueError(f"indicator {self.code}: numerator_filter/denominator_filter need a ratio measure (A / B); "
                             "use 'filter' for a single measure")
        return self

    @property
    def parts(self) -> tuple[Measure, Measure | None]:
        return parse_measure(self.measure, f"indicator {self.code}")

    def part_filter(self, part: str) -> exp.Expression | None:
        """The filter of the numerator or denominator: ``filter AND <part>_filter``."""
        where = f"indicator {self.code}"
        common = parse_filter(self.filter, f"{where} filter")
        own = parse_filter(getattr(self, f"{part}_filter"), f"{where} {part}_filter")
        if common is None or own is None:
            return common if own is None else own
        return exp.and_(exp.paren(common, copy=True), exp.paren(own, copy=True))


class LookupSpec(BaseModel):
    """A dimension table joined to the raw records by a key (``LEFT JOIN ... USING (key)``).

    For records that carry an enterprise id but not its city or industry:
    ``lookup: {path: enterprises.parquet, key: enterprise_id, columns: [adcode, industry]}``.
    A record whose key is not in the table gets empty lookup columns, which
    the ``null_unit`` policy counts. The key must be unique in the table.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "parquet"
    path: str | list[str] | None = None
    table: str | None = None
    database: str | None = None
    hive_partitioning: bool | None = None
    delimiter: str = ","
    header: bool = True
    key: str
    columns: list[str]
    types: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "LookupSpec":
        check_choice("lookup", "kind", self.kind, KINDS)
        if (self.kind in ("parquet", "csv")) != bool(self.path) or (self.kind in ("duckdb", "table")) != bool(self.table):
            raise ValueError(f"lookup: kind {self.kind!r} needs {'path' if self.kind in ('parquet', 'csv') else 'table'} "
                             f"(and not {'table' if self.kind in ('parquet', 'csv') else 'path'})")
        if self.kind == "duckdb" and not self.database:
            raise ValueError("lookup: kind 'duckdb' needs 'database'")
        if not self.columns or self.key in self.columns:
            raise ValueError(f"lookup: 'columns' lists the columns to bring (not the key {self.key!r})")
        return self

    @property
    def label(self) -> str:
        p = self.paths[0] if self.paths else self.table
        return f"lookup {Path(str(p)).name if self.paths else p}"

    @property
    def paths(self) -> list[str]:
        return [] if self.path is None else ([self.path] if isinstance(self.path, str) else list(self.path))

    def reader_types(self) -> dict[str, str]:
        """CSV types: the declared ``types``, text for the rest of the key and columns."""
        return {c: self.types.get(c, "VARCHAR") for c in [self.key, *self.columns]}


class SourceSpec(BaseModel):
    """One raw table and the indicators measured on it (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    kind: str = "parquet"
    path: str | list[str] | None = None
    hive_partitioning: bool | None = None
    table: str | None = None
    database: str | None = None
    delimiter: str = ","
    header: bool = True
    city: str
    industry: str | None = None
    time: str
    grain: str = "day"
    time_format: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    industry_codes: list[str] | None = None
    lookup: LookupSpec | None = None
    policies: dict[str, str] = Field(default_factory=dict)
    indicators: list[IndicatorDef]

    @model_validator(mode="before")
    @classmethod
    def _single(cls, data: Any) -> Any:
        """A source entry that is itself one indicator (``code`` + ``measure`` at top level)."""
        if isinstance(data, dict) and "indicators" not in data and "measure" in data:
            data = dict(data)
            ind = {k: data.pop(k) for k in list(data) if k in IndicatorDef.model_fields}
            data["indicators"] = [ind]
        return data

    @field_validator("industry_codes", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [str(c) for c in v] if isinstance(v, (list, tuple)) else v

    @model_validator(mode="after")
    def _check(self) -> "SourceSpec":
        who = f"source {self.label}"
        check_choice(who, "kind", self.kind, KINDS)
        check_choice(who, "grain", self.grain, GRAINS)
        if self.kind in ("parquet", "csv"):
            if not self.path:
                raise ValueError(f"{who}: kind {self.kind!r} needs 'path' (a file, a folder or a glob)")
            if self.table:
                raise ValueError(f"{who}: kind {self.kind!r} reads 'path'; 'table' is for kinds 'duckdb' and 'table'")
        else:
            if not self.table:
                raise ValueError(f"{who}: kind {self.kind!r} needs 'table'")
            if self.path:
                raise ValueError(f"{who}: kind {self.kind!r} reads 'table'; 'path' is for kinds 'parquet' and 'csv'")
        if self.kind == "duckdb" and not self.database:
            raise ValueError(f"{who}: kind 'duckdb' needs 'database' (the .duckdb file holding {self.table!r})")
        if self.kind != "duckdb" and self.database:
            raise ValueError(f"{who}: 'database' is only for kind 'duckdb'")
        if self.hive_partitioning is not None and self.kind not in ("parquet", "csv"):
            raise ValueError(f"{who}: hive_partitioning is for Parquet and CSV paths")
        if len(self.delimiter) != 1:
            raise ValueError(f"{who}: delimiter must be one character; got {self.delimiter!r}")
        for key, value in self.policies.items():
            check_choice(f"{who} policies", "name", key, POLICY_CHOICES)
            check_choice(f"{who} policies", key, value, POLICY_CHOICES[key])
        for col, typ in self.columns.items():
            try:
                exp.DataType.build(typ, dialect=FILTER_DIALECT)
            except Exception:
                raise ValueError(f"{who}: columns.{col}: {typ!r} is not a SQL type (e.g. VARCHAR, BIGINT, DOUBLE, "
                                 "DECIMAL(18,2), DATE, TIMESTAMP)") from None
        codes = [i.code for i in self.indicators]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"{who}: indicator codes appear more than once: {', '.join(dup)}")
        if not self.indicators:
            raise ValueError(f"{who}: no indicators")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.table:
            return self.table
        p = self.path[0] if isinstance(self.path, list) else self.path
        return Path(str(p)).name if p else "?"

    @property
    def paths(self) -> list[str]:
        return [] if self.path is None else ([self.path] if isinstance(self.path, str) else list(self.path))

    def needed_columns(self) -> list[str]:
        """Every column the indicators read, in a stable order."""
        cols = [self.city] + ([self.industry] if self.industry else []) + [self.time]
        for ind in self.indicators:
            num, den = ind.parts
            for m in (num, den):
                if m is not None and m.column:
                    cols.append(m.column)
            for name in ("filter", "numerator_filter", "denominator_filter"):
                cols += filter_columns(parse_filter(getattr(ind, name), ind.code))
        return list(dict.fromkeys(cols))


    def reader_types(self) -> dict[str, str]:
        """Types a CSV reader gives the columns a source uses (both engines read the same types).

        Declared ``columns`` win; otherwise unit, time, distinct and filter
        columns are text and summed columns are DOUBLE, so the two engines
        never guess types differently.
        """
        looked_up = set(self.lookup.columns) if self.lookup else set()
        types = {c: "VARCHAR" for c in self.needed_columns() if c not in looked_up}
        if self.lookup:
            types[self.lookup.key] = self.lookup.types.get(self.lookup.key, "VARCHAR")
        for ind in self.indicators:
            for m in ind.parts:
                if m is not None and m.kind == "sum":
                    types[m.column] = "DOUBLE"
        types.update({c: t for c, t in self.columns.items() if c in types})
        return {c: t for c, t in types.items() if c not in looked_up}


@dataclass(frozen=True)
class EngineConfig:
    """Validated engine settings and sources, with paths resolved and periods known."""

    engine: EngineSpec
    sources: tuple[SourceSpec, ...]
    periods: tuple[Period, ...]
    base_dir: Path | None

    @property
    def freq(self) -> str:
        return self.periods[0].freq

    def policies(self, source: SourceSpec) -> Policies:
        return Policies(**{**self.engine.policies.model_dump(), **source.policies})

    def city_codes(self) -> tuple[str, ...]:
        if isinstance(self.engine.city_codes, list):
            return tuple(self.engine.city_codes)
        return _shipped_city_codes()

    def indicator_codes(self) -> list[str]:
        return [i.code for s in self.sources for i in s.indicators]

    def resolve(self, path: str) -> str:
        """An absolute path for local files; URLs (``s3://``, ``hdfs://``...) unchanged."""
        if "://" in path or self.base_dir is None or os.path.isabs(path):
            return path
        return str(self.base_dir / path)


@lru_cache(maxsize=1)
def _shipped_city_codes() -> tuple[str, ...]:
    """The adcodes of the shipped city table (package data, read once per process)."""
    from ..regions import cities

    return tuple(cities()["adcode"].astype(str))


def engine_config(spec: Any, base_dir: Path | None = None, *, engine: str | None = None) -> EngineConfig:
    """Validate ``spec.sources`` and ``spec.engine`` (``engine`` overrides ``engine.name``).

    Raises :class:`~dtindex.errors.SpecError` naming the source and setting.
    """
    raw_engine = dict(spec.engine or {})
    if engine is not None:
        raw_engine["name"] = engine
    try:
        eng = EngineSpec.model_validate(raw_engine)
    except ValidationError as exc:
        raise SpecError(f"engine: {_pydantic_message(exc)}") from None
    if not spec.sources:
        raise SpecError("the spec has no 'sources': list the raw tables and the indicators measured on them")
    sources = []
    for i, raw in enumerate(spec.sources):
        name = raw.get("name") if isinstance(raw, dict) else None
        try:
            sources.append(SourceSpec.model_validate(raw))
        except ValidationError as exc:
            raise SpecError(f"sources[{i}]{' (' + name + ')' if name else ''}: {_pydantic_message(exc)}") from None
        except SpecError as exc:
            raise SpecError(f"sources[{i}]{' (' + name + ')' if name else ''}: {exc}") from None
    labels = [s.label for s in sources]
    dup_src = sorted({x for x in labels if labels.count(x) > 1})
    if dup_src:
        raise SpecError(f"sources: names appear more than once: {', '.join(dup_src)}; give each source a 'name'")
    codes = [i.code for s in sources for i in s.indicators]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise SpecError(f"sources: indicators defined more than once: {', '.join(dup)}")
    if spec.periods is None:
        raise SpecError("sources need declared periods: add 'periods: {start: 2021Q1, end: 2023Q4}' to the spec")
    start = parse_period(spec.periods.start, where="periods.start")
    end = parse_period(spec.periods.end, where="periods.end")
    periods = tuple(period_range(start, end))
    for s in sources:
        if GRAIN_RANK[s.grain] > GRAIN_RANK[start.freq]:
            raise SpecError(f"source {s.label}: time grain {s.grain!r} is coarser than the spec's periods "
                            f"({start.freq}); a {s.grain} column cannot give {start.freq} values")
    return EngineConfig(eng, tuple(sources), periods, base_dir)
