"""Benchmark: load test of the dashboard's rankings endpoint (run by hand; results in docs/performance.md).

Starts ``dtindex serve`` on the small demo release (written to a temporary folder unless a
release is given) as a separate process on a free 127.0.0.1 port, waits for /api/health,
then runs C concurrent clients for D seconds against ``/api/rankings`` with a mix of
periods, limits and filters. Each client keeps one HTTP/1.1 connection open and sends its
next request as soon as the previous answer is read. Reports requests, throughput, latency
percentiles and errors (any answer other than 200, or a failed connection).

Loopback only and bounded: the server binds 127.0.0.1, at most 200 clients, at most 120 s.

    python benchmarks/serve.py                      # 50 clients, 20 s
    python benchmarks/serve.py --clients 50 --seconds 20 --release build/demo/release
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

HOST = "127.0.0.1"
CLI = "import sys; from dtindex.cli import main; sys.exit(main())"
MAX_CLIENTS, MAX_SECONDS = 200, 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def queries(periods: list[str]) -> list[str]:
    """The request mix: every period x limit 20/50 x (no filter, a tier, a province, a cluster, a sort)."""
    filters = [{}, {"tier": "一线"}, {"province": "广东"}, {"cluster": "长三角"}, {"sort": "growth_yoy"},
               {"node": "infra"}]
    out = []
    for period, limit, f in itertools.product(periods, (20, 50), filters):
        out.append("/api/rankings?" + urlencode({"period": period, "limit": limit, **f}))
    return out


async def client(paths: list[str], start: int, stop_at: float, latencies: list[float], errors: list[str],
                 port: int) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    i = start
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += 7
            t0 = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"{status} {path}")
    except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def load(paths: list[str], clients: int, seconds: float, port: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    await asyncio.gather(*(client(paths, k, stop_at, latencies, errors, port) for k in range(clients)))
    return latencies, errors, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--release", type=Path, default=None, help="release folder (default: a fresh small demo)")
    args = ap.parse_args()
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    with tempfile.TemporaryDirectory() as tmp:
        release = args.release
        if release is None:
            from dtindex.demo.pipeline import run_demo

            release = run_demo(Path(tmp) / "demo", size="small").release_dir
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", CLI, "serve", str(release), "--host", HOST, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
        try:
            base = f"http://{HOST}:{port}"
            t_start = time.perf_counter()
            while True:
                try:
                    urllib.request.urlopen(base + "/api/health", timeout=2).read()
                    break
                except OSError:
                    if server.poll() is not None or time.perf_counter() - t_start > 60:
                        raise SystemExit(f"server did not start: {server.stderr.read().decode()}")
                    time.sleep(0.1)
            startup = time.perf_counter() - t_start
            periods = json.loads(urllib.request.urlopen(base + "/api/periods").read())
            paths = queries(periods)
            t = time.perf_counter()
            urllib.request.urlopen(base + paths[0]).read()
            first = time.perf_counter() - t
            latencies, errors, wall = asyncio.run(load(paths, clients, seconds, port))
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = np.array(latencies) * 1000
    print(f"machine: {os.cpu_count()} CPU, {platform.platform()}, Python {platform.python_version()}")
    print(f"server start-up to first /api/health: {startup:.2f} s; first rankings request: {first * 1000:.1f} ms")
    print(f"{clients} clients x {wall:.1f} s, {len(paths)} distinct queries")
    print(f"requests: {len(ms):,}  throughput: {len(ms) / wall:,.0f}/s  errors: {len(errors)}")
    if len(ms):
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {ms.max():.1f}")
    for e in errors[:10]:
        print("error:", e)


if __name__ == "__main__":
    main()
