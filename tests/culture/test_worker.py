"""Pulse invitations on a real Celery worker over a real Redis: the same task delivered twice
(a worker that died before acknowledging it, say) invites each person once."""

import pytest
from django.utils import timezone

from incidents import services as incident_services
from postmortems.models import Postmortem, PostmortemTemplate
from tests.debrief.test_celery_worker import REDIS_URL, redis_answers
from tests.followups.test_worker import Worker, run
from tests.services import require

pytestmark = pytest.mark.redis


@pytest.fixture
def broker():
    require(redis_answers(), f"Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def client_app(broker):
    from celery import Celery

    client = Celery("debrief-test-client", broker=broker, backend=broker, set_as_current=False)
    yield client
    client.close()


@pytest.fixture
def worker(broker, tmp_path):
    worker = Worker(broker, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


def test_an_invitation_task_delivered_twice_invites_each_responder_once(
    transactional_db, worker, client_app, alice, bob, checkout
):
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=incident, body="Paged the processor", by=bob)
    # A template of its own: a transactional test cannot count on the migrations' rows.
    template = PostmortemTemplate.objects.create(name="Worker test", slug="worker-test")
    postmortem = Postmortem.objects.create(
        incident=incident,
        template=template,
        title=incident.title,
        created_by=alice,
        status=Postmortem.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=alice,
    )
    queue = worker.start()

    task = "culture.tasks.invite_pulse_responders"
    first = run(client_app, worker, queue, task, postmortem.pk)
    again = run(client_app, worker, queue, task, postmortem.pk)

    assert (first, again) == (2, 0)
