"""The method specification of an index: which step uses which method.

Every step (impute, treat, denominate, normalise, weights, aggregate, rollup,
rank) is a small pydantic model. Normalisation, weighting and aggregation can be
set globally and overridden per level (``levels: {2: ...}``) and per node
(``nodes: {code: ...}``); an override only changes the fields it names, the
rest is inherited from the level above.

Level conventions (the same as COINr's):

* ``normalise.nodes``: an indicator code, or an aggregate code meaning "every
  indicator below it". ``normalise.levels`` may only name level 1.
* ``weights.levels[L]`` / ``weights.nodes[P]``: how the weights of level-``L``
  nodes are set / how the children of aggregate ``P`` are weighted.
* ``aggregate.levels[L]`` / ``aggregate.nodes[A]``: how level-``L`` aggregates
  / aggregate ``A`` are formed from their children.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import check_choice

NORMALISE_METHODS = (
    "base_share", "minmax", "zscore", "rank", "goalposts", "dist_to_max", "pct_of_max", "none",
)
SCOPES = ("per_period", "pooled", "base_period")
WEIGHT_METHODS = ("manual", "equal", "expert", "ahp", "entropy", "critic", "cv", "pca",
                  "g1", "max_deviation", "msd", "combined")
AGGREGATE_METHODS = ("arithmetic", "geometric", "harmonic", "topsis", "gra", "gra_topsis", "vikor", "rsr")
MISSING_POLICIES = ("skip", "propagate", "error")
NONPOSITIVE_POLICIES = ("error", "shift")
IMPUTE_METHODS = ("none", "mean", "median", "locf")
TREAT_METHODS = ("none", "winsorise")
ROLLUP_METHODS = ("auto", "sum", "mean", "weighted_mean")
TIE_RULES = ("min", "max", "average", "dense", "first")


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NormaliseSpec(_Step):
    """How one indicator is normalised.

    ``params`` depend on the method (see ``docs/methods.md``): ``minmax``:
    ``low``, ``high``; ``zscore``: ``mean``, ``sd``, ``ddof``; ``rank``:
    ``ties``; ``base_share``: ``scale``; ``goalposts``: ``scale``, ``cap``;
    ``dist_to_max``/``pct_of_max``: ``scale``. ``scope`` None means the
    method's default (``base_period`` for base_share, ``pooled`` otherwise).
    """

    method: str = "minmax"
    params: dict[str, Any] = Field(default_factory=dict)
    scope: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "NormaliseSpec":
        check_choice("normalise", "method", self.method, NORMALISE_METHODS)
        if self.scope is not None:
            check_choice("normalise", "scope", self.scope, SCOPES)
        return self


class NormaliseConfig(NormaliseSpec):
    levels: dict[int, NormaliseSpec] = Field(default_factory=dict)
    nodes: dict[str, NormaliseSpec] = Field(default_factory=dict)


class WeightsSpec(_Step):
    """How the weights of a group of sibling nodes are set.

    ``scope`` applies to the data-driven methods (entropy, critic, cv, pca):
    ``pooled`` uses every unit-period (the panel version), ``base_period``
    only the base period.
    """

    method: str = "manual"
    scope: str | None = None
    expert_scores: str | None = None
    ahp_matrices: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "WeightsSpec":
        check_choice("weights", "method", self.method, WEIGHT_METHODS)
        if self.scope is not None:
            check_choice("weights", "scope", self.scope, ("pooled", "base_period"))
        return self


class WeightsConfig(WeightsSpec):
    levels: dict[int, WeightsSpec] = Field(default_factory=dict)
    nodes: dict[str, WeightsSpec] = Field(default_factory=dict)


class AggregateSpec(_Step):
    """How an aggregate is formed from its children.

    ``missing``: ``skip`` re-weights over the children that are present
    (COINr's default), ``propagate`` gives a missing score when any child is
    missing, ``error`` stops the build. ``nonpositive`` (geometric, harmonic):
    ``error`` or ``shift`` by ``shift`` before aggregating (and back after).
    """

    method: str = "arithmetic"
    missing: str = "skip"
    nonpositive: str = "error"
    shift: float = 0.0
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "AggregateSpec":
        check_choice("aggregate", "method", self.method, AGGREGATE_METHODS)
        check_choice("aggregate", "missing", self.missing, MISSING_POLICIES)
        check_choice("aggregate", "nonpositive", self.nonpositive, NONPOSITIVE_POLICIES)
        return self


class AggregateConfig(AggregateSpec):
    levels: dict[int, AggregateSpec] = Field(default_factory=dict)
    nodes: dict[str, AggregateSpec] = Field(default_factory=dict)


class ImputeSpec(_Step):
    """Imputation before normalisation.

    ``mean``/``median`` fill a gap with the mean/median of the same indicator
    over the units in the same ``by`` group (a group column of the data; None
    = all units), within the same period (``scope: per_period``) or over all
    periods (``pooled``). ``locf`` carries a unit's last observation forward,
    at most ``max_lag`` periods (None = no limit); ``nocb`` also fills leading
    gaps with the first later observation.
    """

    method: str = "none"
    by: str | None = None
    scope: str = "per_period"
    max_lag: int | None = None
    nocb: bool = False

    @model_validator(mode="after")
    def _check(self) -> "ImputeSpec":
        check_choice("impute", "method", self.method, IMPUTE_METHODS)
        check_choice("impute", "scope", self.scope, ("per_period", "pooled"))
        if self.method == "locf" and self.by is not None:
            check_choice("impute", "by", self.by, [None])
        if self.method != "locf" and (self.max_lag is not None or self.nocb):
            raise ValueError("impute: max_lag and nocb apply to method 'locf' only")
        return self


class TreatSpec(_Step):
    """Outlier treatment before normalisation (COINr's default rule).

    An indicator is treated when |skewness| >= ``skew_thresh`` and kurtosis >=
    ``kurt_thresh``: up to ``winmax`` points are winsorised; if that does not
    pass, ``f2`` (``log_CT``, ``log_CT_orig`` or None) transforms the original
    values instead.
    """

    method: str = "none"
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    winmax: int = 5
    f2: str | None = "log_CT"
    scope: str = "per_period"
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "TreatSpec":
        check_choice("treat", "method", self.method, TREAT_METHODS)
        check_choice("treat", "scope", self.scope, ("per_period", "pooled"))
        check_choice("treat", "f2", self.f2, ("log_CT", "log_CT_orig", None))
        return self


class DenominateSpec(_Step):
    """Divide indicators by a denominator column (population, GDP, area...).

    ``use_framework`` applies the ``denominator`` of each framework node;
    ``indicators`` maps indicator code -> denominator column explicitly.
    ``x' = x / d * scale``.
    """

    use_framework: bool = False
    indicators: dict[str, str] = Field(default_factory=dict)
    scale: float = 1.0


class RollupSpec(_Step):
    """How unit scores roll up to groups (provinces, tiers, clusters).

    ``auto`` sums when every score in the tree is additive (base_share or none
    normalisation with arithmetic aggregation) and averages otherwise.
    ``weighted_mean`` needs ``weight``, a denominator/group column of the data.
    """

    method: str = "auto"
    weight: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "RollupSpec":
        check_choice("rollup", "method", self.method, ROLLUP_METHODS)
        if self.method == "weighted_mean" and not self.weight:
            check_choice("rollup", "weight", self.weight, ["<a data column>"])
        return self


class RankSpec(_Step):
    """Ranks: 1 = highest score; ``ties`` decides ranks of equal scores."""

    ties: str = "min"

    @model_validator(mode="after")
    def _check(self) -> "RankSpec":
        check_choice("rank", "ties", self.ties, TIE_RULES)
        return self


class MethodSpec(_Step):
    """Every method choice of a build, in pipeline order."""

    impute: ImputeSpec = Field(default_factory=ImputeSpec)
    treat: TreatSpec = Field(default_factory=TreatSpec)
    denominate: DenominateSpec = Field(default_factory=DenominateSpec)
    normalise: NormaliseConfig = Field(default_factory=NormaliseConfig)
    weights: WeightsConfig = Field(default_factory=WeightsConfig)
    aggregate: AggregateConfig = Field(default_factory=AggregateConfig)
    rollup: RollupSpec = Field(default_factory=RollupSpec)
    rank: RankSpec = Field(default_factory=RankSpec)


def merge(base: _Step, override: _Step, cls: type[_Step]) -> _Step:
    """Fields explicitly set in ``override`` replace those of ``base``."""
    fields = set(cls.model_fields)
    data = {k: getattr(base, k) for k in fields if hasattr(base, k)}
    data.update({k: getattr(override, k) for k in override.model_fields_set if k in fields})
    if "params" in override.model_fields_set and "method" not in override.model_fields_set:
        data["params"] = {**getattr(base, "params", {}), **override.params}  # type: ignore[attr-defined]
    elif "method" in override.model_fields_set and "params" not in override.model_fields_set and "params" in fields:
        # a new method does not inherit the parameters of another method
        data["params"] = {} if override.method != getattr(base, "method", None) else data["params"]  # type: ignore[attr-defined]
    return cls(**data)


Scope = Literal["per_period", "pooled", "base_period"]
