"""``dtindex demo``: synthetic records -> raw-record engine -> city and industry indices -> release (-> report).

Thin command: parses options, runs :func:`dtindex.demo.pipeline.run_demo`,
renders the report when :mod:`dtindex.report.dti` is installed, prints where
everything is. Every output is labelled SYNTHETIC.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from types import ModuleType

import click
from rich.markup import escape
from rich.table import Table

from ..demo.params import SIZES

REPORT_MODULE = "dtindex.report.dti"


def report_module() -> ModuleType | None:
    """The report renderer module, or None while it is not part of the installed package."""
    try:
        return importlib.import_module(REPORT_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in ("dtindex.report", REPORT_MODULE):
            return None
        raise


@click.command("demo")
@click.option("--size", type=click.Choice(list(SIZES)), default="medium", show_default=True,
              help="small: ~0.1 million records (seconds); medium: ~4.5 million; large: >100 million (benchmarks).")
@click.option("--out", "out", type=click.Path(file_okay=False), default="build/demo", show_default=True,
              help="Output folder: raw/ (Parquet records), release/ and report/.")
@click.option("--seed", type=int, default=None, help="Seed of the generator (default 20230401).")
def command(size: str, out: str, seed: int | None) -> None:
    """Build the Digital Transformation Index demo from SYNTHETIC activity records."""
    # imported here: dtindex.cli imports this module while registering commands
    from ..cli import console, err_console, library_errors, stage_progress
    from ..demo.pipeline import STAGES, run_demo

    out_dir = Path(out)
    report = report_module()
    stages = STAGES + (("report",) if report is not None else ())
    files: dict[str, Path] = {}
    with library_errors(), stage_progress(f"dtindex demo ({size})", stages) as tick:
        result = run_demo(out_dir, size=size, seed=seed, progress=tick)
        if report is not None:
            tick("report")
            t = time.perf_counter()
            files = dict(report.render(result.release_dir, out_dir / "report"))
            result.timings["report"] = time.perf_counter() - t
    console.print(
        f"[bold]SYNTHETIC DEMO DATA[/] — {result.raw.n_records:,} activity records generated at random "
        f"(seed {result.params.seed}, size {size}); not real telemetry.", highlight=False)
    console.print(
        f"{result.raw.n_enterprises:,} synthetic enterprises in {len(result.city.panel.units)} cities, "
        f"{result.raw.n_records:,} records, {result.city.period_labels[0]}–{result.city.period_labels[-1]}; "
        f"{len(result.industry.panel.units):,} city-industry units.", highlight=False)
    _print_top(result.city)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items() if k != "total")
    total = sum(v for k, v in result.timings.items() if k != "total")
    console.print(f"Stages: {timing} (total {total:.1f} s)", highlight=False)
    console.print(f"Raw records: [bold]{escape(str(result.raw_dir))}[/]", highlight=False)
    console.print(f"Release (SYNTHETIC): [bold]{escape(str(result.release_dir))}[/]", highlight=False)
    if report is None:
        err_console.print("Note: the report renderer (dtindex.report.dti) is not installed; no report written.",
                          highlight=False)
    for name, path in files.items():
        console.print(f"Report {escape(str(name))}: [bold]{escape(str(path))}[/]", highlight=False)


def _print_top(idx, top: int = 10) -> None:
    from ..cli import console

    last = idx.period_labels[-1]
    scores = idx.table(idx.root)[last]
    ranks = idx.table(idx.root, what="ranks")[last]
    names = dict(zip(idx.panel.units, idx.panel.unit_names))
    order = scores.sort_values(ascending=False, kind="stable").head(top).index
    t = Table(title=f"{idx.framework[idx.root].label()} — top {top} cities, {last} (SYNTHETIC)")
    t.add_column("rank", justify="right")
    t.add_column("city")
    t.add_column("score", justify="right")
    for u in order:
        t.add_row(f"{int(ranks[u])}", f"{u} {names.get(u, '')}", f"{scores[u]:.3f}")
    console.print(t)
