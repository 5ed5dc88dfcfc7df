"""The sources/engine sections: measures, filters, policies, source kinds, engine settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dtindex.engine.spec import (
    EngineSpec,
    IndicatorDef,
    LookupSpec,
    Policies,
    SourceSpec,
    engine_config,
    parse_filter,
    parse_measure,
)
from dtindex.errors import SpecError
from dtindex.spec.index_spec import IndexSpec

from .conftest import FRAMEWORK


def test_measures_parse_to_kind_and_column():
    assert parse_measure("sum(amount)", "m")[0].text == "sum(amount)"
    assert parse_measure("COUNT(*)", "m")[0].kind == "count"
    num, den = parse_measure("sum(amount) / count(distinct enterprise_id)", "m")
    assert (num.kind, num.column, den.kind, den.column) == ("sum", "amount", "distinct", "enterprise_id")
    assert parse_measure("count(*)", "m")[1] is None


@pytest.mark.parametrize("text,needle", [
    ("avg(amount)", "is not a measure"),
    ("sum(a + b)", "one plain column"),
    ("count(user_id)", "count(*) to count rows"),
    ("sum(", "cannot parse measure"),
    ("count(distinct a, b)", "takes one column"),
])
def test_bad_measures_name_what_is_allowed(text, needle):
    with pytest.raises(SpecError, match="indicator x") as err:
        parse_measure(text, "indicator x")
    assert needle in str(err.value)


def test_filters_are_row_conditions():
    assert parse_filter("status = 'ok' AND amount > 0", "f") is not None
    assert parse_filter("", "f") is None
    for bad in ("amount > (SELECT 1)", "sum(amount) > 3", "row_number() OVER () = 1", "a = 1; DROP TABLE x"):
        with pytest.raises(SpecError, match="indicator pay filter"):
            parse_filter(bad, "indicator pay filter")
    with pytest.raises(SpecError, match="cannot parse filter"):
        parse_filter("status = = 'ok'", "f")


def test_policy_values_use_the_one_message_template():
    with pytest.raises(ValidationError, match="The 'negative' parameter of policies must be one of 'fail', 'drop', 'keep'; got 'map_unknown'"):
        Policies(negative="map_unknown")
    assert Policies().unknown_code == "fail"  # never silently drop: failing is the default


def test_source_shorthand_single_indicator_and_kinds():
    s = SourceSpec.model_validate({"path": "x.parquet", "city": "c", "time": "t", "code": "pay", "measure": "sum(a)"})
    assert [i.code for i in s.indicators] == ["pay"] and s.label == "x.parquet"
    with pytest.raises(ValidationError, match="kind 'parquet' needs 'path'"):
        SourceSpec.model_validate({"city": "c", "time": "t", "code": "p", "measure": "count(*)"})
    with pytest.raises(ValidationError, match="kind 'duckdb' needs 'database'"):
        SourceSpec.model_validate({"kind": "duckdb", "table": "t", "city": "c", "time": "t", "code": "p", "measure": "count(*)"})
    with pytest.raises(ValidationError, match="'kind' parameter of source x must be one of"):
        SourceSpec.model_validate({"name": "x", "kind": "orc", "path": "p", "city": "c", "time": "t", "code": "p",
                                   "measure": "count(*)"})
    with pytest.raises(ValidationError, match="columns.amount: 'MONEY!' is not a SQL type"):
        SourceSpec.model_validate({"path": "p", "city": "c", "time": "t", "code": "p", "measure": "sum(amount)",
                                   "columns": {"amount": "MONEY!"}})
    with pytest.raises(ValidationError, match="lookup: 'columns' lists the columns to bring"):
        LookupSpec(path="e.parquet", key="id", columns=["id"])
    with pytest.raises(ValidationError, match="lookup: kind 'duckdb' needs table"):
        LookupSpec(kind="duckdb", path="e.parquet", key="id", columns=["city"])
    with pytest.raises(ValidationError, match="numerator_filter/denominator_filter need a ratio"):
        IndicatorDef(code="p", measure="count(*)", numerator_filter="a = 1")


def test_needed_columns_and_csv_reader_types():
    s = SourceSpec.model_validate({"kind": "csv", "path": "x.csv", "city": "c", "industry": "ind", "time": "t",
                                   "columns": {"t": "DATE", "qty": "INTEGER"},
                                   "indicators": [{"code": "a", "measure": "sum(amount)", "filter": "qty > 1"},
                                                  {"code": "b", "measure": "count(distinct u)"}]})
    assert s.needed_columns() == ["c", "ind", "t", "amount", "qty", "u"]
    assert s.reader_types() == {"c": "VARCHAR", "ind": "VARCHAR", "t": "DATE", "amount": "DOUBLE", "qty": "INTEGER",
                                "u": "VARCHAR"}


def test_engine_settings_and_config():
    e = EngineSpec(name="spark", spark={"master": "local[2]", "conf": {"spark.ui.enabled": False}})
    assert e.spark.conf == {"spark.ui.enabled": "false"}
    with pytest.raises(ValidationError, match="The 'name' parameter of engine must be one of 'duckdb', 'spark'; got 'flink'"):
        EngineSpec(name="flink")
    spec = IndexSpec(framework=FRAMEWORK, periods={"start": "2021Q1", "end": "2021Q4"},
                     sources=[{"path": "a.parquet", "city": "c", "time": "t", "code": "pay", "measure": "sum(x)",
                               "policies": {"negative": "keep"}}],
                     engine={"policies": {"unknown_code": "drop"}, "city_codes": [110000, 310000]})
    cfg = engine_config(spec, None, engine="spark")
    assert cfg.engine.name == "spark" and cfg.freq == "quarter" and len(cfg.periods) == 4
    assert cfg.policies(cfg.sources[0]) == Policies(unknown_code="drop", negative="keep")
    assert cfg.city_codes() == ("110000", "310000")


def test_engine_config_errors():
    base = {"path": "a.parquet", "city": "c", "time": "t", "code": "pay", "measure": "sum(x)"}
    with pytest.raises(SpecError, match="sources need declared periods"):
        engine_config(IndexSpec(framework=FRAMEWORK, sources=[base]), None)
    with pytest.raises(SpecError, match="grain 'year' is coarser than the spec's periods"):
        engine_config(IndexSpec(framework=FRAMEWORK, periods={"start": "2021Q1", "end": "2021Q2"},
                                sources=[{**base, "grain": "year"}]), None)
    with pytest.raises(SpecError, match="indicators defined more than once: pay"):
        engine_config(IndexSpec(framework=FRAMEWORK, periods={"start": "2021Q1", "end": "2021Q2"},
                                sources=[{**base, "name": "a"}, {**base, "name": "b"}]), None)
    with pytest.raises(SpecError, match=r"sources\[0\] \(s\): .*'grain' parameter of source s must be one of"):
        engine_config(IndexSpec(framework=FRAMEWORK, periods={"start": "2021Q1", "end": "2021Q2"},
                                sources=[{**base, "name": "s", "grain": "week"}]), None)
    with pytest.raises(SpecError, match="the spec has no 'sources'"):
        engine_config(IndexSpec(framework=FRAMEWORK), None)


@pytest.mark.parametrize("field", sorted({*SourceSpec.model_fields, *IndicatorDef.model_fields, *EngineSpec.model_fields,
                                          *Policies.model_fields, *LookupSpec.model_fields, "master", "app_name", "conf"}))
def test_every_setting_is_documented(field):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")
    assert f"`{field}`" in text
