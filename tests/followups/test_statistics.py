"""Completion statistics against values worked out by hand, on SQLite and on PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from followups.models import ActionItem
from followups.statistics import (
    MICROSECONDS_PER_DAY,
    DurationMicroseconds,
    Period,
    _median_by_sorting,
    completion_statistics,
    median,
)
from incidents import services as incident_services
from postmortems.models import Postmortem, PostmortemTemplate

TODAY = date(2026, 6, 15)
DONE, OPEN, WONT_DO = ActionItem.Status.DONE, ActionItem.Status.OPEN, ActionItem.Status.WONT_DO


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on `day`, in the configured time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def item(
    incident,
    *,
    created: datetime,
    status=OPEN,
    due: date | None = None,
    completed: datetime | None = None,
    team=None,
    postmortem=None,
):
    made = ActionItem.objects.create(
        incident=incident,
        team=team or incident.team,
        title="Add a circuit breaker",
        status=status,
        due_date=due,
        completed_at=completed,
        wont_do_reason="Superseded" if status == WONT_DO else "",
        postmortem=postmortem,
    )
    # created_at is set on insert; statistics need it in the past.
    ActionItem.objects.filter(pk=made.pk).update(created_at=created)
    return made


def closed_after(incident, days: float, **kwargs):
    created = at(date(2026, 5, 1))
    return item(
        incident, created=created, status=DONE, completed=created + timedelta(days=days), **kwargs
    )


def test_median_days_to_close_of_an_odd_count_is_the_middle_one(incident):
    for days in (10, 1, 2):
        closed_after(incident, days)

    assert completion_statistics(today=TODAY).median_days_to_close == 2.0


def test_median_days_to_close_of_an_even_count_is_halfway_between_the_middle_two(incident):
    for days in (10, 1, 4, 2):
        closed_after(incident, days)

    assert completion_statistics(today=TODAY).median_days_to_close == 3.0


def test_the_median_is_exact_to_the_microsecond(incident):
    created = at(date(2026, 5, 1))
    item(incident, created=created, status=DONE, completed=created + timedelta(days=1))
    longer = created + timedelta(days=1, microseconds=1)
    item(incident, created=created, status=DONE, completed=longer)

    expected = (2 * MICROSECONDS_PER_DAY + 1) / 2 / MICROSECONDS_PER_DAY
    assert completion_statistics(today=TODAY).median_days_to_close == expected


def test_wont_do_and_open_items_are_not_closed_by_work(incident):
    closed_after(incident, 3)
    item(incident, created=at(date(2026, 5, 1)), status=WONT_DO, completed=at(date(2026, 5, 2)))
    item(incident, created=at(date(2026, 5, 1)))

    assert completion_statistics(today=TODAY).median_days_to_close == 3.0


def test_on_time_share_counts_done_by_the_due_date_over_done_or_overdue(incident):
    due = date(2026, 6, 1)
    created = at(date(2026, 5, 1))
    item(incident, created=created, status=DONE, due=due, completed=at(due, 23, 59))  # on time
    item(incident, created=created, status=DONE, due=due, completed=at(date(2026, 5, 20)))  # early
    item(incident, created=created, status=DONE, due=due, completed=at(date(2026, 6, 2)))  # late
    item(incident, created=created, due=date(2026, 6, 14))  # overdue
    # In neither count: not due yet, won't do, no due date.
    item(incident, created=created, due=TODAY)
    item(incident, created=created, status=WONT_DO, due=due, completed=at(date(2026, 6, 3)))
    item(incident, created=created, status=DONE, completed=at(date(2026, 5, 3)))

    statistics = completion_statistics(today=TODAY)

    assert (statistics.done_on_time, statistics.due_and_decided) == (2, 4)
    assert statistics.on_time_share == 0.5
    assert (statistics.open_count, statistics.overdue_count) == (2, 1)


def test_on_time_means_the_due_date_in_the_configured_time_zone(settings, incident):
    settings.TIME_ZONE = "Europe/Amsterdam"
    due = date(2026, 6, 1)
    # 23:30 in UTC is already half past midnight, the next day, in Amsterdam.
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    item(incident, created=at(date(2026, 5, 1)), status=DONE, due=due, completed=late)

    statistics = completion_statistics(today=TODAY)

    assert (statistics.done_on_time, statistics.due_and_decided) == (0, 1)


def test_nothing_to_measure_gives_none_rather_than_zero(db):
    statistics = completion_statistics(today=TODAY)

    assert statistics.on_time_share is None
    assert statistics.median_days_to_close is None
    assert statistics.items_per_postmortem is None
    assert (statistics.open_count, statistics.overdue_count) == (0, 0)


def declared(reporter, service, *, is_drill=False):
    return incident_services.incident_declare(
        title="Search is slow",
        severity=3,
        services=[service],
        reporter=reporter,
        started_at=at(date(2026, 4, 1)),
        is_drill=is_drill,
    )


def postmortem_of(incident, *, published: datetime | None):
    return Postmortem.objects.create(
        incident=incident,
        template=PostmortemTemplate.objects.get(slug="standard"),
        title=incident.title,
        status=Postmortem.Status.PUBLISHED if published else Postmortem.Status.DRAFT,
        published_at=published,
    )


def test_items_per_postmortem_counts_published_postmortems_without_follow_ups_too(
    incident, alice, checkout
):
    created = at(date(2026, 5, 1))
    with_three = postmortem_of(incident, published=at(date(2026, 5, 2)))
    for _ in range(3):
        item(incident, created=created, postmortem=with_three)
    postmortem_of(declared(alice, checkout), published=at(date(2026, 5, 3)))
    draft = postmortem_of(declared(alice, checkout), published=None)
    item(draft.incident, created=created, postmortem=draft)

    statistics = completion_statistics(today=TODAY)

    assert (statistics.postmortem_items, statistics.postmortems) == (3, 2)
    assert statistics.items_per_postmortem == 1.5


def test_items_per_postmortem_leaves_follow_ups_in_the_bin_out(incident):
    created = at(date(2026, 5, 1))
    postmortem = postmortem_of(incident, published=at(date(2026, 5, 2)))
    item(incident, created=created, postmortem=postmortem)
    binned = item(incident, created=created, postmortem=postmortem)
    ActionItem.all_objects.filter(pk=binned.pk).update(deleted_at=at(date(2026, 5, 3)))

    statistics = completion_statistics(today=TODAY)

    assert (statistics.postmortem_items, statistics.postmortems) == (1, 1)


def test_a_team_sees_its_own_items_and_the_organisation_sees_all(incident, bob, search):
    closed_after(incident, 1)
    closed_after(incident, 3)
    theirs = declared(bob, search)
    closed_after(theirs, 11)
    item(theirs, created=at(date(2026, 5, 1)), due=date(2026, 6, 1))

    payments = completion_statistics(team=incident.team, today=TODAY)
    platform = completion_statistics(team=theirs.team, today=TODAY)
    everyone = completion_statistics(today=TODAY)

    assert payments.median_days_to_close == 2.0
    assert (payments.open_count, payments.overdue_count) == (0, 0)
    assert platform.median_days_to_close == 11.0
    assert (platform.open_count, platform.overdue_count) == (1, 1)
    assert everyone.median_days_to_close == 3.0
    assert (everyone.open_count, everyone.overdue_count) == (1, 1)


def test_drills_never_count(incident, alice, checkout):
    drill = declared(alice, checkout, is_drill=True)
    closed_after(drill, 5)
    item(drill, created=at(date(2026, 5, 1)), due=date(2026, 6, 1))
    postmortem_of(drill, published=at(date(2026, 5, 2)))
    closed_after(incident, 2)

    statistics = completion_statistics(today=TODAY)

    assert statistics.median_days_to_close == 2.0
    assert (statistics.open_count, statistics.overdue_count, statistics.postmortems) == (0, 0, 0)


def test_a_period_counts_the_items_created_within_it(incident):
    may = Period(start=date(2026, 5, 1), end=date(2026, 5, 31))
    item(incident, created=at(date(2026, 5, 1), 0, 0), due=date(2026, 6, 1))
    item(incident, created=at(date(2026, 5, 31), 23, 59), due=date(2026, 6, 1))
    item(incident, created=at(date(2026, 4, 30), 23, 59), due=date(2026, 6, 1))
    item(incident, created=at(date(2026, 6, 1), 0, 0), due=date(2026, 6, 1))
    postmortem_of(incident, published=at(date(2026, 6, 1)))

    statistics = completion_statistics(period=may, today=TODAY)

    assert (statistics.open_count, statistics.overdue_count) == (2, 2)
    assert statistics.postmortems == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's; CI runs it there"
)
@pytest.mark.parametrize("days", [(1, 2, 10), (1, 2, 4, 10), (0.3, 0.7, 1.1, 2.9, 5.5, 7.25)])
def test_the_portable_median_agrees_with_percentile_cont(incident, days):
    for value in days:
        closed_after(incident, value)
    rows = ActionItem.objects.annotate(
        median_value=DurationMicroseconds("completed_at", "created_at")
    )

    native = median(ActionItem.objects.all(), DurationMicroseconds("completed_at", "created_at"))

    assert native == _median_by_sorting(rows)
