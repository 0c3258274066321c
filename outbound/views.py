"""A team's notification destinations, for the team's admins: list and add, edit, send a test
message, replace the signing secret, delete, and each destination's delivery log."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from debrief.http import UNPROCESSABLE, add_service_errors, page_of, render_page_or_fragment
from debrief.permissions import can_manage_integrations
from incidents.models import Team

from . import selectors, services
from .forms import DestinationForm, form_for
from .models import Delivery, Destination

DESTINATIONS_PER_PAGE = 25
DELIVERIES_PER_PAGE = 20


def _team(request, slug: str) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not can_manage_integrations(request.user, team):
        raise PermissionDenied("Only the team's admins manage its notifications.")
    return team


def _destination(request, slug: str, pk: int) -> Destination:
    team = _team(request, slug)
    return get_object_or_404(Destination.objects.select_related("team"), team=team, pk=pk)


def _show_secret(request, destination: Destination, *, status=200):
    return render(request, "outbound/secret.html", {"destination": destination}, status=status)


@require_http_methods(["GET", "POST"])
def destinations(request, slug: str):
    """The team's destinations; a POST adds one. A JSON destination's secret is shown in the
    answer to that POST, and never again."""
    team = _team(request, slug)
    form = DestinationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                destination = services.destination_create(
                    team=team, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if destination.kind == Destination.Kind.JSON:
                    return _show_secret(request, destination, status=201)
                messages.success(request, f"Destination “{destination.name}” added.")
                return redirect("outbound:destinations", team.slug)
        status = UNPROCESSABLE
    page = page_of(request, selectors.destination_list(team=team), DESTINATIONS_PER_PAGE)
    context = {"team": team, "form": form, "page": page}
    return render(request, "outbound/destinations.html", context, status=status)


@require_GET
def log(request, slug: str, pk: int):
    """The destination's deliveries, newest first, each with every attempt and its answer."""
    destination = _destination(request, slug, pk)
    page = page_of(request, selectors.delivery_log(destination=destination), DELIVERIES_PER_PAGE)
    context = {"team": destination.team, "destination": destination, "page": page}
    return render_page_or_fragment(request, "outbound/log.html", "log", context)


@require_http_methods(["GET", "POST"])
def edit(request, slug: str, pk: int):
    destination = _destination(request, slug, pk)
    form = form_for(destination, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.destination_update(destination=destination, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Destination “{destination.name}” saved.")
                return redirect("outbound:destinations", destination.team.slug)
        status = UNPROCESSABLE
        # What the user typed stays in the form; the heading keeps the saved name.
        destination.refresh_from_db()
    context = {"team": destination.team, "destination": destination, "form": form}
    return render(request, "outbound/edit.html", context, status=status)


TEST_OUTCOMES = {
    Delivery.State.DELIVERED: "Test message delivered.",
    Delivery.State.FAILED: "The test message could not be delivered; the log shows why.",
    Delivery.State.PENDING: "Test message queued; the log shows each attempt.",
}


@require_POST
def send_test(request, slug: str, pk: int):
    destination = _destination(request, slug, pk)
    delivery = services.destination_send_test(destination=destination)
    # Without a broker the message was sent as the transaction committed: say how it went.
    delivery.refresh_from_db()
    level = messages.ERROR if delivery.state == Delivery.State.FAILED else messages.SUCCESS
    messages.add_message(request, level, TEST_OUTCOMES[delivery.state])
    return redirect("outbound:log", destination.team.slug, destination.pk)


@require_POST
def replace_secret(request, slug: str, pk: int):
    destination = _destination(request, slug, pk)
    services.destination_replace_secret(destination=destination)
    return _show_secret(request, destination)


@require_POST
def delete(request, slug: str, pk: int):
    destination = _destination(request, slug, pk)
    services.destination_delete(destination=destination)
    messages.success(request, f"Destination “{destination.name}” deleted with its log.")
    return redirect("outbound:destinations", slug)
