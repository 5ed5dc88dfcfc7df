"""The analysis functions give the same tables from a live Index and from a release's BuildResult,
and stay fast at the report's size (350 cities x 20 industries x 9 quarters)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import dtindex.analysis as A
from dtindex import regions

from .panels import (
    HF,
    IND_FRAMEWORK,
    IND_NAMES,
    as_build,
    build_index,
    industry_index,
    main_index,
)

CITY_TABLES = {
    "national_series": lambda i: A.national_series(i),
    "layer_stability": lambda i: A.layer_stability(i),
    "rank_table": lambda i: A.rank_table(i, top=2),
    "province_ranks": lambda i: A.rank_table(i, by="province"),
    "growth_ranking": lambda i: A.growth_ranking(i),
    "tier_shares": lambda i: A.tier_shares(i),
    "tier_summary": lambda i: A.tier_summary(i),
    "cluster_summary": lambda i: A.cluster_summary(i),
    "cluster_heads": lambda i: A.cluster_heads(i),
    "cluster_rankings": lambda i: A.cluster_rankings(i),
    "contributions": lambda i: A.contributions(i, "2021Q1", "2022Q1"),
    "attribute_gap": lambda i: A.attribute_gap(i, HF, "2021Q1", "2022Q1"),
}
INDUSTRY_TABLES = {
    "industry_series": lambda i: A.industry_series(i, names=IND_NAMES),
    "industry_scale": lambda i: A.industry_scale(i, names=IND_NAMES),
    "province_industry_shares": lambda i: A.province_industry_shares(i, names=IND_NAMES),
    "cluster_top_industries": lambda i: A.cluster_top_industries(i, names=IND_NAMES),
}


@pytest.fixture(scope="module")
def city_pair(tmp_path_factory):
    idx = main_index()
    return idx, as_build(idx, tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def industry_pair(tmp_path_factory):
    idx = industry_index()
    return idx, as_build(idx, tmp_path_factory.mktemp("industry"), "industry")


@pytest.mark.parametrize("name", CITY_TABLES)
def test_city_tables_same_from_release(city_pair, name):
    live, loaded = city_pair
    a, b = CITY_TABLES[name](live), CITY_TABLES[name](loaded)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs


@pytest.mark.parametrize("name", INDUSTRY_TABLES)
def test_industry_tables_same_from_release(industry_pair, name):
    live, loaded = industry_pair
    pd.testing.assert_frame_equal(INDUSTRY_TABLES[name](live), INDUSTRY_TABLES[name](loaded))


def test_findings_same_from_release(city_pair, industry_pair):
    a = A.report_findings(city_pair[0], industry_pair[0], industry_names=IND_NAMES)
    b = A.report_findings(city_pair[1], industry_pair[1], industry_names=IND_NAMES)
    assert [f.to_dict() for f in a] == [f.to_dict() for f in b]


def test_report_size_runs_well_under_a_second_per_table():
    rng = np.random.default_rng(7)
    cities = regions.cities()["adcode"].tolist()[:350]
    industries = [f"I{k:02d}" for k in range(20)]
    periods = [f"{y}Q{q}" for y in (2021, 2022) for q in (1, 2, 3, 4)] + ["2023Q1"]
    units = [f"{c}:{i}" for c in cities for i in industries]
    size = rng.lognormal(0, 1, len(units))
    values = {u: {"cloud": list(size[k] * 1.04 ** np.arange(9)), "ai": list(size[k] * 1.05 ** np.arange(9))}
              for k, u in enumerate(units)}
    idx = build_index(values, periods, IND_FRAMEWORK, methods={"normalise": {"method": "base_share"}})
    names = pd.DataFrame({"code": industries, "name_zh": industries, "name_en": industries})
    calls = {
        "industry_scale": lambda: A.industry_scale(idx, names=names),
        "province_industry_shares": lambda: A.double_high(A.province_industry_shares(idx, names=names)),
        "cluster_top_industries": lambda: A.cluster_top_industries(idx, names=names),
        "rank_table": lambda: A.rank_table(idx, sep=":"),
        "growth_ranking": lambda: A.growth_ranking(idx, by="province", sep=":"),
        "tier_summary": lambda: A.tier_summary(idx, sep=":"),
        "cluster_summary": lambda: A.cluster_summary(idx, sep=":"),
        "contributions": lambda: A.contributions(idx, "2022Q1", "2023Q1"),
    }
    for name, call in calls.items():
        start = time.perf_counter()
        out = call()
        elapsed = time.perf_counter() - start
        assert len(out) > 0
        assert elapsed < 1.0, f"{name} took {elapsed:.2f} s"
    # base_share: the national total is 100 in the base period, whatever the industry
    total = A.industry_scale(idx, period="2021Q1", names=names)["value"].sum()
    assert total == pytest.approx(100.0)


def test_package_examples_run():
    import doctest

    result = doctest.testmod(A, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
