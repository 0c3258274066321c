"""The generic JSON format: incidents by key and deployments, routed by the service field."""

from datetime import timedelta

import pytest

from incidents.models import Deployment, Incident, Severity
from webhooks.models import Delivery

from .conftest import ago, iso


def event(**fields) -> dict:
    return {"id": "evt-1", "type": "incident.triggered", "service": "checkout", **fields}


def test_a_triggered_event_opens_an_incident_on_the_named_service(generic, checkout):
    at = ago(minutes=15)

    response = generic.post(
        event(key="db-latency", title="Checkout is slow", severity="SEV2", occurred_at=iso(at))
    )

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.started_at) == (
        "Checkout is slow",
        Severity.SEV2,
        at,
    )
    assert list(incident.services.all()) == [checkout]


def test_the_events_of_one_key_make_one_incident_in_any_order(generic):
    start = ago(minutes=30)
    generic.post(
        event(
            id="3",
            type="incident.resolved",
            key="k",
            occurred_at=iso(start + timedelta(minutes=20)),
        )
    )
    generic.post(
        event(
            id="2",
            type="incident.acknowledged",
            key="k",
            occurred_at=iso(start + timedelta(minutes=5)),
        )
    )
    generic.post(event(id="1", key="k", title="Queue backlog", occurred_at=iso(start)))

    incident = Incident.objects.get()
    assert incident.started_at == start
    assert incident.acknowledged_at == start + timedelta(minutes=5)
    assert incident.restored_at == start + timedelta(minutes=20)


def test_the_same_id_twice_is_a_duplicate(generic):
    payload = event(key="k", occurred_at=iso(ago(minutes=2)))
    generic.post(payload)

    assert generic.post(payload).json() == {"status": "duplicate", "delivery": "evt-1"}
    assert Incident.objects.count() == 1


def test_a_deployment_event_records_a_deployment(generic, checkout):
    committed, deployed = ago(hours=2), ago(minutes=1)

    generic.post(
        event(
            type="deployment",
            version="v1.4.2",
            outcome="succeeded",
            environment="staging",
            first_commit_at=iso(committed),
            occurred_at=iso(deployed),
        )
    )

    deployment = Deployment.objects.get()
    assert (deployment.service, deployment.version, deployment.environment) == (
        checkout,
        "v1.4.2",
        "staging",
    )
    assert deployment.lead_time == deployed - committed


def test_a_deployment_key_lets_a_later_event_correct_the_outcome(generic):
    generic.post(event(type="deployment", key="d-9", version="v2", occurred_at=iso(ago(minutes=9))))

    generic.post(
        event(
            id="evt-2",
            type="deployment",
            key="d-9",
            version="v2",
            outcome="rolled_back",
            occurred_at=iso(ago(minutes=3)),
        )
    )

    assert Deployment.objects.get().outcome == Deployment.Outcome.ROLLED_BACK


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "incident.exploded"}, "type must be one of incident.triggered"),
        ({"severity": 9}, "severity must be 1 to 4 or SEV1 to SEV4."),
        ({"occurred_at": "yesterday"}, "occurred_at must be an ISO 8601 time"),
        ({"occurred_at": "2026-01-05T10:00:00"}, "occurred_at must include a time zone offset."),
        ({"key": ["a"]}, "key must be a string."),
        ({"type": "deployment", "outcome": "meh"}, "outcome must be one of succeeded"),
    ],
)
def test_wrong_fields_are_named(generic, fields, message):
    payload = {**event(key="k", version="v1", occurred_at=iso(ago(minutes=1))), **fields}

    response = generic.post(payload)

    assert response.status_code == 422
    assert message in response.json()["error"]
    assert not Delivery.objects.exists()


def test_a_bearer_token_is_accepted_instead_of_a_signature(generic):
    response = generic.post(
        event(key="k", occurred_at=iso(ago(minutes=1))),
        signed=False,
        headers={"Authorization": f"Bearer {generic.secret}"},
    )

    assert response.status_code == 200
    assert Incident.objects.count() == 1
