"""The synthetic start-up generator: seeded, labelled synthetic, with the intended skew."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dtindex.demo.startups import LEADERS, MID_WEST, generate_startups, startup_params_for_size
from dtindex.errors import SpecError
from dtindex.future.dimensions import entropy_diversity
from dtindex.future.taxonomy import FIELDS, SUBFIELDS, subfields_of


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return generate_startups(tmp_path_factory.mktemp("s1") / "future", startup_params_for_size("small"))


def test_same_seed_same_bytes(small, tmp_path):
    again = generate_startups(tmp_path / "future", startup_params_for_size("small"))
    for name in ("registry.parquet", "financing.parquet", "patents.parquet", "environment.csv", "manifest.json"):
        assert (small.path / name).read_bytes() == (again.path / name).read_bytes(), name
    other = generate_startups(tmp_path / "other", startup_params_for_size("small", seed=5))
    assert (other.path / "registry.parquet").read_bytes() != (small.path / "registry.parquet").read_bytes()


def test_labelled_synthetic_and_valid(small):
    manifest = json.loads((small.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and "SYNTHETIC" in manifest["notice"]
    reg = small.registry
    assert len(reg) == 4000 and reg["firm_id"].is_unique
    assert set(reg["subfield"]) <= set(SUBFIELDS)
    assert (reg["field"] == reg["subfield"].map(lambda s: SUBFIELDS[s][0])).all()
    assert reg["ai_track"].notna().eq(reg["subfield"] == "info_ai").all()
    f = small.financing.merge(reg[["firm_id", "registered"]], on="firm_id")
    assert (f["date"] >= f["registered"]).all() and (small.financing["amount"] > 0).all()
    with pytest.raises(SpecError, match="size"):
        startup_params_for_size("huge")


def test_skew_leaders_and_midwest_diversity(tmp_path):
    data = generate_startups(tmp_path / "m", startup_params_for_size("medium"))
    reg = data.registry.assign(province=data.registry["adcode"].str[:2] + "0000")
    top3 = reg["province"].value_counts().index[:3]
    assert set(top3) == set(LEADERS)
    # diversity: mean normalised entropy over fields, mid-western provinces above the three leaders
    def div(p):
        sub = reg[reg["province"] == p]
        vals = [entropy_diversity(np.array([[(sub["subfield"] == s).sum() for s in subfields_of(f)]]))[0] for f in FIELDS]
        return float(np.mean(vals))
    assert np.mean([div(p) for p in MID_WEST[:6]]) > np.mean([div(p) for p in LEADERS])
    # growth: mid-western new firms grow faster 2019 -> 2023 than the leaders'
    y = reg["registered"].dt.year
    def ratio(ps):
        sel = reg["province"].isin(ps)
        return ((y == 2023) & sel).sum() / ((y == 2019) & sel).sum()
    assert ratio(list(MID_WEST)) > ratio(list(LEADERS))
