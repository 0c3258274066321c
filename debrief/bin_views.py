"""The bin page (/bin/) and restoring from it, for organisation admins (can_restore)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from followups import services as followup_services
from followups.models import ActionItem
from incidents import services as incident_services
from incidents.models import Incident
from postmortems import services as postmortem_services
from postmortems.models import Postmortem

from . import bin as selectors
from .http import page_of
from .permissions import can_restore

# What the bin shows, one list at a time: ?show=incidents (the default), postmortems, follow-ups.
LISTS = {
    "incidents": ("Incidents", selectors.binned_incidents),
    "postmortems": ("Postmortems", selectors.binned_postmortems),
    "followups": ("Follow-ups", selectors.binned_followups),
}


def _require_admin(request) -> None:
    if not can_restore(request.user):
        raise PermissionDenied


@require_GET
def bin_list(request):
    _require_admin(request)
    show = request.GET.get("show")
    if show not in LISTS:
        show = "incidents"
    title, rows = LISTS[show]
    page = page_of(request, rows(), settings.INCIDENTS_PER_PAGE)
    context = {
        "page": page,
        "show": show,
        "title": title,
        "lists": [(key, label) for key, (label, _) in LISTS.items()],
        "query": f"show={show}",
    }
    return render(request, "bin/list.html", context)


def _restore(request, obj, restore, *, show: str):
    """Run `restore()` and show what came back; a refusal (its incident is still in the
    bin) is said on the bin's list it came from."""
    try:
        restore()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('bin:list')}?show={show}")
    messages.success(request, f"“{obj}” is restored, with what was binned along with it.")
    return redirect(obj.get_absolute_url())


@require_POST
def incident_restore(request, pk: int):
    _require_admin(request)
    incident = get_object_or_404(Incident.all_objects, pk=pk, deleted_at__isnull=False)
    return _restore(
        request,
        incident,
        lambda: incident_services.incident_restore(incident=incident, by=request.user),
        show="incidents",
    )


@require_POST
def postmortem_restore(request, pk: int):
    _require_admin(request)
    postmortem = get_object_or_404(Postmortem.all_objects, pk=pk, deleted_at__isnull=False)
    return _restore(
        request,
        postmortem,
        lambda: postmortem_services.postmortem_restore(postmortem=postmortem, by=request.user),
        show="postmortems",
    )


@require_POST
def followup_restore(request, pk: int):
    _require_admin(request)
    item = get_object_or_404(ActionItem.all_objects, pk=pk, deleted_at__isnull=False)
    return _restore(
        request,
        item,
        lambda: followup_services.item_restore(item=item, by=request.user),
        show="followups",
    )
