"""Benchmark: batched replications and the uncertainty analysis (run by hand; results in docs/uncertainty.md).

Cases

1. ASEM (COINr's example data, 51 countries, 49 indicators, 4 levels) with
   weight noise 0.25 at levels 2 and 3, normalisation {minmax 1-100,
   zscore 10,2} x aggregation {arithmetic, geometric}:
   a. 10,000 given replications through the batch engine (the replay path);
   b. the full analysis with sensitivity indices: N = 1,667, i.e. 10,002 runs
      (N (k + 2), k = 4), Sobol indices of 52 outputs, 200 bootstrap samples;
   c. the analysis without sensitivity indices, N = 10,000 plain draws;
   d. for scale, a Python loop of ``Index.rebuild`` (200 replications,
      extrapolated per replication).
2. A DTI-like synthetic panel: 351 units x 9 quarters x 30 indicators in 3
   layers (lognormal activity data, as ``benchmarks/build.py``), weight noise
   0.25 at levels 1 and 2, the same four method combinations:
   a. 1,000 given replications (all 9 quarters ranked);
   b. the analysis without sensitivity indices, N = 1,000;
   c. the analysis with sensitivity indices, N = 167 (1,002 runs).

Times are the best of 3 runs (wall clock, ``time.perf_counter``); memory is
the peak traced by ``tracemalloc`` during one more run (numpy reports its
array allocations to tracemalloc), plus the process's peak RSS.

    python benchmarks/uncertainty.py
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from dtindex.index import Index, build
from dtindex.uncertainty.analysis import replications_from_sample, run_uncertainty
from dtindex.uncertainty.batch import BatchModel
from dtindex.uncertainty.sobol import uniform_sample
from dtindex.uncertainty.spec import UncertaintySpec, plan_factors

sys.path.insert(0, str(Path(__file__).parent))
from build import make_inputs  # noqa: E402  (sibling benchmark script)

ROOT = Path(__file__).parents[1]
ASEM = ROOT / "tests" / "data" / "asem"
METHODS = {"normalisation": ["minmax:1,100", "zscore:10,2"], "aggregation": ["arithmetic", "geometric"]}


def dti_index() -> Index:
    """351 units x 9 quarters x 30 indicators in 3 layers of 10: the synthetic panel of benchmarks/build.py."""
    spec, fw, panel = make_inputs()
    return build(spec, fw, panel)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_mib(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def given_replications(idx: Index, uspec: UncertaintySpec, n: int):
    """n replications drawn once (outside the timing), as a replay file would give them."""
    factors = plan_factors(uspec, idx.framework)
    U = uniform_sample(n, sum(f.width for f in factors), seed=7, sampling="random")
    reps, _ = replications_from_sample(U, factors)
    return reps


def main() -> None:
    warnings.simplefilter("ignore")
    rows = []
    asem = Index.from_coinr(ASEM / "ASEM_iMeta.csv", ASEM / "ASEM_iData.csv")
    u_asem = UncertaintySpec(n=1667, weights={2: 0.25, 3: 0.25}, **METHODS)
    reps = given_replications(asem, u_asem, 10_000)
    run = lambda: BatchModel(asem).run(reps)
    rows.append(("ASEM: 10,000 given replications (batch engine)", best_of(run), peak_mib(run)))
    run = lambda: run_uncertainty(asem, u_asem)
    rows.append(("ASEM: analysis with Sobol indices, N = 1,667 (10,002 runs, 200 bootstrap)", best_of(run),
                 peak_mib(run)))
    u_ua = u_asem.model_copy(update={"n": 10_000, "sensitivity": False})
    run = lambda: run_uncertainty(asem, u_ua)
    rows.append(("ASEM: analysis without Sobol indices, N = 10,000", best_of(run), peak_mib(run)))
    records = [{"changes": reps.settings[g], "weights": {c: asem.framework[c].weight * m[i]
                                                         for c, m in reps.multipliers.items()}}
               for i, g in enumerate(reps.group[:200])]
    t0 = time.perf_counter()
    for r in records:
        asem.rebuild(r["changes"], weights=r["weights"])
    loop = (time.perf_counter() - t0) / len(records)
    rows.append(("ASEM: loop of Index.rebuild, per replication (x 10,000 extrapolated)", loop * 10_000, float("nan")))

    dti = dti_index()
    u_dti = UncertaintySpec(n=1000, sensitivity=False, weights={1: 0.25, 2: 0.25}, **METHODS)
    reps = given_replications(dti, u_dti, 1000)
    run = lambda: BatchModel(dti).run(reps)
    rows.append(("DTI 351 x 9 quarters: 1,000 given replications (all quarters ranked)", best_of(run),
                 peak_mib(run)))
    run = lambda: run_uncertainty(dti, u_dti)
    rows.append(("DTI 351 x 9 quarters: analysis without Sobol indices, N = 1,000", best_of(run), peak_mib(run)))
    u_sa = u_dti.model_copy(update={"n": 167, "sensitivity": True})
    run = lambda: run_uncertainty(dti, u_sa)
    rows.append(("DTI 351 x 9 quarters: analysis with Sobol indices, N = 167 (1,002 runs)", best_of(run),
                 peak_mib(run)))

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; peak RSS of the whole benchmark {rss:.0f} MiB")
    print("| case | best of 3 (s) | peak traced memory (MiB) |")
    print("|---|---:|---:|")
    for name, t, mem in rows:
        print(f"| {name} | {t:.3f} | {'' if np.isnan(mem) else f'{mem:.1f}'} |")


if __name__ == "__main__":
    main()
