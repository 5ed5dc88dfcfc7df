"""Tests of dtindex.panel: balanced period-major panels from wide and long tables."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.panel import Panel, read_panel
from dtindex.periods import parse_period

EXAMPLE = resources.files("dtindex") / "examples" / "dti-mini"
INDICATORS = ["cloud", "ai", "devops", "meeting", "docs", "payment", "ecommerce", "ticketing"]
nan = np.nan


def frame(rows, columns):
    return pd.DataFrame(rows, columns=columns, dtype=str)


def write_csv(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


COLS = ["uCode", "uName", "Time", "prov", "x", "y"]
# unbalanced: A has no 2021Q2 row; B's first name is empty in row 4; periods out of order
UNBALANCED = [
    ["B", "Bee", "2021Q2", "p1", "1", "2"],
    ["A", "Ay", "2021Q1", "p2", "3", ""],
    ["B", "", "2021Q1", "p1", "5", "6"],
    ["C", "Cee", "2021Q2", "p3", "7", "NA"],
]


def unbalanced():
    return Panel.from_frame(frame(UNBALANCED, COLS), numeric=["x", "y"], groups=["prov"], source="data.csv")


# --------------------------------------------------------------------------- layout


def test_unbalanced_layout_and_present_mask():
    p = unbalanced()
    assert p.units == ("B", "A", "C")  # first-seen order, not sorted
    assert p.unit_names == ("Bee", "Ay", "Cee")  # first non-empty name per unit
    assert p.period_labels == ("2021Q1", "2021Q2")  # chronological
    assert (p.n_units, p.n_periods, p.n_obs, p.has_time) == (3, 2, 6, True)
    # rows: period-major, row r = unit r % 3, period r // 3
    assert p.unit_index.tolist() == [0, 1, 2, 0, 1, 2]
    assert p.period_index.tolist() == [0, 0, 0, 1, 1, 1]
    assert p.present.tolist() == [True, True, False, True, False, True]
    np.testing.assert_array_equal(p.values["x"], [5, 3, nan, 1, nan, 7])
    np.testing.assert_array_equal(p.values["y"], [6, nan, nan, 2, nan, nan])
    assert p.groups["prov"].tolist() == ["p1", "p2", "", "p1", "", "p3"]
    assert p.row_labels().tolist() == ["B 2021Q1", "A 2021Q1", "C 2021Q1", "B 2021Q2", "A 2021Q2", "C 2021Q2"]
    assert p.row_label(4) == "A 2021Q2"


def test_shipped_example_is_balanced_period_major():
    path = EXAMPLE / "data.csv"
    p = read_panel(path, numeric=INDICATORS, groups=["province", "tier"])
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert p.source == "data.csv"
    assert (p.n_units, p.n_periods) == (40, 9)
    assert p.period_labels == ("2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1")
    assert p.units == tuple(pd.unique(raw["uCode"]))
    assert p.units[:3] == ("110000", "310000", "440100")  # codes stay text
    assert p.unit_names[:2] == ("北京市", "上海市")
    assert p.present.all()
    lookup = raw.set_index(["uCode", "Time"])
    for r in (0, 1, 39, 40, 41, 200, 359):
        unit, period = p.units[r % 40], p.period_labels[r // 40]
        src = lookup.loc[(unit, period)]
        for c in ("cloud", "ticketing"):
            assert p.values[c][r] == float(src[c])
        assert p.groups["province"][r] == src["province"]
    # Beijing 2021Q1, first data row of the file
    assert p.values["cloud"][0] == 49089.4 and p.values["ticketing"][0] == 84024.5


def test_cross_section_without_time_column():
    p = Panel.from_frame(frame([["A", "a", "1.5"], ["B", "b", "2"]], ["uCode", "uName", "x"]), numeric=["x"])
    assert p.periods == (None,) and p.period_labels == ("",) and not p.has_time
    assert p.row_labels().tolist() == ["A", "B"] and p.row_label(1) == "B"
    np.testing.assert_array_equal(p.values["x"], [1.5, 2.0])
    assert p.period_position("") == 0


def test_cross_section_with_empty_time_column():
    p = Panel.from_frame(frame([["A", "", "1"], ["B", " ", "2"]], ["uCode", "Time", "x"]), numeric=["x"])
    assert p.periods == (None,) and p.unit_names == ("", "")


def test_unit_codes_are_stripped():
    p = Panel.from_frame(frame([[" A ", "2021", "1"], ["A", "2022", "2"]], ["uCode", "Time", "x"]), numeric=["x"])
    assert p.units == ("A",) and p.n_periods == 2


def test_deterministic():
    a, b = unbalanced(), unbalanced()
    assert a.units == b.units and a.periods == b.periods
    for c in ("x", "y"):
        np.testing.assert_array_equal(a.values[c], b.values[c])
    np.testing.assert_array_equal(a.present, b.present)


def test_period_position_and_column_errors():
    p = unbalanced()
    assert p.period_position("2021Q2") == 1 and p.period_position(parse_period("2021q1")) == 0
    with pytest.raises(DataError, match=r"^data.csv: period '2020Q4' is not in the data; periods are 2021Q1, 2021Q2$"):
        p.period_position("2020Q4")
    with pytest.raises(DataError, match=r"^data.csv: no column 'z'; numeric columns are x, y$"):
        p.column("z")
    assert p.column("x") is p.values["x"]


def test_with_values_keeps_layout():
    p = unbalanced()
    q = p.with_values({"s": np.arange(6.0)})
    assert q.units == p.units and q.periods == p.periods and q.present is p.present
    assert list(q.values) == ["s"]


# --------------------------------------------------------------------------- to_frame round trip


def test_to_frame_lists_present_rows_period_major():
    out = unbalanced().to_frame()
    assert list(out.columns) == ["uCode", "uName", "Time", "prov", "x", "y"]
    assert out["uCode"].tolist() == ["B", "A", "B", "C"]
    assert out["Time"].tolist() == ["2021Q1", "2021Q1", "2021Q2", "2021Q2"]
    assert out["uName"].tolist() == ["Bee", "Ay", "Bee", "Cee"]
    np.testing.assert_array_equal(out["y"].to_numpy(dtype=float), [6, nan, 2, nan])
    assert list(unbalanced().to_frame(columns=["y"]).columns) == ["uCode", "uName", "Time", "prov", "y"]


def _same_panel(a: Panel, b: Panel):
    assert a.units == b.units and a.unit_names == b.unit_names and a.periods == b.periods
    assert list(a.values) == list(b.values)
    for c in a.values:
        np.testing.assert_array_equal(a.values[c], b.values[c])
    assert list(a.groups) == list(b.groups)
    for g in a.groups:
        assert a.groups[g].tolist() == b.groups[g].tolist()
    np.testing.assert_array_equal(a.present, b.present)


def test_to_frame_round_trip_as_text():
    p = unbalanced()
    text = p.to_frame().astype(object).fillna("").astype(str)
    _same_panel(p, Panel.from_frame(text, numeric=["x", "y"], groups=["prov"], source="data.csv"))


def test_to_frame_round_trip_unbalanced():
    # to_frame gives float columns with real NaN; from_frame must read them back
    p = unbalanced()
    back = Panel.from_frame(p.to_frame(), numeric=["x", "y"], groups=["prov"], source="data.csv")
    _same_panel(p, back)


def test_to_frame_round_trip_through_csv(tmp_path):
    p = read_panel(EXAMPLE / "data.csv", numeric=INDICATORS, groups=["province", "tier"])
    path = tmp_path / "out.csv"
    p.to_frame().to_csv(path, index=False)
    _same_panel(p, read_panel(path, numeric=INDICATORS, groups=["province", "tier"]))


def test_to_frame_round_trip_cross_section():
    p = Panel.from_frame(frame([["A", "a", "1.5"], ["B", "b", ""]], ["uCode", "uName", "x"]), numeric=["x"])
    out = p.to_frame()
    assert out["Time"].tolist() == ["", ""]
    _same_panel(p, Panel.from_frame(out, numeric=["x"]))


# --------------------------------------------------------------------------- long layout


def test_long_layout_equals_wide_layout(tmp_path):
    wide = read_panel(EXAMPLE / "data.csv", numeric=INDICATORS)
    raw = pd.read_csv(EXAMPLE / "data.csv", dtype=str, keep_default_na=False)
    long = raw.melt(id_vars=["uCode", "Time"], value_vars=INDICATORS, var_name="iCode", value_name="value")
    long = long.sample(frac=1.0, random_state=3)  # row order must not matter beyond first-seen units
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    p = read_panel(path, numeric=INDICATORS, layout="long")
    assert p.source == "long.csv"
    assert set(p.units) == set(wide.units) and p.periods == wide.periods
    assert p.units == tuple(pd.unique(long["uCode"]))
    order = [wide.units.index(u) for u in p.units]
    for c in INDICATORS:
        expected = wide.values[c].reshape(wide.n_periods, wide.n_units)[:, order].reshape(-1)
        np.testing.assert_array_equal(p.values[c], expected)
    assert p.present.all()


def test_long_layout_small():
    df = frame([["A", "2021Q1", "x", "1"], ["A", "2021Q1", "y", "2"], ["B", "2021Q1", "x", "3"],
                ["B", "2021Q2", "y", "4"], ["A", "2021Q2", "x", "5"]], ["uCode", "Time", "iCode", "value"])
    p = Panel.from_long(df, source="long.csv")
    assert p.units == ("A", "B") and p.period_labels == ("2021Q1", "2021Q2")
    assert list(p.values) == ["x", "y"]
    np.testing.assert_array_equal(p.values["x"], [1, 3, 5, nan])
    np.testing.assert_array_equal(p.values["y"], [2, nan, nan, 4])
    assert p.present.tolist() == [True, True, True, True]


def test_long_layout_cross_section():
    df = frame([["A", "x", "1"], ["B", "x", "2"], ["A", "y", "3"]], ["uCode", "iCode", "value"])
    p = Panel.from_long(df)
    assert p.periods == (None,)
    np.testing.assert_array_equal(p.values["y"], [3, nan])


def test_long_layout_duplicates():
    df = frame([["A", "2021Q1", "x", "1"], ["B", "2021Q1", "x", "3"], ["A", "2021Q1", "y", "2"],
                ["A", "2021Q1", "x", "9"]], ["uCode", "Time", "iCode", "value"])
    with pytest.raises(DataError) as e:
        Panel.from_long(df, source="long.csv")
    assert str(e.value) == "long.csv rows 2, 5: the same unit, period and indicator appear more than once"


def test_long_layout_missing_columns():
    df = frame([["A", "2021", "x", "1"]], ["uCode", "Time", "code", "val"])
    with pytest.raises(DataError) as e:
        Panel.from_long(df, source="long.csv")
    assert str(e.value) == ("long.csv: long layout needs columns uCode, iCode, value (and optionally Time); "
                            "missing iCode, value; columns are uCode, Time, code, val")


def test_long_layout_bad_value_names_long_row(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,iCode,value\nA,2021,x,1\nA,2021,y,\"12,3\"\n", "long.csv")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["x", "y"], layout="long")
    assert str(e.value) == ('long.csv row 3: value "12,3" in column value is not a number '
                            "(use a dot as decimal separator)")


def test_long_layout_missing_indicator(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,iCode,value\nA,2021,x,1\n", "long.csv")
    with pytest.raises(DataError, match=r"^long.csv: no values for indicators y, z"):
        read_panel(path, numeric=["x", "y", "z"], layout="long")


def test_long_layout_missing_indicator_lists_available(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,iCode,value\nA,2021,cloud,1\nA,2021,ai,2\n", "long.csv")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["cloud", "AI"], layout="long")
    assert str(e.value) == "long.csv: no values for indicators AI; indicator codes in the file: cloud, ai"


LONG_ROWS = [["A", "2021Q1", "x", "1"], ["A", "2021Q1", "y", "2"], ["B", "2021Q1", "x", "3"],
             ["B", "2021Q2", "y", "4"], ["A", "2021Q2", "x", "5"]]


@pytest.mark.parametrize("bad_row, expected", [
    (["C", "2021Q5", "x", "1"], "long.csv row 7: period '2021Q5' is not a recognised period"),
    (["", "2021Q3", "x", "1"], "long.csv row 7: empty uCode; every row of the long layout needs one"),
    (["B", "", "x", "9"], "long.csv row 7: empty Time; every row of the long layout needs one"),
    (["C", "2021Q1", " ", "9"], "long.csv row 7: empty iCode; every row of the long layout needs one"),
])
def test_long_layout_row_numbers_are_long_file_rows(bad_row, expected):
    # the rows of the user's long file, not of the internal pivoted table
    df = frame(LONG_ROWS + [bad_row], ["uCode", "Time", "iCode", "value"])
    with pytest.raises(DataError) as e:
        Panel.from_long(df, source="long.csv")
    assert str(e.value).startswith(expected)


def test_long_layout_all_empty_time_is_a_cross_section():
    df = frame([["A", "", "x", "1"], ["B", "", "x", "2"]], ["uCode", "Time", "iCode", "value"])
    p = Panel.from_long(df, source="long.csv")
    assert p.periods == (None,)
    np.testing.assert_array_equal(p.values["x"], [1, 2])


# --------------------------------------------------------------------------- wide-layout errors


def test_duplicate_unit_period_rows():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame(UNBALANCED + [["A", "Ay", "2021q1", "p2", "3", ""]], COLS), numeric=["x"],
                         source="data.csv")
    # "2021q1" and "2021Q1" are the same period
    assert str(e.value) == ("data.csv rows 3, 6: unit 'A' in period 2021Q1 appears more than once; "
                            "each unit needs one row per period")


def test_duplicate_units_in_cross_section():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame([["A", "1"], ["B", "2"], ["A", "3"]], ["uCode", "x"]), numeric=["x"], source="d.csv")
    assert str(e.value) == "d.csv rows 2, 4: unit 'A' appears more than once; each unit needs one row per period"


def test_empty_unit_code():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame(UNBALANCED + [["  ", "X", "2021Q3", "p1", "3", ""]], COLS), numeric=["x"],
                         source="data.csv")
    assert str(e.value) == "data.csv row 6: empty uCode; every row needs a unit code"


def test_empty_time_while_others_have_one():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame(UNBALANCED + [["D", "Dee", "", "p1", "3", ""]], COLS), numeric=["x"], source="data.csv")
    assert str(e.value) == "data.csv row 6: empty Time while other rows have one"


def test_mixed_period_frequencies():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame(UNBALANCED + [["D", "Dee", "2021", "p1", "3", ""]], COLS), numeric=["x"],
                         source="data.csv")
    assert str(e.value) == ("data.csv: periods mix frequencies: quarter ('2021Q2'), year ('2021'); "
                            "use one frequency per panel")


def test_bad_period_names_row():
    with pytest.raises(DataError, match=r"^data.csv row 4: period '2021Q5' is not a recognised period"):
        Panel.from_frame(frame([["A", "2021Q1", "1"], ["B", "2021Q1", "1"], ["A", "2021Q5", "1"]],
                               ["uCode", "Time", "x"]), numeric=["x"], source="data.csv")


def test_comma_decimal_in_file(tmp_path):
    path = write_csv(tmp_path, 'uCode,uName,Time,cloud\nA,Ay,2021,1.5\nB,Bee,2021,"12,3"\nC,Cee,2021,2\n')
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["cloud"])
    assert str(e.value) == 'data.csv row 3: value "12,3" in column cloud is not a number (use a dot as decimal separator)'


def test_non_numeric_cells_listed(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,cloud\nA,2021,n/a\nB,2021,1\nC,2021,-\n")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["cloud"])
    assert str(e.value) == 'data.csv row 2: value "n/a"; row 4: value "-" in column cloud is not a number'


def test_missing_indicator_columns_lists_available(tmp_path):
    path = write_csv(tmp_path, "uCode,uName,Time,cloud,ai\nA,Ay,2021,1,2\n")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["cloud", "AI", "docs"], groups=["province"])
    assert str(e.value) == ("data.csv: columns named in the framework are missing from the data: AI, docs, province; "
                            "data columns are uCode, uName, Time, cloud, ai")


def test_none_unit_code_in_frame():
    df = pd.DataFrame({"uCode": ["A", None], "x": ["1", "2"]})
    with pytest.raises(DataError, match=r"^data.csv row 3: empty uCode"):
        Panel.from_frame(df, numeric=["x"], source="data.csv")


def test_missing_unit_column():
    with pytest.raises(DataError) as e:
        Panel.from_frame(frame([["A", "1"]], ["code", "x"]), numeric=["x"], source="data.csv")
    assert str(e.value) == "data.csv: no unit column 'uCode'; columns are code, x"


def test_missing_tokens_are_nan():
    toks = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", ".."]
    rows = [[f"u{i}", t] for i, t in enumerate(toks)] + [["ok", " 4.5 "]]
    p = Panel.from_frame(frame(rows, ["uCode", "x"]), numeric=["x"])
    assert np.isnan(p.values["x"][:-1]).all() and p.values["x"][-1] == 4.5
    assert p.present.all()  # a row with a missing value is still a present row


# --------------------------------------------------------------------------- renamed key columns


def test_read_panel_renamed_key_columns(tmp_path):
    path = write_csv(tmp_path, "city,name,quarter,x\nA,Ay,2021Q2,1\nB,Bee,2021Q1,2\n")
    p = read_panel(path, numeric=["x"], unit_col="city", name_col="name", time_col="quarter")
    assert p.units == ("A", "B") and p.unit_names == ("Ay", "Bee")
    assert p.period_labels == ("2021Q1", "2021Q2")
    np.testing.assert_array_equal(p.values["x"], [nan, 2, 1, nan])
    with pytest.raises(DataError, match=r"^data.csv: no unit column 'uCode'; columns are city, name, quarter, x$"):
        read_panel(path, numeric=["x"])


def test_read_panel_long_renamed_key_columns(tmp_path):
    path = write_csv(tmp_path, "city,quarter,iCode,value\nA,2021Q1,x,1\nB,2021Q1,x,2\n", "long.csv")
    p = read_panel(path, numeric=["x"], layout="long", unit_col="city", time_col="quarter")
    assert p.units == ("A", "B") and p.period_labels == ("2021Q1",)
    np.testing.assert_array_equal(p.values["x"], [1, 2])


def test_read_panel_long_missing_group_column(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,iCode,value\nA,2021,x,1\n", "long.csv")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["x"], groups=["province"], layout="long")
    assert str(e.value) == ("long.csv: long layout needs columns uCode, iCode, value, province (and optionally Time); "
                            "missing province; columns are uCode, Time, iCode, value")


def test_read_panel_long_with_group_column(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,province,iCode,value\n"
                               "A,2021,p1,x,1\nA,2021,p1,y,2\nB,2021,p2,x,3\nA,2022,p1,x,4\n", "long.csv")
    p = read_panel(path, numeric=["x", "y"], groups=["province"], layout="long")
    assert p.units == ("A", "B") and p.period_labels == ("2021", "2022")
    assert p.groups["province"].tolist() == ["p1", "p2", "p1", ""]
    np.testing.assert_array_equal(p.values["x"], [1, 3, 4, nan])
    np.testing.assert_array_equal(p.values["y"], [2, nan, nan, nan])
    assert p.present.tolist() == [True, True, True, False]


def test_read_panel_long_conflicting_group_values(tmp_path):
    path = write_csv(tmp_path, "uCode,Time,province,iCode,value\n"
                               "A,2021,p1,x,1\nB,2021,p2,x,3\nA,2021,p9,y,2\n", "long.csv")
    with pytest.raises(DataError) as e:
        read_panel(path, numeric=["x", "y"], groups=["province"], layout="long")
    msg = str(e.value)
    assert msg.startswith("long.csv rows 2, 4:")
    assert "province" in msg
