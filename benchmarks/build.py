"""Benchmark: build time of the index engine after load (run by hand, results in docs/performance.md).

351 units x 9 quarters x 30 indicators in 3 layers (10 indicators each), synthetic
lognormal activity data. Times `dtindex.index.build` (everything after reading files:
resolve methods, normalise, weight, aggregate, rank) for every normalisation, every
aggregation and every data-driven weighting, best of 5 runs.

    python benchmarks/build.py
"""

from __future__ import annotations

import platform
import time

import numpy as np

from dtindex.index import build
from dtindex.panel import Panel
from dtindex.periods import parse_period
from dtindex.spec.framework import framework_from_records
from dtindex.spec.index_spec import IndexSpec

N_UNITS, N_PERIODS, PER_LAYER = 351, 9, 10
LAYERS = ("infra", "platform", "application")


def make_inputs():
    rng = np.random.default_rng(1)
    records = [{"code": "DTI", "type": "aggregate"}]
    for layer in LAYERS:
        records.append({"code": layer, "type": "aggregate", "parent": "DTI"})
        records += [{"code": f"{layer}_{j}", "parent": layer} for j in range(PER_LAYER)]
    fw = framework_from_records(records)
    scale = rng.lognormal(0, 1, size=N_UNITS)
    values = {}
    for code in fw.indicators:
        growth = 1.04 ** np.arange(N_PERIODS)
        x = np.outer(growth, scale) * rng.lognormal(0, 0.3, size=(N_PERIODS, N_UNITS))
        values[code] = (x * 1000).reshape(-1)
    periods = tuple(parse_period(f"{2021 + q // 4}Q{q % 4 + 1}") for q in range(N_PERIODS))
    units = tuple(f"{110000 + i}" for i in range(N_UNITS))
    panel = Panel(units, ("",) * N_UNITS, periods, values, {}, np.ones(N_UNITS * N_PERIODS, bool), "bench")
    spec = IndexSpec(framework=records, base_period="2021Q1")
    return spec, fw, panel


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    spec, fw, panel = make_inputs()
    cases = {f"normalise {m}": {"normalise.method": m} for m in
             ("base_share", "minmax", "zscore", "rank", "dist_to_max", "pct_of_max", "none")}
    cases["normalise minmax per_period"] = {"normalise.scope": "per_period"}
    cases.update({f"aggregate {m}": {"aggregate.method": m, "normalise.params": {"low": 1, "high": 100}}
                  for m in ("arithmetic", "geometric", "harmonic", "topsis")})
    cases.update({f"weights {m}": {"weights.method": m} for m in ("equal", "entropy", "critic", "cv", "pca")})
    cases["treat winsorise + impute mean"] = {"treat.method": "winsorise", "impute.method": "mean"}
    print(f"# {N_UNITS} units x {N_PERIODS} quarters x {len(fw.indicators)} indicators, 3 layers")
    print(f"# Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print("| case | best of 5 (ms) |")
    print("|---|---:|")
    import warnings

    for name, changes in cases.items():
        s = spec.with_changes(changes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = best_of(lambda: build(s, fw, panel))
        print(f"| {name} | {t * 1000:.1f} |")
    # end to end from files: read a wide CSV (3,159 rows x 32 columns) and build
    import tempfile
    from pathlib import Path

    from dtindex.index import Index

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.csv"
        panel.to_frame().drop(columns=["uName"]).to_csv(data, index=False)
        spec_path = Path(tmp) / "spec.yaml"
        import yaml

        spec_path.write_text(yaml.safe_dump({"framework": spec.framework, "data": {"path": "data.csv"},
                                             "base_period": "2021Q1"}), encoding="utf-8")
        t = best_of(lambda: Index.from_spec(spec_path))
        print(f"| read CSV + build (minmax, arithmetic) | {t * 1000:.1f} |")


if __name__ == "__main__":
    main()
