"""What an event does to Debrief's incidents, shared by the adapters. Each step only fills in
what is missing, so events applied in any order, or twice, end in the same incident."""

from contextlib import suppress
from datetime import datetime

from django.db import IntegrityError, transaction

from incidents import services as incident_services
from incidents.models import Incident, Service, Severity, Team

from .models import ExternalIncident


def locked_link(*, team: Team, source: str, key: str) -> ExternalIncident:
    """The link for an outside incident, created if new and locked until the transaction
    ends. A concurrent request creating the same link waits on the unique key, fails, and
    reads the winner's row instead."""
    # The savepoint is rolled back before the loser's IntegrityError is set aside.
    with suppress(IntegrityError), transaction.atomic():
        ExternalIncident.objects.get_or_create(team=team, source=source, external_key=key)
    return ExternalIncident.objects.select_for_update().get(
        team=team, source=source, external_key=key
    )


def binned_detail(incident: Incident | None) -> str | None:
    """Why an event for `incident` changes nothing, if it is in the bin. Someone decided it
    should not be on the record (a false alarm, a duplicate): later events about the same
    outside incident neither bring it back nor open another one. An admin who restores it
    gets the events that arrive from then on."""
    if incident is not None and incident.deleted_at is not None:
        return f"Ignored: {incident.reference} is in the bin."
    return None


def open_incident(
    *, service: Service, title: str, severity: int, started_at: datetime, summary: str = ""
) -> Incident:
    """Declared by nobody: the alert was detected when impact started."""
    return incident_services.incident_declare(
        title=title[:200] or "Untitled alert",
        severity=severity,
        services=[service],
        reporter=None,
        started_at=started_at,
        detected_at=started_at,
        summary=summary,
    )


def fill_in_start(incident: Incident, started_at: datetime) -> Incident:
    """An earlier start than recorded (an event that arrived late) moves impact start, and
    detection with it, back."""
    if started_at >= incident.started_at:
        return incident
    changes = {"started_at": started_at}
    if incident.detected_at is None or incident.detected_at > started_at:
        changes["detected_at"] = started_at
    return incident_services.incident_update(incident=incident, by=None, changes=changes)


def restore(incident: Incident, *, at: datetime, note: str) -> Incident:
    if incident.restored_at is not None:
        return incident
    return incident_services.incident_mark_restored(
        incident=incident, by=None, restored_at=at, note=note
    )


def acknowledge(incident: Incident, *, at: datetime, note: str) -> Incident:
    if incident.acknowledged_at is not None or incident.is_resolved:
        return incident
    return incident_services.incident_acknowledge(incident=incident, by=None, at=at, note=note)


def apply_incident_event(
    *,
    team: Team,
    service: Service,
    source: str,
    key: str,
    action: str,
    title: str,
    severity: int,
    started_at: datetime,
    occurred_at: datetime,
    via: str,
    summary: str = "",
) -> tuple[Incident | None, str]:
    """Apply "triggered", "acknowledged" or "resolved" for the outside incident `key`: the
    first event of any kind opens the incident, starting at `started_at`; later ones fill in
    an earlier start, the acknowledgement and the restore time, each only once."""
    link = locked_link(team=team, source=source, key=key)
    incident = link.incident
    if (ignored := binned_detail(incident)) is not None:
        return None, ignored
    if incident is None:
        incident = open_incident(
            service=service, title=title, severity=severity, started_at=started_at, summary=summary
        )
        link.incident = incident
        link.save(update_fields=["incident"])
        detail = f"Opened {incident.reference}."
    else:
        incident = fill_in_start(incident, started_at)
        detail = f"Updated {incident.reference}."
    if action == "acknowledged":
        incident = acknowledge(incident, at=occurred_at, note=f"Acknowledged in {via}.")
    elif action == "resolved":
        incident = restore(incident, at=occurred_at, note=f"Resolved in {via}.")
    return incident, detail


def severity_from(value: str, mapping: dict[str, int], default: int = Severity.SEV3) -> int:
    value = value.strip().lower()
    if value in mapping:
        return mapping[value]
    for severity in Severity:
        if value in {str(severity.value), severity.label.lower()}:
            return severity.value
    return default
