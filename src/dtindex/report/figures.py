"""The figures of a report: :class:`Chart` (of :class:`Series`) and :class:`Map`, as immutable values.

Part of the report model (:mod:`dtindex.report.model`, which re-exports both): the same rules --
frozen dataclasses of tuples and scalars, input normalised and refused with the block and field
named. Rendered by :mod:`dtindex.report.echarts` (HTML, dashboard) and :mod:`dtindex.report.excel`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dtindex.errors import DataError, SpecError, check_choice, describe_rows

from .checks import _text, _slug, _number, _numbers, _opt_int, _height, _sheet, _fmt, _set
from .format import NumberFormat, decimal

CHART_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "scatter", "quadrant", "heat_table", "pie", "interval",
               "bump", "radar", "path")
CATEGORY_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "heat_table", "pie", "interval", "bump", "radar")
POINT_KINDS = ("scatter", "quadrant")
#: Chart kinds that get a native Excel chart when ``main=True``.
EXCEL_CHART_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "scatter", "quadrant", "pie")
MAP_LEVELS = ("province", "city")
MAP_KINDS = ("choropleth", "scatter")


# ---------------------------------------------------------------------- chart
@dataclass(frozen=True)
class Series:
    """One data series: ``values`` per category (or y per point); ``x`` and point ``labels``
    for scatter charts; for ``heat_table`` each series is one row."""

    name: str
    values: tuple[float | None, ...]
    x: tuple[float | None, ...] | None = None
    labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _text("Series", "name", self.name)
        _set(self, "values", _numbers(f"Series {self.name!r}", "values", self.values))
        if self.x is not None:
            _set(self, "x", _numbers(f"Series {self.name!r}", "x", self.x))
            if len(self.x) != len(self.values):
                raise DataError(f"Series {self.name!r}: x has {len(self.x)} values but values has {len(self.values)}.")
        if self.labels is not None:
            labels = tuple(str(v) for v in self.labels)
            if len(labels) != len(self.values):
                raise DataError(f"Series {self.name!r}: labels has {len(labels)} entries but values has {len(self.values)}.")
            _set(self, "labels", labels)


@dataclass(frozen=True)
class Chart:
    """A chart.

    Parameters
    ----------
    kind : str
        ``line``, ``bar`` (one series), ``grouped_bar``, ``stacked_bar`` (``percent=True``:
        100 % stacked, shares computed per category), ``scatter`` (optional threshold lines),
        ``quadrant`` (scatter with both thresholds and optional quadrant labels),
        ``heat_table`` (categories are columns, series are rows), ``pie`` (one series),
        ``bump`` (ranks over periods: one line per entity, rank 1 on top; values are ranks >= 1),
        ``radar`` (categories are the axes, one polygon per series), ``path`` (a path
        diagram: categories are the nodes -- first on the left, last on the right, the
        others in between -- and each series is one arrow, ``labels=(from, to)`` naming two
        nodes and ``values=(estimate, p)``; the arrow is labelled "name = estimate" with
        significance stars).
    title : str
    categories : tuple of str
        x categories (empty for scatter kinds).
    series : tuple of Series
    x_label, y_label, unit : str, optional
        Axis titles and the value unit (printed in the caption).
    fmt : NumberFormat
        Format of the values (tooltips, labels, axis ticks, Excel cells).
    x_fmt : NumberFormat, optional
        Format of scatter x values (default ``fmt``).
    note, source : str, optional; base_n : int, optional
        Printed under the chart ("N = base_n").
    horizontal : bool
        Bars run horizontally (bar kinds only); first category on top.
    percent : bool
        100 % stacked (``stacked_bar`` only).
    x_threshold, y_threshold : float, optional
        Threshold lines (scatter kinds).
    quadrant_labels : 4 strings, optional
        Labels for the top-right, top-left, bottom-left and bottom-right quadrants.
    fit_line : (intercept, slope), optional
        A fitted line ``y = intercept + slope * x`` drawn across the x range (scatter kinds).
    main : bool
        A main series: the Excel workbook gets a native chart for it.
    height : int, optional
        Pixel height of the chart area (default 360, 420 for scatter kinds).
    id, sheet : str, optional
    """

    kind: str
    title: str
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    x_label: str | None = None
    y_label: str | None = None
    unit: str | None = None
    fmt: NumberFormat = field(default_factory=lambda: decimal(2))
    x_fmt: NumberFormat | None = None
    note: str | None = None
    source: str | None = None
    base_n: int | None = None
    horizontal: bool = False
    percent: bool = False
    x_threshold: float | None = None
    y_threshold: float | None = None
    quadrant_labels: tuple[str, str, str, str] | None = None
    fit_line: tuple[float, float] | None = None
    main: bool = False
    height: int | None = None
    id: str | None = None
    sheet: str | None = None

    def __post_init__(self) -> None:
        check_choice("Chart", "kind", self.kind, CHART_KINDS)
        _text("Chart", "title", self.title)
        owner = f"Chart {self.title!r}"
        cats = tuple(str(c) for c in self.categories)
        _set(self, "categories", cats)
        series = tuple(self.series)
        if not series or any(not isinstance(s, Series) for s in series):
            raise SpecError(f"{owner}: series must be a non-empty sequence of Series values.")
        names = [s.name for s in series]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"{owner}: duplicate series names {dup}.")
        _set(self, "series", series)
        if self.kind == "path":
            if len(cats) < 2 or len(set(cats)) != len(cats):
                raise SpecError(f"{owner}: a path chart needs two or more distinct nodes as categories; got {cats}.")
            for s in series:
                if s.labels is None or len(s.values) != 2 or not all(lab in cats for lab in s.labels):
                    raise SpecError(f"{owner}: each path series is one arrow: labels=(from, to) naming nodes among "
                                    f"{list(cats)} and values=(estimate, p); {s.name!r} is not.")
        elif self.kind in CATEGORY_KINDS:
            if not cats:
                raise SpecError(f"{owner}: a {self.kind} chart needs categories.")
            if len(set(cats)) != len(cats):
                raise SpecError(f"{owner}: duplicate categories {sorted({c for c in cats if cats.count(c) > 1})}.")
            wrong = {s.name: len(s.values) for s in series if len(s.values) != len(cats)}
            if wrong:
                raise DataError(f"{owner}: series lengths {wrong} differ from the {len(cats)} categories.")
            if any(s.x is not None for s in series):
                raise SpecError(f"{owner}: x values belong to scatter charts; a {self.kind} chart uses categories.")
        else:
            if cats:
                raise SpecError(f"{owner}: a {self.kind} chart takes points (Series.x), not categories.")
            missing_x = [s.name for s in series if s.x is None]
            if missing_x:
                raise SpecError(f"{owner}: series {missing_x} have no x values (Series(name, values=y, x=...)).")
        if self.kind == "interval":
            if len(series) != 3:
                raise SpecError(f"{owner}: an interval chart has three series (low, middle, high); got {len(series)}.")
            bad = [c for c, lo, hi in zip(cats, series[0].values, series[2].values)
                   if lo is not None and hi is not None and lo > hi]
            if bad:
                raise DataError(f"{owner}: low is above high for {describe_rows(bad)}.")
        if self.kind == "bump":
            low = [s.name for s in series if any(v is not None and v < 1 for v in s.values)]
            if low:
                raise DataError(f"{owner}: a bump chart shows ranks (1 = first); series {describe_rows(low)} have values below 1.")
        if self.kind == "bar" and len(series) != 1:
            raise SpecError(f"{owner}: a bar chart has one series; got {len(series)} (use grouped_bar or stacked_bar).")
        if self.kind == "pie":
            if len(series) != 1:
                raise SpecError(f"{owner}: a pie chart has one series; got {len(series)}.")
            neg = [c for c, v in zip(cats, series[0].values) if v is not None and v < 0]
            if neg:
                raise DataError(f"{owner}: pie values must be non-negative; negative for {describe_rows(neg)}.")
        if self.percent and self.kind != "stacked_bar":
            raise SpecError(f"{owner}: percent=True is for stacked_bar charts only; kind is {self.kind!r}.")
        if self.horizontal and self.kind not in ("bar", "grouped_bar", "stacked_bar"):
            raise SpecError(f"{owner}: horizontal=True is for bar kinds only; kind is {self.kind!r}.")
        for name in ("x_threshold", "y_threshold"):
            value = _number(owner, name, getattr(self, name))
            if value is not None and self.kind not in POINT_KINDS:
                raise SpecError(f"{owner}: {name} is for scatter and quadrant charts; kind is {self.kind!r}.")
            _set(self, name, value)
        if self.kind == "quadrant" and (self.x_threshold is None or self.y_threshold is None):
            raise SpecError(f"{owner}: a quadrant chart needs both x_threshold and y_threshold.")
        if self.quadrant_labels is not None:
            ql = tuple(self.quadrant_labels)
            if self.kind != "quadrant" or len(ql) != 4 or not all(isinstance(q, str) for q in ql):
                raise SpecError(f"{owner}: quadrant_labels are four strings (top-right, top-left, bottom-left, "
                                f"bottom-right) on a quadrant chart; got {self.quadrant_labels!r}.")
            _set(self, "quadrant_labels", ql)
        if self.fit_line is not None:
            fl = tuple(_number(owner, "fit_line", v) for v in self.fit_line)
            if self.kind not in POINT_KINDS or len(fl) != 2 or None in fl:
                raise SpecError(f"{owner}: fit_line is (intercept, slope) of a scatter or quadrant chart; "
                                f"got {self.fit_line!r} on a {self.kind!r} chart.")
            _set(self, "fit_line", fl)
        _fmt(owner, "fmt", self.fmt)
        if not self.fmt.numeric:
            raise SpecError(f"{owner}: fmt must be a numeric format; got {self.fmt.kind!r}.")
        if self.x_fmt is not None:
            _fmt(owner, "x_fmt", self.x_fmt)
        for name in ("x_label", "y_label", "unit", "note", "source"):
            _text(owner, name, getattr(self, name), optional=True)
        _set(self, "base_n", _opt_int(owner, "base_n", self.base_n))
        _set(self, "horizontal", bool(self.horizontal))
        _set(self, "percent", bool(self.percent))
        _set(self, "main", bool(self.main))
        if self.main and self.kind not in EXCEL_CHART_KINDS:
            raise SpecError(f"{owner}: main=True asks for a native Excel chart, which {self.kind!r} has none of "
                            f"(kinds with one: {', '.join(EXCEL_CHART_KINDS)}); its data sheet is written anyway.")
        _set(self, "height", _height(owner, self.height))
        _slug(owner, "id", self.id, optional=True)
        _sheet(owner, self.sheet)

    @property
    def resolved_height(self) -> int:
        """Pixel height: ``height`` or the default of the kind."""
        if self.height is not None:
            return self.height
        if self.kind in POINT_KINDS or self.kind == "radar":
            return 420
        if self.kind in ("bar", "grouped_bar", "stacked_bar") and self.horizontal:
            return max(240, min(1600, 60 + 22 * len(self.categories) * (1 if self.kind != "grouped_bar" else len(self.series))))
        if self.kind == "heat_table":
            return max(200, min(1600, 80 + 28 * len(self.series)))
        return 360

    def shares(self) -> list[tuple[float | None, ...]]:
        """Per-series shares of each category total (100 % stacked bars).

        ``share_sc = v_sc / sum_k v_kc`` with missing values counted as 0 in the total;
        a category whose total is 0 gets missing shares.
        """
        V = np.array([[np.nan if v is None else v for v in s.values] for s in self.series], dtype=float)
        total = np.nansum(V, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            S = np.where(total != 0, V / total, np.nan)
        return [tuple(None if math.isnan(v) else v for v in row) for row in S.tolist()]

    @classmethod
    def from_frame(cls, kind: str, frame: pd.DataFrame, x: str, y: str | Sequence[str], *, by: str | None = None,
                   names: Mapping[str, str] | None = None, **options: object) -> Chart:
        """Build a category chart from a wide or long DataFrame.

        Wide: ``y`` is a list of value columns, one series each (``names`` relabels them).
        Long: ``y`` is one value column and ``by`` the column naming the series; rows are
        pivoted to (category x series), keeping first-appearance order of both. Every
        (x, by) pair must be unique; pairs absent from the frame are missing values.

        >>> df = pd.DataFrame({"q": ["2021Q1", "2021Q2"], "A": [1.0, 2.0], "B": [3.0, None]})
        >>> c = Chart.from_frame("line", df, "q", ["A", "B"], title="t")
        >>> c.categories, c.series[1].values
        (('2021Q1', '2021Q2'), (3.0, None))
        """
        check_choice("Chart.from_frame", "kind", kind, CATEGORY_KINDS)
        title = options.get("title", "")
        cols = [str(c) for c in frame.columns]
        needed = [x] + ([y] if isinstance(y, str) else list(y)) + ([by] if by else [])
        absent = [c for c in needed if c not in cols]
        if absent:
            raise DataError(f"Chart {title!r}: columns {absent} are not in the frame; columns are {cols}.")
        names = dict(names or {})
        if by is None:
            ys = [y] if isinstance(y, str) else list(y)
            cats = [str(v) for v in frame[x].tolist()]
            dups = sorted({c for c in cats if cats.count(c) > 1})
            if dups:
                raise DataError(f"Chart {title!r}: category column {x!r} repeats {describe_rows(dups)}; "
                                "pass by=... for long data or aggregate first.")
            series = tuple(Series(names.get(c, c), frame[c]) for c in ys)
            return cls(kind, categories=tuple(cats), series=series, **options)
        if not isinstance(y, str):
            raise SpecError(f"Chart {title!r}: with by={by!r}, y must be one value column; got {y!r}.")
        keys = frame[[x, by]].astype(str)
        dup = keys.duplicated(keep=False).to_numpy()
        if dup.any():
            pairs = sorted({f"({a}, {b})" for a, b in keys[dup].itertuples(index=False)})
            raise DataError(f"Chart {title!r}: ({x}, {by}) pairs repeat: {describe_rows(pairs)}.")
        cats = pd.unique(keys[x].to_numpy())
        groups = pd.unique(keys[by].to_numpy())
        ci = pd.Index(cats).get_indexer(keys[x].to_numpy())
        gi = pd.Index(groups).get_indexer(keys[by].to_numpy())
        vals = np.full((len(groups), len(cats)), np.nan)
        yv = frame[y]
        vals[gi, ci] = pd.to_numeric(yv, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        series = tuple(Series(names.get(g, g), vals[k]) for k, g in enumerate(groups.tolist()))
        return cls(kind, categories=tuple(cats.tolist()), series=series, **options)

    @classmethod
    def from_points(cls, frame: pd.DataFrame, x: str, y: str, *, label: str | None = None, by: str | None = None,
                    kind: str = "scatter", series_name: str | None = None, **options: object) -> Chart:
        """Build a scatter or quadrant chart: one point per row, one series per ``by`` group
        (first-appearance order; without ``by`` one series named ``series_name`` or ``y``),
        point labels from ``label``.

        >>> df = pd.DataFrame({"p": ["广东", "安徽"], "share": [0.2, 0.05], "growth": [0.1, 0.3]})
        >>> c = Chart.from_points(df, "share", "growth", label="p", title="t")
        >>> c.series[0].x, c.series[0].labels
        ((0.2, 0.05), ('广东', '安徽'))
        """
        check_choice("Chart.from_points", "kind", kind, POINT_KINDS)
        title = options.get("title", "")
        cols = [str(c) for c in frame.columns]
        absent = [c for c in (x, y, label, by) if c is not None and c not in cols]
        if absent:
            raise DataError(f"Chart {title!r}: columns {absent} are not in the frame; columns are {cols}.")
        if by is None:
            parts = [(series_name or y, frame)]
        else:
            codes = frame[by].astype(str)
            parts = [(g, frame[(codes == g).to_numpy()]) for g in pd.unique(codes.to_numpy()).tolist()]
        series = tuple(
            Series(str(name), part[y], x=part[x], labels=None if label is None else tuple(part[label].astype(str)))
            for name, part in parts
        )
        return cls(kind, series=series, **options)


# ---------------------------------------------------------------------- map
@dataclass(frozen=True)
class Map:
    """A China map of values keyed by 6-digit adcode.

    Parameters
    ----------
    title : str
    values : mapping adcode -> value, or sequence of (adcode, value) pairs
        Adcodes as strings or integers (normalised with
        :func:`dtindex.regions.normalise_code`); stored sorted by adcode. Missing values
        are drawn as "no data".
    level : ``"province"`` | ``"city"``
        Province map (echarts 4.9.0 ``map/json/china.json``) or city-level map
        (``china-cities.json``), unless ``geojson`` is given.
    kind : ``"choropleth"`` | ``"scatter"``
        Coloured areas, or dots at city coordinates (``level="city"`` only) on the province map.
    geojson : str, optional
        Path of a user-supplied GeoJSON FeatureCollection to draw instead of the vendored map.
    adcode_property : str, optional
        Feature property holding the adcode in ``geojson`` (default: the feature ``id``,
        then the properties ``adcode`` and ``id``).
    names : mapping adcode -> display name, optional
        Overrides the names from :mod:`dtindex.regions`.
    coords : mapping adcode -> (lon, lat), optional
        Scatter coordinates overriding the city table's.
    fmt, unit, note, source, base_n, height, id, sheet
        As for :class:`Chart`.
    value_range : (low, high), optional
        Fixed colour range (default: min and max of the values).
    classes : tuple of str, optional
        A categorical map: values are class numbers 1..len(classes) drawn in distinct colours
        with these legend labels (e.g. LISA clusters), instead of a colour scale.

    Units with no shape (or, for scatter, no coordinates) are never dropped: the renderers
    list them with their values under the map.
    """

    title: str
    values: tuple[tuple[str, float | None], ...]
    level: str = "province"
    kind: str = "choropleth"
    geojson: str | None = None
    adcode_property: str | None = None
    names: tuple[tuple[str, str], ...] = ()
    coords: tuple[tuple[str, float, float], ...] = ()
    fmt: NumberFormat = field(default_factory=lambda: decimal(2))
    unit: str | None = None
    note: str | None = None
    source: str | None = None
    base_n: int | None = None
    value_range: tuple[float, float] | None = None
    height: int | None = None
    id: str | None = None
    sheet: str | None = None
    classes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from dtindex.regions import normalise_code

        _text("Map", "title", self.title)
        owner = f"Map {self.title!r}"
        check_choice("Map", "level", self.level, MAP_LEVELS)
        check_choice("Map", "kind", self.kind, MAP_KINDS)
        if self.kind == "scatter" and self.level != "city":
            raise SpecError(f"{owner}: scatter maps place cities by coordinates; use level='city' (got {self.level!r}).")
        pairs = list(self.values.items()) if isinstance(self.values, Mapping) else list(self.values)
        if not pairs:
            raise DataError(f"{owner}: values are empty.")
        try:
            codes = [normalise_code(k) for k, _ in pairs]
        except (TypeError, ValueError) as exc:
            raise DataError(f"{owner}: bad adcode in values: {exc}") from None
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise DataError(f"{owner}: adcodes repeat in values: {describe_rows(dup)}.")
        vals = _numbers(owner, "values", [v for _, v in pairs])
        _set(self, "values", tuple(sorted(zip(codes, vals))))
        names = list(self.names.items()) if isinstance(self.names, Mapping) else list(self.names)
        _set(self, "names", tuple(sorted((normalise_code(k), str(v)) for k, v in names)))
        coords = ([(k, *v) for k, v in self.coords.items()] if isinstance(self.coords, Mapping) else list(self.coords))
        clean = []
        for item in coords:
            if len(item) != 3:
                raise DataError(f"{owner}: coords entries are adcode -> (lon, lat); got {item!r}.")
            lon, lat = _number(owner, "coords lon", item[1]), _number(owner, "coords lat", item[2])
            if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise DataError(f"{owner}: coords for {item[0]!r} must be (lon, lat) in degrees; got {item[1:]!r}.")
            clean.append((normalise_code(item[0]), lon, lat))
        _set(self, "coords", tuple(sorted(clean)))
        if self.geojson is not None:
            _set(self, "geojson", str(self.geojson))
        _text(owner, "adcode_property", self.adcode_property, optional=True)
        _fmt(owner, "fmt", self.fmt)
        if not self.fmt.numeric:
            raise SpecError(f"{owner}: fmt must be a numeric format; got {self.fmt.kind!r}.")
        for name in ("unit", "note", "source"):
            _text(owner, name, getattr(self, name), optional=True)
        _set(self, "base_n", _opt_int(owner, "base_n", self.base_n))
        if self.value_range is not None:
            lo, hi = (_number(owner, "value_range", v) for v in self.value_range)
            if lo is None or hi is None or hi < lo:
                raise SpecError(f"{owner}: value_range must be (low, high) with low <= high; got {self.value_range!r}.")
            _set(self, "value_range", (lo, hi))
        _set(self, "height", _height(owner, self.height))
        _slug(owner, "id", self.id, optional=True)
        _sheet(owner, self.sheet)
        classes = tuple(self.classes)
        if classes:
            if any(not isinstance(c, str) or not c.strip() for c in classes):
                raise SpecError(f"{owner}: classes must be non-empty strings; got {classes!r}.")
            bad = [v for _, v in self.values if v is not None and (v != int(v) or not 1 <= v <= len(classes))]
            if bad:
                raise DataError(f"{owner}: with classes, values must be class numbers 1..{len(classes)}; "
                                f"got {describe_rows(bad, 5)}.")
        _set(self, "classes", classes)

    def class_label(self, value: float | None) -> str | None:
        """The class label of a value of a categorical map (None when missing)."""
        return None if value is None else self.classes[int(value) - 1]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, adcode: str, value: str, *, title: str, **options: object) -> Map:
        """Build a map from the ``adcode`` and ``value`` columns of a DataFrame.

        >>> Map.from_frame(pd.DataFrame({"code": ["440300"], "v": [1.5]}), "code", "v", title="m", level="city").values
        (('440300', 1.5),)
        """
        missing = [c for c in (adcode, value) if c not in frame.columns]
        if missing:
            raise DataError(f"Map {title!r}: columns {missing} are not in the frame; "
                            f"columns are {[str(c) for c in frame.columns]}.")
        return cls(title=title, values=tuple(zip(frame[adcode].tolist(), frame[value].tolist())), **options)

    @property
    def resolved_height(self) -> int:
        """Pixel height: ``height`` or 520."""
        return self.height if self.height is not None else 520
