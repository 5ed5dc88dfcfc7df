"""The DTI report assembled from a demo release: contents, reproducibility, and a real browser."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dtindex import analysis as A
from dtindex.demo.pipeline import run_demo
from dtindex.release import Release
from dtindex.report import Chart, KPICards, Map, Paragraph, Table, render_html
from dtindex.report.dti import build_report, render

from .test_browser import open_in_chromium


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, size="small").release_dir


def _blocks(report, kind):
    return [b for s in report.sections for b in s.blocks if isinstance(b, kind)]


def test_sections_and_synthetic_label(release):
    rep = build_report(release)
    assert [s.id for s in rep.sections] == ["overview", "national", "cities", "provinces", "tiers", "clusters",
                                           "industries", "attribution", "regional", "future", "future-fields",
                                           "future-profiles", "future-ai", "links", "method"]
    assert rep.synthetic
    html = render_html(rep)
    assert "合成" in html and "SYNTHETIC" in html.upper()


def test_numbers_come_from_the_release(release):
    rel = Release.load(release)
    city = rel["city"]
    rep = build_report(rel)
    kpi = _blocks(rep, KPICards)[0].cards[0]
    latest = city.period_labels[-1]
    assert kpi.value == pytest.approx(city.table("DTI")[latest].sum())
    # base period: the national index is 100 (base_share, additive)
    nat = A.national_series(city)
    assert nat[(nat.iCode == "DTI") & (nat.Time == city.period_labels[0])]["value"].iloc[0] == pytest.approx(100.0)
    top20 = next(t for t in _blocks(rep, Table) if t.id == "city-top20")
    ranks = city.table("DTI", what="ranks")[latest]
    assert top20.frame().iloc[:, 0].tolist() == sorted(ranks.dropna().astype(int).tolist())[:20]
    findings = [p for p in rep.sections[0].blocks if isinstance(p, Paragraph) and p.finding]
    assert len(findings) == len(A.report_findings(city, rel["industry"], industry_names=pd.read_csv(
        release / "industries.csv", dtype=str).rename(columns={"name": "name_zh"})))


def test_attribution_tables_sum_to_the_change(release):
    rep = build_report(release)
    for t in _blocks(rep, Table):
        if t.id and t.id.startswith("attribution-"):
            df = t.frame()
            ind = df[df.iloc[:, 1] == "indicator"]
            layers = df[df.iloc[:, 1] == "layer"]
            assert ind.iloc[:, 5].sum() == pytest.approx(layers.iloc[:, 5].sum())


def test_render_is_deterministic_and_writes_both_files(release, tmp_path):
    a = render(release, tmp_path / "a")
    b = render(release, tmp_path / "b")
    assert a["html"].read_bytes() == b["html"].read_bytes()
    wb = openpyxl.load_workbook(a["excel"])
    assert {"national", "city_top20", "province_ranking", "tiers", "clusters", "industries"} <= set(wb.sheetnames)
    en = render(release, tmp_path / "en", lang="en")
    assert "Digital Transformation Index" in en["html"].read_text(encoding="utf-8")


def test_report_command(release, tmp_path):
    from click.testing import CliRunner

    from dtindex.cli import main

    res = CliRunner().invoke(main, ["report", str(release), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "report.html").exists() and (tmp_path / "r" / "report.xlsx").exists()
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 1 and "not a dtindex release folder" in res.output


def test_dti_report_in_chromium(release, tmp_path):
    files = render(release, tmp_path / "r")
    rep = build_report(release)
    n_visual = len(_blocks(rep, Chart)) + len(_blocks(rep, Map))
    seen = open_in_chromium(files["html"], screenshot="dti-report.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["charts"]) == n_visual
    assert all(c["canvas"] and c["drawn"] and c["series"] > 0 for c in seen["charts"]), seen["charts"]
