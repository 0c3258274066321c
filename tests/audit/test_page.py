"""The audit page: for organisation admins only, filtered by incident, person, team, kind of
object, action and days, a page at a time in the same number of queries however long the
trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.context import acting_as
from audit.models import AuditEntry
from incidents import services as incident_services
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(alice, checkout):
    with acting_as(alice):
        return incident_services.incident_declare(
            title="Card payments failing", severity=2, services=[checkout], reporter=alice
        )


def rows(response) -> int:
    return response.text.count('class="audit-entry"')


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_members_are_refused(alice_client):
    assert alice_client.get("/audit/").status_code == 403


def test_staff_and_admins_by_role_may_read_it(dave_client, erin_client, incident):
    for admin_client in (dave_client, erin_client):
        response = admin_client.get("/audit/")
        assert response.status_code == 200
        assert "Card payments failing" in response.text


def test_an_incident_shows_its_entries_and_those_of_its_timeline(
    dave_client, incident, alice, checkout
):
    incident_services.incident_add_note(incident=incident, body="Rolled back", by=alice)
    other = incident_services.incident_declare(
        title="Search is slow", severity=3, services=[checkout], reporter=alice
    )

    response = dave_client.get("/audit/", {"incident": incident.reference})

    shown = response.context["page"].object_list
    assert {entry.incident_number for entry in shown} == {incident.pk}
    assert {entry.object_type for entry in shown} >= {
        "incidents.incident",
        "incidents.timelineevent",
    }
    assert other.title not in response.text


def test_a_change_shows_its_fields_old_and_new(dave_client, incident, alice):
    with acting_as(alice):
        incident_services.incident_change_severity(incident=incident, severity=1, by=alice)

    response = dave_client.get("/audit/", {"incident": str(incident.pk), "action": "changed"})

    assert "Severity" in response.text
    assert "SEV2 → SEV1" in response.text


def test_the_bin_is_named_on_the_page(dave_client, incident, alice):
    moved = Incident.objects.get(pk=incident.pk)
    moved.deleted_at = timezone.now()
    moved.save(update_fields=["deleted_at"])

    response = dave_client.get("/audit/", {"incident": incident.reference, "action": "changed"})
    assert "Moved to bin" in response.text


def test_filters_by_actor_team_type_action_and_days(dave_client, incident, alice, bob, platform):
    with acting_as(bob):
        platform.description = "Runs the platform"
        platform.save()

    def shown(**filters):
        return list(dave_client.get("/audit/", filters).context["page"].object_list)

    assert {e.actor_label for e in shown(actor="bob")} == {"bob"}
    assert {e.team_id for e in shown(team="platform")} == {platform.pk}
    assert {e.object_type for e in shown(object_type="incidents.timelineevent")} == {
        "incidents.timelineevent"
    }
    assert {e.action for e in shown(action="created")} == {"created"}
    today = timezone.localdate()
    assert shown(since=today.isoformat(), until=today.isoformat())
    assert not shown(until=(today - timedelta(days=1)).isoformat())
    assert [e.object_id for e in shown(object_type="incidents.incident", object_id=incident.pk)]


def test_a_malformed_incident_reference_is_explained(dave_client, incident):
    response = dave_client.get("/audit/", {"incident": "yesterday's"})
    assert "Enter an incident reference such as INC-42." in response.text


def test_htmx_gets_the_results_alone(dave_client, incident):
    response = dave_client.get("/audit/", {"action": "created"}, headers={"HX-Request": "true"})
    assert 'id="audit-results"' in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("size", [3, 60])
def test_a_page_takes_the_same_queries_however_long_the_trail(
    size, dave_client, alice, checkout, django_assert_max_num_queries
):
    with acting_as(alice):
        for number in range(size):
            incident_services.incident_declare(
                title=f"Incident {number}", severity=3, services=[checkout], reporter=alice
            )

    with django_assert_max_num_queries(6):
        response = dave_client.get("/audit/")

    assert rows(response) == min(AuditEntry.objects.count(), 50)


def test_the_incident_page_links_to_its_history_for_admins_only(
    dave_client, alice_client, incident
):
    history = f'href="/audit/?incident={incident.reference}"'
    assert history in dave_client.get(f"/incidents/{incident.pk}/").text
    assert history not in alice_client.get(f"/incidents/{incident.pk}/").text
