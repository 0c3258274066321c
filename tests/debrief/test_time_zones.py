"""Times show in the person's zone: the one chosen in their settings, else their browser's
(the tz cookie), else the server's; and "12 min ago" carries the exact time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from accounts.models import Profile
from debrief.templatetags.relative_time import relative
from tests.incidents.factories import declared


def started_shown(client, incident) -> str:
    html = client.get(incident.get_absolute_url()).text
    start = html.index('<th scope="row">Impact started</th>')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def incident(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    incident.started_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    incident.save(update_fields=["started_at"])
    return incident


def test_without_a_choice_times_follow_the_browser_zone(alice_client, incident):
    alice_client.cookies["tz"] = "Asia/Tokyo"
    assert "15 Jan 2026 21:00" in started_shown(alice_client, incident)


def test_an_unknown_browser_zone_is_ignored(alice_client, incident):
    alice_client.cookies["tz"] = "Mars/Olympus_Mons"
    assert "15 Jan 2026 12:00" in started_shown(alice_client, incident)


def test_the_chosen_zone_wins_over_the_browser(alice_client, alice, incident):
    Profile.objects.update_or_create(user=alice, defaults={"time_zone": "America/New_York"})
    alice_client.cookies["tz"] = "Asia/Tokyo"
    assert "15 Jan 2026 07:00" in started_shown(alice_client, incident)


def test_the_zone_is_not_left_active_after_the_request(alice_client, incident):
    alice_client.cookies["tz"] = "Asia/Tokyo"
    alice_client.get("/")
    assert timezone.get_current_timezone_name() == timezone.get_default_timezone_name()


def test_the_settings_page_offers_every_zone_and_saves_the_choice(alice_client, alice):
    page = alice_client.get("/settings/")
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page.text
    assert "Follow my browser" in page.text
    response = alice_client.post("/settings/time-zone/", {"time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    assert Profile.objects.get(user=alice).time_zone == "Europe/Berlin"
    assert '<option value="Europe/Berlin" selected>' in alice_client.get("/settings/").text


def test_following_the_browser_again_clears_the_choice(alice_client, alice):
    Profile.objects.update_or_create(user=alice, defaults={"time_zone": "Europe/Berlin"})
    alice_client.post("/settings/time-zone/", {"time_zone": ""})
    assert Profile.objects.get(user=alice).time_zone == ""


def test_an_unknown_zone_is_refused(alice_client, alice):
    response = alice_client.post("/settings/time-zone/", {"time_zone": "Nowhere/Land"})
    assert response.status_code == 422
    assert not Profile.objects.filter(user=alice, time_zone="Nowhere/Land").exists()


@pytest.mark.parametrize(
    ("seconds_ago", "said"),
    [
        (20, "just now"),
        (12 * 60, "12 min ago"),
        (3 * 3600 + 5, "3 h ago"),
        (26 * 3600, "yesterday"),
        (4 * 86400, "4 days ago"),
        (-30 * 60, "in 30 min"),
    ],
)
def test_relative_times_read_as_people_say_them(seconds_ago, said):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert relative(now - timedelta(seconds=seconds_ago), now) == said


def test_older_moments_show_their_date():
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert relative(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), now) == "2 Mar"
    assert relative(datetime(2025, 3, 2, 9, 0, tzinfo=UTC), now) == "2 Mar 2025"


def test_the_ago_filter_gives_the_exact_local_time_on_hover():
    moment = timezone.now() - timedelta(minutes=12)
    with timezone.override("Europe/Berlin"):
        html = Template("{% load relative_time %}{{ moment|ago }}").render(
            Context({"moment": moment})
        )
        local = timezone.localtime(moment)
    assert html == (
        f'<time datetime="{local.isoformat()}" '
        f'title="{local:%-d %b %Y %H:%M} {local.tzname()}">12 min ago</time>'
    )


def test_the_incident_list_says_how_long_ago_incidents_started(alice_client, alice, checkout):
    declared(reporter=alice, service=checkout, minutes_ago=12)
    assert ">12 min ago</time>" in alice_client.get("/incidents/").text


def test_the_zone_the_browser_script_wrote_url_encoded_is_followed(alice_client, incident):
    """navigation.js stores encodeURIComponent(zone): "America/New_York" arrives encoded."""
    alice_client.cookies["tz"] = "America%2FNew_York"
    assert "15 Jan 2026 07:00" in started_shown(alice_client, incident)
