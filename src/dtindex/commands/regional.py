"""``dtindex regional``: regional gaps and dynamics of an index table (see docs/regional.md).

Thin commands: read DATA (long form: CSV, Excel or Parquet), call :mod:`dtindex.regional`, write CSV
files atomically into ``--out DIR``. Heavy libraries (scipy, PySAL) are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click

OUT_HELP = "Output folder for the CSV files (created if needed)."


def _write(df, out: str, name: str, bom: bool) -> Path:
    from ..io.atomic import atomic_write
    from ..io.tables import write_csv

    path = Path(out) / name
    with atomic_write(path) as fh:
        if bom:
            fh.write("\ufeff")
        write_csv(fh, df, float_format="%.10g")
    return path


def _done(paths: list[Path]) -> None:
    from rich.markup import escape

    from ..cli import console

    for p in paths:
        console.print(f"Wrote [bold]{escape(str(p))}[/]", highlight=False)


def _periods(df, time: str | None):
    """(label, sub-frame) per period in sorted order; one block with an empty label without --time."""
    if not time:
        return [("", df)]
    from ..regional.data import period_order

    return [(str(t), df[df[time] == t]) for t in period_order(df[time])]


def _list(text: str | None, what: str) -> list[str]:
    from ..cli import CliError

    items = [s.strip() for s in (text or "").split(",") if s.strip()]
    if text is not None and not items:
        raise CliError(f"{what}: give a comma-separated list")
    return items


@click.group("regional")
def command() -> None:
    """Regional gaps and dynamics: Dagum/Theil inequality, coupling coordination, Moran, Markov, obstacles."""


@command.command("gini")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--value", "value", required=True, help="Column with the index values (> 0 for Theil L).")
@click.option("--group", "group", required=True, help="Column with the group of each unit (e.g. region).")
@click.option("--time", "time", default=None, help="Column with the period (one block of results per period).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def gini_command(data, value, group, time, out, bom) -> None:
    """Dagum Gini decomposition (dagum.csv) and Theil T/L with CV (theil.csv) by --group."""
    import pandas as pd

    from ..cli import library_errors
    from ..regional.data import read_long
    from ..regional.inequality import cv, dagum, theil

    with library_errors():
        df = read_long(data, values=[value], time=time, group=group)
        dag, th = [], []
        for label, sub in _periods(df, time):
            y, g = sub[value].to_numpy(), sub[group].to_numpy()
            dag.append(dagum(y, g).long(label))
            t = theil(y, g)
            th.append({"time": label, **t.as_row(), "cv": cv(y)})
        paths = [_write(pd.concat(dag, ignore_index=True), out, "dagum.csv", bom),
                 _write(pd.DataFrame(th, columns=["time", "T", "T_within", "T_between", "L", "L_within",
                                                  "L_between", "cv"]), out, "theil.csv", bom)]
    _done(paths)


@command.command("coupling")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--systems", "systems", required=True, help="Comma-separated columns U1,U2,... normalised to [0, 1].")
@click.option("--alpha", "alpha", default=None, help="Comma-separated contribution weights (sum 1; default equal).")
@click.option("--unit", "unit", required=True, help="Column with the unit code.")
@click.option("--time", "time", default=None, help="Column with the period.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def coupling_command(data, systems, alpha, unit, time, out, bom) -> None:
    """Coupling C, development T, coordination D and its grade (coupling.csv)."""
    from ..cli import CliError, library_errors
    from ..regional.coupling import coupling
    from ..regional.data import read_long

    cols = _list(systems, "--systems")
    if len(cols) < 2:
        raise CliError("--systems: give at least two columns, e.g. --systems U1,U2")
    a = None
    if alpha is not None:
        try:
            a = [float(x) for x in _list(alpha, "--alpha")]
        except ValueError:
            raise CliError(f"--alpha {alpha!r}: give numbers separated by commas, e.g. 0.4,0.3,0.3") from None
    with library_errors():
        df = read_long(data, values=cols, unit=unit, time=time)
        res = coupling(df[cols].to_numpy(), a, systems=cols)
        res.insert(0, "time", df[time].to_numpy() if time else "")
        res.insert(0, "unit", df[unit].to_numpy())
        path = _write(res[["unit", "time", "C", "T", "D", "grade"]], out, "coupling.csv", bom)
    _done([path])


@command.command("moran")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--value", "value", required=True, help="Column with the values.")
@click.option("--unit", "unit", required=True, help="Column with city adcodes or province codes.")
@click.option("--time", "time", default=None, help="Column with the period.")
@click.option("--weights", "weights", default="knn:5", show_default=True,
              help="knn:K (great-circle k nearest), idw:KM[:POWER] (inverse distance within KM), or a matrix file.")
@click.option("--permutations", type=click.IntRange(0, None), default=999, show_default=True,
              help="Random permutations for the pseudo p-values (0: none).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the permutations.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def moran_command(data, value, unit, time, weights, permutations, seed, out, bom) -> None:
    """Global Moran's I (moran.csv), Geary's C (geary.csv) and local Moran LISA clusters (lisa.csv)."""
    import pandas as pd

    from ..cli import library_errors
    from ..regional.data import read_long
    from ..regional.spatial import geary, lisa, moran, parse_weights

    with library_errors():
        df = read_long(data, values=[value], unit=unit, time=time)
        rows, grows, locs = [], [], []
        cache: dict[tuple, object] = {}
        for label, sub in _periods(df, time):
            units = tuple(sub[unit])
            if units not in cache:
                cache[units] = parse_weights(weights, list(units))
            w = cache[units]
            y = sub[value].to_numpy()
            m = moran(y, w, permutations, seed)
            g = geary(y, w, permutations, seed)
            rows.append({"time": label, "I": m.value, "expected": m.expected, "z": m.z, "p_norm": m.p_norm,
                         "p_sim": m.p_sim})
            grows.append({"time": label, "C": g.value, "expected": g.expected, "z": g.z, "p_norm": g.p_norm,
                          "p_sim": g.p_sim})
            loc = lisa(y, w, permutations, seed)
            loc.insert(1, "time", label)
            locs.append(loc[["unit", "time", "Ii", "quadrant", "p_sim"]])
        paths = [_write(pd.DataFrame(rows), out, "moran.csv", bom),
                 _write(pd.DataFrame(grows), out, "geary.csv", bom),
                 _write(pd.concat(locs, ignore_index=True), out, "lisa.csv", bom)]
    _done(paths)


@command.command("markov")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--value", "value", required=True, help="Column with the values.")
@click.option("--unit", "unit", required=True, help="Column with the unit code.")
@click.option("--time", "time", required=True, help="Column with the period (sorted as text: 2021Q1 < 2021Q2).")
@click.option("--classes", type=click.IntRange(2, None), default=4, show_default=True,
              help="Number of quantile classes (pooled over all periods).")
@click.option("--relative", is_flag=True, help="Divide each period's values by that period's mean first.")
@click.option("--weights", "weights", default=None,
              help="Also a spatial Markov chain (spatial_markov.csv) with these weights (knn:K, idw:KM, file).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def markov_command(data, value, unit, time, classes, relative, weights, out, bom) -> None:
    """Markov transition probabilities over pooled quantile classes (markov.csv: from,to,p,n)."""
    from ..cli import library_errors
    from ..regional.data import read_long, wide
    from ..regional.dynamics import markov, spatial_markov

    with library_errors():
        df = read_long(data, values=[value], unit=unit, time=time)
        W = wide(df, value, unit, time)
        res = markov(W, classes, relative=relative)
        paths = [_write(res.long(), out, "markov.csv", bom)]
        if weights:
            from ..regional.spatial import parse_weights

            sm = spatial_markov(W, parse_weights(weights, list(W.index)), classes, relative=relative)
            paths.append(_write(sm, out, "spatial_markov.csv", bom))
    _done(paths)


@command.command("obstacle")
@click.argument("release_dir", type=click.Path(file_okay=False))
@click.option("--build", "build", default=None, help="Build of the release (default: city, else the first).")
@click.option("--top", type=click.IntRange(1, None), default=3, show_default=True,
              help="Number of top obstacles per unit and period in obstacle_top.csv.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def obstacle_command(release_dir, build, top, out, bom) -> None:
    """Obstacle degree of every indicator (obstacle.csv), of every layer and the top obstacles."""
    from ..cli import err_console, library_errors
    from ..regional.obstacle import layer_obstacles, release_obstacles, top_obstacles
    from ..release import Release

    with library_errors():
        rel = Release.load(release_dir)
        name = build or ("city" if "city" in rel.builds else next(iter(rel.builds), None))
        b = rel[name]
        long, notes = release_obstacles(b)
        layers = layer_obstacles(long, b.framework)
        paths = [_write(long, out, "obstacle.csv", bom),
                 _write(layers, out, "obstacle_layer.csv", bom),
                 _write(top_obstacles(long, top), out, "obstacle_top.csv", bom)]
    for note in sorted(set(notes["rescaling"])):
        err_console.print(f"Note: {note}", highlight=False)
    _done(paths)


@command.command("convergence")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--value", "value", required=True, help="Column with the values (> 0: logarithms).")
@click.option("--unit", "unit", required=True, help="Column with the unit code.")
@click.option("--time", "time", required=True, help="Column with the period (in time order).")
@click.option("--controls", "controls", default=None,
              help="Comma-separated control columns for conditional beta-convergence (two-way fixed effects).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def convergence_command(data, value, unit, time, controls, out, bom) -> None:
    """sigma-convergence per period (sigma.csv) and absolute / conditional beta-convergence (beta.csv)."""
    import pandas as pd

    from ..cli import library_errors
    from ..regional.convergence import beta_absolute, beta_conditional, sigma
    from ..regional.data import read_long, wide

    ctrl = _list(controls, "--controls") if controls else []
    with library_errors():
        df = read_long(data, values=[value, *ctrl], unit=unit, time=time)
        W = wide(df, value, unit, time)
        rows = [beta_absolute(W).as_row()]
        if W.shape[1] >= 3:
            rows.append(beta_conditional(W, {c: wide(df, c, unit, time) for c in ctrl}).as_row())
        paths = [_write(sigma(W), out, "sigma.csv", bom), _write(pd.DataFrame(rows), out, "beta.csv", bom)]
    _done(paths)


@command.command("kde")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--value", "value", required=True, help="Column with the values.")
@click.option("--unit", "unit", required=True, help="Column with the unit code.")
@click.option("--time", "time", required=True, help="Column with the period.")
@click.option("--bandwidth", default="silverman", show_default=True,
              help="silverman, scott, or a number (the same bandwidth for every period).")
@click.option("--points", type=click.IntRange(10, 10_000), default=200, show_default=True, help="Grid points.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=OUT_HELP)
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def kde_command(data, value, unit, time, bandwidth, points, out, bom) -> None:
    """Gaussian kernel densities per period on one grid (kde.csv: time,x,density,bandwidth)."""
    from ..cli import library_errors
    from ..regional.data import read_long, wide
    from ..regional.dynamics import kde

    try:
        bw = float(bandwidth)
    except ValueError:
        bw = bandwidth
    with library_errors():
        df = read_long(data, values=[value], unit=unit, time=time)
        W = wide(df, value, unit, time, balanced=False)
        path = _write(kde(W, points=points, bandwidth=bw), out, "kde.csv", bom)
    _done([path])
