"""The uncertain inputs of an index, declared in YAML (the ``uncertainty:`` section).

An :class:`UncertaintySpec` says which settings of the index are uncertain and
how they may vary:

``weights``
    noise per level: ``{2: 0.25, 3: 0.25}`` perturbs the weight w of every
    level-2 and level-3 node to ``w * (1 + f * (2U - 1))``, U ~ Uniform(0, 1),
    independently per node (COINr's ``get_noisy_weights``). Weights are
    relative within their parent, so only the ratios matter.
``normalisation`` / ``aggregation``
    discrete alternatives in the CLI shorthand (``minmax:1,100``,
    ``zscore:10,2``; ``arithmetic``, ``geometric``), each equally likely.
``imputation``
    discrete alternatives ``none``, ``mean``, ``median``, ``locf`` or
    ``mean:GROUP`` / ``median:GROUP`` (group mean/median by a group column).
``weighting``
    discrete alternatives of the weighting method (``weights.method``, its
    params reset): ``equal``, ``entropy``, ``critic``, ``msd``, ... or a
    combination ``combined:SUBJECTIVE,OBJECTIVE,RULE[,ALPHA]``
    (``combined:ahp,entropy,game_theory``, ``combined:expert,critic,linear,0.5``).
``exclude``
    indicators that may be left out: one discrete input whose alternatives
    are "no indicator excluded" and "exclude X" for each listed X.
``alternatives``
    any other discrete input: ``name: [ {dotted.path: value, ...}, ... ]``.

Each listed input becomes one *factor* of the sensitivity analysis
(:func:`plan_factors`); all weights of one level form one factor.

The section is read from its own YAML file (``uncertainty:`` key or the
mapping itself) or from the ``uncertainty:`` key of an index spec YAML
(:func:`load_spec_with_uncertainty`), which is removed before the rest is
validated as an :class:`~dtindex.spec.index_spec.IndexSpec`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ..errors import SpecError, check_choice, describe_rows
from ..spec.framework import Framework, _pydantic_message
from ..spec.index_spec import IndexSpec
from ..spec.model import IMPUTE_METHODS, WEIGHT_METHODS
from ..spec.shorthand import aggregate_changes, normalise_changes, parse_method

SAMPLING = ("sobol", "random")
BUILTIN = ("normalisation", "aggregation", "imputation", "weighting", "exclude")


def _text(v: Any) -> Any:
    """YAML numbers stand for period labels (``period: 2021``)."""
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class UncertaintySpec(BaseModel):
    """Uncertain inputs, sample size and analysis settings (see the module docstring).

    ``n`` is the base sample size N: the analysis runs N replications without
    sensitivity indices and N * (k + 2) with them (k = number of factors,
    Saltelli 2010). ``sampling``: ``sobol`` (scrambled Sobol' sequence, the
    design Saltelli 2010 recommends; N a power of 2 keeps its balance) or
    ``random`` (pseudo-random uniform). ``bootstrap`` resamples give the
    ``ci`` confidence intervals of the sensitivity indices. ``period``: the
    period whose ranks are analysed (default: the last). ``top``: the "top
    K" of the share-in-top-K statistic. ``chunk``: replications per batch
    (default: chosen from ``memory_mb``, the size of one working array).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = 1000
    seed: int = 0
    sampling: str = "sobol"
    sensitivity: bool = True
    bootstrap: int = 200
    ci: float = 0.95
    weights: dict[int, float] = Field(default_factory=dict)
    normalisation: list[str] = Field(default_factory=list)
    aggregation: list[str] = Field(default_factory=list)
    imputation: list[str] = Field(default_factory=list)
    weighting: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    alternatives: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    period: Annotated[str | None, BeforeValidator(_text)] = None
    top: int = 10
    chunk: int | None = None
    memory_mb: float = 16.0

    @model_validator(mode="after")
    def _check(self) -> UncertaintySpec:
        if self.n < 2:
            raise ValueError(f"n (the base sample size) must be at least 2; got {self.n}")
        check_choice("uncertainty", "sampling", self.sampling, SAMPLING)
        if self.bootstrap < 0:
            raise ValueError(f"bootstrap must be >= 0 (0 = no confidence intervals); got {self.bootstrap}")
        if not 0 < self.ci < 1:
            raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95); got {self.ci}")
        if self.top < 1:
            raise ValueError(f"top must be a positive number of ranks; got {self.top}")
        if self.chunk is not None and self.chunk < 1:
            raise ValueError(f"chunk must be a positive number of replications; got {self.chunk}")
        if not self.memory_mb > 0:
            raise ValueError(f"memory_mb must be positive; got {self.memory_mb}")
        for level, f in self.weights.items():
            if not 0 < f <= 1:
                raise ValueError(
                    f"weights: the noise factor of level {level} must be in (0, 1] (0.25 = +/-25%); got {f}"
                )
        for name in ("normalisation", "aggregation", "imputation", "weighting"):
            alts = getattr(self, name)
            if len(alts) == 1:
                raise ValueError(
                    f"{name}: an uncertain input needs at least 2 alternatives; got only {alts[0]!r} "
                    "(to change the method of every replication, change the index spec)"
                )
            dups = sorted({a for a in alts if alts.count(a) > 1})
            if dups:
                raise ValueError(f"{name}: alternatives listed twice: {', '.join(dups)}")
        for a in self.normalisation:
            normalise_changes(a)
        for a in self.aggregation:
            aggregate_changes(a)
        for a in self.imputation:
            imputation_changes(a)
        for a in self.weighting:
            weighting_changes(a)
        dups = sorted({c for c in self.exclude if self.exclude.count(c) > 1})
        if dups:
            raise ValueError(f"exclude: indicators listed twice: {', '.join(dups)}")
        for name, alts in self.alternatives.items():
            if name in BUILTIN or name.startswith("weights"):
                raise ValueError(f"alternatives: the name {name!r} is reserved; choose another name")
            if len(alts) < 2:
                raise ValueError(f"alternatives.{name}: an uncertain input needs at least 2 alternatives; got {len(alts)}")
            for i, alt in enumerate(alts):
                if not alt:
                    raise ValueError(f"alternatives.{name}[{i}]: empty; give dotted settings, e.g. treat.method: none")
        return self


# ---------------------------------------------------------------------- alternatives
def imputation_changes(text: str) -> dict[str, Any]:
    """Spec changes of an imputation alternative: ``none``, ``mean``, ``median``, ``locf``, ``mean:GROUP``.

    >>> imputation_changes("mean:EurAsia_group")
    {'impute.method': 'mean', 'impute.by': 'EurAsia_group', 'impute.max_lag': None, 'impute.nocb': False}
    """
    method, _, by = str(text).strip().partition(":")
    method, by = method.strip(), by.strip()
    check_choice("imputation", "method", method, IMPUTE_METHODS)
    if by and method not in ("mean", "median"):
        raise SpecError(f"imputation {text!r}: only mean and median take a group column (mean:GROUP); got {method}:{by}")
    if method == "locf":
        return {"impute.method": "locf", "impute.by": None}
    return {"impute.method": method, "impute.by": by or None, "impute.max_lag": None, "impute.nocb": False}


@dataclass(frozen=True)
class Alternative:
    """One value of a discrete factor: the spec changes it makes and the indicators it leaves out."""

    label: str
    changes: dict[str, Any] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Factor:
    """One uncertain input of the sensitivity analysis.

    ``kind`` is ``weights`` (one uniform draw per node in ``nodes``, noise
    factor ``noise``) or ``discrete`` (one uniform draw mapped to one of the
    equally likely ``alternatives``: alternative floor(U * m), m alternatives).
    """

    name: str
    label_en: str
    label_zh: str
    kind: str
    nodes: tuple[str, ...] = ()
    noise: float = 0.0
    alternatives: tuple[Alternative, ...] = ()

    @property
    def width(self) -> int:
        """Number of uniform columns the factor takes in the sample matrix."""
        return len(self.nodes) if self.kind == "weights" else 1


def _custom_label(alt: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}" for k, v in alt.items())


def weighting_changes(text: str) -> dict[str, Any]:
    """Spec changes of one weighting alternative.

    >>> weighting_changes("entropy")
    {'weights.method': 'entropy', 'weights.params': {}}
    >>> weighting_changes("combined:ahp,entropy,linear,0.6")["weights.params"]
    {'subjective': 'ahp', 'objective': 'entropy', 'rule': 'linear', 'alpha': 0.6}
    """
    method, _, rest = str(text).strip().partition(":")
    method = method.strip()
    check_choice("weighting", "method", method, [m for m in WEIGHT_METHODS if m != "g1"])
    if method != "combined":
        if rest:
            raise SpecError(f"weighting {text!r}: only combined takes settings after ':' "
                            "(combined:SUBJECTIVE,OBJECTIVE,RULE[,ALPHA])")
        return {"weights.method": method, "weights.params": {}}
    parts = [x.strip() for x in rest.split(",")] if rest else []
    if len(parts) not in (3, 4) or not all(parts):
        raise SpecError(
            f"weighting {text!r}: write combined:SUBJECTIVE,OBJECTIVE,RULE[,ALPHA], e.g. combined:ahp,entropy,game_theory "
            "or combined:expert,critic,linear,0.5"
        )
    params: dict[str, Any] = {"subjective": parts[0], "objective": parts[1], "rule": parts[2]}
    if len(parts) == 4:
        try:
            params["alpha"] = float(parts[3])
        except ValueError:
            raise SpecError(f"weighting {text!r}: ALPHA must be a number in [0, 1]; got {parts[3]!r}") from None
    return {"weights.method": "combined", "weights.params": params}


def plan_factors(uspec: UncertaintySpec, fw: Framework) -> list[Factor]:
    """The factors of ``uspec`` for framework ``fw``, in a fixed order.

    Order: weight levels (ascending), normalisation, aggregation, imputation,
    weighting, exclusion, then ``alternatives`` in the order given.

    Raises
    ------
    SpecError
        a noise level with no weighted nodes, an excluded code that is not an
        indicator, or two factors changing the same setting.
    """
    factors: list[Factor] = []
    levels = sorted({fw.level_of(c) for c in fw.codes if fw[c].parent is not None})
    for level in sorted(uspec.weights):
        nodes = tuple(c for c in fw.output_order() if fw.level_of(c) == level and fw[c].parent is not None)
        if not nodes:
            raise SpecError(
                f"uncertainty.weights: level {level} has no weighted nodes; weighted levels are "
                f"{', '.join(map(str, levels))} (the top node has no weight)"
            )
        factors.append(Factor(
            name=f"weights_level_{level}", label_en=f"the level-{level} weights", label_zh=f"第{level}层权重",
            kind="weights", nodes=nodes, noise=float(uspec.weights[level]),
        ))
    if uspec.normalisation:
        factors.append(Factor(
            name="normalisation", label_en="the normalisation method", label_zh="标准化方法", kind="discrete",
            alternatives=tuple(Alternative(_canonical(a, "normalise"), normalise_changes(a)) for a in uspec.normalisation),
        ))
    if uspec.aggregation:
        factors.append(Factor(
            name="aggregation", label_en="the aggregation method", label_zh="加总方法", kind="discrete",
            alternatives=tuple(Alternative(_canonical(a, "aggregate"), aggregate_changes(a)) for a in uspec.aggregation),
        ))
    if uspec.imputation:
        factors.append(Factor(
            name="imputation", label_en="the imputation method", label_zh="缺失值插补方法", kind="discrete",
            alternatives=tuple(Alternative(str(a).strip(), imputation_changes(a)) for a in uspec.imputation),
        ))
    if uspec.weighting:
        factors.append(Factor(
            name="weighting", label_en="the weighting method", label_zh="赋权方法", kind="discrete",
            alternatives=tuple(Alternative(str(a).strip(), weighting_changes(a)) for a in uspec.weighting),
        ))
    if uspec.exclude:
        bad = [c for c in uspec.exclude if c not in fw.indicators]
        if bad:
            raise SpecError(
                f"uncertainty.exclude: {describe_rows(bad)} {'is not an indicator' if len(bad) == 1 else 'are not indicators'} "
                f"of the framework; indicators are {describe_rows(fw.indicators, 15)}"
            )
        factors.append(Factor(
            name="exclude", label_en="the exclusion of single indicators", label_zh="单项指标的剔除",
            kind="discrete",
            alternatives=(Alternative("none"),) + tuple(Alternative(c, exclude=(c,)) for c in uspec.exclude),
        ))
    for name, alts in uspec.alternatives.items():
        factors.append(Factor(
            name=name, label_en=name, label_zh=name, kind="discrete",
            alternatives=tuple(Alternative(_custom_label(a), dict(a)) for a in alts),
        ))
    owner: dict[str, str] = {}
    for f in factors:
        for alt in f.alternatives:
            for path in alt.changes:
                key = path if path.split(".")[0] in IndexSpec.model_fields else f"methods.{path}"
                if owner.setdefault(key, f.name) != f.name:
                    raise SpecError(
                        f"uncertainty: the inputs {owner[key]!r} and {f.name!r} both change {path!r}; "
                        "each setting may be varied by one input only"
                    )
    return factors


def _canonical(text: str, kind: str) -> str:
    """Shorthand text as written, stripped (parsed only to validate it)."""
    parse_method(text, kind=kind)
    return str(text).strip()


# ---------------------------------------------------------------------- loading
def _yaml(path: Path) -> Any:
    if not path.exists():
        raise SpecError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise SpecError(f"{path.name}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None


def parse_uncertainty(raw: Any, *, source: str) -> UncertaintySpec:
    """Validate a mapping as an :class:`UncertaintySpec`, naming ``source`` in errors."""
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: the uncertainty section must be a mapping (n, seed, weights, normalisation, ...)")
    try:
        return UncertaintySpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{source}: uncertainty: {_pydantic_message(exc).replace('Value error, ', '')}") from None
    except SpecError as exc:
        raise SpecError(f"{source}: uncertainty: {exc}") from None


def load_uncertainty(path: str | Path) -> UncertaintySpec:
    """Read an uncertainty YAML file: an ``uncertainty:`` mapping, or the settings at the top level."""
    path = Path(path)
    raw = _yaml(path)
    if isinstance(raw, dict) and "uncertainty" in raw:
        raw = raw["uncertainty"]
    return parse_uncertainty(raw, source=path.name)


def load_spec_with_uncertainty(path: str | Path) -> tuple[IndexSpec, Path, UncertaintySpec | None]:
    """Read an index spec YAML that may carry an ``uncertainty:`` section.

    Returns the index spec (validated without that section), its folder and
    the uncertainty settings (None when the file has none).
    """
    path = Path(path)
    raw = _yaml(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name}: the spec must be a YAML mapping (name, framework, data, methods...)")
    section = raw.pop("uncertainty", None)
    try:
        spec = IndexSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{path.name}: {_pydantic_message(exc)}") from None
    uspec = None if section is None else parse_uncertainty(section, source=path.name)
    return spec, path.parent, uspec


__all__ = [
    "SAMPLING",
    "Alternative",
    "Factor",
    "UncertaintySpec",
    "imputation_changes",
    "load_spec_with_uncertainty",
    "load_uncertainty",
    "parse_uncertainty",
    "plan_factors",
]
