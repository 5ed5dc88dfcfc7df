"""The SYNTHETIC public survey demo: generator, census margins, raking, comparison and findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.survey.public_demo import INVALID, N_VALID, example_dir, generate, province_shares


@pytest.fixture(scope="module")
def coded():
    return generate(2024)


def test_generator_counts_and_seed(coded):
    assert len(coded) == N_VALID + sum(INVALID.values()) == 6104
    assert coded["kind"].value_counts().drop("valid").to_dict() == INVALID
    pd.testing.assert_frame_equal(generate(2024), coded)
    assert not generate(7)["Q3"].equals(coded["Q3"])


def test_nonresponse_skews_toward_young_urban_educated(coded):
    valid = coded[coded["kind"] == "valid"]
    # census: 60 and over are 22.8 % of residents aged 15+; online respondents far fewer
    assert (valid["A2"] >= 5).mean() < 0.10
    # tier-1 residents and graduates over-represented relative to the synthetic population draw
    from dtindex.survey.public_demo import _population

    pop = _population(np.random.default_rng(1), 50_000)
    assert (valid["A4"] == 1).mean() > 1.3 * (pop["A4"] == 1).mean()
    assert (valid["A5"] >= 4).mean() > 1.3 * (pop["A5"] >= 4).mean()


def test_census_margins_are_the_published_figures():
    m = pd.read_csv(example_dir() / "census2020_margins.csv")
    counts = dict(zip(m["variable"] + ":" + m["category"], m["census_count"]))
    # 第七次全国人口普查公报 第四号 (sex), 第五号 (age), 第三号 (region), 2021-05-11
    assert counts["A1:男"] == 723339956 and counts["A1:女"] == 688438768
    assert counts["age3:15-59岁"] == 894376020
    assert counts["age3:60-64岁"] + counts["age3:65岁及以上"] == 264018766 and counts["age3:65岁及以上"] == 190635280
    assert [counts[f"region:{r}"] for r in ("东部", "中部", "西部", "东北")] == [563717119, 364694362, 382852295, 98514948]
    assert m["source"].str.contains("第七次全国人口普查公报").all()
    shares = m.groupby("variable")["share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0, abs=1e-5)
    prov = pd.read_csv(example_dir() / "census2020_provinces.csv")
    assert prov["population"].sum() == 1411778724 - 2000000  # table 3-1: 31 provinces, servicemen excluded
    assert province_shares()[18] == pytest.approx(126012510 / 1409778724)  # 广东


def test_public_report_is_raked_compared_and_has_findings(survey_demos):
    out, res = survey_demos("public", "zh")
    a = res.analysis
    assert a.raking.converged and len(a.valid) == N_VALID
    cmp_sec = next(s for s in res.sections if s.id == "compare")
    margins = next(t for t in cmp_sec.tables if t.name == "compare_margins").frame
    assert margins["weighted"].to_numpy() == pytest.approx(margins["population"].to_numpy(), abs=1e-5)
    old = margins[margins["category"] == "65岁及以上"].iloc[0]
    assert old["unweighted"] < 0.05 < 0.16 < old["weighted"]
    ind = next(t for t in cmp_sec.tables if t.name == "compare_indicators").frame
    genai = ind[ind["indicator"] == "每周使用生成式AI"].iloc[0]
    assert genai["unweighted"] > genai["weighted"]  # the skewed sample overstates AI use
    findings = res.sections[0]
    assert findings.id == "findings" and len(findings.findings) == 5
    first = findings.findings[0]["text"]
    assert "头雁" in first and "每周使用生成式AI" in first
    assert all(f["evidence"] for f in findings.findings)
    # the map of weekly AI use by province and its table, with the small-base rule
    prov = next(s for s in res.sections if s.id == "q-A3")
    assert [c["kind"] for c in prov.charts] == ["map", "map"]
    table = next(t for t in prov.tables if t.name == "map_Q3").frame
    small = table["n"] < 30
    assert small.any() and table.loc[small, "base_note"].str.contains("样本量").all()
    assert table.loc[table["n"] < 10, "share"].isna().all()
    assert (out / "public_survey_SYNTHETIC.html").exists() and (out / "public_survey_SYNTHETIC.xlsx").exists()
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"][0]["findings"][0]["text"] == first
    # the workbook: numbered findings on their sheet, the census source on the README
    from openpyxl import load_workbook

    wb = load_workbook(out / "public_survey_SYNTHETIC.xlsx", read_only=True)
    found = [r for r in wb["发现"].iter_rows(min_row=3, values_only=True) if r[1] is not None]
    assert [r[1] for r in found] == [1, 2, 3, 4, 5] and found[0][2] == first
    readme = " ".join(str(v) for r in wb["说明"].iter_rows(values_only=True) for v in r if v)
    assert "第七次全国人口普查公报" in readme


def test_every_interval_in_both_demos_lies_in_unit_interval(survey_demos):
    for name in ("genai", "public"):
        _, res = survey_demos(name, "zh")
        for sec in res.sections:
            for tb in sec.tables:
                for c in ("ci_low", "ci_high"):
                    if c in tb.frame.columns and tb.formats.get(c) == "pct":
                        v = tb.frame[c].dropna().to_numpy()
                        assert ((v >= 0) & (v <= 1)).all(), (name, tb.name, c)


def test_cli_public_flag(survey_demos, monkeypatch):
    """--public runs the public demo (its result is the session's English run, not recomputed)."""
    import dtindex.survey.public_demo as public_demo

    out, res = survey_demos("public", "en")
    calls = []

    def fake(out_dir, **kwargs):
        calls.append((out_dir, kwargs))
        return res

    monkeypatch.setattr(public_demo, "run_public_demo", fake)
    result = CliRunner().invoke(main, ["survey", "demo", "--public", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert calls == [("build/survey-public", {"seed": 2024, "lang": "en", "bom": False})]
    assert "SYNTHETIC" in result.output and "6,104" in result.output and "5,796" in result.output
    assert (out / "public_survey_SYNTHETIC.xlsx").exists()
