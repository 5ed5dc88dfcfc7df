"""``dtindex future build``: the future-industry index from a start-up registry (docs/future-industry.md).

Thin command over :func:`dtindex.future.build_future`: the spec's sources are
aggregated by the raw-record engine, the dimension indicators derived, the
province and city indices built and written as a release folder.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table


@click.group("future")
def command() -> None:
    """Future-industry development index (未来产业发展指数)."""


@command.command("build")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--data", "data", type=click.Path(file_okay=False),
              help="Folder the spec's source paths are relative to (default: the spec's folder).")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Release folder to write (builds future and future_city, future_*.csv).")
@click.option("--engine", "engine", type=click.Choice(["duckdb", "spark"]), help="Override engine.name of the spec.")
@click.option("--growth", type=click.Choice(["dhs", "pct"]), default="dhs", show_default=True,
              help="Growth-rate formula (dhs: symmetric, bounded; pct: percentage with the zero-base rule).")
@click.option("--diversity", type=click.Choice(["entropy", "hhi"]), default="entropy", show_default=True,
              help="Diversity measure of the <field>_div indicators.")
@click.option("--start", "start", help="First index period (default: the second declared period).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Any spec setting, e.g. aggregate.method=geometric or normalise.method=zscore.")
def build_cmd(spec, data, out, engine, growth, diversity, start, sets) -> None:
    """Build the future-industry index of SPEC (e.g. specs/future-industry.yaml) into the release folder OUT."""
    from ..cli import _parse_sets, console, library_errors, stage_progress
    from ..future import analysis as FA
    from ..future.build import build_future, release_files, release_meta
    from ..release import write_release

    with library_errors(), stage_progress("future", ("build", "release")) as tick:
        tick("build")
        result = build_future(spec, data_dir=data, engine=engine, growth=growth, diversity=diversity, index_start=start,
                              changes=_parse_sets(sets))
        tick("release")
        meta = {"name": Path(spec).stem, "title": result.province.spec.title, "title_en": result.province.spec.title_en,
                "future": {**release_meta(result), "growth": growth, "diversity": diversity}}
        write_release(out, {"future": result.province, "future_city": result.city}, meta=meta,
                      extra_files=release_files(result))
    for line in result.messages:
        console.print(f"Note: {escape(line)}", highlight=False, soft_wrap=True)
    ranks = FA.rankings(result.province, result.units)
    top = ranks[ranks["node"] == FA.ROOT].head(10)
    t = Table(title=f"Future-industry index {result.periods[-1]}: top provinces")
    for col in ("Rank", "Province", "Index"):
        t.add_column(col)
    for r in top.itertuples():
        t.add_row(str(int(r.rank)), f"{r.code} {r.name}", f"{r.score:.1f}")
    console.print(t)
    console.print(f"Release: [bold]{escape(out)}[/] (builds future, future_city; {len(result.periods)} periods "
                  f"{result.periods[0]}–{result.periods[-1]})", highlight=False)
