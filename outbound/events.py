"""The calls other apps make when something worth telling a team's chat happens. Each one
records a delivery per interested destination inside the caller's transaction, and the
deliveries are sent once it commits (services.announce): a change that rolls back tells no
one, and a committed one is never lost between the change and the queue.

Nothing about a private incident (its declaration, changes, postmortem or follow-ups) is
announced: a chat channel or an outside system is not one of its responders."""

from datetime import date

from django.utils import timezone

from followups.models import ActionItem
from incidents.models import Incident

from . import messages, services
from .models import Delivery, Destination, Event


def announce_incident_declared(*, incident: Incident) -> None:
    if incident.is_private:
        return
    services.announce(messages.incident_declared(incident))


def announce_severity_changed(*, incident: Incident, previous: str) -> None:
    """`previous` is the severity's label before the change ("SEV3")."""
    if incident.is_private:
        return
    services.announce(messages.severity_changed(incident, previous=previous))


def announce_incident_restored(*, incident: Incident) -> None:
    if incident.is_private:
        return
    services.announce(messages.incident_restored(incident))


def announce_postmortem_published(*, postmortem) -> None:
    if postmortem.incident.is_private:
        return
    services.announce(messages.postmortem_published(postmortem))


def announce_overdue_followups(*, today: date | None = None) -> int:
    """Tell each team's destinations about its open follow-ups whose due date has passed:
    once per item and due date, however often this runs (the daily reminder runs it), so a
    follow-up is announced again only when its new due date passes too. Returns the number
    of deliveries created."""
    today = today or timezone.localdate()
    listening = [
        destination
        for destination in Destination.objects.filter(is_enabled=True).select_related("team")
        if destination.wants(Event.FOLLOWUP_OVERDUE)
    ]
    if not listening:
        return 0
    by_team: dict[int, list[Destination]] = {}
    for destination in listening:
        by_team.setdefault(destination.team_id, []).append(destination)
    items = (
        ActionItem.objects.filter(
            team_id__in=by_team,
            status__in=[ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS],
            due_date__lt=today,
            incident__is_private=False,
        )
        .select_related("team", "owner", "incident__team", "incident__commander")
        .prefetch_related("incident__services")
        .order_by("due_date", "pk")
    )
    items = list(items)
    keys = {item.pk: messages.followup_overdue_key(item) for item in items}
    # Announced before: this item and due date, to this destination.
    already = set(
        Delivery.objects.filter(destination__in=listening, event_key__in=keys.values()).values_list(
            "destination_id", "event_key"
        )
    )
    created = 0
    for item in items:
        waiting = [
            destination
            for destination in by_team[item.team_id]
            if (destination.pk, keys[item.pk]) not in already
        ]
        if waiting:
            announcement = messages.followup_overdue(item, today=today)
            created += len(services.announce(announcement, to=waiting))
    return created
