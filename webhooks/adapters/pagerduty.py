"""PagerDuty's V3 webhooks: incident.triggered opens an incident for the PagerDuty incident
(data.id), incident.acknowledged records when it was acknowledged and incident.resolved when
service was restored, at the event's occurred_at. Other event types are logged and ignored."""

from incidents.models import Service, Severity

from .. import effects
from ..models import Endpoint, Kind
from ..payloads import Event, Outcome, PayloadError, identifier, moment, obj, text

ACTIONS = {
    "incident.triggered": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}
PRIORITIES = {"p1": Severity.SEV1, "p2": Severity.SEV2, "p3": Severity.SEV3, "p4": Severity.SEV4}
URGENCIES = {"high": Severity.SEV2, "low": Severity.SEV3}


def parse(payload: dict, *, event_type: str = "", delivery_id: str = "") -> Event:
    event = obj(payload, "event")
    event_id = identifier(payload, "event.id")
    kind = text(payload, "event.event_type", limit=100)
    if kind not in ACTIONS:
        reason = "PagerDuty's test ping." if kind == "pagey.ping" else f"{kind} is not used."
        return Event(event_id, kind, reason, needs_route=False, ignored=reason)
    if not isinstance(event.get("data"), dict):
        raise PayloadError("event.data must be an object.")
    moment(payload, "event.occurred_at")
    moment(payload, "event.data.created_at", required=False)
    incident_id = identifier(payload, "event.data.id")
    title = text(payload, "event.data.title", required=False, limit=1000)
    return Event(
        delivery_id=event_id,
        event_type=kind,
        summary=f"{kind}: {title or incident_id}"[:300],
        route_value=identifier(payload, "event.data.service.id"),
    )


def _severity(payload: dict) -> int:
    priority = obj(payload, "event.data.priority", required=False)
    if priority:
        name = text(priority, "summary", required=False).lower()
        return PRIORITIES.get(name, Severity.SEV4 if name.startswith("p") else Severity.SEV3)
    urgency = text(payload, "event.data.urgency", required=False).lower()
    return URGENCIES.get(urgency, Severity.SEV3)


def apply(*, endpoint: Endpoint, service: Service, payload: dict, event: Event) -> Outcome:
    occurred_at = moment(payload, "event.occurred_at")
    created_at = moment(payload, "event.data.created_at", required=False)
    incident_id = identifier(payload, "event.data.id")
    title = text(payload, "event.data.title", required=False, limit=1000)
    number = text(payload, "event.data.number", required=False)
    incident, detail = effects.apply_incident_event(
        team=endpoint.team,
        service=service,
        source=Kind.PAGERDUTY,
        key=incident_id,
        action=ACTIONS[event.event_type],
        title=title or f"PagerDuty incident {number or incident_id}",
        severity=_severity(payload),
        # An incident is known from when PagerDuty created it; an event without that
        # time tells at least that it had begun by then.
        started_at=min(created_at or occurred_at, occurred_at),
        occurred_at=occurred_at,
        via="PagerDuty",
    )
    return Outcome(detail=detail, incident=incident)
