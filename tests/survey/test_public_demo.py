"""The SYNTHETIC public survey demo: generator, census margins, raking, comparison and findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.survey.public_demo import (INVALID, N_VALID, age_sex_shares, example_dir, example_spec, generate,
                                        province_shares)


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


def test_census_table_agrees_with_the_communiques():
    """The shipped national row of 《中国人口普查年鉴-2020》 table 1-5 (31 provinces, servicemen
    excluded) against the independently published communiqués of 2021-05-11 (which include the
    2,000,000 servicemen, all aged 15-64)."""
    t = pd.read_csv(example_dir() / "census2020_age_sex.csv").set_index("age_group")
    assert (t["male"] + t["female"] == t["total"]).all()
    assert t["total"].sum() == 1409778724 and t["male"].sum() == 721416394 and t["female"].sum() == 688362330
    # 公报第四号: male 723,339,956 and female 688,438,768 including the servicemen
    assert (723339956 - t["male"].sum()) + (688438768 - t["female"].sum()) == 2000000
    groups = list(t.index)
    under15, old65 = groups[:4], groups[groups.index("65-69岁"):]
    mid, old60 = groups[4:groups.index("60-64岁")], groups[groups.index("60-64岁"):]
    # 公报第五号: 0-14 253,383,938; 65+ 190,635,280 (no servicemen in either); 15-59 and 60+ include them
    assert t.loc[under15, "total"].sum() == 253383938 and t.loc[old65, "total"].sum() == 190635280
    gap_mid, gap_old = 894376020 - t.loc[mid, "total"].sum(), 264018766 - t.loc[old60, "total"].sum()
    assert gap_mid >= 0 and gap_old >= 0 and gap_mid + gap_old == 2000000
    prov = pd.read_csv(example_dir() / "census2020_provinces.csv")
    assert prov["population"].sum() == 1411778724 - 2000000  # 公报第三号 table 3-1, servicemen excluded
    assert prov["population_15plus"].sum() == t["total"].sum() - t.loc[under15, "total"].sum() == 1156394786
    assert (prov["population_15plus"] < prov["population"]).all()
    assert province_shares()[18] == pytest.approx(102262628 / 1156394786)  # 广东, aged 15+


def test_margins_are_the_census_table_aggregated():
    m = pd.read_csv(example_dir() / "census2020_margins.csv")
    assert set(m["variable"]) == {"A2*A1", "region"}
    counts = dict(zip(m["variable"] + ":" + m["category"], m["census_count"]))
    t = pd.read_csv(example_dir() / "census2020_age_sex.csv").set_index("age_group")
    # 65岁及以上 = 65-69 ... 100岁及以上; 45-59岁 = 45-49 + 50-54 + 55-59 (hand sums of table 1-5)
    assert counts["A2*A1:65岁及以上*男"] == 36337923 + 24162733 + 14752433 + 9157003 + 4426091 + 1367594 + 271455 + 35129
    assert counts["A2*A1:45-59岁*女"] == 56033201 + 60058826 + 50584760
    assert counts["A2*A1:15-24岁*男"] == t.loc[["15-19岁", "20-24岁"], "male"].sum() == 78729338
    joint = m[m["variable"] == "A2*A1"]
    assert len(joint) == 12 and joint["census_count"].sum() == 1156394786
    assert sum(counts[f"region:{r}"] for r in ("东部", "中部", "西部", "东北")) == 1156394786
    assert counts["region:东北"] == 37853468 + 21254730 + 28563622  # 辽宁, 吉林, 黑龙江 aged 15+
    assert m.groupby("variable")["share"].sum().to_numpy() == pytest.approx(1.0, abs=1e-6)
    expected = m["census_count"] / m.groupby("variable")["census_count"].transform("sum")
    assert m["share"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-9)
    assert m["source"].str.contains("中国人口普查年鉴-2020》表1-5").all()
    cells = age_sex_shares()
    assert cells.shape == (6, 2) and cells[5, 1] == pytest.approx(counts["A2*A1:65岁及以上*女"] / 1156394786)


def test_joint_margin_is_labelled_in_both_languages():
    spec = example_spec()
    assert spec.label("A2 x A1") == "年龄 × 性别" and spec.label("A2 x A1", "en") == "Age × Gender"
    assert spec.value_labels("A2 x A1")["6 x 2"] == "65岁及以上 × 女"
    assert spec.value_labels("A2 x A1", "en")["1 x 1"] == "15-24 × Male"


def test_public_report_is_raked_compared_and_has_findings(survey_demos):
    out, res = survey_demos("public", "zh")
    a = res.analysis
    assert a.raking.converged and len(a.valid) == N_VALID
    cmp_sec = next(s for s in res.sections if s.id == "compare")
    margins = next(t for t in cmp_sec.tables if t.name == "compare_margins").frame
    assert margins["weighted"].to_numpy() == pytest.approx(margins["population"].to_numpy(), abs=1e-5)
    assert (margins["variable"] == "年龄 × 性别").sum() == 12
    old = margins[margins["category"] == "65岁及以上 × 女"].iloc[0]
    assert old["unweighted"] < 0.02 < 0.08 < old["weighted"]
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
    assert "中国人口普查年鉴-2020》表1-5" in readme


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
