"""Aggregation on DuckDB against hand-computed values, and the dirty-data policies.

The small table (conftest.SMALL_ROWS) gives, for 2021Q1 / 2021Q2:

=======  ==========================  ======  =====  ===========
city     pay = sum(amount) where ok  orders  users  ok_share
=======  ==========================  ======  =====  ===========
110000   10.10 + 0.20 = 10.30 / 7.25  3 / 1   2 / 1  2/3 / 1
310000   0.10 / 0.20                  1 / 2   1 / 2  1 / 1/2
=======  ==========================  ======  =====  ===========
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from dtindex.engine import aggregate, engine_config
from dtindex.errors import DataError

from .conftest import SMALL_ROWS, small_spec, write_small

DIRTY_ROWS = SMALL_ROWS + [
    ("999999", "2021-02-01", 1.00, "u9", "ok"),
    ("888888", "2021-02-02", 2.00, "u9", "ok"),
    ("888888", "2021-05-02", 4.00, "u8", "ok"),
    (None, "2021-02-03", 3.00, "u7", "ok"),
    ("", "2021-02-04", 5.00, "u9", "ok"),
    ("110000", "2020-12-31", 1.00, "u1", "ok"),
    ("110000", "2021-05-05", -2.50, "u1", "ok"),
]


def _parquet(tmp_path, rows, name="t.parquet"):
    con = duckdb.connect()
    write_small(con, rows)
    path = tmp_path / name
    con.execute(f"COPY small TO '{path}' (FORMAT parquet)")
    return path


def _values(agg, code):
    df = agg.observations[agg.observations["indicator"] == code]
    return {(u, p): v for u, p, v in zip(df["unit"], df["period"], df["value"])}


def test_hand_computed_values(small_parquet):
    agg = aggregate(engine_config(small_spec(small_parquet), None))
    assert _values(agg, "pay") == {("110000", "2021Q1"): 10.3, ("110000", "2021Q2"): 7.25,
                                   ("310000", "2021Q1"): 0.1, ("310000", "2021Q2"): 0.2}
    assert 10.10 + 0.20 != 10.3  # a plain float sum would not give 10.3: the exact sum does
    assert _values(agg, "orders") == {("110000", "2021Q1"): 3, ("110000", "2021Q2"): 1,
                                      ("310000", "2021Q1"): 1, ("310000", "2021Q2"): 2}
    assert _values(agg, "users") == {("110000", "2021Q1"): 2, ("110000", "2021Q2"): 1,
                                     ("310000", "2021Q1"): 1, ("310000", "2021Q2"): 2}
    assert _values(agg, "ok_share") == {("110000", "2021Q1"): 2 / 3, ("110000", "2021Q2"): 1.0,
                                        ("310000", "2021Q1"): 1.0, ("310000", "2021Q2"): 0.5}
    pay = agg.observations[agg.observations["indicator"] == "pay"]
    assert pay["n_rows"].tolist() == [2, 1, 1, 1]  # rows passing status = 'ok', ordered by period then unit
    assert agg.log.empty and agg.engine == "duckdb"


def test_default_policy_fails_and_names_offending_values(tmp_path):
    spec = small_spec(_parquet(tmp_path, DIRTY_ROWS))
    with pytest.raises(DataError) as err:
        aggregate(engine_config(spec, None))
    msg = str(err.value)
    assert "source pay: indicator pay: 1 rows outside the declared periods or with an unreadable time: 2020Q4 (1 row)" in msg
    assert "indicator orders: 3 rows with codes not in the code list: '888888' (2 rows), '999999' (1 row)" in msg
    assert "indicator orders: 2 rows with an empty city or industry: empty city (2 rows)" in msg
    assert "unknown_code policy is 'fail'" in msg and "set policies.unknown_code to 'drop' or 'map_unknown'" in msg


def test_drop_policy_counts_what_it_drops(tmp_path):
    spec = small_spec(_parquet(tmp_path, DIRTY_ROWS), policies={
        "unknown_code": "drop", "null_unit": "drop", "out_of_period": "drop", "negative": "drop"})
    agg = aggregate(engine_config(spec, None))
    assert _values(agg, "pay")[("110000", "2021Q2")] == 7.25  # -2.50 dropped from the sum
    assert _values(agg, "orders")[("110000", "2021Q2")] == 2  # the row itself is still an order
    assert set(agg.observations["unit"]) == {"110000", "310000"}
    log = {(r.indicator, r.category): (r.n_rows, r.policy, r.detail) for r in agg.log.itertuples()}
    assert log[("orders", "unknown_code")] == (3, "drop", "'888888' (2 rows), '999999' (1 row)")
    assert log[("orders", "null_unit")] == (2, "drop", "empty city (2 rows)")
    assert log[("orders", "out_of_period")] == (1, "drop", "2020Q4 (1 row)")
    assert log[("pay", "negative")] == (1, "drop", "amount < 0 in 110000 2021Q2 (1 row)")
    assert ("orders", "negative") not in log  # count(*) has no volumes
    assert any("3 rows with codes not in the code list (unknown_code, dropped)" in m for m in agg.messages())


def test_map_unknown_merges_units_and_recounts_distinct_values(tmp_path):
    spec = small_spec(_parquet(tmp_path, DIRTY_ROWS), policies={
        "unknown_code": "map_unknown", "null_unit": "map_unknown", "out_of_period": "drop", "negative": "keep"},
        engine={"unknown_unit": "UNK"})
    agg = aggregate(engine_config(spec, None))
    pay, orders, users = _values(agg, "pay"), _values(agg, "orders"), _values(agg, "users")
    # 2021Q1 unknown rows: 999999 (1.00, u9), 888888 (2.00, u9), NULL (3.00, u7), '' (5.00, u9)
    assert pay[("UNK", "2021Q1")] == 11.0 and orders[("UNK", "2021Q1")] == 4
    assert users[("UNK", "2021Q1")] == 2  # {u9, u7}: distinct counts are recounted, not added (1+1+1+1)
    assert (pay[("UNK", "2021Q2")], orders[("UNK", "2021Q2")], users[("UNK", "2021Q2")]) == (4.0, 1, 1)
    assert pay[("110000", "2021Q2")] == 4.75  # 7.25 - 2.50: negative kept
    neg = agg.log[(agg.log["category"] == "negative")]
    assert neg[["indicator", "policy", "n_rows"]].values.tolist() == [["pay", "keep", 1]]


def test_negative_fail_lists_units_and_periods(tmp_path):
    rows = SMALL_ROWS + [("110000", "2021-05-05", -2.50, "u1", "ok"), ("310000", "2021-01-09", -1.0, "u1", "ok")]
    with pytest.raises(DataError, match=r"indicator pay: 2 rows with negative values: amount < 0 in 110000 2021Q2 "
                                        r"\(1 row\), 310000 2021Q1 \(1 row\).*set policies.negative to 'drop' or 'keep'"):
        aggregate(engine_config(small_spec(_parquet(tmp_path, rows)), None))


def test_negative_outside_the_filter_is_not_counted(tmp_path):
    rows = SMALL_ROWS + [("110000", "2021-05-05", -2.50, "u1", "refund")]
    agg = aggregate(engine_config(small_spec(_parquet(tmp_path, rows), indicators=[
        {"code": "pay", "measure": "sum(amount)", "filter": "status = 'ok'", "scale": 2}]), None))
    assert agg.log.empty and _values(agg, "pay")[("110000", "2021Q2")] == 7.25


def test_unreadable_times_are_listed(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (city VARCHAR, day VARCHAR, amount DOUBLE)")
    con.execute("INSERT INTO t VALUES ('110000', '2021-01-05', 1), ('110000', '2021/13/01', 2), ('110000', NULL, 3), "
                "('110000', '2021/13/01', 4), ('110000', '2023-01-01', 5)")
    path = tmp_path / "t.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    spec = small_spec(path, indicators=[{"code": "pay", "measure": "sum(amount)"}])
    with pytest.raises(DataError, match=r"4 rows outside the declared periods or with an unreadable time: "
                                        r"unreadable or empty time \(3 rows\), 2023Q1 \(1 row\); most frequent "
                                        r"unreadable times: '2021/13/01' \(2 rows\), NULL \(1 row\)"):
        aggregate(engine_config(spec, None))


def test_null_values_and_zero_denominators_are_reported(tmp_path):
    rows = SMALL_ROWS + [("310000", "2021-02-01", None, "u4", "ok")]
    spec = small_spec(_parquet(tmp_path, rows), indicators=[
        {"code": "pay", "measure": "sum(amount)", "scale": 2},
        {"code": "refund_avg", "measure": "sum(amount) / count(*)", "denominator_filter": "status = 'refund'"}])
    agg = aggregate(engine_config(spec, None))
    log = {(r.indicator, r.category): r.n_rows for r in agg.log.itertuples()}
    assert log[("pay", "null_value")] == 1
    assert log[("refund_avg", "zero_denominator")] == 2  # 110000 2021Q2 and 310000 2021Q1 have no refunds
    ra = _values(agg, "refund_avg")
    assert np.isnan(ra[("310000", "2021Q1")]) and ra[("110000", "2021Q1")] == pytest.approx(15.30 / 1)
    assert ra[("310000", "2021Q2")] == 3.2 / 1  # (0.20 + 3.00) / one refund
    assert _values(agg, "pay")[("310000", "2021Q1")] == 0.1  # the NULL amount adds nothing


def test_incremental_periods_read_only_those_periods(small_parquet):
    agg = aggregate(engine_config(small_spec(small_parquet), None), periods=["2021Q2"])
    assert set(agg.observations["period"]) == {"2021Q2"} and agg.periods == ("2021Q2",)
    assert _values(agg, "pay") == {("110000", "2021Q2"): 7.25, ("310000", "2021Q2"): 0.2}
    with pytest.raises(Exception, match="2022Q1 are not among the declared periods 2021Q1..2021Q2"):
        aggregate(engine_config(small_spec(small_parquet), None), periods=["2022Q1"])


def test_industry_units_and_code_lists(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (110000, 'A', DATE '2021-01-02', 1), (110000, 'B', DATE '2021-01-03', 2), "
                "(110000, 'A', DATE '2021-04-02', 4), (310000, 'Z', DATE '2021-01-02', 8), (310000, NULL, DATE '2021-01-02', 16))"
                " v(city, ind, day, qty)")
    path = tmp_path / "ind.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    spec = small_spec(path, industry="ind", industry_codes=["A", "B"], indicators=[{"code": "qty", "measure": "sum(qty)"}],
                      policies={"unknown_code": "map_unknown", "null_unit": "drop"})
    agg = aggregate(engine_config(spec, None))
    assert _values(agg, "qty") == {("110000:A", "2021Q1"): 1.0, ("110000:B", "2021Q1"): 2.0,
                                   ("310000:unknown", "2021Q1"): 8.0, ("110000:A", "2021Q2"): 4.0}
    log = {(r.category): (r.n_rows, r.detail) for r in agg.log.itertuples()}
    assert log == {"null_unit": (1, "empty industry (1 row)"), "unknown_code": (1, "industry 'Z' (1 row)")}


def test_lookup_table_gives_city_and_industry(tmp_path):
    from .conftest import lookup_spec, write_lookup

    records, firms = write_lookup(tmp_path)
    agg = aggregate(engine_config(lookup_spec(records, firms), None))
    assert _values(agg, "pay") == {("110000:retail", "2021Q1"): 12.25, ("310000:manufacturing", "2021Q1"): 4.0,
                                   ("110000:retail", "2021Q2"): 1.5}
    assert _values(agg, "firms")[("110000:retail", "2021Q1")] == 2
    # enterprise 99 is not in the lookup table: its record has no city, and is counted
    assert agg.log[["indicator", "category", "n_rows"]].values.tolist() == [["pay", "null_unit", 1], ["firms", "null_unit", 1]]
    dup, _ = write_lookup(tmp_path / "dup", enterprises=[(1, "110000", "retail"), (1, "310000", "retail")])
    with pytest.raises(DataError, match=r"lookup enterprises.parquet: key 'enterprise_id' is not unique \(1 \(2 rows\)\)"):
        aggregate(engine_config(lookup_spec(dup, tmp_path / "dup" / "enterprises.parquet"), None))
    bad = lookup_spec(records, firms).model_copy(deep=True)
    bad.sources[0]["lookup"]["columns"] = ["adcode", "sector"]
    with pytest.raises(DataError, match="columns 'sector' are not in the lookup table; its columns are enterprise_id, adcode, industry"):
        aggregate(engine_config(bad, None))


def test_float_totals_beyond_2_53_are_summed_again_exactly(tmp_path):
    # 2**52 + 1 micro-units three times: 13510798882111491 units, odd and above 2**53, so a sum of doubles
    # cannot hold it; dtindex notices (total >= 2**53) and re-sums those groups as 64-bit integers
    x = (2**52 + 1) / 10**6
    rows = [("110000", "2021-01-02", x, "u1", "ok")] * 3 + [("310000", "2021-01-02", 0.5, "u1", "ok")]
    agg = aggregate(engine_config(small_spec(_parquet(tmp_path, rows), indicators=[
        {"code": "pay", "measure": "sum(amount)"}]), None))
    got = _values(agg, "pay")
    assert got[("110000", "2021Q1")] == 13510798882111491 / 10**6
    assert (x * 1e6) + (x * 1e6) + (x * 1e6) != 13510798882111491  # what a plain sum of doubles gives
    assert got[("310000", "2021Q1")] == 0.5
