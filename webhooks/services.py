"""Writes of the webhooks app: endpoints and their secrets, routes, and deliveries, each
applied in one transaction (or savepoint) so that a delivery is applied completely or not at
all. Without a Celery broker a delivery is applied as it is received (delivery_receive); with
one, it is queued in one statement (delivery_queue) and a worker applies the queue
(deliveries_apply_queued)."""

import contextlib
import json
import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.context import acting_as
from debrief.people import actor_name
from incidents.models import Service, Team

from .adapters import ADAPTERS
from .models import Delivery, Endpoint, Kind, Route, secret_digest
from .payloads import AlreadyRecordedElsewhere, Event, PayloadError
from .signatures import new_secret, new_token


def _set_secret(endpoint: Endpoint, secret: str | None = None) -> str:
    secret = secret or new_secret()
    endpoint.secret_digest = secret_digest(secret)
    # A bearer token can be checked against its digest; an HMAC needs the secret itself.
    endpoint.secret = "" if endpoint.kind == Kind.ALERTMANAGER else secret
    return secret


@transaction.atomic
def endpoint_create(
    *, team: Team, kind: str, name: str, by: User | None, severity_label: str = "severity"
) -> tuple[Endpoint, str]:
    """A new endpoint with an unguessable URL; returns it with its secret, which is shown
    once and never again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the endpoint, e.g. after the tool that posts to it."})
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose one of the kinds offered."})
    if Endpoint.objects.filter(team=team, name=name).exists():
        raise ValidationError({"name": f"{team} already has an endpoint named “{name}”."})
    endpoint = Endpoint(
        team=team,
        kind=kind,
        name=name,
        token=new_token(),
        severity_label=severity_label.strip() or "severity",
        created_by=by,
    )
    secret = _set_secret(endpoint)
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint) -> str:
    """Replace the secret; the old one stops working at once. Returns the new one."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _set_secret(endpoint)
    endpoint.save(update_fields=["secret", "secret_digest"])
    return secret


# Short secrets can be guessed offline from one signed body.
MIN_SECRET_LENGTH = 16


@transaction.atomic
def endpoint_use_secret(*, endpoint: Endpoint, secret: str) -> None:
    """Take the secret the tool made (PagerDuty makes its signing secret itself) instead of
    the one Debrief made; the old one stops working at once."""
    secret = secret.strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            {"secret": f"A secret needs at least {MIN_SECRET_LENGTH} characters."}
        )
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    _set_secret(endpoint, secret)
    endpoint.save(update_fields=["secret", "secret_digest"])


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint) -> None:
    """The endpoint, its routes and its delivery log go; what it recorded stays."""
    endpoint.delete()


@transaction.atomic
def route_create(
    *,
    endpoint: Endpoint,
    service: Service,
    match_value: str,
    match_label: str = "",
    environment: str = "",
    workflow: str = "",
) -> Route:
    if service.team_id != endpoint.team_id:
        raise ValidationError({"service": f"{service} is not one of {endpoint.team}'s services."})
    match_value = match_value.strip()
    match_label = match_label.strip() if endpoint.kind == Kind.ALERTMANAGER else ""
    if not match_value:
        raise ValidationError({"match_value": "Say which events to route."})
    if endpoint.kind == Kind.ALERTMANAGER and not match_label:
        raise ValidationError({"match_label": "Name the label to match, e.g. service."})
    try:
        with transaction.atomic():
            return Route.objects.create(
                endpoint=endpoint,
                service=service,
                match_label=match_label,
                match_value=match_value,
                environment=environment.strip() if endpoint.kind == Kind.GITHUB else "",
                workflow=workflow.strip() if endpoint.kind == Kind.GITHUB else "",
            )
    except IntegrityError:
        raise ValidationError(
            {"match_value": "A route for these events exists already; delete it first."}
        ) from None


@transaction.atomic
def route_delete(*, route: Route) -> None:
    route.delete()


def route_for(endpoint: Endpoint, event: Event) -> Service | None:
    """The service the event goes to: the first matching route, more specific routes (with
    an environment or workflow) first. Alertmanager and generic events also go, with no
    route, to the team's service whose slug their `service` label or field names."""
    routes = sorted(
        endpoint.routes.select_related("service"),
        key=lambda route: (not route.environment, not route.workflow, route.pk),
    )
    for route in routes:
        if endpoint.kind == Kind.ALERTMANAGER:
            if event.labels.get(route.match_label) == route.match_value:
                return route.service
        elif (
            route.match_value == event.route_value
            and route.environment in {"", event.environment}
            and route.workflow in {"", event.workflow}
        ):
            return route.service
    by_slug = endpoint.kind == Kind.GENERIC or (
        endpoint.kind == Kind.ALERTMANAGER and event.route_label == "service"
    )
    if by_slug and event.route_value:
        return Service.objects.filter(team=endpoint.team_id, slug=event.route_value).first()
    return None


def _process(delivery: Delivery, payload: dict, event: Event, service: Service | None) -> None:
    """Apply the event, or leave it in the inbox when it goes to no service."""
    endpoint = delivery.endpoint
    if event.ignored:
        delivery.status, delivery.detail = Delivery.Status.IGNORED, event.ignored[:300]
    else:
        if event.needs_route and service is None:
            service = route_for(endpoint, event)
        if event.needs_route and service is None:
            delivery.status, delivery.detail = Delivery.Status.UNROUTED, Delivery.WAITING
        else:
            outcome = ADAPTERS[endpoint.kind].apply(
                endpoint=endpoint, service=service, payload=payload, event=event
            )
            delivery.status = Delivery.Status.PROCESSED
            delivery.detail = outcome.detail[:300]
            delivery.service = service
            delivery.incident = outcome.incident
            delivery.deployment = outcome.deployment
    delivery.save()


@transaction.atomic
def delivery_receive(
    *, endpoint: Endpoint, payload: dict, body: str, event: Event
) -> tuple[Delivery, bool]:
    """Log the delivery and apply it, unless its id was received before: then nothing
    happens and the earlier delivery is returned with False. Concurrent copies of one
    delivery wait on its unique key; all but the first find it there."""
    delivery = Delivery(
        endpoint=endpoint,
        delivery_id=event.delivery_id,
        event_type=event.event_type,
        body=body,
        status=Delivery.Status.UNROUTED,
        summary=event.summary[:300],
        route_label=event.route_label[:100],
        route_value=event.route_value[:200],
        environment=event.environment[:50],
        workflow=event.workflow[:200],
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return Delivery.objects.get(endpoint=endpoint, delivery_id=event.delivery_id), False
    _process(delivery, payload, event, service=None)
    return delivery, True


def _replay(delivery: Delivery, service: Service | None) -> None:
    adapter = ADAPTERS[delivery.endpoint.kind]
    payload = json.loads(delivery.body)
    event = adapter.parse(payload, event_type=delivery.event_type, delivery_id=delivery.delivery_id)
    _process(delivery, payload, event, service=service)


# What an event's effects may refuse; anything else is a fault and fails the request.
REFUSALS = (ValidationError, PayloadError, AlreadyRecordedElsewhere)


def _refusal_message(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def sender(endpoint: Endpoint) -> str:
    """Who the audit trail says made the changes a delivery to `endpoint` causes."""
    return f"webhook {endpoint.kind} '{endpoint.name}'"


_COLUMNS = [
    "endpoint_id",
    "delivery_id",
    "event_type",
    "body",
    "status",
    "summary",
    "detail",
    "route_label",
    "route_value",
    "environment",
    "workflow",
    "received_at",
]
# One statement in autocommit: the row is durable when it returns, and a redelivery (the
# unique endpoint and delivery id) inserts nothing. PostgreSQL and SQLite both read it.
_QUEUE_SQL = (
    f"INSERT INTO {Delivery._meta.db_table} ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    " ON CONFLICT (endpoint_id, delivery_id) DO NOTHING"
)


def delivery_queue(*, endpoint: Endpoint, body: str, event: Event) -> bool:
    """Record the delivery, queued for a worker to apply (deliveries_apply_queued), unless
    its id was received before. Returns whether it is new. Called outside any transaction,
    it commits as it returns, so the worker that is told about it next will find it."""
    received_at = Delivery._meta.get_field("received_at").get_db_prep_value(
        timezone.now(), connection
    )
    values = [
        endpoint.pk,
        event.delivery_id,
        event.event_type,
        body,
        Delivery.Status.QUEUED,
        event.summary[:300],
        "",
        event.route_label[:100],
        event.route_value[:200],
        event.environment[:50],
        event.workflow[:200],
        received_at,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_QUEUE_SQL, values)
        return cursor.rowcount == 1


logger = logging.getLogger(__name__)


def delivery_apply(*, delivery: Delivery) -> None:
    """Apply a queued delivery as delivery_receive applies one it receives, in a savepoint
    and as its sender. Effects that are refused (a deployment another team recorded: the
    409 of a delivery applied as it is received; invalid values: its 422) leave nothing
    behind, and the delivery is refused with the reason. One whose effects fail for an
    unforeseen reason is logged and stays queued for another attempt, behind the others;
    after MAX_ATTEMPTS it is refused. An error the database may get over (a lost connection,
    a deadlock) is raised, for the task to try again."""
    with acting_as(sender(delivery.endpoint)):
        try:
            with transaction.atomic():
                _replay(delivery, None)
            return
        except REFUSALS as error:
            reason = _refusal_message(error)
        except OperationalError:
            raise
        except Exception:
            logger.exception("Applying webhook delivery %s failed.", delivery.pk)
            delivery.attempts += 1
            if delivery.attempts < MAX_ATTEMPTS:
                delivery.save(update_fields=["attempts"])
                return
            reason = f"it failed {MAX_ATTEMPTS} times; the server's log has the details."
    delivery.status = Delivery.Status.REFUSED
    delivery.detail = f"Refused: {reason}"[:300]
    delivery.save(update_fields=["status", "detail", "attempts"])


QUEUE_BATCH = 50
# A delivery whose effects keep failing for an unforeseen reason (or whose transaction the
# database keeps aborting) is refused after this many attempts, so it cannot block the queue.
MAX_ATTEMPTS = 5


def _count_attempt(pk: int) -> None:
    """One more attempt of a delivery whose transaction the database aborted."""
    # With the database away this attempt goes uncounted, and the task's retry tries again.
    with contextlib.suppress(OperationalError), transaction.atomic():
        Delivery.objects.filter(pk=pk).update(attempts=F("attempts") + 1)


def deliveries_apply_queued(*, limit: int = QUEUE_BATCH) -> int:
    """Apply up to `limit` queued deliveries, fewest attempts first and then oldest first, each
    in a transaction of its own: its row is locked until it commits, and a row another worker
    has locked is skipped, so two workers never apply one delivery twice, and a delivery that
    fails undoes nothing of the others. Returns how many were taken: 0 when the queue is
    empty."""
    taken = 0
    while taken < limit:
        claimed = None
        try:
            with transaction.atomic():
                delivery = (
                    Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(status=Delivery.Status.QUEUED)
                    .select_related("endpoint__team")
                    .order_by("attempts", "received_at", "pk")
                    .first()
                )
                if delivery is None:
                    return taken
                taken += 1
                claimed = delivery.pk
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = Delivery.Status.REFUSED
                    delivery.detail = (
                        f"Refused: the database aborted it {delivery.attempts} times;"
                        " the server's log has the details."
                    )
                    delivery.save(update_fields=["status", "detail"])
                else:
                    delivery_apply(delivery=delivery)
        except OperationalError:
            # Outside the aborted transaction: count the attempt, and let the task try again.
            if claimed is not None:
                _count_attempt(claimed)
            raise
    return taken


def _replay_or_keep_waiting(delivery: Delivery, service: Service | None) -> bool:
    """Apply the delivery in a savepoint. When its effects are refused, nothing of them
    stays and it waits in the inbox with the reason, so that one bad delivery holds up
    neither the others nor the route. Returns whether it was applied."""
    try:
        with transaction.atomic():
            _replay(delivery, service)
    except REFUSALS as error:
        delivery.refresh_from_db()
        delivery.detail = f"Could not be applied: {_refusal_message(error)}"[:300]
        delivery.save(update_fields=["detail"])
        return False
    return delivery.status != Delivery.Status.UNROUTED


@dataclass
class Assignment:
    """The deliveries an assignment applied, and those still waiting because their effects
    were refused."""

    applied: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)


@transaction.atomic
def delivery_assign(*, delivery: Delivery, service: Service, remember: bool = False) -> Assignment:
    """Apply an unrouted delivery to `service`; when its effects are refused, nothing is
    applied and the refusal is raised. With `remember`, a route sends such events to it from
    now on, and the other waiting deliveries it matches are applied too, oldest first, each
    on its own: one that is refused stays in the inbox with the reason, and the route and the
    others are kept."""
    delivery = (
        Delivery.objects.select_for_update().select_related("endpoint__team").get(pk=delivery.pk)
    )
    endpoint = delivery.endpoint
    if delivery.status != Delivery.Status.UNROUTED:
        raise ValidationError({"service": "This delivery was already processed."})
    if service.team_id != endpoint.team_id:
        raise ValidationError({"service": f"{service} is not one of {endpoint.team}'s services."})
    if not remember:
        try:
            _replay(delivery, service)
        except AlreadyRecordedElsewhere as error:
            raise ValidationError(str(error)) from None
        return Assignment(applied=[delivery])
    if not delivery.route_value:
        raise ValidationError({"remember": "This event names nothing a route could match."})
    route_exists = endpoint.routes.filter(
        match_label=delivery.route_label if endpoint.kind == Kind.ALERTMANAGER else "",
        match_value=delivery.route_value,
        environment="",
        workflow="",
    ).exists()
    if not route_exists:
        route_create(
            endpoint=endpoint,
            service=service,
            match_label=delivery.route_label,
            match_value=delivery.route_value,
        )
    waiting = (
        Delivery.objects.select_for_update()
        .filter(
            endpoint=endpoint,
            status=Delivery.Status.UNROUTED,
            route_label=delivery.route_label,
            route_value=delivery.route_value,
        )
        .select_related("endpoint__team")
        .order_by("received_at", "pk")
    )
    assignment = Assignment()
    for item in waiting:
        if _replay_or_keep_waiting(item, service if item.pk == delivery.pk else None):
            assignment.applied.append(item)
        elif item.failure:
            assignment.failed.append(item)
    return assignment


@transaction.atomic
def delivery_dismiss(*, delivery: Delivery, by: User) -> Delivery:
    """Take an unrouted delivery out of the inbox without applying it. Its row stays in the
    endpoint's log, ignored and saying who dismissed it, so a redelivery is still a
    duplicate."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.UNROUTED:
        raise ValidationError("This delivery has already left the inbox.")
    dismissed = f"Dismissed from the inbox by {actor_name(by)}."
    delivery.detail = " ".join(filter(None, [dismissed, delivery.failure]))[:300]
    delivery.status = Delivery.Status.IGNORED
    delivery.save(update_fields=["status", "detail"])
    return delivery
