"""The data steps before weighting: denominate, impute, treat, normalise.

Each step takes the indicator columns of a :class:`~dtindex.panel.Panel` as a
dict ``code -> flat array`` and returns a new dict (inputs are never modified)
plus what it learnt (fill values, winsorised points, fitted bounds) for the
build log.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError, MethodDomainError, SpecError, describe_rows
from ..methods import impute as impute_mod
from ..methods import treat as treat_mod
from ..methods.normalise import comparability_warning, make_normaliser, normalise_panel
from ..panel import Panel
from ..spec.framework import Framework
from ..spec.model import DenominateSpec, ImputeSpec, NormaliseSpec, TreatSpec

if TYPE_CHECKING:
    import pandas as pd

Columns = dict[str, np.ndarray]


@dataclass
class StepLog:
    """What the data steps did, for the build log and the recipe."""

    denominated: dict[str, str] = field(default_factory=dict)
    imputed: list[pd.DataFrame] = field(default_factory=list)
    treated: list[pd.DataFrame] = field(default_factory=list)
    treat_status: list[pd.DataFrame] = field(default_factory=list)
    normalise_state: dict[str, dict] = field(default_factory=dict)
    #: aggregation method -> full tables of the nodes it aggregated (pipeline.decision_tables)
    decision: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def denominate(cols: Columns, panel: Panel, fw: Framework, spec: DenominateSpec, log: StepLog) -> Columns:
    """x' = x / d * scale for every indicator with a denominator d."""
    mapping = dict(spec.indicators)
    if spec.use_framework:
        for n in fw:
            if n.is_indicator and n.denominator and n.code not in mapping:
                mapping[n.code] = n.denominator
    if not mapping:
        return cols
    unknown = [c for c in mapping if c not in fw.indicators]
    if unknown:
        raise SpecError(f"denominate.indicators names codes that are not indicators: {describe_rows(unknown)}")
    out = dict(cols)
    for code, denom in mapping.items():
        d = panel.column(denom)
        has_x = panel.present & ~np.isnan(cols[code])
        zero = has_x & (d == 0)
        if zero.any():
            rows = panel.row_labels()[zero]
            raise DataError(
                f"{panel.source}: cannot divide {code!r} by {denom!r}: the denominator is zero for {describe_rows(rows)}"
            )
        gone = has_x & np.isnan(d)
        if gone.any():
            log.messages.append(
                f"denominate: {code!r} is missing for {describe_rows(panel.row_labels()[gone])} because "
                f"{denom!r} is missing there"
            )
        out[code] = cols[code] / d * spec.scale
        log.denominated[code] = denom
    return out


def impute(cols: Columns, panel: Panel, fw: Framework, spec: ImputeSpec, log: StepLog) -> Columns:
    """Fill missing values of present rows (see :mod:`dtindex.methods.impute`)."""
    if spec.method == "none":
        return cols
    present = panel.present
    codes_by = None
    if spec.by is not None:
        if spec.by not in panel.groups:
            raise SpecError(
                f"impute.by names {spec.by!r}, which is not a group column of the data; "
                f"group columns: {describe_rows(panel.groups) or 'none (declare Group rows in the framework)'}"
            )
        labels = panel.groups[spec.by]
        _, codes_by = np.unique(labels.astype(str), return_inverse=True)
        codes_by = np.where(labels == "", -1, codes_by)
    if spec.method != "locf" and spec.scope == "per_period":
        period = panel.period_index
        codes_by = period if codes_by is None else np.where(codes_by < 0, -1, codes_by * panel.n_periods + period)
    out = dict(cols)
    row_labels = None
    for code in fw.indicators:
        x = cols[code][present]
        if not np.isnan(x).any():
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if spec.method == "locf":
                res = impute_mod.impute(x, "locf", units=panel.unit_index[present], periods=panel.period_index[present],
                                        nocb=spec.nocb, max_lag=spec.max_lag)
            else:
                by = None if codes_by is None else codes_by[present]
                res = impute_mod.impute(x, spec.method, by=by)
        new = cols[code].copy()
        new[present] = res.values
        out[code] = new
        if res.imputed.any():
            if row_labels is None:
                row_labels = panel.row_labels()[present]
            pos = np.flatnonzero(res.imputed)
            import pandas as pd

            log.imputed.append(pd.DataFrame({
                "iCode": code, "row": row_labels[pos], "method": spec.method, "value": res.values[pos],
            }))
        if res.unfilled:
            log.messages.append(f"impute: {res.unfilled} values of {code!r} could not be imputed ({spec.method}) and stay missing")
        for w in caught:
            if "could not" not in str(w.message):
                log.messages.append(f"impute {code}: {w.message}")
    return out


def treat(cols: Columns, panel: Panel, fw: Framework, spec: TreatSpec, log: StepLog) -> Columns:
    """Winsorise outliers (COINr's default rule), indicator by indicator."""
    if spec.method == "none":
        return cols
    unknown = [c for c in spec.exclude if c not in fw.indicators]
    if unknown:
        raise SpecError(f"treat.exclude names codes that are not indicators: {describe_rows(unknown)}")
    present = panel.present
    by = panel.period_index[present] if spec.scope == "per_period" and panel.n_periods > 1 else None
    labels = panel.row_labels()[present]
    out = dict(cols)
    for code in fw.indicators:
        if code in spec.exclude:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = treat_mod.winsorise(
                cols[code][present], skew_thresh=spec.skew_thresh, kurt_thresh=spec.kurt_thresh,
                winmax=spec.winmax, by=by, labels=labels, f2=spec.f2,
            )
        for w in caught:
            log.messages.append(f"treat {code}: {w.message}")
        new = cols[code].copy()
        new[present] = res.values
        out[code] = new
        if len(res.log):
            log.treated.append(res.log.assign(iCode=code))
        log.treat_status.append(res.status.assign(iCode=code))
    return out


def normalise(
    cols: Columns, panel: Panel, fw: Framework, specs: dict[str, NormaliseSpec], base_position: int | None, log: StepLog
) -> Columns:
    """Normalise every indicator with its resolved method and scope."""
    out = {}
    per_period: dict[str, list[str]] = {}
    for code in fw.indicators:
        spec = specs[code]
        normaliser = make_normaliser(spec.method, spec.params)
        if spec.method == "base_share" and base_position is None and (spec.scope or "base_period") == "base_period":
            raise SpecError(
                f"normalisation 'base_share' of {code!r} needs a base period: set base_period in the spec "
                "or pass --base-period"
            )
        if spec.method == "base_share":
            negative = panel.present & (cols[code] < 0)
            if negative.any():
                log.messages.append(
                    f"normalise {code}: base_share of {int(negative.sum())} negative values "
                    f"({describe_rows(panel.row_labels()[negative], 5)}); shares of a total are meant for "
                    "non-negative volumes"
                )
        res = normalise_panel(
            cols[code], normaliser, n_units=panel.n_units, direction=fw[code].direction, scope=spec.scope,
            base_position=base_position, units=panel.units, period_labels=panel.period_labels, indicator=code,
        )
        out[code] = np.where(panel.present, res.values, np.nan)
        log.normalise_state[code] = {"method": spec.method, "scope": res.scope, "params": dict(spec.params), **res.state}
        if res.scope == "per_period":
            per_period.setdefault(spec.method, []).append(code)
        if res.scope != "fixed" and np.isnan(out[code][panel.present & ~np.isnan(cols[code])]).any():
            log.messages.append(
                f"normalise {code}: some values could not be normalised by {spec.method!r} "
                "(constant reference values or a zero total) and are missing"
            )
    for method, codes in per_period.items():
        comparability_warning(method, "per_period", panel.n_periods, codes)
    return out


def check_indicator_data(cols: Columns, panel: Panel, fw: Framework) -> None:
    """Every indicator needs at least one value."""
    empty = [c for c in fw.indicators if np.isnan(cols[c][panel.present]).all()]
    if empty:
        raise DataError(f"{panel.source}: indicators with no data (every value is missing): {describe_rows(empty)}")


__all__ = ["StepLog", "denominate", "impute", "treat", "normalise", "check_indicator_data", "MethodDomainError"]
