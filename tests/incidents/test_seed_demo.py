"""`seed_demo` fills an empty database with the organisation `make run` shows: believable,
the same every time for the same seed and moment, and never mixed into real data."""

from datetime import datetime, timedelta
from io import StringIO
from statistics import median, quantiles

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from incidents.models import (
    Deployment,
    DeploymentCommit,
    Incident,
    Service,
    Status,
    Team,
    TimelineEvent,
)
from incidents.times import validate_incident_times
from learning.models import WeeklyFigures
from learning.weekly import weekly_figures_fill

NOW = datetime.fromisoformat("2025-06-02T12:00:00+00:00")


def seed(*options: str) -> str:
    output = StringIO()
    call_command("seed_demo", f"--now={NOW.isoformat()}", *options, stdout=output)
    return output.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the whole module (seeding takes about a second); each test still runs
    in its own savepoint through `db`, and everything is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):
    return demo


def snapshot() -> dict:
    return {
        "incidents": list(
            Incident.objects.order_by("started_at", "title").values_list(
                "title", "severity", "status", "started_at", "restored_at", "resolved_at"
            )
        ),
        "events": list(
            TimelineEvent.objects.order_by("occurred_at", "kind", "body").values_list(
                "kind", "occurred_at", "old_value", "new_value", "body"
            )
        ),
        "deployments": list(
            Deployment.objects.order_by("deployed_at", "environment").values_list(
                "service__slug", "environment", "version", "deployed_at", "outcome"
            )
        ),
        "commits": DeploymentCommit.objects.count(),
    }


def test_it_builds_teams_people_and_services(seeded):
    assert list(Team.objects.values_list("name", flat=True)) == [
        "Mobile",
        "Payments",
        "Platform",
        "Search",
    ]
    for team in Team.objects.all():
        assert 3 <= team.members.count() <= 6
        assert 2 <= team.services.count() <= 4
        for person in team.members.all():
            assert person.email.endswith("@example.org")
            assert person.get_full_name()
            assert not person.has_usable_password()
    assert {service.tier for service in Service.objects.all()} >= {1, 2, 3}
    assert "4 teams" in seeded and "14 services" in seeded


def test_it_records_six_months_of_deployments_with_commits(seeded):
    production = Deployment.objects.filter(environment="production")
    working_days = 26 * 5
    assert production.count() >= working_days * Service.objects.count()
    assert Deployment.objects.filter(environment="staging").exists()
    assert production.order_by("deployed_at").first().deployed_at < NOW - timedelta(days=170)
    assert production.order_by("deployed_at").last().deployed_at <= NOW
    failed = production.exclude(outcome=Deployment.Outcome.SUCCEEDED).count()
    assert 0.08 < failed / production.count() < 0.18
    for deployment in production.prefetch_related("commits")[:200]:
        commit_times = [commit.committed_at for commit in deployment.commits.all()]
        assert 1 <= len(commit_times) <= 5
        assert deployment.first_commit_at == min(commit_times)
        assert max(commit_times) < deployment.deployed_at
    lead_times = [deployment.lead_time for deployment in production]
    assert timedelta(hours=2) < median(lead_times) < timedelta(days=3)


def test_it_declares_incidents_weighted_toward_minor_severities(seeded):
    incidents = Incident.objects.all()
    assert 60 <= incidents.count() <= 100
    minor = incidents.filter(severity__in=[3, 4]).count()
    assert minor > incidents.count() / 2
    assert incidents.filter(severity=1).exists()
    assert f"{incidents.count()} incidents" in seeded


def test_every_incident_obeys_the_timestamp_rules(seeded):
    for incident in Incident.objects.prefetch_related("events"):
        validate_incident_times(
            started_at=incident.started_at,
            detected_at=incident.detected_at,
            acknowledged_at=incident.acknowledged_at,
            restored_at=incident.restored_at,
            resolved_at=incident.resolved_at,
        )
        assert incident.restored_at is None or incident.restored_at <= NOW
        assert incident.resolved_at is None or incident.resolved_at <= NOW
        for event in incident.events.all():
            assert incident.started_at <= event.occurred_at <= NOW
            assert not event.is_backdated


def test_timelines_read_like_the_services_wrote_them(seeded):
    for incident in Incident.objects.prefetch_related("events"):
        events = list(incident.events.all())
        declared = events[0]
        assert declared.kind == TimelineEvent.Kind.DECLARED
        assert declared.body.startswith("Declared as SEV")
        changes = [event for event in events if event.kind == TimelineEvent.Kind.STATUS_CHANGE]
        labels = ["Investigating"] + [change.new_value for change in changes]
        assert [change.old_value for change in changes] == labels[:-1]
        assert labels[-1] == incident.get_status_display()
        restored = [event for event in events if event.kind == TimelineEvent.Kind.RESTORED]
        assert [event.occurred_at for event in restored][-1:] == (
            [incident.restored_at] if incident.restored_at else []
        )
        if incident.is_resolved:
            assert changes[-1].occurred_at == incident.resolved_at


def test_restore_times_are_long_tailed(seeded):
    minutes = [
        incident.time_to_restore.total_seconds() / 60
        for incident in Incident.objects.filter(restored_at__isnull=False, is_drill=False)
    ]
    ninetieth = quantiles(minutes, n=10)[-1]
    assert min(minutes) < 15
    assert median(minutes) < ninetieth / 3
    assert max(minutes) > 8 * 60


def test_some_incidents_were_caused_by_deployments(seeded):
    caused = Incident.objects.filter(caused_by_deployment__isnull=False).select_related(
        "caused_by_deployment"
    )
    assert caused.count() >= 10
    assert caused.exclude(caused_by_deployment__outcome=Deployment.Outcome.SUCCEEDED).exists()
    for incident in caused:
        deployment = incident.caused_by_deployment
        assert deployment.environment == "production"
        assert deployment.deployed_at <= incident.started_at
        assert deployment.service in incident.services.all()


def test_there_are_drills_and_a_few_open_incidents_near_now(seeded):
    assert Incident.objects.filter(is_drill=True).count() >= 2
    still_open = Incident.objects.exclude(status=Status.RESOLVED)
    assert 2 <= still_open.count() <= 6
    assert {incident.status for incident in still_open} == {
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MONITORING,
    }
    assert still_open.filter(restored_at__isnull=True).exists()
    assert all(incident.started_at > NOW - timedelta(days=3) for incident in still_open)


def test_the_same_seed_and_moment_give_the_same_data(seeded):
    before = snapshot()
    seed("--force")
    assert snapshot() == before
    assert Team.objects.count() == 4


def test_it_refuses_a_database_that_already_has_data(seeded):
    before = snapshot()
    with pytest.raises(CommandError, match="already holds teams, services") as refused:
        seed()
    assert "--force" in str(refused.value)
    assert snapshot() == before


def test_if_empty_skips_a_database_that_already_has_data(seeded):
    before = snapshot()
    assert (
        seed("--if-empty") == "The database already has incidents data, skipping the demo seed.\n"
    )
    assert snapshot() == before


def test_it_refuses_a_moment_in_the_future(seeded):
    with pytest.raises(CommandError, match="cannot be in the future"):
        call_command("seed_demo", "--force", "--now=2999-01-01T00:00:00+00:00")


def test_seeding_again_forgets_the_stored_learning_figures(seeded):
    # Stored weeks of the old organisation would show its numbers on the new one's pages.
    weekly_figures_fill(end=NOW.date(), count=12)
    assert WeeklyFigures.objects.exists()
    seed("--force", "--seed=2")
    assert not WeeklyFigures.objects.exists()
