"""GitHub: deployments recorded from deployment_status and workflow_run once they end, with
the commit times GitHub told us giving their lead time."""

from datetime import timedelta

import pytest

from incidents.models import Deployment
from webhooks import services
from webhooks.models import Delivery

from .conftest import ago
from .formats import deployment_status, github_headers, push, workflow_run

SHA = "a10867b14bb761a232cd80139fbd4c0d33264240"


def test_ping_is_answered(github):
    response = github.post(
        {"zen": "Design for failure.", "hook_id": 292430182, "hook": {"type": "Repository"}},
        headers=github_headers("ping", "d1"),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"


def test_a_successful_deployment_status_records_a_deployment(github, checkout):
    deployed = ago(minutes=5)

    response = github.post(
        deployment_status(state="success", created_at=deployed),
        headers=github_headers("deployment_status", "d1"),
    )

    assert response.status_code == 200
    deployment = Deployment.objects.get()
    assert response.json()["deployment"] == deployment.pk
    assert deployment.service == checkout
    assert deployment.outcome == Deployment.Outcome.SUCCEEDED
    assert deployment.deployed_at == deployed
    assert deployment.environment == "production"
    assert deployment.version == SHA
    assert deployment.source == "github"
    assert deployment.external_id == "acme/checkout/deployments/145988746"
    # Nothing told us when the commit was made: the lead time is unknown, not invented.
    assert deployment.lead_time is None


@pytest.mark.parametrize("state", ["pending", "queued", "in_progress", "inactive"])
def test_states_before_the_end_record_nothing(github, state):
    response = github.post(
        deployment_status(state=state, created_at=ago(minutes=5)),
        headers=github_headers("deployment_status", "d1"),
    )

    assert response.json()["status"] == "ignored"
    assert not Deployment.objects.exists()


def test_a_later_final_state_corrects_the_outcome(github):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9), status_id=1),
        headers=github_headers("deployment_status", "d1"),
    )

    github.post(
        deployment_status(state="failure", created_at=ago(minutes=2), status_id=2),
        headers=github_headers("deployment_status", "d2"),
    )

    assert Deployment.objects.get().outcome == Deployment.Outcome.FAILED


def test_a_redelivery_is_a_duplicate(github):
    payload = deployment_status(state="error", created_at=ago(minutes=9))
    github.post(payload, headers=github_headers("deployment_status", "d1"))

    again = github.post(payload, headers=github_headers("deployment_status", "d1"))

    assert again.json() == {"status": "duplicate", "delivery": "d1"}
    assert Deployment.objects.get().outcome == Deployment.Outcome.FAILED


def test_a_completed_workflow_run_records_a_deployment_with_its_lead_time(github, checkout):
    committed = ago(hours=3)
    finished = ago(minutes=1)

    github.post(
        workflow_run(conclusion="success", updated_at=finished, committed_at=committed),
        headers=github_headers("workflow_run", "r1"),
    )

    deployment = Deployment.objects.get()
    assert deployment.service == checkout
    assert deployment.first_commit_at == committed
    assert deployment.deployed_at == finished
    assert deployment.lead_time == finished - committed
    assert deployment.external_id == "acme/checkout/actions/runs/30433642"


@pytest.mark.parametrize(
    ("action", "conclusion"),
    [("requested", None), ("in_progress", None), ("completed", "cancelled")],
)
def test_runs_that_did_not_finish_a_deployment_record_nothing(github, action, conclusion):
    response = github.post(
        workflow_run(
            action=action, conclusion=conclusion, updated_at=ago(minutes=1), committed_at=None
        ),
        headers=github_headers("workflow_run", "r1"),
    )

    assert response.json()["status"] == "ignored"
    assert not Deployment.objects.exists()


def test_a_rerun_that_succeeds_corrects_a_failed_run(github):
    github.post(
        workflow_run(conclusion="failure", updated_at=ago(minutes=20), committed_at=ago(hours=1)),
        headers=github_headers("workflow_run", "r1"),
    )

    github.post(
        workflow_run(conclusion="success", updated_at=ago(minutes=5), committed_at=ago(hours=1)),
        headers=github_headers("workflow_run", "r2"),
    )

    assert Deployment.objects.get().outcome == Deployment.Outcome.SUCCEEDED


def test_a_deployment_takes_the_commit_time_a_workflow_run_told(github):
    committed = ago(hours=5)
    github.post(
        workflow_run(
            conclusion="success",
            updated_at=ago(hours=4),
            committed_at=committed,
            name="CI",
            sha=SHA,
        ),
        headers=github_headers("workflow_run", "r1"),
    )
    deployed = ago(minutes=3)

    github.post(
        deployment_status(state="success", created_at=deployed),
        headers=github_headers("deployment_status", "d1"),
    )

    deployment = Deployment.objects.get(source="github", external_id__contains="deployments")
    assert deployment.first_commit_at == committed
    assert deployment.lead_time == deployed - committed


def test_a_push_after_the_deployment_fills_in_its_lead_time(github):
    deployed = ago(minutes=3)
    github.post(
        deployment_status(state="success", created_at=deployed),
        headers=github_headers("deployment_status", "d1"),
    )
    committed = ago(hours=2)

    response = github.post(
        push(
            ("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", committed - timedelta(hours=1)),
            (SHA, committed),
        ),
        headers=github_headers("push", "p1"),
    )

    assert response.json()["status"] == "processed"
    assert Deployment.objects.get().lead_time == deployed - committed


def test_a_workflow_route_counts_only_that_workflows_runs(github, checkout, ledger):
    github.endpoint.routes.all().delete()
    services.route_create(
        endpoint=github.endpoint, service=ledger, match_value="acme/checkout", workflow="Deploy"
    )

    github.post(
        workflow_run(conclusion="success", updated_at=ago(minutes=9), committed_at=None, name="CI"),
        headers=github_headers("workflow_run", "r1"),
    )
    github.post(
        workflow_run(conclusion="success", updated_at=ago(minutes=8), committed_at=None, run_id=2),
        headers=github_headers("workflow_run", "r2"),
    )

    assert [d.service for d in Deployment.objects.all()] == [ledger]
    assert Delivery.objects.get(delivery_id="r1").status == Delivery.Status.UNROUTED


def test_missing_github_headers_are_refused(github):
    response = github.post(deployment_status(state="success", created_at=ago(minutes=1)))

    assert response.status_code == 422
    assert response.json()["error"] == "The X-GitHub-Delivery header is missing."


@pytest.mark.parametrize("event_type", ["issues", "pull_request", "deployment"])
def test_events_debrief_does_not_use_are_logged_and_answered(github, event_type):
    response = github.post(
        {"action": "opened", "repository": {"full_name": "acme/checkout"}},
        headers=github_headers(event_type, "x1"),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert Delivery.objects.get().detail == f"{event_type} events are not used."
    assert not Deployment.objects.exists()
