"""Writes to incidents. Each service is one transaction, so an incident and the timeline event
that records its change are saved together or not at all. Deployments are recorded in
incidents/deployments.py; the rules for moments live in incidents/times.py."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypedDict

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.services import entries_record_update
from followups.models import ActionItem
from outbound import events as outbound_events
from postmortems.models import Postmortem

from .models import (
    TIMESTAMP_FIELDS,
    Deployment,
    Incident,
    Service,
    Severity,
    Status,
    Team,
    TimelineEvent,
)
from .times import (
    clamped,
    earliest_error,
    in_the_future,
    too_early,
    validate_incident_times,
    when,
)


class IncidentChanges(TypedDict, total=False):
    """An incident's editable details. An edit passes only the ones it changes."""

    title: str
    summary: str
    customer_impact: str
    severity: int
    services: Sequence[Service]
    team: Team
    commander: User | None
    caused_by_deployment: Deployment | None
    is_drill: bool
    is_private: bool
    started_at: datetime
    detected_at: datetime | None
    acknowledged_at: datetime | None
    restored_at: datetime | None
    resolved_at: datetime | None


EDITABLE_FIELDS: tuple[str, ...] = tuple(IncidentChanges.__annotations__)


class EditConflict(Exception):
    """Someone else changed, since the editor loaded the incident, a detail the editor
    changed too. `fields` names those details; `current` is the incident as saved now."""

    def __init__(self, current: Incident, fields: Sequence[str]):
        super().__init__("The incident was changed by someone else while you were editing it.")
        self.current = current
        self.fields = list(fields)


def comparable(name: str, value) -> object:
    """A detail's value as edits compare it: related objects by primary key, services as a
    set of primary keys, text as a form sends it back (trimmed, with browsers' CRLF line
    breaks read as LF)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if name == "services":
        return frozenset(item.pk if isinstance(item, models.Model) else int(item) for item in value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def incident_details(incident: Incident) -> dict[str, object]:
    """The incident's editable details, comparable with `comparable` values."""
    details: dict[str, object] = {}
    for name in EDITABLE_FIELDS:
        if name == "services":
            details[name] = frozenset(service.pk for service in incident.services.all())
        else:
            value = getattr(incident, Incident._meta.get_field(name).attname)
            details[name] = comparable(name, value)
    return details


def _validate(
    incident: Incident, *, services: Iterable[Service] | None = None, check_cause: bool = False
) -> None:
    """Check the incident's moments (and, when asked, its cause against its services), then
    keep every accepted moment at or before now (see times.clamped)."""
    errors: dict[str, list[str]] = {}
    try:
        validate_incident_times(**{name: getattr(incident, name) for name in TIMESTAMP_FIELDS})
    except ValidationError as error:
        errors.update(error.message_dict)
    if check_cause and "started_at" not in errors:
        try:
            validate_cause(
                deployment=incident.caused_by_deployment,
                services=incident.services.all() if services is None else services,
                started_at=incident.started_at,
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for name in TIMESTAMP_FIELDS:
        setattr(incident, name, clamped(getattr(incident, name), now))


def validate_cause(
    *, deployment: Deployment | None, services: Iterable[Service], started_at: datetime
) -> None:
    """A deployment caused an incident only if it deployed one of the incident's services,
    at or before impact started."""
    if deployment is None:
        return
    if deployment.service_id not in {service.pk for service in services}:
        message = f"{deployment} is not a deployment of this incident's services."
        raise ValidationError({"caused_by_deployment": message})
    if deployment.deployed_at > started_at:
        raise ValidationError(
            {
                "caused_by_deployment": f"{deployment} was deployed at "
                f"{when(deployment.deployed_at)}, after impact started ({when(started_at)}): "
                "it cannot have caused it."
            }
        )


def _event_time(moment: datetime | None, *, field: str, now: datetime) -> datetime:
    if moment is None:
        return now
    if too_early(moment):
        raise ValidationError({field: earliest_error("A timeline event")})
    if in_the_future(moment, now):
        raise ValidationError({field: "A timeline event cannot be in the future."})
    return clamped(moment, now)


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
    is_private: bool = False,
) -> Incident:
    """Open an incident. Impact started defaults to now; it was detected, unless said
    otherwise, when it was declared. The owning team defaults to the team that owns the
    first service given."""
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
        is_private=is_private,
    )
    _validate(incident, services=services, check_cause=True)
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
    outbound_events.announce_incident_declared(incident=incident)
    return incident


@transaction.atomic
def incident_set_responders(
    *, incident: Incident, responders: Sequence[User], by: User | None
) -> Incident:
    """Name the people responding besides the commander and the reporter (who respond by
    their role). For a private incident these are the people who may see it."""
    before = set(incident.responders.values_list("pk", flat=True))
    after = {user.pk for user in responders}
    if before == after:
        return incident
    incident.responders.set(responders)
    names = ", ".join(sorted(user.get_username() for user in responders)) or "nobody"
    _log(incident, TimelineEvent.Kind.EDITED, by, body=f"Responders now: {names}.")
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
    at = _event_time(at, field="status", now=timezone.now())
    old_label = incident.get_status_display()
    incident.status = status
    restored_now = False
    if status == Status.RESOLVED:
        incident.resolved_at = at
        if incident.restored_at is None:
            incident.restored_at = at
            restored_now = True
    _validate(incident)
    _save(incident)
    if restored_now:
        _log(incident, TimelineEvent.Kind.RESTORED, by, occurred_at=at, body="Service restored.")
        outbound_events.announce_incident_restored(incident=incident)
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
    outbound_events.announce_severity_changed(incident=incident, previous=old_label)
    return incident


@transaction.atomic
def incident_mark_restored(
    *, incident: Incident, by: User | None, restored_at: datetime | None = None, note: str = ""
) -> Incident:
    """Record when service was restored (mitigated), now unless a time is given; a second
    call corrects the time, which it must then give: "now" is never a correction, and a
    stray submit must not move the restore time (time to restore is one of the four keys)."""
    incident = _locked(incident)
    previous = incident.restored_at
    if previous is not None and restored_at is None:
        raise ValidationError(
            {
                "restored_at": f"Service was restored at {when(previous)}; to correct that, "
                "give the right time."
            }
        )
    incident.restored_at = restored_at or timezone.now()
    _validate(incident)
    _save(incident)
    if previous is None:
        body = note or "Service restored."
        outbound_events.announce_incident_restored(incident=incident)
    else:
        body = f"Restore time corrected from {when(previous)}" + (f". {note}" if note else ".")
    _log(incident, TimelineEvent.Kind.RESTORED, by, occurred_at=incident.restored_at, body=body)
    return incident


@transaction.atomic
def incident_acknowledge(
    *, incident: Incident, by: User | None, at: datetime | None = None, note: str = ""
) -> Incident:
    """Someone has picked the incident up. With no commander yet, they become the commander.
    A resolved incident needs nobody to pick it up. `note`, when given, is the timeline's text
    (an acknowledgement in another tool, by nobody Debrief knows)."""
    incident = _locked(incident)
    if incident.is_resolved:
        raise ValidationError(
            {"acknowledged_at": "This incident is resolved; there is nothing to acknowledge."}
        )
    if incident.acknowledged_at is not None:
        raise ValidationError(
            {"acknowledged_at": f"Already acknowledged at {when(incident.acknowledged_at)}."}
        )
    incident.acknowledged_at = at or timezone.now()
    body = "Acknowledged."
    if incident.commander_id is None:
        incident.commander = by
        body = "Acknowledged; now the incident commander."
    body = note or body
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
    """Explicitly move a resolved incident back to investigating; the reason is logged. The
    impact is back, so the restore time is cleared too (the event keeps the old one): it is
    recorded again when service is restored again."""
    incident = _locked(incident)
    if incident.status != Status.RESOLVED:
        raise ValidationError({"reason": "Only a resolved incident can be reopened."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the incident is reopened."})
    previous_restore = incident.restored_at
    incident.status = Status.INVESTIGATING
    incident.resolved_at = None
    incident.restored_at = None
    _save(incident)
    body = reason.strip()
    if previous_restore is not None:
        body += f"\n\nService had been recorded as restored at {when(previous_restore)}."
    _log(
        incident,
        TimelineEvent.Kind.REOPENED,
        by,
        old_value=Status.RESOLVED.label,
        new_value=Status.INVESTIGATING.label,
        body=body,
    )
    return incident


def incident_add_note(
    *, incident: Incident, body: str, by: User | None, occurred_at: datetime | None = None
) -> TimelineEvent:
    """Append a note to the timeline, backdated when it records something that happened
    earlier. Notes leave the incident itself, and so its version, alone: writing on the
    timeline during an incident must not turn someone's edit of the details into a conflict."""
    if not body.strip():
        raise ValidationError({"body": "Write something for the timeline."})
    occurred_at = _event_time(occurred_at, field="occurred_at", now=timezone.now())
    return _log(incident, TimelineEvent.Kind.NOTE, by, body=body.strip(), occurred_at=occurred_at)


def _refuse_impossible_edits(
    incident: Incident, changes: IncidentChanges, changed: list[str]
) -> None:
    errors = {}
    if "detected_at" in changed and changes["detected_at"] is None:
        errors["detected_at"] = "Every incident was detected at some moment; correct it instead."
    if "services" in changed and not changes["services"]:
        errors["services"] = "Choose at least one affected service."
    if incident.is_resolved:
        if "restored_at" in changed and changes["restored_at"] is None:
            errors["restored_at"] = "A resolved incident needs its restore time."
        if "resolved_at" in changed and changes["resolved_at"] is None:
            errors["resolved_at"] = "A resolved incident needs its resolved time."
    elif "resolved_at" in changed and changes["resolved_at"] is not None:
        errors["resolved_at"] = "Resolve the incident to record when it was resolved."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    by: User | None,
    changes: IncidentChanges,
    loaded: IncidentChanges | dict[str, object] | None = None,
) -> Incident:
    """Edit an incident's details: apply `changes`, the details this editor changed.

    `loaded` holds those details as the editor first saw them. When someone else has since
    changed one of them to something else than this editor chose, nothing is saved and
    EditConflict names them; details only the other person changed are never touched, so two
    people can edit different details of a live incident at once."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")
    incident = _locked(incident)
    current = incident_details(incident)
    wanted = {name: comparable(name, value) for name, value in changes.items()}
    if loaded is not None:
        conflicts = [
            name
            for name in changes
            if name in loaded
            and comparable(name, loaded[name]) != current[name]
            and wanted[name] != current[name]
        ]
        if conflicts:
            raise EditConflict(incident, conflicts)
    changed = [name for name in changes if wanted[name] != current[name]]
    if not changed:
        return incident
    _refuse_impossible_edits(incident, changes, changed)
    old_severity = incident.get_severity_display()
    for name in changed:
        if name != "services":
            setattr(incident, name, changes[name])
    services = list(changes["services"]) if "services" in changed else None
    cause_affected = {"caused_by_deployment", "services", "started_at"} & set(changed)
    _validate(incident, services=services, check_cause=bool(cause_affected))
    _save(incident)
    if services is not None:
        incident.services.set(services)
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


# The bin ------------------------------------------------------------------------------------
# Binning marks the incident and, with the very same moment, its postmortem and follow-ups
# that are not in the bin already. Every query then hides them through their own
# `deleted_at` (no join to the incident), and restoring brings back exactly the rows that
# carry the incident's moment: something binned on its own before stays in the bin.


def incident_bin_note(*, incident: Incident, by: User | None, body: str) -> None:
    """Record on the incident's timeline that it, its postmortem or a follow-up went to or
    came back from the bin."""
    # A note, not a kind of its own: "Service restored" already means something else, and
    # new kinds would need a migration of the choices.
    _log(incident, TimelineEvent.Kind.NOTE, by, body=body, occurred_at=timezone.now())


@transaction.atomic
def incident_delete(*, incident: Incident, by: User) -> Incident:
    """Move the incident to the bin, with its postmortem and follow-ups: they vanish from
    every page, list, search, export, statistic and notification until an admin restores
    them (incident_restore)."""
    try:
        incident = _locked(incident)
    except Incident.DoesNotExist:
        raise ValidationError("This incident is already in the bin.") from None
    now = timezone.now()
    incident.deleted_at = now
    incident.deleted_by = by
    # A save, not an update: the learning figures it counted in are invalidated by signal.
    incident.save(update_fields=["deleted_at", "deleted_by"])
    # Updates send no signals: the audit trail is told of each postmortem and follow-up.
    binned = {"deleted_at": now, "deleted_by": by}
    entries_record_update(Postmortem.objects.filter(incident=incident), **binned)
    entries_record_update(ActionItem.objects.filter(incident=incident), **binned)
    incident_bin_note(incident=incident, by=by, body="Moved to the bin.")
    return incident


@transaction.atomic
def incident_restore(*, incident: Incident, by: User) -> Incident:
    """Bring the incident back from the bin with what was binned along with it."""
    incident = Incident.all_objects.select_for_update().get(pk=incident.pk)
    if incident.deleted_at is None:
        raise ValidationError("This incident is not in the bin.")
    binned_with_it = {"incident": incident, "deleted_at": incident.deleted_at}
    restored = {"deleted_at": None, "deleted_by": None}
    entries_record_update(Postmortem.all_objects.filter(**binned_with_it), **restored)
    entries_record_update(ActionItem.all_objects.filter(**binned_with_it), **restored)
    incident.deleted_at = None
    incident.deleted_by = None
    incident.save(update_fields=["deleted_at", "deleted_by"])
    incident_bin_note(incident=incident, by=by, body="Restored from the bin.")
    return incident
