"""Every word a reader sees in the survey reports is in the report's language.

Scans the HTML page (visible text and every chart's categories / series names) and every cell of
the workbook written by the survey demos, in Chinese and English, for machine column names and
codes (``ci_low``, ``share_of_received``, ``all`` ...).
"""

from __future__ import annotations

import html
import re

import pytest
from openpyxl import load_workbook

from dtindex.report import Chart, Map, Paragraph, Table
from dtindex.report.survey import survey_report
from dtindex.survey.labels import COLUMNS, VALUES

# the names the issue found in a Chinese report, plus every machine name the report builder uses
ISSUE = ("step rule flagged removed remaining share_of_received received valid variable group n effective_n deff "
         "margin_of_error item label top_box_se option category estimate se ci_low ci_high method statistic df ddf "
         "p_value design_df delta_trace all").split()
MACHINE = (set(ISSUE) | set(COLUMNS) | set(VALUES)) - {"n", "df"}  # "n" and "df" are also ordinary notation
IDENT = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+|[a-z]+-[a-z0-9-]+")


STEMS = {"genai": "survey_report_SYNTHETIC", "public": "public_survey_SYNTHETIC"}


@pytest.fixture(params=[("genai", "zh"), ("genai", "en"), ("public", "zh"), ("public", "en")], ids="-".join)
def demo(request, survey_demos):
    name, lang = request.param
    out, res = survey_demos(name, lang)
    return lang, out, res, STEMS[name]


def _bad(texts, lang):
    bad = set()
    for t in texts:
        t = str(t).strip()
        if t in MACHINE or IDENT.fullmatch(t):
            bad.add(t)
        if lang == "zh" and re.fullmatch(r"[a-z_]+", t) and t not in {"n", "p", "t", "df"}:
            bad.add(t)
    return sorted(bad)


def test_report_values_are_translated(demo):
    lang, _, res, _ = demo
    rep = survey_report(res.sections, title="t", lang=lang, synthetic=True)
    seen = []
    for sec in rep.sections:
        seen.append(sec.title)
        for b in sec.blocks:
            if isinstance(b, Table):
                seen += [c.heading for c in b.columns]
                seen += [v for c in b.columns if not c.fmt.numeric for v in c.values if isinstance(v, str)]
            elif isinstance(b, Chart):
                seen += list(b.categories) + [s.name for s in b.series]
            elif isinstance(b, Map):
                seen.append(b.title)
            elif isinstance(b, Paragraph):
                seen.append(b.text)
                seen += [e.label for e in b.evidence]
    assert _bad(seen, lang) == []
    # machine names stay in the CSV tables (data files), labels in the report
    heads = [c.heading for s in rep.sections for b in s.blocks if isinstance(b, Table) for c in b.columns]
    assert ("95%置信区间下限" if lang == "zh" else "95% CI lower") in heads


def test_html_and_workbook_have_no_machine_names(demo):
    lang, out, _, stem = demo
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    body = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    visible = [html.unescape(t) for t in re.split(r"<[^>]+>", body) if t.strip()]
    assert _bad(visible, lang) == []
    chart_json = " ".join(re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S))
    quoted = set(re.findall(r'"name": ?"([^"]*)"', chart_json)) | set(re.findall(r'"data": ?\[("[^\]]*)\]', chart_json))
    assert _bad(quoted, lang) == []
    wb = load_workbook(out / f"{stem}.xlsx", read_only=True)
    cells = [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert _bad(cells, lang) == []
    if lang == "zh":
        assert "样本量较小，仅供参考" in " ".join(cells)
        assert "合成数据" in " ".join(cells)
        assert "logit" in " ".join(cells)  # the interval method is stated
