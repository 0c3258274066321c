"""Who the audit trail names: the person signed in, the API token, the webhook that sent the
change, or Debrief itself for tasks and commands. The name stays when the account goes."""

import hashlib
import hmac
import json
from datetime import timedelta

from celery import shared_task
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from audit.context import acting_as
from audit.models import AuditEntry
from incidents import services as incident_services
from incidents.models import Incident
from integrations.tokens import token_create
from webhooks import services as webhook_services

from .conftest import last_about


def test_a_page_records_the_signed_in_user(alice, alice_client, checkout):
    alice_client.post(
        "/incidents/declare/",
        {"title": "Card payments failing", "severity": 2, "services": [checkout.pk]},
    )

    entry = last_about(Incident.objects.get(), AuditEntry.Action.CREATED)
    assert (entry.actor, entry.actor_label) == (alice, "alice")


def test_the_api_records_the_token(alice_admin, payments, checkout):
    created = token_create(team=payments, name="pagerduty-bridge", by=alice_admin)
    response = Client().post(
        "/api/incidents",
        json.dumps({"title": "Card payments failing", "severity": 2, "services": ["checkout"]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {created.secret}"},
    )
    assert response.status_code == 201

    entry = last_about(Incident.objects.get(), AuditEntry.Action.CREATED)
    assert entry.actor_label == "API token 'pagerduty-bridge'"
    assert entry.actor == created.token.actor


def test_a_webhook_records_its_sender(alice_admin, payments, checkout):
    endpoint, secret = webhook_services.endpoint_create(
        team=payments, kind="generic", name="Our generic", by=alice_admin
    )
    body = json.dumps(
        {
            "id": "evt-1",
            "type": "incident.triggered",
            "service": "checkout",
            "key": "db-latency",
            "title": "Checkout is slow",
            "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = Client().post(
        endpoint.path,
        data=body,
        content_type="application/json",
        headers={"X-Debrief-Signature": f"sha256={signature}"},
    )
    assert response.status_code == 200, response.content

    entry = last_about(Incident.objects.get(), AuditEntry.Action.CREATED)
    assert entry.actor is None
    assert entry.actor_label == "webhook generic 'Our generic'"


@shared_task
def rename_incident(pk: int, title: str) -> None:
    incident = Incident.objects.get(pk=pk)
    incident.title = title
    incident.save(update_fields=["title"])


def test_a_task_records_debrief_even_when_run_during_a_request(alice, checkout):
    incident = incident_services.incident_declare(
        title="Queue backlog", severity=3, services=[checkout], reporter=alice
    )
    with acting_as(alice):
        rename_incident.delay(incident.pk, "Queue backlog on checkout")
        note = incident_services.incident_add_note(incident=incident, body="Looking", by=alice)

    renamed = last_about(incident, AuditEntry.Action.CHANGED)
    assert (renamed.actor, renamed.actor_label) == (None, "Debrief")
    # Once the task is over, the request's actor is back.
    assert last_about(note).actor_label == "alice"


def test_outside_any_request_debrief_acts(alice, checkout):
    incident = incident_services.incident_declare(
        title="Queue backlog", severity=3, services=[checkout], reporter=alice
    )
    assert last_about(incident, AuditEntry.Action.CREATED).actor_label == "Debrief"


def test_the_actor_label_stays_when_the_account_is_deleted(checkout):
    frank = User.objects.create_user("frank")
    with acting_as(frank):
        incident = incident_services.incident_declare(
            title="Queue backlog", severity=3, services=[checkout], reporter=None
        )
    frank.delete()

    entry = last_about(incident, AuditEntry.Action.CREATED)
    assert (entry.actor, entry.actor_label) == (None, "frank")
