"""The header's search box: results as you type (the search page's `quick` partial), the
full page without JavaScript, and only what the person may see."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followups.models import ActionItem
from incidents.models import Incident
from learning.search import search_learnings
from postmortems.models import Postmortem, PostmortemTemplate

QUICK = {"HX-Request": "true", "HX-Target": "global-search-results"}


def incident(team, title, **kwargs):
    return Incident.objects.create(
        title=title, team=team, started_at=datetime(2026, 3, 10, 12, tzinfo=UTC), **kwargs
    )


@pytest.fixture
def library(payments, platform, alice, bob):
    outage = incident(payments, "Database outage in checkout")
    ActionItem.objects.create(
        title="Alert on database connections", team=payments, incident=outage, created_by=alice
    )
    Postmortem.objects.create(
        incident=outage,
        template=PostmortemTemplate.objects.get(slug="standard"),
        title="Database outage postmortem",
        status=Postmortem.Status.PUBLISHED,
    )
    return outage


def test_every_page_has_the_search_box(alice_client):
    html = alice_client.get("/").text
    assert 'role="search"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#global-search-results"' in html
    assert 'aria-keyshortcuts="/"' in html


def test_typing_shows_incidents_postmortems_and_follow_ups(alice_client, library):
    response = alice_client.get(reverse("learning:search"), {"q": "database"}, headers=QUICK)
    html = response.text
    assert response.status_code == 200
    assert "<html" not in html and 'class="quick-results"' in html
    assert "Database outage in checkout" in html
    assert "Database outage postmortem" in html
    assert "Alert on database connections" in html
    assert 'href="/search/?q=database"' in html


def test_nothing_typed_shows_nothing(alice_client, library):
    response = alice_client.get(reverse("learning:search"), {"q": ""}, headers=QUICK)
    assert "quick-results" not in response.text


def test_the_full_results_page_works_without_javascript(alice_client, library):
    html = alice_client.get("/search/?q=database").text
    assert "<html" in html and 'class="search-hit"' in html
    assert "Database outage in checkout" in html


def test_quick_results_are_bounded_and_link_to_all(alice_client, payments):
    for number in range(12):
        incident(payments, f"Cache stampede {number}")
    html = alice_client.get(reverse("learning:search"), {"q": "stampede"}, headers=QUICK).text
    assert html.count("Cache stampede") == 8
    assert "See all results" in html


def test_a_private_incident_is_found_only_by_its_responders(
    library, payments, alice, bob, carol, dave
):
    private = incident(payments, "Leaked signing key", is_private=True, commander=alice)
    private.responders.add(bob)
    ActionItem.objects.create(
        title="Rotate the leaked signing key", team=payments, incident=private, created_by=alice
    )
    for person, sees in [(alice, True), (bob, True), (carol, False), (dave, True)]:
        hits = search_learnings(query="leaked signing", viewer=person)
        assert bool(hits) is sees, person
        if not sees:
            assert hits == []


def test_an_organisation_admin_finds_private_incidents(payments, carol):
    from accounts.models import Profile, Role

    incident(payments, "Leaked signing key", is_private=True)
    assert search_learnings(query="leaked", viewer=carol) == []
    Profile.objects.update_or_create(user=carol, defaults={"role": Role.ADMIN})
    carol = type(carol).objects.get(pk=carol.pk)  # the role is read once per request
    assert len(search_learnings(query="leaked", viewer=carol)) == 1


def test_nothing_in_the_bin_is_found(library, carol):
    Incident.objects.filter(pk=library.pk).update(deleted_at=timezone.now())
    assert search_learnings(query="database", viewer=carol) == []


def test_results_come_in_pages_at_a_constant_cost(alice_client, payments):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            response = alice_client.get(url, headers=QUICK)
        assert response.status_code == 200
        return len(captured), response.text

    incident(payments, "Disk full 1")
    few, _ = queries("/search/?q=disk")
    for number in range(2, 30):
        incident(payments, f"Disk full {number}")
    many, _ = queries("/search/?q=disk")
    assert many == few
    full = alice_client.get("/search/?q=disk").text
    assert full.count('class="search-hit"') == 20 and "Next page" in full
