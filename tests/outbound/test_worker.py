"""Deliveries on a real Celery worker over a real Redis: the retries wait their real
countdowns in the worker, not in whoever caused the event."""

import sqlite3

import pytest
from django.db import connection

from outbound.models import Delivery, DeliveryAttempt
from tests.debrief.test_celery_worker import REDIS_URL, redis_answers
from tests.followups.test_worker import Worker, run
from tests.services import require

from .conftest import make_destination

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
def worker(broker, tmp_path, monkeypatch):
    # One second, doubled: the waits are real but the test stays short.
    monkeypatch.setenv("OUTBOUND_RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("OUTBOUND_MAX_RETRIES", "3")
    # The receiver listens on 127.0.0.1.
    monkeypatch.setenv("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", "1")
    worker = Worker(broker, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


def attempts_in(worker: Worker, delivery_id: int) -> list[tuple[int, int | None]]:
    """The attempts the worker recorded, from the database it wrote to: this test's on
    PostgreSQL, on SQLite the copy database_for_worker made for it."""
    if connection.vendor == "postgresql":
        rows = DeliveryAttempt.objects.filter(delivery_id=delivery_id).order_by("number")
        return list(rows.values_list("number", "status_code"))
    with sqlite3.connect(worker.tmp_path / "worker.sqlite3") as database:
        return database.execute(
            "SELECT number, status_code FROM outbound_deliveryattempt"
            " WHERE delivery_id = ? ORDER BY number",
            [delivery_id],
        ).fetchall()


def test_a_failing_receiver_is_retried_by_the_worker_with_growing_waits(
    transactional_db, worker, client_app, payments, receiver
):
    destination = make_destination(payments, receiver.url)
    delivery = Delivery.objects.create(
        destination=destination,
        event="test",
        event_key="test:worker",
        body='{"text": "from the worker"}',
    )
    receiver.answers = [500, 500]
    queue = worker.start()

    state = run(client_app, worker, queue, "outbound.tasks.deliver", delivery.pk)

    assert state == "delivered"
    first, second, third = receiver.wait_for(3)
    assert [request.body for request in (first, second, third)] == [
        b'{"text": "from the worker"}'
    ] * 3
    # Backoff of 1 s, then 2 s (the worker's clock may round a little down).
    assert second.at - first.at >= 0.9
    assert third.at - second.at >= 1.9
    assert attempts_in(worker, delivery.pk) == [(1, 500), (2, 500), (3, 200)]
