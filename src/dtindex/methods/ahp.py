"""Analytic Hierarchy Process (Saaty): weights from pairwise comparison matrices.

One pairwise comparison matrix per parent node: ``a_ij`` says how much more
important child ``i`` is than child ``j`` on Saaty's 1-9 scale (1 equal,
3 moderate, 5 strong, 7 very strong, 9 extreme, 2/4/6/8 in between; the
reciprocals 1/2 ... 1/9 for the reverse judgement).

:func:`ahp` derives the weights (principal right eigenvector) and the
consistency ratio of one matrix; :func:`read_ahp_matrices` reads the
matrices of all parents from an Excel workbook or a long CSV file.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import DataError, DtindexWarning, SpecError, check_choice, describe_rows

__all__ = [
    "AHPResult",
    "AHP_PARAMS",
    "GROUP_METHODS",
    "PRIORITY_METHODS",
    "RI_SAATY",
    "RI_SAATY_EXTENDED",
    "RI_TABLES",
    "RI_SOURCES",
    "ahp_options",
    "resolve_ri_table",
    "SAATY_MIN",
    "SAATY_MAX",
    "ahp",
    "parse_judgement",
    "read_ahp_matrices",
]

#: Saaty's random consistency index RI for matrices of order n = 1..10
#: (Saaty 1980, *The Analytic Hierarchy Process*; also Saaty 1990, EJOR 48).
RI_SAATY: Mapping[int, float] = MappingProxyType(
    {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
)
#: Saaty's table continued to n = 15 with the values 1.51, 1.48, 1.56, 1.57, 1.59 for n = 11..15, the
#: continuation printed with Saaty's table in the Chinese AHP literature and textbooks (the dip at n = 12
#: is in the printed table and kept as printed).
RI_SAATY_EXTENDED: Mapping[int, float] = MappingProxyType(
    {**RI_SAATY, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
)
#: Named random-index tables selectable as ``ri_table`` (spec: ``weights.params.ri_table``).
RI_TABLES: Mapping[str, Mapping[int, float]] = MappingProxyType(
    {"saaty": RI_SAATY, "saaty_extended": RI_SAATY_EXTENDED}
)
#: Where each named table comes from (recorded with every result).
RI_SOURCES: Mapping[str, str] = MappingProxyType({
    "saaty": "Saaty (1980), The Analytic Hierarchy Process, n = 1..10",
    "saaty_extended": "Saaty (1980) n = 1..10 with the values used in Chinese texts for n = 11..15 "
                      "(1.51, 1.48, 1.56, 1.57, 1.59)",
    "user": "random-index table given by the user",
})
#: How the priorities of one matrix are derived: Saaty's principal eigenvector or the row geometric mean.
PRIORITY_METHODS = ("eigenvector", "geometric")
#: How a group's judgements are combined: aggregation of individual judgements (element-wise
#: geometric mean) or of individual priorities (Forman & Peniwati 1998); see dtindex.methods.ahp_group.
GROUP_METHODS = ("aij", "aip")
#: Parameters of the ``ahp`` weighting method that a spec may set (``weights.params``).
AHP_PARAMS = ("priority", "ri_table", "threshold", "reciprocal_tol", "outside_scale", "group", "expert_weights")
#: Bounds of Saaty's fundamental scale.
SAATY_MIN, SAATY_MAX = 1.0 / 9.0, 9.0
_SCALE_RTOL = 1e-3  # 0.111 is accepted as 1/9
_FRACTION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*/\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Weights and consistency of one pairwise comparison matrix.

    Attributes
    ----------
    weights : pandas.Series
        Principal right eigenvector normalised to sum 1, indexed by the
        matrix labels (0..n-1 for an unlabelled array).
    lambda_max : float
        Principal eigenvalue.
    ci : float
        Consistency index ``(lambda_max - n) / (n - 1)``; 0 for n <= 2.
    ri : float
        Random index used (from the RI table).
    cr : float
        Consistency ratio ``ci / ri``; 0 for n <= 2.
    consistent : bool
        ``cr <= threshold``.
    n : int
        Order of the matrix.
    threshold : float
        The CR threshold applied (Saaty's 0.1 by default).
    matrix : pandas.DataFrame
        The validated numeric matrix.
    priority : str
        ``"eigenvector"`` or ``"geometric"`` (row geometric mean).
    ri_source : str
        Where the random index came from (see :data:`RI_SOURCES`).
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float
    consistent: bool
    n: int
    threshold: float
    matrix: pd.DataFrame
    priority: str = "eigenvector"
    ri_source: str = RI_SOURCES["saaty"]


def parse_judgement(value) -> float | None:
    """Parse one pairwise judgement: a number, or a fraction written ``"1/3"``.

    Returns ``None`` for an empty cell (``None``, NaN, blank string).

    Raises
    ------
    ValueError
        If the value is not a number or a fraction ``a/b`` (the caller adds
        the location to the message).

    Examples
    --------
    >>> parse_judgement("1/3")
    0.3333333333333333
    >>> parse_judgement(" 5 ")
    5.0
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            raise ValueError(f"{value!r} is not a finite number")
        return v
    if isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp)):
        raise ValueError(
            f"{value!r} is a date; Excel turns 1/3 typed into a cell into a date, so enter it as text ('1/3) "
            "or as the formula =1/3"
        )
    text = str(value).strip()
    if text == "":
        return None
    m = _FRACTION.match(text)
    if m:
        den = float(m.group(2))
        if den == 0:
            raise ValueError(f'"{text}" divides by zero')
        return float(m.group(1)) / den
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a number or a fraction like 1/3') from None
    if not math.isfinite(v):
        raise ValueError(f'"{text}" is not a finite number')
    return v


def ahp(
    matrix,
    *,
    owner: str = "AHP matrix",
    labels: Sequence[object] | None = None,
    reciprocal_tol: float = 0.01,
    outside_scale: str = "warn",
    ri_table: Mapping[int, float] | str | None = None,
    threshold: float = 0.1,
    priority: str = "eigenvector",
) -> AHPResult:
    """Weights of one pairwise comparison matrix (eigenvector or row geometric mean).

    ``priority="eigenvector"`` (Saaty)::

        A w = lambda_max w        (principal right eigenvector, Perron root)
        w  <- w / sum_j w_j

    ``priority="geometric"`` (row geometric mean, the "方根法" of Chinese
    texts; Crawford & Williams 1985 show it is the least-squares solution in
    logarithms)::

        g_i = (prod_j a_ij)^(1/n),   w_i = g_i / sum_k g_k
        lambda_max = (1/n) sum_i (A w)_i / w_i

    then, for both::

        CI = (lambda_max - n) / (n - 1)
        CR = CI / RI(n)           (RI from the chosen table, default RI_SAATY)
        consistent  <=>  CR <= threshold (0.1)

    For a consistent matrix both priorities are the same vector.

    For ``n <= 2`` every reciprocal matrix is consistent: CI = CR = 0.

    Parameters
    ----------
    matrix : array_like or pandas.DataFrame, shape (n, n)
        Positive reciprocal matrix. A DataFrame must have the same labels in
        its index and columns (columns are reordered to the index order).
        Cells may be numbers or fraction strings ``"1/3"``.
    owner : str
        Name used in messages, e.g. ``"AHP matrix of digital_infra"``.
    labels : sequence, optional
        Labels of an unlabelled array (default 0..n-1).
    reciprocal_tol : float
        Tolerance of the checks ``|a_ij * a_ji - 1| <= tol`` and
        ``|a_ii - 1| <= tol``; the default 0.01 accepts judgements typed
        with three decimals (0.333 for 1/3).
    outside_scale : {"warn", "error"}
        What to do with values outside Saaty's scale [1/9, 9]: a
        :class:`~dtindex.errors.DtindexWarning` (the eigenvector method works
        for any positive reciprocal matrix, but the RI table assumes the
        1-9 scale) or a :class:`~dtindex.errors.SpecError`.
    ri_table : mapping of int to float, or str, optional
        Random index per order n, or the name of a table in :data:`RI_TABLES`
        (``"saaty"``, n <= 10, the default; ``"saaty_extended"``, n <= 15).
    threshold : float
        CR threshold for ``consistent`` (Saaty: 0.1), in (0, 1).
    priority : {"eigenvector", "geometric"}
        How the priorities are derived (see above).

    Returns
    -------
    AHPResult

    Raises
    ------
    SpecError
        Not square, non-numeric, non-positive, non-reciprocal (the message
        names the offending cell), diagonal not 1, labels that do not match,
        or an order missing from the RI table.

    Examples
    --------
    >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]])
    >>> res.weights.round(3).tolist(), round(res.cr, 3), res.consistent
    ([0.637, 0.258, 0.105], 0.033, True)
    """
    check_choice(owner, "outside_scale", outside_scale, ("warn", "error"))
    check_choice(owner, "priority", priority, PRIORITY_METHODS)
    _check_threshold(threshold, owner)
    if not (isinstance(reciprocal_tol, (int, float)) and reciprocal_tol >= 0 and math.isfinite(reciprocal_tol)):
        raise SpecError(f"{owner}: reciprocal_tol must be a finite number >= 0; got {reciprocal_tol!r}.")
    table, source = resolve_ri_table(ri_table, owner)
    A, names = _as_matrix(matrix, owner, labels)
    n = A.shape[0]
    _validate(A, names, owner, reciprocal_tol, outside_scale)
    w, lam = _priorities(A, priority)
    if n <= 2:
        ci = cr = 0.0
        ri = float(table.get(n, 0.0))
        source = source if n in table else RI_SOURCES["saaty"]
    else:
        if n not in table:
            raise SpecError(
                f"{owner}: the random index table ({source}) covers n = {_orders(table)}; this matrix has "
                f"n = {n}. Split the parent into smaller groups (Saaty advises at most 9 elements), use the "
                "table 'saaty_extended' (n <= 15) or pass ri_table with a value for this order."
            )
        ri = float(table[n])
        ci = (lam - n) / (n - 1)
        cr = ci / ri
    return AHPResult(
        weights=pd.Series(w, index=pd.Index(names), name="weight"),
        lambda_max=lam,
        ci=float(ci),
        ri=ri,
        cr=float(cr),
        consistent=bool(cr <= threshold),
        n=n,
        threshold=float(threshold),
        matrix=pd.DataFrame(A, index=pd.Index(names), columns=pd.Index(names)),
        priority=priority,
        ri_source=source,
    )


def _priorities(A: np.ndarray, priority: str) -> tuple[np.ndarray, float]:
    """Priority vector (sum 1) and lambda_max of a validated positive reciprocal matrix."""
    if priority == "geometric":
        g = np.exp(np.log(A).mean(axis=1))
        w = g / g.sum()
        return w, float(np.mean((A @ w) / w))
    vals, vecs = np.linalg.eig(A)
    idx = int(np.argmax(vals.real))
    v = vecs[:, idx].real
    w = v / v.sum()
    if (w <= 0).any():  # cannot happen for a positive matrix (Perron); guards rounding
        w = np.abs(v) / np.abs(v).sum()
    return w, float(vals[idx].real)


def _orders(table: Mapping[int, float]) -> str:
    ns = sorted(table)
    return f"{ns[0]}..{ns[-1]}" if ns == list(range(ns[0], ns[-1] + 1)) and len(ns) > 2 else describe_rows(ns)


def _check_threshold(threshold, owner: str) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise SpecError(f"{owner}: the CR threshold must be a number between 0 and 1 (Saaty: 0.1); got {threshold!r}.")


def resolve_ri_table(value, owner: str = "AHP") -> tuple[Mapping[int, float], str]:
    """The random-index table named or given by ``value`` and its source.

    ``None`` means Saaty's table; a string names a table of :data:`RI_TABLES`;
    a mapping ``{n: RI}`` (keys may be numeric strings, as JSON gives them)
    is the user's own table, RI >= 0.

    >>> resolve_ri_table("saaty_extended")[0][15]
    1.59
    """
    if value is None:
        return RI_SAATY, RI_SOURCES["saaty"]
    if isinstance(value, str):
        check_choice(owner, "ri_table", value, list(RI_TABLES))
        return RI_TABLES[value], RI_SOURCES[value]
    if not isinstance(value, Mapping) or not value:
        raise SpecError(
            f"{owner}: ri_table must be a table name ({', '.join(RI_TABLES)}) or a non-empty mapping "
            f"order -> random index, e.g. {{3: 0.52, 4: 0.89}}; got {value!r}."
        )
    table: dict[int, float] = {}
    for key, ri in value.items():
        try:
            n = int(str(key).strip())
        except ValueError:
            raise SpecError(f"{owner}: ri_table key {key!r} is not a matrix order (a whole number).") from None
        if n < 1:
            raise SpecError(f"{owner}: ri_table key {key!r} is not a matrix order >= 1.")
        if isinstance(ri, bool) or not isinstance(ri, (int, float)) or not math.isfinite(ri) or ri < 0 or (n > 2 and ri == 0):
            raise SpecError(f"{owner}: ri_table value for n = {n} must be a number > 0; got {ri!r}.")
        table[n] = float(ri)
    return MappingProxyType(table), RI_SOURCES["user"]


def ahp_options(params: Mapping[str, object], owner: str) -> dict[str, object]:
    """Validate the ``ahp`` parameters a spec may set (:data:`AHP_PARAMS`) and return them.

    Unknown keys are a :class:`~dtindex.errors.SpecError` naming the allowed
    ones; values are checked here, before any matrix is read.
    """
    for key in params:
        check_choice(owner, "params", key, AHP_PARAMS)
    out = dict(params)
    if "priority" in out:
        check_choice(owner, "priority", out["priority"], PRIORITY_METHODS)
    if "ri_table" in out:
        resolve_ri_table(out["ri_table"], owner)
    if "threshold" in out:
        _check_threshold(out["threshold"], owner)
    if "outside_scale" in out:
        check_choice(owner, "outside_scale", out["outside_scale"], ("warn", "error"))
    if "reciprocal_tol" in out:
        tol = out["reciprocal_tol"]
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (tol >= 0 and math.isfinite(tol)):
            raise SpecError(f"{owner}: reciprocal_tol must be a finite number >= 0; got {tol!r}.")
    if "group" in out:
        check_choice(owner, "group", out["group"], GROUP_METHODS)
    if "expert_weights" in out and "group" not in out:
        raise SpecError(f"{owner}: expert_weights applies to a group of experts; set group: aij or group: aip "
                        "(a matrix file with an expert column), or remove expert_weights.")
    if "expert_weights" in out:
        ew = out["expert_weights"]
        if not isinstance(ew, Mapping) or not ew:
            raise SpecError(f"{owner}: expert_weights must be a mapping expert id -> weight; got {ew!r}.")
    return out


def _as_matrix(matrix, owner: str, labels) -> tuple[np.ndarray, list]:
    if isinstance(matrix, pd.DataFrame):
        rows, cols = list(matrix.index), list(matrix.columns)
        _check_labels(rows, cols, owner)
        frame = matrix.loc[:, rows] if rows != cols else matrix
        names = rows
        raw = frame.to_numpy(dtype=object)
    else:
        raw = np.asarray(matrix, dtype=object)
        names = None
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.shape[0] == 0:
        raise SpecError(f"{owner}: a pairwise comparison matrix must be square and non-empty; got shape {raw.shape}.")
    n = raw.shape[0]
    if names is None:
        names = list(labels) if labels is not None else list(range(n))
        if len(names) != n:
            raise SpecError(f"{owner}: {len(names)} labels given for a {n} x {n} matrix.")
    A = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            try:
                v = parse_judgement(raw[i, j])
            except ValueError as exc:
                raise SpecError(f"{owner}: cell [{names[i]}, {names[j]}]: {exc}.") from None
            if v is None:
                raise SpecError(f"{owner}: cell [{names[i]}, {names[j]}] is empty.")
            A[i, j] = v
    return A, names


def _check_labels(rows: list, cols: list, owner: str) -> None:
    for what, labs in (("row", rows), ("column", cols)):
        dup = sorted({str(x) for x in labs if labs.count(x) > 1})
        if dup:
            raise SpecError(f"{owner}: duplicate {what} label(s) {describe_rows(dup)}.")
    if set(rows) != set(cols):
        only_r = [str(x) for x in rows if x not in set(cols)]
        only_c = [str(x) for x in cols if x not in set(rows)]
        raise SpecError(
            f"{owner}: row and column labels must be the same elements; only in rows: "
            f"{describe_rows(only_r) or '-'}; only in columns: {describe_rows(only_c) or '-'}."
        )


def _validate(A: np.ndarray, names: list, owner: str, tol: float, outside_scale: str) -> None:
    bad = ~np.isfinite(A) | (A <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise SpecError(
            f"{owner}: judgements must be finite and > 0; cell [{names[i]}, {names[j]}] is {A[i, j]:g} "
            f"({int(bad.sum())} such cell(s))."
        )
    diag = np.abs(np.diag(A) - 1.0) > tol
    if diag.any():
        i = int(np.flatnonzero(diag)[0])
        raise SpecError(f"{owner}: diagonal cell [{names[i]}, {names[i]}] is {A[i, i]:g}; it must be 1.")
    prod = A * A.T
    off = np.triu(np.abs(prod - 1.0) > tol, k=1)
    if off.any():
        cells = [
            f"[{names[i]}, {names[j]}] = {A[i, j]:g} vs [{names[j]}, {names[i]}] = {A[j, i]:g}"
            for i, j in np.argwhere(off)
        ]
        raise SpecError(
            f"{owner}: the matrix is not reciprocal (a_ji must be 1/a_ij within {tol:g}): {describe_rows(cells, 5)}."
        )
    lo, hi = SAATY_MIN * (1 - _SCALE_RTOL), SAATY_MAX * (1 + _SCALE_RTOL)
    out = (A < lo) | (A > hi)
    if out.any():
        cells = [f"[{names[i]}, {names[j]}] = {A[i, j]:g}" for i, j in np.argwhere(np.triu(out | out.T, k=1))]
        msg = f"{owner}: judgement(s) outside Saaty's scale 1/9..9: {describe_rows(cells, 5)}."
        if outside_scale == "error":
            raise SpecError(msg)
        warnings.warn(msg + " The random index RI assumes that scale, so CR may be misleading.", DtindexWarning,
                      stacklevel=3)


# ---------------------------------------------------------------------------
# reading matrices from files
# ---------------------------------------------------------------------------


def read_ahp_matrices(path, *, reciprocal_tol: float = 0.01) -> dict[str, pd.DataFrame]:
    """Read the pairwise comparison matrices of several parents from a file.

    Two layouts are accepted:

    Excel (``.xlsx``/``.xlsm``), one sheet per parent
        The sheet name is the parent code (a ``说明 readme`` sheet is skipped). Row 1 holds the column labels
        (cell A1 is ignored), column A the row labels; the same children must
        appear in the rows and the columns (any order). Cells hold numbers or
        fractions ``1/3`` (as text, or the formula ``=1/3``). The diagonal may
        be left blank (taken as 1) and either triangle may be left blank: a
        blank cell is filled with the reciprocal of its mirror cell. When both
        mirror cells are filled they must be reciprocal (within
        ``reciprocal_tol``). Completely empty rows and columns are ignored.

    CSV, long form
        Columns ``parent,row,col,value`` (UTF-8, with or without BOM), one
        judgement per line: ``value`` = how much more important ``row`` is
        than ``col``. The upper triangle is enough; reciprocals are filled in.
        A pair given in both directions must be reciprocal. Diagonal entries,
        if given, must be 1. Children are ordered by first appearance.

    Messages give positions as the user sees them: Excel cells (``C4``) or
    CSV line numbers (the header is line 1, the first judgement line 2).

    Parameters
    ----------
    path : str or Path
        ``.xlsx``, ``.xlsm`` or ``.csv`` file.
    reciprocal_tol : float
        Tolerance of the reciprocity check ``|a_ij * a_ji - 1| <= tol``.

    Returns
    -------
    dict of str to pandas.DataFrame
        Parent code -> full numeric reciprocal matrix (index = columns =
        children), ready for :func:`ahp`.

    Raises
    ------
    DataError
        Unreadable file or cell, missing columns or judgements, conflicting
        entries, labels that do not match.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"AHP matrix file {p} does not exist.")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(p, reciprocal_tol)
    if suffix == ".csv":
        return _read_long_csv(p, reciprocal_tol)
    raise DataError(f"AHP matrix file {p.name}: unsupported file type {p.suffix!r}; use .xlsx, .xlsm or .csv.")


def _excel_cell(row: int, col: int) -> str:
    """0-based (row, col) of a sheet -> Excel address such as ``C4``."""
    letters = ""
    c = col + 1
    while c:
        c, r = divmod(c - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters}{row + 1}"


def _label(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _read_excel(p: Path, tol: float) -> dict[str, pd.DataFrame]:
    try:
        sheets = pd.read_excel(p, sheet_name=None, header=None, dtype=object, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise DataError(f"AHP matrix file {p.name} could not be read as Excel: {exc}") from None
    from ..io.workbook import INFO_SHEETS

    out: dict[str, pd.DataFrame] = {}
    for sheet, raw in sheets.items():
        if sheet in INFO_SHEETS:  # a template's explanations (dtindex init), not a matrix
            continue
        where = f"{p.name} sheet {sheet!r}"
        cells = raw.to_numpy(dtype=object)
        empty = np.array([[_label(v) is None for v in row] for row in cells], dtype=bool).reshape(cells.shape)
        keep_r = [i for i in range(cells.shape[0]) if not empty[i].all()]
        keep_c = [j for j in range(cells.shape[1]) if not empty[:, j].all()]
        if len(keep_r) < 2 or len(keep_c) < 2:
            raise DataError(f"{where}: expected a labelled matrix (labels in row 1 and column A); the sheet is empty.")
        r0, c0 = keep_r[0], keep_c[0]
        col_pos = keep_c[1:]
        row_pos = keep_r[1:]
        col_labels = []
        for j in col_pos:
            lab = _label(cells[r0, j])
            if lab is None:
                raise DataError(f"{where}: column label missing at cell {_excel_cell(r0, j)}.")
            col_labels.append(lab)
        row_labels = []
        for i in row_pos:
            lab = _label(cells[i, c0])
            if lab is None:
                raise DataError(f"{where}: row label missing at cell {_excel_cell(i, c0)}.")
            row_labels.append(lab)
        try:
            _check_labels(row_labels, col_labels, where)
        except SpecError as exc:
            raise DataError(str(exc)) from None
        col_of = {lab: j for lab, j in zip(col_labels, col_pos)}
        given: dict[tuple[int, int], tuple[float, str]] = {}
        for a, (i, rl) in enumerate(zip(row_pos, row_labels)):
            for b, cl in enumerate(row_labels):
                j = col_of[cl]
                try:
                    v = parse_judgement(cells[i, j])
                except ValueError as exc:
                    raise DataError(f"{where} cell {_excel_cell(i, j)} (row {rl}, column {cl}): {exc}.") from None
                if v is not None:
                    given[(a, b)] = (v, f"cell {_excel_cell(i, j)}")
        out[str(sheet)] = _complete(given, row_labels, where, tol)
    return out


def _read_long_csv(p: Path, tol: float) -> dict[str, pd.DataFrame]:
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False)
    except UnicodeDecodeError:
        raise DataError(f"AHP matrix file {p.name} is not UTF-8 text; save it as CSV UTF-8.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"AHP matrix file {p.name} is not a valid CSV file: {exc}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    need = ["parent", "row", "col", "value"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(
            f"AHP matrix file {p.name}: missing column(s) {', '.join(missing)}; expected parent,row,col,value; "
            f"found {', '.join(raw.columns)}."
        )
    if "expert" in raw.columns:
        raise DataError(
            f"AHP matrix file {p.name} has an expert column: it holds several experts' judgements; read it as a "
            "group (weights.params.group: aij or aip; dtindex weights ahp --group aij)."
        )
    return _long_matrices(p, raw[need], list(range(2, len(raw) + 2)), tol)


def _long_matrices(p: Path, raw: pd.DataFrame, lines: list[int], tol: float,
                   where: str = "") -> dict[str, pd.DataFrame]:
    """Matrices per parent from long rows ``parent,row,col,value`` (``lines``: their file line numbers)."""
    per_parent: dict[str, list] = {}
    order: dict[str, list[str]] = {}
    for line, rec in zip(lines, raw.itertuples(index=False, name=None)):
        parent, r, c, val = (str(x).strip() for x in rec)
        if not (parent or r or c or val):
            continue  # a blank line holds no judgement
        for name, v in (("parent", parent), ("row", r), ("col", c)):
            if not v:
                raise DataError(f"{p.name} line {line}: column {name} is empty.")
        try:
            num = parse_judgement(val)
        except ValueError as exc:
            raise DataError(f"{p.name} line {line}: value {exc}.") from None
        if num is None:
            raise DataError(f"{p.name} line {line}: value is empty.")
        labs = order.setdefault(parent, [])
        for lab in (r, c):
            if lab not in labs:
                labs.append(lab)
        per_parent.setdefault(parent, []).append((r, c, num, line))
    if not per_parent:
        raise DataError(f"AHP matrix file {p.name}{where} holds no judgements.")
    out: dict[str, pd.DataFrame] = {}
    for parent, entries in per_parent.items():
        labs = order[parent]
        pos_of = {lab: k for k, lab in enumerate(labs)}
        given: dict[tuple[int, int], tuple[float, str]] = {}
        for r, c, num, line in entries:
            key = (pos_of[r], pos_of[c])
            if key in given and not math.isclose(given[key][0], num, rel_tol=1e-12):
                raise DataError(
                    f"{p.name}{where} parent {parent}: ({r}, {c}) is given twice with different values: "
                    f"{given[key][0]:g} ({given[key][1]}) and {num:g} (line {line})."
                )
            given.setdefault(key, (num, f"line {line}"))
        out[parent] = _complete(given, labs, f"{p.name}{where} parent {parent}", tol)
    return out


def _complete(given: dict, labels: list[str], where: str, tol: float) -> pd.DataFrame:
    """Fill a reciprocal matrix from the given cells; refuse gaps and conflicts."""
    n = len(labels)
    A = np.ones((n, n))
    missing = []
    for i in range(n):
        if (i, i) in given:
            v, loc = given[(i, i)]
            if abs(v - 1.0) > tol:
                raise DataError(f"{where}: diagonal ({labels[i]}, {labels[i]}) at {loc} is {v:g}; it must be 1.")
        for j in range(i + 1, n):
            up, lo = given.get((i, j)), given.get((j, i))
            for cell in (up, lo):
                if cell is not None and not (cell[0] > 0 and math.isfinite(cell[0])):
                    raise DataError(f"{where}: judgement at {cell[1]} is {cell[0]:g}; judgements must be > 0.")
            if up is None and lo is None:
                missing.append(f"({labels[i]}, {labels[j]})")
                continue
            if up is not None and lo is not None and abs(up[0] * lo[0] - 1.0) > tol:
                raise DataError(
                    f"{where}: conflicting judgements: ({labels[i]}, {labels[j]}) = {up[0]:g} at {up[1]} but "
                    f"({labels[j]}, {labels[i]}) = {lo[0]:g} at {lo[1]}; the second must be 1/{up[0]:g} "
                    "(or leave it blank)."
                )
            a = up[0] if up is not None else 1.0 / lo[0]
            A[i, j] = a
            A[j, i] = lo[0] if lo is not None else 1.0 / a
    if missing:
        raise DataError(
            f"{where}: no judgement for pair(s) {describe_rows(missing)}; give each pair in at least one direction."
        )
    return pd.DataFrame(A, index=pd.Index(labels), columns=pd.Index(labels))
