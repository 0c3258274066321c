"""The bin: what was moved there (incidents_delete, postmortem_delete, item_delete), for the
organisation admins who may restore it, and the one way every app moves something there."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

from followups.models import ActionItem
from incidents.models import Incident
from postmortems.models import Postmortem

from .permissions import can_delete, ensure_can_view


def binned_incidents() -> QuerySet[Incident]:
    """Incidents in the bin, the latest binned first."""
    return (
        Incident.all_objects.filter(deleted_at__isnull=False)
        .select_related("team", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )


def binned_postmortems() -> QuerySet[Postmortem]:
    """Postmortems binned on their own: one binned with its incident (the same moment) comes
    back with it, and is listed under it only."""
    return (
        Postmortem.all_objects.filter(deleted_at__isnull=False)
        .exclude(incident__deleted_at=F("deleted_at"))
        .select_related("incident", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )


def binned_followups() -> QuerySet[ActionItem]:
    """Follow-ups binned on their own, not with their incident or postmortem."""
    return (
        ActionItem.all_objects.filter(deleted_at__isnull=False)
        .exclude(incident__deleted_at=F("deleted_at"))
        .exclude(postmortem__deleted_at=F("deleted_at"))
        .select_related("incident", "postmortem", "team", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )


def move_to_bin(request, obj, delete: Callable[[], object], *, then: str) -> HttpResponse:
    """Answer a "Move to bin" form: refused (403) to those who may not change `obj`; else
    `delete()` runs, a message says where it went, and the browser goes on to `then`. What
    the user may not even know of is a 404, as everywhere (debrief.permissions.ensure_can_view)."""
    ensure_can_view(request.user, obj, for_edit=True)
    if not can_delete(request.user, obj):
        raise PermissionDenied
    try:
        delete()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"“{obj}” is in the bin. An organisation admin can restore it from there."
        )
    # The form posts through htmx for its confirmation; the page it leaves no longer exists.
    if request.htmx:
        return HttpResponseClientRedirect(then)
    return redirect(then)
