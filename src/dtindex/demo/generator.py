"""Seeded generator of SYNTHETIC product-activity records for the demo.

Enterprises are placed in real cities (``dtindex.regions``) and in the
industries of ``specs/industries.csv`` (GB/T 4754-2017 门类). Each enterprise
adopts some of the eight products (:data:`~dtindex.demo.params.PRODUCTS`) and,
in every week (or day) it is active, leaves one record::

    enterprise_id  INTEGER        the enterprise (see enterprises.parquet)
    product        VARCHAR        cloud, ai, agile, meeting, docs, payment, ecommerce, ticketing
    date           DATE           the Monday of the week, or the day
    amount         DECIMAL(18,2)  spend / value in yuan, or minutes, or hours (see docs/demo.md)
    events         INTEGER        API calls, commits, meetings, documents, transactions, orders, tickets

The model and its parameters are :class:`~dtindex.demo.params.GeneratorParams`.
Everything is vectorised numpy; records are produced in chunks of one quarter
and ``block_enterprises`` enterprises and written to Parquet by DuckDB
``COPY`` as soon as they are made, so memory stays bounded at any size. Every
chunk has its own seed (``SeedSequence(seed, spawn_key=(1, quarter, block))``),
so the records do not depend on how they are written.

Output folder::

    raw/manifest.json                       parameters, counts, files (SYNTHETIC)
    raw/enterprises.parquet                 enterprise_id, adcode, industry
    raw/records/quarter=2021Q1/part-0000.parquet ...
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import regions
from ..errors import DataError, SpecError, describe_rows
from ..io.atomic import replace_dir
from ..periods import parse_period, period_range
from .params import PRODUCTS, GeneratorParams

__all__ = [
    "MANIFEST",
    "Chunk",
    "Population",
    "RawData",
    "Slots",
    "demo_cities",
    "expert_panel",
    "generate",
    "industries",
    "iter_chunks",
    "make_population",
    "time_slots",
]

MANIFEST = "manifest.json"
DAYS_PER_QUARTER = 365.25 / 4
_EPOCH = np.datetime64("1970-01-01", "D")


# ---------------------------------------------------------------------- reference tables
def industries() -> pd.DataFrame:
    """The industries of the demo: ``code, name, name_en`` from ``specs/industries.csv``.

    The 18 sections A-R of GB/T 4754-2017 (国民经济行业分类 门类); S (public
    administration) and T (international organisations) hold no enterprises.
    """
    src = resources.files("dtindex") / "specs" / "industries.csv"
    df = pd.read_csv(src.open("rb"), dtype=str, keep_default_na=False, encoding="utf-8")
    if list(df.columns) != ["code", "name", "name_en"]:
        raise DataError(f"specs/industries.csv: columns must be code, name, name_en; got {', '.join(df.columns)}")
    bad = df.index[(df == "").any(axis=1) | df["code"].duplicated(keep=False)]
    if len(bad):
        raise DataError(f"specs/industries.csv rows {describe_rows(bad + 2)}: empty cell or duplicate code")
    return df


def demo_cities(params: GeneratorParams) -> pd.DataFrame:
    """Cities that host enterprises: the regions table filtered by ``city_levels``, plus ``region``.

    Ordered by adcode. ``region`` is the NBS region of the province (东部,
    中部, 西部, 东北).
    """
    c = regions.cities()
    c = c[c["level"].isin(list(params.city_levels))].sort_values("adcode", kind="stable").reset_index(drop=True)
    region = regions.provinces().set_index("adcode")["region"]
    c = c.assign(region=c["province_adcode"].map(region).astype(object))
    if c["region"].isna().any():
        raise DataError(f"regions: no NBS region for provinces {describe_rows(c.loc[c['region'].isna(), 'province_adcode'])}")
    return c


# ---------------------------------------------------------------------- time slots
@dataclass(frozen=True, eq=False)
class Slots:
    """The time slots of the window.

    ``day`` is each slot's day offset from ``start_date`` (a Monday for weeks);
    ``quarter`` the position of its quarter in ``labels``; ``weekend`` marks
    Saturdays and Sundays (day slots); ``days`` is the slot length.
    """

    start_date: np.datetime64
    day: np.ndarray
    quarter: np.ndarray
    weekend: np.ndarray
    days: int
    labels: tuple[str, ...]

    @property
    def window_days(self) -> int:
        return int(self.day[-1] - self.day[0]) + self.days


def _quarter_start(label: str) -> np.datetime64:
    p = parse_period(label)
    return np.datetime64(f"{p.year:04d}-{3 * (p.sub - 1) + 1:02d}-01", "D")


def time_slots(params: GeneratorParams) -> Slots:
    """Weeks (Mondays) or days from the first day of ``start`` to the last day of ``end``."""
    labels = tuple(p.label for p in period_range(parse_period(params.start), parse_period(params.end)))
    first = _quarter_start(labels[0])
    after = _quarter_start(parse_period(labels[-1]).shift(1).label)
    dates = np.arange(first, after, dtype="datetime64[D]")
    weekday = (dates - _EPOCH).astype(np.int64) % 7  # 1970-01-01 was a Thursday: 0=Thu .. 4=Mon
    if params.frequency == "week":
        dates = dates[weekday == 4]
        days = 7
    else:
        days = 1
    weekday = (dates - _EPOCH).astype(np.int64) % 7
    month = dates.astype("datetime64[M]").astype(np.int64)            # months since 1970-01
    qpos = month // 3 - (first.astype("datetime64[M]").astype(np.int64) // 3)
    return Slots(start_date=first, day=(dates - first).astype(np.int32), quarter=qpos.astype(np.int32),
                 weekend=np.isin(weekday, (2, 3)), days=days, labels=labels)


# ---------------------------------------------------------------------- population
@dataclass(frozen=True, eq=False)
class Population:
    """Synthetic enterprises and their (enterprise, product) adoptions.

    Enterprise ``k`` (0-based) has ``enterprise_id = k + 1``; enterprises are
    ordered by city (adcode) then industry. Pair arrays (``pair_*``) are in
    enterprise-major order; ``pair_base`` is the expected amount per slot
    before growth, season and noise; ``pair_glog`` is ``log(1 + g)``;
    ``pair_adopt_day`` the first day offset the product is used.
    """

    enterprises: pd.DataFrame
    city: np.ndarray
    industry: np.ndarray
    pair_enterprise: np.ndarray
    pair_product: np.ndarray
    pair_adopt_day: np.ndarray
    pair_base: np.ndarray
    pair_glog: np.ndarray

    @property
    def n_enterprises(self) -> int:
        return len(self.city)


def _lognormal_mean_one(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    return rng.lognormal(-0.5 * sigma * sigma, sigma, size=size)


def make_population(params: GeneratorParams, cities: pd.DataFrame, inds: pd.DataFrame,
                    slots: Slots) -> Population:
    """Draw enterprises, their cities, industries, sizes and product adoptions (see GeneratorParams)."""
    codes = list(inds["code"])
    unknown = [k for k in [*params.industry_share, *params.affinity] if k not in codes]
    missing = [k for k in codes if k not in params.industry_share]
    if unknown or missing:
        raise SpecError(f"GeneratorParams: industry_share/affinity must use the industry codes of specs/industries.csv "
                        f"({', '.join(codes)}); unknown {unknown or 'none'}, without a share {missing or 'none'}")
    n_city = len(cities)
    need = n_city * params.min_enterprises_per_city
    if params.n_enterprises < max(need, 1):
        raise SpecError(f"GeneratorParams: n_enterprises={params.n_enterprises} is below {need} "
                        f"({n_city} cities x min_enterprises_per_city={params.min_enterprises_per_city})")
    rng = np.random.default_rng(np.random.SeedSequence(params.seed, spawn_key=(0,)))
    # city scale: tier density x log-normal spread; every city gets min_enterprises_per_city first
    tier = cities["tier_2025"].astype(object).to_numpy()
    dens = np.array([params.tier_scale.get(t, params.untiered_scale) if isinstance(t, str) else params.untiered_scale
                     for t in tier], dtype=float)
    scale = dens * _lognormal_mean_one(rng, params.city_scale_sigma, n_city)
    counts = params.min_enterprises_per_city + rng.multinomial(params.n_enterprises - need, scale / scale.sum())
    city = np.repeat(np.arange(n_city), counts)
    share = np.array([params.industry_share[k] for k in codes], dtype=float)
    industry = rng.choice(len(codes), size=params.n_enterprises, p=share / share.sum())
    order = np.lexsort((industry, city))  # ids grouped by city then industry
    city, industry = city[order], industry[order]
    size = _lognormal_mean_one(rng, params.size_sigma, params.n_enterprises)
    maturity = _lognormal_mean_one(rng, params.city_maturity_sigma, n_city)
    region = cities["region"].to_numpy(dtype=object)
    g_city = np.array([params.region_growth[r] for r in region]) + rng.normal(0.0, params.city_growth_sd, n_city)
    g_ind = rng.normal(0.0, params.industry_growth_sd, len(codes))
    g_prod = np.array([params.product_growth.get(p, 0.0) for p in PRODUCTS])

    # adoption: probability base x industry affinity, capped
    tilt = np.array([[params.affinity.get(k, {}).get(p, 1.0) for p in PRODUCTS] for k in codes])
    base_p = np.array([params.adoption[p] for p in PRODUCTS])
    prob = np.minimum(base_p[None, :] * tilt, params.max_adoption)           # industries x products
    adopt = rng.random((params.n_enterprises, len(PRODUCTS))) < prob[industry]
    pe, pp = np.nonzero(adopt)
    n_pairs = len(pe)
    early = rng.random(n_pairs) < params.early_adopter_share
    later = rng.uniform(0.0, params.adoption_horizon * slots.window_days, n_pairs)
    adopt_day = np.where(early, -1.0, later)
    unit = np.array([params.unit_amount[p] for p in PRODUCTS])
    base = (unit[pp] * slots.days / 7.0 * size[pe] * maturity[city[pe]]
            * _lognormal_mean_one(rng, params.pair_sigma, n_pairs))
    glog = np.log1p(g_city[city[pe]] + g_ind[industry[pe]] + g_prod[pp])
    ent = pd.DataFrame({
        "enterprise_id": np.arange(1, params.n_enterprises + 1, dtype=np.int32),
        "adcode": cities["adcode"].to_numpy(dtype=object)[city],
        "industry": np.array(codes, dtype=object)[industry],
    })
    return Population(ent, city, industry, pe.astype(np.int32), pp.astype(np.uint8), adopt_day, base, glog)


# ---------------------------------------------------------------------- records
@dataclass(frozen=True, eq=False)
class Chunk:
    """Records of one quarter and one block of enterprises (numpy columns).

    ``product`` holds positions in :data:`PRODUCTS`; ``day`` the day offset from
    the window start; ``amount_cents`` the amount in cents (exact integers).
    """

    quarter: str
    block: int
    enterprise_id: np.ndarray
    product: np.ndarray
    day: np.ndarray
    amount_cents: np.ndarray
    events: np.ndarray

    def __len__(self) -> int:
        return len(self.enterprise_id)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"enterprise_id": self.enterprise_id, "product": self.product, "day": self.day,
                             "amount_cents": self.amount_cents, "events": self.events})


def _season_peak(params: GeneratorParams, slots: Slots) -> np.ndarray:
    """Multiplier per (product, quarter position): season of the quarter x peak in peak_period."""
    labels = slots.labels
    season = np.array([params.season[parse_period(q).sub - 1] for q in labels])
    out = np.tile(season, (len(PRODUCTS), 1))
    if params.peak_period in labels:
        j = labels.index(params.peak_period)
        out[:, j] *= np.array([params.peak.get(p, 1.0) for p in PRODUCTS])
    return out


def iter_chunks(params: GeneratorParams, pop: Population, slots: Slots) -> Iterator[Chunk]:
    """Yield the records quarter by quarter, block by block (deterministic given ``params``).

    In a chunk, records are ordered by slot, then enterprise, then product.
    """
    active_prob = np.array([params.active_prob[p] for p in PRODUCTS], dtype=np.float32)
    event_rate = np.array([params.event_rate[p] for p in PRODUCTS])
    unit = np.array([params.unit_amount[p] for p in PRODUCTS])
    sp = _season_peak(params, slots)
    slot_factor = np.where(slots.weekend & (slots.days == 1), params.weekend_factor, 1.0).astype(np.float32)
    t_quarters = slots.day / DAYS_PER_QUARTER
    B = params.block_enterprises
    n_blocks = -(-pop.n_enterprises // B)
    bounds = np.searchsorted(pop.pair_enterprise, np.arange(n_blocks + 1) * B)
    for qi, label in enumerate(slots.labels):
        s_idx = np.flatnonzero(slots.quarter == qi)
        sday = slots.day[s_idx]
        for b in range(n_blocks):
            lo, hi = bounds[b], bounds[b + 1]
            rng = np.random.default_rng(np.random.SeedSequence(params.seed, spawn_key=(1, qi, b)))
            pp = pop.pair_product[lo:hi]
            u = rng.random((len(s_idx), hi - lo), dtype=np.float32)
            active = u < slot_factor[s_idx][:, None] * active_prob[pp][None, :]
            active &= sday[:, None] >= pop.pair_adopt_day[lo:hi][None, :]
            si, pj = np.nonzero(active)
            pj = pj + lo
            prod = pop.pair_product[pj]
            slot = s_idx[si]
            amount = (pop.pair_base[pj] * np.exp(pop.pair_glog[pj] * t_quarters[slot]) * sp[prod, qi]
                      * _lognormal_mean_one(rng, params.noise_sigma, len(pj)))
            cents = np.maximum(np.rint(amount * 100.0), 1).astype(np.int64)
            events = 1 + rng.poisson(event_rate[prod] * amount / unit[prod])
            yield Chunk(label, b, (pop.pair_enterprise[pj] + 1).astype(np.int32), prod, slots.day[slot],
                        cents, events.astype(np.int32))


# ---------------------------------------------------------------------- writing
@dataclass(frozen=True)
class RawData:
    """What :func:`generate` wrote: the folder and the record counts it made."""

    path: Path
    n_records: int
    n_enterprises: int
    records_by_quarter: dict[str, int]
    records_by_product: dict[str, int]
    files: tuple[str, ...]
    #: ``adcode, industry, enterprises``: the generated enterprise directory counted per city and industry (sorted).
    enterprise_counts: pd.DataFrame | None = None

    @property
    def records_glob(self) -> str:
        return str(self.path / "records" / "*" / "*.parquet")

    @property
    def enterprises_path(self) -> Path:
        return self.path / "enterprises.parquet"


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def generate(out_dir: str | Path, params: GeneratorParams, *, progress: Callable[[int, int], None] | None = None,
             threads: int | None = None) -> RawData:
    """Generate the records and write them as Parquet into ``out_dir`` (replaced atomically).

    Parameters
    ----------
    out_dir : path
        Folder for ``manifest.json``, ``enterprises.parquet`` and
        ``records/quarter=YYYYQn/part-NNNN.parquet``. An existing folder is
        replaced only if it holds a generator ``manifest.json`` (so user files
        are never removed).
    params : GeneratorParams
    progress : callable(done, total), optional
        Called after each chunk is written.
    threads : int, optional
        DuckDB threads for writing (default: DuckDB's default).

    Returns
    -------
    RawData
    """
    out = Path(out_dir)
    if out.exists() and not (out / MANIFEST).exists() and any(out.iterdir()):
        raise DataError(f"{out}: folder exists and is not a dtindex demo raw-data folder (no {MANIFEST}); "
                        "choose another output folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    cities = demo_cities(params)
    inds = industries()
    slots = time_slots(params)
    pop = make_population(params, cities, inds, slots)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    n_blocks = -(-pop.n_enterprises // params.block_enterprises)
    total_chunks = n_blocks * len(slots.labels)
    by_quarter = {q: 0 for q in slots.labels}
    by_product = np.zeros(len(PRODUCTS), dtype=np.int64)
    files = []
    products_sql = "[" + ", ".join(_sql_text(p) for p in PRODUCTS) + "]"
    start_sql = f"DATE '{slots.start_date}'"
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")  # file rows in chunk order: slot, enterprise, product
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.register("enterprises_df", pop.enterprises)
        con.execute(f"COPY (SELECT enterprise_id::INTEGER AS enterprise_id, adcode::VARCHAR AS adcode, "
                    f"industry::VARCHAR AS industry FROM enterprises_df ORDER BY enterprise_id) "
                    f"TO {_sql_text(str(tmp / 'enterprises.parquet'))} (FORMAT parquet)")
        con.unregister("enterprises_df")
        for k, chunk in enumerate(iter_chunks(params, pop, slots)):
            rel = f"records/quarter={chunk.quarter}/part-{chunk.block:04d}.parquet"
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            con.register("chunk_df", chunk.frame())
            con.execute(
                f"COPY (SELECT enterprise_id, {products_sql}[product + 1] AS product, "
                f"{start_sql} + day AS date, "
                f"CAST(amount_cents * 0.01::DECIMAL(3, 2) AS DECIMAL(18, 2)) AS amount, events "
                f"FROM chunk_df) TO {_sql_text(str(tmp / rel))} (FORMAT parquet)")
            con.unregister("chunk_df")
            files.append(rel)
            by_quarter[chunk.quarter] += len(chunk)
            by_product += np.bincount(chunk.product, minlength=len(PRODUCTS))
            if progress:
                progress(k + 1, total_chunks)
        n_records = int(sum(by_quarter.values()))
        manifest = {
            "generator": "dtindex.demo.generator",
            "synthetic": True,
            "notice": "SYNTHETIC activity records generated by dtindex.demo; not real telemetry.",
            "params": params.to_dict(),
            "n_records": n_records,
            "n_enterprises": pop.n_enterprises,
            "n_cities": len(cities),
            "records_by_quarter": by_quarter,
            "records_by_product": dict(zip(PRODUCTS, by_product.tolist())),
            "files": ["enterprises.parquet", *files],
            "schema": {"enterprise_id": "INTEGER", "product": "VARCHAR", "date": "DATE",
                       "amount": "DECIMAL(18,2)", "events": "INTEGER"},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        con.close()
    counts = (pop.enterprises.groupby(["adcode", "industry"], sort=True).size().rename("enterprises")
              .astype(np.int64).reset_index())
    counts["adcode"] = counts["adcode"].astype(str).astype(object)
    counts["industry"] = counts["industry"].astype(str).astype(object)
    return RawData(out, n_records, pop.n_enterprises, by_quarter, dict(zip(PRODUCTS, by_product.tolist())),
                   ("enterprises.parquet", *files), counts)


def read_manifest(raw_dir: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a generated raw-data folder."""
    path = Path(raw_dir) / MANIFEST
    if not path.exists():
        raise DataError(f"{raw_dir}: not a demo raw-data folder (no {MANIFEST})")
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- expert panel
#: Centre (1-5) of the synthetic experts' scores per node of ``specs/dti-2023.yaml``.
EXPERT_CENTRES = {"infra": 4.5, "platform": 3.8, "application": 4.0, "cloud": 4.4, "ai": 4.0, "agile": 3.6,
                  "meeting": 3.2, "docs": 3.0, "payment": 4.2, "ecommerce": 3.8, "ticketing": 2.8}
EXPERT_SEED = 2023
EXPERT_SD = 0.6


def expert_panel(n_experts: int = 12, *, seed: int = EXPERT_SEED, sd: float = EXPERT_SD) -> pd.DataFrame:
    """The SYNTHETIC expert scoring sheet shipped as ``specs/dti-2023-experts.csv``.

    Each synthetic expert's score of node ``j`` is
    ``clip(round(centre_j + N(0, sd)), 1, 5)`` with :data:`EXPERT_CENTRES`;
    expert ids read ``synthetic-E01`` ... so the panel is labelled as made up.
    Columns: ``expert`` then the layers and the indicators of the spec.
    """
    rng = np.random.default_rng(seed)
    codes = list(EXPERT_CENTRES)
    centre = np.array([EXPERT_CENTRES[c] for c in codes])
    scores = np.clip(np.rint(centre + rng.normal(0.0, sd, size=(n_experts, len(codes)))), 1, 5).astype(int)
    sheet = pd.DataFrame(scores, columns=codes)
    sheet.insert(0, "expert", [f"synthetic-E{i + 1:02d}" for i in range(n_experts)])
    return sheet
