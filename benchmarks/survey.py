"""Benchmark: weighted cross-tab + Rao-Scott test on 1 million responses (run by hand; numbers in
docs/survey.md and docs/performance.md).

Synthetic responses: a 6-category row variable (e.g. industry) and a 5-category column variable
(e.g. city tier) with a weak association, lognormal weights. Times, after the data are in memory
(best of 5):

* ``Design(...)`` construction (weights only; stratified by a 31-level variable; 2,000 clusters);
* ``crosstab`` (weighted counts);
* ``chisq(method="rao-scott")`` (cell proportions, their linearised covariance, Delta, F);
* the same for a raked design is not timed: raking residuals need the dense n x cells matrix and
  are meant for survey-sized data.

    python benchmarks/survey.py
"""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd

from dtindex.survey import Design

N = 1_000_000


def make_data(n: int = N, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    row = rng.integers(0, 6, n)
    col = np.where(rng.random(n) < 0.02, row % 5, rng.integers(0, 5, n))  # weak association
    return pd.DataFrame({
        "industry": pd.Categorical.from_codes(row, [f"ind{i}" for i in range(6)]),
        "tier": pd.Categorical.from_codes(col, [f"tier{i}" for i in range(5)]),
        "w": rng.lognormal(0.0, 0.5, n),
        "province": rng.integers(0, 31, n),
        "cluster": rng.integers(0, 2000, n),
    })


def best_of(fn, repeat: int = 5) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    df = make_data()
    print(f"{N:,} responses; Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{platform.machine()}")
    cases = {
        "weights only": {"weights": "w"},
        "stratified (31 strata)": {"weights": "w", "strata": "province"},
        "one-stage cluster (2,000 PSUs)": {"weights": "w", "ids": "cluster"},
    }
    print(f"{'design':34s} {'build':>8s} {'crosstab':>9s} {'rao-scott':>10s} {'total':>8s}  F / p")
    for name, kw in cases.items():
        t_build, design = best_of(lambda kw=kw: Design(df, **kw))
        t_tab, _ = best_of(lambda d=design: d.crosstab("industry", "tier"))
        t_rs, res = best_of(lambda d=design: d.chisq("industry", "tier", method="rao-scott"))
        total = t_build + t_tab + t_rs
        print(f"{name:34s} {t_build * 1000:7.0f}ms {t_tab * 1000:8.0f}ms {t_rs * 1000:9.0f}ms {total * 1000:7.0f}ms"
              f"  {res.statistic:.2f} / {res.p_value:.3g}")


if __name__ == "__main__":
    main()
