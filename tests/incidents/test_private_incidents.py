"""A private incident (a security incident, say) is seen by its responders and organisation
admins only: nowhere else is it named, though the learning figures still count it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from culture.models import Invitation
from culture.services import pulse_invite
from followups import notifications
from followups import services as followup_services
from incidents import services
from incidents.models import Incident
from learning.cache import GENERATION
from learning.metrics import ORGANISATION, time_to_restore
from learning.periods import Period
from outbound.models import Delivery
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate
from tests.incidents.factories import form_data
from tests.outbound.conftest import make_destination


@pytest.fixture
def private(alice, checkout):
    return services.incident_declare(
        title="Leaked card numbers",
        severity=1,
        services=[checkout],
        reporter=alice,
        is_private=True,
        started_at=timezone.now() - timedelta(hours=2),
    )


@pytest.fixture
def teammate(payments):
    """A member of the owning team who is not one of the responders."""
    user = User.objects.create_user("tom", "tom@example.org", "tom-password")
    payments.members.add(user)
    return user


def test_declaring_a_private_incident_from_the_form(alice_client, bob_client, checkout):
    response = alice_client.post(
        "/incidents/declare/",
        {
            "title": "Leaked card numbers",
            "severity": 1,
            "services": [checkout.pk],
            "is_private": "on",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and incident.is_private
    assert "Leaked card numbers" in alice_client.get("/incidents/").text
    assert "Leaked card numbers" not in bob_client.get("/incidents/").text
    assert bob_client.get(f"/incidents/{incident.pk}/").status_code == 404


def test_the_page_shows_it_is_private(alice_client, private):
    assert (
        '<span class="badge private">Private</span>'
        in alice_client.get(f"/incidents/{private.pk}/").text
    )


def test_naming_a_responder_lets_them_in(alice_client, bob_client, bob, private):
    assert bob_client.get(f"/incidents/{private.pk}/").status_code == 404
    response = alice_client.post(f"/incidents/{private.pk}/responders/", {"responders": [bob.pk]})
    assert response.status_code == 302
    assert bob_client.get(f"/incidents/{private.pk}/").status_code == 200
    assert "Responders now: bob." in alice_client.get(f"/incidents/{private.pk}/").text


def test_members_of_the_owning_team_do_not_see_it_unless_responders(teammate, private):
    client = Client()
    client.force_login(teammate)
    assert client.get(f"/incidents/{private.pk}/").status_code == 404
    assert "Leaked" not in client.get("/teams/payments/").text


def test_counts_on_the_team_list_leave_it_out_for_others(alice_client, bob_client, private):
    # The only open incident is the private one.
    assert "<td>1</td></tr>" in alice_client.get("/teams/").text
    assert "<td>1</td></tr>" not in bob_client.get("/teams/").text


def test_making_an_incident_private_on_the_edit_page(alice_client, bob_client, alice, checkout):
    incident = services.incident_declare(
        title="Odd logins", severity=2, services=[checkout], reporter=alice
    )
    assert bob_client.get(f"/incidents/{incident.pk}/").status_code == 200
    alice_client.post(f"/incidents/{incident.pk}/edit/", form_data(incident, is_private=True))
    assert Incident.objects.get(pk=incident.pk).is_private
    assert bob_client.get(f"/incidents/{incident.pk}/").status_code == 404


def test_search_finds_it_only_for_responders(alice_client, bob_client, private):
    assert "Leaked card numbers" in alice_client.get("/search/", {"q": "leaked"}).text
    assert "Leaked card numbers" not in bob_client.get("/search/", {"q": "leaked"}).text


def test_the_follow_up_export_leaves_it_out_for_others(alice_client, bob_client, alice, private):
    followup_services.item_create(incident=private, title="Rotate the keys", by=alice)
    mine = b"".join(alice_client.get("/follow-ups/export.csv"))
    theirs = b"".join(bob_client.get("/follow-ups/export.csv"))
    assert b"Rotate the keys" in mine and b"Rotate the keys" not in theirs


def test_the_weekly_digest_does_not_name_it(alice, teammate, checkout, private):
    services.incident_declare(title="Slow refunds", severity=3, services=[checkout], reporter=alice)
    today = timezone.localdate()
    notifications.send_digests(today=today + timedelta(days=7 - today.weekday()))
    assert mail.outbox
    for message in mail.outbox:
        assert "Slow refunds" in message.body
        assert "Leaked card numbers" not in message.body


def test_reminders_of_its_follow_ups_go_only_to_responders(alice, teammate, private):
    followup_services.item_create(
        incident=private, title="Rotate the keys", by=alice, due_date=timezone.localdate()
    )
    reminded = {r.recipient for r in notifications.reminders_due(today=timezone.localdate())}
    assert reminded == {alice}


def test_outbound_destinations_hear_nothing_of_it(payments, alice, checkout):
    make_destination(payments, "https://chat.example.org/hook")
    services.incident_declare(
        title="Leaked card numbers",
        severity=1,
        services=[checkout],
        reporter=alice,
        is_private=True,
    )
    assert not Delivery.objects.exists()
    services.incident_declare(title="Slow refunds", severity=3, services=[checkout], reporter=alice)
    assert Delivery.objects.exists()


def test_the_pulse_invites_only_those_who_may_know_of_it(alice, bob, private):
    postmortem = postmortem_services.postmortem_start(
        incident=private, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    # bob wrote on its timeline before being taken off the responders.
    services.incident_add_note(incident=private, body="Looked at the logs", by=bob)
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=Postmortem.Status.PUBLISHED, published_at=timezone.now()
    )
    pulse_invite(postmortem=postmortem)
    assert set(Invitation.objects.values_list("user__username", flat=True)) == {"alice"}


def test_the_four_keys_still_count_it(alice, private):
    services.incident_mark_restored(incident=private, restored_at=timezone.now(), by=alice)
    figures = time_to_restore(scope=ORGANISATION, period=Period.last_days(30))
    assert figures.median.count == 1


def test_the_learning_page_counts_it_for_a_viewer(vic_client, alice, private):
    response = vic_client.get("/learning/export.csv", {"series": "incidents-per-week"})
    assert response.status_code == 200
    assert sum(int(row.split(",")[-1] or 0) for row in response.text.splitlines()[1:] if row) >= 1


def test_making_an_incident_private_or_public_starts_a_new_learning_cache_generation(
    alice, checkout
):
    incident = services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    generations = [cache.get_or_set(GENERATION, "first", timeout=None)]
    services.incident_update(incident=incident, by=alice, changes={"is_private": True})
    generations.append(cache.get(GENERATION))
    services.incident_update(incident=incident, by=alice, changes={"is_private": False})
    generations.append(cache.get(GENERATION))

    assert len(set(generations)) == 3
