"""The demo doing the work it did when issue 11 was filed, paired against the demo of that time.

Issue 11 moved the demo's aggregation onto the raw-record engine and asked that the demo stay under
its time. Later issues added work to ``dtindex demo`` (the future-industry index and its release
tables, the links between indices, the report's regional section). This benchmark runs the current
demo with those later parts switched off -- the same stages and report sections as the demo of
``8f8fa98`` -- and that older tree's demo, interleaved, each in a fresh process, and prints the wall
times. It also runs the whole current demo for reference.

Usage::

    git worktree add /tmp/dt-old 8f8fa98
    python benchmarks/demo_scope.py --old /tmp/dt-old/src --rounds 3

Switching the later parts off is done in the child process only (this file), by replacing
``run_future`` with one that adds nothing and leaving out the regional section; the library is not
changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

SCOPE = r"""
import sys
import dtindex.demo.future_pipeline as fp
import dtindex.report.dti as dti
from dtindex.report.context import LeftOut

def no_future(out_dir, *, size, seed, cities, dti=None):
    return fp.FutureOutputs(None, None, {}, {}, {})

def no_regional(ctx):
    raise LeftOut("(benchmark)", "(benchmark)")

fp.run_future = no_future
dti._regional = no_regional
from dtindex.cli import main
main(sys.argv[1:])
"""
FULL = "import sys\nfrom dtindex.cli import main\nmain(sys.argv[1:])\n"


def run(code: str, src: str, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": src}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package: bytecode cached
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, "demo", "--out", str(out)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="src/ folder of the tree the issue was filed against (8f8fa98)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cases = {"issue-time demo (8f8fa98)": (FULL, args.old), "current demo, same work": (SCOPE, SRC),
             "current demo, all of it": (FULL, SRC)}
    times: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (code, src) in cases.items():  # warm-up: bytecode caches, file cache
            run(code, src, Path(tmp) / "warm")
        for r in range(args.rounds):
            for name, (code, src) in cases.items():
                times[name].append(run(code, src, Path(tmp) / "out"))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for name, ts in times.items():
        print(f"{name:28s} best {min(ts):5.1f} s  median {statistics.median(ts):5.1f} s")


if __name__ == "__main__":
    main()
