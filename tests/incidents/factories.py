"""Small builders for incidents in a known state, written with the app's own services, and
the form data the app's pages post."""

from datetime import timedelta

from django.utils import timezone

from incidents import services
from incidents.forms import IncidentEditForm


def local_input(moment) -> str:
    """A moment as a datetime-local input holds it, in the configured time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def whole_minutes_ago(count: int):
    """A whole minute in the past, as every time typed in the app is."""
    return timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=count)


def declared(
    *, reporter, service, minutes_ago: int = 60, severity: int = 2, title="Checkout errors"
):
    return services.incident_declare(
        title=title,
        severity=severity,
        services=[service],
        reporter=reporter,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def resolved(*, reporter, service, minutes_ago: int = 60):
    incident = declared(reporter=reporter, service=service, minutes_ago=minutes_ago)
    return services.incident_change_status(incident=incident, status="resolved", by=reporter)


def form_data(incident, **changes) -> dict:
    """What the edit page posts when loaded now and saved with `changes`: every detail as
    shown, and the hidden record of what was loaded."""
    incident.refresh_from_db()

    def shown(moment):
        return local_input(moment) if moment else ""

    data = {
        "loaded": IncidentEditForm(instance=incident).initial["loaded"],
        "title": incident.title,
        "summary": incident.summary,
        "customer_impact": incident.customer_impact,
        "severity": incident.severity,
        "services": [s.pk for s in incident.services.all()],
        "team": incident.team_id,
        "commander": incident.commander_id or "",
        "caused_by_deployment": incident.caused_by_deployment_id or "",
        "started_at": shown(incident.started_at),
        "detected_at": shown(incident.detected_at),
        "acknowledged_at": shown(incident.acknowledged_at),
        "restored_at": shown(incident.restored_at),
        "resolved_at": shown(incident.resolved_at),
    }
    if incident.is_drill:
        data["is_drill"] = "on"
    data.update(changes)
    return data
