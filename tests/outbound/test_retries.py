"""Sending: retried with exponential backoff while the receiver may still manage, given up
at once when it never will, every attempt recorded."""

import threading
from datetime import timedelta

import pytest

from outbound import services
from outbound.models import Delivery


def attempts_of(delivery):
    return list(delivery.attempts.values_list("number", "status_code", "error"))


def test_two_500s_then_a_200_is_three_attempts_and_delivered(json_hook, receiver, declare):
    receiver.answers = [500, 500]

    declare()

    delivery = Delivery.objects.get()
    assert [(number, code) for number, code, _ in attempts_of(delivery)] == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    assert delivery.state == Delivery.State.DELIVERED
    assert delivery.finished_at is not None
    # The same body each time: receivers can tell a retry by its delivery id.
    assert len({item.body for item in receiver.wait_for(3)}) == 1


def test_a_400_is_not_retried(json_hook, receiver, declare):
    receiver.answers = [400]

    declare()

    delivery = Delivery.objects.get()
    assert [code for _, code, _ in attempts_of(delivery)] == [400]
    assert delivery.state == Delivery.State.FAILED
    assert "HTTP 400: not retried" in delivery.failure_reason


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_a_status_that_may_pass_is_retried(json_hook, receiver, declare, status):
    receiver.answers = [status]

    declare()

    delivery = Delivery.objects.get()
    assert [code for _, code, _ in attempts_of(delivery)] == [status, 200]
    assert delivery.state == Delivery.State.DELIVERED


def test_a_timeout_is_retried(json_hook, receiver, declare, settings):
    settings.OUTBOUND_TIMEOUT_SECONDS = 0.5
    receiver.answers = [("slow", 2)]

    declare()

    delivery = Delivery.objects.get()
    [(first, first_code, first_error), (second, second_code, _)] = attempts_of(delivery)
    assert (first, first_code, first_error) == (1, None, "Timed out after 0.5 s")
    assert (second, second_code) == (2, 200)
    assert delivery.state == Delivery.State.DELIVERED


def test_a_refused_connection_is_retried_then_given_up(payments, declare, settings):
    from .conftest import make_destination
    from .receiver import Receiver

    closed = Receiver()
    url = closed.url
    closed.server.server_close()
    make_destination(payments, url)

    declare()

    delivery = Delivery.objects.get()
    attempts = attempts_of(delivery)
    assert len(attempts) == settings.OUTBOUND_MAX_RETRIES + 1
    assert all(
        code is None and error.startswith("Connection failed") for _, code, error in attempts
    )
    assert delivery.state == Delivery.State.FAILED
    assert delivery.failure_reason == f"Gave up after {len(attempts)} attempts."


def test_a_redirect_is_not_followed(json_hook, receiver, declare):
    receiver.answers = [301]

    declare()

    delivery = Delivery.objects.get()
    assert [code for _, code, _ in attempts_of(delivery)] == [301]
    assert delivery.state == Delivery.State.FAILED
    assert len(receiver.requests) == 1


def test_a_turned_off_destination_stops_its_pending_retries(json_hook, receiver, declare):
    receiver.answers = [500]
    json_hook.is_enabled = False
    json_hook.save()
    delivery = Delivery.objects.create(
        destination=json_hook, event="incident.declared", event_key="incident.declared:1", body="{}"
    )

    services.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.failure_reason == "The destination was turned off before sending."
    assert receiver.requests == []


def test_the_wait_doubles_after_each_failure_up_to_an_hour(settings):
    settings.OUTBOUND_RETRY_BASE_SECONDS = 30

    assert [services.retry_delay(number) for number in range(1, 6)] == [30, 60, 120, 240, 480]
    assert services.retry_delay(12) == 3600


def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweep(json_hook, receiver):
    from django.utils import timezone

    from outbound.tasks import resend_stuck_deliveries

    def delivery(key, *, minutes_ago, state=Delivery.State.PENDING):
        made = Delivery.objects.create(
            destination=json_hook, event="test", event_key=key, body="{}", state=state
        )
        Delivery.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return made

    lost = delivery("test:lost", minutes_ago=20)
    delivery("test:just-queued", minutes_ago=2)
    delivery("test:done", minutes_ago=30, state=Delivery.State.DELIVERED)

    assert resend_stuck_deliveries.delay().get() == 1

    [received] = receiver.wait_for(1)
    assert received.headers["X-Debrief-Delivery"] == str(lost.uuid)
    lost.refresh_from_db()
    assert lost.state == Delivery.State.DELIVERED
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 1


def test_two_tasks_for_the_same_delivery_post_it_once(transactional_db, json_hook, receiver):
    from django.db import connections

    from outbound.tasks import deliver

    delivery = Delivery.objects.create(
        destination=json_hook, event="test", event_key="test:twice", body="{}"
    )
    # The first task is still waiting for the receiver when the second one (queued again by
    # the sweep, say, behind a long backlog) starts.
    receiver.answers = [("slow", 1)]
    outcomes = {}

    def first_task():
        try:
            outcomes["first"] = deliver.apply(args=[delivery.pk]).result
        finally:
            connections.close_all()

    first = threading.Thread(target=first_task)
    first.start()
    receiver.wait_for(1)
    outcomes["second"] = deliver.apply(args=[delivery.pk]).result
    first.join()

    assert outcomes == {"first": "delivered", "second": "taken"}
    assert len(receiver.wait_for(2, timeout=1.5)) == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED
    assert attempts_of(delivery) == [(1, 200, "")]


def test_the_sweep_leaves_a_delivery_being_sent_alone_until_its_claim_expires(json_hook, receiver):
    from django.utils import timezone

    from outbound.tasks import resend_stuck_deliveries

    delivery = Delivery.objects.create(
        destination=json_hook, event="test", event_key="test:claimed", body="{}"
    )
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=now - timedelta(minutes=20), claimed_until=now + timedelta(minutes=4)
    )

    assert resend_stuck_deliveries.delay().get() == 0
    assert receiver.requests == []

    # The worker that claimed it died mid-send: once the claim runs out, it is sent again.
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=now - timedelta(seconds=1))

    assert resend_stuck_deliveries.delay().get() == 1
    assert len(receiver.wait_for(1)) == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED
    assert delivery.claimed_until is None
