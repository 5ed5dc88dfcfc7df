"""Render a :class:`~dtindex.report.model.Report` as one self-contained offline HTML file.

The file holds everything it needs: the CSS, Apache ECharts 4.9.0 (vendored from the npm
package, inlined), the map shapes the report's maps use (inlined JSON), the chart options
(inlined JSON) and a small runtime that draws them. It loads nothing from the network, so it
works offline and from an e-mail attachment.

Output is deterministic: the same report value gives byte-identical HTML (no timestamps, no
random ids; JSON with sorted keys). Element ids are fixed (``sec-<section id>``,
``<block id>``, ``chart-<block id>``, ``table-<block id>``, ``missing-<block id>``), so
:func:`section_fragments` can be checked against golden files.

Template files: ``templates/report.html.j2`` (document), ``templates/section.html.j2`` (one
section), ``templates/report.css``, ``templates/runtime.js``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from dtindex.io.atomic import atomic_write

from . import echarts, geo
from .labels import label, note_lines
from .model import (
    KPI,
    Callout,
    Chart,
    Heading,
    KPICards,
    Map,
    Paragraph,
    Report,
    Section,
    Table,
)
from .style import FONT_STACK, heat_colours, ink_for


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dtindex.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def _asset(name: str) -> str:
    return (resources.files("dtindex.report") / "templates" / name).read_text(encoding="utf-8")


def script_json(obj: object) -> Markup:
    """JSON text safe inside ``<script type="application/json">``: ``<`` is written as
    ``\\u003c`` so no ``</script>`` can occur; keys sorted for byte-stable output."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c"))


# ---------------------------------------------------------------------- block views
def _notes(lang: str, note: str | None, source: str | None, base_n: int | None, extra: tuple[str, ...] = ()) -> list[str]:
    return note_lines(lang, note, source, base_n) + list(extra)


def _unit(lang: str, unit: str | None) -> str | None:
    return label(lang, "unit_caption", unit=unit) if unit else None


def _table_view(t: Table, bid: str, lang: str) -> dict:
    heat_values = [v for c in t.columns if c.name in t.heat for v in c.values]
    lo, hi = t.heat_range if t.heat_range is not None else (None, None)
    if t.heat and t.heat_range is None:
        finite = [v for v in heat_values if v is not None]
        lo, hi = (min(finite), max(finite)) if finite else (None, None)
    columns = []
    for c in t.columns:
        texts = c.fmt.texts(c.values, lang)
        n = len(texts)
        classes = ["num"] * n if c.fmt.numeric else [""] * n
        if c.fmt.kind in ("rank_change", "change"):
            classes = [f"num {d}" if d else "num" for d in c.fmt.direction(c.values)]
        styles = [""] * n
        if c.name in t.heat:
            styles = [f"background:{f};color:{ink_for(f)}" if f else "" for f in heat_colours(c.values, lo, hi)]
        columns.append(list(zip(texts, classes, styles)))
    rows = [list(r) for r in zip(*columns)]
    return {"type": "table", "id": bid, "title": t.title, "unit": None,
            "head": [{"text": c.heading, "num": c.fmt.numeric} for c in t.columns],
            "rows": rows, "notes": _notes(lang, t.note, t.source, t.base_n)}


def _kpi_view(k: KPI, lang: str) -> dict:
    return {
        "label": k.label, "value": k.fmt.text(k.value, lang),
        "change": None if k.change is None else k.change_fmt.text(k.change, lang),
        "direction": "" if k.change is None else k.change_fmt.direction([k.change])[0],
        "note": k.note,
    }


def _map_missing(m: Map, lang: str) -> list[str]:
    cov = geo.coverage(m)
    if not cov.missing:
        return []
    names = geo.unit_names(m, cov.missing, lang)
    vals = dict(m.values)
    texts = m.fmt.texts([vals[c] for c in cov.missing], lang)
    return [label(lang, "missing_item", name=names[c], code=c, value=t) for c, t in zip(cov.missing, texts)]


@dataclass
class _Views:
    sections: list[tuple[Section, list[dict]]]
    specs: list[dict]
    shapes: list[geo.Shapes]


def _views(report: Report) -> _Views:
    lang = report.lang
    sections, specs, shapes = [], [], []
    seen_shapes: set[str] = set()
    for s in report.sections:
        views = []
        for bid, b in zip(s.block_ids(), s.blocks):
            if isinstance(b, Heading):
                views.append({"type": "heading", "id": bid, "text": b.text})
            elif isinstance(b, Paragraph):
                evidence = None
                if b.evidence:
                    items = label(lang, "evidence_sep").join(f"{e.label} {e.fmt.text(e.value, lang)}" for e in b.evidence)
                    evidence = label(lang, "evidence_line", items=items)
                views.append({"type": "paragraph", "id": bid, "text": b.text, "evidence": evidence,
                              "finding": None if b.finding is None else label(lang, "finding", n=b.finding)})
            elif isinstance(b, Callout):
                views.append({"type": "callout", "id": bid, "kind": b.kind, "title": b.title, "text": b.text})
            elif isinstance(b, KPICards):
                views.append({"type": "kpis", "id": bid, "cards": [_kpi_view(k, lang) for k in b.cards]})
            elif isinstance(b, Table):
                views.append(_table_view(b, bid, lang))
            elif isinstance(b, Chart):
                spec = echarts.chart_spec(b, lang)
                specs.append({"id": f"chart-{bid}", **spec})
                views.append({"type": "chart", "id": bid, "kind": b.kind, "title": b.title, "unit": _unit(lang, b.unit),
                              "height": b.resolved_height, "missing": [], "missing_label": "",
                              "notes": _notes(lang, b.note, b.source, b.base_n)})
            else:  # Map
                spec, needed = echarts.map_spec(b, lang)
                specs.append({"id": f"chart-{bid}", **spec})
                for sh in needed:
                    if sh.key not in seen_shapes:
                        seen_shapes.add(sh.key)
                        shapes.append(sh)
                main = needed[0]
                src = (label(lang, "map_source_vendored") if main.source == "vendored"
                       else label(lang, "map_source_user", name=main.source))
                views.append({"type": "map", "id": bid, "kind": f"{b.level}-{b.kind}", "title": b.title,
                              "unit": _unit(lang, b.unit), "height": b.resolved_height,
                              "missing": _map_missing(b, lang),
                              "missing_label": label(lang, "no_coords" if b.kind == "scatter" else "no_shape"),
                              "notes": _notes(lang, b.note, b.source, b.base_n, (src,))})
        sections.append((s, views))
    return _Views(sections, specs, shapes)


def _render_section(section: Section, views: list[dict]) -> str:
    return _env().get_template("section.html.j2").render(s=section, blocks=views).strip("\n")


# ---------------------------------------------------------------------- public API
def section_fragments(report: Report) -> dict[str, str]:
    """HTML of each section (``<section id="sec-...">...</section>``), keyed by section id,
    exactly as it appears in :func:`render_html`'s output."""
    return {s.id: _render_section(s, views) for s, views in _views(report).sections}


def chart_specs(report: Report) -> list[dict]:
    """The chart specs the HTML embeds, in report order: ``{"id": "chart-<block id>",
    "option": <ECharts option>, "tooltip": ..., "axes": ...}``."""
    return _views(report).specs


def render_parts(report: Report) -> tuple[list[str], list[dict], list[geo.Shapes]]:
    """The pieces :func:`render_html` assembles, for pages that embed a report elsewhere (the dashboard):
    the HTML of each section, the chart specs and the map shapes the charts need."""
    views = _views(report)
    return [_render_section(s, v) for s, v in views.sections], views.specs, views.shapes


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (a string).

    Examples
    --------
    >>> from dtindex.report import Report, Section, Paragraph
    >>> html = render_html(Report("标题", (Section("intro", "引言", (Paragraph("正文"),)),)))
    >>> html.startswith("<!DOCTYPE html>") and 'id="sec-intro"' in html and "http" not in html.split("<script")[0]
    True
    """
    lang = report.lang
    views = _views(report)
    from dtindex import __version__

    meta = []
    for key, value in report.meta:
        lines = value.split("\n")
        meta.append((key, lines[0] + (" …" if len(lines) > 1 else ""), "\n".join(lines) if len(lines) > 1 else ""))
    js = geo.vendor_text("echarts.min.js")
    return _env().get_template("report.html.j2").render(
        report=report,
        html_lang=label(lang, "html_lang"),
        version=__version__,
        font_stack=Markup(FONT_STACK),
        css=Markup(_asset("report.css")),
        synthetic=label(lang, "synthetic") if report.synthetic else None,
        meta=meta,
        contents=label(lang, "contents"),
        sections=[Markup(_render_section(s, v)) for s, v in views.sections],
        generated_by=label(lang, "generated_by", version=__version__, echarts=geo.ECHARTS_VERSION),
        echarts_js=Markup(js),
        geos=[{"key": g.key, "payload": Markup(g.payload.replace("<", "\\u003c"))} for g in views.shapes],
        specs=script_json(views.specs),
        runtime_js=Markup(_asset("runtime.js")),
    )


def write_html(report: Report, path: str | Path) -> Path:
    """Render ``report`` and write it to ``path`` atomically (UTF-8). Returns the path."""
    path = Path(path)
    text = render_html(report)
    with atomic_write(path, mode="w") as fh:
        fh.write(text)
    return path
