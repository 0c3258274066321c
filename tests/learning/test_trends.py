"""Learning trends against values worked out by hand, in Berlin time, on SQLite and on
PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from followups.models import ActionItem
from followups.statistics import Period as FollowupPeriod
from followups.statistics import completion_statistics
from incidents.models import Incident
from learning.trends import (
    RESTORE_BUCKETS,
    factor_categories_over_time,
    followup_completion,
    incidents_per_week,
    postmortem_health,
    recurrences_per_period,
    recurring_factor_categories,
    restore_time_distribution,
)
from learning.trends import (
    blameful_wording_per_month as blameful_wording,
)
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate

BERLIN = ZoneInfo("Europe/Berlin")
PUBLISHED, DRAFT = Postmortem.Status.PUBLISHED, Postmortem.Status.DRAFT


class Period:
    """Any object with start and end dates will do, as learning.periods.Period will."""

    def __init__(self, start: date, end: date):
        self.start, self.end = start, end


@pytest.fixture(autouse=True)
def berlin_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def berlin(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def incident(team, *, started, severity=3, services=(), restored=None, drill=False):
    made = Incident.objects.create(
        title="Card payments failing",
        team=team,
        severity=severity,
        started_at=started,
        restored_at=restored,
        is_drill=drill,
    )
    made.services.set(services)
    return made


def postmortem(incident, *, status=PUBLISHED, published=None, flags=0, factors=()):
    made = Postmortem.objects.create(
        incident=incident,
        template=PostmortemTemplate.objects.get(slug="standard"),
        title=f"Postmortem of {incident.title}",
        status=status,
        published_at=published,
        coach_flags_at_publish=flags,
    )
    for slug in factors:
        ContributingFactor.objects.create(
            postmortem=made, category=category(slug), description=f"A {slug} factor"
        )
    return made


def category(slug) -> FactorCategory:
    return FactorCategory.objects.get(slug=slug)


def counts(weeks):
    return {week.week: {level: n for level, n in week.by_severity.items() if n} for week in weeks}


# -- Incidents per week --------------------------------------------------------------------


def test_incidents_count_in_the_berlin_week_their_impact_started(payments, checkout):
    incident(payments, started=berlin(2026, 3, 8, 23, 30), severity=2)  # Sunday night
    # Monday 00:30 in Berlin is still Sunday in UTC.
    incident(payments, started=berlin(2026, 3, 9, 0, 30), severity=2)
    incident(payments, started=berlin(2026, 3, 2, 0, 15), severity=3)  # Sunday in UTC
    incident(payments, started=berlin(2026, 3, 1, 23, 45), severity=1)  # before the period
    incident(payments, started=berlin(2026, 3, 10), severity=1, drill=True)

    weeks = incidents_per_week(period=Period(date(2026, 3, 2), date(2026, 3, 15)))

    assert counts(weeks) == {date(2026, 3, 2): {2: 1, 3: 1}, date(2026, 3, 9): {2: 1}}
    assert [week.total for week in weeks] == [2, 1]
    assert set(weeks[1].by_severity) == {1, 2, 3, 4}


def test_incidents_per_week_lists_empty_weeks_and_scopes_to_a_team_and_service(
    payments, platform, checkout, search
):
    incident(payments, started=berlin(2026, 3, 3), severity=1, services=[checkout])
    incident(payments, started=berlin(2026, 3, 4), severity=2, services=[search])
    incident(platform, started=berlin(2026, 3, 5), severity=1, services=[checkout])
    period = Period(date(2026, 3, 1), date(2026, 3, 16))  # a Sunday to a Monday

    team_weeks = incidents_per_week(period=period, team=payments)
    service_weeks = incidents_per_week(period=period, team=payments, service=checkout)

    assert [week.week for week in team_weeks] == [
        date(2026, 2, 23),
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]
    assert counts(team_weeks)[date(2026, 3, 2)] == {1: 1, 2: 1}
    assert counts(service_weeks)[date(2026, 3, 2)] == {1: 1}
    assert counts(incidents_per_week(period=period))[date(2026, 3, 2)] == {1: 2, 2: 1}


# -- Restore times -------------------------------------------------------------------------


def restored_after(team, started, duration, **kwargs):
    return incident(team, started=started, restored=started + duration, **kwargs)


def test_restore_times_fall_in_buckets_per_berlin_quarter(payments):
    restored_after(payments, berlin(2026, 1, 10), timedelta(minutes=14, seconds=59))
    restored_after(payments, berlin(2026, 2, 1), timedelta(minutes=15))
    incident(payments, started=berlin(2026, 3, 1))  # not restored yet
    restored_after(payments, berlin(2026, 3, 2), timedelta(minutes=10), drill=True)
    # 01:00 on 1 April in Berlin is still 31 March in UTC.
    restored_after(payments, berlin(2026, 4, 1, 1, 0), timedelta(hours=1))
    restored_after(payments, berlin(2026, 4, 2), timedelta(hours=3, minutes=59))
    restored_after(payments, berlin(2026, 5, 1), timedelta(hours=23))
    restored_after(payments, berlin(2026, 5, 2), timedelta(days=2))
    restored_after(payments, berlin(2026, 6, 1), timedelta(days=7))

    first, second = restore_time_distribution(period=Period(date(2026, 1, 1), date(2026, 6, 30)))

    assert first.quarter == date(2026, 1, 1)
    assert first.buckets == {
        "under_15_minutes": 1,
        "15_to_60_minutes": 1,
        "1_to_4_hours": 0,
        "4_to_24_hours": 0,
        "1_to_7_days": 0,
        "over_7_days": 0,
    }
    assert (first.restored, first.unrestored) == (2, 1)
    assert second.quarter == date(2026, 4, 1)
    assert list(second.buckets.values()) == [0, 0, 2, 1, 1, 1]
    assert (second.restored, second.unrestored) == (5, 0)
    assert [bucket.label for bucket in RESTORE_BUCKETS][-1] == "> 7 d"


def test_restore_times_list_quarters_without_incidents(payments):
    quarters = restore_time_distribution(period=Period(date(2025, 12, 15), date(2026, 1, 15)))

    assert [quarter.quarter for quarter in quarters] == [date(2025, 10, 1), date(2026, 1, 1)]
    assert all(q.restored == 0 and q.unrestored == 0 for q in quarters)


# -- Contributing-factor categories --------------------------------------------------------


def test_factor_categories_count_per_berlin_month_of_the_incident(payments):
    january = incident(payments, started=berlin(2026, 1, 10))
    postmortem(january, factors=["configuration", "configuration", "dependency"])
    # 23:30 UTC on 31 January is 1 February in Berlin.
    february = incident(payments, started=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    postmortem(february, factors=["configuration"])
    postmortem(incident(payments, started=berlin(2026, 2, 10)), status=DRAFT, factors=["data"])
    postmortem(incident(payments, started=berlin(2026, 2, 11), drill=True), factors=["data"])

    months = factor_categories_over_time(period=Period(date(2026, 1, 1), date(2026, 3, 31)))

    configuration, dependency = category("configuration"), category("dependency")
    assert [(month.start, month.by_category) for month in months] == [
        (date(2026, 1, 1), {configuration: 2, dependency: 1}),
        (date(2026, 2, 1), {configuration: 1, dependency: 0}),
        (date(2026, 3, 1), {configuration: 0, dependency: 0}),
    ]
    quarters = factor_categories_over_time(
        period=Period(date(2026, 1, 1), date(2026, 3, 31)), unit="quarter"
    )
    assert [(q.start, q.total) for q in quarters] == [(date(2026, 1, 1), 4)]


# -- "We have seen this before" ------------------------------------------------------------


def test_a_category_recurs_on_a_service_within_ninety_days(payments, checkout, search):
    first = datetime(2026, 1, 1, 10, tzinfo=UTC)
    a = incident(payments, started=first, services=[checkout])
    postmortem(a, factors=["configuration"])
    b = incident(payments, started=first + timedelta(days=90), services=[checkout])
    postmortem(b, factors=["configuration"])
    # 91 days after b: too late to recur with either.
    c = incident(payments, started=first + timedelta(days=181), services=[checkout])
    postmortem(c, factors=["configuration"])
    # Dependency: 91 days apart, and the drill and the draft in between do not count.
    d = incident(payments, started=first + timedelta(days=4), services=[checkout])
    postmortem(d, factors=["dependency"])
    e = incident(payments, started=first + timedelta(days=95), services=[checkout])
    postmortem(e, factors=["dependency"])
    drill = incident(payments, started=first + timedelta(days=30), services=[checkout], drill=True)
    postmortem(drill, factors=["dependency"])
    draft = incident(payments, started=first + timedelta(days=31), services=[checkout])
    postmortem(draft, status=DRAFT, factors=["dependency"])
    # The same category on another service is no recurrence.
    f = incident(payments, started=first + timedelta(days=1), services=[search])
    postmortem(f, factors=["configuration"])

    recurring = recurring_factor_categories(period=Period(date(2025, 12, 1), date(2026, 12, 31)))

    assert [(r.service, r.category, r.incidents) for r in recurring] == [
        (checkout, category("configuration"), [a, b])
    ]
    assert recurring[0].first_started_at == first
    assert recurring[0].last_started_at == first + timedelta(days=90)


def test_a_chain_of_recurrences_lists_every_incident_and_a_service_narrows_it(
    payments, checkout, search
):
    first = datetime(2026, 1, 1, 10, tzinfo=UTC)
    chain = []
    for days in (0, 80, 160):
        chain.append(incident(payments, started=first + timedelta(days=days), services=[checkout]))
        postmortem(chain[-1], factors=["capacity-scaling"])
    for days in (0, 10):
        other = incident(payments, started=first + timedelta(days=days), services=[search])
        postmortem(other, factors=["data"])

    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    (recurrence,) = recurring_factor_categories(period=period, service=checkout)

    assert recurrence.incidents == chain
    assert recurrence.last_started_at - recurrence.first_started_at == timedelta(days=160)
    # Newest recurrence first.
    assert [r.service for r in recurring_factor_categories(period=period)] == [checkout, search]


def _came_back_per_period(periods, team=None) -> list[int]:
    """The pairs that came back in each period, read off the listed recurrences: an incident
    at most ninety days after an earlier one of the same recurrence."""
    span = Period(periods[0].start, periods[-1].end)
    came_back = [set() for _ in periods]
    for item in recurring_factor_categories(period=span, team=team):
        starts = [incident.started_at for incident in item.incidents]
        for position, started in enumerate(starts):
            if any(started - before <= timedelta(days=90) for before in starts[:position]):
                for index, period in enumerate(periods):
                    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BERLIN)
                    end = datetime.combine(
                        period.end + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN
                    )
                    if start <= started < end:
                        came_back[index].add((item.service.pk, item.category.pk))
    return [len(pairs) for pairs in came_back]


def test_recurrences_per_period_count_the_pairs_that_came_back(
    payments, platform, checkout, search
):
    first = berlin(2026, 1, 10, 9)
    plan = [
        # A chain, each within ninety days of the one before: back in March and in June.
        (payments, checkout, 0, ["configuration"]),
        (payments, checkout, 80, ["configuration", "configuration"]),
        (payments, checkout, 160, ["configuration"]),
        # Two at the same moment: the later-recorded one came back.
        (platform, search, 20, ["data"]),
        (platform, search, 20, ["data", "capacity-scaling"]),
        # Exactly ninety days later still recurs; a day more does not.
        (platform, search, 110, ["data"]),
        (platform, search, 201, ["data"]),
        # Another service, or a drill, is no recurrence.
        (payments, search, 81, ["configuration"]),
    ]
    for team, service, days, factors in plan:
        made = incident(team, started=first + timedelta(days=days), services=[service])
        postmortem(made, factors=factors)
    drill = incident(payments, started=first + timedelta(days=85), services=[search], drill=True)
    postmortem(drill, factors=["configuration"])
    quarters = [
        Period(date(2026, 1, 1), date(2026, 3, 31)),
        Period(date(2026, 4, 1), date(2026, 6, 30)),
        Period(date(2026, 7, 1), date(2026, 9, 30)),
    ]

    counted = recurrences_per_period(periods=quarters)

    assert counted == _came_back_per_period(quarters)
    assert counted == [2, 2, 0]
    by_payments = recurrences_per_period(periods=quarters, team=payments)
    assert by_payments == _came_back_per_period(quarters, team=payments)
    assert by_payments == [1, 1, 0]


# -- Follow-up completion ------------------------------------------------------------------


def test_followup_completion_is_the_followups_statistics(payments, platform):
    source = incident(payments, started=berlin(2026, 5, 1))
    ActionItem.objects.create(
        incident=source, team=payments, title="Alert on expiry", due_date=date(2026, 6, 1)
    )
    ActionItem.objects.create(
        incident=source,
        team=payments,
        title="Rotate certificates",
        status=ActionItem.Status.DONE,
        completed_at=berlin(2026, 5, 20),
    )
    ActionItem.objects.create(incident=source, team=platform, title="Runbook")
    today = date(2099, 6, 15)
    period = Period(date(2000, 1, 1), date(2099, 12, 31))

    statistics = followup_completion(period=period, team=payments, today=today)

    assert statistics == completion_statistics(
        team=payments, period=FollowupPeriod(date(2000, 1, 1), date(2099, 12, 31)), today=today
    )
    assert (statistics.open_count, statistics.overdue_count) == (1, 1)
    assert statistics.done_on_time == 0


# -- Postmortem health ---------------------------------------------------------------------


def published_after(team, started, days, *, severity=3, **kwargs):
    restored = started + timedelta(hours=1)
    made = incident(team, started=started, severity=severity, restored=restored, **kwargs)
    postmortem(made, published=restored + timedelta(days=days))
    return made


def test_share_of_major_incidents_with_a_published_postmortem(payments, platform):
    published_after(payments, berlin(2026, 1, 5), 2, severity=1)
    postmortem(incident(payments, started=berlin(2026, 1, 6), severity=2), status=DRAFT)
    incident(payments, started=berlin(2026, 1, 7), severity=2)
    published_after(payments, berlin(2026, 1, 8), 1, severity=1, drill=True)
    published_after(payments, berlin(2025, 12, 31, 23, 30), 1, severity=1)  # before the period
    incident(payments, started=berlin(2026, 1, 9), severity=3)
    incident(platform, started=berlin(2026, 1, 9), severity=1)

    health = postmortem_health(period=Period(date(2026, 1, 1), date(2026, 3, 31)), team=payments)

    assert (health.major_incidents, health.major_with_published_postmortem) == (3, 1)
    assert health.published_share == pytest.approx(1 / 3)


def test_median_days_to_publish_of_an_even_count_is_halfway(payments):
    published_after(payments, berlin(2026, 1, 5), 2, severity=1)
    published_after(payments, berlin(2026, 1, 6), 5, severity=3)
    published_after(payments, berlin(2026, 1, 7), 0.5, severity=4, drill=True)

    health = postmortem_health(period=Period(date(2026, 1, 1), date(2026, 3, 31)))

    assert health.median_days_to_publish == 3.5


def test_median_days_to_publish_of_an_odd_count_is_the_middle_one(payments):
    for days in (10, 1.5, 4):
        published_after(payments, berlin(2026, 2, 5), days)
    # Not restored, so no sample; and a draft has no publication.
    postmortem(incident(payments, started=berlin(2026, 2, 6)), published=berlin(2026, 2, 7))
    postmortem(incident(payments, started=berlin(2026, 2, 6), restored=berlin(2026, 2, 6, 13)))

    health = postmortem_health(period=Period(date(2026, 1, 1), date(2026, 3, 31)))

    assert health.median_days_to_publish == 4.0
    assert health.published_share is None


def test_blameful_wording_is_averaged_per_berlin_month_of_publication(payments, checkout):
    started = berlin(2025, 12, 1)
    for flags, published in [
        (1, berlin(2026, 1, 10)),
        (2, berlin(2026, 1, 20)),
        # 23:30 UTC on 31 January is 1 February in Berlin.
        (3, datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
        (0, berlin(2026, 3, 3)),
    ]:
        made = incident(payments, started=started, services=[checkout])
        postmortem(made, published=published, flags=flags)
    postmortem(
        incident(payments, started=started, drill=True), published=berlin(2026, 3, 4), flags=9
    )

    months = blameful_wording(period=Period(date(2026, 1, 1), date(2026, 4, 30)), service=checkout)

    assert [(m.month, m.postmortems, m.average_flags) for m in months] == [
        (date(2026, 1, 1), 2, 1.5),
        (date(2026, 2, 1), 1, 3.0),
        (date(2026, 3, 1), 1, 0.0),
        (date(2026, 4, 1), 0, None),
    ]


# -- A fixed number of queries -------------------------------------------------------------


def test_trends_take_a_fixed_number_of_queries(payments, checkout, django_assert_num_queries):
    first = datetime(2026, 1, 1, 10, tzinfo=UTC)
    for days in range(0, 60, 6):
        published_after(payments, first + timedelta(days=days), days % 5, services=[checkout])
    for made in Incident.objects.all():
        ContributingFactor.objects.create(
            postmortem=made.postmortem, category=category("tooling"), description="No runbook"
        )
    period = Period(date(2026, 1, 1), date(2026, 3, 31))

    with django_assert_num_queries(1):
        incidents_per_week(period=period, service=checkout)
    with django_assert_num_queries(1):
        restore_time_distribution(period=period)
    with django_assert_num_queries(2):
        factor_categories_over_time(period=period, team=payments)
    with django_assert_num_queries(2):
        assert len(recurring_factor_categories(period=period)[0].incidents) == 10
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
        postmortem_health(period=period)
    with django_assert_num_queries(1):
        blameful_wording(period=period)
