"""Weights of the children of every aggregate, by the resolved method.

``manual``/``equal``/``expert``/``ahp``/``g1`` do not depend on the data and are
set before aggregation; ``entropy``/``critic``/``cv``/``pca``/``max_deviation``/
``msd`` and ``combined`` (a subjective method combined with an objective one,
whose subjective half is set before aggregation) are computed from the
children's values (normalised indicators or child scores) while the tree is
aggregated bottom-up, over all unit-periods (``scope: pooled``, the panel
version and the default) or the base period only (``base_period``).
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SpecError, check_choice, describe_rows
from ..methods import ahp as ahp_mod
from ..methods import combine as combine_mod
from ..methods import dispersion
from ..methods import expert as expert_mod
from ..methods import g1 as g1_mod
from ..methods import weights as wmod
from ..spec.framework import Framework
from ..spec.model import WeightsSpec

if TYPE_CHECKING:
    import pandas as pd

OBJECTIVE = {"entropy": wmod.entropy, "critic": wmod.critic, "cv": wmod.cv, "pca": wmod.pca,
             "max_deviation": dispersion.max_deviation, "msd": dispersion.msd}
#: Parameters of the weighting methods that do not use data (``weights.params``).
FIXED_PARAMS: dict[str, tuple[str, ...]] = {
    "manual": (), "equal": (), "expert": ("scale",), "ahp": ahp_mod.AHP_PARAMS, "g1": ("ranking", "ratios"),
}
#: ``combined``: a subjective method combined with an objective one (组合赋权).
COMBINED_PARAMS = ("subjective", "objective", "rule", "alpha", "subjective_params", "objective_params")
SUBJECTIVE = ("manual", "equal", "expert", "ahp", "g1")
#: Methods computed from the children's values during aggregation.
DATA_DRIVEN = (*OBJECTIVE, "combined")


def allowed_params(method: str) -> tuple[str, ...]:
    """The ``weights.params`` keys that ``method`` accepts."""
    if method in FIXED_PARAMS:
        return FIXED_PARAMS[method]
    if method == "combined":
        return COMBINED_PARAMS
    fn = OBJECTIVE[method]
    return tuple(p for p in inspect.signature(fn).parameters if p not in ("X", "columns", "index"))


def check_weight_params(where: str, spec: WeightsSpec) -> None:
    """Refuse ``weights.params`` that ``spec.method`` does not use or values it cannot take.

    The one validation path for every weighting method, run when the spec is
    resolved (before any data or file is read).
    """
    method = spec.method
    allowed = allowed_params(method)
    owner = f"{method} weights ({where})"
    for key in spec.params:
        if not allowed:
            raise SpecError(
                f"{where}: weights method {method!r} takes no parameters; got {key!r} "
                f"(remove {where}.params)"
            )
        check_choice(owner, "params", key, allowed)
    if method == "ahp":
        ahp_mod.ahp_options(spec.params, owner)
    elif method == "g1":
        for key in ("ranking", "ratios"):
            if not isinstance(spec.params.get(key), list):
                raise SpecError(
                    f"{owner}: g1 needs params.ranking (the children from the most to the least important) and "
                    "params.ratios (w_(k-1) / w_k for each adjacent pair, e.g. [1.2, 1.4]), both lists"
                )
        g1_mod.g1(spec.params["ranking"], spec.params["ratios"], owner=owner)
    elif method == "combined":
        _check_combined(where, spec, owner)
    elif method == "expert" and "scale" in spec.params:
        scale = spec.params["scale"]
        expert_mod.scale_label(tuple(scale) if isinstance(scale, list) else scale)
    if "directions" in spec.params:
        d = spec.params["directions"]
        values = list(d.values()) if isinstance(d, dict) else d if isinstance(d, list) else None
        if values is None or not values:
            raise SpecError(
                f"{owner}: directions must be a mapping child code -> 1 or -1 (or a list in the children's order); "
                f"got {d!r}"
            )
        for v in values:
            if isinstance(v, bool) or v not in (1, -1):
                check_choice(owner, "directions", v, (1, -1))


@dataclass
class WeightLog:
    """Diagnostics of the weighting step."""

    methods: dict[str, str] = field(default_factory=dict)
    expert: list = field(default_factory=list)        # ExpertResult per scores file
    expert_sources: list[str] = field(default_factory=list)  # file name of each scores file
    ahp: dict[str, object] = field(default_factory=dict)  # parent -> AHPResult
    objective: dict[str, object] = field(default_factory=dict)  # parent -> ObjectiveWeights
    ahp_group: dict[str, object] = field(default_factory=dict)  # parent -> GroupAHPResult
    params: dict[str, dict] = field(default_factory=dict)  # parent -> parameters used (JSON-ready)
    subjective: dict[str, tuple] = field(default_factory=dict)  # combined: parent -> (method, weights, log)
    combined: dict[str, object] = field(default_factory=dict)  # parent -> CombinedWeights
    messages: list[str] = field(default_factory=list)
    inputs: dict[str, Path] = field(default_factory=dict)


def _path(p: str | None, base_dir: Path | None, what: str, parent: str) -> Path:
    if not p:
        raise SpecError(f"weights of the children of {parent!r} use {what!r}, which needs a file: set weights.{'expert_scores' if what == 'expert' else 'ahp_matrices'}")
    path = Path(p)
    return path if path.is_absolute() or base_dir is None else base_dir / path


def _check_combined(where: str, spec: WeightsSpec, owner: str) -> None:
    p = spec.params
    for key in ("subjective", "objective", "rule"):
        if key not in p:
            raise SpecError(
                f"{owner}: combined weights need params.subjective ({', '.join(SUBJECTIVE)}), params.objective "
                f"({', '.join(OBJECTIVE)}) and params.rule ({', '.join(combine_mod.COMBINATION_RULES)}); "
                f"{key} is missing"
            )
    check_choice(owner, "subjective", p["subjective"], SUBJECTIVE)
    check_choice(owner, "objective", p["objective"], list(OBJECTIVE))
    check_choice(owner, "rule", p["rule"], combine_mod.COMBINATION_RULES)
    if p["rule"] == "linear" or "alpha" in p:
        combine_mod.combine_weights([1.0], [1.0], rule=p["rule"], alpha=p.get("alpha"))
    for part in ("subjective", "objective"):
        sub = p.get(f"{part}_params", {})
        if not isinstance(sub, dict):
            raise SpecError(f"{owner}: {part}_params must be a mapping; got {sub!r}")
        check_weight_params(f"{where}.params.{part}_params", _part_spec(spec, part))


def _part_spec(spec: WeightsSpec, part: str) -> WeightsSpec:
    """The subjective or objective half of a ``combined`` spec as a spec of its own."""
    return WeightsSpec(method=spec.params[part], params=dict(spec.params.get(f"{part}_params", {})),
                       expert_scores=spec.expert_scores, ahp_matrices=spec.ahp_matrices)


def fixed_weights(
    fw: Framework, specs: dict[str, WeightsSpec], base_dir: Path | None, log: WeightLog
) -> dict[str, float]:
    """Weights that do not depend on data (manual, equal, expert, ahp), per child code."""
    weights: dict[str, float] = {}
    expert_groups: dict[tuple, dict[str, list[str]]] = {}
    ahp_files: dict[Path, list] = {}
    combined: dict[str, WeightsSpec] = {}
    for parent, spec in specs.items():
        kids = fw.children[parent]
        log.methods[parent] = spec.method
        if spec.method == "manual":
            w = wmod.normalise_raw([fw[k].weight for k in kids], owner=f"weights of the children of {parent!r}", labels=kids)
        elif spec.method == "equal":
            w = wmod.equal(len(kids))
        elif spec.method == "g1":
            w = _g1_weights(parent, kids, spec)
            log.params[parent] = {"ranking": list(spec.params["ranking"]), "ratios": list(spec.params["ratios"])}
        elif spec.method == "combined":
            combined[parent] = _part_spec(spec, "subjective")
            continue
        elif spec.method == "expert":
            scale = spec.params.get("scale", "1-5")
            scale = tuple(scale) if isinstance(scale, list) else scale
            key = (_path(spec.expert_scores, base_dir, "expert", parent), scale)
            expert_groups.setdefault(key, {})[parent] = kids
            log.params[parent] = {"scale": expert_mod.scale_label(scale)}
            continue
        elif spec.method == "ahp":
            ahp_files.setdefault(_path(spec.ahp_matrices, base_dir, "ahp", parent), []).append((parent, spec.params))
            continue
        else:
            continue
        weights.update(zip(kids, map(float, w)))
    for (path, scale), groups in expert_groups.items():
        scores = expert_mod.read_expert_scores(path)
        used = {c for kids in groups.values() for c in kids}
        scores = scores[[c for c in scores.columns if c in used]] if set(scores.columns) - used else scores
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = expert_mod.expert_weights(scores, groups, source=path.name, scale=scale)
        log.messages.extend(f"expert weights: {w.message}" for w in caught)
        log.expert.append(res)
        log.expert_sources.append(path.name)
        log.inputs[f"expert_scores:{path.name}"] = path
        weights.update({str(k): float(v) for k, v in res.weights.items()})
    for path, entries in ahp_files.items():
        log.inputs[f"ahp_matrices:{path.name}"] = path
        for parent, params in entries:
            weights.update(_ahp_parent(fw, path, parent, params, log))
    if combined:
        # the subjective halves of all combined parents, read together (one expert sheet -> one table)
        part = WeightLog()
        got = fixed_weights(fw, combined, base_dir, part)
        for parent, sub in combined.items():
            log.subjective[parent] = (sub.method, [got[k] for k in fw.children[parent]], part)
        log.expert.extend(part.expert)
        log.expert_sources.extend(part.expert_sources)
        log.inputs.update(part.inputs)
        log.messages.extend(part.messages)
    return weights


def _g1_weights(parent: str, kids: list[str], spec: WeightsSpec) -> list[float]:
    ranking = [str(c) for c in spec.params["ranking"]]
    if sorted(ranking) != sorted(kids):
        raise SpecError(
            f"g1 weights of the children of {parent!r}: params.ranking lists {describe_rows(ranking)} but the children "
            f"are {describe_rows(kids)}; rank every child once"
        )
    w = g1_mod.g1(ranking, spec.params["ratios"], owner=f"g1 weights of the children of {parent!r}")
    return [float(w[k]) for k in kids]


def _ahp_parent(fw: Framework, path: Path, parent: str, params: dict, log: WeightLog) -> dict[str, float]:
    """AHP weights of ``parent``'s children from ``path`` (one matrix, or a group of experts' matrices)."""
    from ..methods import ahp_group

    opts = dict(params)
    group = opts.pop("group", None)
    lam = opts.pop("expert_weights", None)
    kids = fw.children[parent]
    if group is None:
        matrices = {None: ahp_mod.read_ahp_matrices(path)}
    else:
        matrices = ahp_group.read_group_ahp_matrices(path)
    per_expert = {}
    for expert, mats in matrices.items():
        who = path.name if expert is None else f"{path.name} expert {expert}"
        if parent not in mats:
            raise SpecError(
                f"{who}: no pairwise comparison matrix for {parent!r}; matrices found: {describe_rows(mats) or 'none'}"
            )
        m = mats[parent]
        labels = [str(c) for c in m.columns]
        if sorted(labels) != sorted(kids):
            raise SpecError(
                f"{who}: the matrix for {parent!r} compares {describe_rows(labels)} but the children of "
                f"{parent!r} are {describe_rows(kids)}"
            )
        per_expert[expert] = m.loc[kids, kids]
    used = {k: (v if k != "ri_table" or isinstance(v, str) else {str(n): r for n, r in v.items()})
            for k, v in opts.items()}
    if group is None:
        res = ahp_mod.ahp(per_expert[None], owner=f"{path.name} matrix {parent!r}", **opts)
        log.ahp[parent] = res
        w = res.weights
    else:
        gres = ahp_group.group_ahp(per_expert, method=group, expert_weights=lam,
                                   owner=f"{path.name} matrices {parent!r}", **opts)
        log.ahp_group[parent] = gres
        res = gres.group
        w = gres.weights
        used.update({"group": group})
        for expert, r in gres.individual.items():
            if not r.consistent:
                log.messages.append(
                    f"AHP matrix of expert {expert} for {parent!r} is inconsistent: CR = {r.cr:.3f} > {r.threshold}"
                )
    log.params[parent] = {**used, "priority": res.priority, "threshold": res.threshold, "ri_source": res.ri_source}
    if not res.consistent:
        log.messages.append(
            f"AHP {'group ' if group else ''}matrix for {parent!r} is inconsistent: CR = {res.cr:.3f} > "
            f"{res.threshold} (revise the judgements)"
        )
    return {str(k): float(v) for k, v in w.items()}


def objective_weights(
    parent: str, kids: list[str], V: np.ndarray, rows: np.ndarray, spec: WeightsSpec,
    row_labels: np.ndarray, log: WeightLog,
) -> dict[str, float]:
    """Data-driven weights of ``parent``'s children from their values ``V[rows]``."""
    if spec.method == "combined":
        part = _part_spec(spec, "objective")
        own = objective_weights(parent, kids, V, rows, part, row_labels, log)
        sub_method, sub, part_log = log.subjective[parent]
        obj = [own[k] for k in kids]
        comb = combine_mod.combine_weights(sub, obj, rule=spec.params["rule"], alpha=spec.params.get("alpha"))
        log.combined[parent] = comb
        log.params[parent] = {
            "subjective": sub_method, "objective": part.method, "rule": comb.rule,
            "coefficients": list(comb.coefficients), "subjective_weights": dict(zip(kids, sub)),
            "objective_weights": dict(zip(kids, obj)), "objective_params": log.params.get(parent, {}),
            "subjective_params": part_log.params.get(parent, {}),
        }
        if parent in part_log.ahp:
            r = part_log.ahp[parent]
            log.params[parent]["subjective_consistency"] = {"lambda_max": r.lambda_max, "ci": r.ci, "ri": r.ri,
                                                           "cr": r.cr, "consistent": bool(r.consistent)}
        return dict(zip(kids, map(float, comb.weights)))
    fn = OBJECTIVE[spec.method]
    check_weight_params(f"weights of the children of {parent!r}", spec)
    params = dict(spec.params)
    params.setdefault("nan_policy", "omit")
    if isinstance(params.get("directions"), dict):
        # a mapping names the children whose orientation is reversed for the weighting; the rest keep 1
        params["directions"] = [int(params["directions"].get(k, 1)) for k in kids]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fn(V[rows], columns=kids, index=list(row_labels[rows]), **params)
    log.messages.extend(f"{spec.method} weights of {parent!r}: {w.message}" for w in caught)
    log.objective[parent] = res
    used = dict(res.params)
    if "directions" in used:
        used["directions"] = dict(zip(kids, used["directions"]))
    log.params[parent] = used
    return dict(zip(kids, map(float, res.weights)))


def weights_columns(fw: Framework, weights: dict[str, float], log: WeightLog) -> dict[str, np.ndarray]:
    """``iCode, Parent, weight, method`` for every non-root node, in framework output order."""
    codes = [c for c in fw.output_order() if fw[c].parent is not None]
    return {
        "iCode": np.array(codes, dtype=object),
        "Parent": np.array([fw[c].parent for c in codes], dtype=object),
        "weight": np.array([weights[c] for c in codes], dtype=float),
        "method": np.array([log.methods[fw[c].parent] for c in codes], dtype=object),
    }


def weights_frame(fw: Framework, weights: dict[str, float], log: WeightLog) -> pd.DataFrame:
    """:func:`weights_columns` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(weights_columns(fw, weights, log))
