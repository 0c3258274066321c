"""Reads of follow-up improvements, each a fixed number of queries whatever their number."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import F, QuerySet
from django.utils import timezone

from debrief.permissions import action_item_visibility
from incidents.models import Team

from .models import ActionItem, ActionItemChange

UNFINISHED = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)

# The board's status filter: "open" is everything not finished yet, as people say it.
STATUS_FILTERS = {
    "open": UNFINISHED,
    "not_started": (ActionItem.Status.OPEN,),
    "in_progress": (ActionItem.Status.IN_PROGRESS,),
    "closed": ActionItem.CLOSED,
    "done": (ActionItem.Status.DONE,),
    "wont_do": (ActionItem.Status.WONT_DO,),
}

# The board's orders; ties keep the oldest first so that pages do not shuffle.
SORTS = {
    "due": [F("due_date").asc(nulls_last=True), "priority"],
    "-due": [F("due_date").desc(nulls_last=True), "priority"],
    "priority": ["priority", F("due_date").asc(nulls_last=True)],
    "-priority": ["-priority", F("due_date").asc(nulls_last=True)],
    "created": ["created_at"],
    "-created": ["-created_at"],
    "updated": ["updated_at"],
    "-updated": ["-updated_at"],
}
DEFAULT_SORT = "due"


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the (ISO) week that `day` falls in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def item_list(
    *, filters: dict | None = None, team: Team | None = None, viewer: User | None = None
) -> QuerySet[ActionItem]:
    """Follow-ups for the board, narrowed by its filters (all optional): mine (owned by
    `viewer`), team, status (a key of STATUS_FILTERS), due ("overdue": not finished and due
    before today; "this_week": due from Monday to Sunday of this week, today in the configured
    time zone), kind, priority; ordered by sort (a key of SORTS, soonest due first by
    default). `team` is the team board's own team and applies whatever the filters say."""
    filters = filters or {}
    items = ActionItem.objects.select_related("team", "owner", "incident", "postmortem")
    # Whoever asks sees only what they may: no follow-up of a private incident they are not in.
    items = items.filter(action_item_visibility(viewer)) if viewer is not None else items
    if team is not None:
        items = items.filter(team=team)
    if (chosen_team := filters.get("team")) is not None:
        items = items.filter(team=chosen_team)
    if filters.get("mine") and viewer is not None:
        items = items.filter(owner=viewer)
    if statuses := STATUS_FILTERS.get(filters.get("status") or ""):
        items = items.filter(status__in=statuses)
    today = timezone.localdate()
    if filters.get("due") == "overdue":
        items = items.filter(status__in=UNFINISHED, due_date__lt=today)
    elif filters.get("due") == "this_week":
        items = items.filter(due_date__range=week_of(today))
    if kind := filters.get("kind"):
        items = items.filter(kind=kind)
    if priority := filters.get("priority"):
        items = items.filter(priority=priority)
    ordering = SORTS.get(filters.get("sort") or "", SORTS[DEFAULT_SORT])
    return items.order_by(*ordering, "pk")


def item_detail(*, pk: int) -> ActionItem:
    return ActionItem.objects.select_related(
        "team",
        "owner",
        "created_by",
        "incident",
        "postmortem",
        "contributing_factor__category",
        "recurred_in",
    ).get(pk=pk)


def item_history(*, item: ActionItem) -> QuerySet[ActionItemChange]:
    """The item's changes, newest first, with who made them."""
    return item.changes.select_related("actor")


def postmortem_items(*, postmortem) -> QuerySet[ActionItem]:
    """A postmortem's follow-ups in the order its authors gave them."""
    return postmortem.action_items.select_related(
        "team", "owner", "incident", "contributing_factor__category"
    ).order_by("position", "pk")
