"""Small builders for incidents in a known state, written with the app's own services."""

from datetime import timedelta

from django.utils import timezone

from incidents import services


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
