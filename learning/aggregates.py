"""Aggregates that PostgreSQL and SQLite compute alike: durations in whole microseconds, and
percentiles interpolated linearly between the closest ranks.

PostgreSQL computes a percentile p of n values with percentile_cont: at position
p × (n − 1) of the sorted values, counted from 0, it takes the values at the floor and the
ceiling of the position and returns lower + (position − floor) × (upper − lower), in doubles.
Elsewhere (SQLite) the database sorts the values and returns only those one or two rows, and
Python does the same arithmetic in the same doubles. The values are whole microseconds, which
a double holds exactly, so both backends give the same answer to the last digit.
"""

import math
from collections.abc import Sequence
from datetime import timedelta

from django.db import NotSupportedError, connections
from django.db.models import Aggregate, BigIntegerField, Count, FloatField, Func, QuerySet

MICROSECONDS_PER_DAY = 86_400_000_000


class DurationMicroseconds(Func):
    """`end - start` in whole microseconds: an integer every backend sorts and averages alike."""

    arity = 2
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Durations in microseconds need SQLite or PostgreSQL.")

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django registers this function on every SQLite connection; it returns microseconds.
        return super().as_sql(
            compiler, connection, template="django_timestamp_diff(%(expressions)s)"
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            arg_joiner=" - ",
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000000)::bigint",
        )


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile, interpolated between the two closest ranks."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)r) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    arity = 1
    output_field = FloatField()
    window_compatible = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction between 0 and 1.")
        super().__init__(expression, fraction=float(fraction), **extra)


def percentiles(
    queryset: QuerySet, expression, fractions: Sequence[float]
) -> tuple[int, list[float | None]]:
    """How many non-NULL values `expression` takes over the rows of `queryset`, and the
    percentiles `fractions` (0.5 is the median) of them, each None when there are none.

    One query on PostgreSQL; on SQLite one to count and one per percentile."""
    rows = queryset.order_by().annotate(sample=expression).filter(sample__isnull=False)
    if connections[queryset.db].vendor == "postgresql":
        names = [f"percentile_{index}" for index in range(len(fractions))]
        result = rows.aggregate(
            count=Count("sample"),
            **{
                name: PercentileCont("sample", fraction)
                for name, fraction in zip(names, fractions, strict=True)
            },
        )
        return result["count"], [result[name] for name in names]
    count = rows.count()
    return count, [_percentile_by_sorting(rows, fraction, count=count) for fraction in fractions]


def _percentile_by_sorting(
    rows: QuerySet, fraction: float, *, count: int, value: str = "sample"
) -> float | None:
    """The portable percentile: the database sorts and returns the one or two closest values,
    interpolated exactly as PostgreSQL's percentile_cont does."""
    if not count:
        return None
    position = fraction * (count - 1)
    lower, upper = math.floor(position), math.ceil(position)
    closest = rows.order_by(value).values_list(value, flat=True)
    values = [float(v) for v in closest[lower : upper + 1]]
    if upper == lower:
        return values[0]
    return values[0] + (position - lower) * (values[1] - values[0])


def median(queryset: QuerySet, expression) -> float | None:
    """The median of `expression` over the rows of `queryset` (None when there are none),
    computed by the database. NULL values are left out, as SQL aggregates do."""
    return percentiles(queryset, expression, [0.5])[1][0]


def _median_by_sorting(rows: QuerySet) -> float | None:
    """The portable median of rows annotated with `median_value`."""
    rows = rows.filter(median_value__isnull=False)
    return _percentile_by_sorting(rows, 0.5, count=rows.count(), value="median_value")


def median_duration(queryset: QuerySet, *, end: str, start: str) -> timedelta | None:
    """The median of `end - start` (two datetime fields) over `queryset`; None when empty."""
    value = median(queryset, DurationMicroseconds(end, start))
    return None if value is None else timedelta(microseconds=value)


def grouped_percentiles(
    queryset: QuerySet, expression, group, fractions: Sequence[float]
) -> dict[object, tuple[int, list[float | None]]]:
    """`percentiles` for each value of `group` (an expression) over the rows of `queryset`:
    {group value: (count, percentiles)}, groups without values left out. One query on every
    backend whatever the number of groups.

    PostgreSQL groups percentile_cont. Elsewhere the database numbers each group's sorted
    values (window functions) and returns only the one or two closest to each percentile."""
    rows = (
        queryset.order_by()
        .annotate(sample=expression, sample_group=group)
        .filter(sample__isnull=False)
    )
    if connections[queryset.db].vendor == "postgresql":
        names = [f"percentile_{index}" for index in range(len(fractions))]
        result = rows.values("sample_group").annotate(
            count=Count("sample"),
            **{
                name: PercentileCont("sample", fraction)
                for name, fraction in zip(names, fractions, strict=True)
            },
        )
        return {
            row["sample_group"]: (row["count"], [row[name] for name in names]) for row in result
        }
    sql, params = rows.values_list("sample_group", "sample").query.sql_with_params()
    # Each percentile needs the values at positions floor(p × (n − 1)) and the one after.
    near = " OR ".join(
        f"(position BETWEEN CAST({float(fraction)!r} * (size - 1) AS INTEGER)"
        f" AND CAST({float(fraction)!r} * (size - 1) AS INTEGER) + 1)"
        for fraction in fractions
    )
    numbered = (
        "SELECT sample_group, sample, size, position FROM ("
        " SELECT sample_group, sample,"
        " COUNT(*) OVER (PARTITION BY sample_group) AS size,"
        " ROW_NUMBER() OVER (PARTITION BY sample_group ORDER BY sample) - 1 AS position"
        f" FROM ({sql}) AS samples"
        f") AS numbered WHERE {near}"
    )
    closest: dict[object, dict[int, float]] = {}
    sizes: dict[object, int] = {}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(numbered, params)
        for sample_group, sample, size, position in cursor.fetchall():
            closest.setdefault(sample_group, {})[position] = float(sample)
            sizes[sample_group] = size
    result = {}
    for sample_group, values in closest.items():
        count = sizes[sample_group]
        computed = []
        for fraction in fractions:
            position = fraction * (count - 1)
            lower, upper = math.floor(position), math.ceil(position)
            low = values[lower]
            if upper != lower:
                low += (position - lower) * (values[upper] - low)
            computed.append(low)
        result[sample_group] = (count, computed)
    return result
