"""``dtindex engine ...``: aggregate raw records declared in a spec's ``sources`` (DuckDB or Spark).

Thin commands over :mod:`dtindex.engine`: ``aggregate`` writes the aggregated
observations and the dirty-data log, ``explain`` prints the SQL each source
runs, ``publish`` builds the index and stores it as a named release in the
workspace store, ``releases`` lists the stored releases.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

ENGINES = click.Choice(["duckdb", "spark"])


@click.group("engine")
def command() -> None:
    """Aggregate raw activity records (DuckDB by default, Apache Spark on request)."""


def _config(spec_path: str, engine: str | None, master: str | None):
    from ..engine import engine_config
    from ..spec.index_spec import load_spec

    spec, base = load_spec(spec_path)
    if master:
        spec = spec.with_changes({"engine.spark.master": master})
    return spec, base, engine_config(spec, base, engine=engine)


@command.command("aggregate")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--engine", "engine", type=ENGINES, help="Override engine.name of the spec.")
@click.option("--master", help="Spark master URL, e.g. local[4] or spark://host:7077 (Spark only).")
@click.option("--periods", help="Comma-separated periods to aggregate (default: all declared periods).")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder for observations.csv and build_log.csv.")
def aggregate_cmd(spec, engine, master, periods, out) -> None:
    """Aggregate SPEC's sources to (indicator, unit, period) observations."""
    from ..cli import console, library_errors, stage_progress
    from ..engine import aggregate
    from ..io.atomic import atomic_write
    from ..io.tables import write_csv

    with library_errors(), stage_progress("aggregate", ("aggregate",)) as tick:
        tick("aggregate")
        _, _, config = _config(spec, engine, master)
        result = aggregate(config, periods=periods.split(",") if periods else None)
        out_dir = Path(out)
        for name, frame in (("observations.csv", result.observations), ("build_log.csv", result.log)):
            with atomic_write(out_dir / name) as fh:
                write_csv(fh, frame)
    for line in result.messages():
        console.print(f"Note: {escape(line)}", highlight=False, soft_wrap=True)
    console.print(f"{len(result.observations):,} observations ({result.engine}) written to [bold]{escape(out)}[/]",
                  highlight=False)


@command.command("explain")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--engine", "engine", type=ENGINES, help="Override engine.name of the spec.")
@click.option("--master", help="Spark master URL (Spark only).")
def explain_cmd(spec, engine, master) -> None:
    """Print the SQL each source of SPEC runs, in the engine's dialect, and which query form was chosen."""
    from ..cli import console, library_errors
    from ..engine import explain

    with library_errors():
        _, _, config = _config(spec, engine, master)
        queries = explain(config, with_plan=True)
    for label, sql in queries.items():
        console.print(f"-- {escape(label)}", highlight=False)
        console.print(escape(sql), highlight=False, soft_wrap=True)


@command.command("publish")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--release", "release", required=True, help="Release name, e.g. 2023Q4 (written once, never replaced).")
@click.option("--note", help="Free text stored with the release.")
def publish_cmd(spec, release, note) -> None:
    """Build SPEC (re-aggregating only periods the store lacks) and store it as release NAME."""
    from ..cli import console, library_errors
    from ..engine.store import Store
    from ..index import Index
    from ..spec.index_spec import load_spec, resolve
    from ..errors import SpecError

    with library_errors():
        parsed, base = load_spec(spec)
        store_path = (parsed.engine or {}).get("store")
        if not store_path:
            raise SpecError(f"{Path(spec).name}: engine.store is not set; name the workspace DuckDB file, "
                            "e.g. engine: {store: workspace.duckdb}")
        idx = Index.from_spec(spec)
        Store(resolve(store_path, base)).publish(release, idx, note=note)
    for line in idx.messages:
        console.print(f"Note: {escape(line)}", highlight=False, soft_wrap=True)
    console.print(f"Published release [bold]{escape(release)}[/] to {escape(str(store_path))}", highlight=False)


@command.command("releases")
@click.argument("store", type=click.Path(dir_okay=False, exists=True))
def releases_cmd(store) -> None:
    """List the releases in a workspace STORE (a DuckDB file)."""
    from ..cli import console, library_errors
    from ..engine.store import Store

    with library_errors():
        df = Store(store).releases()
    t = Table(title=f"Releases in {store}")
    for col in df.columns:
        t.add_column(str(col))
    for row in df.itertuples(index=False):
        t.add_row(*[str(v) for v in row])
    console.print(t)
