"""``dtindex decision vikor|rsr``: the full tables of VIKOR and of the rank-sum ratio for one decision matrix.

In a build these methods are aggregations (``--aggregate vikor``, ``--aggregate rsr``) and give scores;
these commands give what a study publishes for one matrix: S, R, Q and the compromise solution, or RSR,
probit, the regression line and the grades. Thin: read the matrix, call
:func:`dtindex.methods.aggregate_relative.vikor_table` / :func:`dtindex.methods.rsr.rsr_table`, print.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table


@click.group("decision")
def command() -> None:
    """Full VIKOR and rank-sum-ratio tables of one decision matrix (rows = alternatives)."""


def _numbers(text: str | None, what: str, k: int) -> list[float] | None:
    from ..cli import CliError

    if text is None:
        return None
    try:
        vals = [float(x) for x in text.split(",")]
    except ValueError:
        raise CliError(f"--{what} must be numbers separated by commas; got {text!r}") from None
    if len(vals) != k:
        raise CliError(f"--{what} gives {len(vals)} numbers for {k} criteria — give one per column")
    return vals


def _matrix(path: str):
    """The matrix file: first column the alternative names, the others numeric criteria."""
    from ..io.tables import read_table, to_numbers

    table = read_table(path)
    if table.shape[1] < 2:
        from ..errors import DataError

        raise DataError(f"{Path(path).name}: needs a name column and at least one criterion column")
    names = table.iloc[:, 0].astype(str).str.strip().tolist()
    cols = list(table.columns[1:])
    import numpy as np

    X = np.column_stack([to_numbers(table[c], source=Path(path).name, name=str(c)) for c in cols])
    return names, cols, X


def _print(df, title: str, out: str | None) -> None:
    from ..io.atomic import atomic_write
    from ..io.tables import write_csv

    t = Table(title=title)
    t.add_column(df.index.name or "")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for idx, row in df.iterrows():
        t.add_row(str(idx), *(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row))
    Console().print(t)
    if out:
        with atomic_write(Path(out)) as fh:
            write_csv(fh, df, index=True)
        Console().print(f"written: {out}")


_WEIGHTS = click.option("--weights", "weights", help="Criterion weights, comma-separated (default: equal).")
_DIRS = click.option("--directions", help="1 (benefit) or -1 (cost) per criterion, comma-separated (default: all 1).")
_OUT = click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the table as CSV.")


@command.command("vikor")
@click.argument("matrix", type=click.Path(dir_okay=False))
@_WEIGHTS
@_DIRS
@click.option("--v", "v", type=float, default=0.5, show_default=True,
              help="Weight of the strategy of the majority of criteria.")
@_OUT
def vikor(matrix, weights, directions, v, out) -> None:
    """S, R, Q, their ranks and the compromise solution (Opricovic & Tzeng 2004)."""
    from ..cli import library_errors
    from ..methods.aggregate_relative import vikor_table

    with library_errors():
        names, cols, X = _matrix(matrix)
        w = _numbers(weights, "weights", len(cols)) or [1.0] * len(cols)
        res = vikor_table(X, w, directions=_numbers(directions, "directions", len(cols)), v=v, labels=names)
    _print(res.table, f"VIKOR (v = {v:g})", out)
    Console().print(
        f"C1 acceptable advantage (DQ = {res.dq:.4f}): {'yes' if res.advantage else 'no'}; "
        f"C2 acceptable stability: {'yes' if res.stability else 'no'}; "
        f"compromise solution: {', '.join(map(str, res.compromise))}"
    )


@command.command("rsr")
@click.argument("matrix", type=click.Path(dir_okay=False))
@_WEIGHTS
@_DIRS
@click.option("--ranking", type=click.Choice(["integer", "interpolated"]), default="integer", show_default=True,
              help="Integer ranks (整秩法) or interpolated ranks (非整秩法).")
@click.option("--grades", type=click.Choice(["3", "4", "5"]), default="3", show_default=True,
              help="Number of grades (Tian's probit cuts).")
@_OUT
def rsr(matrix, weights, directions, ranking, grades, out) -> None:
    """Rank-sum ratio, probit, regression line and grades (Tian Fengdiao 1988)."""
    from ..cli import library_errors
    from ..methods.rsr import rsr_table

    with library_errors():
        names, cols, X = _matrix(matrix)
        res = rsr_table(X, _numbers(weights, "weights", len(cols)), directions=_numbers(directions, "directions", len(cols)),
                        ranking=ranking, grades=int(grades), labels=names)
    _print(res.table, f"Rank-sum ratio ({ranking} ranks, {grades} grades)", out)
    Console().print(
        f"RSR = {res.intercept:.4f} + {res.slope:.4f} × probit (R² = {res.r_squared:.4f}, p = {res.p_value:.4g}); "
        f"grade cuts at probit {', '.join(f'{c:g}' for c in res.cuts)} = RSR "
        f"{', '.join(f'{t:.4f}' for t in res.thresholds)}"
    )
