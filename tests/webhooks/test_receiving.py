"""What every endpoint checks before it writes anything: the address, the method, the size,
the sender's proof of the secret, and that the body is JSON."""

import json

import pytest
from django.test import Client

from incidents.models import Incident
from tests.debrief.processes import settings_values
from webhooks import services
from webhooks.models import Delivery

from .conftest import ago, sign
from .formats import alert, alert_group, pagerduty_event


def test_an_unknown_endpoint_is_404(alertmanager):
    response = Client().post(
        "/hooks/alertmanager/not-a-token/", data="{}", content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json() == {"status": "error", "error": "No webhook endpoint at this address."}


def test_the_kind_is_part_of_the_address(alertmanager):
    token = alertmanager.endpoint.token

    response = Client().post(f"/hooks/github/{token}/", data="{}", content_type="application/json")

    assert response.status_code == 404


def test_get_is_refused_without_a_login_redirect(alertmanager):
    response = Client().get(alertmanager.url)

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_no_session_or_csrf_token_is_needed(pagerduty):
    client = Client(enforce_csrf_checks=True)
    pagerduty.client = client

    response = pagerduty.post(pagerduty_event("incident.triggered", occurred_at=ago(minutes=1)))

    assert response.status_code == 200


def test_a_wrong_bearer_token_is_401(alertmanager):
    response = alertmanager.post(
        alert_group(alert(starts_at=ago(minutes=1))), headers={"Authorization": "Bearer guess"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "The bearer token is not this endpoint's secret."
    assert not Delivery.objects.exists()


def test_a_missing_bearer_token_is_401(alertmanager):
    response = alertmanager.post(alert_group(alert(starts_at=ago(minutes=1))), signed=False)

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"]


def test_the_alertmanager_secret_is_kept_only_as_a_digest(alertmanager):
    alertmanager.endpoint.refresh_from_db()

    assert alertmanager.endpoint.secret == ""
    assert alertmanager.secret not in alertmanager.endpoint.secret_digest


def test_a_pagerduty_signature_of_another_body_is_401(pagerduty):
    response = pagerduty.post(
        pagerduty_event("incident.triggered", occurred_at=ago(minutes=1)),
        headers={"X-PagerDuty-Signature": f"v1={sign(pagerduty.secret, b'other')}"},
    )

    assert response.status_code == 401
    assert "X-PagerDuty-Signature does not match" in response.json()["error"]
    assert not Incident.objects.exists()


def test_any_of_several_pagerduty_signatures_may_match(pagerduty):
    body = json.dumps(pagerduty_event("incident.triggered", occurred_at=ago(minutes=1))).encode()
    # While a secret is rotated, PagerDuty signs with the old and the new one.
    header = f"v1={sign('old-secret', body)},v1={sign(pagerduty.secret, body)}"

    response = pagerduty.post(None, raw=body, headers={"X-PagerDuty-Signature": header})

    assert response.status_code == 200


def test_a_github_delivery_without_a_signature_is_401(github):
    response = github.post({"zen": "Keep it logically awesome."}, signed=False)

    assert response.status_code == 401
    assert response.json()["error"] == "X-Hub-Signature-256 (sha256=<signature>) is missing."


def test_a_generic_delivery_with_neither_signature_nor_token_is_401(generic):
    response = generic.post({"id": "1"}, signed=False)

    assert response.status_code == 401


def test_a_rotated_secret_stops_the_old_one(pagerduty):
    old = pagerduty.secret
    pagerduty.secret = services.endpoint_rotate_secret(endpoint=pagerduty.endpoint)
    body = json.dumps(pagerduty_event("incident.triggered", occurred_at=ago(minutes=1))).encode()

    refused = pagerduty.post(
        None, raw=body, headers={"X-PagerDuty-Signature": f"v1={sign(old, body)}"}
    )
    accepted = pagerduty.post(None, raw=body)

    assert (refused.status_code, accepted.status_code) == (401, 200)


def test_a_body_over_the_limit_is_413_before_it_is_read(pagerduty, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 2000
    payload = pagerduty_event("incident.triggered", occurred_at=ago(minutes=1), title="x" * 3000)

    response = pagerduty.post(payload)

    assert response.status_code == 413
    assert response.json()["error"] == "The body is larger than 2000 bytes."
    assert not Delivery.objects.exists()


def test_a_body_at_the_limit_is_accepted(pagerduty, settings):
    body = json.dumps(pagerduty_event("incident.triggered", occurred_at=ago(minutes=1))).encode()
    settings.WEBHOOK_MAX_BODY_BYTES = len(body)

    assert pagerduty.post(None, raw=body).status_code == 200


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b'{"event": ', 400, "The body is not valid JSON"),
        (b"\xff\xfe{}", 400, "The body is not UTF-8 text."),
        (b"[1, 2]", 422, "The body must be a JSON object."),
        (b'{"event": []}', 422, "event must be an object."),
        (b'{"event": {"id": 7}}', 422, "event.event_type is missing."),
        (b"[" * 100_000 + b"]" * 100_000, 400, "The body is not valid JSON"),
    ],
)
def test_malformed_bodies_are_refused_with_what_is_wrong(pagerduty, raw, status, message):
    response = pagerduty.post(None, raw=raw)

    assert response.status_code == status
    assert message in response.json()["error"]
    assert not Delivery.objects.exists()


def test_a_nul_character_is_refused_rather_than_stored(pagerduty):
    payload = pagerduty_event("incident.triggered", occurred_at=ago(minutes=1), title="on\x00fire")

    response = pagerduty.post(payload)

    assert response.status_code == 422
    assert "NUL" in response.json()["error"]


def test_the_body_limit_is_set_by_the_environment():
    assert settings_values("WEBHOOK_MAX_BODY_BYTES") == {"WEBHOOK_MAX_BODY_BYTES": 1048576}
    assert settings_values("WEBHOOK_MAX_BODY_BYTES", WEBHOOK_MAX_BODY_BYTES="4096") == {
        "WEBHOOK_MAX_BODY_BYTES": 4096
    }
