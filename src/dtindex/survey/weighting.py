"""Weighting: post-stratification, raking (iterative proportional fitting), trimming, Kish.

* Post-stratification: ``w_i <- w_i * T_g / sum_{j in g} w_j`` for the cell g of response i and
  population total ``T_g`` (R ``postStratify``).
* Raking (R ``rake``): post-stratify on each margin in turn; after each sweep compare the weighted
  joint table of all raking variables with the previous sweep's and stop when the largest
  absolute change is below ``epsilon`` (``epsilon < 1`` is read as a fraction of the sum of the
  initial weights). R's defaults ``maxit=10, epsilon=1`` are kept so raked weights agree with R.
* Trimming: weights outside ``[lower, upper] x mean(w)`` are set to the bound and the trimmed
  amount is spread over the other weights in proportion to their size (total kept), repeated
  until every weight is within bounds.
* Kish: effective sample size ``n_eff = (sum w)^2 / sum w^2`` and design effect due to
  weighting ``deff = n sum w^2 / (sum w)^2 = 1 + cv^2`` (cv with divisor n).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError, DtindexWarning, SpecError, describe_rows
from ..io.tables import read_table, to_numbers

TARGET_COLUMNS = ("target", "count", "total", "freq", "n", "population")
SHARE_COLUMNS = ("share", "proportion")
PERCENT_COLUMNS = ("percent", "pct")


# ----------------------------------------------------------------- cell codes
def _cells_codes(df: pd.DataFrame, cells) -> tuple[np.ndarray, list]:
    """Integer cell code per row for one or more columns (joint cells), with labels."""
    from .design import categories

    names = [cells] if isinstance(cells, str) else list(cells)
    for name in names:
        if name not in df.columns:
            raise DataError(f"weighting: column {name!r} is not in the data; columns are {', '.join(map(str, df.columns))}")
    parts = [categories(df[name]) for name in names]
    miss = np.zeros(len(df), bool)
    for codes, _ in parts:
        miss |= codes < 0
    if miss.any():
        rows = np.flatnonzero(miss)
        raise DataError(f"weighting: {' x '.join(names)} is missing in rows {describe_rows(rows + 2)}; "
                        "every response needs a value of each weighting variable")
    sizes = [len(lab) for _, lab in parts]
    flat = np.zeros(len(df), dtype=np.int64)
    for (codes, _), size in zip(parts, sizes):
        flat = flat * size + codes
    present, codes = np.unique(flat, return_inverse=True)
    labels = []
    for code in present:
        idx = np.unravel_index(int(code), sizes)
        lab = tuple(parts[j][1][i] for j, i in enumerate(idx))
        labels.append(lab[0] if len(names) == 1 else lab)
    return codes.astype(np.int64), labels


def _key(value) -> str:
    """Canonical text of a category so that 1, 1.0 and "1" match."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value).strip()


def _target_map(targets, names: list[str]) -> dict[tuple, float]:
    """Population totals keyed by canonical category text (tuples for joint cells)."""
    if isinstance(targets, pd.DataFrame):
        value_cols = [c for c in targets.columns if c not in names]
        if len(value_cols) != 1 or not all(n in targets.columns for n in names):
            raise DataError(f"weighting: population table for {' x '.join(names)} must have the columns "
                            f"{', '.join(names)} and one column of totals; got {', '.join(map(str, targets.columns))}")
        keys = [tuple(_key(v) for v in row) for row in targets[names].itertuples(index=False)]
        vals = targets[value_cols[0]].to_numpy(dtype=float)
    else:
        items = list(targets.items()) if hasattr(targets, "items") else None
        if items is None:
            raise DataError(f"weighting: population totals for {' x '.join(names)} must be a dict, Series or "
                            f"DataFrame; got {type(targets).__name__}")
        keys, vals = [], []
        for k, v in items:
            k = k if isinstance(k, tuple) else (k,)
            if len(k) != len(names):
                raise DataError(f"weighting: population cell {k!r} does not match the variables {', '.join(names)}")
            keys.append(tuple(_key(x) for x in k))
            vals.append(float(v))
        vals = np.asarray(vals, dtype=float)
    if not np.isfinite(vals).all() or (vals < 0).any():
        raise DataError(f"weighting: population totals for {' x '.join(names)} must be non-negative numbers")
    out: dict[tuple, float] = {}
    for k, v in zip(keys, vals):
        if k in out:
            raise DataError(f"weighting: population cell {' x '.join(k)} of {' x '.join(names)} is given twice")
        out[k] = float(v)
    return out


def _poststrat_factor(codes, labels, w, targets, cells, *, partial=False) -> np.ndarray:
    """Adjustment factor per cell: population total / weighted sample count (R ``postStratify``)."""
    names = [cells] if isinstance(cells, str) else list(cells)
    tmap = _target_map(targets, names)
    sample = np.bincount(codes, w, len(labels))
    keys = [tuple(_key(x) for x in (lab if isinstance(lab, tuple) else (lab,))) for lab in labels]
    missing = [" x ".join(k) for k in keys if tmap.get(k, 0.0) == 0.0]
    if missing:
        raise DataError(f"weighting: categories {', '.join(missing)} of {' x '.join(names)} occur in the sample "
                        "but have no (or a zero) population total")
    absent = [" x ".join(k) for k, v in tmap.items() if v > 0 and k not in set(keys)]
    if absent and not partial:
        raise DataError(f"weighting: population cells {', '.join(absent)} of {' x '.join(names)} have no "
                        "responses; collapse categories or pass partial=True to ignore them")
    if absent:
        warnings.warn(f"weighting: population cells {', '.join(absent)} of {' x '.join(names)} have no responses "
                      "and were ignored", DtindexWarning, stacklevel=3)
    if (sample <= 0).any():
        bad = [" x ".join(keys[i]) for i in np.flatnonzero(sample <= 0)]
        raise DataError(f"weighting: cells {', '.join(bad)} of {' x '.join(names)} have zero total weight")
    return np.array([tmap[k] for k in keys]) / sample


def _weights_arg(df, weights) -> np.ndarray:
    if weights is None:
        return np.ones(len(df))
    if isinstance(weights, str):
        if weights not in df.columns:
            raise DataError(f"weighting: weights column {weights!r} is not in the data")
        w = pd.to_numeric(df[weights], errors="coerce").to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
        if len(w) != len(df):
            raise DataError(f"weighting: {len(w)} weights for {len(df)} rows")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        raise DataError(f"weighting: initial weights are missing or negative in rows {describe_rows(bad + 2)}")
    return w


def poststratify(df: pd.DataFrame, cells, targets, weights=None, *, partial: bool = False) -> pd.Series:
    """Post-stratified weights: ``w_i T_g / sum_{j in g} w_j`` (R ``postStratify``).

    ``cells`` is a column name or a list of names (joint cells, e.g. size x region);
    ``targets`` maps each cell (a tuple for joint cells) to its population total, or is a
    DataFrame with the cell columns and one column of totals.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["a", "a", "b"]})
    >>> poststratify(df, "g", {"a": 10, "b": 30}).tolist()
    [5.0, 5.0, 30.0]
    """
    w = _weights_arg(df, weights)
    codes, labels = _cells_codes(df, cells)
    factor = _poststrat_factor(codes, labels, w, targets, cells, partial=partial)
    return pd.Series(w * factor[codes], index=df.index, name="weight")


# -------------------------------------------------------------------- margins
def _margin_list(margins) -> list[tuple[list[str], object]]:
    """Normalise the accepted margin forms to [(variables, totals), ...]."""
    if isinstance(margins, pd.DataFrame):
        cols = {c.lower(): c for c in margins.columns}
        if {"variable", "category"} <= set(cols):
            return _long_margins(margins)
        raise DataError("rake: a margins DataFrame needs the columns variable, category and target "
                        "(or pass a dict {variable: {category: total}})")
    if isinstance(margins, dict):
        out = []
        for key, tot in margins.items():
            names = [key] if isinstance(key, str) else list(key)
            out.append((names, tot))
        return out
    if isinstance(margins, (list, tuple)):
        out = []
        for item in margins:
            if isinstance(item, pd.DataFrame):
                value_cols = [c for c in item.columns if str(c).lower() in ("freq",) + TARGET_COLUMNS]
                if len(value_cols) != 1:
                    raise DataError("rake: each population table needs one column of totals named Freq or target; "
                                    f"got {', '.join(map(str, item.columns))}")
                out.append(([c for c in item.columns if c != value_cols[0]], item))
            elif isinstance(item, tuple) and len(item) == 2:
                names = [item[0]] if isinstance(item[0], str) else list(item[0])
                out.append((names, item[1]))
            else:
                raise DataError(f"rake: cannot read margin {item!r}; give (variable, totals) pairs or DataFrames")
        return out
    raise DataError(f"rake: margins must be a dict, a list of population tables or a long DataFrame; "
                    f"got {type(margins).__name__}")


def _long_margins(frame: pd.DataFrame) -> list[tuple[list[str], dict]]:
    cols = {c.lower(): c for c in frame.columns}
    vcol, ccol = cols["variable"], cols["category"]
    kind, tcol = None, None
    for names, k in ((TARGET_COLUMNS, "count"), (SHARE_COLUMNS, "share"), (PERCENT_COLUMNS, "percent")):
        for nme in names:
            if nme in cols:
                kind, tcol = k, cols[nme]
                break
        if tcol:
            break
    if tcol is None:
        raise DataError("margins: need a column of totals named target/count/total, share or percent; "
                        f"got {', '.join(map(str, frame.columns))}")
    vals = pd.to_numeric(frame[tcol], errors="coerce").to_numpy(dtype=float)
    if kind == "percent":
        vals = vals / 100.0
    out: dict[str, dict] = {}
    for var, cat, val in zip(frame[vcol].astype(str), frame[ccol].astype(str), vals):
        out.setdefault(var.strip(), {})[cat.strip()] = val
    result = []
    for var, tot in out.items():
        names = [v.strip() for v in var.split("*")]
        if len(names) > 1:
            tot = {tuple(x.strip() for x in k.split("*")): v for k, v in tot.items()}
        result.append((names, tot))
    return result


def read_margins(path: str | Path) -> list[tuple[list[str], dict]]:
    """Read population margins from CSV/Excel: columns ``variable, category`` and one of
    ``target``/``count`` (population totals), ``share`` (fractions) or ``percent``.

    A joint margin is written ``size*region`` with categories ``small*east``.
    """
    path = Path(path)
    raw = read_table(path)
    cols = {c.lower(): c for c in raw.columns}
    if not {"variable", "category"} <= set(cols):
        raise DataError(f"{path.name}: margins need the columns variable, category and target (or share/percent); "
                        f"got {', '.join(raw.columns)}")
    value_col = next((cols[c] for c in (*TARGET_COLUMNS, *SHARE_COLUMNS, *PERCENT_COLUMNS) if c in cols), None)
    if value_col is None:
        raise DataError(f"{path.name}: margins need a column target (population totals), share or percent")
    frame = raw.copy()
    frame[value_col] = to_numbers(raw[value_col], source=path.name, name=value_col)
    empty = np.flatnonzero(np.isnan(frame[value_col].to_numpy()))
    if len(empty):
        raise DataError(f"{path.name} rows {describe_rows(empty + 2)}: column {value_col} is empty")
    return _long_margins(frame)


@dataclass
class _Margin:
    names: list[str]
    codes: np.ndarray
    labels: list
    targets: np.ndarray  # per observed cell


@dataclass
class RakeResult:
    """Raked weights and the convergence report."""

    weights: pd.Series
    converged: bool
    sweeps: int
    history: list[float]
    epsilon: float
    margins: pd.DataFrame
    trimmed: int = 0
    steps: tuple = field(default=(), repr=False)

    @property
    def kish_n(self) -> float:
        return kish_effective_n(self.weights)

    @property
    def deff(self) -> float:
        return kish_deff(self.weights)

    def report(self) -> pd.DataFrame:
        """One row per sweep: largest change of the joint weighted table."""
        return pd.DataFrame({"sweep": np.arange(1, len(self.history) + 1), "max_change": self.history})


def _prepare_margins(df, margins, w0, total) -> list[_Margin]:
    out = []
    for names, tot in _margin_list(margins):
        codes, labels = _cells_codes(df, names)
        tmap = _target_map(tot, names)
        keys = [tuple(_key(x) for x in (lab if isinstance(lab, tuple) else (lab,))) for lab in labels]
        missing = [" x ".join(k) for k in keys if tmap.get(k, 0.0) == 0.0]
        if missing:
            raise DataError(f"rake: categories {', '.join(missing)} of {' x '.join(names)} occur in the sample but "
                            f"have no (or a zero) population total; margin categories are "
                            f"{', '.join(' x '.join(k) for k in tmap)}")
        absent = [" x ".join(k) for k, v in tmap.items() if v > 0 and k not in set(keys)]
        if absent:
            raise DataError(f"rake: population categories {', '.join(absent)} of {' x '.join(names)} have no "
                            "responses; collapse categories before raking")
        targets = np.array([tmap[k] for k in keys])
        out.append(_Margin(names, codes, labels, targets))
    if not out:
        raise DataError("rake: no margins given")
    sums = np.array([m.targets.sum() for m in out])
    if np.allclose(sums, 1.0, rtol=0, atol=1e-6):
        scale = float(w0.sum()) if total is None else float(total)
        for m in out:
            m.targets = m.targets * scale
        sums = sums * scale
    elif total is not None:
        raise DataError("rake: total= only applies to margins given as shares (each margin summing to 1)")
    if not np.allclose(sums, sums[0], rtol=1e-6, atol=0):
        listing = ", ".join(f"{' x '.join(m.names)}: {s:g}" for m, s in zip(out, sums))
        raise DataError(f"rake: the margins have different population totals ({listing}); raking cannot match them all")
    return out


def rake_weights(df: pd.DataFrame, margins, weights=None, *, epsilon: float = 1.0, maxit: int = 10,
                 trim: tuple[float | None, float | None] | None = None, total: float | None = None) -> RakeResult:
    """Raking (iterative proportional fitting) with R ``rake``'s stopping rule; see module docstring.

    Parameters
    ----------
    margins
        ``{variable: {category: total}}`` (a tuple of variables for a joint margin, with tuple
        categories), a list of R-style population tables (variable columns + ``Freq``), or a long
        DataFrame ``variable, category, target``. Margins given as shares (each summing to 1)
        are scaled to ``total`` (default: the sum of the initial weights).
    weights
        Initial (design) weights: column name or values; default 1.
    trim
        ``(lower, upper)`` bounds as multiples of the mean weight, applied after every sweep.
    """
    if maxit < 1:
        raise SpecError(f"rake: maxit must be at least 1; got {maxit}")
    if trim is not None:
        lo, hi = trim
        if (lo is not None and lo < 0) or (hi is not None and hi <= 1) or (lo is not None and lo >= 1):
            raise SpecError(f"rake: trim bounds are multiples of the mean weight and need lower < 1 < upper; got {trim}")
    w0 = _weights_arg(df, weights)
    ms = _prepare_margins(df, margins, w0, total)
    eps = epsilon * w0.sum() if epsilon < 1 else float(epsilon)
    # joint table of every raking variable (R: svytable(~ all terms))
    all_names = list(dict.fromkeys(n for m in ms for n in m.names))
    joint, _ = _cells_codes(df, all_names)
    nj = int(joint.max()) + 1
    w = w0.copy()
    old = np.bincount(joint, w, nj)
    history: list[float] = []
    converged = False
    steps: tuple = ()
    trimmed = 0
    for _ in range(maxit):
        last = []
        for m in ms:
            sample = np.bincount(m.codes, w, len(m.targets))
            if (sample <= 0).any():
                bad = ", ".join(str(m.labels[i]) for i in np.flatnonzero(sample <= 0))
                raise DataError(f"rake: cells {bad} of {' x '.join(m.names)} have zero total weight")
            w = w * (m.targets / sample)[m.codes]
            last.append((m.codes, w.copy()))
        if trim is not None:
            w, trimmed = _trim(w, trim[0], trim[1])
        steps = tuple(last)
        new = np.bincount(joint, w, nj)
        delta = float(np.abs(old - new).max())
        history.append(delta)
        if delta < eps:
            converged = True
            break
        old = new
    if not converged:
        warnings.warn(f"rake: raking did not converge after {maxit} sweeps (largest change {history[-1]:.4g}, "
                      f"epsilon {eps:g}); raise maxit", DtindexWarning, stacklevel=2)
    rows = []
    for m in ms:
        initial = np.bincount(m.codes, w0, len(m.targets))
        achieved = np.bincount(m.codes, w, len(m.targets))
        for lab, t, i, a in zip(m.labels, m.targets, initial, achieved):
            rows.append({"variable": " x ".join(m.names),
                         "category": " x ".join(map(str, lab)) if isinstance(lab, tuple) else lab,
                         "target": t, "initial": i, "achieved": a, "difference": a - t})
    table = pd.DataFrame(rows)
    return RakeResult(pd.Series(w, index=df.index, name="weight"), converged, len(history), history, eps, table,
                      trimmed, steps)


class RakedWeights(pd.Series):
    """Raked weights (a Series, index of the data) that also carry the :class:`RakeResult`:
    ``.raking``, and as shortcuts ``.weights``, ``.converged``, ``.sweeps``, ``.history``,
    ``.margins``, ``.kish_n``, ``.deff``. Arithmetic on it gives plain Series."""

    _metadata: ClassVar[list[str]] = ["raking"]

    @property
    def _constructor(self):
        return pd.Series

    @property
    def weights(self) -> pd.Series:
        return pd.Series(self.to_numpy(), index=self.index, name=self.name)

    converged = property(lambda self: self.raking.converged)
    sweeps = property(lambda self: self.raking.sweeps)
    history = property(lambda self: self.raking.history)
    margins = property(lambda self: self.raking.margins)
    kish_n = property(lambda self: self.raking.kish_n)
    deff = property(lambda self: self.raking.deff)


def rake(df, margins, weights=None, *, control: dict | None = None, **kwargs):
    """Raked weights matching R ``rake()`` (defaults ``epsilon=1, maxit=10``).

    Given a DataFrame, returns the raked weights as a :class:`RakedWeights` Series (index of
    ``df``; the report is ``.raking``, also in ``.attrs["raking"]``). Given a
    :class:`~dtindex.survey.Design`, returns the raked design, whose standard errors account for
    the raking as R's do. ``control={"maxit": .., "epsilon": ..}`` is accepted as in R.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    >>> rake(df, {"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}}).round(3).tolist()
    [3.0, 3.0, 2.0, 2.0]
    """
    from .design import Design

    if control:
        unknown = sorted(set(control) - {"maxit", "epsilon", "verbose"})
        if unknown:
            raise SpecError(f"rake: unknown control settings {', '.join(unknown)}; use maxit and epsilon")
        kwargs.update({k: v for k, v in control.items() if k in ("maxit", "epsilon")})
    if isinstance(df, Design):
        if weights is not None:
            raise DataError("rake: a Design already has weights; do not pass weights=")
        return df.rake(margins, **kwargs)
    res = rake_weights(df, margins, weights, **kwargs)
    out = RakedWeights(res.weights.to_numpy(), index=res.weights.index, name="weight")
    out.raking = res
    out.attrs["raking"] = res
    return out


# ------------------------------------------------------------------- trimming
def _trim(w: np.ndarray, lower: float | None, upper: float | None, max_rounds: int = 100) -> tuple[np.ndarray, int]:
    w = w.astype(float).copy()
    total = w.sum()
    fixed = np.zeros(len(w), bool)
    for _ in range(max_rounds):
        mean = total / len(w)
        lo = -np.inf if lower is None else lower * mean
        hi = np.inf if upper is None else upper * mean
        out = ~fixed & ((w < lo - 1e-12 * mean) | (w > hi + 1e-12 * mean))
        if not out.any():
            break
        w[out] = np.clip(w[out], lo, hi)
        fixed |= out
        free = ~fixed
        rest = total - w[fixed].sum()
        if not free.any() or w[free].sum() <= 0:
            raise DataError("trim: the bounds leave no weight free to absorb the trimmed amount; widen them")
        w[free] *= rest / w[free].sum()
    return w, int(fixed.sum())


def trim_weights(weights, lower: float | None = None, upper: float | None = None) -> pd.Series:
    """Trim weights to ``[lower, upper] x mean(w)``, spreading the excess proportionally over the
    untrimmed weights until all are within bounds (total weight unchanged).

    >>> trim_weights([1.0, 1.0, 1.0, 9.0], upper=2).round(4).tolist()
    [2.0, 2.0, 2.0, 6.0]
    """
    s = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights.astype(float)
    w, _ = _trim(s.to_numpy(), lower, upper)
    return pd.Series(w, index=s.index, name=s.name or "weight")


def kish_effective_n(weights) -> float:
    """Kish effective sample size ``(sum w)^2 / sum w^2``.

    >>> kish_effective_n([1, 1, 2, 2])
    3.6
    """
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w * w).sum())


def kish_deff(weights) -> float:
    """Kish design effect due to unequal weights ``n sum w^2 / (sum w)^2 = 1 + cv^2``.

    >>> round(kish_deff([1, 1, 2, 2]), 4)
    1.1111
    """
    w = np.asarray(weights, dtype=float)
    return float(len(w) * (w * w).sum() / w.sum() ** 2)
