"""Model signals that record every tracked create, change and delete (audit/registry.py
lists what is tracked; audit/recording.py how changes are stored)."""

from functools import partial

from django.db.models import signals

from . import recording, services
from .context import is_recording
from .models import AuditEntry
from .registry import TRACKED_M2M, tracked_models

PENDING_DELETE = "_audit_pending_delete"
PENDING_CLEAR = "_audit_pending_clear"


def connect() -> None:
    for model, tracked in tracked_models().items():
        fields = recording.audited_fields(model, tracked)
        json_fields = tuple(
            field.attname for field in fields if field.get_internal_type() == "JSONField"
        )
        uid = f"audit-{model._meta.label_lower}"
        signals.post_init.connect(
            partial(_loaded, json_fields=json_fields), sender=model, weak=False, dispatch_uid=uid
        )
        signals.pre_save.connect(
            partial(_saving, fields=fields), sender=model, weak=False, dispatch_uid=uid
        )
        signals.post_save.connect(
            partial(_saved, fields=fields, tracked=tracked, json_fields=json_fields),
            sender=model,
            weak=False,
            dispatch_uid=uid,
        )
        signals.pre_delete.connect(_deleting, sender=model, weak=False, dispatch_uid=uid)
        signals.post_delete.connect(_deleted, sender=model, weak=False, dispatch_uid=uid)
    for model, names in ((m, TRACKED_M2M.get(m._meta.label, ())) for m in tracked_models()):
        for name in names:
            through = model._meta.get_field(name).remote_field.through
            signals.m2m_changed.connect(
                partial(_m2m_changed, holder=model, name=name),
                sender=through,
                weak=False,
                dispatch_uid=f"audit-{model._meta.label_lower}-{name}",
            )


def _loaded(sender, instance, json_fields, **kwargs):
    recording.take_snapshot(instance, json_fields)


def _saving(sender, instance, raw, update_fields, fields, **kwargs):
    """Read from the database, once, the old values of fields deferred when the row was
    loaded, before this save overwrites them."""
    if raw or instance._state.adding or not is_recording():
        return
    old = recording.snapshot_of(instance)
    names = {field.attname for field in fields}
    if update_fields is not None:
        names &= {sender._meta.get_field(name).attname for name in update_fields}
    if missing := [name for name in names if name not in old]:
        row = sender._base_manager.filter(pk=instance.pk).values(*missing).first()
        old.update(row or {})


def _saved(sender, instance, created, raw, update_fields, fields, tracked, json_fields, **kwargs):
    if not raw and is_recording():
        if created:
            changes = recording.created_changes(instance, fields, tracked)
            services.entry_record_for(
                instance=instance, action=AuditEntry.Action.CREATED, changes=changes
            )
        else:
            if update_fields is not None:
                fields = [
                    field
                    for field in fields
                    if field.name in update_fields or field.attname in update_fields
                ]
            if changes := recording.diff(instance, fields, tracked):
                services.entry_record_for(
                    instance=instance, action=AuditEntry.Action.CHANGED, changes=changes
                )
    recording.take_snapshot(instance, json_fields)


def _deleting(sender, instance, **kwargs):
    # Named before anything is deleted: by post_delete, a cascade may have removed the rows
    # that the object's name and team come from.
    if is_recording():
        team_id, incident_number = services.owner_of(instance)
        instance.__dict__[PENDING_DELETE] = {
            "object_type": instance._meta.label_lower,
            "object_id": instance.pk,
            "object_label": recording.label_of(instance),
            "team_id": team_id,
            "incident_number": incident_number,
        }


def _deleted(sender, instance, **kwargs):
    if (pending := instance.__dict__.pop(PENDING_DELETE, None)) is not None:
        services.entry_record(action=AuditEntry.Action.DELETED, **pending)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, holder, name, **kwargs):
    """A many-to-many change, recorded on the object holding the field (an incident's
    services or responders, a team's members or admins), from whichever side it was made."""
    if not is_recording():
        return
    if action == "pre_clear":
        related = getattr(instance, _accessor(holder, name, reverse))
        instance.__dict__.setdefault(PENDING_CLEAR, {})[name] = set(
            related.values_list("pk", flat=True)
        )
        return
    if action == "post_clear":
        pk_set = instance.__dict__.get(PENDING_CLEAR, {}).pop(name, set())
        action = "post_remove"
    if action not in {"post_add", "post_remove"} or not pk_set:
        return
    key = "added" if action == "post_add" else "removed"
    others = sorted(model._base_manager.filter(pk__in=pk_set), key=lambda obj: obj.pk)
    if not reverse:
        labels = [recording.label_of(other) for other in others]
        services.entry_record_for(
            instance=instance, action=AuditEntry.Action.CHANGED, changes={name: {key: labels}}
        )
        return
    for other in others:
        services.entry_record_for(
            instance=other,
            action=AuditEntry.Action.CHANGED,
            changes={name: {key: [recording.label_of(instance)]}},
        )


def _accessor(holder, name: str, reverse: bool) -> str:
    field = holder._meta.get_field(name)
    return field.remote_field.get_accessor_name() if reverse else name
