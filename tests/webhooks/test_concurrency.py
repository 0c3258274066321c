"""Tools retry and resend, sometimes at the same moment. On PostgreSQL, where requests really
run side by side (SQLite's writers take turns), several copies of a webhook posted at once
end with one delivery and one incident."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from incidents.models import Incident, TimelineEvent
from webhooks import services
from webhooks.models import Delivery, ExternalIncident

from .conftest import ago, sign
from .formats import pagerduty_event

THREADS = 6


@pytest.fixture
def pagerduty_endpoint(transactional_db, payments, checkout):
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent writers: runs on PostgreSQL (CI's PostgreSQL pass).")
    endpoint, secret = services.endpoint_create(
        team=payments, kind="pagerduty", name="PagerDuty", by=None
    )
    services.route_create(endpoint=endpoint, service=checkout, match_value="PIJ90N7")
    return endpoint, secret


def _post_at_once(endpoint, secret, payloads: list[dict]) -> list[dict]:
    barrier = threading.Barrier(len(payloads))
    answers: list[dict] = []
    failures: list[BaseException] = []

    def post(payload):
        body = json.dumps(payload).encode()
        try:
            barrier.wait()
            response = Client().post(
                endpoint.path,
                data=body,
                content_type="application/json",
                headers={"X-PagerDuty-Signature": f"v1={sign(secret, body)}"},
            )
            answers.append({"status_code": response.status_code, **response.json()})
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return answers


def test_the_same_delivery_posted_at_once_is_applied_once(pagerduty_endpoint):
    endpoint, secret = pagerduty_endpoint
    event = pagerduty_event("incident.triggered", occurred_at=ago(minutes=5))

    answers = _post_at_once(endpoint, secret, [event] * THREADS)

    assert sorted(answer["status"] for answer in answers) == ["duplicate"] * (THREADS - 1) + [
        "processed"
    ]
    assert {answer["status_code"] for answer in answers} == {200}
    assert Delivery.objects.count() == 1
    assert Incident.objects.count() == 1
    assert TimelineEvent.objects.count() == 1


def test_different_events_of_one_incident_at_once_make_one_incident(pagerduty_endpoint):
    endpoint, secret = pagerduty_endpoint
    start = ago(minutes=30)
    events = [
        pagerduty_event(
            "incident.triggered" if number % 2 else "incident.acknowledged",
            occurred_at=start,
            created_at=start,
            event_id=f"event-{number}",
        )
        for number in range(THREADS)
    ]

    answers = _post_at_once(endpoint, secret, events)

    assert [answer["status"] for answer in answers] == ["processed"] * THREADS
    assert Delivery.objects.count() == THREADS
    assert ExternalIncident.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.acknowledged_at == start
    assert incident.events.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).count() == 1
