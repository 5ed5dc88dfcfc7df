"""Clear errors before and during a scan: missing columns, wrong types, unreadable sources, bad CSV values."""

from __future__ import annotations

import builtins
import sys

import duckdb
import pytest

from dtindex.engine import aggregate, engine_config, open_backend
from dtindex.engine.duckdb_backend import DuckDBBackend, default_memory_limit
from dtindex.engine.spec import EngineSpec, SourceSpec
from dtindex.engine.validate import check_schema
from dtindex.errors import DataError, DtindexError, SpecError

from .conftest import small_spec

SCHEMA = {"city": "VARCHAR", "day": "DATE", "amount": "DOUBLE", "user_id": "VARCHAR", "status": "VARCHAR"}


def _src(**kw):
    base = {"path": "x", "city": "city", "time": "day", "indicators": [{"code": "pay", "measure": "sum(amount)"}]}
    return SourceSpec.model_validate({**base, **kw})


def test_missing_columns_list_what_exists():
    src = _src(indicators=[{"code": "pay", "measure": "sum(amt)", "filter": "chanel = 'app'"}])
    with pytest.raises(DataError, match=r"source x: columns 'amt', 'chanel' are not in the table; its columns are "
                                        r"city, day, amount, user_id, status"):
        check_schema(src, SCHEMA)


def test_column_names_match_case_insensitively_like_the_engines():
    assert check_schema(_src(city="CITY"), SCHEMA)["CITY"] == ("string", 0)


def test_wrong_types_are_named():
    with pytest.raises(DataError, match=r"indicator pay sums 'status', which has type VARCHAR; sum needs numbers"):
        check_schema(_src(indicators=[{"code": "pay", "measure": "sum(status)"}]), SCHEMA)
    # a declared type is cast in the query, so a text column of numbers can be summed
    assert check_schema(_src(indicators=[{"code": "pay", "measure": "sum(status)"}], columns={"status": "DOUBLE"}),
                        SCHEMA)["status"] == ("float", 0)
    with pytest.raises(DataError, match="time_format is for text time columns; 'day' has type DATE"):
        check_schema(_src(time_format="%Y"), SCHEMA)


def test_missing_files_and_kinds_the_engine_cannot_read(tmp_path):
    with pytest.raises(DataError, match=r"source pay: .*nothere.parquet not found"):
        aggregate(engine_config(small_spec(tmp_path / "nothere.parquet"), None))
    spec = small_spec(None, kind="table", table="db.payments")
    with pytest.raises(DataError, match="kind 'table' names a Spark/Hive catalog table and needs engine name 'spark'"):
        aggregate(engine_config(spec, None))
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match=r"source pay: DuckDB cannot read .*bad.parquet"):
        aggregate(engine_config(small_spec(bad), None))


def test_bad_csv_value_is_an_error_naming_the_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("city,day,amount,user_id,status\n110000,2021-01-02,1.5,u1,ok\n110000,2021-01-03,abc,u2,ok\n")
    spec = small_spec(path, kind="csv", indicators=[{"code": "pay", "measure": "sum(amount)"}])
    with pytest.raises(DataError, match=r"source pay: DuckDB .*amount.*abc"):
        aggregate(engine_config(spec, None))


def test_csv_city_codes_keep_leading_zeros(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("city,day,amount\n010000,2021-01-02,1.5\n")
    spec = small_spec(path, kind="csv", indicators=[{"code": "pay", "measure": "sum(amount)"}],
                      engine={"city_codes": ["010000"]})
    agg = aggregate(engine_config(spec, None))
    assert agg.observations["unit"].tolist() == ["010000"]


def test_duckdb_settings(tmp_path):
    be = DuckDBBackend(EngineSpec(memory_limit="300MiB", threads=1, temp_directory=str(tmp_path / "spill")))
    got = dict(be.con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                              "('memory_limit', 'threads', 'temp_directory', 'preserve_insertion_order', 'TimeZone')").fetchall())
    assert got["threads"] == "1" and got["temp_directory"] == str(tmp_path / "spill")
    assert got["preserve_insertion_order"] == "false" and got["TimeZone"] == "UTC"
    assert got["memory_limit"].startswith("300")
    assert default_memory_limit().endswith("MiB")
    with pytest.raises(SpecError, match="DuckDB setting no_such_setting = 1 was refused"):
        DuckDBBackend(EngineSpec(duckdb_settings={"no_such_setting": 1}))


def test_duckdb_database_table_source(tmp_path):
    db = tmp_path / "raw.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA src")
        con.execute("CREATE TABLE src.pay AS SELECT '110000' AS city, DATE '2021-02-01' AS day, 2.5 AS amount")
    spec = small_spec(None, kind="duckdb", database=str(db), table="src.pay",
                      indicators=[{"code": "pay", "measure": "sum(amount)"}])
    agg = aggregate(engine_config(spec, None))
    assert agg.observations[["unit", "period", "value"]].values.tolist() == [["110000", "2021Q1", 2.5]]


def test_missing_pyspark_names_the_extra(monkeypatch, small_parquet):
    real_import = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    for mod in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, mod)
    cfg = engine_config(small_spec(small_parquet, engine={"name": "spark"}), None)
    with pytest.raises(DtindexError, match=r"engine 'spark' needs PySpark, which is not installed: "
                                           r"pip install 'dtindex\[spark\]'"):
        open_backend(cfg)


def test_vectorised_values_are_pythons_correctly_rounded_divisions():
    """scaled_values / ratio_values give exactly Python's int / int, also beyond 2**53 (the exact fallback)."""
    import numpy as np

    from dtindex.engine.validate import exact_int_array, ratio_value, ratio_values, scaled_values

    rng = np.random.default_rng(7)
    units = np.concatenate([rng.integers(-10**12, 10**12, 2000), rng.integers(-2**62, 2**62, 200),
                            np.array([0, 1, -1, 2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1], dtype=np.int64)])
    null = rng.random(len(units)) < 0.05
    for scale in (0, 2, 6, 17):
        got = scaled_values(units, null, scale)
        want = [float("nan") if n else int(u) / 10 ** scale for u, n in zip(units, null)]
        np.testing.assert_array_equal(got, np.array(want))
    den = np.where(rng.random(len(units)) < 0.1, 0, rng.integers(-10**9, 10**9, len(units)))
    for ns, ds in ((0, 0), (2, 0), (0, 6), (6, 2)):
        got = ratio_values(units, ns, den, ds, null)
        want = [float("nan") if (n or b == 0) else ratio_value(int(a), ns, int(b), ds) for a, b, n in zip(units, den, null)]
        np.testing.assert_array_equal(got, np.array(want))
    # whole doubles, Python ints and Decimals (Spark) become the same int64; NULLs are flagged
    from decimal import Decimal

    for values in (np.array([3.0, np.nan, -2.0]), np.array([3, None, -2], dtype=object),
                   np.array([Decimal(3), None, Decimal(-2)], dtype=object)):
        ints, nulls = exact_int_array(values)
        assert ints.tolist()[0::2] == [3, -2] and nulls.tolist() == [False, True, False]
    assert exact_int_array(np.array([2**70], dtype=object)) is None  # too big: the caller goes element by element


def test_integer_totals_beyond_64_bits_stay_exact(tmp_path):
    """DuckDB sums BIGINT into HUGEINT; totals past 2**63 come back exactly (as text) and divide correctly."""
    from dtindex.spec.index_spec import IndexSpec

    path = tmp_path / "big.parquet"
    duckdb.sql(f"COPY (SELECT '110000' AS city, DATE '2021-01-05' AS day, CAST(4611686018427387904 AS BIGINT) AS n, "
               f"CASE WHEN i < 4 THEN 'a' ELSE 'b' END AS kind FROM range(6) t(i)) TO '{path}' (FORMAT parquet)")
    spec = IndexSpec(framework=[{"code": "DTI", "type": "aggregate"}, {"code": "a", "parent": "DTI"},
                                {"code": "b", "parent": "DTI"}],
                     periods={"start": "2021Q1", "end": "2021Q1"},
                     sources=[{"name": "s", "kind": "parquet", "path": str(path), "city": "city", "time": "day",
                               "grain": "day", "indicators": [
                                   {"code": "a", "measure": "sum(n)", "filter": "kind = 'a'"},
                                   {"code": "b", "measure": "sum(n)", "filter": "kind = 'b'"}]}])
    obs = aggregate(engine_config(spec, None)).observations
    assert obs.set_index("indicator")["value"].to_dict() == {"a": float(4 * 2**62), "b": float(2 * 2**62)}
