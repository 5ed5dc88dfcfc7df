"""The report of any build, not only the synthetic demo: hand-made panels and the real PKU-DFIIC panel.

The PKU-DFIIC city panel (2011–2023) is read from ``../shared/reference/pku-dfiic/`` next to
the repository (citation-only licence: never copied into the repository); its test is
skipped with the reason when that folder is absent (a clean CI clone). The hand-made panels
always run.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.index import Index
from dtindex.release import Release
from dtindex.report import Callout, Chart, KPICards, Map, Table, render_html
from dtindex.report.context import derive_window, report_context
from dtindex.report.dti import build_report, render

from .test_browser import open_in_chromium

def _pku_folder() -> Path:
    """``$DTINDEX_PKU_DFIIC``, else ``shared/reference/pku-dfiic`` next to the repository (or next to its parent, for
    a git worktree)."""
    if os.environ.get("DTINDEX_PKU_DFIIC"):
        return Path(os.environ["DTINDEX_PKU_DFIIC"])
    repo = Path(__file__).resolve().parents[2]
    candidates = [base / "shared" / "reference" / "pku-dfiic" for base in (repo.parent, repo.parent.parent)]
    return next((c for c in candidates if (c / "cities.csv").exists()), candidates[0])


PKU = _pku_folder()
# three cities the region tables know and units they do not (countries)
UNITS = [("330100", "杭州市"), ("440300", "深圳市"), ("510100", "成都市"), ("420100", "武汉市"),
         ("DEU", "德国"), ("JPN", "日本"), ("KOR", "韩国")]
SPEC = """
name: own-demo
title: 城市与国家创新指数
title_en: City and Country Innovation Index
source: 手工构造的测试数据
source_en: hand-made test data
unit: 分
unit_en: points
edition: 2019–2023 版
framework:
  code: INNO
  name: {zh: 创新指数, en: Innovation Index}
  children:
    - code: inputs
      name: {zh: 投入, en: Inputs}
      children:
        - code: people
          name: {zh: 人才, en: People}
          children:
            - {code: researchers, name: {zh: 研究人员, en: Researchers}}
            - {code: graduates, name: {zh: 毕业生, en: Graduates}}
        - {code: rd, name: {zh: 研发投入, en: R&D spending}}
    - code: outputs
      name: {zh: 产出, en: Outputs}
      children:
        - {code: patents, name: {zh: 专利, en: Patents}}
        - {code: startups, name: {zh: 新创企业, en: Start-ups}}
data:
  path: data.csv
methods:
  normalise: {method: minmax, params: {low: 0, high: 100}, scope: pooled}
  aggregate: {method: arithmetic}
"""


def _panel(units, periods, seed=7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k, (code, name) in enumerate(units):
        level = 50 + 10 * k
        for t, period in enumerate(periods):
            grow = (1.05 + 0.01 * ((k * 3) % 5)) ** t * (1.8 if k == 0 and t == len(periods) - 1 else 1.0)
            rows.append({"uCode": code, "uName": name, "Time": period,
                         **{c: round(level * grow * rng.uniform(0.8, 1.2), 3)
                            for c in ("researchers", "graduates", "rd", "patents", "startups")}})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def own_build(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("own")
    (d / "spec.yaml").write_text(SPEC, encoding="utf-8")
    _panel(UNITS, [str(y) for y in range(2019, 2024)]).to_csv(d / "data.csv", index=False)
    Index.from_spec(d / "spec.yaml").write(d / "build")
    return d / "build"


def _blocks(report, kind):
    return [b for s in report.sections for b in s.blocks if isinstance(b, kind)]


def _left_out(report) -> dict[str, str]:
    return {s.id: s.blocks[0].text for s in report.sections
            if len(s.blocks) == 1 and isinstance(s.blocks[0], Callout) and s.blocks[0].id == f"{s.id}-left-out"}


def test_a_build_folder_is_a_release(own_build):
    rel = Release.load(own_build)
    assert rel.meta["builds"] == ["index"] and rel.main is rel["index"] and not rel.synthetic
    assert rel.meta["title"] == "城市与国家创新指数" and rel.meta["edition"] == "2019–2023 版"
    assert rel.unit_names()["DEU"] == "德国"


def test_yearly_minmax_partly_foreign_units(own_build):
    ctx = report_context(own_build)
    assert (ctx.freq, ctx.latest, ctx.previous, ctx.year_ago) == ("year", "2023", "2022", "2022")
    assert ctx.window == ("2021", "2023") and ctx.rollup == "mean" and ctx.unit_kind == "city"
    assert ctx.unmapped == ("DEU", "JPN", "KOR")
    rep = build_report(own_build)
    assert not rep.synthetic and rep.title == "城市与国家创新指数" and rep.notice is None
    html = render_html(rep)
    assert "合成" not in html and "synthetic" not in html.lower()
    assert "手工构造的测试数据" in html and "2019–2023 版" in html
    # the industry section is left out with one line; everything else is drawn
    assert set(_left_out(rep)) == {"industries", "regional"}  # 4 located cities: too few for spatial statistics
    assert "行业指数" in _left_out(rep)["industries"]
    # the framework's own first level, not 基础设施/平台/应用
    line = next(b for b in _blocks(rep, Chart) if b.id == "national-line")
    assert [s.name for s in line.series] == ["创新指数", "投入", "产出"] and line.categories == tuple(map(str, range(2019, 2024)))
    # every chart, map and table carries the source and edition
    assert all(b.source == "手工构造的测试数据（2019–2023 版）"
               for b in _blocks(rep, Chart) + _blocks(rep, Map) + _blocks(rep, Table))
    # rankings name the foreign units by the data's names; maps show only the cities, the rest are listed
    top = next(t for t in _blocks(rep, Table) if t.id == "city-top20").frame()
    assert {"德国", "日本", "韩国", "杭州"} <= set(top.iloc[:, 1])
    city_map = next(m for m in _blocks(rep, Map) if m.id == "city-map")
    assert {c for c, _ in city_map.values} == {"330100", "440300", "510100", "420100"}
    assert "德国（DEU）" in html
    # provinces are means of their cities (minmax scores do not add up), and the table says so
    prov = next(t for t in _blocks(rep, Table) if t.id == "province-ranking")
    assert "简单平均" in prov.note
    b = rel_scores(own_build)
    zj = prov.frame().set_index(prov.columns[1].name).iloc[:, 1]
    assert zj["浙江"] == pytest.approx(b.loc["330100", "2023"])
    # the new charts
    kinds = {b.id: b.kind for b in _blocks(rep, Chart)}
    assert kinds["city-top20-bar"] == "bar" and kinds["city-bump"] == "bump" and kinds["city-quadrant"] == "quadrant"
    assert kinds["tier-layers"] == kinds["cluster-layers"] == "grouped_bar"
    bump = next(b for b in _blocks(rep, Chart) if b.id == "city-bump")
    ranks = Release.load(own_build).main.table("INNO", what="ranks")
    first = ranks["2023"].idxmin()
    assert bump.series[0].values == tuple(float(v) for v in ranks.loc[first])


def rel_scores(path: Path) -> pd.DataFrame:
    return Release.load(path).main.table("INNO")


def test_units_that_are_not_chinese_regions(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    units = [("DEU", "Germany"), ("JPN", "Japan"), ("KOR", "Korea"), ("USA", "United States"), ("FRA", "France")]
    _panel(units, ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2"]).to_csv(tmp_path / "data.csv", index=False)
    Index.from_spec(tmp_path / "spec.yaml").write(tmp_path / "b")
    rep = build_report(tmp_path / "b", lang="en")
    assert rep.title == "City and Country Innovation Index"
    left = _left_out(rep)
    assert set(left) == {"provinces", "tiers", "clusters", "industries", "regional"}
    assert "not cities" in left["provinces"]
    assert _blocks(rep, Map) == []
    top = next(t for t in _blocks(rep, Table) if t.id == "city-top20").frame()
    assert set(top.iloc[:, 1]) == {n for _, n in units}
    # quarterly: the table shows both the change on a year earlier and on the previous quarter
    assert [c.name for c in next(t for t in _blocks(rep, Table) if t.id == "city-top20").columns][-2:] == [
        "vs a year earlier", "vs previous quarter"]
    assert report_context(tmp_path / "b").window == ("2022Q1", "2022Q2")
    files = render(tmp_path / "b", tmp_path / "r", lang="en")
    assert {"city_top20_bar", "city_bump", "city_quadrant"} <= set(openpyxl.load_workbook(files["excel"]).sheetnames)


def test_additive_example_rolls_up_by_sum(tmp_path):
    """The shipped dti-mini example (quarterly, base_share): provinces are sums, tier shares are drawn."""
    idx = Index.from_spec(files("dtindex") / "examples" / "dti-mini" / "spec.yaml")
    idx.write(tmp_path / "b")
    ctx = report_context(tmp_path / "b")
    assert ctx.rollup == "sum" and ctx.window == ("2022Q1", "2023Q1") and ctx.release.synthetic
    rep = build_report(tmp_path / "b")
    ids = {b.id for b in _blocks(rep, Chart)}
    assert {"tier-shares", "cluster-shares", "tier-layers", "city-bump"} <= ids
    prov = next(t for t in _blocks(rep, Table) if t.id == "province-ranking")
    assert "之和" in prov.note


@pytest.mark.parametrize("periods,freq,window", [
    (["2020", "2021", "2022", "2023"], "year", ("2021", "2023")),
    ([f"2022-{m:02d}" for m in range(1, 13)] + [f"2023-{m:02d}" for m in range(1, 13)], "month", ("2023-01", "2023-12")),
    (["2023Q1", "2023Q2"], "quarter", None),
])
def test_derived_window(periods, freq, window):
    assert derive_window(periods, freq) == window


def test_report_options_override_the_spec(own_build, tmp_path):
    res = CliRunner().invoke(main, ["report", str(own_build), "--out", str(tmp_path / "r"), "--title", "我的报告",
                                    "--source", "某研究院", "--edition", "第二期", "--window", "2020:2023"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "我的报告" in html and "数据来源：某研究院（第二期）" in html and "2020–2023 同比均值" in html
    res = CliRunner().invoke(main, ["report", str(own_build), "--window", "2020"])
    assert res.exit_code != 0 and "START:END" in res.output
    res = CliRunner().invoke(main, ["report", str(own_build), "--out", str(tmp_path / "x"), "--window", "2010:2023"])
    assert res.exit_code == 1 and "2010" in res.output


# ---------------------------------------------------------------------- PKU-DFIIC (real data)
def _pku_tables(out: Path) -> tuple[Path, Path]:
    """The city panel as COINr tables: three published dimensions under the published weights."""
    src = pd.read_csv(PKU / "cities.csv", dtype={"city_code": str})
    meta = pd.DataFrame([
        ("breadth", "覆盖广度", "Coverage breadth", 1, 0.53961, "DFIIC", "Indicator"),
        ("depth", "使用深度", "Usage depth", 1, 0.29696, "DFIIC", "Indicator"),
        ("digitisation", "数字化程度", "Digitisation level", 1, 0.16342, "DFIIC", "Indicator"),
        ("DFIIC", "数字普惠金融指数", "Digital Financial Inclusion Index", 2, 1, "", "Aggregate"),
    ], columns=["iCode", "iName", "iName_en", "Level", "Weight", "Parent", "Type"])
    meta["Direction"] = 1
    meta.to_csv(out / "meta.csv", index=False)
    data = src.rename(columns={"city_code": "uCode", "city": "uName", "year": "Time"})
    data[["uCode", "uName", "Time", "breadth", "depth", "digitisation"]].to_csv(out / "data.csv", index=False)
    return out / "meta.csv", out / "data.csv"


@pytest.mark.skipif(not (PKU / "cities.csv").exists(),
                    reason=f"PKU-DFIIC reference panel not found at {PKU} (reference data next to the repository, "
                           "never shipped; set DTINDEX_PKU_DFIIC to its folder)")
def test_pku_dfiic_build_and_report_in_chromium(tmp_path):
    meta, data = _pku_tables(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["build", "--framework", str(meta), "--data", str(data), "--normalise", "none",
                               "--aggregate", "arithmetic", "--out", str(tmp_path / "pku")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["report", str(tmp_path / "pku"), "--source", "北京大学数字金融研究中心",
                               "--edition", "2011–2023"])
    assert res.exit_code == 0, res.output
    html_path = tmp_path / "pku" / "report" / "report.html"
    assert html_path.exists() and (tmp_path / "pku" / "report" / "report.xlsx").exists()

    rep = build_report(tmp_path / "pku", info={"source": "北京大学数字金融研究中心", "edition": "2011–2023"})
    assert not rep.synthetic and "合成" not in render_html(rep)
    assert set(_left_out(rep)) == {"industries"}
    top = next(t for t in _blocks(rep, Table) if t.id == "city-top20").frame()
    # README: top 5 of 2023 by index (the rebuilt index differs from the published one by rounding only)
    assert top.iloc[:5, 1].tolist() == ["杭州", "上海", "深圳", "厦门", "南京"]
    assert top.iloc[0, 2] == pytest.approx(373.22, abs=0.02)
    # provinces are means of their cities, not sums (index points do not add up)
    src = pd.read_csv(PKU / "cities.csv", dtype={"city_code": str})
    zj = src[(src.year == 2023) & (src.province == "浙江省")]
    prov = next(t for t in _blocks(rep, Table) if t.id == "province-ranking").frame()
    zj_report = prov[prov.iloc[:, 1] == "浙江"].iloc[0, 2]
    rebuilt = Release.load(tmp_path / "pku").main.table("DFIIC")["2023"]
    assert zj_report == pytest.approx(rebuilt[zj.city_code].mean())
    assert zj_report == pytest.approx(zj["index"].mean(), abs=0.01)
    # 莱芜 (abolished 2019) is ranked, counted in 山东, listed as not on the map
    assert "莱芜市（371200）" in render_html(rep)
    seen = open_in_chromium(html_path, screenshot="pku-dfiic-report.png")
    assert seen["errors"] == [] and seen["requests"] == []
    n_visual = len(_blocks(rep, Chart)) + len(_blocks(rep, Map))
    assert len(seen["charts"]) == n_visual >= 8
    assert all(c["canvas"] and c["drawn"] and c["series"] > 0 for c in seen["charts"]), seen["charts"]


def test_cross_section_of_countries(tmp_path):
    """COINr's ASEM example (51 countries, one period, minmax): rankings and charts, no maps, no time sections."""
    asem = Path(__file__).parents[1] / "data" / "asem"
    res = CliRunner().invoke(main, ["build", "--framework", str(asem / "ASEM_iMeta.csv"), "--data",
                                    str(asem / "ASEM_iData.csv"), "--out", str(tmp_path / "asem")])
    assert res.exit_code == 0, res.output
    rep = build_report(tmp_path / "asem", lang="en")
    assert set(_left_out(rep)) == {"provinces", "tiers", "clusters", "industries", "attribution", "regional"}
    ids = {b.id for b in _blocks(rep, Chart)}
    assert ids == {"city-top20-bar"}  # one period: no line, bump or quadrant to draw
    assert _blocks(rep, Map) == []
    method = next(s for s in rep.sections if s.id == "method")
    assert "Provinces" not in method.blocks[-1].text
    assert "The all units index is the plain mean of the units' scores" in method.blocks[-1].text
    top = next(t for t in _blocks(rep, Table) if t.id == "city-top20").frame()
    assert top.iloc[0, 1] == "Germany"  # COINr's ASEM ranking puts Germany first with these defaults
    render(tmp_path / "asem", tmp_path / "r", lang="en")


def test_declared_weighted_mean_rollup(tmp_path):
    """``rollup: {method: weighted_mean, weight: population}``: provinces are population-weighted means."""
    units = [("330100", "杭州市"), ("330200", "宁波市"), ("440300", "深圳市"), ("440100", "广州市"), ("510100", "成都市")]
    df = _panel(units, ["2021", "2022", "2023"])
    df["population"] = df["uCode"].map({"330100": 1200.0, "330200": 950.0, "440300": 1750.0, "440100": 1880.0,
                                        "510100": 2100.0})
    df.to_csv(tmp_path / "data.csv", index=False)
    spec = SPEC.replace("data:\n  path: data.csv\n", "denominators: [population]\ndata:\n  path: data.csv\n")
    spec = spec.replace("  aggregate: {method: arithmetic}\n",
                        "  aggregate: {method: arithmetic}\n  rollup: {method: weighted_mean, weight: population}\n")
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    Index.from_spec(tmp_path / "spec.yaml").write(tmp_path / "b")
    assert (tmp_path / "b" / "rollup_weights.csv").exists()
    ctx = report_context(tmp_path / "b")
    assert ctx.rollup == "weighted_mean" and ctx.rollup_weight == "population"
    rep = build_report(tmp_path / "b")
    prov = next(t for t in _blocks(rep, Table) if t.id == "province-ranking")
    assert "以 population 加权的平均" in prov.note
    s = Release.load(tmp_path / "b").main.table("INNO")["2023"]
    zj = prov.frame().set_index(prov.columns[1].name).iloc[:, 1]["浙江"]
    assert zj == pytest.approx((1200 * s["330100"] + 950 * s["330200"]) / (1200 + 950))
    kpi = next(k for k in _blocks(rep, KPICards)).cards[0]
    total = 1200 + 950 + 1750 + 1880 + 2100
    assert kpi.value == pytest.approx((1200 * s["330100"] + 950 * s["330200"] + 1750 * s["440300"]
                                      + 1880 * s["440100"] + 2100 * s["510100"]) / total)


def test_own_report_in_chromium(own_build, tmp_path):
    """A yearly, minmax, partly non-Chinese report renders in Chromium (runs in CI, where PKU-DFIIC is absent)."""
    files = render(own_build, tmp_path / "r", lang="en")
    rep = build_report(own_build, lang="en")
    seen = open_in_chromium(files["html"], screenshot="own-data-report.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["charts"]) == len(_blocks(rep, Chart)) + len(_blocks(rep, Map))
    assert all(c["canvas"] and c["drawn"] and c["series"] > 0 for c in seen["charts"]), seen["charts"]
    assert {c["id"] for c in seen["charts"]} >= {"chart-city-bump", "chart-city-quadrant", "chart-tier-layers"}


def test_bump_chart_spec():
    from dtindex.errors import DataError
    from dtindex.report.echarts import chart_spec
    from dtindex.report.format import rank
    from dtindex.report.model import Series

    ch = Chart("bump", "ranks", categories=("2021", "2022", "2023"),
               series=(Series("A", (1, 2, None)), Series("B", (2, 1, 1))), fmt=rank())
    opt = chart_spec(ch, "zh")["option"]
    assert opt["yAxis"]["inverse"] is True and opt["yAxis"]["min"] == 1 and opt["yAxis"]["max"] == 2
    assert [s["type"] for s in opt["series"]] == ["line", "line"] and opt["series"][0]["data"][2]["value"] == "-"
    with pytest.raises(DataError, match="bump chart shows ranks"):
        Chart("bump", "ranks", categories=("a",), series=(Series("A", (0.5,)),), fmt=rank())
