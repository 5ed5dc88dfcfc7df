"""Tests of dtindex.io.tables: reading CSV/Excel as text and converting columns with row-level errors."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.io.tables import MISSING_TOKENS, TextTable, file_sha256, read_table, read_text_table, to_numbers, write_csv


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def numbers(values, **kw):
    return to_numbers(pd.Series(values, dtype=str), source=kw.pop("source", "data.csv"), name=kw.pop("name", "x"), **kw)


# --------------------------------------------------------------------------- read_table


def test_csv_cells_stay_text(tmp_path):
    df = read_table(write(tmp_path, "uCode,Time,x,y\n0012,2021,1.50,NA\n110000,2021Q1,,..\n"))
    assert list(df.columns) == ["uCode", "Time", "x", "y"]
    # nothing is guessed: leading zeros, trailing zeros and missing tokens are kept as written
    assert df.to_dict("records") == [
        {"uCode": "0012", "Time": "2021", "x": "1.50", "y": "NA"},
        {"uCode": "110000", "Time": "2021Q1", "x": "", "y": ".."},
    ]


def test_bom_and_header_whitespace(tmp_path):
    df = read_table(write(tmp_path, "\ufeff uCode , 云计算 \nA,1\n"))
    assert list(df.columns) == ["uCode", "云计算"]
    assert df.iloc[0].tolist() == ["A", "1"]


def test_tsv(tmp_path):
    df = read_table(write(tmp_path, "uCode\tx\nA\t1,5\n", name="data.tsv"))
    assert df.to_dict("records") == [{"uCode": "A", "x": "1,5"}]


def test_excel_as_text_and_sheets(tmp_path):
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"uCode": ["0012", "B"], "x": [1.5, None]}).to_excel(w, sheet_name="first", index=False)
        pd.DataFrame({"uCode": ["C"], "y": ["7"]}).to_excel(w, sheet_name="second", index=False)
    df = read_table(path)
    assert df.to_dict("records") == [{"uCode": "0012", "x": "1.5"}, {"uCode": "B", "x": ""}]
    assert read_table(path, sheet="second").to_dict("records") == [{"uCode": "C", "y": "7"}]
    assert read_table(path, sheet=1).to_dict("records") == [{"uCode": "C", "y": "7"}]
    with pytest.raises(DataError, match=r"data.xlsx: cannot be read as a table: Worksheet named 'third' not found"):
        read_table(path, sheet="third")


def test_excel_blank_row_keeps_row_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["uCode", "x"], ["A", "1"], [], ["B", "12,3"]):
        ws.append(row)
    path = tmp_path / "data.xlsx"
    wb.save(path)
    df = read_table(path)
    with pytest.raises(DataError, match=r'^data.xlsx row 4: value "12,3" in column x is not a number'):
        to_numbers(df["x"], source="data.xlsx")


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match=r"missing\.csv: file not found$"):
        read_table(tmp_path / "missing.csv")


def test_unsupported_type(tmp_path):
    with pytest.raises(DataError, match=r"data\.json: unsupported file type '\.json'; use \.csv or \.xlsx$"):
        read_table(write(tmp_path, "{}", name="data.json"))


def test_not_utf8_names_byte(tmp_path):
    path = write(tmp_path, "uCode,uName\nA,北京\n", encoding="gbk")
    with pytest.raises(DataError) as e:
        read_table(path)
    # 'uCode,uName\nA,' is 14 bytes; the first GBK byte of 北 (0xB1) cannot start a UTF-8 character
    assert str(e.value) == f"{path}: not valid UTF-8 (invalid start byte at byte 14); save the file as UTF-8"


def test_duplicate_columns_after_strip(tmp_path):
    with pytest.raises(DataError, match=r"data\.csv: duplicate column names: x$"):
        read_table(write(tmp_path, "uCode,x, x\nA,1,2\n"))


RAGGED_HINT = "(an unquoted comma inside a value? quote it or use a dot as decimal separator)"


def test_ragged_row_later_in_file(tmp_path):
    with pytest.raises(DataError) as e:
        read_table(write(tmp_path, "uCode,x\nA,1\nB,1,5\n"))
    assert str(e.value) == f"data.csv row 3: 3 fields but the header has 2 {RAGGED_HINT}"


def test_extra_field_in_first_row_refused(tmp_path):
    # pandas would otherwise make uCode the index and shift every column left
    with pytest.raises(DataError) as e:
        read_table(write(tmp_path, "uCode,x\nA,1,5\nB,2\n"))
    assert str(e.value) == f"data.csv row 2: 3 fields but the header has 2 {RAGGED_HINT}"


def test_duplicate_columns_exact(tmp_path):
    with pytest.raises(DataError, match=r"^data\.csv: duplicate column names: x$"):
        read_table(write(tmp_path, "uCode,x,x\nA,1,2\n"))


def test_trailing_empty_columns_do_not_block_reading(tmp_path):
    from dtindex.panel import read_panel

    p = read_panel(write(tmp_path, "uCode,x,,\nA,1,,\nB,2,,\n"), numeric=["x"])
    np.testing.assert_array_equal(p.values["x"], [1.0, 2.0])


def test_short_rows_are_padded_with_empty_cells(tmp_path):
    df = read_table(write(tmp_path, "uCode,x,y\nA,1\nB,2,3\n"))
    assert df.to_dict("records") == [{"uCode": "A", "x": "1", "y": ""}, {"uCode": "B", "x": "2", "y": "3"}]


def test_blank_csv_line_keeps_row_numbers(tmp_path):
    # a blank line in the middle stays as an empty row; trailing blank lines are dropped
    df = read_table(write(tmp_path, 'uCode,x\nA,1\n\nB,"12,3"\n\n\n'))
    assert df.to_dict("records") == [{"uCode": "A", "x": "1"}, {"uCode": "", "x": ""}, {"uCode": "B", "x": "12,3"}]
    with pytest.raises(DataError, match=r'^data.csv row 4: value "12,3" in column x is not a number'):
        to_numbers(df["x"], source="data.csv")


def test_header_only_file(tmp_path):
    df = read_table(write(tmp_path, "uCode,x\n"))
    assert list(df.columns) == ["uCode", "x"] and len(df) == 0


def test_empty_file(tmp_path):
    with pytest.raises(DataError, match=r"data\.csv: "):
        read_table(write(tmp_path, ""))


# --------------------------------------------------------------------------- to_numbers


def test_to_numbers_values_and_missing_tokens():
    out = numbers(["1", " 2.5 ", "-3e2", "", "NA", "..", "null", "0"])
    np.testing.assert_array_equal(out, [1.0, 2.5, -300.0, np.nan, np.nan, np.nan, np.nan, 0.0])
    assert out.dtype == np.float64


def test_every_missing_token_is_nan():
    assert np.isnan(numbers(sorted(MISSING_TOKENS))).all()


def test_comma_decimal_hint():
    with pytest.raises(DataError) as e:
        numbers(["1", "12,3"], name="cloud")
    assert str(e.value) == 'data.csv row 3: value "12,3" in column cloud is not a number (use a dot as decimal separator)'


def test_several_bad_cells_listed_with_count():
    with pytest.raises(DataError) as e:
        numbers(["a", "b", "c", "d", "e", "f", "g", "1"])
    assert str(e.value) == ('data.csv row 2: value "a"; row 3: value "b"; row 4: value "c"; row 5: value "d"; '
                            'row 6: value "e" (and 2 more rows) in column x is not a number')


def test_limit_and_no_hint_without_comma():
    with pytest.raises(DataError) as e:
        numbers(["1", "TRUE", "1 000"], limit=1)
    assert str(e.value) == 'data.csv row 3: value "TRUE" (and 1 more rows) in column x is not a number'


def test_name_defaults_to_series_name():
    with pytest.raises(DataError, match=r"in column ai is not a number$"):
        to_numbers(pd.Series(["x"], name="ai", dtype=str), source="data.csv")


def test_infinite_values_refused():
    with pytest.raises(DataError) as e:
        numbers(["1", "inf", "-Infinity", "1e400", "2"])
    assert str(e.value) == ('data.csv row 3: value "inf"; row 4: value "-Infinity"; row 5: value "1e400" '
                            "in column x is not a number")


def test_real_missing_values_are_nan():
    # an in-memory frame may hold real NaN / None rather than text
    np.testing.assert_array_equal(to_numbers(pd.Series([1.5, np.nan]), source="d", name="x"), [1.5, np.nan])
    out = to_numbers(pd.Series(["2", None, " 3 "], dtype=object), source="d", name="x")
    np.testing.assert_array_equal(out, [2.0, np.nan, 3.0])


# --------------------------------------------------------------------------- file_sha256


def test_sha256_known_vector(tmp_path):
    p = tmp_path / "abc.txt"
    p.write_bytes(b"abc")
    # FIPS 180-2, appendix B.1: SHA-256("abc")
    assert file_sha256(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_large_file_read_in_chunks(tmp_path):
    data = bytes(range(256)) * 9000  # > 2 MiB, several 1 MiB chunks
    p = tmp_path / "big.bin"
    p.write_bytes(data)
    assert file_sha256(p) == hashlib.sha256(data).hexdigest()


def test_to_numbers_refuses_what_pandas_refuses():
    # float() reads "1_000" and non-ASCII digits; a data cell with them is refused, as pandas.to_numeric does
    with pytest.raises(DataError) as e:
        numbers(["1", "1_000", "١٢", "１２"])
    assert str(e.value) == ('data.csv row 3: value "1_000"; row 4: value "١٢"; row 5: value "１２" '
                            "in column x is not a number")
    # NaN written other than as a missing token is not a number either (float() would read it)
    with pytest.raises(DataError) as e:
        numbers(["1", "-nan", "NAN", "nan"])
    assert str(e.value) == 'data.csv row 3: value "-nan"; row 4: value "NAN" in column x is not a number'



def test_to_numbers_same_floats_as_pandas():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(2000) * 10.0 ** rng.integers(-12, 15, 2000)
    text = [repr(float(v)) for v in x] + ["%.6g" % v for v in x] + ["00012", "-3e2", "+.5", "5.", "1e-400"]
    ours = numbers(text)
    theirs = pd.to_numeric(pd.Series(text, dtype=object)).to_numpy(dtype=float)
    assert ours.tobytes() == theirs.tobytes()


# --------------------------------------------------------------------------- read_text_table / write_csv


def test_text_table_is_read_table_without_pandas(tmp_path):
    path = write(tmp_path, '\ufeffuCode, x ,y\n0012,1.50,NA\n\nB,"12,3"\nC\n\n')
    t = read_text_table(path)
    assert isinstance(t, TextTable) and t.columns == ("uCode", "x", "y") and len(t) == 4
    assert t["x"].tolist() == ["1.50", "", "12,3", ""]
    assert t.records()[0] == {"uCode": "0012", "x": "1.50", "y": "NA"}
    df = read_table(path)
    assert df.to_dict("records") == t.records() and list(df.columns) == list(t.columns)


def _to_csv(df):
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _write_csv(table):
    buf = io.StringIO()
    write_csv(buf, table)
    return buf.getvalue()


def test_write_csv_bytes_equal_pandas_to_csv():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(60) * 10.0 ** rng.integers(-9, 20, 60)
    x[[3, 7]] = np.nan
    x[[4, 5, 6]] = [1e16, 100.0, 1e-5]
    cols = {
        "uCode": np.array(["A", "b,c", 'q"uote', "中文", "", "x y"] * 10, dtype=object),
        "Level": np.arange(60),
        "value": x,
        "rank": np.array([1, None, 3] * 20, dtype=object),
        "flag": np.array([True, False] * 30),
        "mixed": np.array([1.5, np.nan, "s", 3, None, 0.1] * 10, dtype=object),
    }
    df = pd.DataFrame(cols)
    assert _write_csv(cols) == _to_csv(df)
    assert _write_csv(df) == _to_csv(df)  # a DataFrame goes through the same writer
    df["rank"] = pd.array([1, None, 3] * 20, dtype="Int64")
    assert _write_csv(df) == _to_csv(df)
    assert _write_csv({k: v[:0] for k, v in cols.items()}) == _to_csv(df.iloc[:0])
    assert _write_csv({"x": np.array(["", "a"], dtype=object)}) == _to_csv(pd.DataFrame({"x": ["", "a"]}))
