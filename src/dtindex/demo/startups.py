"""Seeded generator of a SYNTHETIC start-up registry, financing events and patents.

Feeds the future-industry index of the demo (``specs/future-industry.yaml``).
Every row is drawn at random; the tables describe no real firm, city or
province. Layout (``OUT/raw/future/``)::

    registry.parquet   firm_id BIGINT, adcode VARCHAR, field, subfield, ai_track (AI firms only),
                       registered DATE, capital DOUBLE (万元, 2 decimals), staff_band VARCHAR
    financing.parquet  firm_id, date DATE, round VARCHAR, amount DOUBLE (万元)
    patents.parquet    firm_id, filed DATE, kind VARCHAR (invention / utility)
    environment.csv    adcode, open_source_devs, policy_support, talent, incubators (city covariates)
    manifest.json      parameters, seed, row counts, "synthetic": true

The model (all parameters in :class:`StartupParams`):

* **Where.** City weight ``w_c = tier scale x lognormal noise x province factor``;
  Beijing, Guangdong and Shanghai get the largest province factors. New firms per city and
  year are ``Multinomial(n_firms, p_cy)``, ``p_cy ∝ w_c exp(g_p (y - y0))``, with yearly
  growth ``g_p`` highest in the mid-western provinces.
* **What.** Field mix per province ``Dirichlet(30 x national mix x tilt)``; sub-field mix per
  province and field ``Dirichlet(c_p x base)``, with a large concentration ``c_p`` (even
  spread, high diversity) in mid-western provinces and a small one in the three leaders.
* **Money.** Registered capital lognormal by field; financing events per firm
  ``Poisson(rate x age)``, rounds in order (天使 -> C+), amounts lognormal by round;
  patents ``Poisson`` by field and age, filed after registration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import regions
from ..errors import SpecError
from ..io.atomic import atomic_write
from ..io.tables import write_csv
from ..future.taxonomy import AI_SUBFIELD, AI_TRACKS, FIELDS, SUBFIELDS, subfields_of

__all__ = ["StartupParams", "StartupData", "generate_startups", "startup_params_for_size", "STARTUP_SIZES"]

LEADERS = {"110000": 11.0, "440000": 2.4, "310000": 8.0}
STRONG_EAST = {"320000": 1.8, "330000": 1.5}
MID_WEST = ("340000", "360000", "410000", "420000", "430000", "450000", "500000", "510000", "520000", "530000",
            "610000", "620000", "640000")
ROUNDS = ("天使轮", "Pre-A轮", "A轮", "B轮", "C轮及以后")
ROUND_AMOUNT = (300.0, 1000.0, 3000.0, 8000.0, 20000.0)  # 万元, median
STAFF_BANDS = ("1-9", "10-49", "50-199", "200+")
STARTUP_SIZES = {"small": 4000, "medium": 30000, "large": 120000}


@dataclass(frozen=True)
class StartupParams:
    """Parameters of the synthetic start-up data (see the module docstring)."""

    seed: int = 20240101
    n_firms: int = 30000
    start_year: int = 2016
    end_year: int = 2023
    tier_scale: dict[str, float] = field(default_factory=lambda: {
        "一线": 40.0, "新一线": 14.0, "二线": 5.0, "三线": 2.0, "四线": 1.0, "五线": 0.6})
    untiered_scale: float = 0.4
    city_sigma: float = 0.5
    growth: dict[str, float] = field(default_factory=lambda: {
        "leader": 0.05, "east": 0.09, "midwest": 0.22, "other": 0.06})
    field_mix: dict[str, float] = field(default_factory=lambda: {
        "info": 0.32, "bio": 0.16, "energy": 0.12, "mfg": 0.22, "mat": 0.11, "space": 0.07})
    field_tilt: dict[str, dict[str, float]] = field(default_factory=lambda: {
        "110000": {"info": 1.6}, "310000": {"bio": 1.7, "info": 1.2}, "440000": {"mfg": 1.4, "info": 1.2},
        "340000": {"energy": 1.8}, "510000": {"space": 2.2}, "610000": {"space": 2.0, "mat": 1.3},
        "320000": {"mat": 1.5, "bio": 1.2}, "420000": {"info": 1.2, "bio": 1.3}})
    diversity: dict[str, float] = field(default_factory=lambda: {
        "leader": 0.9, "east": 1.8, "midwest": 8.0, "other": 1.4})
    ai_weight: float = 3.0
    ai_tracks: dict[str, float] = field(default_factory=lambda: {
        "llm": 0.14, "cv": 0.18, "speech": 0.08, "driving": 0.17, "chip": 0.12, "embodied": 0.10, "apps": 0.21})
    capital_median: dict[str, float] = field(default_factory=lambda: {
        "info": 300.0, "bio": 500.0, "energy": 1500.0, "mfg": 800.0, "mat": 1000.0, "space": 2000.0})
    capital_sigma: float = 1.1
    financing_rate: float = 0.12
    leader_financing: float = 1.8
    patent_rate: dict[str, float] = field(default_factory=lambda: {
        "info": 0.6, "bio": 0.9, "energy": 0.8, "mfg": 1.0, "mat": 1.1, "space": 0.7})

    def to_dict(self) -> dict:
        return asdict(self)


def startup_params_for_size(size: str, *, seed: int | None = None) -> StartupParams:
    """Parameters of a demo size (``small``, ``medium``, ``large``: number of firms in :data:`STARTUP_SIZES`)."""
    if size not in STARTUP_SIZES:
        raise SpecError(f"start-up demo size must be one of {', '.join(STARTUP_SIZES)}; got {size!r}")
    p = StartupParams(n_firms=STARTUP_SIZES[size])
    return p if seed is None else StartupParams(**{**asdict(p), "seed": int(seed)})


@dataclass(frozen=True, eq=False)
class StartupData:
    """What :func:`generate_startups` wrote."""

    path: Path
    registry: pd.DataFrame
    financing: pd.DataFrame
    patents: pd.DataFrame
    environment: pd.DataFrame
    params: StartupParams


def _group(province: str) -> str:
    if province in LEADERS:
        return "leader"
    if province in MID_WEST:
        return "midwest"
    if province in STRONG_EAST or province in ("350000", "370000", "120000"):
        return "east"
    return "other"


def _pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per row from the row's probability vector (``probs[rows]``), vectorised."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(rows))
    return (u[:, None] > cum[rows]).sum(axis=1)


def _days(rng: np.random.Generator, start: np.ndarray, end: np.datetime64) -> np.ndarray:
    span = (end - start).astype(np.int64)
    return start + np.floor(rng.random(len(start)) * (span + 1)).astype(np.int64).astype("timedelta64[D]")


def generate_startups(out_dir: str | Path, params: StartupParams | None = None,
                      cities: pd.DataFrame | None = None) -> StartupData:
    """Draw the synthetic tables and write them to ``out_dir`` (see the module docstring).

    ``cities``: the cities that host firms (default: municipalities and
    prefecture-level cities of :mod:`dtindex.regions`). Same parameters, same
    bytes.
    """
    p = params or StartupParams()
    rng = np.random.default_rng(np.random.SeedSequence(p.seed, spawn_key=(7,)))
    if cities is None:
        c = regions.cities()
        cities = c[c["level"].isin(["municipality", "prefecture"])]
    cities = cities.sort_values("adcode", kind="stable").reset_index(drop=True)
    adcode = cities["adcode"].astype(str).to_numpy()
    prov = cities["province_adcode"].astype(str).to_numpy()
    provs = np.array(sorted(set(prov)))
    pi = np.searchsorted(provs, prov)
    grp = np.array([_group(x) for x in provs])
    tier = cities["tier_2025"].astype(object).where(cities["tier_2025"].notna(), "").to_numpy()
    scale = np.array([p.tier_scale.get(t, p.untiered_scale) for t in tier])
    pfac = np.array([LEADERS.get(x, STRONG_EAST.get(x, 1.0)) for x in provs])
    w = scale * rng.lognormal(0.0, p.city_sigma, len(cities)) * pfac[pi]
    years = np.arange(p.start_year, p.end_year + 1)
    g = np.array([p.growth[x] for x in grp])[pi]
    pcy = w[:, None] * np.exp(g[:, None] * (years - years[0])[None, :])
    counts = rng.multinomial(p.n_firms, (pcy / pcy.sum()).reshape(-1)).reshape(pcy.shape)
    ci, yi = np.nonzero(counts)
    n_per = counts[ci, yi]
    fc = np.repeat(ci, n_per)
    fy = np.repeat(yi, n_per)
    n = len(fc)
    fields = list(FIELDS)
    base = np.array([p.field_mix[f] for f in fields])
    tilt = np.ones((len(provs), len(fields)))
    for x, t in p.field_tilt.items():
        if x in provs:
            for f, m in t.items():
                tilt[np.searchsorted(provs, x), fields.index(f)] = m
    mix = np.vstack([rng.dirichlet(30.0 * base * tilt[k] / (base * tilt[k]).sum()) for k in range(len(provs))])
    ff = _pick(rng, mix, pi[fc])
    subs = list(SUBFIELDS)
    fs = np.empty(n, dtype=np.int64)
    for f, fname in enumerate(fields):
        own = subfields_of(fname)
        b = np.array([p.ai_weight if s == AI_SUBFIELD else 1.0 for s in own])
        conc = np.array([p.diversity[x] for x in grp])
        sm = np.vstack([rng.dirichlet(conc[k] * len(own) * b / b.sum()) for k in range(len(provs))])
        rows = np.nonzero(ff == f)[0]
        fs[rows] = np.array([subs.index(s) for s in own])[_pick(rng, sm, pi[fc[rows]])]
    tracks = list(AI_TRACKS)
    tb = np.array([p.ai_tracks[t] for t in tracks])
    tm = np.vstack([rng.dirichlet(25.0 * tb / tb.sum()) for _ in provs])
    is_ai = np.array(subs)[fs] == AI_SUBFIELD
    track = np.full(n, None, dtype=object)
    track[is_ai] = np.array(tracks, dtype=object)[_pick(rng, tm, pi[fc[is_ai]])]
    start = np.array([f"{y}-01-01" for y in years], dtype="datetime64[D]")[fy]
    end_y = np.array([f"{y}-12-31" for y in years], dtype="datetime64[D]")[fy]
    registered = start + np.floor(rng.random(n) * ((end_y - start).astype(np.int64) + 1)).astype("timedelta64[D]")
    cap_med = np.array([p.capital_median[f] for f in fields])[ff]
    capital = np.round(cap_med * rng.lognormal(0.0, p.capital_sigma, n), 2)
    staff = np.array(STAFF_BANDS, dtype=object)[_pick(rng, np.array([[0.45, 0.35, 0.15, 0.05]]), np.zeros(n, dtype=int))]
    firm_id = np.arange(1, n + 1, dtype=np.int64)
    registry = pd.DataFrame({
        "firm_id": firm_id, "adcode": adcode[fc].astype(object), "field": np.array(fields, dtype=object)[ff],
        "subfield": np.array(subs, dtype=object)[fs], "ai_track": track,
        "registered": registered, "capital": capital, "staff_band": staff,
    })

    end = np.datetime64(f"{p.end_year}-12-31")
    age = ((end - registered).astype(np.int64) + 1) / 365.25
    leader = np.isin(prov[fc], list(LEADERS))
    lam = p.financing_rate * age * np.where(leader, p.leader_financing, 1.0) * np.sqrt(capital / cap_med)
    k = rng.poisson(np.minimum(lam, 6.0))
    fi = np.repeat(np.arange(n), k)
    fdate = _days(rng, registered[fi], end)
    order = np.lexsort((fdate, fi))
    fi, fdate = fi[order], fdate[order]
    first = np.r_[0, np.flatnonzero(np.diff(fi)) + 1]
    seq = np.arange(len(fi)) - np.repeat(first, np.diff(np.r_[first, len(fi)]))
    rnd = np.minimum(seq, len(ROUNDS) - 1)
    amount = np.round(np.array(ROUND_AMOUNT)[rnd] * rng.lognormal(0.0, 0.6, len(fi)), 2)
    financing = pd.DataFrame({"firm_id": firm_id[fi], "date": fdate,
                              "round": np.array(ROUNDS, dtype=object)[rnd], "amount": amount})

    prate = np.array([p.patent_rate[f] for f in fields])[ff]
    kp = rng.poisson(prate * age)
    pi_ = np.repeat(np.arange(n), kp)
    pdate = _days(rng, registered[pi_], end)
    order = np.lexsort((pdate, pi_))
    pi_, pdate = pi_[order], pdate[order]
    kind = np.where(rng.random(len(pi_)) < 0.45, "invention", "utility").astype(object)
    patents = pd.DataFrame({"firm_id": firm_id[pi_], "filed": pdate, "kind": kind})

    # city covariates for the links analysis ("environment factors")
    firms = np.bincount(fc, minlength=len(cities)).astype(float)
    lw = np.log1p(firms)
    z = (lw - lw.mean()) / (lw.std() or 1.0)
    env = pd.DataFrame({
        "adcode": adcode.astype(object),
        "open_source_devs": rng.poisson(np.exp(1.5 + 0.9 * z + rng.normal(0, 0.4, len(z)))),
        "policy_support": np.round(np.clip(55 + 8 * z + 10 * (grp[pi] == "midwest") + rng.normal(0, 8, len(z)), 0, 100), 1),
        "talent": np.round(np.exp(3.0 + 0.5 * z + rng.normal(0, 0.3, len(z))), 1),
        "incubators": rng.poisson(np.exp(1.0 + 0.7 * z + rng.normal(0, 0.3, len(z)))),
    })

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    import duckdb

    casts = {
        "registry": "firm_id::BIGINT AS firm_id, adcode::VARCHAR AS adcode, field::VARCHAR AS field, "
                    "subfield::VARCHAR AS subfield, ai_track::VARCHAR AS ai_track, registered::DATE AS registered, "
                    "capital::DOUBLE AS capital, staff_band::VARCHAR AS staff_band",
        "financing": "firm_id::BIGINT AS firm_id, date::DATE AS date, round::VARCHAR AS round, amount::DOUBLE AS amount",
        "patents": "firm_id::BIGINT AS firm_id, filed::DATE AS filed, kind::VARCHAR AS kind",
    }
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one writer: same row groups, same bytes
        for name, df in (("registry", registry), ("financing", financing), ("patents", patents)):
            tmp = out / f".{name}.parquet.tmp"
            con.register("df", df)
            con.execute(f"COPY (SELECT {casts[name]} FROM df) TO '{tmp.as_posix()}' (FORMAT parquet, COMPRESSION zstd)")
            con.unregister("df")
            tmp.replace(out / f"{name}.parquet")
    finally:
        con.close()
    with atomic_write(out / "environment.csv") as fh:
        write_csv(fh, env)
    manifest = {"synthetic": True, "generator": "dtindex.demo.startups", "params": p.to_dict(),
                "rows": {"registry": len(registry), "financing": len(financing), "patents": len(patents),
                         "cities": len(cities)},
                "notice": "SYNTHETIC DATA: random start-ups, financing events and patents; no real firm or region."}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return StartupData(out, registry, financing, patents, env, p)
