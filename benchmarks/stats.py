"""Benchmark: dtindex.stats on city-panel sizes (run by hand, results in docs/performance.md).

Synthetic data: 351 cities, 40 quarters, 6 regressors. Times, best of 3 after a warm-up
(imports excluded):

* ``mediate`` with 5,000 bootstrap resamples on a cross-section (351 rows) and on the
  pooled 351 × 9 panel (3,159 rows), against a plain loop of statsmodels refits
  (200 resamples, extrapolated to 5,000);
* ``ols`` with two-way fixed effects on 351 × 40 = 14,040 rows (classical, HC3, cluster);
* ``correlation`` of 30 columns (435 pairs), Pearson and Kendall, with Holm's correction.

    PYTHONPATH=src python benchmarks/stats.py
"""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd

from dtindex.stats import correlation, mediate, ols

N_UNITS, N_PERIODS, K = 351, 40, 6


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = N_UNITS * N_PERIODS
    df = pd.DataFrame({"uCode": np.repeat(np.arange(N_UNITS), N_PERIODS).astype(str),
                       "Time": np.tile(np.arange(N_PERIODS), N_UNITS).astype(str)})
    df["province"] = (np.repeat(np.arange(N_UNITS), N_PERIODS) % 31).astype(str)
    for i in range(K):
        df[f"x{i}"] = rng.normal(size=n) + 0.01 * np.repeat(np.arange(N_UNITS), N_PERIODS)
    df["m"] = 0.5 * df["x0"] + rng.normal(size=n)
    df["y"] = df[[f"x{i}" for i in range(K)]].sum(axis=1) + 0.4 * df["m"] + rng.normal(size=n)
    return df


def best(fn, repeat: int = 3) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def statsmodels_loop(df: pd.DataFrame, boot: int) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    n = len(df)
    for _ in range(boot):
        s = df.iloc[rng.integers(0, n, n)]
        a = sm.OLS(s["m"], sm.add_constant(s[["x0"]])).fit().params["x0"]
        b = sm.OLS(s["y"], sm.add_constant(s[["x0", "m"]])).fit().params["m"]
        _ = a * b


def main() -> None:
    df = panel()
    xs = [f"x{i}" for i in range(K)]
    cross = df[df["Time"] == "0"]
    pooled = df[df["Time"].astype(int) < 9]
    rows = [
        ("mediate, 351 rows, 5,000 resamples", best(lambda: mediate(cross, "x0", "m", "y"))),
        ("mediate, 3,159 rows, 5,000 resamples", best(lambda: mediate(pooled, "x0", "m", "y"))),
        ("statsmodels refit loop, 351 rows, 5,000 resamples (from 200)",
         best(lambda: statsmodels_loop(cross, 200), repeat=1) * 25),
        ("ols two-way FE 14,040 rows, classical", best(lambda: ols(df, "y", xs, fe="twoway"))),
        ("ols two-way FE 14,040 rows, HC3", best(lambda: ols(df, "y", xs, fe="twoway", se="hc3"))),
        ("ols two-way FE 14,040 rows, cluster by province",
         best(lambda: ols(df, "y", xs, fe="twoway", se="cluster:province"))),
    ]
    wide = pd.DataFrame(np.random.default_rng(2).normal(size=(N_UNITS, 30)), columns=[f"c{i}" for i in range(30)])
    for method in ("pearson", "kendall"):
        rows.append((f"correlation 30 columns × 351 rows, {method}, Holm",
                     best(lambda: correlation(wide, list(wide.columns), method=method, adjust="holm"))))
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| case | best of 3 (s) |\n|---|---:|")
    for name, t in rows:
        print(f"| {name} | {t:.3f} |")


if __name__ == "__main__":
    main()
