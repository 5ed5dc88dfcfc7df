"""Shared plumbing of :mod:`dtindex.analysis`: periods, node tables, growth, ranks, roll-ups.

Everything here works on *wide* frames (rows = units or groups, columns = period
labels in chronological order), the shape returned by ``table(code)`` of both
:class:`~dtindex.index.Index` and :class:`~dtindex.release.BuildResult`. Only the
read-only interface shared by both is used: ``table``, ``framework``, ``weights``,
``period_labels`` and ``recipe``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows
from ..periods import Period, parse_period
from ..spec.framework import Framework

ROLLUPS = ("auto", "sum", "mean")
ADDITIVE_NORMALISATIONS = ("base_share", "none")


class IndexLike(Protocol):
    """The read-only interface an analysis function needs (an ``Index`` or a ``BuildResult``)."""

    framework: Framework

    @property
    def weights(self) -> dict[str, float]: ...

    @property
    def period_labels(self) -> tuple[str, ...]: ...

    def table(self, code: str | None = None, *, what: str = "scores") -> pd.DataFrame: ...

    def recipe(self) -> dict[str, Any]: ...


# --------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class PeriodAxis:
    """The periods of a build: labels as in ``table()`` columns and their parsed form.

    ``periods`` is None for a build without a time column (one column ``value``);
    growth rates are then undefined.
    """

    labels: tuple[str, ...]
    periods: tuple[Period, ...] | None

    @classmethod
    def of(cls, idx: IndexLike) -> PeriodAxis:
        raw = tuple(idx.period_labels)
        if len(raw) == 1 and raw[0] in ("", None):
            return cls(("value",), None)
        return cls(raw, tuple(parse_period(p, where="period labels of the build") for p in raw))

    @property
    def latest(self) -> str:
        return self.labels[-1]

    def require_time(self, owner: str) -> tuple[Period, ...]:
        if self.periods is None:
            raise DataError(f"{owner}: the build has no time periods; growth rates need a Time column")
        return self.periods

    def shifted(self, n: int) -> list[str | None]:
        """For each period, the label ``n`` periods earlier if the build has it, else None."""
        if self.periods is None:
            return [None] * len(self.labels)
        have = {p: lbl for p, lbl in zip(self.periods, self.labels)}
        return [have.get(p.shift(-n)) for p in self.periods]

    def previous(self) -> list[str | None]:
        """The chronologically previous period (a quarter before for quarterly data)."""
        return self.shifted(1)

    def year_ago(self) -> list[str | None]:
        """The same period a year earlier (four quarters / twelve months / one year before)."""
        if self.periods is None:
            return [None] * len(self.labels)
        return self.shifted(self.periods[0].per_year)

    def check(self, label: object, owner: str, param: str = "period") -> str:
        """Canonical label of ``label`` if the build has that period, else DataError listing the periods."""
        if self.periods is None:
            if label in (None, "", "value"):
                return "value"
            raise DataError(f"{owner}: {param} {label!r} given, but the build has no time periods")
        p = parse_period(label, where=f"{owner}: {param}")
        if p not in self.periods:
            raise DataError(f"{owner}: {param} {p.label!r} is not a period of the build; periods are "
                            f"{describe_rows(self.labels, 20)}")
        return self.labels[self.periods.index(p)]

    def period_or_latest(self, period: object, owner: str) -> str:
        return self.latest if period is None else self.check(period, owner)

    def window(self, window: Sequence[object] | None, owner: str) -> list[str]:
        """Labels of a growth window.

        ``None``: every period whose same period a year earlier is in the build.
        ``(start, end)``: the build's periods from start to end, both included.
        """
        self.require_time(owner)
        if window is None:
            labels = [lbl for lbl, ago in zip(self.labels, self.year_ago()) if ago is not None]
            if not labels:
                raise DataError(f"{owner}: no period of the build has the same period a year earlier "
                                f"(periods {describe_rows(self.labels, 20)}); year-on-year growth is undefined")
            return labels
        if isinstance(window, str) or len(window) != 2:
            raise SpecError(f"{owner}: window must be a pair (start, end) of period labels, e.g. "
                            f"('2022Q1', '2023Q1'); got {window!r}")
        start, end = (self.check(w, owner, "window") for w in window)
        i, j = self.labels.index(start), self.labels.index(end)
        if i > j:
            raise SpecError(f"{owner}: window start {start} is after its end {end}")
        return list(self.labels[i:j + 1])

    def ordinals(self) -> np.ndarray:
        """Period ordinals (consecutive quarters differ by 1), for trends."""
        periods = self.require_time("trend")
        return np.array([p.ordinal for p in periods], dtype=float)


# --------------------------------------------------------------------------- node tables
def root_of(idx: IndexLike) -> str:
    return idx.framework.root


def node_table(idx: IndexLike, code: str | None = None) -> pd.DataFrame:
    """Scores of one node, rows = units (text codes), columns = period labels, float."""
    code = code or root_of(idx)
    idx.framework[code]  # SpecError listing the nodes when unknown
    wide = idx.table(code).astype(float)
    wide.index = pd.Index(wide.index.astype(str), name="uCode")
    return wide


def unit_codes(idx: IndexLike) -> tuple[str, ...]:
    """Units of the build in build order (``Index`` has no ``units`` attribute, so read the root table)."""
    return tuple(node_table(idx).index)


def node_label(fw: Framework, code: str, lang: str) -> str:
    return fw[code].label(lang)


def rollup_method(idx: IndexLike, method: str, owner: str, *, weighted: bool = False) -> str:
    """``sum`` or ``mean`` (or ``weighted_mean``): ``auto`` reads the build's resolved roll-up.

    The recipe's ``resolved.rollup`` is ``sum`` for additive builds (every
    normalisation ``base_share``/``none`` and every aggregation arithmetic),
    else ``mean``. A recipe without it is classified from its resolved
    normalisation and aggregation methods. ``weighted_mean`` (a spec's
    ``rollup: {method: weighted_mean, weight: population}``) is returned only to
    callers that handle it (``weighted=True``: rankings and the national series)
    and only when the build keeps its weights (:func:`rollup_weights`); otherwise
    it is refused.
    """
    check_choice(owner, "method", method, (*ROLLUPS, "weighted_mean") if weighted else ROLLUPS)
    if method == "weighted_mean":
        rollup_weights(idx, owner)  # refuses a build without weights
        return method
    if method != "auto":
        return method
    resolved = idx.recipe().get("resolved") or {}
    found = resolved.get("rollup")
    if found is None:
        norm = resolved.get("normalise") or {}
        agg = resolved.get("aggregate") or {}
        if not norm or not agg:
            raise DataError(f"{owner}: the build's recipe has no resolved roll-up, normalisation or aggregation; "
                            "pass method='sum' or method='mean'")
        additive = all(s.get("method") in ADDITIVE_NORMALISATIONS for s in norm.values()) and all(
            s.get("method") == "arithmetic" for s in agg.values())
        return "sum" if additive else "mean"
    if found == "weighted_mean" and weighted and _weights_of(idx) is not None:
        return found
    if found not in ("sum", "mean"):
        raise SpecError(f"{owner}: the build rolls up by {found!r}, which needs the weight column "
                        f"(rollup_weights.csv, written by builds since dtindex 0.1 for weighted_mean roll-ups); "
                        "pass method='sum' or method='mean'")
    return found


def _weights_of(idx: IndexLike) -> pd.DataFrame | None:
    get = getattr(idx, "rollup_weights", None)
    return get() if callable(get) else None


def rollup_weights(idx: IndexLike, owner: str) -> pd.DataFrame:
    """The build's roll-up weights (rows = units, columns = periods, as ``table()``), or DataError."""
    w = _weights_of(idx)
    if w is None:
        raise DataError(f"{owner}: method 'weighted_mean' needs the build's roll-up weights; set "
                        "methods.rollup: {method: weighted_mean, weight: <a data column such as population>} in the spec")
    return w


def require_sum(how: str, owner: str) -> None:
    """Shares of a national total only make sense when group values are sums of unit values."""
    if how != "sum":
        raise SpecError(f"{owner}: shares of the national total need an additive build (base_share or none "
                        "normalisation, arithmetic aggregation), whose group values are sums; this build rolls up "
                        "by 'mean'. Pass method='sum' to sum the unit scores anyway.")


# --------------------------------------------------------------------------- vectorised helpers
def shift_columns(wide: pd.DataFrame, lagged: Sequence[str | None]) -> pd.DataFrame:
    """Column j of the result is column ``lagged[j]`` of ``wide`` (all NaN when None)."""
    X = wide.to_numpy(dtype=float)
    pos = {c: i for i, c in enumerate(wide.columns)}
    take = np.array([pos[c] if c is not None else -1 for c in lagged], dtype=np.int64)
    out = X[:, np.where(take >= 0, take, 0)] if X.shape[1] else X.copy()
    out = np.array(out, dtype=float)
    out[:, take < 0] = np.nan
    return pd.DataFrame(out, index=wide.index, columns=wide.columns)


def growth(wide: pd.DataFrame, lagged: Sequence[str | None]) -> pd.DataFrame:
    """Growth rates ``g_t = x_t / x_lag(t) - 1``; NaN when either value is missing or ``x_lag <= 0``."""
    prev = shift_columns(wide, lagged).to_numpy()
    X = wide.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = X / prev - 1.0
    g = np.where((prev > 0) & np.isfinite(X), g, np.nan)
    return pd.DataFrame(g, index=wide.index, columns=wide.columns)


def window_mean(rates: pd.DataFrame, window: Sequence[str], min_periods: int | None,
                owner: str) -> tuple[pd.Series, pd.Series]:
    """Mean of ``rates`` over the ``window`` columns and the number of rates used.

    The mean is NaN unless at least ``min_periods`` rates are present
    (default: every period of the window).
    """
    need = len(window) if min_periods is None else int(min_periods)
    if not 1 <= need <= len(window):
        raise SpecError(f"{owner}: min_periods must be between 1 and the {len(window)} periods of the window; "
                        f"got {min_periods!r}")
    sub = rates[list(window)]
    n = sub.notna().sum(axis=1)
    mean = sub.mean(axis=1, skipna=True).where(n >= need)
    return mean, n.astype(np.int64)


def rank_desc(wide: pd.DataFrame | pd.Series, groups: pd.Series | np.ndarray | None = None):
    """Ranks within each column (1 = highest), ties share the smallest rank ('min'), NaN unranked."""
    if groups is None:
        return wide.rank(method="min", ascending=False, na_option="keep")
    return wide.groupby(np.asarray(groups, dtype=object), sort=False).rank(method="min", ascending=False,
                                                                            na_option="keep")


def as_rank(values: Any) -> pd.array:
    """Float ranks (NaN = none) as nullable integers."""
    return pd.array(pd.Series(np.asarray(values, dtype=float)).round().astype("Int64"))


def trend_slope(wide: pd.DataFrame, x: np.ndarray) -> np.ndarray:
    """OLS slope of each row on ``x`` over its non-missing values (NaN with fewer than 2 points).

    ``slope = sum (x - mean x)(y - mean y) / sum (x - mean x)^2`` per row.
    """
    Y = wide.to_numpy(dtype=float)
    M = np.isfinite(Y)
    X = np.broadcast_to(x, Y.shape)
    n = M.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.where(M, X, 0).sum(axis=1) / n
        ybar = np.where(M, Y, 0).sum(axis=1) / n
        dx = np.where(M, X - xbar[:, None], 0)
        dy = np.where(M, Y - ybar[:, None], 0)
        sxx = (dx * dx).sum(axis=1)
        slope = (dx * dy).sum(axis=1) / sxx
    return np.where((n >= 2) & (sxx > 0), slope, np.nan)


def long_frame(index: pd.Index, labels: Sequence[str], columns: dict[str, pd.DataFrame | np.ndarray],
               key: str = "unit") -> pd.DataFrame:
    """Stack wide frames (same rows and period columns) into ``Time, <key>, <columns>`` period-major."""
    n, k = len(index), len(labels)
    data: dict[str, Any] = {"Time": np.repeat(np.asarray(labels, dtype=object), n),
                            key: np.tile(np.asarray(index, dtype=object), k)}
    for name, frame in columns.items():
        X = frame.to_numpy() if isinstance(frame, pd.DataFrame) else np.asarray(frame)
        data[name] = X.T.reshape(-1)
    return pd.DataFrame(data)


def order_rows(df: pd.DataFrame, keys: list[tuple[str, Any]]) -> pd.DataFrame:
    """Stable sort by several keys; each key is (column, how) with how a list (positional order),
    'asc', 'desc' or 'rank' (ascending, missing last). Returns a fresh RangeIndex."""
    arrays = []
    for col, how in keys:
        v = df[col]
        if isinstance(how, (list, tuple)):
            pos = {x: i for i, x in enumerate(how)}
            arrays.append(v.map(pos).fillna(len(pos)).to_numpy(dtype=float))
        elif how == "str":
            arrays.append(pd.factorize(v.astype(str), sort=True)[0])
        else:
            x = pd.to_numeric(v, errors="coerce").to_numpy(dtype=float)
            x = -x if how == "desc" else x
            arrays.append(np.where(np.isnan(x), np.inf, x))
    order = np.lexsort(tuple(reversed(arrays))) if arrays else np.arange(len(df))
    return df.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- names
@lru_cache(maxsize=1)
def _city_name_maps() -> tuple[dict[str, str], dict[str, str]]:
    from ..regions import cities

    t = cities()
    codes = t["adcode"].astype(str).tolist()
    return dict(zip(codes, t["short_name"].astype(str))), dict(zip(codes, t["name_en"].astype(str)))


def unit_names(units: Sequence[str], sep: str | None = None) -> tuple[list[str], list[str]]:
    """Chinese short names and English names of city codes; other codes name themselves.

    With ``sep`` (city x industry units ``"440300:C39"``) the name is the city's name
    followed by the part after the separator (``深圳:C39``).
    """
    zh_map, en_map = _city_name_maps()
    codes = pd.Series(list(units), dtype=object).astype(str)
    if sep:
        parts = codes.str.partition(sep)
        city, suffix = parts[0], (parts[1] + parts[2])
    else:
        city, suffix = codes, pd.Series("", index=codes.index, dtype=object)
    out = []
    for table in (zh_map, en_map):
        name = city.map(table)
        out.append((name + suffix).where(name.notna(), codes).tolist())
    return out[0], out[1]


def map_names(labels: Sequence[Any] | pd.Series, names: Mapping[str, str]) -> list[Any]:
    """Display names of group labels (a label without a name names itself; NA stays NA)."""
    s = pd.Series(list(labels), dtype=object)
    return s.map(dict(names)).where(lambda x: x.notna(), s).tolist()


def split_units(units: Sequence[str], sep: str, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Split ``"<adcode><sep><industry>"`` unit codes into city codes and industry codes."""
    s = pd.Series(list(units), dtype=object).astype(str)
    parts = s.str.partition(sep)
    bad = s[(parts[1] != sep) | (parts[0] == "") | (parts[2] == "")]
    if len(bad):
        raise DataError(f"{owner}: {len(bad)} unit code(s) are not '<city>{sep}<industry>' codes: "
                        f"{describe_rows(bad.tolist())}; the industry build's units must join a city code and an "
                        f"industry code with {sep!r}")
    return parts[0].to_numpy(dtype=object), parts[2].to_numpy(dtype=object)
