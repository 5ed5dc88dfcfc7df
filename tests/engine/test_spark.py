"""The same specs on DuckDB and on Spark local[2]: identical observations, logs, errors and index scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.engine import aggregate, engine_config, load_panel
from dtindex.engine.duckdb_backend import DuckDBBackend
from dtindex.engine.spark_backend import SparkBackend
from dtindex.engine.spec import EngineSpec
from dtindex.errors import DataError
from dtindex.index import build

from .conftest import DIRECT_INDICATORS, big_spec, many_spec, small_spec

pytestmark = pytest.mark.spark


@pytest.fixture()
def backends(spark):
    duck = DuckDBBackend(EngineSpec(threads=2))
    sp = SparkBackend(EngineSpec(name="spark"), session=spark)
    yield duck, sp
    duck.close()
    sp.close()


def _both(spec, backends, **kw):
    duck, sp = backends
    return aggregate(engine_config(spec, None), duck, **kw), aggregate(engine_config(spec, None, engine="spark"), sp, **kw)


def test_hand_computed_values_on_spark(small_parquet, backends):
    d, s = _both(small_spec(small_parquet), backends)
    assert s.engine == "spark" and d.engine == "duckdb"
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pay = s.observations[s.observations["indicator"] == "pay"]
    assert pay["value"].tolist() == [10.3, 0.1, 7.25, 0.2]


def test_dirty_parquet_identical_observations_logs_and_scores(big_data, backends):
    spec = big_spec({"path": str(big_data["parquet"])})
    d, s = _both(spec, backends)
    assert len(d.observations) > 500 and set(d.log["category"]) >= {"unknown_code", "null_unit", "out_of_period",
                                                                     "negative", "null_value"}
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pd.testing.assert_frame_equal(d.log, s.log, check_exact=True)
    assert "unknown" in set(d.observations["unit"])

    fw = spec.build_framework()
    duck, sp = backends
    pd_, _ = load_panel(spec, None, fw, backend=duck)
    ps_, _ = load_panel(spec, None, fw, engine="spark", backend=sp)
    idx_d, idx_s = build(spec, fw, pd_), build(spec, fw, ps_)
    for code in fw.output_order():
        np.testing.assert_array_equal(idx_d.scores[code], idx_s.scores[code])
        np.testing.assert_array_equal(idx_d.ranks[code], idx_s.ranks[code])


def test_many_indicator_grouped_query_identical(big_data, backends):
    """Indicators that differ only by a filter on one column: one query grouped by it on both engines."""
    spec = many_spec({"path": str(big_data["parquet"]), "industry": "industry"})
    d, s = _both(spec, backends)
    assert len(d.observations) > 500 and "negative" in set(d.log["category"])
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pd.testing.assert_frame_equal(d.log, s.log, check_exact=True)


def test_many_indicator_direct_path_identical(clean_many, backends):
    """Clean data: observations built straight from the grouped rows (engine/grouped.py) on both engines."""
    spec = many_spec({"path": str(clean_many), "industry": "industry"}, indicators=DIRECT_INDICATORS)
    d, s = _both(spec, backends)
    assert len(d.observations) > 300 and set(d.log["category"]) == {"null_value"}
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pd.testing.assert_frame_equal(d.log, s.log, check_exact=True)


def test_csv_and_industry_units_identical(big_data, backends):
    parquet = big_spec({"path": str(big_data["parquet"])})
    csv = big_spec({"kind": "csv", "path": str(big_data["csv"]), "industry": "industry", "columns": {"day": "DATE"}})
    d, s = _both(csv, backends)
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pd.testing.assert_frame_equal(d.log, s.log, check_exact=True)
    assert any(":" in u for u in d.observations["unit"])
    # the fee column is DECIMAL(18,2) in Parquet and text in CSV: the city totals are the same doubles
    by_city = aggregate(engine_config(parquet, None), backends[0]).observations
    fees = d.observations[d.observations["indicator"] == "fees"]
    csv_city = {}
    for c, p, v in zip(fees["city"], fees["period"], fees["value"]):
        csv_city[(c, p)] = csv_city.get((c, p), 0) + v
    pq = by_city[by_city["indicator"] == "fees"]
    for c, p, v in zip(pq["city"], pq["period"], pq["value"]):
        assert csv_city[(c, p)] == pytest.approx(v, rel=1e-12)


def test_incremental_periods_and_errors_identical(big_data, backends):
    spec = big_spec({"path": str(big_data["parquet"])})
    d, s = _both(spec, backends, periods=["2022Q3", "2022Q4"])
    assert set(d.observations["period"]) == {"2022Q3", "2022Q4"}
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    failing = big_spec({"path": str(big_data["parquet"])}, policies={"unknown_code": "fail"})
    messages = []
    for engine, be in zip(("duckdb", "spark"), backends):
        with pytest.raises(DataError) as err:
            aggregate(engine_config(failing, None, engine=engine), be)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "'999999'" in messages[0]


def test_lookup_join_identical(tmp_path, backends):
    from .conftest import lookup_spec, write_lookup

    records, firms = write_lookup(tmp_path)
    d, s = _both(lookup_spec(records, firms), backends)
    pd.testing.assert_frame_equal(d.observations, s.observations, check_exact=True)
    pd.testing.assert_frame_equal(d.log, s.log, check_exact=True)


def test_spark_console_output_goes_to_its_log_not_the_terminal(small_parquet, tmp_path):
    """A session dtindex starts sends Spark's WARN lines and progress bars to engine.spark.log."""
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    log = tmp_path / "spark.log"
    spec = {"framework": [{"code": "DTI", "type": "aggregate"}, {"code": "orders", "parent": "DTI"}],
            "periods": {"start": "2021Q1", "end": "2021Q2"},
            "sources": [{"name": "pay", "kind": "parquet", "path": str(small_parquet), "city": "city", "time": "day",
                         "grain": "day", "indicators": [{"code": "orders", "measure": "count(*)"}]}],
            "engine": {"name": "spark", "spark": {"master": "local[1]", "log": str(log),
                                                  "conf": {"spark.ui.enabled": "false"}}}}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    src = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.run([sys.executable, "-c", "import sys; from dtindex.cli import main; sys.exit(main())",
                           "engine", "aggregate", str(tmp_path / "spec.yaml"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "PYTHONPATH": src})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "observations (spark)" in proc.stdout
    for noise in ("WARN", "[Stage", "log4j", "SparkContext"):
        assert noise not in proc.stderr and noise not in proc.stdout, proc.stderr[-2000:]
    assert log.exists() and log.stat().st_size > 0  # Spark's own start-up lines went there
