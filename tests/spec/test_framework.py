"""Tests of dtindex.spec.framework: Node, Framework validation, levels and the nested YAML form."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dtindex.errors import SpecError
from dtindex.spec.framework import Node, framework_from_records, nested_to_records


def agg(code, parent=None, **kw):
    return {"code": code, "type": "aggregate", "parent": parent, **kw}


def ind(code, parent, **kw):
    return {"code": code, "parent": parent, **kw}


def build(records, **kw):
    return framework_from_records(records, source=kw.pop("source", "fw.yaml"), **kw)


# T (level 3) -> P (level 2) -> p1, p2 ; T -> z (indicator directly under the top)
UNBALANCED = [agg("T"), agg("P", "T"), ind("p1", "P"), ind("p2", "P", weight=2.0), ind("z", "T", direction=-1)]


# --------------------------------------------------------------------------- valid frameworks


def test_levels_follow_coinr_rule():
    fw = build(UNBALANCED)
    # indicators are level 1; an aggregate is 1 + max child level: P = 2, T = 1 + max(2, 1) = 3
    assert {n.code: n.level for n in fw} == {"T": 3, "P": 2, "p1": 1, "p2": 1, "z": 1}
    assert fw.max_level == 3
    assert fw.root == "T"
    assert fw.indicators == ("p1", "p2", "z")
    assert fw.aggregates == ("T", "P")
    assert fw.children == {"T": ["P", "z"], "P": ["p1", "p2"], "p1": [], "p2": [], "z": []}


def test_given_consistent_levels_accepted():
    recs = [agg("T", level=3), agg("P", "T", level=2), ind("p1", "P", level=1), ind("z", "T", level=1)]
    assert [n.level for n in build(recs)] == [3, 2, 1, 1]


def test_node_order_kept_and_navigation():
    fw = build(UNBALANCED)
    assert fw.codes == ("T", "P", "p1", "p2", "z")
    assert fw.output_order() == ["p1", "p2", "z", "P", "T"]
    assert fw.parents_bottom_up() == ["P", "T"]
    assert fw.descendants("T") == ["P", "p1", "p2", "z"]
    assert fw.descendants("T", indicators_only=True) == ["p1", "p2", "z"]
    assert fw.ancestors("p2") == ["P", "T"]
    assert fw.ancestors("T") == []
    assert fw["z"].direction == -1 and fw["p2"].weight == 2.0
    assert "p1" in fw and "nope" not in fw and len(fw) == 5


def test_unknown_node_lookup_lists_codes():
    fw = build(UNBALANCED)
    with pytest.raises(SpecError, match=r"^fw.yaml: unknown node 'x'; nodes are T, P, p1, p2, z$"):
        fw["x"]


def test_replace_weights_revalidates():
    fw = build(UNBALANCED)
    fw2 = fw.replace_weights({"p1": 3, "p2": 1})
    assert (fw2["p1"].weight, fw2["p2"].weight, fw2["z"].weight) == (3.0, 1.0, 1.0)
    assert fw["p1"].weight == 1.0  # the original is unchanged
    with pytest.raises(SpecError, match=r"weights must not be negative: p1 \(-1\)"):
        fw.replace_weights({"p1": -1})


def test_node_label_fallbacks():
    assert Node(code="a", name="云", name_en="Cloud").label("en") == "Cloud"
    assert Node(code="a", name="云", name_en="Cloud").label("zh") == "云"
    assert Node(code="a", name="云").label("en") == "云"
    assert Node(code="a", name_en="Cloud").label("zh") == "Cloud"
    assert Node(code="a").label() == "a"


def test_code_is_stripped():
    assert Node(code="  cloud ").code == "cloud"


def test_groups_and_denominators_kept():
    fw = build([agg("T"), ind("a", "T")], groups=["province"], denominators=["pop"])
    assert fw.groups == ("province",) and fw.denominators == ("pop",)


# --------------------------------------------------------------------------- validation errors


def test_unknown_parent():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T"), ind("b", "Tx")])
    assert str(e.value) == (
        "fw.yaml: unknown parent codes (b -> parent 'Tx'); parents must be aggregate codes of the framework: T"
    )


def test_cycle_two_nodes():
    recs = [agg("T"), agg("a", "b"), agg("b", "a"), ind("x", "a"), ind("y", "T")]
    with pytest.raises(SpecError, match=r"^fw.yaml: the framework has a cycle: a -> b -> a$"):
        build(recs)


def test_cycle_reached_from_outside_names_only_the_loop():
    recs = [agg("T"), ind("x", "a"), agg("a", "b"), agg("b", "c"), agg("c", "a"), ind("y", "T")]
    with pytest.raises(SpecError, match=r"cycle: a -> b -> c -> a$"):
        build(recs)


def test_self_parent_is_a_cycle():
    with pytest.raises(SpecError, match=r"cycle: T -> T$"):
        build([agg("T", "T"), ind("a", "T")])


def test_negative_weights_listed():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T", weight=-1), ind("b", "T", weight=-0.5), ind("c", "T")])
    assert str(e.value) == "fw.yaml: weights must not be negative: a (-1), b (-0.5)"


def test_zero_weight_allowed():
    assert build([agg("T"), ind("a", "T", weight=0), ind("b", "T")])["a"].weight == 0.0


def test_duplicate_codes():
    with pytest.raises(SpecError, match=r"^fw.yaml: duplicate node codes: a, b$"):
        build([agg("T"), ind("b", "T"), ind("a", "T"), ind("a", "T"), ind("b", "T")])


def test_duplicate_after_strip():
    with pytest.raises(SpecError, match=r"duplicate node codes: a$"):
        build([agg("T"), ind("a", "T"), ind(" a", "T")])


def test_code_clashing_with_group_column():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T")], groups=["a"])
    assert str(e.value) == "fw.yaml: codes used both as framework nodes and as group/denominator columns: a"


def test_two_roots():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T"), agg("U"), ind("u", "U")])
    assert str(e.value) == (
        "fw.yaml: the framework needs exactly one top node (a node with no parent); found 2: T, U"
    )


def test_no_nodes():
    with pytest.raises(SpecError, match=r"found 0: none$"):
        build([])


def test_indicator_with_children():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T"), ind("b", "a")])
    assert str(e.value) == "fw.yaml: indicators cannot have children (make them Type Aggregate): a"


def test_aggregate_without_children():
    with pytest.raises(SpecError, match=r"^fw.yaml: aggregates with no children: E$"):
        build([agg("T"), ind("a", "T"), agg("E", "T")])


def test_top_node_indicator():
    with pytest.raises(SpecError, match=r"^fw.yaml: the top node 'a' is an indicator; it must be an aggregate$"):
        build([{"code": "a"}])


def test_indicator_level_other_than_one():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T", level=2), ind("b", "T")])
    assert str(e.value) == "fw.yaml: inconsistent levels: a: indicator at Level 2 (indicators are Level 1)"


def test_aggregate_level_names_children_levels():
    with pytest.raises(SpecError) as e:
        build([agg("T", level=2), agg("P", "T"), ind("p1", "P"), ind("z", "T")])
    assert str(e.value) == (
        "fw.yaml: inconsistent levels: T: Level 2, but its children are P (Level 2), z (Level 1); expected Level 3"
    )


@pytest.mark.parametrize(
    "bad, expected",
    [
        ({"direction": 0}, "fw.yaml: node 'a': direction: Input should be 1 or -1 (got 0)"),
        ({"direction": "1"}, "fw.yaml: node 'a': direction: Input should be 1 or -1 (got '1')"),
        ({"weight": "abc"},
         "fw.yaml: node 'a': weight: Input should be a valid number, unable to parse string as a number (got 'abc')"),
        ({"weight": float("inf")},
         "fw.yaml: node 'a': weight: Value error, weight must be a finite number, got inf (got inf)"),
        ({"colour": "red"}, "fw.yaml: node 'a': colour: Extra inputs are not permitted (got 'red')"),
        ({"type": "indicatr"}, "fw.yaml: node 'a': type: Input should be 'indicator' or 'aggregate' (got 'indicatr')"),
        ({"transform": "sqrt"}, "fw.yaml: node 'a': transform: Input should be 'log' (got 'sqrt')"),
    ],
)
def test_bad_node_fields(bad, expected):
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("a", "T", **bad)])
    assert str(e.value) == expected


def test_empty_code_names_record_position():
    with pytest.raises(SpecError) as e:
        build([agg("T"), ind("  ", "T")])
    assert str(e.value) == "fw.yaml: node '  ': code: Value error, node code is empty (got '  ')"
    with pytest.raises(SpecError, match=r"^fw.yaml: node '#2': code: Field required"):
        build([agg("T"), {"parent": "T"}])


def test_node_is_frozen():
    n = Node(code="a")
    with pytest.raises(ValidationError, match="frozen"):
        n.weight = 2.0  # type: ignore[misc]


# --------------------------------------------------------------------------- nested YAML form


NESTED = {
    "code": "DTI",
    "name": {"zh": "数字化转型指数", "en": "Digital Transformation Index"},
    "children": [
        {"code": "infra", "name": {"zh": "基础设施", "en": "Infrastructure"}, "weight": 2,
         "children": [{"code": "cloud", "name": "云计算"}, {"code": "ai", "direction": -1}]},
        {"code": "docs", "name_en": "Online documents"},
    ],
}


def test_nested_to_records_flattens_depth_first():
    recs = nested_to_records(NESTED)
    assert recs == [
        {"code": "DTI", "name": "数字化转型指数", "name_en": "Digital Transformation Index", "type": "aggregate"},
        {"code": "infra", "weight": 2, "parent": "DTI", "name": "基础设施", "name_en": "Infrastructure",
         "type": "aggregate"},
        {"code": "cloud", "name": "云计算", "parent": "infra", "type": "indicator"},
        {"code": "ai", "direction": -1, "parent": "infra", "type": "indicator"},
        {"code": "docs", "name_en": "Online documents", "parent": "DTI", "type": "indicator"},
    ]
    fw = build(recs)
    assert {n.code: n.level for n in fw} == {"DTI": 3, "infra": 2, "cloud": 1, "ai": 1, "docs": 1}
    assert fw["DTI"].label("en") == "Digital Transformation Index"
    assert fw["docs"].label("zh") == "Online documents"


def test_nested_explicit_type_wins():
    recs = nested_to_records({"code": "T", "children": [{"code": "E", "type": "aggregate"}, {"code": "a"}]})
    assert recs[1]["type"] == "aggregate"
    with pytest.raises(SpecError, match="aggregates with no children: E"):
        build(recs)


def test_nested_parent_contradiction():
    tree = {"code": "T", "children": [{"code": "a", "parent": "U"}]}
    with pytest.raises(SpecError) as e:
        nested_to_records(tree)
    assert str(e.value) == "framework: node 'a' is nested under 'T' but declares parent 'U'"


def test_nested_matching_parent_accepted():
    recs = nested_to_records({"code": "T", "children": [{"code": "a", "parent": "T"}]})
    assert recs[1]["parent"] == "T"


def test_nested_non_mapping_refused():
    with pytest.raises(SpecError, match=r"^framework: each node must be a mapping with a 'code'; got 'cloud'$"):
        nested_to_records({"code": "T", "children": ["cloud"]})


def test_nested_does_not_modify_input():
    tree = {"code": "T", "name": {"zh": "总", "en": "Total"}, "children": [{"code": "a"}]}
    nested_to_records(tree)
    assert tree == {"code": "T", "name": {"zh": "总", "en": "Total"}, "children": [{"code": "a"}]}
