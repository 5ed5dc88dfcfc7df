"""Raw activity records (Parquet) -> indicator values per (city, industry, quarter) with DuckDB SQL.

Each indicator of the spec is one measure of one product's records:

=========  =========  ==================================  ===========================================
indicator  product    measure                             meaning
=========  =========  ==================================  ===========================================
cloud      cloud      ``sum(amount)``                     cloud spend, yuan
ai         ai         ``sum(events)``                     AI service API calls
agile      agile      ``count(DISTINCT enterprise_id)``   enterprises active on the agile R&D tool
meeting    meeting    ``sum(amount)``                     online meeting minutes
docs       docs       ``count(*)``                        active enterprise-weeks (days) of online documents
payment    payment    ``sum(amount)``                     payment value, yuan
ecommerce  ecommerce  ``sum(amount)``                     e-commerce GMV, yuan
ticketing  ticketing  ``sum(events)``                     tickets sold
=========  =========  ==================================  ===========================================

The quarter of a record is the calendar quarter of its ``date``. One scan of
the records (joined to ``enterprises.parquet`` for city and industry) gives
every measure of every product per (city, industry, quarter); the indicators
are then picked from that table. Amounts are ``DECIMAL(18,2)``, so sums are
exact integer arithmetic and the result is identical on every run whatever
the thread count; rows are sorted by ``adcode, industry, quarter, indicator``.

Nothing is dropped silently: records whose enterprise is not in the
directory, records with a missing or negative amount or events, and records
outside the declared quarters are errors; records of products no indicator
uses are counted and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..errors import DataError, check_choice, describe_rows

__all__ = ["MEASURES", "Aggregates", "Measure", "aggregate_records", "aggregation_sql", "connect", "enterprise_counts"]


@dataclass(frozen=True)
class Measure:
    """How one indicator is measured from the records of one product."""

    product: str
    measure: str  # amount_sum | events_sum | records | enterprises
    unit: str
    unit_en: str


MEASURE_COLUMNS = ("amount_sum", "events_sum", "records", "enterprises")

MEASURES: dict[str, Measure] = {
    "cloud": Measure("cloud", "amount_sum", "云资源消费额（元）", "cloud spend (yuan)"),
    "ai": Measure("ai", "events_sum", "AI 服务调用次数", "AI service API calls"),
    "agile": Measure("agile", "enterprises", "敏捷研发活跃企业数", "enterprises active on the agile R&D tool"),
    "meeting": Measure("meeting", "amount_sum", "在线会议时长（分钟）", "online meeting minutes"),
    "docs": Measure("docs", "records", "在线文档活跃企业周（日）数", "active enterprise-weeks (days)"),
    "payment": Measure("payment", "amount_sum", "移动支付交易额（元）", "payment value (yuan)"),
    "ecommerce": Measure("ecommerce", "amount_sum", "电子商务成交额（元）", "e-commerce GMV (yuan)"),
    "ticketing": Measure("ticketing", "events_sum", "售票量（张）", "tickets sold"),
}


def _q(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def connect(*, memory_limit: str = "2GB", threads: int | None = None, temp_directory: str | Path | None = None):
    """A DuckDB connection with bounded memory; larger-than-memory work spills to ``temp_directory``."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {_q(memory_limit)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_directory is not None:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {_q(str(temp_directory))}")
    return con


def aggregation_sql(records: str, enterprises: str, indicators: dict[str, Measure]) -> tuple[str, str]:
    """The two SQL statements: per-product measures, then the indicator table.

    Returns ``(per_product_sql, indicators_sql)``; the first creates the temp
    table ``per_product``, the second selects ``adcode, industry, quarter,
    indicator, value`` from it.
    """
    per_product = f"""
CREATE OR REPLACE TEMP TABLE per_product AS
SELECT e.adcode,
       e.industry,
       CAST(year(r.date) AS VARCHAR) || 'Q' || CAST(quarter(r.date) AS VARCHAR) AS quarter,
       r.product,
       sum(r.amount)                                        AS amount_sum,
       sum(r.events)                                        AS events_sum,
       count(*)                                             AS records,
       count(DISTINCT r.enterprise_id)                      AS enterprises,
       count(*) FILTER (WHERE r.amount IS NULL OR r.amount < 0
                        OR r.events IS NULL OR r.events < 0
                        OR r.date IS NULL OR r.product IS NULL) AS invalid
FROM read_parquet({_q(records)}, hive_partitioning = false) AS r
LEFT JOIN read_parquet({_q(enterprises)}) AS e USING (enterprise_id)
GROUP BY ALL"""
    rows = ",\n        ".join(f"({_q(code)}, {_q(m.product)}, {_q(m.measure)})" for code, m in indicators.items())
    cases = "\n           ".join(f"WHEN {_q(c)} THEN CAST(p.{c} AS DOUBLE)" for c in MEASURE_COLUMNS)
    select = f"""
WITH measures(indicator, product, measure) AS (
    VALUES {rows}
)
SELECT p.adcode, p.industry, p.quarter, m.indicator,
       CASE m.measure
           {cases}
       END AS value
FROM per_product AS p
JOIN measures AS m USING (product)
ORDER BY p.adcode, p.industry, p.quarter, m.indicator"""
    return per_product, select


@dataclass(frozen=True, eq=False)
class Aggregates:
    """Result of :func:`aggregate_records`.

    ``values``: ``adcode, industry, quarter, indicator, value`` (sorted; only
    combinations with records). ``records_by_quarter`` / ``records_by_product``
    count the records read; ``unused_products`` counts records of products no
    indicator uses; ``sql`` is the SQL that ran.
    """

    values: pd.DataFrame
    n_records: int
    records_by_quarter: dict[str, int]
    records_by_product: dict[str, int]
    unused_products: dict[str, int] = field(default_factory=dict)
    sql: str = ""


def aggregate_records(records: str | Path, enterprises: str | Path, *, periods: list[str] | tuple[str, ...],
                      indicators: list[str] | tuple[str, ...] | None = None, memory_limit: str = "2GB",
                      threads: int | None = None, temp_directory: str | Path | None = None) -> Aggregates:
    """Aggregate raw records to indicator values per (city, industry, quarter).

    Parameters
    ----------
    records : str or Path
        Parquet file, folder glob (``raw/records/*/*.parquet``) or list glob
        readable by DuckDB ``read_parquet``.
    enterprises : str or Path
        ``enterprises.parquet``: ``enterprise_id, adcode, industry``.
    periods : sequence of str
        The quarters expected (``2021Q1`` ...); records of other quarters are an error.
    indicators : sequence of str, optional
        Indicator codes (keys of :data:`MEASURES`); default all.
    memory_limit, threads, temp_directory
        DuckDB settings (see :func:`connect`).

    Returns
    -------
    Aggregates
    """
    codes = list(indicators) if indicators is not None else list(MEASURES)
    for c in codes:
        check_choice("aggregate_records", "indicators", c, MEASURES)
    chosen = {c: MEASURES[c] for c in codes}
    if not Path(enterprises).exists():
        raise DataError(f"{enterprises}: enterprise directory not found")
    per_product, select = aggregation_sql(str(records), str(enterprises), chosen)
    con = connect(memory_limit=memory_limit, threads=threads, temp_directory=temp_directory)
    try:
        try:
            con.execute(per_product)
        except duckdb.IOException as exc:
            raise DataError(f"{records}: cannot read the raw records: {exc}") from None
        summary = con.execute(
            "SELECT count(*) FILTER (WHERE adcode IS NULL) AS orphan_groups, "
            "coalesce(sum(records) FILTER (WHERE adcode IS NULL), 0) AS orphan_records, "
            "coalesce(sum(invalid), 0) AS invalid FROM per_product").fetchone()
        if summary[1]:
            ids = con.execute(
                f"SELECT DISTINCT r.enterprise_id FROM read_parquet({_q(str(records))}, hive_partitioning = false) r "
                f"ANTI JOIN read_parquet({_q(str(enterprises))}) e USING (enterprise_id) ORDER BY 1 LIMIT 10").fetchall()
            raise DataError(f"{records}: {summary[1]} records belong to enterprise ids missing from {Path(enterprises).name} "
                            f"(e.g. {', '.join(str(i[0]) for i in ids)})")
        if summary[2]:
            raise DataError(f"{records}: {summary[2]} records have a missing date or product, or a missing or negative "
                            "amount or events")
        by_q = dict(con.execute("SELECT quarter, sum(records)::BIGINT FROM per_product GROUP BY 1 ORDER BY 1").fetchall())
        outside = [q for q in by_q if q not in periods]
        if outside:
            n = sum(by_q[q] for q in outside)
            raise DataError(f"{records}: {n} records fall in quarters outside {periods[0]}..{periods[-1]}: "
                            f"{describe_rows(outside)}")
        by_p = dict(con.execute("SELECT product, sum(records)::BIGINT FROM per_product GROUP BY 1 ORDER BY 1").fetchall())
        used = {m.product for m in chosen.values()}
        values = con.execute(select).df()
    finally:
        con.close()
    values["value"] = values["value"].astype(np.float64)
    return Aggregates(
        values=values, n_records=int(sum(by_q.values())),
        records_by_quarter={q: int(by_q.get(q, 0)) for q in periods},
        records_by_product={p: int(n) for p, n in by_p.items()},
        unused_products={p: int(n) for p, n in by_p.items() if p not in used},
        sql=per_product.strip() + ";\n\n" + select.strip() + ";\n",
    )


def enterprise_counts(enterprises: str | Path) -> pd.DataFrame:
    """``adcode, industry, enterprises``: the enterprise directory counted per city and industry (sorted)."""
    con = duckdb.connect()
    try:
        df = con.execute(
            f"SELECT adcode, industry, count(*)::BIGINT AS enterprises FROM read_parquet({_q(str(enterprises))}) "
            "GROUP BY ALL ORDER BY adcode, industry").df()
        dup = con.execute(f"SELECT enterprise_id FROM read_parquet({_q(str(enterprises))}) GROUP BY 1 "
                          "HAVING count(*) > 1 ORDER BY 1 LIMIT 10").fetchall()
        nulls = con.execute(f"SELECT count(*) FROM read_parquet({_q(str(enterprises))}) "
                            "WHERE enterprise_id IS NULL OR adcode IS NULL OR industry IS NULL").fetchone()[0]
    finally:
        con.close()
    if dup:
        raise DataError(f"{enterprises}: duplicate enterprise ids {', '.join(str(d[0]) for d in dup)}")
    if nulls:
        raise DataError(f"{enterprises}: {nulls} rows with an empty enterprise_id, adcode or industry")
    return df
