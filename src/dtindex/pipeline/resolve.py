"""Resolve global / per-level / per-node method settings into one setting per node.

Precedence, lowest to highest: global setting, ``levels[L]``, the framework
node's own field (``aggregation`` on an aggregate; goalposts on an indicator),
``nodes[ancestor]`` from the top down, ``nodes[code]``. A setting that cannot
apply (unknown node code, a level that does not exist for that step, a scope on
a method that has none) is a :class:`~dtindex.errors.SpecError`.
"""

from __future__ import annotations

from ..errors import SpecError, describe_rows
from ..methods.normalise import NORMALISERS
from ..spec.framework import Framework
from ..spec.model import (
    AggregateConfig, AggregateSpec, NormaliseConfig, NormaliseSpec, WeightsConfig, WeightsSpec, merge,
)
from .weighting import check_weight_params


DATA_DRIVEN_WEIGHTS = ("entropy", "critic", "cv", "pca", "max_deviation", "msd", "combined")


def _base(cfg, cls):
    return cls(**{k: getattr(cfg, k) for k in cls.model_fields})


def _check_nodes(step: str, keys, fw: Framework, allowed: tuple[str, ...], what: str) -> None:
    unknown = [k for k in keys if k not in fw]
    if unknown:
        raise SpecError(
            f"{step}.nodes names codes that are not in the framework: {describe_rows(unknown)}; "
            f"codes are {describe_rows(fw.codes, 15)}"
        )
    wrong = [k for k in keys if k not in allowed]
    if wrong:
        raise SpecError(f"{step}.nodes: {describe_rows(wrong)} cannot be set here; {what}")


def _check_levels(step: str, keys, allowed: set[int], what: str) -> None:
    bad = sorted(k for k in keys if k not in allowed)
    if bad:
        raise SpecError(
            f"{step}.levels: level {', '.join(map(str, bad))} cannot be set; {what} "
            f"(allowed: {', '.join(map(str, sorted(allowed))) or 'none'})"
        )


def _check_scope(where: str, spec: NormaliseSpec) -> None:
    cls = NORMALISERS[spec.method]
    if spec.scope is None:
        return
    if cls.scope_free:
        raise SpecError(
            f"{where}: normalisation {spec.method!r} uses fixed values and has no scope; remove scope {spec.scope!r}"
        )
    if spec.scope not in cls.scopes:
        raise SpecError(
            f"{where}: normalisation {spec.method!r} cannot use scope {spec.scope!r}; "
            f"allowed: {', '.join(cls.scopes)}"
        )


def resolve_normalise(fw: Framework, cfg: NormaliseConfig) -> dict[str, NormaliseSpec]:
    """One :class:`NormaliseSpec` per indicator."""
    _check_levels("normalise", cfg.levels, {1}, "only indicators (level 1) are normalised")
    _check_nodes("normalise", cfg.nodes, fw, fw.codes, "")
    base = _base(cfg, NormaliseSpec)
    _check_scope("normalise", base)
    for lvl, s in cfg.levels.items():
        _check_scope(f"normalise.levels.{lvl}", merge(base, s, NormaliseSpec))
    out: dict[str, NormaliseSpec] = {}
    for code in fw.indicators:
        general = merge(base, cfg.levels[1], NormaliseSpec) if 1 in cfg.levels else base
        overrides = [cfg.nodes[a] for a in reversed(fw.ancestors(code)) if a in cfg.nodes]
        if code in cfg.nodes:
            overrides.append(cfg.nodes[code])
        spec = general
        for o in overrides:
            spec = merge(spec, o, NormaliseSpec)
        if code in cfg.nodes:
            _check_scope(f"normalise.nodes.{code}", spec)
        elif spec.scope is not None:
            _check_scope(f"normalise of {code!r}", spec)
        if spec.method == "goalposts":
            # precedence: global/level params < the indicator's own goalposts < nodes[...] params
            node = fw[code]
            own = {k: v for k, v in (("goal_min", node.goal_min), ("goal_max", node.goal_max),
                                     ("transform", node.transform)) if v is not None}
            params = dict(general.params) if general.method == "goalposts" else {}
            params.update(own)
            for o in overrides:
                if "method" in o.model_fields_set and o.method != "goalposts":
                    params = dict(own)
                if "params" in o.model_fields_set:
                    params.update(o.params)
            spec = spec.model_copy(update={"params": params})
        out[code] = spec
    return out


def resolve_weights(fw: Framework, cfg: WeightsConfig) -> dict[str, WeightsSpec]:
    """One :class:`WeightsSpec` per aggregate: how that aggregate's children are weighted.

    ``levels[L]`` applies to the children of level-(L+1) aggregates.
    """
    child_levels = {fw.level_of(a) - 1 for a in fw.aggregates}
    _check_levels("weights", cfg.levels, child_levels, "weights.levels[L] sets the weights of level-L nodes")
    _check_nodes("weights", cfg.nodes, fw, fw.aggregates,
                 "weights.nodes[P] sets how the children of aggregate P are weighted")
    base = _base(cfg, WeightsSpec)
    _check_weight_scope("weights", base, base)
    check_weight_params("weights", base)
    for lvl, o in cfg.levels.items():
        _check_weight_scope(f"weights.levels.{lvl}", o, merge(base, o, WeightsSpec))
        check_weight_params(f"weights.levels.{lvl}", merge(base, o, WeightsSpec))
    out = {}
    origin: dict[str, str] = {}
    for agg in fw.parents_bottom_up():
        spec = base
        where = "weights"
        lvl = fw.level_of(agg) - 1
        if lvl in cfg.levels:
            spec = merge(spec, cfg.levels[lvl], WeightsSpec)
            where = f"weights.levels.{lvl}" if "params" in cfg.levels[lvl].model_fields_set else where
        if agg in cfg.nodes:
            spec = merge(spec, cfg.nodes[agg], WeightsSpec)
            _check_weight_scope(f"weights.nodes.{agg}", cfg.nodes[agg], spec)
            check_weight_params(f"weights.nodes.{agg}", spec)
            where = f"weights.nodes.{agg}" if "params" in cfg.nodes[agg].model_fields_set else where
        out[agg] = spec
        origin[agg] = where
    _check_directions(fw, out, origin)
    return out


def _check_directions(fw: Framework, specs: dict[str, WeightsSpec], origin: dict[str, str]) -> None:
    """A ``directions`` mapping may only name children of the parents it is applied to."""
    covered: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for agg, spec in specs.items():
        d = spec.params.get("directions")
        if d is None and spec.method == "combined" and isinstance(spec.params.get("objective_params"), dict):
            d = spec.params["objective_params"].get("directions")
        if isinstance(d, dict):
            covered.setdefault(origin[agg], set()).update(fw.children[agg])
            names.setdefault(origin[agg], set()).update(map(str, d))
    for where, keys in names.items():
        stray = sorted(keys - covered[where])
        if stray:
            raise SpecError(
                f"{where}.params.directions names {describe_rows(stray)}, which are not children of the aggregates "
                f"these weights apply to ({describe_rows(sorted(covered[where]), 15)})"
            )


def _check_weight_scope(where: str, declared: WeightsSpec, effective: WeightsSpec) -> None:
    """A scope written next to a method that does not use data cannot apply (an inherited one is ignored)."""
    if "scope" in declared.model_fields_set and declared.scope is not None and effective.method not in DATA_DRIVEN_WEIGHTS:
        raise SpecError(
            f"{where}: weights method {effective.method!r} does not use data and has no scope; remove scope "
            f"{declared.scope!r} (scope applies to {', '.join(DATA_DRIVEN_WEIGHTS)})"
        )


def resolve_aggregate(fw: Framework, cfg: AggregateConfig) -> dict[str, AggregateSpec]:
    """One :class:`AggregateSpec` per aggregate (how it is formed from its children)."""
    agg_levels = {fw.level_of(a) for a in fw.aggregates}
    _check_levels("aggregate", cfg.levels, agg_levels, "aggregate.levels[L] sets how level-L aggregates are formed")
    _check_nodes("aggregate", cfg.nodes, fw, fw.aggregates, "only aggregates are formed by aggregation")
    base = _base(cfg, AggregateSpec)
    out = {}
    for agg in fw.parents_bottom_up():
        spec = base
        lvl = fw.level_of(agg)
        if lvl in cfg.levels:
            spec = merge(spec, cfg.levels[lvl], AggregateSpec)
        node_method = fw[agg].aggregation
        if node_method:
            spec = merge(spec, AggregateSpec(method=node_method), AggregateSpec)
        if agg in cfg.nodes:
            spec = merge(spec, cfg.nodes[agg], AggregateSpec)
        out[agg] = spec
    return out
