"""Deployments through the API: recorded with their commits, once per external id however
often the same event is sent, and listed for the token's team."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Deployment, DeploymentCommit

from .conftest import fields_named


def _ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).replace(microsecond=0).isoformat()


@pytest.fixture
def release():
    return {
        "service": "checkout",
        "version": "v42",
        "environment": "production",
        "deployed_at": _ago(minutes=10),
        "outcome": "succeeded",
        "commits": [
            {"sha": "a1b2c3d4", "committed_at": _ago(hours=3)},
            {"sha": "e5f6a7b8", "committed_at": _ago(hours=1)},
        ],
        "external_id": "github-run-1001",
    }


def test_recording_a_deployment(payments_api, checkout, release):
    response = payments_api.post("/api/deployments", release)

    assert response.status_code == 201, response.content
    deployment = Deployment.objects.get()
    body = response.json()
    assert body["id"] == deployment.pk
    assert (deployment.service, deployment.version, deployment.external_id) == (
        checkout,
        "v42",
        "github-run-1001",
    )
    assert deployment.source == "api"
    assert deployment.recorded_by.get_full_name() == "API token 'pagerduty-bridge'"
    assert [c["sha"] for c in body["commits"]] == ["a1b2c3d4", "e5f6a7b8"]
    # Lead time runs from the earliest commit.
    assert body["lead_time_seconds"] == pytest.approx(3 * 3600 - 600, abs=1)


def test_sending_the_same_deployment_again_returns_the_first(payments_api, checkout, release):
    first = payments_api.post("/api/deployments", release)
    again = payments_api.post("/api/deployments", {**release, "version": "v42-retry"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Deployment.objects.count() == 1
    assert DeploymentCommit.objects.count() == 2


def test_without_an_external_id_each_request_is_a_deployment(payments_api, checkout, release):
    release.pop("external_id")
    for _ in range(2):
        assert payments_api.post("/api/deployments", release).status_code == 201
    assert Deployment.objects.count() == 2


TAKEN = {"detail": "This external id is already used; choose another."}


def test_an_external_id_another_team_used_is_a_conflict_that_names_no_team(
    payments_api, platform_api, checkout, search, release
):
    platform_api.post("/api/deployments", {**release, "service": "search"})

    response = payments_api.post("/api/deployments", release)

    assert response.status_code == 409
    # Nothing about Platform's deployment: not its team, service, id or version.
    assert response.json() == TAKEN
    assert Deployment.objects.get().service == search


def test_another_team_cannot_change_or_read_our_deployment_by_its_external_id(
    payments_api, platform_api, checkout, search, release
):
    ours = payments_api.post("/api/deployments", release).json()

    response = platform_api.post(
        "/api/deployments",
        {**release, "service": "search", "version": "v666", "outcome": "failed", "commits": []},
    )

    assert response.status_code == 409
    assert response.json() == TAKEN
    assert payments_api.get("/api/deployments").json()["items"] == [ours]
    assert platform_api.get("/api/deployments").json()["items"] == []
    deployment = Deployment.objects.get()
    assert (deployment.version, deployment.outcome) == ("v42", "succeeded")
    assert DeploymentCommit.objects.count() == 2


def test_after_a_conflict_another_external_id_is_recorded(
    payments_api, platform_api, checkout, search, release
):
    platform_api.post("/api/deployments", {**release, "service": "search"})
    payments_api.post("/api/deployments", release)

    response = payments_api.post("/api/deployments", {**release, "external_id": "payments-1001"})

    assert response.status_code == 201
    assert response.json()["service"] == "checkout"


def test_a_minimal_deployment_is_now_in_production(payments_api, checkout):
    response = payments_api.post("/api/deployments", {"service": "checkout", "version": "v1"})

    assert response.status_code == 201
    deployment = Deployment.objects.get()
    assert (deployment.environment, deployment.outcome) == ("production", "succeeded")
    assert timezone.now() - deployment.deployed_at < timedelta(seconds=10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service": "nowhere"}, "service"),
        ({"service": "Not a slug!"}, "service"),
        ({"version": " "}, "version"),
        ({"outcome": "exploded"}, "outcome"),
        ({"deployed_at": _ago(days=-1)}, "deployed_at"),
        ({"deployed_at": "1999-01-01T00:00:00Z"}, "deployed_at"),
        ({"commits": [{"sha": "not hex!"}]}, "sha"),
        ({"commits": [{"sha": "abcdef12", "committed_at": _ago(minutes=-60)}]}, "commits"),
        ({"commits": "a1b2c3"}, "commits"),
    ],
)
def test_a_refused_deployment_names_the_field(payments_api, checkout, release, changes, field):
    response = payments_api.post("/api/deployments", {**release, **changes})

    assert field in fields_named(response)
    assert not Deployment.objects.exists()


def test_listing_deployments_newest_first_with_filters(payments_api, checkout, payments):
    for number, environment in enumerate(["staging", "production", "production"]):
        payments_api.post(
            "/api/deployments",
            {
                "service": "checkout",
                "version": f"v{number}",
                "environment": environment,
                "deployed_at": _ago(hours=5 - number),
            },
        )

    def versions(**params):
        response = payments_api.get("/api/deployments", params)
        assert response.status_code == 200, response.content
        return [item["version"] for item in response.json()["items"]]

    assert versions() == ["v2", "v1", "v0"]
    assert versions(environment="staging") == ["v0"]
    assert versions(service="checkout", page_size=1, page=2) == ["v1"]


@pytest.mark.parametrize("count", [2, 20])
def test_listing_costs_the_same_queries_for_few_or_many(
    payments_api, checkout, release, django_assert_max_num_queries, count
):
    for number in range(count):
        payments_api.post("/api/deployments", {**release, "external_id": f"run-{number}"})
    with django_assert_max_num_queries(4):
        response = payments_api.get("/api/deployments", {"page_size": 100})
    assert len(response.json()["items"]) == count
    assert all(len(item["commits"]) == 2 for item in response.json()["items"])
