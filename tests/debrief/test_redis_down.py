"""With Redis down, Debrief keeps serving: declaring an incident, on its page or through the
API, still succeeds and shows the incident; the work it queues is done later (a chat
notification by the outbound sweep once the broker is back) or at once in the web process
(email). Redis here is a port nothing listens on, so these tests need no service."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from culture.models import Invitation
from debrief.celery import app
from debrief.tasks import broker_forget_failure
from incidents.models import Incident
from integrations.tokens import token_create
from outbound.models import Delivery
from outbound.tasks import resend_stuck_deliveries
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows
from tests.outbound.conftest import make_destination
from tests.outbound.receiver import Receiver
from tests.postmortems.test_publish import write_everything

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """Redis configured, as in production, for the broker and the cache, and not answering.
    Celery's app read its configuration at startup, so it is changed there too."""
    settings.REDIS_URL = UNREACHABLE_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "debrief.cache.TolerantRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _forget_connections()
    app.conf.update(broker_url=UNREACHABLE_REDIS, task_always_eager=False)
    broker_forget_failure()
    yield
    app.conf.update(previous)
    _forget_connections()
    broker_forget_failure()


def _forget_connections() -> None:
    """Pools made for one broker keep reaching it after the configuration changes: Celery's
    connection pool (closed by app.close) and the producer pool built on it, which app.close
    leaves, so an earlier test's pool could still publish to a broker that answers."""
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def chat(payments, receiver):
    return make_destination(payments, receiver.url)


def test_declaring_an_incident_on_its_page_succeeds_and_notifies_later(
    transactional_db, redis_down, alice_client, checkout, chat, receiver
):
    response = alice_client.post(
        "/incidents/declare/",
        {"title": "Checkout down", "severity": "1", "services": [checkout.pk]},
        follow=True,
    )

    incident = Incident.objects.get()
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/incidents/{incident.pk}/", 302)]
    assert "Checkout down" in response.text
    delivery = Delivery.objects.get(destination=chat)
    assert delivery.state == Delivery.State.PENDING
    assert receiver.requests == []

    # The broker is back; the quarter-hourly sweep finds the delivery no task came for.
    app.conf.update(task_always_eager=True)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert resend_stuck_deliveries() == 1

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED
    [notification] = receiver.requests
    assert "Checkout down" in notification.body.decode()


def test_declaring_an_incident_through_the_api_succeeds(
    transactional_db, redis_down, client, alice_admin, payments, checkout, chat
):
    token = token_create(team=payments, name="pager bridge", by=alice_admin)

    response = client.post(
        "/api/incidents",
        {"title": "Ledger lag", "severity": 2, "services": ["checkout"]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token.secret}"},
    )

    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.title == "Ledger lag"
    assert Delivery.objects.get(destination=chat).state == Delivery.State.PENDING


def test_publishing_a_postmortem_emails_and_invites_from_the_web_process(
    db, redis_down, alice_client, alice, bob, checkout, django_capture_on_commit_callbacks
):
    from incidents import services as incident_services

    # The built-in templates are migrations' rows, which an earlier transactional test may
    # have flushed.
    ensure_builtin_rows()
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=incident, body="Paged the processor", by=bob)
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    write_everything(postmortem, alice)

    # The built-in templates are migrations' rows, which a transactional test would flush.
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/postmortems/{postmortem.pk}/publish/", follow=True)

    assert response.status_code == 200
    assert "Published." in response.text
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    invited = Invitation.objects.filter(postmortem=postmortem)
    assert {invitation.user for invitation in invited} == {alice, bob}


def test_pages_and_sign_in_work_with_the_cache_down(transactional_db, redis_down, client, alice):
    signed_in = client.post(
        "/login/", {"username": "alice", "password": "alice-password"}, follow=True
    )

    assert signed_in.status_code == 200
    assert signed_in.wsgi_request.user == alice
    assert client.get("/learning/").status_code == 200
    assert client.get("/incidents/").status_code == 200


def test_sign_in_throttling_goes_on_counting_with_the_cache_down(
    transactional_db, redis_down, client, alice, settings
):
    """Redis down must not mean unlimited password guessing: the process's own memory counts."""
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "alice", "password": "a wrong guess"})
    refused = client.post("/login/", {"username": "alice", "password": "alice-password"})
    assert refused.status_code == 429
