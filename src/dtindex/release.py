"""Release folders: built indices written to disk and read back for analysis and reports.

A release is a folder with a ``release.json`` (name, title, whether the data are
synthetic, the builds it holds, free metadata) and one sub-folder per build,
each written by :meth:`dtindex.index.Index.write` (``scores.csv``, ``ranks.csv``,
``weights.csv``, ``recipe.json``, ...). Everything a report shows is computed
from these files, so a report can be regenerated from the release alone.

:class:`BuildResult` offers the read-only part of the :class:`~dtindex.index.Index`
interface (``scores_long``, ``ranks_long``, ``weights_table``, ``table``,
``framework``, ``weights``, ``period_labels``, ``units``, ``recipe``), so
analysis functions accept either a live index or a loaded build.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .errors import DataError, describe_rows
from .io.atomic import replace_dir
from .spec.framework import Framework, framework_from_records

RELEASE_FILE = "release.json"
BUILD_FILES = ("scores.csv", "ranks.csv", "weights.csv", "recipe.json")
UNITS_FILE = "units.csv"  # optional in a build folder: uCode, uName and group columns (written by Index.write)
#: Name of the one build of a release read from a plain build folder (``dtindex build --out D``).
SINGLE_BUILD = "index"
#: Spec fields copied into the metadata of a release read from a build folder (shown on the report's cover).
SPEC_META = ("name", "title", "title_en", "description", "source", "source_en", "unit", "unit_en", "edition", "synthetic")


@dataclass(frozen=True, eq=False)
class BuildResult:
    """One build of a release, read from its folder."""

    name: str
    path: Path
    framework: Framework
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights_frame: pd.DataFrame
    recipe_data: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path, name: str | None = None) -> "BuildResult":
        path = Path(path)
        missing = [f for f in BUILD_FILES if not (path / f).exists()]
        if missing:
            raise DataError(f"{path}: not a dtindex build folder; missing {', '.join(missing)}")
        recipe = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
        fw = framework_from_records(recipe["framework"], groups=recipe.get("groups", ()),
                                    denominators=recipe.get("denominators", ()), source=str(path / "recipe.json"))
        keep = {"uCode": str, "Time": str, "iCode": str}
        scores = pd.read_csv(path / "scores.csv", dtype=keep, keep_default_na=False, na_values={"value": [""]})
        ranks = pd.read_csv(path / "ranks.csv", dtype=keep, keep_default_na=False, na_values={"rank": [""]})
        weights = pd.read_csv(path / "weights.csv", dtype={"iCode": str, "Parent": str})
        return cls(name or path.name, path, fw, scores, ranks, weights, recipe)

    # --- the read-only Index interface -------------------------------------------------
    @property
    def period_labels(self) -> tuple[str, ...]:
        return tuple(self.recipe_data.get("periods") or [""])

    @cached_property
    def units(self) -> tuple[str, ...]:
        return tuple(pd.unique(self.scores["uCode"]))

    @property
    def root(self) -> str:
        return self.framework.root

    @property
    def weights(self) -> dict[str, float]:
        return dict(zip(self.weights_frame["iCode"], self.weights_frame["weight"].astype(float)))

    @property
    def base_period(self) -> str | None:
        return self.recipe_data.get("base_period")

    def recipe(self) -> dict[str, Any]:
        return self.recipe_data

    def scores_long(self) -> pd.DataFrame:
        return self.scores.copy()

    def ranks_long(self) -> pd.DataFrame:
        return self.ranks.copy()

    def weights_table(self) -> pd.DataFrame:
        return self.weights_frame.copy()

    def unit_names(self) -> dict[str, str]:
        """Unit code -> name from the build's ``units.csv`` (empty when the build has none)."""
        path = self.path / UNITS_FILE
        if not path.exists():
            return {}
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "uCode" not in df.columns or "uName" not in df.columns:
            return {}
        return {u: n for u, n in zip(df["uCode"], df["uName"]) if n}

    def rollup_weights(self) -> pd.DataFrame | None:
        """Weights of a ``weighted_mean`` roll-up (``rollup_weights.csv``) shaped as :meth:`table`; else None."""
        path = self.path / "rollup_weights.csv"
        if not path.exists():
            return None
        df = pd.read_csv(path, dtype={"uCode": str, "Time": str}, keep_default_na=False, na_values={"weight": [""]})
        wide = df.pivot(index="uCode", columns="Time", values="weight")
        periods = [p for p in self.period_labels if p in wide.columns] or list(wide.columns)
        wide = wide.reindex(index=pd.Index(self.units, name="uCode"), columns=periods).astype(float)
        wide.columns = [c or "value" for c in wide.columns]
        wide.columns.name = None
        return wide

    def table(self, code: str | None = None, *, what: str = "scores") -> pd.DataFrame:
        """Wide table of one node: rows = units (in file order), columns = periods.

        The periods are those of the recipe that the node has rows for (in the
        recipe's order), else the node's own period labels sorted. The long table
        is laid out once per build as a node x unit x period array, so that the
        report's hundred-odd tables each cost a slice instead of a scan and a pivot.
        """
        code = code or self.root
        self.framework[code]
        cube = self._cube(what)
        if cube is None or code not in cube.codes:  # duplicate rows, or no rows: the pivot says what is wrong
            return self._pivot(code, what)
        c = cube.codes[code]
        present = [t for t, j in cube.times.items() if cube.present[c, j]]
        periods = [p for p in self.period_labels if p in present] or sorted(present)
        # a row-major units x periods array, as the pivot lays its frame out; copy=False keeps that layout
        # (pandas would copy it column-major), so column sums add up in the same order, bit for bit
        data = np.ascontiguousarray(cube.values[c][:, [cube.times[p] for p in periods]])
        return pd.DataFrame(data, index=pd.Index(self.units, name="uCode"), columns=[p or "value" for p in periods],
                            copy=False)

    def _cube(self, what: str) -> "_Cube | None":
        cubes = self.__dict__.setdefault("_cubes", {})  # per-instance cache (the dataclass is frozen)
        if what not in cubes:
            df = self.scores if what == "scores" else self.ranks
            cubes[what] = _Cube.of(df, "value" if what == "scores" else "rank", self.units)
        return cubes[what]

    def _pivot(self, code: str, what: str) -> pd.DataFrame:
        df = self.scores if what == "scores" else self.ranks
        col = "value" if what == "scores" else "rank"
        wide = df[df["iCode"] == code].pivot(index="uCode", columns="Time", values=col)
        periods = [p for p in self.period_labels if p in wide.columns] or list(wide.columns)
        wide = wide.reindex(index=pd.Index(self.units, name="uCode"), columns=periods).astype(float)
        wide.columns = [c or "value" for c in wide.columns]
        wide.columns.name = None
        return wide


@dataclass(frozen=True, eq=False)
class _Cube:
    """A long (uCode, Time, iCode, value) table as a dense node x unit x period float array (NaN = no row)."""

    codes: dict[str, int]
    times: dict[str, int]
    values: np.ndarray
    present: np.ndarray  # node x period: the node has a row for the period (for any unit)

    @classmethod
    def of(cls, df: pd.DataFrame, col: str, units: tuple[str, ...]) -> "_Cube | None":
        c, codes = pd.factorize(df["iCode"], sort=False)
        t, times = pd.factorize(df["Time"], sort=False)
        u = pd.Index(units).get_indexer(df["uCode"])
        if (c < 0).any() or (t < 0).any():  # a missing node code or period label: the pivot handles it
            return None
        nc, nt, nu = len(codes), len(times), len(units)
        present = np.zeros((nc, nt), dtype=bool)
        present[c, t] = True
        ok = u >= 0
        key = (c[ok].astype(np.int64) * nu + u[ok]) * nt + t[ok]
        if len(np.unique(key)) != len(key):
            return None
        values = np.full((nc, nu, nt), np.nan)
        values[c[ok], u[ok], t[ok]] = df[col].to_numpy(dtype=float, na_value=np.nan)[ok]
        return cls({str(k): i for i, k in enumerate(codes)}, {str(k): j for j, k in enumerate(times)}, values, present)


@dataclass(frozen=True, eq=False)
class Release:
    """A release folder: metadata plus named builds."""

    path: Path
    meta: dict[str, Any]
    builds: dict[str, BuildResult] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> "Release":
        """Read a release folder, or a plain build folder (see :meth:`from_build`)."""
        path = Path(path)
        meta_path = path / RELEASE_FILE
        if not meta_path.exists():
            if path.is_dir() and all((path / f).exists() for f in BUILD_FILES):
                return cls.from_build(path)
            raise DataError(f"{path}: not a dtindex release folder (no {RELEASE_FILE}) nor a build folder (no "
                            f"{', '.join(BUILD_FILES)}); make one with `dtindex build SPEC --out DIR`, `dtindex demo` "
                            "or write_release()")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        builds = {name: BuildResult.load(path / name, name) for name in meta.get("builds", [])}
        return cls(path, meta, builds)

    @classmethod
    def from_build(cls, path: str | Path, meta: Mapping[str, Any] | None = None) -> "Release":
        """A release holding the one build written by ``dtindex build --out PATH`` (build name ``index``).

        Its metadata come from the build's spec (:data:`SPEC_META`: title, source, unit,
        edition, ...), overridden by ``meta``; ``synthetic`` is false unless the spec says so.
        """
        path = Path(path)
        build = BuildResult.load(path, SINGLE_BUILD)
        spec = build.recipe_data.get("spec") or {}
        info: dict[str, Any] = {k: spec[k] for k in SPEC_META if spec.get(k) not in (None, "")}
        info.setdefault("name", path.name)
        info.update({"synthetic": bool(info.get("synthetic", False)), "builds": [SINGLE_BUILD], "main": SINGLE_BUILD,
                     "build_folder": True, "periods": list(build.period_labels), "base_period": build.base_period})
        info.update(dict(meta or {}))
        return cls(path, info, {SINGLE_BUILD: build})

    @property
    def main(self) -> BuildResult:
        """The build the report is about: ``meta["main"]``, else ``city``, else the first build."""
        name = self.meta.get("main") or ("city" if "city" in self.builds else next(iter(self.builds), None))
        if name is None:
            raise DataError(f"{self.path}: the release holds no build")
        return self[name]

    def unit_names(self) -> dict[str, str]:
        """Unit code -> name: the release's ``units.csv`` (``adcode, name``) and the main build's ``units.csv``."""
        names: dict[str, str] = {}
        path = self.path / UNITS_FILE
        if path.exists() and not self.meta.get("build_folder"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            code = "adcode" if "adcode" in df.columns else "uCode" if "uCode" in df.columns else None
            name = "name" if "name" in df.columns else "uName" if "uName" in df.columns else None
            if code and name:
                names.update({c: n for c, n in zip(df[code], df[name]) if n})
        if self.builds:
            names.update(self.main.unit_names())
        return names

    def __getitem__(self, name: str) -> BuildResult:
        try:
            return self.builds[name]
        except KeyError:
            raise DataError(f"{self.path}: no build {name!r}; builds are {describe_rows(self.builds)}") from None

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))


def write_release(out_dir: str | Path, builds: Mapping[str, Any], meta: Mapping[str, Any] | None = None,
                  extra_files: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write builds (``Index`` objects) and ``release.json`` into ``out_dir`` atomically.

    The release is assembled in a temporary sibling folder and renamed into
    place, so a reader never sees half a release; an existing release folder of
    the same name is replaced only after the new one is complete. A folder that
    exists but is not a release is refused, so user files are never removed.
    ``extra_files`` are written as CSV next to ``release.json`` (e.g. unit
    metadata).
    """
    out = Path(out_dir)
    if out.exists() and not (out / RELEASE_FILE).exists() and any(out.iterdir()):
        raise DataError(f"{out}: folder exists and is not a dtindex release; choose another --out folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        from .io.tables import write_csv

        for name, idx in builds.items():
            idx.write(tmp / name)
        for name, df in (extra_files or {}).items():
            with open(tmp / name, "w", encoding="utf-8", newline="") as fh:
                write_csv(fh, df)  # the bytes of df.to_csv(index=False, lineterminator="\n")
        payload = {"dtindex_version": __version__, **dict(meta or {}), "builds": list(builds)}
        (tmp / RELEASE_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=_json) + "\n",
                                        encoding="utf-8")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _json(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)
