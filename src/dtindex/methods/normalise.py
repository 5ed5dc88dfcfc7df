"""Normalisation methods: bring indicators onto a common, higher-is-better scale.

Every method works on a 2-D array ``X`` of shape ``(groups, units)`` along axis 1
and is split, in the manner of scikit-learn, into

* ``fit(R) -> state``: learn state (min, max, mean, sd, totals...) from a
  reference array ``R`` of shape ``(g, m)``, one row per scope group;
* ``transform(X, state, direction)``: apply it; ``state`` arrays have shape
  ``(g, 1)`` and broadcast over ``X``.

The *scope* decides the reference (:func:`normalise_panel`):

``per_period``
    each period is its own group: state per period (scores are not
    comparable over time: a :class:`~dtindex.errors.ComparabilityWarning`).
``pooled``
    one group of all unit-periods: bounds over the whole panel, so trends
    survive (what Chinese regional-index papers require).
``base_period``
    the state is fitted on the base period only and applied to every period.

Direction -1 ("lower is better") flips the indicator in every method; the
flip of each method is given in its docstring. NaN stays NaN everywhere.
Formulas use x for a raw value and t for the normalised one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ComparabilityWarning, DataError, MethodDomainError, SpecError, check_choice, describe_rows

State = dict[str, np.ndarray]


def _nan_reduce(fn, R: np.ndarray) -> np.ndarray:
    """Apply a nan-aware reduction along axis 1 without 'all-NaN slice' warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(R, axis=1, keepdims=True)


@dataclass(frozen=True)
class Normaliser:
    """Base class: parameters only; fitted state is returned, never stored."""

    name: ClassVar[str] = ""
    default_scope: ClassVar[str] = "pooled"
    scope_free: ClassVar[bool] = False
    scopes: ClassVar[tuple[str, ...]] = ("per_period", "pooled", "base_period")
    params: dict[str, Any] = field(default_factory=dict)

    allowed_params: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        owner = f"normalise method {self.name!r}"
        if self.params and not self.allowed_params:
            raise SpecError(f"{owner} takes no parameters; got {', '.join(map(repr, self.params))}")
        for key in self.params:
            check_choice(owner, "params", key, self.allowed_params)
        self.check_params()

    def check_params(self) -> None:
        """Validate parameter values when the normaliser is made (overridden where needed)."""

    def p(self, key: str, default: Any) -> Any:
        return self.params.get(key, default)

    def fit(self, R: np.ndarray) -> State:  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, X: np.ndarray, state: State, direction: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def check_domain(self, X: np.ndarray, labels: "RowLabeller") -> None:
        """Raise MethodDomainError naming the rows whose values the method cannot take."""


class RowLabeller:
    """Turns flat positions of the (groups, units) array into 'unit period' labels for messages."""

    def __init__(self, units: tuple[str, ...], periods: tuple[str, ...], indicator: str):
        self.units = units
        self.periods = periods
        self.indicator = indicator

    def __call__(self, mask: np.ndarray) -> str:
        rows, cols = np.nonzero(mask)
        labels = [
            f"{self.units[c]} {self.periods[r]}".strip() for r, c in zip(rows[:10], cols[:10])
        ]
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        return ", ".join(labels) + more


def _degenerate(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return ~(hi > lo)


class MinMax(Normaliser):
    """Min-max to [a, b] (default [0, 100]).

    t = a + (x - min) / (max - min) * (b - a); direction -1:
    t = a + (max - x) / (max - min) * (b - a) (= min-max of -x, as in COINr).
    A constant reference (max = min) gives NaN with the reason in the build log.
    """

    name = "minmax"
    allowed_params = ("low", "high")

    def check_params(self) -> None:
        a, b = self.p("low", 0.0), self.p("high", 100.0)
        if not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a < b):
            raise SpecError(f"minmax needs numbers low < high; got low={a!r}, high={b!r}")

    def fit(self, R: np.ndarray) -> State:
        return {"min": _nan_reduce(np.nanmin, R), "max": _nan_reduce(np.nanmax, R)}

    def transform(self, X, state, direction):
        lo, hi = state["min"], state["max"]
        a, b = float(self.p("low", 0.0)), float(self.p("high", 100.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (X - lo) / (hi - lo) if direction == 1 else (hi - X) / (hi - lo)
        frac = np.where(_degenerate(lo, hi), np.nan, frac)
        return a + frac * (b - a)


class ZScore(Normaliser):
    """Standardisation to mean m and standard deviation s (default 0 and 1).

    t = m + s * d * (x - mean) / sd, d = direction. ``ddof`` = 1 (default,
    COINr) uses the sample standard deviation sqrt(sum (x - mean)^2 / (n - 1)),
    ``ddof`` = 0 the population one (divide by n).
    """

    name = "zscore"
    allowed_params = ("mean", "sd", "ddof")

    def check_params(self) -> None:
        check_choice("zscore", "ddof", self.p("ddof", 1), (0, 1))
        sd = self.p("sd", 1.0)
        if not (isinstance(sd, (int, float)) and sd > 0):
            raise SpecError(f"zscore needs a target sd > 0; got sd={sd!r}")

    def fit(self, R):
        ddof = int(self.p("ddof", 1))
        return {"mean": _nan_reduce(np.nanmean, R), "sd": _nan_reduce(lambda a, **k: np.nanstd(a, ddof=ddof, **k), R)}

    def transform(self, X, state, direction):
        m, s = float(self.p("mean", 0.0)), float(self.p("sd", 1.0))
        sd = np.where(state["sd"] > 0, state["sd"], np.nan)
        return m + s * direction * (X - state["mean"]) / sd


class Rank(Normaliser):
    """Rank of the value within the reference, higher value -> higher rank.

    t = 1 + number of reference values below x (``ties='min'``, the default,
    as COINr's ``n_rank``); other tie rules: ``average``, ``max``, ``dense``,
    ``first`` (order of appearance; only when the reference is the data being
    ranked). Direction -1 ranks -x. With scope ``base_period`` each value is
    placed within the base-period distribution.
    """

    name = "rank"
    allowed_params = ("ties",)

    def check_params(self) -> None:
        check_choice("rank normalisation", "ties", self.p("ties", "min"), ("min", "average", "max", "dense", "first"))

    def fit(self, R):
        return {"reference": R}

    def transform(self, X, state, direction):
        ref = state["reference"] * direction
        Xd = X * direction
        ties = self.p("ties", "min")
        if ref.shape == X.shape and np.array_equal(ref, Xd, equal_nan=True):
            # ranks within each row, NaN kept NaN: scipy.stats.rankdata's rules (ordinal = first), without
            # importing scipy.stats (slower to import than a whole build)
            from .rank import rank_rows

            return rank_rows(Xd, ties)
        if ties == "first":
            raise SpecError("rank normalisation with ties='first' cannot rank values against another period's values; use 'min', 'max', 'average' or 'dense'")
        out = np.full(X.shape, np.nan)
        for g in range(X.shape[0]):
            r = ref[g if ref.shape[0] > 1 else 0]
            r = np.sort(r[~np.isnan(r)])
            xs = Xd[g]
            left = np.searchsorted(r, xs, side="left") + 1.0
            right = np.searchsorted(r, xs, side="right").astype(float)
            if ties == "min":
                res = left
            elif ties == "max":
                res = np.maximum(right, left)
            elif ties == "average":
                res = (left + np.maximum(right, left)) / 2.0
            else:  # dense
                res = np.searchsorted(np.unique(r), xs, side="left") + 1.0
            out[g] = np.where(np.isnan(xs), np.nan, res)
        return out


class Goalposts(Normaliser):
    """Fixed goalposts (the UNDP HDI method).

    t = s * (f(x) - f(L)) / (f(U) - f(L)), f = ln when the indicator's
    ``transform`` is ``log`` and identity otherwise; capped to [0, s] unless
    ``cap`` is false; s = ``scale`` (default 1, as the HDI). Direction -1:
    t = s * (f(U) - f(x)) / (f(U) - f(L)). L, U are the indicator's
    ``goal_min`` and ``goal_max`` (COINr ``GoalMin``/``GoalMax``); the log
    transform needs x > 0 and L > 0.
    """

    name = "goalposts"
    scope_free = True
    allowed_params = ("scale", "cap", "goal_min", "goal_max", "transform")

    def check_params(self) -> None:
        check_choice("goalposts", "transform", self.p("transform", None), (None, "log"))
        check_choice("goalposts", "cap", self.p("cap", True), (True, False))

    def _f(self, v):
        return np.log(v) if self.p("transform", None) == "log" else v

    def check_domain(self, X, labels):
        lo, hi = self.p("goal_min", None), self.p("goal_max", None)
        if lo is None or hi is None:
            raise SpecError(
                f"goalposts normalisation of {labels.indicator!r} needs goal_min and goal_max (GoalMin/GoalMax) for that indicator"
            )
        if not hi > lo:
            raise SpecError(f"goalposts of {labels.indicator!r}: goal_max ({hi}) must be greater than goal_min ({lo})")
        if self.p("transform", None) == "log":
            if lo <= 0:
                raise SpecError(f"goalposts of {labels.indicator!r}: log transform needs goal_min > 0, got {lo}")
            bad = ~np.isnan(X) & (X <= 0)
            if bad.any():
                raise MethodDomainError(
                    f"goalposts with log transform of {labels.indicator!r} needs values > 0; not positive at {labels(bad)}"
                )

    def fit(self, R):
        return {}

    def transform(self, X, state, direction):
        lo, hi = float(self.p("goal_min", np.nan)), float(self.p("goal_max", np.nan))
        s = float(self.p("scale", 1.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            fx = self._f(X)
        flo, fhi = self._f(lo), self._f(hi)
        frac = (fx - flo) / (fhi - flo) if direction == 1 else (fhi - fx) / (fhi - flo)
        if self.p("cap", True):
            frac = np.clip(frac, 0.0, 1.0)
        return s * frac


class DistToMax(Normaliser):
    """Distance to the best performer, as a score: t = s * (1 - (max - x) / (max - min)).

    Scale s defaults to 1, so t lies in [0, 1] with the best unit at 1 (COINr's
    ``n_dist2max``). Direction -1: t = s * (1 - (x - min) / (max - min)).
    """

    name = "dist_to_max"
    allowed_params = ("scale",)

    def fit(self, R):
        return {"min": _nan_reduce(np.nanmin, R), "max": _nan_reduce(np.nanmax, R)}

    def transform(self, X, state, direction):
        lo, hi = state["min"], state["max"]
        s = float(self.p("scale", 1.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            dist = (hi - X) / (hi - lo) if direction == 1 else (X - lo) / (hi - lo)
        return s * np.where(_degenerate(lo, hi), np.nan, 1.0 - dist)


class PctOfMax(Normaliser):
    """Percentage of the best value: t = s * x / max (s = ``scale``, default 100).

    Direction -1 applies the same ratio to the reflected indicator
    x' = max + min - x, whose maximum is again ``max``:
    t = s * (max + min - x) / max, so the lowest raw value scores s. (COINr's
    ``n_fracmax`` after multiplying by -1 gives x / min(x), which ranks the
    wrong way round for positive data; dtindex does not copy that.) The
    reference maximum must be positive; negative values give negative
    percentages.
    """

    name = "pct_of_max"
    allowed_params = ("scale",)

    def fit(self, R):
        return {"min": _nan_reduce(np.nanmin, R), "max": _nan_reduce(np.nanmax, R)}

    def transform(self, X, state, direction):
        s = float(self.p("scale", 100.0))
        hi = np.where(state["max"] > 0, state["max"], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            if direction == 1:
                return s * X / hi
            return s * (state["max"] + state["min"] - X) / hi


class BaseShare(Normaliser):
    """Share of the base-period national total (Tencent Digital Transformation Index).

    t(c, q) = s * x(c, q) / sum_c' x(c', q0), s = ``scale`` (default 100), q0
    = base period. Additive: a group's score is the sum of its units' scores,
    and in the base period the units' scores sum to s.

    Direction -1 mirrors each share around the base-period mean share:
    t = 2 s / n0 - s * x / sum_c' x(c', q0), n0 = number of units observed in
    the base period, which keeps the base-period total at s and additivity.
    Needs a positive base total (otherwise the shares are missing and the
    build log says so). Shares are meant for non-negative volumes; negative
    values are allowed (the shares stay additive) but the build log lists them.
    """

    name = "base_share"
    default_scope = "base_period"
    scopes = ("base_period", "per_period")
    allowed_params = ("scale",)

    def fit(self, R):
        total = np.nansum(R, axis=1, keepdims=True)
        count = np.sum(~np.isnan(R), axis=1, keepdims=True).astype(float)
        return {"total": total, "count": count}

    def transform(self, X, state, direction):
        s = float(self.p("scale", 100.0))
        total = np.where(state["total"] > 0, state["total"], np.nan)
        share = s * X / total
        if direction == -1:
            share = 2.0 * s / state["count"] - share
        return share


class Identity(Normaliser):
    """No normalisation: t = x; direction -1: t = -x."""

    name = "none"
    scope_free = True

    def fit(self, R):
        return {}

    def transform(self, X, state, direction):
        return X * float(direction)


NORMALISERS: dict[str, type[Normaliser]] = {
    cls.name: cls for cls in (BaseShare, MinMax, ZScore, Rank, Goalposts, DistToMax, PctOfMax, Identity)
}


def make_normaliser(method: str, params: dict[str, Any] | None = None) -> Normaliser:
    check_choice("normalise", "method", method, NORMALISERS)
    return NORMALISERS[method](params=dict(params or {}))


@dataclass(frozen=True)
class NormaliseResult:
    values: np.ndarray          # flat, same layout as the input
    state: dict[str, list]      # fitted state per scope group, JSON-ready
    scope: str


def normalise_panel(
    x: np.ndarray,
    normaliser: Normaliser,
    *,
    n_units: int,
    direction: int = 1,
    scope: str | None = None,
    base_position: int | None = None,
    units: tuple[str, ...] = (),
    period_labels: tuple[str, ...] = (),
    indicator: str = "",
) -> NormaliseResult:
    """Normalise one indicator of a balanced panel (rows ordered period-major).

    Parameters
    ----------
    x : ndarray, shape (n_periods * n_units,)
    normaliser : Normaliser
    scope : 'per_period', 'pooled', 'base_period' or None (method default)
    base_position : int
        Position of the base period, needed by scope ``base_period``.

    Returns
    -------
    NormaliseResult with the normalised values and the fitted state.
    """
    scope = scope or normaliser.default_scope
    check_choice(f"normalise method {normaliser.name!r}", "scope", scope, normaliser.scopes)
    check_choice(f"normalise method {normaliser.name!r}", "direction", direction, (1, -1))
    flat = np.asarray(x, dtype=float)
    if flat.ndim != 1 or n_units < 1 or flat.size % n_units:
        raise DataError(
            f"normalisation of {indicator or 'an indicator'!r}: {flat.size} values do not fill whole periods "
            f"of {n_units} units"
        )
    X = flat.reshape(-1, n_units)
    n_periods = X.shape[0]
    if base_position is not None and not 0 <= base_position < n_periods:
        raise SpecError(
            f"normalisation of {indicator or 'an indicator'!r}: base period position {base_position} is outside "
            f"the {n_periods} periods"
        )
    labeller = RowLabeller(units or tuple(str(i) for i in range(n_units)),
                           period_labels or tuple("" for _ in range(n_periods)), indicator)
    normaliser.check_domain(X, labeller)
    if normaliser.scope_free:
        ref, groups = X[:0], []
    elif scope == "per_period":
        ref, groups = X, list(period_labels or range(n_periods))
    elif scope == "pooled":
        ref, groups = X.reshape(1, -1), ["pooled"]
    else:
        if base_position is None:
            raise SpecError(
                f"normalisation {normaliser.name!r} of {indicator!r} with scope 'base_period' needs a base period "
                "(set base_period in the spec or --base-period)"
            )
        ref, groups = X[base_position:base_position + 1], [period_labels[base_position] if period_labels else base_position]
    state = normaliser.fit(ref) if not normaliser.scope_free else {}
    if normaliser.name == "rank" and scope == "pooled":
        out = normaliser.transform(X.reshape(1, -1), state, direction).reshape(X.shape)
    else:
        out = normaliser.transform(X, state, direction)
    out = np.where(np.isnan(X), np.nan, out)
    json_state = {
        k: [None if not np.isfinite(v) else float(v) for v in np.ravel(a)]
        for k, a in state.items() if k != "reference"
    }
    if json_state:
        json_state["group"] = [str(g) for g in groups]
    return NormaliseResult(out.reshape(-1), json_state, "fixed" if normaliser.scope_free else scope)


def comparability_warning(method: str, scope: str, n_periods: int, indicators: list[str]) -> None:
    """Warn that per-period fitting rescales each period separately."""
    if n_periods > 1 and scope == "per_period" and method not in ("goalposts", "none"):
        warnings.warn(
            f"normalisation {method!r} with scope 'per_period' is fitted on each period separately, so scores of "
            f"{describe_rows(indicators, 5)} are not comparable over time; use scope 'pooled' or 'base_period' "
            "to compare periods",
            ComparabilityWarning,
            stacklevel=3,
        )
