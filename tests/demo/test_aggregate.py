"""The demo's aggregation through the raw-record engine: hand-computed values, pandas cross-check, errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dtindex.demo.aggregate import aggregate_records, indicator_products, load_sources_spec
from dtindex.demo.generator import (
    demo_cities,
    industries,
    iter_chunks,
    make_population,
    time_slots,
)
from dtindex.demo.params import PRODUCTS
from dtindex.engine import engine_config
from dtindex.errors import DataError
from dtindex.spec.index_spec import load_spec

SPECS = Path(__file__).parents[2] / "src" / "dtindex" / "specs"
PERIODS = ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1"]
#: indicator -> measure column of the per-product table in the pandas cross-check
MEASURE_OF = {"cloud": "amount_sum", "ai": "events_sum", "agile": "enterprises", "meeting": "amount_sum",
              "docs": "records", "payment": "amount_sum", "ecommerce": "amount_sum", "ticketing": "events_sum"}


def _write(tmp: Path, records: pd.DataFrame, enterprises: pd.DataFrame) -> tuple[str, str]:
    """Write hand-made records (date as text, amount as text) and a directory as Parquet, laid out as
    ``tmp/raw/records/quarter=x/part-0000.parquet`` and ``tmp/raw/enterprises.parquet`` (what the spec reads)."""
    con = duckdb.connect()
    con.register("r", records)
    con.register("e", enterprises)
    (tmp / "raw" / "records" / "quarter=x").mkdir(parents=True, exist_ok=True)
    rec = str(tmp / "raw" / "records" / "quarter=x" / "part-0000.parquet")
    ent = str(tmp / "raw" / "enterprises.parquet")
    con.execute(f"COPY (SELECT enterprise_id::INTEGER AS enterprise_id, product::VARCHAR AS product, "
                f"CAST(date AS DATE) AS date, CAST(amount AS DECIMAL(18, 2)) AS amount, events::INTEGER AS events "
                f"FROM r) TO '{rec}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT enterprise_id::INTEGER AS enterprise_id, adcode::VARCHAR AS adcode, "
                f"industry::VARCHAR AS industry FROM e) TO '{ent}' (FORMAT parquet)")
    con.close()
    return rec, ent


ENTERPRISES = pd.DataFrame({"enterprise_id": [1, 2, 3], "adcode": ["110000", "110000", "440300"],
                            "industry": ["I", "I", "C"]})


def test_hand_computed_measures(tmp_path):
    records = pd.DataFrame({
        "enterprise_id": [1, 1, 2, 2, 1, 3, 3],
        "product": ["cloud", "cloud", "cloud", "agile", "agile", "agile", "docs"],
        "date": ["2021-01-04", "2021-03-29", "2021-02-01", "2021-01-04", "2021-01-11", "2021-04-05", "2021-04-05"],
        "amount": ["100.10", "200.20", "0.01", "8.00", "8.00", "1.50", "3.00"],
        "events": [1, 2, 3, 4, 5, 6, 7],
    })
    _write(tmp_path, records, ENTERPRISES)
    agg = aggregate_records(tmp_path, manifest=_manifest(records))
    got = agg.values
    # Beijing (110000) industry I, 2021Q1: cloud = 100.10 + 200.20 + 0.01 = 300.31 (sum of amount);
    # agile = 2 distinct enterprises (1 and 2) although 2 records; Shenzhen C 2021Q2: agile 1, docs 1 record.
    expected = pd.DataFrame({
        "adcode": ["110000", "110000", "440300", "440300"],
        "industry": ["I", "I", "C", "C"],
        "quarter": ["2021Q1", "2021Q1", "2021Q2", "2021Q2"],
        "indicator": ["agile", "cloud", "agile", "docs"],
        "value": [2.0, 300.31, 1.0, 1.0],
    })
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
    assert agg.n_records == 7 and agg.records_by_quarter == {"2021Q1": 5, "2021Q2": 2, **{q: 0 for q in PERIODS[2:]}}
    assert agg.records_by_product == {"agile": 3, "cloud": 3, "docs": 1, **{p: 0 for p in PRODUCTS
                                                                           if p not in ("agile", "cloud", "docs")}}
    assert agg.unused_products == {} and agg.log.empty
    assert agg.engine.startswith("duckdb ") and "-- plan: " in agg.sql and "FROM \"dt_src_0\"" in agg.sql


def test_unused_products_are_counted_not_hidden(tmp_path):
    records = pd.DataFrame({"enterprise_id": [1, 1], "product": ["cloud", "fax"], "date": ["2021-01-04"] * 2,
                            "amount": ["1.00", "2.00"], "events": [1, 1]})
    _write(tmp_path, records, ENTERPRISES)
    agg = aggregate_records(tmp_path, manifest=_manifest(records))
    # the spec's filters select only its eight products: the fax record is read by no indicator, and reported
    assert agg.unused_products == {"fax": 1}
    assert agg.n_records == 1 and agg.records_by_product["cloud"] == 1


@pytest.mark.parametrize("records, message", [
    (pd.DataFrame({"enterprise_id": [1, 9, 9], "product": ["cloud"] * 3, "date": ["2021-01-04"] * 3,
                   "amount": ["1.00"] * 3, "events": [1] * 3}),
     r"indicator cloud: 2 rows with an empty city or industry: .*keys not in lookup enterprises.parquet: "
     r"9 \(2 rows\)"),
    (pd.DataFrame({"enterprise_id": [1, 2], "product": ["cloud"] * 2, "date": ["2021-01-04"] * 2,
                   "amount": ["1.00", "-5.00"], "events": [1, 1]}),
     r"indicator cloud: 1 rows with negative values"),
    (pd.DataFrame({"enterprise_id": [1, 2], "product": ["cloud"] * 2, "date": ["2021-01-04", "2020-12-28"],
                   "amount": ["1.00"] * 2, "events": [1, 1]}),
     r"indicator cloud: 1 rows outside the declared periods or with an unreadable time: 2020Q4 \(1 row\)"),
])
def test_bad_records_are_errors(tmp_path, records, message):
    _write(tmp_path, records, ENTERPRISES)
    with pytest.raises(DataError, match=message):
        aggregate_records(tmp_path)


def test_duplicate_enterprise_ids_and_missing_directory(tmp_path):
    records = pd.DataFrame({"enterprise_id": [1], "product": ["cloud"], "date": ["2021-01-04"], "amount": ["1"],
                            "events": [1]})
    _write(tmp_path, records, pd.concat([ENTERPRISES, ENTERPRISES.iloc[[0]]]))
    with pytest.raises(DataError, match=r"lookup enterprises.parquet: key 'enterprise_id' is not unique \(1 \(2 rows\)\)"):
        aggregate_records(tmp_path)
    (tmp_path / "raw" / "enterprises.parquet").unlink()
    with pytest.raises(DataError, match=r"enterprises.parquet"):
        aggregate_records(tmp_path)


def test_read_counts_must_match_the_manifest(tmp_path):
    records = pd.DataFrame({"enterprise_id": [1, 2], "product": ["cloud", "ai"], "date": ["2021-01-04"] * 2,
                            "amount": ["1.00"] * 2, "events": [1, 1]})
    _write(tmp_path, records, ENTERPRISES)
    manifest = _manifest(records)
    manifest["records_by_product"]["ai"] = 5
    with pytest.raises(DataError, match=r"other record counts than the generator wrote \(ai: read 1, written 5\)"):
        aggregate_records(tmp_path, manifest=manifest)


def _manifest(records: pd.DataFrame) -> dict:
    """What the generator's manifest says about hand-made records."""
    q = pd.to_datetime(records["date"]).dt.to_period("Q").astype(str).str.replace("Q", "Q")
    return {"records_by_quarter": {p: int((q == p).sum()) for p in PERIODS},
            "records_by_product": {str(k): int(v) for k, v in records["product"].value_counts().items()}}


# ---------------------------------------------------------------------- the small size
def _pandas_aggregate(params) -> pd.DataFrame:
    """The same indicators computed with pandas straight from the generator's arrays (no Parquet, no SQL)."""
    slots = time_slots(params)
    pop = make_population(params, demo_cities(params), industries(), slots)
    rec = pd.concat([c.frame().assign(quarter=c.quarter) for c in iter_chunks(params, pop, slots)], ignore_index=True)
    rec["adcode"] = pop.enterprises["adcode"].to_numpy()[rec["enterprise_id"] - 1]
    rec["industry"] = pop.enterprises["industry"].to_numpy()[rec["enterprise_id"] - 1]
    rec["product"] = np.array(PRODUCTS, dtype=object)[rec["product"]]
    g = rec.groupby(["adcode", "industry", "quarter", "product"])
    per = pd.DataFrame({
        "amount_sum": g["amount_cents"].sum() / 100.0,
        "events_sum": g["events"].sum().astype(float),
        "records": g.size().astype(float),
        "enterprises": g["enterprise_id"].nunique().astype(float),
    }).reset_index()
    frames = []
    for code, measure in MEASURE_OF.items():  # every indicator of the demo is one product's records
        sub = per[per["product"] == code]
        frames.append(pd.DataFrame({"adcode": sub["adcode"], "industry": sub["industry"], "quarter": sub["quarter"],
                                    "indicator": code, "value": sub[measure]}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["adcode", "industry", "quarter", "indicator"], kind="stable").reset_index(drop=True)


def test_engine_equals_pandas_on_the_small_size(small_raw, small_params):
    agg = aggregate_records(small_raw.path.parent, manifest=json.loads((small_raw.path / "manifest.json").read_text()))
    ref = _pandas_aggregate(small_params)
    got = agg.values
    assert len(got) == len(ref) > 1000
    for col in ("adcode", "industry", "quarter", "indicator"):
        assert list(got[col]) == list(ref[col]), col
    np.testing.assert_allclose(got["value"].to_numpy(), ref["value"].to_numpy(), rtol=1e-13, atol=0)
    counts = ~ref["indicator"].isin(["cloud", "meeting", "payment", "ecommerce"])
    np.testing.assert_array_equal(got["value"][counts].to_numpy(), ref["value"][counts].to_numpy())
    assert agg.n_records == small_raw.n_records and agg.records_by_quarter == small_raw.records_by_quarter


def test_results_identical_across_runs_and_thread_counts(small_raw):
    runs = [aggregate_records(small_raw.path.parent, threads=t) for t in (1, 2, 2)]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].values, other.values, check_exact=True)
        assert runs[0].sql == other.sql


def test_shipped_sources_measure_every_indicator_of_both_specs():
    spec, base = load_sources_spec()
    config = engine_config(spec, base)
    products = indicator_products(config)
    assert products == {p: p for p in PRODUCTS}  # one indicator per product, named after it
    measures = {i.code: i.measure for s in config.sources for i in s.indicators}
    assert {c: m for c, m in measures.items()} == {
        "cloud": "sum(amount)", "ai": "sum(events)", "agile": "count(distinct enterprise_id)",
        "meeting": "sum(amount)", "docs": "count(*)", "payment": "sum(amount)", "ecommerce": "sum(amount)",
        "ticketing": "sum(events)"}
    for name in ("dti-2023.yaml", "dti-2023-industry.yaml"):
        s, b = load_spec(SPECS / name)
        assert set(s.build_framework(b).indicators) <= set(measures), name
