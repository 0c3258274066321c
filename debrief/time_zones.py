"""Each person's time zone: the one they chose in their settings, else their browser's.

The browser's zone arrives in the `tz` cookie, set by static/js/navigation.js from
Intl.DateTimeFormat().resolvedOptions().timeZone on the first page it loads; it is used only
when it names a zone zoneinfo knows. Until then, and for anyone signed out, times are shown in
the server's TIME_ZONE.
"""

import zoneinfo
from functools import cache
from urllib.parse import unquote

from django import forms
from django.utils import timezone

from .widgets import OptionsSelect

COOKIE = "tz"


@cache
def available_zones() -> frozenset[str]:
    # Read from the system's zone database once per process; it changes only with upgrades.
    return frozenset(zoneinfo.available_timezones())


def zone_named(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone `name` names, or None for an empty or unknown name."""
    if not name or name not in available_zones():
        return None
    return zoneinfo.ZoneInfo(name)


def chosen_zone_name(user) -> str:
    """The zone the person chose in their settings; "" when they follow their browser."""
    if not user.is_authenticated:
        return ""
    # Older accounts may have no accounts.Profile row yet: they have chosen nothing.
    profile = getattr(user, "profile", None)
    return profile.time_zone if profile is not None else ""


class TimeZoneMiddleware:
    """Shows times in the person's zone for the rest of the request: their setting, else the
    browser's (the `tz` cookie), else the server's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The browser's script writes the cookie URL-encoded ("America%2FNew_York").
        browser = unquote(request.COOKIES.get(COOKIE, ""))
        zone = zone_named(chosen_zone_name(request.user)) or zone_named(browser)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Times everywhere in Debrief are shown in this zone. Leave it on "
        "“Follow my browser” to use the zone your computer is set to.",
        widget=OptionsSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(available_zones())
        self.fields["time_zone"].choices = [("", "Follow my browser"), *((z, z) for z in zones)]
