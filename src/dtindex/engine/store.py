"""Workspace store: one DuckDB file with aggregated observations and versioned releases.

The dashboard and the reports read from this one file. Tables:

``observations``
    The current aggregated values (indicator, unit, city, industry, period,
    value, n_rows, batch_id).
``loads``
    Which (indicator, period) pairs are in ``observations`` and the hash of the
    indicator's definition (source, measure, filters, policies, code list)
    they were computed with. A period whose pair is missing, or whose
    definition changed, is aggregated again; nothing else is re-read.
``batches`` / ``build_log``
    One row per aggregation run, and its dirty-data counts.
``releases`` and ``release_observations`` / ``release_scores`` /
``release_ranks`` / ``release_weights``
    Published releases: a copy of the observations and the index results,
    keyed by release name. A release is written once and never changed, so
    earlier releases stay readable exactly as published.

Every write runs in one transaction (``BEGIN`` ... ``COMMIT``; ``ROLLBACK``
on any error): a crash leaves the store as it was before the write. DuckDB
allows one writing process at a time; readers in other processes should open
the file after the write finished.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .. import __version__
from ..errors import DataError, SpecError, describe_rows
from ..periods import parse_period
from .grouped import OBS_COLUMNS
from .spec import EngineConfig
from .validate import LOG_COLUMNS

SCHEMA_VERSION = "1"
TABLES = {
    "meta": "key VARCHAR, value VARCHAR",
    "batches": "batch_id BIGINT, created_at TIMESTAMP, engine VARCHAR, periods VARCHAR, indicators VARCHAR",
    "loads": "indicator VARCHAR, period VARCHAR, definition VARCHAR, batch_id BIGINT",
    "observations": "indicator VARCHAR, unit VARCHAR, city VARCHAR, industry VARCHAR, period VARCHAR, "
                    "value DOUBLE, n_rows BIGINT, batch_id BIGINT",
    "build_log": "batch_id BIGINT, source VARCHAR, indicator VARCHAR, category VARCHAR, policy VARCHAR, "
                 "n_rows BIGINT, detail VARCHAR",
    "releases": "release VARCHAR PRIMARY KEY, created_at TIMESTAMP, periods VARCHAR, spec VARCHAR, note VARCHAR, "
                "dtindex_version VARCHAR",
    "release_observations": "release VARCHAR, indicator VARCHAR, unit VARCHAR, city VARCHAR, industry VARCHAR, "
                            "period VARCHAR, value DOUBLE, n_rows BIGINT",
    "release_scores": "release VARCHAR, uCode VARCHAR, Time VARCHAR, iCode VARCHAR, Level INTEGER, value DOUBLE",
    "release_ranks": "release VARCHAR, uCode VARCHAR, Time VARCHAR, iCode VARCHAR, rank DOUBLE",
    "release_weights": "release VARCHAR, iCode VARCHAR, Parent VARCHAR, weight DOUBLE, method VARCHAR",
}


def definition_hashes(config: EngineConfig) -> dict[str, str]:
    """sha256 of everything that decides an indicator's values, per indicator code."""
    codes = hashlib.sha256("\n".join(sorted(config.city_codes())).encode()).hexdigest()
    out = {}
    for s in config.sources:
        src = s.model_dump(mode="json", exclude={"indicators", "policies", "name"})
        for ind in s.indicators:
            payload = {"source": src, "indicator": ind.model_dump(mode="json"),
                       "policies": config.policies(s).model_dump(), "codes": codes,
                       "unknown": config.engine.unknown_unit, "freq": config.freq, "timezone": config.engine.timezone}
            out[ind.code] = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return out


@dataclass(frozen=True)
class SyncResult:
    """What :meth:`Store.sync` did: periods aggregated per source, periods reused, the dirty-data log."""

    aggregated: dict[str, tuple[str, ...]]
    reused: tuple[str, ...]
    log: pd.DataFrame
    batch_id: int | None

    def messages(self) -> list[str]:
        out = []
        for source, periods in self.aggregated.items():
            if periods:
                out.append(f"store: source {source}: aggregated {_span(periods)}")
        if self.reused:
            out.append(f"store: reused {_span(self.reused)} from the store")
        return out


def _span(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else f"{len(labels)} periods ({labels[0]}..{labels[-1]})"


@dataclass(frozen=True)
class StoreRelease:
    """A published release read back from the store."""

    name: str
    created_at: _dt.datetime
    periods: tuple[str, ...]
    spec: str
    note: str | None
    observations: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame


class Store:
    """The workspace DuckDB file (see the module docstring).

    Each method opens the file, does its work (in one transaction when it
    writes) and closes it, so no lock is held between calls.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            self._init(con)

    # ------------------------------------------------------------------ plumbing
    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise DataError(f"store {self.path}: cannot open: {str(exc).splitlines()[0]}") from None

    def _init(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("BEGIN")
        try:
            for name, columns in TABLES.items():
                con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
            have = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if have is None:
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            elif have[0] != SCHEMA_VERSION:
                raise DataError(f"store {self.path}: schema version {have[0]}; this dtindex reads version {SCHEMA_VERSION}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _write(self, fn: Any) -> Any:
        """Run ``fn(con)`` in one transaction."""
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                out = fn(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return out

    def _read(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self._connect() as con:
            cur = con.execute(sql, params or [])
            rows = cur.fetchall()
            names = [d[0] for d in cur.description]
        return pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)

    # ------------------------------------------------------------------ observations
    def sync(self, config: EngineConfig, backend: Any = None, *, periods: list[str] | None = None,
             refresh: bool = False) -> SyncResult:
        """Aggregate what the store lacks and write it in one transaction.

        For each source, the periods (of ``periods``, default all declared)
        for which some indicator has no load with its current definition are
        aggregated -- restricted to those periods, so only their partitions
        are read -- and replace that source's observations of those periods.
        ``refresh`` re-aggregates the periods even when loaded (corrected raw
        data). A source with nothing loaded yet is scanned whole, so rows
        outside the declared periods are checked once.
        """
        from .aggregation import aggregate, open_backend

        targets = [parse_period(p, where="periods").label for p in periods] if periods else [p.label for p in config.periods]
        declared = [p.label for p in config.periods]
        outside = [p for p in targets if p not in declared]
        if outside:
            raise SpecError(f"store: periods {describe_rows(outside)} are not among the declared periods "
                            f"{declared[0]}..{declared[-1]}")
        hashes = definition_hashes(config)
        loads = self._read("SELECT indicator, period, definition FROM loads")
        loaded = {(r.indicator, r.period): r.definition for r in loads.itertuples(index=False)}
        plan: dict[int, list[str]] = {}
        for i, s in enumerate(config.sources):
            todo = [p for p in targets if refresh or any(loaded.get((ind.code, p)) != hashes[ind.code] for ind in s.indicators)]
            if todo:
                plan[i] = todo
        if not plan:
            return SyncResult({}, tuple(targets), pd.DataFrame(columns=LOG_COLUMNS), None)
        own = backend is None
        backend = backend or open_backend(config)
        results = {}
        try:
            for i, todo in plan.items():
                s = config.sources[i]
                fresh = not any((ind.code, p) in loaded for ind in s.indicators for p in declared)
                whole = fresh and todo == declared
                sub = replace(config, sources=(s,))
                results[i] = (todo, aggregate(sub, backend, periods=None if whole else todo))
        finally:
            if own:
                backend.close()

        def write(con: duckdb.DuckDBPyConnection) -> int:
            batch = con.execute("SELECT COALESCE(MAX(batch_id), 0) + 1 FROM batches").fetchone()[0]
            all_periods = sorted({p for todo, _ in results.values() for p in todo})
            codes = [ind.code for i in results for ind in config.sources[i].indicators]
            con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
                        [batch, _dt.datetime.now().replace(microsecond=0), config.engine.name,
                         ",".join(all_periods), ",".join(codes)])
            for i, (todo, agg) in results.items():
                inds = [ind.code for ind in config.sources[i].indicators]
                con.execute("DELETE FROM observations WHERE list_contains(?, indicator) AND list_contains(?, period)",
                            [inds, todo])
                con.execute("DELETE FROM loads WHERE list_contains(?, indicator) AND list_contains(?, period)", [inds, todo])
                obs = agg.observations.copy()
                obs["batch_id"] = batch
                _insert(con, "observations", obs, [*OBS_COLUMNS, "batch_id"])
                loads_df = pd.DataFrame([(c, p, hashes[c], batch) for c in inds for p in todo],
                                        columns=["indicator", "period", "definition", "batch_id"])
                _insert(con, "loads", loads_df, list(loads_df.columns))
                log = agg.log.copy()
                log.insert(0, "batch_id", batch)
                _insert(con, "build_log", log, ["batch_id", *LOG_COLUMNS])
            return batch

        batch = self._write(write)
        logs = [agg.log for _, agg in results.values()]
        log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
        done = {config.sources[i].label: tuple(todo) for i, (todo, _) in results.items()}
        touched = {p for todo, _ in results.values() for p in todo}
        reused = tuple(p for p in targets if p not in touched)
        return SyncResult(done, reused, log, batch)

    def observations(self, indicators: list[str] | None = None, periods: list[str] | None = None) -> pd.DataFrame:
        """Current observations (``indicator, unit, city, industry, period, value, n_rows``)."""
        sql = f"SELECT {', '.join(OBS_COLUMNS)} FROM observations WHERE TRUE"
        params: list[Any] = []
        if indicators is not None:
            sql += " AND list_contains(?, indicator)"
            params.append(list(indicators))
        if periods is not None:
            sql += " AND list_contains(?, period)"
            params.append(list(periods))
        df = self._read(sql + " ORDER BY indicator, period, unit", params)
        return _typed_obs(df)

    def build_log(self, batch_id: int | None = None) -> pd.DataFrame:
        """Dirty-data counts of one aggregation run (default: every run)."""
        sql = "SELECT * FROM build_log"
        params: list[Any] = []
        if batch_id is not None:
            sql += " WHERE batch_id = ?"
            params.append(batch_id)
        return self._read(sql + " ORDER BY batch_id, source, indicator, category", params)

    def batches(self) -> pd.DataFrame:
        return self._read("SELECT * FROM batches ORDER BY batch_id")

    # ------------------------------------------------------------------ releases
    def publish(self, name: str, index: Any, *, note: str | None = None) -> None:
        """Write ``index`` (an :class:`~dtindex.index.Index`) as release ``name``, once.

        The release holds the observations of the index's indicators and
        periods as they are now, the scores, ranks and weights, and the spec.
        A release name that exists is refused: releases are never changed.
        """
        from ..spec.index_spec import dump_spec

        if not name or not name.strip():
            raise SpecError("store: a release needs a name (e.g. 2023Q2)")
        if not self._read("SELECT release FROM releases WHERE release = ?", [name]).empty:
            raise DataError(f"store {self.path}: release {name!r} exists; releases are never changed, choose a new name")
        periods = [p for p in index.period_labels]
        codes = [*index.framework.indicators, *index.framework.denominators]
        scores = index.scores_long()
        ranks = index.ranks_long()
        ranks["rank"] = pd.to_numeric(ranks["rank"], errors="coerce").astype(float)
        weights = index.weights_table()

        def write(con: duckdb.DuckDBPyConnection) -> None:
            con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                        [name, _dt.datetime.now().replace(microsecond=0), ",".join(periods), dump_spec(index.spec), note,
                         __version__])
            con.execute(
                "INSERT INTO release_observations SELECT ?, indicator, unit, city, industry, period, value, n_rows "
                "FROM observations WHERE list_contains(?, indicator) AND list_contains(?, period) "
                "ORDER BY indicator, period, unit", [name, codes, periods])
            _insert(con, "release_scores", scores.assign(release=name), ["release", "uCode", "Time", "iCode", "Level", "value"])
            _insert(con, "release_ranks", ranks.assign(release=name), ["release", "uCode", "Time", "iCode", "rank"])
            _insert(con, "release_weights", weights.assign(release=name)[["release", "iCode", "Parent", "weight", "method"]],
                    ["release", "iCode", "Parent", "weight", "method"])

        self._write(write)

    def releases(self) -> pd.DataFrame:
        """Published releases: ``release, created_at, periods, note, dtindex_version``."""
        return self._read("SELECT release, created_at, periods, note, dtindex_version FROM releases ORDER BY created_at, release")

    def release(self, name: str) -> StoreRelease:
        """Read a published release back."""
        meta = self._read("SELECT * FROM releases WHERE release = ?", [name])
        if meta.empty:
            have = self._read("SELECT release FROM releases ORDER BY release")["release"].tolist()
            raise DataError(f"store {self.path}: no release {name!r}; releases are {describe_rows(have) or 'none'}")
        m = meta.iloc[0]
        obs = _typed_obs(self._read(f"SELECT {', '.join(OBS_COLUMNS)} FROM release_observations WHERE release = ? "
                                    "ORDER BY indicator, period, unit", [name]))
        scores = self._read("SELECT uCode, Time, iCode, Level, value FROM release_scores WHERE release = ? "
                            "ORDER BY rowid", [name])
        scores["Level"] = scores["Level"].astype(int)
        scores["value"] = scores["value"].astype(float)
        ranks = self._read("SELECT uCode, Time, iCode, rank FROM release_ranks WHERE release = ? ORDER BY rowid", [name])
        ranks["rank"] = ranks["rank"].astype(float)
        weights = self._read("SELECT iCode, Parent, weight, method FROM release_weights WHERE release = ? ORDER BY rowid",
                             [name])
        weights["weight"] = weights["weight"].astype(float)
        periods = tuple(p for p in str(m["periods"]).split(",") if p)
        return StoreRelease(name, m["created_at"], periods, m["spec"], m["note"], obs, scores, ranks, weights)


def _typed_obs(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in ("indicator", "unit", "city", "industry", "period"):
        out[c] = out[c].astype(object)
    out["value"] = pd.to_numeric(out["value"]).astype(float) if len(out) else pd.Series([], dtype=float)
    out["n_rows"] = pd.to_numeric(out["n_rows"]).astype("int64") if len(out) else pd.Series([], dtype="int64")
    return out.reset_index(drop=True)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """Append a DataFrame's columns to a table (inside the caller's transaction)."""
    if frame.empty:
        return
    data = frame[columns].copy()
    for c in data.columns:
        if data[c].dtype == object or str(data[c].dtype) in ("str", "string"):
            data[c] = data[c].astype(object).where(data[c].notna(), None)
    con.register("dt_insert", data)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM dt_insert")
    finally:
        con.unregister("dt_insert")
