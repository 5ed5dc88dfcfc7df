"""The dashboard's JSON API, pages and downloads, in-process (FastAPI TestClient), on the small demo release.

Expected values are read independently from the release's CSV files (scores.csv, units.csv),
not from the code under test.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from dtindex.web.app import create_app  # noqa: E402

PERIODS = ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1"]


@pytest.fixture(scope="module")
def client(demo_release):
    return TestClient(create_app(demo_release, warm=False))


@pytest.fixture(scope="module")
def scores(demo_release):
    return pd.read_csv(demo_release / "city" / "scores.csv", dtype={"uCode": str, "Time": str, "iCode": str})


@pytest.fixture(scope="module")
def units(demo_release):
    return pd.read_csv(demo_release / "units.csv", dtype=str)


def _values(scores, node, period):
    s = scores[(scores["iCode"] == node) & (scores["Time"] == period)]
    return s.set_index("uCode")["value"].astype(float)


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_periods(client):
    assert client.get("/api/periods").json() == PERIODS


def test_rankings_contract(client, scores):
    r = client.get("/api/rankings", params={"period": "2023Q1", "limit": 20})
    assert r.status_code == 200
    body = r.json()
    assert body["period"] == "2023Q1" and len(body["rows"]) == 20
    row = body["rows"][0]
    assert {"uCode", "name", "rank", "value", "rank_change"} <= set(row)
    values = _values(scores, "DTI", "2023Q1").sort_values(ascending=False)
    assert [x["uCode"] for x in body["rows"]] == values.index[:20].tolist()
    assert [x["rank"] for x in body["rows"]] == list(range(1, 21))
    assert [x["value"] for x in body["rows"]] == pytest.approx(values.iloc[:20].tolist())
    # rank change = rank a period earlier - rank now
    before = _values(scores, "DTI", "2022Q4").rank(ascending=False, method="min")
    for x in body["rows"]:
        assert x["rank_change"] == int(before[x["uCode"]]) - x["rank"]
        assert x["rank_prev"] == int(before[x["uCode"]])
    assert body["rows"][0]["growth_yoy"] == pytest.approx(
        values.iloc[0] / _values(scores, "DTI", "2022Q1")[values.index[0]] - 1)


def test_rankings_first_period_has_no_change(client):
    rows = client.get("/api/rankings?period=2021Q1&limit=5").json()["rows"]
    assert all(x["rank_change"] is None and x["growth_yoy"] is None for x in rows)


def test_rankings_default_period_and_node(client, scores):
    body = client.get("/api/rankings", params={"node": "infra", "limit": 3}).json()
    assert body["period"] == "2023Q1" and body["node"] == "infra"
    top = _values(scores, "infra", "2023Q1").sort_values(ascending=False)
    assert [x["uCode"] for x in body["rows"]] == top.index[:3].tolist()


@pytest.mark.parametrize("spelling", ["广东", "广东省", "Guangdong", "440000"])
def test_rankings_province_filter(client, units, spelling):
    body = client.get("/api/rankings", params={"province": spelling, "limit": 1000}).json()
    expected = set(units.loc[units["province"] == "广东省", "adcode"])
    assert {x["uCode"] for x in body["rows"]} == expected
    assert body["n_matched"] == len(expected) and body["filters"]["province"] == "广东"
    ranks = [x["rank"] for x in body["rows"]]
    assert ranks == sorted(ranks)  # national ranks, in order


def test_rankings_tier_and_cluster_filters(client, units):
    tier = client.get("/api/rankings", params={"tier": "一线", "limit": 100}).json()["rows"]
    assert {x["uCode"] for x in tier} == set(units.loc[units["tier_2025"] == "一线", "adcode"])
    both = client.get("/api/rankings", params={"tier": "新一线", "cluster": "长三角", "limit": 100}).json()["rows"]
    want = units[(units["tier_2025"] == "新一线") & (units["cluster"] == "长三角")]["adcode"]
    assert {x["uCode"] for x in both} == set(want) and len(both) > 0
    en = client.get("/api/rankings", params={"cluster": "Yangtze River Delta", "tier": "New first tier",
                                             "limit": 100}).json()["rows"]
    assert en == both


def test_rankings_sort_and_limit(client):
    rows = client.get("/api/rankings", params={"sort": "growth_yoy", "limit": 1000}).json()["rows"]
    assert len(rows) == 337
    g = [x["growth_yoy"] for x in rows]
    n = sum(x is not None for x in g)
    assert 0 < n and all(x is None for x in g[n:])  # missing growth last
    assert g[:n] == sorted(g[:n], reverse=True)
    assert len(client.get("/api/rankings").json()["rows"]) == 20  # default limit


@pytest.mark.parametrize("period", ["2030Q1", "abc", "2023Q5", "", "2023-01"])
def test_bad_period_is_422_listing_the_valid_ones(client, period):
    if period == "":  # empty means "latest"
        assert client.get("/api/rankings?period=").status_code == 200
        return
    r = client.get("/api/rankings", params={"period": period})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str) and all(p in detail for p in PERIODS)


def test_period_lower_case_is_accepted(client):
    assert client.get("/api/rankings?period=2023q1&limit=1").json()["period"] == "2023Q1"


@pytest.mark.parametrize("query, param", [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "ten"}, "limit"), ({"node": "DROP TABLE"}, "node"),
    ({"province": "Atlantis"}, "province"), ({"tier": "七线"}, "tier"), ({"cluster": "x"}, "cluster"),
    ({"sort": "value; rm -rf"}, "sort"), ({"release": "../../etc"}, "release"),
])
def test_bad_parameters_are_422(client, query, param):
    r = client.get("/api/rankings", params=query)
    assert r.status_code == 422
    assert r.json()["param"] == param and r.json()["detail"].startswith(param)


def test_unit_profile(client, scores, units):
    r = client.get("/api/units/440300")
    assert r.status_code == 200
    p = r.json()
    assert (p["uCode"], p["name"], p["full_name"], p["province"], p["tier"]) == ("440300", "深圳", "深圳市", "广东", "一线")
    assert p["periods"] == PERIODS
    root = p["series"][0]
    assert root["code"] == "DTI" and [s["code"] for s in p["series"]] == ["DTI", "infra", "platform", "application"]
    assert root["values"] == pytest.approx([_values(scores, "DTI", t)["440300"] for t in PERIODS])
    ranks = [int(_values(scores, "DTI", t).rank(ascending=False, method="min")["440300"]) for t in PERIODS]
    assert root["ranks"] == ranks
    # percentile within the tier: 100 (n - r) / (n - 1)
    tier = p["groups"]["tier"]
    members = units.loc[units["tier_2025"] == "一线", "adcode"]
    v = _values(scores, "DTI", "2023Q1")[members]
    r_in = int(v.rank(ascending=False, method="min")["440300"])
    assert tier["ranks"][-1] == r_in and tier["sizes"][-1] == len(members)
    assert tier["percentiles"][-1] == pytest.approx(100 * (len(members) - r_in) / (len(members) - 1))
    # attribution: layer contributions add up to the change since a year earlier
    att = p["attribution"]
    assert (att["p0"], att["p1"]) == ("2022Q1", "2023Q1")
    layers = [x for x in att["rows"] if x["kind"] == "layer"]
    change = _values(scores, "DTI", "2023Q1")["440300"] - _values(scores, "DTI", "2022Q1")["440300"]
    assert sum(x["contribution"] for x in layers) == pytest.approx(change)
    # industries: shares of the city's industry total
    assert p["industries"] and sum(x["share"] for x in p["industries"]) == pytest.approx(1.0)
    assert len(p["peers"]["units"]) == 5 and p["peers"]["units"][0]["uCode"] == "440300"


def test_unit_profile_peers_and_period(client):
    p = client.get("/api/units/440300", params={"peers": "110000,310000", "period": "2022Q1"}).json()
    assert [u["uCode"] for u in p["peers"]["units"]] == ["440300", "110000", "310000"] and p["peers"]["chosen"]
    assert p["attribution"]["p1"] == "2022Q1" and p["attribution"]["p0"] == "2021Q1"
    assert client.get("/api/units/440300", params={"peers": "1,2,3,4,5,6"}).status_code == 422
    assert client.get("/api/units/440300",
                      params={"peers": "110000,120000,310000,320500,330100,420100"}).status_code == 422
    assert client.get("/api/units/440300", params={"period": "1999Q9"}).status_code == 422


@pytest.mark.parametrize("code", ["999999", "abc", "440300x", "440300:C"])
def test_unknown_unit_is_404_naming_it(client, code):
    r = client.get(f"/api/units/{code}")
    assert r.status_code == 404
    assert code in r.json()["detail"]


@pytest.mark.parametrize("path", [
    "/api/units/..%2F..%2Frelease.json", "/api/units/%2E%2E", "/static/..%2Frelease.json", "/static/../../release.json",
    "/static/%2e%2e%2fcity%2fscores.csv", "/static/report.css", "/city/..%2F..%2Fetc%2Fpasswd", "/release.json",
    "/city/scores.csv", "/download/rankings.json", "/download/..%2Frelease.json",
])
def test_traversal_attempts_reach_no_file(client, path):
    r = client.get(path)
    assert r.status_code in (404, 422)
    assert "dtindex_version" not in r.text and "uCode,Time" not in r.text and "root:" not in r.text


def test_static_files(client):
    js = client.get("/static/echarts.min.js")
    assert js.status_code == 200 and "echarts" in js.text[:2000] and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/runtime.js").text.startswith("/* dtindex report runtime")


PAGES = ["/", "/rankings", "/city/440300", "/industry", "/methodology", "/compare"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_html_with_a_json_twin(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert html.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in html and "合成数据" in html
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    assert 'src="/static/echarts.min.js"' in html and 'id="dt-specs"' in html
    sep = "&" if "?" in path else "?"
    twin = client.get(path + sep + "format=json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    en = client.get(path + sep + "lang=en")
    assert en.status_code == 200 and 'lang="en"' in en.text and "Synthetic data" in en.text


def test_page_state_is_in_the_query_string(client):
    html = client.get("/rankings", params={"period": "2022Q4", "tier": "一线", "sort": "value"}).text
    assert '<option value="2022Q4" selected>' in html and '<option value="一线" selected>' in html
    assert "tier=%E4%B8%80%E7%BA%BF" in html  # download links keep the filters
    data = client.get("/rankings", params={"period": "2022Q4", "tier": "一线", "format": "json"}).json()
    assert data["period"] == "2022Q4" and {r["tier"] for r in data["rows"]} == {"一线"}


def test_page_errors(client):
    r = client.get("/rankings?period=2040Q1")
    assert r.status_code == 422 and "2023Q1" in r.text and r.headers["content-type"].startswith("text/html")
    assert client.get("/city/000000").status_code == 404
    assert client.get("/?lang=fr").status_code == 422
    assert client.get("/industry?industry=ZZ").status_code == 422
    assert client.get("/rankings?format=xml").status_code == 422


def test_overview_json(client):
    d = client.get("/api/overview", params={"period": "2022Q4"}).json()
    assert d["period"] == "2022Q4" and len(d["top"]) == 10 and d["findings"]
    nat = [x for x in d["national"] if x["iCode"] == "DTI"]
    assert nat[0]["value"] == pytest.approx(100.0)  # base_share: national total is 100 in the base period


def test_industry_and_methodology_json(client, demo_release):
    d = client.get("/api/industry", params={"industry": "C"}).json()
    assert d["industry"] == "C" and {x["industry"] for x in d["provinces"]} == {"C"}
    assert sum(x["share"] for x in d["scale"]) == pytest.approx(1.0)
    m = client.get("/api/methodology").json()
    import json

    recipe = json.loads((demo_release / "city" / "recipe.json").read_text(encoding="utf-8"))
    assert m["builds"]["city"]["inputs"] == recipe["inputs"]
    assert {x["code"] for x in m["builds"]["city"]["framework"]} >= {"DTI", "infra", "cloud"}


def test_csv_download(client, units):
    r = client.get("/download/rankings.csv", params={"province": "广东", "period": "2022Q4"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="rankings-DTI-2022Q4.csv"' in r.headers["content-disposition"]
    df = pd.read_csv(io.StringIO(r.text), dtype={"uCode": str})
    assert set(df["uCode"]) == set(units.loc[units["province"] == "广东省", "adcode"])
    assert list(df.columns[:5]) == ["uCode", "name", "name_en", "rank", "value"]
    bom = client.get("/download/rankings.csv", params={"bom": 1}).content
    assert bom.startswith(b"\xef\xbb\xbf") and len(pd.read_csv(io.BytesIO(bom))) == 337


def test_excel_download(client):
    from openpyxl import load_workbook

    r = client.get("/download/rankings.xlsx", params={"tier": "一线"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["rankings"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(cells) if row[0] == "排名")
    body = [row for row in cells[header + 1:] if isinstance(row[0], (int, float))]
    assert len(body) == 4 and [row[0] for row in body] == sorted(row[0] for row in body)


def test_workspace_with_two_releases(workspace):
    client = TestClient(create_app(workspace, warm=False))
    keys = [r["key"] for r in client.get("/api/releases").json()]
    assert keys == ["2023/release", "variant"]
    a = client.get("/api/rankings", params={"release": "2023/release", "limit": 2}).json()["rows"]
    b = client.get("/api/rankings", params={"release": "variant", "limit": 2}).json()["rows"]
    assert [x["uCode"] for x in a] == ["440100", "110000"] and [x["uCode"] for x in b] == ["110000", "440100"]
    c = client.get("/api/compare", params={"a": "2023/release", "b": "variant"}).json()
    assert c["n_common"] == 337 and c["n_moved"] == 2 and c["max_abs_diff"] == 1
    assert {(x["uCode"], x["rank_diff"]) for x in c["rows"][:2]} == {("440100", -1), ("110000", 1)}  # rank_a - rank_b
    html = client.get("/compare", params={"a": "2023/release", "b": "variant"}).text
    assert "Variant" not in html and "变体" in html
    assert client.get("/compare", params={"a": "nope"}).status_code == 422
    page = client.get("/rankings", params={"release": "variant"}).text
    assert 'id="release-select"' in page and "release=variant" in page
    assert client.get("/api/rankings", params={"release": quote("../variant")}).status_code == 422


def test_uncertainty_page_when_the_release_has_results(workspace):
    client = TestClient(create_app(workspace, warm=False))
    stats = pd.read_csv(workspace / "variant" / "uncertainty" / "rank_stats.csv", dtype={"uCode": str})
    d = client.get("/api/uncertainty", params={"release": "variant"}).json()
    assert [r["uCode"] for r in d["rank_stats"]] == stats["uCode"].tolist()
    assert [r["q95"] for r in d["rank_stats"]] == pytest.approx(stats["q95"].tolist())
    assert d["text_en"].startswith("The Digital Transformation Index ranking") and "排名" in d["text_zh"]
    assert {f["factor"] for f in d["factors"]} == {"weights_level_2", "normalisation", "aggregation"}
    html = client.get("/uncertainty", params={"release": "variant"}).text
    assert 'id="chart-rank-intervals"' in html and 'href="/uncertainty?release=variant"' in html
    # a release without results: no menu entry, and the page is a 404 that says how to add them
    assert 'href="/uncertainty' not in client.get("/", params={"release": "2023/release"}).text
    r = client.get("/api/uncertainty", params={"release": "2023/release"})
    assert r.status_code == 404 and "dtindex uncertainty run" in r.json()["detail"]
    assert client.get("/uncertainty").status_code == 404


def test_survey_explorer(workspace):
    from dtindex.survey.demo import example_dir, example_spec
    from dtindex.survey.items import single_choice
    from dtindex.survey.pipeline import analyse

    client = TestClient(create_app(workspace, warm=False))
    d = client.get("/api/survey", params={"release": "variant", "question": "Q1"}).json()
    # the same estimates as the survey library gives on the same files
    a = analyse(example_spec(), workspace / "variant" / "survey" / "responses.csv",
                margins=example_dir() / "margins.csv")
    ref = single_choice(a.design, next(q for q in a.spec.questions if q.code == "Q1"), ci="logit")
    assert [r["share"] for r in d["rows"]] == pytest.approx(ref["share"].tolist())
    assert [r["ci_low"] for r in d["rows"]] == pytest.approx(ref["ci_low"].tolist())
    assert d["weighted"] and d["groups"][0]["base_n"] == int(ref["n"].sum()) == d["n_respondents"]
    by = client.get("/api/survey", params={"release": "variant", "question": "Q1", "by": "S1"}).json()
    bases = {g["label"]: g["base_n"] for g in by["groups"]}
    assert sum(bases.values()) == d["n_respondents"]
    small = [g["label"] for g in by["groups"] if g["small_base"]]
    assert small == ["1000人以上"] and bases["1000人以上"] < 30  # 0.9 % of 2,887 respondents
    for g in by["groups"]:
        assert sum(r["share"] for r in by["rows"] if r["group_label"] == g["label"]) == pytest.approx(1.0)
    html = client.get("/survey", params={"release": "variant", "question": "Q1", "by": "S1"}).text
    assert "样本量小于30" in html and 'id="chart-survey-chart"' in html
    assert client.get("/api/survey", params={"release": "variant", "question": "Q3"}).status_code == 422  # multi
    assert client.get("/api/survey", params={"release": "variant", "question": "Q1", "by": "Q1"}).status_code == 422
    r = client.get("/api/survey", params={"release": "2023/release"})
    assert r.status_code == 404 and "questionnaire.yaml" in r.json()["detail"]
    assert 'href="/survey' not in client.get("/", params={"release": "2023/release"}).text


def test_a_broken_release_file_is_reported_by_name(workspace, tmp_path):
    import shutil

    release = tmp_path / "broken"
    shutil.copytree(workspace / "variant", release)
    (release / "survey" / "questionnaire.yaml").write_text("questions: [", encoding="utf-8")
    client = TestClient(create_app(release, warm=False))
    r = client.get("/api/survey")
    assert r.status_code == 500 and "questionnaire.yaml" in r.json()["detail"]
    page = client.get("/survey")
    assert page.status_code == 500 and "questionnaire.yaml" in page.text
    assert client.get("/api/health").json() == {"status": "ok"}  # the rest keeps working
