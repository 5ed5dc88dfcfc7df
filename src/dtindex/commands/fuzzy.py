"""``dtindex fuzzy evaluate``: fuzzy comprehensive evaluation of raters' grades over a framework.

Thin command: reads the ratings and the framework, calls
:func:`dtindex.methods.fuzzy.membership_from_ratings` and
:func:`dtindex.methods.fuzzy.fuzzy_hierarchy`, prints the evaluation of every
node and optionally writes it as CSV.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

OPERATORS = ("M(.,+)", "M(^,v)", "M(.,v)", "M(^,+)")


@click.group("fuzzy")
def command() -> None:
    """Fuzzy comprehensive evaluation (模糊综合评价) of graded ratings."""


@command.command("evaluate")
@click.argument("ratings", type=click.Path(dir_okay=False))
@click.option("--framework", required=True, type=click.Path(dir_okay=False),
              help="COINr framework table or YAML spec: the factors (indicators), their parents and weights.")
@click.option("--grades", required=True, help="Grade labels from best to worst, comma-separated, e.g. 优,良,中,差.")
@click.option("--scores", "grade_scores", help="Numeric score of each grade, comma-separated, e.g. 95,85,70,55.")
@click.option("--operator", default="M(.,+)", show_default=True, type=click.Choice(OPERATORS),
              help="Composition operator; M(.,+) is the weighted average.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the evaluation table to this CSV file.")
def evaluate(ratings, framework, grades, grade_scores, operator, out) -> None:
    """Memberships from the share of raters per grade, evaluated up the framework with B = A ∘ R."""
    from ..cli import CliError, _framework_for, library_errors
    from ..io.atomic import atomic_write
    from ..io.tables import read_table, write_csv
    from ..methods.fuzzy import fuzzy_hierarchy, membership_from_ratings

    labels = [g.strip() for g in grades.split(",") if g.strip()]
    if len(labels) < 2:
        raise CliError("--grades needs at least 2 labels, e.g. --grades 优,良,中,差")
    scores = None
    if grade_scores:
        try:
            scores = [float(s) for s in grade_scores.split(",")]
        except ValueError:
            raise CliError(f"--scores must be numbers separated by commas; got {grade_scores!r}") from None
        if len(scores) != len(labels):
            raise CliError(f"--scores gives {len(scores)} numbers for {len(labels)} grades — give one per grade")
    name = Path(ratings).name
    with library_errors():
        fw = _framework_for(framework)
        table = read_table(ratings)
        factors = table.iloc[:, 1:]  # the first column is the rater id
        unknown = [c for c in factors.columns if c not in fw.indicators]
        if unknown:
            raise CliError(f"{name}: columns {', '.join(map(str, unknown))} are not indicators of the framework")
        missing = [c for c in fw.indicators if c not in factors.columns]
        if missing:
            raise CliError(f"{name}: no ratings for indicators {', '.join(missing)} — add a column for each")
        R = membership_from_ratings(factors, labels, source=name)
        children = {p: fw.children[p] for p in fw.aggregates}
        weights = {c: float(fw[c].weight) for c in fw.codes if fw[c].parent is not None}
        res = fuzzy_hierarchy(children, weights, R, root=fw.root, operator=operator, scores=scores)
    order = {c: i for i, c in enumerate(fw.output_order())}
    res = res.sort_values("node", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    t = Table(title=f"Fuzzy comprehensive evaluation, {operator} ({len(table)} raters)")
    for col in ("node", *labels, "grade", *(["score"] if scores else [])):
        t.add_column(col, justify="left" if col in ("node", "grade") else "right")
    for _, row in res.iterrows():
        t.add_row(str(row["node"]), *(f"{row[g]:.4f}" for g in labels), str(row["grade"]),
                  *([f"{row['score']:.2f}"] if scores else []))
    Console().print(t)
    if out:
        with atomic_write(Path(out)) as fh:
            write_csv(fh, res.drop(columns="level"))
        Console().print(f"written: {out}")
