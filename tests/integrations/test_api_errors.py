"""Whatever goes wrong, the API answers JSON with a 4xx status and says what was wrong; its
schema and docs are served by Debrief itself."""

import json

import pytest

from incidents.models import Incident
from tests.assets import loaded_from_elsewhere


def test_malformed_json_is_a_bad_request(payments_api, checkout):
    response = payments_api.post("/api/incidents", '{"title": "Down", ')

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert not Incident.objects.exists()


@pytest.mark.parametrize("body", ["[]", '"Down"', "42", "null"])
def test_a_body_that_is_not_an_object_is_refused(payments_api, checkout, body):
    response = payments_api.post("/api/incidents", body)

    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert not Incident.objects.exists()


def test_an_oversized_body_is_refused_with_413(payments_api, checkout, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = {"title": "Down", "severity": 2, "services": ["checkout"], "summary": "x" * 2_000}

    response = payments_api.post("/api/incidents", body)

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert not Incident.objects.exists()


def test_an_unknown_field_type_is_named(payments_api, checkout):
    response = payments_api.post(
        "/api/incidents", {"title": ["Down"], "severity": 2, "services": "checkout"}
    )

    assert response.status_code == 422
    located = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert {("body", "title"), ("body", "services")} <= located


def test_an_unsupported_method_is_refused(payments_api, checkout):
    response = payments_api.client.delete("/api/incidents", headers=payments_api.headers)

    assert response.status_code == 405
    assert response.json()["detail"].startswith("DELETE is not allowed here; use ")
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_the_openapi_schema_describes_every_endpoint(client, db):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Debrief API"
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/incidents"])
    assert {"get", "patch"} <= set(paths["/api/incidents/{incident_id}"])
    assert "post" in paths["/api/incidents/{incident_id}/events"]
    assert {"get", "post"} <= set(paths["/api/deployments"])
    assert "get" in paths["/api/metrics/four-keys"]
    schemes = schema["components"]["securitySchemes"]
    assert [scheme["scheme"] for scheme in schemes.values()] == ["bearer"]


def test_the_docs_load_their_assets_from_debrief(client, db):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in response.text
    assert loaded_from_elsewhere(response.text) == []


def test_the_schema_is_valid_json_without_signing_in(client, db):
    # Programs read it without a session: no redirect to the sign-in page.
    response = client.get("/api/openapi.json", follow=False)
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_text_no_database_can_store_is_refused(payments_api, checkout):
    # Half of a UTF-16 surrogate pair is valid JSON but not text any database stores.
    body = '{"title": "Down \\ud800", "severity": 2, "services": ["checkout"]}'

    response = payments_api.post("/api/incidents", body)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "title"]]
    assert not Incident.objects.exists()


def test_any_iso_offset_is_understood(payments_api, checkout):
    # Offsets beyond ±15:59 are valid ISO 8601, which PostgreSQL would refuse to store as such.
    response = payments_api.get("/api/incidents", {"updated_since": "2026-01-01T00:00:00-16:16"})
    assert response.status_code == 200

    response = payments_api.post(
        "/api/deployments",
        {"service": "checkout", "version": "v1", "deployed_at": "2026-01-01T12:00:00+23:30"},
    )
    assert response.status_code == 201
    assert response.json()["deployed_at"] == "2025-12-31T12:30:00Z"
