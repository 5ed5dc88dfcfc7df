"""The future-industry build gives identical numbers with Spark and DuckDB (the issue's "Spark identical")."""

from __future__ import annotations

import pandas as pd
import pytest

from dtindex.engine.spark_backend import SparkBackend
from dtindex.engine.spec import EngineSpec
from dtindex.future.build import build_future
from tests.future.test_build import SPEC, tiny_cities, write_tiny


@pytest.mark.spark
def test_future_build_spark_equals_duckdb(spark, tmp_path):
    root = write_tiny(tmp_path)
    duck = build_future(SPEC, data_dir=root, cities=tiny_cities())
    with SparkBackend(EngineSpec(name="spark"), session=spark) as backend:
        sp = build_future(SPEC, data_dir=root, cities=tiny_cities(), engine="spark", backend=backend)
    assert duck.engine == "duckdb" and sp.engine == "spark"
    pd.testing.assert_frame_equal(duck.measures, sp.measures, check_exact=True)
    pd.testing.assert_frame_equal(duck.ai, sp.ai, check_exact=True)
    pd.testing.assert_frame_equal(duck.province.scores_long(), sp.province.scores_long(), check_exact=True)
