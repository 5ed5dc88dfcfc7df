"""The demo's shipped sources spec (specs/dti-2023-industry.yaml) on DuckDB and on Spark: identical values."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dtindex.demo.aggregate import aggregate_records
from dtindex.demo.generator import generate
from dtindex.demo.params import params_for_size

pytestmark = pytest.mark.spark


def test_demo_sources_identical_on_spark(tmp_path, spark):
    from dtindex.engine.spark_backend import SparkBackend
    from dtindex.engine.spec import EngineSpec

    raw = generate(tmp_path / "raw", params_for_size("small"))
    manifest = json.loads((raw.path / "manifest.json").read_text(encoding="utf-8"))
    duck = aggregate_records(tmp_path, manifest=manifest, threads=2)
    backend = SparkBackend(EngineSpec(name="spark"), session=spark)
    try:
        sp = aggregate_records(tmp_path, manifest=manifest, engine="spark", backend=backend)
    finally:
        backend.close()
    assert sp.engine == "spark" and duck.engine.startswith("duckdb")
    assert len(duck.values) > 1000 and set(duck.values["indicator"]) == set(manifest["records_by_product"])
    pd.testing.assert_frame_equal(duck.values, sp.values, check_exact=True)
    assert duck.records_by_quarter == sp.records_by_quarter == raw.records_by_quarter
    assert duck.records_by_product == sp.records_by_product == raw.records_by_product
