"""Weights of the children of every aggregate, by the resolved method.

``manual``/``equal``/``expert``/``ahp`` do not depend on the data and are set
before aggregation; ``entropy``/``critic``/``cv``/``pca`` are computed from the
children's values (normalised indicators or child scores) while the tree is
aggregated bottom-up, over all unit-periods (``scope: pooled``, the panel
version and the default) or the base period only (``base_period``).
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SpecError, check_choice, describe_rows
from ..methods import ahp as ahp_mod
from ..methods import expert as expert_mod
from ..methods import weights as wmod
from ..spec.framework import Framework
from ..spec.model import WeightsSpec

OBJECTIVE = {"entropy": wmod.entropy, "critic": wmod.critic, "cv": wmod.cv, "pca": wmod.pca}


@dataclass
class WeightLog:
    """Diagnostics of the weighting step."""

    methods: dict[str, str] = field(default_factory=dict)
    expert: list = field(default_factory=list)        # ExpertResult per scores file
    expert_sources: list[str] = field(default_factory=list)  # file name of each scores file
    ahp: dict[str, object] = field(default_factory=dict)  # parent -> AHPResult
    objective: dict[str, object] = field(default_factory=dict)  # parent -> ObjectiveWeights
    messages: list[str] = field(default_factory=list)
    inputs: dict[str, Path] = field(default_factory=dict)


def _path(p: str | None, base_dir: Path | None, what: str, parent: str) -> Path:
    if not p:
        raise SpecError(f"weights of the children of {parent!r} use {what!r}, which needs a file: set weights.{'expert_scores' if what == 'expert' else 'ahp_matrices'}")
    path = Path(p)
    return path if path.is_absolute() or base_dir is None else base_dir / path


def fixed_weights(
    fw: Framework, specs: dict[str, WeightsSpec], base_dir: Path | None, log: WeightLog
) -> dict[str, float]:
    """Weights that do not depend on data (manual, equal, expert, ahp), per child code."""
    weights: dict[str, float] = {}
    expert_groups: dict[Path, dict[str, list[str]]] = {}
    ahp_files: dict[Path, list[str]] = {}
    for parent, spec in specs.items():
        kids = fw.children[parent]
        log.methods[parent] = spec.method
        if spec.method == "manual":
            w = wmod.normalise_raw([fw[k].weight for k in kids], owner=f"weights of the children of {parent!r}", labels=kids)
        elif spec.method == "equal":
            w = wmod.equal(len(kids))
        elif spec.method == "expert":
            expert_groups.setdefault(_path(spec.expert_scores, base_dir, "expert", parent), {})[parent] = kids
            continue
        elif spec.method == "ahp":
            ahp_files.setdefault(_path(spec.ahp_matrices, base_dir, "ahp", parent), []).append(parent)
            continue
        else:
            continue
        weights.update(zip(kids, map(float, w)))
    for path, groups in expert_groups.items():
        scores = expert_mod.read_expert_scores(path)
        used = {c for kids in groups.values() for c in kids}
        scores = scores[[c for c in scores.columns if c in used]] if set(scores.columns) - used else scores
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = expert_mod.expert_weights(scores, groups, source=path.name)
        log.messages.extend(f"expert weights: {w.message}" for w in caught)
        log.expert.append(res)
        log.expert_sources.append(path.name)
        log.inputs[f"expert_scores:{path.name}"] = path
        weights.update({str(k): float(v) for k, v in res.weights.items()})
    for path, parents in ahp_files.items():
        matrices = ahp_mod.read_ahp_matrices(path)
        log.inputs[f"ahp_matrices:{path.name}"] = path
        missing = [p for p in parents if p not in matrices]
        if missing:
            raise SpecError(
                f"{path.name}: no pairwise comparison matrix for {describe_rows(missing)}; "
                f"matrices found: {describe_rows(matrices) or 'none'}"
            )
        for parent in parents:
            kids = fw.children[parent]
            m = matrices[parent]
            labels = [str(c) for c in m.columns]
            if sorted(labels) != sorted(kids):
                raise SpecError(
                    f"{path.name}: the matrix for {parent!r} compares {describe_rows(labels)} but the children of "
                    f"{parent!r} are {describe_rows(kids)}"
                )
            m = m.loc[kids, kids]
            res = ahp_mod.ahp(m, owner=f"{path.name} matrix {parent!r}")
            log.ahp[parent] = res
            if not res.consistent:
                log.messages.append(
                    f"AHP matrix for {parent!r} is inconsistent: CR = {res.cr:.3f} > {res.threshold} "
                    "(revise the judgements)"
                )
            weights.update({str(k): float(v) for k, v in res.weights.items()})
    return weights


def objective_weights(
    parent: str, kids: list[str], V: np.ndarray, rows: np.ndarray, spec: WeightsSpec,
    row_labels: np.ndarray, log: WeightLog,
) -> dict[str, float]:
    """Data-driven weights of ``parent``'s children from their values ``V[rows]``."""
    fn = OBJECTIVE[spec.method]
    accepted = [p for p in inspect.signature(fn).parameters if p not in ("X", "columns", "index")]
    for key in spec.params:
        check_choice(f"{spec.method} weights", "params", key, accepted)
    params = dict(spec.params)
    params.setdefault("nan_policy", "omit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fn(V[rows], columns=kids, index=list(row_labels[rows]), **params)
    log.messages.extend(f"{spec.method} weights of {parent!r}: {w.message}" for w in caught)
    log.objective[parent] = res
    return dict(zip(kids, map(float, res.weights)))


def weights_frame(fw: Framework, weights: dict[str, float], log: WeightLog) -> pd.DataFrame:
    """``iCode, Parent, weight`` for every non-root node, in framework output order."""
    codes = [c for c in fw.output_order() if fw[c].parent is not None]
    return pd.DataFrame({
        "iCode": codes,
        "Parent": [fw[c].parent for c in codes],
        "weight": [weights[c] for c in codes],
        "method": [log.methods[fw[c].parent] for c in codes],
    })
