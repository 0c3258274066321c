"""Debrief's own JSON format, for tools without an adapter (see the README):

    {"id": "evt-1", "type": "incident.triggered", "service": "checkout", "key": "db-latency",
     "title": "Checkout is slow", "severity": 2, "occurred_at": "2026-01-05T10:00:00Z"}

`id` names the event (a resend with the same id is a duplicate); `key` names the incident in
the sending tool, so its acknowledged and resolved events find it; `type` is one of
incident.triggered, incident.acknowledged, incident.resolved or deployment. Deployments carry
`version`, and optionally `environment`, `outcome` (succeeded, failed, rolled_back) and
`first_commit_at`; their `key`, when given, lets a later event correct the outcome."""

from django.core.exceptions import ValidationError

from incidents import deployments
from incidents.models import Deployment, Service, Severity

from .. import effects
from ..models import Endpoint, Kind
from ..payloads import (
    AlreadyRecordedElsewhere,
    Event,
    Outcome,
    PayloadError,
    identifier,
    moment,
    text,
)

ACTIONS = {
    "incident.triggered": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}
TYPES = [*ACTIONS, "deployment"]


def _severity(payload: dict) -> int:
    value = payload.get("severity")
    if value is None:
        return Severity.SEV3
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PayloadError("severity must be 1 to 4 or SEV1 to SEV4.")
    severity = effects.severity_from(str(value), {}, default=0)
    if not severity:
        raise PayloadError("severity must be 1 to 4 or SEV1 to SEV4.")
    return severity


def parse(payload: dict, *, event_type: str = "", delivery_id: str = "") -> Event:
    event_id = identifier(payload, "id")
    kind = text(payload, "type", limit=50)
    if kind not in TYPES:
        raise PayloadError(f"type must be one of {', '.join(TYPES)}.")
    service = text(payload, "service", limit=200)
    moment(payload, "occurred_at")
    text(payload, "title", required=False, limit=200)
    _severity(payload)
    if kind == "deployment":
        version = text(payload, "version", limit=200)
        outcome = text(payload, "outcome", required=False, default="succeeded")
        if outcome not in Deployment.Outcome.values:
            raise PayloadError(f"outcome must be one of {', '.join(Deployment.Outcome.values)}.")
        text(payload, "environment", required=False, limit=50)
        moment(payload, "first_commit_at", required=False)
        summary = f"deployment of {service} {version}: {outcome}"
    else:
        moment(payload, "started_at", required=False)
        key = identifier(payload, "key")
        summary = f"{kind}: {text(payload, 'title', required=False) or key}"
    return Event(event_id, kind, summary[:300], route_value=service)


def _source(endpoint: Endpoint) -> str:
    # Ids are the sender's, so unique only per endpoint.
    return f"webhook-{endpoint.pk}"


def _record_deployment(
    *, endpoint: Endpoint, service: Service, payload: dict, event: Event, occurred_at
) -> Outcome:
    """Record the deployment, or correct the outcome of the team's deployment with this key.
    A deployment of another team holding the key (an endpoint moved to another team keeps
    its source) is never touched."""
    external_id = text(payload, "key", required=False, limit=200) or event.delivery_id
    outcome = text(payload, "outcome", required=False, default="succeeded")
    existing = Deployment.objects.select_for_update().filter(
        source=_source(endpoint), external_id=external_id, service__team=endpoint.team_id
    )

    def update(deployment: Deployment) -> Outcome:
        deployment.outcome = outcome
        deployment.save(update_fields=["outcome"])
        return Outcome(detail="Deployment outcome updated.", deployment=deployment)

    if deployment := existing.first():
        return update(deployment)
    try:
        deployment = deployments.deployment_record(
            service=service,
            version=text(payload, "version", limit=200),
            by=None,
            environment=text(payload, "environment", required=False, default="production"),
            deployed_at=occurred_at,
            outcome=outcome,
            first_commit_at=moment(payload, "first_commit_at", required=False),
            source=_source(endpoint),
            external_id=external_id,
        )
    except ValidationError as error:
        if "external_id" not in getattr(error, "message_dict", {}):
            raise
        # Another delivery recorded it meanwhile, or another team holds the key.
        if deployment := existing.first():
            return update(deployment)
        raise AlreadyRecordedElsewhere from None
    return Outcome(detail="Deployment recorded.", deployment=deployment)


def apply(*, endpoint: Endpoint, service: Service, payload: dict, event: Event) -> Outcome:
    occurred_at = moment(payload, "occurred_at")
    if event.event_type == "deployment":
        return _record_deployment(
            endpoint=endpoint,
            service=service,
            payload=payload,
            event=event,
            occurred_at=occurred_at,
        )
    key = identifier(payload, "key")
    started_at = moment(payload, "started_at", required=False) or occurred_at
    incident, detail = effects.apply_incident_event(
        team=endpoint.team,
        service=service,
        source=Kind.GENERIC,
        key=key,
        action=ACTIONS[event.event_type],
        title=text(payload, "title", required=False, limit=200) or f"Incident {key}",
        severity=_severity(payload),
        started_at=min(started_at, occurred_at),
        occurred_at=occurred_at,
        via=endpoint.name,
        summary=text(payload, "summary", required=False, limit=10_000),
    )
    return Outcome(detail=detail, incident=incident)
