"""Reads for the notification pages."""

from datetime import datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from incidents.models import Team

from .models import Delivery, DeliveryAttempt, Destination


def destination_list(*, team: Team) -> QuerySet[Destination]:
    """The team's destinations by name, each with how many of its deliveries failed."""
    failed = Count("deliveries", filter=Q(deliveries__state=Delivery.State.FAILED))
    return (
        Destination.objects.filter(team=team)
        .annotate(failed_deliveries=failed)
        .order_by("name", "pk")
    )


def delivery_log(*, destination: Destination) -> QuerySet[Delivery]:
    """The destination's deliveries, newest first, with their attempts in order."""
    return (
        Delivery.objects.filter(destination=destination)
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )


# A delivery's task runs within seconds of the commit; one still untried after this long lost
# its task (a broker restart, a commit whose enqueue failed).
UNTRIED_FOR = timedelta(minutes=10)
# Retries come at most an hour apart (services.MAX_RETRY_DELAY_SECONDS), plus this margin.
RETRY_OVERDUE_AFTER = timedelta(minutes=70)


def stuck_deliveries(*, now: datetime) -> list[int]:
    """Pending deliveries no task will come back for: never tried for UNTRIED_FOR, or tried
    last more than RETRY_OVERDUE_AFTER ago; and not claimed by a worker sending them now
    (unless that claim expired, the worker having died mid-send)."""
    return list(
        Delivery.objects.filter(state=Delivery.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .annotate(last_attempt=Max("attempts__started_at"))
        .filter(
            Q(last_attempt__isnull=True, created_at__lt=now - UNTRIED_FOR)
            | Q(last_attempt__lt=now - RETRY_OVERDUE_AFTER)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
