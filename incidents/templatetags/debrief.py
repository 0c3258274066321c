from datetime import timedelta

from django import template

from debrief.people import display_name
from incidents.models import SEVERITY_MEANINGS, Severity
from incidents.timeline_strip import timeline_strip as draw_timeline_strip

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A duration as people say it: "2 d 3 h", "1 h 20 min", "45 min", "30 s"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    sign, seconds = ("−", -seconds) if seconds < 0 else ("", seconds)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        parts = [f"{days} d", f"{hours} h" if hours else ""]
    elif hours:
        parts = [f"{hours} h", f"{minutes} min" if minutes else ""]
    elif minutes:
        parts = [f"{minutes} min"]
    else:
        parts = [f"{seconds} s"]
    return sign + " ".join(p for p in parts if p)


@register.filter
def person(user) -> str:
    """How Debrief names a person: their full name, else their username; "" for nobody."""
    return display_name(user)


@register.filter
def severity_word(severity: int) -> str:
    """The one word a severity badge carries beside its number ("critical" for SEV1), so that
    the badge never relies on its colour: the first word of the severity's meaning."""
    try:
        meaning = SEVERITY_MEANINGS[Severity(severity)]
    except ValueError:
        return ""
    return meaning.split(":", 1)[0].lower()


@register.filter
def timeline_strip(incident):
    """The incident's timeline as inline SVG (incidents/timeline_strip.py)."""
    return draw_timeline_strip(incident)
