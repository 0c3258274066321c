"""Reads that span relations, shaped so that each page costs a fixed number of queries."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Deployment, Incident, Service, Status, Team, TimelineEvent


def _start_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def incident_list(*, filters: dict | None = None) -> QuerySet[Incident]:
    """Incidents newest first, narrowed by the list page's filters (all optional): q (title
    words), status ("open" or a status), severity, team, service, started_from/started_until
    (dates in the configured time zone, both inclusive)."""
    filters = filters or {}
    incidents = Incident.objects.select_related("team", "commander").prefetch_related(
        Prefetch("services", queryset=Service.objects.only("name", "slug"))
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
    if started_from := filters.get("started_from"):
        incidents = incidents.filter(started_at__gte=_start_of_day(started_from))
    if started_until := filters.get("started_until"):
        incidents = incidents.filter(
            started_at__lt=_start_of_day(started_until + timedelta(days=1))
        )
    return incidents


def incident_detail(*, pk: int) -> Incident:
    return (
        Incident.objects.select_related(
            "team", "commander", "reporter", "caused_by_deployment__service"
        )
        .prefetch_related(
            "services",
            Prefetch("events", queryset=TimelineEvent.objects.select_related("author")),
        )
        .get(pk=pk)
    )


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(
        member_count=Count("members", distinct=True),
        service_count=Count("services", distinct=True),
        open_incident_count=Count(
            "incidents", filter=~Q(incidents__status=Status.RESOLVED), distinct=True
        ),
    ).order_by("name")


def service_list() -> QuerySet[Service]:
    return (
        Service.objects.select_related("team")
        .annotate(
            open_incident_count=Count("incidents", filter=~Q(incidents__status=Status.RESOLVED))
        )
        .order_by("name")
    )


def deployment_list(*, service: Service) -> QuerySet[Deployment]:
    return (
        Deployment.objects.filter(service=service)
        .select_related("recorded_by")
        .annotate(
            commit_count=Count("commits", distinct=True),
            incident_count=Count("caused_incidents", distinct=True),
        )
        .order_by("-deployed_at", "-pk")
    )
