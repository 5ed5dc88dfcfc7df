"""Workspace store: incremental quarters, versioned releases, atomic writes."""

from __future__ import annotations

import glob

import duckdb
import numpy as np
import pytest

from dtindex.engine import engine_config, load_panel
from dtindex.engine import store as store_mod
from dtindex.engine.store import Store
from dtindex.errors import DataError
from dtindex.index import build

from .conftest import SMALL_ROWS, small_spec, write_small

Q3_ROWS = [("110000", "2021-07-05", 1.25, "u1", "ok"), ("310000", "2021-09-30", 2.5, "u9", "ok"),
           ("310000", "2021-08-01", 9.0, "u9", "refund")]


def _hive(root, rows, append=False):
    con = duckdb.connect()
    write_small(con, rows)
    con.execute(f"COPY small TO '{root}' (FORMAT parquet, PARTITION_BY (day){', APPEND' if append else ''})")


def _build(spec):
    fw = spec.build_framework()
    panel, log = load_panel(spec, None, fw)
    return build(spec, fw, panel), log


def test_incremental_quarter_reads_only_its_partitions_and_releases_stay(tmp_path):
    root, ws = tmp_path / "raw", tmp_path / "ws.duckdb"
    _hive(root, SMALL_ROWS)
    engine = {"store": str(ws)}
    spec2 = small_spec(root, engine=engine, periods=("2021Q1", "2021Q2"))
    idx2, log = _build(spec2)
    assert log == ["store: source pay: aggregated 2 periods (2021Q1..2021Q2)"]
    store = Store(ws)
    store.publish("2021Q2", idx2, note="first release")
    first = store.release("2021Q2")

    # a new quarter arrives; the old partitions become unreadable (all but the first file, which DuckDB reads
    # for the column names): an incremental run that touched them would fail
    _hive(root, Q3_ROWS, append=True)
    old = sorted(f for f in glob.glob(str(root / "**" / "*.parquet"), recursive=True) if "2021-07" not in f
                 and "2021-08" not in f and "2021-09" not in f)
    for f in old[1:]:
        with open(f, "wb") as fh:
            fh.write(b"corrupt")
    spec3 = small_spec(root, engine=engine, periods=("2021Q1", "2021Q3"))
    idx3, log = _build(spec3)
    assert log == ["store: source pay: aggregated 2021Q3", "store: reused 2 periods (2021Q1..2021Q2) from the store"]
    pay = idx3.stages["raw"]["pay"].reshape(3, 2)  # periods x units (110000, 310000)
    assert pay.tolist() == [[10.3, 0.1], [7.25, 0.2], [1.25, 2.5]]
    store.publish("2021Q3", idx3)

    assert store.releases()["release"].tolist() == ["2021Q2", "2021Q3"]
    again = store.release("2021Q2")  # unchanged and readable
    assert again.periods == ("2021Q1", "2021Q2") and again.note == "first release"
    for a, b in ((first.scores, again.scores), (first.observations, again.observations), (first.weights, again.weights)):
        assert a.equals(b)
    np.testing.assert_array_equal(again.scores.loc[again.scores["iCode"] == "DTI", "value"].to_numpy(),
                                  idx2.scores_long().query("iCode == 'DTI'")["value"].to_numpy())
    assert set(store.release("2021Q3").observations["period"]) == {"2021Q1", "2021Q2", "2021Q3"}
    with pytest.raises(DataError, match="release '2021Q2' exists; releases are never changed"):
        store.publish("2021Q2", idx3)
    with pytest.raises(DataError, match="no release 'nope'; releases are 2021Q2, 2021Q3"):
        store.release("nope")
    assert store.batches()["periods"].tolist() == ["2021Q1,2021Q2", "2021Q3"]


def test_changed_definition_and_refresh_reaggregate(tmp_path):
    path = tmp_path / "t.parquet"
    con = duckdb.connect()
    write_small(con)
    con.execute(f"COPY small TO '{path}' (FORMAT parquet)")
    ws = tmp_path / "ws.duckdb"
    spec = small_spec(path, engine={"store": str(ws)})
    cfg = engine_config(spec, None)
    store = Store(ws)
    assert store.sync(cfg).aggregated == {"pay": ("2021Q1", "2021Q2")}
    assert store.sync(cfg).aggregated == {}  # nothing new
    assert store.sync(cfg, periods=["2021Q2"], refresh=True).aggregated == {"pay": ("2021Q2",)}
    changed = small_spec(path, engine={"store": str(ws)}, indicators=[
        {"code": "pay", "measure": "sum(amount)", "scale": 2}, {"code": "orders", "measure": "count(*)"},
        {"code": "users", "measure": "count(distinct user_id)"},
        {"code": "ok_share", "measure": "count(*) / count(*)", "numerator_filter": "status = 'ok'"}])
    res = store.sync(engine_config(changed, None))
    assert res.aggregated == {"pay": ("2021Q1", "2021Q2")}  # the pay filter changed: every period again
    obs = store.observations(["pay"])
    assert obs[["unit", "period", "value"]].values.tolist() == [
        ["110000", "2021Q1", 15.3], ["310000", "2021Q1", 0.1], ["110000", "2021Q2", 7.25], ["310000", "2021Q2", 3.2]]
    assert len(store.observations()) == 16  # replaced, not appended


def test_failed_write_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    con = duckdb.connect()
    write_small(con)
    con.execute(f"COPY small TO '{path}' (FORMAT parquet)")
    ws = tmp_path / "ws.duckdb"
    store = Store(ws)
    cfg = engine_config(small_spec(path), None)
    store.sync(cfg, periods=["2021Q1"])
    before = store.observations()
    real = store_mod._insert

    def failing(con, table, frame, columns):
        if table == "loads":
            raise RuntimeError("disk full")
        real(con, table, frame, columns)

    monkeypatch.setattr(store_mod, "_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        store.sync(cfg, periods=["2021Q1", "2021Q2"], refresh=True)
    assert store.observations().equals(before) and len(store.batches()) == 1
    monkeypatch.setattr(store_mod, "_insert", real)
    store.sync(cfg)
    assert sorted(set(store.observations()["period"])) == ["2021Q1", "2021Q2"]


def test_dirty_counts_are_kept_per_batch(tmp_path):
    path = tmp_path / "t.parquet"
    con = duckdb.connect()
    write_small(con, SMALL_ROWS + [("999999", "2021-01-02", 1.0, "u1", "ok")])
    con.execute(f"COPY small TO '{path}' (FORMAT parquet)")
    store = Store(tmp_path / "ws.duckdb")
    res = store.sync(engine_config(small_spec(path, policies={"unknown_code": "drop"}), None))
    log = store.build_log(res.batch_id)
    assert log[["indicator", "category", "n_rows"]].values.tolist() == [
        ["ok_share", "unknown_code", 1], ["orders", "unknown_code", 1], ["pay", "unknown_code", 1],
        ["users", "unknown_code", 1]]
