"""``dtindex report RELEASE_DIR``: render the HTML report and Excel workbook of a release.

Thin command: every table is computed from the release folder (scores and
recipes) by :func:`dtindex.report.dti.render`.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape


@click.command("report")
@click.argument("release_dir", type=click.Path(file_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: RELEASE_DIR/../report).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the report text.")
@click.option("--geojson", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Approved province GeoJSON (features keyed by adcode) instead of the vendored map.")
def command(release_dir: str, out: str | None, lang: str, geojson: str | None) -> None:
    """Render the report (HTML + Excel) of a release folder."""
    from ..cli import console, library_errors, stage_progress
    from ..report.dti import render

    release = Path(release_dir)
    out_dir = Path(out) if out else release.parent / "report"
    with library_errors(), stage_progress("report", ("analyse", "render")) as tick:
        files = render(release, out_dir, lang=lang, geojson=geojson, progress=tick)
    for name, path in files.items():
        console.print(f"Report {escape(str(name))}: [bold]{escape(str(path))}[/]", highlight=False)
