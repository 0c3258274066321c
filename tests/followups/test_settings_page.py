"""/settings/: each person chooses which of Debrief's emails they get."""

import re

from django.test import Client

from followups.models import NotificationSettings


def ticked(page: str, name: str) -> bool:
    checkbox = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page).group()
    return " checked" in checkbox


def test_it_requires_login(db):
    response = Client().get("/settings/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_the_first_visit_creates_settings_with_everything_on(alice_client, alice):
    response = alice_client.get("/settings/")

    assert response.status_code == 200
    assert "Weekly team digest" in response.text
    assert "Reminders about my follow-ups" in response.text
    assert '<form method="post">' in response.text
    preferences = NotificationSettings.objects.get(user=alice)
    assert (preferences.weekly_digest, preferences.reminders) == (True, True)


def test_saving_keeps_the_choice_and_says_so(alice_client, alice):
    response = alice_client.post("/settings/", {"reminders": "on"}, follow=True)

    assert "Notification settings saved." in response.text
    preferences = NotificationSettings.objects.get(user=alice)
    assert (preferences.weekly_digest, preferences.reminders) == (False, True)
    assert ticked(response.text, "reminders")
    assert not ticked(response.text, "weekly_digest")


def test_unticking_everything_turns_everything_off(alice_client, alice):
    NotificationSettings.objects.create(user=alice)

    alice_client.post("/settings/", {})

    preferences = NotificationSettings.objects.get(user=alice)
    assert (preferences.weekly_digest, preferences.reminders) == (False, False)


def test_each_person_changes_only_their_own(alice_client, bob, alice):
    NotificationSettings.objects.create(user=bob)

    alice_client.post("/settings/", {})

    bobs = NotificationSettings.objects.get(user=bob)
    assert (bobs.weekly_digest, bobs.reminders) == (True, True)


def test_it_rejects_other_methods(alice_client):
    assert alice_client.delete("/settings/").status_code == 405


def test_every_page_links_to_the_settings(alice_client):
    assert 'href="/settings/"' in alice_client.get("/incidents/").text
