"""The incident's facts as a postmortem shows them: live from the incident while the
postmortem is a draft, frozen at publication so later edits cannot rewrite history."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from debrief.people import actor_name
from incidents.models import Incident

MOMENTS = ["started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"]


def incident_facts(incident: Incident) -> dict:
    """A JSON-serialisable snapshot: severity, services, team, impact window, durations
    (in seconds) and the timeline."""
    return {
        "reference": incident.reference,
        "severity": incident.get_severity_display(),
        "severity_meaning": incident.severity_meaning,
        "is_drill": incident.is_drill,
        "team": incident.team.name,
        "services": [service.name for service in incident.services.all()],
        "customer_impact": incident.customer_impact,
        **{
            name: getattr(incident, name).isoformat() if getattr(incident, name) else None
            for name in MOMENTS
        },
        "durations": {
            label: delta.total_seconds() if delta is not None else None
            for label, delta in incident.durations
        },
        "timeline": [
            {
                "occurred_at": event.occurred_at.isoformat(),
                "kind": event.get_kind_display(),
                "change": f"{event.old_value} → {event.new_value}" if event.old_value else "",
                "body": event.body,
                "author": actor_name(event.author),
            }
            for event in incident.events.all()
        ],
    }


def for_display(facts: dict) -> dict:
    """The snapshot with its times and durations turned back into Python values."""
    shown = dict(facts)
    for name in MOMENTS:
        shown[name] = datetime.fromisoformat(facts[name]) if facts.get(name) else None
    shown["durations"] = [
        (label, timedelta(seconds=seconds) if seconds is not None else None)
        for label, seconds in facts["durations"].items()
    ]
    shown["timeline"] = [
        {**event, "occurred_at": datetime.fromisoformat(event["occurred_at"])}
        for event in facts["timeline"]
    ]
    return shown


def postmortem_facts(postmortem) -> dict:
    if postmortem.is_published and postmortem.published_facts:
        return for_display(postmortem.published_facts)
    return for_display(incident_facts(postmortem.incident))


def narrative_timeline(events) -> str:
    """The incident's timeline as an editable Markdown list, one line per event."""
    lines = []
    for event in events:
        when = date_format(timezone.localtime(event.occurred_at), "j M H:i")
        what = event.get_kind_display()
        if event.old_value:
            what += f" ({event.old_value} → {event.new_value})"
        if event.body:
            what += f": {event.body}"
        lines.append(f"- **{when}** {what} — {actor_name(event.author)}")
    return "\n".join(lines)
