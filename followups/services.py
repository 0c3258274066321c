"""Writes to follow-up improvements. Every change of status, due date, owner or priority is
recorded in the item's history in the same transaction."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident, Team

from .models import ActionItem, ActionItemChange

# Fields whose changes the item's history shows.
TRACKED_FIELDS = ("title", "status", "due_date", "owner", "priority", "kind", "team", "tracker_url")


def _display(item: ActionItem, field: str) -> str:
    value = getattr(item, field)
    if value is None or value == "":
        return ""
    if field == "owner":
        return value.get_full_name() or value.get_username()
    if hasattr(item, f"get_{field}_display"):
        return str(getattr(item, f"get_{field}_display")())
    return str(value)


def _validate_owner(owner: User | None) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": "The owner must be an active member of the organisation."})


# Only links a browser opens as a page: no ftp:, javascript: or file: in a tracker link.
_tracker_url = URLValidator(schemes=["http", "https"])


def _validate_tracker_url(url: str) -> None:
    if not url:
        return
    try:
        _tracker_url(url)
    except ValidationError:
        raise ValidationError(
            {"tracker_url": "Enter the tracker's web address, starting with https:// or http://."}
        ) from None


def _validate_factor(contributing_factor, postmortem) -> None:
    if contributing_factor is not None and (
        postmortem is None or contributing_factor.postmortem_id != postmortem.pk
    ):
        raise ValidationError(
            {"contributing_factor": "Choose a contributing factor of this postmortem."}
        )


@transaction.atomic
def item_create(
    *,
    incident: Incident,
    title: str,
    by: User,
    team: Team | None = None,
    description: str = "",
    kind: str = ActionItem.Kind.PREVENT,
    owner: User | None = None,
    priority: int = ActionItem.Priority.MEDIUM,
    due_date: date | None = None,
    tracker_url: str = "",
    postmortem=None,
    contributing_factor=None,
) -> ActionItem:
    """Add a follow-up. The team defaults to the incident's; a due date must not be past."""
    errors = {}
    if not title.strip():
        errors["title"] = "Say what will change."
    if due_date is not None and due_date < timezone.localdate():
        errors["due_date"] = "A new follow-up cannot be due in the past."
    if errors:
        raise ValidationError(errors)
    _validate_owner(owner)
    _validate_tracker_url(tracker_url)
    _validate_factor(contributing_factor, postmortem)
    position = 0
    if postmortem is not None:
        position = (postmortem.action_items.aggregate(Max("position"))["position__max"] or 0) + 1
    return ActionItem.objects.create(
        incident=incident,
        postmortem=postmortem,
        contributing_factor=contributing_factor,
        team=team or incident.team,
        title=title.strip(),
        description=description,
        kind=kind,
        owner=owner,
        priority=priority,
        due_date=due_date,
        tracker_url=tracker_url,
        position=position,
        created_by=by,
    )


def _apply_status(item: ActionItem, status: str, reason: str) -> None:
    if status == ActionItem.Status.WONT_DO and not (reason or item.wont_do_reason).strip():
        raise ValidationError({"wont_do_reason": "Say why this will not be done."})
    if status == ActionItem.Status.WONT_DO:
        item.wont_do_reason = (reason or item.wont_do_reason).strip()
    if status in ActionItem.CLOSED and item.completed_at is None:
        item.completed_at = timezone.now()
    if status not in ActionItem.CLOSED:
        item.completed_at = None
    if status != ActionItem.Status.WONT_DO:
        item.wont_do_reason = ""
    item.status = status


@transaction.atomic
def item_update(*, item: ActionItem, by: User, changes: dict, reason: str = "") -> ActionItem:
    """Change an item's fields (any of ActionItem's editable ones, status included) and
    record each tracked change in its history."""
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    before = {field: _display(item, field) for field in TRACKED_FIELDS}
    changes = dict(changes)
    status = changes.pop("status", item.status)
    # The reason travels with the status (see _apply_status), never on its own.
    reason = reason or changes.pop("wont_do_reason", "")
    changes.pop("wont_do_reason", None)
    if "title" in changes:
        changes["title"] = changes["title"].strip()
        if not changes["title"]:
            raise ValidationError({"title": "Say what will change."})
    if "owner" in changes:
        _validate_owner(changes["owner"])
    if "tracker_url" in changes:
        _validate_tracker_url(changes["tracker_url"])
    if "contributing_factor" in changes:
        _validate_factor(changes["contributing_factor"], item.postmortem)
    for field, value in changes.items():
        setattr(item, field, value)
    if status != item.status or (status == ActionItem.Status.WONT_DO and reason):
        _apply_status(item, status, reason)
    item.save()
    ActionItemChange.objects.bulk_create(
        ActionItemChange(item=item, actor=by, field=field, old_value=before[field], new_value=after)
        for field in TRACKED_FIELDS
        if (after := _display(item, field)) != before[field]
    )
    return item


def item_set_status(*, item: ActionItem, status: str, by: User, reason: str = "") -> ActionItem:
    return item_update(item=item, by=by, changes={"status": status}, reason=reason)


@transaction.atomic
def items_bulk_status(
    *, items: Iterable[ActionItem], status: str, by: User, reason: str = ""
) -> int:
    """Move several items to one status; all or none (a won't-do needs its reason)."""
    count = 0
    for item in items:
        if item.status != status:
            item_set_status(item=item, status=status, by=by, reason=reason)
            count += 1
    return count


@transaction.atomic
def item_move(*, item: ActionItem, offset: int, by: User) -> None:
    """Move a postmortem's follow-up `offset` places down its list (up when negative); past
    either end it stays at that end."""
    if item.postmortem is None:
        raise ValidationError("Only a postmortem's follow-ups have an order.")
    order = list(item.postmortem.action_items.values_list("pk", flat=True))
    current = order.index(item.pk)
    order.insert(max(0, min(len(order) - 1, current + offset)), order.pop(current))
    items_reorder(postmortem=item.postmortem, ordered_ids=order, by=by)


@transaction.atomic
def items_reorder(*, postmortem, ordered_ids: Sequence[int], by: User) -> None:
    """Put the postmortem's follow-ups in the given order; ids of other items are ignored."""
    items = {item.pk: item for item in postmortem.action_items.all()}
    order = [pk for pk in ordered_ids if pk in items]
    order += [pk for pk in items if pk not in order]
    for position, pk in enumerate(order, start=1):
        items[pk].position = position
    ActionItem.objects.bulk_update(items.values(), ["position"])


@transaction.atomic
def item_delete(*, item: ActionItem, by: User) -> ActionItem:
    """Move the follow-up to the bin: it leaves the board, the digests, the reminders and
    the statistics until an admin restores it."""
    try:
        item = ActionItem.objects.select_for_update().get(pk=item.pk)
    except ActionItem.DoesNotExist:
        raise ValidationError("This follow-up is already in the bin.") from None
    item.deleted_at = timezone.now()
    item.deleted_by = by
    item.save(update_fields=["deleted_at", "deleted_by"])
    incident_services.incident_bin_note(
        incident=item.incident, by=by, body=f"Follow-up “{item.title}” moved to the bin."
    )
    return item


@transaction.atomic
def item_restore(*, item: ActionItem, by: User) -> ActionItem:
    """Bring the follow-up back. One binned with its incident or postmortem comes back with
    it only."""
    item = ActionItem.all_objects.select_for_update().get(pk=item.pk)
    if item.deleted_at is None:
        raise ValidationError("This follow-up is not in the bin.")
    if item.incident.deleted_at is not None:
        raise ValidationError(
            f"Its incident {item.incident.reference} is in the bin: restore the incident."
        )
    if item.postmortem is not None and item.postmortem.deleted_at is not None:
        raise ValidationError("Its postmortem is in the bin: restore the postmortem.")
    item.deleted_at = None
    item.deleted_by = None
    item.save(update_fields=["deleted_at", "deleted_by"])
    incident_services.incident_bin_note(
        incident=item.incident, by=by, body=f"Follow-up “{item.title}” restored from the bin."
    )
    return item
