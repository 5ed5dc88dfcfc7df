"""Parameters of the synthetic activity-record generator and the size presets.

Every number here is a stated assumption about how digital products are used,
chosen once before looking at any result. None is tuned to make a particular
city, province, tier or industry rank anywhere. ``docs/demo.md`` explains each
parameter; :class:`GeneratorParams` validates them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import SpecError, check_choice
from ..periods import parse_period

#: Products whose telemetry the generator simulates, one per indicator of the
#: default spec (``specs/dti-2023.yaml``). The order is the product code stored
#: in memory (0..7); the Parquet files hold the names.
PRODUCTS = ("cloud", "ai", "agile", "meeting", "docs", "payment", "ecommerce", "ticketing")

FREQUENCIES = ("week", "day")


def _d(**kv: float) -> dict[str, float]:
    return dict(kv)


@dataclass(frozen=True)
class GeneratorParams:
    """Documented parameters of :func:`dtindex.demo.generator.generate`.

    Model (one record = one enterprise's use of one product in one time slot,
    a week or a day)::

        enterprises of city c  ~ min_enterprises_per_city
                                 + Multinomial(n - C * min, s_c / sum s),
                                 s_c = tier_scale[tier_c] * LogNormal(0, city_scale_sigma)
        industry of enterprise ~ Categorical(industry_share)
        adopts product p       ~ Bernoulli(min(adoption[p] * affinity[industry][p], max_adoption))
        adoption time          = before the start with probability early_adopter_share,
                                 else Uniform(0, adoption_horizon * window length)
        active in slot s       ~ Bernoulli(active_prob[p] * (weekend_factor on Sat/Sun, day slots))
        amount                 = unit_amount[p] * slot_days / 7 * size_e * maturity_c * pair_ep
                                 * (1 + g)^t * season[quarter of year] * peak[p] (in peak_period)
                                 * LogNormal(-noise_sigma^2 / 2, noise_sigma)
        g                      = region_growth[region_c] + N(0, city_growth_sd)_c
                                 + N(0, industry_growth_sd)_i + product_growth[p]
        events                 = 1 + Poisson(event_rate[p] * amount / unit_amount[p])

    ``t`` is the time since the start of the window in quarters (days / 91.3125);
    ``size_e``, ``maturity_c`` and ``pair_ep`` are mean-one log-normal factors
    (``size_sigma``, ``city_maturity_sigma``, ``pair_sigma``). Amounts are
    rounded to cents.

    Attributes
    ----------
    seed : int
        Seed of every random draw; the same parameters give identical records.
    n_enterprises : int
        Number of synthetic enterprises.
    frequency : 'week' or 'day'
        Time slot of a record: weeks (each Monday of the window) or days.
    start, end : str
        First and last quarter of the window (``2021Q1`` .. ``2023Q1``).
    city_levels : tuple of str
        Administrative levels of the cities that host enterprises
        (``municipality``, ``prefecture``; add ``county_direct`` for the
        county-level units directly under a province).
    min_enterprises_per_city : int
        Every city gets at least this many enterprises, so that every city
        has records.
    tier_scale : dict
        Relative density of enterprises by 2025 city tier (city scale).
    untiered_scale : float
        Density for units without a 2025 tier (county-level units).
    city_scale_sigma : float
        Spread of city scale within a tier (log-normal sigma).
    city_maturity_sigma : float
        Spread of a city's digital maturity, a factor on every amount.
    region_growth : dict
        Quarterly trend growth of activity by NBS region (东部, 中部, 西部, 东北).
    city_growth_sd, industry_growth_sd : float
        Standard deviation of a city's / an industry's deviation from that trend.
    product_growth : dict
        Extra quarterly growth per product (default 0).
    season : tuple of 4 floats
        Multiplier of amounts in Q1..Q4 of every year.
    peak_period : str
        The quarter of the online peak (2022Q2).
    peak : dict
        Multiplier of amounts per product in ``peak_period`` (online office up,
        travel ticketing down).
    industry_share : dict
        Relative number of enterprises per industry code (GB/T 4754-2017 门类).
    affinity : dict
        Industry -> product -> multiplier of the adoption probability (default 1).
    adoption : dict
        Base probability that an enterprise uses a product.
    max_adoption : float
        Upper bound of an adoption probability after the affinity multiplier.
    early_adopter_share : float
        Share of adopters already using the product at the start of the window.
    adoption_horizon : float
        Later adopters start uniformly over this many window lengths (> 1: some
        adopters start after the window ends and never appear).
    active_prob : dict
        Probability that an adopter uses the product in a given slot.
    weekend_factor : float
        Multiplier of ``active_prob`` on Saturdays and Sundays (day slots only).
    unit_amount : dict
        Mean amount per enterprise-week (yuan for cloud, payment, e-commerce,
        ticketing and AI spend; minutes for meetings and documents; developer
        hours for the agile R&D tool).
    event_rate : dict
        Mean number of events per enterprise-week (API calls, commits, meetings,
        documents edited, transactions, orders, tickets).
    size_sigma, pair_sigma, noise_sigma : float
        Log-normal sigma of enterprise size, of an enterprise's intensity on one
        product, and of the record-level noise.
    block_enterprises : int
        Enterprises per generated chunk (memory bound; part of the seeding, so
        it is a parameter: a different value gives different records).
    """

    seed: int = 20230401
    n_enterprises: int = 24_000
    frequency: str = "week"
    start: str = "2021Q1"
    end: str = "2023Q1"
    city_levels: tuple[str, ...] = ("municipality", "prefecture")
    min_enterprises_per_city: int = 1
    tier_scale: dict[str, float] = field(default_factory=lambda: {
        "一线": 60.0, "新一线": 25.0, "二线": 10.0, "三线": 4.0, "四线": 2.0, "五线": 1.0})
    untiered_scale: float = 0.5
    city_scale_sigma: float = 0.35
    city_maturity_sigma: float = 0.25
    region_growth: dict[str, float] = field(default_factory=lambda: _d(
        东部=0.035, 中部=0.045, 西部=0.05, 东北=0.02))
    city_growth_sd: float = 0.01
    industry_growth_sd: float = 0.01
    product_growth: dict[str, float] = field(default_factory=lambda: _d(cloud=0.02, ai=0.04))
    season: tuple[float, float, float, float] = (0.96, 1.0, 1.01, 1.05)
    peak_period: str = "2022Q2"
    peak: dict[str, float] = field(default_factory=lambda: _d(meeting=1.25, docs=1.15, ticketing=0.8))
    industry_share: dict[str, float] = field(default_factory=lambda: _d(
        A=3.0, B=0.5, C=16.0, D=0.8, E=6.0, F=30.0, G=3.5, H=2.5, I=5.0, J=0.8, K=3.0, L=12.0, M=8.0, N=0.7,
        O=2.5, P=1.5, Q=0.7, R=2.0))
    affinity: dict[str, dict[str, float]] = field(default_factory=lambda: {
        "A": _d(ecommerce=1.5, cloud=0.5, agile=0.3),
        "B": _d(cloud=0.8, ai=0.8, agile=0.3, ecommerce=0.3, ticketing=0.3),
        "C": _d(cloud=1.3, ai=1.2, ecommerce=1.2),
        "D": _d(cloud=1.2, payment=1.2),
        "E": _d(meeting=1.2, docs=1.2, agile=0.4),
        "F": _d(payment=1.5, ecommerce=2.5, cloud=0.8),
        "G": _d(ticketing=2.5, payment=1.3),
        "H": _d(payment=1.5, ticketing=1.5, ecommerce=1.2, agile=0.2),
        "I": _d(cloud=2.5, ai=2.5, agile=3.5, meeting=1.5, docs=1.5),
        "J": _d(cloud=1.8, ai=2.0, agile=1.5, payment=1.5),
        "K": _d(meeting=1.2, payment=1.2),
        "L": _d(meeting=1.3, docs=1.3),
        "M": _d(cloud=1.8, ai=2.0, agile=2.0, docs=1.3),
        "N": _d(ticketing=1.5),
        "O": _d(payment=1.5),
        "P": _d(meeting=1.8, docs=1.8, ticketing=0.5),
        "Q": _d(payment=1.3, ai=1.2, ticketing=1.2),
        "R": _d(ticketing=3.0, payment=1.3),
    })
    adoption: dict[str, float] = field(default_factory=lambda: _d(
        cloud=0.35, ai=0.12, agile=0.10, meeting=0.50, docs=0.45, payment=0.60, ecommerce=0.25, ticketing=0.08))
    max_adoption: float = 0.95
    early_adopter_share: float = 0.6
    adoption_horizon: float = 1.5
    active_prob: dict[str, float] = field(default_factory=lambda: _d(
        cloud=0.92, ai=0.6, agile=0.75, meeting=0.7, docs=0.75, payment=0.85, ecommerce=0.65, ticketing=0.4))
    weekend_factor: float = 0.5
    unit_amount: dict[str, float] = field(default_factory=lambda: _d(
        cloud=2000.0, ai=50.0, agile=40.0, meeting=600.0, docs=300.0, payment=50000.0, ecommerce=30000.0,
        ticketing=5000.0))
    event_rate: dict[str, float] = field(default_factory=lambda: _d(
        cloud=20.0, ai=500.0, agile=30.0, meeting=10.0, docs=20.0, payment=200.0, ecommerce=100.0, ticketing=40.0))
    size_sigma: float = 1.0
    pair_sigma: float = 0.5
    noise_sigma: float = 0.3
    block_enterprises: int = 25_000

    def __post_init__(self) -> None:
        owner = "GeneratorParams"
        check_choice(owner, "frequency", self.frequency, FREQUENCIES)
        for lvl in self.city_levels:
            check_choice(owner, "city_levels", lvl, ("municipality", "prefecture", "county_direct"))
        a, b = parse_period(self.start, where="start"), parse_period(self.end, where="end")
        if a.freq != "quarter" or b.freq != "quarter" or b < a:
            raise SpecError(f"{owner}: start and end must be quarters with start <= end; got {self.start!r}, {self.end!r}")
        p = parse_period(self.peak_period, where="peak_period")
        if p.freq != "quarter":
            raise SpecError(f"{owner}: peak_period must be a quarter such as '2022Q2'; got {self.peak_period!r}")
        for name in ("n_enterprises", "block_enterprises"):
            if int(getattr(self, name)) < 1:
                raise SpecError(f"{owner}: {name} must be at least 1; got {getattr(self, name)!r}")
        if self.min_enterprises_per_city < 0:
            raise SpecError(f"{owner}: min_enterprises_per_city must be >= 0; got {self.min_enterprises_per_city!r}")
        from ..regions import REGIONS, TIERS  # the city tables (pandas) only when parameters are checked

        _keys(owner, "tier_scale", self.tier_scale, TIERS, complete=True)
        _keys(owner, "region_growth", self.region_growth, REGIONS, complete=True)
        for name in ("adoption", "active_prob", "unit_amount", "event_rate"):
            _keys(owner, name, getattr(self, name), PRODUCTS, complete=True)
        for name in ("product_growth", "peak"):
            _keys(owner, name, getattr(self, name), PRODUCTS, complete=False)
        for ind, tilt in self.affinity.items():
            _keys(owner, f"affinity[{ind!r}]", tilt, PRODUCTS, complete=False)
        for name in ("adoption", "active_prob"):
            _range(owner, name, getattr(self, name), 0.0, 1.0)
        for name in ("early_adopter_share", "max_adoption"):
            _range(owner, name, {name: getattr(self, name)}, 0.0, 1.0)
        top = max(self.active_prob.values())
        # weekend_factor x active_prob must stay a probability
        _range(owner, "weekend_factor", {"weekend_factor": self.weekend_factor}, 0.0, 1.0 / top if top > 0 else math.inf)
        positive = {"tier_scale": self.tier_scale, "unit_amount": self.unit_amount, "industry_share": self.industry_share,
                    "peak": self.peak, "untiered_scale": {"untiered_scale": self.untiered_scale},
                    "season": dict(enumerate(self.season, start=1)),
                    "adoption_horizon": {"adoption_horizon": self.adoption_horizon}}
        for name, values in positive.items():
            bad = {k: v for k, v in values.items() if not (math.isfinite(float(v)) and float(v) > 0)}
            if bad:
                raise SpecError(f"{owner}: {name} must be positive numbers; got {bad}")
        if len(self.season) != 4:
            raise SpecError(f"{owner}: season needs 4 multipliers (Q1..Q4); got {len(self.season)}")
        nonneg = {"event_rate": self.event_rate,
                  **{k: {k: getattr(self, k)} for k in ("city_scale_sigma", "city_maturity_sigma", "city_growth_sd",
                                                         "industry_growth_sd", "size_sigma", "pair_sigma", "noise_sigma")}}
        for name, values in nonneg.items():
            bad = {k: v for k, v in values.items() if not (math.isfinite(float(v)) and float(v) >= 0)}
            if bad:
                raise SpecError(f"{owner}: {name} must be non-negative numbers; got {bad}")
        for ind, tilt in self.affinity.items():
            bad = {k: v for k, v in tilt.items() if not (math.isfinite(float(v)) and float(v) >= 0)}
            if bad:
                raise SpecError(f"{owner}: affinity[{ind!r}] must be non-negative numbers; got {bad}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples as lists), for ``release.json``."""
        out = asdict(self)
        out["city_levels"] = list(self.city_levels)
        out["season"] = list(self.season)
        return out


def _keys(owner: str, name: str, values: dict, allowed, *, complete: bool) -> None:
    allowed = list(allowed)
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise SpecError(f"{owner}: {name} has unknown keys {unknown}; allowed keys are {', '.join(allowed)}")
    if complete:
        missing = [k for k in allowed if k not in values]
        if missing:
            raise SpecError(f"{owner}: {name} needs a value for {', '.join(missing)}")


def _range(owner: str, name: str, values: dict, low: float, high: float) -> None:
    bad = {k: v for k, v in values.items() if not (math.isfinite(float(v)) and low <= float(v) <= high)}
    if bad:
        raise SpecError(f"{owner}: {name} must lie in [{low:g}, {high:g}]; got {bad}")


#: Size presets: generator settings per ``--size``. Record counts are what the
#: default parameters give (they follow from the parameters; nothing forces them).
SIZES: dict[str, dict[str, Any]] = {
    "small": {"n_enterprises": 600, "frequency": "week"},
    "medium": {"n_enterprises": 24_000, "frequency": "week"},
    "large": {"n_enterprises": 110_000, "frequency": "day"},
}


def params_for_size(size: str, *, seed: int | None = None, **overrides: Any) -> GeneratorParams:
    """Generator parameters of a size preset, with an optional seed and other overrides.

    >>> params_for_size("small").n_enterprises
    600
    """
    check_choice("demo", "size", size, SIZES)
    kwargs = {**SIZES[size], **overrides}
    if seed is not None:
        kwargs["seed"] = int(seed)
    return replace(GeneratorParams(), **kwargs)
