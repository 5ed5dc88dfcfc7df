"""Imputation of missing observations: group mean / median and last observation carried forward.

One indicator is a 1-D float array of observations (NaN = missing) with integer code arrays
of the same length alongside (``by`` groups, ``units``, ``periods``). Every function returns
an :class:`ImputeResult` that says what was imputed, with what, and what could not be filled:
a missing value is never left in place silently (``on_unfilled`` = "warn" by default).

Rules:

* mean / median (COINr ``i_mean``, ``i_median``, ``i_mean_grp``, ``i_median_grp``):
  a missing ``x_i`` in group ``g`` becomes ``mean{x_j : by_j = g, x_j observed}`` or the
  median of the same set. ``by=None`` = one pooled group. A group with no observed value
  cannot be filled.
* LOCF (COINr ``impute_panel``): a missing ``x_{u,t}`` becomes ``x_{u,s}`` with ``s`` the
  latest period before ``t`` at which unit ``u`` is observed; with ``nocb=True`` leading gaps
  take the earliest later observation instead (as ``impute_panel(imp_type = "constant")`` of
  newer COINr versions does).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import DataError, DtindexWarning, SpecError, check_choice, describe_rows
from dtindex.methods.treat import as_codes, as_float_vector

__all__ = [
    "IMPUTE_METHODS",
    "ON_UNFILLED",
    "ImputeResult",
    "impute",
    "impute_locf",
    "impute_mean",
    "impute_median",
]

#: Methods accepted by :func:`impute`.
IMPUTE_METHODS: tuple[str, ...] = ("mean", "median", "locf")
#: What to do when missing values remain: warn (default), raise DataError, or ignore.
ON_UNFILLED: tuple[str, ...] = ("warn", "raise", "ignore")


@dataclass(frozen=True, eq=False)
class ImputeResult:
    """Outcome of an imputation.

    Attributes
    ----------
    values : numpy.ndarray
        Imputed copy of ``x`` (read-only). Observed values are unchanged.
    imputed : numpy.ndarray of bool
        True where ``x`` was missing and has received a value.
    unfilled_mask : numpy.ndarray of bool
        True where a value is still missing (``values`` is NaN).
    method : str
        "mean", "median" or "locf".
    fill_values : pandas.Series or None
        mean/median: the fill value of every group, indexed by ``by`` code (0 when pooled);
        NaN for a group without observed values. None for LOCF.
    donor : numpy.ndarray of int or None
        LOCF: for each observation the position (index into ``x``) whose value it received,
        -1 where nothing was imputed. None for mean/median.
    """

    values: np.ndarray
    imputed: np.ndarray
    unfilled_mask: np.ndarray
    method: str
    fill_values: pd.Series | None = None
    donor: np.ndarray | None = None

    @property
    def unfilled(self) -> int:
        """Number of values still missing after imputation."""
        return int(self.unfilled_mask.sum())


def _freeze(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


def _report_unfilled(owner: str, on_unfilled: str, message: str) -> None:
    if on_unfilled == "raise":
        raise DataError(f"{owner}: {message}")
    if on_unfilled == "warn":
        warnings.warn(f"{owner}: {message}", DtindexWarning, stacklevel=3)


# --------------------------------------------------------------------------- group fill


def _impute_group(x: Any, by: Any, stat: str, on_unfilled: str) -> ImputeResult:
    owner = f"impute_{stat}"
    check_choice(owner, "on_unfilled", on_unfilled, ON_UNFILLED)
    xv = as_float_vector(x, owner)
    n = xv.size
    codes = np.zeros(n, dtype=np.int64) if by is None else as_codes(by, n, owner, "by")

    grouped = codes >= 0
    uniq, inv = np.unique(codes[grouped], return_inverse=True)
    n_groups = uniq.size
    gi = np.full(n, -1, dtype=np.int64)
    gi[grouped] = inv
    observed = ~np.isnan(xv) & grouped
    og, ov = gi[observed], xv[observed]
    counts = np.bincount(og, minlength=n_groups)
    has = counts > 0

    fill = np.full(n_groups, np.nan)
    if stat == "mean":
        sums = np.bincount(og, weights=ov, minlength=n_groups)
        gmin = np.full(n_groups, np.inf)
        gmax = np.full(n_groups, -np.inf)
        np.minimum.at(gmin, og, ov)
        np.maximum.at(gmax, og, ov)
        # Rounding can put sum/count one ulp outside the data (e.g. three times 0.1);
        # the exact mean lies in [min, max], so clip back.
        fill[has] = np.clip(sums[has] / counts[has], gmin[has], gmax[has])
    else:
        sv = ov[np.lexsort((ov, og))]  # values sorted by group, then value
        starts = np.cumsum(counts) - counts
        lo = starts + (counts - 1) // 2
        hi = starts + counts // 2
        fill[has] = (sv[lo[has]] + sv[hi[has]]) / 2.0

    missing = np.isnan(xv)
    out = xv.copy()
    can = missing & grouped
    out[can] = fill[gi[can]]
    imputed = missing & ~np.isnan(out)
    unfilled = np.isnan(out)

    if unfilled.any():
        parts = []
        empty = unfilled & grouped
        if empty.any():
            parts.append(f"group(s) {describe_rows(np.unique(codes[empty]).tolist())} have no observed value")
        if (unfilled & ~grouped).any():
            parts.append(f"{int((unfilled & ~grouped).sum())} belong to no group (by < 0)")
        _report_unfilled(
            owner,
            on_unfilled,
            f"{int(unfilled.sum())} missing value(s) left unfilled: {'; '.join(parts)}; "
            f"positions {describe_rows(np.flatnonzero(unfilled).tolist())}.",
        )

    _freeze(out, imputed, unfilled)
    fill_values = pd.Series(fill, index=pd.Index(uniq, name="group"), name=f"{stat}_fill")
    return ImputeResult(out, imputed, unfilled, stat, fill_values=fill_values)


def impute_mean(x: Any, *, by: Any = None, on_unfilled: str = "warn") -> ImputeResult:
    """Fill missing values with the mean of the observed values of their group.

    ``x_i <- (1 / n_g) * sum_{j in g, x_j observed} x_j`` for every missing ``x_i`` with
    ``by_i = g`` (``n_g`` = number of observed values in ``g``). Observed values are not
    changed; the mean is clipped into ``[min_g, max_g]`` to undo floating-point rounding.

    Parameters
    ----------
    x : array_like
        1-D numeric observations; NaN = missing. Never modified.
    by : array_like of int, optional
        Group code per observation (e.g. GDP class, or a period code for per-period
        imputation). None = pooled: all observations form one group, reported as group 0.
        Negative codes mean "no group": such observations neither give nor receive values.
    on_unfilled : {"warn", "raise", "ignore"}, default "warn"
        Reaction when values stay missing (group with no observed value, or ``by < 0``):
        a :class:`~dtindex.errors.DtindexWarning`, a :class:`~dtindex.errors.DataError`,
        or nothing. The result reports them in every case (``unfilled``, ``unfilled_mask``).

    Returns
    -------
    ImputeResult
        With ``fill_values`` = group means (NaN for empty groups).

    Examples
    --------
    >>> r = impute_mean([1.0, np.nan, 3.0, 10.0, np.nan], by=[0, 0, 0, 1, 1])
    >>> r.values.tolist(), r.imputed.tolist(), r.unfilled
    ([1.0, 2.0, 3.0, 10.0, 10.0], [False, True, False, False, True], 0)
    """
    return _impute_group(x, by, "mean", on_unfilled)


def impute_median(x: Any, *, by: Any = None, on_unfilled: str = "warn") -> ImputeResult:
    """Fill missing values with the median of the observed values of their group.

    With the ``n_g`` observed values of group ``g`` sorted, ``v_(1) <= ... <= v_(n_g)``:
    ``median_g = v_((n_g+1)/2)`` for odd ``n_g`` and ``(v_(n_g/2) + v_(n_g/2+1)) / 2`` for
    even ``n_g`` (same as :func:`numpy.median` and R's ``median``). Parameters and
    reporting as in :func:`impute_mean`.

    Examples
    --------
    >>> impute_median([1.0, 2.0, 100.0, np.nan]).values.tolist()
    [1.0, 2.0, 100.0, 2.0]
    """
    return _impute_group(x, by, "median", on_unfilled)


# --------------------------------------------------------------------------- LOCF


def _check_max_lag(max_lag: Any) -> int | None:
    if max_lag is None:
        return None
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 1:
        raise SpecError(
            f"The 'max_lag' parameter of impute_locf must be a positive integer or None; got {max_lag!r}."
        )
    return int(max_lag)


def impute_locf(
    x: Any,
    *,
    units: Any,
    periods: Any,
    nocb: bool = False,
    max_lag: int | None = None,
    on_unfilled: str = "warn",
) -> ImputeResult:
    """Last observation carried forward along time within each unit.

    For a missing ``x_{u,t}``: ``x_{u,t} <- x_{u,s}`` with
    ``s = max{s' < t : x_{u,s'} observed}``. Rows may come in any order; they are ordered
    by (unit, period) internally and the result is returned in the input order.

    * Leading gaps (no earlier observation of the unit) stay missing, unless
      ``nocb=True``: then they take the next observation backward,
      ``x_{u,t} <- x_{u,s}`` with ``s = min{s' > t : x_{u,s'} observed}``
      (newer COINr ``impute_panel(imp_type = "constant")`` does LOCF + NOCB, the original
      ``impute_panel`` LOCF only). NOCB only fills leading gaps; gaps after an observation
      are LOCF's.
    * ``max_lag`` (COINr's ``max_time``): carry a value at most ``max_lag`` periods,
      i.e. require ``|t - s| <= max_lag`` measured in period codes; longer gaps stay
      missing.
    * A unit with no observation at all stays missing.

    Parameters
    ----------
    x : array_like
        1-D numeric observations; NaN = missing. Never modified.
    units, periods : array_like of int
        Unit and period code of each observation; periods are ordered in time. Each
        (unit, period) pair may occur once.
    nocb : bool, default False
        Also fill leading gaps with the next observation.
    max_lag : int or None, default None
        Longest carry distance in periods; None = unlimited.
    on_unfilled : {"warn", "raise", "ignore"}, default "warn"
        Reaction when values stay missing (see :func:`impute_mean`).

    Returns
    -------
    ImputeResult
        With ``donor`` = position each imputed value was copied from.

    Raises
    ------
    DataError
        Malformed arrays, or a (unit, period) pair occurring more than once.

    Examples
    --------
    >>> x = [np.nan, 1.0, np.nan, 5.0, np.nan]
    >>> r = impute_locf(x, units=[0, 0, 0, 1, 1], periods=[0, 1, 2, 0, 1], on_unfilled="ignore")
    >>> r.values.tolist(), r.donor.tolist(), r.unfilled
    ([nan, 1.0, 1.0, 5.0, 5.0], [-1, -1, 1, -1, 3], 1)
    """
    owner = "impute_locf"
    check_choice(owner, "on_unfilled", on_unfilled, ON_UNFILLED)
    if not isinstance(nocb, (bool, np.bool_)):
        raise SpecError(f"The 'nocb' parameter of impute_locf must be True or False; got {nocb!r}.")
    max_lag = _check_max_lag(max_lag)
    xv = as_float_vector(x, owner)
    n = xv.size
    u = as_codes(units, n, owner, "units")
    p = as_codes(periods, n, owner, "periods")

    order = np.lexsort((p, u))
    su, sp, xs = u[order], p[order], xv[order]
    dup = (su[1:] == su[:-1]) & (sp[1:] == sp[:-1])
    if dup.any():
        pairs = [f"(unit {a}, period {b}) at positions {i} and {j}"
                 for a, b, i, j in zip(su[1:][dup], sp[1:][dup], order[:-1][dup], order[1:][dup])]
        raise DataError(
            f"{owner}: each (unit, period) pair must occur once; duplicated: {describe_rows(pairs, 5)}."
        )

    idx = np.arange(n)
    obs = ~np.isnan(xs)
    boundary = su[1:] != su[:-1]
    first = np.concatenate([np.ones(min(n, 1), dtype=bool), boundary])
    last_of_unit = np.concatenate([boundary, np.ones(min(n, 1), dtype=bool)])
    unit_start = np.maximum.accumulate(np.where(first, idx, 0))
    unit_end = np.minimum.accumulate(np.where(last_of_unit, idx, n)[::-1])[::-1]

    # Latest observed row at or before each row; it belongs to the same unit iff it is not
    # before the unit's first row (rows are sorted by unit, then period).
    prev = np.maximum.accumulate(np.where(obs, idx, -1))
    donor_s = np.where(~obs & (prev >= unit_start), prev, -1)
    if nocb:
        nxt = np.minimum.accumulate(np.where(obs, idx, n)[::-1])[::-1]
        lead = ~obs & (prev < unit_start) & (nxt <= unit_end)
        donor_s = np.where(lead, nxt, donor_s)
    has = donor_s >= 0
    if max_lag is not None:
        lag = np.abs(sp - sp[np.where(has, donor_s, idx)])
        has &= lag <= max_lag
        donor_s = np.where(has, donor_s, -1)

    out = xv.copy()
    donor = np.full(n, -1, dtype=np.int64)
    donor[order[has]] = order[donor_s[has]]
    out[order[has]] = xs[donor_s[has]]
    imputed = donor >= 0
    unfilled = np.isnan(out)

    if unfilled.any():
        why = (
            "no observation in the unit"
            if nocb
            else "no earlier observation in the unit; nocb=True fills leading gaps"
        )
        if max_lag is not None:
            why += f", or gap longer than max_lag={max_lag} periods"
        _report_unfilled(
            owner,
            on_unfilled,
            f"{int(unfilled.sum())} missing value(s) left unfilled ({why}): units "
            f"{describe_rows(np.unique(u[unfilled]).tolist())}; positions "
            f"{describe_rows(np.flatnonzero(unfilled).tolist())}.",
        )

    _freeze(out, imputed, unfilled, donor)
    return ImputeResult(out, imputed, unfilled, "locf", donor=donor)


# --------------------------------------------------------------------------- dispatcher


def impute(
    x: Any,
    method: str,
    *,
    by: Any = None,
    units: Any = None,
    periods: Any = None,
    nocb: bool = False,
    max_lag: int | None = None,
    on_unfilled: str = "warn",
) -> ImputeResult:
    """Impute with a named method: "mean" or "median" (within ``by`` groups) or "locf".

    Group mean/median imputation is ``method="mean"``/``"median"`` with ``by`` = group
    codes (None = pooled); to impute per period pass ``by=periods`` or a combined
    (period, group) code. ``method="locf"`` needs ``units`` and ``periods`` and takes
    ``nocb`` and ``max_lag``. Parameters that do not apply to the chosen method are refused
    rather than ignored.

    Examples
    --------
    >>> impute([1.0, np.nan, 4.0], "mean").values.tolist()
    [1.0, 2.5, 4.0]
    """
    check_choice("impute", "method", method, IMPUTE_METHODS)
    if method == "locf":
        if by is not None:
            raise SpecError(
                "The 'by' parameter of impute does not apply to method 'locf' "
                "(LOCF works along time within each unit); pass units= and periods= instead."
            )
        missing = [name for name, val in (("units", units), ("periods", periods)) if val is None]
        if missing:
            raise SpecError(f"impute: method 'locf' needs {' and '.join(missing)}; got None.")
        return impute_locf(
            x, units=units, periods=periods, nocb=nocb, max_lag=max_lag, on_unfilled=on_unfilled
        )
    extra = [name for name, val in (("units", units), ("periods", periods), ("max_lag", max_lag))
             if val is not None]
    if nocb:
        extra.append("nocb")
    if extra:
        raise SpecError(
            f"impute: parameter(s) {', '.join(repr(e) for e in extra)} apply only to method 'locf'; "
            f"got method={method!r}."
        )
    if method == "mean":
        return impute_mean(x, by=by, on_unfilled=on_unfilled)
    return impute_median(x, by=by, on_unfilled=on_unfilled)
