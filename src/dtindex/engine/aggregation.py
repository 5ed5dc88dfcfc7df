"""The raw-record aggregation: compile each source, run it on the backend, turn the grouped rows into observations.

:func:`aggregate` is the driver (one query per source, dirty-data classification under the
declared policies, exact sums, the structured log); :func:`explain` prints the compiled plan;
:func:`open_backend` opens DuckDB or Spark. The panel built from the observations is
:mod:`dtindex.engine.panels`. See ``docs/engine.md``.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import sqlglot
from sqlglot import exp

from ..errors import DataError, SpecError, describe_rows
from ..periods import Period, parse_period
from .grouped import OBS_COLUMNS, GroupedRows, as_labels, concat_observations, direct_form
from .grouped import observations as grouped_observations
from .plan import KEY_CITY, KEY_INDUSTRY, KEY_PERIOD, KEY_PIVOT, SourcePlan, compile_source
from .spec import EngineConfig, EngineSpec, Policies, SourceSpec
from .validate import (
    CATEGORIES,
    CATEGORY_TEXT,
    EXACT_DOUBLE,
    LOG_COLUMNS,
    as_int,
    classify,
    column_ints,
    dirty_log,
    exact_units,
    format_values,
    exact_int_array,
    ints,
    numeric,
    period_labels,
    raise_failures,
    ratio_value,
    ratio_values,
    scaled_values,
)



@dataclass(frozen=True)
class Aggregation:
    """Result of :func:`aggregate`.

    ``observations``: one row per indicator, unit and period that had rows
    (columns ``indicator, unit, city, industry, period, value, n_rows``;
    ``n_rows`` = rows that passed the indicator's filters); the five label
    columns are pandas categoricals whose categories are the labels that occur,
    sorted. ``log``: dirty-data
    counts (``source, indicator, category, policy, n_rows, detail``).
    """

    observations: pd.DataFrame
    log: pd.DataFrame
    periods: tuple[str, ...]
    engine: str

    def messages(self) -> list[str]:
        """The log as build-log lines (``engine: <indicator>: ...``)."""
        return log_messages(self.log)


def log_messages(log: pd.DataFrame) -> list[str]:
    out = []
    for r in log.itertuples(index=False):
        action = {"fail": "failed", "drop": "dropped", "map_unknown": "mapped to the unknown unit",
                  "keep": "kept", "report": "reported"}.get(r.policy, r.policy)
        out.append(f"engine: source {r.source}, indicator {r.indicator}: {int(r.n_rows):,} "
                   f"{CATEGORY_TEXT.get(r.category, r.category)} ({r.category}, {action}): {r.detail}")
    return out


# ---------------------------------------------------------------------- backends
def open_backend(config: EngineConfig | EngineSpec, *, session: Any = None) -> Any:
    """The backend ``engine.name`` names: :class:`DuckDBBackend` or :class:`SparkBackend`.

    ``session``: an existing SparkSession to reuse (Spark only).
    """
    engine = config.engine if isinstance(config, EngineConfig) else config
    if engine.name == "spark":
        from .spark_backend import SparkBackend

        return SparkBackend(engine, session=session)
    from .duckdb_backend import DuckDBBackend

    return DuckDBBackend(engine)


# ---------------------------------------------------------------------- aggregation
def aggregate(config: EngineConfig, backend: Any = None, *, periods: list[str | Period] | None = None) -> Aggregation:
    """Aggregate every source into observations, applying the dirty-data policies.

    Parameters
    ----------
    config : EngineConfig
        From :func:`~dtindex.engine.spec.engine_config`.
    backend : DuckDBBackend or SparkBackend, optional
        Opened (and closed) here from ``config`` when not given.
    periods : list of period labels, optional
        Aggregate only these periods (incremental loads); the scan is
        restricted by a range on the time column so that Parquet row groups
        and hive partitions of other periods are skipped.

    Returns
    -------
    Aggregation
        Values are exact: sums are integer or decimal totals divided once by
        ``10**scale`` (``value = total_units / 10**scale``), ratios
        ``num / den`` of exact totals, so DuckDB and Spark give the same doubles.
    """
    own = backend is None
    backend = backend or open_backend(config)
    chosen = None
    if periods is not None:
        chosen = sorted({parse_period(p, where="periods") for p in periods})
        outside = [p.label for p in chosen if p not in config.periods]
        if outside:
            raise SpecError(f"periods {describe_rows(outside)} are not among the declared periods "
                            f"{config.periods[0].label}..{config.periods[-1].label}")
    try:
        obs_parts, logs = [], []
        for i, source in enumerate(config.sources):
            view = f"dt_src_{i}"
            schema = register_source(backend, source, view, config)
            plan = compile_source(source, schema, freq=config.freq, view=view, periods=chosen,
                                  facts=source_facts(backend, source, config))
            obs, log = _aggregate_source(plan, backend, config)
            obs_parts.append(obs)
            logs.extend(log)
    finally:
        if own:
            backend.close()
    if len(obs_parts) == 1:
        observations = obs_parts[0]
    else:
        observations = concat_observations(obs_parts) if obs_parts else pd.DataFrame(columns=OBS_COLUMNS)
    log_frame = pd.DataFrame([{k: r[k] for k in LOG_COLUMNS} for r in logs], columns=LOG_COLUMNS)
    labels = tuple(p.label for p in (chosen or config.periods))
    return Aggregation(observations, log_frame, labels, backend.dialect)


def register_source(backend: Any, source: SourceSpec, view: str, config: EngineConfig) -> dict[str, str]:
    """Create the view a source's plan reads (joined to its lookup table, if any); return its column types."""
    if source.lookup is None:
        return backend.register(source, view, config)
    lk = source.lookup
    raw = backend.register(source, f"{view}_raw", config)
    dim = backend.register(lk, f"{view}_dim", config)
    where = f"source {source.label}: {lk.label}"
    missing = [c for c in [lk.key, *lk.columns] if c not in dim]
    if missing:
        raise DataError(f"{where}: columns {', '.join(map(repr, missing))} are not in the lookup table; its columns are "
                        f"{describe_rows(list(dim), 40)}")
    if lk.key not in raw:
        raise DataError(f"source {source.label}: the lookup key {lk.key!r} is not in the records; columns are "
                        f"{describe_rows(list(raw), 40)}")
    clash = [c for c in lk.columns if c in raw]
    if clash:
        raise DataError(f"{where}: columns {', '.join(map(repr, clash))} are in both the records and the lookup table")
    key = exp.column(lk.key, quoted=True)
    dup_q = (exp.select(key.copy(), exp.Count(this=exp.Star()).as_("n", quoted=False))
             .from_(exp.to_identifier(f"{view}_dim", quoted=True)).group_by(key.copy())
             .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
             .order_by(key.copy()).limit(10))
    dup = backend.query(dup_q.sql(dialect=backend.dialect), source=source)
    if len(dup):
        shown = format_values([(repr(k), as_int(n)) for k, n in zip(dup.iloc[:, 0], dup["n"])])
        raise DataError(f"{where}: key {lk.key!r} is not unique ({shown}); each key needs one row, or records "
                        "would be counted more than once")
    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    text = (f"SELECT r.*, {', '.join('d.' + q(c) for c in lk.columns)} FROM {q(view + '_raw')} AS r "
            f"LEFT JOIN {q(view + '_dim')} AS d ON r.{q(lk.key)} = d.{q(lk.key)}")
    select = sqlglot.parse_one(text, read="duckdb")
    return backend.create_view(view, select.sql(dialect=backend.dialect), source=source)


def source_facts(backend: Any, source: SourceSpec, config: EngineConfig) -> dict[str, Any]:
    """The summed columns' facts proven by the source files' statistics (DuckDB reads Parquet footers; other
    backends prove nothing and compute every check in the query)."""
    if not hasattr(backend, "column_facts"):
        return {}
    summed = sorted({m.column for ind in source.indicators for m in ind.parts if m is not None and m.kind == "sum"})
    return backend.column_facts(source, config, summed)


def explain(config: EngineConfig, backend: Any = None, *, periods: list[str | Period] | None = None,
            with_plan: bool = False) -> dict[str, str]:
    """The main query of every source in the backend's dialect (``{source label: SQL}``), without running it.

    ``with_plan``: precede each query by a ``-- plan: ...`` comment line saying which query form the compiler
    chose and why (one grouped query over the filter column, or FILTER aggregates).

    The backend is still asked for each source's column types, which the
    compiler needs.
    """
    own = backend is None
    backend = backend or open_backend(config)
    chosen = sorted({parse_period(p, where="periods") for p in periods}) if periods else None
    try:
        out = {}
        for i, source in enumerate(config.sources):
            view = f"dt_src_{i}"
            schema = register_source(backend, source, view, config)
            plan = compile_source(source, schema, freq=config.freq, view=view, periods=chosen,
                                  facts=source_facts(backend, source, config))
            sql = plan.sql(backend.dialect)
            choice = plan.choice
            if hasattr(backend, "coded_sql") and plan.pivot is not None and direct_form(plan):
                types, sql = backend.coded_sql(plan, known_values(plan, config))
                if types:
                    listed = ", ".join(f"{k.removeprefix('k_')} ({len(v)} values)" for k, (_, v, _) in types.items())
                    choice += (f"; keys grouped as integer codes of their known values: {listed}; groups with a "
                               "value not listed are read again with text keys")
                    sql = "".join(f"{c};\n" for _, _, c in types.values()) + sql
            out[source.label] = f"-- plan: {choice}\n{sql}" if with_plan else sql
        return out
    finally:
        if own:
            backend.close()


def _keys(frame: pd.DataFrame, names: list[str]) -> list[tuple]:
    cols = [frame[n].to_numpy(dtype=object) for n in names]
    return [tuple(None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in t) for t in zip(*cols)]


def _aggregate_source(plan: SourcePlan, backend: Any, config: EngineConfig) -> tuple[pd.DataFrame, list[dict]]:
    source = plan.source
    policies = config.policies(source)
    codes = frozenset(config.city_codes())
    dialect = backend.dialect
    rng = (config.periods[0].ordinal, config.periods[-1].ordinal)
    typed = {"typed": True} if dialect == "duckdb" else {}
    if plan.pivot is not None and direct_form(plan):
        # clean data, one filter value per indicator: observations straight from the grouped rows, no wide
        # table (see engine/grouped.py); otherwise the general path reads the same grouped rows as a frame
        with _grouped(backend, plan, known_values(plan, config), source, typed) as (rows, read_frame):
            direct = grouped_observations(rows, plan, codes, rng) if rows is not None else None
            if direct is not None:
                return direct
            frame = read_frame().reset_index(drop=True)
        frame = _widen(frame, plan)
    else:
        frame = backend.query(plan.sql(dialect), source=source, **typed).reset_index(drop=True)
        if plan.pivot is not None:
            frame = _widen(frame, plan)
    cls = classify(frame, plan, codes, rng)
    records = dirty_log(frame, plan, cls, policies)
    if any(r["category"] == "out_of_period" and any(v.startswith("unreadable") for v, _ in r["values"]) for r in records):
        bad = backend.query(plan.bad_times_sql(dialect), source=source)
        shown = format_values([("NULL" if t is None else repr(t), as_int(n)) for t, n in zip(bad["t"], bad["n"])])
        for r in records:
            if r["category"] == "out_of_period":
                r["detail"] += f"; most frequent unreadable times: {shown}"
    if source.lookup is not None and any(r["category"] == "null_unit" and r["n_rows"] for r in records):
        _explain_lookup_misses(records, backend, plan)
    raise_failures(records)

    drop = np.zeros(len(frame), dtype=bool)
    for category in CATEGORIES:
        if getattr(policies, category) == "drop":
            drop |= cls.category == category
    frame = frame.loc[~drop].reset_index(drop=True)
    category = cls.category[~drop]
    records += _exact_sums(frame, plan, backend, policies)

    frame, merged = _map_unknown(frame, category, plan, config, codes)
    if merged and any(a.kind == "distinct" for a in plan.aggs):
        _recount_distinct(frame, plan, backend, config, policies, rng)
    obs, value_log = _values(frame, plan)
    return obs, records + value_log


def known_values(plan: SourcePlan, config: EngineConfig) -> dict[str, tuple | None]:
    """The values each grouping key may take, where the spec says: the city list, ``industry_codes`` (None when
    not listed) and the pivot column's filter values."""
    known: dict[str, tuple | None] = {KEY_CITY: config.city_codes(), KEY_PIVOT: plan.pivot.values if plan.pivot else None}
    if plan.industry_key is not None:
        known[KEY_INDUSTRY] = tuple(plan.source.industry_codes) if plan.source.industry_codes else None
    return known


def _grouped(backend: Any, plan: SourcePlan, known: dict[str, tuple | None], source: SourceSpec, typed: dict) -> Any:
    """``backend.grouped`` (DuckDB: text keys grouped as codes of their known values), or the query's frame
    factorised here (Spark)."""
    if hasattr(backend, "grouped"):
        return backend.grouped(plan, known, source=source)
    frame = backend.query(plan.sql(backend.dialect), source=source, **typed).reset_index(drop=True)
    return nullcontext((GroupedRows.from_frame(frame, list(known)), lambda: frame))
def _explain_lookup_misses(records: list[dict], backend: Any, plan: SourcePlan) -> None:
    """Add to the ``null_unit`` log lines of a source with a ``lookup`` which keys the lookup table lacks.

    A record whose key has no row in the lookup table gets an empty city, so
    it is counted under ``null_unit``; one query over the records (run on dirty
    data only) names the missing keys and their row counts, most frequent first.
    """
    lk = plan.source.lookup
    key = '"' + lk.key.replace('"', '""') + '"'
    raw, dim = (f'"{plan.view}_{part}"' for part in ("raw", "dim"))
    text = (f"SELECT r.{key} AS k, count(*) AS n FROM {raw} AS r LEFT JOIN {dim} AS d ON r.{key} = d.{key} "
            f"WHERE d.{key} IS NULL GROUP BY r.{key} ORDER BY n DESC, k LIMIT 10")
    miss = backend.query(sqlglot.transpile(text, read="duckdb", write=backend.dialect)[0], source=plan.source)
    if not len(miss):
        return
    shown = format_values([("NULL" if k is None else str(k), as_int(n)) for k, n in zip(miss["k"], miss["n"])])
    for r in records:
        if r["category"] == "null_unit":
            r["detail"] += f"; keys not in {lk.label}: {shown}"


def _widen(frame: pd.DataFrame, plan: SourcePlan) -> pd.DataFrame:
    """The grouped result of a pivoted query (one row per group and filter value) in the form of the FILTER query:
    one row per group, aggregate ``a{j}`` of the plan read from its value's row (or the exact sum / minimum over
    the values of an ``IN`` list). Vectorised: group ids, then one scatter per aggregate."""
    keys = plan.key_names
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*keys, *(f"a{j}" for j in range(len(plan.aggs)))]})
    factors = [pd.factorize(frame[k], use_na_sentinel=True) for k in keys]
    if float(np.prod([len(u) + 1.0 for _, u in factors])) < 2.0**62:
        combined = np.zeros(len(frame), dtype=np.int64)
        for codes, uniq in factors:  # one integer per group: mixed-radix number of the key codes (NULL: -1 -> 0)
            combined = combined * (len(uniq) + 1) + (codes + 1)
        gid, _ = pd.factorize(combined)
    else:
        gid = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    n = int(gid.max()) + 1
    _, first = np.unique(gid, return_index=True)
    out = frame.iloc[first][keys].reset_index(drop=True)
    code, uniques = pd.factorize(frame[KEY_PIVOT])
    code_of = {v: i for i, v in enumerate(uniques)}
    tables: dict[int, np.ndarray] = {}
    for j, (narrow, values) in enumerate(plan.pivot.source_of):
        agg = plan.aggs[j]
        col = frame[f"a{narrow}"].to_numpy()
        counts = agg.kind in ("rows", "nonnull")
        if narrow not in tables:
            # one scatter per narrow aggregate: table[value, group]; absent pairs are 0 (counts) or NULL
            if counts and col.dtype.kind in "iu":
                table = np.zeros((len(uniques), n), dtype=np.int64)
            elif col.dtype.kind == "f":
                table = np.full((len(uniques), n), np.nan)  # NULL of a typed column (see DuckDBBackend.query)
            else:
                table = np.full((len(uniques), n), 0 if counts else None, dtype=object)
            table[code, gid] = col
            tables[narrow] = table
        table = tables[narrow]
        rows = [code_of[v] for v in values if v in code_of]
        if len(rows) == 1:
            res = table[rows[0]]
        elif not rows:
            res = np.full(n, 0 if counts else (np.nan if table.dtype.kind == "f" else None),
                          dtype=table.dtype if counts or table.dtype.kind == "f" else object)
        elif table.dtype.kind == "f":  # an IN list: exact sum / minimum over its values' rows (whole doubles)
            sub = table[rows]
            present = ~np.isnan(sub)
            res = np.fmin.reduce(sub, axis=0) if agg.kind == "min" else np.nansum(sub, axis=0)
            res[~present.any(axis=0)] = np.nan
        elif table.dtype.kind in "iu":
            res = table[rows].sum(axis=0)
        else:
            part = pd.DataFrame(table[rows].T, dtype=object)
            red = part.min(axis=1, skipna=True) if agg.kind == "min" else part.sum(axis=1, min_count=1)
            res = red.astype(object).where(red.notna(), None).to_numpy(dtype=object)
        out[f"a{j}"] = res
    return out


def _to_objects(frame: pd.DataFrame) -> None:
    """Typed numeric columns (see DuckDBBackend.query) as object columns of Python values, None for NaN, in place."""
    for name in frame.columns:
        if frame[name].dtype != object:
            s = frame[name]
            frame[name] = s.astype(object).where(s.notna(), None)


def _exact_sums(frame: pd.DataFrame, plan: SourcePlan, backend: Any, policies: Policies) -> list[dict]:
    """Check every sum is exact and count negative values; drop them from totals if asked.

    Floating-point sums come back from the main query as doubles holding whole
    numbers; they are exact where the group's minimum is not negative and the
    total is below ``2**53`` (see :mod:`dtindex.engine.plan`). Other groups,
    and negative values of any sum, are read by one follow-up query -- on
    dirty data only. The checks are vectorised; clean data costs two array
    comparisons per sum.
    """
    parts = [(ind, p) for ind in plan.indicators for p in (ind.numerator, ind.denominator)
             if p is not None and p.measure.kind == "sum"]
    if not parts or frame.empty:
        return []
    n_groups = len(frame)

    def below_zero(idx: int | None) -> np.ndarray:  # None: the files' statistics show no negative value
        return np.zeros(n_groups, dtype=bool) if idx is None else numeric(frame[f"a{idx}"].to_numpy()) < 0

    has_neg = np.zeros(n_groups, dtype=bool)
    for _, p in parts:
        has_neg |= below_zero(p.minimum)
    min_of = {p.value: p.minimum for _, p in parts}
    float_sums = [i for i, a in enumerate(plan.aggs) if a.kind == "sum" and a.conv == "float"]
    for ind, p in parts:  # NaN or infinite values make a float total NaN or infinite: never a number to publish
        if plan.aggs[p.value].conv == "float":
            total = numeric(frame[f"a{p.value}"].to_numpy())
            bad = ~np.isfinite(total) & (column_ints(frame, f"a{p.nonnull}") > 0)
            if bad.any():
                where = sorted((f"{_unit_text(frame, r, plan)} {_period_text(frame, r, plan)}", 1)
                               for r in np.flatnonzero(bad)[:10])
                raise DataError(f"source {plan.source.label}: column {p.measure.column!r} holds NaN or infinite "
                                f"values (indicator {ind.code}, {int(bad.sum()):,} groups, e.g. "
                                f"{', '.join(w for w, _ in where)}); write missing values as NULL (empty) or a number")
    inexact = np.zeros(n_groups, dtype=bool)
    for i in float_sums:
        inexact |= below_zero(min_of[i]) | (np.abs(numeric(frame[f"a{i}"].to_numpy())) >= EXACT_DOUBLE)
    if not has_neg.any() and not inexact.any():
        return []  # every float total is a whole double below 2**53: exact (read as int64 by _part_units)
    _to_objects(frame)  # dirty data: exact Python values from here on
    for i in float_sums:  # whole numbers held in doubles -> Python ints (the inexact ones are replaced below)
        vals = frame[f"a{i}"].to_numpy(dtype=object).copy()
        mags = np.abs(numeric(vals))
        ok = mags < EXACT_DOUBLE
        vals[ok] = vals[ok].astype(float).astype(np.int64).astype(object)
        frame[f"a{i}"] = pd.Series(vals, dtype=object, index=frame.index)
    totals = bool(inexact.any())
    neg = backend.query(plan.negative_sql(backend.dialect, totals=totals), source=plan.source)
    index = {k: i for i, k in enumerate(_keys(frame, plan.key_names))}
    rows_at = [index.get(k) for k in _keys(neg, plan.key_names)]
    keep = [j for j, r in enumerate(rows_at) if r is not None]  # groups dropped by a policy are not counted again
    neg = neg.iloc[keep].reset_index(drop=True)
    rows_at = np.array([rows_at[j] for j in keep], dtype=np.int64)
    if totals:
        for i in float_sums:
            vals = frame[f"a{i}"].to_numpy(dtype=object).copy()
            for r, t in zip(rows_at, neg[f"t{i}"].to_numpy(dtype=object)):
                if inexact[r]:
                    vals[r] = None if t is None else int(t)
            frame[f"a{i}"] = pd.Series(vals, dtype=object, index=frame.index)
    out = []
    for ind, p in parts:
        n = np.array([as_int(v) for v in neg[f"n{p.value}"].to_numpy(dtype=object)], dtype=np.int64)
        total = int(n.sum())
        if total == 0:
            continue
        where = [(f"{_unit_text(frame, r, plan)} {_period_text(frame, r, plan)}", int(c))
                 for r, c in zip(rows_at, n) if c > 0]
        where.sort(key=lambda kv: (-kv[1], kv[0]))
        out.append({"source": plan.source.label, "indicator": ind.code, "category": "negative",
                    "policy": policies.negative, "n_rows": total,
                    "detail": f"{p.measure.column} < 0 in {format_values(where)}", "values": where})
    raise_failures(out)
    if policies.negative == "drop":
        done = set()
        for _, p in parts:
            if p.value in done:
                continue
            done.add(p.value)
            col = f"a{p.value}"
            vals = frame[col].to_numpy(dtype=object).copy()
            for r, s in zip(rows_at, neg[f"s{p.value}"].to_numpy(dtype=object)):
                if s is not None and vals[r] is not None:
                    vals[r] = vals[r] - s
            frame[col] = vals
    return out


def _unit_text(frame: pd.DataFrame, r: int, plan: SourcePlan) -> str:
    city = frame[KEY_CITY].iloc[r]
    if plan.industry_key is None:
        return str(city)
    return f"{city}:{frame[KEY_INDUSTRY].iloc[r]}"


def _period_text(frame: pd.DataFrame, r: int, plan: SourcePlan) -> str:
    return Period(plan.freq, int(frame[KEY_PERIOD].iloc[r])).label


def _map_unknown(frame: pd.DataFrame, category: np.ndarray, plan: SourcePlan, config: EngineConfig,
                 codes: frozenset[str]) -> tuple[pd.DataFrame, bool]:
    """Move kept dirty groups into the unknown unit and add up groups that now share a key."""
    unknown = config.engine.unknown_unit
    dirty = category != ""
    if not dirty.any():
        return frame, False  # raw keys are unique (GROUP BY) and none is moved
    frame = frame.copy()
    _to_objects(frame)
    city = frame[KEY_CITY].to_numpy(dtype=object).copy()
    if dirty.any():
        bad_city = dirty & np.array([c is None or str(c) == "" or c not in codes for c in city], dtype=bool)
        city[bad_city] = unknown
    frame = frame.copy()
    frame[KEY_CITY] = city
    if plan.industry_key is not None:
        ind = frame[KEY_INDUSTRY].to_numpy(dtype=object).copy()
        listed = plan.source.industry_codes
        if dirty.any():
            bad_ind = dirty & np.array([v is None or str(v) == "" or (listed is not None and v not in listed) for v in ind],
                                       dtype=bool)
            ind[bad_ind] = unknown
        frame[KEY_INDUSTRY] = ind
    keys = _keys(frame, plan.key_names)
    if len(set(keys)) == len(keys):
        return frame, False
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    first = [rows[0] for rows in groups.values()]
    out = frame.iloc[first].reset_index(drop=True)
    for j, agg in enumerate(plan.aggs):
        name = f"a{j}"
        col = frame[name].to_numpy(dtype=object)
        merged_vals = []
        for rows in groups.values():
            vals = [col[r] for r in rows if col[r] is not None]
            if not vals:
                merged_vals.append(None)
            elif agg.kind == "min":
                merged_vals.append(min(vals))
            elif agg.kind == "distinct":
                merged_vals.append(vals[0] if len(rows) == 1 else None)  # recounted by _recount_distinct
            else:
                total = vals[0]
                for v in vals[1:]:
                    total = total + v
                merged_vals.append(total)
        out[name] = pd.Series(merged_vals, dtype=object)
    return out, True


def _recount_distinct(frame: pd.DataFrame, plan: SourcePlan, backend: Any, config: EngineConfig, policies: Policies,
                      rng: tuple[int, int]) -> None:
    """Distinct counts of merged unknown units, recounted by the engine (they cannot be added)."""
    sql = plan.mapped_sql(backend.dialect, sorted(config.city_codes()), config.engine.unknown_unit,
                          policies.null_unit == "map_unknown", policies.unknown_code == "map_unknown",
                          plan.source.industry_codes, rng)
    fixed = backend.query(sql, source=plan.source)
    index = {k: i for i, k in enumerate(_keys(frame, plan.key_names))}
    for k, i in zip(_keys(fixed, plan.key_names), range(len(fixed))):
        r = index.get(k)
        if r is None:
            continue
        for j, agg in enumerate(plan.aggs):
            if agg.kind == "distinct":
                frame.iat[r, frame.columns.get_loc(f"a{j}")] = fixed[f"a{j}"].iloc[i]


def _part_units(frame: pd.DataFrame, plan: SourcePlan, part: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact value of one measure per group: ``(units, null)``.

    ``units``: a count, or a sum in ``10**-scale`` units -- an int64 array
    (converted without a Python loop), or an object array of Python ints when
    a total does not fit in 64 bits; ``null``: no non-empty value.
    """
    vals = frame[f"a{part.value}"].to_numpy(dtype=object)
    if part.measure.kind in ("count", "distinct"):
        return ints(vals), np.zeros(len(vals), dtype=bool)
    null = column_ints(frame, f"a{part.nonnull}") == 0
    got = exact_int_array(vals)
    if got is not None:
        units, _ = got
        units[null] = 0
        return units, null
    units = np.array([0 if n else exact_units(v) for v, n in zip(vals, null)], dtype=object)  # beyond 64 bits
    return units, null


def _texts(values: pd.Series) -> np.ndarray:
    """Unit codes as an object array of Python strings (converted only when some value is not a string)."""
    arr = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return arr
    return arr.astype(str).astype(object)


def _values(frame: pd.DataFrame, plan: SourcePlan) -> tuple[pd.DataFrame, list[dict]]:
    """Indicator values of every group (see :func:`aggregate` for the formulas) and value-level log records."""
    if frame.empty:
        return pd.DataFrame(columns=OBS_COLUMNS), []
    city = _texts(frame[KEY_CITY])
    if plan.industry_key is not None:
        industry = _texts(frame[KEY_INDUSTRY])
        unit = city + ":" + industry  # object arrays: one C loop, Python strings kept as they are
    else:
        industry = np.full(len(frame), "", dtype=object)
        unit = city
    ordinals = ints(frame[KEY_PERIOD].to_numpy())
    labels = period_labels(ordinals, plan.freq)
    # observations are ordered by indicator, period, unit: the group order is computed once and shared
    unit_rank = np.unique(unit.astype(str), return_inverse=True)[1]
    order = np.lexsort((unit_rank, ordinals))
    pieces: dict[str, list] = {c: [] for c in ("idx", "value", "n_rows", "code")}
    log = []
    for ind in plan.indicators:
        rows = ints(frame[f"a{ind.rows}"].to_numpy())
        num, num_null = _part_units(frame, plan, ind.numerator)
        if ind.denominator is None:
            scale = ind.numerator.scale
            if num.dtype == object:
                value = np.array([np.nan if n else v / 10 ** scale for v, n in zip(num, num_null)], dtype=float)
            else:
                value = scaled_values(num, num_null, scale)
        else:
            den, den_null = _part_units(frame, plan, ind.denominator)
            ns, ds = ind.numerator.scale, ind.denominator.scale
            if num.dtype == object or den.dtype == object:
                value = np.array([np.nan if (na or nb or b == 0) else ratio_value(int(a), ns, int(b), ds)
                                  for a, na, b, nb in zip(num, num_null, den, den_null)], dtype=float)
            else:
                value = ratio_values(num, ns, den, ds, num_null | den_null)
            zero = int(((rows > 0) & ~den_null & (den == 0)).sum())
            if zero:
                log.append({"source": plan.source.label, "indicator": ind.code, "category": "zero_denominator",
                            "policy": "report", "n_rows": zero,
                            "detail": f"{ind.denominator.measure.text} is 0", "values": []})
        for p in (ind.numerator, ind.denominator):
            if p is not None and p.nonnull is not None:
                n_null = int((column_ints(frame, f"a{p.rows}") - column_ints(frame, f"a{p.nonnull}")).sum())
                if n_null:
                    log.append({"source": plan.source.label, "indicator": ind.code, "category": "null_value",
                                "policy": "report", "n_rows": n_null,
                                "detail": f"{p.measure.column} is empty", "values": []})
        idx = order[rows[order] > 0]
        pieces["idx"].append(idx)
        pieces["value"].append(value[idx])
        pieces["n_rows"].append(rows[idx])
        pieces["code"].append(np.full(len(idx), ind.code, dtype=object))
    idx = np.concatenate(pieces["idx"])
    obs = pd.DataFrame({
        "indicator": as_labels(np.concatenate(pieces["code"])), "unit": as_labels(unit[idx]),
        "city": as_labels(city[idx]), "industry": as_labels(industry[idx]), "period": as_labels(labels[idx]),
        "value": np.concatenate(pieces["value"]), "n_rows": np.concatenate(pieces["n_rows"]),
    })
    return obs, log
