"""`dtindex serve` as a real process: it binds 127.0.0.1 on the given port and answers /api/health."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

CLI = "import sys; from dtindex.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dtindex serve exited with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def server(demo_release):
    """``dtindex serve RELEASE --port P`` in a subprocess; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", str(demo_release), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_answers_health_and_rankings(server):
    base, _ = server
    with urllib.request.urlopen(base + "/api/health") as r:
        assert r.status == 200 and json.loads(r.read()) == {"status": "ok"}
    with urllib.request.urlopen(base + "/api/rankings?period=2023Q1&limit=20") as r:
        body = json.loads(r.read())
    assert body["period"] == "2023Q1" and len(body["rows"]) == 20
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "/api/rankings?period=2099Q1")
    assert err.value.code == 422 and "2023Q1" in json.loads(err.value.read())["detail"]


def test_serve_binds_loopback_only(server):
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    addrs = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for addr in sorted(addrs)[:1]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            assert s.connect_ex((addr, port)) != 0, f"the dashboard answers on {addr}"


def test_serve_refuses_a_folder_without_release(tmp_path):
    from click.testing import CliRunner

    from dtindex.cli import main

    result = CliRunner().invoke(main, ["serve", str(tmp_path), "--port", str(free_port())])
    assert result.exit_code == 1
    assert "Error:" in result.output and "release.json" in result.output


def test_cli_imports_the_server_lazily():
    code = "import sys, dtindex.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
