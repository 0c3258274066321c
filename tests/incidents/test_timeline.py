"""Status and severity changes and their timeline events are one transaction; the timeline is
append-only.

The failing-write tests need no transactional test case: each service is its own atomic block
(a savepoint inside the test's transaction), and rolling that back is what they check."""

from unittest import mock

import pytest
from django.db import DatabaseError

from incidents import services
from incidents.models import Status, TimelineEvent

from .factories import declared


@pytest.fixture
def incident(alice, checkout):
    return declared(reporter=alice, service=checkout)


def test_declaring_logs_the_declaration(incident, alice):
    event = incident.events.get()
    assert (event.kind, event.author, event.new_value) == (
        TimelineEvent.Kind.DECLARED,
        alice,
        "SEV2",
    )


def test_a_status_change_logs_old_and_new_status(incident, alice):
    services.incident_change_status(
        incident=incident, status=Status.IDENTIFIED, by=alice, note="DNS"
    )
    event = incident.events.get(kind=TimelineEvent.Kind.STATUS_CHANGE)
    assert (event.old_value, event.new_value, event.body) == ("Investigating", "Identified", "DNS")


def test_status_is_not_changed_when_its_event_cannot_be_written(incident, alice):
    with (
        mock.patch.object(TimelineEvent.objects, "create", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.incident_change_status(incident=incident, status=Status.MONITORING, by=alice)
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.version == 1


def test_severity_is_not_changed_when_its_event_cannot_be_written(incident, alice):
    with (
        mock.patch.object(TimelineEvent.objects, "create", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.incident_change_severity(incident=incident, severity=1, by=alice)
    incident.refresh_from_db()
    assert incident.severity == 2


def test_events_cannot_be_rewritten_or_deleted(incident):
    event = incident.events.get()
    event.body = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert incident.events.get().body == "Declared as SEV2."


def test_every_change_bumps_the_version_but_notes_do_not(incident, alice):
    services.incident_change_severity(incident=incident, severity=1, by=alice)
    services.incident_add_note(incident=incident, body="note", by=alice)
    incident.refresh_from_db()
    assert incident.version == 2
    assert incident.events.filter(kind=TimelineEvent.Kind.NOTE).count() == 1
