"""Applying queued deliveries in the background (with a Celery broker; see webhooks/views.py).

A request that queues a delivery asks for a drain only when none is asked for already: a flag
in the cache, added after the delivery's row is committed, stands for a drain that is queued
and has not started. The drain clears the flag first and then applies the queue until it is
empty, so a delivery committed while the flag was up is always found, by this drain or by the
one the next request asks for. Should a drain be lost with its flag up (a worker killed, the
broker down), the flag expires within seconds, and the next request asks again or the sweep
(CELERY_BEAT_SCHEDULE) applies what waits."""

from celery import shared_task
from django.core.cache import cache

from debrief.tasks import TRANSIENT_ERRORS, enqueue

from . import services

DRAIN_FLAG = "webhooks:drain-asked"
# How long a request trusts that a drain it did not see start is still coming: a flag that
# outlives a lost drain, or that lives in one process's memory (no shared cache, or Redis
# down) where a worker's delete cannot reach it, delays deliveries by at most this long.
DRAIN_FLAG_SECONDS = 5
# Deliveries one drain applies before it hands over to a new drain at the back of the
# queue, so that in an alert storm notifications and mails still get a worker.
DRAIN_LIMIT = 10 * services.QUEUE_BATCH


def ask_for_drain() -> None:
    """Queue a drain, unless one is queued and has not started yet. Costs one cache round
    trip when it is (under load, nearly always)."""
    if cache.add(DRAIN_FLAG, 1, DRAIN_FLAG_SECONDS):
        # With the broker down, the sweep applies the delivery within a minute.
        enqueue(apply_queued_deliveries, swept=True)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5, acks_late=True)
def apply_queued_deliveries() -> int:
    """Apply queued deliveries, oldest first, until none is left or DRAIN_LIMIT were taken,
    then ask for another drain (the drain, and every minute the sweep). Returns how many were
    taken."""
    cache.delete(DRAIN_FLAG)
    applied = 0
    while taken := services.deliveries_apply_queued():
        applied += taken
        if applied >= DRAIN_LIMIT:
            ask_for_drain()
            break
    return applied
