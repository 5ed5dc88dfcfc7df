"""The dashboard's data: JSON-ready dicts for the API and for the pages' JSON twins.

Each function takes a :class:`~dtindex.web.releases.ReleaseView` and already validated
parameters, reads tables computed by :mod:`dtindex.analysis` (through the view's memo),
and returns plain dicts and lists (numbers as floats, missing values as None). Growth
rates are fractions (0.23 = 23 %); a rank change is ``rank_before - rank`` (+3 = rose
three places), as everywhere in :mod:`dtindex.analysis`.

The only quantity defined here is the *percentile within a group*, a presentation of
ranks: for a unit ranked ``r`` among the ``n`` ranked members of its tier or cluster,
``percentile = 100 (n - r) / (n - 1)`` (100 = top of the group, 0 = bottom; 100 when
the unit is alone).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from .. import analysis as A
from ..errors import DtindexError
from . import params as P
from .releases import GROUPS, ROW_FIELDS, ReleaseView, records


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (no NaN: missing values are null)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def releases_list(views: dict[str, ReleaseView]) -> list[dict[str, Any]]:
    return [{"key": k, "name": v.meta.get("name", k), "title": v.title("zh"), "title_en": v.title("en"),
             "synthetic": v.release.synthetic, "periods": list(v.periods), "units": len(v.units)}
            for k, v in views.items()]


# ---------------------------------------------------------------------- rankings
def rankings(view: ReleaseView, *, period: str, node: str, limit: int, province: str | None = None,
             tier: str | None = None, cluster: str | None = None, sort: str = "rank") -> dict[str, Any]:
    """Ranked cities of ``node`` in ``period``, filtered by province / tier / cluster, first ``limit`` rows.

    ``rank`` is the national rank (filters select rows, they do not re-rank); ``n_matched`` counts every
    row matching the filters before ``limit`` is applied.
    """
    pr = view.ranking(node, period)
    pos = pr.select(province=province, tier=tier, cluster=cluster, sort=sort)
    return {
        "release": view.key, "period": period, "node": node, "node_name": view.node_name(node, "zh"),
        "node_name_en": view.node_name(node, "en"), "sort": sort,
        "filters": {"province": province, "tier": tier, "cluster": cluster},
        "n_matched": len(pos), "limit": limit, "rows": [pr.rows[i] for i in pos[:limit]],
    }


def ranking_frame(view: ReleaseView, **kw: Any) -> pd.DataFrame:
    """:func:`rankings` rows as a DataFrame (for downloads)."""
    data = rankings(view, **kw)
    return pd.DataFrame(data["rows"], columns=list(ROW_FIELDS))


# ---------------------------------------------------------------------- unit profile
def _percentile(rank: Any, n: int) -> float | None:
    if rank is None or rank is pd.NA or n < 1:
        return None
    return 100.0 if n == 1 else 100.0 * (n - float(rank)) / (n - 1)


def unit_profile(view: ReleaseView, unit: str, *, period: str | None = None,
                 peers: list[str] | None = None) -> dict[str, Any]:
    """Everything the city page shows about ``unit`` (see docs/serve.md for the fields)."""
    period = period or view.latest
    info = view.unit_table.iloc[view.units[unit]].to_dict()
    periods = list(view.periods)
    series = []
    for code in view.layers:
        rt = view.rank_table(code)
        row = rt[rt["unit"] == unit]
        series.append({"code": code, "name": view.node_name(code, "zh"), "name_en": view.node_name(code, "en"),
                       "values": [_clean(v) for v in row["value"]], "ranks": [_clean(v) for v in row["rank"]]})
    qoq, yoy = view.growth_rates(view.city.framework.root)
    groups: dict[str, Any] = {}
    for kind in GROUPS:
        rw = view.rank_within(kind)
        mine = rw[rw["unit"] == unit]
        label = info.get(kind)
        entry: dict[str, Any] = {"group": label, "group_en": info.get(f"{kind}_en"),
                                 "ranks": [_clean(v) for v in mine["rank"]], "sizes": [], "percentiles": []}
        if label is not None and len(mine):
            members = rw[rw["group"] == label]
            sizes = members.groupby("Time", sort=False)["rank"].count().reindex(periods).fillna(0).astype(int)
            entry["sizes"] = sizes.tolist()
            entry["percentiles"] = [_percentile(r, n) for r, n in zip(entry["ranks"], entry["sizes"])]
        groups[kind] = entry
    out: dict[str, Any] = {
        "release": view.key, "uCode": unit, "name": info["name"], "name_en": info["name_en"],
        "full_name": info["full_name"], **{k: info[k] for k in ("province", "province_en", "tier", "tier_en",
                                                              "cluster", "cluster_en")},
        "period": period, "periods": periods, "series": series,
        "growth_qoq": [_clean(v) for v in qoq.loc[unit]], "growth_yoy": [_clean(v) for v in yoy.loc[unit]],
        "groups": groups, "industries": unit_industries(view, unit, period),
        "attribution": attribution(view, unit, period),
        "peers": peer_series(view, unit, peers),
    }
    return out


def _clean(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    return v


def default_peers(view: ReleaseView, unit: str, period: str, n: int = 4) -> list[str]:
    """The units ranked just above and below ``unit`` nationally in ``period`` (up to ``n``)."""
    pr = view.ranking(view.city.framework.root, period)
    codes = [r["uCode"] for r in pr.rows if r["rank"] is not None]
    if unit not in codes:
        return codes[:n]
    i = codes.index(unit)
    half = n // 2
    lo = max(0, min(i - half, len(codes) - n - 1))
    return [c for c in codes[lo:lo + n + 1] if c != unit][:n]


def peer_series(view: ReleaseView, unit: str, peers: list[str] | None) -> dict[str, Any]:
    """Index values and ranks of ``unit`` and its peers in every period."""
    chosen = list(peers) if peers else default_peers(view, unit, view.latest)
    root = view.city.framework.root
    rt = view.rank_table(root)
    units = [unit, *[p for p in chosen if p != unit]][: P.MAX_PEERS + 1]
    rows = []
    for u in units:
        sub = rt[rt["unit"] == u]
        info = view.unit_table.iloc[view.units[u]]
        rows.append({"uCode": u, "name": info["name"], "name_en": info["name_en"],
                     "values": [_clean(v) for v in sub["value"]], "ranks": [_clean(v) for v in sub["rank"]]})
    return {"chosen": bool(peers), "units": rows}


def unit_industries(view: ReleaseView, unit: str, period: str) -> list[dict[str, Any]]:
    """The city's industries in ``period``: value, share of the city's industry total, rank among cities."""
    if view.industry is None:
        return []
    ci = view.city_industries()
    sub = ci[(ci["Time"] == period) & ci["unit"].str.startswith(unit + ":")]
    if not len(sub):
        return []
    names = view.industry_names
    zh = dict(zip(names["code"], names["name_zh"])) if names is not None else {}
    en = dict(zip(names["code"], names["name_en"])) if names is not None else {}
    n_in = ci[ci["Time"] == period].groupby("group")["rank"].count()
    total = sub["value"].sum(min_count=1)
    df = pd.DataFrame({
        "industry": sub["group"].to_numpy(dtype=object),
        "industry_name": [zh.get(c, c) for c in sub["group"]], "industry_name_en": [en.get(c, c) for c in sub["group"]],
        "value": sub["value"].to_numpy(dtype=float),
        "share": (sub["value"] / total).to_numpy(dtype=float) if total and total > 0 else np.nan,
        "rank": sub["rank"].to_numpy(dtype=object), "n_cities": n_in.reindex(sub["group"]).to_numpy(),
        "rank_change_yoy": sub["change_yoy"].to_numpy(dtype=object),
    }).sort_values("value", ascending=False, kind="stable")
    return records(df)


def attribution(view: ReleaseView, unit: str, period: str) -> dict[str, Any]:
    """Why the unit's index moved between the same period a year earlier (else the previous one) and ``period``."""
    i = view.periods.index(period)
    ago = dict(zip(view.periods, view.axis.year_ago())).get(period)
    p0 = ago or (view.periods[i - 1] if i > 0 else None)
    if p0 is None:
        return {"p0": None, "p1": period, "rows": [], "gap": None,
                "note": "the first period has no earlier period to compare with"}
    out: dict[str, Any] = {"p0": p0, "p1": period, "rows": [], "gap": None, "note": None}
    try:
        att = A.attribute(view.city, unit, p0, period)
        out["rows"] = records(att.drop(columns=["unit"]))
    except DtindexError as exc:
        out["note"] = str(exc)
        return out
    try:
        gap = A.attribute_gap(view.city, unit, p0, period, neighbour="above")
        out["gap"] = {"neighbour": gap.attrs.get("neighbour"), "rows": records(gap.drop(columns=["unit"], errors="ignore"))}
    except DtindexError as exc:
        out["gap"] = {"neighbour": None, "rows": [], "note": str(exc)}
    return out


# ---------------------------------------------------------------------- overview, industry, method
def overview(view: ReleaseView, period: str, top: int = 10) -> dict[str, Any]:
    nat = view.national()
    prov = view.province_ranks()
    cur = prov[prov["Time"] == period]
    findings, why = view.findings(period)
    root = view.city.framework.root
    return {
        "release": view.key, "title": view.title("zh"), "title_en": view.title("en"), "period": period,
        "periods": list(view.periods), "synthetic": view.release.synthetic,
        "national": records(nat.drop(columns=["depth"], errors="ignore")),
        "provinces": records(cur[["unit", "name_en", "value", "rank", "change_yoy"]].rename(
            columns={"unit": "province", "name_en": "province_en", "change_yoy": "rank_change_yoy"})),
        "top": rankings(view, period=period, node=root, limit=top)["rows"],
        "findings": [{"rule": f.rule, "text_zh": f.text_zh, "text_en": f.text_en} for f in findings],
        "findings_note": why,
    }


def industry(view: ReleaseView, period: str, code: str | None) -> dict[str, Any]:
    if view.industry is None or view.industry_names is None:
        return {"release": view.key, "period": period, "available": False}
    scale = view.industry_scale(period)
    code = code or str(scale.iloc[0]["industry"])
    dh = view.double_high(period)
    sub = dh[dh["industry"] == code]
    return {
        "release": view.key, "period": period, "available": True, "industry": code,
        "scale": records(scale), "series": records(view.industry_series()),
        "provinces": records(sub.drop(columns=["industry_name", "industry_name_en"])),
        "double_high": records(dh[dh["double_high"]][["industry", "industry_name", "industry_name_en", "province",
                                                      "province_en", "share", "mean_share_yoy"]]),
    }


def methodology(view: ReleaseView) -> dict[str, Any]:
    builds = {}
    for name, b in view.release.builds.items():
        recipe = b.recipe()
        fw = b.framework
        weights = b.weights
        parents = {c: p for p, kids in fw.children.items() for c in kids}
        tree = [{"code": n.code, "name": n.label("zh"), "name_en": n.label("en"), "parent": parents.get(n.code),
                 "level": n.level, "weight": weights.get(n.code)} for n in fw]
        builds[name] = {"spec": recipe.get("spec", {}), "framework": tree, "resolved": recipe.get("resolved", {}),
                        "inputs": recipe.get("inputs", {}), "units": recipe.get("units"),
                        "periods": recipe.get("periods"), "base_period": recipe.get("base_period"),
                        "dtindex_version": recipe.get("dtindex_version"), "environment": recipe.get("environment", {})}
    meta = {k: v for k, v in view.meta.items() if isinstance(v, (str, int, float, bool, list)) or v is None}
    return {"release": view.key, "meta": meta, "builds": builds}


def compare(a: ReleaseView, b: ReleaseView, period: str, node: str) -> dict[str, Any]:
    """Ranks of the cities both releases hold, side by side: ``rank_diff = rank_a - rank_b`` (positive: higher in b)."""
    ra = pd.DataFrame(a.ranking(node, period).rows)[["uCode", "name", "name_en", "rank", "value"]]
    rb = pd.DataFrame(b.ranking(node, period).rows)[["uCode", "rank", "value"]]
    m = ra.merge(rb, on="uCode", suffixes=("_a", "_b"), how="inner")
    ka = pd.to_numeric(m["rank_a"], errors="coerce")
    kb = pd.to_numeric(m["rank_b"], errors="coerce")
    m["rank_diff"] = (ka - kb).astype("Int64")
    m["abs_diff"] = (ka - kb).abs()
    m = m.sort_values(["abs_diff", "rank_a"], ascending=[False, True], kind="stable", na_position="last")
    m = m.drop(columns="abs_diff")
    diff = (ka - kb).dropna()
    return {"a": a.key, "b": b.key, "period": period, "node": node, "n_common": int(len(m)),
            "n_moved": int((diff != 0).sum()), "max_abs_diff": int(diff.abs().max()) if len(diff) else None,
            "spearman": float(ka.corr(kb, method="spearman")) if len(diff) > 1 else None, "rows": records(m)}


def uncertainty(view: ReleaseView) -> dict[str, Any]:
    """The release's uncertainty results (rank statistics, sensitivity of the mean rank shift, what-if ranks)."""
    t = view.uncertainty
    if t is None:
        raise P.NotFound(f"release {view.key!r} has no uncertainty results; run `dtindex uncertainty run ... "
                         f"--out {view.release.path}/uncertainty` to add them")
    return {"release": view.key, "rank_stats": records(t.rank_intervals), "factors": records(t.factor_sensitivity),
            "unit_sensitivity": records(t.unit_sensitivity), "what_if": records(t.what_if),
            "text_zh": t.paragraph_zh, "text_en": t.paragraph_en}


#: Base sizes below this get a small-base warning (a common rule of thumb in survey reporting).
SMALL_BASE = 30
SURVEY_TYPES = ("single", "likert")


def survey_questions(view: ReleaseView) -> list[Any]:
    """The questions the explorer can tabulate: single-choice and single Likert items."""
    a = view.survey
    return [] if a is None else [q for q in a.spec.questions if q.type in SURVEY_TYPES]


def survey_table(view: ReleaseView, question: str, by: str | None, lang: str = "zh") -> dict[str, Any]:
    """Weighted distribution of ``question`` overall or within each answer of ``by``.

    Shares are design-based estimates with logit 95 % intervals (R ``svyciprop(method = "logit")``)
    from :mod:`dtindex.survey`; ``n`` is the unweighted number of respondents who chose the option and
    ``base_n`` the unweighted number who answered the question (within the group); ``small_base`` is
    ``base_n < 30``.
    """
    from ..survey.items import single_choice

    a = view.survey
    if a is None:
        raise P.NotFound(f"release {view.key!r} has no survey; put questionnaire.yaml and responses.csv (or .xlsx) "
                         f"into {view.release.path}/survey to add one")
    qs = {q.code: q for q in survey_questions(view)}
    q = qs[P.choice("question", question or next(iter(qs), ""), list(qs))]
    design = a.design
    labels = {o.code: o.label.get(lang) for o in q.choices()}
    col = design.column(q.code)
    if not by:
        t = single_choice(design, q, lang=lang, ci="logit")
        base = int(t["n"].sum())
        rows = [{"group": None, "group_label": None, "code": _clean(c), "label": lab, "n": int(n), "share": _clean(sh),
                 "ci_low": _clean(lo), "ci_high": _clean(hi), "base_n": base, "small_base": base < SMALL_BASE}
                for c, lab, n, sh, lo, hi in zip(t["code"], t["label"], t["n"], t["share"], t["ci_low"], t["ci_high"])]
        groups = [{"group": None, "label": None, "base_n": base, "small_base": base < SMALL_BASE}]
    else:
        g = qs[P.choice("by", by, [c for c in qs if c != q.code])]
        est = design.by(g.code).proportions(q.code, ci="logit")
        gcol = design.column(g.code)
        counts = pd.crosstab(gcol, col)  # unweighted counts of respondents who answered both
        glabels = {o.code: o.label.get(lang) for o in g.choices()}
        rows, groups = [], []
        for (gv, qv), r in est.iterrows():
            n = int(counts.at[gv, qv]) if gv in counts.index and qv in counts.columns else 0
            base = int(counts.loc[gv].sum()) if gv in counts.index else 0
            rows.append({"group": _clean(gv), "group_label": glabels.get(gv, str(gv)), "code": _clean(qv),
                         "label": labels.get(qv, str(qv)), "n": n, "share": _clean(r["estimate"]),
                         "ci_low": _clean(r["ci_low"]), "ci_high": _clean(r["ci_high"]), "base_n": base,
                         "small_base": base < SMALL_BASE})
        for gv in pd.unique(est.index.get_level_values(0)):
            base = int(counts.loc[gv].sum()) if gv in counts.index else 0
            groups.append({"group": _clean(gv), "label": glabels.get(gv, str(gv)), "base_n": base,
                           "small_base": base < SMALL_BASE})
    return {"release": view.key, "question": q.code, "text": q.text.get(lang), "by": by or None,
            "weighted": a.weighted, "n_respondents": int(design.n), "rows": rows, "groups": groups,
            "small_base": SMALL_BASE}
