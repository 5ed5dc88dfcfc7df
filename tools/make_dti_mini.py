"""Generate the shipped SYNTHETIC example `src/dtindex/examples/dti-mini/` (run by hand, output committed).

40 real cities (from the shipped city table), 9 quarters 2021Q1-2023Q1, 8 activity
indicators in three layers. City scale comes from the 2025 city tier (lognormal around
a tier level), growth from the NBS region, plus quarterly seasonality and a 2022Q2 peak
for online meetings and documents. Seeded; no parameter is tuned to produce a ranking.

    python tools/make_dti_mini.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dtindex import regions

SEED = 20230401
OUT = Path(__file__).resolve().parents[1] / "src" / "dtindex" / "examples" / "dti-mini"
QUARTERS = [f"{y}Q{q}" for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)][:9]
INDICATORS = ["cloud", "ai", "devops", "meeting", "docs", "payment", "ecommerce", "ticketing"]
TIER_SCALE = {"一线": 60.0, "新一线": 25.0, "二线": 10.0, "三线": 4.0, "四线": 2.0, "五线": 1.0}
REGION_GROWTH = {"东部": 0.035, "中部": 0.045, "西部": 0.05, "东北": 0.02}   # quarterly trend growth
SEASON = np.array([0.96, 1.0, 1.01, 1.05])                                  # Q1..Q4 multipliers
PEAK_2022Q2 = {"meeting": 1.25, "docs": 1.15}                                 # online peak multipliers


def main() -> None:
    rng = np.random.default_rng(SEED)
    cities = regions.cities()
    cities = cities[cities["tier_2025"].notna()]
    by_tier = [cities[cities["tier_2025"] == t] for t in TIER_SCALE]
    picks = pd.concat([by_tier[0], by_tier[1].head(10), by_tier[2].head(8), by_tier[3].head(7),
                       by_tier[4].head(6), by_tier[5].head(5)])
    prov = regions.provinces().set_index("adcode")["region"]
    rows = []
    n_ind = len(INDICATORS)
    for _, c in picks.iterrows():
        scale = TIER_SCALE[c["tier_2025"]] * rng.lognormal(0.0, 0.35)
        mix = rng.lognormal(0.0, 0.25, size=n_ind)
        growth = REGION_GROWTH[prov[c["province_adcode"]]] + rng.normal(0.0, 0.01)
        for qi, q in enumerate(QUARTERS):
            level = scale * mix * (1 + growth) ** qi * SEASON[qi % 4]
            level = level * rng.lognormal(0.0, 0.04, size=n_ind)
            if q == "2022Q2":
                level = level * np.array([PEAK_2022Q2.get(i, 1.0) for i in INDICATORS])
            rows.append({"uCode": c["adcode"], "uName": c["name"], "Time": q, "province": c["province"],
                         "tier": c["tier_2025"], **{i: round(float(v) * 1000, 1) for i, v in zip(INDICATORS, level)}})
    data = pd.DataFrame(rows)
    data.to_csv(OUT / "data.csv", index=False, lineterminator="\n")
    # 10 experts score the 8 indicators and the 3 layers from 1 to 5
    codes = [*INDICATORS, "infra", "platform", "application"]
    centre = np.array([4.4, 4.0, 3.6, 3.2, 3.0, 4.2, 3.8, 2.8, 4.5, 3.8, 4.0])
    scores = np.clip(np.rint(centre + rng.normal(0, 0.6, size=(10, len(codes)))), 1, 5).astype(int)
    sheet = pd.DataFrame(scores, columns=codes)
    sheet.insert(0, "expert", [f"E{i + 1:02d}" for i in range(10)])
    sheet.to_csv(OUT / "expert_scores.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
