"""SYNTHETIC demo: a public survey of digital life and work (``dtindex survey demo --public``).

A seeded generator draws a synthetic population of residents aged 15 and over (age band x gender
in the proportions of the 7th national population census, 《中国人口普查年鉴-2020》 table 1-5;
provinces in proportion to their census population aged 15 and over, same table; city tier,
education and occupation invented but plausibly related to age and region), then
draws 5,796 valid respondents with a realistic online-survey NON-RESPONSE SKEW: the chance to
respond rises for the young, for residents of large cities and for the better educated
(Efraimidis-Spirakis weighted sampling without replacement, keys ``u^(1/p)``). Answers depend on
a latent "digital intensity" driven by the same traits plus noise. 308 invalid submissions are
injected (speeders, failed attention check, duplicate devices, incomplete answers), so the
funnel runs 6,104 -> 5,796.

The responses are exported as a code-valued CSV (按序号 export), read back, screened, raked to
the census margins of age band x gender (joint) and region (``examples/survey-public/
census2020_margins.csv``) and reported with weighted vs unweighted comparisons and generated
findings. Every number describes random draws, not real people: SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_write
from ..io.tables import write_csv
from .spec import Questionnaire, load_questionnaire

N_VALID = 5796
INVALID = {"speeders": 142, "attention": 97, "duplicates": 38, "incomplete": 31}
EAST = {1, 2, 3, 9, 10, 11, 13, 15, 19, 21}
NORTHEAST = {6, 7, 8}
# invented: P(city tier | east / elsewhere), P(education | age band)
TIER_EAST = np.array([0.13, 0.17, 0.17, 0.20, 0.33])
TIER_REST = np.array([0.02, 0.10, 0.16, 0.24, 0.48])
EDU_BY_AGE = np.array([[0.15, 0.30, 0.22, 0.28, 0.05],
                       [0.22, 0.22, 0.22, 0.27, 0.07],
                       [0.35, 0.23, 0.18, 0.20, 0.04],
                       [0.55, 0.24, 0.11, 0.09, 0.01],
                       [0.68, 0.20, 0.07, 0.05, 0.00],
                       [0.78, 0.15, 0.04, 0.03, 0.00]])
# response propensity (log scale) by age band, city tier and education: the non-response skew
LOGP_AGE = np.array([0.7, 0.8, 0.4, 0.0, -0.6, -1.2])
LOGP_TIER = np.array([0.8, 0.6, 0.3, 0.0, -0.5])
LOGP_EDU = np.array([-1.0, -0.4, 0.2, 0.5, 0.7])


def example_dir() -> Path:
    return Path(str(resources.files("dtindex") / "examples" / "survey-public"))


def example_spec() -> Questionnaire:
    return load_questionnaire(example_dir() / "questionnaire.yaml")


def province_shares() -> np.ndarray:
    """Census 2020 share of the 31 provinces (option codes 1..31) in the residents aged 15 and over."""
    frame = pd.read_csv(example_dir() / "census2020_provinces.csv")
    pop = frame.sort_values("code")["population_15plus"].to_numpy(dtype=float)
    return pop / pop.sum()


def age_sex_shares(spec: Questionnaire | None = None) -> np.ndarray:
    """Census 2020 shares of the age band (rows: A2 codes 1..6) x gender (columns: A1 male, female)
    cells among residents aged 15 and over: the joint margin of ``census2020_margins.csv``."""
    spec = spec or example_spec()
    age = {o.label.get("zh"): o.code for o in spec.question("A2").choices()}
    sex = {o.label.get("zh"): o.code for o in spec.question("A1").choices()}
    m = pd.read_csv(example_dir() / "census2020_margins.csv")
    m = m[m["variable"] == "A2*A1"]
    out = np.zeros((len(age), len(sex)))
    for cat, count in zip(m["category"], m["census_count"]):
        a, s = cat.split("*")
        out[age[a] - 1, sex[s] - 1] = count
    return out / out.sum()


def _draw_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One category (1-based) per row from row-specific probabilities (inverse CDF, vectorised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1) + 1


def _ordinal(rng, latent: np.ndarray, cuts) -> np.ndarray:
    """Categories 1..len(cuts)+1 of ``latent`` plus logistic noise cut at ``cuts``."""
    x = latent + rng.logistic(0, 0.6, len(latent))
    return np.searchsorted(np.asarray(cuts, dtype=float), x) + 1


def _population(rng, m: int) -> pd.DataFrame:
    cells = age_sex_shares()
    cell = rng.choice(cells.size, m, p=cells.ravel())
    age, gender = cell // cells.shape[1] + 1, cell % cells.shape[1] + 1
    province = rng.choice(np.arange(1, 32), m, p=province_shares())
    east = np.isin(province, list(EAST))
    tier = _draw_rows(rng, np.where(east[:, None], TIER_EAST[None, :], TIER_REST[None, :]))
    edu = _draw_rows(rng, EDU_BY_AGE[age - 1])
    # occupation: students among the young, retired among the old, otherwise by education
    work_p = np.array([[0.03, 0.05, 0.06, 0.16, 0.22, 0.12, 0.16, 0.00, 0.00, 0.20],
                       [0.03, 0.08, 0.10, 0.22, 0.22, 0.05, 0.14, 0.00, 0.00, 0.16],
                       [0.05, 0.20, 0.18, 0.20, 0.13, 0.02, 0.12, 0.00, 0.00, 0.10],
                       [0.09, 0.34, 0.20, 0.14, 0.07, 0.01, 0.10, 0.00, 0.00, 0.05],
                       [0.12, 0.48, 0.16, 0.07, 0.03, 0.00, 0.10, 0.00, 0.00, 0.04]])
    occ = _draw_rows(rng, work_p[edu - 1])
    student = (age == 1) & (rng.random(m) < 0.45)
    retired = ((age == 5) & (rng.random(m) < 0.70)) | ((age == 6) & (rng.random(m) < 0.93))
    occ = np.where(student, 8, np.where(retired, 9, occ))
    return pd.DataFrame({"A1": gender, "A2": age, "A3": province, "A4": tier, "A5": edu, "A6": occ})


def _answers(rng, people: pd.DataFrame) -> pd.DataFrame:
    n = len(people)
    age, tier, edu, occ = (people[c].to_numpy() for c in ("A2", "A4", "A5", "A6"))
    working = occ <= 7
    digital = (np.array([0.9, 0.8, 0.4, 0.0, -0.8, -1.4])[age - 1] + np.array([0.6, 0.5, 0.2, 0.0, -0.4])[tier - 1]
               + np.array([-0.9, -0.4, 0.2, 0.6, 0.9])[edu - 1]
               + np.array([0.5, 0.7, 0.4, 0.0, -0.3, -0.7, 0.2, 0.6, -0.6, -0.3])[occ - 1]
               + rng.normal(0, 0.5, n))
    out = people.copy()
    # generative AI: 1 daily ... 5 never
    out["Q3"] = _ordinal(rng, -digital, [-2.2, -0.9, 0.0, 1.0])
    weekly = out["Q3"].to_numpy() <= 2
    base = np.array([1.6, 0.5, 0.3, 0.2, -0.9, -1.0])
    tools = (rng.random((n, 6)) < 1 / (1 + np.exp(-(base[None, :] + 0.9 * digital[:, None])))).astype(float)
    tools[:, 5] = np.where(weekly, rng.random(n) < 0.85, rng.random(n) < 0.08)
    none = tools.sum(axis=1) == 0
    tools = np.column_stack([tools, none.astype(float)])
    tools[~working] = np.nan
    for j in range(7):
        out[f"Q1_{j + 1}"] = tools[:, j]
    base = np.array([2.6, 2.2, 0.2, 0.3, 0.6, 1.5, 1.8])
    life = (rng.random((n, 7)) < 1 / (1 + np.exp(-(base[None, :] + 0.8 * digital[:, None])))).astype(float)
    life[life.sum(axis=1) == 0, 0] = 1.0
    for j in range(7):
        out[f"Q2_{j + 1}"] = life[:, j]
    prof = np.isin(occ, [1, 2, 3])
    out["Q4"] = np.where(working, _ordinal(rng, digital + 0.4 * prof, [-1.4, -0.3, 0.9, 1.9]), np.nan)
    out["Q5"] = np.where(working, _ordinal(rng, digital - 0.3, [-0.9, 0.3, 1.4, 2.4]), np.nan)
    out["Q6"] = _ordinal(rng, 0.8 * digital + 0.3, [-1.8, -0.8, 0.3, 1.4])
    exposed = np.isin(occ, [3, 4, 5]).astype(float) * 0.8 + (age == 3) * 0.3 + (age == 4) * 0.2
    out["Q7"] = _ordinal(rng, exposed - 0.3 * (occ >= 8) + 0.15 * digital, [-1.2, -0.1, 0.8, 1.8])
    out["Q8"] = 4
    out["duration"] = np.maximum(65.0, np.rint(rng.lognormal(np.log(240), 0.45, n)))
    return out


def generate(seed: int = 2024) -> pd.DataFrame:
    """Coded SYNTHETIC submissions (valid + injected invalid), one row each, with a ``kind``
    column naming the screening rule an injected row should fail (``valid`` otherwise)."""
    rng = np.random.default_rng(seed)
    extra = INVALID["speeders"] + INVALID["attention"] + INVALID["incomplete"]
    pool = _population(rng, 60_000)
    logp = (LOGP_AGE[pool["A2"].to_numpy() - 1] + LOGP_TIER[pool["A4"].to_numpy() - 1]
            + LOGP_EDU[pool["A5"].to_numpy() - 1])
    # weighted sampling without replacement: the largest keys log(u) / p
    keys = np.log(rng.random(len(pool))) / np.exp(logp)
    take = np.argsort(-keys, kind="stable")[: N_VALID + extra]
    people = pool.iloc[np.sort(take)].reset_index(drop=True)
    rows = _answers(rng, people)
    rows["kind"] = "valid"
    bad = rng.permutation(len(rows))[:extra]
    kinds = np.repeat(["speeders", "attention", "incomplete"],
                      [INVALID["speeders"], INVALID["attention"], INVALID["incomplete"]])
    rows.loc[bad, "kind"] = kinds
    k = rows["kind"].to_numpy()
    rows.loc[k == "speeders", "duration"] = rng.integers(15, 55, (k == "speeders").sum()).astype(float)
    rows.loc[k == "attention", "Q8"] = rng.choice([1, 2, 3, 5], (k == "attention").sum())
    rows.loc[k == "incomplete", "Q6"] = np.nan
    rows["device"] = np.char.mod("dev-%06d", rng.permutation(len(rows)))
    start = np.datetime64("2024-06-01T08:00:00")
    rows["t"] = start + rng.integers(0, 21 * 24 * 3600, len(rows)).astype("timedelta64[s]")
    dup = rows[rows["kind"] == "valid"].sample(INVALID["duplicates"], random_state=seed).copy()
    dup["kind"] = "duplicates"
    dup["t"] = dup["t"] + rng.integers(60, 3600, len(dup)).astype("timedelta64[s]")
    out = pd.concat([rows, dup], ignore_index=True).sort_values("t", kind="stable").reset_index(drop=True)
    out.insert(0, "respondent_id", np.char.mod("P%05d", np.arange(1, len(out) + 1)))
    return out


def to_export(coded: pd.DataFrame, spec: Questionnaire) -> pd.DataFrame:
    """A code-valued platform export (按序号): one column per question / option, empty cells for
    skipped questions."""
    cols = ["respondent_id"] + [c for q in spec.questions for c in q.columns()]
    out = coded[cols].copy()
    for c in cols[1:]:
        v = out[c]
        out[c] = v.astype("Int64").astype(str).where(v.notna(), "")
    out["duration"] = coded["duration"].astype(int).astype(str)
    out["submitted"] = pd.to_datetime(coded["t"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    out["device"] = coded["device"]
    return out


@dataclass
class PublicDemo:
    out_dir: Path
    files: list[Path]
    funnel: pd.DataFrame
    sections: list
    analysis: object


def run_public_demo(out_dir: str | Path, *, seed: int = 2024, lang: str = "zh", bom: bool = False) -> PublicDemo:
    """Generate, screen, rake to the census margins, analyse and write the SYNTHETIC public survey."""
    from .demo import write_report_files
    from .pipeline import analyse
    from .report import build_report

    out = Path(out_dir)
    spec = example_spec()
    export = to_export(generate(seed), spec)
    path = out / "responses_SYNTHETIC.csv"
    with atomic_write(path) as fh:
        write_csv(fh, export)
    analysis = analyse(spec, path, margins=example_dir() / "census2020_margins.csv")
    sections = build_report(analysis, lang=lang)
    files = [path, *write_report_files(analysis, sections, out, stem="public_survey_SYNTHETIC", lang=lang, bom=bom)]
    return PublicDemo(out, files, analysis.screening.funnel, sections, analysis)
