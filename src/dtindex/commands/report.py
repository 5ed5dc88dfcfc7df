"""``dtindex report DIR``: render the HTML report and Excel workbook of a release or build folder.

Thin command: every table is computed from the folder (scores and recipes) by
:func:`dtindex.report.dti.render`. ``DIR`` is a release folder (``dtindex demo``,
``write_release``) or the output folder of ``dtindex build --out DIR``.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape


def _window(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    start, sep, end = value.partition(":")
    if not sep or not start.strip() or not end.strip():
        raise click.BadParameter(f"{value!r}: expected START:END, e.g. 2022Q1:2023Q1 or 2021:2023", param_hint="--window")
    return start.strip(), end.strip()


@click.command("report")
@click.argument("release_dir", type=click.Path(file_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: RELEASE_DIR/../report for a release, DIR/report for a build folder).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the report text.")
@click.option("--geojson", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Approved province GeoJSON (features keyed by adcode) instead of the vendored map.")
@click.option("--title", default=None, help="Report title (default: the spec's title, else the index name).")
@click.option("--source", "source", default=None, help="Data source, printed on the cover and under every chart.")
@click.option("--unit", "unit", default=None, help="Unit of the index values, e.g. 指数点.")
@click.option("--edition", default=None, help="Edition of the publication, e.g. 2011–2023.")
@click.option("--window", "window", default=None, metavar="START:END",
              help="Growth window, e.g. 2022Q1:2023Q1 (default: derived from the periods).")
def command(release_dir: str, out: str | None, lang: str, geojson: str | None, title: str | None,
            source: str | None, unit: str | None, edition: str | None, window: str | None) -> None:
    """Render the report (HTML + Excel) of a release folder or a build folder."""
    from ..cli import console, library_errors, stage_progress
    from ..release import RELEASE_FILE
    from ..report.dti import render

    release = Path(release_dir)
    if out:
        out_dir = Path(out)
    else:
        out_dir = release.parent / "report" if (release / RELEASE_FILE).exists() else release / "report"
    suffix = "" if lang == "zh" else "_en"
    info = {f"title{suffix}": title, f"source{suffix}": source, f"unit{suffix}": unit, "edition": edition}
    with library_errors(), stage_progress("report", ("analyse", "render")) as tick:
        files = render(release, out_dir, lang=lang, geojson=geojson, progress=tick, window=_window(window),
                       info={k: v for k, v in info.items() if v})
    for name, path in files.items():
        console.print(f"Report {escape(str(name))}: [bold]{escape(str(path))}[/]", highlight=False)
