"""How the audit page reads an entry's stored changes back: field names, choices by their
labels, and the bin's moves named as such."""

import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst

from .models import AuditEntry

BIN_FIELD = "deleted_at"
EMPTY = "—"


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_name(object_type: str) -> str:
    model = _model(object_type)
    return capfirst(model._meta.verbose_name) if model else object_type


def what_happened(entry: AuditEntry) -> str:
    """Created, Changed or Deleted; a move to or from the bin is named as such."""
    moved = entry.changes.get(BIN_FIELD) if entry.action == AuditEntry.Action.CHANGED else None
    if isinstance(moved, list) and len(moved) == 2:
        return "Moved to bin" if moved[1] else "Restored from bin"
    return entry.get_action_display()


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _shown(field, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        try:
            moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        except ValueError:
            return value
        return formats.date_format(moment, "j M Y H:i")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or EMPTY
    return str(value)


def _characters(count) -> str:
    return EMPTY if count is None else f"{count} characters"


def change_rows(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each recorded change, in a form a person reads."""
    model = _model(entry.object_type)
    rows = []
    for name, change in entry.changes.items():
        field = _field(model, name)
        label = capfirst(field.verbose_name) if field is not None else name
        if change in ("set", "changed"):
            rows.append((label, "", f"{change} (secret, not recorded)"))
        elif isinstance(change, dict) and "characters" in change:
            before, after = change["characters"]
            rows.append((label, _characters(before), _characters(after)))
        elif isinstance(change, dict):
            removed = ", ".join(change.get("removed", []))
            added = ", ".join(change.get("added", []))
            rows.append(
                (label, f"removed {removed}" if removed else "", f"added {added}" if added else "")
            )
        elif isinstance(change, list) and len(change) == 2:
            rows.append((label, _shown(field, change[0]), _shown(field, change[1])))
    return rows
