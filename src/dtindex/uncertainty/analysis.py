"""Uncertainty and sensitivity analysis of an index's ranks.

:func:`run_uncertainty` draws the uncertain inputs of an
:class:`~dtindex.uncertainty.spec.UncertaintySpec` (a Saltelli design when
sensitivity indices are wanted, else N plain draws), turns each row of
uniform numbers into a replication (:func:`replications_from_sample`), runs
all replications in batches (:class:`~dtindex.uncertainty.batch.BatchModel`)
and summarises the ranks of one period:

* per unit: nominal rank, mean and median rank, 5th and 95th percentiles,
  share of replications in the top K (:func:`~dtindex.uncertainty.summary.rank_statistics`),
  from the 2N independent runs A and B of the design (N runs without it), as
  COINr does;
* first-order and total Sobol indices of every unit's rank and of the mean
  absolute rank shift (all N (k + 2) runs; :mod:`~dtindex.uncertainty.sobol`);
* the "what if" table: ranks under each single discrete alternative, every
  other setting nominal;
* a plain-language paragraph in English and Chinese.

Mapping of a row u of uniform numbers to a replication: weight noise of node
c at a noisy level with factor f multiplies its raw weight by
1 + f (2 u_c - 1); a discrete factor with m alternatives takes alternative
floor(u * m) (each equally likely); "exclude X" sets X's weight to 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..index import Index
from . import summary
from .batch import BatchModel, BatchResult, Replications, describe_setting
from .sobol import Design, SobolIndices, saltelli_design, sobol_indices, uniform_sample
from .spec import Factor, UncertaintySpec, plan_factors

Progress = Callable[[str], None]
SHIFT = "mean_rank_shift"


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Everything an uncertainty analysis produced (see :func:`run_uncertainty`).

    Attributes
    ----------
    index, uspec, factors
        The nominal index, the settings and the factors (uncertain inputs).
    sample : ndarray (R, d)
        Uniform numbers of every replication (design order when
        ``design`` is set: A, B, A_B^(1), ...).
    design : Design or None
        The Saltelli design (None without sensitivity analysis).
    replications : Replications
        What every replication changes.
    table : DataFrame
        One row per replication: ``rep``, the alternative of every discrete
        factor, ``w_<code>`` raw weights of the noisy nodes (the
        replications CSV format).
    batch : BatchResult
        Ranks of the top node in every replication (all periods).
    period : str
        Label of the analysed period ("" for a cross-section).
    units : tuple of str
        Units present in that period, in data order.
    nominal : ndarray (U,)
        Their nominal ranks.
    ranks : ndarray (R, U)
        Their rank in every replication.
    ua_rows : ndarray of int
        Replications used for the rank statistics.
    shift : ndarray (R,)
        Mean absolute rank shift of every replication.
    sobol : SobolIndices or None
        Indices of the outputs ``units + (mean_rank_shift,)``.
    rank_stats, sensitivity, what_if : DataFrame
        The result tables (see :mod:`dtindex.uncertainty.summary`).
    text : dict
        ``{"en": ..., "zh": ...}`` plain-language paragraphs.
    messages : tuple of str
        Notes (e.g. a what-if alternative that could not be computed).
    """

    index: Index
    uspec: UncertaintySpec
    factors: tuple[Factor, ...]
    sample: np.ndarray
    design: Design | None
    replications: Replications
    table: pd.DataFrame
    batch: BatchResult
    period: str
    units: tuple[str, ...]
    nominal: np.ndarray
    ranks: np.ndarray
    ua_rows: np.ndarray
    shift: np.ndarray
    sobol: SobolIndices | None
    rank_stats: pd.DataFrame
    sensitivity: pd.DataFrame
    what_if: pd.DataFrame
    text: dict[str, str]
    messages: tuple[str, ...] = ()


def replications_from_sample(U: np.ndarray, factors: list[Factor] | tuple[Factor, ...],
                             labels: list[str] | tuple[str, ...] | None = None) -> tuple[Replications, pd.DataFrame]:
    """Turn rows of uniform numbers into replications (mapping in the module docstring).

    Returns the :class:`Replications` and a table with one row per
    replication: ``rep``, one column per discrete factor holding the label of
    its alternative (``exclude``: the excluded code, empty for none), and the
    noise multiplier ``m_<code>`` of every noisy node (exclusion is not a
    multiplier there: the ``exclude`` column records it).
    """
    U = np.asarray(U, dtype=float)
    R = U.shape[0]
    width = sum(f.width for f in factors)
    if U.ndim != 2 or U.shape[1] != width:
        raise SpecError(f"the sample has {U.shape[1] if U.ndim == 2 else 0} columns; the factors need {width}")
    labels = tuple(str(x) for x in (labels if labels is not None else range(1, R + 1)))
    table: dict[str, object] = {"rep": list(labels)}
    mult: dict[str, np.ndarray] = {}
    noise: dict[str, np.ndarray] = {}
    choice: dict[str, np.ndarray] = {}
    col = 0
    for f in factors:
        if f.kind == "weights":
            for j, node in enumerate(f.nodes):
                noise[node] = 1.0 + f.noise * (2.0 * U[:, col + j] - 1.0)
                mult[node] = mult.get(node, np.ones(R)) * noise[node]
            col += f.width
            continue
        m = len(f.alternatives)
        a = np.minimum(np.floor(U[:, col] * m).astype(np.int64), m - 1)
        col += 1
        choice[f.name] = a
        if f.name == "exclude":
            table[f.name] = np.array(["" if not alt.exclude else ";".join(alt.exclude) for alt in f.alternatives],
                                     dtype=object)[a]
            for i, alt in enumerate(f.alternatives):
                for code in alt.exclude:
                    mult[code] = np.where(a == i, 0.0, mult.get(code, np.ones(R)))
        else:
            table[f.name] = np.array([alt.label for alt in f.alternatives], dtype=object)[a]
    spec_factors = [f for f in factors if f.kind == "discrete" and f.name != "exclude"]
    if spec_factors:
        codes = np.column_stack([choice[f.name] for f in spec_factors])
        combos, group = np.unique(codes, axis=0, return_inverse=True)
        group = group.reshape(-1)
        # number the settings by first appearance, so the order does not depend on np.unique's sort
        first = np.array([np.flatnonzero(group == g)[0] for g in range(len(combos))])
        renum = np.empty(len(combos), dtype=np.int64)
        renum[np.argsort(first, kind="stable")] = np.arange(len(combos))
        group = renum[group]
        combos = combos[np.argsort(first, kind="stable")]
        settings, names = [], []
        for row in combos:
            changes: dict[str, object] = {}
            parts = []
            for f, a in zip(spec_factors, row):
                changes.update(f.alternatives[a].changes)
                parts.append(f"{f.name}={f.alternatives[a].label}")
            settings.append(changes)
            names.append(", ".join(parts))
    else:
        group = np.zeros(R, dtype=np.int64)
        settings, names = [{}], [describe_setting({})]
    for node, v in noise.items():
        table[f"m_{node}"] = v
    reps = Replications(labels, tuple(settings), tuple(names), group, {}, mult)
    return reps, pd.DataFrame(table)


def _weights_table(model: BatchModel, reps: Replications, table: pd.DataFrame) -> pd.DataFrame:
    """Replace the noise multipliers ``m_<code>`` by the raw weights ``w_<code>`` they produce."""
    out = table.copy()
    for col in [c for c in table.columns if c.startswith("m_")]:
        code = col[2:]
        w = np.empty(reps.n)
        for g, changes in enumerate(reps.settings):
            rows = reps.group == g
            if rows.any():
                w[rows] = model.group(changes).base[code] * table[col].to_numpy()[rows]
        out.insert(out.columns.get_loc(col), f"w_{code}", w)
        out = out.drop(columns=col)
    return out


def run_uncertainty(index: Index, uspec: UncertaintySpec, *, progress: Progress | None = None) -> UncertaintyResult:
    """Run the uncertainty (and sensitivity) analysis of ``index``'s top-node ranks.

    Parameters
    ----------
    index : Index
        The nominal index (its ranks are the nominal ranks).
    uspec : UncertaintySpec
        Uncertain inputs and settings.
    progress : callable, optional
        Called with a stage name: ``sample``, ``replications``, ``what-if``,
        ``sensitivity``, ``summary``.

    Examples
    --------
    >>> idx = Index.from_coinr("tests/data/asem/ASEM_iMeta.csv", "tests/data/asem/ASEM_iData.csv")  # doctest: +SKIP
    >>> u = UncertaintySpec(n=256, weights={2: 0.25, 3: 0.25}, normalisation=["minmax:1,100", "zscore:10,2"],
    ...                     aggregation=["arithmetic", "geometric"])                              # doctest: +SKIP
    >>> res = run_uncertainty(idx, u)                                                               # doctest: +SKIP
    >>> res.rank_stats.head()                                                                       # doctest: +SKIP
    """
    tick = progress or (lambda stage: None)
    fw = index.framework
    factors = tuple(plan_factors(uspec, fw))
    if not factors:
        raise SpecError(
            "uncertainty: no uncertain inputs are declared; set weights (noise per level), normalisation, "
            "aggregation, imputation, weighting, exclude or alternatives"
        )
    model = BatchModel(index, chunk=uspec.chunk, memory_mb=uspec.memory_mb)

    tick("sample")
    widths = [f.width for f in factors]
    if uspec.sensitivity:
        design = saltelli_design(widths, uspec.n, seed=uspec.seed, sampling=uspec.sampling)
        U = design.X
        ua_rows = np.arange(2 * uspec.n)
    else:
        design = None
        U = uniform_sample(uspec.n, sum(widths), seed=uspec.seed, sampling=uspec.sampling)
        ua_rows = np.arange(uspec.n)
    reps, table = replications_from_sample(U, factors)

    tick("replications")
    batch = model.run(reps)
    table = _weights_table(model, reps, table)

    p = index.panel
    if uspec.period is None:
        pos = p.n_periods - 1
    else:
        pos = p.period_position(uspec.period)
    label = p.period_labels[pos]
    cols = pos * p.n_units + np.arange(p.n_units)
    keep = p.present[cols]
    cols = cols[keep]
    units = tuple(np.array(p.units, dtype=object)[keep].tolist())
    nominal = index.ranks[fw.root][cols]
    ranks = batch.ranks[:, cols].astype(float)
    with np.errstate(invalid="ignore"):
        diff = np.abs(ranks - nominal[None, :])
    counted = (~np.isnan(diff)).sum(axis=1)
    shift = np.where(counted > 0, np.nansum(diff, axis=1) / np.maximum(counted, 1), np.nan)

    tick("what-if")
    notes: list[str] = []
    what_if = summary.what_if_table(model, factors, units, cols, nominal, notes)

    sob = None
    sensitivity = summary.empty_sensitivity()
    if design is not None:
        tick("sensitivity")
        Y = np.column_stack([ranks, shift])
        sob = sobol_indices(Y, design.n, design.k, bootstrap=uspec.bootstrap, ci=uspec.ci, seed=uspec.seed + 1)
        sensitivity = summary.sensitivity_table(sob, factors, [*units, SHIFT], nominal)

    tick("summary")
    names = dict(zip(p.units, p.unit_names))
    rank_stats = summary.rank_statistics(ranks[ua_rows], nominal, units, top=uspec.top,
                                         names=[names.get(u, "") for u in units])
    result = UncertaintyResult(
        index=index, uspec=uspec, factors=factors, sample=U, design=design, replications=reps, table=table,
        batch=batch, period=label, units=units, nominal=nominal, ranks=ranks, ua_rows=ua_rows, shift=shift,
        sobol=sob, rank_stats=rank_stats, sensitivity=sensitivity, what_if=what_if, text={},
        messages=tuple(notes),
    )
    object.__setattr__(result, "text", summary.narrative(result))
    return result


__all__ = ["SHIFT", "UncertaintyResult", "replications_from_sample", "run_uncertainty"]
