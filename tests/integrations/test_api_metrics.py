"""The four keys through the API: the figures of the team's learning page, for the token's
team only, over the same named periods."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Deployment, DeploymentCommit, Incident
from learning.metrics import Scope, four_keys
from learning.views import period_named

from .conftest import fields_named


def _deploy(service, days_ago: float, *, outcome="succeeded", commit_hours_before=2):
    deployed_at = timezone.now() - timedelta(days=days_ago)
    deployment = Deployment.objects.create(
        service=service,
        version=f"v{days_ago}",
        deployed_at=deployed_at,
        outcome=outcome,
        first_commit_at=deployed_at - timedelta(hours=commit_hours_before),
    )
    DeploymentCommit.objects.create(
        deployment=deployment,
        sha=f"{int(days_ago * 10):08x}",
        committed_at=deployed_at - timedelta(hours=commit_hours_before),
    )
    return deployment


def _incident(service, days_ago: float, *, restored_after_hours=None, caused_by=None):
    started = timezone.now() - timedelta(days=days_ago)
    incident = Incident.objects.create(
        title="Errors",
        team=service.team,
        started_at=started,
        restored_at=started + timedelta(hours=restored_after_hours)
        if restored_after_hours
        else None,
        caused_by_deployment=caused_by,
    )
    incident.services.add(service)
    return incident


@pytest.fixture
def history(checkout, search):
    release = _deploy(checkout, 3, commit_hours_before=5)
    _deploy(checkout, 10, commit_hours_before=1)
    _deploy(checkout, 20, outcome="failed")
    _deploy(checkout, 45)
    _incident(checkout, 3, restored_after_hours=2, caused_by=release)
    _incident(checkout, 12, restored_after_hours=6)
    _incident(checkout, 5)
    # Platform's: in no Payments figure.
    for days in (1, 2, 4, 8):
        _deploy(search, days)
    _incident(search, 2, restored_after_hours=30)


def _seconds(value):
    return value.total_seconds() if isinstance(value, timedelta) else value


@pytest.mark.parametrize("period", ["last-30-days", "last-90-days", "this-quarter", "last-quarter"])
def test_the_figures_are_the_learning_pages(payments_api, payments, history, period):
    response = payments_api.get("/api/metrics/four-keys", {"period": period})

    assert response.status_code == 200, response.content
    body = response.json()
    chosen = period_named(period)
    keys = four_keys(scope=Scope(team=payments), period=chosen)
    assert body["team"] == "payments"
    assert body["period"] == {
        "name": period,
        "start": chosen.start.isoformat(),
        "end": chosen.end.isoformat(),
    }
    expected = {
        "deployment_frequency_per_week": keys.deployment_frequency.per_week,
        "lead_time_for_changes_median": keys.lead_time_for_changes.median,
        "lead_time_for_changes_p90": keys.lead_time_for_changes.p90,
        "change_failure_rate": keys.change_failure_rate,
        "time_to_restore_median": keys.time_to_restore.median,
        "time_to_restore_p90": keys.time_to_restore.p90,
        "failed_deployment_recovery_time_median": keys.failed_deployment_recovery_time.median,
        "rework_rate": keys.rework_rate,
    }
    for name, figure in expected.items():
        answered = body[name]
        assert answered["value"] == pytest.approx(_seconds(figure.value)), name
        assert answered["previous"] == pytest.approx(_seconds(figure.previous)), name
        assert (answered["count"], answered["bucket"]) == (figure.count, figure.bucket), name
    assert body["incidents_not_restored"] == keys.time_to_restore.open_count


def test_the_last_30_days_in_plain_numbers(payments_api, history):
    body = payments_api.get("/api/metrics/four-keys").json()

    assert body["period"]["name"] == "last-30-days"
    # Two successful production deployments in 30 days; the failed one is a failure.
    assert body["deployment_frequency_per_week"]["count"] == 2
    assert body["deployment_frequency_per_week"]["value"] == pytest.approx(2 * 7 / 30)
    assert body["lead_time_for_changes_median"]["unit"] == "seconds"
    assert body["lead_time_for_changes_median"]["value"] == pytest.approx(3 * 3600)
    assert body["time_to_restore_median"]["value"] == pytest.approx(4 * 3600)
    assert body["incidents_not_restored"] == 1


def test_the_team_page_shows_the_same_deployment_frequency(alice_client, payments_api, history):
    body = payments_api.get("/api/metrics/four-keys").json()
    page = alice_client.get("/teams/payments/learning/")

    headline = page.context["keys"].deployment_frequency.per_week
    assert body["deployment_frequency_per_week"]["value"] == pytest.approx(headline.value)


def test_an_unknown_period_is_refused(payments_api, history):
    assert "period" in fields_named(payments_api.get("/api/metrics/four-keys", {"period": "ever"}))
