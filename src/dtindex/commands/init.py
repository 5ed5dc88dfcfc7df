"""``dtindex init NAME``: scaffold a new index project (spec.yaml and Excel templates) that builds as it is.

Thin command: :func:`dtindex.project.init_project` does the work.
"""

from __future__ import annotations

import click
from rich.markup import escape


@click.command("init")
@click.argument("name", type=click.Path(file_okay=False))
@click.option("--periods", default="2021Q1:2023Q1", show_default=True, metavar="START:END",
              help="Periods of the data template, e.g. 2019:2023 (years), 2022Q1:2023Q1, 2023-01:2023-12.")
@click.option("--layout", type=click.Choice(["sheets", "wide", "long"]), default="sheets", show_default=True,
              help="data.xlsx: one sheet per period; one sheet with a Time column; or one long sheet (iCode, value).")
@click.option("--experts", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Number of expert sheets in experts.xlsx.")
def command(name: str, periods: str, layout: str, experts: int) -> None:
    """Create folder NAME with a commented spec.yaml, data.xlsx, experts.xlsx, ahp.xlsx and a README."""
    from pathlib import Path

    from ..cli import CliError, console, library_errors
    from ..project import init_project

    start, sep, end = periods.partition(":")
    if not sep or not start.strip() or not end.strip():
        raise CliError(f"--periods {periods!r}: expected START:END, e.g. 2022Q1:2023Q1 or 2019:2023")
    with library_errors():
        project = init_project(name, name=Path(name).name, periods=(start.strip(), end.strip()), layout=layout,
                               experts=experts)
    console.print(f"Created [bold]{escape(str(project.path))}[/] ({len(project.periods)} periods "
                  f"{escape(project.periods[0])}–{escape(project.periods[-1])}):", highlight=False)
    for path in (project.spec, project.data, project.experts, project.ahp, project.path / "README.md"):
        console.print(f"  {escape(str(path))}", highlight=False)
    console.print(f"Next: dtindex build {escape(str(project.spec))} && dtindex report build/{escape(project.path.name)}",
                  highlight=False)
