"""The survey report rendered with the shared report machinery.

:func:`survey_report` converts the sections of
:func:`dtindex.survey.report.build_report` (tables as DataFrames, charts as plain
dicts) into a :class:`~dtindex.report.model.Report`: bars for single- and
multi-choice items, 100 % stacked bars for Likert items (sorted by top-box
share) and cross-tabs, heat tables, grouped bars for mean scores by group,
province maps. Each chart carries its base N and the question text; every column
shows its label in the report's language (:mod:`dtindex.survey.labels`); nothing is
computed here. The HTML page and the workbook (:func:`write_survey_excel`, the shared
:mod:`dtindex.report.excel` renderer) are two renderings of the same :class:`Report`.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import fmt
from .html import write_html
from .excel import write_excel
from .model import Chart, Evidence, Map, Paragraph, Report, Section, Series, Table

FORMATS = {"pct": fmt.percent(1), "int": fmt.integer(), "num1": fmt.decimal(1), "num2": fmt.decimal(2),
           "num3": fmt.decimal(3)}


def _id(*parts: str) -> str:
    """A report element id (lower-case letters, digits and '-') from survey ids such as 'q-S1'."""
    text = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return text[:64] if text[:1].isalpha() else f"s-{text}"[:64]


def _fmt(name: str):
    return FORMATS.get(name, fmt.decimal(2))


def _note(spec: dict) -> str:
    return " · ".join(x for x in (spec.get("question") and f"“{spec['question']}”", spec.get("note")) if x)


def _sheet(prefix: str, k: int, title: str) -> str:
    """Workbook sheet name of the k-th table or figure: ``表3 S1. 员工人数`` (at most 31 characters)."""
    name = re.sub(r"[\[\]:*?/\\]", "-", f"{prefix}{k} {title}").strip().strip("'")
    return name[:31].rstrip().rstrip("'")


def _chart(spec: dict, lang: str = "zh", sheet: str | None = None) -> Chart | Map | None:
    from dtindex.survey.labels import text as word

    kind, number = spec["kind"], _fmt(spec.get("format", "pct"))
    common = dict(id=_id("survey", str(spec["id"])), base_n=int(spec["base_n"]), note=_note(spec), fmt=number,
                  sheet=sheet)
    if kind == "bar":
        rows = spec["data"]
        return Chart("bar", spec["title"], categories=tuple(str(r["label"]) for r in rows),
                     series=(Series(spec.get("series_name", word("share" if spec.get("format") == "pct" else "value", lang)),
                                    tuple(r["value"] for r in rows)),), horizontal=True, **common)
    if kind == "stacked_bar":
        cats = [str(c) for c in spec["categories"]]
        rows = spec["data"]
        return Chart("stacked_bar", spec["title"], categories=tuple(str(r["label"]) for r in rows),
                     series=tuple(Series(c, tuple(r["values"].get(c) for r in rows)) for c in cats),
                     horizontal=True, percent=True, **common)
    if kind == "heat_table":
        return Chart("heat_table", spec["title"], categories=tuple(str(c) for c in spec["columns"]),
                     series=tuple(Series(str(r), tuple(vals)) for r, vals in zip(spec["rows"], spec["values"])),
                     **common)
    if kind == "map":
        return Map(spec["title"], values=dict(spec["values"]), level="province", fmt=number,
                   names=dict(spec.get("names") or {}),
                   value_range=tuple(spec["value_range"]) if spec.get("value_range") else None,
                   id=_id("survey", str(spec["id"])), base_n=int(spec["base_n"]), note=_note(spec), sheet=sheet)
    if kind == "grouped_bar":
        groups = [str(g) for g in spec["groups"]]
        names = [str(s) for s in spec["series"]]
        value = {(str(d["group"]), str(d["series"])): d["value"] for d in spec["data"]}
        return Chart("grouped_bar", spec["title"], categories=tuple(groups),
                     series=tuple(Series(s, tuple(value.get((g, s)) for g in groups)) for s in names),
                     horizontal=bool(spec.get("horizontal", False)), **common)
    return None


def survey_report(sections, *, title: str, lang: str = "zh", synthetic: bool = False, meta=()) -> Report:
    """A :class:`Report` of the survey sections (see the module docstring)."""
    from dtindex.survey.labels import column_labels

    out = []
    n_fig = n_tab = n_find = 0
    for sec in sections:
        blocks: list = [Paragraph(str(text)) for text in sec.text]
        for f in getattr(sec, "findings", ()):
            n_find += 1
            ev = tuple(Evidence(e["label"], e["value"], FORMATS["pct"] if e.get("format") == "pct" else fmt.text())
                       for e in f.get("evidence", ()))
            blocks.append(Paragraph(str(f["text"]), finding=n_find, evidence=ev))
        for spec in sec.charts:
            n_fig += 1
            chart = _chart(spec, lang, sheet=_sheet("图" if lang == "zh" else "Figure ", n_fig, spec["title"]))
            if chart is not None:
                blocks.append(chart)
        for tab in sec.tables:
            n_tab += 1
            formats = {c: _fmt(f) for c, f in tab.formats.items() if c in tab.frame.columns and f != "text"}
            blocks.append(Table.from_frame(tab.frame, title=tab.title, formats=formats, note=tab.note or None,
                                           labels=column_labels(tab.frame.columns, lang),
                                           id=_id("table", tab.name),
                                           sheet=_sheet("表" if lang == "zh" else "Table ", n_tab, tab.title)))
        out.append(Section(_id(str(sec.id)), sec.title, tuple(blocks)))
    return Report(title, tuple(out), lang=lang, synthetic=synthetic, meta=tuple(meta))


def write_survey_html(sections, path: str | Path, *, title: str, lang: str = "zh", synthetic: bool = False) -> Path:
    """Write the survey report as one offline HTML file."""
    write_html(survey_report(sections, title=title, lang=lang, synthetic=synthetic), path)
    return Path(path)


def write_survey_excel(sections, path: str | Path, *, title: str, lang: str = "zh", synthetic: bool = False) -> Path:
    """Write the survey report as an Excel workbook with the shared renderer (one sheet per table,
    chart and map, labels in the report's language)."""
    # the workbook has no place for free text: each section's sentences go to the README sheet
    meta = [(sec.title, "\n".join(str(t) for t in sec.text)) for sec in sections if sec.text]
    write_excel(survey_report(sections, title=title, lang=lang, synthetic=synthetic, meta=meta), path)
    return Path(path)
