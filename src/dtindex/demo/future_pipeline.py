"""The demo's future-industry part: synthetic start-ups -> engine -> future-industry builds.

Called by :func:`dtindex.demo.pipeline.run_demo` before the release is written:
:func:`run_future` generates ``OUT/raw/future/`` (:mod:`dtindex.demo.startups`),
builds ``specs/future-industry.yaml`` on it with :func:`dtindex.future.build_future`
and returns the builds (``future``: provinces, ``future_city``: cities), the
release files and the release metadata.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..future.build import FutureBuild, build_future, release_files, release_meta
from ..io.tables import file_sha256
from .startups import STARTUP_SIZES, StartupData, generate_startups, startup_params_for_size

SPEC = "future-industry.yaml"
#: release build name -> FutureBuild attribute
BUILDS = {"future": "province", "future_city": "city"}
FILES = ("future_units.csv", "future_measures.csv", "future_ai.csv", "future_taxonomy.csv", "future_environment.csv")


@dataclass(frozen=True, eq=False)
class FutureOutputs:
    """The demo's future-industry (and links) results: builds, release files and metadata."""

    data: StartupData
    result: FutureBuild
    builds: dict[str, Any]
    files: dict[str, pd.DataFrame]
    meta: dict[str, Any]


def run_future(out_dir: str | Path, *, size: str, seed: int | None, cities: pd.DataFrame, dti: Any = None) -> FutureOutputs:
    """Generate the synthetic start-up tables under ``out_dir/raw/future`` and build the index on them.

    ``dti``: the city DTI build; when given, the links between the indices are
    computed too (:mod:`dtindex.demo.links`; files ``links_*.csv``, metadata ``links``).
    """
    out = Path(out_dir)
    params = startup_params_for_size(size if size in STARTUP_SIZES else "medium", seed=seed)
    data = generate_startups(out / "raw" / "future", params, cities=cities)
    with ExitStack() as stack:
        path = stack.enter_context(resources.as_file(resources.files("dtindex") / "specs" / SPEC))
        inputs = {"raw:future/manifest.json": file_sha256(data.path / "manifest.json")}
        result = build_future(path, data_dir=out / "raw", cities=cities, inputs=inputs)
    builds = {name: getattr(result, attr) for name, attr in BUILDS.items()}
    files = {**release_files(result), "future_environment.csv": data.environment}
    if dti is not None:
        from .links import links_table, run_links

        links = run_links(links_table(dti, result.city, result.measures, result.ai, data.environment, result.units))
        files.update(links.files)
    meta = {
        "synthetic": True,
        "spec": Path(SPEC).stem,
        **release_meta(result),
        "generator": params.to_dict(),
        "rows": {"registry": len(data.registry), "financing": len(data.financing), "patents": len(data.patents)},
        "files": list(FILES),
        "notice": "SYNTHETIC DATA: start-ups, financing events and patents drawn at random by dtindex.demo.startups.",
    }
    if dti is not None:
        meta["links"] = links.meta
    return FutureOutputs(data, result, builds, files, meta)
