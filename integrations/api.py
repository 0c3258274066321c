"""The integration API under /api/: incidents, their timelines, deployments and the four keys,
for programs holding a team's API token. Schema at /api/openapi.json, docs at /api/docs.

Every answer is JSON. A token acts for its team only: another team's incident or service
is 403. Every write is one transaction, and goes through the same services as the pages."""

from importlib.util import find_spec

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Query, Status, Swagger, errors
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from audit.context import Actor, request_acting_as
from debrief.people import actor_name as name_of_actor
from debrief.permissions import (
    api_token_may_act_on,
    api_token_may_know_of,
    api_token_reads_private,
)
from incidents import selectors
from incidents import services as incident_services
from incidents.deployments import deployment_record
from incidents.models import (
    TIMESTAMP_FIELDS,
    Deployment,
    DeploymentCommit,
    Incident,
    Service,
)
from incidents.models import Status as Lifecycle
from learning.metrics import Figure, Scope, four_keys
from learning.views import period_named

from . import schemas
from .models import ApiToken
from .tokens import actor_name, token_for_secret, token_mark_used

# Deployments recorded through the API carry this source; their external ids are unique in it.
API_SOURCE = "api"
# Every view names its request body so; errors leave the name out of their location.
BODY = "payload"


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>` with a team's live API token."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(
                message="Send a team's API token in the Authorization header: Bearer <token>."
            )
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = token_for_secret(token)
        if found is None:
            raise AuthenticationError(message="This API token is not valid.")
        if found.is_revoked:
            raise AuthenticationError(message="This API token has been revoked.")
        token_mark_used(token=found)
        # The audit trail names the token, not the anonymous session, as the request's actor.
        request_acting_as(request, Actor(user=found.actor, label=actor_name(found.name)))
        return found


api = NinjaAPI(
    title="Debrief API",
    version="1",
    description="Declare and update incidents, add to their timelines, record deployments and "
    "read the four keys, with a team's API token (Authorization: Bearer <token>). Teams' "
    "admins create tokens on the team's API tokens page.",
    urls_namespace="integrations:api",
    auth=TokenAuth(),
    # Swagger UI's files come from django-ninja's static files ("ninja" in INSTALLED_APPS).
    docs=Swagger(),
)

ERRORS = {
    400: schemas.Message,
    401: schemas.Message,
    403: schemas.Message,
    404: schemas.Message,
    413: schemas.Message,
    422: schemas.ValidationErrors,
}


class Conflict(Exception):
    """The request names something already taken; answered 409 with the message."""


# Errors: always JSON, always 4xx, naming the field where there is one ------------------------


@api.exception_handler(AuthenticationError)
def _unauthorised(request, error: AuthenticationError):
    response = api.create_response(request, {"detail": error.message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="Debrief API"'
    return response


@api.exception_handler(errors.ValidationError)
def _invalid(request, error: errors.ValidationError):
    """The schema's validation errors, located by field: ["body", "title"] rather than with
    the name of the view's parameter in between."""
    detail = []
    for item in error.errors:
        loc = list(item["loc"])
        if loc[:2] == ["body", BODY]:
            del loc[1]
        detail.append({**item, "loc": loc})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ValidationError)
def _refused(request, error: ValidationError):
    """A service's refusal, shaped like the schema's own validation errors."""
    pairs = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    detail = [
        {
            "loc": ["body", field] if field and field != "__all__" else ["body"],
            "msg": message,
            "type": "invalid",
        }
        for field, messages in pairs
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, error: PermissionDenied):
    message = str(error) or "This token's team may not do that."
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def _not_found(request, error: Http404):
    return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)


@api.exception_handler(Conflict)
def _conflict(request, error: Conflict):
    return api.create_response(request, {"detail": str(error)}, status=409)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, error: RequestDataTooBig):
    message = "The request body is too large."
    return api.create_response(request, {"detail": message}, status=413)


# Helpers -------------------------------------------------------------------------------------


def _page(query: schemas.PageQuery, items) -> dict:
    """The page asked for; past the last page, no items (an API client counts on that)."""
    paginator = Paginator(items, query.page_size)
    page_items = paginator.page(query.page).object_list if query.page <= paginator.num_pages else []
    return {
        "count": paginator.count,
        "page": query.page,
        "pages": paginator.num_pages,
        "items": list(page_items),
    }


def _refuse_foreign(token: ApiToken, obj, what: str) -> None:
    if not api_token_may_act_on(token, obj):
        raise PermissionDenied(f"{what} belongs to another team; this token acts for {token.team}.")


def _team_services(token: ApiToken, slugs: list[str], *, field: str) -> list[Service]:
    """The services named, in the order given; each must be the token team's."""
    slugs = list(dict.fromkeys(slugs))
    found = {s.slug: s for s in Service.objects.select_related("team").filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ValidationError({field: f"No service with the slug {', '.join(unknown)}."})
    for service in found.values():
        _refuse_foreign(token, service, f"The service {service.slug}")
    return [found[slug] for slug in slugs]


def _commander(username: str | None) -> User | None:
    if username is None:
        return None
    commander = User.objects.filter(username=username, is_active=True).first()
    if commander is None:
        raise ValidationError({"commander": f"No active user with the username {username}."})
    return commander


def _incident(token: ApiToken, incident_id: int) -> Incident:
    try:
        incident = selectors.incident_detail(pk=incident_id)
    except Incident.DoesNotExist:
        raise Http404(f"No incident with the id {incident_id}.") from None
    if not api_token_may_know_of(token, incident):
        raise Http404(f"No incident with the id {incident_id}.")
    _refuse_foreign(token, incident, incident.reference)
    return incident


def _incident_out(request, incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "url": request.build_absolute_uri(incident.get_absolute_url()),
        "title": incident.title,
        "summary": incident.summary,
        "customer_impact": incident.customer_impact,
        "severity": incident.severity,
        "severity_label": incident.get_severity_display(),
        "status": incident.status,
        "team": incident.team.slug,
        "services": [service.slug for service in incident.services.all()],
        "commander": incident.commander.username if incident.commander else None,
        "reporter": name_of_actor(incident.reporter),
        "is_drill": incident.is_drill,
        "is_private": incident.is_private,
        **{name: getattr(incident, name) for name in TIMESTAMP_FIELDS},
        "version": incident.version,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
    }


def _event_out(event) -> dict:
    return {
        "kind": event.kind,
        "body": event.body,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "author": name_of_actor(event.author),
        "occurred_at": event.occurred_at,
    }


def _incident_detail_out(request, incident_id: int) -> dict:
    incident = selectors.incident_detail(pk=incident_id)
    return {
        **_incident_out(request, incident),
        "timeline": [_event_out(event) for event in incident.events.all()],
    }


def _deployment_out(deployment: Deployment) -> dict:
    lead_time = deployment.lead_time
    return {
        "id": deployment.pk,
        "service": deployment.service.slug,
        "environment": deployment.environment,
        "version": deployment.version,
        "outcome": deployment.outcome,
        "deployed_at": deployment.deployed_at,
        "first_commit_at": deployment.first_commit_at,
        "lead_time_seconds": None if lead_time is None else lead_time.total_seconds(),
        "external_id": deployment.external_id,
        "source": deployment.source,
        "commits": [
            {"sha": commit.sha, "committed_at": commit.committed_at}
            for commit in deployment.commits.all()
        ],
    }


def _deployments():
    return Deployment.objects.select_related("service__team").prefetch_related(
        Prefetch("commits", queryset=DeploymentCommit.objects.order_by("committed_at", "pk"))
    )


# Incidents -----------------------------------------------------------------------------------


@api.get("/incidents", response={200: schemas.IncidentPage, **ERRORS}, tags=["incidents"])
def list_incidents(request, filters: Query[schemas.IncidentFilters]):
    """The token team's incidents, newest first."""
    narrowing = {"team": request.auth.team, "status": filters.status, "severity": filters.severity}
    if filters.service:
        service = Service.objects.filter(slug=filters.service).first()
        if service is None:
            message = f"No service with the slug {filters.service}."
            raise errors.ValidationError(
                [{"loc": ["query", "service"], "msg": message, "type": "invalid"}]
            )
        narrowing["service"] = service
    incidents = selectors.incident_list(token=request.auth, filters=narrowing).select_related(
        "commander", "reporter"
    )
    if filters.updated_since:
        incidents = incidents.filter(updated_at__gte=filters.updated_since)
    page = _page(filters, incidents)
    page["items"] = [_incident_out(request, incident) for incident in page["items"]]
    return page


@api.post("/incidents", response={201: schemas.IncidentDetailOut, **ERRORS}, tags=["incidents"])
@transaction.atomic
def declare_incident(request, payload: schemas.IncidentIn):
    """Declare an incident of the token's team, affecting some of the team's services."""
    token = request.auth
    incident = incident_services.incident_declare(
        title=payload.title,
        severity=payload.severity,
        services=_team_services(token, payload.services, field="services"),
        reporter=token.actor,
        team=token.team,
        summary=payload.summary,
        customer_impact=payload.customer_impact,
        commander=_commander(payload.commander),
        started_at=payload.started_at,
        detected_at=payload.detected_at,
        is_drill=payload.is_drill,
        is_private=payload.is_private,
    )
    return Status(201, _incident_detail_out(request, incident.pk))


@api.get(
    "/incidents/{incident_id}",
    response={200: schemas.IncidentDetailOut, **ERRORS},
    tags=["incidents"],
)
def get_incident(request, incident_id: schemas.Id):
    """One incident with its timeline."""
    incident = _incident(request.auth, incident_id)
    return {
        **_incident_out(request, incident),
        "timeline": [_event_out(event) for event in incident.events.all()],
    }


@api.patch(
    "/incidents/{incident_id}",
    response={200: schemas.IncidentDetailOut, **ERRORS},
    tags=["incidents"],
)
@transaction.atomic
def change_incident(request, incident_id: schemas.Id, payload: schemas.IncidentChangesIn):
    """Change the details sent, all or none: details first, then severity, the restore time
    and the status, each logged on the timeline as if changed on the incident's page."""
    token = request.auth
    by = token.actor
    incident = _incident(token, incident_id)
    sent = payload.model_fields_set
    note = payload.note.strip()
    editable = ("title", "summary", "customer_impact", "is_private")
    changes = {name: getattr(payload, name) for name in editable}
    changes = {name: value for name, value in changes.items() if name in sent}
    if "services" in sent:
        changes["services"] = _team_services(token, payload.services, field="services")
    if "commander" in sent:
        changes["commander"] = _commander(payload.commander)
    _refuse_privacy_change(token, incident, changes)
    if "resolved_at" in sent and incident.is_resolved:
        changes["resolved_at"] = payload.resolved_at
    lifecycle = {"severity", "restored_at", "status", "resolved_at"} & sent
    if note and not lifecycle:
        raise ValidationError(
            {
                "note": "A note goes with a change of status, severity or restore time; "
                "add a note on its own with POST /api/incidents/{id}/events."
            }
        )
    if changes:
        incident = incident_services.incident_update(incident=incident, by=by, changes=changes)
    if "severity" in sent and payload.severity != incident.severity:
        incident = incident_services.incident_change_severity(
            incident=incident, severity=payload.severity, by=by, note=note
        )
    if "restored_at" in sent and payload.restored_at != incident.restored_at:
        incident = incident_services.incident_mark_restored(
            incident=incident, by=by, restored_at=payload.restored_at, note=note
        )
    status = payload.status if "status" in sent else None
    if status is None and "resolved_at" in sent and not incident.is_resolved:
        status = Lifecycle.RESOLVED
    if status is not None and status != incident.status and incident.is_resolved:
        incident = _reopen(incident, by=by, reason=note)
    if status is not None and status != incident.status:
        at = payload.resolved_at if status == Lifecycle.RESOLVED else None
        incident_services.incident_change_status(
            incident=incident, status=status, by=by, at=at, note=note
        )
    return _incident_detail_out(request, incident.pk)


def _refuse_privacy_change(token: ApiToken, incident: Incident, changes: dict) -> None:
    """A token that may not read private incidents (api_token_reads_private) changes neither
    whether an incident is private nor, on a private one, who commands it: it would hide the
    incident from itself, or name someone to a private incident it may not see."""
    if api_token_reads_private(token):
        return
    if "is_private" in changes and changes["is_private"] != incident.is_private:
        raise PermissionDenied(
            "This token may not make an incident private or public: only tokens made by an "
            "organisation admin see private incidents."
        )
    if "commander" in changes and incident.is_private:
        raise PermissionDenied("This token may not change a private incident's commander.")


def _reopen(incident: Incident, *, by: User, reason: str) -> Incident:
    """A resolved incident moves back only when the request says why, as on its page."""
    if not reason:
        raise ValidationError(
            {"note": "This incident is resolved: send a note saying why it is reopened."}
        )
    return incident_services.incident_reopen(incident=incident, by=by, reason=reason)


@api.post(
    "/incidents/{incident_id}/events",
    response={201: schemas.TimelineEventOut, **ERRORS},
    tags=["incidents"],
)
@transaction.atomic
def add_event(request, incident_id: schemas.Id, payload: schemas.EventIn):
    """Add a note to the incident's timeline, backdated when `occurred_at` is given."""
    token = request.auth
    incident = _incident(token, incident_id)
    event = incident_services.incident_add_note(
        incident=incident, body=payload.body, by=token.actor, occurred_at=payload.occurred_at
    )
    return Status(201, _event_out(event))


# Deployments ---------------------------------------------------------------------------------


# External ids are unique per source across teams, so one another team holds is refused
# without saying whose it is.
EXTERNAL_ID_TAKEN = "This external id is already used; choose another."


def _recorded(token: ApiToken, external_id: str) -> Deployment | None:
    """The token team's deployment already recorded through the API with this external id."""
    if not external_id:
        return None
    return (
        _deployments()
        .filter(source=API_SOURCE, external_id=external_id, service__team=token.team_id)
        .first()
    )


@api.post(
    "/deployments",
    response={
        200: schemas.DeploymentOut,
        201: schemas.DeploymentOut,
        409: schemas.Message,
        **ERRORS,
    },
    tags=["deployments"],
)
@transaction.atomic
def record_deployment(request, payload: schemas.DeploymentIn):
    """Record a deployment of one of the team's services: 201 when recorded, 200 with the
    deployment recorded before when the team has one with the same `external_id`, 409 when
    the external id is already used outside the team."""
    token = request.auth
    service = _team_services(token, [payload.service], field="service")[0]
    external_id = payload.external_id.strip()
    if existing := _recorded(token, external_id):
        return Status(200, _deployment_out(existing))
    try:
        deployment = deployment_record(
            service=service,
            version=payload.version,
            by=token.actor,
            environment=payload.environment,
            deployed_at=payload.deployed_at,
            outcome=payload.outcome,
            commits=[(commit.sha, commit.committed_at) for commit in payload.commits],
            source=API_SOURCE,
            external_id=external_id,
        )
    except ValidationError as error:
        if not (hasattr(error, "error_dict") and "external_id" in error.error_dict):
            raise
        # Recorded by a concurrent request of the team between the look-up and the insert,
        # or held by another team's deployment.
        if existing := _recorded(token, external_id):
            return Status(200, _deployment_out(existing))
        raise Conflict(EXTERNAL_ID_TAKEN) from None
    return Status(201, _deployment_out(_deployments().get(pk=deployment.pk)))


@api.get("/deployments", response={200: schemas.DeploymentPage, **ERRORS}, tags=["deployments"])
def list_deployments(request, filters: Query[schemas.DeploymentFilters]):
    """The deployments of the token team's services, newest first."""
    deployments = _deployments().filter(service__team=request.auth.team)
    if filters.service:
        deployments = deployments.filter(service__slug=filters.service)
    if filters.environment:
        deployments = deployments.filter(environment=filters.environment)
    page = _page(filters, deployments.order_by("-deployed_at", "-pk"))
    page["items"] = [_deployment_out(deployment) for deployment in page["items"]]
    return page


# Metrics -------------------------------------------------------------------------------------


def _figure_out(figure: Figure) -> dict:
    def number(value):
        return value.total_seconds() if hasattr(value, "total_seconds") else value

    return {
        "value": number(figure.value),
        "previous": number(figure.previous),
        "count": figure.count,
        "unit": "seconds" if figure.unit == "duration" else figure.unit,
        "bucket": figure.bucket,
    }


@api.get("/metrics/four-keys", response={200: schemas.FourKeysOut, **ERRORS}, tags=["metrics"])
def four_keys_metrics(request, period: schemas.PeriodName = "last-30-days"):
    """The token team's delivery metrics over the period: the figures of the team's learning
    page. Durations are in seconds; `previous` is the period before."""
    team = request.auth.team
    chosen = period_named(period)
    keys = four_keys(scope=Scope(team=team), period=chosen)
    return {
        "team": team.slug,
        "period": {
            "name": period,
            "start": chosen.start.isoformat(),
            "end": chosen.end.isoformat(),
        },
        "deployment_frequency_per_day": _figure_out(keys.deployment_frequency.per_day),
        "deployment_frequency_per_week": _figure_out(keys.deployment_frequency.per_week),
        "deployment_frequency_per_month": _figure_out(keys.deployment_frequency.per_month),
        "lead_time_for_changes_median": _figure_out(keys.lead_time_for_changes.median),
        "lead_time_for_changes_p90": _figure_out(keys.lead_time_for_changes.p90),
        "change_failure_rate": _figure_out(keys.change_failure_rate),
        "time_to_restore_median": _figure_out(keys.time_to_restore.median),
        "time_to_restore_p90": _figure_out(keys.time_to_restore.p90),
        "incidents_not_restored": keys.time_to_restore.open_count,
        "failed_deployment_recovery_time_median": _figure_out(
            keys.failed_deployment_recovery_time.median
        ),
        "rework_rate": _figure_out(keys.rework_rate),
    }


# The culture pulse's endpoints, when that app provides them.
if find_spec("culture.api") is not None:
    api.add_router("/culture/", "culture.api.router")
