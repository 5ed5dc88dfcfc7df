"""The ``dtindex`` command line: parses arguments, calls the library, prints with rich.

Library errors become ``Error: <message>`` on stderr with exit code 1.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .errors import DtindexError

# pydantic looks for plugins in every installed distribution's entry points when the first spec model is
# built (tens of milliseconds with a big environment); the CLI uses none. Set the variable to "" to load them.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

console = Console()
err_console = Console(stderr=True)

BUILD_STAGES = ("framework", "data", "denominate", "impute", "treat", "normalise", "weights", "aggregate", "rank")


class CliError(click.ClickException):
    def show(self, file=None) -> None:  # noqa: D102 - click API
        err_console.print(f"[bold red]Error:[/] {escape(self.message)}", highlight=False, soft_wrap=True)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library errors into ``Error: ...`` and warnings into ``Warning: ...`` lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except DtindexError as exc:
            raise CliError(str(exc)) from None
        except FileNotFoundError as exc:
            raise CliError(f"{exc.filename}: file not found") from None
        finally:
            seen = set()
            for w in caught:
                text = str(w.message)
                if text not in seen and not issubclass(w.category, (DeprecationWarning, ResourceWarning)):
                    seen.add(text)
                    err_console.print(f"[yellow]Warning:[/] {escape(text)}", highlight=False, soft_wrap=True)


@contextmanager
def stage_progress(label: str, stages: tuple[str, ...]) -> Iterator[Any]:
    """A rich progress bar advanced by stage name; transient, on stderr."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(), console=err_console, transient=True, disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=len(stages), stage="")
        done: set[str] = set()

        def tick(stage: str) -> None:
            if stage in stages and stage not in done:
                done.add(stage)
                progress.update(task, completed=len(done) - 1, stage=stage)

        yield tick
        progress.update(task, completed=len(stages), stage="done")


def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    if not values:
        return {}
    import yaml

    changes = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set {item!r}: expected KEY=VALUE, e.g. --set aggregate.method=geometric")
        changes[key.strip()] = yaml.safe_load(value)
    return changes


class _Main(click.Group):
    """The ``dtindex`` group; the command modules of :mod:`dtindex.commands` are imported when first needed.

    Reading the command table (``--help``, running one of their commands, ``main.commands``) imports
    them all; running a command defined in this file (``build``, ``weights``, ``regions``) imports
    none, so ``dtindex build`` starts without them (docs/performance.md, "Start-up").
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._own: dict[str, click.Command] = {}
        self._modules_loaded = False
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        if not self._modules_loaded:
            self._modules_loaded = True
            _register_command_modules()
        return self._own

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._own = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._own[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._own.get(cmd_name) or self.commands.get(cmd_name)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dtindex")
def main() -> None:
    """dtindex: build, analyse and publish digital-transformation indices."""


# ---------------------------------------------------------------------- build
@main.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--framework", "framework", type=click.Path(dir_okay=False), help="COINr iMeta table (CSV/Excel).")
@click.option("--data", "data", type=click.Path(dir_okay=False), help="COINr iData table (CSV/Excel).")
@click.option("--normalise", "normalise", help="Method, e.g. minmax, minmax:1,100, zscore:10,2, rank, base_share.")
@click.option("--scope", type=click.Choice(["per_period", "pooled", "base_period"]), help="Normalisation scope.")
@click.option("--base-period", help="Base period, e.g. 2021Q1 (needed by base_share).")
@click.option("--aggregate", "aggregate", help="arithmetic, geometric, harmonic, topsis, gra, gra_topsis, vikor or rsr (geometric:SHIFT, gra:RHO, vikor:V allowed).")
@click.option("--missing", type=click.Choice(["skip", "propagate", "error"]), help="Missing children in aggregation.")
@click.option("--weights", "weights", type=click.Choice(["manual", "equal", "expert", "ahp", "entropy", "critic", "cv", "pca",
                                                        "g1", "max_deviation", "msd", "combined"]))
@click.option("--expert-scores", type=click.Path(dir_okay=False), help="Expert scoring sheet for --weights expert.")
@click.option("--ahp-matrices", type=click.Path(dir_okay=False), help="Pairwise matrices for --weights ahp.")
@click.option("--treat", type=click.Choice(["none", "winsorise"]), help="Outlier treatment before normalisation.")
@click.option("--impute", type=click.Choice(["none", "mean", "median", "locf"]), help="Imputation before normalisation.")
@click.option("--impute-by", help="Group column for group mean/median imputation.")
@click.option("--denominate", is_flag=True, help="Divide indicators by their Denominator column (COINr Denominate).")
@click.option("--ties", type=click.Choice(["min", "max", "average", "dense", "first"]), help="Rank tie rule.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Any setting, e.g. aggregate.levels.3.method=geometric.")
@click.option("--out", "out", type=click.Path(file_okay=False), help="Output folder (default: build/<name>).")
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def build(spec, framework, data, normalise, scope, base_period, aggregate, missing, weights, expert_scores,
          ahp_matrices, treat, impute, impute_by, denominate, ties, sets, out, bom) -> None:
    """Build an index from SPEC.yaml, or from a COINr framework table and data table."""
    from .index import Index
    from .spec.shorthand import aggregate_changes, normalise_changes

    if bool(spec) == bool(framework or data):
        raise CliError("give either SPEC.yaml or --framework META.csv --data DATA.csv")
    if not spec and not (framework and data):
        raise CliError("--framework and --data go together: give both")
    if not spec and not out:
        raise CliError("--out DIR is required with --framework/--data")
    with library_errors():
        changes: dict[str, Any] = {}
        if normalise:
            changes.update(normalise_changes(normalise))
        if scope:
            changes["normalise.scope"] = scope
        if aggregate:
            changes.update(aggregate_changes(aggregate))
        if missing:
            changes["aggregate.missing"] = missing
        if weights:
            changes["weights.method"] = weights
        if expert_scores:
            changes["weights.expert_scores"] = str(Path(expert_scores).resolve())
        if ahp_matrices:
            changes["weights.ahp_matrices"] = str(Path(ahp_matrices).resolve())
        if treat:
            changes["treat.method"] = treat
        if impute:
            changes["impute.method"] = impute
        if impute_by:
            changes["impute.by"] = impute_by
        if denominate:
            changes["denominate.use_framework"] = True
        if ties:
            changes["rank.ties"] = ties
        if base_period:
            changes["base_period"] = base_period
        changes.update(_parse_sets(sets))
        with stage_progress("building", BUILD_STAGES) as tick:
            if spec:
                idx = Index.from_spec(spec, changes=changes, progress=tick)
            else:
                idx = Index.from_coinr(framework, data, changes=changes, progress=tick)
        out_dir = Path(out) if out else Path("build") / idx.spec.name
        written = idx.write(out_dir, bom=bom)
    _print_summary(idx)
    for line in idx.messages:
        err_console.print(f"[yellow]Note:[/] {escape(line)}", highlight=False, soft_wrap=True)
    console.print(f"Wrote {len(written)} files to [bold]{out_dir}[/]", highlight=False)


def _print_summary(idx, top: int = 10) -> None:
    import numpy as np

    root = idx.root
    p = idx.panel
    last = p.period_labels[-1] or "value"
    rows = slice(p.n_obs - p.n_units, p.n_obs)  # the latest period
    present = p.present[rows]
    scores = np.where(present, idx.scores[root][rows], np.nan)
    ranks = np.where(present, idx.ranks[root][rows], np.nan)
    order = np.argsort(-scores, kind="stable")[:top]  # highest first, missing last, ties in unit order
    t = Table(title=f"{idx.framework[root].label()} — top {top}" + (f" ({last})" if last != "value" else ""))
    t.add_column("rank", justify="right")
    t.add_column("unit")
    t.add_column("score", justify="right")
    for i in order.tolist():
        r = ranks[i]
        t.add_row("" if r != r else f"{int(r)}", f"{p.units[i]} {p.unit_names[i]}".strip(), f"{scores[i]:.2f}")
    console.print(t)


# ---------------------------------------------------------------------- weights
@main.group()
def weights() -> None:
    """Compute weights from expert scores or AHP matrices and check them."""


def _framework_for(path: str):
    from .spec.coinr import read_framework_table
    from .spec.index_spec import load_spec

    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        spec, base = load_spec(p)
        return spec.build_framework(base)
    return read_framework_table(p)


@weights.command("expert")
@click.argument("scores", type=click.Path(dir_okay=False))
@click.option("--framework", "framework", required=True, type=click.Path(dir_okay=False),
              help="COINr framework table or YAML spec: the scores' columns are grouped by parent.")
@click.option("--scale", "scale", default="1-5", show_default=True,
              type=click.Choice(["1-5", "1-6", "1-9", "0-10", "percent"]),
              help="Scoring scale of the sheet; scores outside it are refused (percent: any number 0-100).")
def weights_expert(scores, framework, scale) -> None:
    """Expert-scoring weights (w_j = sum_i a_ij / sum_j sum_i a_ij per parent) and Kendall's W."""
    from .methods.expert import expert_weights, read_expert_scores, scale_label

    with library_errors():
        fw = _framework_for(framework)
        sheet = read_expert_scores(scores)
        unknown = [c for c in sheet.columns if c not in fw]
        if unknown:
            raise CliError(f"{Path(scores).name}: columns {', '.join(unknown)} are not nodes of the framework")
        groups = {}
        for parent in fw.parents_bottom_up():
            kids = fw.children[parent]
            if any(k in sheet.columns for k in kids):
                groups[parent] = kids
        res = expert_weights(sheet, groups, source=Path(scores).name, scale=scale)
    t = Table(title=f"Expert weights ({len(sheet)} experts, scale {scale_label(scale)})")
    for col in ("iCode", "parent", "mean", "cv", "weight"):
        t.add_column(col, justify="left" if col in ("iCode", "parent") else "right")
    for code, row in res.table.iterrows():
        t.add_row(str(code), str(row["parent"]), f"{row['mean']:.2f}", f"{row['cv']:.3f}", f"{row['weight']:.4f}")
    console.print(t)
    c = Table(title="Concordance (Kendall's W)")
    for col in ("parent", "experts", "items", "W", "chi2", "df", "p"):
        c.add_column(col, justify="left" if col == "parent" else "right")
    for _, row in res.concordance.iterrows():
        c.add_row(str(row["parent"]), str(row["n_experts"]), str(row["n_items"]), f"{row['kendall_w']:.3f}",
                  f"{row['chi2']:.2f}", str(row["df"]), f"{row['p_value']:.4f}")
    console.print(c)


@weights.command("ahp")
@click.argument("matrices", type=click.Path(dir_okay=False))
@click.option("--priority", default="eigenvector", show_default=True, type=click.Choice(["eigenvector", "geometric"]),
              help="Principal eigenvector (Saaty) or row geometric mean.")
@click.option("--ri-table", "ri_table", default="saaty", show_default=True,
              type=click.Choice(["saaty", "saaty_extended"]),
              help="Random-index table: Saaty 1980 (n <= 10) or extended to n <= 15.")
@click.option("--threshold", default=0.1, show_default=True, type=float, help="CR threshold of consistency.")
@click.option("--group", "group", type=click.Choice(["aij", "aip"]),
              help="The file holds several experts (column expert): combine their judgements (aij) or priorities (aip).")
def weights_ahp(matrices, priority, ri_table, threshold, group) -> None:
    """AHP weights and consistency ratio of each pairwise matrix (or of a group of experts)."""
    from .methods.ahp import RI_SOURCES, ahp, read_ahp_matrices

    opts = {"priority": priority, "ri_table": ri_table, "threshold": threshold}
    name = Path(matrices).name
    with library_errors():
        if group:
            from .methods.ahp_group import group_ahp, read_group_ahp_matrices

            by_expert = read_group_ahp_matrices(matrices)
            parents = list(dict.fromkeys(p for mats in by_expert.values() for p in mats))
            groups = {}
            for p in parents:
                missing = [e for e, mats in by_expert.items() if p not in mats]
                if missing:
                    raise CliError(f"{name}: expert(s) {', '.join(missing)} give no matrix for {p!r} — "
                                   "every expert must judge every parent")
                groups[p] = group_ahp({e: mats[p] for e, mats in by_expert.items()}, method=group,
                                      owner=f"{name} matrices {p!r}", **opts)
        else:
            mats = read_ahp_matrices(matrices)
            results = {p: ahp(m, owner=f"{name} matrix {p!r}", **opts) for p, m in mats.items()}
    console.print(f"priorities: {priority}; RI: {RI_SOURCES[ri_table]}; CR threshold {threshold:g}")
    if group:
        for parent, g in groups.items():
            status = "consistent" if g.group.consistent else "[red]INCONSISTENT[/]"
            t = Table(title=f"{parent} ({group.upper()}, {len(g.individual)} experts): group CR={g.group.cr:.4f} {status}")
            kids = [str(c) for c in g.weights.index]
            for col in ("expert", "λmax", "CR", *kids):
                t.add_column(col, justify="left" if col == "expert" else "right")
            for _, row in g.table.iterrows():
                flag = "" if row["consistent"] else " [red]![/]"
                t.add_row(str(row["expert"]), f"{row['lambda_max']:.4f}", f"{row['cr']:.4f}{flag}",
                          *(f"{row[k]:.4f}" for k in kids))
            console.print(t)
        return
    for parent, res in results.items():
        status = "consistent" if res.consistent else "[red]INCONSISTENT[/]"
        t = Table(title=f"{parent}: λmax={res.lambda_max:.4f} CI={res.ci:.4f} RI={res.ri:.2f} CR={res.cr:.4f} {status}")
        t.add_column("iCode")
        t.add_column("weight", justify="right")
        for code, w in res.weights.items():
            t.add_row(str(code), f"{w:.4f}")
        console.print(t)


# ---------------------------------------------------------------------- regions
@main.group()
def regions() -> None:
    """Look up mainland Chinese cities, provinces, tiers and city clusters."""


@regions.command("lookup")
@click.argument("key")
def regions_lookup(key) -> None:
    """Find a city by adcode, Chinese name, short name or pinyin."""
    from . import regions as reg

    with library_errors():
        c = reg.city(key)
    t = Table(show_header=False)
    for field in ("adcode", "name", "name_en", "province", "level", "tier_2025", "cluster"):
        t.add_row(field, str(getattr(c, field, "") or ""))
    console.print(t)


def _register_command_modules() -> None:
    """Add the command groups of :mod:`dtindex.commands` that exist."""
    import importlib

    from .commands import MODULES

    for name in MODULES:
        full = f"dtindex.commands.{name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name == full:
                continue
            raise
        main.add_command(module.command)


if __name__ == "__main__":  # pragma: no cover - ``python -m dtindex.cli``
    # run the importable module, so command modules that import dtindex.cli see one copy of it
    from dtindex.cli import main as _main

    sys.exit(_main())
