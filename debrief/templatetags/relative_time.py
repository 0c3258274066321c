"""`{{ incident.started_at|ago }}`: a moment as "12 min ago", with the exact local time on
hover and in the markup's datetime attribute.

debrief is not an installed app, so settings name this library in TEMPLATES' "libraries".
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400


def relative(moment: datetime, now: datetime) -> str:
    """How long ago (or, for a moment ahead, in how long) `moment` is, as people say it:
    "just now", "12 min ago", "3 h ago", "yesterday", "4 days ago"; past a week, the date."""
    seconds = int((now - moment).total_seconds())
    ahead = seconds < 0
    seconds = abs(seconds)
    if seconds < MINUTE:
        return "just now"
    if seconds < HOUR:
        amount = f"{seconds // MINUTE} min"
    elif seconds < DAY:
        amount = f"{seconds // HOUR} h"
    elif seconds < 7 * DAY:
        days = seconds // DAY
        if days == 1:
            return "tomorrow" if ahead else "yesterday"
        amount = f"{days} days"
    else:
        local = timezone.localtime(moment)
        same_year = local.year == timezone.localtime(now).year
        return date_format(local, "j M" if same_year else "j M Y")
    return f"in {amount}" if ahead else f"{amount} ago"


@register.filter
def ago(moment: datetime | None) -> str:
    """A <time> element saying how long ago `moment` was, titled with the exact time in the
    active time zone; "—" for no moment."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    exact = f"{date_format(local, 'j M Y H:i')} {local.tzname()}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        exact,
        relative(moment, timezone.now()),
    )
