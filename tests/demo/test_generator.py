"""The synthetic record generator: parameters, determinism, the model's formulas, Parquet output."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtindex.demo.generator import (
    DAYS_PER_QUARTER,
    demo_cities,
    expert_panel,
    generate,
    industries,
    iter_chunks,
    make_population,
    read_manifest,
    time_slots,
)
from dtindex.demo.params import PRODUCTS, SIZES, GeneratorParams, params_for_size
from dtindex.errors import DataError, SpecError

SPECS = Path(__file__).parents[2] / "src" / "dtindex" / "specs"


def _records(params: GeneratorParams) -> pd.DataFrame:
    slots = time_slots(params)
    pop = make_population(params, demo_cities(params), industries(), slots)
    frames = [c.frame().assign(quarter=c.quarter) for c in iter_chunks(params, pop, slots)]
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------- parameters
def test_bad_frequency_uses_the_one_message_template():
    with pytest.raises(SpecError, match=r"The 'frequency' parameter of GeneratorParams must be one of 'week', "
                                        r"'day'; got 'month'\."):
        GeneratorParams(frequency="month")


@pytest.mark.parametrize("change, message", [
    ({"adoption": {**GeneratorParams().adoption, "cloud": 1.5}}, r"adoption must lie in \[0, 1\]"),
    ({"tier_scale": {"一线": 1.0}}, r"tier_scale needs a value for 新一线"),
    ({"peak": {"fax": 2.0}}, r"peak has unknown keys \['fax'\]"),
    ({"season": (1.0, 1.0, 0.0, 1.0)}, r"season must be positive"),
    ({"n_enterprises": 0}, r"n_enterprises must be at least 1"),
    ({"end": "2020Q4"}, r"start and end must be quarters with start <= end"),
    ({"size_sigma": -1.0}, r"size_sigma must be non-negative"),
])
def test_bad_parameters_are_named(change, message):
    with pytest.raises(SpecError, match=message):
        replace(GeneratorParams(), **change)


def test_size_presets_and_unknown_size():
    assert params_for_size("small").n_enterprises == SIZES["small"]["n_enterprises"]
    assert params_for_size("large").frequency == "day"
    assert params_for_size("medium", seed=7).seed == 7
    with pytest.raises(SpecError, match=r"The 'size' parameter of demo must be one of 'small', 'medium', 'large'; got 'huge'"):
        params_for_size("huge")


def test_too_few_enterprises_for_the_cities():
    p = GeneratorParams(n_enterprises=100)
    with pytest.raises(SpecError, match=r"n_enterprises=100 is below 337 \(337 cities"):
        make_population(p, demo_cities(p), industries(), time_slots(p))


def test_unknown_industry_in_parameters():
    p = GeneratorParams(industry_share={**GeneratorParams().industry_share, "Z": 1.0})
    with pytest.raises(SpecError, match=r"unknown \['Z'\]"):
        make_population(p, demo_cities(p), industries(), time_slots(p))


# ---------------------------------------------------------------------- reference tables
def test_industries_are_the_18_sections_a_to_r():
    inds = industries()
    assert list(inds["code"]) == list("ABCDEFGHIJKLMNOPQR")
    assert inds.set_index("code").loc["I", "name"] == "信息传输、软件和信息技术服务业"
    assert inds.set_index("code").loc["C", "name_en"] == "Manufacturing"


def test_cities_are_the_337_prefecture_level_and_above_units():
    c = demo_cities(GeneratorParams())
    assert len(c) == 337 and c["tier_2025"].notna().all()
    assert set(c["level"]) == {"municipality", "prefecture"}
    assert len(demo_cities(GeneratorParams(city_levels=("municipality", "prefecture", "county_direct")))) == 369


def test_time_slots_weeks_are_mondays_and_days_cover_the_window():
    w = time_slots(GeneratorParams())
    dates = w.start_date + w.day.astype("timedelta64[D]")
    assert str(w.start_date) == "2021-01-01"
    assert str(dates[0]) == "2021-01-04" and str(dates[-1]) == "2023-03-27"
    assert (pd.DatetimeIndex(dates).day_of_week == 0).all()
    assert len(w.day) == 117
    # 2021Q1 holds the Mondays 4 Jan .. 29 Mar: 13 weeks
    assert int((w.quarter == 0).sum()) == 13
    d = time_slots(GeneratorParams(frequency="day"))
    assert len(d.day) == 365 + 365 + 90 and d.days == 1       # 2021-01-01 .. 2023-03-31
    assert int((d.quarter == 0).sum()) == 90 and int((d.quarter == 8).sum()) == 90
    assert int(d.weekend[:3].sum()) == 2                       # 1 Jan 2021 was a Friday


# ---------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_records_and_another_seed_does_not():
    p = params_for_size("small")
    a, b = _records(p), _records(p)
    pd.testing.assert_frame_equal(a, b)
    c = _records(replace(p, seed=p.seed + 1))
    assert len(c) != len(a) or not a.equals(c)


def test_enterprise_population(small_params):
    p = small_params
    slots = time_slots(p)
    cities = demo_cities(p)
    pop = make_population(p, cities, industries(), slots)
    counts = np.bincount(pop.city, minlength=len(cities))
    assert counts.sum() == p.n_enterprises and counts.min() >= p.min_enterprises_per_city
    assert list(pop.enterprises["enterprise_id"]) == list(range(1, p.n_enterprises + 1))
    assert set(pop.enterprises["industry"]) <= set(industries()["code"])
    # enterprise ids are grouped by city (adcode order) then industry
    key = pop.enterprises["adcode"] + pop.enterprises["industry"]
    assert key.is_monotonic_increasing
    # pairs are unique (enterprise, product) adoptions
    pairs = pd.DataFrame({"e": pop.pair_enterprise, "p": pop.pair_product})
    assert not pairs.duplicated().any()


# ---------------------------------------------------------------------- the model, hand-computed
def _flat(**changes) -> GeneratorParams:
    """Every random factor of the amounts switched off: amount = unit_amount x growth x season x peak."""
    zero = {k: 0.0 for k in PRODUCTS}
    base = {"n_enterprises": 400, "size_sigma": 0.0, "pair_sigma": 0.0, "noise_sigma": 0.0,
            "city_maturity_sigma": 0.0, "city_growth_sd": 0.0, "industry_growth_sd": 0.0, "product_growth": {},
            "season": (1.0, 1.0, 1.0, 1.0), "peak": {}, "region_growth": {"东部": 0.0, "中部": 0.0, "西部": 0.0, "东北": 0.0},
            "event_rate": zero}
    return replace(GeneratorParams(), **{**base, **changes})


def test_amount_is_the_unit_amount_when_every_factor_is_one():
    rec = _records(_flat())
    unit = np.array([GeneratorParams().unit_amount[p] for p in PRODUCTS])
    np.testing.assert_array_equal(rec["amount_cents"].to_numpy(), np.rint(unit[rec["product"]] * 100))
    assert (rec["events"] == 1).all()  # 1 + Poisson(0)


def test_season_and_peak_multiply_amounts_by_the_stated_factors():
    season = (0.9, 1.0, 1.1, 1.2)
    rec = _records(_flat(season=season, peak={"meeting": 1.25}))
    unit = np.array([GeneratorParams().unit_amount[p] for p in PRODUCTS])
    q = rec["quarter"].str[-1].astype(int).to_numpy()
    factor = np.array(season)[q - 1] * np.where((rec["quarter"] == "2022Q2") & (rec["product"] == 3), 1.25, 1.0)
    np.testing.assert_array_equal(rec["amount_cents"].to_numpy(), np.rint(unit[rec["product"]] * factor * 100))
    # e.g. meeting (600 yuan-minutes a week) in 2022Q2: 600 x 1.0 x 1.25 = 750.00
    meet = rec[(rec["product"] == 3) & (rec["quarter"] == "2022Q2")]
    assert len(meet) and (meet["amount_cents"] == 75000).all()


def test_growth_compounds_per_quarter_by_region():
    growth = {"东部": 0.04, "中部": 0.0, "西部": 0.0, "东北": 0.0}
    p = _flat(region_growth=growth)
    slots = time_slots(p)
    cities = demo_cities(p)
    pop = make_population(p, cities, industries(), slots)
    rec = pd.concat([c.frame() for c in iter_chunks(p, pop, slots)], ignore_index=True)
    region = cities["region"].to_numpy(dtype=object)[pop.city[rec["enterprise_id"] - 1]]
    g = np.where(region == "东部", 0.04, 0.0)
    unit = np.array([p.unit_amount[k] for k in PRODUCTS])
    expected = unit[rec["product"]] * (1.0 + g) ** (rec["day"].to_numpy() / DAYS_PER_QUARTER)
    np.testing.assert_array_equal(rec["amount_cents"].to_numpy(), np.maximum(np.rint(expected * 100), 1))
    # cloud (2000 a week) in the east on Monday 27 Dec 2021, day 360: 2000 x 1.04^(360 / 91.3125) = 2334.45
    last = rec[(region == "东部") & (rec["day"] == 360) & (rec["product"] == 0)]
    assert len(last) and (last["amount_cents"] == 233445).all()


def test_adoption_capped_and_zero_probability_product_never_appears():
    rec = _records(_flat(adoption={**GeneratorParams().adoption, "ticketing": 0.0}, affinity={}))
    assert 7 not in set(rec["product"])
    assert set(rec["product"]) == set(range(7))


def test_weekend_factor_only_for_day_slots():
    p = _flat(frequency="day", n_enterprises=340, weekend_factor=0.0)
    rec = _records(p)
    weekday = (np.datetime64("2021-01-01") + rec["day"].to_numpy().astype("timedelta64[D]"))
    assert (pd.DatetimeIndex(weekday).day_of_week < 5).all()
    assert len(rec) > 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(337, 500), freq=st.sampled_from(["week", "day"]))
def test_record_invariants(seed, n, freq):
    p = replace(GeneratorParams(), seed=seed, n_enterprises=n, frequency=freq, end="2021Q2")
    rec = _records(p)
    slots = time_slots(p)
    assert (rec["amount_cents"] >= 1).all() and (rec["events"] >= 1).all()
    assert rec["enterprise_id"].between(1, n).all()
    assert rec["day"].isin(slots.day).all()
    assert set(rec["quarter"]) <= {"2021Q1", "2021Q2"}
    assert not rec.duplicated(["enterprise_id", "product", "day"]).any()


# ---------------------------------------------------------------------- Parquet output
def test_parquet_holds_exactly_the_generated_records(small_raw, small_params):
    rec = _records(small_params)
    con = duckdb.connect()
    got = con.execute(
        "SELECT enterprise_id, product, (date - DATE '2021-01-01')::INTEGER AS day, "
        "CAST(amount * 100 AS BIGINT) AS amount_cents, events, "
        "regexp_extract(filename, 'quarter=([0-9Q]+)', 1) AS quarter "
        f"FROM read_parquet('{small_raw.records_glob}', filename = true, hive_partitioning = false) "
        "ORDER BY filename, file_row_number").df()
    types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{small_raw.records_glob}', "
                             "hive_partitioning = false)").fetchall()[i][:2] for i in range(5))
    con.close()
    assert types == {"enterprise_id": "INTEGER", "product": "VARCHAR", "date": "DATE", "amount": "DECIMAL(18,2)",
                     "events": "INTEGER"}
    expected = rec.assign(product=np.array(PRODUCTS, dtype=object)[rec["product"]])
    assert len(got) == len(expected) == small_raw.n_records
    for col in ("enterprise_id", "day", "amount_cents", "events"):
        np.testing.assert_array_equal(got[col].to_numpy(np.int64), expected[col].to_numpy(np.int64), err_msg=col)
    assert list(got["product"]) == list(expected["product"])
    assert list(got["quarter"]) == list(expected["quarter"])


def test_manifest_is_labelled_synthetic(small_raw, small_params):
    m = read_manifest(small_raw.path)
    assert m["synthetic"] is True and "SYNTHETIC" in m["notice"]
    assert m["params"]["seed"] == small_params.seed
    assert m["n_records"] == small_raw.n_records == sum(m["records_by_quarter"].values())
    assert sum(m["records_by_product"].values()) == small_raw.n_records
    assert sorted(p.name for p in (small_raw.path / "records").iterdir()) == [
        f"quarter={y}Q{q}" for y in (2021, 2022) for q in (1, 2, 3, 4)] + ["quarter=2023Q1"]


def test_generate_refuses_a_folder_that_is_not_raw_data(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DataError, match=r"is not a dtindex demo raw-data folder"):
        generate(tmp_path / "raw", params_for_size("small"))
    assert (tmp_path / "raw" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_generate_replaces_its_own_previous_output(tmp_path):
    p = replace(params_for_size("small"), end="2021Q1")
    first = generate(tmp_path / "raw", p)
    second = generate(tmp_path / "raw", replace(p, seed=1))
    assert json.loads((tmp_path / "raw" / "manifest.json").read_text(encoding="utf-8"))["params"]["seed"] == 1
    assert first.files == second.files and not list(tmp_path.glob(".raw*"))


# ---------------------------------------------------------------------- expert sheet
def test_shipped_expert_sheet_is_the_labelled_synthetic_panel():
    shipped = pd.read_csv(SPECS / "dti-2023-experts.csv", dtype={"expert": str})
    pd.testing.assert_frame_equal(shipped, expert_panel(), check_dtype=False)
    assert shipped["expert"].str.startswith("synthetic-").all()
    assert shipped.drop(columns="expert").isin([1, 2, 3, 4, 5]).all().all()
