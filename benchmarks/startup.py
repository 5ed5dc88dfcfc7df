"""Benchmark: whole-process start-up, as a user measures it with ``time`` (results in docs/performance.md).

Runs each command N times in fresh processes, interleaved (one of each per round, so a change of
machine load hits all of them alike), and prints best and median wall and CPU (user + system) seconds
as a Markdown table, with the load average before and after:

    python benchmarks/startup.py                       # this tree, 7 rounds
    python benchmarks/startup.py --rounds 9 --before /path/to/old/src   # also an older tree

Commands: ``python -c pass``, ``import numpy``, ``import pandas`` (floors), ``dtindex --help`` and
``dtindex build`` of the COINr ASEM example (``--framework ASEM_iMeta.csv --data ASEM_iData.csv``).
Use the real interpreter, not a pyenv shim (the shim adds about 0.1 s to every process).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "tests" / "data" / "asem"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--before", help="src folder of an older tree to time alongside (labelled 'before')")
    args = ap.parse_args()
    py = sys.executable
    out = Path(tempfile.mkdtemp(prefix="dtindex-startup-"))
    build = ["-m", "dtindex", "build", "--framework", str(ASEM / "ASEM_iMeta.csv"), "--data",
             str(ASEM / "ASEM_iData.csv"), "--out", str(out / "asem")]
    trees = [("", str(ROOT / "src"))] + ([(", before", args.before)] if args.before else [])
    cmds: dict[str, tuple[list[str], str | None]] = {
        "python -c pass": ([py, "-c", "pass"], None),
        "python -c 'import numpy'": ([py, "-c", "import numpy"], None),
        "python -c 'import pandas'": ([py, "-c", "import pandas"], None),
    }
    for label, src in trees:
        cmds[f"dtindex --help{label}"] = ([py, "-m", "dtindex", "--help"], src)
    for label, src in trees:
        cmds[f"dtindex build ASEM{label}"] = ([py, *build], src)
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    load0 = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, (cmd, src) in cmds.items():
            env = {**os.environ, **({"PYTHONPATH": src} if src else {})}
            r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            wall[name].append(t1 - t0)
            cpu[name].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    print(f"{args.rounds} rounds; load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after; {py}")
    print("| command | best wall | median wall | best CPU | median CPU |\n|---|---:|---:|---:|---:|")
    for name in cmds:
        w, c = wall[name], cpu[name]
        print(f"| `{name}` | {min(w):.2f} | {statistics.median(w):.2f} | {min(c):.2f} | {statistics.median(c):.2f} |")


if __name__ == "__main__":
    main()
