import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from audit.context import acting_as
from debrief.http import UNPROCESSABLE, add_service_errors, page_of, render_page_or_fragment
from debrief.permissions import can_manage_integrations
from incidents.models import Team

from . import selectors, services
from .adapters import ADAPTERS
from .forms import AssignForm, EndpointForm, RouteForm, SecretForm
from .models import Delivery, Endpoint, Kind, Route
from .payloads import AlreadyRecordedElsewhere, PayloadError
from .signatures import SignatureError, verify
from .tasks import apply_queued_deliveries, ask_for_drain

ENDPOINTS_PER_PAGE = 25
DELIVERIES_PER_PAGE = 25
SECRET_SESSION_KEY = "webhook-secret-{pk}"


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"status": "error", "error": message, **extra}, status=status)


def _read_body(request) -> bytes | JsonResponse:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    too_large = f"The body is larger than {limit} bytes."
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length is not a number.")
    if length > limit:
        return _error(413, too_large)
    body = request.read(limit + 1)
    return _error(413, too_large) if len(body) > limit else body


def _parse_json(body: bytes) -> dict | JsonResponse:
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return _error(400, "The body is not UTF-8 text.")
    except (ValueError, RecursionError) as error:
        return _error(400, f"The body is not valid JSON: {error}"[:300])
    if not isinstance(payload, dict):
        return _error(UNPROCESSABLE, "The body must be a JSON object.")
    return payload


@csrf_exempt
@login_not_required
@never_cache
def receive(request, kind: str, token: str):
    """A tool's delivery: checked (size, signature, format) before anything is written.

    With a Celery broker (production), it is then recorded, queued, and answered 202 queued
    (200 duplicate for a delivery received before); a worker applies it (webhooks/tasks.py),
    and what came of it, refusals included, is the delivery's status in the endpoint's log.

    Without one, it is logged and applied in one transaction, and the answer says what came
    of it: processed, unrouted (kept in the team's inbox), ignored, or duplicate; 409, with
    nothing written, for a deployment another team recorded; 422 for invalid values."""
    if request.method != "POST":
        response = _error(405, "Webhooks are sent with POST.")
        response["Allow"] = "POST"
        return response
    queued = not apply_queued_deliveries.app.conf.task_always_eager
    endpoint = selectors.receiving_endpoint(kind=kind, token=token)
    if endpoint is None:
        return _error(404, "No webhook endpoint at this address.")
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        verify(endpoint, body=body, headers=request.headers)
    except SignatureError as error:
        return _error(401, str(error))
    payload = _parse_json(body)
    if isinstance(payload, JsonResponse):
        return payload
    # GitHub names the event and the delivery in headers; the others in the body.
    github = endpoint.kind == Kind.GITHUB
    event_type = request.headers.get("X-GitHub-Event", "").strip()[:100] if github else ""
    delivery_id = request.headers.get("X-GitHub-Delivery", "").strip()[:200] if github else ""
    try:
        event = ADAPTERS[endpoint.kind].parse(
            payload, event_type=event_type, delivery_id=delivery_id
        )
    except PayloadError as error:
        return _error(UNPROCESSABLE, str(error))
    if queued:
        return _queue(endpoint, body, event)
    try:
        with acting_as(services.sender(endpoint)):
            delivery, new = services.delivery_receive(
                endpoint=endpoint, payload=payload, body=body.decode("utf-8"), event=event
            )
    except PayloadError as error:
        return _error(UNPROCESSABLE, str(error))
    except AlreadyRecordedElsewhere as error:
        # Nothing was written: the delivery is not logged, and may be sent again elsewhere.
        return _error(409, str(error))
    except ValidationError as error:
        return _error(UNPROCESSABLE, " ".join(error.messages), fields=_fields(error))
    if not new:
        return JsonResponse({"status": "duplicate", "delivery": delivery.delivery_id})
    answer = {"status": delivery.status, "delivery": delivery.delivery_id}
    if delivery.detail:
        answer["detail"] = delivery.detail
    if delivery.incident is not None:
        answer["incident"] = delivery.incident.reference
    if delivery.deployment is not None:
        answer["deployment"] = delivery.deployment.pk
    return JsonResponse(answer, status=202 if delivery.status == Delivery.Status.UNROUTED else 200)


def _queue(endpoint: Endpoint, body: bytes, event) -> JsonResponse:
    try:
        new = services.delivery_queue(endpoint=endpoint, body=body.decode("utf-8"), event=event)
    except IntegrityError:
        # The endpoint was deleted while this request was being checked.
        return _error(404, "No webhook endpoint at this address.")
    if not new:
        return JsonResponse({"status": "duplicate", "delivery": event.delivery_id})
    ask_for_drain()
    return JsonResponse({"status": "queued", "delivery": event.delivery_id}, status=202)


def _fields(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {}


def _team_for_admin(request, slug: str) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not can_manage_integrations(request.user, team):
        raise PermissionDenied
    return team


def _endpoint_for_admin(request, slug: str, pk: int) -> Endpoint:
    team = _team_for_admin(request, slug)
    return get_object_or_404(Endpoint.objects.select_related("team"), team=team, pk=pk)


@require_http_methods(["GET", "POST"])
def endpoint_list(request, slug: str):
    team = _team_for_admin(request, slug)
    form = EndpointForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.endpoint_create(
                team=team,
                kind=data["kind"],
                name=data["name"],
                severity_label=data["severity_label"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[SECRET_SESSION_KEY.format(pk=endpoint.pk)] = secret
            messages.success(request, f"Endpoint “{endpoint.name}” created.")
            return redirect(endpoint)
    page = page_of(request, selectors.endpoint_list(team=team), ENDPOINTS_PER_PAGE)
    context = {"team": team, "form": form, "page": page}
    status = UNPROCESSABLE if form.is_bound else 200
    return render_page_or_fragment(request, "webhooks/endpoints.html", "results", context, status)


def _render_endpoint(request, endpoint: Endpoint, *, route_form=None, secret_form=None, status=200):
    secret = request.session.pop(SECRET_SESSION_KEY.format(pk=endpoint.pk), None)
    page = page_of(request, selectors.delivery_list(endpoint=endpoint), DELIVERIES_PER_PAGE)
    context = {
        "team": endpoint.team,
        "endpoint": endpoint,
        "url": request.build_absolute_uri(endpoint.path),
        "secret": secret,
        "routes": endpoint.routes.select_related("service"),
        "route_form": route_form or RouteForm(team=endpoint.team),
        "secret_form": secret_form or SecretForm(),
        "page": page,
    }
    return render_page_or_fragment(request, "webhooks/endpoint.html", "deliveries", context, status)


@never_cache
def endpoint_detail(request, slug: str, pk: int):
    return _render_endpoint(request, _endpoint_for_admin(request, slug, pk))


@require_POST
def endpoint_rotate(request, slug: str, pk: int):
    endpoint = _endpoint_for_admin(request, slug, pk)
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    request.session[SECRET_SESSION_KEY.format(pk=endpoint.pk)] = secret
    messages.success(request, "New secret made; the old one no longer works.")
    return redirect(endpoint)


@require_POST
def endpoint_use_secret(request, slug: str, pk: int):
    endpoint = _endpoint_for_admin(request, slug, pk)
    form = SecretForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_use_secret(endpoint=endpoint, secret=form.cleaned_data["secret"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The tool's secret is now this endpoint's secret.")
            return redirect(endpoint)
    return _render_endpoint(request, endpoint, secret_form=form, status=UNPROCESSABLE)


@require_POST
def endpoint_delete(request, slug: str, pk: int):
    endpoint = _endpoint_for_admin(request, slug, pk)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint “{endpoint.name}” deleted.")
    return redirect("webhooks:endpoints", slug)


@require_POST
def route_add(request, slug: str, pk: int):
    endpoint = _endpoint_for_admin(request, slug, pk)
    form = RouteForm(request.POST, team=endpoint.team)
    if form.is_valid():
        try:
            services.route_create(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Route added.")
            return redirect(endpoint)
    return _render_endpoint(request, endpoint, route_form=form, status=UNPROCESSABLE)


@require_POST
def route_delete(request, slug: str, pk: int, route_pk: int):
    endpoint = _endpoint_for_admin(request, slug, pk)
    route = get_object_or_404(Route, endpoint=endpoint, pk=route_pk)
    services.route_delete(route=route)
    messages.success(request, "Route deleted.")
    return redirect(endpoint)


def _render_inbox(request, team: Team, *, bound=None, announcement="", status=200):
    page = page_of(request, selectors.inbox(team=team), DELIVERIES_PER_PAGE)
    team_services = list(team.services.all())
    for delivery in page.object_list:
        delivery.assign_form = (
            bound[1]
            if bound and bound[0] == delivery.pk
            else AssignForm(services=team_services, auto_id=f"id_%s_{delivery.pk}")
        )
    context = {"team": team, "page": page, "announcement": announcement}
    return render_page_or_fragment(request, "webhooks/inbox.html", "inbox", context, status)


def inbox(request, slug: str):
    return _render_inbox(request, _team_for_admin(request, slug))


def _delivery_for_admin(request, slug: str, pk: int) -> tuple[Team, Delivery]:
    team = _team_for_admin(request, slug)
    delivery = get_object_or_404(
        Delivery.objects.select_related("endpoint"), endpoint__team=team, pk=pk
    )
    return team, delivery


def _announce(request, team: Team, announcement: str, *, error: bool = False):
    """The inbox with the announcement in place (htmx), or a redirect to it with a message."""
    if request.htmx:
        status = UNPROCESSABLE if error else 200
        return _render_inbox(request, team, announcement=announcement, status=status)
    (messages.error if error else messages.success)(request, announcement)
    return redirect("webhooks:inbox", team.slug)


def _assigned(assignment: services.Assignment, service) -> str:
    count = len(assignment.applied)
    announcement = f"{count} deliver{'y' if count == 1 else 'ies'} sent to {service}."
    if failed := len(assignment.failed):
        announcement += (
            f" {failed} could not be applied and {'waits' if failed == 1 else 'wait'} "
            "in the inbox with the reason."
        )
    return announcement


@require_POST
def delivery_assign(request, slug: str, pk: int):
    team, delivery = _delivery_for_admin(request, slug, pk)
    form = AssignForm(
        request.POST, services=list(team.services.all()), auto_id=f"id_%s_{delivery.pk}"
    )
    if form.is_valid():
        service = form.cleaned_data["service"]
        try:
            assignment = services.delivery_assign(
                delivery=delivery, service=service, remember=form.cleaned_data["remember"]
            )
        except (ValidationError, PayloadError) as error:
            message = error.messages if isinstance(error, ValidationError) else [str(error)]
            form.add_error(None, message)
        else:
            return _announce(request, team, _assigned(assignment, service))
    if delivery.status != Delivery.Status.UNROUTED:
        # Someone else assigned it meanwhile: it has left the inbox, and so has its form.
        return _announce(request, team, " ".join(form.non_field_errors()), error=True)
    return _render_inbox(request, team, bound=(delivery.pk, form), status=UNPROCESSABLE)


@require_POST
def delivery_dismiss(request, slug: str, pk: int):
    team, delivery = _delivery_for_admin(request, slug, pk)
    try:
        services.delivery_dismiss(delivery=delivery, by=request.user)
    except ValidationError as error:
        return _announce(request, team, " ".join(error.messages), error=True)
    return _announce(request, team, f"Dismissed “{delivery.summary}”; it stays in the log.")
