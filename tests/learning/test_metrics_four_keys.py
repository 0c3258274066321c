"""Every figure together: local-time period boundaries, previous periods, and a number of
queries that does not grow with the data."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.metrics import ORGANISATION, FrequencyBucket, Scope, four_keys
from learning.periods import Period

from .metrics_builders import FEBRUARY, MARCH, ROLLED_BACK, at, deploy, incident


def test_period_boundaries_are_local_midnight(settings, checkout):
    settings.TIME_ZONE = "Europe/Berlin"
    # 23:30 in Berlin on the last day of each period is 22:30 UTC that day; 00:30 on the day
    # after March is still 28 March in UTC but 29 March here.
    february_late = deploy(checkout, at(date(2026, 2, 28), 23, 30), outcome=ROLLED_BACK)
    deploy(checkout, at(date(2026, 3, 28), 23, 30), commits={"a": at(date(2026, 3, 28), 22, 30)})
    deploy(checkout, at(date(2026, 3, 29), 0, 30), outcome=ROLLED_BACK)
    incident(checkout, at(date(2026, 2, 28), 23, 30), restored=at(date(2026, 3, 1), 0, 30))
    incident(checkout, at(date(2026, 3, 28), 23, 30), caused_by=february_late)

    keys = four_keys(scope=ORGANISATION, period=MARCH)

    assert keys.period.previous() == FEBRUARY
    assert (keys.deployment_frequency.count, keys.deployment_frequency.per_week.previous) == (
        1,
        0,
    )
    # The one deployment is in the latest week (22 to 28 March local): one week in four.
    assert keys.deployment_frequency.bucket == FrequencyBucket.WEEKLY_TO_MONTHLY
    assert keys.lead_time_for_changes.median.value == timedelta(hours=1)
    assert (keys.change_failure_rate.value, keys.change_failure_rate.previous) == (0, 1)
    assert keys.time_to_restore.open_count == 1
    assert keys.time_to_restore.median.previous == timedelta(hours=1)
    assert keys.failed_deployment_recovery_time.open_count == 1
    assert keys.failed_deployment_recovery_time.median.previous is None


def test_every_figure_carries_the_previous_value_and_its_sample_size(checkout):
    release = deploy(checkout, at(date(2026, 3, 2)), commits={"a": at(date(2026, 3, 2), 10)})
    deploy(checkout, at(date(2026, 3, 3)), remediates=incident(checkout, at(date(2026, 3, 2))))
    incident(checkout, at(date(2026, 3, 4)), restored=at(date(2026, 3, 4), 13), caused_by=release)
    deploy(checkout, at(date(2026, 2, 3)), commits={"b": at(date(2026, 2, 3), 6)})

    keys = four_keys(scope=Scope(team=checkout.team), period=MARCH)

    frequency = keys.deployment_frequency.per_week
    assert (frequency.value, frequency.previous, frequency.count) == (0.5, 0.25, 2)
    lead_time = keys.lead_time_for_changes.median
    assert (lead_time.value, lead_time.previous, lead_time.count) == (
        timedelta(hours=2),
        timedelta(hours=6),
        1,
    )
    failures = keys.change_failure_rate
    assert (failures.value, failures.previous, failures.count) == (0.5, 0, 2)
    assert (keys.rework_rate.value, keys.rework_rate.previous) == (0.5, 0)
    restore = keys.time_to_restore
    assert (restore.median.value, restore.median.count, restore.open_count) == (
        timedelta(hours=1),
        1,
        1,
    )
    assert keys.failed_deployment_recovery_time.median.value == timedelta(hours=1)


def queries_for_four_keys(period: Period) -> int:
    with CaptureQueriesContext(connection) as queries:
        four_keys(scope=ORGANISATION, period=period)
    return len(queries)


def add_a_week_of_work(service, day: date):
    release = deploy(
        service,
        at(day),
        commits={f"{day}-{n}": at(day - timedelta(days=n), 9) for n in range(1, 4)},
    )
    deploy(service, at(day + timedelta(days=1)), outcome=ROLLED_BACK, remediates=None)
    incident(service, at(day, 13), restored=at(day, 15), caused_by=release)
    incident(service, at(day + timedelta(days=2)))


def test_the_number_of_queries_does_not_grow_with_the_data(checkout, search):
    # Some data in both periods: without any, SQLite needs no query to sort it.
    add_a_week_of_work(checkout, date(2026, 2, 2))
    add_a_week_of_work(checkout, date(2026, 3, 2))
    few = queries_for_four_keys(MARCH)

    for day in range(3, 26):
        add_a_week_of_work(checkout, date(2026, 3, day))
        add_a_week_of_work(search, date(2026, 2, day))

    assert queries_for_four_keys(MARCH) == few
    assert few <= 30
