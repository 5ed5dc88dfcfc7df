"""The demo pipeline and the ``dtindex demo`` command, end to end at ``--size small``."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.demo.generator import demo_cities, industries, read_manifest
from dtindex.demo.params import GeneratorParams
from dtindex.demo.pipeline import city_panel, industry_panel, run_demo
from dtindex.errors import DataError
from dtindex.index import Index
from dtindex.release import Release

SPECS = Path(__file__).parents[2] / "src" / "dtindex" / "specs"
PERIODS = ["2021Q1", "2021Q2"]


# ---------------------------------------------------------------------- panels from hand-made values
def _cities() -> pd.DataFrame:
    c = demo_cities(GeneratorParams())
    return c[c["adcode"].isin(["110000", "440300", "340100"])].reset_index(drop=True)


VALUES = pd.DataFrame({
    "adcode": ["110000", "110000", "110000", "440300", "440300"],
    "industry": ["C", "I", "I", "I", "I"],
    "quarter": ["2021Q1", "2021Q1", "2021Q2", "2021Q1", "2021Q1"],
    "indicator": ["cloud", "cloud", "cloud", "cloud", "ai"],
    "value": [1.5, 2.0, 4.0, 8.0, 16.0],
})


def test_city_panel_sums_industries_and_fills_zeros():
    p = city_panel(VALUES, _cities(), PERIODS, ["cloud", "ai"])
    assert p.units == ("110000", "340100", "440300")
    assert p.unit_names == ("北京市", "合肥市", "深圳市")
    # rows: period-major; Beijing 2021Q1 cloud = 1.5 (C) + 2.0 (I) = 3.5; Hefei has no records: 0
    np.testing.assert_array_equal(p.values["cloud"], [3.5, 0.0, 8.0, 4.0, 0.0, 0.0])
    np.testing.assert_array_equal(p.values["ai"], [0.0, 0.0, 16.0, 0.0, 0.0, 0.0])
    assert list(p.groups["province"][:3]) == ["北京市", "安徽省", "广东省"]
    assert list(p.groups["tier"][:3]) == ["一线", "新一线", "一线"]
    assert list(p.groups["cluster"][:3]) == ["京津冀", "长三角", "珠三角"]
    assert p.present.all()


def test_industry_panel_units_are_city_industry_pairs():
    pairs = pd.DataFrame({"adcode": ["110000", "110000", "440300", "440300"], "industry": ["C", "I", "C", "I"]})
    p = industry_panel(VALUES, pairs, _cities(), industries(), PERIODS, ["cloud", "ai"])
    assert p.units == ("110000:C", "110000:I", "440300:C", "440300:I")
    assert p.unit_names[1] == "北京市·信息传输、软件和信息技术服务业"
    np.testing.assert_array_equal(p.values["cloud"], [1.5, 2.0, 0.0, 8.0, 0.0, 4.0, 0.0, 0.0])
    assert list(p.groups["industry"][:4]) == ["C", "I", "C", "I"]
    assert list(p.groups["city"][:4]) == ["110000", "110000", "440300", "440300"]


def test_values_outside_the_unit_list_are_errors():
    with pytest.raises(DataError, match=r"industry panel: city:industry pairs not in the unit list: 440300:I"):
        industry_panel(VALUES, pd.DataFrame({"adcode": ["110000", "110000"], "industry": ["C", "I"]}), _cities(),
                       industries(), PERIODS, ["cloud"])
    with pytest.raises(DataError, match=r"city panel: quarters not in the unit list: 2021Q2"):
        city_panel(VALUES, _cities(), ["2021Q1"], ["cloud"])


# ---------------------------------------------------------------------- end to end through the CLI
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    res = CliRunner().invoke(main, ["demo", "--size", "small", "--out", str(out)], catch_exceptions=False)
    return res, out


def test_cli_writes_a_synthetic_release(demo_run):
    res, out = demo_run
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC DEMO DATA" in res.output
    assert f"Release (SYNTHETIC): {out / 'release'}" in res.output.replace("\n", "")
    rel = Release.load(out / "release")
    assert rel.synthetic and rel.meta["size"] == "small" and "SYNTHETIC" in rel.meta["notice"]
    assert set(rel.builds) == {"city", "industry", "future", "future_city"}
    assert rel.meta["specs"] == {"city": "dti-2023", "industry": "dti-2023-industry"}
    manifest = read_manifest(out / "raw")
    assert rel.meta["records"]["total"] == manifest["n_records"] > 50_000
    assert rel.meta["records"]["by_quarter"] == manifest["records_by_quarter"]
    assert rel.meta["generator"] == manifest["params"] and rel.meta["seed"] == 20230401
    city = rel["city"]
    assert len(city.units) == 337 and city.period_labels[0] == "2021Q1" and city.period_labels[-1] == "2023Q1"
    assert city.base_period == "2021Q1"


def test_base_period_national_total_is_100_for_every_node(demo_run):
    _, out = demo_run
    rel = Release.load(out / "release")
    for name, root in (("city", "DTI"), ("industry", "IND")):
        s = rel[name].scores
        totals = s[s["Time"] == "2021Q1"].groupby("iCode")["value"].sum()
        assert root in totals.index and len(totals) == len(rel[name].framework.nodes)
        np.testing.assert_allclose(totals.to_numpy(), 100.0, rtol=1e-12)
        later = s[s["Time"] == "2023Q1"].groupby("iCode")["value"].sum()
        assert (later != 100.0).all()  # a real test: the total moves after the base period


def test_unit_tables_and_consistent_panels(demo_run):
    _, out = demo_run
    rel = out / "release"
    units = pd.read_csv(rel / "units.csv", dtype={"adcode": str})
    assert list(units.columns[:8]) == ["adcode", "name", "name_en", "province_adcode", "province", "level",
                                       "tier_2025", "cluster"]
    assert len(units) == 337 and units["enterprises"].min() >= 1
    inds = pd.read_csv(rel / "industries.csv", dtype=str)
    assert list(inds["code"]) == list("ABCDEFGHIJKLMNOPQR")
    assert inds["enterprises"].astype(int).sum() == units["enterprises"].sum() == 600
    # the city panel is the industry panel summed over industries
    cd = pd.read_csv(rel / "city_data.csv", dtype={"uCode": str})
    idd = pd.read_csv(rel / "industry_data.csv", dtype={"uCode": str, "city": str})
    summed = idd.groupby(["city", "Time"])[["cloud", "ai", "agile"]].sum()
    mine = cd.set_index(["uCode", "Time"]).loc[summed.index, ["cloud", "ai", "agile"]]
    np.testing.assert_allclose(mine.to_numpy(), summed.to_numpy(), rtol=1e-12)


def test_release_has_the_future_industry_builds(demo_run):
    _, out = demo_run
    rel = Release.load(out / "release")
    fut = rel.meta["future"]
    assert fut["synthetic"] is True and fut["spec"] == "future-industry" and fut["periods"][0] == "2017"
    prov, city = rel["future"], rel["future_city"]
    assert prov.root == "FII" and len(prov.units) == 31 and len(city.units) == 337
    assert prov.period_labels == tuple(fut["periods"]) and prov.period_labels[-1] == "2023"
    assert {"info", "bio", "energy", "mfg", "mat", "space", "info_diversity"} <= {n.code for n in prov.framework.nodes}
    measures = pd.read_csv(out / "release" / "future_measures.csv", dtype={"region": str, "period": str})
    assert set(measures["level"]) == {"province", "city"}
    p23 = measures[(measures["level"] == "province") & (measures["period"] == "2023")]
    # shares of the nation add up to 100 in every field
    np.testing.assert_allclose(p23.groupby("field")["share"].sum().to_numpy(), 100.0)
    for name in ("future_units.csv", "future_ai.csv", "future_taxonomy.csv", "future_environment.csv"):
        assert (out / "release" / name).exists()


def test_report_has_the_future_and_links_sections(demo_run):
    from openpyxl import load_workbook

    _, out = demo_run
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    for sid in ("sec-future", "sec-future-fields", "sec-future-profiles", "sec-future-ai", "sec-links"):
        assert f'id="{sid}"' in html, sid
    assert "未来产业发展指数" in html and "中介路径图" in html
    sheets = load_workbook(out / "report" / "report.xlsx", read_only=True).sheetnames
    for name in ("future_ranking", "future_map_info", "future_field_dimension", "future_paths", "future_ai_leaders",
                 "links_correlation", "links_coefficients", "links_path", "links_mediation"):
        assert name in sheets, name


def test_future_and_links_sections_render_in_chromium(demo_run):
    from tests.report.test_browser import open_in_chromium

    _, out = demo_run
    res = open_in_chromium(out / "report" / "report.html", screenshot="demo-report.png")
    assert res["errors"] == [] and res["requests"] == []
    charts = {c["id"]: c for c in res["charts"]}
    wanted = ["chart-future-map", *[f"chart-future-map-{f}" for f in ("info", "bio", "energy", "mfg", "mat", "space")],
              "chart-future-heat", "chart-future-radar", "chart-future-path-radar", "chart-future-ai-tracks",
              "chart-links-corr", "chart-links-scatter", "chart-links-coef", "chart-links-path"]
    for cid in wanted:
        assert charts[cid]["drawn"] and charts[cid]["points"] > 0, cid
    assert charts["chart-links-path"]["points"] == 4  # X, two mediators, Y
    assert charts["chart-future-map"]["points"] == 31


def test_release_rebuilds_from_spec_and_city_data(demo_run):
    _, out = demo_run
    rel = Release.load(out / "release")
    idx = Index.from_spec(SPECS / "dti-2023.yaml", changes={"data.path": str(out / "release" / "city_data.csv")})
    again = idx.scores_long()
    stored = rel["city"].scores
    assert list(again["uCode"]) == list(stored["uCode"]) and list(again["iCode"]) == list(stored["iCode"])
    np.testing.assert_allclose(again["value"].to_numpy(), stored["value"].to_numpy(), rtol=1e-12)


def test_same_seed_gives_byte_identical_releases(tmp_path):
    a = run_demo(tmp_path / "a", size="small")
    b = run_demo(tmp_path / "b", size="small")
    files = sorted(p.relative_to(a.release_dir) for p in a.release_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b.release_dir) for p in b.release_dir.rglob("*") if p.is_file())
    for f in files:
        assert (a.release_dir / f).read_bytes() == (b.release_dir / f).read_bytes(), f
    c = run_demo(tmp_path / "c", size="small", seed=1)
    assert (c.release_dir / "city" / "scores.csv").read_bytes() != (a.release_dir / "city" / "scores.csv").read_bytes()
    assert set(a.timings) == {"generate", "aggregate", "build", "release", "total"}


def test_progress_reports_each_stage(tmp_path):
    seen = []
    run_demo(tmp_path / "p", size="small", progress=seen.append)
    assert seen == ["generate", "aggregate", "build", "release"]


# ---------------------------------------------------------------------- the report hook
def test_demo_renders_the_report_when_the_module_exists(tmp_path, monkeypatch):
    calls = []

    def render(release_path: Path, out_dir: Path) -> dict[str, Path]:
        calls.append((release_path, out_dir))
        out_dir.mkdir(parents=True, exist_ok=True)
        return {"html": out_dir / "index.html", "excel": out_dir / "report.xlsx"}

    monkeypatch.setitem(sys.modules, "dtindex.report.dti", types.SimpleNamespace(render=render))
    res = CliRunner().invoke(main, ["demo", "--size", "small", "--out", str(tmp_path), "--seed", "5"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert calls == [(tmp_path / "release", tmp_path / "report")]
    flat = res.output.replace("\n", "")
    assert f"Report html: {tmp_path / 'report' / 'index.html'}" in flat
    assert json.loads((tmp_path / "release" / "release.json").read_text(encoding="utf-8"))["seed"] == 5


def test_demo_says_when_there_is_no_report_module(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dtindex.report.dti", None)
    res = CliRunner().invoke(main, ["demo", "--size", "small", "--out", str(tmp_path)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "report renderer (dtindex.report.dti) is not installed" in res.output.replace("\n", " ")


def test_demo_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "keep.txt").write_text("x", encoding="utf-8")
    res = CliRunner().invoke(main, ["demo", "--size", "small", "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert "is not a dtindex demo raw-data folder" in res.output.replace("\n", " ")


def test_demo_refuses_a_foreign_release_folder_before_generating(tmp_path):
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match=r"release: folder exists and is not a dtindex release"):
        run_demo(tmp_path, size="small")
    assert not (tmp_path / "raw").exists()
