"""Report values: construction, normalisation, validation, immutability, ids."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError, SpecError
from dtindex.report import (
    KPI,
    Callout,
    Chart,
    Column,
    Evidence,
    Heading,
    KPICards,
    Map,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
    fmt,
)

from .sample import sample_report


# ---------------------------------------------------------------------- table
def test_table_from_frame_converts_columns_to_plain_values():
    df = pd.DataFrame({
        "city": pd.array(["深圳", None, "上海"], dtype="string"),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "score": [1.5, np.nan, 2.25],
        "flag": [True, False, True],
        "rank": np.array([1, 2, 3], dtype=np.int64),
    })
    t = Table.from_frame(df, title="T", labels={"score": "得分"}, formats={"score": fmt.percent(1)})
    assert t.column("city").values == ("深圳", None, "上海") and t.column("city").fmt == fmt.text()
    assert t.column("n").values == (1.0, None, 3.0) and t.column("n").fmt == fmt.integer()
    assert t.column("score").values == (1.5, None, 2.25) and t.column("score").fmt == fmt.percent(1)
    assert t.column("score").heading == "得分" and t.column("n").heading == "n"
    assert t.column("flag").values == (True, False, True) and t.column("flag").fmt == fmt.yesno()
    assert t.column("rank").values == (1, 2, 3)
    assert t.n_rows == 3
    back = t.frame()
    assert list(back.columns) == ["city", "n", "score", "flag", "rank"]
    assert back["score"].isna().tolist() == [False, True, False]


def test_table_rank_change_column_gets_arrow_format_and_is_checked():
    df = pd.DataFrame({"city": ["a", "b"], "move": [1, -2]})
    t = Table.from_frame(df, rank_change="move")
    assert t.column("move").fmt == fmt.rank_change()
    with pytest.raises(SpecError, match="rank_change column 'nope' is not a column; columns are \\['city', 'move'\\]"):
        Table.from_frame(df, rank_change="nope")
    with pytest.raises(SpecError, match="must use the rank_change\\(\\) format; it uses 'integer'"):
        Table((Column("move", (1, 2), fmt.integer()),), rank_change="move")


def test_table_validation_names_the_problem():
    df = pd.DataFrame({"city": ["a"], "x": [1.0]})
    with pytest.raises(SpecError, match="heat column 'city' is not numeric"):
        Table.from_frame(df, heat=("city",), title="T")
    with pytest.raises(SpecError, match="formats/labels name unknown columns \\['y'\\]"):
        Table.from_frame(df, formats={"y": fmt.integer()})
    with pytest.raises(SpecError, match="duplicate column names \\['x'\\]"):
        Table((Column("x", (1.0,)), Column("x", (2.0,))))
    with pytest.raises(DataError, match="columns differ in length"):
        Table((Column("x", (1.0,)), Column("y", (1.0, 2.0))))
    with pytest.raises(DataError, match="Column 'x': values must be finite"):
        Column("x", (1.0, np.inf))
    with pytest.raises(DataError, match="must hold numbers or missing values; got 'a'"):
        Column("x", ("a",), fmt.decimal(2))
    with pytest.raises(SpecError, match="heat_range must be \\(low, high\\)"):
        Table.from_frame(df, heat="x", heat_range=(2, 1))
    with pytest.raises(SpecError, match="sheet must be an Excel sheet name"):
        Table.from_frame(df, sheet="a/b")
    with pytest.raises(SpecError, match="id must be lower-case letters"):
        Table.from_frame(df, id="Bad Id")


# ---------------------------------------------------------------------- chart
def test_chart_from_frame_wide_and_long():
    wide = pd.DataFrame({"q": ["2021Q1", "2021Q2"], "A": [1.0, 2.0], "B": pd.array([3, None], dtype="Int64")})
    c = Chart.from_frame("line", wide, "q", ["A", "B"], title="t", names={"B": "乙"})
    assert c.categories == ("2021Q1", "2021Q2")
    assert [s.name for s in c.series] == ["A", "乙"]
    assert c.series[1].values == (3.0, None)
    long = pd.DataFrame({"q": ["2021Q2", "2021Q1", "2021Q1", "2021Q2"], "g": ["x", "x", "y", "y"],
                         "v": [2.0, 1.0, 5.0, 6.0]})
    c = Chart.from_frame("grouped_bar", long.iloc[:3], "q", "v", by="g", title="t")
    assert c.categories == ("2021Q2", "2021Q1")  # first appearance
    assert [(s.name, s.values) for s in c.series] == [("x", (2.0, 1.0)), ("y", (None, 5.0))]
    with pytest.raises(DataError, match=r"\(q, g\) pairs repeat: \(2021Q1, x\)"):
        Chart.from_frame("line", pd.concat([long, long.iloc[[1]]]), "q", "v", by="g", title="t")
    with pytest.raises(DataError, match="category column 'g' repeats x, y"):
        Chart.from_frame("line", long, "g", "v", title="t")
    with pytest.raises(DataError, match="columns \\['zz'\\] are not in the frame"):
        Chart.from_frame("line", long, "q", "zz", title="t")


def test_chart_from_points_groups_series():
    df = pd.DataFrame({"p": ["广东", "安徽", "江苏"], "r": ["东", "中", "东"], "s": [0.2, 0.05, 0.15],
                       "g": [0.1, 0.3, 0.2]})
    c = Chart.from_points(df, "s", "g", label="p", by="r", kind="quadrant", title="t", x_threshold=0.1, y_threshold=0.15)
    assert [(s.name, s.x, s.values, s.labels) for s in c.series] == [
        ("东", (0.2, 0.15), (0.1, 0.2), ("广东", "江苏")), ("中", (0.05,), (0.3,), ("安徽",))]
    assert Chart.from_points(df, "s", "g", title="t").series[0].name == "g"


def test_stacked_shares_hand_computed():
    c = Chart("stacked_bar", "t", categories=("a", "b", "c"), percent=True,
              series=(Series("x", (40.0, 1.0, 0.0)), Series("y", (60.0, None, 0.0)), Series("z", (0.0, 3.0, 0.0))))
    # a: 40/100, 60/100, 0; b: missing counts as 0 in the total 4 -> 1/4, missing, 3/4; c: total 0 -> missing
    assert c.shares() == [(0.4, 0.25, None), (0.6, None, None), (0.0, 0.75, None)]


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(kind="area", title="t", categories=("a",), series=(Series("s", (1,)),)), SpecError,
     ("The 'kind' parameter of Chart must be one of 'line', 'bar', 'grouped_bar', 'stacked_bar', 'scatter', "
      "'quadrant', 'heat_table', 'pie', 'interval', 'bump', 'radar', 'path'; got 'area'.")),
    (dict(kind="bar", title="t", categories=("a",), series=(Series("s", (1,)), Series("u", (2,)))), SpecError,
     "a bar chart has one series; got 2"),
    (dict(kind="line", title="t", categories=("a", "b"), series=(Series("s", (1,)),)), DataError,
     "series lengths {'s': 1} differ from the 2 categories"),
    (dict(kind="line", title="t", categories=("a", "a"), series=(Series("s", (1, 2)),)), SpecError,
     "duplicate categories \\['a'\\]"),
    (dict(kind="line", title="t", categories=("a",), series=(Series("s", (1,)), Series("s", (2,)))), SpecError,
     "duplicate series names \\['s'\\]"),
    (dict(kind="quadrant", title="t", series=(Series("s", (1,), x=(2,)),), x_threshold=1), SpecError,
     "needs both x_threshold and y_threshold"),
    (dict(kind="scatter", title="t", series=(Series("s", (1,)),)), SpecError, "have no x values"),
    (dict(kind="line", title="t", categories=("a",), series=(Series("s", (1,)),), percent=True), SpecError,
     "percent=True is for stacked_bar charts only"),
    (dict(kind="line", title="t", categories=("a",), series=(Series("s", (1,)),), y_threshold=1.0), SpecError,
     "y_threshold is for scatter and quadrant charts"),
    (dict(kind="pie", title="t", categories=("a", "b"), series=(Series("s", (1, -2)),)), DataError,
     "pie values must be non-negative; negative for b"),
    (dict(kind="heat_table", title="t", categories=("a",), series=(Series("s", (1,)),), main=True), SpecError,
     "main=True asks for a native Excel chart"),
    (dict(kind="line", title="t", categories=("a",), series=(Series("s", (1,)),), fmt=fmt.text()), SpecError,
     "fmt must be a numeric format"),
    (dict(kind="line", title="", categories=("a",), series=(Series("s", (1,)),)), SpecError,
     "title must be a non-empty string"),
    (dict(kind="line", title="t", categories=("a",), series=(Series("s", (1,)),), height=50), SpecError,
     "height must be an integer number of pixels from 120 to 2000; got 50"),
])
def test_chart_validation(kwargs, error, message):
    with pytest.raises(error, match=message):
        Chart(**kwargs)


def test_series_validation():
    with pytest.raises(DataError, match="Series 's': values must be finite; infinite values at positions 1"):
        Series("s", (1.0, float("-inf")))
    with pytest.raises(DataError, match="x has 1 values but values has 2"):
        Series("s", (1.0, 2.0), x=(1.0,))
    assert Series("s", [1, np.nan, None, pd.NA]).values == (1.0, None, None, None)


def test_chart_default_heights():
    assert Chart("line", "t", categories=("a",), series=(Series("s", (1,)),)).resolved_height == 360
    assert Chart("scatter", "t", series=(Series("s", (1,), x=(1,)),)).resolved_height == 420
    bars = Chart("bar", "t", categories=tuple("abcdefghij"), series=(Series("s", tuple(range(10))),), horizontal=True)
    assert bars.resolved_height == 60 + 22 * 10


# ---------------------------------------------------------------------- map
def test_map_normalises_and_sorts_adcodes():
    m = Map("m", {440300: 1.0, "110000": 2.0, " 310000": float("nan")}, level="city", names={440300: "鹏城"})
    assert m.values == (("110000", 2.0), ("310000", None), ("440300", 1.0))
    assert m.names == (("440300", "鹏城"),)
    assert Map.from_frame(pd.DataFrame({"code": ["440000"], "v": [1.5]}), "code", "v", title="m").values == (("440000", 1.5),)


def test_map_validation():
    with pytest.raises(DataError, match="adcodes repeat in values: 440300"):
        Map("m", [("440300", 1.0), (440300, 2.0)])
    with pytest.raises(DataError, match="bad adcode in values: Adcode 440300.0 is a float"):
        Map("m", {440300.0: 1.0})
    with pytest.raises(SpecError, match="use level='city'"):
        Map("m", {"440000": 1.0}, kind="scatter")
    with pytest.raises(SpecError, match="The 'level' parameter of Map must be one of 'province', 'city'; got 'county'."):
        Map("m", {"440000": 1.0}, level="county")
    with pytest.raises(DataError, match="values are empty"):
        Map("m", {})
    with pytest.raises(DataError, match="coords for '440300' must be \\(lon, lat\\) in degrees"):
        Map("m", {"440300": 1.0}, level="city", kind="scatter", coords={"440300": (500.0, 22.0)})


# ---------------------------------------------------------------------- text blocks
def test_text_blocks_validate():
    with pytest.raises(SpecError, match="finding must be a positive integer"):
        Paragraph("x", finding=0)
    with pytest.raises(SpecError, match="The 'kind' parameter of Callout must be one of 'info', 'warning', 'note'"):
        Callout("x", kind="danger")
    with pytest.raises(SpecError, match="cards must be a non-empty sequence of KPI values"):
        KPICards(())
    with pytest.raises(DataError, match="KPI 'k': value must be a number or missing; got 'x'"):
        KPI("k", "x")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="a text format needs a string value"):
        Evidence("e", 1.0, fmt.text())
    assert Paragraph("x", evidence=[Evidence("e", np.float64(0.5), fmt.percent(1))]).evidence[0].value == 0.5
    assert KPI("k", np.nan).value is None


# ---------------------------------------------------------------------- section / report
def test_block_ids_are_explicit_or_positional():
    s = Section("intro", "引言", (Heading("h"), Paragraph("p", id="lead-text"), Callout("c")))
    assert s.block_ids() == ("intro-1", "lead-text", "intro-3")
    r = Report("r", (s,))
    assert [(sec.id, bid) for sec, bid, _ in r.blocks()] == [("intro", "intro-1"), ("intro", "lead-text"), ("intro", "intro-3")]


def test_report_validation():
    s = Section("a", "A", (Paragraph("p", id="x"),))
    with pytest.raises(SpecError, match="duplicate section ids \\['a'\\]"):
        Report("r", (s, s))
    with pytest.raises(SpecError, match="element id 'x' in section 'b' is already used \\(in section 'a'\\)"):
        Report("r", (s, Section("b", "B", (Paragraph("q", id="x"),))))
    with pytest.raises(SpecError, match="element id 'b-1' in section 'a' is already used"):
        Report("r", (Section("b", "B", (Paragraph("q"),)), Section("a", "A", (Paragraph("p", id="b-1"),))))
    with pytest.raises(SpecError, match="The 'lang' parameter of Report must be one of 'zh', 'en'; got 'de'"):
        Report("r", (s,), lang="de")
    with pytest.raises(SpecError, match="meta entries must be \\(str, str\\) pairs"):
        Report("r", (s,), meta={"k": 1})
    with pytest.raises(SpecError, match="Section: id must be lower-case letters"):
        Section("A b", "A")
    with pytest.raises(SpecError, match="blocks must be Heading, .*; got \\['str'\\]"):
        Section("a", "A", ("text",))


def test_meta_keeps_order():
    r = Report("r", (Section("a", "A"),), meta={"z": "1", "a": "2"})
    assert r.meta == (("z", "1"), ("a", "2"))


def test_reports_are_immutable_equal_and_hashable():
    a, b = sample_report(), sample_report()
    assert a == b and hash(a) == hash(b)
    assert a != sample_report(lang="en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.title = "x"  # type: ignore[misc]
    table = next(blk for _, _, blk in a.blocks() if isinstance(blk, Table))
    frame = table.frame()
    frame.iloc[0, 0] = 99
    assert table.frame().iloc[0, 0] == 1  # the table's values cannot be changed through a frame
    assert dataclasses.replace(a, title="新标题").title == "新标题" and a.title != "新标题"
