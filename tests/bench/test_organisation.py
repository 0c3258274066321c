"""The benchmark's organisation: built the same way from the same seed, valid as Debrief's own
data, and its measured pages cost the same number of queries however long its history."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction

from bench.organisation import Builder, Size
from bench.pages import fetch, measured_pages, query_count, viewer_client
from followups.models import ActionItem
from incidents.models import Deployment, DeploymentCommit, Incident, Service, Team, TimelineEvent
from incidents.times import validate_deployment_times, validate_incident_times
from postmortems.models import ContributingFactor, Postmortem, PostmortemTemplate, SectionContent
from tests.builtins import ensure_builtin_rows

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SMALL = Size(
    teams=3, services=6, deployments=300, incidents=60, postmortems=12, followups=40, years=1
)
BUILT = [
    User,
    Team,
    Service,
    Deployment,
    DeploymentCommit,
    Incident,
    TimelineEvent,
    Postmortem,
    SectionContent,
    ContributingFactor,
    ActionItem,
]
# The most queries each measured page may cost, at any size.
QUERY_CEILINGS = {
    "home page": 14,
    "incident list": 8,
    "incident list, filtered": 9,
    "incident page": 9,
    "postmortem page": 8,
    "team learning page": 40,
    "organisation learning page": 40,
    "metrics CSV export": 12,
    "search across postmortems": 8,
}


@pytest.fixture
def organisation_db(db):
    ensure_builtin_rows()


def build(size: Size = SMALL, seed: int = 1) -> dict[str, int]:
    return Builder(size=size, now=NOW, seed=seed).build()


def rows() -> dict[str, list[tuple]]:
    return {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in BUILT}


def built_then_undone(measure, size: Size = SMALL, seed: int = 1):
    """What `measure` finds in the organisation built at `size`, which is then taken away."""
    with transaction.atomic():
        build(size, seed)
        cache.clear()
        found = measure()
        transaction.set_rollback(True)
    return found


def page_queries() -> dict[str, int]:
    client = viewer_client()
    return {
        name: query_count(lambda url=url: fetch(client, url))
        for name, url in measured_pages().items()
    }


def test_the_same_seed_and_moment_build_the_same_rows(organisation_db):
    first = built_then_undone(rows)
    assert sum(len(table) for table in first.values()) > 1000
    assert built_then_undone(rows) == first
    assert built_then_undone(rows, seed=2) != first


def test_it_builds_the_size_asked_for(organisation_db):
    counts = build()
    assert Team.objects.count() == 3
    assert Service.objects.count() == 6
    assert Deployment.objects.count() == counts["incidents.Deployment"] == 300
    assert Incident.objects.count() == 60
    assert Postmortem.objects.count() == 12
    assert ActionItem.objects.count() == 40
    assert ActionItem.objects.filter(postmortem__isnull=True).count() == 0


def test_half_the_history_keeps_the_organisation(organisation_db):
    half = SMALL.scaled(0.5)
    # The same pace over half the years: the last weeks hold as much at both sizes.
    assert (half.teams, half.services, half.years) == (3, 6, 0.5)
    assert (half.deployments, half.incidents, half.postmortems, half.followups) == (
        150,
        30,
        6,
        20,
    )


def test_it_refuses_to_build_over_existing_rows(organisation_db, payments):
    with pytest.raises(ValueError, match="needs empty tables"):
        build()


def test_every_incident_and_deployment_passes_debriefs_validation(organisation_db):
    build()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        for incident in Incident.objects.all():
            validate_incident_times(
                started_at=incident.started_at,
                detected_at=incident.detected_at,
                acknowledged_at=incident.acknowledged_at,
                restored_at=incident.restored_at,
                resolved_at=incident.resolved_at,
            )
        for deployment in Deployment.objects.prefetch_related("commits"):
            validate_deployment_times(
                deployed_at=deployment.deployed_at,
                first_commit_at=deployment.first_commit_at,
                commit_times=[commit.committed_at for commit in deployment.commits.all()],
            )


def test_every_incident_has_a_timeline_in_order(organisation_db):
    build()
    for incident in Incident.objects.prefetch_related("events", "services"):
        kinds = [event.kind for event in incident.events.all()]
        assert kinds[0] == TimelineEvent.Kind.DECLARED
        assert (TimelineEvent.Kind.RESOLVED in kinds) == (incident.resolved_at is not None)
        moments = [event.occurred_at for event in incident.events.all()]
        assert moments == sorted(moments)
        assert [service.team_id for service in incident.services.all()] == [incident.team_id]


def test_every_postmortem_has_its_templates_sections(organisation_db):
    build()
    sections = PostmortemTemplate.objects.get(slug="standard").sections.count()
    for postmortem in Postmortem.objects.prefetch_related("contents", "contributing_factors"):
        assert len(postmortem.contents.all()) == sections
        assert len(postmortem.contributing_factors.all()) >= 1
        assert postmortem.incident.resolved_at is not None
        if postmortem.status == Postmortem.Status.PUBLISHED:
            assert postmortem.published_at <= NOW
            assert postmortem.published_by_id is not None
    assert Postmortem.objects.filter(status=Postmortem.Status.PUBLISHED).exists()


def test_measured_pages_cost_the_same_queries_at_both_sizes(organisation_db):
    small = built_then_undone(page_queries, SMALL.scaled(0.5))
    large = built_then_undone(page_queries, SMALL)
    assert small.keys() == QUERY_CEILINGS.keys()
    assert large == small
    over = {name: count for name, count in large.items() if count > QUERY_CEILINGS[name]}
    assert not over, over
