"""Batched rebuilds: many replications of an index computed at once over a replications axis.

A replication is a full rebuild of the index with its own discrete settings
(normalisation, aggregation, imputation, ... as spec changes), its own weights
and its own excluded indicators. Rebuilding R times in a Python loop costs R
engine builds. Here replications are grouped by their discrete settings
(few groups: e.g. 2 normalisations x 2 aggregations = 4); each group is built
once by the engine (``Index.rebuild``), which gives the normalised indicators
and the resolved aggregation method of every node; then every replication of
the group is aggregated at once, with scores held as arrays of shape
``(n_obs, r)`` (r replications of a chunk), bottom-up through the tree, and
ranked within each period. Chunks bound the memory.

Weights follow the engine (and COINr): the weights of the children of a
parent are relative, w_j = r_j / sum_k r_k with r the raw weights of that
replication, and every mean is taken over the children that are present:

=========== ======================================================================
arithmetic  y = sum_{j present} w_j x_j / sum_{j present} w_j
geometric   y = exp( sum_{j present} w_j ln(x_j + c) / sum_{j present} w_j ) - c
harmonic    y = sum_{j present} w_j / sum_{j present} (w_j / (x_j + c)) - c
topsis      closeness to the ideal with weighted, vector-normalised children
=========== ======================================================================

(c = the ``shift`` when ``nonpositive: shift``, else 0; ``missing:
propagate`` makes y missing when any child is.) Raw weights of a replication
are its own values (``weights``, for children of parents with ``manual``
weights), else the framework weight (manual) or the weight the group's
nominal build resolved (equal, expert, AHP, and data-driven methods, which
are not re-estimated per replication), times a multiplier (weight noise
1 + f (2U - 1); 0 for an excluded indicator). An excluded indicator is
therefore a zero weight: with ``missing: skip`` that equals dropping it,
since normalisation is per indicator.

Sums run over children in framework order with elementwise numpy operations
(no BLAS), so equal inputs give bit-equal scores and ties stay ties.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    DtindexError,
    MethodDomainError,
    SpecError,
    check_choice,
    describe_rows,
)
from ..index import Index

TIES = ("min", "max", "average", "dense", "first")


# ---------------------------------------------------------------------- replications
@dataclass(frozen=True, eq=False)
class Replications:
    """A list of replications, held column-wise.

    Attributes
    ----------
    labels : tuple of str
        Replication ids (``rep``), unique.
    settings : tuple of dict
        The distinct discrete settings: dotted spec changes, e.g.
        ``{"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2},
        "aggregate.method": "geometric"}``; ``{}`` is the spec as it is.
    setting_labels : tuple of str
        How each setting is named in messages (e.g. ``normalisation=zscore:10,2``).
    group : ndarray of int, shape (R,)
        Position in ``settings`` of each replication's setting.
    weights : mapping code -> ndarray (R,)
        Raw weights set per replication; NaN keeps the nominal weight.
    multipliers : mapping code -> ndarray (R,)
        Factors the raw weight is multiplied by (noise; 0 = excluded).
    """

    labels: tuple[str, ...]
    settings: tuple[dict[str, Any], ...]
    setting_labels: tuple[str, ...]
    group: np.ndarray
    weights: Mapping[str, np.ndarray] = field(default_factory=dict)
    multipliers: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.labels)
        group = np.asarray(self.group)
        if group.shape != (n,):
            raise SpecError(f"replications: group has shape {group.shape}, expected ({n},)")
        if n and (group.min() < 0 or group.max() >= len(self.settings)):
            raise SpecError(f"replications: group positions must lie in 0..{len(self.settings) - 1}")
        if len(self.setting_labels) != len(self.settings):
            raise SpecError("replications: one label per setting is needed")
        for what, cols in (("weights", self.weights), ("multipliers", self.multipliers)):
            for code, v in cols.items():
                if np.shape(v) != (n,):
                    raise SpecError(f"replications: {what}[{code!r}] has shape {np.shape(v)}, expected ({n},)")
        labels = pd.Series(self.labels, dtype=object)
        dups = labels[labels.duplicated()].tolist()
        if dups:
            raise SpecError(f"replications: duplicate rep ids {describe_rows(sorted(set(dups)))}")

    @property
    def n(self) -> int:
        return len(self.labels)

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> Replications:
        """Build from one mapping per replication.

        Keys: ``rep`` (id, default its position 1, 2, ...), ``changes``
        (dotted spec changes), ``weights`` (code -> raw weight), ``exclude``
        (indicator codes left out).

        >>> reps = Replications.from_records([
        ...     {"changes": {"aggregate.method": "geometric"}, "weights": {"Conn": 2}},
        ...     {"exclude": ["LPI"]}])
        >>> reps.n, len(reps.settings)
        (2, 2)
        """
        n = len(records)
        keys: dict[str, int] = {}
        settings: list[dict[str, Any]] = []
        group = np.zeros(n, dtype=np.int64)
        weights: dict[str, np.ndarray] = {}
        mult: dict[str, np.ndarray] = {}
        labels = []
        for i, rec in enumerate(records):
            unknown = set(rec) - {"rep", "changes", "weights", "exclude"}
            if unknown:
                raise SpecError(f"replication {i + 1}: unknown keys {', '.join(sorted(unknown))}; "
                                "use rep, changes, weights, exclude")
            labels.append(str(rec.get("rep", i + 1)))
            changes = dict(rec.get("changes") or {})
            key = setting_key(changes)
            if key not in keys:
                keys[key] = len(settings)
                settings.append(changes)
            group[i] = keys[key]
            for code, w in (rec.get("weights") or {}).items():
                weights.setdefault(code, np.full(n, np.nan))[i] = float(w)
            for code in rec.get("exclude") or ():
                mult.setdefault(code, np.ones(n))[i] = 0.0
        return cls(tuple(labels), tuple(settings), tuple(describe_setting(s) for s in settings), group, weights, mult)


def setting_key(changes: Mapping[str, Any]) -> str:
    """Canonical text of a setting (sorted JSON), used to group replications."""
    return json.dumps(changes, sort_keys=True, default=str)


def describe_setting(changes: Mapping[str, Any]) -> str:
    if not changes:
        return "the spec's own settings"
    return ", ".join(f"{k}={v}" for k, v in changes.items())


# ---------------------------------------------------------------------- one group
@dataclass(eq=False)
class _Group:
    """A discrete setting built once by the engine: what every replication of it shares."""

    index: Index
    values: dict[str, np.ndarray]            # indicator -> normalised values (n_obs,)
    base: dict[str, float]                   # node -> raw nominal weight
    manual: dict[str, bool]                  # parent -> weights method is manual
    derived: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # cached logs, masks...

    def fixed(self, code: str, what: str, c: float = 0.0) -> np.ndarray:
        """Per-indicator arrays computed once per group, as columns (n_obs, 1).

        ``what``: ``miss`` (missing mask), ``x0`` (values, missing as 0),
        ``geometric`` (ln(x + c), missing as 0), ``harmonic`` (1 / (x + c),
        missing as 0).
        """
        cache = self.derived.setdefault(code, {})
        key = what if what in ("miss", "x0") else f"{what}:{c!r}"
        if key not in cache:
            x = self.values[code]
            miss = np.isnan(x)
            with np.errstate(divide="ignore", invalid="ignore"):
                if what == "miss":
                    out = miss
                elif what == "x0":
                    out = np.where(miss, 0.0, x)
                elif what == "geometric":
                    out = np.where(miss, 0.0, np.log(np.where(miss, 1.0, x + c)))
                elif what == "harmonic":
                    out = np.where(miss, 0.0, 1.0 / np.where(miss, 1.0, x + c))
                else:
                    raise KeyError(what)
            cache[key] = out[:, None]
        return cache[key]


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class BatchResult:
    """Ranks (and optionally scores) of the top node in every replication.

    ``ranks`` and ``scores`` have shape ``(R, n_obs)``, rows in replication
    order, columns in panel row order (period-major: column c is unit
    ``c % n_units`` in period ``c // n_units``); NaN where a unit-period is
    absent or its score is missing. Ranks are float32 (exact integers).
    """

    labels: tuple[str, ...]
    ranks: np.ndarray
    scores: np.ndarray | None
    index: Index

    def long(self) -> pd.DataFrame:
        """``rep, uCode, rank`` (``rep, Time, uCode, rank`` for panels), rep then panel row order.

        Only unit-periods present in the data are listed; a missing rank is an
        empty cell (pandas ``Int64`` NA).
        """
        p = self.index.panel
        rows = np.flatnonzero(p.present)
        R = len(self.labels)
        units = np.array(p.units, dtype=object)[p.unit_index[rows]]
        r = self.ranks[:, rows].reshape(-1).astype(float)
        out = {"rep": np.repeat(np.array(self.labels, dtype=object), len(rows))}
        if p.n_periods > 1:
            out["Time"] = np.tile(np.array(p.period_labels, dtype=object)[p.period_index[rows]], R)
        out["uCode"] = np.tile(units, R)
        out["rank"] = pd.array(np.where(np.isnan(r), 0, r).astype(np.int64), dtype="Int64")
        df = pd.DataFrame(out)
        if np.isnan(r).any():
            df.loc[np.isnan(r), "rank"] = pd.NA
        return df


# ---------------------------------------------------------------------- the model
class BatchModel:
    """Runs replications of one nominal :class:`~dtindex.index.Index` in vectorised batches.

    Parameters
    ----------
    index : Index
        The nominal index; its inputs (panel, framework, spec) are reused.
    chunk : int, optional
        Replications per batch. Default: as many as fit ``memory_mb`` per
        working array of shape (n_obs, chunk) (at least 16).
    memory_mb : float
        Size of one working array; about (number of aggregates + 4) of them
        are alive at once.

    Examples
    --------
    >>> idx = Index.from_coinr("tests/data/asem/ASEM_iMeta.csv", "tests/data/asem/ASEM_iData.csv")  # doctest: +SKIP
    >>> reps = Replications.from_records([{"changes": {"normalise.params": {"low": 1, "high": 100},
    ...                                                "aggregate.method": "geometric"}}])       # doctest: +SKIP
    >>> BatchModel(idx).run(reps).long().head(3)                                                # doctest: +SKIP
    """

    def __init__(self, index: Index, *, chunk: int | None = None, memory_mb: float = 16.0) -> None:
        self.index = index
        self.fw = index.framework
        self.panel = index.panel
        self.ties = index.spec.methods.rank.ties
        check_choice("rank", "ties", self.ties, TIES)
        n_obs = self.panel.n_obs
        self.chunk = int(chunk) if chunk else max(16, int(memory_mb * 2**20 / 8 / max(n_obs, 1)))
        self._groups: dict[str, _Group] = {}
        self.order = self.fw.parents_bottom_up()
        self.row_labels = self.panel.row_labels()
        # last use of every node, so children are freed once their parent exists
        self._last_use = {}
        for pos, parent in enumerate(self.order):
            for kid in self.fw.children[parent]:
                self._last_use[kid] = pos

    # ------------------------------------------------------------------ groups
    def group(self, changes: Mapping[str, Any], where: str = "") -> _Group:
        """The engine build of one discrete setting (cached); errors start with ``where``."""
        key = setting_key(changes)
        if key not in self._groups:
            try:
                idx = self.index.rebuild(dict(changes)) if changes else self.index
            except DtindexError as exc:
                raise type(exc)(f"{where or 'replications with ' + describe_setting(changes)}: {exc}") from None
            fw = idx.framework
            values = {c: np.where(self.panel.present, idx.scores[c], np.nan) for c in fw.indicators}
            manual = {p: idx.weight_specs[p].method == "manual" for p in fw.aggregates}
            base = {}
            for p in fw.aggregates:
                for kid in fw.children[p]:
                    base[kid] = float(fw[kid].weight) if manual[p] else float(idx.weights[kid])
            self._groups[key] = _Group(idx, values, base, manual)
        return self._groups[key]

    # ------------------------------------------------------------------ run
    def run(self, reps: Replications, *, keep_scores: bool = False) -> BatchResult:
        """Ranks of the top node in every replication (see :class:`BatchResult`)."""
        unknown = [c for c in [*reps.weights, *reps.multipliers] if c not in self.fw or self.fw[c].parent is None]
        if unknown:
            raise SpecError(
                f"replications set weights of {describe_rows(sorted(set(unknown)))}, which "
                f"{'is not a weighted node' if len(set(unknown)) == 1 else 'are not weighted nodes'} of the "
                f"framework (the top node has no weight; codes: {describe_rows(self.fw.codes, 15)})"
            )
        n_obs = self.panel.n_obs
        ranks = np.full((reps.n, n_obs), np.nan, dtype=np.float32)
        scores = np.full((reps.n, n_obs), np.nan) if keep_scores else None
        group = np.asarray(reps.group)
        first = sorted(np.unique(group), key=lambda g: int(np.flatnonzero(group == g)[0])) if reps.n else []
        for g in first:
            rows = np.flatnonzero(group == g)
            ids = [reps.labels[i] for i in rows]
            ctx = self.group(reps.settings[g], f"replication{'s' if len(ids) > 1 else ''} {describe_rows(ids, 5)} "
                                               f"({reps.setting_labels[g]})")
            self._check_overrides(ctx, reps, rows)
            for start in range(0, len(rows), self.chunk):
                sub = rows[start:start + self.chunk]
                S = self._scores(ctx, reps, sub, reps.setting_labels[g])
                ranks[sub] = rank_batch(S, self.panel.n_units, self.ties).T
                if scores is not None:
                    scores[sub] = S.T
        return BatchResult(reps.labels, ranks, scores, self.index)

    def _check_overrides(self, ctx: _Group, reps: Replications, rows: np.ndarray) -> None:
        for code, v in reps.weights.items():
            parent = self.fw[code].parent
            if not ctx.manual[parent] and not np.isnan(v[rows]).all():
                method = ctx.index.weight_specs[parent].method
                raise SpecError(
                    f"replications set the weight of {code!r}, but the weights of the children of {parent!r} "
                    f"are computed by method {method!r}; only children of parents with manual weights can be set "
                    "(use weight noise to perturb computed weights)"
                )

    def _weights(self, ctx: _Group, reps: Replications, rows: np.ndarray, parent: str) -> np.ndarray:
        """Relative weights of the children of ``parent``, shape (k, r); columns sum to 1."""
        kids = self.fw.children[parent]
        raw = np.empty((len(kids), len(rows)))
        for j, kid in enumerate(kids):
            raw[j] = ctx.base[kid]
            if kid in reps.weights:
                v = reps.weights[kid][rows]
                raw[j] = np.where(np.isnan(v), raw[j], v)
        set_total = raw.sum(axis=0)
        for j, kid in enumerate(kids):
            if kid in reps.multipliers:
                raw[j] *= reps.multipliers[kid][rows]
        bad = ~np.isfinite(raw) | (raw < 0)
        if bad.any():
            j, c = np.argwhere(bad)[0]
            raise SpecError(
                f"replication {reps.labels[rows[c]]}: the weight of {kids[j]!r} is {raw[j, c]:g}; "
                "weights must be finite and >= 0"
            )
        total = raw.sum(axis=0)
        zero = set_total == 0
        if zero.any():
            c = int(np.flatnonzero(zero)[0])
            raise SpecError(
                f"replication {reps.labels[rows[c]]}: the weights of the children of {parent!r} "
                f"({', '.join(kids)}) are all zero; at least one must be positive"
            )
        # every child excluded (multiplied by 0): the parent has no score, like COINr's childless aggregate
        return raw / np.where(total > 0, total, 1.0)

    def _scores(self, ctx: _Group, reps: Replications, rows: np.ndarray, setting: str = "") -> np.ndarray:
        """Top-node scores of the replications ``rows`` of one group, shape (n_obs, r)."""
        present = self.panel.present
        live: dict[str, np.ndarray] = {}
        for pos, parent in enumerate(self.order):
            kids = self.fw.children[parent]
            W = self._weights(ctx, reps, rows, parent)
            children = [live.get(k) for k in kids]
            spec = ctx.index.aggregate_specs[parent]
            y = aggregate_batch(self, ctx, kids, children, W, spec, reps, rows, setting)
            y[~present] = np.nan
            live[parent] = y
            for k in kids:
                if k in live and self._last_use.get(k) == pos:
                    del live[k]
        return live[self.fw.root]

    # ------------------------------------------------------------------ messages
    def where(self, reps: Replications, rows: np.ndarray, obs: int, col: int) -> str:
        return f"replication {reps.labels[rows[col]]}, {self.row_labels[obs]}"


# ---------------------------------------------------------------------- aggregation kernels
def _check_positive(model: BatchModel, reps: Replications, rows: np.ndarray, code: str, x0: np.ndarray,
                    miss: np.ndarray | None, c: float, method: str, setting: str, fixed: bool) -> None:
    """Geometric/harmonic means need x + c > 0 for every present child value (the engine's rule)."""
    bad = x0 + c <= 0
    if miss is not None:
        bad &= ~miss
    if bad.any():
        obs, col = np.argwhere(bad)[0]
        where = (f"replications with {setting}, {model.row_labels[obs]}" if fixed
                 else model.where(reps, rows, obs, col))
        hint = ("normalise to a positive range (e.g. minmax with low=1) or set nonpositive='shift' with a shift constant"
                if c == 0 else f"the shift {c:g} is too small")
        raise MethodDomainError(f"{where}: {method} mean needs values > 0 but {code} = {x0[obs, col]:g}; {hint}")


def aggregate_batch(model: BatchModel, ctx: _Group, kids: list[str], children: list[np.ndarray | None],
                    W: np.ndarray, spec, reps: Replications, rows: np.ndarray, setting: str = "") -> np.ndarray:
    """Aggregate one node for r replications.

    ``children[j]`` is None for an indicator (its normalised values are fixed
    within the group) or an array (n_obs, r) for an aggregate; ``W`` (k, r)
    holds the relative weights of each replication. Formulas in the module
    docstring.
    """
    method = spec.method
    n, r = model.panel.n_obs, W.shape[1]
    if method == "topsis":
        return _topsis_batch(model, ctx, kids, children, W, spec)
    if method in ("gra", "gra_topsis", "vikor", "rsr"):
        return _relative_batch(model, ctx, kids, children, W, spec)
    if method not in ("arithmetic", "geometric", "harmonic"):
        raise SpecError(f"aggregation method {method!r} is not supported in batched replications")
    c = float(spec.shift) if spec.nonpositive == "shift" and method != "arithmetic" else 0.0
    num = np.zeros((n, r))
    den = np.zeros((n, r))
    any_miss = np.zeros((n, r), dtype=bool) if spec.missing == "propagate" else None
    tmp = np.empty((n, r))
    for j, (code, arr) in enumerate(zip(kids, children)):
        if arr is None:  # an indicator: fixed for the whole group, shape (n, 1)
            miss = ctx.fixed(code, "miss")
            miss = miss if miss.any() else None
            x0 = ctx.fixed(code, "x0")
            if method != "arithmetic" and not ctx.derived[code].get(f"checked:{method}:{c!r}"):
                _check_positive(model, reps, rows, code, x0, miss, c, method, setting, True)
                ctx.derived[code][f"checked:{method}:{c!r}"] = True
            term = x0 if method == "arithmetic" else ctx.fixed(code, method, c)
        else:
            miss = np.isnan(arr)
            miss = miss if miss.any() else None
            x0 = arr if miss is None else np.where(miss, 0.0, arr)
            if method == "arithmetic":
                term = x0
            else:
                _check_positive(model, reps, rows, code, x0, miss, c, method, setting, False)
                with np.errstate(divide="ignore", invalid="ignore"):
                    inner = x0 + c if miss is None else np.where(miss, 1.0, x0 + c)
                    term = np.log(inner) if method == "geometric" else 1.0 / inner
                if miss is not None:
                    term[np.broadcast_to(miss, term.shape)] = 0.0
        if miss is not None and spec.missing == "error":
            obs, col = np.argwhere(np.broadcast_to(miss, (n, r)))[0]
            raise MethodDomainError(
                f"{model.where(reps, rows, obs, col)}: aggregation with missing='error' found {code} missing; "
                "impute first or use missing='skip'"
            )
        w = W[j]
        np.multiply(term, w, out=tmp)
        num += tmp
        if miss is None:
            den += w
        else:
            np.multiply(~miss, w, out=tmp)
            den += tmp
            if any_miss is not None:
                any_miss |= miss
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            y = num / den
        elif method == "geometric":
            y = np.exp(num / den) - c
        else:  # harmonic: sum w / sum (w / x)
            y = den / num - c
    y[~(den > 0)] = np.nan
    if any_miss is not None:
        y[any_miss] = np.nan
    return y


def _relative_batch(model, ctx, kids, children, W, spec) -> np.ndarray:
    """GRA, grey-relational TOPSIS, VIKOR and RSR (relative aggregations) for r weight vectors.

    Their ideals and two-level minima/maxima depend on the whole scope group, so each replication's
    column is computed by the library function itself (vectorised over observations), which keeps the
    batched scores identical to a rebuild.
    """
    from ..methods.aggregate import AGGREGATORS
    from ..pipeline.decision_tables import score_params

    params = score_params(spec.method, dict(spec.params))  # without the settings of the full tables (grades)
    scope = params.pop("scope", "pooled")
    n, r = model.panel.n_obs, W.shape[1]
    X = np.empty((n, len(kids), r))
    for j, (code, arr) in enumerate(zip(kids, children)):
        X[:, j, :] = ctx.values[code][:, None] if arr is None else arr
    present = model.panel.present
    g = np.where(present, model.panel.period_index if scope == "per_period" else 0, -1)
    fn = AGGREGATORS[spec.method]
    out = np.full((n, r), np.nan)
    for col in range(r):
        out[:, col] = fn(X[:, :, col], W[:, col], missing=spec.missing, groups=g, row_labels=model.row_labels,
                         children=kids, **params)
    return np.where(present[:, None], out, np.nan)


def _topsis_batch(model, ctx, kids, children, W, spec) -> np.ndarray:
    """TOPSIS closeness (see :func:`dtindex.methods.aggregate.topsis`) for r weight vectors at once.

    With V_ijr the child values (r-th replication), w_jr the weights
    (normalised to sum 1): r_ij = x_ij / sqrt(sum_i x_ij^2) within the scope
    group, v_ij = w_j r_ij, ideal/anti-ideal = max/min over units, C = D- /
    (D+ + D-).
    """
    params = dict(spec.params)
    scope = params.pop("scope", "pooled")
    vector_normalise = bool(params.pop("vector_normalise", True))
    scale = float(params.pop("scale", 1.0))
    n, r = model.panel.n_obs, W.shape[1]
    X = np.empty((n, len(kids), r))
    for j, (code, arr) in enumerate(zip(kids, children)):
        X[:, j, :] = ctx.values[code][:, None] if arr is None else arr
    nan = np.isnan(X)
    if spec.missing == "propagate":
        X[nan.any(axis=1)[:, None, :].repeat(len(kids), axis=1)] = np.nan
    w = W / W.sum(axis=0)
    present = model.panel.present
    g = np.where(present, model.panel.period_index if scope == "per_period" else 0, -1)
    out = np.full((n, r), np.nan)
    for code in np.unique(g[g >= 0]):
        sel = g == code
        Xg = X[sel]
        with np.errstate(invalid="ignore", divide="ignore"):
            if vector_normalise:
                norm = np.sqrt(np.nansum(Xg**2, axis=0))
                Xg = Xg / np.where(norm > 0, norm, np.nan)
            Vw = Xg * w[None]
            allnan = np.isnan(Vw).all(axis=0)
            best = np.where(allnan, np.nan, np.nanmax(np.where(np.isnan(Vw), -np.inf, Vw), axis=0))
            worst = np.where(allnan, np.nan, np.nanmin(np.where(np.isnan(Vw), np.inf, Vw), axis=0))
            dplus = np.sqrt(np.nansum((Vw - best[None]) ** 2, axis=1))
            dminus = np.sqrt(np.nansum((Vw - worst[None]) ** 2, axis=1))
            cc = dminus / (dplus + dminus)
        cc = np.where(dplus + dminus > 0, cc, np.nan)
        cc = np.where(np.isnan(Vw).all(axis=1), np.nan, cc)
        out[sel] = cc
    if spec.missing == "propagate":
        out[nan.any(axis=1)] = np.nan
    return scale * out


# ---------------------------------------------------------------------- ranks
def rank_batch(S: np.ndarray, n_units: int, ties: str = "min") -> np.ndarray:
    """Descending ranks within each period for every replication.

    ``S`` has shape (n_obs, r), rows period-major as in the panel. Equal
    scores share a rank by ``ties`` (``min``: 1, 2, 2, 4; ``max``: 1, 3, 3,
    4; ``average``: 1, 2.5, 2.5, 4; ``dense``: 1, 2, 2, 3; ``first``: unit
    order), missing scores get NaN; the same as
    :func:`dtindex.methods.rank.rank_desc` column by column.

    >>> rank_batch(np.array([[3.0], [5.0], [5.0], [1.0]]), 4)[:, 0].tolist()
    [3.0, 1.0, 1.0, 4.0]
    """
    check_choice("rank", "ties", ties, TIES)
    n_obs, r = S.shape
    p = n_obs // n_units
    # (periods, r, units): sort along the contiguous last axis; NaN sorts last
    neg = -np.ascontiguousarray(S.reshape(p, n_units, r).transpose(0, 2, 1))
    order = np.argsort(neg, axis=2, kind="stable")
    srt = np.take_along_axis(neg, order, axis=2)
    pos = np.broadcast_to(np.arange(1, n_units + 1, dtype=np.float64), srt.shape)
    new = np.ones(srt.shape, dtype=bool)
    new[..., 1:] = srt[..., 1:] != srt[..., :-1]
    if ties == "first":
        res = pos
    elif ties == "dense":
        res = np.cumsum(new, axis=2).astype(np.float64)
    else:
        lo = np.maximum.accumulate(np.where(new, pos, 0.0), axis=2)
        if ties == "min":
            res = lo
        else:
            end = np.ones(srt.shape, dtype=bool)
            end[..., :-1] = new[..., 1:]
            hi = np.flip(np.minimum.accumulate(np.flip(np.where(end, pos, np.inf), axis=2), axis=2), axis=2)
            res = hi if ties == "max" else (lo + hi) / 2.0
    ranks = np.empty(srt.shape)
    np.put_along_axis(ranks, order, res, axis=2)
    ranks[np.isnan(neg)] = np.nan
    return ranks.transpose(0, 2, 1).reshape(n_obs, r)


__all__ = [
    "BatchModel",
    "BatchResult",
    "Replications",
    "aggregate_batch",
    "describe_setting",
    "rank_batch",
    "setting_key",
]
