"""The review meeting as an iCalendar (RFC 5545) invitation."""

from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from debrief.people import display_name


def _address(user) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(display_name(user))
    return address


def _fallback_organiser() -> vCalAddress:
    """Debrief's sender address: RFC 5546 wants an ORGANIZER on every scheduled event."""
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    address = vCalAddress(f"mailto:{email or 'debrief@localhost'}")
    address.params["cn"] = vText(name or "Debrief")
    return address


def meeting_invitation_ics(meeting, *, method: str = "REQUEST") -> bytes:
    """The meeting as iCalendar; its UID stays the same for updates. Emailed invitations are
    a REQUEST that calendars can accept; the download is a PUBLISH, a copy to import, since
    whoever downloads it is not answering as an attendee."""
    postmortem = meeting.postmortem
    calendar = Calendar()
    calendar.add("prodid", "-//Debrief//Postmortem review//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
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
    else:
        event["organizer"] = _fallback_organiser()
    for person in meeting.participants.all():
        if person.email and person.is_active:
            event.add("attendee", _address(person))
    calendar.add_component(event)
    return calendar.to_ical()
