"""Reads that span relations, shaped so that each page costs a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from debrief.permissions import api_token_incidents, incident_visibility

from .models import Deployment, DeploymentCommit, Incident, Service, Status, Team, TimelineEvent


def _start_of_day(day: date) -> datetime | None:
    """Midnight of `day` in the configured time zone, or None when that moment cannot be
    stored (the first and last days of the calendar overflow in conversion to UTC)."""
    try:
        return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    except OverflowError:
        return None


def _end_of_day(day: date) -> datetime | None:
    """The start of the next day, as an exclusive bound; None past the end of the calendar."""
    try:
        return _start_of_day(day + timedelta(days=1))
    except OverflowError:
        return None


def _count(queryset: QuerySet, *, of: str) -> Coalesce:
    """The number of rows of `queryset` whose `of` is the outer row, as a correlated subquery:
    several of these on one query count independently, where joins would multiply each other."""
    counted = (
        queryset.filter(**{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def incident_list(*, viewer=None, token=None, filters: dict | None = None) -> QuerySet[Incident]:
    """The incidents `viewer` (a user) or `token` (an API token) may see, as
    debrief.permissions decides, newest first, narrowed by the list page's filters (all
    optional): q (title
    words), status ("open" or a status), severity, team, service, started_from/started_until
    (dates in the configured time zone, both inclusive; a bound beyond the calendar's ends is
    no bound)."""
    filters = filters or {}
    # Whole service rows: they are small, and a deferred field read later (a signal receiver
    # reading team_id on load, say) would cost a query per service.
    incidents = (
        Incident.objects.filter(
            api_token_incidents(token) if token is not None else incident_visibility(viewer)
        )
        .select_related("team")
        .prefetch_related("services")
    )
    if q := (filters.get("q") or "").strip():
        for word in q.split():
            incidents = incidents.filter(title__icontains=word)
    if status := filters.get("status"):
        if status == "open":
            incidents = incidents.exclude(status=Status.RESOLVED)
        else:
            incidents = incidents.filter(status=status)
    if severity := filters.get("severity"):
        incidents = incidents.filter(severity=severity)
    if team := filters.get("team"):
        incidents = incidents.filter(team=team)
    if service := filters.get("service"):
        incidents = incidents.filter(services=service)
    if (started_from := filters.get("started_from")) and (start := _start_of_day(started_from)):
        incidents = incidents.filter(started_at__gte=start)
    if (started_until := filters.get("started_until")) and (end := _end_of_day(started_until)):
        incidents = incidents.filter(started_at__lt=end)
    return incidents


def incident_detail(*, pk: int, with_timeline: bool = True) -> Incident:
    """One incident with what its page shows; the edit page needs no timeline."""
    incidents = Incident.objects.select_related(
        "team", "commander", "reporter", "caused_by_deployment__service"
    ).prefetch_related("services", "responders")
    if with_timeline:
        incidents = incidents.prefetch_related(
            Prefetch("events", queryset=TimelineEvent.objects.select_related("author"))
        )
    return incidents.get(pk=pk)


def team_list(*, viewer) -> QuerySet[Team]:
    """Teams with their counts; the open incidents counted are those `viewer` may see."""
    open_incidents = Incident.objects.filter(incident_visibility(viewer)).exclude(
        status=Status.RESOLVED
    )
    return Team.objects.annotate(
        member_count=_count(Team.members.through.objects.all(), of="team"),
        service_count=_count(Service.objects.all(), of="team"),
        open_incident_count=_count(open_incidents, of="team"),
    ).order_by("name")


def service_list(*, viewer) -> QuerySet[Service]:
    """Services with their open incidents, counting those `viewer` may see."""
    open_seen = ~Q(incidents__status=Status.RESOLVED) & incident_visibility(viewer, "incidents__")
    return (
        Service.objects.select_related("team")
        .annotate(
            open_incident_count=Count(
                "incidents",
                filter=open_seen & Q(incidents__deleted_at__isnull=True),
                distinct=True,
            )
        )
        .order_by("name")
    )


def deployment_list(*, service: Service, viewer) -> QuerySet[Deployment]:
    return (
        Deployment.objects.filter(service=service)
        .select_related("recorded_by")
        .annotate(
            commit_count=_count(DeploymentCommit.objects.all(), of="deployment"),
            incident_count=_count(
                Incident.objects.filter(incident_visibility(viewer)),
                of="caused_by_deployment",
            ),
        )
        .order_by("-deployed_at", "-pk")
    )
