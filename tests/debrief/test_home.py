"""The home page answers "what needs me now?": open incidents (mine, then my teams', then the
rest), postmortems waiting for me, and my overdue and soon-due follow-ups."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followups import services as followup_services
from followups.models import ActionItem
from incidents import services as incident_services
from incidents.models import Service
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.incidents.factories import declared


@pytest.fixture
def standard(db):
    return PostmortemTemplate.objects.get(slug="standard")


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    return sorted(titles, key=html.index)


def test_home_is_the_page_at_the_root_and_needs_a_login(client, alice_client):
    assert client.get("/").status_code == 302
    response = alice_client.get("/")
    assert response.status_code == 200
    assert "What needs you now" in response.text


def test_open_incidents_list_mine_then_my_teams_then_others(
    alice_client, alice, bob, checkout, search
):
    mine = declared(reporter=alice, service=search, title="Mine on search", severity=3)
    teams = declared(reporter=bob, service=checkout, title="Payments trouble", severity=1)
    other = declared(reporter=bob, service=search, title="Search is slow", severity=1)
    closed = declared(reporter=alice, service=checkout, title="Long fixed")
    incident_services.incident_change_status(incident=closed, status="resolved", by=alice)
    html = alice_client.get("/").text
    assert "Long fixed" not in html
    assert titles_in_order(html, [other.title, teams.title, mine.title]) == [
        mine.title,
        teams.title,
        other.title,
    ]
    assert "1 yours, 1 your teams'." in html


def test_an_empty_home_says_so(alice_client):
    html = alice_client.get("/").text
    assert "No open incidents. All quiet." in html
    assert "Nobody is waiting for your review." in html
    assert "No postmortem drafts for you or your teams." in html
    assert "Nothing overdue." in html
    assert "Nothing due soon." in html


def test_private_incidents_of_others_are_not_listed(alice_client, bob, search):
    incident = declared(reporter=bob, service=search, title="Leaked credentials")
    incident.is_private = True
    incident.save(update_fields=["is_private"])
    assert "Leaked credentials" not in alice_client.get("/").text


def test_each_section_shows_ten_and_links_to_the_rest(alice_client, alice, checkout):
    for number in range(12):
        declared(reporter=alice, service=checkout, title=f"Incident number {number}")
    html = alice_client.get("/").text
    assert html.count("Incident number") == 10
    assert "See all 12 open incidents" in html
    assert 'href="/incidents/?status=open"' in html


def test_postmortems_waiting_for_me(alice_client, alice, bob, carol, checkout, search, standard):
    ours = declared(reporter=bob, service=checkout, title="Ours")
    draft = postmortem_services.postmortem_start(incident=ours, template=standard, by=bob)
    theirs = declared(reporter=bob, service=search, title="Theirs")
    to_review = postmortem_services.postmortem_start(incident=theirs, template=standard, by=bob)
    postmortem_services.review_request(postmortem=to_review, by=bob, reviewers=[alice])
    elsewhere = declared(reporter=bob, service=search, title="Elsewhere")
    not_mine = postmortem_services.postmortem_start(incident=elsewhere, template=standard, by=bob)
    html = alice_client.get("/").text
    assert f'href="{draft.get_absolute_url()}"' in html
    assert f'href="{to_review.get_absolute_url()}"' in html
    assert "asked by Bob" in html
    assert f'href="{not_mine.get_absolute_url()}"' not in html


def test_my_overdue_and_soon_due_follow_ups(alice_client, alice, bob, checkout):
    incident = declared(reporter=alice, service=checkout)
    today = timezone.localdate()

    def item(title, owner, due):
        created = followup_services.item_create(
            incident=incident, title=title, by=alice, owner=owner, due_date=today
        )
        ActionItem.objects.filter(pk=created.pk).update(due_date=due)

    item("Rotate the keys", alice, today - timedelta(days=2))
    item("Add an alert", alice, today + timedelta(days=1))
    item("Someday maybe", alice, today + timedelta(days=30))
    item("Bob's overdue", bob, today - timedelta(days=1))
    html = alice_client.get("/").text
    overdue, soon = html.split("Due in the next")
    assert "Rotate the keys" in overdue and "Add an alert" not in overdue
    assert "Add an alert" in soon
    assert "Someday maybe" not in html
    assert "Bob&#x27;s overdue" not in html and "Bob's overdue" not in html


def _history(*, alice, bob, checkout, search, standard, size: int):
    platform_service = search
    for number in range(size):
        mine = declared(reporter=alice, service=checkout, title=f"Mine {size}-{number}")
        other = declared(reporter=bob, service=platform_service, title=f"Other {size}-{number}")
        postmortem = postmortem_services.postmortem_start(
            incident=mine, template=standard, by=alice
        )
        reviewed = postmortem_services.postmortem_start(incident=other, template=standard, by=bob)
        postmortem_services.review_request(postmortem=reviewed, by=bob, reviewers=[alice])
        followup_services.item_create(
            incident=mine,
            title=f"Fix {size}-{number}",
            by=alice,
            owner=alice,
            postmortem=postmortem,
        )
    ActionItem.objects.update(due_date=timezone.localdate() - timedelta(days=1))
    Service.objects.create(name=f"Extra {size}", slug=f"extra-{size}", team=checkout.team)


def test_the_home_page_costs_the_same_queries_whatever_the_history(
    django_assert_max_num_queries, alice, alice_client, bob, checkout, search, standard
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/").status_code == 200
        return len(captured)

    _history(alice=alice, bob=bob, checkout=checkout, search=search, standard=standard, size=2)
    small = queries()
    _history(alice=alice, bob=bob, checkout=checkout, search=search, standard=standard, size=13)
    assert queries() == small
    # Session, user, each section's items and count, the team memberships and the profile.
    with django_assert_max_num_queries(16):
        alice_client.get("/")


# --- Private incidents stay unnamed -----------------------------------------------------------


def test_home_does_not_list_a_follow_up_of_a_private_incident_its_owner_may_not_see(
    alice, bob, bob_client, checkout
):
    incident = incident_services.incident_declare(
        title="Secret breach", severity=1, services=[checkout], reporter=alice, is_private=True
    )
    followup_services.item_create(
        incident=incident,
        title="Rotate leaked HSM key",
        by=alice,
        owner=bob,
        due_date=timezone.localdate() + timedelta(days=1),
    )
    overdue = followup_services.item_create(
        incident=incident, title="Audit the vault", by=alice, owner=bob
    )
    ActionItem.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    assert bob_client.get(f"/incidents/{incident.pk}/").status_code == 404

    page = bob_client.get("/").text

    assert "Rotate leaked HSM key" not in page and "Audit the vault" not in page
    # Once a responder, the owner sees them.
    incident.responders.add(bob)
    page = bob_client.get("/").text
    assert "Rotate leaked HSM key" in page and "Audit the vault" in page


def test_home_does_not_name_a_review_of_a_postmortem_made_private_since(
    alice, carol, carol_client, checkout, standard
):
    incident = incident_services.incident_declare(
        title="Secret breach of vault", severity=1, services=[checkout], reporter=alice
    )
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=standard, by=alice
    )
    postmortem_services.review_request(postmortem=postmortem, by=alice, reviewers=[carol])
    assert "Secret breach of vault" in carol_client.get("/").text

    incident_services.incident_update(incident=incident, by=alice, changes={"is_private": True})

    assert carol_client.get(f"/postmortems/{postmortem.pk}/").status_code == 404
    assert "Secret breach of vault" not in carol_client.get("/").text
