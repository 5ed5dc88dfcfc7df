"""load_panel: observations -> Panel -> index build."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from dtindex.engine import load_panel
from dtindex.errors import SpecError
from dtindex.index import build
from dtindex.spec.index_spec import IndexSpec

from .conftest import FRAMEWORK, small_spec


def test_panel_units_periods_values_and_log(small_parquet):
    spec = small_spec(small_parquet)
    panel, log = load_panel(spec, None, spec.build_framework())
    assert panel.units == ("110000", "310000") and panel.unit_names == ("北京市", "上海市")
    assert panel.period_labels == ("2021Q1", "2021Q2")
    # period-major rows: 110000 Q1, 310000 Q1, 110000 Q2, 310000 Q2
    assert panel.values["pay"].tolist() == [10.3, 0.1, 7.25, 0.2]
    assert panel.values["orders"].tolist() == [3, 1, 1, 2]
    assert panel.present.all() and log == []
    idx = build(spec, spec.build_framework(), panel)
    assert idx.scores["DTI"].shape == (4,) and np.isfinite(idx.scores["DTI"]).all()


def test_groups_come_from_the_city_table_and_empty_zero(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('440300', DATE '2021-01-02', 'ok'), ('440300', DATE '2021-04-02', 'x'),"
                " ('110000', DATE '2021-04-02', 'ok')) v(city, day, status)")
    path = tmp_path / "t.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    fw = [{"code": "DTI", "type": "aggregate"}, {"code": "n", "parent": "DTI"}, {"code": "ok", "parent": "DTI"}]
    spec = IndexSpec(framework=fw, groups=["province", "tier_2025"], periods={"start": "2021Q1", "end": "2021Q2"},
                     sources=[{"path": str(path), "city": "city", "time": "day", "indicators": [
                         {"code": "n", "measure": "count(*)"},
                         {"code": "ok", "measure": "count(*)", "filter": "status = 'ok'", "empty": "zero"}]}])
    panel, _ = load_panel(spec, None, spec.build_framework())
    assert panel.units == ("110000", "440300")
    assert panel.groups["province"].tolist() == ["北京市", "广东省"] * 2
    assert panel.groups["tier_2025"].tolist() == ["一线", "一线"] * 2
    assert panel.present.tolist() == [False, True, True, True]  # 110000 has no rows in 2021Q1
    ok = panel.values["ok"]
    assert np.isnan(ok[0]) and ok[1:].tolist() == [1.0, 1.0, 0.0]  # 440300 2021Q2: no 'ok' rows -> 0


def test_framework_indicators_must_be_defined(small_parquet):
    spec = small_spec(small_parquet)
    fw = IndexSpec(framework=[*FRAMEWORK, {"code": "extra", "parent": "DTI"}]).build_framework()
    with pytest.raises(SpecError, match="indicators extra of the framework are not defined in any source"):
        load_panel(spec, None, fw)
    bad_group = IndexSpec(framework=FRAMEWORK, groups=["sector"]).build_framework()
    with pytest.raises(SpecError, match="group column 'sector' cannot be filled from raw sources"):
        load_panel(spec, None, bad_group)


def test_relative_paths_resolve_against_the_spec_folder(small_parquet):
    spec = small_spec(small_parquet.name)
    panel, _ = load_panel(spec, small_parquet.parent, spec.build_framework())
    assert panel.values["orders"].tolist() == [3, 1, 1, 2]


def test_explain_shows_the_sql_each_source_runs(small_parquet):
    from dtindex.engine import engine_config, explain

    sql = explain(engine_config(small_spec(small_parquet), None), periods=["2021Q2"])
    assert list(sql) == ["pay"]
    assert sql["pay"].startswith('SELECT "city" AS k_city') and "CAST('2021-04-01' AS DATE)" in sql["pay"]
