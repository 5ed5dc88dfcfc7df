"""One compiler: source definitions -> a backend-neutral query plan -> SQL per dialect.

A :class:`SourcePlan` holds, for one raw table, the key expressions (city,
industry, period), the de-duplicated list of aggregates every indicator needs
(:class:`Agg`), and how each indicator reads them back (:class:`PartPlan`).
Expressions are sqlglot trees; :meth:`SourcePlan.sql` renders them for
``duckdb`` or ``spark``, so both engines run the same query, not two
hand-written ones.

Why group by the *raw* keys
---------------------------
The main query groups by the city code and industry exactly as they are in the
data (cast to text) and by the period ordinal. Classifying keys (unknown city,
null unit, period outside the declared range) then happens on the small
grouped result, which gives the offending values and their row counts for free
and keeps the scan as cheap as hand-written SQL. Two follow-up queries run only
on dirty data: one for negative volumes (when some group's minimum is below
zero), one recounting distinct values when several raw keys are merged into the
unknown unit.

Indicators that differ by one column
------------------------------------
When every indicator of a source filters with ``column = literal`` or
``column IN (literals)`` on the same column, :func:`choose_pivot` makes that
column one more grouping key (``k_pivot``) instead of rendering one ``FILTER``
aggregate per indicator; the engine rearranges the result into the same
aggregates (:class:`Pivot`). ``SourcePlan.choice`` says which form was chosen and why.

Exact sums
----------
Summing doubles in parallel gives results that depend on the order of
additions, so DuckDB, Spark and two runs of either could differ in the last
bits. Integer and decimal columns are summed exactly (a decimal total is returned
as a whole number of ``10^-scale`` units, ``CAST(SUM(x) * 10^scale AS HUGEINT)``); a floating-point column
is rounded per record to ``scale`` decimals, ``ROUND(x * 10^scale)`` (round
half away from zero in both engines): a whole number held in a double. While
no value is negative, every partial sum of such numbers is a whole number no
larger than the total, so if the total is below ``2^53`` every addition was
exact, in any order. Groups where that is not known (a negative value, or a
total of ``2^53`` or more) are summed again as 64-bit integers by the
follow-up query. Totals end as Python integers or decimals, and the division
by ``10^scale`` is done once in Python (correctly rounded), so every engine
returns the same double.

Period ordinals
---------------
``year*4 + quarter-1`` for quarters, ``year*12 + month-1`` for months,
``year`` for years: the same numbers as :class:`dtindex.periods.Period`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from ..errors import DataError, SpecError
from ..periods import Period
from .spec import FILTER_DIALECT, GRAIN_RANK, Measure, SourceSpec, parse_filter

DIALECTS = ("duckdb", "spark")
KEY_CITY, KEY_INDUSTRY, KEY_PERIOD, KEY_PIVOT = "k_city", "k_industry", "k_period", "k_pivot"


# ---------------------------------------------------------------------- column types
def logical_type(type_text: str) -> tuple[str, int]:
    """Map an engine's type name to ``(kind, scale)``.

    Kinds: integer, decimal, float, string, date, timestamp, boolean, other.

    >>> logical_type("DECIMAL(18,2)"), logical_type("bigint"), logical_type("TIMESTAMP WITH TIME ZONE")
    (('decimal', 2), ('integer', 0), ('timestamp', 0))
    """
    t = type_text.strip().lower()
    m = re.match(r"(decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", t)
    if m:
        return ("integer", 0) if int(m.group(3)) == 0 and int(m.group(2)) <= 18 else ("decimal", int(m.group(3)))
    if t in ("decimal", "numeric"):
        return "decimal", 3  # DuckDB's default DECIMAL(18,3)
    if re.fullmatch(r"u?(tinyint|smallint|integer|int|bigint|hugeint|long|short|byte|int\d+)", t):
        return "integer", 0
    if t in ("double", "float", "real", "float4", "float8", "double precision"):
        return "float", 0
    if t in ("varchar", "string", "text", "char") or t.startswith(("varchar", "char(")):
        return "string", 0
    if t == "date":
        return "date", 0
    if t.startswith("timestamp"):
        return "timestamp", 0
    if t in ("boolean", "bool"):
        return "boolean", 0
    return "other", 0


def col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _lit(v: int | str) -> exp.Expression:
    return exp.Literal.number(v) if isinstance(v, int) else exp.Literal.string(v)


def _cast(e: exp.Expression, to: str) -> exp.Cast:
    return exp.cast(e, exp.DataType.build(to, dialect=FILTER_DIALECT))


def _try_int(e: exp.Expression) -> exp.Expression:
    return exp.TryCast(this=e, to=exp.DataType.build("INT"))


def _intdiv(a: exp.Expression, b: int) -> exp.Expression:
    return exp.IntDiv(this=exp.paren(a, copy=False), expression=_lit(b))


def _regex_group(e: exp.Expression, pattern: str, group: int) -> exp.Expression:
    return exp.RegexpExtract(this=e, expression=exp.Literal.string(pattern), group=_lit(group))


# ---------------------------------------------------------------------- aggregates
@dataclass(frozen=True)
class Agg:
    """One aggregate column of the main query.

    ``kind``: ``rows`` (COUNT(*)), ``sum`` (exact sum), ``nonnull``
    (COUNT(col)), ``min`` (MIN(col), to detect negatives), ``distinct``
    (COUNT(DISTINCT col)). ``filter`` is the rendered filter text (part of the
    identity so equal aggregates are computed once). ``conv`` says how a
    summed column is made exact: ``int``, ``decimal`` or ``float`` (rounded
    to ``scale`` decimals).
    """

    kind: str
    column: str | None = None
    filter: str | None = None
    conv: str = ""
    scale: int = 0


@dataclass(frozen=True)
class PartPlan:
    """How one measure (a whole indicator, or one side of a ratio) reads the aggregates."""

    measure: Measure
    filter: str | None
    value: int  # index of the aggregate holding the value
    rows: int  # rows passing the filter
    nonnull: int | None = None  # sum: rows with a non-null value (the row count when the files have no NULLs)
    minimum: int | None = None  # sum: smallest value (negatives?); None when the files prove none is negative
    scale: int = 0  # the exact total is in units of 10**-scale


@dataclass(frozen=True)
class IndicatorPlan:
    code: str
    numerator: PartPlan
    denominator: PartPlan | None
    rows: int  # rows passing either part's filter (dirty-row counts)
    empty: str


@dataclass(frozen=True)
class Pivot:
    """The one-grouped-query form of a many-indicator source (see "Indicators that differ by one column").

    ``column``: the column every indicator filters on; ``values``: every value
    some indicator selects (the scan reads only rows with these values);
    ``narrow``: the unfiltered aggregates computed per group and value;
    ``source_of[j]``: for aggregate ``j`` of the plan, ``(index into narrow,
    values it adds up)``.
    """

    column: str
    values: tuple
    narrow: tuple[Agg, ...]
    source_of: tuple[tuple[int, tuple], ...]


@dataclass(frozen=True)
class ColumnFacts:
    """What the source files' own statistics prove about a column, for every row of every file.

    ``no_nulls``: no NULL (Parquet ``null_count`` 0 in every row group), so
    ``COUNT(col)`` equals ``COUNT(*)`` under any filter. ``nonnegative``: the
    smallest value of every row group is 0 or more, so no group has a negative
    value and ``MIN(col)`` need not be computed. Unknown statistics prove
    nothing (both False).
    """

    no_nulls: bool = False
    nonnegative: bool = False


@dataclass
class SourcePlan:
    """The compiled query plan of one source (see the module docstring)."""

    source: SourceSpec
    view: str
    types: dict[str, tuple[str, int]]
    freq: str
    city_key: exp.Expression
    industry_key: exp.Expression | None
    period_key: exp.Expression
    aggs: list[Agg] = field(default_factory=list)
    indicators: list[IndicatorPlan] = field(default_factory=list)
    restrict: exp.Expression | None = None
    pivot: Pivot | None = None
    choice: str = ""  # which query form was chosen, and why (``dtindex engine explain``)
    facts: dict[str, ColumnFacts] = field(default_factory=dict)  # proven by the files' statistics

    # ------------------------------------------------------------------ building
    def _agg(self, agg: Agg) -> int:
        if agg not in self.aggs:
            self.aggs.append(agg)
        return self.aggs.index(agg)

    def _filter_expr(self, text: str | None) -> exp.Expression | None:
        return None if text is None else parse_filter(text, self.source.label)

    def column(self, name: str) -> exp.Expression:
        """A column reference, cast to the type declared in ``columns`` if any.

        CSV readers are given the declared types directly (no cast needed).
        """
        declared = self.source.columns.get(name)
        return _cast(col(name), declared) if declared and self.source.kind != "csv" else col(name)

    # ------------------------------------------------------------------ rendering
    @property
    def keys(self) -> list[tuple[str, exp.Expression]]:
        out = [(KEY_CITY, self.city_key)]
        if self.industry_key is not None:
            out.append((KEY_INDUSTRY, self.industry_key))
        out.append((KEY_PERIOD, self.period_key))
        return out

    @property
    def key_names(self) -> list[str]:
        return [k for k, _ in self.keys]

    def agg_expr(self, agg: Agg, dialect: str, extra: exp.Expression | None = None, *, exact: bool = False) -> exp.Expression:
        """Render one aggregate (``extra`` AND-ed into its filter; ``exact``: see :meth:`exact_value`)."""
        cond = self._filter_expr(agg.filter)
        if extra is not None:
            cond = extra if cond is None else exp.and_(exp.paren(cond, copy=True), exp.paren(extra, copy=True))
        if agg.kind == "rows":
            e: exp.Expression = exp.Count(this=exp.Star())
        elif agg.kind == "nonnull":
            e = exp.Count(this=self.column(agg.column))
        elif agg.kind == "min":
            e = exp.Min(this=self.column(agg.column))
        elif agg.kind == "distinct":
            e = exp.Count(this=exp.Distinct(expressions=[self.column(agg.column)]))
        else:
            e = exp.Sum(this=self.exact_value(agg, dialect, exact=exact))
        if cond is not None:
            e = exp.Filter(this=e, expression=exp.Where(this=cond))
        if agg.kind == "sum" and agg.conv == "decimal":
            # the exact decimal total as a whole number of 10**-scale units, computed once per group: integers
            # travel to Python as arrays (a decimal would be converted value by value)
            units = exp.Mul(this=exp.paren(e, copy=False), expression=_lit(10 ** self.types[agg.column][1]))
            e = _cast(units, "HUGEINT" if dialect == "duckdb" else "DECIMAL(38, 0)")
        return e

    def exact_value(self, agg: Agg, dialect: str, *, exact: bool = False) -> exp.Expression:
        """The per-record value summed (see "Exact sums").

        A floating-point column becomes ``ROUND(x * 10^scale)``, a whole
        number held in a double; with ``exact`` it is cast to a 64-bit integer
        (the follow-up query of groups whose double total could be inexact).
        """
        c = self.column(agg.column)
        if agg.conv == "float":
            scaled = exp.Mul(this=_cast(c, "DOUBLE"), expression=_cast(_lit(10 ** agg.scale), "DOUBLE"))
            c = exp.Round(this=scaled)
            if not exact:
                return c
            c = _cast(c, "BIGINT")
        if dialect == "spark" and agg.conv in ("int", "float"):
            c = _cast(c, "DECIMAL(38, 0)")  # Spark sums BIGINT into a BIGINT; DuckDB into a 128-bit HUGEINT
        return c

    def _select(self, dialect: str, columns: list[exp.Expression], where: exp.Expression | None,
                keys: list[tuple[str, exp.Expression]]) -> str:
        q = exp.select(*[e.as_(k, quoted=False) for k, e in keys], *columns).from_(exp.to_identifier(self.view, quoted=True))
        cond = self.restrict
        if where is not None:
            cond = where if cond is None else exp.and_(exp.paren(cond, copy=True), exp.paren(where, copy=True))
        if cond is not None:
            q = q.where(cond)
        q = q.group_by(*[e.copy() for _, e in keys])
        return q.sql(dialect=dialect)

    def sql(self, dialect: str, *, coded: dict[str, str] | None = None, uncoded_only: bool = False) -> str:
        """The main query: raw keys, period ordinal and every aggregate (``a0``, ``a1``...).

        With a :class:`Pivot`, the pivot column (``k_pivot``) is one more
        grouping key, the aggregates are the unfiltered ``narrow`` ones and
        only rows with a selected value are read.

        ``coded`` (DuckDB): ``{key name: ENUM type}`` -- those keys are grouped
        and returned as the integer code of their value in the type
        (``enum_code(TRY_CAST(key AS type))``; NULL for a value the type does
        not list). With ``uncoded_only`` the keys stay text and only rows with a
        value some type does not list are read (the follow-up on dirty data).
        """
        if self.pivot is None:
            cols = [self.agg_expr(a, dialect).as_(f"a{i}", quoted=False) for i, a in enumerate(self.aggs)]
            keys = self.keys
            where = None
        else:
            pv = self.pivot
            cols = [self.agg_expr(a, dialect).as_(f"a{i}", quoted=False) for i, a in enumerate(pv.narrow)]
            key = self.column(pv.column)
            where = exp.In(this=key.copy(), expressions=[_lit(v) for v in pv.values])
            keys = [*self.keys, (KEY_PIVOT, key)]
        if coded:
            def cast(e: exp.Expression, enum: str) -> exp.Expression:
                return exp.TryCast(this=e.copy(), to=exp.DataType.build(enum, dialect=dialect, udt=True))

            if uncoded_only:
                missing = [exp.Is(this=cast(e, coded[k]), expression=exp.null()) for k, e in keys if k in coded]
                extra = exp.or_(*missing) if len(missing) > 1 else missing[0]
                where = extra if where is None else exp.and_(exp.paren(where, copy=True), exp.paren(extra, copy=True))
            else:
                keys = [(k, exp.Anonymous(this="enum_code", expressions=[cast(e, coded[k])]) if k in coded else e)
                        for k, e in keys]
        return self._select(dialect, cols, where, keys)

    def negative_sql(self, dialect: str, *, totals: bool = False) -> str:
        """Follow-up query on dirty data: rows (``n{i}``) and exact totals (``s{i}``) of negative values
        of every sum; with ``totals`` also the exact 64-bit total (``t{i}``) of every floating-point sum,
        reading every row (otherwise only rows with a negative value are read)."""
        sums = [(i, a) for i, a in enumerate(self.aggs) if a.kind == "sum"]
        cols: list[exp.Expression] = []
        any_neg: list[exp.Expression] = []
        for i, a in sums:
            neg = exp.LT(this=self.column(a.column), expression=_lit(0))
            any_neg.append(neg.copy())
            cols.append(self.agg_expr(Agg("rows", None, a.filter), dialect, neg.copy()).as_(f"n{i}", quoted=False))
            cols.append(self.agg_expr(a, dialect, neg.copy(), exact=True).as_(f"s{i}", quoted=False))
            if totals and a.conv == "float":
                cols.append(self.agg_expr(a, dialect, exact=True).as_(f"t{i}", quoted=False))
        where = any_neg[0]
        for e in any_neg[1:]:
            where = exp.or_(where, e)
        return self._select(dialect, cols, None if totals else where, self.keys)

    def mapped_sql(self, dialect: str, valid_codes: list[str], unknown: str, map_null: bool, map_unknown: bool,
                   industry_codes: list[str] | None, period_range: tuple[int, int]) -> str:
        """Distinct counts per *mapped* unit for the rows moved into the unknown unit.

        Only those rows are read (``WHERE`` the city or industry is null or
        unknown and the policy maps it); the result replaces the distinct
        counts of merged groups, which cannot be added up.
        """
        def mapped(key: exp.Expression, codes: list[str] | None) -> tuple[exp.Expression, exp.Expression]:
            is_null = exp.or_(exp.Is(this=key.copy(), expression=exp.Null()), exp.EQ(this=key.copy(), expression=_lit("")))
            case = exp.Case()
            bad: list[exp.Expression] = []
            if map_null:
                case = case.when(is_null.copy(), _lit(unknown))
                bad.append(is_null.copy())
            if codes is not None and map_unknown:
                not_in = exp.not_(exp.In(this=key.copy(), expressions=[_lit(c) for c in codes]))
                case = case.when(exp.and_(exp.not_(exp.paren(is_null.copy())), not_in), _lit(unknown))
                bad.append(exp.and_(exp.not_(exp.paren(is_null.copy())), not_in.copy()))
            case = case.else_(key.copy())
            cond = bad[0] if bad else exp.false()
            for b in bad[1:]:
                cond = exp.or_(cond, b)
            return case, exp.paren(cond)

        city_case, city_bad = mapped(self.city_key, valid_codes)
        keys = [(KEY_CITY, city_case)]
        bad = city_bad
        if self.industry_key is not None:
            ind_case, ind_bad = mapped(self.industry_key, industry_codes)
            keys.append((KEY_INDUSTRY, ind_case))
            bad = exp.or_(bad, ind_bad)
        keys.append((KEY_PERIOD, self.period_key))
        lo, hi = period_range
        in_range = exp.Between(this=self.period_key.copy(), low=_lit(lo), high=_lit(hi))
        cols = [self.agg_expr(a, dialect).as_(f"a{i}", quoted=False) for i, a in enumerate(self.aggs) if a.kind == "distinct"]
        return self._select(dialect, cols, exp.and_(in_range, exp.paren(bad)), keys)

    def bad_times_sql(self, dialect: str, limit: int = 10) -> str:
        """The most frequent time values that give no period (for error messages)."""
        t = _cast(self.column(self.source.time), "VARCHAR")
        q = (exp.select(t.as_("t", quoted=False), exp.Count(this=exp.Star()).as_("n", quoted=False))
             .from_(exp.to_identifier(self.view, quoted=True))
             .where(exp.Is(this=self.period_key.copy(), expression=exp.Null()))
             .group_by(t.copy()).order_by("n DESC", "t").limit(limit))
        if self.restrict is not None:
            q = q.where(self.restrict.copy(), append=True)
        return q.sql(dialect=dialect)


# ---------------------------------------------------------------------- compiling
def _unit_key(plan: SourcePlan, name: str, role: str) -> exp.Expression:
    kind, _ = plan.types[name]
    c = plan.column(name)
    if kind == "string":
        return c
    if kind == "integer":
        return _cast(_cast(c, "BIGINT"), "VARCHAR")
    raise DataError(f"source {plan.source.label}: the {role} column {name!r} is {kind}; {role} codes must be text "
                    "or whole numbers (declare a type with columns: {" + name + ": VARCHAR})")


TEXT_PATTERNS = {
    "day": (r"^([0-9]{4})-?([0-9]{2})-?[0-9]{2}", "month"),
    "month": (r"^([0-9]{4})(?:-|M|m)?([0-9]{1,2})$", "month"),
    "quarter": (r"^([0-9]{4})-?[Qq]([1-4])$", "quarter"),
    "year": (r"^([0-9]{4})$", "year"),
}


def _year_sub(plan: SourcePlan) -> tuple[exp.Expression, exp.Expression | None, str]:
    """Year and sub-period (month or quarter) expressions of the time column, and which sub it is."""
    s = plan.source
    kind, _ = plan.types[s.time]
    t = plan.column(s.time)
    if kind in ("date", "timestamp"):
        return exp.Year(this=t), exp.Month(this=t.copy()), "month"
    if kind == "integer":
        v = _cast(t, "BIGINT")
        if s.grain == "year":
            return v, None, "year"
        if s.grain == "quarter":  # yyyyq, e.g. 20213
            return _intdiv(v, 10), exp.Mod(this=v.copy(), expression=_lit(10)), "quarter"
        if s.grain == "month":  # yyyymm
            return _intdiv(v, 100), exp.Mod(this=v.copy(), expression=_lit(100)), "month"
        return _intdiv(v, 10000), exp.Mod(this=_intdiv(v.copy(), 100), expression=_lit(100)), "month"  # yyyymmdd
    if kind == "string":
        if s.time_format:
            parsed = exp.StrToTime(this=t, format=exp.Literal.string(s.time_format), safe=True)
            return exp.Year(this=parsed), exp.Month(this=parsed.copy()), "month"
        pattern, sub = TEXT_PATTERNS[s.grain]
        year = _try_int(_regex_group(t, pattern, 1))
        return year, (None if sub == "year" else _try_int(_regex_group(t.copy(), pattern, 2))), sub
    raise DataError(f"source {s.label}: the time column {s.time!r} is {kind}; it must be a date, a timestamp, "
                    "text (2021-03-15, 2021-03, 2021Q1, 2021) or a whole number (20210315, 202103, 2021)")


def period_expression(plan: SourcePlan) -> exp.Expression:
    """The period ordinal of each row at the spec's frequency (NULL when unreadable)."""
    year, sub, sub_kind = _year_sub(plan)
    freq = plan.freq
    dated = plan.types[plan.source.time][0] in ("date", "timestamp")  # year and month are always valid
    y = exp.paren(year, copy=False)
    if sub_kind == "year" or freq == "year":
        expr: exp.Expression = y
        valid: exp.Expression | None = None if sub is None else exp.Between(this=sub.copy(), low=_lit(1), high=_lit(12 if sub_kind == "month" else 4))
    else:
        hi = 12 if sub_kind == "month" else 4
        valid = exp.Between(this=sub.copy(), low=_lit(1), high=_lit(hi))
        per_year = 12 if freq == "month" else 4
        s0 = exp.Sub(this=exp.paren(sub, copy=True), expression=_lit(1))
        if sub_kind == "month" and freq == "quarter":
            s0 = _intdiv(s0, 3)
        expr = exp.Add(this=exp.Mul(this=y, expression=_lit(per_year)), expression=s0)
    if dated:
        return expr
    guard = exp.Between(this=year.copy(), low=_lit(1000), high=_lit(9999))
    cond = guard if valid is None else exp.and_(guard, valid)
    return exp.Case().when(cond, expr)


def _restriction(plan: SourcePlan, periods: list[Period]) -> exp.Expression:
    """Rows of the given periods only, as a range on the raw time column when possible.

    A range on a date, timestamp or whole-number column lets the engine skip
    Parquet row groups and hive partitions (incremental quarters read only the
    new quarter's partitions); other layouts filter on the period ordinal.
    """
    lo = min(p.ordinal for p in periods)
    hi = max(p.ordinal for p in periods)
    ordinals = sorted({p.ordinal for p in periods})
    contiguous = ordinals == list(range(lo, hi + 1))
    s = plan.source
    kind, _ = plan.types[s.time]
    freq = plan.freq
    if contiguous and kind in ("date", "timestamp", "integer") and not (kind == "integer" and s.grain == "quarter"):
        first, last = _first_month(lo, freq), _first_month(hi + 1, freq)
        t = plan.column(s.time)
        if kind == "integer":
            mult = {"year": None, "month": 1, "day": 100}[s.grain]
            if mult is None:
                a, b = first[0], last[0]
            else:
                a = (first[0] * 100 + first[1]) * mult
                b = (last[0] * 100 + last[1]) * mult
            return exp.and_(exp.GTE(this=t, expression=_lit(a)), exp.LT(this=t.copy(), expression=_lit(b)))
        typ = "DATE" if kind == "date" else "TIMESTAMP"
        a = _cast(_lit(f"{first[0]:04d}-{first[1]:02d}-01"), typ)
        b = _cast(_lit(f"{last[0]:04d}-{last[1]:02d}-01"), typ)
        return exp.and_(exp.GTE(this=t, expression=a), exp.LT(this=t.copy(), expression=b))
    return exp.In(this=plan.period_key.copy(), expressions=[_lit(o) for o in ordinals])


def _first_month(ordinal: int, freq: str) -> tuple[int, int]:
    """(year, month) of the first month of a period ordinal."""
    if freq == "year":
        return ordinal, 1
    if freq == "quarter":
        return ordinal // 4, (ordinal % 4) * 3 + 1
    return ordinal // 12, ordinal % 12 + 1


def compile_source(source: SourceSpec, schema: dict[str, str], *, freq: str, view: str,
                   periods: list[Period] | None = None, facts: dict[str, ColumnFacts] | None = None) -> SourcePlan:
    """Compile one source against its table schema (``column -> engine type name``).

    ``periods`` restricts the scan to those periods (incremental loads).
    ``facts``: what the files' statistics prove about summed columns
    (:class:`ColumnFacts`); a column proven free of NULLs needs no
    ``COUNT(col)``, one proven non-negative no ``MIN(col)``.
    Raises :class:`~dtindex.errors.DataError` for a missing column or a column
    of the wrong type, naming the source and listing the columns that exist.
    """
    from .validate import check_schema

    types = check_schema(source, schema)
    if GRAIN_RANK[source.grain] > GRAIN_RANK[freq]:
        raise SpecError(f"source {source.label}: grain {source.grain!r} is coarser than the periods ({freq})")
    plan = SourcePlan(source, view, types, freq, exp.null(), None, exp.null(),
                      facts={k: v for k, v in (facts or {}).items() if k not in source.columns})
    plan.city_key = _unit_key(plan, source.city, "city")
    plan.industry_key = _unit_key(plan, source.industry, "industry") if source.industry else None
    plan.period_key = period_expression(plan)
    for ind in source.indicators:
        num, den = ind.parts
        parts = []
        for m, side in ((num, "numerator"), (den, "denominator")):
            if m is None:
                continue
            f = ind.part_filter(side) if den is not None else parse_filter(ind.filter, ind.code)
            parts.append(_part(plan, m, None if f is None else f.sql(FILTER_DIALECT), ind.scale))
        filters = [p.filter for p in parts]
        if any(f is None for f in filters):
            union = None
        elif len(set(filters)) == 1:
            union = filters[0]
        else:
            union = " OR ".join(f"({f})" for f in dict.fromkeys(filters))
        rows = plan._agg(Agg("rows", None, union))
        plan.indicators.append(IndicatorPlan(ind.code, parts[0], parts[1] if len(parts) > 1 else None, rows, ind.empty))
    plan.pivot, plan.choice = choose_pivot(plan)
    proven = sorted({p.measure.column for i in plan.indicators for p in (i.numerator, i.denominator)
                     if p is not None and p.measure.kind == "sum" and (p.minimum is None or p.nonnull == p.rows)})
    for name in proven:
        fact = plan.facts[name]
        said = " and ".join(w for w, ok in (("no NULLs", fact.no_nulls), ("no negative values", fact.nonnegative)) if ok)
        skipped = " and ".join(w for w, ok in ((f"COUNT({name})", fact.no_nulls), (f"MIN({name})", fact.nonnegative)) if ok)
        plan.choice += f"; {name}: the files' statistics show {said}, so {skipped} {'are' if ' and ' in skipped else 'is'} not computed"
    if periods:
        plan.restrict = _restriction(plan, periods)
    return plan


def _selected_values(node: exp.Expression, kind: str) -> tuple[str, tuple] | None:
    """``(column, values)`` when a filter is ``column = literal`` or ``column IN (literals)``, else None."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.EQ):
        a, b = node.this, node.expression
        if isinstance(a, exp.Literal) and isinstance(b, exp.Column):
            a, b = b, a
        if not (isinstance(a, exp.Column) and isinstance(b, exp.Literal)):
            return None
        column, lits = a.name, [b]
    elif isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.expressions \
            and not node.args.get("query") and all(isinstance(e, exp.Literal) for e in node.expressions):
        column, lits = node.this.name, list(node.expressions)
    else:
        return None
    values: list = []
    for lit in lits:
        if kind == "string" and lit.is_string:
            values.append(lit.this)
        elif kind == "integer" and not lit.is_string and re.fullmatch(r"-?[0-9]+", lit.this):
            values.append(int(lit.this))
        else:
            return None  # a literal of another type: compared with an implicit cast, left to the engine
    return column, tuple(dict.fromkeys(values))


def choose_pivot(plan: SourcePlan) -> tuple[Pivot | None, str]:
    """Group by the filter column when every indicator selects values of the same column.

    Indicators that differ only by ``column = 'v'`` (or ``column IN (...)``)
    need the same aggregates on different rows: grouping by ``column`` as one
    more key computes each aggregate once per group and value, and the value of
    an indicator is its value's aggregate (or the exact sum / minimum over its
    ``IN`` list) -- instead of one ``FILTER`` aggregate per indicator, each
    evaluated on every row. Counts and exact sums add up exactly, so the values
    are the same. Distinct counts do not add up: a ``count(distinct)`` whose
    filter selects one value is that value's count, but one over an ``IN`` list
    keeps the source in the ``FILTER`` form, as do sources with one indicator.
    """
    n = len(plan.indicators)
    if n < 2:
        return None, f"FILTER aggregates: {n} indicator"
    selected: dict[str, tuple] = {}
    column = None
    for a in plan.aggs:
        if a.filter is None:
            return None, "FILTER aggregates: an indicator has no filter"
        if a.filter in selected:
            continue
        node = parse_filter(a.filter, plan.source.label)
        cols = {c.name for c in node.find_all(exp.Column)}
        if len(cols) != 1:
            return None, f"FILTER aggregates: filter {a.filter!r} is not an equality or IN on one column"
        name = next(iter(cols))
        kind = plan.types.get(name, ("other", 0))[0]
        found = _selected_values(node, kind)
        if found is None:
            return None, f"FILTER aggregates: filter {a.filter!r} is not an equality or IN on one column"
        if column is not None and found[0] != column:
            return None, f"FILTER aggregates: filters name different columns ({column!r}, {found[0]!r})"
        column = found[0]
        selected[a.filter] = found[1]
    if any(a.kind == "distinct" and len(selected[a.filter]) > 1 for a in plan.aggs):
        return None, "FILTER aggregates: a count(distinct) over several filter values cannot be added up from them"
    narrow: list[Agg] = []
    source_of = []
    for a in plan.aggs:
        base = Agg(a.kind, a.column, None, a.conv, a.scale)
        if base not in narrow:
            narrow.append(base)
        source_of.append((narrow.index(base), selected[a.filter]))
    values = tuple(dict.fromkeys(v for vals in selected.values() for v in vals))
    pivot = Pivot(column, values, tuple(narrow), tuple(source_of))
    n_filter = len(plan.aggs)
    return pivot, (f"grouped by {column!r}: the {n} indicators differ only by {column} = / IN; "
                   f"{len(narrow)} aggregates per group and {column} value instead of {n_filter} FILTER aggregates")


def _part(plan: SourcePlan, m: Measure, filt: str | None, scale: int) -> PartPlan:
    rows = plan._agg(Agg("rows", None, filt))
    if m.kind == "count":
        return PartPlan(m, filt, rows, rows)
    if m.kind == "distinct":
        return PartPlan(m, filt, plan._agg(Agg("distinct", m.column, filt)), rows)
    kind, col_scale = plan.types[m.column]
    conv = {"integer": "int", "decimal": "decimal", "float": "float"}[kind]
    eff_scale = scale if conv == "float" else col_scale
    value = plan._agg(Agg("sum", m.column, filt, conv, scale if conv == "float" else 0))
    fact = plan.facts.get(m.column, ColumnFacts())
    nonnull = rows if fact.no_nulls else plan._agg(Agg("nonnull", m.column, filt))
    minimum = None if fact.nonnegative else plan._agg(Agg("min", m.column, filt))
    return PartPlan(m, filt, value, rows, nonnull, minimum, eff_scale)


__all__ = ["Agg", "ColumnFacts", "IndicatorPlan", "PartPlan", "Pivot", "SourcePlan", "choose_pivot", "compile_source", "logical_type", "period_expression"]
