"""A route may name any repository or key, and deployment ids are unique per source across
teams: another team's endpoint can neither change Payments' deployments nor learn whose
they are. Platform's admin, bob, routes Payments' repository acme/checkout to Search."""

from django.test import Client

from incidents.models import Deployment
from tests.conftest import HTMX
from webhooks import services
from webhooks.models import CommitTime, Delivery, Route

from .conftest import Hook, ago, iso
from .formats import deployment_status, github_headers, workflow_run

ELSEWHERE = "This deployment is already recorded elsewhere; nothing was changed."


def test_another_teams_deployment_status_cannot_fail_our_deployment(github, platform_github):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours"),
    )

    response = platform_github.post(
        deployment_status(state="failure", created_at=ago(minutes=2)),
        headers=github_headers("deployment_status", "theirs"),
    )

    assert response.status_code == 409
    # Nothing else is said: neither whose deployment it is nor what it is.
    assert response.json() == {"status": "error", "error": ELSEWHERE}
    deployment = Deployment.objects.get()
    assert (deployment.service.slug, deployment.outcome) == ("checkout", "succeeded")
    # Nothing written: the delivery is not even logged, so it can be sent again elsewhere.
    assert not Delivery.objects.filter(endpoint=platform_github.endpoint).exists()


def test_another_teams_workflow_run_cannot_change_our_deployment(github, platform_github):
    github.post(
        workflow_run(conclusion="success", updated_at=ago(minutes=9), committed_at=ago(hours=1)),
        headers=github_headers("workflow_run", "ours"),
    )

    response = platform_github.post(
        workflow_run(conclusion="failure", updated_at=ago(minutes=2), committed_at=ago(minutes=30)),
        headers=github_headers("workflow_run", "theirs"),
    )

    assert response.status_code == 409
    assert response.json() == {"status": "error", "error": ELSEWHERE}
    assert Deployment.objects.get().outcome == Deployment.Outcome.SUCCEEDED
    assert not CommitTime.objects.filter(team=platform_github.endpoint.team).exists()
    assert not Delivery.objects.filter(endpoint=platform_github.endpoint).exists()


def test_our_later_status_still_corrects_our_deployment_after_a_refused_one(
    github, platform_github
):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours-1"),
    )
    platform_github.post(
        deployment_status(state="error", created_at=ago(minutes=5)),
        headers=github_headers("deployment_status", "theirs"),
    )

    github.post(
        deployment_status(state="failure", created_at=ago(minutes=2), status_id=2),
        headers=github_headers("deployment_status", "ours-2"),
    )

    assert Deployment.objects.get().outcome == Deployment.Outcome.FAILED


def test_another_teams_different_deployment_is_recorded_as_theirs(github, platform_github):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours"),
    )

    response = platform_github.post(
        deployment_status(state="success", created_at=ago(minutes=2), deployment_id=7),
        headers=github_headers("deployment_status", "theirs"),
    )

    assert response.status_code == 200
    assert sorted(d.service.slug for d in Deployment.objects.all()) == ["checkout", "search"]


def test_assigning_from_the_inbox_cannot_change_our_deployment_either(
    github, platform, bob, bob_client, search
):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours"),
    )
    endpoint, secret = services.endpoint_create(team=platform, kind="github", name="GH", by=bob)
    theirs = Hook(endpoint, secret, Client())
    theirs.post(
        deployment_status(state="failure", created_at=ago(minutes=2)),
        headers=github_headers("deployment_status", "theirs"),
    )
    platform.admins.add(bob)
    waiting = Delivery.objects.get(endpoint=endpoint)

    alone = bob_client.post(
        f"/teams/platform/webhooks/inbox/{waiting.pk}/assign/", {"service": search.pk}, headers=HTMX
    )
    remembered = bob_client.post(
        f"/teams/platform/webhooks/inbox/{waiting.pk}/assign/",
        {"service": search.pk, "remember": "on"},
        headers=HTMX,
    )

    assert alone.status_code == 422
    assert ELSEWHERE in alone.content.decode()
    assert remembered.status_code == 200
    assert "0 deliveries sent to Search. 1 could not be applied" in remembered.content.decode()
    assert ELSEWHERE in remembered.content.decode()
    assert Deployment.objects.get().outcome == Deployment.Outcome.SUCCEEDED
    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.UNROUTED
    assert Route.objects.filter(endpoint=endpoint, match_value="acme/checkout").exists()


def _generic_deployment(**fields) -> dict:
    return {
        "id": "deploy-event-1",
        "type": "deployment",
        "key": "release-7",
        "version": "v7",
        "occurred_at": iso(ago(minutes=5)),
        **fields,
    }


def test_two_teams_generic_deployments_with_one_key_stay_apart(generic, platform_generic):
    generic.post(_generic_deployment(service="checkout"))

    response = platform_generic.post(_generic_deployment(service="search", outcome="failed"))

    assert response.status_code == 200
    assert {(d.service.slug, d.outcome) for d in Deployment.objects.all()} == {
        ("checkout", "succeeded"),
        ("search", "failed"),
    }


def test_an_endpoint_moved_to_another_team_cannot_change_what_it_recorded(
    generic, platform, search
):
    generic.post(_generic_deployment(service="checkout"))
    # Staff move the endpoint to Platform in the admin; its deployments stay Payments'.
    generic.endpoint.team = platform
    generic.endpoint.save()

    response = generic.post(
        _generic_deployment(id="deploy-event-2", service="search", outcome="rolled_back")
    )

    assert response.status_code == 409
    assert response.json() == {"status": "error", "error": ELSEWHERE}
    deployment = Deployment.objects.get()
    assert (deployment.service.slug, deployment.outcome) == ("checkout", "succeeded")
    assert not Delivery.objects.filter(delivery_id="deploy-event-2").exists()
