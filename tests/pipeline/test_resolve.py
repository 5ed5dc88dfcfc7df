"""Tests of dtindex.pipeline.resolve and spec.model.merge: one method setting per node.

Precedence, lowest to highest: global < levels[L] < the node's own field (Aggregation column, goalposts)
< nodes[ancestor] (top down) < nodes[code].
"""

from __future__ import annotations

import pytest

from dtindex.errors import SpecError
from dtindex.pipeline.resolve import resolve_aggregate, resolve_normalise, resolve_weights
from dtindex.spec.framework import framework_from_records
from dtindex.spec.model import (
    AggregateConfig, AggregateSpec, NormaliseConfig, NormaliseSpec, WeightsConfig, WeightsSpec, merge,
)

# T (level 3) -> P (level 2, Aggregation column: harmonic) -> p1 (goalposts 0..10, log), p2
#             -> Q (level 2)                                -> q1, q2
FW = framework_from_records([
    {"code": "T", "type": "aggregate"},
    {"code": "P", "type": "aggregate", "parent": "T", "aggregation": "harmonic"},
    {"code": "Q", "type": "aggregate", "parent": "T"},
    {"code": "p1", "parent": "P", "goal_min": 0, "goal_max": 10, "transform": "log"},
    {"code": "p2", "parent": "P"},
    {"code": "q1", "parent": "Q"},
    {"code": "q2", "parent": "Q"},
], source="fw")


def methods(resolved):
    return {k: v.method for k, v in resolved.items()}


# --------------------------------------------------------------------------- merge


def test_merge_only_named_fields_replace():
    base = AggregateSpec(method="geometric", missing="propagate", nonpositive="shift", shift=1.0)
    out = merge(base, AggregateSpec(missing="error"), AggregateSpec)
    assert (out.method, out.missing, out.nonpositive, out.shift) == ("geometric", "error", "shift", 1.0)


def test_merge_params_only_are_merged_into_base_params():
    base = NormaliseSpec(method="minmax", params={"low": 1, "high": 100})
    out = merge(base, NormaliseSpec(params={"high": 10}), NormaliseSpec)
    assert (out.method, out.params) == ("minmax", {"low": 1, "high": 10})


def test_merge_new_method_drops_other_methods_params():
    base = NormaliseSpec(method="minmax", params={"low": 1, "high": 100})
    out = merge(base, NormaliseSpec(method="zscore"), NormaliseSpec)
    assert (out.method, out.params) == ("zscore", {})


def test_merge_same_method_keeps_params():
    base = NormaliseSpec(method="minmax", params={"low": 1, "high": 100})
    assert merge(base, NormaliseSpec(method="minmax"), NormaliseSpec).params == {"low": 1, "high": 100}


def test_merge_method_and_params_replace_both():
    base = NormaliseSpec(method="minmax", params={"low": 1, "high": 100})
    out = merge(base, NormaliseSpec(method="zscore", params={"sd": 2}), NormaliseSpec)
    assert (out.method, out.params) == ("zscore", {"sd": 2})


def test_merge_explicit_default_value_counts_as_set():
    base = NormaliseSpec(method="zscore", scope="per_period")
    out = merge(base, NormaliseSpec(method="minmax", scope=None), NormaliseSpec)
    assert (out.method, out.scope) == ("minmax", None)


# --------------------------------------------------------------------------- aggregate


def test_aggregate_global_only():
    out = resolve_aggregate(FW, AggregateConfig(method="geometric"))
    # P has its own Aggregation column (harmonic), which beats the global setting
    assert methods(out) == {"P": "harmonic", "Q": "geometric", "T": "geometric"}
    assert list(out) == ["P", "Q", "T"]  # bottom-up order


def test_aggregate_precedence_global_level_field_node():
    cfg = AggregateConfig(
        method="geometric", missing="propagate",
        levels={2: AggregateSpec(method="arithmetic")},
        nodes={"Q": AggregateSpec(method="topsis", params={"scale": 100})},
    )
    out = resolve_aggregate(FW, cfg)
    # P: level says arithmetic, the node field (harmonic) is above levels
    assert (out["P"].method, out["P"].missing) == ("harmonic", "propagate")
    # Q: nodes[Q] is above levels
    assert (out["Q"].method, out["Q"].params, out["Q"].missing) == ("topsis", {"scale": 100}, "propagate")
    # T: level 3 not overridden -> global
    assert (out["T"].method, out["T"].missing) == ("geometric", "propagate")


def test_aggregate_node_setting_beats_aggregation_column():
    out = resolve_aggregate(FW, AggregateConfig(nodes={"P": AggregateSpec(method="geometric")}))
    assert out["P"].method == "geometric"


def test_aggregate_level_override_of_method_keeps_inheriting_missing():
    cfg = AggregateConfig(method="geometric", missing="propagate", nonpositive="shift", shift=1.0,
                          levels={3: AggregateSpec(method="arithmetic")})
    t = resolve_aggregate(FW, cfg)["T"]
    assert (t.method, t.missing, t.nonpositive, t.shift) == ("arithmetic", "propagate", "shift", 1.0)


def test_aggregate_method_change_does_not_inherit_params():
    cfg = AggregateConfig(method="topsis", params={"scale": 100}, levels={2: AggregateSpec(method="geometric")})
    out = resolve_aggregate(FW, cfg)
    assert (out["Q"].method, out["Q"].params) == ("geometric", {})
    assert (out["T"].method, out["T"].params) == ("topsis", {"scale": 100})


def test_aggregate_params_only_override_merges():
    cfg = AggregateConfig(method="topsis", params={"scale": 100}, levels={2: AggregateSpec(params={"x": 1})})
    assert resolve_aggregate(FW, cfg)["Q"].params == {"scale": 100, "x": 1}


def test_aggregate_ancestor_setting_does_not_reach_children():
    # aggregate.nodes[A] says how A itself is formed
    out = resolve_aggregate(FW, AggregateConfig(nodes={"T": AggregateSpec(method="geometric")}))
    assert methods(out) == {"P": "harmonic", "Q": "arithmetic", "T": "geometric"}


@pytest.mark.parametrize("level", [1, 4])
def test_aggregate_levels_that_do_not_exist(level):
    with pytest.raises(SpecError) as e:
        resolve_aggregate(FW, AggregateConfig(levels={level: AggregateSpec(method="geometric")}))
    assert str(e.value) == (
        f"aggregate.levels: level {level} cannot be set; aggregate.levels[L] sets how level-L aggregates are formed "
        "(allowed: 2, 3)"
    )


def test_aggregate_nodes_on_indicator_refused():
    with pytest.raises(SpecError) as e:
        resolve_aggregate(FW, AggregateConfig(nodes={"p1": AggregateSpec(method="geometric")}))
    assert str(e.value) == "aggregate.nodes: p1 cannot be set here; only aggregates are formed by aggregation"


def test_aggregate_nodes_unknown_code_lists_codes():
    with pytest.raises(SpecError) as e:
        resolve_aggregate(FW, AggregateConfig(nodes={"ZZ": AggregateSpec()}))
    assert str(e.value) == (
        "aggregate.nodes names codes that are not in the framework: ZZ; codes are T, P, Q, p1, p2, q1, q2")


# --------------------------------------------------------------------------- normalise


def test_normalise_precedence_global_level_ancestors_code():
    cfg = NormaliseConfig(
        method="minmax", params={"low": 1, "high": 100},
        levels={1: NormaliseSpec(params={"high": 10})},
        nodes={"T": NormaliseSpec(scope="per_period"), "Q": NormaliseSpec(method="rank"),
               "q2": NormaliseSpec(method="pct_of_max")},
    )
    out = resolve_normalise(FW, cfg)
    assert list(out) == ["p1", "p2", "q1", "q2"]
    # p2: global minmax, level 1 merges params, nodes[T] sets scope
    assert (out["p2"].method, out["p2"].params, out["p2"].scope) == ("minmax", {"low": 1, "high": 10}, "per_period")
    # q1: nodes[Q] (nearer ancestor) changes the method, dropping minmax params, keeping T's scope
    assert (out["q1"].method, out["q1"].params, out["q1"].scope) == ("rank", {}, "per_period")
    # q2: nodes[q2] beats nodes[Q]
    assert (out["q2"].method, out["q2"].params, out["q2"].scope) == ("pct_of_max", {}, "per_period")


def test_normalise_nearer_ancestor_wins():
    cfg = NormaliseConfig(nodes={"T": NormaliseSpec(method="zscore"), "P": NormaliseSpec(method="rank")})
    assert methods(resolve_normalise(FW, cfg)) == {"p1": "rank", "p2": "rank", "q1": "zscore", "q2": "zscore"}


def test_normalise_goalposts_take_node_fields():
    out = resolve_normalise(FW, NormaliseConfig(method="goalposts", params={"scale": 100}))
    assert out["p1"].params == {"goal_min": 0.0, "goal_max": 10.0, "transform": "log", "scale": 100}
    assert out["p2"].params == {"scale": 100}


def test_normalise_node_setting_beats_goalpost_field():
    cfg = NormaliseConfig(method="goalposts", nodes={"p1": NormaliseSpec(params={"goal_max": 20})})
    assert resolve_normalise(FW, cfg)["p1"].params == {"goal_min": 0.0, "goal_max": 20, "transform": "log"}


def test_normalise_goalpost_field_beats_global_and_level_params():
    cfg = NormaliseConfig(method="goalposts", params={"goal_min": 5, "goal_max": 50},
                          levels={1: NormaliseSpec(params={"goal_max": 60})})
    out = resolve_normalise(FW, cfg)
    assert (out["p1"].params["goal_min"], out["p1"].params["goal_max"]) == (0.0, 10.0)
    assert (out["p2"].params["goal_min"], out["p2"].params["goal_max"]) == (5, 60)


def test_normalise_levels_other_than_one_refused():
    with pytest.raises(SpecError) as e:
        resolve_normalise(FW, NormaliseConfig(levels={2: NormaliseSpec(method="zscore")}))
    assert str(e.value) == (
        "normalise.levels: level 2 cannot be set; only indicators (level 1) are normalised (allowed: 1)")


def test_normalise_nodes_unknown_code_refused():
    with pytest.raises(SpecError) as e:
        resolve_normalise(FW, NormaliseConfig(nodes={"cloud": NormaliseSpec(method="zscore")}))
    assert str(e.value) == (
        "normalise.nodes names codes that are not in the framework: cloud; codes are T, P, Q, p1, p2, q1, q2")


@pytest.mark.parametrize(
    "cfg, where",
    [
        (NormaliseConfig(method="goalposts", scope="pooled"), "normalise"),
        (NormaliseConfig(levels={1: NormaliseSpec(method="goalposts", scope="pooled")}), "normalise.levels.1"),
        (NormaliseConfig(nodes={"q1": NormaliseSpec(method="goalposts", scope="pooled")}), "normalise.nodes.q1"),
        # inherited: a pooled global scope reaching a goalposts node override
        (NormaliseConfig(method="zscore", scope="pooled", nodes={"P": NormaliseSpec(method="goalposts")}),
         "normalise of 'p1'"),
    ],
)
def test_scope_on_goalposts_refused(cfg, where):
    with pytest.raises(SpecError) as e:
        resolve_normalise(FW, cfg)
    assert str(e.value) == (
        f"{where}: normalisation 'goalposts' uses fixed values and has no scope; remove scope 'pooled'")


def test_scope_on_none_refused():
    with pytest.raises(SpecError, match=r"^normalise: normalisation 'none' uses fixed values and has no scope"):
        resolve_normalise(FW, NormaliseConfig(method="none", scope="per_period"))


def test_inherited_scope_removed_with_explicit_null():
    cfg = NormaliseConfig(method="zscore", scope="pooled", nodes={"P": NormaliseSpec(method="goalposts", scope=None)})
    out = resolve_normalise(FW, cfg)
    assert (out["p1"].method, out["p1"].scope) == ("goalposts", None)
    assert (out["q1"].method, out["q1"].scope) == ("zscore", "pooled")


@pytest.mark.parametrize(
    "cfg, where",
    [
        (NormaliseConfig(method="base_share", scope="pooled"), "normalise"),
        (NormaliseConfig(nodes={"p2": NormaliseSpec(method="base_share", scope="pooled")}), "normalise.nodes.p2"),
        (NormaliseConfig(scope="pooled", nodes={"T": NormaliseSpec(method="base_share")}), "normalise of 'p1'"),
    ],
)
def test_base_share_with_pooled_scope_refused(cfg, where):
    with pytest.raises(SpecError) as e:
        resolve_normalise(FW, cfg)
    assert str(e.value) == (
        f"{where}: normalisation 'base_share' cannot use scope 'pooled'; allowed: base_period, per_period")


def test_base_share_allowed_scopes():
    for scope in ("base_period", "per_period", None):
        out = resolve_normalise(FW, NormaliseConfig(method="base_share", scope=scope))
        assert {s.scope for s in out.values()} == {scope}


# --------------------------------------------------------------------------- weights


def test_weights_levels_apply_to_children_of_the_level_above():
    cfg = WeightsConfig(method="entropy", scope="base_period",
                        levels={1: WeightsSpec(method="equal")},
                        nodes={"P": WeightsSpec(method="critic")})
    out = resolve_weights(FW, cfg)
    # levels[1] weights the level-1 children of P and Q; nodes[P] beats it; T's children (level 2) use global
    assert methods(out) == {"P": "critic", "Q": "equal", "T": "entropy"}
    assert {s.scope for s in out.values()} == {"base_period"}


def test_weights_nodes_override_fields():
    cfg = WeightsConfig(method="expert", expert_scores="scores.csv", nodes={"T": WeightsSpec(expert_scores="top.csv")})
    out = resolve_weights(FW, cfg)
    assert (out["T"].method, out["T"].expert_scores) == ("expert", "top.csv")
    assert out["P"].expert_scores == "scores.csv"


def test_weights_nodes_on_indicator_refused():
    with pytest.raises(SpecError) as e:
        resolve_weights(FW, WeightsConfig(nodes={"p1": WeightsSpec(method="equal")}))
    assert str(e.value) == (
        "weights.nodes: p1 cannot be set here; weights.nodes[P] sets how the children of aggregate P are weighted")


def test_weights_nodes_unknown_code_refused():
    with pytest.raises(SpecError, match=r"^weights.nodes names codes that are not in the framework: X; codes are T, "):
        resolve_weights(FW, WeightsConfig(nodes={"X": WeightsSpec()}))


def test_weights_level_that_does_not_exist():
    with pytest.raises(SpecError) as e:
        resolve_weights(FW, WeightsConfig(levels={3: WeightsSpec(method="equal")}))
    assert str(e.value) == (
        "weights.levels: level 3 cannot be set; weights.levels[L] sets the weights of level-L nodes (allowed: 1, 2)")


@pytest.mark.parametrize(
    "cfg, where, method, scope",
    [
        (WeightsConfig(method="manual", scope="pooled"), "weights", "manual", "pooled"),
        (WeightsConfig(method="entropy", levels={1: WeightsSpec(method="equal", scope="pooled")}),
         "weights.levels.1", "equal", "pooled"),
        # the scope is written at the level, the fixed method comes from global
        (WeightsConfig(method="expert", levels={2: WeightsSpec(scope="base_period")}),
         "weights.levels.2", "expert", "base_period"),
        (WeightsConfig(method="entropy", nodes={"P": WeightsSpec(method="ahp", scope="base_period")}),
         "weights.nodes.P", "ahp", "base_period"),
    ],
)
def test_weights_scope_on_fixed_method_refused(cfg, where, method, scope):
    with pytest.raises(SpecError) as e:
        resolve_weights(FW, cfg)
    assert str(e.value) == (
        f"{where}: weights method {method!r} does not use data and has no scope; remove scope {scope!r} "
        "(scope applies to entropy, critic, cv, pca, max_deviation, msd, combined)")


def test_weights_inherited_scope_does_not_block_a_fixed_method():
    cfg = WeightsConfig(method="cv", scope="pooled", nodes={"Q": WeightsSpec(method="equal")})
    out = resolve_weights(FW, cfg)
    assert methods(out) == {"P": "cv", "Q": "equal", "T": "cv"}
