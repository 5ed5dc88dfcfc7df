"""``dtindex uncertainty``: replay given replications, or run an uncertainty and sensitivity analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from ..cli import CliError, console, err_console, library_errors, stage_progress

RUN_STAGES = ("build", "sample", "replications", "what-if", "sensitivity", "summary", "write")


def _index_inputs(spec, framework, data):
    """Check that exactly one of SPEC or --framework/--data is given."""
    if bool(spec) == bool(framework or data):
        raise CliError("give either SPEC.yaml or --framework META.csv --data DATA.csv")
    if not spec and not (framework and data):
        raise CliError("--framework and --data go together: give both")


def _load_index(spec, framework, data, tick=None):
    """The nominal index and the spec's uncertainty section (None for COINr tables or a spec without one)."""
    from ..index import Index, build_from_spec
    from ..io.tables import file_sha256
    from ..uncertainty.spec import load_spec_with_uncertainty

    if spec:
        index_spec, base_dir, uspec = load_spec_with_uncertainty(spec)
        idx = build_from_spec(index_spec, base_dir, inputs={f"spec:{Path(spec).name}": file_sha256(spec)},
                              progress=tick)
        return idx, uspec
    return Index.from_coinr(framework, data, progress=tick), None


@click.group("uncertainty")
def command() -> None:
    """Uncertainty and sensitivity analysis of ranks: how robust is each rank, and which choice drives it."""


@command.command("replay")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--framework", "framework", type=click.Path(dir_okay=False), help="COINr iMeta table (CSV/Excel).")
@click.option("--data", "data", type=click.Path(dir_okay=False), help="COINr iData table (CSV/Excel).")
@click.option("--replications", "replications", required=True, type=click.Path(dir_okay=False),
              help="REPS.csv: rep, normalisation, aggregation, w_<iCode>... (one row per replication).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output folder for ranks.csv.")
@click.option("--bom", is_flag=True, help="Write ranks.csv with a UTF-8 BOM (for Excel).")
def replay_command(spec, framework, data, replications, out, bom) -> None:
    """Rank every unit in each replication of REPS.csv (each equals a full rebuild with its settings)."""
    from ..uncertainty.replay import read_replications, replay, write_ranks

    _index_inputs(spec, framework, data)
    with library_errors():
        idx, _ = _load_index(spec, framework, data)
        reps = read_replications(replications, idx.framework)
        result = replay(idx, reps)
        path = write_ranks(result.long(), out, bom=bom)
    console.print(f"Replayed {reps.n} replications ({len(reps.settings)} method combinations); "
                  f"wrote [bold]{path}[/]", highlight=False)


@command.command("run")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--framework", "framework", type=click.Path(dir_okay=False), help="COINr iMeta table (CSV/Excel).")
@click.option("--data", "data", type=click.Path(dir_okay=False), help="COINr iData table (CSV/Excel).")
@click.option("--uncertainty", "uncertainty", type=click.Path(dir_okay=False),
              help="YAML file with the uncertain inputs (instead of SPEC's uncertainty: section).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--n", "n", type=int, help="Base sample size N (N (k + 2) runs with sensitivity indices).")
@click.option("--seed", type=int, help="Random seed.")
@click.option("--sampling", type=click.Choice(["sobol", "random"]), help="Sobol' sequence or pseudo-random draws.")
@click.option("--bootstrap", type=int, help="Bootstrap resamples for the confidence intervals of the indices.")
@click.option("--sensitivity/--no-sensitivity", "sensitivity", default=None,
              help="Compute Sobol indices (Saltelli design) or only rank statistics (N plain draws).")
@click.option("--period", help="Period whose ranks are analysed (default: the last).")
@click.option("--top", type=int, help="K of the share-in-top-K statistic (default 10).")
@click.option("--no-excel", "no_excel", is_flag=True, help="Do not write uncertainty.xlsx.")
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def run_command(spec, framework, data, uncertainty, out, n, seed, sampling, bootstrap, sensitivity, period, top,
                no_excel, bom) -> None:
    """Run the uncertainty and sensitivity analysis declared in SPEC (or --uncertainty FILE)."""
    from ..uncertainty.analysis import run_uncertainty
    from ..uncertainty.output import write_results
    from ..uncertainty.spec import load_uncertainty, parse_uncertainty

    _index_inputs(spec, framework, data)
    with library_errors(), stage_progress("uncertainty", RUN_STAGES) as tick:
        tick("build")
        idx, uspec = _load_index(spec, framework, data)
        if uncertainty:
            if uspec is not None:
                raise CliError(f"{Path(spec).name} has an uncertainty: section and --uncertainty was given; "
                               "use one of them")
            uspec = load_uncertainty(uncertainty)
        if uspec is None:
            raise CliError("no uncertain inputs: add an uncertainty: section to SPEC or give --uncertainty FILE")
        updates: dict[str, Any] = {k: v for k, v in (
            ("n", n), ("seed", seed), ("sampling", sampling), ("bootstrap", bootstrap),
            ("sensitivity", sensitivity), ("period", period), ("top", top)) if v is not None}
        if updates:
            uspec = parse_uncertainty({**uspec.model_dump(exclude_unset=True), **updates}, source="command line")
        result = run_uncertainty(idx, uspec, progress=tick)
        tick("write")
        written = write_results(result, out, bom=bom, excel=not no_excel)
    _print(result)
    for note in result.messages:
        err_console.print(f"[yellow]Note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    console.print(f"Wrote {len(written)} files to [bold]{out}[/]", highlight=False)


def _print(result, rows: int = 10) -> None:
    rs = result.rank_stats.head(rows)
    top = result.uspec.top
    t = Table(title=f"Rank uncertainty{f' ({result.period})' if result.period else ''} — "
                    f"{len(result.ua_rows):,} replications")
    for col in ("unit", "nominal", "median", "90% interval", f"top {top}"):
        t.add_column(col, justify="left" if col == "unit" else "right")
    for _, r in rs.iterrows():
        t.add_row(f"{r['uCode']} {r['uName']}".strip(), str(r["nominal_rank"]), f"{r['median_rank']:g}",
                  f"{r['q05']:g}–{r['q95']:g}", f"{r[f'share_top{top}']:.0%}")
    console.print(t)
    console.print(result.text["en"], highlight=False, soft_wrap=True)
