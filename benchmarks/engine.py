"""Benchmark: raw-record aggregation at scale (run by hand; results in docs/engine.md and docs/performance.md).

Generates synthetic payment records as Parquet (10M and 100M rows by default) and CSV
(10M rows by default) and times, in one run, the same aggregation -- per city and
quarter: ``sum(amount)`` and ``count(*)`` -- done by

* ``dtindex-duckdb``: :func:`dtindex.engine.aggregate` on DuckDB (the default engine),
* ``dtindex-spark``: the same on Spark ``local[2]`` (session start not timed),
* ``duckdb-sql``: one hand-written DuckDB query,
* ``polars`` and ``pandas`` (skipped when not installed; not dtindex dependencies),

and two floors: ``scan-floor`` (DuckDB reading every needed column without grouping)
and ``bandwidth-floor`` (numpy summing as many bytes as the needed columns hold in
memory: 8-byte timestamp + 8-byte amount + 4-byte city dictionary index per row).

The many-indicator workload (``--many-sizes``, default 2M,20M,100M; ``--only-many`` runs only it) is a
DTI-shaped table -- city adcode with a Zipf-like skew, industry section A-R, a day in 2021Q1-2023Q1,
an indicator label k1..k12 and a double value -- and a spec of twelve indicators ``sum(value)`` with
``filter: "indicator = 'kN'"`` and city x industry units; dtindex and the hand-written
``GROUP BY city, industry, quarter, indicator`` (fetched as a DataFrame) alternate in one process.

``--paired N`` also alternates dtindex-on-DuckDB and the hand-written query N times in one
process and reports the ratio of their times, which a busy shared machine disturbs less.

Every measurement runs in a fresh Python process; its peak memory is the largest
resident set of the process tree (sampled every 20 ms from /proc, and the kernel's
own maximum from ``wait4``), so Spark's JVM is counted. Time is the best of
``--repeat`` runs inside that process, after imports (and after Spark starts).

    python benchmarks/engine.py                       # 10M + 100M Parquet, 10M CSV
    python benchmarks/engine.py --sizes 10M --csv-sizes ""   # quick
    PYTHONPATH=/tmp/benchdeps python benchmarks/engine.py     # polars/pandas+pyarrow from a side folder
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

TOOLS = ("dtindex-duckdb", "dtindex-spark", "duckdb-sql", "polars", "pandas", "scan-floor", "bandwidth-floor")
HEAVY = ("pandas", "dtindex-spark")


def rows_of(text: str) -> int:
    text = text.strip().upper()
    mult = {"K": 10**3, "M": 10**6, "B": 10**9}.get(text[-1], 1)
    return int(float(text.rstrip("KMB")) * mult)


# ---------------------------------------------------------------------- data
def generate(folder: Path, n: int, fmt: str) -> Path:
    """Synthetic payment records: city_code (one of the 369 cities), ts (2021-2023), amount (2 decimals),
    user_id, channel. Written by DuckDB in row groups, so generation needs little memory."""
    import duckdb

    import dtindex.regions as regions

    path = folder / f"payments_{n}.{fmt}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    codes = regions.cities()["adcode"].astype(str).tolist()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE TEMP TABLE codes AS SELECT unnest(?) AS code, generate_subscripts(?, 1) AS i", [codes, codes])
    select = f"""
        SELECT c.code AS city_code,
               TIMESTAMP '2021-01-01' + to_seconds(CAST(hash(r.i * 2 + 1) % (86400 * 1095) AS BIGINT)) AS ts,
               CAST((hash(r.i * 3 + 7) % 100000) AS DOUBLE) / 100 AS amount,
               CAST(hash(r.i * 5 + 3) % 2000000 AS BIGINT) AS user_id,
               CASE WHEN hash(r.i) % 10 < 7 THEN 'app' ELSE 'web' END AS channel
        FROM range({n}) r(i) JOIN codes c ON c.i = 1 + CAST(hash(r.i * 7 + 11) % {len(codes)} AS INTEGER)
    """
    tmp = path.with_suffix(".tmp")
    opts = "FORMAT parquet, ROW_GROUP_SIZE 1000000" if fmt == "parquet" else "FORMAT csv, HEADER"
    con.execute(f"COPY ({select}) TO '{tmp}' ({opts})")
    tmp.rename(path)
    return path


MANY = 12  # indicators of the many-indicator workload: k1..k12


def generate_many(folder: Path, n: int) -> Path:
    """The DTI-shaped many-indicator table: city (text adcode, Zipf-like skew over the 369 cities), industry
    (section A-R), day (2021Q1-2023Q1), indicator (k1..k12) and value (a double with 2 decimals)."""
    import duckdb

    import dtindex.regions as regions

    path = folder / f"activity_{n}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    codes = regions.cities()["adcode"].astype(str).tolist()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE TEMP TABLE codes AS SELECT unnest(?) AS code, generate_subscripts(?, 1) AS i", [codes, codes])
    n_codes = len(codes)
    # skew: city i has weight ~ 1/i (a few big cities, a long tail), drawn as floor(n_codes ** u)
    select = f"""
        SELECT c.code AS city,
               chr(65 + CAST(hash(r.i * 3 + 1) % 18 AS INTEGER)) AS industry,
               DATE '2021-01-01' + CAST(hash(r.i * 5 + 2) % 820 AS INTEGER) AS day,
               'k' || CAST(1 + hash(r.i * 7 + 3) % {MANY} AS VARCHAR) AS indicator,
               CAST(hash(r.i * 11 + 5) % 1000000 AS DOUBLE) / 100 AS value
        FROM range({n}) r(i)
        JOIN codes c ON c.i = LEAST({n_codes}, CAST(floor(pow({n_codes}, (hash(r.i * 13 + 7) % 1000000) / 1e6)) AS INTEGER))
    """
    tmp = path.with_suffix(".tmp")
    con.execute(f"COPY ({select}) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    tmp.rename(path)
    return path


def many_spec(path: Path):
    """Twelve indicators ``sum(value)`` filtered on ``indicator = 'kN'``, city x industry units, quarters."""
    from dtindex.spec.index_spec import IndexSpec

    codes = [f"k{i}" for i in range(1, MANY + 1)]
    source = {"name": "activity", "kind": "parquet", "path": str(path), "city": "city", "industry": "industry",
              "time": "day", "grain": "day",
              "indicators": [{"code": c, "measure": "sum(value)", "filter": f"indicator = '{c}'", "scale": 2} for c in codes]}
    return IndexSpec(framework=[{"code": "DTI", "type": "aggregate"}, *[{"code": c, "parent": "DTI"} for c in codes]],
                     periods={"start": "2021Q1", "end": "2023Q1"}, sources=[source])


MANY_HAND = ("SELECT city, industry, year(day) * 4 + quarter(day) - 1 AS q, indicator, sum(value) AS v "
             "FROM read_parquet('{path}') GROUP BY ALL")


# ---------------------------------------------------------------------- one measurement (child process)
def _spec(path: Path, fmt: str):
    from dtindex.spec.index_spec import IndexSpec

    source = {"name": "payments", "kind": fmt, "path": str(path), "city": "city_code", "time": "ts", "grain": "day",
              "indicators": [{"code": "pay", "measure": "sum(amount)", "scale": 2},
                             {"code": "orders", "measure": "count(*)"}]}
    if fmt == "csv":
        source["columns"] = {"ts": "TIMESTAMP"}
    return IndexSpec(framework=[{"code": "DTI", "type": "aggregate"}, {"code": "pay", "parent": "DTI"},
                                {"code": "orders", "parent": "DTI"}],
                     periods={"start": "2021Q1", "end": "2023Q4"}, sources=[source])


def _reader(path: Path, fmt: str) -> str:
    return f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}', header = true)"


def child(tool: str, path: Path, fmt: str, repeat: int, n: int) -> dict:
    """Run one tool ``repeat`` times on one file; return times and the number of result groups."""
    times, groups = [], None
    if tool == "bandwidth-floor":
        import numpy as np

        buf = np.ones(n * 20 // 8, dtype=np.float64)  # 20 bytes per row
        for _ in range(repeat):
            t0 = time.perf_counter()
            buf.sum()
            times.append(time.perf_counter() - t0)
        return {"times": times, "groups": 1}
    if tool == "paired":
        import duckdb

        from dtindex.engine import aggregate, engine_config, open_backend

        cfg = engine_config(_spec(path, fmt), None)
        backend = open_backend(cfg)
        con = duckdb.connect()
        hand = (f"SELECT city_code, year(ts) * 4 + quarter(ts) - 1 AS q, sum(amount) AS pay, count(*) AS orders "
                f"FROM {_reader(path, fmt)} GROUP BY ALL")
        aggregate(cfg, backend)
        con.execute(hand).fetchall()
        ours, theirs = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            aggregate(cfg, backend)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            con.execute(hand).fetchall()
            theirs.append(time.perf_counter() - t0)
        return {"times": ours, "hand": theirs, "groups": 4428}
    if tool == "paired-many":
        import duckdb
        import numpy as np

        from dtindex.engine import aggregate, engine_config, open_backend

        cfg = engine_config(many_spec(path), None)
        backend = open_backend(cfg)
        con = duckdb.connect()
        hand = MANY_HAND.format(path=path)
        obs = aggregate(cfg, backend).observations  # warm-up (file cache, metadata)
        ref = con.execute(hand).df()
        ours, theirs = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            obs = aggregate(cfg, backend).observations
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref = con.execute(hand).df()
            theirs.append(time.perf_counter() - t0)
        # same values: every (city, industry, quarter, indicator) once, equal to the hand sum in cents
        from dtindex.periods import Period

        ref["period"] = [Period("quarter", int(q)).label for q in ref["q"]]
        ref["unit"] = ref["city"].astype(str) + ":" + ref["industry"].astype(str)
        m = obs.merge(ref, left_on=["indicator", "unit", "period"], right_on=["indicator", "unit", "period"],
                      how="outer", indicator=True)
        same = bool((m["_merge"] == "both").all() and np.array_equal(np.round(m["value"] * 100), np.round(m["v"] * 100)))
        backend.close()
        return {"times": ours, "hand": theirs, "groups": len(obs), "same": same}
    if tool in ("dtindex-duckdb", "dtindex-spark"):
        from dtindex.engine import aggregate, engine_config, open_backend

        engine = "spark" if tool == "dtindex-spark" else "duckdb"
        spec = _spec(path, fmt)
        if engine == "spark":
            spec = spec.model_copy(update={"engine": {"name": "spark", "spark": {"master": "local[2]", "conf": {
                "spark.ui.enabled": "false", "spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "4",
                "spark.ui.showConsoleProgress": "false"}}}})
        cfg = engine_config(spec, None)
        t0 = time.perf_counter()
        backend = open_backend(cfg)
        start = time.perf_counter() - t0
        if engine == "spark":
            backend.spark.sparkContext.setLogLevel("ERROR")
        for _ in range(repeat):
            t0 = time.perf_counter()
            agg = aggregate(cfg, backend)
            times.append(time.perf_counter() - t0)
            groups = len(agg.observations) // 2
        backend.close()
        return {"times": times, "groups": groups, "start": start}
    reader_duck = _reader(path, fmt)
    if tool in ("duckdb-sql", "scan-floor"):
        import duckdb

        con = duckdb.connect()
        if tool == "duckdb-sql":
            sql = (f"SELECT city_code, year(ts) * 4 + quarter(ts) - 1 AS q, sum(amount) AS pay, count(*) AS orders "
                   f"FROM {reader_duck} GROUP BY ALL")
        else:
            sql = f"SELECT sum(length(CAST(city_code AS VARCHAR))), max(ts), sum(amount) FROM {reader_duck}"
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = con.execute(sql).fetchall()
            times.append(time.perf_counter() - t0)
            groups = len(rows)
        return {"times": times, "groups": groups}
    if tool == "polars":
        import polars as pl

        for _ in range(repeat):
            t0 = time.perf_counter()
            lf = pl.scan_parquet(path) if fmt == "parquet" else pl.scan_csv(path, try_parse_dates=True)
            ts = pl.col("ts")
            out = (lf.group_by([pl.col("city_code").cast(pl.Utf8), (ts.dt.year().cast(pl.Int64) * 4 + ts.dt.quarter() - 1).alias("q")])
                   .agg(pl.col("amount").sum().alias("pay"), pl.len().alias("orders")).collect())
            times.append(time.perf_counter() - t0)
            groups = out.height
        return {"times": times, "groups": groups}
    if tool == "pandas":
        import pandas as pd

        cols = ["city_code", "ts", "amount"]
        for _ in range(repeat):
            t0 = time.perf_counter()
            if fmt == "parquet":
                df = pd.read_parquet(path, columns=cols)
            else:
                df = pd.read_csv(path, usecols=cols, dtype={"city_code": str}, parse_dates=["ts"])
            q = df["ts"].dt.year * 4 + df["ts"].dt.quarter - 1
            out = df.groupby([df["city_code"], q])["amount"].agg(["sum", "size"])
            times.append(time.perf_counter() - t0)
            groups = len(out)
            del df, q, out
        return {"times": times, "groups": groups}
    raise SystemExit(f"unknown tool {tool}")


# ---------------------------------------------------------------------- parent: processes and memory
def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def _available(tool: str) -> str | None:
    mod = {"polars": "polars", "pandas": "pyarrow", "dtindex-spark": "pyspark"}.get(tool)
    if mod is None:
        return None
    probe = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True)
    return None if probe.returncode == 0 else f"{mod} not installed"


def measure(tool: str, path: Path, fmt: str, repeat: int, n: int) -> dict:
    cmd = [sys.executable, __file__, "--child", tool, str(path), fmt, str(repeat), str(n)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip() and "^" not in ln]
        return {"error": lines[-1] if lines else f"exit {proc.returncode}"}
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak"] = peak[0]
    return result


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return (f"{os.cpu_count()} vCPU {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10M,100M", help="Parquet sizes, e.g. 10M,100M")
    ap.add_argument("--csv-sizes", default="10M", help="CSV sizes (empty for none)")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--repeat", type=int, default=3, help="runs per process")
    ap.add_argument("--rounds", type=int, default=2, help="processes per tool, interleaved")
    ap.add_argument("--data", default="/tmp/dtindex-bench", help="folder for the generated files")
    ap.add_argument("--paired", type=int, default=7,
                    help="alternating dtindex-duckdb / duckdb-sql runs in one process (0: none), for the ratio")
    ap.add_argument("--many-sizes", default="2M,20M,100M",
                    help="sizes of the many-indicator workload (12 indicators, city x industry x quarter; empty: none)")
    ap.add_argument("--only-many", action="store_true", help="run only the many-indicator workload")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        tool, path, fmt, repeat, n = args.child
        print(json.dumps(child(tool, Path(path), fmt, int(repeat), int(n))))
        return
    tools = [t for t in args.tools.split(",") if t]
    print(f"# {machine()}")
    extra = []
    for tool in ("polars", "pyarrow", "pyspark"):
        probe = subprocess.run([sys.executable, "-c", f"import {tool}; print({tool}.__version__)"], capture_output=True, text=True)
        extra.append(f"{tool} {probe.stdout.strip() if probe.returncode == 0 else 'not installed'}")
    print(f"# {', '.join(extra)}")
    if args.many_sizes:
        many(args)
    if args.only_many:
        return
    print("| input | rows | tool | best time (s) | peak memory (MiB) | result groups | note |")
    print("|---|---:|---|---:|---:|---:|---|")
    plan = [("parquet", s) for s in args.sizes.split(",") if s] + [("csv", s) for s in args.csv_sizes.split(",") if s]
    for fmt, size in plan:
        n = rows_of(size)
        t0 = time.perf_counter()
        existed = (Path(args.data) / f"payments_{n}.{fmt}").exists()
        path = generate(Path(args.data), n, fmt)
        gen = "existing" if existed else f"made in {time.perf_counter() - t0:.1f} s"
        size_mb = path.stat().st_size / 2**20
        print(f"| {fmt} | {size} | (file: {size_mb:,.0f} MiB, {gen}) | | | | |", flush=True)
        best: dict[str, dict] = {}
        for _ in range(args.rounds):  # rounds interleave the tools, so a slow spell of a shared machine hits all
            for tool in tools:
                if tool == "bandwidth-floor" and fmt == "csv":
                    continue
                missing = _available(tool)
                if missing:
                    best[tool] = {"skip": missing}
                    continue
                repeat = args.repeat if tool not in HEAVY else (min(args.repeat, 2) if n <= 10**7 else 1)
                if tool in HEAVY and n > 10**7 and tool in best:
                    continue  # one run of the slow tools at 100M rows
                r = measure(tool, path, fmt, repeat, n)
                old = best.get(tool)
                if old is None or "error" in old:
                    best[tool] = r
                elif "error" not in r:
                    old["times"] = old["times"] + r["times"]
                    old["peak"] = max(old["peak"], r["peak"])
        if args.paired:
            r = measure("paired", path, fmt, args.paired, n)
            if "error" not in r:
                import statistics

                ratios = sorted(a / b for a, b in zip(r["times"], r["hand"]))
                print(f"| {fmt} | {size} | dtindex-duckdb / duckdb-sql | {min(r['times']):.2f} / {min(r['hand']):.2f} | | | "
                      f"{len(ratios)} alternating pairs in one process: ratio of best times "
                      f"{min(r['times']) / min(r['hand']):.2f}, median ratio {statistics.median(ratios):.2f} |", flush=True)
        for tool in tools:
            r = best.get(tool)
            if r is None:
                continue
            if "skip" in r:
                print(f"| {fmt} | {size} | {tool} | | | | skipped: {r['skip']} |", flush=True)
            elif "error" in r:
                print(f"| {fmt} | {size} | {tool} | | | | failed: {r['error'][:120]} |", flush=True)
            else:
                note = f"best of {len(r['times'])}"
                if "start" in r and tool == "dtindex-spark":
                    note += f"; session start {r['start']:.1f} s not timed"
                print(f"| {fmt} | {size} | {tool} | {min(r['times']):.2f} | {r['peak'] / 2**20:,.0f} | {r['groups']} | "
                      f"{note} |", flush=True)

def many(args: argparse.Namespace) -> None:
    """The many-indicator workload: dtindex.engine.aggregate and the hand-written GROUP BY, alternating in one
    process (the ratio is what a shared machine can measure fairly), peak memory of that process."""
    import statistics

    print("| rows | file (MiB) | dtindex (s) | hand-written GROUP BY (s) | best-time ratio | median ratio | pairs | "
          "peak memory (MiB) | values | same as hand |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in [s for s in args.many_sizes.split(",") if s]:
        n = rows_of(size)
        path = generate_many(Path(args.data), n)
        pairs = args.paired if n <= 2 * 10**7 else max(2, args.paired // 3)
        r = measure("paired-many", path, "parquet", pairs, n)
        load = os.getloadavg()[0]
        if "error" in r:
            print(f"| {size} | | | | | | | | | failed: {r['error'][:120]} |", flush=True)
            continue
        ratios = [a / b for a, b in zip(r["times"], r["hand"])]
        print(f"| {size} | {path.stat().st_size / 2**20:,.0f} | {min(r['times']):.2f} | {min(r['hand']):.2f} | "
              f"{min(r['times']) / min(r['hand']):.2f} | {statistics.median(ratios):.2f} | {len(ratios)} | "
              f"{r['peak'] / 2**20:,.0f} | {r['groups']:,} | {'yes' if r['same'] else 'NO'} (load {load:.1f}) |",
              flush=True)


if __name__ == "__main__":
    main()
