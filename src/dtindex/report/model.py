"""A report as plain immutable values: :class:`Report` -> :class:`Section` -> blocks.

Building a report (choosing tables, charts, words) is separate from rendering it
(:mod:`dtindex.report.html`, :mod:`dtindex.report.excel`). Every value here is a frozen
dataclass holding tuples and Python scalars only, so reports compare with ``==``, hash, and
cannot change after construction; constructors normalise their input (lists -> tuples,
mappings -> sorted or ordered pairs, NaN -> ``None``) and refuse bad input with an error that
names the block and the field.

Blocks: :class:`Heading`, :class:`Paragraph` (optionally a numbered finding with the numbers
it rests on, :class:`Evidence`), :class:`Callout`, :class:`KPICards` of :class:`KPI`,
:class:`Table` of :class:`Column`, :class:`Chart` of :class:`Series`, :class:`Map`.

Element ids
-----------
Sections have an explicit ``id`` (``[a-z][a-z0-9-]*``). A block's id is its own ``id`` if set,
otherwise ``"<section id>-<position>"`` (1-based). Ids are unique within a report and are the
fixed HTML ids the golden tests and the browser test look up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dtindex.errors import DataError, SpecError, check_choice, describe_rows

from .format import LANGS, NumberFormat, change, decimal, infer_format
from .format import rank_change as rank_change_format

_SLUG = re.compile(r"[a-z][a-z0-9-]{0,63}")

CHART_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "scatter", "quadrant", "heat_table", "pie", "interval",
               "bump", "radar", "path")
CATEGORY_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "heat_table", "pie", "interval", "bump", "radar")
POINT_KINDS = ("scatter", "quadrant")
#: Chart kinds that get a native Excel chart when ``main=True``.
EXCEL_CHART_KINDS = ("line", "bar", "grouped_bar", "stacked_bar", "scatter", "quadrant", "pie")
MAP_LEVELS = ("province", "city")
MAP_KINDS = ("choropleth", "scatter")
CALLOUT_KINDS = ("info", "warning", "note")


# ---------------------------------------------------------------------- helpers
def _text(owner: str, name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{owner}: {name} must be a non-empty string; got {value!r}.")
    return value


def _slug(owner: str, name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise SpecError(
            f"{owner}: {name} must be lower-case letters, digits and '-', starting with a letter "
            f"(at most 64 characters), e.g. 'city-ranking'; got {value!r}."
        )
    return value


def _number(owner: str, name: str, value: object) -> float | None:
    """A finite float, or ``None`` for missing (None, NaN, pd.NA)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{owner}: {name} must be a number or missing; got {value!r}.")
    v = float(value)
    if math.isnan(v):
        return None
    if math.isinf(v):
        raise DataError(f"{owner}: {name} must be finite; got {v}.")
    return v


def _numbers(owner: str, name: str, values: object) -> tuple[float | None, ...]:
    """Vectorised :func:`_number` over a sequence: finite floats, ``None`` for missing."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series, pd.Index)):
        raise DataError(f"{owner}: {name} must be a sequence of numbers; got {type(values).__name__}.")
    seq = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else values
    cleaned = [np.nan if (v is None or v is pd.NA) else v for v in seq]
    bad = [v for v in cleaned if isinstance(v, (bool, np.bool_, str)) or not isinstance(v, (int, float, np.integer, np.floating))]
    if bad:
        raise DataError(f"{owner}: {name} must hold numbers or missing values; got {describe_rows(map(repr, bad), 5)}.")
    x = np.asarray(cleaned, dtype=float).reshape(-1)
    if np.isinf(x).any():
        pos = np.flatnonzero(np.isinf(x))
        raise DataError(f"{owner}: {name} must be finite; infinite values at positions {describe_rows(pos.tolist())}.")
    return tuple(None if m else v for v, m in zip(x.tolist(), np.isnan(x).tolist()))


def _opt_int(owner: str, name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise SpecError(f"{owner}: {name} must be a non-negative integer; got {value!r}.")
    return int(value)


def _height(owner: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 120 <= value <= 2000:
        raise SpecError(f"{owner}: height must be an integer number of pixels from 120 to 2000; got {value!r}.")
    return int(value)


def _sheet(owner: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 31 or re.search(r"[\[\]:*?/\\]", value) \
            or value.startswith("'") or value.endswith("'"):
        raise SpecError(
            f"{owner}: sheet must be an Excel sheet name of 1-31 characters without []:*?/\\ and not "
            f"starting or ending with an apostrophe; got {value!r}."
        )
    return value


def _fmt(owner: str, name: str, value: object) -> NumberFormat:
    if not isinstance(value, NumberFormat):
        raise SpecError(f"{owner}: {name} must be a NumberFormat (e.g. dtindex.report.format.percent(1)); got {value!r}.")
    return value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------- text blocks
@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str
    id: str | None = None

    def __post_init__(self) -> None:
        _text("Heading", "text", self.text)
        _slug("Heading", "id", self.id, optional=True)


@dataclass(frozen=True)
class Evidence:
    """A number a finding rests on: ``label`` and ``value`` shown with ``fmt``."""

    label: str
    value: float | str | None
    fmt: NumberFormat = field(default_factory=lambda: decimal(2))

    def __post_init__(self) -> None:
        _text("Evidence", "label", self.label)
        _fmt("Evidence", "fmt", self.fmt)
        if self.fmt.numeric:
            _set(self, "value", _number(f"Evidence {self.label!r}", "value", self.value))
        elif self.value is not None and not isinstance(self.value, str):
            raise DataError(f"Evidence {self.label!r}: a text format needs a string value; got {self.value!r}.")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; with ``finding`` set it is numbered finding ``finding``, and
    ``evidence`` lists the numbers the sentence rests on."""

    text: str
    finding: int | None = None
    evidence: tuple[Evidence, ...] = ()
    id: str | None = None

    def __post_init__(self) -> None:
        _text("Paragraph", "text", self.text)
        if self.finding is not None and (isinstance(self.finding, bool) or not isinstance(self.finding, (int, np.integer))
                                         or self.finding < 1):
            raise SpecError(f"Paragraph: finding must be a positive integer or None; got {self.finding!r}.")
        ev = tuple(self.evidence)
        if any(not isinstance(e, Evidence) for e in ev):
            raise SpecError(f"Paragraph: evidence must be Evidence values; got {ev!r}.")
        _set(self, "evidence", ev)
        _slug("Paragraph", "id", self.id, optional=True)


@dataclass(frozen=True)
class Callout:
    """A highlighted box: ``kind`` is ``info``, ``warning`` or ``note``."""

    text: str
    kind: str = "info"
    title: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        _text("Callout", "text", self.text)
        check_choice("Callout", "kind", self.kind, CALLOUT_KINDS)
        _text("Callout", "title", self.title, optional=True)
        _slug("Callout", "id", self.id, optional=True)


@dataclass(frozen=True)
class KPI:
    """One headline number: ``value`` with ``fmt``, optional ``change`` with ``change_fmt``."""

    label: str
    value: float | None
    fmt: NumberFormat = field(default_factory=lambda: decimal(2))
    change: float | None = None
    change_fmt: NumberFormat = field(default_factory=lambda: change(1))
    note: str | None = None

    def __post_init__(self) -> None:
        _text("KPI", "label", self.label)
        _fmt("KPI", "fmt", self.fmt)
        _fmt("KPI", "change_fmt", self.change_fmt)
        _set(self, "value", _number(f"KPI {self.label!r}", "value", self.value))
        _set(self, "change", _number(f"KPI {self.label!r}", "change", self.change))
        _text("KPI", "note", self.note, optional=True)


@dataclass(frozen=True)
class KPICards:
    """A row of :class:`KPI` cards."""

    cards: tuple[KPI, ...]
    id: str | None = None

    def __post_init__(self) -> None:
        cards = tuple(self.cards)
        if not cards or any(not isinstance(c, KPI) for c in cards):
            raise SpecError(f"KPICards: cards must be a non-empty sequence of KPI values; got {cards!r}.")
        _set(self, "cards", cards)
        _slug("KPICards", "id", self.id, optional=True)


# ---------------------------------------------------------------------- table
@dataclass(frozen=True)
class Column:
    """One table column: ``values`` (Python scalars, ``None`` = missing), its format and label."""

    name: str
    values: tuple[object, ...]
    fmt: NumberFormat = field(default_factory=lambda: decimal(2))
    label: str | None = None

    def __post_init__(self) -> None:
        _text("Column", "name", self.name)
        _fmt(f"Column {self.name!r}", "fmt", self.fmt)
        if self.fmt.numeric:
            _set(self, "values", _numbers(f"Column {self.name!r}", "values", self.values))
        else:
            _set(self, "values", tuple(None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                                       else v for v in self.values))
        _text("Column", "label", self.label, optional=True)

    @property
    def heading(self) -> str:
        """The column's display label (``label`` or ``name``)."""
        return self.label or self.name


def _column_values(series: pd.Series) -> tuple[tuple[object, ...], str]:
    """Python scalars (None for missing) and the numpy kind of a DataFrame column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        mask = series.isna().to_numpy()
        vals = series.to_numpy(dtype=object)
        return tuple(None if m else bool(v) for v, m in zip(vals, mask)), "b"
    if pd.api.types.is_integer_dtype(dtype):
        mask = series.isna().to_numpy()
        vals = series.to_numpy(dtype="float64", na_value=np.nan)
        return tuple(None if m else int(v) for v, m in zip(vals.tolist(), mask.tolist())), "i"
    if pd.api.types.is_float_dtype(dtype):
        vals = series.to_numpy(dtype="float64", na_value=np.nan)
        return tuple(None if math.isnan(v) else v for v in vals.tolist()), "f"
    mask = series.isna().to_numpy()
    vals = series.astype(str).to_numpy(dtype=object) if not pd.api.types.is_string_dtype(dtype) else series.to_numpy(dtype=object)
    return tuple(None if m else str(v) for v, m in zip(vals, mask)), "O"


@dataclass(frozen=True)
class Table:
    """A data table.

    Parameters
    ----------
    columns : tuple of Column
    title : str, optional
    rank_change : str, optional
        Name of a column of places moved up (previous rank minus current rank); shown with
        arrows (``↑2``, ``↓1``, ``→``) and coloured.
    heat : tuple of str
        Columns whose cells are coloured on a sequential scale (:func:`~dtindex.report.style.heat_colours`).
    heat_range : (low, high), optional
        Fixed colour range for ``heat`` columns (default: min and max over all heat columns).
    note, source : str, optional
    base_n : int, optional
        Number of units the table rests on, printed under it.
    id, sheet : str, optional
        Fixed element id; Excel sheet name (default: derived from the title).
    """

    columns: tuple[Column, ...]
    title: str | None = None
    rank_change: str | None = None
    heat: tuple[str, ...] = ()
    heat_range: tuple[float, float] | None = None
    note: str | None = None
    source: str | None = None
    base_n: int | None = None
    id: str | None = None
    sheet: str | None = None

    def __post_init__(self) -> None:
        owner = f"Table {self.title or self.id or ''}".strip()
        cols = tuple(self.columns)
        if not cols or any(not isinstance(c, Column) for c in cols):
            raise SpecError(f"{owner}: columns must be a non-empty sequence of Column values.")
        names = [c.name for c in cols]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"{owner}: duplicate column names {dup}.")
        lengths = {c.name: len(c.values) for c in cols}
        if len(set(lengths.values())) > 1:
            raise DataError(f"{owner}: columns differ in length: {lengths}.")
        _set(self, "columns", cols)
        _text(owner, "title", self.title, optional=True)
        by_name = {c.name: c for c in cols}
        if self.rank_change is not None:
            if self.rank_change not in by_name:
                raise SpecError(f"{owner}: rank_change column {self.rank_change!r} is not a column; columns are {names}.")
            if by_name[self.rank_change].fmt.kind != "rank_change":
                raise SpecError(f"{owner}: rank_change column {self.rank_change!r} must use the rank_change() format; "
                                f"it uses {by_name[self.rank_change].fmt.kind!r}.")
        heat = (self.heat,) if isinstance(self.heat, str) else tuple(self.heat)
        for h in heat:
            if h not in by_name:
                raise SpecError(f"{owner}: heat column {h!r} is not a column; columns are {names}.")
            if not by_name[h].fmt.numeric:
                raise SpecError(f"{owner}: heat column {h!r} is not numeric (format {by_name[h].fmt.kind!r}).")
        _set(self, "heat", heat)
        if self.heat_range is not None:
            lo, hi = (_number(owner, "heat_range", v) for v in self.heat_range)
            if lo is None or hi is None or hi < lo:
                raise SpecError(f"{owner}: heat_range must be (low, high) with low <= high; got {self.heat_range!r}.")
            _set(self, "heat_range", (lo, hi))
        _text(owner, "note", self.note, optional=True)
        _text(owner, "source", self.source, optional=True)
        _set(self, "base_n", _opt_int(owner, "base_n", self.base_n))
        _slug(owner, "id", self.id, optional=True)
        _sheet(owner, self.sheet)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, title: str | None = None,
                   formats: Mapping[str, NumberFormat] | None = None, labels: Mapping[str, str] | None = None,
                   rank_change: str | None = None, heat: Sequence[str] | str = (),
                   heat_range: tuple[float, float] | None = None, note: str | None = None,
                   source: str | None = None, base_n: int | None = None, id: str | None = None,
                   sheet: str | None = None) -> Table:
        """Build a table from a DataFrame (its columns, in order; the index is not shown).

        Columns without an entry in ``formats`` get :func:`~dtindex.report.format.infer_format`
        of their dtype; the ``rank_change`` column gets ``rank_change()`` unless given.

        >>> t = Table.from_frame(pd.DataFrame({"city": ["深圳", "上海"], "score": [1.5, 1.25]}))
        >>> t.column("score").values, t.column("city").fmt.kind
        ((1.5, 1.25), 'text')
        """
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"Table.from_frame needs a pandas DataFrame; got {type(frame).__name__}.")
        formats = dict(formats or {})
        labels = dict(labels or {})
        names = [str(c) for c in frame.columns]
        unknown = sorted((set(formats) | set(labels)) - set(names))
        if unknown:
            raise SpecError(f"Table {title or id or ''}: formats/labels name unknown columns {unknown}; columns are {names}.")
        if rank_change is not None and rank_change not in formats:
            formats[rank_change] = rank_change_format()
        cols = []
        for pos, name in enumerate(names):
            values, kind = _column_values(frame.iloc[:, pos])
            fmt = formats.get(name, infer_format(kind))
            cols.append(Column(name, values, fmt, labels.get(name)))
        return cls(tuple(cols), title=title, rank_change=rank_change, heat=heat, heat_range=heat_range, note=note,
                   source=source, base_n=base_n, id=id, sheet=sheet)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.columns[0].values)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise SpecError(f"Table {self.title or self.id or ''}: no column {name!r}; columns are {[c.name for c in self.columns]}.")

    def frame(self) -> pd.DataFrame:
        """A new DataFrame with the table's values (missing values as NaN / None)."""
        data = {}
        for c in self.columns:
            data[c.name] = (np.array([np.nan if v is None else v for v in c.values], dtype=float)
                            if c.fmt.numeric else list(c.values))
        return pd.DataFrame(data)


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


Block = Heading | Paragraph | Callout | KPICards | Table | Chart | Map
BLOCK_TYPES = (Heading, Paragraph, Callout, KPICards, Table, Chart, Map)


# ---------------------------------------------------------------------- section / report
@dataclass(frozen=True)
class Section:
    """A report section: fixed ``id``, ``title``, optional ``lead`` paragraph, and blocks."""

    id: str
    title: str
    blocks: tuple[Block, ...] = ()
    lead: str | None = None

    def __post_init__(self) -> None:
        _slug("Section", "id", self.id)
        _text(f"Section {self.id!r}", "title", self.title)
        blocks = tuple(self.blocks)
        bad = [type(b).__name__ for b in blocks if not isinstance(b, BLOCK_TYPES)]
        if bad:
            raise SpecError(f"Section {self.id!r}: blocks must be Heading, Paragraph, Callout, KPICards, Table, "
                            f"Chart or Map values; got {bad}.")
        _set(self, "blocks", blocks)
        _text(f"Section {self.id!r}", "lead", self.lead, optional=True)

    def block_ids(self) -> tuple[str, ...]:
        """Element id of each block: its ``id`` or ``"<section id>-<position>"``."""
        return tuple(b.id or f"{self.id}-{i}" for i, b in enumerate(self.blocks, start=1))


@dataclass(frozen=True)
class Report:
    """A whole report.

    Parameters
    ----------
    title : str
    sections : tuple of Section
    subtitle : str, optional
    meta : mapping or pairs of str -> str
        Shown in the HTML header and on the Excel README sheet (e.g. data source, recipe
        hash, release directory); order kept. Multi-line values keep their lines.
    lang : ``"zh"`` | ``"en"``
        Language of the renderers' fixed words and number words.
    synthetic : bool
        Label every output as computed from synthetic data (banner, README sheet, each
        sheet's caption row).
    notice : str, optional
        An extra banner line (e.g. a data caveat).
    """

    title: str
    sections: tuple[Section, ...]
    subtitle: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    lang: str = "zh"
    synthetic: bool = False
    notice: str | None = None

    def __post_init__(self) -> None:
        _text("Report", "title", self.title)
        check_choice("Report", "lang", self.lang, LANGS)
        sections = tuple(self.sections)
        if not sections or any(not isinstance(s, Section) for s in sections):
            raise SpecError("Report: sections must be a non-empty sequence of Section values.")
        _set(self, "sections", sections)
        sids = [s.id for s in sections]
        dup = sorted({s for s in sids if sids.count(s) > 1})
        if dup:
            raise SpecError(f"Report: duplicate section ids {dup}.")
        seen: dict[str, str] = {f"sec-{s}": s for s in sids}
        for s in sections:
            for bid in s.block_ids():
                if bid in seen or f"sec-{bid}" in seen:
                    raise SpecError(f"Report: element id {bid!r} in section {s.id!r} is already used "
                                    f"(in section {seen.get(bid, seen.get(f'sec-{bid}'))!r}); give the block another id.")
                seen[bid] = s.id
        meta = list(self.meta.items()) if isinstance(self.meta, Mapping) else list(self.meta)
        for item in meta:
            if len(item) != 2 or not isinstance(item[0], str) or not isinstance(item[1], str):
                raise SpecError(f"Report: meta entries must be (str, str) pairs; got {item!r}.")
        keys = [k for k, _ in meta]
        if len(set(keys)) != len(keys):
            raise SpecError(f"Report: duplicate meta keys {sorted({k for k in keys if keys.count(k) > 1})}.")
        _set(self, "meta", tuple((k, v) for k, v in meta))
        _text("Report", "subtitle", self.subtitle, optional=True)
        _text("Report", "notice", self.notice, optional=True)
        _set(self, "synthetic", bool(self.synthetic))

    def blocks(self) -> Iterator[tuple[Section, str, Block]]:
        """Every block in report order, as (section, element id, block)."""
        for s in self.sections:
            yield from ((s, bid, b) for bid, b in zip(s.block_ids(), s.blocks))
