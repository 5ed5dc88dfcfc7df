"""A YAML spec with `sources` builds through the engine: Index.from_spec and `dtindex build`."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.errors import SpecError
from dtindex.index import Index
from dtindex.spec.index_spec import IndexSpec

from .conftest import FRAMEWORK, SMALL_INDICATORS


def _spec(tmp_path, parquet, **extra):
    spec = {"name": "raw", "framework": FRAMEWORK, "periods": {"start": "2021Q1", "end": "2021Q2"},
            "base_period": "2021Q1", "methods": {"normalise": {"method": "base_share"}},
            "sources": [{"name": "pay", "path": str(parquet), "city": "city", "time": "day", "grain": "day",
                         "indicators": SMALL_INDICATORS}], **extra}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_from_spec_aggregates_raw_records(tmp_path, small_parquet):
    idx = Index.from_spec(_spec(tmp_path, small_parquet))
    assert idx.panel.units == ("110000", "310000") and idx.period_labels == ("2021Q1", "2021Q2")
    # base_share of orders: 110000 has 3 of the 4 base-quarter records
    assert idx.table("orders")["2021Q1"].tolist() == pytest.approx([75.0, 25.0])
    assert any(k.startswith("source:") for k in idx.recipe()["inputs"])


def test_cli_build_with_sources(tmp_path, small_parquet):
    res = CliRunner().invoke(main, ["build", str(_spec(tmp_path, small_parquet)), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "scores.csv").exists()


def test_data_and_sources_together_refused(tmp_path, small_parquet):
    path = _spec(tmp_path, small_parquet, data={"path": "x.csv"})
    with pytest.raises(SpecError, match="either 'data'"):
        Index.from_spec(path)


def test_engine_commands(tmp_path, small_parquet):
    spec = _spec(tmp_path, small_parquet, engine={"store": "ws.duckdb"})
    run = CliRunner()
    res = run.invoke(main, ["engine", "aggregate", str(spec), "--out", str(tmp_path / "agg")])
    assert res.exit_code == 0, res.output
    import pandas as pd

    obs = pd.read_csv(tmp_path / "agg" / "observations.csv", dtype={"unit": str})
    assert set(obs["indicator"]) == {"pay", "orders", "users", "ok_share"}
    res = run.invoke(main, ["engine", "explain", str(spec)])
    assert res.exit_code == 0 and "SELECT" in res.output.upper()
    res = run.invoke(main, ["engine", "publish", str(spec), "--release", "r1", "--note", "first"])
    assert res.exit_code == 0, res.output
    res = run.invoke(main, ["engine", "publish", str(spec), "--release", "r1"])
    assert res.exit_code == 1  # a release is written once
    res = run.invoke(main, ["engine", "releases", str(tmp_path / "ws.duckdb")])
    assert res.exit_code == 0 and "r1" in res.output and "first" in res.output
