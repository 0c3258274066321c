"""Percentiles interpolated linearly between the closest ranks, as PostgreSQL's
percentile_cont: position p × (n − 1), value lower + fraction × (upper − lower)."""

from datetime import date, timedelta

import pytest
from django.db import connection

from incidents.models import Deployment
from learning.aggregates import DurationMicroseconds, _percentile_by_sorting, percentiles

from .metrics_builders import at, deploy

HOUR = 3_600_000_000


def lead_times(service, hours: list[float]):
    for index, value in enumerate(hours):
        moment = at(date(2026, 3, 1 + index))
        deploy(service, moment, first_commit_at=moment - timedelta(hours=value))


def lead_time_percentiles(fractions):
    return percentiles(
        Deployment.objects.all(), DurationMicroseconds("deployed_at", "first_commit_at"), fractions
    )


@pytest.mark.parametrize(
    ("hours", "median", "p90"),
    [
        ([5], 5, 5),
        ([1, 3], 2, 2.8),  # position 0.9: 90 % of the way from 1 to 3
        ([4, 1, 2], 2, 3.6),  # position 1.8
        ([1, 2, 4, 8], 3, 6.8),  # position 2.7
        ([], None, None),
    ],
)
def test_median_and_90th_percentile_of_odd_and_even_counts(checkout, hours, median, p90):
    lead_times(checkout, hours)

    count, (found_median, found_p90) = lead_time_percentiles([0.5, 0.9])

    assert count == len(hours)
    assert found_median == (None if median is None else pytest.approx(median * HOUR, abs=1e-3))
    assert found_p90 == (None if p90 is None else pytest.approx(p90 * HOUR, abs=1e-3))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's; CI runs it there"
)
def test_sorting_gives_exactly_what_percentile_cont_gives(checkout):
    lead_times(checkout, [0.1234567, 7.654321, 3.3333333, 11.11, 0.0001, 5.5, 2.25])
    rows = Deployment.objects.annotate(
        sample=DurationMicroseconds("deployed_at", "first_commit_at")
    )
    fractions = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1]

    count, native = lead_time_percentiles(fractions)

    assert native == [_percentile_by_sorting(rows, f, count=count) for f in fractions]
