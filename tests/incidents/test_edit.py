from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Deployment, Status, TimelineEvent

from .factories import declared, form_data, local_input, resolved


@pytest.fixture
def incident(alice, checkout):
    return declared(reporter=alice, service=checkout, minutes_ago=90)


def edit(client, incident, data):
    return client.post(f"/incidents/{incident.pk}/edit/", data)


def test_editing_saves_and_logs_what_changed(alice_client, incident):
    response = edit(
        alice_client, incident, form_data(incident, summary="Card payments failed", severity=1)
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.summary, incident.severity) == ("Card payments failed", 1)
    assert incident.events.filter(kind=TimelineEvent.Kind.SEVERITY_CHANGE).exists()
    assert incident.events.get(kind=TimelineEvent.Kind.EDITED).body == "Changed summary."


def test_saving_without_changes_changes_nothing(alice_client, incident):
    version = incident.version
    assert edit(alice_client, incident, form_data(incident)).status_code == 302
    incident.refresh_from_db()
    assert incident.version == version
    assert not incident.events.filter(kind=TimelineEvent.Kind.EDITED).exists()


def test_second_editor_gets_a_conflict_and_keeps_their_text(alice_client, dave_client, incident):
    loaded_by_both = form_data(incident)
    first = edit(alice_client, incident, {**loaded_by_both, "summary": "Alice's account"})
    assert first.status_code == 302

    second = edit(dave_client, incident, {**loaded_by_both, "summary": "Dave's account"})
    assert second.status_code == 409
    assert "changed by someone else" in second.text
    assert "Alice&#x27;s account" in second.text  # what is saved now
    assert "Dave&#x27;s account</textarea>" in second.text  # what Dave typed, still in the form
    incident.refresh_from_db()
    assert incident.summary == "Alice's account"

    # Saving again after seeing the conflict is a deliberate overwrite.
    resubmitted = second.context["form"].data
    third = edit(dave_client, incident, resubmitted)
    assert third.status_code == 302
    incident.refresh_from_db()
    assert incident.summary == "Dave's account"


def test_edits_of_different_details_are_both_kept(alice_client, dave_client, incident):
    loaded_by_both = form_data(incident)
    assert edit(alice_client, incident, {**loaded_by_both, "summary": "DNS"}).status_code == 302
    assert (
        edit(dave_client, incident, {**loaded_by_both, "title": "Checkout down"}).status_code == 302
    )
    incident.refresh_from_db()
    assert (incident.summary, incident.title) == ("DNS", "Checkout down")


def test_a_form_loaded_before_a_restore_does_not_undo_it(
    alice_client, alice, dave_client, incident
):
    loaded = form_data(incident)
    restored_at = timezone.now() - timedelta(minutes=5)
    services.incident_mark_restored(incident=incident, restored_at=restored_at, by=alice)

    response = edit(dave_client, incident, {**loaded, "customer_impact": "Card payments failed"})

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.restored_at == restored_at
    assert incident.customer_impact == "Card payments failed"


def test_a_conflict_lists_every_differing_detail_and_saving_again_keeps_theirs(
    alice_client, alice, dave_client, incident
):
    loaded = form_data(incident)
    edit(alice_client, incident, {**loaded, "summary": "Alice's account"})
    restored_at = timezone.now() - timedelta(minutes=5)
    services.incident_mark_restored(incident=incident, restored_at=restored_at, by=alice)

    second = edit(
        dave_client, incident, {**loaded, "summary": "Dave's account", "title": "Dave's title"}
    )

    assert second.status_code == 409
    rows = {row["label"]: row for row in second.context["conflict"]}
    assert set(rows) == {"Title", "Summary", "Service restored"}
    assert rows["Summary"]["whose"] == "You both changed this."
    assert rows["Title"]["whose"] == "You changed this."
    assert rows["Service restored"]["whose"].startswith("Someone else changed this")
    # The form now holds the restore time; saving it again keeps it.
    assert f'value="{local_input(restored_at)}"' in second.text
    third = edit(dave_client, incident, second.context["form"].data)
    assert third.status_code == 302
    incident.refresh_from_db()
    assert (incident.summary, incident.title) == ("Dave's account", "Dave's title")
    assert incident.restored_at == restored_at


def test_timeline_notes_during_an_edit_cause_no_conflict(alice_client, alice, incident):
    loaded = form_data(incident)
    version = incident.version
    services.incident_add_note(incident=incident, body="Rolled back", by=alice)
    incident.refresh_from_db()
    assert incident.version == version
    assert edit(alice_client, incident, {**loaded, "summary": "Rollback"}).status_code == 302


def test_an_inactive_commander_is_kept(alice_client, carol, incident):
    incident.commander = carol
    incident.save()
    carol.is_active = False
    carol.save()
    response = edit(alice_client, incident, form_data(incident, summary="Kept"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.commander, incident.summary) == (carol, "Kept")


class TestCausedByDeployment:
    def deployment(self, service, *, hours_ago):
        return Deployment.objects.create(
            service=service, version="v7", deployed_at=timezone.now() - timedelta(hours=hours_ago)
        )

    def test_a_deployment_of_its_service_before_impact_can_be_chosen(
        self, alice_client, checkout, incident
    ):
        deployment = self.deployment(checkout, hours_ago=3)
        for n in range(3):  # newer ones are offered too, none crowds it out
            self.deployment(checkout, hours_ago=2 - n * 0.5)
        page = alice_client.get(f"/incidents/{incident.pk}/edit/")
        assert f'<option value="{deployment.pk}">' in page.text
        response = edit(
            alice_client, incident, form_data(incident, caused_by_deployment=deployment.pk)
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.caused_by_deployment == deployment

    def test_a_deployment_of_a_service_added_in_the_same_edit(
        self, alice_client, checkout, search, incident
    ):
        deployment = self.deployment(search, hours_ago=3)
        data = form_data(
            incident, services=[checkout.pk, search.pk], caused_by_deployment=deployment.pk
        )
        assert edit(alice_client, incident, data).status_code == 302
        incident.refresh_from_db()
        assert incident.caused_by_deployment == deployment

    def test_a_deployment_of_another_service_is_refused(self, alice_client, search, incident):
        deployment = self.deployment(search, hours_ago=3)
        response = edit(
            alice_client, incident, form_data(incident, caused_by_deployment=deployment.pk)
        )
        assert response.status_code == 422
        incident.refresh_from_db()
        assert incident.caused_by_deployment is None

    def test_removing_the_causing_service_is_refused(
        self, alice_client, checkout, search, incident
    ):
        deployment = self.deployment(checkout, hours_ago=3)
        edit(alice_client, incident, form_data(incident, caused_by_deployment=deployment.pk))
        response = edit(alice_client, incident, form_data(incident, services=[search.pk]))
        assert response.status_code == 422
        assert "is not a deployment of this incident&#x27;s services" in response.text

    def test_a_deployment_after_impact_started_is_refused(self, alice_client, checkout, incident):
        deployment = self.deployment(checkout, hours_ago=1)  # impact started 90 minutes ago
        response = edit(
            alice_client, incident, form_data(incident, caused_by_deployment=deployment.pk)
        )
        assert response.status_code == 422
        assert "it cannot have caused it" in response.text

    def test_the_current_cause_stays_on_offer_however_old(self, alice_client, checkout, incident):
        old = self.deployment(checkout, hours_ago=3)
        edit(alice_client, incident, form_data(incident, caused_by_deployment=old.pk))
        Deployment.objects.bulk_create(
            Deployment(service=checkout, version=f"v{n}", deployed_at=timezone.now())
            for n in range(201)
        )
        page = alice_client.get(f"/incidents/{incident.pk}/edit/")
        assert f'<option value="{old.pk}" selected>' in page.text
        assert edit(alice_client, incident, form_data(incident, summary="Still")).status_code == 302


def test_invalid_times_are_refused_with_the_typed_text_kept(alice_client, incident):
    response = edit(
        alice_client,
        incident,
        form_data(
            incident,
            summary="Keep this",
            restored_at=local_input(incident.started_at - timedelta(minutes=10)),
        ),
    )
    assert response.status_code == 422
    assert "Service restored cannot be before impact started" in response.text
    assert "Keep this</textarea>" in response.text


def test_an_open_incident_cannot_get_a_resolved_time(alice_client, incident):
    response = edit(
        alice_client, incident, form_data(incident, resolved_at=local_input(timezone.now()))
    )
    assert response.status_code == 422
    assert "Resolve the incident to record when it was resolved." in response.text


def test_the_detection_time_cannot_be_cleared(alice_client, incident):
    response = edit(alice_client, incident, form_data(incident, detected_at=""))
    assert response.status_code == 422
    incident.refresh_from_db()
    assert incident.detected_at is not None


def test_a_resolved_incident_keeps_its_restore_time(alice_client, alice, checkout):
    incident = resolved(reporter=alice, service=checkout)
    response = edit(alice_client, incident, form_data(incident, restored_at=""))
    assert response.status_code == 422
    assert "A resolved incident needs its restore time." in response.text
    incident.refresh_from_db()
    assert incident.restored_at is not None and incident.status == Status.RESOLVED


def test_a_damaged_form_is_explained(alice_client, incident):
    response = edit(alice_client, incident, form_data(incident, loaded="{nonsense"))
    assert response.status_code == 422
    assert "The form was damaged on its way back" in response.text


@pytest.mark.parametrize(
    "damage",
    [
        ('"services": [', '"services": [Infinity, '),  # found by tests/fuzz: a server error
        ('"started_at": "', '"started_at": "9999-12-31T23:59:59-23:59'),
    ],
)
def test_a_form_damaged_beyond_what_numbers_and_times_hold_is_explained(
    alice_client, incident, damage
):
    loaded = form_data(incident)["loaded"]
    old, new = damage
    assert old in loaded
    damaged = loaded.replace(old, new, 1)
    if new.startswith('"started_at"'):
        start = loaded.index(old) + len(old)
        damaged = loaded[:start] + new[len(old) :] + loaded[loaded.index('"', start) :]
    response = edit(alice_client, incident, form_data(incident, loaded=damaged))
    assert response.status_code == 422
    assert "The form was damaged on its way back" in response.text


def test_the_edit_page_does_not_read_the_timeline(alice_client, alice, incident):
    for n in range(5):
        services.incident_add_note(incident=incident, body=f"note {n}", by=alice)
    with CaptureQueriesContext(connection) as queries:
        assert alice_client.get(f"/incidents/{incident.pk}/edit/").status_code == 200
    assert not [q for q in queries if "incidents_timelineevent" in q["sql"]]


def test_someone_outside_the_team_cannot_edit(bob_client, incident):
    assert bob_client.get(f"/incidents/{incident.pk}/edit/").status_code == 403
    assert edit(bob_client, incident, form_data(incident)).status_code == 403


def test_line_breaks_as_browsers_send_them_are_no_change(
    alice_client, alice, dave_client, incident
):
    incident.summary = "Line one\nLine two"
    incident.save()
    loaded = form_data(incident)
    services.incident_update(incident=incident, by=alice, changes={"summary": "Rewritten"})

    # A browser sends a textarea back with CRLF line breaks.
    response = edit(
        dave_client,
        incident,
        {**loaded, "summary": "Line one\r\nLine two", "title": "Checkout down"},
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.summary, incident.title) == ("Rewritten", "Checkout down")
