"""Writes for outbound notifications: destinations, the deliveries an event creates, and each
attempt to send one."""

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from debrief.tasks import enqueue_on_commit
from incidents.models import Team

from . import messages, sending, tasks
from .messages import Announcement
from .models import SUBSCRIBABLE_EVENTS, Delivery, DeliveryAttempt, Destination, Event, new_secret


class AttemptTaken(Exception):
    """Another worker is sending this delivery, or recorded this attempt meanwhile: it carries
    on with the delivery."""


# The longest wait between two attempts, however many came before.
MAX_RETRY_DELAY_SECONDS = 3600
# How long a worker holds a delivery it is sending. One attempt takes at most a few
# OUTBOUND_TIMEOUT_SECONDS; past this, the worker is taken to have died mid-send.
CLAIM_LEASE = timedelta(minutes=5)


# Destinations


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = set(events)
    unknown = chosen - set(SUBSCRIBABLE_EVENTS)
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event to send."})
    # In the order the form lists them, so the page and the JSON read the same way.
    return [event.value for event in SUBSCRIBABLE_EVENTS if event in chosen]


def _check_name_free(team: Team, name: str, *, exclude: int | None = None) -> None:
    taken = Destination.objects.filter(team=team, name__iexact=name).exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"{team.name} already has a destination called “{name}”."})


def _save(destination: Destination) -> None:
    destination.full_clean(exclude=["team", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            destination.save()
    except IntegrityError:
        raise ValidationError(
            {"name": f"{destination.team.name} already has a destination with that name."}
        ) from None


@transaction.atomic
def destination_create(
    *,
    team: Team,
    by: User,
    name: str,
    kind: str,
    url: str,
    events: Iterable[str],
    is_enabled: bool = True,
) -> Destination:
    """Add a destination to a team, with a fresh signing secret for JSON bodies."""
    name = name.strip()
    _check_name_free(team, name)
    destination = Destination(
        team=team,
        name=name,
        kind=kind,
        url=url.strip(),
        events=_clean_events(events),
        is_enabled=is_enabled,
        created_by=by,
    )
    _save(destination)
    return destination


@transaction.atomic
def destination_update(
    *, destination: Destination, name: str, url: str, events: Iterable[str], is_enabled: bool
) -> Destination:
    """Change where a destination points and what it hears about. Its kind and secret stay."""
    name = name.strip()
    _check_name_free(destination.team, name, exclude=destination.pk)
    destination.name = name
    destination.url = url.strip()
    destination.events = _clean_events(events)
    destination.is_enabled = is_enabled
    _save(destination)
    return destination


def destination_replace_secret(*, destination: Destination) -> Destination:
    """A new signing secret; the old one stops working at once, retries included."""
    destination.secret = new_secret()
    destination.save(update_fields=["secret"])
    return destination


def destination_delete(*, destination: Destination) -> None:
    """Remove a destination with its delivery log; pending retries find nothing to send."""
    destination.delete()


@transaction.atomic
def destination_send_test(*, destination: Destination) -> Delivery:
    """Queue a test message to the destination, whichever events it chose and even when it
    is turned off: the admin asked for it."""
    key = f"{Event.TEST}:{uuid.uuid4()}"
    [delivery] = announce(messages.check_message(destination, key=key), to=[destination])
    return delivery


# Events


def announce(announcement: Announcement, *, to: Iterable[Destination] | None = None) -> list:
    """Create one delivery per destination of the team that wants this event (or per
    destination in `to`), and send each once the surrounding transaction commits. A
    destination that already has this event's delivery gets no second one."""
    if to is None:
        to = [
            destination
            for destination in Destination.objects.filter(team=announcement.team, is_enabled=True)
            if destination.wants(announcement.event)
        ]
    created = []
    with transaction.atomic():
        for destination in to:
            delivery = Delivery(
                destination=destination, event=announcement.event, event_key=announcement.key
            )
            delivery.body = messages.body_for(
                destination, announcement, delivery_id=str(delivery.uuid)
            )
            try:
                with transaction.atomic():
                    delivery.save()
            except IntegrityError:
                continue
            created.append(delivery)
            # The delivery row is the durable record: should the broker be down, the sweep
            # (tasks.resend_stuck_deliveries) queues it later.
            enqueue_on_commit(tasks.deliver, delivery.pk, swept=True)
    return created


# Sending


def retry_delay(attempt_number: int) -> int:
    """Seconds to wait after failed attempt number N (1, 2, …): the base doubled each time,
    OUTBOUND_RETRY_BASE_SECONDS × 2^(N-1), at most an hour."""
    delay = settings.OUTBOUND_RETRY_BASE_SECONDS * 2 ** (attempt_number - 1)
    return min(delay, MAX_RETRY_DELAY_SECONDS)


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Debrief-Notifications/1",
    }
    if delivery.destination.kind == Destination.Kind.JSON:
        headers["X-Debrief-Event"] = delivery.event
        headers["X-Debrief-Delivery"] = str(delivery.uuid)
        headers["X-Debrief-Signature"] = sending.signature(delivery.destination.secret, body)
    return headers


def _finish(delivery: Delivery, state: str, reason: str = "") -> None:
    delivery.state = state
    delivery.failure_reason = reason[:300]
    delivery.finished_at = timezone.now()
    delivery.claimed_until = None
    delivery.save(update_fields=["state", "failure_reason", "finished_at", "claimed_until"])


def _claim(delivery: Delivery) -> bool:
    """Mark the delivery as being sent by this worker, unless another holds it: one
    conditional UPDATE, so of two tasks for the same delivery only one sends it."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_LEASE)
    )
    return claimed == 1


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Make the next attempt at a pending delivery and record it. The delivery is then
    delivered (a 2xx answer), failed (an answer no retry can change, or no attempts left
    after OUTBOUND_MAX_RETRIES retries), or still pending: the caller retries it later.
    The delivery is claimed for CLAIM_LEASE before the POST, and no transaction is held open
    while the destination answers. None when the delivery is gone (its destination was
    deleted); AttemptTaken when another worker is sending it or made the same attempt."""
    delivery = Delivery.objects.select_related("destination").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != Delivery.State.PENDING:
        return delivery
    if not _claim(delivery):
        raise AttemptTaken(f"Delivery {delivery.pk} is being sent by another worker.")
    if not delivery.destination.is_enabled and delivery.event != Event.TEST:
        _finish(delivery, Delivery.State.FAILED, "The destination was turned off before sending.")
        return delivery
    number = delivery.attempts.count() + 1
    body = delivery.body.encode()
    started_at = timezone.now()
    response = sending.post(
        delivery.destination.url,
        body,
        headers=_headers(delivery, body),
        timeout=settings.OUTBOUND_TIMEOUT_SECONDS,
    )
    try:
        with transaction.atomic():
            _record(delivery, number, started_at, response)
    except IntegrityError:
        raise AttemptTaken(f"Attempt {number} of delivery {delivery.pk} was made twice.") from None
    return delivery


def _record(delivery: Delivery, number: int, started_at, response: sending.Response) -> None:
    """Log the attempt and settle the delivery's state by its answer."""
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration=timedelta(seconds=response.seconds),
        status_code=response.status_code,
        error=response.error,
    )
    if response.delivered:
        _finish(delivery, Delivery.State.DELIVERED)
    elif not response.retryable:
        what = f"HTTP {response.status_code}" if response.status_code else response.error
        what = what.rstrip(".")
        _finish(
            delivery,
            Delivery.State.FAILED,
            f"{what}: not retried, as resending the same message cannot succeed.",
        )
    elif number > settings.OUTBOUND_MAX_RETRIES:
        _finish(delivery, Delivery.State.FAILED, f"Gave up after {number} attempts.")
    else:
        # Still pending: free for the retry the task schedules.
        delivery.claimed_until = None
        delivery.save(update_fields=["claimed_until"])
