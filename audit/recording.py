"""How an object's fields become an entry's `changes`.

Changes are found without reading the row again: every tracked instance keeps a snapshot of
its field values from when it was loaded (post_init), refreshed as it is saved, and a save
is compared with that. A field that was deferred when the row was loaded is read once from
the database before the save overwrites it. Reading the old row on every save would cost a
query per write; the snapshot costs a dictionary copy per loaded object.

Values are stored as JSON:
- most fields as [old, new], choices by their stored value, related objects by their name
  at the time (users by username), times in ISO 8601;
- text fields (TextField: summaries, section bodies, prompts) as {"characters": [old, new]},
  their lengths: the text itself stays with its object (section revisions, the timeline),
  and an audit trail of whole bodies would grow with every autosave;
- secrets (token digests, webhook secrets, destination URLs) as "set" or "changed", never
  their values;
- many-to-many fields as {"added": [...], "removed": [...]}.
A created entry holds the initial values that are set ([null, value]); a deleted entry holds
none: the object's name says what was deleted, its earlier entries say the rest."""

import copy
import datetime
import decimal
import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from .registry import NOISE, Tracked

SNAPSHOT = "_audit_snapshot"
LABEL_LENGTH = 300


def audited_fields(model: type[models.Model], tracked: Tracked) -> list[models.Field]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in NOISE or field.name in tracked.exclude:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        fields.append(field)
    return fields


def take_snapshot(instance: models.Model, json_fields: tuple[str, ...] = ()) -> None:
    values = instance.__dict__.copy()
    values.pop(SNAPSHOT, None)
    values.pop("_state", None)
    for name in json_fields:
        # Lists and dicts can be changed in place; the snapshot must keep the old ones.
        if name in values:
            values[name] = copy.deepcopy(values[name])
    instance.__dict__[SNAPSHOT] = values


def snapshot_of(instance: models.Model) -> dict:
    return instance.__dict__.get(SNAPSHOT, {})


def label_of(obj) -> str:
    """How an entry names an object: users by username, everything else by its str()."""
    if obj is None:
        return ""
    try:
        label = obj.get_username() if hasattr(obj, "get_username") else str(obj)
    except ObjectDoesNotExist:
        label = f"{obj._meta.verbose_name} #{obj.pk}"
    return label[:LABEL_LENGTH]


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    return value


def _related_label(field: models.ForeignKey, instance, value, *, current: bool):
    if value is None:
        return None
    if current and field.is_cached(instance):
        related = field.get_cached_value(instance)
        if related is not None and related.pk == value:
            return label_of(related)
    related = field.related_model._base_manager.filter(pk=value).first()
    return label_of(related) if related is not None else f"#{value}"


def _is_text(field: models.Field) -> bool:
    return isinstance(field, models.TextField)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def created_changes(instance, fields: list[models.Field], tracked: Tracked) -> dict:
    changes = {}
    for field in fields:
        value = getattr(instance, field.attname)
        if _empty(value):
            continue
        if field.name in tracked.secret:
            changes[field.name] = "set"
        elif _is_text(field):
            changes[field.name] = {"characters": [None, len(value)]}
        elif field.is_relation:
            changes[field.name] = [None, _related_label(field, instance, value, current=True)]
        else:
            changes[field.name] = [None, _plain(value)]
    return changes


def changed_fields(instance, fields: list[models.Field]) -> list[models.Field]:
    old = snapshot_of(instance)
    return [
        field
        for field in fields
        if field.attname in old and old[field.attname] != getattr(instance, field.attname)
    ]


def diff(instance, fields: list[models.Field], tracked: Tracked) -> dict:
    old = snapshot_of(instance)
    changes = {}
    for field in changed_fields(instance, fields):
        before, after = old[field.attname], getattr(instance, field.attname)
        if field.name in tracked.secret:
            changes[field.name] = "changed"
        elif _is_text(field):
            changes[field.name] = {"characters": [len(before or ""), len(after or "")]}
        elif field.is_relation:
            changes[field.name] = [
                _related_label(field, instance, before, current=False),
                _related_label(field, instance, after, current=True),
            ]
        else:
            changes[field.name] = [_plain(before), _plain(after)]
    return changes
