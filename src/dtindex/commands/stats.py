"""``dtindex stats``: correlation, regression and mediation between index columns."""

from __future__ import annotations

import math

import click
from rich.markup import escape
from rich.table import Table

from ..cli import CliError, console, err_console, library_errors


def _list(value: str | None, option: str) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if value is not None and not items:
        raise CliError(f"{option} is empty — give column names separated by commas")
    return items


def _data_options(f):
    f = click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")(f)
    f = click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output folder.")(f)
    f = click.option("--sheet", help="Excel sheet name (default: the first sheet).")(f)
    f = click.option("--build", help="Release only: build(s) to analyse, comma-separated (default: city, else the first).")(f)
    f = click.option("--period", help="Use only the rows of one period (column Time, else year or period; e.g. 2023Q1).")(f)
    return click.argument("data", type=click.Path(exists=True))(f)


def _load(data, build, sheet, period):
    from ..stats.inputs import read_data, select_period

    return select_period(read_data(data, build=build, sheet=sheet), period)


def _fmt(v, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    return f"{v:.{digits}g}"


def _note(text: str) -> None:
    if text:
        err_console.print(f"[yellow]Note:[/] {escape(text)}", highlight=False, soft_wrap=True)


@click.group("stats")
def command() -> None:
    """Links between indices: correlation, OLS / fixed-effects regression, mediation (docs/stats.md)."""


@command.command("corr", short_help="Correlation matrix with p-values (Pearson, Spearman, Kendall).")
@click.option("--columns", required=True, help="Columns to correlate, comma-separated (at least two).")
@click.option("--method", type=click.Choice(["pearson", "spearman", "kendall"]), default="pearson", show_default=True,
              help="Correlation coefficient.")
@click.option("--adjust", type=click.Choice(["none", "holm", "bh"]), default="none", show_default=True,
              help="Multiple-testing correction of the p-values (adds a p_adj column).")
@_data_options
def corr_command(data, build, period, sheet, out, bom, columns, method, adjust) -> None:
    """Pairwise correlations of index columns with p-values -> OUT/corr.csv (var1,var2,r,p,n)."""
    from ..stats.correlation import correlation
    from ..stats.output import write_correlation

    cols = _list(columns, "--columns")
    with library_errors():
        df = _load(data, build, sheet, period)
        pairs = correlation(df, cols, method=method, adjust=adjust)
        written = write_correlation(pairs, out, bom=bom, with_p_adj=adjust != "none")
    t = Table(title=f"{method.capitalize()} correlations ({len(df)} rows, pairwise-complete)")
    for c in ["var1", "var2", "r", "p", "n"] + (["p_adj"] if adjust != "none" else []):
        t.add_column(c, justify="left" if c.startswith("var") else "right")
    for r in pairs.itertuples():
        t.add_row(escape(str(r.var1)), escape(str(r.var2)), _fmt(r.r, 3), _fmt(r.p), str(r.n),
                  *([_fmt(r.p_adj)] if adjust != "none" else []))
    console.print(t)
    if (pairs["n"] < len(df)).any():
        from ..stats.inputs import numeric_columns

        incomplete = int(numeric_columns(df, cols).isna().any(axis=1).sum())
        _note(f"{incomplete} of {len(df)} rows have a missing value in some column; each pair uses the rows "
              "where both are present (n).")
    console.print(f"Wrote {', '.join(p.name for p in written)} to [bold]{escape(out)}[/]", highlight=False)


@command.command("ols", short_help="OLS with classical/HC3/cluster SE and fixed effects.")
@click.option("--y", "y", required=True, help="Dependent column.")
@click.option("--x", "x", required=True, help="Explanatory columns, comma-separated.")
@click.option("--se", default="classical", show_default=True,
              help="Standard errors: classical, hc3 or cluster:COL (clustered by column COL).")
@click.option("--fe", type=click.Choice(["none", "unit", "time", "twoway"]), default="none", show_default=True,
              help="Fixed effects: unit, period (time) or both (twoway).")
@click.option("--unit", help="Unit column for --fe unit/twoway (default uCode).")
@click.option("--time", "time", help="Period column for --fe time/twoway (default Time).")
@click.option("--level", type=float, default=0.95, show_default=True, help="Confidence level of the intervals.")
@_data_options
def ols_command(data, build, period, sheet, out, bom, y, x, se, fe, unit, time, level) -> None:
    """OLS regression (optionally with fixed effects) -> OUT/coefficients.csv (term,estimate,se,t,p,ci_low,ci_high)."""
    from ..stats.output import write_ols
    from ..stats.regression import ols

    xs = _list(x, "--x")
    with library_errors():
        df = _load(data, build, sheet, period)
        res = ols(df, y, xs, se=se, fe=None if fe == "none" else fe, unit=unit, time=time, level=level)
        written = write_ols(res, out, bom=bom)
    t = Table(title=f"OLS: {y} ({res.nobs} observations)")
    for c in ("term", "estimate", "se", "t", "p", f"{level:.0%} CI", "std. coef.", "VIF"):
        t.add_column(c, justify="left" if c == "term" else "right")
    for r in res.coefficients.itertuples():
        t.add_row(escape(str(r.term)), _fmt(r.estimate), _fmt(r.se), _fmt(r.t, 3), _fmt(r.p),
                  f"{_fmt(r.ci_low)} – {_fmt(r.ci_high)}", _fmt(r.std_estimate, 3), _fmt(r.vif, 3))
    console.print(t)
    for line in res.summary_lines("en")[:3]:
        console.print(escape(line), highlight=False, soft_wrap=True)
    _note(res.dropped.message(res.source))
    for n in res.notes:
        _note(n)
    console.print(f"Wrote {', '.join(p.name for p in written)} to [bold]{escape(out)}[/]", highlight=False)


@command.command("mediate", short_help="Mediation (PROCESS model 4): Sobel test, bootstrap CIs.")
@click.option("--x", "x", required=True, help="Independent column X.")
@click.option("--m", "m", required=True, help="Mediator column(s) M; several, comma-separated, act in parallel.")
@click.option("--y", "y", required=True, help="Outcome column Y.")
@click.option("--covariates", help="Covariates entering every equation, comma-separated.")
@click.option("--boot", type=int, default=5000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of the bootstrap.")
@click.option("--level", type=float, default=0.95, show_default=True, help="Confidence level of the intervals.")
@_data_options
def mediate_command(data, build, period, sheet, out, bom, x, m, y, covariates, boot, seed, level) -> None:
    """Mediation (PROCESS model 4) with Sobel test and bootstrap CIs -> OUT/mediation.csv."""
    from ..stats.mediation import mediate
    from ..stats.output import write_mediation

    ms = _list(m, "--m")
    covs = _list(covariates, "--covariates") if covariates is not None else []
    with library_errors():
        df = _load(data, build, sheet, period)
        res = mediate(df, x, ms, y, covariates=covs, boot=boot, seed=seed, level=level)
        written = write_mediation(res, out, bom=bom)
    t = Table(title=f"Mediation: {x} -> {', '.join(ms)} -> {y} ({res.nobs} observations, {boot} resamples)")
    for c in ("effect", "estimate", "se", "z / t", "p", f"{level:.0%} CI"):
        t.add_column(c, justify="left" if c == "effect" else "right")
    for r in res.table.itertuples():
        t.add_row(escape(str(r.effect)), _fmt(r.estimate), _fmt(r.se), _fmt(r.z_or_t, 3), _fmt(r.p),
                  f"{_fmt(r.ci_low)} – {_fmt(r.ci_high)}")
    console.print(t)
    console.print(escape(res.summary_lines("en")[2]), highlight=False, soft_wrap=True)
    _note(res.dropped.message(res.source))
    for n in res.notes:
        _note(n)
    console.print(f"Wrote {', '.join(p.name for p in written)} to [bold]{escape(out)}[/]", highlight=False)
