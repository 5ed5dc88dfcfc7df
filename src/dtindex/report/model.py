"""A report as plain immutable values: :class:`Report` -> :class:`Section` -> blocks.

Building a report (choosing tables, charts, words) is separate from rendering it
(:mod:`dtindex.report.html`, :mod:`dtindex.report.excel`). Every value here is a frozen
dataclass holding tuples and Python scalars only, so reports compare with ``==``, hash, and
cannot change after construction; constructors normalise their input (lists -> tuples,
mappings -> sorted or ordered pairs, NaN -> ``None``) and refuse bad input with an error that
names the block and the field.

Blocks: :class:`Heading`, :class:`Paragraph` (optionally a numbered finding with the numbers
it rests on, :class:`Evidence`), :class:`Callout`, :class:`KPICards` of :class:`KPI`,
:class:`Table` of :class:`Column`, :class:`Chart` of :class:`Series`, :class:`Map` (the figures live in
:mod:`dtindex.report.figures`, the shared validation helpers in :mod:`dtindex.report.checks`; all are
importable from here).

Element ids
-----------
Sections have an explicit ``id`` (``[a-z][a-z0-9-]*``). A block's id is its own ``id`` if set,
otherwise ``"<section id>-<position>"`` (1-based). Ids are unique within a report and are the
fixed HTML ids the golden tests and the browser test look up.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dtindex.errors import DataError, SpecError, check_choice

from .checks import _fmt, _number, _numbers, _opt_int, _set, _sheet, _slug, _text
from .figures import (
    CATEGORY_KINDS,
    CHART_KINDS,
    EXCEL_CHART_KINDS,
    MAP_KINDS,
    MAP_LEVELS,
    POINT_KINDS,
    Chart,
    Map,
    Series,
)
from .format import LANGS, NumberFormat, change, decimal, infer_format
from .format import rank_change as rank_change_format

__all__ = [
    "BLOCK_TYPES", "CALLOUT_KINDS", "CATEGORY_KINDS", "CHART_KINDS", "EXCEL_CHART_KINDS", "KPI", "MAP_KINDS", "MAP_LEVELS",
    "POINT_KINDS", "Block", "Callout", "Chart", "Column", "Evidence", "Heading", "KPICards", "Map", "Paragraph", "Report",
    "Section", "Series", "Table",
]

CALLOUT_KINDS = ("info", "warning", "note")


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
