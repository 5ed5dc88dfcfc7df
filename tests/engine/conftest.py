"""Shared fixtures of the engine tests: small raw tables written once, one Spark session per test session.

Spark tests are marked ``spark``. They are skipped when PySpark is not importable,
unless ``DTINDEX_REQUIRE_SPARK=1`` (CI), where a missing PySpark is an error.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import duckdb
import pytest

from dtindex.spec.index_spec import IndexSpec

# The hand-computed table (see test_aggregate.py): city, day, amount, user, status
SMALL_ROWS = [
    ("110000", "2021-01-05", 10.10, "u1", "ok"),
    ("110000", "2021-02-10", 0.20, "u2", "ok"),
    ("110000", "2021-03-31", 5.00, "u1", "refund"),
    ("110000", "2021-04-01", 7.25, "u3", "ok"),
    ("310000", "2021-01-01", 0.10, "u4", "ok"),
    ("310000", "2021-06-30", 0.20, "u4", "ok"),
    ("310000", "2021-06-30", 3.00, "u5", "refund"),
]

FRAMEWORK = [
    {"code": "DTI", "type": "aggregate"},
    {"code": "pay", "parent": "DTI"},
    {"code": "orders", "parent": "DTI"},
    {"code": "users", "parent": "DTI"},
    {"code": "ok_share", "parent": "DTI"},
]

SMALL_INDICATORS = [
    {"code": "pay", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
    {"code": "orders", "measure": "count(*)"},
    {"code": "users", "measure": "count(distinct user_id)"},
    {"code": "ok_share", "measure": "count(*) / count(*)", "numerator_filter": "status = 'ok'"},
]


def write_small(con: duckdb.DuckDBPyConnection, rows=SMALL_ROWS, extra_sql: str = "") -> None:
    con.execute("CREATE OR REPLACE TABLE small (city VARCHAR, day DATE, amount DOUBLE, user_id VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO small VALUES (?, CAST(? AS DATE), ?, ?, ?)", [list(r) for r in rows])
    if extra_sql:
        con.execute(extra_sql)


def small_spec(path, *, indicators=None, policies=None, engine=None, periods=("2021Q1", "2021Q2"), **source) -> IndexSpec:
    src = {"name": "pay", **({"path": str(path)} if path is not None else {}), "city": "city", "time": "day", "grain": "day",
           "indicators": indicators or SMALL_INDICATORS, **source}
    if policies:
        src["policies"] = policies
    return IndexSpec(framework=FRAMEWORK, periods={"start": periods[0], "end": periods[1]}, sources=[src],
                     engine=engine or {})


@pytest.fixture(scope="session")
def small_parquet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.parquet"
    con = duckdb.connect()
    write_small(con)
    con.execute(f"COPY small TO '{path}' (FORMAT parquet)")
    return path


# A larger table with every kind of dirty row, for the DuckDB/Spark equivalence tests:
# 40,000 rows, 12 cities (one unknown code, empty and NULL cities), 3 industries (one NULL),
# days across 2021-2022 plus rows in 2020 (outside the periods), amounts with 2 decimals
# that do not add up exactly in binary, a few negatives, NULL amounts, repeated users.
BIG_SQL = """
SELECT
  CASE WHEN i % 211 = 0 THEN '999999'
       WHEN i % 307 = 0 THEN NULL
       WHEN i % 401 = 0 THEN ''
       ELSE (['110000','120000','310000','440100','440300','330100','320100','510100','420100','610100','500000'])[1 + i % 11]
  END AS city,
  CASE WHEN i % 53 = 0 THEN NULL ELSE (['manufacturing','retail','services'])[1 + (i // 7) % 3] END AS industry,
  DATE '2020-12-01' + CAST((i * 7919) % 760 AS INTEGER) AS day,
  CASE WHEN i % 997 = 0 THEN NULL
       WHEN i % 389 = 0 THEN -CAST(((i * 31) % 10000) AS DOUBLE) / 100
       ELSE CAST(((i * 7907) % 100000) AS DOUBLE) / 100 + 0.1 END AS amount,
  CAST(CAST((i * 13) % 100000 AS DOUBLE) / 100 AS DECIMAL(18, 2)) AS fee,
  (i * 17) % 2500 AS user_id,
  CASE WHEN i % 5 = 0 THEN 'refund' ELSE 'ok' END AS status,
  year(DATE '2020-12-01' + CAST((i * 7919) % 760 AS INTEGER)) AS yr
FROM range(40000) r(i)
"""

BIG_INDICATORS = [
    {"code": "pay", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
    {"code": "fees", "measure": "sum(fee)"},
    {"code": "orders", "measure": "count(*)"},
    {"code": "users", "measure": "count(distinct user_id)"},
    {"code": "ok_share", "measure": "count(*) / count(*)", "numerator_filter": "status = 'ok'"},
    {"code": "per_user", "measure": "sum(amount) / count(distinct user_id)", "scale": 2},
]

BIG_FRAMEWORK = [
    {"code": "DTI", "type": "aggregate"},
    {"code": "volume", "parent": "DTI", "type": "aggregate"},
    {"code": "reach", "parent": "DTI", "type": "aggregate"},
    {"code": "pay", "parent": "volume"},
    {"code": "fees", "parent": "volume"},
    {"code": "orders", "parent": "volume"},
    {"code": "users", "parent": "reach"},
    {"code": "ok_share", "parent": "reach"},
    {"code": "per_user", "parent": "reach"},
]

BIG_POLICIES = {"unknown_code": "map_unknown", "null_unit": "map_unknown", "negative": "drop", "out_of_period": "drop"}


@pytest.fixture(scope="session")
def big_data(tmp_path_factory) -> dict[str, Path]:
    """The big table as hive-partitioned Parquet (by year), one CSV file, and a DuckDB database table."""
    root = tmp_path_factory.mktemp("big")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE big AS {BIG_SQL}")
    con.execute(f"COPY big TO '{root / 'parquet'}' (FORMAT parquet, PARTITION_BY (yr))")
    con.execute(f"COPY (SELECT * EXCLUDE (yr) FROM big) TO '{root / 'big.csv'}' (HEADER, DELIMITER ',')")
    db = root / "raw.duckdb"
    with duckdb.connect(str(db)) as dbc:
        dbc.execute(f"CREATE TABLE big AS {BIG_SQL}")
    return {"parquet": root / "parquet", "csv": root / "big.csv", "duckdb": db}


def big_spec(source: dict, *, engine=None, periods=("2021Q1", "2022Q4"), policies=None) -> IndexSpec:
    src = {"name": "big", "city": "city", "time": "day", "grain": "day", "indicators": BIG_INDICATORS,
           "policies": policies or BIG_POLICIES, **source}
    return IndexSpec(framework=BIG_FRAMEWORK, periods={"start": periods[0], "end": periods[1]}, sources=[src],
                     engine=engine or {})


# ---------------------------------------------------------------------- Spark
def pytest_configure(config):
    config.addinivalue_line("markers", "spark: needs PySpark and Java (skipped without them unless DTINDEX_REQUIRE_SPARK=1)")


def _pyspark_available() -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the whole test session."""
    if not _pyspark_available():
        if os.environ.get("DTINDEX_REQUIRE_SPARK") == "1":
            pytest.fail("DTINDEX_REQUIRE_SPARK=1 but PySpark is not installed: pip install 'dtindex[spark]'")
        pytest.skip("PySpark is not installed (pip install 'dtindex[spark]')")
    from dtindex.engine.spark_backend import spark_session
    from dtindex.engine.spec import EngineSpec

    session = spark_session(EngineSpec(name="spark", spark={
        "master": "local[2]", "app_name": "dtindex-tests",
        "conf": {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4", "spark.driver.memory": "1g",
                 "spark.sql.adaptive.enabled": "true", "spark.ui.showConsoleProgress": "false"},
    }))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


LOOKUP_RECORDS = [(1, "2021-01-05", 10.0), (1, "2021-04-05", 1.5), (2, "2021-02-01", 2.25), (3, "2021-02-02", 4.0),
                  (99, "2021-03-01", 8.0)]
LOOKUP_ENTERPRISES = [(1, "110000", "retail"), (2, "110000", "retail"), (3, "310000", "manufacturing")]


def write_lookup(folder: Path, enterprises=LOOKUP_ENTERPRISES) -> tuple[Path, Path]:
    """Records with an enterprise id only, and the enterprise table giving city and industry."""
    con = duckdb.connect()
    con.execute("CREATE TABLE r (enterprise_id INTEGER, day DATE, amount DOUBLE)")
    con.executemany("INSERT INTO r VALUES (?, CAST(? AS DATE), ?)", [list(x) for x in LOOKUP_RECORDS])
    con.execute("CREATE TABLE e (enterprise_id INTEGER, adcode VARCHAR, industry VARCHAR)")
    con.executemany("INSERT INTO e VALUES (?, ?, ?)", [list(x) for x in enterprises])
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY r TO '{folder / 'records.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY e TO '{folder / 'enterprises.parquet'}' (FORMAT parquet)")
    return folder / "records.parquet", folder / "enterprises.parquet"


def lookup_spec(records: Path, enterprises: Path, **kw) -> IndexSpec:
    return small_spec(records, city="adcode", industry="industry", indicators=[
        {"code": "pay", "measure": "sum(amount)", "scale": 2}, {"code": "firms", "measure": "count(distinct enterprise_id)"}],
        lookup={"path": str(enterprises), "key": "enterprise_id", "columns": ["adcode", "industry"]},
        policies={"null_unit": "drop"}, **kw)


# Indicators that differ only by a filter on one column (compiled to one query grouped by that column):
# equalities, an IN list, counts, a decimal sum, and a value no row has.
MANY_INDICATORS = [
    {"code": "pay_ok", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
    {"code": "pay_refund", "measure": "sum(amount)", "filter": "status = 'refund'", "scale": 2},
    {"code": "pay_all", "measure": "sum(amount)", "filter": "status IN ('ok', 'refund')", "scale": 2},
    {"code": "n_ok", "measure": "count(*)", "filter": "'ok' = status"},
    {"code": "n_refund", "measure": "count(*)", "filter": "status = 'refund'"},
    {"code": "fee_ok", "measure": "sum(fee)", "filter": "status = 'ok'"},
    {"code": "n_void", "measure": "count(*)", "filter": "status = 'void'"},
]


def many_spec(source: dict, *, engine=None, periods=("2021Q1", "2022Q4"), policies=None,
              indicators=None) -> IndexSpec:
    inds = indicators or MANY_INDICATORS
    src = {"name": "many", "city": "city", "time": "day", "grain": "day", "indicators": inds,
           "policies": policies or BIG_POLICIES, **source}
    fw = [{"code": "DTI", "type": "aggregate"}, *[{"code": i["code"], "parent": "DTI"} for i in inds]]
    return IndexSpec(framework=fw, periods={"start": periods[0], "end": periods[1]}, sources=[src], engine=engine or {})


# The big table without dirty keys or negative amounts (NULL amounts stay): many-indicator sources over it take
# the direct path from grouped rows to observations (engine/grouped.py).
CLEAN_WHERE = ("city IN ('110000','120000','310000','440100','440300','330100','320100','510100','420100','610100',"
               "'500000') AND industry IS NOT NULL AND (amount IS NULL OR amount >= 0) AND day >= DATE '2021-01-01'")

DIRECT_INDICATORS = [
    {"code": "pay_ok", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
    {"code": "pay_refund", "measure": "sum(amount)", "filter": "status = 'refund'", "scale": 2},
    {"code": "n_ok", "measure": "count(*)", "filter": "'ok' = status"},
    {"code": "n_refund", "measure": "count(*)", "filter": "status = 'refund'"},
    {"code": "users_ok", "measure": "sum(user_id)", "filter": "status = 'ok'"},
    {"code": "pay_ok_again", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 1},
    {"code": "n_void", "measure": "count(*)", "filter": "status = 'void'"},
]


@pytest.fixture(scope="session")
def clean_many(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clean") / "clean.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * EXCLUDE (yr) FROM ({BIG_SQL}) WHERE {CLEAN_WHERE}) TO '{path}' (FORMAT parquet)")
    return path
