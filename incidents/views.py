from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from debrief.bin import move_to_bin
from debrief.http import (
    UNPROCESSABLE,
    add_service_errors,
    page_of,
    render_page_or_fragment,
    wants_fragment,
)
from debrief.permissions import (
    can_browse_incidents,
    can_declare,
    can_edit,
    can_edit_responders,
    can_record_deployment,
    ensure_can_view,
)
from learning.sparklines import four_key_sparklines

from . import deployments, selectors, services
from .forms import (
    AcknowledgeForm,
    DeclareForm,
    DeploymentForm,
    IncidentEditForm,
    IncidentFilterForm,
    NoteForm,
    ReopenForm,
    ResponderForm,
    RestoredForm,
    SeverityForm,
    StatusForm,
)
from .models import Incident, Service, Status, Team, timestamp_label
from .times import when

# The list says "more than" past this many incidents rather than count years of history.
INCIDENTS_COUNTED_UP_TO = 1000


def _get_incident(request, pk: int, *, for_edit: bool = False, with_timeline=True) -> Incident:
    try:
        incident = selectors.incident_detail(pk=pk, with_timeline=with_timeline)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None
    ensure_can_view(request.user, incident, for_edit=for_edit)
    return incident


def _ensure_can_browse(request) -> None:
    if not can_browse_incidents(request.user):
        raise PermissionDenied


def incident_list(request):
    _ensure_can_browse(request)
    form = IncidentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        # Keep the filters that were valid; the form shows what was wrong with the rest.
        filters = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    page = page_of(
        request,
        selectors.incident_list(viewer=request.user, filters=filters),
        settings.INCIDENTS_PER_PAGE,
        count_up_to=INCIDENTS_COUNTED_UP_TO,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_page_or_fragment(request, "incidents/list.html", "results", context)


@require_http_methods(["GET", "POST"])
def incident_declare(request):
    if not can_declare(request.user):
        raise PermissionDenied
    form = DeclareForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_declare(
                title=data["title"],
                severity=data["severity"],
                services=data["services"],
                started_at=data["started_at"],
                detected_at=data["detected_at"],
                summary=data["summary"],
                is_drill=data["is_drill"],
                is_private=data["is_private"],
                reporter=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{incident.reference} declared. Keep its timeline here.")
            return redirect(incident)
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "incidents/declare.html", {"form": form}, status=status)


def _action_forms(incident: Incident) -> dict[str, Form]:
    return {
        "acknowledge_form": AcknowledgeForm(),
        "status_form": StatusForm(initial={"status": Status(incident.status).next}),
        "severity_form": SeverityForm(initial={"severity": incident.severity}),
        "restored_form": RestoredForm(),
        "note_form": NoteForm(),
        "reopen_form": ReopenForm(),
    }


def _render_incident(request, incident: Incident, *, bound=None, announcement="", status=200):
    context = {
        "incident": incident,
        "can_edit": can_edit(request.user, incident),
        "responders_form": ResponderForm(incident=incident)
        if can_edit_responders(request.user, incident)
        else None,
        "announcement": announcement,
        **_action_forms(incident),
        **(bound or {}),
    }
    return render_page_or_fragment(request, "incidents/detail.html", "live", context, status)


def incident_detail(request, pk: int):
    return _render_incident(request, _get_incident(request, pk))


def _incident_action(request, pk: int, form_name: str, form_class, perform):
    """Run one change from the incident page. htmx gets the page's live region back; a plain
    form post is redirected to the page. Invalid input comes back with its errors and the
    text as typed (422)."""
    incident = _get_incident(request, pk, for_edit=True, with_timeline=False)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            announcement = perform(incident, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not wants_fragment(request):
                messages.success(request, announcement)
                return redirect(incident)
            return _render_incident(
                request, selectors.incident_detail(pk=pk), announcement=announcement
            )
    incident = selectors.incident_detail(pk=pk)
    return _render_incident(request, incident, bound={form_name: form}, status=UNPROCESSABLE)


@require_POST
def incident_change_status(request, pk: int):
    def perform(incident, data):
        incident = services.incident_change_status(
            incident=incident, status=data["status"], note=data["note"], by=request.user
        )
        return f"Status changed to {incident.get_status_display()}."

    return _incident_action(request, pk, "status_form", StatusForm, perform)


@require_POST
def incident_acknowledge(request, pk: int):
    def perform(incident, data):
        incident = services.incident_acknowledge(incident=incident, by=request.user)
        return f"Acknowledged at {when(incident.acknowledged_at)}."

    return _incident_action(request, pk, "acknowledge_form", AcknowledgeForm, perform)


@require_POST
def incident_change_severity(request, pk: int):
    def perform(incident, data):
        incident = services.incident_change_severity(
            incident=incident, severity=data["severity"], note=data["note"], by=request.user
        )
        return f"Severity changed to {incident.get_severity_display()}."

    return _incident_action(request, pk, "severity_form", SeverityForm, perform)


@require_POST
def incident_mark_restored(request, pk: int):
    def perform(incident, data):
        incident = services.incident_mark_restored(
            incident=incident, restored_at=data["restored_at"], note=data["note"], by=request.user
        )
        return f"{timestamp_label('restored_at')} at {when(incident.restored_at)}."

    return _incident_action(request, pk, "restored_form", RestoredForm, perform)


@require_POST
def incident_add_note(request, pk: int):
    def perform(incident, data):
        services.incident_add_note(
            incident=incident, body=data["body"], occurred_at=data["occurred_at"], by=request.user
        )
        return "Note added to the timeline."

    return _incident_action(request, pk, "note_form", NoteForm, perform)


@require_POST
def incident_reopen(request, pk: int):
    def perform(incident, data):
        services.incident_reopen(incident=incident, reason=data["reason"], by=request.user)
        return "Incident reopened."

    return _incident_action(request, pk, "reopen_form", ReopenForm, perform)


@require_http_methods(["GET", "POST"])
def incident_edit(request, pk: int):
    incident = _get_incident(request, pk, for_edit=True, with_timeline=False)
    form = IncidentEditForm(request.POST or None, instance=incident)
    conflict = None
    if form.is_valid():
        try:
            services.incident_update(
                incident=incident,
                by=request.user,
                changes=form.changes(),
                loaded=form.cleaned_data["loaded"],
            )
        except services.EditConflict as error:
            conflict = form.differences(error.current, error.fields)
            # What they changed and you did not is taken over; your changes stay as typed.
            form = form.rebased(error.current)
            form.add_error(
                None, str(error) + " Compare below, then save again to keep your version."
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Incident details saved.")
            return redirect(incident)
    status = 409 if conflict is not None else UNPROCESSABLE if form.is_bound else 200
    context = {"incident": incident, "form": form, "conflict": conflict}
    return render(request, "incidents/edit.html", context, status=status)


def team_list(request):
    _ensure_can_browse(request)
    page = page_of(request, selectors.team_list(viewer=request.user), 50)
    return render(request, "incidents/team_list.html", {"page": page})


def team_detail(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    ensure_can_view(request.user, team)
    open_incidents = selectors.incident_list(
        viewer=request.user, filters={"team": team, "status": "open"}
    )
    context = {
        "team": team,
        "members": team.members.order_by("username"),
        "services": selectors.service_list(viewer=request.user).filter(team=team),
        "open_incidents": open_incidents[:20],
        "can_edit": can_edit(request.user, team),
    }
    context["key_sparklines"], context["weekly"] = four_key_sparklines(team=team)
    return render(request, "incidents/team_detail.html", context)


def service_list(request):
    _ensure_can_browse(request)
    page = page_of(request, selectors.service_list(viewer=request.user), 50)
    return render(request, "incidents/service_list.html", {"page": page})


def service_detail(request, slug: str):
    """A service with its deployments, newest first."""
    service = get_object_or_404(Service.objects.select_related("team"), slug=slug)
    ensure_can_view(request.user, service)
    deployments_made = selectors.deployment_list(service=service, viewer=request.user)
    recent = selectors.incident_list(viewer=request.user, filters={"service": service})
    context = {
        "service": service,
        "page": page_of(request, deployments_made, 25),
        "recent_incidents": recent[:10],
        "can_record_deployment": can_record_deployment(request.user, service),
    }
    return render(request, "incidents/service_detail.html", context)


@require_http_methods(["GET", "POST"])
def deployment_record(request):
    _ensure_can_browse(request)
    initial = {"service": Service.objects.filter(slug=request.GET.get("service")).first()}
    form = DeploymentForm(request.POST or None, initial=initial, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        # The form offers only services the user may record for; asked again, as every view.
        if not can_record_deployment(request.user, data["service"]):
            raise PermissionDenied
        try:
            deployment = deployments.deployment_record(
                service=data["service"],
                environment=data["environment"],
                version=data["version"],
                deployed_at=data["deployed_at"],
                outcome=data["outcome"],
                commits=data["commits"],
                first_commit_at=data["first_commit_at"],
                external_id=data["external_id"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Deployment of {deployment.version} recorded.")
            return redirect(deployment.service)
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "incidents/deployment_form.html", {"form": form}, status=status)


@require_POST
def incident_set_responders(request, pk: int):
    """Who responds to the incident besides its commander and reporter; for a private incident
    they are the people who may see it."""
    incident = _get_incident(request, pk, with_timeline=False)
    if not can_edit_responders(request.user, incident):
        raise PermissionDenied
    form = ResponderForm(request.POST, incident=incident)
    if form.is_valid():
        services.incident_set_responders(
            incident=incident, responders=form.cleaned_data["responders"], by=request.user
        )
        messages.success(request, "Responders saved.")
        return redirect(incident)
    incident = selectors.incident_detail(pk=pk)
    return _render_incident(
        request, incident, bound={"responders_form": form}, status=UNPROCESSABLE
    )


@require_POST
def incident_delete(request, pk: int):
    incident = _get_incident(request, pk, with_timeline=False)
    return move_to_bin(
        request,
        incident,
        lambda: services.incident_delete(incident=incident, by=request.user),
        then=reverse("incidents:list"),
    )
