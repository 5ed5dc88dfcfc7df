"""The one table writer (io.tables.write_csv) gives exactly the bytes of DataFrame.to_csv(index=False, lineterminator="\n")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import io

from dtindex.io import tables
from dtindex.io.tables import write_csv


def csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    write_csv(buf, df)
    return buf.getvalue()


def _pandas(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


@pytest.mark.parametrize("df", [
    pd.DataFrame({"a": [1.0, np.nan, -0.0, np.inf, -np.inf, 1e16, 1e15, 1e-5, 0.1, 5e-324], "b": list("abcdefghij")}),
    pd.DataFrame({"uCode": ["110000:C", None, "", "x y"], "Level": [1, 2, 3, 4]}),
    pd.DataFrame({"a": pd.array(["x", None], dtype="string"), "b": [1.0, 2.0]}),
    pd.DataFrame({"a": [], "b": []}),
    pd.DataFrame({"step": pd.array([1, None, 3], dtype="Int64"), "side": ["high", None, "low"]}),
    # fields pandas quotes, or formats its own way
    pd.DataFrame({"a": [1, 2], "b": ["a,b", "c"]}),
    pd.DataFrame({"a": ['he said "hi"', "x"], "b": [1, 2]}),
    pd.DataFrame({"a": ["line\nbreak", "x"], "b": [1, 2]}),
    pd.DataFrame({"a,b": [1, 2], "c": [1, 2]}),
    pd.DataFrame({"a": [True, False], "b": [1, 2]}),
    pd.DataFrame({"a": [1.0, 2.5], "b": [3.0, 4.0]}, dtype=np.float32),
    pd.DataFrame({"a": ["x", 1], "b": [1, 2]}),
    pd.DataFrame({"a": [""]}),
    pd.DataFrame({"a": [1.5]}),
    pd.DataFrame({"a": [np.nan, 1.0]}),  # one column: an empty cell is written as ""
    pd.DataFrame({"a": pd.Categorical(["x", None, "y,z"]), "b": [1, 2, 3]}),
    pd.DataFrame({"a": np.array([np.float64(0.1), None, 2], dtype=object), "b": [1, 2, 3]}),
    pd.DataFrame({"a": ["carriage\rreturn", "x"], "b": [1, 2]}),
    pd.DataFrame({"a": np.arange(70_000) / 7, "b": np.arange(70_000)}),  # more rows than one written chunk
])
def test_same_text_as_pandas(df):
    assert csv_text(df) == _pandas(df)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**62, 2**62),
                          st.one_of(st.none(), st.text(max_size=6))), max_size=30))
def test_same_text_as_pandas_on_random_tables(rows):
    df = pd.DataFrame(rows, columns=["value", "n", "label"]).astype({"value": np.float64, "n": np.int64})
    assert csv_text(df) == _pandas(df)


def test_missing_values_of_every_kind_in_a_mapping_are_empty_cells():
    # columns given as a mapping of object arrays: None, NaN, pandas NA and NaT are all empty cells
    cols = {"a": np.array([None, np.nan, pd.NA, pd.NaT, "x", 2], dtype=object), "b": np.arange(6)}
    buf = io.StringIO()
    write_csv(buf, cols)
    assert buf.getvalue() == pd.DataFrame(cols).to_csv(index=False, lineterminator="\n") == "a,b\n,0\n,1\n,2\n,3\nx,4\n2,5\n"


# ---------------------------------------------------------------------- long float columns (printed by DuckDB)
def test_long_float_columns_with_missing_and_special_values_match_pandas():
    rng = np.random.default_rng(11)
    n = tables.FAST_TEXT_MIN + 5_000
    v = rng.normal(0, 1, n) * 10.0 ** rng.integers(-12, 20, n)
    v[::97] = np.nan
    v[1::101] = np.inf
    v[2::103] = -np.inf
    v[3::107] = -0.0
    v[4::109] = np.round(v[4::109])
    df = pd.DataFrame({"value": v, "label": np.where(np.arange(n) % 2 == 0, "a", "b,c")})
    assert csv_text(df) == _pandas(df)
    assert tables._float_connection()  # the fast path was taken: DuckDB passed the probe


def test_duckdb_texts_of_random_doubles_are_python_reprs():
    # every bit pattern class: random 64-bit words (all exponents, subnormals), scaled normals,
    # integers, and all powers of two and ten a double holds
    rng = np.random.default_rng(20261204)
    words = rng.integers(0, 2**63 - 1, 400_000, dtype=np.int64).view(np.float64)
    values = np.concatenate([words[np.isfinite(words)], -words[np.isfinite(words)][:50_000],
                             rng.normal(0, 1, 200_000) * 10.0 ** rng.integers(-30, 30, 200_000),
                             np.round(rng.normal(0, 1e7, 50_000)), 2.0 ** np.arange(-1074, 1024),
                             10.0 ** np.arange(-323, 309)])
    con = tables._float_connection()
    assert con
    assert tables._duckdb_texts(con, values) == list(map(float.__repr__, values.tolist()))


def test_repr_is_used_when_duckdb_prints_differently(monkeypatch):
    monkeypatch.setattr(tables, "_duckdb_floats", None)
    monkeypatch.setattr(tables, "_duckdb_texts", lambda con, values: ["%.6g" % x for x in values.tolist()])
    values = np.arange(tables.FAST_TEXT_MIN) / 3
    assert tables._float_texts(values) == list(map(float.__repr__, values.tolist()))
    assert tables._duckdb_floats is False  # decided once: repr from now on in this process


def test_long_integer_columns_match_pandas():
    n = tables.FAST_TEXT_MIN + 1
    rng = np.random.default_rng(5)
    big = rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64)
    big[:2] = [-2**63, 2**63 - 1]
    df = pd.DataFrame({"i64": big, "u64": big.view(np.uint64), "i8": big.astype(np.int8),
                       "i32": big.astype(np.int32), "x": np.arange(n) / 9})
    assert csv_text(df) == _pandas(df)


# ---------------------------------------------------------------------- index and float_format (the to_csv options used)
@pytest.mark.parametrize("df", [
    pd.DataFrame({"a": [0.5, np.nan], "b": [1, 2]}, index=pd.Index(["x", "y,z"], name="var")),
    pd.DataFrame({"a": [0.5, np.nan], "b": [1, 2]}, index=["x", "y"]),  # unnamed: an empty header field
    pd.DataFrame({"a": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([("p", 1), ("q", 2)], names=["k", None])),
    pd.DataFrame({"a": []}, index=pd.Index([], name="i")),
])
def test_index_is_written_as_pandas_writes_it(df):
    buf = io.StringIO()
    write_csv(buf, df, index=True)
    assert buf.getvalue() == df.to_csv(lineterminator="\n")


@pytest.mark.parametrize("fmt", ["%.10g", "%.3f", "%.2e"])
def test_float_format_is_applied_as_pandas_applies_it(fmt):
    n = tables.FAST_TEXT_MIN + 3  # the long-column path too
    v = np.random.default_rng(2).normal(0, 1e3, n)
    v[::7] = np.nan
    v[1] = np.inf
    df = pd.DataFrame({"x": v, "n": np.arange(n), "s": ["a"] * n,
                       "o": np.array([0.1] * (n - 1) + [None], dtype=object)})
    buf = io.StringIO()
    write_csv(buf, df, float_format=fmt)
    assert buf.getvalue() == df.to_csv(index=False, lineterminator="\n", float_format=fmt)
    small = df.head(5)
    buf = io.StringIO()
    write_csv(buf, small, float_format=fmt)
    assert buf.getvalue() == small.to_csv(index=False, lineterminator="\n", float_format=fmt)
