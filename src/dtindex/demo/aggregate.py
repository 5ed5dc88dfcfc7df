"""The demo's raw records -> indicator values per (city, industry, quarter), through the raw-record engine.

The demo has no aggregation code of its own: the ``sources`` section of the
shipped spec ``specs/dti-2023-industry.yaml`` declares every indicator over the
records, exactly as a user would (see ``docs/demo.md``), and
:func:`dtindex.engine.aggregate` runs it:

=========  ==================================  ===========================================
indicator  measure (``filter: product = ...``)  meaning
=========  ==================================  ===========================================
cloud      ``sum(amount)``                     cloud spend, yuan
ai         ``sum(events)``                     AI service API calls
agile      ``count(distinct enterprise_id)``   enterprises active on the agile R&D tool
meeting    ``sum(amount)``                     online meeting minutes
docs       ``count(*)``                        active enterprise-weeks (days) of online documents
payment    ``sum(amount)``                     payment value, yuan
ecommerce  ``sum(amount)``                     e-commerce GMV, yuan
ticketing  ``sum(events)``                     tickets sold
=========  ==================================  ===========================================

The records are joined to ``enterprises.parquet`` for city and industry by the
source's ``lookup``; the quarter of a record is the calendar quarter of its
``date``. The engine's dirty-data policies (all ``fail``) make records whose
enterprise is not in the directory, negative summed values and records
outside the spec's quarters errors. What this module adds is bookkeeping: the
records the engine read per quarter and product (``n_rows`` of each
indicator), checked against the generator's manifest, and the records of
products no indicator reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows

__all__ = ["SOURCES_SPEC", "Aggregates", "aggregate_records", "indicator_products", "load_sources_spec"]

#: The shipped spec whose ``sources`` section the demo aggregates (paths relative to the demo output folder).
SOURCES_SPEC = "dti-2023-industry.yaml"
VALUE_COLUMNS = ["adcode", "industry", "quarter", "indicator", "value"]


@dataclass(frozen=True, eq=False)
class Aggregates:
    """Result of :func:`aggregate_records`.

    ``values``: ``adcode, industry, quarter, indicator, value`` (sorted; only
    combinations with records). ``records_by_quarter`` / ``records_by_product``
    count the records the engine read (the ``n_rows`` of the indicators);
    ``unused_products`` counts records of products no indicator reads (from the
    generator's manifest); ``sql`` is the engine's main query and ``log`` its
    dirty-data log (empty on clean data); ``engine`` the backend (``duckdb 1.2.0``, ``spark``).
    """

    values: pd.DataFrame
    n_records: int
    records_by_quarter: dict[str, int]
    records_by_product: dict[str, int]
    unused_products: dict[str, int] = field(default_factory=dict)
    sql: str = ""
    log: pd.DataFrame | None = None
    engine: str = "duckdb"


def load_sources_spec(path: str | Path | None = None) -> tuple[Any, Path]:
    """The spec holding the demo's ``sources`` (default: the shipped :data:`SOURCES_SPEC`) and its folder."""
    from importlib import resources

    from ..spec.index_spec import load_spec

    if path is not None:
        return load_spec(Path(path))
    with resources.as_file(resources.files("dtindex") / "specs" / SOURCES_SPEC) as p:
        return load_spec(p)


def indicator_products(config: Any, column: str = "product") -> dict[str, str]:
    """``{indicator: product}`` for the indicators whose filter is ``<column> = '<product>'``.

    Read from the parsed filters of the engine config (sqlglot trees), so the
    product bookkeeping follows whatever the spec declares.
    """
    from sqlglot import exp

    out = {}
    for source in config.sources:
        for ind in source.indicators:
            node = ind.part_filter("numerator")
            if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and node.this.name == column \
                    and isinstance(node.expression, exp.Literal) and node.expression.is_string:
                out[ind.code] = node.expression.this
    return out


def aggregate_records(out_dir: str | Path, *, spec: Any = None, manifest: dict[str, Any] | None = None,
                      memory_limit: str = "2GB", threads: int | None = None,
                      temp_directory: str | Path | None = None, engine: str | None = None,
                      backend: Any = None) -> Aggregates:
    """Aggregate the demo records under ``out_dir/raw`` with the engine, from the spec's ``sources``.

    Parameters
    ----------
    out_dir : str or Path
        The demo output folder: the spec's relative source paths (``raw/records``,
        ``raw/enterprises.parquet``) resolve against it.
    spec : IndexSpec, optional
        A spec with ``sources`` and ``periods``; default the shipped :data:`SOURCES_SPEC`.
    manifest : dict, optional
        ``records_by_quarter`` / ``records_by_product`` the generator wrote
        (:func:`dtindex.demo.generator.read_manifest`); when given, the records
        the engine read per product must equal them, and products no indicator
        reads are reported as ``unused_products``.
    memory_limit, threads, temp_directory, engine
        Engine settings overriding the spec's ``engine`` section.
    backend : optional
        An open engine backend (tests share one Spark session).

    Returns
    -------
    Aggregates
    """
    from ..engine import aggregate, engine_config, explain, open_backend

    if spec is None:
        spec, _ = load_sources_spec()
    settings = {**(spec.engine or {}), "memory_limit": memory_limit}
    if threads:
        settings["threads"] = int(threads)
    if temp_directory is not None:
        settings["temp_directory"] = str(temp_directory)
    config = engine_config(spec.model_copy(update={"engine": settings}), Path(out_dir), engine=engine)
    own = backend is None
    backend = backend or open_backend(config)
    try:
        result = aggregate(config, backend)
        plans = explain(config, backend, with_plan=True)  # the query that ran, for release.json
    finally:
        if own:
            backend.close()
    obs = result.observations
    values = pd.DataFrame({"adcode": obs["city"].astype(object), "industry": obs["industry"].astype(object),
                           "quarter": obs["period"].astype(object), "indicator": obs["indicator"].astype(object),
                           "value": obs["value"].to_numpy(dtype=np.float64)})
    values = values.sort_values(VALUE_COLUMNS[:4], kind="stable").reset_index(drop=True)
    sql = "\n\n".join(f"-- source {label}\n{text};" for label, text in plans.items()) + "\n"

    products = indicator_products(config)
    read = obs[obs["indicator"].isin(list(products))]
    # each product once (two indicators may measure the same product's records)
    first = {}
    for code, product in products.items():
        first.setdefault(product, code)
    read = read[read["indicator"].isin(list(first.values()))]
    n_rows = read["n_rows"].to_numpy(dtype=np.int64)
    by_p = pd.Series(n_rows).groupby(read["indicator"].map(products).to_numpy()).sum()
    by_q = pd.Series(n_rows).groupby(read["period"].to_numpy()).sum()
    records_by_product = {p: int(by_p.get(p, 0)) for p in sorted(first)}
    records_by_quarter = {q: int(by_q.get(q, 0)) for q in result.periods}
    unused: dict[str, int] = {}
    if manifest is not None:
        written = {str(p): int(n) for p, n in manifest["records_by_product"].items()}
        unused = {p: n for p, n in sorted(written.items()) if p not in first and n}
        wrong = [f"{p}: read {records_by_product[p]:,}, written {written.get(p, 0):,}"
                 for p in records_by_product if records_by_product[p] != written.get(p, 0)]
        if wrong:
            raise DataError(f"{Path(out_dir) / 'raw'}: the engine read other record counts than the generator wrote "
                            f"({describe_rows(wrong)})")
        outside = [q for q, n in manifest["records_by_quarter"].items() if n and q not in records_by_quarter]
        if outside:
            raise DataError(f"{Path(out_dir) / 'raw'}: records of quarters {describe_rows(outside)} are outside the "
                            f"spec's periods {result.periods[0]}..{result.periods[-1]}")
    version = result.engine
    if result.engine == "duckdb":
        import duckdb

        version = f"duckdb {duckdb.__version__}"
    return Aggregates(values=values, n_records=int(n_rows.sum()), records_by_quarter=records_by_quarter,
                      records_by_product=records_by_product, unused_products=unused, sql=sql, log=result.log,
                      engine=version)

