"""Render a :class:`~dtindex.report.model.Report` as an Excel workbook (openpyxl).

Sheets, in order:

* README (``说明``): title, subtitle, the synthetic-data label, the notice, every ``meta``
  entry (multi-line values one line per row, e.g. a recipe) and a contents list linking to
  each sheet.
* One sheet per :class:`~dtindex.report.model.Table`, :class:`~dtindex.report.model.Chart`
  and :class:`~dtindex.report.model.Map` block, in report order: row 1 is a caption (title,
  unit, synthetic tag), row 2 the header, data from row 3; panes frozen at ``A3`` so caption
  and header stay visible. Notes, source, base N (and, for maps, the units without a shape)
  follow two rows under the data.
* Findings (``发现``), when the report has numbered findings.

Cells hold raw numbers; their display comes from the same
:class:`~dtindex.report.format.NumberFormat` the HTML uses (``NumberFormat.excel``). Heat
colours and up/down colours come from :mod:`dtindex.report.style`, as in the HTML. Charts
marked ``main=True`` get a native Excel chart (line, bar, stacked or 100 % stacked bar,
scatter with threshold lines, pie) next to their data.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference, ScatterChart
from openpyxl.chart import Series as XLSeries
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from dtindex.errors import DataError
from dtindex.io.atomic import atomic_write

from . import geo
from .format import NumberFormat, decimal, percent
from .format import text as text_format
from .labels import label, note_lines
from .model import Chart, Map, Paragraph, Report, Table
from .style import UP_DOWN, heat_colours, ink_for

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_MAX_CELL = 32767
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="EEF2F7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="B9C2CF"))
_BOLD = Font(bold=True)
_CAPTION = Font(bold=True, size=12)
_NOTE = Font(italic=True, color="5F6B7A")
_SYNTH = Font(bold=True, color="C23B3B")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _put(ws: Worksheet, row: int, col: int, value: object) -> object:
    """Write one cell; text is never taken for a formula; bad text is refused with its location."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        where = f"sheet {ws.title!r}, cell {cell.coordinate}"
        if _ILLEGAL.search(value):
            raise DataError(f"Excel output: {where}: text {value[:40]!r} contains control characters Excel cannot store.")
        if len(value) > _MAX_CELL:
            raise DataError(f"Excel output: {where}: text of {len(value)} characters exceeds Excel's {_MAX_CELL}.")
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel-safe, workbook-unique sheet name (<= 31 characters, case-insensitive unique)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", wanted).strip().strip("'") or "Sheet"
    name = name[:31]
    candidate, k = name, 2
    while candidate.casefold() in taken:
        suffix = f" ({k})"
        candidate = name[: 31 - len(suffix)] + suffix
        k += 1
    taken.add(candidate.casefold())
    return candidate


def _caption(ws: Worksheet, report: Report, title: str, unit: str | None) -> None:
    text = title + (label(report.lang, "unit_caption", unit=unit) if unit else "")
    if report.synthetic:
        text += " " + label(report.lang, "synthetic_tag")
    _put(ws, 1, 1, text).font = _SYNTH if report.synthetic else _CAPTION
    ws.freeze_panes = "A3"


def _header(ws: Worksheet, headings: list[str]) -> None:
    for j, h in enumerate(headings, start=1):
        cell = _put(ws, 2, j, h)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)


def _column(ws: Worksheet, col: int, values: tuple | list, fmt: NumberFormat, lang: str, *,
            fills: list[str | None] | None = None, directions: list[str] | None = None) -> list[str]:
    """Write a column from row 3 with its number format; returns the display texts (for widths)."""
    code = fmt.excel
    up, down = UP_DOWN[lang]
    for i, v in enumerate(values):
        cell = _put(ws, 3 + i, col, fmt.excel_value(v, lang))
        cell.number_format = code
        if fills is not None and fills[i] is not None:
            cell.fill = _fill(fills[i])
            cell.font = _ink(ink_for(fills[i]))
        elif directions is not None and directions[i] in ("up", "down"):
            cell.font = _ink(up if directions[i] == "up" else down)
    return fmt.texts(values, lang)


@lru_cache(maxsize=512)
def _fill(colour: str) -> PatternFill:
    """One solid fill object per colour (heat-table cells share it; openpyxl stores each style once)."""
    return PatternFill(fill_type="solid", fgColor=colour.lstrip("#").upper())


@lru_cache(maxsize=512)
def _ink(colour: str) -> Font:
    return Font(color=colour.lstrip("#").upper())


def _widths(ws: Worksheet, texts_per_column: list[list[str]]) -> None:
    for j, texts in enumerate(texts_per_column, start=1):
        width = max((_display_width(t) for t in texts), default=6)
        ws.column_dimensions[get_column_letter(j)].width = max(6, min(60, width + 2))


def _notes(ws: Worksheet, row: int, lines: list[str]) -> None:
    for k, line in enumerate(lines):
        _put(ws, row + k, 1, line).font = _NOTE


# ---------------------------------------------------------------------- sheets
def _table_sheet(ws: Worksheet, report: Report, t: Table) -> None:
    lang = report.lang
    _caption(ws, report, t.title or ws.title, None)
    _header(ws, [c.heading for c in t.columns])
    lo, hi = t.heat_range if t.heat_range is not None else (None, None)
    if t.heat and t.heat_range is None:
        finite = [v for c in t.columns if c.name in t.heat for v in c.values if v is not None]
        lo, hi = (min(finite), max(finite)) if finite else (None, None)
    texts = []
    for j, c in enumerate(t.columns, start=1):
        fills = heat_colours(c.values, lo, hi) if c.name in t.heat else None
        dirs = c.fmt.direction(c.values) if c.fmt.kind in ("rank_change", "change") else None
        texts.append([c.heading] + _column(ws, j, c.values, c.fmt, lang, fills=fills, directions=dirs))
    _widths(ws, texts)
    _notes(ws, 3 + t.n_rows + 1, note_lines(lang, t.note, t.source, t.base_n))


def _chart_sheet(ws: Worksheet, report: Report, ch: Chart) -> None:
    lang = report.lang
    _caption(ws, report, ch.title, ch.unit)
    texts: list[list[str]]
    if ch.kind in ("scatter", "quadrant"):
        x_fmt = ch.x_fmt or ch.fmt
        names, labels_, xs, ys = [], [], [], []
        for s in ch.series:
            names += [s.name] * len(s.values)
            labels_ += list(s.labels or [""] * len(s.values))
            xs += list(s.x)
            ys += list(s.values)
        _header(ws, [label(lang, "series"), label(lang, "label"), ch.x_label or "x", ch.y_label or ch.unit or "y"])
        texts = [[label(lang, "series")] + _column(ws, 1, names, text_format(), lang),
                 [label(lang, "label")] + _column(ws, 2, labels_, text_format(), lang),
                 [ch.x_label or "x"] + _column(ws, 3, xs, x_fmt, lang),
                 [ch.y_label or "y"] + _column(ws, 4, ys, ch.fmt, lang)]
        n_rows = len(xs)
    elif ch.kind == "path":
        heads = [label(lang, "series"), "from", "to", ch.y_label or "estimate", "p"]
        _header(ws, heads)
        texts = [[heads[0]] + _column(ws, 1, [s.name for s in ch.series], text_format(), lang),
                 [heads[1]] + _column(ws, 2, [s.labels[0] for s in ch.series], text_format(), lang),
                 [heads[2]] + _column(ws, 3, [s.labels[1] for s in ch.series], text_format(), lang),
                 [heads[3]] + _column(ws, 4, [s.values[0] for s in ch.series], ch.fmt, lang),
                 [heads[4]] + _column(ws, 5, [s.values[1] for s in ch.series], decimal(4), lang)]
        n_rows = len(ch.series)
    elif ch.kind == "heat_table":
        _header(ws, [label(lang, "category")] + list(ch.categories))
        every = [v for s in ch.series for v in s.values]
        finite = [v for v in every if v is not None]
        lo, hi = (min(finite), max(finite)) if finite else (None, None)
        texts = [[label(lang, "category")] + _column(ws, 1, [s.name for s in ch.series], text_format(), lang)]
        for j, cat in enumerate(ch.categories):
            col = [s.values[j] for s in ch.series]
            texts.append([cat] + _column(ws, 2 + j, col, ch.fmt, lang, fills=heat_colours(col, lo, hi)))
        n_rows = len(ch.series)
    else:
        head = [ch.x_label or label(lang, "category")] + [s.name for s in ch.series]
        texts = [[head[0]] + _column(ws, 1, list(ch.categories), text_format(), lang)]
        for j, s in enumerate(ch.series, start=2):
            texts.append([s.name] + _column(ws, j, s.values, ch.fmt, lang))
        if ch.kind == "pie":
            total = sum(v for v in ch.series[0].values if v is not None)
            shares = [None if (v is None or total == 0) else v / total for v in ch.series[0].values]
            head.append(label(lang, "share"))
            texts.append([label(lang, "share")] + _column(ws, 3, shares, percent(1), lang))
        _header(ws, head)
        n_rows = len(ch.categories)
    _widths(ws, texts)
    _notes(ws, 3 + n_rows + 1, note_lines(lang, ch.note, ch.source, ch.base_n))
    if ch.main:
        _native_chart(ws, ch, n_rows, len(texts), lang)


def _native_chart(ws: Worksheet, ch: Chart, n_rows: int, n_cols: int, lang: str) -> None:
    """Add the native Excel chart of a main series next to its data."""
    last = 2 + n_rows
    anchor = f"{get_column_letter(n_cols + 2)}2"
    if ch.kind == "line":
        chart = LineChart()
    elif ch.kind == "pie":
        chart = PieChart()
    elif ch.kind in ("scatter", "quadrant"):
        chart = ScatterChart()
    else:
        chart = BarChart()
        chart.type = "bar" if ch.horizontal else "col"
        if ch.kind == "stacked_bar":
            chart.grouping = "percentStacked" if ch.percent else "stacked"
            chart.overlap = 100
        if ch.horizontal:
            chart.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the HTML
    chart.title = ch.title
    chart.width, chart.height = 20, 10
    if ch.kind in ("scatter", "quadrant"):
        row = 3
        for s in ch.series:
            n = len(s.values)
            xs = Reference(ws, min_col=3, min_row=row, max_row=row + n - 1)
            ys = Reference(ws, min_col=4, min_row=row, max_row=row + n - 1)
            series = XLSeries(ys, xs, title=s.name)
            series.marker.symbol = "circle"
            series.graphicalProperties.line.noFill = True
            chart.series.append(series)
            row += n
        _threshold_series(ws, ch, chart, n_rows, lang)
        chart.style = 13
    else:
        n_series = len(ch.series)
        data = Reference(ws, min_col=2, min_row=2, max_col=1 + n_series, max_row=last)
        chart.add_data(data, titles_from_data=True)
        # categories are text (quarters, city names): a string reference, not openpyxl's default numRef
        categories = StrRef(f=str(Reference(ws, min_col=1, min_row=3, max_row=last)))
        for series in chart.series:
            series.cat = AxDataSource(strRef=categories)
    if ch.kind != "pie":
        chart.x_axis.title = ch.x_label
        chart.y_axis.title = ch.y_label or ch.unit
        chart.y_axis.number_format = "0%" if ch.percent else ch.fmt.excel
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if ch.kind in ("scatter", "quadrant"):
            chart.x_axis.number_format = (ch.x_fmt or ch.fmt).excel
    ws.add_chart(chart, anchor)


def _threshold_series(ws: Worksheet, ch: Chart, chart: ScatterChart, n_rows: int, lang: str) -> None:
    """Threshold lines of a scatter chart as two-point line series, their end points written
    under the notes so the chart reads them from cells."""
    xs = [v for s in ch.series for v in s.x if v is not None]
    ys = [v for s in ch.series for v in s.values if v is not None]
    if not xs or (ch.x_threshold is None and ch.y_threshold is None):
        return
    x_fmt = ch.x_fmt or ch.fmt
    word = label(lang, "threshold")
    lines = []
    if ch.x_threshold is not None:
        lines.append((f"{ch.x_label or 'x'} {word} {x_fmt.text(ch.x_threshold, lang)}",
                      [(ch.x_threshold, min(ys)), (ch.x_threshold, max(ys))]))
    if ch.y_threshold is not None:
        lines.append((f"{ch.y_label or ch.unit or 'y'} {word} {ch.fmt.text(ch.y_threshold, lang)}",
                      [(min(xs), ch.y_threshold), (max(xs), ch.y_threshold)]))
    row = 3 + n_rows + 6
    for name, pts in lines:
        _put(ws, row, 2, name).font = _NOTE
        for k, (x, y) in enumerate(pts, start=1):
            _put(ws, row + k, 3, x)
            _put(ws, row + k, 4, y)
        series = XLSeries(Reference(ws, min_col=4, min_row=row + 1, max_row=row + 2),
                          Reference(ws, min_col=3, min_row=row + 1, max_row=row + 2), title=name)
        series.marker.symbol = "none"
        series.graphicalProperties.line.dashStyle = "dash"
        series.graphicalProperties.line.solidFill = "888888"
        chart.series.append(series)
        row += 4


def _map_sheet(ws: Worksheet, report: Report, m: Map) -> None:
    lang = report.lang
    _caption(ws, report, m.title, m.unit)
    codes = [c for c, _ in m.values]
    cov = geo.coverage(m)
    drawn = set(cov.drawn)
    names = geo.unit_names(m, codes, lang)
    on_map = [label(lang, "yes") if c in drawn else label(lang, "no") for c in codes]
    _header(ws, [label(lang, "adcode"), label(lang, "name"), m.unit or label(lang, "value"), label(lang, "on_map")])
    texts = [[label(lang, "adcode")] + _column(ws, 1, codes, text_format(), lang),
             [label(lang, "name")] + _column(ws, 2, [names[c] for c in codes], text_format(), lang),
             [label(lang, "value")] + (_column(ws, 3, [m.class_label(v) for _, v in m.values], text_format(), lang)
                                       if m.classes else _column(ws, 3, [v for _, v in m.values], m.fmt, lang)),
             [label(lang, "on_map")] + _column(ws, 4, on_map, text_format(), lang)]
    _widths(ws, texts)
    shapes = geo.shapes_for(m)
    src = (label(lang, "map_source_vendored") if shapes.source == "vendored"
           else label(lang, "map_source_user", name=shapes.source))
    lines = note_lines(lang, m.note, m.source, m.base_n) + [src]
    if cov.missing:
        lines.append(label(lang, "no_coords" if m.kind == "scatter" else "no_shape") + ": "
                     + ", ".join(f"{names[c]} ({c})" for c in cov.missing))
    _notes(ws, 3 + len(codes) + 1, lines)


def _readme(ws: Worksheet, report: Report, contents: list[tuple[str, str, str, str]]) -> None:
    lang = report.lang
    _put(ws, 1, 1, report.title).font = Font(bold=True, size=16)
    row = 2
    if report.subtitle:
        _put(ws, row, 1, report.subtitle).font = Font(size=12, color="5F6B7A")
        row += 1
    if report.synthetic:
        _put(ws, row, 1, label(lang, "synthetic")).font = _SYNTH
        row += 1
    if report.notice:
        _put(ws, row, 1, report.notice).font = Font(bold=True, color="E07B28")
        row += 1
    row += 1
    _put(ws, row, 1, label(lang, "meta")).font = _CAPTION
    row += 1
    for key, value in ((label(lang, "language"), label(lang, "language_name")),) + report.meta:
        _put(ws, row, 1, key).font = _BOLD
        for line in value.split("\n"):
            _put(ws, row, 2, line)
            row += 1
    row += 1
    _put(ws, row, 1, label(lang, "contents")).font = _CAPTION
    row += 1
    for j, h in enumerate((label(lang, "sheet"), label(lang, "section"), label(lang, "kind"), label(lang, "title")), start=1):
        cell = _put(ws, row, j, h)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
    for sheet, section, kind, title in contents:
        row += 1
        cell = _put(ws, row, 1, sheet)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1", display=sheet)
        cell.font = Font(color="1F5FA8", underline="single")
        _put(ws, row, 2, section)
        _put(ws, row, 3, kind)
        _put(ws, row, 4, title)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 50


def _findings(ws: Worksheet, report: Report) -> None:
    lang = report.lang
    _caption(ws, report, label(lang, "findings_sheet"), None)
    _header(ws, [label(lang, "section"), label(lang, "number"), label(lang, "text"), label(lang, "evidence")])
    row = 3
    for section, _, block in report.blocks():
        if isinstance(block, Paragraph) and block.finding is not None:
            ev = label(lang, "evidence_sep").join(f"{e.label} {e.fmt.text(e.value, lang)}" for e in block.evidence)
            _put(ws, row, 1, section.title)
            _put(ws, row, 2, block.finding)
            _put(ws, row, 3, block.text).alignment = Alignment(wrap_text=True, vertical="top")
            _put(ws, row, 4, ev).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    for col, width in zip("ABCD", (20, 8, 80, 40)):
        ws.column_dimensions[col].width = width


# ---------------------------------------------------------------------- public API
def render_excel(report: Report) -> Workbook:
    """Build the workbook of ``report`` (see the module docstring for its layout).

    Examples
    --------
    >>> import pandas as pd
    >>> from dtindex.report import Report, Section, Table
    >>> wb = render_excel(Report("r", (Section("a", "A", (Table.from_frame(pd.DataFrame({"x": [1]}), title="T"),)),)))
    >>> wb.sheetnames, wb["T"].freeze_panes
    (['说明', 'T'], 'A3')
    """
    lang = report.lang
    wb = Workbook()
    readme = wb.active
    taken: set[str] = set()
    readme.title = _sheet_name(label(lang, "readme_sheet"), taken)
    has_findings = any(isinstance(b, Paragraph) and b.finding is not None for _, _, b in report.blocks())
    findings_name = _sheet_name(label(lang, "findings_sheet"), taken) if has_findings else None
    contents = []
    for section, bid, block in report.blocks():
        if not isinstance(block, (Table, Chart, Map)):
            continue
        wanted = block.sheet or block.title or bid
        ws = wb.create_sheet(_sheet_name(wanted, taken))
        if isinstance(block, Table):
            _table_sheet(ws, report, block)
            kind = label(lang, "kind_table")
        elif isinstance(block, Chart):
            _chart_sheet(ws, report, block)
            kind = label(lang, "kind_chart")
        else:
            _map_sheet(ws, report, block)
            kind = label(lang, "kind_map")
        contents.append((ws.title, section.title, kind, block.title or bid))
    if findings_name is not None:
        _findings(wb.create_sheet(findings_name), report)
        contents.append((findings_name, "", "", label(lang, "findings_sheet")))
    _readme(readme, report, contents)
    wb.properties.title = report.title
    wb.properties.creator = "dtindex"
    return wb


def write_excel(report: Report, path: str | Path) -> Path:
    """Build the workbook and write it to ``path`` atomically. Returns the path."""
    path = Path(path)
    wb = render_excel(report)
    with atomic_write(path, mode="wb") as fh:
        save_workbook(wb, fh)
    return path


#: The time a saved workbook carries unless SOURCE_DATE_EPOCH says otherwise: the earliest a zip entry can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _StableZip(zipfile.ZipFile):
    """A zip archive whose entries all carry one given time (``date_time``) instead of the time of writing."""

    def __init__(self, *args, date_time: tuple[int, ...] = ZIP_EPOCH, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.date_time = tuple(date_time)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # noqa: ANN001
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.date_time)
            info.compress_type = self.compression  # and the default level, as openpyxl's archive has
            info.external_attr = 0o600 << 16  # as ZipFile.writestr sets it for a file name
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # noqa: ANN001
        with open(filename, "rb") as fh:  # openpyxl writes each worksheet to a temporary file first
            self.writestr(arcname if arcname is not None else filename, fh.read(), compress_type, compresslevel)


def save_workbook(wb: Workbook, fh) -> None:  # noqa: ANN001
    """Save ``wb`` into the binary handle ``fh`` so that the same workbook gives the same bytes.

    ``Workbook.save`` stamps the document with the time of saving (``dcterms:created`` and
    ``dcterms:modified``, and the time of each zip entry), so two runs on the same release would
    differ. Here all of them are one fixed time: ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
    reproducible-builds convention) when that variable is set, otherwise :data:`ZIP_EPOCH`
    (1980-01-01 00:00 UTC). What the workbook holds is unchanged; openpyxl's own writer does the rest.
    """
    import datetime as dt
    import os

    from openpyxl.writer.excel import ExcelWriter

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        stamp = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None) if epoch
                 else dt.datetime(*ZIP_EPOCH))
    except (ValueError, OverflowError, OSError) as exc:
        raise DataError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970-01-01") from exc
    stamp = max(stamp, dt.datetime(*ZIP_EPOCH))  # a zip entry cannot be older
    wb.properties.created = wb.properties.modified = stamp
    archive = _StableZip(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True, date_time=stamp.timetuple()[:6])
    try:
        ExcelWriter(wb, archive).save()  # writes every part and closes the archive
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()  # now, while fh is open (the caller discards the partial file)
        raise
