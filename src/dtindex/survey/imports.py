"""Read survey-platform exports into the canonical response table.

Supported layouts (问卷星 / 腾讯问卷 style CSV or Excel, SPSS ``.sav``):

* a question's column is found by its ``column`` (or code) as the whole header or as a header
  prefix followed by ``.``, ``、``, ``:``, ``_`` or a bracket (``Q3``, ``3、贵公司所在行业``);
* multi-choice as one 0/1 column per option (``5(数据分析)``, ``Q5_2``, ``5.场景:数据分析``) or as
  one cell with the chosen options joined by a separator (``数据分析┋客服``);
* cells hold the option text (zh or en), the option code, or for "other (please specify)"
  options ``其他〖text〗`` (the text goes to column ``Q_other``);
* SPSS: numeric codes with value labels; a value label that differs from the spec's label is
  reported as a warning, a code that is not an option is an error.

Every mismatch (unknown option, missing question column, bad number) is reported with its
spreadsheet row and column; nothing is coerced silently. Parsing is vectorised (``str.split`` /
``explode`` / ``map``), never a loop over responses.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, DtindexWarning
from ..io.tables import read_table
from .derived import add_derived
from .spec import Option, Question, Questionnaire

_SEPS = (".", "、", ":", "：", "．", "_", "(", "（", " ", "-")
_OTHER_RE = re.compile(r"^(?P<label>.+?)\s*[〖\[【(（:：]\s*(?P<text>.*?)\s*[〗\]】)）]?$")
_TRUE = {"1", "1.0", "是", "true", "TRUE", "True", "✓", "√", "选中"}
_FALSE = {"0", "0.0", "否", "false", "FALSE", "False", "未选中"}
META_COLUMNS = ("respondent_id", "duration_s", "submitted_at", "source_row")


@dataclass
class Responses:
    """Canonical responses: one row per response (meta columns, question columns, derived)."""

    data: pd.DataFrame
    spec: Questionnaire
    source: str
    extra: pd.DataFrame

    def __len__(self) -> int:
        return len(self.data)


def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text))


def _norm_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`_norm` (whitespace removed) of a text Series."""
    return s.astype(str).str.replace(r"\s+", "", regex=True)


def _header_key(header: str, prefix: str) -> str | None:
    """The option/item part of a header that starts with ``prefix`` (None = question column)."""
    rest = header[len(prefix):]
    if not rest:
        return None
    m = re.search(r"[(（]([^()（）]*)[)）]$", rest)
    if m:
        return m.group(1)
    for colon in (":", "："):
        if colon in rest:
            return rest.rsplit(colon, 1)[1]
    if rest[0] == "_":
        return rest[1:]
    return None


def _question_headers(headers: list[str], q: Question) -> list[tuple[str, str, str | None]]:
    """(original header, prefix, key) for headers belonging to question ``q``."""
    prefixes = [p for p in dict.fromkeys([q.column, q.code]) if p]
    out = []
    for h in headers:
        hn = _norm(h)
        for p in prefixes:
            pn = _norm(p)
            if hn == pn or (hn.startswith(pn) and hn[len(pn)] in _SEPS):
                out.append((h, pn, _header_key(hn, pn)))
                break
    return out


def _choice_map(options: list[Option]) -> dict[str, object]:
    m: dict[str, object] = {}
    for o in options:
        for v in o.label.variants() | {str(o.code)}:
            m[_norm(v)] = o.code
        m[_norm(f"{o.code}.{o.label.get('zh')}")] = o.code
    return m


class _Errors:
    def __init__(self, source: str):
        self.source = source
        self.items: list[str] = []

    def add(self, rows: np.ndarray, column: str, values, expected: str) -> None:
        rows = np.asarray(rows)
        for r, v in list(zip(rows, values))[:5]:
            self.items.append(f"row {int(r)}, column {column!r}: value {v!r} {expected}")
        if len(rows) > 5:
            self.items.append(f"... and {len(rows) - 5} more rows in column {column!r}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:12]
            more = f"\n... and {len(self.items) - 12} more problems" if len(self.items) > 12 else ""
            raise DataError(f"{self.source}: responses do not match the questionnaire:\n  " + "\n  ".join(shown) + more)


def _missing(col: pd.Series, tokens: set[str]) -> np.ndarray:
    text = col.astype(object).where(col.notna(), "").astype(str).str.strip()
    return text.isin(tokens).to_numpy()


def _parse_single(col: pd.Series, q: Question, header: str, rows: np.ndarray, tokens: set[str], errs: _Errors):
    """Option code per row (object array, None = missing) and the 'other' text."""
    options = q.choices()
    cmap = _choice_map(options)
    miss = _missing(col, tokens)
    text = col.astype(object).where(~miss, None)
    codes = _norm_series(text).where(~miss, None).map(cmap)
    other_text = pd.Series(None, index=col.index, dtype=object)
    unknown = codes.isna().to_numpy() & ~miss
    others = [o for o in options if o.other]
    if unknown.any() and others:
        parts = text[unknown].astype(str).str.extract(_OTHER_RE)
        label_codes = _norm_series(parts["label"].fillna("")).map(cmap)
        ok_other = label_codes.isin([o.code for o in others])
        idx = parts.index[ok_other.to_numpy()]
        codes[idx] = label_codes[idx]
        other_text[idx] = parts.loc[idx, "text"].replace("", None)
        unknown = codes.isna().to_numpy() & ~miss
    if unknown.any():
        expected = ", ".join(f"{o.code}={o.label.get('zh')}" for o in options)
        errs.add(rows[unknown], header, col[unknown].tolist(), f"is not an option of {q.code} (options: {expected})")
    return codes.to_numpy(dtype=object), other_text


def _parse_multi_joined(col, q, header, rows, tokens, sep_list, errs):
    n = len(col)
    k = len(q.options)
    miss = _missing(col, tokens)
    text = col.astype(object).where(~miss, None)
    present = text.dropna().astype(str)
    seps = [q.separator] if q.separator else sep_list
    sep = next((s for s in seps if present.str.contains(s, regex=False).any()), seps[0])
    tokens_s = present.str.split(sep, regex=False).explode().str.strip()
    tokens_s = tokens_s[tokens_s != ""]
    cmap = _choice_map(q.options)
    code = _norm_series(tokens_s).map(cmap)
    other_text = pd.Series(None, index=col.index, dtype=object)
    unknown = code.isna().to_numpy()
    others = [o for o in q.options if o.other]
    if unknown.any() and others:
        parts = tokens_s[unknown].str.extract(_OTHER_RE)
        lab = _norm_series(parts["label"].fillna("")).map(cmap)
        ok = lab.isin([o.code for o in others]).to_numpy()
        sub_idx = np.flatnonzero(unknown)[ok]
        code.iloc[sub_idx] = lab.to_numpy()[ok]
        txt = parts["text"].to_numpy()[ok]
        other_text[tokens_s.index[sub_idx]] = [t if t else None for t in txt]
        unknown = code.isna().to_numpy()
    pos = {c: j for j, c in enumerate(o.code for o in q.options)}
    if unknown.any():
        bad_rows = rows[col.index.get_indexer(tokens_s.index[unknown])]
        expected = ", ".join(f"{o.code}={o.label.get('zh')}" for o in q.options)
        errs.add(bad_rows, header, tokens_s[unknown].tolist(),
                 f"is not an option of {q.code} (separator {sep!r}; options: {expected})")
    mat = np.full((n, k), np.nan)
    answered = ~miss
    mat[answered] = 0.0
    good = ~unknown
    r = col.index.get_indexer(tokens_s.index[good])
    c = code[good].map(pos).to_numpy(dtype=np.int64)
    mat[r, c] = 1.0
    return mat, other_text


def _parse_multi_columns(df, q, found, rows, tokens, errs):
    n = len(df)
    k = len(q.options)
    mat = np.full((n, k), np.nan)
    other_text = pd.Series(None, index=df.index, dtype=object)
    for j, o in enumerate(q.options):
        header = found[o.code]
        col = df[header]
        miss = _missing(col, tokens)
        text = col.astype(str).str.strip().where(~miss, None)
        keyed = _norm_series(col).where(~miss, None)
        selected_labels = {_norm(v) for v in o.label.variants() | {str(o.code)}}
        is_true = (text.isin(_TRUE) | keyed.isin(selected_labels)).to_numpy() & ~miss
        is_false = text.isin(_FALSE).to_numpy() & ~miss
        bad = ~miss & ~is_true & ~is_false
        if o.other and bad.any():
            other_text[bad] = text[bad]
            is_true = is_true | bad
            bad = np.zeros(n, bool)
        if bad.any():
            errs.add(rows[bad], header, col[bad].tolist(), f"is not 1/0 (selected / not selected) for option {o.code} of {q.code}")
        mat[is_true, j] = 1.0
        mat[is_false, j] = 0.0
    answered = ~np.isnan(mat).all(axis=1)
    block = mat[answered]
    block[np.isnan(block)] = 0.0
    mat[answered] = block
    return mat, other_text


def _match_options(q: Question, qheaders) -> dict:
    found: dict = {}
    for o in q.options:
        keys = {_norm(v) for v in o.label.variants()} | {_norm(str(o.code))}
        for h, _, key in qheaders:
            if (o.column and _norm(h) == _norm(o.column)) or (key is not None and _norm(key) in keys):
                found[o.code] = h
                break
    return found


def _match_items(q: Question, qheaders, headers) -> dict:
    found: dict = {}
    for j, it in enumerate(q.items):
        keys = {_norm(v) for v in it.text.variants()} | {_norm(it.code), str(j + 1)}
        for h in headers:
            if _norm(h) == _norm(it.column or "") or _norm(h) == _norm(it.code):
                found[it.code] = h
                break
        else:
            for h, _, key in qheaders:
                if key is not None and _norm(key) in keys:
                    found[it.code] = h
                    break
    return found


def _first(headers: list[str], names: list[str]) -> str | None:
    norm = {_norm(h): h for h in headers}
    for n in names:
        if _norm(n) in norm:
            return norm[_norm(n)]
    return None


def parse_duration(col: pd.Series) -> np.ndarray:
    """Seconds from ``95``, ``95.5``, ``120秒``, ``2分30秒``, ``1小时2分``, ``00:02:30`` (NaN if empty).

    >>> parse_duration(pd.Series(["120秒", "2分30秒", "00:01:05", "7", ""])).tolist()
    [120.0, 150.0, 65.0, 7.0, nan]
    """
    text = col.astype(object).where(col.notna(), "").astype(str).str.strip()
    plain = pd.to_numeric(text.where(text != "", None), errors="coerce")
    parts = text.str.extract(r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|h))?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?\s*"
                             r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒|s|sec))?$")
    num = parts.apply(pd.to_numeric)
    unit = (num["h"].fillna(0) * 3600 + num["m"].fillna(0) * 60 + num["s"].fillna(0)).where(num.notna().any(axis=1))
    clock = text.str.extract(r"^(\d+):(\d{1,2}):(\d{1,2})$").apply(pd.to_numeric)
    clock_s = clock[0] * 3600 + clock[1] * 60 + clock[2]
    return plain.fillna(unit).fillna(clock_s).to_numpy(dtype=float)


def _read_raw(path: Path, sheet=None) -> tuple[pd.DataFrame, dict]:
    """Cells as text; for SPSS also the value labels per column."""
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav"):
        import pyreadstat

        if not path.exists():
            raise DataError(f"{path}: file not found")
        try:
            frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as exc:
            raise DataError(f"{path.name}: cannot be read as SPSS .sav: {exc}") from None
        text = pd.DataFrame({c: _sav_text(frame[c]) for c in frame.columns})
        return text, dict(meta.variable_value_labels)
    return read_table(path, sheet=sheet), {}


def _sav_text(s: pd.Series) -> pd.Series:
    """SPSS column as text: whole numbers without '.0', missing as ''."""
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = s.to_numpy(dtype=float)
        whole = np.isfinite(vals) & (vals == np.round(vals))
        text = np.where(whole, np.char.mod("%d", np.where(whole, vals, 0).astype(np.int64)), s.astype(str).to_numpy())
        return pd.Series(np.where(np.isnan(vals), "", text), index=s.index, dtype=object)
    return s.astype(object).where(s.notna(), "").astype(str)


def read_responses(path: str | Path, spec: Questionnaire, *, sheet=None) -> Responses:
    """Read a platform export (CSV / Excel / SPSS) into canonical responses; see module docstring."""
    path = Path(path)
    raw, value_labels = _read_raw(path, sheet)
    return parse_responses(raw, spec, source=path.name, value_labels=value_labels)


def parse_responses(raw: pd.DataFrame, spec: Questionnaire, *, source: str = "responses",
                    value_labels: dict | None = None) -> Responses:
    """Parse a table of text cells (header = export headers) into canonical responses."""
    raw = raw.reset_index(drop=True).astype(object).where(raw.notna(), "")
    headers = [str(h) for h in raw.columns]
    rows = np.arange(len(raw)) + 2  # spreadsheet row numbers: header is row 1
    imp = spec.import_
    tokens = set(imp.missing)
    errs = _Errors(source)
    out: dict[str, object] = {}
    used: set[str] = set()

    idc = _first(headers, imp.id_columns)
    durc = _first(headers, imp.duration_columns)
    subc = _first(headers, imp.submitted_columns)
    out["respondent_id"] = (raw[idc].astype(str).str.strip() if idc else pd.Series((rows - 1).astype(str))).to_numpy()
    dur = parse_duration(raw[durc]) if durc else np.full(len(raw), np.nan)
    if durc:
        bad = np.isnan(dur) & ~_missing(raw[durc], tokens)
        if bad.any():
            errs.add(rows[bad], durc, raw[durc][bad].tolist(), "is not a duration (e.g. 95, 120秒, 2分30秒)")
    out["duration_s"] = dur
    out["submitted_at"] = pd.to_datetime(raw[subc].replace("", None), errors="coerce").to_numpy() if subc else \
        np.full(len(raw), np.datetime64("NaT"))
    out["source_row"] = rows
    used |= {h for h in (idc, durc, subc) if h}

    for q in spec.questions:
        qheaders = [t for t in _question_headers(headers, q) if t[0] not in used]
        if q.type == "multi":
            found = _match_options(q, qheaders)
            if len(found) == len(q.options):
                mat, other = _parse_multi_columns(raw, q, found, rows, tokens, errs)
                used |= set(found.values())
            else:
                mains = [h for h, _, _ in qheaders if h not in found.values()]
                if len(mains) != 1 or found:
                    _missing_question(q, headers, qheaders, found, source)
                mat, other = _parse_multi_joined(raw[mains[0]], q, mains[0], rows, tokens, imp.separators, errs)
                used.add(mains[0])
            for j, o in enumerate(q.options):
                out[f"{q.code}_{o.code}"] = mat[:, j]
            if any(o.other for o in q.options):
                out[f"{q.code}_other"] = other.to_numpy()
        elif q.type == "matrix":
            found = _match_items(q, qheaders, headers)
            if len(found) != len(q.items):
                miss = [it.code for it in q.items if it.code not in found]
                raise DataError(f"{source}: no column for items {', '.join(miss)} of matrix question {q.code}; "
                                f"columns of {q.code}: {', '.join(h for h, _, _ in qheaders) or 'none'}")
            for it in q.items:
                h = found[it.code]
                codes, _ = _parse_single(raw[h], q, h, rows, tokens, errs)
                out[it.code] = pd.to_numeric(pd.Series(codes, dtype=object), errors="coerce").to_numpy(dtype=float)
                used.add(h)
        else:
            mains = [h for h, _, _ in qheaders]
            if len(mains) > 1:  # prefer the header without an option/item suffix
                mains = [h for h, _, key in qheaders if key is None] or mains
            if len(mains) != 1:
                _missing_question(q, headers, qheaders, {}, source)
            h = mains[0]
            used.add(h)
            col = raw[h]
            if q.type == "numeric":
                miss = _missing(col, tokens)
                vals = pd.to_numeric(col.where(~miss, None), errors="coerce").to_numpy(dtype=float)
                bad = np.isnan(vals) & ~miss
                if bad.any():
                    errs.add(rows[bad], h, col[bad].tolist(), f"is not a number (question {q.code})")
                lo, hi = q.min, q.max
                out_of = ~np.isnan(vals) & (((vals < lo) if lo is not None else False) | ((vals > hi) if hi is not None else False))
                if np.any(out_of):
                    errs.add(rows[out_of], h, col[out_of].tolist(), f"is outside {lo}..{hi} (question {q.code})")
                out[q.code] = vals
            elif q.type == "text":
                miss = _missing(col, tokens)
                out[q.code] = col.astype(object).where(~miss, None).to_numpy()
            else:
                codes, other = _parse_single(col, q, h, rows, tokens, errs)
                if q.type == "likert":
                    out[q.code] = pd.to_numeric(pd.Series(codes, dtype=object), errors="coerce").to_numpy(dtype=float)
                else:
                    out[q.code] = pd.Categorical(pd.Series(codes, dtype=object), categories=[o.code for o in q.options])
                if any(o.other for o in q.choices()):
                    out[f"{q.code}_other"] = other.to_numpy()
            if value_labels:
                _check_value_labels(value_labels.get(h, {}), q, h, source)
    errs.raise_if_any()
    data = pd.DataFrame(out)
    data = add_derived(data, spec)
    extra = raw[[h for h in headers if h not in used]].copy()
    return Responses(data=data, spec=spec, source=source, extra=extra)


def _missing_question(q, headers, qheaders, found, source) -> None:
    if q.type == "multi" and found:
        miss = [str(o.code) for o in q.options if o.code not in found]
        raise DataError(f"{source}: multi-choice question {q.code} has 0/1 columns for options "
                        f"{', '.join(map(str, found))} but none for {', '.join(miss)}")
    if not qheaders:
        shown = ", ".join(headers[:12]) + (" ..." if len(headers) > 12 else "")
        raise DataError(f"{source}: no column for question {q.code} (looked for a header equal to or starting with "
                        f"{q.column or q.code!r}); columns are: {shown}")
    raise DataError(f"{source}: question {q.code} matches several columns ({', '.join(h for h, _, _ in qheaders)}); "
                    "set its 'column' in the questionnaire to the exact header")


def _check_value_labels(labels: dict, q: Question, header: str, source: str) -> None:
    opts = {str(o.code): o for o in q.choices()}
    for code, label in labels.items():
        key = str(int(code)) if isinstance(code, float) and float(code).is_integer() else str(code)
        o = opts.get(key)
        if o is not None and _norm(label) not in {_norm(v) for v in o.label.variants()}:
            warnings.warn(f"{source}: column {header!r} labels code {key} as {label!r} but the questionnaire says "
                          f"{o.label.get('zh')!r}", DtindexWarning, stacklevel=3)
