"""Report pieces of parts 2 and 3: the new chart kinds and the rule-based links findings."""

from __future__ import annotations

import pandas as pd
import pytest

from dtindex.errors import SpecError
from dtindex.report import fmt
from dtindex.report.echarts import chart_spec
from dtindex.report.excel import render_excel
from dtindex.report.links import links_findings
from dtindex.report.model import Chart, Report, Section, Series


def _path():
    return Chart("path", "p", categories=("X", "M", "Y"), fmt=fmt.decimal(2),
                 series=(Series("a", (0.5, 0.0001), labels=("X", "M")), Series("b", (0.2, 0.2), labels=("M", "Y")),
                         Series("c'", (0.1, 0.04), labels=("X", "Y"))))


def test_path_chart_spec_and_validation():
    spec = chart_spec(_path(), "en")
    s = spec["option"]["series"][0]
    assert s["type"] == "graph" and [n["name"] for n in s["data"]] == ["X", "M", "Y"]
    assert [link["t"] for link in s["links"]] == ["a = 0.50***", "b = 0.20", "c' = 0.10*"]
    assert [link["lineStyle"]["type"] for link in s["links"]] == ["solid", "dashed", "solid"]
    with pytest.raises(SpecError, match="arrow"):
        Chart("path", "p", categories=("X", "Y"), series=(Series("a", (0.5, 0.1), labels=("X", "Q")),))
    with pytest.raises(SpecError, match="arrow"):
        Chart("path", "p", categories=("X", "Y"), series=(Series("a", (0.5,), labels=("X",)),))


def test_radar_chart_spec():
    c = Chart("radar", "r", categories=("a", "b", "c"), series=(Series("x", (1, 2, 4)), Series("y", (2, None, 1))))
    spec = chart_spec(c, "zh")
    assert spec["tooltip"] == "radar" and [i["max"] for i in spec["option"]["radar"]["indicator"]] == [4.0] * 3
    assert spec["option"]["series"][0]["data"][1]["value"] == [2.0, "-", 1.0]


def test_scatter_fit_line():
    df = pd.DataFrame({"x": [1.0, 3.0, 2.0], "y": [2.0, 6.0, 4.5]})
    c = Chart.from_points(df, "x", "y", title="t", fit_line=(0.5, 2.0))
    line = chart_spec(c, "en")["option"]["series"][-1]
    assert line["type"] == "line" and [d["value"] for d in line["data"]] == [[1.0, 2.5], [3.0, 6.5]]
    with pytest.raises(SpecError, match="fit_line"):
        Chart("bar", "b", categories=("a",), series=(Series("s", (1,)),), fit_line=(0, 1))


def test_path_chart_gets_an_edge_sheet():
    wb = render_excel(Report("r", (Section("s", "S", (_path(),)),), lang="en"))
    ws = wb["p"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_row=5, max_col=4)]
    assert rows == [["a", "X", "M", 0.5], ["b", "M", "Y", 0.2], ["c'", "X", "Y", 0.1]]


def _links_inputs(r=0.45, p_adj=1e-5, ci=(0.02, 0.3)):
    corr = pd.DataFrame({"var1": ["dti"], "var2": ["fii"], "r": [r], "p": [p_adj], "n": [300], "p_adj": [p_adj],
                         "method": ["pearson"]})
    fit = pd.DataFrame({"term": ["const", "dti"], "estimate": [10.0, 1.5], "r2": [0.2, 0.2]})
    env = pd.DataFrame({"term": ["const", "ln_vc", "talent", "policy_support"], "estimate": [0, 1, 1, 1],
                        "std_estimate": [float("nan"), 0.2, -0.4, 0.05], "p": [0.5, 0.01, 0.001, 0.6], "r2": [0.5] * 4})
    med = pd.DataFrame({"effect": ["indirect[dti_infra]", "indirect[dti_platform]", "indirect", "indirect_bc"],
                        "estimate": [0.05, 0.12, 0.17, 0.17], "ci_low": [0, 0, ci[0], ci[0] + 0.01],
                        "ci_high": [0, 0, ci[1], ci[1]]})
    meta = {"mediation": {"x": "ln_investment", "m": ["dti_infra", "dti_platform"], "y": "fii"}}
    return corr, fit, env, med, meta


def test_links_findings_rules():
    f = links_findings("en", *_links_inputs())
    assert [p.finding for p in f] == [1, 2, 3]
    assert "moderately positively correlated (Pearson r = 0.45" in f[0].text
    # significant factors, strongest |beta| first; the insignificant one is left out
    assert "Talent (β = -0.40), AI venture investment (log) (β = 0.20)" in f[1].text and "Policy" not in f[1].text
    assert "excludes 0: the mediation is significant" in f[2].text and "Digital platform is the larger" in f[2].text
    g = links_findings("zh", *_links_inputs(r=0.7, ci=(-0.01, 0.3)))
    assert "强正相关" in g[0].text and "包含 0，中介效应不显著" in g[2].text


def test_interval_chart_with_negative_bounds_uses_boxes():
    c = Chart("interval", "coefficients", categories=("a", "b"), fmt=fmt.decimal(2),
              series=(Series("low", (-0.5, 0.1)), Series("beta", (0.2, 0.3)), Series("high", (0.9, 0.4))))
    series = chart_spec(c, "en")["option"]["series"]
    assert series[0]["type"] == "candlestick"
    assert [d["value"] for d in series[0]["data"]] == [[-0.5, 0.9, -0.5, 0.9], [0.1, 0.4, 0.1, 0.4]]
    # positive intervals keep the stacked-bar drawing
    pos = Chart("interval", "ranks", categories=("a",), series=(Series("p5", (1,)), Series("mid", (2,)), Series("p95", (4,))))
    assert [s["type"] for s in chart_spec(pos, "en")["option"]["series"]] == ["bar", "bar", "scatter"]
