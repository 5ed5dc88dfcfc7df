"""The future-industry build on a tiny registry: engine aggregation + derived measures by hand."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dtindex import regions
from dtindex.errors import DataError
from dtindex.future import analysis as A
from dtindex.future.build import build_future
from dtindex.future.derive import base_cube

SPEC = str(Path(__file__).parents[2] / "src" / "dtindex" / "specs" / "future-industry.yaml")


def _write(path, df, casts):
    con = duckdb.connect()
    con.register("df", df)
    con.execute(f"COPY (SELECT {casts} FROM df) TO '{path.as_posix()}' (FORMAT parquet)")
    con.close()


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    return write_tiny(tmp_path_factory.mktemp("tiny"))


def tiny_cities():
    c = regions.cities()
    return c[c["adcode"].isin(["110000", "310000"])]


def write_tiny(root):
    """Beijing: 2016 info_ai x2, info_6g x1; 2017 info_ai x1, bio_gene x1.
    Shanghai: 2017 bio_gene x2, bio_synbio x2, info_ai x1."""
    (root / "future").mkdir()
    rows = [("110000", "info_ai", "llm", "2016-03-01"), ("110000", "info_ai", "cv", "2016-05-01"),
            ("110000", "info_6g", None, "2016-07-01"), ("110000", "info_ai", "llm", "2017-02-01"),
            ("110000", "bio_gene", None, "2017-03-01"), ("310000", "bio_gene", None, "2017-01-05"),
            ("310000", "bio_gene", None, "2017-02-05"), ("310000", "bio_synbio", None, "2017-03-05"),
            ("310000", "bio_synbio", None, "2017-04-05"), ("310000", "info_ai", "chip", "2017-05-05")]
    reg = pd.DataFrame(rows, columns=["adcode", "subfield", "ai_track", "registered"])
    reg.insert(0, "firm_id", range(1, len(reg) + 1))
    reg["field"] = reg["subfield"].str.split("_").str[0]
    reg["capital"] = [100.0, 200.0, 300.0, 50.0, 10.0, 20.0, 20.0, 20.0, 20.0, 40.0]
    _write(root / "future" / "registry.parquet", reg,
           "firm_id::BIGINT firm_id, adcode, field, subfield, ai_track, registered::DATE registered, capital::DOUBLE capital")
    fin = pd.DataFrame({"firm_id": [1, 1, 6], "date": ["2016-09-01", "2017-06-01", "2017-07-01"],
                        "amount": [100.5, 300.0, 80.0]})
    _write(root / "future" / "financing.parquet", fin, "firm_id::BIGINT firm_id, date::DATE date, amount::DOUBLE amount")
    pat = pd.DataFrame({"firm_id": [2], "filed": ["2017-01-01"]})
    _write(root / "future" / "patents.parquet", pat, "firm_id::BIGINT firm_id, filed::DATE filed")
    return root


@pytest.fixture(scope="module")
def tiny(tiny_root):
    return build_future(SPEC, data_dir=tiny_root, cities=tiny_cities())


def _m(fb, region, field, period="2017", level="province"):
    t = fb.measures
    row = t[(t["level"] == level) & (t["region"] == region) & (t["field"] == field) & (t["period"] == period)]
    assert len(row) == 1
    return row.iloc[0]


def test_tiny_measures_by_hand(tiny):
    bj_info, sh_info = _m(tiny, "110000", "info"), _m(tiny, "310000", "info")
    bj_bio, sh_bio = _m(tiny, "110000", "bio"), _m(tiny, "310000", "bio")
    # stock 2017: BJ info 4 (ai 3, 6g 1), bio 1; SH info 1, bio 4 (gene 2, synbio 2); nation 5 + 5
    assert bj_info["stock"] == 4 and sh_bio["stock"] == 4
    assert bj_info["share"] == pytest.approx(80.0)
    assert bj_info["lq"] == pytest.approx((4 / 5) / (5 / 10))
    assert sh_info["lq"] == pytest.approx((1 / 5) / (5 / 10))
    assert bj_info["entropy"] == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(6))
    assert bj_info["hhi"] == pytest.approx(0.625)
    assert sh_bio["entropy"] == pytest.approx(math.log(2) / math.log(5))
    # capital stock: BJ info 100+200+300+50 = 650 of 650+40
    assert bj_info["cap_share"] == pytest.approx(100 * 650 / 690)
    # growth of new firms (DHS): BJ info 3 -> 1 = -1; BJ bio 0 -> 1 = 2 (zero base); SH energy 0 -> 0 = 0
    assert bj_info["g_firms"] == pytest.approx(-1.0)
    assert bj_bio["g_firms"] == pytest.approx(2.0)
    assert _m(tiny, "310000", "energy")["g_firms"] == 0.0
    # financing 2017: BJ info 300 (firm 1), SH bio 80 (firm 6); 2016: BJ info 100.5
    assert bj_info["fin_amt"] == pytest.approx(300.0) and bj_info["fin_n"] == 1
    assert bj_info["g_fin"] == pytest.approx((300 - 100.5) / ((300 + 100.5) / 2))
    assert sh_bio["fin_amt"] == pytest.approx(80.0)
    assert _m(tiny, "110000", "info")["patents"] == 1
    # 2018: nothing new; stocks carry over, flows fall to zero (DHS -2)
    later = _m(tiny, "110000", "info", "2018")
    assert later["stock"] == 4 and later["new"] == 0 and later["g_firms"] == pytest.approx(-2.0)


def test_tiny_index_and_ai(tiny):
    assert tiny.periods[0] == "2017" and tiny.history[0] == "2016"
    assert tiny.province.units == ("110000", "310000")
    assert set(tiny.province.framework.indicators) == {f"{f}_{s}" for f in ("info", "bio", "energy", "mfg", "mat", "space")
                                                       for s in ("share", "cap_share", "lq", "new", "fin_n", "fin_amt",
                                                                 "patents", "g_firms", "g_cap", "g_fin", "div")}
    ai = tiny.ai[(tiny.ai["level"] == "province")].set_index(["region", "track"])
    assert ai.loc[("110000", "llm"), "firms"] == 2 and ai.loc[("310000", "chip"), "firms"] == 1
    # financing of AI firms: firm 1 (llm) 100.5 + 300 in all; none in the latest period (2023)
    assert ai.loc[("110000", "llm"), "financing_total"] == pytest.approx(400.5)
    assert ai.loc[("110000", "llm"), "financing"] == 0.0
    assert ai.loc[("110000", "llm"), "period"] == "2023"


def test_tiny_analyses(tiny):
    fs = A.field_scores(tiny.province)
    assert list(fs.columns[:3]) == ["code", "period", "FII"] and set(fs["code"]) == {"110000", "310000"}
    lead = A.leading_fields(tiny.province, "2017").set_index("code")
    # Beijing ranks first in information (4 of 5 firms), Shanghai first in biology
    assert lead.loc["110000", "leading"] == "info" and lead.loc["310000", "leading"] == "bio"
    prof = A.dimension_profile(tiny.province)
    assert list(prof.columns) == ["code", "period", "agglomeration", "activity", "growth", "diversity"]


def test_unknown_subfield_is_an_error():
    obs = pd.DataFrame({"indicator": ["new_firms"], "city": ["110000"], "industry": ["info_warp"], "period": ["2016"],
                        "value": [1.0]})
    with pytest.raises(DataError, match="info_warp"):
        base_cube(obs, ["110000"], ["2016"])


def test_cli_future_build_writes_a_release(tiny_root, tmp_path):
    from click.testing import CliRunner

    from dtindex.cli import main
    from dtindex.release import Release

    res = CliRunner().invoke(main, ["future", "build", SPEC, "--data", str(tiny_root), "--out", str(tmp_path / "rel"),
                                    "--growth", "pct", "--diversity", "hhi", "--start", "2019",
                                    "--set", "aggregate.method=geometric", "--set", "aggregate.nonpositive=shift",
                                    "--set", "aggregate.shift=1"])
    assert res.exit_code == 0, res.output
    rel = Release.load(tmp_path / "rel")
    assert set(rel.builds) == {"future", "future_city"} and rel["future"].period_labels[0] == "2019"
    assert rel.meta["future"]["growth"] == "pct" and rel.meta["future"]["history"][0] == "2016"
    assert rel["future"].recipe()["resolved"]["aggregate"]["FII"]["method"] == "geometric"
    m = pd.read_csv(tmp_path / "rel" / "future_measures.csv", dtype={"region": str, "period": str})
    bj = m[(m["level"] == "province") & (m["region"] == "110000") & (m["field"] == "info")]
    assert bj["stock"].tolist() == [4.0] * 5  # 2019-2023: all firms registered by 2017
    bad = CliRunner().invoke(main, ["future", "build", SPEC, "--data", str(tmp_path / "nowhere"), "--out",
                                    str(tmp_path / "x")])
    assert bad.exit_code == 1 and "Error:" in bad.output
    start = CliRunner().invoke(main, ["future", "build", SPEC, "--data", str(tiny_root), "--out", str(tmp_path / "y"),
                                      "--start", "2016"])
    assert start.exit_code == 1 and "base of the first growth rates" in start.output
