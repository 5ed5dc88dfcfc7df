"""The releases a dashboard serves, with their analysis tables computed once and kept in memory.

:func:`open_releases` finds the releases under a path: the path itself when it holds a
``release.json``, else every folder below it (two levels deep) that does — a folder of
editions or of method variants. Each becomes a :class:`ReleaseView`, keyed by its path
relative to the served folder; a request names a release by that key only, never by a
path.

A :class:`ReleaseView` reads nothing but the release and computes nothing of its own:
every table comes from :mod:`dtindex.analysis` (rankings, growth, groups, industries,
attribution, findings). Results are memoised per release and per parameter set
(period, node, ...), so repeated requests are answered from memory; the memo is bounded
because every key is a validated value the release offers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import analysis as A
from ..analysis._base import PeriodAxis, growth, node_table, unit_names
from ..errors import DataError, DtindexError, describe_rows
from ..release import RELEASE_FILE, Release
from . import params as P

MAX_RELEASES = 50
GROUPS = ("province", "tier", "cluster")
UNCERTAINTY_DIR = "uncertainty"
SURVEY_DIR = "survey"


def _plain(v: Any) -> Any:
    """A JSON value: NaN / NA -> None, numpy scalars -> Python."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (missing values become null)."""
    cols = list(df.columns)
    arrays = [[_plain(v) for v in df[c].to_numpy(dtype=object)] for c in cols]
    return [dict(zip(cols, row)) for row in zip(*arrays)] if cols else []


def find_releases(path: str | Path) -> dict[str, Path]:
    """Release folders under ``path``: ``{key: folder}``, keys are posix paths relative to ``path``."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root}: no such folder; give a release folder (written by `dtindex demo`) or a folder of "
                        "releases")
    if (root / RELEASE_FILE).is_file():
        return {root.resolve().name or "release": root}
    found: dict[str, Path] = {}
    for meta in sorted(list(root.glob(f"*/{RELEASE_FILE}")) + list(root.glob(f"*/*/{RELEASE_FILE}"))):
        folder = meta.parent
        found[folder.relative_to(root).as_posix()] = folder
    if not found:
        raise DataError(f"{root}: no {RELEASE_FILE} in this folder or the two levels below it; give a release "
                        "folder written by `dtindex demo` (e.g. build/demo/release) or a folder holding releases")
    if len(found) > MAX_RELEASES:
        raise DataError(f"{root}: {len(found)} releases found; a dashboard serves at most {MAX_RELEASES}: "
                        "point it at a smaller folder")
    return found


def open_releases(path: str | Path) -> dict[str, "ReleaseView"]:
    """Load every release under ``path`` (see :func:`find_releases`)."""
    return {key: ReleaseView(key, Release.load(folder)) for key, folder in find_releases(path).items()}


#: The fields of a ranking row, in order (see docs/serve.md).
ROW_FIELDS = ("uCode", "name", "name_en", "rank", "value", "rank_change", "rank_prev", "rank_change_yoy", "rank_yoy",
              "growth_qoq", "growth_yoy", "province", "province_en", "tier", "tier_en", "cluster", "cluster_en")


@dataclass(frozen=True)
class PeriodRanking:
    """The ranking of one node in one period: JSON-ready rows in rank order plus filter and sort columns."""

    rows: list[dict[str, Any]]
    columns: dict[str, np.ndarray]

    def select(self, *, province: str | None = None, tier: str | None = None, cluster: str | None = None,
               sort: str = "rank", descending: bool | None = None) -> list[int]:
        """Row positions matching the filters, ordered by ``sort`` (missing values last)."""
        mask = np.ones(len(self.rows), dtype=bool)
        for name, value in (("province", province), ("tier", tier), ("cluster", cluster)):
            if value is not None:
                mask &= self.columns[name] == value
        pos = np.flatnonzero(mask)
        if sort != "rank":
            key = self.columns[sort][pos]
            if sort == "name":
                order = np.argsort(key.astype(str), kind="stable")
            else:
                x = key.astype(float)
                desc = sort != "rank" if descending is None else descending
                x = np.where(np.isnan(x), np.inf, -x if desc else x)
                order = np.argsort(x, kind="stable")
            pos = pos[order]
        return pos.tolist()


class ReleaseView:
    """One release prepared for the dashboard (see the module docstring)."""

    def __init__(self, key: str, release: Release) -> None:
        self.key = key
        self.release = release
        self.city = release["city"]
        self.industry = release.builds.get("industry")
        self.axis = PeriodAxis.of(self.city)
        self.periods: tuple[str, ...] = tuple(self.axis.labels)
        self._memo: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ memo
    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key (keys are validated parameter tuples, so the memo stays bounded)."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = compute()
        with self._lock:
            return self._memo.setdefault(key, value)

    # ------------------------------------------------------------------ metadata
    @property
    def meta(self) -> dict[str, Any]:
        return self.release.meta

    def title(self, lang: str) -> str:
        t = self.meta.get("title") if lang == "zh" else self.meta.get("title_en")
        return str(t or self.meta.get("name") or self.key)

    @property
    def latest(self) -> str:
        return self.periods[-1]

    @cached_property
    def nodes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self.city.framework)

    def node_name(self, code: str, lang: str) -> str:
        return self.city.framework[code].label(lang)

    @cached_property
    def layers(self) -> tuple[str, ...]:
        """The top node and its children (the layers)."""
        root = self.city.framework.root
        return (root, *self.city.framework.children[root])

    @cached_property
    def units(self) -> dict[str, int]:
        """City unit codes -> position in build order."""
        return {u: i for i, u in enumerate(node_table(self.city).index)}

    @cached_property
    def groupings(self) -> dict[str, A.Grouping]:
        units = list(self.units)
        tier_list = str(self.meta.get("tier_list", "2025"))
        return {g: A.make_grouping(units, g, tier_list=tier_list) for g in GROUPS}

    @cached_property
    def unit_table(self) -> pd.DataFrame:
        """Units with names and groups: ``uCode, name, name_en, full_name, province, province_en, tier, tier_en,
        cluster, cluster_en`` (full names from the release's ``units.csv`` when it has one)."""
        units = list(self.units)
        zh, en = unit_names(units)
        df = pd.DataFrame({"uCode": units, "name": zh, "name_en": en})
        full = dict(zip(units, zh))
        path = self.release.path / str((self.meta.get("unit_files") or {}).get("city", "units.csv"))
        if path.is_file():
            t = pd.read_csv(path, dtype=str, keep_default_na=False)
            if {"adcode", "name"} <= set(t.columns):
                full.update(dict(zip(t["adcode"], t["name"])))
        df["full_name"] = [full.get(u, u) for u in units]
        for g, grouping in self.groupings.items():
            labels = grouping.labels.reindex(units)
            df[g] = labels.to_numpy(dtype=object)
            df[f"{g}_en"] = grouping.en_many(labels.tolist())
        return df

    def group_values(self, kind: str) -> list[str]:
        """The groups of ``kind`` that hold units of this release, in canonical order."""
        def compute():
            g = self.groupings[kind]
            return g.present_order(g.labels.dropna().astype(str).tolist())
        return self.memo(("group_values", kind), compute)

    def group_aliases(self, kind: str) -> dict[str, str]:
        """Other spellings of group labels: English names, and for provinces full names and adcodes."""
        return self.memo(("group_aliases", kind), lambda: self._aliases(kind))

    def _aliases(self, kind: str) -> dict[str, str]:
        g = self.groupings[kind]
        out = {str(en).lower(): label for label, en in g.names_en.items()}
        if kind == "province":
            from .. import regions

            p = regions.provinces()
            for short, name, code in zip(p["short_name"], p["name"], p["adcode"].astype(str)):
                out[name] = out[code] = short
        return out

    def group(self, kind: str, value: object) -> str | None:
        """A validated group label, or None when not given."""
        if value is None or str(value).strip() == "":
            return None
        return P.choice(kind, value, self.group_values(kind), self.group_aliases(kind))

    # ------------------------------------------------------------------ validation
    def period(self, value: object | None) -> str:
        return self.latest if value is None or str(value).strip() == "" else P.period(value, self.periods)

    def node(self, value: object | None) -> str:
        if value is None or str(value).strip() == "":
            return self.city.framework.root
        return P.choice("node", value, self.nodes)

    def unit(self, value: object) -> str:
        code = P.code_text(value)
        if code is None or code not in self.units:
            raise P.NotFound(f"unit {str(value)[:80]!r} is not a unit of release {self.key!r} "
                             f"({len(self.units)} units, e.g. {describe_rows(list(self.units)[:5])})")
        return code

    # ------------------------------------------------------------------ analysis tables
    def rank_table(self, node: str) -> pd.DataFrame:
        """:func:`dtindex.analysis.rank_table` of the cities for ``node``, every period."""
        return self.memo(("rank_table", node), lambda: A.rank_table(self.city, code=node))

    def rank_within(self, kind: str) -> pd.DataFrame:
        """Ranks of the top node within each province / tier / cluster, every period."""
        return self.memo(("rank_within", kind), lambda: A.rank_table(
            self.city, within=kind, tier_list=str(self.meta.get("tier_list", "2025"))))

    def growth_rates(self, node: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Quarter-on-quarter and year-on-year growth of every unit (wide: units x periods)."""
        def compute():
            wide = node_table(self.city, node)
            return growth(wide, self.axis.previous()), growth(wide, self.axis.year_ago())
        return self.memo(("growth", node), compute)

    def ranking(self, node: str, period: str) -> PeriodRanking:
        """The ranking rows of ``node`` in ``period`` (see :class:`PeriodRanking`)."""
        return self.memo(("ranking", node, period), lambda: self._ranking(node, period))

    def _ranking(self, node: str, period: str) -> PeriodRanking:
        rt = self.rank_table(node)
        cur = rt[rt["Time"] == period]
        qoq, yoy = self.growth_rates(node)
        units = cur["unit"].to_numpy(dtype=object)
        info = self.unit_table.set_index("uCode").loc[units]
        df = pd.DataFrame({
            "uCode": units, "name": cur["name"].to_numpy(dtype=object), "name_en": cur["name_en"].to_numpy(dtype=object),
            "rank": cur["rank"].to_numpy(dtype=object), "value": cur["value"].to_numpy(dtype=float),
            "rank_change": cur["change_prev"].to_numpy(dtype=object), "rank_prev": cur["rank_prev"].to_numpy(dtype=object),
            "rank_change_yoy": cur["change_yoy"].to_numpy(dtype=object), "rank_yoy": cur["rank_yoy"].to_numpy(dtype=object),
            "growth_qoq": qoq[period].reindex(units).to_numpy(dtype=float),
            "growth_yoy": yoy[period].reindex(units).to_numpy(dtype=float),
        })
        for g in GROUPS:
            df[g] = info[g].to_numpy(dtype=object)
            df[f"{g}_en"] = info[f"{g}_en"].to_numpy(dtype=object)
        df = df[list(ROW_FIELDS)]
        cols = {g: df[g].to_numpy(dtype=object) for g in GROUPS}
        for c in ("value", "rank_change", "rank_change_yoy", "growth_qoq", "growth_yoy"):
            cols[c] = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        cols["name"] = df["name"].to_numpy(dtype=object)
        return PeriodRanking(records(df), cols)

    def national(self) -> pd.DataFrame:
        return self.memo("national", lambda: A.national_series(self.city))

    def province_ranks(self) -> pd.DataFrame:
        return self.memo("province_ranks", lambda: A.rank_table(self.city, by="province"))

    def growth_window(self, period: str) -> tuple[str, str] | None:
        """Up to five periods ending at ``period`` that have the same period a year earlier (None if none)."""
        labels = list(self.periods[: self.periods.index(period) + 1])
        ago = dict(zip(self.periods, self.axis.year_ago()))
        with_yoy = [p for p in labels if ago.get(p) is not None]
        return (with_yoy[max(0, len(with_yoy) - 5)], with_yoy[-1]) if with_yoy else None

    def findings(self, period: str) -> tuple[list[A.Finding], str | None]:
        """The report's findings for ``period``, or ([], why) when a rule cannot run for it."""
        def compute():
            try:
                return A.report_findings(self.city, self.industry, industry_names=self.industry_names,
                                         period=period, window=self.growth_window(period)), None
            except DtindexError as exc:
                return [], str(exc)
        return self.memo(("findings", period), compute)

    # ------------------------------------------------------------------ industries
    @cached_property
    def industry_names(self) -> pd.DataFrame | None:
        path = self.release.path / str((self.meta.get("unit_files") or {}).get("industry", "industries.csv"))
        if self.industry is None or not path.is_file():
            return None
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if not {"code", "name"} <= set(df.columns):
            return None
        if "name_en" not in df.columns:
            df["name_en"] = df["name"]
        return df.rename(columns={"name": "name_zh"})[["code", "name_zh", "name_en"]]

    def industry_codes(self) -> list[str]:
        return [] if self.industry_names is None else self.industry_names["code"].tolist()

    def industry_scale(self, period: str) -> pd.DataFrame:
        return self.memo(("industry_scale", period), lambda: A.industry_scale(
            self.industry, names=self.industry_names, period=period, window=self.growth_window(period)))

    def industry_series(self) -> pd.DataFrame:
        return self.memo("industry_series", lambda: A.industry_series(self.industry, names=self.industry_names))

    def double_high(self, period: str) -> pd.DataFrame:
        return self.memo(("double_high", period), lambda: A.double_high(A.province_industry_shares(
            self.industry, names=self.industry_names, period=period, window=self.growth_window(period))))

    def city_industries(self) -> pd.DataFrame:
        """Ranks of every city x industry unit among the cities of its industry, every period."""
        def compute():
            units = list(node_table(self.industry).index)
            industry = pd.Series([u.partition(":")[2] for u in units], index=units)
            return A.rank_table(self.industry, within=industry, sep=":")
        return self.memo("city_industries", compute)

    # ------------------------------------------------------------------ uncertainty
    @cached_property
    def uncertainty(self) -> Any | None:
        """The release's uncertainty results as :class:`dtindex.uncertainty.summary.ReportTables`, or None.

        Read from ``<release>/uncertainty/`` as ``dtindex uncertainty run --out <release>/uncertainty``
        writes it (``rank_stats.csv``, ``factors.csv``, ``sensitivity.csv``, ``what_if.csv``, ``summary.md``).
        """
        folder = self.release.path / UNCERTAINTY_DIR
        if not (folder / "rank_stats.csv").is_file():
            return None
        from ..uncertainty.summary import ReportTables

        def read(name: str) -> pd.DataFrame:
            path = folder / name
            return pd.read_csv(path, dtype={"uCode": str}, encoding="utf-8-sig") if path.is_file() else pd.DataFrame()

        sens = read("sensitivity.csv")
        if "output" in sens.columns:
            sens = sens[sens["output"] != "mean_rank_shift"].reset_index(drop=True)
        text = {"en": "", "zh": ""}
        summary = folder / "summary.md"
        if summary.is_file():
            part = None
            for line in summary.read_text(encoding="utf-8").splitlines():
                if line.startswith("## "):
                    part = {"## English": "en", "## 中文": "zh"}.get(line.strip())
                elif part and line.strip():
                    text[part] = (text[part] + " " + line.strip()).strip()
        factors = read("factors.csv")
        if factors.empty:
            factors = pd.DataFrame(columns=["factor", "label_en", "label_zh", "kind", "alternatives", "S1", "ST"])
        return ReportTables(rank_intervals=read("rank_stats.csv"), factor_sensitivity=factors, unit_sensitivity=sens,
                            what_if=read("what_if.csv"), paragraph_en=text["en"], paragraph_zh=text["zh"])

    # ------------------------------------------------------------------ survey
    @cached_property
    def survey(self) -> Any | None:
        """The release's survey, screened, weighted and with its design (:class:`dtindex.survey.pipeline.SurveyAnalysis`),
        or None. Read from ``<release>/survey/``: ``questionnaire.yaml``, one ``responses.csv`` /
        ``responses.xlsx`` (platform export) and optionally ``margins.csv`` (population margins for raking)."""
        folder = self.release.path / SURVEY_DIR
        spec_path = folder / "questionnaire.yaml"
        found = [folder / n for n in ("responses.csv", "responses.xlsx") if (folder / n).is_file()]
        if not spec_path.is_file() or not found:
            return None
        from ..survey.pipeline import analyse
        from ..survey.spec import load_questionnaire

        margins = folder / "margins.csv"
        return analyse(load_questionnaire(spec_path), found[0], margins=margins if margins.is_file() else None)
