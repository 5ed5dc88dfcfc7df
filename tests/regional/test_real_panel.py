"""The regional methods on a real published panel: PKU-DFIIC provinces 2011-2023 (reference data, not shipped).

Guo, Wang, Wang, Kong, Zhang, Cheng (2020), China Economic Quarterly 19(4). The file lives in the team's
reference folder; the test is skipped where it is absent (a clean clone).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.regional.convergence import beta_absolute, sigma
from dtindex.regional.inequality import dagum, gini, theil

PKU = Path("/work/shared/reference/pku-dfiic/provinces.csv")
pytestmark = pytest.mark.skipif(not PKU.exists(), reason="PKU-DFIIC reference data not present")


@pytest.fixture(scope="module")
def panel():
    from dtindex.regions import provinces

    df = pd.read_csv(PKU, dtype={"province_code": str})
    df["region"] = df["province_code"].map(provinces().set_index("adcode")["region"])
    assert df["region"].notna().all()  # every PKU province code is in the shipped table
    return df


def test_dagum_and_theil_on_the_real_panel(panel):
    for year, sub in panel.groupby("year"):
        d = dagum(sub["index"], sub["region"])
        assert d.Gw + d.Gnb + d.Gt == pytest.approx(d.G, rel=1e-12)
        assert d.G == pytest.approx(gini(sub["index"]), rel=1e-12)
        assert set(d.groups) == {"东部", "中部", "西部", "东北"}
        t = theil(sub["index"], sub["region"])
        assert t.T_within + t.T_between == pytest.approx(t.T, rel=1e-12)
    first = dagum(*panel[panel["year"] == 2011][["index", "region"]].T.to_numpy())
    assert first.groups[-1] == "东部"  # the east has the highest mean
    assert first.G == pytest.approx(0.2478, abs=5e-5)


def test_convergence_on_the_real_panel(panel):
    W = panel.pivot(index="province_code", columns="year", values="index")
    s = sigma(W)
    assert s["cv"].iloc[-1] < s["cv"].iloc[0]
    b = beta_absolute(W)
    assert b.beta < 0 and b.half_life == pytest.approx(np.log(2) / b.speed)
