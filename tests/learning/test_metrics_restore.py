"""Time to restore and failed deployment recovery time against values worked out by hand, on
SQLite and on PostgreSQL."""

from datetime import date, timedelta

from learning.metrics import (
    ORGANISATION,
    Scope,
    failed_deployment_recovery_time,
    time_to_restore,
)

from .metrics_builders import MARCH, at, deploy, incident


def restored_after(service, day: int, duration: timedelta, **kwargs):
    started = at(date(2026, 3, day), 10)
    return incident(service, started, restored=started + duration, **kwargs)


def test_time_to_restore_of_incidents_started_in_the_period(checkout, search):
    bad_release = deploy(checkout, at(date(2026, 3, 1)))
    staging = deploy(checkout, at(date(2026, 3, 1)), environment="staging")
    restored_after(checkout, 2, timedelta(minutes=10))
    restored_after(checkout, 3, timedelta(minutes=30))
    restored_after(checkout, 4, timedelta(hours=2), caused_by=bad_release)
    restored_after(search, 5, timedelta(hours=5))
    restored_after(checkout, 6, timedelta(days=2), caused_by=bad_release)
    restored_after(checkout, 7, timedelta(days=8))
    restored_after(checkout, 10, timedelta(hours=1), caused_by=staging)
    # Spans the end of the period: counted in the period its impact started in.
    incident(checkout, at(date(2026, 3, 28), 23), restored=at(date(2026, 3, 29), 1))
    incident(checkout, at(date(2026, 2, 28), 23), restored=at(date(2026, 3, 1), 1))
    incident(checkout, at(date(2026, 3, 8)))  # still open
    restored_after(checkout, 9, timedelta(minutes=1), is_drill=True)

    restore = time_to_restore(scope=ORGANISATION, period=MARCH)

    # 10 min, 30 min, 1 h, 2 h, 2 h, 5 h, 2 d, 8 d: the median is halfway between the two
    # 2 h, the 90th percentile at position 0.9 × 7 = 6.3, 30 % of the way from 2 d to 8 d.
    assert restore.median.count == 8
    assert restore.median.value == timedelta(hours=2)
    assert restore.p90.value == timedelta(days=3.8)
    assert restore.median.previous == timedelta(hours=2)
    assert restore.open_count == 1
    assert restore.histogram == (
        ("Under 15 minutes", 1),
        ("15 to 60 minutes", 1),
        ("1 to 4 hours", 3),
        ("4 to 24 hours", 1),
        ("1 to 7 days", 1),
        ("Over 7 days", 1),
    )
    # (10 + 30 + 60 + 120 + 120 + 300 + 2880 + 11520) minutes / 8.
    assert restore.mean == timedelta(minutes=1880)

    recovery = failed_deployment_recovery_time(scope=ORGANISATION, period=MARCH)

    # 2 h and 2 d (the staging deployment's incident is left out): position 0.9 × 1.
    assert (recovery.median.count, recovery.open_count) == (2, 0)
    assert recovery.median.value == timedelta(hours=25)
    assert recovery.p90.value == timedelta(hours=43, minutes=24)
    assert recovery.mean == timedelta(hours=25)
    assert recovery.median.previous is None


def test_an_odd_number_of_incidents(checkout):
    for hours in (1, 2, 4):
        restored_after(checkout, 2, timedelta(hours=hours))

    restore = time_to_restore(scope=ORGANISATION, period=MARCH)

    # Position 0.9 × 2 = 1.8: 80 % of the way from 2 h to 4 h.
    assert (restore.median.value, restore.p90.value) == (
        timedelta(hours=2),
        timedelta(hours=3, minutes=36),
    )
    assert restore.mean == timedelta(hours=7 / 3)


def test_unrestored_incidents_are_open_and_in_no_duration(checkout):
    incident(checkout, at(date(2026, 3, 2)))
    incident(checkout, at(date(2026, 3, 3)))

    restore = time_to_restore(scope=ORGANISATION, period=MARCH)

    assert (restore.open_count, restore.median.count) == (2, 0)
    assert (restore.median.value, restore.p90.value, restore.mean) == (None, None, None)
    assert sum(count for _, count in restore.histogram) == 0


def test_a_team_sees_its_incidents_and_a_service_those_it_was_in(checkout, search):
    restored_after(checkout, 2, timedelta(hours=1))
    theirs = restored_after(search, 3, timedelta(hours=3))
    theirs.services.add(checkout)

    assert time_to_restore(scope=Scope(team=checkout.team), period=MARCH).median.value == (
        timedelta(hours=1)
    )
    assert time_to_restore(scope=Scope(service=checkout), period=MARCH).median.value == (
        timedelta(hours=2)
    )
    assert time_to_restore(scope=Scope(service=search), period=MARCH).median.count == 1
