"""CSV text of a table, byte-identical to ``DataFrame.to_csv(index=False, lineterminator="\\n")``, faster.

``pandas.DataFrame.to_csv`` formats every column with numpy and then hands
the rows one by one to a CSV writer; on the long tables of a release (hundreds
of thousands of ``uCode, Time, iCode, Level, value`` rows) the per-row writer
is most of the time. :func:`csv_text` formats each column the same way pandas
does (``float64`` as the shortest round-trip repr, which is what pandas'
``ndarray.astype(str)`` gives, ``int64`` as decimal integers, missing values as
empty fields, text as it is) and joins the fields in C (``str.join``
over ``zip``), which gives the same bytes because none of those fields needs
quoting.

It takes that path only where the result is provably the same: columns of
dtype ``float64``, ``int64``, ``Int64`` or text (object / string dtype holding only
``str`` and missing values), at least two columns, and no field or column
name containing a delimiter, a quote or a line break (pandas would quote
them). Any other table is written by pandas itself.
"""

from __future__ import annotations

from typing import IO

import numpy as np
import pandas as pd

__all__ = ["csv_text", "write_csv"]

_SPECIAL = (",", '"', "\n", "\r")


def _needs_quotes(values: list[str]) -> bool:
    text = "".join(values)
    return any(ch in text for ch in _SPECIAL)


def _column_text(s: pd.Series) -> np.ndarray | None:
    """The column's fields as an object array of str, as pandas writes them, or None when unsure."""
    dtype = s.dtype
    if dtype == np.float64:
        # repr of a Python float is the shortest round-trip form, the digits and layout numpy's astype(str)
        # (what pandas uses) gives for float64; computed by CPython's float formatter, it is about twice as fast
        v = s.to_numpy()
        out = np.array(list(map(float.__repr__, v.tolist())), dtype=object)
        out[np.isnan(v)] = ""
        return out
    if dtype == np.int64:
        return np.array(list(map(int.__repr__, s.to_numpy().tolist())), dtype=object)
    if isinstance(dtype, pd.Int64Dtype):  # nullable integers: <NA> as an empty field
        missing = s.isna().to_numpy()
        out = np.array(list(map(int.__repr__, s.to_numpy(dtype=np.int64, na_value=0).tolist())), dtype=object)
        out[missing] = ""
        return out
    if dtype == object or isinstance(dtype, pd.StringDtype):
        v = s.to_numpy(dtype=object, na_value=None)
        missing = pd.isna(v)
        present = v[~missing]
        if pd.api.types.infer_dtype(present, skipna=False) not in ("string", "empty"):
            return None
        if _needs_quotes(present.tolist()):
            return None
        out = v.copy()
        out[missing] = ""
        return out
    return None


def csv_text(df: pd.DataFrame) -> str:
    """The text ``df.to_csv(index=False, lineterminator="\\n")`` returns (see the module docstring)."""
    names = [str(c) for c in df.columns]
    cols = None
    if len(names) >= 2 and len(set(names)) == len(names) and not _needs_quotes(names):
        cols = []
        for i in range(len(names)):
            text = _column_text(df.iloc[:, i])
            if text is None:
                cols = None
                break
            cols.append(text)
    if cols is None:
        return df.to_csv(index=False, lineterminator="\n")
    header = ",".join(names) + "\n"
    if not len(df):
        return header
    return header + "\n".join(map(",".join, zip(*cols))) + "\n"


def write_csv(df: pd.DataFrame, fh: IO[str]) -> None:
    """Write :func:`csv_text` to an open text file."""
    fh.write(csv_text(df))
