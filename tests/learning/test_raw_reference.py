"""The benchmark's hand-written statements (bench/raw.py) compute every number the learning
pages show straight from the tables: they must agree with the rendered pages, number for
number, or the benchmark compares the pages with something that does less work."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from bench import raw
from bench.organisation import Builder, Size
from bench.pages import viewer_client
from culture.models import Answer, Kind, Response, Survey
from followups.models import ActionItem
from incidents.models import Incident, Team
from learning.periods import Period
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate
from tests.builtins import ensure_builtin_rows
from tests.learning.metrics_builders import ROLLED_BACK, at, deploy, incident

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason=f"Needs PostgreSQL: {raw.WHY_NOT_SQLITE}"
)

# A small organisation with half a year of history at the benchmark's pace per service.
SMALL = Size(
    teams=3, services=6, deployments=900, incidents=160, postmortems=50, followups=120, years=0.5
)


def _published(made: Incident, when: datetime, *, categories, flags: int = 0) -> Postmortem:
    postmortem = Postmortem.objects.create(
        incident=made,
        template=PostmortemTemplate.objects.get(slug="standard"),
        title="What we learned",
        status=Postmortem.Status.PUBLISHED,
        published_at=when,
        coach_flags_at_publish=flags,
    )
    for category in categories:
        ContributingFactor.objects.create(
            postmortem=postmortem, category=category, description="A factor"
        )
    return postmortem


def _follow_up(made: Incident, postmortem, *, created, status, due=None, completed=None):
    item = ActionItem.objects.create(
        title="Do better",
        team=made.team,
        incident=made,
        postmortem=postmortem,
        due_date=due,
        status=status,
        completed_at=completed,
        wont_do_reason="Not worth it" if status == ActionItem.Status.WONT_DO else "",
    )
    ActionItem.objects.filter(pk=item.pk).update(created_at=created)
    return item


def _edges(team: Team) -> None:
    """Every rule's edge in the last weeks of `team`: a commit deployed twice, a commit without
    a time, a deployment without commits, a staging deployment, fixes of a live incident, of
    a drill and of an incident in the bin, causes in production and in staging, open incidents,
    drills, recurring factors, a postmortem in the bin, and follow-ups of every status."""
    service = team.services.order_by("pk").first()
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    day = today - timedelta(days=9)
    first = deploy(service, at(day, 10), commits={"abc": at(day, 8), "untimed": None})
    deploy(service, at(day + timedelta(days=2), 10), commits={"abc": at(day, 8)})
    deploy(service, at(day, 10), commits={"abc": at(day, 8)})  # the same moment, recorded later
    deploy(service, at(day, 11), first_commit_at=at(day, 9, 30))
    staging = deploy(service, at(day, 12), environment="staging", first_commit_at=at(day, 11))
    failed = deploy(service, at(day, 13), outcome=ROLLED_BACK, first_commit_at=at(day, 12))
    caused = incident(service, at(day, 14), restored=at(day, 15, 20), caused_by=first)
    incident(service, at(day, 16), restored=at(day, 16, 5), caused_by=staging)
    incident(service, at(day, 17), restored=None, caused_by=failed)
    drill = incident(service, at(day, 18), restored=at(day, 19), is_drill=True)
    # In the bin: neither its cause fails nor its fix is rework.
    cause_of_binned = deploy(service, at(day, 19), first_commit_at=at(day, 18))
    binned = incident(service, at(day, 20), restored=at(day, 21), caused_by=cause_of_binned)
    deploy(service, at(day + timedelta(days=1), 9), remediates=caused, first_commit_at=at(day, 8))
    deploy(service, at(day + timedelta(days=1), 10), remediates=drill, first_commit_at=at(day, 8))
    deploy(service, at(day + timedelta(days=1), 11), remediates=binned, first_commit_at=at(day, 8))
    categories = list(FactorCategory.objects.order_by("pk")[:2])
    earlier = incident(service, at(day - timedelta(days=12), 9), restored=at(day, 1))
    earlier.severity = 1
    earlier.save()
    postmortem = _published(caused, at(day, 22), categories=categories, flags=3)
    _published(earlier, at(day - timedelta(days=2), 9), categories=categories[:1], flags=1)
    gone = _published(binned, at(day, 23), categories=categories)
    Incident.all_objects.filter(pk=binned.pk).update(deleted_at=at(day, 23, 30))
    Postmortem.all_objects.filter(pk=gone.pk).update(deleted_at=at(day, 23, 30))
    created = at(day, 23)
    statuses = ActionItem.Status
    _follow_up(
        caused,
        postmortem,
        created=created,
        status=statuses.DONE,
        due=day,
        completed=at(day, 23, 50),
    )
    _follow_up(
        caused,
        postmortem,
        created=created,
        status=statuses.DONE,
        due=day,
        completed=at(day + timedelta(days=3), 9),
    )
    _follow_up(caused, postmortem, created=created, status=statuses.OPEN, due=day)
    _follow_up(
        caused,
        postmortem,
        created=created,
        status=statuses.IN_PROGRESS,
        due=today + timedelta(days=5),
    )
    _follow_up(
        caused,
        postmortem,
        created=created,
        status=statuses.WONT_DO,
        completed=at(day + timedelta(days=1), 9),
    )
    _follow_up(drill, None, created=created, status=statuses.OPEN, due=day)
    binned_item = _follow_up(caused, postmortem, created=created, status=statuses.OPEN)
    ActionItem.all_objects.filter(pk=binned_item.pk).update(deleted_at=at(day, 23, 55))


def _responses(kind: Kind, quarter: Period, team: Team | None, count: int) -> None:
    for number in range(count):
        response = Response.objects.create(kind=kind, team=team, quarter=quarter.start)
        for position, statement in enumerate(kind.statements):
            Answer.objects.create(
                response=response, statement=statement.key, value=1 + (number + position) % 5
            )


def _culture(team: Team, other: Team) -> None:
    """Pulse answers of the last quarters, shown for a team (enough answers), hidden for
    another (too few, and then the organisation's too), and still open this quarter; a closed
    survey and an open one."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    this = Period.quarter_of(today)
    last, before = this.previous(), this.previous().previous()
    _responses(Kind.PULSE, before, team, 5)
    _responses(Kind.PULSE, before, other, 5)
    _responses(Kind.PULSE, last, team, 6)
    _responses(Kind.PULSE, last, other, 2)
    _responses(Kind.PULSE, this, team, 5)
    for quarter, closes in ((last, last.end_before), (this, this.end_before)):
        Survey.objects.create(quarter=quarter.start, closes_at=closes)
        _responses(Kind.SURVEY, quarter, None, 7)


@pytest.fixture
def organisation(db):
    ensure_builtin_rows()
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    Builder(size=SMALL, now=now, seed=3).build()
    team = Team.objects.order_by("pk").first()
    _edges(team)
    _culture(team, Team.objects.order_by("pk")[1])
    cache.clear()
    return team


def _last_30_days() -> Period:
    return Period.last_30_days(today=timezone.localdate(timezone=timezone.get_default_timezone()))


def _differences(page: dict, reference: dict) -> dict:
    return {
        name: (page.get(name, "missing"), reference.get(name, "missing"))
        for name in page.keys() | reference.keys()
        if page.get(name, "missing") != reference.get(name, "missing")
    }


def _assert_agrees(url: str, team: Team | None) -> dict:
    response = viewer_client().get(url)
    assert response.status_code == 200
    page = raw.page_numbers(response)
    reference = raw.raw_numbers(period=_last_30_days(), team=team)
    assert not _differences(page, reference)
    return page


@on_postgresql
def test_the_team_statement_computes_every_number_of_the_team_page(organisation):
    page = _assert_agrees(f"/teams/{organisation.slug}/learning/", organisation)

    # The organisation is busy enough that every part of the page has something to show.
    assert page["Deployment frequency, n"] > 0
    assert page["Time to restore, n"] > 0
    assert page["Failed deployment recovery time, n"] > 0
    assert page["recurring-factors: rows"] > 0
    assert page["open follow-ups"] > 0
    assert page["factor-categories, categories"]
    assert page["culture-pulse: rows"] == 4
    assert [row for row in page if row.startswith("culture-pulse[") and row.endswith("][1]")]


@on_postgresql
def test_the_organisation_statement_computes_every_number_of_the_organisation_page(
    organisation,
):
    page = _assert_agrees("/learning/", None)

    assert page["team-trends: rows"] == Team.objects.count()
    assert page["Rework rate"] > 0
    assert page["culture-survey: rows"] == 4


@on_postgresql
@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_both_statements_count_days_in_the_configured_time_zone(organisation, settings, zone):
    settings.TIME_ZONE = zone
    timezone.deactivate()

    _assert_agrees(f"/teams/{organisation.slug}/learning/", organisation)
    _assert_agrees("/learning/", None)


@on_postgresql
def test_a_team_without_history_has_no_figures(organisation):
    quiet = Team.objects.create(name="Quiet", slug="quiet")

    page = _assert_agrees(f"/teams/{quiet.slug}/learning/", quiet)

    assert page["nothing yet"] is True
    assert page["Change failure rate"] is None


@on_postgresql
def test_a_number_the_statement_misses_is_a_difference(organisation):
    response = viewer_client().get("/learning/")
    page = raw.page_numbers(response)
    reference = raw.raw_numbers(period=_last_30_days())
    del reference["Rework rate"]
    reference["team-trends[0][5]"] += 1

    assert _differences(page, reference).keys() == {"Rework rate", "team-trends[0][5]"}


@on_postgresql
def test_the_benchmark_times_both_statements(organisation):
    timings = raw.time_raw(2)

    assert timings.keys() == {raw.TEAM_PAGE_NAME, raw.ORGANISATION_PAGE_NAME}
    assert all(timing["median_ms"] > 0 for timing in timings.values())


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL has the reference")
def test_on_sqlite_the_benchmark_says_why_it_has_no_reference(db):
    assert raw.time_raw(2) == {}
    assert raw.reference() == f"not measured: {raw.WHY_NOT_SQLITE}"
