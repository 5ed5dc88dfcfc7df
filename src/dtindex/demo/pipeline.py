"""The demo pipeline: synthetic records -> DuckDB aggregation -> two index builds -> a release folder.

Stages (each reported to ``progress`` when it starts):

1. ``generate``: :func:`dtindex.demo.generator.generate` writes ``OUT/raw``
   (Parquet records, enterprise directory, manifest).
2. ``aggregate``: :func:`dtindex.demo.aggregate.aggregate_records` runs the
   raw-record engine (:func:`dtindex.engine.aggregate`) on the ``sources`` of
   ``specs/dti-2023-industry.yaml``: ``(adcode, industry, quarter, indicator)`` values.
3. ``build``: the city index (``specs/dti-2023.yaml``; units = city adcodes,
   each value the sum over the city's industries) and the industry index
   (``specs/dti-2023-industry.yaml``; units = ``"<adcode>:<industry>"`` for
   every city-industry pair that has enterprises) are built with
   :func:`dtindex.index.build` on in-memory panels. A city or pair without
   records for an indicator in a quarter has value 0 (no activity), not a
   missing value.
4. ``release``: :func:`dtindex.release.write_release` writes ``OUT/release``
   with builds ``city`` and ``industry``, ``release.json`` (labelled
   ``synthetic: true``, with the generator parameters, seed, size and record
   counts) and ``units.csv``, ``industries.csv``, ``city_data.csv``,
   ``industry_data.csv`` (the aggregated indicator values each build read, in
   the COINr wide layout, so ``dtindex build SPEC --set data.path=...``
   rebuilds either index from the release).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows
from ..index import Index, build
from ..io.tables import file_sha256
from ..panel import Panel
from ..periods import parse_period
from ..release import RELEASE_FILE, write_release
from ..spec.index_spec import load_spec
from .aggregate import SOURCES_SPEC, Aggregates, aggregate_records
from .generator import MANIFEST, RawData, demo_cities, generate, industries, read_manifest
from .params import SIZES, GeneratorParams, params_for_size

__all__ = ["SPECS", "STAGES", "DemoResult", "city_panel", "industry_panel", "run_demo", "spec_file"]

STAGES = ("generate", "aggregate", "build", "release")
#: Build name -> spec file in ``dtindex/specs``.
SPECS = {"city": "dti-2023.yaml", "industry": "dti-2023-industry.yaml"}

TITLE = "数字化转型指数报告（合成数据演示）"
TITLE_EN = "Digital Transformation Index report (synthetic demo data)"
NOTICE = ("SYNTHETIC DATA: every number is computed from activity records generated at random by dtindex.demo "
          "(seeded, documented parameters); they are not real telemetry and describe no real city or industry.")
NOTICE_ZH = "合成数据：所有数字均由 dtindex.demo 随机生成的活动记录计算得出（固定种子、参数公开），并非真实数据，不反映任何真实城市或行业。"


def spec_file(name: str) -> Any:
    """A traversable for a shipped spec file (use with ``importlib.resources.as_file``)."""
    return resources.files("dtindex") / "specs" / name


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What :func:`run_demo` made. ``timings`` are wall seconds per stage."""

    out_dir: Path
    raw_dir: Path
    release_dir: Path
    size: str
    params: GeneratorParams
    raw: RawData
    aggregates: Aggregates
    city: Index
    industry: Index
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------- panels
def _positions(keys: pd.Series, index: pd.Index, what: str, where: str) -> np.ndarray:
    pos = index.get_indexer(keys)
    if (pos < 0).any():
        bad = pd.unique(keys[pos < 0])
        raise DataError(f"{where}: {what} not in the unit list: {describe_rows(bad)}")
    return pos


def _fill(values: pd.DataFrame, unit_pos: np.ndarray, periods: list[str], n_units: int,
          indicators: list[str], where: str) -> dict[str, np.ndarray]:
    """Sum values into period-major flat arrays (zeros where a unit has no records)."""
    p_pos = _positions(values["quarter"], pd.Index(periods), "quarters", where)
    i_pos = _positions(values["indicator"], pd.Index(indicators), "indicators", where) if len(indicators) else None
    n = n_units * len(periods)
    flat = p_pos * n_units + unit_pos
    v = values["value"].to_numpy(dtype=float)
    return {code: np.bincount(flat[i_pos == k], weights=v[i_pos == k], minlength=n) for k, code in enumerate(indicators)}


def city_panel(values: pd.DataFrame, cities: pd.DataFrame, periods: list[str], indicators: list[str]) -> Panel:
    """City panel: one unit per city (adcode order of ``cities``), each value summed over industries.

    ``values`` is the aggregation result (``adcode, industry, quarter,
    indicator, value``); rows of other indicators are ignored. Groups:
    ``province``, ``tier`` (2025 list) and ``cluster`` (``""`` outside the 11 clusters).
    """
    values = values[values["indicator"].isin(indicators)]
    units = pd.Index(cities["adcode"].astype(str))
    pos = _positions(values["adcode"], units, "city adcodes", "city panel")
    arrays = _fill(values, pos, periods, len(units), indicators, "city panel")
    n_p = len(periods)

    def text(col: str) -> np.ndarray:
        return np.tile(cities[col].astype(object).where(cities[col].notna(), "").to_numpy(dtype=object), n_p)

    groups = {"province": text("province"), "tier": text("tier_2025"), "cluster": text("cluster")}
    return Panel(tuple(units), tuple(cities["name"].astype(str)), tuple(parse_period(p) for p in periods), arrays,
                 groups, np.ones(len(units) * n_p, dtype=bool), source="demo city aggregates")


def industry_panel(values: pd.DataFrame, pairs: pd.DataFrame, cities: pd.DataFrame, inds: pd.DataFrame,
                   periods: list[str], indicators: list[str]) -> Panel:
    """City x industry panel: units ``"<adcode>:<industry>"`` for each row of ``pairs`` (adcode, industry).

    Groups: ``city`` (adcode), ``province`` and ``industry`` (code). Unit
    names read ``城市·行业``.
    """
    values = values[values["indicator"].isin(indicators)]
    codes = pairs["adcode"].astype(str) + ":" + pairs["industry"].astype(str)
    units = pd.Index(codes)
    keys = values["adcode"].astype(str) + ":" + values["industry"].astype(str)
    pos = _positions(keys, units, "city:industry pairs", "industry panel")
    arrays = _fill(values, pos, periods, len(units), indicators, "industry panel")
    cmeta = cities.set_index(cities["adcode"].astype(str))
    city_name = pairs["adcode"].map(cmeta["name"]).astype(object)
    ind_name = pairs["industry"].map(inds.set_index("code")["name"]).astype(object)
    if city_name.isna().any() or ind_name.isna().any():
        bad = codes[city_name.isna().to_numpy() | ind_name.isna().to_numpy()]
        raise DataError(f"industry panel: unknown city or industry in {describe_rows(bad)}")
    names = tuple(city_name + "·" + ind_name)
    n_p = len(periods)
    groups = {
        "city": np.tile(pairs["adcode"].to_numpy(dtype=object), n_p),
        "province": np.tile(pairs["adcode"].map(cmeta["province"]).to_numpy(dtype=object), n_p),
        "industry": np.tile(pairs["industry"].to_numpy(dtype=object), n_p),
    }
    return Panel(tuple(units), names, tuple(parse_period(p) for p in periods), arrays, groups,
                 np.ones(len(units) * n_p, dtype=bool), source="demo industry aggregates")


# ---------------------------------------------------------------------- run
def _load(name: str, stack: ExitStack, measured: set[str]) -> tuple[Any, Any, Path, Path]:
    """Spec, framework, folder and path of a shipped spec (kept on disk while ``stack`` is open)."""
    path = stack.enter_context(resources.as_file(spec_file(name)))
    spec, base_dir = load_spec(path)
    fw = spec.build_framework(base_dir)
    missing = [c for c in fw.indicators if c not in measured]
    if missing:
        raise DataError(f"{name}: indicators {describe_rows(missing)} are not defined in the sources of {SOURCES_SPEC}")
    return spec, fw, base_dir, path


def run_demo(out_dir: str | Path = "build/demo", *, size: str = "medium", seed: int | None = None,
             params: GeneratorParams | None = None, progress: Callable[[str], None] | None = None,
             memory_limit: str = "2GB", threads: int | None = None) -> DemoResult:
    """Generate synthetic records, aggregate them, build both indices and write the release.

    Parameters
    ----------
    out_dir : path
        Receives ``raw/`` (Parquet records) and ``release/``.
    size : 'small', 'medium' or 'large'
        Size preset (:data:`dtindex.demo.params.SIZES`); ignored when ``params`` is given.
    seed : int, optional
        Overrides the preset's seed.
    params : GeneratorParams, optional
        Full generator parameters instead of a preset.
    progress : callable(stage), optional
        Called with each stage name of :data:`STAGES` as it starts.
    memory_limit, threads
        DuckDB settings for the aggregation (spills to ``OUT/.duckdb-tmp``).

    Returns
    -------
    DemoResult
    """
    tick = progress or (lambda stage: None)
    custom = params is not None
    if params is None:
        params = params_for_size(size, seed=seed)
    elif seed is not None:
        params = replace(params, seed=int(seed))
    out = Path(out_dir)
    rel_dir = out / "release"
    if rel_dir.exists() and not (rel_dir / RELEASE_FILE).exists() and any(rel_dir.iterdir()):
        # checked before generating, so a refused run leaves raw/ untouched as well
        raise DataError(f"{rel_dir}: folder exists and is not a dtindex release; choose another output folder")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    tick("generate")
    raw = generate(out / "raw", params, threads=threads)
    timings["generate"] = time.perf_counter() - t0

    tick("aggregate")
    t = time.perf_counter()
    periods = list(raw.records_by_quarter)
    tmp_dir = out / ".duckdb-tmp"
    with resources.as_file(spec_file(SOURCES_SPEC)) as sources_path:
        sources_spec, _ = load_spec(sources_path)
        sources_sha = file_sha256(sources_path)
    try:
        agg = aggregate_records(out, spec=sources_spec, manifest=read_manifest(raw.path), memory_limit=memory_limit,
                                threads=threads, temp_directory=tmp_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    read_by_quarter = {q: agg.records_by_quarter.get(q, 0) for q in periods}
    if not agg.unused_products and read_by_quarter != raw.records_by_quarter:
        raise DataError(f"{raw.path}: the aggregation read {read_by_quarter} records per quarter but the "
                        f"generator wrote {raw.records_by_quarter}")
    pairs = raw.enterprise_counts
    timings["aggregate"] = time.perf_counter() - t

    tick("build")
    t = time.perf_counter()
    cities = demo_cities(params)
    inds = industries()
    inputs = {f"raw:{MANIFEST}": file_sha256(raw.path / MANIFEST)}
    measured = {i.get("code") for src in sources_spec.sources for i in src.get("indicators", [src])}
    built: dict[str, Index] = {}
    with ExitStack() as stack:
        for name, file in SPECS.items():
            spec, fw, base_dir, path = _load(file, stack, measured)
            codes = list(fw.indicators)
            if name == "city":
                panel = city_panel(agg.values, cities, periods, codes)
            else:
                panel = industry_panel(agg.values, pairs[["adcode", "industry"]], cities, inds, periods, codes)
            built[name] = build(spec, fw, panel, base_dir=base_dir,
                                inputs={f"spec:{file}": file_sha256(path), **inputs})
    city, industry = built["city"], built["industry"]
    timings["build"] = time.perf_counter() - t

    tick("release")
    t = time.perf_counter()
    per_city = pairs.groupby("adcode", sort=True)["enterprises"].sum()
    per_ind = pairs.groupby("industry", sort=True)["enterprises"].sum()
    units = cities[["adcode", "name", "name_en", "province_adcode", "province", "level", "tier_2025", "cluster",
                    "lat", "lon"]].copy()
    units["enterprises"] = units["adcode"].map(per_city).fillna(0).astype(np.int64).to_numpy()
    ind_table = inds.copy()
    ind_table["enterprises"] = ind_table["code"].map(per_ind).fillna(0).astype(np.int64).to_numpy()
    meta = {
        "name": "dti-2023-demo",
        "title": TITLE,
        "title_en": TITLE_EN,
        "synthetic": True,
        "notice": NOTICE,
        "notice_zh": NOTICE_ZH,
        "size": "custom" if custom else size,
        "seed": params.seed,
        "generator": params.to_dict(),
        "sizes": SIZES,
        "records": {
            "total": raw.n_records,
            "by_quarter": raw.records_by_quarter,
            "by_product": raw.records_by_product,
            "enterprises": raw.n_enterprises,
            "cities": len(cities),
            "industries": len(inds),
            "industry_units": len(pairs),
        },
        "specs": {name: Path(file).stem for name, file in SPECS.items()},
        "periods": periods,
        "base_period": city.period_labels[city.base_position] if city.base_position is not None else None,
        "tier_list": "2025",
        "unit_files": {"city": "units.csv", "industry": "industries.csv"},
        "aggregation": {
            "engine": agg.engine,
            "spec": SOURCES_SPEC,
            "spec_sha256": sources_sha,
            "sources": sources_spec.sources,
            "source_paths": "relative to the demo output folder (the parent of release/)",
            "sql": agg.sql,
            "records_read": {"by_quarter": agg.records_by_quarter, "by_product": agg.records_by_product},
            "unused_products": agg.unused_products,
        },
    }
    from .future_pipeline import run_future  # the future-industry part (docs/future-industry.md)

    future = run_future(out, size=meta["size"], seed=params.seed, cities=cities, dti=city)
    meta["future"] = future.meta
    release = write_release(rel_dir, {"city": city, "industry": industry, **future.builds}, meta=meta, extra_files={
        "units.csv": units,
        "industries.csv": ind_table,
        "city_data.csv": city.panel.to_frame(),
        "industry_data.csv": industry.panel.to_frame(),
        **future.files,
    })
    timings["release"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return DemoResult(out, raw.path, release, size, params, raw, agg, city, industry, timings)
