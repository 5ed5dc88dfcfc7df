"""DuckDB aggregation of the raw records: hand-computed values, pandas cross-check, determinism, errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dtindex.demo.aggregate import MEASURES, aggregate_records, enterprise_counts
from dtindex.demo.generator import (
    demo_cities,
    industries,
    iter_chunks,
    make_population,
    time_slots,
)
from dtindex.demo.params import PRODUCTS
from dtindex.errors import DataError, SpecError
from dtindex.spec.index_spec import load_spec

SPECS = Path(__file__).parents[2] / "src" / "dtindex" / "specs"
PERIODS = ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1"]


def _write(tmp: Path, records: pd.DataFrame, enterprises: pd.DataFrame) -> tuple[str, str]:
    """Write hand-made records (date as text, amount as text) and a directory as Parquet."""
    con = duckdb.connect()
    con.register("r", records)
    con.register("e", enterprises)
    rec, ent = str(tmp / "records.parquet"), str(tmp / "enterprises.parquet")
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
    rec, ent = _write(tmp_path, records, ENTERPRISES)
    agg = aggregate_records(rec, ent, periods=PERIODS[:2], indicators=["cloud", "agile", "docs", "ai"])
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
    assert agg.n_records == 7 and agg.records_by_quarter == {"2021Q1": 5, "2021Q2": 2}
    assert agg.records_by_product == {"agile": 3, "cloud": 3, "docs": 1}
    assert agg.unused_products == {}


def test_unused_products_are_counted_not_hidden(tmp_path):
    records = pd.DataFrame({"enterprise_id": [1, 1], "product": ["cloud", "fax"], "date": ["2021-01-04"] * 2,
                            "amount": ["1.00", "2.00"], "events": [1, 1]})
    rec, ent = _write(tmp_path, records, ENTERPRISES)
    agg = aggregate_records(rec, ent, periods=PERIODS, indicators=["cloud"])
    assert agg.unused_products == {"fax": 1}
    assert agg.n_records == 2


@pytest.mark.parametrize("records, message", [
    (pd.DataFrame({"enterprise_id": [1, 9, 9], "product": ["cloud"] * 3, "date": ["2021-01-04"] * 3,
                   "amount": ["1.00"] * 3, "events": [1] * 3}),
     r"2 records belong to enterprise ids missing from enterprises.parquet \(e.g. 9\)"),
    (pd.DataFrame({"enterprise_id": [1, 2], "product": ["cloud"] * 2, "date": ["2021-01-04"] * 2,
                   "amount": ["1.00", "-5.00"], "events": [1, 1]}),
     r"1 records have a missing date or product, or a missing or negative amount or events"),
    (pd.DataFrame({"enterprise_id": [1, 2], "product": ["cloud"] * 2, "date": ["2021-01-04", "2020-12-28"],
                   "amount": ["1.00"] * 2, "events": [1, 1]}),
     r"1 records fall in quarters outside 2021Q1..2023Q1: 2020Q4"),
])
def test_bad_records_are_errors(tmp_path, records, message):
    rec, ent = _write(tmp_path, records, ENTERPRISES)
    with pytest.raises(DataError, match=message):
        aggregate_records(rec, ent, periods=PERIODS)


def test_unknown_indicator_and_missing_directory(tmp_path):
    with pytest.raises(SpecError, match=r"The 'indicators' parameter of aggregate_records must be one of 'cloud'"):
        aggregate_records("x.parquet", "y.parquet", periods=PERIODS, indicators=["gdp"])
    with pytest.raises(DataError, match=r"enterprise directory not found"):
        aggregate_records("x.parquet", tmp_path / "none.parquet", periods=PERIODS)


def test_enterprise_counts_and_duplicate_ids(tmp_path):
    _, ent = _write(tmp_path, pd.DataFrame({"enterprise_id": [1], "product": ["cloud"], "date": ["2021-01-04"],
                                            "amount": ["1"], "events": [1]}), ENTERPRISES)
    counts = enterprise_counts(ent)
    assert counts.to_dict("list") == {"adcode": ["110000", "440300"], "industry": ["I", "C"], "enterprises": [2, 1]}
    dup = pd.concat([ENTERPRISES, ENTERPRISES.iloc[[0]]])
    _, ent2 = _write(tmp_path, pd.DataFrame({"enterprise_id": [1], "product": ["cloud"], "date": ["2021-01-04"],
                                             "amount": ["1"], "events": [1]}), dup)
    with pytest.raises(DataError, match=r"duplicate enterprise ids 1"):
        enterprise_counts(ent2)


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
    for code, m in MEASURES.items():
        sub = per[per["product"] == m.product]
        frames.append(pd.DataFrame({"adcode": sub["adcode"], "industry": sub["industry"], "quarter": sub["quarter"],
                                    "indicator": code, "value": sub[m.measure]}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["adcode", "industry", "quarter", "indicator"], kind="stable").reset_index(drop=True)


def test_duckdb_equals_pandas_on_the_small_size(small_raw, small_params):
    agg = aggregate_records(small_raw.records_glob, small_raw.enterprises_path, periods=PERIODS)
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
    runs = [aggregate_records(small_raw.records_glob, small_raw.enterprises_path, periods=PERIODS, threads=t)
            for t in (1, 2, 2)]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].values, other.values, check_exact=True)
        assert runs[0].sql == other.sql


def test_spec_units_name_the_measures():
    for name in ("dti-2023.yaml", "dti-2023-industry.yaml"):
        spec, base = load_spec(SPECS / name)
        fw = spec.build_framework(base)
        for code in fw.indicators:
            m = MEASURES[code]
            assert fw[code].unit == f"{m.unit} / {m.unit_en}", (name, code)
    assert set(MEASURES) == set(PRODUCTS)
