"""``dtindex survey``: questionnaire surveys (screening, weighting, design-based estimates, report data)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..cli import CliError, console, library_errors


def _print_funnel(funnel) -> None:
    table = Table(title="Screening funnel", show_lines=False)
    for col in ("step", "rule", "flagged", "removed", "remaining", "share"):
        table.add_column(col, justify="left" if col == "rule" else "right")
    for r in funnel.itertuples(index=False):
        table.add_row(str(r.step), str(r.rule), f"{r.flagged:,}", f"{r.removed:,}", f"{r.remaining:,}",
                      f"{r.share_of_received:.1%}")
    console.print(table)


@click.group("survey")
def command() -> None:
    """Questionnaire surveys: import, screening, weighting, estimates and report data."""


@command.command("report")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--weights", "weights", type=click.Path(dir_okay=False),
              help="Population margins CSV/Excel (variable, category, target|share|percent) for raking.")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
@click.option("--sheet", help="Excel sheet of the responses (default: the first).")
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
def report(spec, responses, weights, out, lang, sheet, bom) -> None:
    """Screen, weight and analyse RESPONSES (CSV/Excel/SPSS export) with the questionnaire SPEC.yaml."""
    from ..survey.demo import write_report_files
    from ..survey.imports import read_responses
    from ..survey.pipeline import analyse
    from ..survey.report import build_report
    from ..survey.spec import load_questionnaire

    with library_errors():
        q = load_questionnaire(spec)
        data = read_responses(responses, q, sheet=sheet)
        analysis = analyse(q, data, margins=weights)
        sections = build_report(analysis, lang=lang)
        out_dir = Path(out)
        files = write_report_files(analysis, sections, out_dir, stem="survey_report", lang=lang, bom=bom)
    if q.synthetic:
        console.print("[bold]SYNTHETIC DATA[/] — the questionnaire is marked synthetic.", highlight=False)
    _print_funnel(analysis.screening.funnel)
    if analysis.raking is not None:
        r = analysis.raking
        console.print(f"Raking: {r.sweeps} sweeps, {'converged' if r.converged else 'NOT converged'}, "
                      f"Kish effective n {r.kish_n:,.0f}, design effect {r.deff:.2f}", highlight=False)
    console.print(f"Wrote {len(files)} files to [bold]{out_dir}[/]", highlight=False)


@command.command("screen")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), help="Write screening_log.csv and funnel.csv here.")
@click.option("--sheet", help="Excel sheet of the responses (default: the first).")
def screen_cmd(spec, responses, out, sheet) -> None:
    """Apply the questionnaire's screening rules to RESPONSES and print the funnel."""
    from ..io.atomic import atomic_write
    from ..io.tables import write_csv
    from ..survey.imports import read_responses
    from ..survey.screening import screen
    from ..survey.spec import load_questionnaire

    with library_errors():
        q = load_questionnaire(spec)
        result = screen(read_responses(responses, q, sheet=sheet), q)
        if out:
            for name, frame in (("screening_log.csv", result.log), ("funnel.csv", result.funnel)):
                with atomic_write(Path(out) / name) as fh:
                    write_csv(fh, frame)
    _print_funnel(result.funnel)


@command.command("demo")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default build/survey-demo, or build/survey-public with --public).")
@click.option("--seed", type=int, default=2024, show_default=True, help="Random seed of the synthetic responses.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
@click.option("--bom", is_flag=True, help="Write CSV files with a UTF-8 BOM (for Excel).")
@click.option("--public", is_flag=True,
              help="The public digital-life survey (5,796 respondents, raked to 2020 census margins) instead of the "
                   "enterprise generative-AI survey.")
def demo(out, seed, lang, bom, public) -> None:
    """Generate and analyse a SYNTHETIC survey: the enterprise generative-AI survey, or with
    --public the public survey of digital life and work."""
    if public:
        from ..survey.public_demo import run_public_demo as run
    else:
        from ..survey.demo import run_demo as run

    out = out or ("build/survey-public" if public else "build/survey-demo")
    with library_errors():
        res = run(out, seed=seed, lang=lang, bom=bom)
    console.print("[bold]SYNTHETIC DEMO DATA[/] — generated responses, not a real survey.", highlight=False)
    _print_funnel(res.funnel)
    console.print(f"Wrote {len(res.files)} files to [bold]{res.out_dir}[/]", highlight=False)


@command.command("sample-size")
@click.option("--margin", type=float, required=True, help="Margin of error as a fraction, e.g. 0.03.")
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Confidence level.")
@click.option("--p", "p", type=float, default=0.5, show_default=True, help="Expected proportion.")
@click.option("--population", type=float, help="Population size for the finite population correction.")
@click.option("--deff", type=float, default=1.0, show_default=True, help="Design effect.")
def sample_size(margin, confidence, p, population, deff) -> None:
    """Minimum sample for a margin of error (n = z^2 p(1-p)/e^2, with fpc)."""
    from ..survey.adequacy import required_sample_size

    with library_errors():
        n = required_sample_size(margin, confidence=confidence, p=p, population=population, deff=deff)
    if n <= 0:
        raise CliError("sample size could not be computed")
    console.print(f"n = {n:,}", highlight=False)
