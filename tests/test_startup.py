"""Start-up: ``dtindex --help`` (and every command's ``--help``) imports no heavy module.

Each run is a fresh interpreter (``python -c``), because the test session has
already imported everything. Heavy modules belong inside the command
functions that use them (docs/performance.md, "Start-up"); a new command
module that imports one at module top fails here. Timing is measured in
docs/performance.md, never in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

# modules `dtindex --help` must not load (top-level package names, or dtindex sub-packages)
FORBIDDEN_FOR_HELP = (
    "numpy", "pandas", "scipy", "duckdb", "pyspark", "py4j", "pyarrow", "polars", "sqlglot", "openpyxl", "jinja2",
    "statsmodels", "linearmodels", "sklearn", "libpysal", "esda", "giddy", "fastapi", "uvicorn", "starlette",
    "httpx", "playwright", "matplotlib", "pydantic",
    "dtindex.index", "dtindex.engine", "dtindex.report", "dtindex.analysis", "dtindex.survey",
    "dtindex.uncertainty", "dtindex.pipeline", "dtindex.regions", "dtindex.demo.pipeline", "dtindex.demo.generator",
    "dtindex.stats", "dtindex.regional", "dtindex.future", "dtindex.web",
)

# modules a COINr-table build (`dtindex build --framework ... --data ...`) must not load: it reads the CSV
# tables with the csv module into numpy columns and writes its CSV files with one numpy/csv writer, so
# pandas (about as long to import as the whole build may take) stays out; yaml only for YAML specs / --set;
# the command modules of dtindex.commands only when the command table is read (--help, their commands)
FORBIDDEN_FOR_BUILD = (
    "pandas", "pyarrow", "scipy", "duckdb", "pyspark", "sqlglot", "openpyxl", "jinja2", "statsmodels", "linearmodels", "sklearn",
    "libpysal", "fastapi", "uvicorn", "playwright", "matplotlib", "yaml",
    "dtindex.engine", "dtindex.report", "dtindex.analysis", "dtindex.survey", "dtindex.uncertainty",
    "dtindex.commands", "dtindex.demo", "dtindex.regions", "dtindex.stats", "dtindex.regional", "dtindex.future",
)

_PROBE = r"""
import json, sys
from dtindex.cli import main

def run(args):
    try:
        main(args, standalone_mode=False)
    except SystemExit:
        pass

mode = sys.argv[1]
if mode == "help":
    def walk(cmd, path):
        yield path
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, path + [name])
    paths = list(walk(main, []))
    for p in paths:
        run(p + ["--help"])
    print(json.dumps({"modules": sorted(sys.modules), "commands": [" ".join(p) for p in paths]}))
else:
    run(sys.argv[2:])
    print(json.dumps({"modules": sorted(sys.modules)}))
"""


def _probe(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _loaded(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f for f in forbidden if any(m == f or m.startswith(f + ".") for m in modules))


def test_help_of_every_command_imports_no_heavy_module():
    out = _probe("help")
    assert {"build", "demo", "engine", "report"} <= set(out["commands"])  # the walk reached the command modules
    assert _loaded(out["modules"], FORBIDDEN_FOR_HELP) == []


def test_coinr_build_imports_only_what_it_uses(tmp_path):
    ref = Path(__file__).parent / "data" / "asem"
    out = _probe("build", "build", "--framework", str(ref / "ASEM_iMeta.csv"), "--data", str(ref / "ASEM_iData.csv"),
                 "--out", str(tmp_path / "asem"))
    assert (tmp_path / "asem").is_dir()
    assert "dtindex.index" in out["modules"]  # the build ran
    assert _loaded(out["modules"], FORBIDDEN_FOR_BUILD) == []
    assert (tmp_path / "asem" / "scores.csv").read_text(encoding="utf-8").startswith("uCode,Time,iCode,Level,value\n")


def test_command_table_is_complete_when_read():
    # command modules are imported lazily, but main.commands (docs, completion, help) still lists them all
    code = ("import importlib; from dtindex.cli import main; from dtindex.commands import MODULES; "
            "names = set(main.commands); "
            "wanted = {importlib.import_module('dtindex.commands.' + m).command.name for m in MODULES}; "
            "assert {'build', 'weights', 'regions'} | wanted <= names, wanted - names")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_python_m_runs_the_cli():
    for module in ("dtindex", "dtindex.cli"):
        proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                              env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Commands:" in proc.stdout and "build" in proc.stdout


def test_build_with_expert_weights_does_not_import_scipy_stats(tmp_path):
    # the Kendall test of the expert scores needs ranks (numpy, methods.rank) and the chi-square tail
    # (scipy.special); scipy.stats alone takes longer to import than the whole build
    spec = Path(SRC) / "dtindex" / "examples" / "dti-mini" / "spec.yaml"
    out = _probe("build", "build", str(spec), "--out", str(tmp_path / "mini"))
    assert (tmp_path / "mini" / "scores.csv").exists()
    assert "dtindex.methods.expert" in out["modules"]  # the expert weights were computed
    assert _loaded(out["modules"], ("scipy.stats", "statsmodels", "duckdb", "sqlglot", "openpyxl", "jinja2",
                                    "dtindex.report", "dtindex.engine")) == []
