"""The review meeting as an iCalendar (RFC 5545) invitation."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText


def _address(user) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.get_full_name() or user.get_username())
    return address


def meeting_ics(meeting) -> bytes:
    """A REQUEST invitation that calendars can accept; its UID stays the same for updates."""
    postmortem = meeting.postmortem
    calendar = Calendar()
    calendar.add("prodid", "-//Debrief//Postmortem review//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    host = urlsplit(settings.SITE_URL).hostname or "debrief"
    event.add("uid", f"postmortem-review-{meeting.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    event.add("sequence", meeting.sequence)
    event.add("summary", f"Postmortem review: {postmortem.title}")
    event.add(
        "description",
        f"Review of the postmortem of {postmortem.incident.reference}.\n"
        f"{settings.SITE_URL}{postmortem.get_absolute_url()}",
    )
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.organiser and meeting.organiser.email:
        event["organizer"] = _address(meeting.organiser)
    for person in meeting.participants.all():
        if person.email:
            event.add("attendee", _address(person))
    calendar.add_component(event)
    return calendar.to_ical()
