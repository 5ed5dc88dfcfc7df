"""Replay a given list of replications and report every unit's rank in each.

The replications file (CSV or Excel, one row per replication) has columns

``rep``
    replication id (any text, unique);
``normalisation``
    the normalisation in the CLI shorthand, e.g. ``minmax:1,100`` or
    ``zscore:10,2`` (:func:`dtindex.spec.shorthand.parse_method`);
``aggregation``
    ``arithmetic``, ``geometric`` (``geometric:SHIFT`` allowed), ``harmonic``
    or ``topsis``;
``w_<iCode>`` (optional, any number)
    raw weight of node ``iCode`` relative to its siblings; an empty cell or
    an absent column keeps the framework weight;
``imputation`` (optional)
    ``none``, ``mean``, ``median``, ``locf``, ``mean:GROUP``, ``median:GROUP``;
``exclude`` (optional)
    indicator codes to leave out, separated by ``;`` (empty: none);
``weighting`` (optional)
    the weighting method of every parent, as the ``weighting`` alternatives of
    ``dtindex uncertainty run`` write it: ``manual``, ``equal``, ``entropy``,
    ``critic``, ``cv``, ``pca``, ... or ``combined:SUBJECTIVE,OBJECTIVE,RULE[,ALPHA]``
    (:func:`dtindex.uncertainty.spec.weighting_changes`); ``w_`` cells may
    only set children of parents whose weights are then ``manual``.

Each replication equals ``Index.rebuild({normalise.method, normalise.params,
aggregate.method, ...}, weights={...})`` of the nominal index, computed in
batches (:mod:`dtindex.uncertainty.batch`). The output ``ranks.csv`` has
columns ``rep, uCode, rank`` (``rep, Time, uCode, rank`` for panel data):
the rank of the top node, 1 = highest score, equal scores share the smallest
rank (the spec's tie rule, ``min`` by default), rows by replication in file
order, then units (and periods) in data order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, DtindexError, describe_rows
from ..index import Index
from ..io.atomic import atomic_write
from ..io.tables import MISSING_TOKENS, read_table, to_numbers, write_csv
from ..methods.normalise import make_normaliser
from ..spec.framework import Framework
from ..spec.shorthand import aggregate_changes, normalise_changes
from .batch import BatchModel, BatchResult, Replications, setting_key
from .spec import imputation_changes, weighting_changes

REQUIRED = ("rep", "normalisation", "aggregation")
OPTIONAL = ("imputation", "exclude", "weighting")


def _normalisation(text: str) -> dict[str, Any]:
    """Changes of a normalisation text, with its parameters checked (``minmax:100,1`` is refused here)."""
    changes = normalise_changes(text)
    make_normaliser(changes["normalise.method"], changes["normalise.params"])
    return changes


def _parse_column(df: pd.DataFrame, column: str, parse, source: str) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Parse a method column: each distinct text once; returns (code of each row, changes of each code).

    Errors name the file, the first row holding the offending text, and the column.
    """
    texts = df[column].astype(str).str.strip()
    empty = np.flatnonzero(texts.isin(MISSING_TOKENS).to_numpy())
    if len(empty):
        example = {"normalisation": "minmax:1,100", "aggregation": "arithmetic", "weighting": "manual"}.get(column, "none")
        raise DataError(f"{source} row {empty[0] + 2}: column {column} is empty; give e.g. {example}")
    codes, uniques = pd.factorize(texts)
    parsed = []
    for i, text in enumerate(uniques):
        try:
            parsed.append(parse(text))
        except DtindexError as exc:
            row = int(np.flatnonzero(codes == i)[0]) + 2
            raise DataError(f'{source} row {row}: value "{text}" in column {column}: {exc}') from None
    return codes, parsed


def replications_from_frame(df: pd.DataFrame, fw: Framework, *, source: str = "replications") -> Replications:
    """Validate a replications table (read as text) and turn it into :class:`Replications`.

    Raises
    ------
    DataError
        missing or unknown columns, a ``w_`` column naming no weighted node,
        an empty or duplicate ``rep``, a method text that does not parse, a
        weight that is not a number or is negative, an excluded code that is
        not an indicator; the message names the file, row and column.
    """
    cols = list(df.columns)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise DataError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; a replications file "
            f"needs rep, normalisation, aggregation and one w_<iCode> column per weight set (found: "
            f"{', '.join(cols) or 'no columns'})"
        )
    unknown = [c for c in cols if c not in REQUIRED + OPTIONAL and not c.startswith("w_")]
    if unknown:
        raise DataError(
            f"{source}: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; allowed: "
            f"{', '.join(REQUIRED + OPTIONAL)} and w_<iCode>"
        )
    wcols = [c for c in cols if c.startswith("w_")]
    for c in wcols:
        code = c[2:]
        if code not in fw:
            raise DataError(
                f"{source}: column {c}: {code!r} is not a node of the framework; nodes are "
                f"{describe_rows(fw.codes, 20)}"
            )
        if fw[code].parent is None:
            raise DataError(f"{source}: column {c}: {code!r} is the top node, which has no weight")
    if len(df) == 0:
        raise DataError(f"{source}: no replications (the file has a header but no rows)")
    labels = df["rep"].astype(str).str.strip()
    empty = np.flatnonzero(labels.isin(MISSING_TOKENS).to_numpy())
    if len(empty):
        raise DataError(f"{source} row {empty[0] + 2}: column rep is empty; every replication needs an id")
    dup = labels.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        raise DataError(
            f"{source}: duplicate rep ids: "
            + "; ".join(f'row {r + 2}: "{labels.iloc[r]}"' for r in rows[:10])
            + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        )
    columns = ["normalisation", "aggregation"] + [c for c in ("imputation", "weighting") if c in cols]
    parsers = {"normalisation": _normalisation, "aggregation": aggregate_changes, "imputation": imputation_changes,
               "weighting": weighting_changes}
    parsed = {c: _parse_column(df, c, parsers[c], source) for c in columns}
    n = len(df)
    # one setting per distinct combination of texts (few), found without a loop over rows
    combo = np.column_stack([parsed[c][0] for c in columns])
    uniq, first, inverse = np.unique(combo, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # settings numbered by first appearance
    keys: dict[str, int] = {}
    settings: list[dict[str, Any]] = []
    setting_labels: list[str] = []
    to_setting = np.empty(len(uniq), dtype=np.int64)
    for u in order:
        changes: dict[str, Any] = {}
        for c, code in zip(columns, uniq[u]):
            changes.update(parsed[c][1][code])
        key = setting_key(changes)
        if key not in keys:
            keys[key] = len(settings)
            settings.append(changes)
            setting_labels.append(", ".join(f"{c}={df[c].iloc[first[u]].strip()}" for c in columns))
        to_setting[u] = keys[key]
    group = to_setting[inverse.reshape(-1)]
    weights: dict[str, np.ndarray] = {}
    for c in wcols:
        w = to_numbers(df[c], source=source, name=c)
        neg = np.flatnonzero(w < 0)
        if len(neg):
            r = neg[0]
            raise DataError(f'{source} row {r + 2}: value "{df[c].iloc[r].strip()}" in column {c} is negative; '
                            "weights must be >= 0")
        weights[c[2:]] = w
    mult: dict[str, np.ndarray] = {}
    if "exclude" in cols:
        codes, uniques = pd.factorize(df["exclude"].astype(str).str.strip())
        for i, text in enumerate(uniques):
            rows = codes == i
            for code in (t.strip() for t in text.split(";")):
                if not code or code in MISSING_TOKENS:
                    continue
                if code not in fw.indicators:
                    raise DataError(
                        f'{source} row {int(np.flatnonzero(rows)[0]) + 2}: value "{code}" in column exclude is not '
                        f"an indicator; indicators are {describe_rows(fw.indicators, 15)}"
                    )
                mult.setdefault(code, np.ones(n))[rows] = 0.0
    return Replications(tuple(labels.tolist()), tuple(settings), tuple(setting_labels), group, weights, mult)


def read_replications(path: str | Path, fw: Framework) -> Replications:
    """Read and validate a replications file (format in the module docstring)."""
    path = Path(path)
    return replications_from_frame(read_table(path), fw, source=path.name)


def replay(index: Index, reps: Replications, *, chunk: int | None = None, keep_scores: bool = False) -> BatchResult:
    """Run the given replications of ``index`` in batches; ``.long()`` gives the ranks table."""
    return BatchModel(index, chunk=chunk).run(reps, keep_scores=keep_scores)


def write_ranks(ranks: pd.DataFrame, out_dir: str | Path, *, name: str = "ranks.csv", bom: bool = False) -> Path:
    """Write a ranks table atomically as UTF-8 CSV with ``\\n`` line ends."""
    path = Path(out_dir) / name
    with atomic_write(path) as fh:
        if bom:
            fh.write("\ufeff")
        write_csv(fh, ranks)
    return path


__all__ = ["OPTIONAL", "REQUIRED", "read_replications", "replay", "replications_from_frame", "write_ranks"]
