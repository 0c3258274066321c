"""Prometheus Alertmanager's webhook (format version 4). A notification is about a group of
alerts (groupKey): a firing group opens an incident, or adds the alerts that newly fire to
the timeline of the incident it already opened; a resolved group records service restored
at the latest endsAt. Alertmanager resends the same notification (repeat_interval, retries);
the delivery id is a digest of what it says, so a resend is a duplicate."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from incidents import services as incident_services
from incidents.models import Service, Severity

from .. import effects
from ..models import Endpoint, Kind
from ..payloads import Event, Outcome, PayloadError, items, moment, strings, text

# Severity label values as Prometheus rules commonly spell them; anything else is SEV3.
SEVERITIES = {
    "critical": Severity.SEV1,
    "page": Severity.SEV1,
    "high": Severity.SEV2,
    "major": Severity.SEV2,
    "error": Severity.SEV2,
    "warning": Severity.SEV3,
    "medium": Severity.SEV3,
    "minor": Severity.SEV3,
    "low": Severity.SEV4,
    "info": Severity.SEV4,
    "none": Severity.SEV4,
}


@dataclass(frozen=True)
class Alert:
    status: str
    labels: dict
    starts_at: datetime
    ends_at: datetime | None
    fingerprint: str

    @property
    def key(self) -> str:
        # Alertmanager's fingerprint is per label set; the same alert firing again later is
        # a new alert, told apart by its start.
        return f"{self.fingerprint}@{self.starts_at.isoformat()}"

    @property
    def name(self) -> str:
        return self.labels.get("alertname", self.fingerprint)


def _alerts(payload: dict) -> list[Alert]:
    alerts = []
    raw_alerts = items(payload, "alerts")
    if not raw_alerts:
        raise PayloadError("alerts must not be empty.")
    for position, raw in enumerate(raw_alerts):
        where = f"alerts.{position}"
        labels = strings(raw, "labels")
        status = text(raw, "status")
        if status not in {"firing", "resolved"}:
            raise PayloadError(f"{where}.status must be firing or resolved.")
        # Older Alertmanagers send no fingerprint; the sorted labels identify the alert.
        fingerprint = (
            text(raw, "fingerprint", required=False)
            or hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
        )
        try:
            starts_at = moment(raw, "startsAt")
            ends_at = moment(raw, "endsAt", required=False)
        except PayloadError as error:
            raise PayloadError(f"{where}.{error}") from None
        alerts.append(Alert(status, labels, starts_at, ends_at, fingerprint))
    return alerts


def parse(payload: dict, *, event_type: str = "", delivery_id: str = "") -> Event:
    version = text(payload, "version", required=False)
    if version and version != "4":
        raise PayloadError(f'version must be "4" (the Alertmanager format), not {version!r}.')
    status = text(payload, "status")
    if status not in {"firing", "resolved"}:
        raise PayloadError("status must be firing or resolved.")
    group_key = text(payload, "groupKey", limit=400)
    alerts = _alerts(payload)
    labels = {**strings(payload, "groupLabels"), **strings(payload, "commonLabels")}
    annotations = strings(payload, "commonAnnotations")
    said = [
        group_key,
        status,
        sorted(
            [alert.fingerprint, alert.status, str(alert.starts_at), str(alert.ends_at)]
            for alert in alerts
        ),
    ]
    title = annotations.get("summary") or labels.get("alertname") or alerts[0].name
    return Event(
        delivery_id=hashlib.sha256(json.dumps(said).encode()).hexdigest(),
        event_type=f"alert group {status}",
        summary=f"{status}: {title}"[:300],
        route_label="service" if "service" in labels else "alertname",
        route_value=labels.get("service") or labels.get("alertname", ""),
        labels=labels,
    )


def apply(*, endpoint: Endpoint, service: Service, payload: dict, event: Event) -> Outcome:
    status = payload["status"]
    alerts = _alerts(payload)
    labels = event.labels
    annotations = strings(payload, "commonAnnotations")
    link = effects.locked_link(
        team=endpoint.team, source=Kind.ALERTMANAGER, key=text(payload, "groupKey", limit=400)
    )
    firing = [alert for alert in alerts if alert.status == "firing"]
    relevant = firing if status == "firing" and firing else alerts
    started_at = min(alert.starts_at for alert in relevant)
    incident = link.incident
    restored_at = incident.restored_at if incident is not None else None
    if restored_at is not None and started_at > restored_at:
        # The group fires again after it was restored: a new incident.
        incident = None
    if (ignored := effects.binned_detail(incident)) is not None:
        return Outcome(detail=ignored)
    if incident is None:
        title = annotations.get("summary") or labels.get("alertname") or relevant[0].name
        incident = effects.open_incident(
            service=service,
            title=title,
            severity=effects.severity_from(
                labels.get(endpoint.severity_label, ""), SEVERITIES, Severity.SEV3
            ),
            started_at=started_at,
            summary=annotations.get("description", ""),
        )
        link.incident = incident
        link.seen_alerts = [alert.key for alert in alerts]
        detail = f"Opened {incident.reference}."
    else:
        incident = effects.fill_in_start(incident, started_at)
        new = [alert for alert in firing if alert.key not in set(link.seen_alerts)]
        if new:
            names = ", ".join(sorted({alert.name for alert in new}))
            incident_services.incident_add_note(
                incident=incident,
                body=f"New alerts firing ({len(new)}): {names}.",
                by=None,
                occurred_at=min(alert.starts_at for alert in new),
            )
        link.seen_alerts = sorted(set(link.seen_alerts) | {alert.key for alert in alerts})
        detail = f"Updated {incident.reference}" + (f": {len(new)} new alerts." if new else ".")
    link.save(update_fields=["incident", "seen_alerts"])
    if status == "resolved":
        ends = [alert.ends_at for alert in alerts if alert.ends_at is not None]
        if not ends:
            raise PayloadError("A resolved group needs endsAt on its alerts.")
        incident = effects.restore(
            incident, at=max(ends), note="Alertmanager: every alert of the group resolved."
        )
    return Outcome(detail=detail, incident=incident)
