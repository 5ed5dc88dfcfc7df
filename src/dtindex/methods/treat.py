"""Outlier treatment: COINr-style skewness/kurtosis check, Winsorisation, log fallback.

The default treatment of COINr (``Treat()`` / ``qTreat()``, R package COINr by W. Becker,
https://github.com/bluefoxr/COINr, file ``R/treat.R``; vignette "Outlier Treatment") is
reproduced here for one indicator held as a 1-D array of observations, optionally split into
independent groups (``by``), e.g. one group per period for per-period treatment.

Rule, per group (NaNs are ignored and stay NaN):

1. Compute the sample skewness ``G1`` and excess kurtosis ``G2`` (see :func:`skew_kurt`).
   The group *fails* when ``|G1| >= skew_thresh`` AND ``G2 >= kurt_thresh``
   (COINr ``check_SkewKurt``: pass iff ``|G1| < skew_thresh`` OR ``G2 < kurt_thresh``).
2. While the group fails and fewer than ``winmax`` points have been Winsorised: if
   ``G1 >= 0`` replace every value equal to the current maximum by the largest remaining
   value, else every value equal to the current minimum by the smallest remaining value;
   recompute ``G1``/``G2``. Ties are all replaced together and all counted.
3. If the group still fails, apply ``f2`` (default ``log_CT``) to the *original* values
   (or to the Winsorised ones with ``combine=True``) instead.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import (
    DataError,
    DtindexWarning,
    MethodDomainError,
    SpecError,
    check_choice,
    describe_rows,
)

__all__ = [
    "F2_CHOICES",
    "TreatResult",
    "log_ct",
    "log_ct_orig",
    "skew_kurt",
    "winsorise",
]

#: Fallback transforms accepted by :func:`winsorise` (``None`` = no fallback).
F2_CHOICES: tuple[str | None, ...] = ("log_CT", "log_CT_orig", None)

LOG_COLUMNS = ("position", "label", "group", "side", "original", "new", "step", "rule")
STATUS_COLUMNS = (
    "group",
    "n_obs",
    "skew_before",
    "kurt_before",
    "pass_before",
    "n_winsorised",
    "skew_after_win",
    "kurt_after_win",
    "pass_after_win",
    "transform",
    "skew_after",
    "kurt_after",
    "pass_after",
    "note",
)


# --------------------------------------------------------------------------- validation
# (shared with dtindex.methods.impute)


def as_float_vector(x: Any, owner: str, name: str = "x") -> np.ndarray:
    """Return ``x`` as a new 1-D float64 array; refuse non-numeric, non-1-D or infinite data.

    NaN is the missing-value marker and is allowed; +/-inf is not (it is neither a value
    nor a missing marker, and would make every moment infinite).
    """
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise DataError(f"{owner}: {name} must be a 1-D array of observations; got shape {arr.shape}.")
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise DataError(
            f"{owner}: {name} must hold numbers (float, NaN = missing); got dtype {arr.dtype}."
        )
    out = arr.astype(np.float64, copy=True)
    bad = np.flatnonzero(np.isinf(out))
    if bad.size:
        raise DataError(
            f"{owner}: {name} contains infinite values at positions {describe_rows(bad)}; "
            "expected finite numbers or NaN for missing."
        )
    return out


def as_codes(codes: Any, n: int, owner: str, name: str) -> np.ndarray:
    """Return integer code array ``codes`` (length ``n``) as int64, or raise :class:`DataError`."""
    arr = np.asarray(codes)
    if arr.ndim != 1:
        raise DataError(f"{owner}: {name} must be a 1-D array of integer codes; got shape {arr.shape}.")
    if arr.shape[0] != n:
        raise DataError(f"{owner}: {name} has length {arr.shape[0]} but x has length {n}.")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise DataError(
            f"{owner}: {name} must hold integer codes (e.g. from pandas.factorize, -1 = no group); "
            f"got dtype {arr.dtype}."
        )
    return arr.astype(np.int64, copy=False)


def _check_threshold(value: Any, param: str, positive: bool) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = not math.isnan(value) and (value > 0 if positive else value != -math.inf)
    if not ok:
        what = "a positive number (inf disables the check)" if positive else "a number (inf disables the check)"
        raise SpecError(f"The {param!r} parameter of winsorise must be {what}; got {value!r}.")
    return value


def _check_winmax(winmax: Any) -> int | None:
    if winmax is None:
        return None
    if isinstance(winmax, bool) or not isinstance(winmax, (int, np.integer)) or winmax < 0:
        raise SpecError(
            f"The 'winmax' parameter of winsorise must be a non-negative integer or None; got {winmax!r}."
        )
    return int(winmax)


# --------------------------------------------------------------------------- statistics


def _moments(v: np.ndarray) -> tuple[float, float]:
    """Skewness G1 and excess kurtosis G2 of a clean (NaN-free) vector."""
    n = v.size
    if n < 3 or v.max() == v.min():
        # Constant data: both moments are 0/0; fewer than 3/4 points: undefined.
        return math.nan, math.nan
    d = v - v.mean()
    # G1 and G2 are scale-free; rescaling the deviations by a power of two is exact and
    # keeps d^4 from under- or overflowing for very small or very large data.
    _, e = np.frexp(np.abs(d).max())
    d = np.ldexp(d, -int(e))
    d2 = d * d
    s2 = d2.sum()
    g1 = math.sqrt(n) * float((d2 * d).sum()) / float(s2) ** 1.5
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    if n < 4:
        return skew, math.nan
    b2 = n * float((d2 * d2).sum()) / float(s2) ** 2
    kurt = ((n + 1) * (b2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return skew, kurt


def skew_kurt(x: Any) -> tuple[float, float]:
    """Sample skewness and excess kurtosis exactly as COINr's ``skew()`` and ``kurt()``.

    Both are the bias-adjusted estimators of type 2 in ``e1071::skewness``/``kurtosis``
    (the definitions used by Excel's ``SKEW`` and ``KURT``). With ``n`` non-missing values,
    ``d_i = x_i - mean(x)``, ``m_r = sum_i d_i^r / n``::

        g1 = m3 / m2^(3/2)                          (moment skewness)
        G1 = g1 * sqrt(n (n - 1)) / (n - 2)         (returned skewness)
        b2 = m4 / m2^2                              (moment kurtosis, normal = 3)
        G2 = ((n + 1) (b2 - 3) + 6) (n - 1) / ((n - 2) (n - 3))   (returned kurtosis)

    ``G2`` is *excess* kurtosis (about 0 for normal data), so COINr's kurtosis threshold
    of 3.5 is on the excess scale. Equivalent to ``scipy.stats.skew(x, bias=False)`` and
    ``scipy.stats.kurtosis(x, fisher=True, bias=False)``.

    Parameters
    ----------
    x : array_like
        1-D numeric data; NaN values are ignored.

    Returns
    -------
    (float, float)
        ``(G1, G2)``. ``G1`` is NaN with fewer than 3 non-missing values, ``G2`` with fewer
        than 4; both are NaN when all non-missing values are equal (0/0). COINr raises an
        error in these cases; here the caller decides (:func:`winsorise` leaves such groups
        untreated and says so).

    Raises
    ------
    DataError
        ``x`` is not 1-D numeric or contains +/-inf.

    Examples
    --------
    >>> g1, g2 = skew_kurt([0.0, 0.0, 0.0, 0.0, 1.0])  # G1 = sqrt(5), G2 = 5
    >>> round(g1, 12), round(g2, 12)
    (2.2360679775, 5.0)
    """
    v = as_float_vector(x, "skew_kurt")
    return _moments(v[~np.isnan(v)])


def _fails(skew: float, kurt: float, skew_thresh: float, kurt_thresh: float) -> bool:
    # NaN statistics compare False, so an unmeasurable group never fails.
    return bool(abs(skew) >= skew_thresh and kurt >= kurt_thresh)


# --------------------------------------------------------------------------- transforms


def log_ct(x: Any) -> np.ndarray:
    """COINr's ``log_CT`` transform (modified COIN Tool log), NaN-aware.

    ``y_i = ln(x_i - min(x) + 0.01 (max(x) - min(x)))``

    Min and max are over the non-missing values; NaN stays NaN. The shift keeps the
    smallest value finite (``ln(0.01 * range)``) and the transform monotone increasing.

    Raises
    ------
    MethodDomainError
        All non-missing values are equal (the argument of the log would be 0).

    Examples
    --------
    >>> log_ct([0.0, 1.0, 100.0]).round(4).tolist()
    [0.0, 0.6931, 4.6151]
    """
    v = as_float_vector(x, "log_ct")
    lo, hi = _finite_range(v, "log_ct")
    return np.log(v - lo + 0.01 * (hi - lo))


def log_ct_orig(x: Any) -> np.ndarray:
    """COINr's ``log_CT_orig`` transform (original COIN Tool log), NaN-aware.

    ``y_i = ln(x_i - min(x) + 1)``

    Examples
    --------
    >>> log_ct_orig([2.0, 3.0, np.nan]).round(4).tolist()
    [0.0, 0.6931, nan]
    """
    v = as_float_vector(x, "log_ct_orig")
    lo, _ = _finite_range(v, "log_ct_orig", allow_constant=True)
    return np.log(v - lo + 1.0)


def _finite_range(v: np.ndarray, owner: str, allow_constant: bool = False) -> tuple[float, float]:
    obs = v[~np.isnan(v)]
    if obs.size == 0:
        return math.nan, math.nan
    lo, hi = float(obs.min()), float(obs.max())
    if lo == hi and not allow_constant:
        raise MethodDomainError(
            f"{owner}: all non-missing values equal {lo!r}, so ln(x - min + 0.01 * range) = ln(0); "
            "expected at least two distinct values."
        )
    return lo, hi


_F2_FUNCS = {"log_CT": log_ct, "log_CT_orig": log_ct_orig}


# --------------------------------------------------------------------------- winsorise


@dataclass(frozen=True, eq=False)
class TreatResult:
    """Outcome of :func:`winsorise`.

    Attributes
    ----------
    values : numpy.ndarray
        Treated copy of ``x`` (read-only); NaN where ``x`` was NaN.
    log : pandas.DataFrame
        One row per changed observation, columns ``position`` (0-based index into ``x``),
        ``label`` (from ``labels``, else None), ``group`` (``by`` code; 0 when pooled),
        ``side`` ("high"/"low" for Winsorised points, None for transform-only points),
        ``original``, ``new``, ``step`` (Winsorisation step at which the point was first
        replaced, nullable ``Int64``: <NA> for transform-only points) and ``rule``
        ("winsorise", the ``f2`` name, or "winsorise+<f2>" with ``combine=True``).
        Sorted by group, step, position.
    status : pandas.DataFrame
        One row per group (``by`` code; 0 when pooled; -1 collects observations with a
        negative ``by`` code, which are never treated): ``n_obs`` non-missing values,
        ``skew_before``/``kurt_before``/``pass_before`` (original data),
        ``n_winsorised`` (COINr's ``nwin``: ties counted), ``*_after_win`` (after stage 1;
        equal to ``*_before`` when no Winsorisation was needed), ``transform`` (name of the
        applied fallback or None), ``*_after`` (final values) and ``note``.
    """

    values: np.ndarray
    log: pd.DataFrame
    status: pd.DataFrame


def _winsorise_group(
    v: np.ndarray, skew_thresh: float, kurt_thresh: float, winmax: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, tuple[float, float]]:
    """Stage 1 on the observed values of one group.

    Returns the Winsorised values, the step at which each value was first replaced
    (0 = never), the side of its last replacement (+1 high, -1 low), COINr's ``nwin``
    and the final (skew, kurt).
    """
    v = v.copy()
    first_step = np.zeros(v.size, dtype=np.int64)
    side = np.zeros(v.size, dtype=np.int8)
    n_hi = n_lo = 0  # size of the most recent high / low replacement, as COINr counts
    step = 0
    skew, kurt = _moments(v)
    while _fails(skew, kurt, skew_thresh, kurt_thresh) and (winmax is None or n_hi + n_lo < winmax):
        step += 1
        if skew >= 0:
            hit = v == v.max()
            v[hit] = v[~hit].max()
            side[hit] = 1
            n_hi = int(hit.sum())
        else:
            hit = v == v.min()
            v[hit] = v[~hit].min()
            side[hit] = -1
            n_lo = int(hit.sum())
        first_step[hit & (first_step == 0)] = step
        skew, kurt = _moments(v)
    # A failing group is never constant, so v[~hit] above is never empty; the loop ends
    # at the latest when every value is equal (statistics NaN -> pass).
    return v, first_step, side, n_hi + n_lo, (skew, kurt)


def winsorise(
    x: Any,
    *,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winmax: int | None = 5,
    by: Any = None,
    labels: Sequence[Any] | np.ndarray | None = None,
    f2: str | None = "log_CT",
    combine: bool = False,
) -> TreatResult:
    """Treat outliers as COINr's default ``Treat()``/``qTreat()``: Winsorise, then log.

    Each group (all observations when ``by`` is None) is treated independently:

    1. Check: compute ``G1`` (skewness) and ``G2`` (excess kurtosis) with
       :func:`skew_kurt` on the non-missing values. The group fails when
       ``|G1| >= skew_thresh and G2 >= kurt_thresh``; otherwise it is left unchanged.
    2. Winsorise (COINr ``winsorise``): while failing and ``nwin < winmax``, if
       ``G1 >= 0`` set every value equal to ``max(v)`` to ``max(v[v < max(v)])``,
       otherwise every value equal to ``min(v)`` to ``min(v[v > min(v)])``; recompute
       ``G1``, ``G2``. The side is re-decided at every step from the current skewness.
       ``nwin`` is COINr's count: number of values replaced in the latest high step plus
       number replaced in the latest low step. Since an earlier-replaced value always
       equals the current extreme on its side, this is the number of distinct values
       Winsorised so far, ties included, so one step on ``k`` tied extremes adds ``k`` and
       can take ``nwin`` beyond ``winmax``.
    3. Fallback: if the group still fails, replace the group by ``f2(original values)``
       (COINr ``combine_treat = FALSE``), or by ``f2(Winsorised values)`` with
       ``combine=True``. The result is re-checked and reported but not treated further.
       ``f2=None`` keeps the Winsorised values.

    Groups with fewer than 4 non-missing values (kurtosis undefined) or with all values
    equal are left unchanged, noted in ``status`` and announced with a
    :class:`~dtindex.errors.DtindexWarning` (COINr stops with an error there).

    Parameters
    ----------
    x : array_like
        1-D numeric observations of one indicator; NaN = missing (ignored, kept NaN).
        Never modified.
    skew_thresh : float, default 2.0
        Absolute skewness threshold (COINr default 2). ``inf`` disables treatment.
    kurt_thresh : float, default 3.5
        Excess-kurtosis threshold (COINr default 3.5). ``inf`` disables treatment.
    winmax : int or None, default 5
        Maximum ``nwin`` (see step 2); None = no limit, 0 = go straight to ``f2``.
    by : array_like of int, optional
        Group code per observation (e.g. ``periods`` for per-period treatment); codes < 0
        mark observations that belong to no group: they are left unchanged and reported
        as group -1 in ``status``. None = pooled (one group, reported as group 0).
    labels : array_like, optional
        Label per observation (e.g. ``"unit@period"``), copied into ``log``.
    f2 : {"log_CT", "log_CT_orig", None}, default "log_CT"
        Fallback transform, see :func:`log_ct` and :func:`log_ct_orig`.
    combine : bool, default False
        Apply ``f2`` to the Winsorised rather than the original values.

    Returns
    -------
    TreatResult
        ``values``, per-point ``log`` and per-group ``status``.

    Raises
    ------
    DataError
        ``x``, ``by`` or ``labels`` malformed (shape, dtype, length, infinite values).
    SpecError
        Bad parameter value.

    References
    ----------
    COINr ``R/treat.R`` (functions ``Treat.numeric``, ``winsorise``, ``check_SkewKurt``,
    ``skew``, ``kurt``, ``log_CT``) and the vignette "Outlier Treatment",
    https://bluefoxr.github.io/COINr/articles/treat.html.

    Examples
    --------
    >>> r = winsorise([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100])
    >>> r.values.tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 10.0]
    >>> r.log[["position", "side", "original", "new", "step"]].to_dict("records")
    [{'position': 10, 'side': 'high', 'original': 100.0, 'new': 10.0, 'step': 1}]
    """
    owner = "winsorise"
    xv = as_float_vector(x, owner)
    n = xv.size
    skew_thresh = _check_threshold(skew_thresh, "skew_thresh", positive=True)
    kurt_thresh = _check_threshold(kurt_thresh, "kurt_thresh", positive=False)
    winmax = _check_winmax(winmax)
    check_choice(owner, "f2", f2, F2_CHOICES)
    if not isinstance(combine, (bool, np.bool_)):
        raise SpecError(f"The 'combine' parameter of winsorise must be True or False; got {combine!r}.")
    codes = np.zeros(n, dtype=np.int64) if by is None else as_codes(by, n, owner, "by")
    lab = None
    if labels is not None:
        lab = np.asarray(labels, dtype=object)
        if lab.ndim != 1 or lab.shape[0] != n:
            raise DataError(f"{owner}: labels has shape {lab.shape} but x has length {n}.")

    out = xv.copy()
    observed = ~np.isnan(xv)
    log_parts: list[dict[str, np.ndarray]] = []
    status_rows: list[dict[str, Any]] = []
    skipped: list[str] = []

    for g in np.unique(codes[codes >= 0]):
        pos = np.flatnonzero((codes == g) & observed)
        v0 = xv[pos]
        s0, k0 = _moments(v0)
        row: dict[str, Any] = {
            "group": int(g),
            "n_obs": int(pos.size),
            "skew_before": s0,
            "kurt_before": k0,
            "pass_before": not _fails(s0, k0, skew_thresh, kurt_thresh),
            "n_winsorised": 0,
            "skew_after_win": s0,
            "kurt_after_win": k0,
            "pass_after_win": None,
            "transform": None,
            "skew_after": s0,
            "kurt_after": k0,
            "pass_after": None,
            "note": "",
        }
        if pos.size < 4:
            row["note"] = f"not checked: {pos.size} non-missing value(s), kurtosis needs at least 4"
            skipped.append(f"group {g} ({pos.size} values)")
        elif math.isnan(s0):
            row["note"] = "not checked: all non-missing values are equal"
            skipped.append(f"group {g} (constant)")
        v1, first_step, side, nwin, (s1, k1) = _winsorise_group(v0, skew_thresh, kurt_thresh, winmax)
        row.update(n_winsorised=nwin, skew_after_win=s1, kurt_after_win=k1)
        row["pass_after_win"] = not _fails(s1, k1, skew_thresh, kurt_thresh)
        final = v1
        rule = np.where(first_step > 0, "winsorise", "")
        if not row["pass_after_win"] and f2 is not None:
            final = _F2_FUNCS[f2](v1 if combine else v0)
            row["transform"] = f2
            if combine:
                rule = np.where(first_step > 0, f"winsorise+{f2}", f2)
            else:
                rule = np.full(v0.size, f2, dtype=object)
                first_step = np.zeros_like(first_step)
                side = np.zeros_like(side)
        s2, k2 = _moments(final)
        row.update(skew_after=s2, kurt_after=k2, pass_after=not _fails(s2, k2, skew_thresh, kurt_thresh))
        status_rows.append(row)
        out[pos] = final
        changed = final != v0
        if changed.any():
            log_parts.append(
                {
                    "position": pos[changed],
                    "group": np.full(int(changed.sum()), g, dtype=np.int64),
                    "side": side[changed],
                    "original": v0[changed],
                    "new": final[changed],
                    "step": first_step[changed],
                    "rule": np.asarray(rule, dtype=object)[changed],
                }
            )

    ungrouped = codes < 0
    if ungrouped.any():
        status_rows.append(
            {
                "group": -1,
                "n_obs": int((ungrouped & observed).sum()),
                "note": "no group (by < 0): not treated",
            }
        )

    if skipped:
        warnings.warn(
            f"winsorise: {len(skipped)} group(s) left untreated because skewness/kurtosis "
            f"cannot be computed: {describe_rows(skipped)}.",
            DtindexWarning,
            stacklevel=2,
        )

    out.flags.writeable = False
    return TreatResult(values=out, log=_build_log(log_parts, lab), status=_build_status(status_rows))


def _build_log(parts: list[dict[str, np.ndarray]], lab: np.ndarray | None) -> pd.DataFrame:
    if parts:
        cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    else:
        cat = {
            "position": np.empty(0, np.int64),
            "group": np.empty(0, np.int64),
            "side": np.empty(0, np.int8),
            "original": np.empty(0, float),
            "new": np.empty(0, float),
            "step": np.empty(0, np.int64),
            "rule": np.empty(0, object),
        }
    # sorted by group, step (transform-only points, step 0, first), position -- before building the frame
    order = np.lexsort((cat["position"], cat["step"], cat["group"]))
    cat = {k: v[order] for k, v in cat.items()}
    side = np.full(cat["side"].size, None, dtype=object)
    side[cat["side"] == 1] = "high"
    side[cat["side"] == -1] = "low"
    step = pd.arrays.IntegerArray(cat["step"].astype(np.int64), cat["step"] == 0)
    label = lab[cat["position"]] if lab is not None else np.full(cat["position"].size, None, dtype=object)
    return pd.DataFrame(
        {
            "position": cat["position"].astype(np.int64),
            "label": pd.Series(label, dtype=object),
            "group": cat["group"].astype(np.int64),
            "side": pd.Series(side, dtype=object),
            "original": cat["original"].astype(float),
            "new": cat["new"].astype(float),
            "step": step,
            "rule": pd.Series(np.asarray(cat["rule"], dtype=object), dtype=object),
        },
        columns=list(LOG_COLUMNS),
    )


def _build_status(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The status table, built column by column (one typed array each; no per-row frame construction)."""
    data: dict[str, Any] = {}
    for col in STATUS_COLUMNS:
        v = [r.get(col) for r in rows]
        if col in ("group", "n_obs"):
            data[col] = np.array(v, dtype=np.int64)
        elif col == "n_winsorised":
            data[col] = np.array([0 if x is None else x for x in v], dtype=np.int64)
        elif col.startswith("pass_"):
            data[col] = pd.array(v, dtype="boolean")
        elif col == "transform":
            data[col] = pd.Series(v, dtype=object)
        elif col == "note":
            data[col] = pd.Series(["" if x is None else x for x in v], dtype=object)
        else:
            data[col] = np.array([math.nan if x is None else x for x in v], dtype=np.float64)
    return pd.DataFrame(data, columns=list(STATUS_COLUMNS))