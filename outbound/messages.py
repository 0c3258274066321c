"""What each event says, and the two bodies it is sent as: a Slack-compatible message and the
documented JSON (README, "Notifications to chat and webhooks")."""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, Team

from .models import Destination, Event

JSON_SCHEMA_VERSION = 1
# Slack cuts a context element at 2,000 characters and a section at 3,000.
CONTEXT_LIMIT = 1900


@dataclass(frozen=True)
class Announcement:
    """One event as every destination hears of it. `headline` and `details` are plain text
    (details may hold what people typed); each body escapes them its own way."""

    event: Event
    key: str
    team: Team
    headline: str
    title: str
    url: str
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=timezone.now)

    @property
    def text(self) -> str:
        return f"{self.headline}: {self.title}"


def absolute(path: str) -> str:
    """A link that works from a chat: the site's public address and the path."""
    return settings.SITE_URL + path


def _name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _moment(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def incident_data(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "severity": incident.get_severity_display(),
        "status": incident.status,
        "is_drill": incident.is_drill,
        "services": [service.name for service in incident.services.all()],
        "commander": _name(incident.commander),
        "started_at": _moment(incident.started_at),
        "restored_at": _moment(incident.restored_at),
        "url": absolute(incident.get_absolute_url()),
    }


def team_data(team: Team) -> dict[str, Any]:
    return {"name": team.name, "slug": team.slug, "url": absolute(team.get_absolute_url())}


def _incident_details(incident: Incident) -> list[str]:
    details = [incident.team.name]
    if services := ", ".join(service.name for service in incident.services.all()):
        details.append(services)
    if incident.commander is not None:
        details.append(f"commander {_name(incident.commander)}")
    if incident.is_drill:
        details.append("drill")
    return details


def incident_declared(incident: Incident) -> Announcement:
    return Announcement(
        event=Event.INCIDENT_DECLARED,
        key=f"{Event.INCIDENT_DECLARED}:{incident.pk}",
        team=incident.team,
        headline=f"{incident.get_severity_display()} incident declared",
        title=f"{incident.reference} {incident.title}",
        url=absolute(incident.get_absolute_url()),
        details=_incident_details(incident),
        data={"incident": incident_data(incident)},
    )


def severity_changed(incident: Incident, *, previous: str) -> Announcement:
    current = incident.get_severity_display()
    return Announcement(
        event=Event.SEVERITY_CHANGED,
        # Every change saves a new version of the incident, so each change is its own event.
        key=f"{Event.SEVERITY_CHANGED}:{incident.pk}:v{incident.version}",
        team=incident.team,
        headline=f"Severity changed from {previous} to {current}",
        title=f"{incident.reference} {incident.title}",
        url=absolute(incident.get_absolute_url()),
        details=_incident_details(incident),
        data={"incident": incident_data(incident), "change": {"from": previous, "to": current}},
    )


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def incident_restored(incident: Incident) -> Announcement:
    restore = incident.time_to_restore
    headline = "Service restored"
    if restore is not None:
        headline += f" after {_duration(restore.total_seconds())}"
    return Announcement(
        event=Event.INCIDENT_RESTORED,
        key=f"{Event.INCIDENT_RESTORED}:{incident.pk}:v{incident.version}",
        team=incident.team,
        headline=headline,
        title=f"{incident.reference} {incident.title}",
        url=absolute(incident.get_absolute_url()),
        details=_incident_details(incident),
        data={"incident": incident_data(incident)},
    )


def postmortem_published(postmortem) -> Announcement:
    incident = postmortem.incident
    return Announcement(
        event=Event.POSTMORTEM_PUBLISHED,
        key=f"{Event.POSTMORTEM_PUBLISHED}:{postmortem.pk}",
        team=incident.team,
        headline=f"Postmortem published for {incident.reference}",
        title=postmortem.title,
        url=absolute(postmortem.get_absolute_url()),
        details=[incident.team.name, incident.title]
        + ([f"published by {_name(postmortem.published_by)}"] if postmortem.published_by else []),
        data={
            "incident": incident_data(incident),
            "postmortem": {
                "id": postmortem.pk,
                "title": postmortem.title,
                "published_at": _moment(postmortem.published_at),
                "published_by": _name(postmortem.published_by),
                "url": absolute(postmortem.get_absolute_url()),
            },
        },
    )


def followup_overdue_key(item) -> str:
    """Keyed by the due date: moving the date and missing it again is a new overdue period."""
    return f"{Event.FOLLOWUP_OVERDUE}:{item.pk}:{item.due_date.isoformat()}"


def followup_overdue(item, *, today: date) -> Announcement:
    incident = item.incident
    days = (today - item.due_date).days
    details = [item.team.name, f"due {item.due_date:%-d %b %Y}"]
    details.append(f"owner {_name(item.owner)}" if item.owner else "no owner")
    details.append(f"from {incident.reference} {incident.title}")
    return Announcement(
        event=Event.FOLLOWUP_OVERDUE,
        key=followup_overdue_key(item),
        team=item.team,
        headline=f"Follow-up overdue by {days} day{'s' if days != 1 else ''}",
        title=item.title,
        url=absolute(item.get_absolute_url()),
        details=details,
        data={
            "incident": incident_data(incident),
            "followup": {
                "id": item.pk,
                "title": item.title,
                "status": item.status,
                "due_date": _moment(item.due_date),
                "owner": _name(item.owner),
                "url": absolute(item.get_absolute_url()),
            },
        },
    )


def check_message(destination: Destination, *, key: str) -> Announcement:
    return Announcement(
        event=Event.TEST,
        key=key,
        team=destination.team,
        headline="Test message from Debrief",
        title=f"{destination.name} is set up for {destination.team.name}",
        url=absolute(reverse("outbound:log", args=[destination.team.slug, destination.pk])),
        details=[destination.team.name],
    )


# Bodies


# Chat tools ping a whole channel for a plain @channel, @here, @all or @everyone (Mattermost,
# Rocket.Chat, Discord). A zero-width joiner after the @ looks the same and pings no one.
MENTION = re.compile(r"@(?=\w)")
ZERO_WIDTH_JOINER = "\u200d"
# Markdown's link, emphasis and code characters, and the backslash that escapes them.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]()])")
# Slack's own hooks read mrkdwn, which has no Markdown links and shows a backslash as typed.
SLACK_HOSTS = {"hooks.slack.com", "hooks.slack-gov.com"}


def reads_markdown(url: str) -> bool:
    """Whether a Slack-compatible webhook renders Markdown: every one but Slack's own does
    (Mattermost, Rocket.Chat, Discord's /slack)."""
    return urlsplit(url).hostname not in SLACK_HOSTS


def slack_escape(text: str, *, markdown: bool = True) -> str:
    """Plain text for a Slack-compatible message, shown as typed: neither a link, nor a
    mention, nor formatting. &, < and > are Slack's markup; with `markdown`, the receiver
    also reads [text](url), *, _, ~ and ` as Markdown, so they are escaped with a backslash."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = MENTION.sub("@" + ZERO_WIDTH_JOINER, text)
    if markdown:
        text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text


def slack_body(announcement: Announcement, *, markdown: bool = True) -> dict[str, Any]:
    def escape(text: str) -> str:
        return slack_escape(text, markdown=markdown)

    link = f"<{announcement.url}|{escape(announcement.title)}>"
    headline = escape(announcement.headline)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*\n{link}"}}
    ]
    if announcement.details:
        context = escape(" · ".join(announcement.details))[:CONTEXT_LIMIT]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {
        "text": f"{headline}: {link}",
        "blocks": blocks,
        # Discord reads this: no mention in the message pings anyone. Slack ignores it.
        "allowed_mentions": {"parse": []},
    }


def json_body(announcement: Announcement, *, delivery_id: str) -> dict[str, Any]:
    return {
        "version": JSON_SCHEMA_VERSION,
        "delivery_id": delivery_id,
        "event": str(announcement.event),
        "event_id": announcement.key,
        "occurred_at": _moment(announcement.occurred_at),
        "text": announcement.text,
        "url": announcement.url,
        "team": team_data(announcement.team),
        **announcement.data,
    }


def body_for(destination: Destination, announcement: Announcement, *, delivery_id: str) -> str:
    """The exact text POSTed to the destination (and signed, for JSON)."""
    if destination.kind == Destination.Kind.SLACK:
        payload = slack_body(announcement, markdown=reads_markdown(destination.url))
    else:
        payload = json_body(announcement, delivery_id=delivery_id)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
