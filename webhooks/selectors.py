"""Reads of the webhooks app for its pages, and the endpoint a delivery is posted to."""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from incidents.models import Team

from .models import Delivery, Endpoint

# How long a queued delivery's request may take its endpoint from the cache. Every change to
# an endpoint forgets it there (forget_endpoint); this bounds a change that raced a request.
ENDPOINT_CACHE_SECONDS = 60


def _endpoint_key(token: str) -> str:
    # The token comes from the URL, where it may be anything: a digest makes a safe key.
    return f"webhooks:endpoint:{hashlib.sha256(token.encode()).hexdigest()}"


def receiving_endpoint(*, kind: str, token: str, cached: bool = False) -> Endpoint | None:
    """The endpoint at the address /hooks/<kind>/<token>/, with its team. With `cached`, from
    the cache when it is there: a request that only queues its delivery then costs one
    statement (its INSERT) rather than two."""
    key = _endpoint_key(token)
    endpoint = cache.get(key) if cached else None
    if endpoint is None:
        endpoint = Endpoint.objects.select_related("team").filter(token=token).first()
        if endpoint is None:
            return None
        if cached:
            cache.set(key, endpoint, ENDPOINT_CACHE_SECONDS)
    return endpoint if endpoint.kind == kind else None


def forget_endpoint(endpoint: Endpoint) -> None:
    """Forget the cached endpoint once the change to it (a new secret, its deletion, an edit
    in the admin) is committed."""
    key = _endpoint_key(endpoint.token)
    transaction.on_commit(lambda: cache.delete(key))


def endpoint_list(*, team: Team) -> QuerySet[Endpoint]:
    """The team's endpoints, each with how many of its deliveries wait in the inbox."""
    return (
        Endpoint.objects.filter(team=team)
        .select_related("team")
        .annotate(
            unrouted=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.UNROUTED))
        )
        .order_by("name", "pk")
    )


def delivery_list(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first."""
    return Delivery.objects.filter(endpoint=endpoint).select_related(
        "service", "incident", "deployment"
    )


def inbox(*, team: Team) -> QuerySet[Delivery]:
    """Deliveries to the team's endpoints that no route sent to a service, oldest first."""
    return (
        Delivery.objects.filter(endpoint__team=team, status=Delivery.Status.UNROUTED)
        .select_related("endpoint")
        .order_by("received_at", "pk")
    )
