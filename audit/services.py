"""Writing audit entries. Model signals call these for every tracked save and delete
(audit/signals.py); services call them directly for writes that bypass signals
(QuerySet.update, bulk_create, bulk_update) where the change matters."""

from django.db import models
from django.db.models import QuerySet

from . import recording
from .context import current_actor, is_recording
from .models import AuditEntry
from .registry import tracked_for


def entry_record(
    *,
    action: str,
    object_type: str,
    object_id,
    object_label: str,
    changes: dict | None = None,
    team_id: int | None = None,
    incident_number: int | None = None,
) -> AuditEntry | None:
    """Append one entry, done by the current actor (audit.context). Nothing is written while
    recording is off (loading a backup)."""
    if not is_recording():
        return None
    actor = current_actor()
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_label=actor.label[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label[: recording.LABEL_LENGTH],
        changes=changes or {},
        team_id=team_id,
        incident_number=incident_number,
    )


def owner_of(instance: models.Model) -> tuple[int | None, int | None]:
    """(team id, incident number) of a tracked object, for the audit page's filters."""
    tracked = tracked_for(type(instance))
    if tracked is None:
        return None, None
    try:
        return tracked.owner(instance)
    except models.ObjectDoesNotExist:
        return None, None


def entry_record_for(
    *, instance: models.Model, action: str, changes: dict | None = None
) -> AuditEntry | None:
    """Append an entry about a tracked object, which names it and its team and incident."""
    if not is_recording():
        return None
    team_id, incident_number = owner_of(instance)
    return entry_record(
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_label=recording.label_of(instance),
        changes=changes,
        team_id=team_id,
        incident_number=incident_number,
    )


def entry_record_created(*, instance: models.Model) -> AuditEntry | None:
    """The creation of an object that was inserted without signals (bulk_create)."""
    tracked = tracked_for(type(instance))
    fields = recording.audited_fields(type(instance), tracked)
    changes = recording.created_changes(instance, fields, tracked)
    entry = entry_record_for(instance=instance, action=AuditEntry.Action.CREATED, changes=changes)
    recording.take_snapshot(instance)
    return entry


def entry_record_changes(*, instance: models.Model) -> AuditEntry | None:
    """What changed on an object since it was loaded, for a write without signals
    (bulk_update, QuerySet.update); nothing when no tracked field changed."""
    tracked = tracked_for(type(instance))
    fields = recording.audited_fields(type(instance), tracked)
    changes = recording.diff(instance, fields, tracked)
    recording.take_snapshot(instance)
    if not changes:
        return None
    return entry_record_for(instance=instance, action=AuditEntry.Action.CHANGED, changes=changes)


def entries_record_update(queryset: QuerySet, **values) -> int:
    """QuerySet.update(**values), with an entry for each row it changes, as a save would
    have recorded: an update sends no signals. For writes that move a handful of rows, such
    as the follow-ups binned with their incident. Returns the number of rows updated."""
    rows = list(queryset) if is_recording() else []
    updated = queryset.update(**values)
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        entry_record_changes(instance=row)
    return updated
