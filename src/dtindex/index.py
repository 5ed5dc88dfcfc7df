"""The :class:`Index`: spec + data -> scores at every node, keeping its recipe.

An Index holds the input panel, the framework, the spec, every stage's values
(raw, denominated, imputed, treated, normalised), the fitted state of every
step, the weights, the scores of every node and their ranks. Because it keeps
the inputs, :meth:`Index.rebuild` makes a variant ("the same, but geometric
aggregation") without reading any file again::

    >>> idx = Index.from_coinr("ASEM_iMeta.csv", "ASEM_iData.csv")      # doctest: +SKIP
    >>> geo = idx.rebuild({"normalise.params": {"low": 1, "high": 100},
    ...                    "aggregate.method": "geometric"})               # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import platform
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .errors import DataError, DtindexWarning, SpecError, check_choice, describe_rows
from .io.atomic import atomic_write
from .io.tables import file_sha256, write_csv
from .methods.aggregate import AGGREGATORS, RELATIVE_AGGREGATORS
from .methods.aggregate import aggregate as aggregate_values
from .methods.rank import rank_desc
from .panel import Panel, read_panel
from .periods import parse_period, period_range
from .pipeline import steps
from .pipeline.decision_tables import DECISION_TABLES, TABLE_ONLY_PARAMS, decision_table, score_params
from .pipeline.resolve import resolve_aggregate, resolve_normalise, resolve_weights
from .pipeline.weighting import DATA_DRIVEN, WeightLog, fixed_weights, objective_weights, weights_columns
from .spec.framework import Framework
from .spec.index_spec import DataSource, IndexSpec, load_spec, resolve
from .spec.model import AggregateSpec, NormaliseSpec, WeightsSpec

if TYPE_CHECKING:
    import pandas as pd

ADDITIVE_NORMALISATIONS = ("base_share", "none")
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Index:
    """A built composite index (see the module docstring)."""

    spec: IndexSpec
    framework: Framework
    panel: Panel
    base_dir: Path | None
    inputs: dict[str, str]
    base_position: int | None
    stages: dict[str, dict[str, np.ndarray]]
    scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    weights: dict[str, float]
    normalise_specs: dict[str, NormaliseSpec]
    weight_specs: dict[str, WeightsSpec]
    aggregate_specs: dict[str, AggregateSpec]
    step_log: steps.StepLog
    weight_log: WeightLog
    messages: tuple[str, ...] = field(default_factory=tuple)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_spec(cls, path: str | Path, *, changes: Mapping[str, Any] | None = None,
                  progress: Progress | None = None) -> "Index":
        """Read a YAML spec, its framework and data, and build."""
        spec, base_dir = load_spec(path)
        if changes:
            spec = spec.with_changes(dict(changes))
        inputs = {f"spec:{Path(path).name}": file_sha256(path)}
        return build_from_spec(spec, base_dir, inputs=inputs, progress=progress)

    @classmethod
    def from_coinr(cls, framework: str | Path, data: str | Path, *, changes: Mapping[str, Any] | None = None,
                   base_period: str | None = None, progress: Progress | None = None) -> "Index":
        """Build from a COINr iMeta table and iData table with COINr's default methods.

        Defaults (COINr 1.1): min-max to [0, 100] fitted over all periods
        (``Normalise`` on a purse with ``global = TRUE``), weighted arithmetic
        mean with missing children re-weighted away (``a_amean``), weights from
        the ``Weight`` column, ranks with ties sharing the smallest rank.
        """
        framework, data = Path(framework), Path(data)
        spec = IndexSpec(
            name=data.stem, framework_table=str(framework.resolve()),
            data=DataSource(path=str(data.resolve())), base_period=base_period,
        )
        if changes:
            spec = spec.with_changes(dict(changes))
        return build_from_spec(spec, None, inputs={}, progress=progress)

    def rebuild(self, changes: Mapping[str, Any] | None = None, *, spec: IndexSpec | None = None,
                weights: Mapping[str, float] | None = None) -> "Index":
        """Build again from the same inputs with changed settings.

        ``changes`` are dotted paths (``{"aggregate.method": "geometric"}``);
        ``weights`` replaces framework weights by node code. Nothing is read
        from disk unless the change names a new expert/AHP file.
        """
        new_spec = spec or self.spec
        if changes:
            new_spec = new_spec.with_changes(dict(changes))
        fw = self.framework
        if weights:
            unknown = [c for c in weights if c not in fw]
            if unknown:
                raise SpecError(f"rebuild: weights for unknown nodes {describe_rows(unknown)}")
            fw = fw.replace_weights(dict(weights))
        return build(new_spec, fw, self.panel, base_dir=self.base_dir, inputs=self.inputs)

    # ------------------------------------------------------------------ properties
    @property
    def is_additive(self) -> bool:
        """True when every node score is a sum over units (base_share/none + arithmetic)."""
        return all(s.method in ADDITIVE_NORMALISATIONS for s in self.normalise_specs.values()) and all(
            s.method == "arithmetic" for s in self.aggregate_specs.values()
        )

    @property
    def rollup_method(self) -> str:
        """The roll-up actually used: ``auto`` resolves to ``sum`` (additive index) or ``mean``."""
        method = self.spec.methods.rollup.method
        if method == "auto":
            return "sum" if self.is_additive else "mean"
        return method

    @property
    def period_labels(self) -> tuple[str, ...]:
        return self.panel.period_labels

    @property
    def root(self) -> str:
        return self.framework.root

    @property
    def units(self) -> tuple[str, ...]:
        """Unit codes in data order (the same interface as a release's BuildResult)."""
        return self.panel.units

    @property
    def base_period(self) -> str | None:
        """Label of the base period, or None."""
        return None if self.base_position is None else self.period_labels[self.base_position]

    # ------------------------------------------------------------------ tables
    # Each table is made once as numpy columns (``_*_columns``): the CSV writer uses them as they are
    # (so a build needs no pandas) and the public methods wrap them in a DataFrame.
    def _long_columns(self, arrays: dict[str, np.ndarray], codes: list[str]) -> dict[str, np.ndarray]:
        p = self.panel
        mask = p.present
        n = int(mask.sum())
        units = np.array(p.units, dtype=object)[p.unit_index][mask]
        times = np.array(p.period_labels, dtype=object)[p.period_index][mask]
        return {
            "uCode": np.tile(units, len(codes)),
            "Time": np.tile(times, len(codes)),
            "iCode": np.repeat(np.array(codes, dtype=object), n),
            "Level": np.repeat([self.framework.level_of(c) for c in codes], n),
            "value": np.concatenate([arrays[c][mask] for c in codes]) if codes else np.array([]),
        }

    def _long(self, arrays: dict[str, np.ndarray], codes: list[str]) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self._long_columns(arrays, codes))

    def scores_long(self) -> pd.DataFrame:
        """``uCode, Time, iCode, Level, value`` for every node (indicators: normalised values).

        Rows ordered by level (indicators first), framework order, period, unit.
        """
        return self._long(self.scores, self.framework.output_order())

    def _ranks_columns(self) -> tuple[dict[str, np.ndarray], bool]:
        """Columns of :meth:`ranks_long`, and whether every rank is a whole number."""
        cols = self._long_columns(self.ranks, self.framework.output_order())
        del cols["Level"]
        r = cols.pop("value")
        finite = r[~np.isnan(r)]
        cols["rank"] = r
        return cols, bool(np.all(finite == np.round(finite)))

    def ranks_long(self) -> pd.DataFrame:
        """``uCode, Time, iCode, rank`` (1 = highest score in that period)."""
        import pandas as pd

        cols, whole = self._ranks_columns()
        r = cols["rank"]
        if whole:
            cols["rank"] = pd.array(np.where(np.isnan(r), pd.NA, r), dtype="Int64") if np.isnan(r).any() else r.astype(np.int64)
        return pd.DataFrame(cols)

    def weights_table(self) -> pd.DataFrame:
        """``iCode, Parent, weight, method``: each node's weight within its parent (sums to 1)."""
        import pandas as pd

        return pd.DataFrame(weights_columns(self.framework, self.weights, self.weight_log))

    def rollup_weights(self) -> pd.DataFrame | None:
        """Weights of a ``weighted_mean`` roll-up (the spec's ``rollup.weight`` column): rows = units,
        columns = periods as in :meth:`table`; None for other roll-ups."""
        cfg = self.spec.methods.rollup
        if cfg.method != "weighted_mean" or not cfg.weight:
            return None
        import pandas as pd

        p = self.panel
        X = np.where(p.present, p.column(cfg.weight), np.nan).reshape(p.n_periods, p.n_units).T
        return pd.DataFrame(X, index=pd.Index(p.units, name="uCode"), columns=[lbl or "value" for lbl in p.period_labels])

    def _units_columns(self) -> dict[str, np.ndarray]:
        p = self.panel
        rows = np.flatnonzero(p.present)
        latest = np.full(p.n_units, -1)
        np.maximum.at(latest, rows % p.n_units, rows)  # each unit's row in its latest period
        seen = latest >= 0
        cols = {"uCode": np.array(p.units, dtype=object),
                "uName": np.where(seen, np.array(p.unit_names, dtype=object), None)}
        for g, arr in p.groups.items():
            cols[g] = np.where(seen, arr[latest], None)
        return cols

    def units_table(self) -> pd.DataFrame:
        """``uCode, uName`` and the group columns of each unit (its latest period), in data order."""
        import pandas as pd

        return pd.DataFrame(self._units_columns())

    def stage_long(self, stage: str) -> pd.DataFrame:
        """Indicator values of one stage (raw, denominated, imputed, treated, normalised) in long form."""
        if stage not in self.stages:
            raise SpecError(f"no stage {stage!r}; stages are {', '.join(self.stages)}")
        return self._long(self.stages[stage], list(self.framework.indicators))

    def table(self, code: str | None = None, *, what: str = "scores") -> pd.DataFrame:
        """Wide table of one node: rows = units, columns = periods (``what``: scores or ranks)."""
        code = code or self.root
        self.framework[code]
        import pandas as pd

        arr = (self.scores if what == "scores" else self.ranks)[code]
        X = np.where(self.panel.present, arr, np.nan).reshape(self.panel.n_periods, self.panel.n_units).T
        cols = [lbl or "value" for lbl in self.period_labels]
        return pd.DataFrame(X, index=pd.Index(self.panel.units, name="uCode"), columns=cols)

    def rollup(self, by: str | Mapping[str, str] | pd.Series, *, method: str | None = None,
               codes: list[str] | None = None) -> pd.DataFrame:
        """Roll unit scores up to groups (provinces, tiers, clusters, any grouping).

        Parameters
        ----------
        by : str or mapping
            A group column of the data, or a mapping ``uCode -> group``
            (e.g. ``dtindex.regions.group_map("province", codes=idx.panel.units)``).
            Units mapped to nothing (missing/empty) are left out; their count
            and codes are in ``result.attrs["n_unmapped"]`` and
            ``result.attrs["unmapped_units"]``.
        method : 'sum', 'mean', 'weighted_mean' or None
            None uses ``spec.methods.rollup``: ``auto`` sums when the index is
            additive (:attr:`is_additive`) and averages otherwise.

        Returns
        -------
        DataFrame ``group, Time, iCode, value, n_units`` (+ ``n_unmapped``).
        """
        p = self.panel
        cfg = self.spec.methods.rollup
        method = method or self.rollup_method
        if method == "auto":
            method = "sum" if self.is_additive else "mean"
        if method not in ("sum", "mean", "weighted_mean"):
            raise SpecError(f"The 'method' parameter of rollup must be one of 'auto', 'sum', 'mean', 'weighted_mean'; got {method!r}.")
        import pandas as pd

        if isinstance(by, str):
            if by not in p.groups:
                raise SpecError(f"rollup by {by!r}: not a group column of the data; group columns: {describe_rows(p.groups) or 'none'}")
            labels = pd.Series(p.groups[by], dtype=object).replace("", None).to_numpy()
        else:
            mapping = pd.Series(by) if not isinstance(by, pd.Series) else by
            labels = pd.Series(np.array(p.units, dtype=object)[p.unit_index]).map(mapping).to_numpy(dtype=object)
        codes = codes or self.framework.output_order()
        mask = p.present & pd.notna(labels)
        frames = []
        weights = None
        if method == "weighted_mean":
            if not cfg.weight:
                raise SpecError("rollup method 'weighted_mean' needs rollup.weight, a numeric column of the data (e.g. population)")
            weights = p.column(cfg.weight)
        times = np.array(p.period_labels, dtype=object)[p.period_index]
        for code in codes:
            v = self.scores[code]
            df = pd.DataFrame({"group": labels[mask], "Time": times[mask], "value": v[mask]})
            g = df.groupby(["group", "Time"], sort=False, dropna=False)
            if method == "sum":
                out = g["value"].sum(min_count=1)
            elif method == "mean":
                out = g["value"].mean()
            else:
                df["w"] = weights[mask]
                df["wv"] = df["w"] * df["value"]
                valid = df["value"].notna() & df["w"].notna()
                df.loc[~valid, ["w", "wv"]] = np.nan
                g = df.groupby(["group", "Time"], sort=False)
                out = g["wv"].sum(min_count=1) / g["w"].sum(min_count=1)
            res = out.rename("value").reset_index()
            res["n_units"] = g["value"].count().to_numpy()
            res.insert(2, "iCode", code)
            frames.append(res)
        result = pd.concat(frames, ignore_index=True)
        unmapped = int((p.present & pd.isna(labels)).sum())
        if unmapped:
            result.attrs["n_unmapped"] = unmapped
            missing_units = sorted({p.units[i] for i in p.unit_index[p.present & pd.isna(labels)]})
            result.attrs["unmapped_units"] = missing_units
        return result

    # ------------------------------------------------------------------ recipe and output
    def recipe(self) -> dict[str, Any]:
        """Everything needed to rebuild: spec, framework, inputs and their hashes, resolved methods, versions."""
        return {
            "dtindex_version": __version__,
            "spec": self.spec.model_dump(mode="json", exclude_unset=True),
            "framework": self.framework.to_records(),
            "groups": list(self.framework.groups),
            "denominators": list(self.framework.denominators),
            "inputs": dict(sorted(self.inputs.items())),
            "units": len(self.panel.units),
            "periods": [p for p in self.period_labels],
            "base_period": None if self.base_position is None else self.period_labels[self.base_position],
            "resolved": {
                "normalise": {c: s.model_dump(mode="json") for c, s in self.normalise_specs.items()},
                "weights": {c: s.method for c, s in self.weight_specs.items()},
                "aggregate": {c: s.model_dump(mode="json") for c, s in self.aggregate_specs.items()},
                "rank_ties": self.spec.methods.rank.ties,
                "rollup": self.rollup_method,
            },
            "environment": {
                "python": platform.python_version(), "numpy": np.__version__, "pandas": _pandas_version(),
            },
        }

    def fitted(self) -> dict[str, Any]:
        """Fitted state of every step: normalisation bounds, weighting diagnostics."""
        out: dict[str, Any] = {"normalise": self.step_log.normalise_state, "weights": {}}
        for parent, res in self.weight_log.ahp.items():
            out["weights"][parent] = {"method": "ahp", "lambda_max": res.lambda_max, "ci": res.ci, "ri": res.ri,
                                      "cr": res.cr, "consistent": bool(res.consistent)}
        for parent, res in self.weight_log.ahp_group.items():
            g = res.group
            out["weights"][parent] = {"method": "ahp", "group": res.method, "lambda_max": g.lambda_max, "ci": g.ci,
                                      "ri": g.ri, "cr": g.cr, "consistent": bool(g.consistent),
                                      "experts": res.table.to_dict(orient="records")}
        for parent, res in self.weight_log.objective.items():
            out["weights"][parent] = {"method": res.method, "n_obs": res.n_obs,
                                      **{k: np.asarray(v).tolist() for k, v in res.details.items()}}
        for parent in self.weight_log.combined:
            out["weights"][parent] = {"method": "combined", "objective_details": out["weights"].pop(parent, {})}
        for parent, params in self.weight_log.params.items():
            if parent in out["weights"]:
                out["weights"][parent]["params"] = params
            else:
                out["weights"][parent] = {"method": self.weight_log.methods.get(parent), "params": params}
        return _clean(out)

    def write(self, out_dir: str | Path, *, bom: bool = False) -> list[Path]:
        """Write scores.csv, ranks.csv, weights.csv, units.csv, recipe.json (and diagnostics) atomically.

        Tables are UTF-8 (with a BOM for Excel when ``bom``), rows in a stable
        order, so the same inputs give byte-identical files.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []

        def csv(name: str, table: Any) -> None:
            path = out / name
            with atomic_write(path) as fh:
                if bom:
                    fh.write("\ufeff")
                write_csv(fh, table)
            written.append(path)

        csv("scores.csv", self._long_columns(self.scores, self.framework.output_order()))
        ranks, whole = self._ranks_columns()
        if whole:  # whole ranks are written as integers, missing ones as empty cells
            r = ranks["rank"]
            ranks["rank"] = np.where(np.isnan(r), None, np.nan_to_num(r).astype(np.int64).astype(object))
        csv("ranks.csv", ranks)
        w = weights_columns(self.framework, self.weights, self.weight_log)
        csv("weights.csv", {k: w[k] for k in ("iCode", "Parent", "weight")})
        csv("units.csv", self._units_columns())
        weights = self.rollup_weights()
        if weights is not None:
            import pandas as pd

            long = weights.reset_index().melt(id_vars="uCode", var_name="Time", value_name="weight")
            long["Time"] = long["Time"].replace("value", "")
            csv("rollup_weights.csv", long[long["weight"].notna()][["uCode", "Time", "weight"]])
        if self.weight_log.expert or self.step_log.treated or self.step_log.imputed or self.step_log.decision:
            import pandas as pd  # these logs are DataFrames made by their methods
        if self.weight_log.expert:
            sources = self.weight_log.expert_sources
            csv("expert_weights.csv", pd.concat(
                [r.table.reset_index(names="iCode").assign(source=src) for r, src in zip(self.weight_log.expert, sources)],
                ignore_index=True))
            csv("expert_concordance.csv", pd.concat(
                [r.concordance.assign(source=src) for r, src in zip(self.weight_log.expert, sources)], ignore_index=True))
        if self.step_log.treated:
            csv("treated_points.csv", pd.concat(self.step_log.treated, ignore_index=True))
        if self.step_log.imputed:
            csv("imputed_points.csv", pd.concat(self.step_log.imputed, ignore_index=True))
        for method, tables in sorted(self.step_log.decision.items()):
            csv(DECISION_TABLES[method], pd.concat(tables, ignore_index=True))
        for name, payload in (("recipe.json", self.recipe()), ("fitted.json", self.fitted())):
            path = out / name
            with atomic_write(path) as fh:
                fh.write(json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default) + "\n")
            written.append(path)
        if self.messages:
            path = out / "build.log"
            with atomic_write(path) as fh:
                fh.write("\n".join(self.messages) + "\n")
            written.append(path)
        return written


def _pandas_version() -> str:
    """The installed pandas version (for the recipe), without importing pandas when a build did not."""
    import sys

    if "pandas" in sys.modules:
        return sys.modules["pandas"].__version__
    from importlib.metadata import version

    return version("pandas")


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return _clean(o.tolist())
    return str(o)


def _clean(o: Any) -> Any:
    """Replace non-finite floats by None so JSON stays standard."""
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.ndarray):
        return _clean(o.tolist())
    return o


# ---------------------------------------------------------------------- build
def build_from_spec(spec: IndexSpec, base_dir: Path | None, *, inputs: dict[str, str],
                    progress: Progress | None = None) -> Index:
    """Read the framework and data a spec names, then :func:`build`."""
    tick = progress or (lambda stage: None)
    tick("framework")
    fw = spec.build_framework(base_dir)
    if spec.framework_table:
        path = resolve(spec.framework_table, base_dir)
        inputs = {**inputs, f"framework:{path.name}": file_sha256(path)}
    if spec.sources:
        if spec.data is not None:
            raise SpecError("give either 'data' (an indicator table) or 'sources' (raw records), not both")
        from .engine import engine_config, load_panel
        from .engine.store import definition_hashes

        tick("data")
        panel, engine_log = load_panel(spec, base_dir, fw)
        inputs = {**inputs, **{f"source:{k}": v for k, v in definition_hashes(engine_config(spec, base_dir)).items()}}
        idx = build(spec, fw, panel, base_dir=base_dir, inputs=inputs, progress=progress)
        return dataclasses.replace(idx, messages=(*engine_log, *idx.messages))
    if spec.data is None:
        raise SpecError("the spec has no 'data' section: give data.path (a CSV or Excel file) or 'sources'")
    tick("data")
    data_path = resolve(spec.data.path, base_dir)
    numeric = [*fw.indicators, *fw.denominators]
    d = spec.data
    from .io.workbook import is_template

    if d.layout == "workbook" or (d.layout == "wide" and d.sheet is None and is_template(data_path)):
        from .io.workbook import read_data_workbook

        panel = read_data_workbook(data_path, numeric=numeric, groups=fw.groups, unit_col=d.unit_column,
                                   name_col=d.name_column, time_col=d.time_column)
    else:
        panel = read_panel(data_path, numeric=numeric, groups=fw.groups, layout=d.layout, sheet=d.sheet,
                           unit_col=d.unit_column, name_col=d.name_column, time_col=d.time_column)
    inputs = {**inputs, f"data:{data_path.name}": file_sha256(data_path)}
    return build(spec, fw, panel, base_dir=base_dir, inputs=inputs, progress=progress)


def _check_periods(spec: IndexSpec, panel: Panel) -> int | None:
    if spec.periods is not None:
        declared = period_range(parse_period(spec.periods.start), parse_period(spec.periods.end))
        have = [p for p in panel.periods if p is not None]
        missing = [p.label for p in declared if p not in have]
        extra = [p.label for p in have if p not in declared]
        if missing or extra or not panel.has_time:
            raise DataError(
                f"{panel.source}: periods do not match the spec ({spec.periods.start}..{spec.periods.end}): "
                f"missing {describe_rows(missing) or 'none'}; not declared {describe_rows(extra) or 'none'}"
            )
    if spec.base_period is None:
        return None
    if not panel.has_time:
        raise DataError(f"{panel.source}: base_period {spec.base_period!r} is set but the data have no Time column")
    base = parse_period(spec.base_period, where="base_period")
    return panel.period_position(base)


def build(spec: IndexSpec, fw: Framework, panel: Panel, *, base_dir: Path | None = None,
          inputs: dict[str, str] | None = None, progress: Progress | None = None) -> Index:
    """Run the pipeline: denominate, impute, treat, normalise, weight, aggregate, rank.

    Pure with respect to its arguments: nothing is read except expert/AHP
    files named by the weights settings.
    """
    tick = progress or (lambda stage: None)
    m = spec.methods
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DtindexWarning)
        base_position = _check_periods(spec, panel)
        norm_specs = resolve_normalise(fw, m.normalise)
        if base_position is None and panel.n_periods == 1 and any(
            s.method == "base_share" for s in norm_specs.values()
        ):
            base_position = 0
            messages.append(
                f"base_share: the data have one period ({panel.period_labels[0] or 'no Time column'}), "
                "used as the base period"
            )
        weight_specs = resolve_weights(fw, m.weights)
        agg_specs = resolve_aggregate(fw, m.aggregate)
        extra = [c for c in panel.values if c not in fw.indicators and c not in fw.denominators]
        if extra:
            messages.append(f"data columns not in the framework were ignored: {describe_rows(extra)}")

        log = steps.StepLog()
        cols = {c: panel.values[c] for c in fw.indicators}
        steps.check_indicator_data(cols, panel, fw)
        stages = {"raw": cols}
        tick("denominate")
        cols = steps.denominate(cols, panel, fw, m.denominate, log)
        if log.denominated:
            stages["denominated"] = cols
        tick("impute")
        cols = steps.impute(cols, panel, fw, m.impute, log)
        if m.impute.method != "none":
            stages["imputed"] = cols
        tick("treat")
        cols = steps.treat(cols, panel, fw, m.treat, log)
        if m.treat.method != "none":
            stages["treated"] = cols
        tick("normalise")
        cols = steps.normalise(cols, panel, fw, norm_specs, base_position, log)
        stages["normalised"] = cols

        tick("weights")
        wlog = WeightLog()
        weights = fixed_weights(fw, weight_specs, base_dir, wlog)
        for name, path in wlog.inputs.items():
            inputs = {**(inputs or {}), name: file_sha256(path)}

        tick("aggregate")
        scores = dict(cols)
        row_labels = panel.row_labels()
        pooled_rows = panel.present
        for parent in fw.parents_bottom_up():
            kids = fw.children[parent]
            V = np.column_stack([scores[k] for k in kids])
            wspec = weight_specs[parent]
            if wspec.method in DATA_DRIVEN:
                if wspec.scope == "base_period":
                    if base_position is None:
                        raise SpecError(f"weights of {parent!r}: scope 'base_period' needs a base period")
                    rows = pooled_rows & (panel.period_index == base_position)
                else:
                    rows = pooled_rows
                weights.update(objective_weights(parent, kids, V, rows, wspec, row_labels, wlog))
            w = np.array([weights[k] for k in kids])
            aspec = agg_specs[parent]
            kwargs: dict[str, Any] = {"missing": aspec.missing, "row_labels": row_labels, "children": kids}
            if aspec.method in ("geometric", "harmonic"):
                kwargs.update(nonpositive=aspec.nonpositive, shift=aspec.shift)
            if aspec.method in RELATIVE_AGGREGATORS:
                params = dict(aspec.params)
                table_only = TABLE_ONLY_PARAMS.get(aspec.method, ())
                allowed = ("scope", *(p for p in inspect.signature(AGGREGATORS[aspec.method]).parameters
                                      if p not in ("V", "w", "missing", "groups", "row_labels", "children")),
                           *table_only)
                for key in params:
                    check_choice(f"{aspec.method} aggregation", "params", key, allowed)
                scope = params.pop("scope", "pooled")
                if scope not in ("pooled", "per_period"):
                    raise SpecError(f"The 'scope' parameter of {aspec.method} must be one of 'pooled', 'per_period'; "
                                    f"got {scope!r}.")
                kwargs["groups"] = np.where(panel.present, panel.period_index if scope == "per_period" else 0, -1)
                kwargs.update(score_params(aspec.method, params))
            elif aspec.params:
                raise SpecError(f"aggregation {aspec.method!r} of {parent!r} takes no params; got {aspec.params}")
            y = aggregate_values(V, w, aspec.method, **kwargs)
            scores[parent] = np.where(panel.present, y, np.nan)
            if aspec.method in DECISION_TABLES:  # S, R, Q / probit and grades, next to the score (vikor.csv, rsr.csv)
                table, notes = decision_table(parent, aspec.method, V, w, kwargs["groups"], panel, params, scope)
                log.messages.extend(notes)
                if table is not None:
                    log.decision.setdefault(aspec.method, []).append(table)

        tick("rank")
        ranks = {c: rank_desc(np.where(panel.present, s, np.nan), n_units=panel.n_units, ties=m.rank.ties)
                 for c, s in scores.items()}
    for w in caught:
        messages.append(f"{type(w.message).__name__}: {w.message}")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    messages.extend(log.messages)
    messages.extend(wlog.messages)
    return Index(
        spec=spec, framework=fw, panel=panel, base_dir=base_dir, inputs=dict(inputs or {}),
        base_position=base_position, stages=stages, scores=scores, ranks=ranks, weights=weights,
        normalise_specs=norm_specs, weight_specs=weight_specs, aggregate_specs=agg_specs,
        step_log=log, weight_log=wlog, messages=tuple(messages),
    )
