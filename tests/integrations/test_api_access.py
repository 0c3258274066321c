"""Who may use the API: a live token of a team, acting on that team's incidents and services
only. Every refusal is JSON; signing in to the site is neither needed nor enough."""

import pytest

from incidents import services
from incidents.models import Deployment, Incident
from integrations.tokens import token_revoke

from .conftest import ApiClient

ENDPOINTS = [
    ("get", "/api/incidents", None),
    ("post", "/api/incidents", {"title": "Down", "severity": 2, "services": ["checkout"]}),
    ("get", "/api/incidents/1", None),
    ("patch", "/api/incidents/1", {"severity": 1}),
    ("post", "/api/incidents/1/events", {"body": "Rolled back"}),
    ("get", "/api/deployments", None),
    ("post", "/api/deployments", {"service": "checkout", "version": "v2"}),
    ("get", "/api/metrics/four-keys", None),
]


def _call(api: ApiClient, method: str, path: str, body):
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_needs_a_token(db, checkout, method, path, body):
    response = _call(ApiClient(None), method, path, body)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "Send a team's API token in the Authorization header: Bearer <token>."
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Incident.objects.exists() and not Deployment.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_unknown_token_is_refused(db, checkout, method, path, body):
    response = _call(ApiClient("dbr_not-a-real-token"), method, path, body)

    assert response.status_code == 401
    assert response.json() == {"detail": "This API token is not valid."}


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_revoked_token_is_refused(payments_token, checkout, method, path, body):
    token_revoke(token=payments_token.token, by=None)

    response = _call(ApiClient(payments_token.secret), method, path, body)

    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has been revoked."}
    assert not Incident.objects.exists() and not Deployment.objects.exists()


def test_another_scheme_or_an_empty_token_is_refused(payments_token, checkout):
    api = ApiClient(None)
    for header in ("Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer ", payments_token.secret):
        response = api.client.get("/api/incidents", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_signed_in_session_is_not_a_token(alice_client, alice):
    response = alice_client.get("/api/incidents")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_no_csrf_token_is_needed(payments_token, checkout):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/incidents",
        {"title": "Down", "severity": 2, "services": ["checkout"]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {payments_token.secret}"},
    )
    assert response.status_code == 201


@pytest.fixture
def search_incident(bob, search):
    return services.incident_declare(
        title="Search is slow", severity=3, services=[search], reporter=bob
    )


def test_another_teams_incident_is_forbidden(payments_api, search_incident):
    path = f"/api/incidents/{search_incident.pk}"
    before = search_incident.events.count()

    for response in (
        payments_api.get(path),
        payments_api.patch(path, {"severity": 1, "title": "Mine now"}),
        payments_api.post(f"{path}/events", {"body": "Looking"}),
    ):
        assert response.status_code == 403
        assert response.json() == {
            "detail": f"{search_incident.reference} belongs to another team; "
            "this token acts for Payments."
        }
    search_incident.refresh_from_db()
    assert (search_incident.severity, search_incident.title) == (3, "Search is slow")
    assert search_incident.events.count() == before


def test_another_teams_incidents_are_not_listed(payments_api, search_incident, checkout):
    payments_api.post("/api/incidents", {"title": "Down", "severity": 2, "services": ["checkout"]})

    listed = payments_api.get("/api/incidents").json()

    assert [item["title"] for item in listed["items"]] == ["Down"]


def test_another_teams_service_is_forbidden(payments_api, search, checkout):
    declared = payments_api.post(
        "/api/incidents", {"title": "Down", "severity": 2, "services": ["checkout", "search"]}
    )
    deployed = payments_api.post("/api/deployments", {"service": "search", "version": "v2"})

    for response in (declared, deployed):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "The service search belongs to another team; this token acts for Payments."
        }
    assert not Incident.objects.exists() and not Deployment.objects.exists()


def test_moving_an_incident_to_another_teams_service_is_forbidden(payments_api, search, checkout):
    created = payments_api.post(
        "/api/incidents", {"title": "Down", "severity": 2, "services": ["checkout"]}
    ).json()

    response = payments_api.patch(f"/api/incidents/{created['id']}", {"services": ["search"]})

    assert response.status_code == 403
    assert Incident.objects.get().services.get().slug == "checkout"


def test_another_teams_deployments_are_not_listed(payments_api, platform_api, search, checkout):
    platform_api.post("/api/deployments", {"service": "search", "version": "s1"})
    payments_api.post("/api/deployments", {"service": "checkout", "version": "c1"})

    assert [d["version"] for d in payments_api.get("/api/deployments").json()["items"]] == ["c1"]
    assert [d["version"] for d in platform_api.get("/api/deployments").json()["items"]] == ["s1"]
