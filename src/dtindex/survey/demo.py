"""SYNTHETIC demo: an enterprise generative-AI adoption survey generated from the example
questionnaire (``dtindex/examples/survey-genai``), exported in 问卷星 style, then screened,
weighted, estimated and written as report data, an Excel workbook and CSV tables.

Published marginals reproduced exactly in the valid sample (largest-remainder allocation):
company size 24.0 / 38.5 / 29.1 / 7.4 / 0.9 % (<20, 20-100, 101-300, 301-1000, >1000 employees);
city tier 19.5 / 36.8 / 12.1 / 16.6 / 15.0 %; GenAI share of the IT budget
16.63 / 42.19 / 31.17 / 5.72 / 0.14 / 4.16 %. Everything else (industry mix, adoption stage by
size, use cases, challenges, maturity and effect ratings) is invented for the demo. 277 invalid
responses are injected (speeders, failed attention check, straight-liners, duplicate IPs,
incomplete answers, beyond the >1000-employee quota), so the funnel runs 3,164 -> 2,887.
The data are random draws from a seeded generator: SYNTHETIC, not a survey of real firms.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_write
from ..io.tables import write_csv
from .spec import Questionnaire, load_questionnaire

SIZE_SHARES = [24.0, 38.5, 29.1, 7.4, 0.9]
TIER_SHARES = [19.5, 36.8, 12.1, 16.6, 15.0]
BUDGET_SHARES = [16.63, 42.19, 31.17, 5.72, 0.14, 4.16]
N_VALID = 2887
INVALID = {"speeders": 96, "attention": 71, "straightliners": 48, "duplicates": 27, "incomplete": 20, "quota": 15}
INDUSTRY_SHARES = [0.28, 0.16, 0.12, 0.05, 0.11, 0.06, 0.05, 0.06, 0.05, 0.06]
# P(adoption stage | size class): rows = size 1..5, columns = stage 1..5 (invented)
STAGE_BY_SIZE = np.array([[0.14, 0.36, 0.26, 0.19, 0.05],
                          [0.09, 0.30, 0.29, 0.25, 0.07],
                          [0.05, 0.22, 0.30, 0.32, 0.11],
                          [0.03, 0.15, 0.28, 0.38, 0.16],
                          [0.02, 0.10, 0.24, 0.42, 0.22]])
USE_CASE_P = np.array([0.46, 0.38, 0.27, 0.33, 0.52, 0.18, 0.15, 0.03])
CHALLENGE_P = np.array([0.48, 0.41, 0.37, 0.29, 0.33, 0.22, 0.17])
OTHER_TEXTS = np.array(["文化传媒", "农业", "能源", "法律服务", "设计咨询"])
SUGGESTIONS = np.array(["希望有更多行业案例", "降低使用成本", "加强数据安全保障", "提供员工培训", "完善政策支持"])


def example_dir() -> Path:
    return Path(str(resources.files("dtindex") / "examples" / "survey-genai"))


def example_spec() -> Questionnaire:
    return load_questionnaire(example_dir() / "questionnaire.yaml")


def allocate(n: int, shares) -> np.ndarray:
    """Largest-remainder allocation of ``n`` units to categories with the given shares.

    >>> allocate(2887, [24.0, 38.5, 29.1, 7.4, 0.9]).tolist()
    [693, 1113, 841, 214, 26]
    """
    s = np.asarray(shares, dtype=float)
    exact = n * s / s.sum()
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: n - base.sum()]] += 1
    return base


def _exact_sample(rng, n, shares) -> np.ndarray:
    codes = np.repeat(np.arange(1, len(shares) + 1), allocate(n, shares))
    return rng.permutation(codes)


def _draw_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One category (1-based) per row from row-specific probabilities (inverse CDF, vectorised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1) + 1


def _valid_block(rng, n: int, *, exact: bool = True) -> pd.DataFrame:
    """Canonical-coded answers of n valid responses."""
    if exact:
        size = _exact_sample(rng, n, SIZE_SHARES)
        tier = _exact_sample(rng, n, TIER_SHARES)
        budget = _exact_sample(rng, n, BUDGET_SHARES)
    else:
        size = rng.choice(np.arange(1, 6), n, p=np.array(SIZE_SHARES) / sum(SIZE_SHARES))
        tier = rng.choice(np.arange(1, 6), n, p=np.array(TIER_SHARES) / 100)
        budget = rng.choice(np.arange(1, 7), n, p=np.array(BUDGET_SHARES) / sum(BUDGET_SHARES))
    industry = rng.choice(np.arange(1, 11), n, p=INDUSTRY_SHARES)
    province_w = rng.gamma(2.0, 1.0, 31)
    if n >= 31:  # every province at least once
        rest = rng.choice(np.arange(1, 32), n - 31, p=province_w / province_w.sum())
        province = rng.permutation(np.concatenate([np.arange(1, 32), rest]))
    else:
        province = rng.choice(np.arange(1, 32), n, p=province_w / province_w.sum())
    stage = _draw_rows(rng, STAGE_BY_SIZE[size - 1])
    adopting = stage >= 3
    # use cases: more with deeper adoption; at least one for adopters
    lift = 0.6 + 0.2 * (stage - 3)
    uses = (rng.random((n, 8)) < np.clip(USE_CASE_P[None, :] * lift[:, None], 0, 0.95)).astype(float)
    none = adopting & (uses.sum(axis=1) == 0)
    uses[none, np.argmax(USE_CASE_P)] = 1.0
    uses[~adopting] = np.nan
    # challenges: industry shifts the talent/security items; 'no difficulty' is exclusive
    shift = np.zeros((n, 7))
    shift[industry == 4, 2] += 0.2  # finance: data security
    shift[industry == 1, 5] += 0.12  # manufacturing: integration
    shift[industry == 2, 0] -= 0.15  # IT: less talent shortage
    chal = (rng.random((n, 7)) < np.clip(CHALLENGE_P[None, :] + shift, 0.02, 0.95)).astype(float)
    no_diff = rng.random(n) < 0.04
    chal[no_diff] = 0.0
    empty = ~no_diff & (chal.sum(axis=1) == 0)
    chal[empty, 0] = 1.0
    chal = np.column_stack([chal, no_diff.astype(float)])
    # maturity matrix (1-5): latent level by stage, item noise; never all identical
    latent = 1.2 + 0.55 * stage + rng.normal(0, 0.6, n)
    mat = np.clip(np.rint(latent[:, None] + rng.normal(0, 0.7, (n, 6)) + np.array([0.2, 0, -0.1, -0.4, -0.2, -0.1])), 1, 5)
    flat = (mat == mat[:, :1]).all(axis=1)
    mat[flat, 1] = np.where(mat[flat, 1] < 5, mat[flat, 1] + 1, 4)
    # effects (1-4), adopters only; larger firms slightly higher
    eff_latent = 1.6 + 0.35 * (stage - 3) + 0.12 * (size - 1) + rng.normal(0, 0.5, n)
    eff = np.clip(np.rint(eff_latent[:, None] + rng.normal(0, 0.6, (n, 4)) + np.array([0.5, 0.1, -0.3, 0.2])), 1, 4)
    eff[~adopting] = np.nan
    plan = _draw_rows(rng, np.column_stack([0.25 + 0.1 * stage, 0.45 - 0.03 * stage, np.full(n, 0.06),
                                            np.clip(0.3 - 0.05 * stage, 0.05, None)]))
    df = pd.DataFrame({"S1": size, "S2": industry, "S3": tier, "S4": province, "Q1": stage, "Q2": budget})
    for j in range(8):
        df[f"Q3_{j + 1}"] = uses[:, j]
    for j in range(8):
        df[f"Q4_{j + 1}"] = chal[:, j]
    for j in range(6):
        df[f"Q5_{j + 1}"] = mat[:, j]
    for j in range(4):
        df[f"Q6_{j + 1}"] = eff[:, j]
    df["Q7"] = 4
    df["Q8"] = plan
    df["duration"] = np.maximum(95.0, np.rint(rng.lognormal(np.log(300), 0.45, n)))
    df["S2_other"] = np.where(industry == 10, rng.choice(OTHER_TEXTS, n), None)
    df["Q3_other"] = np.where(uses[:, 7] == 1, "内部知识库问答", None)
    df["Q9"] = np.where(rng.random(n) < 0.15, rng.choice(SUGGESTIONS, n), None)
    return df


def generate(seed: int = 2024) -> pd.DataFrame:
    """Coded synthetic responses (valid + injected invalid), one row per submission, with a
    ``kind`` column saying which (if any) screening rule each injected row should fail."""
    rng = np.random.default_rng(seed)
    valid = _valid_block(rng, N_VALID)
    valid["kind"] = "valid"
    start = np.datetime64("2024-03-01T09:00:00")
    span = 30 * 24 * 3600
    valid["t"] = start + rng.integers(0, span, N_VALID).astype("timedelta64[s]")
    octets = np.char.mod("%d", rng.integers(0, 255, (N_VALID, 3)))
    ip = np.char.add(np.char.add(np.char.add("10.", octets[:, 0]), np.char.add(".", octets[:, 1])),
                     np.char.add(".", octets[:, 2]))
    valid["ip"] = np.char.add(ip, np.char.mod(":%d", np.arange(N_VALID)))  # unique per valid response
    blocks = [valid]
    extra_n = sum(v for k, v in INVALID.items() if k not in ("duplicates",))
    base = _valid_block(rng, extra_n, exact=False)
    base["t"] = start + rng.integers(0, span, extra_n).astype("timedelta64[s]")
    base["ip"] = np.char.add("172.16.", np.char.mod("%d", np.arange(extra_n)))
    base["kind"] = ""
    pos = 0
    for kind in ("speeders", "attention", "straightliners", "incomplete"):
        k = INVALID[kind]
        sl = slice(pos, pos + k)
        base.iloc[sl, base.columns.get_loc("kind")] = kind
        pos += k
    b = base["kind"].to_numpy()
    m = b == "speeders"
    base.loc[m, "duration"] = rng.integers(20, 86, m.sum()).astype(float)
    m = b == "attention"
    base.loc[m, "Q7"] = rng.choice([1, 2, 3, 5], m.sum())
    m = b == "straightliners"
    level = rng.integers(1, 6, m.sum()).astype(float)
    for j in range(6):
        base.loc[m, f"Q5_{j + 1}"] = level
    m = np.flatnonzero(b == "incomplete")
    half = len(m) // 2
    base.loc[base.index[m[:half]], "Q8"] = np.nan
    for j in range(8):
        base.loc[base.index[m[half:]], f"Q4_{j + 1}"] = np.nan
    m = np.flatnonzero(b == "")  # the quota block: firms above 1000 employees submitted last
    base.loc[base.index[m], "kind"] = "quota"
    base.loc[base.index[m], "S1"] = 5
    base.loc[base.index[m], "t"] = start + np.timedelta64(span, "s") + (np.arange(len(m)) * 60).astype("timedelta64[s]")
    blocks.append(base)
    dup = valid.sample(INVALID["duplicates"], random_state=seed).copy()
    dup["kind"] = "duplicates"
    dup["t"] = dup["t"] + rng.integers(120, 3600, len(dup)).astype("timedelta64[s]")
    blocks.append(dup)
    out = pd.concat(blocks, ignore_index=True).sort_values("t", kind="stable").reset_index(drop=True)
    out.insert(0, "id", np.arange(1, len(out) + 1))
    return out


def _labels(spec: Questionnaire, code: str) -> dict:
    return {o.code: o.label.get("zh") for o in spec.question(code).choices()}


def to_wjx_export(coded: pd.DataFrame, spec: Questionnaire) -> pd.DataFrame:
    """问卷星-style export (按文本): option text in cells, multi-choice Q3 joined by ┋, Q4 as 0/1
    columns, maturity grid as labels, effect grid as numbers, skipped questions as (跳过)."""
    out = pd.DataFrame({"序号": coded["id"].astype(str),
                        "提交答卷时间": pd.to_datetime(coded["t"]).dt.strftime("%Y/%m/%d %H:%M:%S"),
                        "所用时间": coded["duration"].astype(int).astype(str) + "秒",
                        "来源": "手机提交", "来源IP": coded["ip"]})
    for code in ("S1", "S2", "S3", "S4", "Q1", "Q2"):
        q = spec.question(code)
        text = coded[code].map(_labels(spec, code))
        if code == "S2":
            other = coded["S2_other"].notna()
            text = text.where(~other, text + "〖" + coded["S2_other"].fillna("") + "〗")
        out[f"{q.column}、{q.text.get('zh')}"] = text
    q3 = spec.question("Q3")
    lab = _labels(spec, "Q3")
    block = coded[[f"Q3_{j}" for j in range(1, 9)]].to_numpy()
    chosen = pd.DataFrame(np.where(block == 1, [lab[j] for j in range(1, 9)], ""), index=coded.index)
    chosen[7] = np.where(block[:, 7] == 1, lab[8] + "〖" + coded["Q3_other"].fillna("").to_numpy() + "〗", "")
    joined = chosen.apply(lambda col: col + "┋").sum(axis=1).str.replace("┋+", "┋", regex=True).str.strip("┋")
    joined = joined.where(~np.isnan(block).all(axis=1), "(跳过)")
    out[f"{q3.column}、{q3.text.get('zh')}"] = joined
    q4 = spec.question("Q4")
    for j, o in enumerate(q4.options, start=1):
        vals = coded[f"Q4_{j}"]
        out[f"{q4.column}({o.label.get('zh')})"] = vals.map({1.0: "1", 0.0: "0"}).fillna("(跳过)")
    q5 = spec.question("Q5")
    scale5 = {float(o.code): o.label.get("zh") for o in q5.scale.options()}
    for it in q5.items:
        out[f"{q5.column}({it.text.get('zh')})"] = coded[it.code].map(scale5).fillna("(跳过)")
    q6 = spec.question("Q6")
    for it in q6.items:
        v = coded[it.code]
        out[f"{q6.column}({it.text.get('zh')})"] = v.astype("Int64").astype(str).where(v.notna(), "(跳过)")
    for code in ("Q7", "Q8"):
        q = spec.question(code)
        out[f"{q.column}、{q.text.get('zh')}"] = coded[code].map(_labels(spec, code)).fillna("(跳过)")
    q9 = spec.question("Q9")
    out[f"{q9.column}、{q9.text.get('zh')}"] = coded["Q9"].fillna("(空)")
    return out


def write_excel(frame: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> Path:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False, sheet_name=sheet)
    with atomic_write(path, mode="wb") as fh:
        fh.write(buf.getvalue())
    return Path(path)


@dataclass
class DemoResult:
    out_dir: Path
    files: list[Path]
    funnel: pd.DataFrame
    sections: list


def run_demo(out_dir: str | Path, *, seed: int = 2024, lang: str = "zh", bom: bool = False) -> DemoResult:
    """Generate, export, screen, weight, estimate and write the SYNTHETIC demo survey report."""
    from .pipeline import analyse
    from .report import build_report

    out = Path(out_dir)
    spec = example_spec()
    coded = generate(seed)
    export = to_wjx_export(coded, spec)
    responses_path = write_excel(export, out / "responses_SYNTHETIC.xlsx")
    analysis = analyse(spec, responses_path, margins=example_dir() / "margins.csv")
    sections = build_report(analysis, lang=lang)
    files = [responses_path, *write_report_files(analysis, sections, out, stem="survey_report_SYNTHETIC",
                                                 lang=lang, bom=bom)]
    return DemoResult(out, files, analysis.screening.funnel, sections)


def report_title(spec: Questionnaire, lang: str) -> str:
    """The questionnaire title, marked synthetic when the questionnaire is."""
    if not spec.synthetic:
        return spec.title.get(lang)
    return spec.title.get(lang) + ("（合成数据 SYNTHETIC）" if lang == "zh" else " — SYNTHETIC")


def write_report_files(analysis, sections, out: Path, *, stem: str, lang: str, bom: bool = False) -> list[Path]:
    """Workbook and HTML page (shared report renderers), JSON twin, CSV tables, screening log,
    funnel and weights of one analysed survey."""
    from ..report.survey import write_survey_excel, write_survey_html
    from .excel import write_report_json, write_tables_csv

    spec = analysis.spec
    title = report_title(spec, lang)
    files = [write_survey_excel(sections, out / f"{stem}.xlsx", title=title, lang=lang, synthetic=spec.synthetic),
             write_survey_html(sections, out / f"{stem}.html", title=title, lang=lang, synthetic=spec.synthetic),
             write_report_json(sections, out / "report.json")]
    files += write_tables_csv(sections, out / "tables", bom=bom)
    files += _write_run_files(analysis, out, bom=bom)
    return files


def _write_run_files(analysis, out: Path, *, bom: bool = False) -> list[Path]:
    """Screening log, funnel and the final weights of the valid responses."""
    written = []
    weights = pd.DataFrame({"respondent_id": analysis.valid["respondent_id"], "source_row": analysis.valid["source_row"],
                            "weight": analysis.design.weights.to_numpy()})
    for name, frame in (("screening_log.csv", analysis.screening.log), ("funnel.csv", analysis.screening.funnel),
                        ("weights.csv", weights)):
        with atomic_write(out / name) as fh:
            if bom:
                fh.write("\ufeff")
            write_csv(fh, frame)
        written.append(out / name)
    return written
