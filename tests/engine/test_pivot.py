"""Many-indicator sources compiled to one query grouped by the filter column (plan.choose_pivot).

The grouped form must give exactly the observations and dirty-data log of the
FILTER form (one aggregate per indicator), on clean and dirty data, for
equalities, IN lists, counts, float and decimal sums.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dtindex.engine.plan as plan_mod
from dtindex.engine import aggregate, engine_config, explain
from dtindex.engine.duckdb_backend import DuckDBBackend
from dtindex.engine.spec import EngineSpec

from .conftest import BIG_INDICATORS, SMALL_ROWS, many_spec, small_spec


def _filter_form(monkeypatch) -> None:
    monkeypatch.setattr(plan_mod, "choose_pivot", lambda plan: (None, "FILTER aggregates (forced by the test)"))


@pytest.mark.parametrize("policies", [None, {"unknown_code": "drop", "null_unit": "drop", "negative": "keep",
                                             "out_of_period": "drop"}])
def test_grouped_query_equals_filter_aggregates_on_dirty_data(big_data, monkeypatch, policies):
    spec = many_spec({"path": str(big_data["parquet"]), "industry": "industry"}, policies=policies)
    cfg = engine_config(spec, None)
    sql = explain(cfg, with_plan=True)["many"]
    assert sql.startswith("-- plan: grouped by 'status'") and "FILTER(WHERE" not in sql.replace(" ", "") and "k_pivot" in sql
    grouped = aggregate(cfg)
    assert set(grouped.observations["indicator"]) == {i for i in
                                                     ("pay_ok", "pay_refund", "pay_all", "n_ok", "n_refund", "fee_ok")}
    if policies is None:
        assert set(grouped.log["category"]) >= {"unknown_code", "null_unit", "out_of_period", "negative", "null_value"}
    _filter_form(monkeypatch)
    assert "FILTER(WHERE" in explain(cfg)["many"].replace(" ", "")
    filtered = aggregate(cfg)
    pd.testing.assert_frame_equal(grouped.observations, filtered.observations, check_exact=True)
    pd.testing.assert_frame_equal(grouped.log, filtered.log, check_exact=True)


def test_in_list_is_the_exact_sum_of_its_values(big_data):
    obs = aggregate(engine_config(many_spec({"path": str(big_data["parquet"])}), None)).observations
    wide = obs.pivot_table(index=["unit", "period"], columns="indicator", values="value", aggfunc="first")
    both = wide.dropna(subset=["pay_ok", "pay_refund"])
    # sums of 2-decimal amounts: exact totals in cents, so ok + refund == all to the last bit after rounding
    assert ((both["pay_ok"] * 100).round() + (both["pay_refund"] * 100).round()
            == (both["pay_all"] * 100).round()).all()
    assert len(both) > 50


def test_hand_computed_values(small_parquet):
    # SMALL_ROWS: city 110000 2021Q1 ok 10.10 + 0.20, refund 5.00; 2021Q2 ok 7.25; 310000 2021Q1 ok 0.10;
    # 2021Q2 ok 0.20, refund 3.00
    inds = [{"code": "ok", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2},
            {"code": "refund", "measure": "sum(amount)", "filter": "status = 'refund'", "scale": 2},
            {"code": "n", "measure": "count(*)", "filter": "status IN ('ok', 'refund')"}]
    assert len(SMALL_ROWS) == 7
    obs = aggregate(engine_config(small_spec(small_parquet, indicators=inds), None)).observations
    got = {(r.indicator, r.unit, r.period): (r.value, r.n_rows) for r in obs.itertuples()}
    assert got[("ok", "110000", "2021Q1")] == (10.3, 2)
    assert got[("refund", "110000", "2021Q1")] == (5.0, 1)
    assert got[("ok", "310000", "2021Q2")] == (0.2, 1)
    assert got[("n", "310000", "2021Q2")] == (2.0, 2)
    assert ("refund", "110000", "2021Q2") not in got  # no refund rows there: no observation
    assert len(obs) == 4 + 2 + 4


def test_which_sources_keep_filter_aggregates(big_data):
    def choice(indicators):
        cfg = engine_config(many_spec({"path": str(big_data["parquet"])}, indicators=indicators), None)
        with DuckDBBackend(EngineSpec()) as backend:
            return explain(cfg, backend, with_plan=True)["many"].splitlines()[0]

    assert "has no filter" in choice(BIG_INDICATORS)
    assert "count(distinct) over several filter values" in choice(
        [{"code": "a", "measure": "count(*)", "filter": "status = 'ok'"},
         {"code": "b", "measure": "count(distinct user_id)", "filter": "status IN ('ok', 'refund')"}])
    assert "different columns" in choice([{"code": "a", "measure": "count(*)", "filter": "status = 'ok'"},
                                          {"code": "b", "measure": "count(*)", "filter": "industry = 'retail'"}])
    assert "not an equality" in choice([{"code": "a", "measure": "count(*)", "filter": "status = 'ok'"},
                                        {"code": "b", "measure": "count(*)", "filter": "status <> 'ok'"}])
    assert "no filter" in choice([{"code": "a", "measure": "count(*)", "filter": "status = 'ok'"},
                                  {"code": "b", "measure": "count(*)"}])
    assert "1 indicator" in choice([{"code": "a", "measure": "count(*)", "filter": "status = 'ok'"}])
    # a whole-number column with number literals is grouped too
    assert "grouped by 'user_id'" in choice([{"code": "a", "measure": "count(*)", "filter": "user_id = 7"},
                                             {"code": "b", "measure": "count(*)", "filter": "user_id IN (1, 2)"}])


def test_incremental_periods_use_the_grouped_query_too(big_data, monkeypatch):
    cfg = engine_config(many_spec({"path": str(big_data["parquet"])}), None)
    grouped = aggregate(cfg, periods=["2021Q2", "2021Q3"])
    assert set(grouped.observations["period"]) == {"2021Q2", "2021Q3"}
    _filter_form(monkeypatch)
    filtered = aggregate(cfg, periods=["2021Q2", "2021Q3"])
    pd.testing.assert_frame_equal(grouped.observations, filtered.observations, check_exact=True)
    pd.testing.assert_frame_equal(grouped.log, filtered.log, check_exact=True)
