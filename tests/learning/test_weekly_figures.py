"""The sparklines' weekly figures: completed weeks are stored and read back, and a write that
changes a week deletes its stored figures, so what the pages show always equals the figures
computed from the deployments and incidents (learning.weekly.raw_weekly_figures)."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Deployment, DeploymentCommit, Incident
from learning.metrics import ORGANISATION, Scope
from learning.models import WeeklyFigures
from learning.tasks import fill_weekly_figures
from learning.weekly import raw_weekly_figures, sparkline_weeks, weekly_figures
from tests.learning.metrics_builders import FAILED, ROLLED_BACK, SUCCEEDED, at, deploy, incident

TODAY = date(2026, 3, 28)
WEEKS = sparkline_weeks(TODAY, 6)
DAYS = (TODAY - WEEKS[0].start).days


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("learning.weekly.today", lambda: TODAY)


deployments = st.lists(
    st.fixed_dictionaries(
        {
            "service": st.sampled_from(["checkout", "search"]),
            "back": st.integers(0, DAYS),
            "hour": st.integers(0, 23),
            "outcome": st.sampled_from([SUCCEEDED, SUCCEEDED, FAILED, ROLLED_BACK]),
            # Few shas, so that commits are deployed again and only their first counts.
            "commits": st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 200), max_size=3),
        }
    ),
    max_size=12,
)
incidents = st.lists(
    st.fixed_dictionaries(
        {
            "service": st.sampled_from(["checkout", "search"]),
            "back": st.integers(0, DAYS),
            "minutes": st.none() | st.integers(1, 3000),
            "caused_by": st.none() | st.integers(0, 11),
            "is_drill": st.booleans(),
        }
    ),
    max_size=6,
)
writes = st.sampled_from(
    [
        "deploy-again",
        "redeploy-earlier",
        "mark-drill",
        "delete-deployment",
        "move-incident",
        "learn-first-commit",
        "move-incident-to-service",
    ]
)


def _build(services: dict, planned_deployments: list, planned_incidents: list) -> None:
    made = []
    for plan in planned_deployments:
        day = TODAY - timedelta(days=plan["back"])
        when = at(day, plan["hour"])
        made.append(
            deploy(
                services[plan["service"]],
                when,
                outcome=plan["outcome"],
                commits={sha: when - timedelta(hours=h) for sha, h in plan["commits"].items()},
                first_commit_at=when - timedelta(hours=5),
            )
        )
    for plan in planned_incidents:
        started = at(TODAY - timedelta(days=plan["back"]), 9)
        caused_by = plan["caused_by"]
        incident(
            services[plan["service"]],
            started,
            restored=None
            if plan["minutes"] is None
            else started + timedelta(minutes=plan["minutes"]),
            caused_by=made[caused_by] if caused_by is not None and caused_by < len(made) else None,
            is_drill=plan["is_drill"],
        )


def _write(kind: str, services: dict) -> None:
    """A write of `kind` into an already completed week."""
    earlier = at(WEEKS[1].start, 6)
    if kind == "deploy-again":
        deploy(services["checkout"], earlier, commits={"a": earlier - timedelta(hours=30)})
    elif kind == "redeploy-earlier" and (commit := DeploymentCommit.objects.last()):
        # The commit's first deployment is now an earlier one, in another week.
        deploy(commit.deployment.service, at(WEEKS[0].start, 1), commits={commit.sha: None})
    elif kind == "mark-drill" and (found := Incident.objects.filter(is_drill=False).first()):
        found.is_drill = True
        found.save()
    elif kind == "delete-deployment" and (found := Deployment.objects.first()):
        found.delete()
    elif kind == "learn-first-commit" and (found := Deployment.objects.first()):
        # A commit time learned after the deployment (a webhook's push event, an admin edit).
        found.first_commit_at = found.deployed_at - timedelta(hours=50)
        found.save()
    elif kind == "move-incident-to-service" and (found := Incident.objects.first()):
        found.services.set([services["search"]])
    elif kind == "move-incident" and (found := Incident.objects.first()):
        shift = earlier - found.started_at
        found.started_at = earlier
        if found.restored_at is not None:
            found.restored_at += shift
        found.save()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(planned_deployments=deployments, planned_incidents=incidents, write=writes)
def test_stored_weekly_figures_equal_the_computed_ones(
    checkout, search, planned_deployments, planned_incidents, write
):
    # Examples share the test's transaction: each starts from no history.
    Incident.objects.all().delete()
    Deployment.objects.all().delete()
    WeeklyFigures.objects.all().delete()
    services = {"checkout": checkout, "search": search}
    _build(services, planned_deployments, planned_incidents)
    scopes = [ORGANISATION, Scope(team=checkout.team), Scope(service=search)]

    for scope in scopes:
        assert weekly_figures(scope, WEEKS) == raw_weekly_figures(scope, WEEKS)  # computed
        assert weekly_figures(scope, WEEKS) == raw_weekly_figures(scope, WEEKS)  # read back

    _write(write, services)

    for scope in scopes:
        assert weekly_figures(scope, WEEKS) == raw_weekly_figures(scope, WEEKS)


def test_a_stored_week_is_read_instead_of_recomputed(checkout, django_assert_num_queries):
    deploy(checkout, at(WEEKS[2].start, 10), commits={"a": at(WEEKS[2].start, 8)})
    scope = Scope(service=checkout)
    weekly_figures(scope, WEEKS)

    with django_assert_num_queries(1):
        figures = weekly_figures(scope, WEEKS[:-1])

    assert [week.succeeded for week in figures] == [0, 0, 1, 0, 0]


def test_a_write_to_a_completed_week_deletes_its_figures_and_the_later_ones(checkout):
    weekly_figures(Scope(service=checkout), WEEKS)
    assert WeeklyFigures.objects.count() == 5

    deploy(checkout, at(WEEKS[2].start, 10))

    # A later deployment's lead time depends on whether its commit was deployed before.
    assert sorted(WeeklyFigures.objects.values_list("week_start", flat=True)) == [
        WEEKS[0].start,
        WEEKS[1].start,
    ]


def test_the_current_week_is_never_stored(checkout):
    weekly_figures(Scope(service=checkout), WEEKS)

    assert not WeeklyFigures.objects.filter(week_start=WEEKS[-1].start).exists()


def test_the_nightly_task_stores_the_completed_weeks_of_the_organisation_and_every_team(
    checkout, search
):
    deploy(checkout, at(WEEKS[3].start, 10))

    assert fill_weekly_figures(TODAY.isoformat()) == 3

    stored = WeeklyFigures.objects.values_list("scope", "scope_key")
    expected = {("organisation", 0), ("team", checkout.team.pk), ("team", search.team.pk)}
    assert set(stored) == expected
    # Of the twelve weeks the sparklines show, the eleven before the current one.
    assert stored.count() == 3 * 11
    assert WeeklyFigures.objects.filter(scope="organisation", succeeded=1).count() == 1


def test_a_commit_time_learned_later_reaches_the_stored_week(checkout):
    # A deployment recorded before its commit time was known (a webhook's push event or an
    # admin edit tells it later): its week is stored without a lead-time sample first.
    deployed_at = at(WEEKS[2].start, 10)
    deployment = deploy(checkout, deployed_at, first_commit_at=None)
    scope = Scope(service=checkout)
    assert weekly_figures(scope, WEEKS)[2].lead_time_median is None

    deployment.first_commit_at = deployed_at - timedelta(hours=3)
    deployment.save()

    stored = weekly_figures(scope, WEEKS)
    assert stored == raw_weekly_figures(scope, WEEKS)
    assert stored[2].lead_time_median == timedelta(hours=3).total_seconds() * 1_000_000
