"""Tests of dtindex.spec.coinr: COINr iMeta framework tables (CSV / Excel) and their round trip."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dtindex.errors import SpecError
from dtindex.spec.coinr import REQUIRED, framework_from_table, framework_to_table, read_framework_table
from dtindex.spec.framework import framework_from_records

HEADER = "iCode,iName,Parent,Level,Weight,Direction,Type"
# data rows: row 2 = T, row 3 = a, row 4 = b
GOOD = [
    "T,Total,,2,1,1,Aggregate",
    "a,Alpha,T,1,1,1,Indicator",
    "b,Beta,T,1,2,-1,Indicator",
]


def write(tmp_path, lines, header=HEADER, name="meta.csv"):
    p = tmp_path / name
    p.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return p


def read(tmp_path, lines, header=HEADER):
    return read_framework_table(write(tmp_path, lines, header))


def error_of(tmp_path, lines, header=HEADER) -> str:
    with pytest.raises(SpecError) as e:
        read(tmp_path, lines, header)
    return str(e.value)


def replace_row(rows, i, text):
    out = list(rows)
    out[i] = text
    return out


# --------------------------------------------------------------------------- valid tables


def test_read_good_table(tmp_path):
    fw = read(tmp_path, GOOD)
    assert fw.source == "meta.csv"
    assert [(n.code, n.name, n.parent, n.type, n.level, n.weight, n.direction) for n in fw] == [
        ("T", "Total", None, "aggregate", 2, 1.0, 1),
        ("a", "Alpha", "T", "indicator", 1, 1.0, 1),
        ("b", "Beta", "T", "indicator", 1, 2.0, -1),
    ]


def test_type_is_case_insensitive_and_number_forms(tmp_path):
    rows = ["T,Total,,2.0,,1,AGGREGATE", "a,Alpha,T,1,1.0,1.0,indicator", "b,Beta,T,1,2,-1.0,Indicator"]
    fw = read(tmp_path, rows)
    # an empty Weight on the top node is allowed (never used) and becomes 1
    assert [(n.level, n.weight, n.direction, n.type) for n in fw] == [
        (2, 1.0, 1, "aggregate"), (1, 1.0, 1, "indicator"), (1, 2.0, -1, "indicator")]


def test_optional_columns_groups_and_denominators(tmp_path):
    header = HEADER + ",iName_en,GoalMin,GoalMax,Transform,Aggregation,Denominator,Unit,Target,Comment"
    rows = [
        "T,总指数,,2,1,1,Aggregate,Total,,,,a_gmean,,,,top",
        "a,甲,T,1,1,1,Indicator,Alpha,0,100,log,,pop,persons,80,",
        "b,乙,T,1,1,-1,Indicator,,NA,,,,,,,",
        "pop,人口,,,,,Denominator,Population,,,,,,,,",
        "province,省份,,,,,Group,Province,,,,,,,,",
    ]
    fw = read(tmp_path, rows, header)
    assert fw.codes == ("T", "a", "b")
    assert fw.groups == ("province",) and fw.denominators == ("pop",)
    t, a, b = fw.nodes
    assert (t.name, t.name_en, t.aggregation) == ("总指数", "Total", "geometric")
    assert (a.goal_min, a.goal_max, a.transform, a.denominator, a.unit, a.target) == (0.0, 100.0, "log", "pop", "persons", 80.0)
    assert (b.name_en, b.goal_min, b.goal_max, b.transform, b.denominator) == (None, None, None, None, None)


@pytest.mark.parametrize("value, method", [("a_amean", "arithmetic"), ("A_GMEAN", "geometric"), ("a_hmean", "harmonic"),
                                           ("geometric", "geometric"), ("topsis", "topsis"), ("hmean", "harmonic")])
def test_aggregation_aliases(tmp_path, value, method):
    rows = replace_row(GOOD, 0, f"T,Total,,2,1,1,Aggregate,{value}")
    rows = [r if i == 0 else r + "," for i, r in enumerate(rows)]
    fw = read(tmp_path, rows, HEADER + ",Aggregation")
    assert fw["T"].aggregation == method


def test_framework_from_table_on_frame_uses_source():
    df = pd.DataFrame([r.split(",") for r in GOOD], columns=HEADER.split(","))
    fw = framework_from_table(df, source="iMeta sheet")
    assert fw.codes == ("T", "a", "b") and fw.source == "iMeta sheet"


# --------------------------------------------------------------------------- errors


def test_missing_required_columns(tmp_path):
    msg = error_of(tmp_path, ["T,Total,,1,Aggregate"], header="iCode,iName,Parent,Weight,Type")
    assert msg == (
        "meta.csv: missing columns Level, Direction; a COINr framework table needs "
        "iCode, iName, Parent, Level, Weight, Direction, Type (found iCode, iName, Parent, Weight, Type)"
    )
    assert REQUIRED == ("iCode", "iName", "Parent", "Level", "Weight", "Direction", "Type")


def test_type_typo(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 1, "a,Alpha,T,1,1,1,Indicatr"))
    assert msg == 'meta.csv row 3: value "Indicatr" in column Type is not one of Indicator, Aggregate, Group, Denominator'


def test_direction_zero(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,1,2,0,Indicator"))
    assert msg == 'meta.csv row 4: value "0" in column Direction must be 1 or -1'


def test_direction_text(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,1,2,negative,Indicator"))
    assert msg == 'meta.csv row 4: value "negative" in column Direction is not a number'


def test_weight_text(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,1,two,-1,Indicator"))
    assert msg == 'meta.csv row 4: value "two" in column Weight is not a number'


def test_weight_comma_decimal(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, 'b,Beta,T,1,"0,5",-1,Indicator'))
    assert msg == 'meta.csv row 4: value "0,5" in column Weight is not a number'


def test_weight_empty_below_top(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,1,,-1,Indicator"))
    assert msg == "meta.csv row 4: column Weight is empty for 'b'; a number is required"


def test_negative_weight(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,1,-2,-1,Indicator"))
    assert msg == "meta.csv: weights must not be negative: b (-2)"


def test_level_empty_and_fractional(tmp_path):
    assert error_of(tmp_path, replace_row(GOOD, 1, "a,Alpha,T,,1,1,Indicator")) == (
        "meta.csv row 3: column Level is empty; a number is required")
    assert error_of(tmp_path, replace_row(GOOD, 1, "a,Alpha,T,1.5,1,1,Indicator")) == (
        'meta.csv row 3: value "1.5" in column Level is not a whole number')


def test_wrong_level_of_indicator(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,T,2,2,-1,Indicator"))
    assert msg == "meta.csv: inconsistent levels: b: indicator at Level 2 (indicators are Level 1)"


def test_wrong_level_of_aggregate(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 0, "T,Total,,3,1,1,Aggregate"))
    assert msg == (
        "meta.csv: inconsistent levels: T: Level 3, but its children are a (Level 1), b (Level 1); expected Level 2"
    )


def test_unknown_parent(tmp_path):
    msg = error_of(tmp_path, replace_row(GOOD, 2, "b,Beta,Total,1,2,-1,Indicator"))
    assert msg == (
        "meta.csv: unknown parent codes (b -> parent 'Total'); parents must be aggregate codes of the framework: T"
    )


def test_cycle(tmp_path):
    rows = GOOD + ["A,A,B,2,1,1,Aggregate", "B,B,A,2,1,1,Aggregate", "x,X,A,1,1,1,Indicator"]
    assert error_of(tmp_path, rows) == "meta.csv: the framework has a cycle: A -> B -> A"


def test_duplicate_codes(tmp_path):
    msg = error_of(tmp_path, GOOD + ["a,Alpha again,T,1,1,1,Indicator"])
    assert msg == "meta.csv: duplicate node codes: a"


def test_two_roots(tmp_path):
    msg = error_of(tmp_path, GOOD + ["U,Other,,2,1,1,Aggregate", "u,u,U,1,1,1,Indicator"])
    assert msg == "meta.csv: the framework needs exactly one top node (a node with no parent); found 2: T, U"


def test_indicator_with_children(tmp_path):
    msg = error_of(tmp_path, GOOD + ["c,Gamma,a,1,1,1,Indicator"])
    assert msg == "meta.csv: indicators cannot have children (make them Type Aggregate): a"


def test_empty_code(tmp_path):
    assert error_of(tmp_path, replace_row(GOOD, 1, ",Alpha,T,1,1,1,Indicator")) == "meta.csv row 3: column iCode is empty"


def _with_extra(header_extra, values):
    header = HEADER + "," + header_extra
    rows = [r + "," + v for r, v in zip(GOOD, values)]
    return header, rows


def test_aggregation_on_indicator_row(tmp_path):
    header, rows = _with_extra("Aggregation", ["", "geometric", ""])
    msg = error_of(tmp_path, rows, header)
    assert msg == "meta.csv row 3: column Aggregation is set on indicator 'a'; it only applies to Aggregate rows"


def test_unknown_aggregation(tmp_path):
    header, rows = _with_extra("Aggregation", ["median", "", ""])
    msg = error_of(tmp_path, rows, header)
    assert msg == (
        'meta.csv row 2: value "median" in column Aggregation is not one of arithmetic, geometric, harmonic, '
        "topsis (or COINr's a_amean, a_gmean, a_hmean)"
    )


def test_unknown_denominator(tmp_path):
    header, rows = _with_extra("Denominator", ["", "gdp", ""])
    rows.append("pop,Population,,,,,Denominator,")
    msg = error_of(tmp_path, rows, header)
    assert msg == "meta.csv: Denominator column names gdp, which are not Denominator rows (Denominator rows: pop)"


def test_denominator_without_denominator_rows(tmp_path):
    header, rows = _with_extra("Denominator", ["", "pop", ""])
    assert error_of(tmp_path, rows, header).endswith("(Denominator rows: none)")


def test_goalpost_text_and_bad_transform(tmp_path):
    header, rows = _with_extra("GoalMin,GoalMax,Transform", [",,", "zero,100,", ",,"])
    assert error_of(tmp_path, rows, header) == 'meta.csv row 3: value "zero" in column GoalMin is not a number'
    header, rows = _with_extra("GoalMin,GoalMax,Transform", [",,", "0,100,sqrt", ",,"])
    assert error_of(tmp_path, rows, header) == 'meta.csv row 3: value "sqrt" in column Transform must be log or empty'


def test_group_code_clashing_with_node(tmp_path):
    msg = error_of(tmp_path, GOOD + ["a,Alpha,,,,,Group"])
    assert msg == "meta.csv: codes used both as framework nodes and as group/denominator columns: a"


# --------------------------------------------------------------------------- round trip


RICH = [
    {"code": "DTI", "type": "aggregate", "name": "数字化转型指数", "name_en": "Digital Transformation Index"},
    {"code": "infra", "type": "aggregate", "parent": "DTI", "name": "基础设施", "weight": 0.4,
     "aggregation": "geometric"},
    {"code": "cloud", "parent": "infra", "name": "云计算", "name_en": "Cloud", "goal_min": 0.0, "goal_max": 500.0,
     "transform": "log", "denominator": "pop"},
    {"code": "ai", "parent": "infra", "name": "人工智能", "direction": -1, "weight": 2.5},
    {"code": "docs", "parent": "DTI", "name": "在线文档", "weight": 0.6},
]


def _node_tuples(fw):
    return [n.model_dump() for n in fw]


def test_to_table_columns():
    fw = framework_from_records(RICH, groups=["province"], denominators=["pop"])
    t = framework_to_table(fw)
    assert list(t.columns) == ["iCode", "iName", "iName_en", "Parent", "Level", "Weight", "Direction", "Type",
                               "GoalMin", "GoalMax", "Transform", "Aggregation", "Denominator"]
    assert t["iCode"].tolist() == ["DTI", "infra", "cloud", "ai", "docs", "province", "pop"]
    assert t["Type"].tolist() == ["Aggregate", "Aggregate", "Indicator", "Indicator", "Indicator", "Group", "Denominator"]
    assert t["Level"].tolist()[:5] == [3, 2, 1, 1, 1]
    assert math.isnan(t["Level"].iloc[5])


def test_round_trip_in_memory():
    fw = framework_from_records(RICH, groups=["province"], denominators=["pop"])
    text = framework_to_table(fw).astype(str)  # the reader expects text, as read_table gives
    back = framework_from_table(text)
    assert _node_tuples(back) == _node_tuples(fw)
    assert back.groups == ("province",) and back.denominators == ("pop",)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_round_trip_through_file(tmp_path, suffix):
    fw = framework_from_records(RICH, groups=["province"], denominators=["pop"])
    path = tmp_path / f"meta.{suffix}"
    table = framework_to_table(fw)
    table.to_csv(path, index=False) if suffix == "csv" else table.to_excel(path, index=False)
    back = read_framework_table(path)
    assert _node_tuples(back) == _node_tuples(fw)
    assert back.groups == fw.groups and back.denominators == fw.denominators
    assert back.source == f"meta.{suffix}"


def test_round_trip_of_shipped_example(tmp_path):
    from importlib import resources

    from dtindex.spec.index_spec import load_spec

    spec, base = load_spec(resources.files("dtindex") / "examples" / "dti-mini" / "spec.yaml")
    fw = spec.build_framework(base)
    path = tmp_path / "dti.csv"
    framework_to_table(fw).to_csv(path, index=False)
    back = read_framework_table(path)
    assert _node_tuples(back) == _node_tuples(fw)
    assert back.groups == ("province", "tier")
