"""The compiler: column types, period ordinals for every time layout, SQL for both dialects."""

from __future__ import annotations

import duckdb
import pytest

from dtindex.engine.plan import compile_source, logical_type
from dtindex.engine.spec import SourceSpec
from dtindex.errors import DataError
from dtindex.periods import Period, parse_period


def test_logical_types():
    assert logical_type("DECIMAL(18,2)") == ("decimal", 2)
    assert logical_type("decimal(10,0)") == ("integer", 0)
    assert logical_type("HUGEINT") == ("integer", 0)
    assert logical_type("bigint") == ("integer", 0)
    assert logical_type("double") == ("float", 0)
    assert logical_type("string") == ("string", 0)
    assert logical_type("TIMESTAMP WITH TIME ZONE") == ("timestamp", 0)
    assert logical_type("timestamp_ntz") == ("timestamp", 0)
    assert logical_type("STRUCT(a INT)") == ("other", 0)


def _periods(values, sql_type, grain, freq="quarter", time_format=None, restrict=None):
    """Period labels the compiled period expression gives for each value (None = unreadable)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE v (c VARCHAR, t {sql_type})")
    con.executemany("INSERT INTO v VALUES ('110000', ?)", [[v] for v in values])
    schema = {r[0]: r[1] for r in con.execute("DESCRIBE v").fetchall()}
    src = SourceSpec(path="x", city="c", time="t", grain=grain, time_format=time_format,
                     indicators=[{"code": "n", "measure": "count(*)"}])
    plan = compile_source(src, schema, freq=freq, view="v", periods=restrict)
    per_value = con.execute(f"SELECT t, k_period FROM (SELECT t, {plan.period_key.sql('duckdb')} AS k_period FROM v"
                            f"{' WHERE ' + plan.restrict.sql('duckdb') if plan.restrict is not None else ''})").fetchall()
    con.execute(plan.sql("duckdb")).fetchall()  # the whole compiled query runs too
    return {v: (None if k is None else Period(freq, k).label) for v, k in per_value}


def test_period_of_dates_and_timestamps():
    got = _periods(["2021-01-01", "2021-03-31", "2021-04-01", "2022-12-31"], "DATE", "day")
    assert {str(d): p for d, p in got.items()} == {"2021-01-01": "2021Q1", "2021-03-31": "2021Q1",
                                                   "2021-04-01": "2021Q2", "2022-12-31": "2022Q4"}
    ts = _periods(["2021-06-30 23:59:59", "2021-07-01 00:00:00"], "TIMESTAMP", "day", freq="month")
    assert sorted(ts.values()) == ["2021-06", "2021-07"]


@pytest.mark.parametrize("grain,values,expected", [
    ("day", ["2021-03-15", "2021-03-15 10:00:01", "20210401", "2021/04/01", "garbage", None],
     ["2021Q1", "2021Q1", "2021Q2", None, None, None]),
    ("month", ["2021-03", "2021M04", "2021-3", "2021-13", "202112"], ["2021Q1", "2021Q2", "2021Q1", None, "2021Q4"]),
    ("quarter", ["2021Q1", "2021-Q4", "2021q2", "2021Q5"], ["2021Q1", "2021Q4", "2021Q2", None]),
])
def test_period_of_text_labels(grain, values, expected):
    got = _periods(values, "VARCHAR", grain)
    assert [got[v] for v in values] == expected


def test_text_years_to_yearly_periods_and_quarters_to_years():
    assert _periods(["2021", "21", "2022"], "VARCHAR", "year", freq="year") == {"2021": "2021", "21": None, "2022": "2022"}
    assert _periods(["2021Q3", "2022Q1"], "VARCHAR", "quarter", freq="year") == {"2021Q3": "2021", "2022Q1": "2022"}


@pytest.mark.parametrize("grain,values,expected", [
    ("day", [20210315, 20211231, 20211301], ["2021Q1", "2021Q4", None]),
    ("month", [202103, 202104, 202100], ["2021Q1", "2021Q2", None]),
    ("quarter", [20211, 20214, 20215], ["2021Q1", "2021Q4", None]),
])
def test_period_of_whole_numbers(grain, values, expected):
    got = _periods(values, "BIGINT", grain)
    assert [got[v] for v in values] == expected


def test_time_format_for_other_layouts():
    got = _periods(["15/03/2021", "01/04/2021", "31/02/2021"], "VARCHAR", "day", time_format="%d/%m/%Y")
    assert got == {"15/03/2021": "2021Q1", "01/04/2021": "2021Q2", "31/02/2021": None}


def test_restriction_is_a_range_on_the_raw_column():
    q2 = [parse_period("2021Q2")]
    got = _periods(["2021-03-31", "2021-04-01", "2021-06-30", "2021-07-01"], "DATE", "day", restrict=q2)
    assert sorted(str(k) for k in got) == ["2021-04-01", "2021-06-30"]
    got = _periods([20210331, 20210401, 20210701], "BIGINT", "day", restrict=q2)
    assert list(got) == [20210401]
    got = _periods(["2021Q1", "2021Q2"], "VARCHAR", "quarter", restrict=q2)
    assert list(got) == ["2021Q2"]


def test_sql_for_both_dialects_shares_one_plan():
    src = SourceSpec(path="x", city="city", time="day", indicators=[
        {"code": "pay", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
        {"code": "pay2", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
        {"code": "users", "measure": "count(distinct user_id)"}])
    plan = compile_source(src, {"city": "VARCHAR", "day": "DATE", "amount": "DOUBLE", "user_id": "BIGINT",
                                "status": "VARCHAR"}, freq="quarter", view="v")
    assert len([a for a in plan.aggs if a.kind == "sum"]) == 1  # equal aggregates are computed once
    duck, spark = plan.sql("duckdb"), plan.sql("spark")
    assert "ROUND(CAST(\"amount\" AS DOUBLE) * CAST(100 AS DOUBLE))" in duck and "// 3" in duck
    assert "DIV 3" in spark and "`amount`" in spark and "BIGINT" not in spark  # main query: whole numbers in doubles
    follow_up = plan.negative_sql("spark", totals=True)
    assert "SUM(CAST(CAST(ROUND(CAST(`amount` AS DOUBLE) * CAST(100 AS DOUBLE)) AS BIGINT) AS DECIMAL(38, 0)))" in follow_up
    assert "FILTER(WHERE status = 'ok')" in duck and "FILTER(WHERE status = 'ok')" in spark


def test_unit_and_time_columns_of_the_wrong_type():
    src = SourceSpec(path="x", city="city", time="day", indicators=[{"code": "n", "measure": "count(*)"}])
    with pytest.raises(DataError, match="the city column 'city' has type DOUBLE; city codes must be text or whole numbers"):
        compile_source(src, {"city": "DOUBLE", "day": "DATE"}, freq="quarter", view="v")
    with pytest.raises(DataError, match="the time column 'day' has type BOOLEAN"):
        compile_source(src, {"city": "VARCHAR", "day": "BOOLEAN"}, freq="quarter", view="v")
