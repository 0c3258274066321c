"""Writes to incidents and deployments. Each service is one transaction, so an incident and
the timeline event that records its change are saved together or not at all."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from .models import (
    Deployment,
    DeploymentCommit,
    Incident,
    Service,
    Severity,
    Status,
    Team,
    TimelineEvent,
)

# Browsers' and servers' clocks drift a little; "now" typed in a form may be slightly ahead.
CLOCK_SKEW = timedelta(minutes=2)

TIMESTAMP_LABELS = {
    "started_at": "Impact started",
    "detected_at": "Detected",
    "acknowledged_at": "Acknowledged",
    "restored_at": "Service restored",
    "resolved_at": "Resolved",
}


class EditConflict(Exception):
    """Someone else changed the incident after the editor loaded it."""

    def __init__(self, current: Incident):
        super().__init__("The incident was changed by someone else while you were editing it.")
        self.current = current


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def validate_incident_times(
    *,
    started_at: datetime,
    detected_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
    restored_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> None:
    """Refuse timestamps in the future, before impact started, or resolved before restored."""
    moments = {
        "started_at": started_at,
        "detected_at": detected_at,
        "acknowledged_at": acknowledged_at,
        "restored_at": restored_at,
        "resolved_at": resolved_at,
    }
    latest_allowed = timezone.now() + CLOCK_SKEW
    errors: dict[str, str] = {}
    for field, moment in moments.items():
        if moment is None:
            continue
        label = TIMESTAMP_LABELS[field]
        if moment > latest_allowed:
            errors[field] = f"{label} cannot be in the future."
        elif field != "started_at" and moment < started_at:
            errors[field] = f"{label} cannot be before impact started ({_when(started_at)})."
    if (
        "resolved_at" not in errors
        and resolved_at is not None
        and restored_at is not None
        and resolved_at < restored_at
    ):
        errors["resolved_at"] = (
            f"Resolved cannot be before service was restored ({_when(restored_at)})."
        )
    if errors:
        raise ValidationError(errors)


def _validate(incident: Incident) -> None:
    validate_incident_times(
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        acknowledged_at=incident.acknowledged_at,
        restored_at=incident.restored_at,
        resolved_at=incident.resolved_at,
    )


def _locked(incident: Incident) -> Incident:
    """The incident's current row, locked until the transaction ends (a no-op on SQLite,
    whose IMMEDIATE transactions already serialise writers)."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _log(incident: Incident, kind: str, by: User | None, **fields) -> TimelineEvent:
    return TimelineEvent.objects.create(incident=incident, kind=kind, author=by, **fields)


def _save(incident: Incident) -> None:
    incident.version += 1
    incident.save()


@transaction.atomic
def incident_declare(
    *,
    title: str,
    severity: int,
    services: Sequence[Service],
    reporter: User | None,
    team: Team | None = None,
    summary: str = "",
    customer_impact: str = "",
    commander: User | None = None,
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    caused_by_deployment: Deployment | None = None,
    is_drill: bool = False,
) -> Incident:
    """Open an incident. Impact started defaults to now; it was detected, at the latest, when
    it was declared. The owning team defaults to the team that owns the first service."""
    if not services:
        raise ValidationError({"services": "Choose at least one affected service."})
    now = timezone.now()
    # Whole minutes, like every time typed in the app, so "restored at" now is never before it.
    started_at = started_at or now.replace(second=0, microsecond=0)
    incident = Incident(
        title=title.strip(),
        summary=summary,
        customer_impact=customer_impact,
        severity=severity,
        team=team or services[0].team,
        commander=commander,
        reporter=reporter,
        started_at=started_at,
        detected_at=detected_at or max(started_at, now),
        caused_by_deployment=caused_by_deployment,
        is_drill=is_drill,
    )
    _validate(incident)
    incident.save()
    incident.services.set(services)
    _log(
        incident,
        TimelineEvent.Kind.DECLARED,
        reporter,
        new_value=Severity(severity).label,
        body=f"Declared as {Severity(severity).label}" + (" (drill)" if is_drill else "") + ".",
        occurred_at=now,
    )
    return incident


@transaction.atomic
def incident_change_status(
    *, incident: Incident, status: str, by: User | None, at: datetime | None = None, note: str = ""
) -> Incident:
    """Move an open incident along its lifecycle and log the change. Resolving also records
    service restored at the same moment when no restore time was recorded before."""
    incident = _locked(incident)
    if incident.status == Status.RESOLVED:
        raise ValidationError(
            {"status": "This incident is resolved. Reopen it explicitly to change its status."}
        )
    if status == incident.status:
        raise ValidationError(
            {"status": f"The incident is already {incident.get_status_display()}."}
        )
    at = at or timezone.now()
    old_label = incident.get_status_display()
    incident.status = status
    if status == Status.RESOLVED:
        incident.resolved_at = at
        if incident.restored_at is None:
            incident.restored_at = at
            _log(
                incident, TimelineEvent.Kind.RESTORED, by, occurred_at=at, body="Service restored."
            )
    _validate(incident)
    _save(incident)
    _log(
        incident,
        TimelineEvent.Kind.STATUS_CHANGE,
        by,
        old_value=old_label,
        new_value=incident.get_status_display(),
        occurred_at=at,
        body=note,
    )
    return incident


@transaction.atomic
def incident_change_severity(
    *, incident: Incident, severity: int, by: User | None, note: str = ""
) -> Incident:
    incident = _locked(incident)
    if severity == incident.severity:
        raise ValidationError(
            {"severity": f"The incident is already {incident.get_severity_display()}."}
        )
    old_label = incident.get_severity_display()
    incident.severity = severity
    _save(incident)
    _log(
        incident,
        TimelineEvent.Kind.SEVERITY_CHANGE,
        by,
        old_value=old_label,
        new_value=incident.get_severity_display(),
        body=note,
    )
    return incident


@transaction.atomic
def incident_mark_restored(
    *, incident: Incident, restored_at: datetime, by: User | None, note: str = ""
) -> Incident:
    """Record when service was restored (mitigated); a second call corrects the time."""
    incident = _locked(incident)
    previous = incident.restored_at
    incident.restored_at = restored_at
    _validate(incident)
    _save(incident)
    if previous is None:
        body = note or "Service restored."
    else:
        body = f"Restore time corrected from {_when(previous)}." + (f" {note}" if note else "")
    _log(incident, TimelineEvent.Kind.RESTORED, by, occurred_at=restored_at, body=body)
    return incident


@transaction.atomic
def incident_acknowledge(*, incident: Incident, by: User, at: datetime | None = None) -> Incident:
    """Someone has picked the incident up. With no commander yet, they become the commander."""
    incident = _locked(incident)
    if incident.acknowledged_at is not None:
        raise ValidationError(
            {"acknowledged_at": f"Already acknowledged at {_when(incident.acknowledged_at)}."}
        )
    incident.acknowledged_at = at or timezone.now()
    body = "Acknowledged."
    if incident.commander_id is None:
        incident.commander = by
        body = "Acknowledged; now the incident commander."
    _validate(incident)
    _save(incident)
    _log(
        incident,
        TimelineEvent.Kind.ACKNOWLEDGED,
        by,
        occurred_at=incident.acknowledged_at,
        body=body,
    )
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, by: User | None, reason: str) -> Incident:
    """Explicitly move a resolved incident back to investigating; the reason is logged."""
    incident = _locked(incident)
    if incident.status != Status.RESOLVED:
        raise ValidationError({"reason": "Only a resolved incident can be reopened."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the incident is reopened."})
    incident.status = Status.INVESTIGATING
    incident.resolved_at = None
    _save(incident)
    _log(
        incident,
        TimelineEvent.Kind.REOPENED,
        by,
        old_value=Status.RESOLVED.label,
        new_value=Status.INVESTIGATING.label,
        body=reason.strip(),
    )
    return incident


@transaction.atomic
def incident_add_note(
    *, incident: Incident, body: str, by: User | None, occurred_at: datetime | None = None
) -> TimelineEvent:
    """Append a note to the timeline, backdated when it records something that happened earlier."""
    if not body.strip():
        raise ValidationError({"body": "Write something for the timeline."})
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"occurred_at": "A timeline event cannot be in the future."})
    incident = _locked(incident)
    _save(incident)
    return _log(incident, TimelineEvent.Kind.NOTE, by, body=body.strip(), occurred_at=occurred_at)


EDITABLE_FIELDS = (
    "title",
    "summary",
    "customer_impact",
    "severity",
    "team",
    "commander",
    "caused_by_deployment",
    "is_drill",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "restored_at",
    "resolved_at",
)


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    by: User | None,
    expected_version: int,
    services: Iterable[Service] | None = None,
    **changes,
) -> Incident:
    """Edit an incident's details. Refused with EditConflict when the incident changed since
    the editor loaded it (its version moved on), so nobody's edit is silently overwritten."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")
    incident = _locked(incident)
    if incident.version != expected_version:
        raise EditConflict(incident)
    if changes.get("resolved_at") and incident.status != Status.RESOLVED:
        raise ValidationError(
            {"resolved_at": "Resolve the incident to record when it was resolved."}
        )
    if (
        incident.status == Status.RESOLVED
        and "resolved_at" in changes
        and not changes["resolved_at"]
    ):
        raise ValidationError({"resolved_at": "A resolved incident needs its resolved time."})
    changed = [name for name, value in changes.items() if getattr(incident, name) != value]
    old_severity = incident.get_severity_display()
    for name in changed:
        setattr(incident, name, changes[name])
    _validate(incident)
    services_changed = services is not None and set(services) != set(incident.services.all())
    if not changed and not services_changed:
        return incident
    _save(incident)
    if services_changed:
        incident.services.set(services)
        changed.append("services")
    if "severity" in changed:
        changed.remove("severity")
        _log(
            incident,
            TimelineEvent.Kind.SEVERITY_CHANGE,
            by,
            old_value=old_severity,
            new_value=incident.get_severity_display(),
        )
    if changed:
        labels = [Incident._meta.get_field(name).verbose_name for name in changed]
        _log(incident, TimelineEvent.Kind.EDITED, by, body="Changed " + ", ".join(labels) + ".")
    return incident


@transaction.atomic
def deployment_record(
    *,
    service: Service,
    version: str,
    by: User | None,
    environment: str = "production",
    deployed_at: datetime | None = None,
    outcome: str = Deployment.Outcome.SUCCEEDED,
    commits: Sequence[tuple[str, datetime | None]] = (),
    first_commit_at: datetime | None = None,
    source: str = "manual",
    external_id: str = "",
) -> Deployment:
    """Record a deployment and its commits. The earliest commit time, when not given, is the
    earliest of the commits' times: lead time for changes is measured from it."""
    deployed_at = deployed_at or timezone.now()
    commit_times = [moment for _, moment in commits if moment is not None]
    if first_commit_at is None and commit_times:
        first_commit_at = min(commit_times)
    errors = {}
    if deployed_at > timezone.now() + CLOCK_SKEW:
        errors["deployed_at"] = "A deployment cannot be recorded in the future."
    if first_commit_at is not None and first_commit_at > deployed_at:
        errors["first_commit_at"] = "The earliest commit cannot be after the deployment."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            deployment = Deployment.objects.create(
                service=service,
                environment=environment.strip() or "production",
                version=version.strip(),
                deployed_at=deployed_at,
                outcome=outcome,
                first_commit_at=first_commit_at,
                source=source,
                external_id=external_id.strip(),
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "external_id": f"A deployment from {source} with this external id "
                "is already recorded."
            }
        ) from None
    DeploymentCommit.objects.bulk_create(
        DeploymentCommit(deployment=deployment, sha=sha, committed_at=moment)
        for sha, moment in dict(commits).items()
    )
    return deployment
