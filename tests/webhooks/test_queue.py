"""With a Celery broker, as in production, a delivery is answered as soon as it is safely
recorded (202 queued), and a worker applies the queue: each delivery exactly once, refusals
in the endpoint's log rather than in an answer, and what a lost drain left by the sweep.

The worker tests post first and then start a real worker over Redis: on SQLite the worker
reads a copy of the test's database made when it starts (tests/followups/test_worker.py)."""

import contextlib
import json
import sqlite3
import threading
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from debrief.celery import app
from debrief.tasks import broker_forget_failure
from incidents.models import Deployment, Incident
from tests.debrief.test_celery_worker import REDIS_URL, redis_answers
from tests.followups.test_worker import Worker
from tests.services import require
from webhooks import services
from webhooks.adapters import ADAPTERS
from webhooks.models import Delivery
from webhooks.tasks import DRAIN_FLAG, apply_queued_deliveries

from .conftest import ago, iso
from .formats import deployment_status, github_headers
from .test_other_teams_deployments import ELSEWHERE

pytestmark = pytest.mark.redis

# Where Celery sends a task that names no queue: the drains the web process asks for.
DEFAULT_QUEUE = "celery"
SWEEP = django_settings.CELERY_BEAT_SCHEDULE["webhooks-queued-deliveries"]["task"]


def _forget_connections() -> None:
    # As tests/debrief/test_redis_down.py: pools built for another broker would be reused.
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def queued(settings):
    """Production's configuration: a broker, so tasks are not run eagerly, and the cache in
    the same Redis, where the worker clears the drain flag the web process raises."""
    require(redis_answers(), f"Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.delete(DRAIN_FLAG)
    redis.Redis.from_url(REDIS_URL).delete(DEFAULT_QUEUE)
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _forget_connections()
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    broker_forget_failure()
    yield
    app.conf.update(previous)
    _forget_connections()
    broker_forget_failure()
    cache.delete(DRAIN_FLAG)


@pytest.fixture
def worker(tmp_path):
    worker = Worker(REDIS_URL, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def client_app():
    from celery import Celery

    client = Celery(
        "debrief-test-client", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False
    )
    yield client
    client.close()


def rows(worker: Worker, sql: str, *params) -> list[tuple]:
    """What the worker wrote: this test's database on PostgreSQL, on SQLite its copy."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with sqlite3.connect(worker.tmp_path / "worker.sqlite3") as database:
        return database.execute(sql.replace("%s", "?"), params).fetchall()


def deliveries(worker: Worker) -> dict[str, tuple[str, str]]:
    return {
        delivery_id: (status, detail)
        for delivery_id, status, detail in rows(
            worker, "SELECT delivery_id, status, detail FROM webhooks_delivery"
        )
    }


def wait_until_applied(worker: Worker, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    sql = "SELECT count(*) FROM webhooks_delivery WHERE status = %s"
    while rows(worker, sql, Delivery.Status.QUEUED) != [(0,)]:
        if time.monotonic() > deadline:
            pytest.fail(f"The worker left deliveries queued.\n{worker.log.read_text()}")
        time.sleep(0.2)


def generic_event(**fields) -> dict:
    return {"id": "evt-1", "type": "incident.triggered", "service": "checkout", **fields}


def deployment(number: int) -> dict:
    return generic_event(
        id=f"deploy-{number}",
        type="deployment",
        version=f"v{number}",
        occurred_at=iso(ago(minutes=5)),
    )


def test_a_delivery_is_answered_queued_and_a_redelivery_duplicate(
    transactional_db, queued, generic
):
    first = generic.post(deployment(1))
    again = generic.post(deployment(1))

    assert (first.status_code, first.json()) == (202, {"status": "queued", "delivery": "deploy-1"})
    assert (again.status_code, again.json()) == (
        200,
        {"status": "duplicate", "delivery": "deploy-1"},
    )
    [delivery] = Delivery.objects.all()
    assert (delivery.status, delivery.summary) == (
        Delivery.Status.QUEUED,
        "deployment of checkout v1: succeeded",
    )
    assert not Deployment.objects.exists()


def test_what_can_be_checked_before_queueing_is_still_refused_at_once(
    transactional_db, queued, generic
):
    unsigned = generic.post(deployment(1), signed=False)
    malformed = generic.post(generic_event(type="deployment", occurred_at="yesterday"))

    assert unsigned.status_code == 401
    assert malformed.status_code == 422
    assert malformed.json()["error"] == "occurred_at must be an ISO 8601 time, not 'yesterday'."
    assert not Delivery.objects.exists()


def test_a_refused_delivery_shows_in_the_log_with_its_reason(
    transactional_db, queued, github, platform_github, dave_client
):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours"),
    )
    theirs = platform_github.post(
        deployment_status(state="failure", created_at=ago(minutes=2)),
        headers=github_headers("deployment_status", "theirs"),
    )
    assert theirs.status_code == 202

    # What the worker does, here.
    assert apply_queued_deliveries() == 2

    refused = Delivery.objects.get(endpoint=platform_github.endpoint)
    assert (refused.status, refused.detail) == (Delivery.Status.REFUSED, f"Refused: {ELSEWHERE}")
    assert Deployment.objects.get().outcome == Deployment.Outcome.SUCCEEDED
    page = dave_client.get(platform_github.endpoint.get_absolute_url()).content.decode()
    assert "Refused" in page
    assert ELSEWHERE in page


def test_the_worker_applies_each_delivery_once(transactional_db, queued, generic, worker):
    answers = [generic.post(deployment(number)).status_code for number in (1, 2, 3, 1)]
    # Resolved before triggered, as a tool's retries may deliver them.
    start = ago(minutes=30)
    resolved = generic_event(
        id="resolved", type="incident.resolved", key="k", occurred_at=iso(ago(minutes=5))
    )
    triggered = generic_event(id="triggered", key="k", title="Slow", occurred_at=iso(start))
    answers += [generic.post(resolved).status_code, generic.post(triggered).status_code]
    assert answers == [202, 202, 202, 200, 202, 202]

    worker.start(DEFAULT_QUEUE)
    wait_until_applied(worker)

    processed = (Delivery.Status.PROCESSED,)
    assert {key: value[:1] for key, value in deliveries(worker).items()} == {
        "deploy-1": processed,
        "deploy-2": processed,
        "deploy-3": processed,
        "resolved": processed,
        "triggered": processed,
    }
    versions = rows(worker, "SELECT version FROM incidents_deployment ORDER BY version")
    assert versions == [("v1",), ("v2",), ("v3",)]
    # One incident, restored: the resolution waited for nothing.
    [(restored_at,)] = rows(worker, "SELECT restored_at FROM incidents_incident")
    assert restored_at is not None


def test_a_refused_delivery_leaves_the_others_applied(
    transactional_db, queued, github, platform_github, worker
):
    github.post(
        deployment_status(state="success", created_at=ago(minutes=9)),
        headers=github_headers("deployment_status", "ours"),
    )
    response = platform_github.post(
        deployment_status(state="failure", created_at=ago(minutes=2)),
        headers=github_headers("deployment_status", "theirs"),
    )
    later = github.post(
        deployment_status(state="failure", created_at=ago(minutes=1), status_id=2),
        headers=github_headers("deployment_status", "ours-later"),
    )
    assert (response.status_code, later.status_code) == (202, 202)

    worker.start(DEFAULT_QUEUE)
    wait_until_applied(worker)

    logged = deliveries(worker)
    assert logged["theirs"] == (Delivery.Status.REFUSED, f"Refused: {ELSEWHERE}")
    assert logged["ours"][0] == logged["ours-later"][0] == Delivery.Status.PROCESSED
    assert rows(worker, "SELECT outcome FROM incidents_deployment") == [("failed",)]


def test_the_sweep_applies_what_a_lost_drain_left(
    transactional_db, queued, generic, worker, client_app
):
    for number in (1, 2):
        assert generic.post(deployment(number)).status_code == 202
    # The drain asked for is lost (a broker restarted without its data); its flag stays up.
    redis.Redis.from_url(REDIS_URL).delete(DEFAULT_QUEUE)
    assert generic.post(deployment(3)).status_code == 202
    assert redis.Redis.from_url(REDIS_URL).llen(DEFAULT_QUEUE) == 0

    worker.start(DEFAULT_QUEUE)
    # What beat sends every minute.
    applied = client_app.send_task(SWEEP, queue=DEFAULT_QUEUE).get(timeout=60)

    assert applied == 3
    wait_until_applied(worker)
    assert len(rows(worker, "SELECT id FROM incidents_deployment")) == 3


def test_two_drains_at_once_apply_each_delivery_once(transactional_db, generic):
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent writers: runs on PostgreSQL (CI's PostgreSQL pass).")
    for number in range(60):
        payload = deployment(number)
        event = ADAPTERS["generic"].parse(payload)
        assert services.delivery_queue(
            endpoint=generic.endpoint, body=json.dumps(payload), event=event
        )
    barrier = threading.Barrier(2)
    taken: list[int] = []
    failures: list[BaseException] = []

    def drain():
        try:
            barrier.wait()
            count = 0
            while batch := services.deliveries_apply_queued(limit=5):
                count += batch
            taken.append(count)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert sum(taken) == 60
    assert Deployment.objects.count() == 60
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PROCESSED}
    assert not Incident.objects.exists()


def test_a_new_secret_stops_the_old_one_at_once(transactional_db, queued, generic):
    assert generic.post(deployment(1)).status_code == 202

    new_secret = services.endpoint_rotate_secret(endpoint=generic.endpoint)

    assert generic.post(deployment(2)).status_code == 401
    generic.secret = new_secret
    assert generic.post(deployment(3)).status_code == 202


def test_a_deleted_endpoint_is_gone_at_once(transactional_db, queued, generic):
    assert generic.post(deployment(1)).status_code == 202

    services.endpoint_delete(endpoint=generic.endpoint)

    assert generic.post(deployment(2)).status_code == 404


def _failing_for(delivery_id: str, error: Exception, monkeypatch) -> None:
    replay = services._replay

    def failing(delivery, service):
        if delivery.delivery_id == delivery_id:
            raise error
        return replay(delivery, service)

    monkeypatch.setattr(services, "_replay", failing)


def _statuses() -> dict[str, tuple[str, int]]:
    return {
        delivery.delivery_id: (delivery.status, delivery.attempts)
        for delivery in Delivery.objects.all()
    }


def test_a_delivery_that_keeps_failing_is_refused_and_blocks_nothing(
    transactional_db, queued, generic, monkeypatch
):
    for number in (1, 2, 3):
        assert generic.post(deployment(number)).status_code == 202
    _failing_for("deploy-2", RuntimeError("a bug"), monkeypatch)

    services.deliveries_apply_queued()

    statuses = _statuses()
    assert statuses["deploy-1"][0] == statuses["deploy-3"][0] == Delivery.Status.PROCESSED
    assert statuses["deploy-2"] == (Delivery.Status.REFUSED, services.MAX_ATTEMPTS)
    assert "failed 5 times" in Delivery.objects.get(delivery_id="deploy-2").detail
    assert sorted(Deployment.objects.values_list("version", flat=True)) == ["v1", "v3"]


def test_a_database_error_undoes_only_its_own_delivery_and_is_counted(
    transactional_db, queued, generic, monkeypatch
):
    from django.db import OperationalError

    for number in (1, 2, 3):
        assert generic.post(deployment(number)).status_code == 202
    _failing_for("deploy-2", OperationalError("deadlock detected"), monkeypatch)

    with pytest.raises(OperationalError):
        services.deliveries_apply_queued()
    # The task tries again (Celery's retry): the others go first, then it is given up on.
    for _ in range(services.MAX_ATTEMPTS):
        with contextlib.suppress(OperationalError):
            services.deliveries_apply_queued()

    statuses = _statuses()
    assert statuses["deploy-1"][0] == statuses["deploy-3"][0] == Delivery.Status.PROCESSED
    assert statuses["deploy-2"] == (Delivery.Status.REFUSED, services.MAX_ATTEMPTS)
    assert sorted(Deployment.objects.values_list("version", flat=True)) == ["v1", "v3"]
