from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import TimelineEvent
from tests.conftest import _client_for

from .factories import declared
from .test_validation import local_input


@pytest.fixture
def incident(alice, checkout):
    return declared(reporter=alice, service=checkout, minutes_ago=90)


def form_data(incident, **changes):
    data = {
        "version": incident.version,
        "title": incident.title,
        "summary": incident.summary,
        "customer_impact": incident.customer_impact,
        "severity": incident.severity,
        "services": [s.pk for s in incident.services.all()],
        "team": incident.team_id,
        "commander": incident.commander_id or "",
        "caused_by_deployment": "",
        "started_at": local_input(incident.started_at),
        "detected_at": local_input(incident.detected_at),
        "acknowledged_at": "",
        "restored_at": "",
        "resolved_at": "",
    }
    data.update(changes)
    return data


def test_editing_saves_and_logs_what_changed(alice_client, incident):
    response = alice_client.post(
        f"/incidents/{incident.pk}/edit/",
        form_data(incident, summary="Card payments failed", severity=1),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.summary, incident.severity) == ("Card payments failed", 1)
    assert incident.events.filter(kind=TimelineEvent.Kind.SEVERITY_CHANGE).exists()
    assert incident.events.get(kind=TimelineEvent.Kind.EDITED).body == "Changed summary."


def test_second_editor_gets_a_conflict_and_keeps_their_text(alice_client, dave, incident):
    loaded_by_both = form_data(incident)
    first = alice_client.post(
        f"/incidents/{incident.pk}/edit/", {**loaded_by_both, "summary": "Alice's account"}
    )
    assert first.status_code == 302

    dave_client = _client_for(dave)
    second = dave_client.post(
        f"/incidents/{incident.pk}/edit/", {**loaded_by_both, "summary": "Dave's account"}
    )
    assert second.status_code == 409
    assert "changed by someone else" in second.text
    assert "Alice&#x27;s account" in second.text  # what is saved now
    assert "Dave&#x27;s account</textarea>" in second.text  # what Dave typed, still in the form
    incident.refresh_from_db()
    assert incident.summary == "Alice's account"

    # Saving again after seeing the conflict is a deliberate overwrite.
    resubmitted = second.context["form"].data
    third = dave_client.post(f"/incidents/{incident.pk}/edit/", resubmitted)
    assert third.status_code == 302
    incident.refresh_from_db()
    assert incident.summary == "Dave's account"


def test_invalid_times_are_refused_with_the_typed_text_kept(alice_client, incident):
    response = alice_client.post(
        f"/incidents/{incident.pk}/edit/",
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
    response = alice_client.post(
        f"/incidents/{incident.pk}/edit/",
        form_data(incident, resolved_at=local_input(timezone.now())),
    )
    assert response.status_code == 422
    assert "Resolve the incident to record when it was resolved." in response.text


def test_someone_outside_the_team_cannot_edit(bob_client, incident):
    assert bob_client.get(f"/incidents/{incident.pk}/edit/").status_code == 403
    assert (
        bob_client.post(f"/incidents/{incident.pk}/edit/", form_data(incident)).status_code == 403
    )
