import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entry_list(*, filters: dict) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, narrowed by the audit page's filters: `incident` (its
    number), `actor` (the recorded name), `team`, `object_type` with optional `object_id`,
    `action`, and the days `since` and `until` (both included, in the current time zone)."""
    entries = AuditEntry.objects.select_related("team")
    if (incident := filters.get("incident")) is not None:
        entries = entries.filter(incident_number=incident)
    if actor := (filters.get("actor") or "").strip():
        entries = entries.filter(actor_label=actor)
    if team := filters.get("team"):
        entries = entries.filter(team=team)
    if object_type := filters.get("object_type"):
        entries = entries.filter(object_type=object_type)
        if object_id := (filters.get("object_id") or "").strip():
            entries = entries.filter(object_id=object_id)
    if action := filters.get("action"):
        entries = entries.filter(action=action)
    if since := filters.get("since"):
        entries = entries.filter(occurred_at__gte=_start_of(since))
    if until := filters.get("until"):
        entries = entries.filter(occurred_at__lt=_start_of(until + datetime.timedelta(days=1)))
    return entries
