"""PagerDuty V3 webhooks: triggered, acknowledged and resolved, in any order and any number of
times, make one incident with PagerDuty's times."""

from datetime import timedelta

import pytest

from incidents.models import Incident, Severity, TimelineEvent
from webhooks.models import Delivery

from .conftest import ago
from .formats import pagerduty_event


def test_triggered_opens_an_incident_for_the_routed_service(pagerduty, checkout):
    created = ago(minutes=30)

    response = pagerduty.post(
        pagerduty_event("incident.triggered", occurred_at=created, created_at=created)
    )

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert response.json()["incident"] == incident.reference
    assert incident.title == "The server is on fire."
    assert list(incident.services.all()) == [checkout]
    assert incident.started_at == created
    assert incident.severity == Severity.SEV2
    assert incident.reporter is None


@pytest.mark.parametrize(
    ("priority", "urgency", "severity"),
    [("P1", "high", Severity.SEV1), ("P3", "high", Severity.SEV3), (None, "low", Severity.SEV3)],
)
def test_priority_then_urgency_set_the_severity(pagerduty, priority, urgency, severity):
    pagerduty.post(
        pagerduty_event(
            "incident.triggered", occurred_at=ago(minutes=3), priority=priority, urgency=urgency
        )
    )

    assert Incident.objects.get().severity == severity


def test_the_lifecycle_sets_acknowledged_and_restored_at_pagerdutys_times(pagerduty):
    created = ago(minutes=45)
    acknowledged = created + timedelta(minutes=4)
    resolved = created + timedelta(minutes=40)
    pagerduty.post(pagerduty_event("incident.triggered", occurred_at=created, event_id="e1"))

    pagerduty.post(
        pagerduty_event("incident.acknowledged", occurred_at=acknowledged, event_id="e2")
    )
    pagerduty.post(pagerduty_event("incident.resolved", occurred_at=resolved, event_id="e3"))

    incident = Incident.objects.get()
    assert incident.acknowledged_at == acknowledged
    assert incident.restored_at == resolved
    assert incident.time_to_acknowledge == timedelta(minutes=4)
    assert incident.time_to_restore == timedelta(minutes=40)
    assert incident.events.get(kind=TimelineEvent.Kind.ACKNOWLEDGED).body == (
        "Acknowledged in PagerDuty."
    )
    assert incident.events.get(kind=TimelineEvent.Kind.RESTORED).body == "Resolved in PagerDuty."


def test_a_redelivered_event_answers_duplicate(pagerduty):
    event = pagerduty_event("incident.triggered", occurred_at=ago(minutes=5))
    pagerduty.post(event)

    again = pagerduty.post(event)

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery": "01DEN5B1QXFJJ8XQ43XNRK2JYD"}
    assert Incident.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_resolved_before_triggered_makes_one_incident_with_the_right_times(pagerduty):
    created = ago(minutes=60)
    resolved = ago(minutes=10)
    pagerduty.post(pagerduty_event("incident.resolved", occurred_at=resolved, event_id="e2"))
    incident = Incident.objects.get()
    assert incident.restored_at == resolved

    pagerduty.post(
        pagerduty_event(
            "incident.triggered", occurred_at=created, event_id="e1", created_at=created
        )
    )

    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert incident.started_at == created
    assert incident.detected_at == created
    assert incident.restored_at == resolved
    assert incident.time_to_restore == timedelta(minutes=50)


def test_acknowledged_twice_keeps_the_first_time(pagerduty):
    created = ago(minutes=20)
    pagerduty.post(pagerduty_event("incident.triggered", occurred_at=created, event_id="e1"))
    first = created + timedelta(minutes=1)
    pagerduty.post(pagerduty_event("incident.acknowledged", occurred_at=first, event_id="e2"))

    pagerduty.post(
        pagerduty_event(
            "incident.acknowledged", occurred_at=created + timedelta(minutes=9), event_id="e3"
        )
    )

    incident = Incident.objects.get()
    assert incident.acknowledged_at == first
    assert incident.events.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).count() == 1


def test_two_pagerduty_incidents_are_two_debrief_incidents(pagerduty):
    pagerduty.post(
        pagerduty_event("incident.triggered", occurred_at=ago(minutes=9), incident_id="PA")
    )
    pagerduty.post(
        pagerduty_event(
            "incident.triggered", occurred_at=ago(minutes=8), incident_id="PB", event_id="e2"
        )
    )

    assert Incident.objects.count() == 2


@pytest.mark.parametrize("event_type", ["pagey.ping", "incident.annotated", "incident.escalated"])
def test_events_debrief_does_not_use_are_logged_and_answered(pagerduty, event_type):
    response = pagerduty.post(pagerduty_event(event_type, occurred_at=ago(minutes=1)))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert not Incident.objects.exists()
    assert Delivery.objects.get().status == Delivery.Status.IGNORED


def test_an_event_without_occurred_at_is_refused(pagerduty):
    event = pagerduty_event("incident.triggered", occurred_at=ago(minutes=1))
    del event["event"]["occurred_at"]

    response = pagerduty.post(event)

    assert response.status_code == 422
    assert response.json()["error"] == "event.occurred_at is missing."
    assert not Delivery.objects.exists()


def test_the_incident_page_shows_what_pagerduty_recorded(pagerduty, alice_client):
    created = ago(minutes=30)
    pagerduty.post(pagerduty_event("incident.triggered", occurred_at=created, event_id="e1"))
    pagerduty.post(
        pagerduty_event(
            "incident.acknowledged", occurred_at=created + timedelta(minutes=2), event_id="e2"
        )
    )
    incident = Incident.objects.get()

    page = alice_client.get(incident.get_absolute_url()).content.decode()

    assert "The server is on fire." in page
    assert "Acknowledged in PagerDuty." in page
    assert "Time to acknowledge" in page
