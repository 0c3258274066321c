"""The incident's timestamps tell the truth: each rule, through the services and the forms."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Status, TimelineEvent

from .factories import declared, resolved


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("field", ["detected_at", "acknowledged_at", "restored_at", "resolved_at"])
def test_moments_before_impact_started_are_refused(field):
    started = timezone.now() - timedelta(hours=2)
    with pytest.raises(ValidationError) as error:
        services.validate_incident_times(
            started_at=started, **{field: started - timedelta(minutes=5)}
        )
    assert "cannot be before impact started" in error.value.message_dict[field][0]


@pytest.mark.parametrize(
    "field", ["started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"]
)
def test_future_moments_are_refused(field):
    started = timezone.now() - timedelta(hours=1)
    tomorrow = timezone.now() + timedelta(days=1)
    moments = {"started_at": started, field: tomorrow}
    with pytest.raises(ValidationError) as error:
        services.validate_incident_times(**moments)
    assert error.value.message_dict[field] == [
        f"{services.TIMESTAMP_LABELS[field]} cannot be in the future."
    ]


def test_a_minute_of_clock_skew_is_tolerated():
    services.validate_incident_times(started_at=timezone.now() + timedelta(seconds=60))


def test_resolved_before_restored_is_refused():
    started = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationError) as error:
        services.validate_incident_times(
            started_at=started,
            restored_at=started + timedelta(hours=2),
            resolved_at=started + timedelta(hours=1),
        )
    assert "before service was restored" in error.value.message_dict["resolved_at"][0]


def test_restored_before_start_is_refused_and_nothing_is_written(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=30)
    events_before = incident.events.count()
    with pytest.raises(ValidationError):
        services.incident_mark_restored(
            incident=incident, restored_at=incident.started_at - timedelta(minutes=1), by=alice
        )
    incident.refresh_from_db()
    assert incident.restored_at is None
    assert incident.events.count() == events_before


def test_declaring_an_incident_that_starts_tomorrow_keeps_the_typed_form(alice_client, checkout):
    tomorrow = timezone.now() + timedelta(days=1)
    response = alice_client.post(
        "/incidents/declare/",
        {
            "title": "Card payments failing",
            "severity": "1",
            "services": [checkout.pk],
            "started_at": local_input(tomorrow),
            "summary": "Stripe returns 502s",
        },
    )
    assert response.status_code == 422
    assert "Impact started cannot be in the future." in response.text
    assert 'value="Card payments failing"' in response.text
    assert "Stripe returns 502s" in response.text
    assert not Incident.objects.exists()


def test_a_resolved_incident_cannot_silently_move_back(alice, checkout):
    incident = resolved(reporter=alice, service=checkout)
    with pytest.raises(ValidationError) as error:
        services.incident_change_status(incident=incident, status=Status.MONITORING, by=alice)
    assert "Reopen it explicitly" in error.value.message_dict["status"][0]
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_reopening_is_explicit_and_logged(alice, checkout):
    incident = resolved(reporter=alice, service=checkout)
    incident = services.incident_reopen(incident=incident, by=alice, reason="Errors are back")
    assert incident.status == Status.INVESTIGATING
    assert incident.resolved_at is None
    event = incident.events.get(kind=TimelineEvent.Kind.REOPENED)
    assert (event.body, event.author) == ("Errors are back", alice)


def test_reopening_needs_a_reason(alice, checkout):
    incident = resolved(reporter=alice, service=checkout)
    with pytest.raises(ValidationError) as error:
        services.incident_reopen(incident=incident, by=alice, reason="  ")
    assert error.value.message_dict["reason"] == ["Say why the incident is reopened."]


def test_only_a_resolved_incident_can_be_reopened(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    with pytest.raises(ValidationError):
        services.incident_reopen(incident=incident, by=alice, reason="why not")


def test_resolving_records_restored_when_it_was_not_recorded(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    incident = services.incident_change_status(incident=incident, status=Status.RESOLVED, by=alice)
    assert incident.restored_at == incident.resolved_at
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds.count(TimelineEvent.Kind.RESTORED) == 1


def test_resolving_keeps_an_earlier_restore_time(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=90)
    restored_at = timezone.now() - timedelta(minutes=30)
    services.incident_mark_restored(incident=incident, restored_at=restored_at, by=alice)
    incident = services.incident_change_status(incident=incident, status=Status.RESOLVED, by=alice)
    assert incident.restored_at == restored_at
    assert incident.time_to_restore == restored_at - incident.started_at


def test_a_note_cannot_be_dated_in_the_future(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    with pytest.raises(ValidationError) as error:
        services.incident_add_note(
            incident=incident,
            body="later",
            by=alice,
            occurred_at=timezone.now() + timedelta(hours=1),
        )
    assert "future" in error.value.message_dict["occurred_at"][0]


def test_an_empty_note_is_refused(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    with pytest.raises(ValidationError):
        services.incident_add_note(incident=incident, body="   ", by=alice)


def test_changing_to_the_same_status_is_refused(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    with pytest.raises(ValidationError) as error:
        services.incident_change_status(incident=incident, status=Status.INVESTIGATING, by=alice)
    assert error.value.message_dict["status"] == ["The incident is already Investigating."]
