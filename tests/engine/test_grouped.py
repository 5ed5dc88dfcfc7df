"""Observations straight from the grouped rows of a clean many-indicator source (engine/grouped.py).

The direct path must give exactly the observations and log of the general path (wide table, dirty-data
policies) and of the FILTER form, and must step aside whenever the general path has work to do.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import dtindex.engine.aggregation as engine_mod
import dtindex.engine.grouped as grouped
import dtindex.engine.plan as plan_mod
from dtindex.errors import DataError
from dtindex.engine import aggregate, engine_config

from .conftest import DIRECT_INDICATORS, many_spec


@pytest.fixture()
def direct_calls(monkeypatch):
    """Record whether each call of the direct path produced the observations."""
    calls = []
    real = grouped.observations

    def spy(*args, **kw):
        out = real(*args, **kw)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(engine_mod, "grouped_observations", spy)
    return calls


def _general(monkeypatch) -> None:
    monkeypatch.setattr(engine_mod, "grouped_observations", lambda *a, **k: None)


@pytest.mark.parametrize("industry", [True, False])
def test_direct_path_equals_general_path_and_filter_form(clean_many, monkeypatch, direct_calls, industry):
    source = {"path": str(clean_many), **({"industry": "industry"} if industry else {})}
    cfg = engine_config(many_spec(source, indicators=DIRECT_INDICATORS), None)
    direct = aggregate(cfg)
    assert direct_calls == [True]
    obs = direct.observations
    assert set(obs["indicator"]) == {i["code"] for i in DIRECT_INDICATORS} - {"n_void"}
    assert set(direct.log["category"]) == {"null_value"}  # NULL amounts (some ok, some refund)
    assert {"pay_ok", "pay_ok_again", "pay_refund"} >= set(direct.log["indicator"]) >= {"pay_ok", "pay_ok_again"}
    assert (obs["unit"].str.contains(":") == industry).all() and len(obs) > 300
    _general(monkeypatch)
    general = aggregate(cfg)
    pd.testing.assert_frame_equal(direct.observations, general.observations, check_exact=True)
    pd.testing.assert_frame_equal(direct.log, general.log, check_exact=True)
    monkeypatch.setattr(plan_mod, "choose_pivot", lambda plan: (None, "FILTER aggregates (forced by the test)"))
    filtered = aggregate(cfg)
    pd.testing.assert_frame_equal(direct.observations, filtered.observations, check_exact=True)
    pd.testing.assert_frame_equal(direct.log, filtered.log, check_exact=True)


def test_hand_computed_order_and_values(tmp_path, direct_calls):
    # unit order is by label text: "1100:B" sorts after "11000:A" (':' > '0'), periods before units
    rows = [("1100", "B", "2021-01-05", 1.25, "ok"), ("11000", "A", "2021-02-01", 0.10, "ok"),
            ("11000", "A", "2021-02-02", 0.20, "ok"), ("1100", "B", "2021-04-01", 2.00, "refund"),
            ("11000", "A", "2021-05-01", None, "ok")]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (city VARCHAR, industry VARCHAR, day DATE, amount DOUBLE, status VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, CAST(? AS DATE), ?, ?)", [list(r) for r in rows])
    con.execute(f"COPY t TO '{tmp_path / 't.parquet'}' (FORMAT parquet)")
    inds = [{"code": "ok", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
            {"code": "refund", "measure": "sum(amount)", "filter": "status = 'refund'", "scale": 2}]
    spec = many_spec({"path": str(tmp_path / "t.parquet"), "industry": "industry"}, indicators=inds,
                     periods=("2021Q1", "2021Q2"), engine={"city_codes": ["1100", "11000"]})
    result = aggregate(engine_config(spec, None))
    assert direct_calls == [True]
    got = [(r.indicator, r.unit, r.period, r.value, r.n_rows) for r in result.observations.itertuples()]
    assert got[:2] == [("ok", "11000:A", "2021Q1", 0.3, 2), ("ok", "1100:B", "2021Q1", 1.25, 1)]
    assert got[2][:3] == ("ok", "11000:A", "2021Q2") and pd.isna(got[2][3]) and got[2][4] == 1  # only a NULL amount
    assert got[3:] == [("refund", "1100:B", "2021Q2", 2.0, 1)]
    assert result.log["detail"].tolist() == ["amount is empty"]


@pytest.mark.parametrize("case", ["negative", "unknown_city", "in_list", "decimal"])
def test_general_path_takes_over(clean_many, tmp_path, monkeypatch, direct_calls, case):
    path = clean_many
    inds = list(DIRECT_INDICATORS)
    if case in ("negative", "unknown_city"):
        change = "amount = -1.5" if case == "negative" else "city = '999999'"
        con = duckdb.connect()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{clean_many}')")
        con.execute(f"UPDATE t SET {change} WHERE rowid = 3")
        path = tmp_path / "changed.parquet"
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    elif case == "in_list":
        inds.append({"code": "pay_all", "measure": "sum(amount)", "filter": "status IN ('ok', 'refund')", "scale": 2})
    else:
        inds.append({"code": "fee_ok", "measure": "sum(fee)", "filter": "status = 'ok'"})
    cfg = engine_config(many_spec({"path": str(path), "industry": "industry"}, indicators=inds,
                                  policies={"negative": "keep", "unknown_code": "map_unknown"}), None)
    result = aggregate(cfg)
    # dirty data: the direct path is tried and steps aside; IN lists never take it; decimal sums arrive as
    # whole units and take it
    assert direct_calls == {"negative": [False], "unknown_city": [False], "in_list": [], "decimal": [True]}[case]
    _general(monkeypatch)
    pd.testing.assert_frame_equal(result.observations, aggregate(cfg).observations, check_exact=True)
    assert len(result.observations) > 300


def test_order_keeps_every_row():
    key = np.array([5, 0, 9, 3], dtype=np.int64)
    assert grouped._order(key, 10).tolist() == [1, 3, 0, 2]
    assert grouped._order(key, 10**9).tolist() == [1, 3, 0, 2]  # sparse range: a sort
    dup = np.array([4, 1, 4], dtype=np.int64)
    assert sorted(grouped._order(dup, 10).tolist()) == [0, 1, 2]  # never loses a row


@pytest.mark.parametrize("change", ["city = '999999'", "city = NULL", "industry = 'Z'"])
def test_dirty_keys_read_again_with_text_keys_equal_the_filter_form(clean_many, tmp_path, monkeypatch, change):
    """Keys grouped as ENUM codes (DuckDB): a value no list holds sends the general path the decoded clean groups
    plus the unlisted ones read again with text keys -- together exactly the FILTER form's groups."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{clean_many}')")
    con.execute(f"UPDATE t SET {change} WHERE rowid % 97 = 3")
    path = tmp_path / "dirty.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    source = {"path": str(path), "industry": "industry", "industry_codes": list("ABCDEFGHIJKLMNOPQRST")}
    cfg = engine_config(many_spec(source, indicators=DIRECT_INDICATORS,
                                  policies={"unknown_code": "map_unknown", "null_unit": "drop"}), None)
    coded = aggregate(cfg)
    assert set(coded.log["category"]) >= {"unknown_code" if "NULL" not in change else "null_unit"}
    monkeypatch.setattr(plan_mod, "choose_pivot", lambda plan: (None, "FILTER aggregates (forced by the test)"))
    filtered = aggregate(cfg)
    pd.testing.assert_frame_equal(coded.observations, filtered.observations, check_exact=True)
    pd.testing.assert_frame_equal(coded.log, filtered.log, check_exact=True)


def test_explain_shows_the_coded_query(clean_many):
    from dtindex.engine import explain

    cfg = engine_config(many_spec({"path": str(clean_many), "industry": "industry"}, indicators=DIRECT_INDICATORS), None)
    text = explain(cfg, with_plan=True)
    sql = next(iter(text.values()))
    assert "integer codes of their known values: city (" in sql and "CREATE TYPE" in sql
    assert "ENUM_CODE(TRY_CAST(" in sql
    con = duckdb.connect()  # the printed statements run as they are
    con.execute(f"CREATE VIEW dt_src_0 AS SELECT * FROM read_parquet('{clean_many}')")
    body = sql.split("\n", 1)[1]  # after the "-- plan:" line
    for stmt in [s for s in body.split(";\n") if s.strip()]:
        con.execute(stmt)


def test_distinct_count_of_one_value_is_grouped_and_equals_the_filter_form(clean_many, monkeypatch, direct_calls):
    inds = [*DIRECT_INDICATORS, {"code": "buyers_ok", "measure": "count(distinct user_id)", "filter": "status = 'ok'"},
            {"code": "buyers_refund", "measure": "count(distinct user_id)", "filter": "status = 'refund'"}]
    cfg = engine_config(many_spec({"path": str(clean_many), "industry": "industry"}, indicators=inds), None)
    grouped_result = aggregate(cfg)
    assert direct_calls == [True]
    assert (grouped_result.observations["indicator"] == "buyers_ok").sum() > 100
    monkeypatch.setattr(plan_mod, "choose_pivot", lambda plan: (None, "FILTER aggregates (forced by the test)"))
    filtered = aggregate(cfg)
    pd.testing.assert_frame_equal(grouped_result.observations, filtered.observations, check_exact=True)
    pd.testing.assert_frame_equal(grouped_result.log, filtered.log, check_exact=True)


def test_distinct_count_over_an_in_list_keeps_the_filter_form(clean_many):
    from dtindex.engine.plan import compile_source
    from dtindex.engine import open_backend, register_source

    inds = [*DIRECT_INDICATORS, {"code": "buyers", "measure": "count(distinct user_id)",
                                 "filter": "status IN ('ok', 'refund')"}]
    cfg = engine_config(many_spec({"path": str(clean_many), "industry": "industry"}, indicators=inds), None)
    with open_backend(cfg) as backend:
        schema = register_source(backend, cfg.sources[0], "dt_src_0", cfg)
        plan = compile_source(cfg.sources[0], schema, freq=cfg.freq, view="dt_src_0")
    assert plan.pivot is None and "count(distinct) over several filter values" in plan.choice


@pytest.mark.parametrize("bad", ["'NaN'::DOUBLE", "'Infinity'::DOUBLE"])
def test_nan_or_infinite_values_are_an_error_not_a_zero(clean_many, tmp_path, bad):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{clean_many}')")
    con.execute(f"UPDATE t SET amount = {bad} WHERE rowid = 5")
    path = tmp_path / "nan.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    cfg = engine_config(many_spec({"path": str(path), "industry": "industry"}, indicators=DIRECT_INDICATORS), None)
    with pytest.raises(DataError, match="column 'amount' holds NaN or infinite values"):
        aggregate(cfg)
