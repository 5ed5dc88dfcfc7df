"""What a DTI-style report needs to know about a release before it draws anything.

:func:`report_context` reads a :class:`~dtindex.release.Release` (or a plain build
folder) once and derives everything the sections adapt to, so no section assumes the
synthetic demo:

* the **periods**: frequency (year, quarter, month or none), the latest period, the
  previous period and the same period a year earlier (when the build has them), and the
  **growth window**: given, or the last ``per_year + 1`` periods that have a
  year-on-year rate (quarters: five, months: thirteen), for yearly data the last three;
* the **roll-up** of units into provinces, tiers and clusters: the spec's explicit
  ``methods.rollup.method`` if it is ``sum`` or ``mean``; otherwise ``sum`` only when every
  normalisation is ``base_share`` and every aggregation arithmetic (then scores are
  shares of a base-period total and add up), else the plain ``mean`` of the units;
* whether the **units are Chinese cities** (adcodes of the shipped city table),
  **provinces**, or something else (countries, enterprises): maps and province, tier and
  cluster sections need the region tables, the rest works for any unit;
* the **cover information**: title, data source, unit and edition from the spec (or the
  release metadata), overridden by options; ``synthetic`` only when the release says so.

A section that needs data the release lacks raises :class:`LeftOut` with the reason; the
report then shows one line saying why instead of the section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, SpecError
from ..periods import parse_period
from ..release import BuildResult, Release

PERIOD_NOUNS = {"year": ("年份", "Year"), "quarter": ("季度", "Quarter"), "month": ("月份", "Month"),
                None: ("期间", "Period")}
PREVIOUS = {"year": ("较上年", "vs previous year"), "quarter": ("较上季度", "vs previous quarter"),
            "month": ("较上月", "vs previous month"), None: ("较上期", "vs previous period")}
INFO_KEYS = ("title", "title_en", "source", "source_en", "unit", "unit_en", "edition")


class LeftOut(Exception):
    """A section cannot be drawn from this release; ``zh``/``en`` say why in one line."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True, eq=False)
class ReportContext:
    """Everything the sections adapt to (see the module docstring)."""

    lang: str
    release: Release
    main: BuildResult
    industry: BuildResult | None
    periods: tuple[str, ...]
    freq: str | None
    latest: str
    previous: str | None
    year_ago: str | None
    window: tuple[str, str] | None
    rollup: str  # "sum", "mean" or "weighted_mean"
    rollup_declared: bool
    unit_kind: str  # "city", "province" or "other"
    mapped: tuple[str, ...]
    unmapped: tuple[str, ...]
    names: Mapping[str, str]
    info: Mapping[str, str] = field(default_factory=dict)
    geojson: str | None = None

    # ---------------------------------------------------------------- words
    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    @property
    def period_noun(self) -> str:
        return self.t(*PERIOD_NOUNS[self.freq])

    @property
    def vs_previous(self) -> str:
        return self.t(*PREVIOUS[self.freq])

    @property
    def sub_yearly(self) -> bool:
        """Periods shorter than a year (the previous period is not the same period a year earlier)."""
        return self.freq in ("quarter", "month")

    @property
    def cities(self) -> bool:
        return self.unit_kind == "city"

    @property
    def unit_noun(self) -> str:
        return self.t("城市", "City") if self.cities else self.t("省份", "Province") if self.unit_kind == "province" \
            else self.t("单位", "Unit")

    @property
    def units_noun(self) -> str:
        return self.t("城市", "cities") if self.cities else self.t("省份", "provinces") \
            if self.unit_kind == "province" else self.t("单位", "units")

    @property
    def whole(self) -> str:
        """The aggregate of all units: 全国 for Chinese units, else 全部单位."""
        return self.t("全国", "National") if self.unit_kind != "other" else self.t("全部单位", "All units")

    @property
    def name_col(self) -> str:
        return "name" if self.lang == "zh" else "name_en"

    @property
    def title(self) -> str:
        return (self.info.get("title") if self.lang == "zh" else self.info.get("title_en") or self.info.get("title")) \
            or self.t(f"{self.main.framework[self.main.root].label('zh')}报告",
                      f"{self.main.framework[self.main.root].label('en')} report")

    @property
    def source(self) -> str | None:
        """The data source and edition (the renderers print "数据来源：" / "Source:" before it)."""
        text = self.info.get("source") if self.lang == "zh" else (self.info.get("source_en") or self.info.get("source"))
        if not text:
            return None
        edition = self.info.get("edition")
        return text + (f"（{edition}）" if edition and self.lang == "zh" else f" ({edition})" if edition else "")

    @property
    def unit(self) -> str | None:
        if self.info.get("unit") or self.info.get("unit_en"):
            return self.info.get("unit") if self.lang == "zh" else (self.info.get("unit_en") or self.info.get("unit"))
        if self.rollup == "sum" and self.main.base_period:
            return self.t(f"基期（{self.main.base_period}）全国合计=100", f"base-period ({self.main.base_period}) total = 100")
        return None

    @property
    def window_label(self) -> str:
        """``2022Q1–2023Q1``, or one label when the window is one period."""
        if not self.window:
            return ""
        w0, w1 = self.window
        return w1 if w0 == w1 else f"{w0}–{w1}"

    def label(self, code: str) -> str:
        return self.main.framework[code].label(self.lang)

    @property
    def layers(self) -> list[str]:
        """The framework's first level under the top node, in framework order."""
        return list(self.main.framework.children[self.main.root])

    def display(self, frame: pd.DataFrame, unit: str = "unit") -> pd.DataFrame:
        """Replace names that are only codes (units the region tables do not know) by the data's names."""
        if not self.names or unit not in frame.columns:
            return frame
        out = frame.copy()
        for col in ("name", "name_en"):
            if col in out.columns:
                own = out[unit].map(self.names)
                out[col] = own.where(own.notna() & (out[col].astype(str) == out[unit].astype(str)), out[col])
        return out

    def unit_name(self, code: str) -> str:
        from ..analysis._base import unit_names

        zh, en = unit_names([code])
        name = zh[0] if self.lang == "zh" else en[0]
        return self.names.get(code, name) if name == code else name

    @property
    def rollup_weight(self) -> str | None:
        """The weight column of a declared weighted mean (e.g. ``population``), else None."""
        if self.rollup != "weighted_mean":
            return None
        spec = self.main.recipe().get("spec") or {}
        return str(((spec.get("methods") or {}).get("rollup") or {}).get("weight") or "weight")

    @property
    def rollup_word(self) -> str:
        """合计 / 平均 / 加权平均 for titles."""
        return {"sum": self.t("合计", "sum"), "mean": self.t("平均", "mean")}.get(
            self.rollup, self.t("加权平均", "weighted mean"))

    @property
    def rollup_note(self) -> str:
        """One sentence under each table and chart that rolls units up: sum or mean, and why."""
        declared = self.rollup_declared
        if self.rollup == "sum":
            why = self.t("（spec 声明的汇总方式）", " (the roll-up the spec declares)") if declared else \
                self.t("（base_share 标准化的指数可加）", " (base_share scores are additive)")
        else:
            why = self.t("（spec 声明的汇总方式）", " (the roll-up the spec declares)") if declared else \
                self.t("（该标准化下的指数不可加，故取平均而非求和）",
                       " (scores under this normalisation do not add up, so they are averaged, not summed)")
        weight = self.rollup_weight
        how_zh = "之和" if self.rollup == "sum" else f"以 {weight} 加权的平均" if weight else "的简单平均"
        if self.cities:
            how_en = "sums" if self.rollup == "sum" else f"{weight}-weighted means" if weight else "plain means"
            return self.t(f"{self.whole}、省份、层级和城市群的指数为所辖{self.units_noun}指数{how_zh}{why}。",
                          f"The {self.whole.lower()} index, provinces, tiers and clusters are the {how_en} of their "
                          f"{self.units_noun}' scores{why}.")
        how_en = "sum" if self.rollup == "sum" else f"{weight}-weighted mean" if weight else "plain mean"
        return self.t(f"{self.whole}指数为各{self.units_noun}指数{how_zh}{why}。",
                      f"The {self.whole.lower()} index is the {how_en} of the {self.units_noun}' scores{why}.")


# ---------------------------------------------------------------------- derivation
def _rollup(build: BuildResult) -> tuple[str, bool]:
    recipe = build.recipe()
    declared = (((recipe.get("spec") or {}).get("methods") or {}).get("rollup") or {}).get("method")
    if declared in ("sum", "mean"):
        return declared, True
    if declared == "weighted_mean" and build.rollup_weights() is not None:
        return declared, True
    resolved = recipe.get("resolved") or {}
    norm = resolved.get("normalise") or {}
    agg = resolved.get("aggregate") or {}
    additive = bool(norm) and all(s.get("method") == "base_share" for s in norm.values()) and all(
        s.get("method") == "arithmetic" for s in agg.values())
    return ("sum" if additive else "mean"), False


def _unit_kind(units: Sequence[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    from .. import regions

    codes = pd.Series(list(units), dtype=object).astype(str)
    city_codes = set(regions.cities()["adcode"].astype(str))
    prov_codes = set(regions.provinces()["adcode"].astype(str))
    in_city = codes.isin(city_codes)
    in_prov = codes.isin(prov_codes) & ~in_city
    if in_city.any() and in_city.sum() >= in_prov.sum():
        return "city", tuple(codes[in_city]), tuple(codes[~in_city])
    if in_prov.any():
        return "province", tuple(codes[in_prov]), tuple(codes[~in_prov])
    return "other", (), tuple(codes)


def derive_window(periods: Sequence[str], freq: str | None) -> tuple[str, str] | None:
    """The default growth window: the last ``per_year + 1`` periods with a YoY rate (years: the last three)."""
    if freq is None:
        return None
    parsed = [parse_period(p) for p in periods]
    have = set(parsed)
    per_year = parsed[0].per_year
    with_yoy = [lbl for lbl, p in zip(periods, parsed) if p.shift(-per_year) in have]
    if not with_yoy:
        return None
    n = 3 if freq == "year" else per_year + 1
    return with_yoy[max(0, len(with_yoy) - n)], with_yoy[-1]


def report_context(release: Release | str | Path, *, lang: str = "zh", geojson: str | Path | None = None,
                   window: Sequence[str] | None = None, info: Mapping[str, Any] | None = None) -> ReportContext:
    """Read a release (or a build folder) and derive what the report adapts to."""
    rel = release if isinstance(release, Release) else Release.load(release)
    main = rel.main
    industry = rel.builds.get("industry") if "industry" in rel.builds and rel.builds.get("industry") is not main else None
    periods = tuple(main.period_labels)
    timeless = len(periods) == 1 and periods[0] in ("", None)
    if timeless:
        periods = ("value",)
    freq = None if timeless else parse_period(periods[0]).freq
    latest = periods[-1]
    previous = year_ago = None
    if freq is not None:
        p = parse_period(latest)
        labels = {parse_period(x): x for x in periods}
        previous = labels.get(p.shift(-1))
        year_ago = labels.get(p.shift(-p.per_year))
    if window is not None:
        if len(window) != 2:
            raise SpecError(f"report window must be (start, end); got {window!r}")
        if freq is None:
            raise DataError("report window given, but the build has no time periods")
        start, end = (parse_period(w, where="report window").label for w in window)
        missing = [w for w in (start, end) if w not in periods]
        if missing:
            raise DataError(f"report window: {', '.join(missing)} not among the build's periods {periods[0]}–{periods[-1]}")
        win: tuple[str, str] | None = (start, end)
    else:
        win = derive_window(periods, freq)
    rollup, declared = _rollup(main)
    kind, mapped, unmapped = _unit_kind(main.units)
    merged = {k: str(rel.meta[k]) for k in INFO_KEYS if rel.meta.get(k)}
    merged.update({k: str(v) for k, v in (info or {}).items() if v})
    return ReportContext(lang=lang, release=rel, main=main, industry=industry, periods=periods, freq=freq,
                         latest=latest, previous=previous, year_ago=year_ago, window=win, rollup=rollup,
                         rollup_declared=declared, unit_kind=kind, mapped=mapped, unmapped=unmapped,
                         names=rel.unit_names(), info=merged, geojson=str(geojson) if geojson else None)
