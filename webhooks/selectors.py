"""Reads of the webhooks app for its pages, and the endpoint a delivery is posted to."""

from django.db.models import Count, Q, QuerySet

from incidents.models import Team

from .models import Delivery, Endpoint


def receiving_endpoint(*, kind: str, token: str) -> Endpoint | None:
    """The endpoint at the address /hooks/<kind>/<token>/, with its team. Read from the
    database on every delivery: a cached copy would keep accepting a secret just rotated (or
    an endpoint just deleted) in the processes that still hold it."""
    return Endpoint.objects.select_related("team").filter(kind=kind, token=token).first()


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
