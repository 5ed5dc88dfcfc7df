"""Expert-scoring weights and Kendall's coefficient of concordance.

This is the weighting used by the Tencent Research Institute's Digital
Transformation Index (数字化转型指数报告 2022, section "赋权"): each expert,
independently and without discussion ("背对背"), scores every indicator from
1 (very unimportant) to 5 (very important); within each parent group the
weight of indicator ``j`` is its share of the group's total score::

    w_j = sum_i a_ij / sum_{l in group} sum_i a_il

where ``a_ij`` is the score of expert ``i`` for indicator ``j``.

How far the experts agree is reported with Kendall's W (with the tie
correction, since experts give equal scores to several indicators) per
group and over all indicators.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import DataError, DtindexWarning, SpecError, describe_rows

__all__ = [
    "EXPERT_SCALES", "ExpertResult", "KendallW", "OVERALL", "expert_weights", "kendall_w", "read_expert_scores",
    "scale_label",
]

#: Label of the concordance row computed over all indicators together.
OVERALL = "(all)"
#: Named scoring scales: name -> (lowest, highest, whole numbers only). ``1-5`` is the Tencent DTI
#: scale (the default); ``percent`` takes any number from 0 to 100 (e.g. points shares an expert assigns).
EXPERT_SCALES: dict[str, tuple[float, float, bool]] = {
    "1-5": (1, 5, True),
    "1-6": (1, 6, True),
    "1-9": (1, 9, True),
    "0-10": (0, 10, True),
    "percent": (0, 100, False),
}


@dataclass(frozen=True)
class KendallW:
    """Kendall's coefficient of concordance of ``m`` judges ranking ``n`` items.

    ``kendall_w``, ``chi2`` and ``p_value`` are NaN when undefined (fewer
    than 2 judges or 2 items, or every judge tying all items).
    """

    m: int
    n: int
    kendall_w: float
    chi2: float
    df: int
    p_value: float
    S: float
    ties: float


@dataclass(frozen=True, eq=False)
class ExpertResult:
    """Result of :func:`expert_weights`.

    Attributes
    ----------
    weights : pandas.Series
        Weight per node code (index), summing to 1 within each group; groups
        in the order of ``groups``, children in their listed order.
    table : pandas.DataFrame
        Per node (index = code): ``parent``, ``n_experts``, ``sum``, ``mean``,
        ``sd`` (sample sd, ddof = 1; NaN for one expert), ``cv`` (sd / mean),
        ``weight``.
    concordance : pandas.DataFrame
        One row per group plus a last row with ``parent == OVERALL`` over all
        indicators: ``parent``, ``n_experts`` (m), ``n_items`` (n),
        ``kendall_w``, ``chi2``, ``df``, ``p_value``.
    scores : pandas.DataFrame
        The validated scores (float), columns in node order.
    """

    weights: pd.Series
    table: pd.DataFrame
    concordance: pd.DataFrame
    scores: pd.DataFrame


def kendall_w(ratings) -> KendallW:
    """Kendall's W with the correction for tied ranks.

    ``ratings`` has one row per judge (expert) and one column per item. Each
    judge's ratings are turned into ranks (average ranks for ties), then::

        R_j = sum_i r_ij                      (rank sum of item j)
        S   = sum_j (R_j - m (n + 1) / 2)^2
        T_i = sum over tie groups of judge i of (t^3 - t)
        W   = 12 S / (m^2 (n^3 - n) - m sum_i T_i)
        chi2 = m (n - 1) W,  df = n - 1,  p = P(chi2_df >= chi2)

    (Kendall & Babington Smith 1939; Siegel & Castellan 1988; Legendre 2005.)
    The chi-square statistic equals Friedman's tie-corrected statistic.
    The direction of the ratings (high = important) does not affect W.

    Parameters
    ----------
    ratings : array_like, shape (m, n)
        Numeric, no NaN.

    Returns
    -------
    KendallW

    Examples
    --------
    >>> r = kendall_w([[1, 2, 3], [1, 3, 2], [1, 2, 3]])
    >>> round(r.kendall_w, 4), r.df
    (0.7778, 2)
    """
    X = np.asarray(ratings, dtype=float)
    if X.ndim != 2:
        raise DataError(f"kendall_w: ratings must be 2-D (judges x items); got shape {X.shape}.")
    if np.isnan(X).any():
        raise DataError("kendall_w: ratings hold missing values.")
    m, n = X.shape
    df = max(n - 1, 0)
    nan = float("nan")
    if m < 2 or n < 2:
        return KendallW(m, n, nan, nan, df, nan, nan, nan)
    # scipy.special (the chi-square survival function scipy.stats.chi2.sf itself calls) imports in about
    # a third of the time of scipy.stats, which takes longer to import than a whole build
    from scipy.special import chdtrc

    from .rank import rank_rows

    ranks = rank_rows(X, "average")  # average ranks of ties, as scipy.stats.rankdata
    R = ranks.sum(axis=0)
    S = float(((R - m * (n + 1) / 2.0) ** 2).sum())
    # sum over tie groups of (t^3 - t) == sum over items of (t_item^2 - 1),
    # t_item being the size of the item's tie group: vectorised over judges.
    t_item = (X[:, :, None] == X[:, None, :]).sum(axis=2)
    T = float((t_item.astype(float) ** 2 - 1.0).sum())
    denom = m * m * (n**3 - n) - m * T
    if denom <= 0:  # every judge tied all items: no ranking information
        return KendallW(m, n, nan, nan, df, nan, S, T)
    W = 12.0 * S / denom
    chi2 = m * (n - 1) * W
    return KendallW(m, n, W, chi2, df, float(chdtrc(df, chi2)), S, T)


def expert_weights(
    scores: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    source: str | None = None,
    scale: tuple[int, int] | str = (1, 5),
) -> ExpertResult:
    """Weights from independent expert importance scores (Tencent DTI method).

    Within each parent group::

        w_j = sum_i a_ij / sum_{l in group} sum_i a_il

    plus per-node descriptive statistics (``cv = sd / mean`` with the sample
    sd, ddof = 1) and Kendall's W per group and overall (see
    :func:`kendall_w`).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per expert (index = expert id, unique), one column per
        indicator / node code; integer scores within ``scale``.
    groups : mapping of str to sequence of str
        Parent code -> its children codes. Every column must belong to exactly
        one group and every child must have a column.
    source : str, optional
        Name used in messages (e.g. the file name). Default:
        ``scores.attrs["source"]`` (set by :func:`read_expert_scores`), else
        ``"scores"``.
    scale : (int, int) or str
        Lowest and highest allowed whole-number score, default (1, 5); or the
        name of a scale in :data:`EXPERT_SCALES` (``"1-5"``, ``"1-6"``,
        ``"1-9"``, ``"0-10"``; ``"percent"`` allows any number 0..100). A
        group whose scores are all 0 has no weights (an error).

    Row numbers in messages count as in the file: the header is row 1 and
    the first expert is row 2 (the file's own row numbers when the frame
    comes from :func:`read_expert_scores`).

    Returns
    -------
    ExpertResult

    Raises
    ------
    SpecError
        Malformed ``groups`` (empty group, child listed twice) or ``scale``.
    DataError
        Missing, non-numeric, non-integer or out-of-scale scores (naming the
        row, expert, column and value), duplicate expert ids or columns,
        columns outside every group, group children without a column.

    Warns
    -----
    DtindexWarning
        A single expert (concordance undefined, weights rest on one opinion);
        a group in which every expert gave all children the same score.

    Examples
    --------
    >>> s = pd.DataFrame({"a": [5, 4], "b": [3, 4]}, index=["E1", "E2"])
    >>> expert_weights(s, {"G": ["a", "b"]}).weights.tolist()
    [0.5625, 0.4375]
    """
    if not isinstance(scores, pd.DataFrame):
        raise DataError(
            f"expert scores must be a pandas DataFrame (experts x indicators); got {type(scores).__name__}."
        )
    src = source if source is not None else str(scores.attrs.get("source", "scores"))
    lo, hi, integer = _check_scale(scale)
    groups = _check_groups(groups)
    if scores.shape[0] == 0:
        raise DataError(f"{src}: no expert rows.")
    cols = [str(c) for c in scores.columns]
    ids = [str(i) for i in scores.index]
    rownos = _row_numbers(scores)
    dup_c = sorted({c for c in cols if cols.count(c) > 1})
    if dup_c:
        raise DataError(f"{src}: duplicate column(s) {describe_rows(dup_c)}.")
    _refuse_duplicate_ids(ids, rownos, src)
    codes = [c for children in groups.values() for c in children]
    missing = [c for c in codes if c not in cols]
    if missing:
        raise DataError(
            f"{src}: no score column for node(s) {describe_rows(missing)}; available columns: {', '.join(cols)}."
        )
    stray = [c for c in cols if c not in set(codes)]
    if stray:
        raise DataError(
            f"{src}: column(s) {describe_rows(stray)} belong to no group; groups: "
            + "; ".join(f"{p}: {', '.join(ch)}" for p, ch in groups.items())
            + ". Add them to a group or remove the columns."
        )
    frame = scores.copy()
    frame.columns = cols
    frame = frame[codes]
    A = _validate_scores(frame, ids, rownos, src, lo, hi, integer)
    m = A.shape[0]
    if m == 1:
        warnings.warn(
            f"{src}: only one expert ({ids[0]}) scored the indicators; Kendall's W cannot be computed (NaN) and "
            "the weights rest on a single opinion.",
            DtindexWarning,
            stacklevel=2,
        )

    col_of = {c: k for k, c in enumerate(codes)}
    sums = A.sum(axis=0)
    means = A.mean(axis=0)
    sd = A.std(axis=0, ddof=1) if m > 1 else np.full(len(codes), np.nan)
    weights = np.empty(len(codes))
    parents: list[str] = []
    conc_rows = []
    for parent, children in groups.items():
        idx = [col_of[c] for c in children]
        if sums[idx].sum() <= 0:
            raise DataError(f"{src}: every expert scored every child of group {parent} 0, so its weights are undefined.")
        weights[idx] = sums[idx] / sums[idx].sum()
        parents.extend([parent] * len(idx))
        kw = kendall_w(A[:, idx])
        if m > 1 and len(idx) > 1 and math.isnan(kw.kendall_w):
            warnings.warn(
                f"{src}: in group {parent} every expert gave all children the same score; Kendall's W is "
                "undefined (NaN) there.",
                DtindexWarning,
                stacklevel=2,
            )
        conc_rows.append(_conc_row(parent, kw))
    conc_rows.append(_conc_row(OVERALL, kendall_w(A)))

    index = pd.Index(codes, name="code")
    table = pd.DataFrame(
        {
            "parent": parents,
            "n_experts": np.full(len(codes), m, dtype=int),
            "sum": sums,
            "mean": means,
            "sd": sd,
            "cv": sd / means,
            "weight": weights,
        },
        index=index,
    )
    concordance = pd.DataFrame(
        conc_rows, columns=["parent", "n_experts", "n_items", "kendall_w", "chi2", "df", "p_value"]
    )
    validated = pd.DataFrame(A, index=pd.Index(ids, name=scores.index.name), columns=pd.Index(codes))
    return ExpertResult(
        weights=pd.Series(weights, index=index, name="weight"),
        table=table,
        concordance=concordance,
        scores=validated,
    )


def _conc_row(parent: str, kw: KendallW) -> dict:
    return {
        "parent": parent,
        "n_experts": kw.m,
        "n_items": kw.n,
        "kendall_w": kw.kendall_w,
        "chi2": kw.chi2,
        "df": kw.df,
        "p_value": kw.p_value,
    }


def _check_scale(scale) -> tuple[float, float, bool]:
    if isinstance(scale, str):
        if scale not in EXPERT_SCALES:
            raise SpecError(
                f"expert scores: unknown scale {scale!r}; scales are {', '.join(EXPERT_SCALES)} "
                "(or a pair of whole numbers lowest, highest)."
            )
        return EXPERT_SCALES[scale]
    try:
        lo, hi = scale
    except (TypeError, ValueError):
        raise SpecError(f"expert scores: scale must be a pair (lowest, highest); got {scale!r}.") from None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)) or lo >= hi:
        raise SpecError(f"expert scores: scale must be two integers with lowest < highest; got {scale!r}.")
    if lo < 0:
        raise SpecError(f"expert scores: scores are importance shares and cannot be negative; got scale {scale!r}.")
    return int(lo), int(hi), True


def scale_label(scale) -> str:
    """How a scale is shown to a reader: ``1–5``, ``0–100 (percent)``.

    >>> scale_label("percent"), scale_label((1, 9))
    ('0–100 (percent)', '1–9')
    """
    lo, hi, _ = _check_scale(scale)
    text = f"{lo:g}–{hi:g}"
    return f"{text} (percent)" if scale == "percent" else text


def _check_groups(groups) -> dict[str, list[str]]:
    if not isinstance(groups, Mapping) or not groups:
        raise SpecError("expert scores: groups must be a non-empty mapping parent code -> children codes.")
    out: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for parent, children in groups.items():
        if isinstance(children, str) or not isinstance(children, Sequence):
            raise SpecError(f"expert scores: children of group {parent} must be a list of codes; got {children!r}.")
        kids = [str(c) for c in children]
        if not kids:
            raise SpecError(f"expert scores: group {parent} has no children.")
        for c in kids:
            if c in seen:
                where = (
                    f"twice in group {parent}"
                    if seen[c] == str(parent)
                    else f"in group {parent} and also in group {seen[c]}"
                )
                raise SpecError(f"expert scores: node {c} is listed {where}; a node has one parent.")
            seen[c] = str(parent)
        out[str(parent)] = kids
    return out


def _row_numbers(scores: pd.DataFrame) -> list[int]:
    rows = scores.attrs.get("file_rows")
    if rows is not None and len(rows) == scores.shape[0]:
        return [int(r) for r in rows]
    return list(range(2, scores.shape[0] + 2))


def _refuse_duplicate_ids(ids: list[str], rownos: list[int], src: str) -> None:
    seen: dict[str, list[int]] = {}
    for i, r in zip(ids, rownos):
        seen.setdefault(i, []).append(r)
    dups = [f"{i} (rows {', '.join(map(str, rs))})" for i, rs in seen.items() if len(rs) > 1]
    if dups:
        raise DataError(f"{src}: duplicate expert id(s) {describe_rows(dups)}; each expert must appear once.")


def _validate_scores(frame: pd.DataFrame, ids, rownos, src: str, lo: float, hi: float,
                     integer: bool = True) -> np.ndarray:
    cols = list(frame.columns)
    raw = frame.to_numpy(dtype=object)
    num = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    empty = pd.isna(frame).to_numpy()
    problems: list[str] = []

    def at(i: int, j: int, what: str) -> str:
        return f"{src} row {rownos[i]} (expert {ids[i]}): {what} in column {cols[j]}"

    for i, j in np.argwhere(empty):
        problems.append(at(i, j, "missing value") + " (every expert must score every indicator)")
    for i, j in np.argwhere(~empty & np.isnan(num)):
        problems.append(at(i, j, f'value "{raw[i, j]}"') + " is not a number")
    ok = ~np.isnan(num)
    with np.errstate(invalid="ignore"):
        nonint = ok & (np.abs(num - np.round(num)) > 1e-9) if integer else np.zeros_like(ok)
        outside = ok & ~nonint & ((num < lo) | (num > hi))
    for i, j in np.argwhere(nonint):
        problems.append(at(i, j, f"value {num[i, j]:g}") + f" is not a whole number ({lo:g}–{hi:g})")
    for i, j in np.argwhere(outside):
        problems.append(at(i, j, f"value {num[i, j]:g}") + f" is outside {lo:g}–{hi:g}")
    if problems:
        shown = "; ".join(problems[:10])
        more = f"; and {len(problems) - 10} more problem(s)" if len(problems) > 10 else ""
        raise DataError(shown + more + ".")
    return num


# ---------------------------------------------------------------------------
# reading a scoring sheet
# ---------------------------------------------------------------------------


def read_expert_scores(path, *, expert_column: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read an expert scoring sheet (CSV or Excel).

    Layout: row 1 is the header; one row per expert after it; the expert id
    column (default: the first column, e.g. ``expert``) and one column per
    indicator / node code holding that expert's score.

    A workbook made by ``dtindex init`` (a ``说明 readme`` sheet, then one sheet per
    expert with the columns ``iCode`` and ``评分 score``) is read by
    :func:`dtindex.io.workbook.read_expert_workbook` instead.

    Row numbers in messages are the row numbers the user sees in the file:
    the header is row 1 and the first expert is row 2. Completely empty rows
    (e.g. trailing blank lines) hold no data and are skipped; the numbering
    still counts them.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8, with or without BOM) or ``.xlsx``/``.xlsm``.
    expert_column : str, optional
        Header of the expert id column; default the first column.
    sheet : str or int, optional
        Excel sheet name or 0-based position; default the first sheet.

    Returns
    -------
    pandas.DataFrame
        Index = expert ids (str, named after the id column), columns = codes,
        float scores (NaN for empty cells, which :func:`expert_weights`
        reports). ``attrs["source"]`` holds the file name and
        ``attrs["file_rows"]`` each expert's row number, so that later
        messages point into the file.

    Raises
    ------
    DataError
        Missing file, unsupported type or sheet, empty or duplicate headers,
        unknown ``expert_column``, empty or duplicate expert ids, and
        non-numeric cells: ``scores.csv row 3: value "x" in column cloud is
        not a number``.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"expert scoring sheet {p} does not exist.")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        try:
            raw = pd.read_csv(p, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                              skip_blank_lines=False)
        except UnicodeDecodeError:
            raise DataError(f"{p.name} is not UTF-8 text; save it as CSV UTF-8.") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{p.name} is empty.") from None
        except pd.errors.ParserError as exc:
            raise DataError(f"{p.name} is not a valid CSV file: {exc}") from None
    elif suffix in (".xlsx", ".xlsm"):
        from ..io.workbook import is_template, read_expert_workbook

        if sheet is None and expert_column is None and is_template(p):
            return read_expert_workbook(p)  # dtindex init's template: one sheet per expert
        try:
            book = pd.ExcelFile(p)
        except Exception as exc:  # openpyxl raises many types for a corrupt file
            raise DataError(f"{p.name} could not be read as Excel: {exc}") from None
        with book:
            names = book.sheet_names
            if sheet is None:
                sheet = 0
            if isinstance(sheet, int) and not 0 <= sheet < len(names) or isinstance(sheet, str) and sheet not in names:
                raise DataError(f"{p.name}: no sheet {sheet!r}; sheets: {', '.join(names)}.")
            raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object, keep_default_na=False)
    else:
        raise DataError(f"{p.name}: unsupported file type {p.suffix!r}; use .csv, .xlsx or .xlsm.")
    return _parse_sheet(raw.to_numpy(dtype=object), p.name, expert_column)


def _cell_text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _parse_sheet(cells: np.ndarray, name: str, expert_column: str | None) -> pd.DataFrame:
    if cells.size == 0 or cells.shape[0] == 0:
        raise DataError(f"{name} is empty.")
    text = np.array([[_cell_text(v) for v in row] for row in cells], dtype=object).reshape(cells.shape)
    filled = text != ""
    used_cols = [j for j in range(text.shape[1]) if filled[:, j].any()]
    header = [text[0, j] for j in used_cols]
    for j, h in zip(used_cols, header):
        if h == "":
            raise DataError(f"{name} row 1: column {j + 1} has values but no header.")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError(f"{name} row 1: duplicate column header(s) {', '.join(dup)}.")
    if not header:
        raise DataError(f"{name}: the header row is empty.")
    id_col = header[0] if expert_column is None else expert_column
    if id_col not in header:
        raise DataError(f"{name}: no expert id column {id_col!r}; columns: {', '.join(header)}.")
    id_j = used_cols[header.index(id_col)]
    code_js = [j for j, h in zip(used_cols, header) if h != id_col]
    codes = [text[0, j] for j in code_js]
    if not codes:
        raise DataError(f"{name}: no indicator columns besides the expert id column {id_col!r}.")

    ids, rows, values, problems = [], [], [], []
    for i in range(1, text.shape[0]):
        if not filled[i, used_cols].any():
            continue  # an empty row holds no data
        rowno = i + 1
        eid = text[i, id_j]
        if eid == "":
            raise DataError(f"{name} row {rowno}: the expert id ({id_col}) is empty.")
        vals = []
        for j, code in zip(code_js, codes):
            v = cells[i, j]
            if text[i, j] == "":
                vals.append(np.nan)
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                vals.append(float(v))
            else:
                try:
                    f = float(text[i, j])
                    if not math.isfinite(f):
                        raise ValueError
                    vals.append(f)
                except ValueError:
                    problems.append(f'{name} row {rowno}: value "{text[i, j]}" in column {code} is not a number')
                    vals.append(np.nan)
        ids.append(eid)
        rows.append(rowno)
        values.append(vals)
    if problems:
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise DataError("; ".join(problems[:10]) + more + ".")
    if not ids:
        raise DataError(f"{name}: no expert rows below the header.")
    _refuse_duplicate_ids(ids, rows, name)
    out = pd.DataFrame(values, index=pd.Index(ids, name=id_col), columns=pd.Index(codes), dtype=float)
    out.attrs["source"] = name
    out.attrs["file_rows"] = rows
    return out
