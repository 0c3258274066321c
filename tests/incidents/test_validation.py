"""The incident's timestamps tell the truth: each rule, through the services and the forms."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services
from incidents.models import TIMESTAMP_FIELDS, Incident, Status, TimelineEvent, timestamp_label
from incidents.times import CLOCK_SKEW, validate_incident_times, when
from tests.conftest import HTMX

from .factories import declared, local_input, resolved


@pytest.mark.parametrize("field", ["detected_at", "acknowledged_at", "restored_at", "resolved_at"])
def test_moments_before_impact_started_are_refused(field):
    started = timezone.now() - timedelta(hours=2)
    with pytest.raises(ValidationError) as error:
        validate_incident_times(started_at=started, **{field: started - timedelta(minutes=5)})
    assert "cannot be before impact started" in error.value.message_dict[field][0]


@pytest.mark.parametrize(
    "field", ["started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"]
)
def test_future_moments_are_refused(field):
    started = timezone.now() - timedelta(hours=1)
    tomorrow = timezone.now() + timedelta(days=1)
    moments = {"started_at": started, field: tomorrow}
    with pytest.raises(ValidationError) as error:
        validate_incident_times(**moments)
    assert error.value.message_dict[field] == [f"{timestamp_label(field)} cannot be in the future."]


@pytest.mark.parametrize(
    "field", ["started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"]
)
def test_moments_before_2000_are_refused(field):
    moments = {"started_at": datetime(2001, 1, 1, tzinfo=UTC), field: datetime(1, 1, 1, tzinfo=UTC)}
    with pytest.raises(ValidationError) as error:
        validate_incident_times(**moments)
    assert error.value.message_dict[field] == [f"{timestamp_label(field)} cannot be before 2000."]


def test_the_labels_are_the_models_verbose_names():
    labels = [timestamp_label(name) for name in TIMESTAMP_FIELDS]
    assert labels == ["Impact started", "Detected", "Acknowledged", "Service restored", "Resolved"]


def test_a_minute_of_clock_skew_is_tolerated():
    validate_incident_times(started_at=timezone.now() + timedelta(seconds=60))


def test_acknowledged_before_detected_is_refused():
    started = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationError) as error:
        validate_incident_times(
            started_at=started,
            detected_at=started + timedelta(minutes=20),
            acknowledged_at=started + timedelta(minutes=10),
        )
    assert "before it was detected" in error.value.message_dict["acknowledged_at"][0]


def test_resolved_before_restored_is_refused():
    started = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationError) as error:
        validate_incident_times(
            started_at=started,
            restored_at=started + timedelta(hours=2),
            resolved_at=started + timedelta(hours=1),
        )
    assert "before service was restored" in error.value.message_dict["resolved_at"][0]


@pytest.mark.parametrize("field", ["detected_at", "acknowledged_at"])
def test_nothing_happens_after_the_incident_was_resolved(field):
    started = timezone.now() - timedelta(hours=3)
    moments = {
        "started_at": started,
        "detected_at": started,
        "restored_at": started + timedelta(minutes=30),
        "resolved_at": started + timedelta(hours=1),
        field: started + timedelta(hours=2),
    }
    with pytest.raises(ValidationError) as error:
        validate_incident_times(**moments)
    assert "cannot be after the incident was resolved" in error.value.message_dict[field][0]


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


@pytest.mark.parametrize("offset", ["+23:59", "-20:00"])
def test_a_time_typed_with_any_iso_offset_is_stored_in_utc(alice_client, checkout, offset):
    # Found by tests/fuzz: PostgreSQL refuses offsets beyond ±15:59, which was a server error.
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    zone = timezone.get_fixed_timezone(
        (1 if offset[0] == "+" else -1) * (int(offset[1:3]) * 60 + int(offset[4:]))
    )
    response = alice_client.post(
        "/incidents/declare/",
        {
            "title": "Card payments failing",
            "severity": "2",
            "services": [checkout.pk],
            "started_at": started.astimezone(zone).strftime("%Y-%m-%dT%H:%M") + offset,
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().started_at == started


@pytest.mark.parametrize("typed", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00"])
def test_a_time_at_the_ends_of_the_calendar_is_refused_in_the_form(alice_client, checkout, typed):
    response = alice_client.post(
        "/incidents/declare/",
        {"title": "Down", "severity": "2", "services": [checkout.pk], "started_at": typed},
    )
    assert response.status_code == 422
    assert "Enter a time" in response.text
    assert not Incident.objects.exists()


class TestClockSkew:
    """A time within the tolerance is accepted, but stored as now: otherwise what follows,
    at the real now, would look earlier than it and be refused."""

    def test_a_start_slightly_ahead_is_stored_as_now(self, alice, checkout):
        ahead = timezone.now() + CLOCK_SKEW - timedelta(seconds=30)
        incident = services.incident_declare(
            title="Fast clock", severity=3, services=[checkout], reporter=alice, started_at=ahead
        )
        incident.refresh_from_db()
        assert incident.started_at <= timezone.now()
        assert incident.detected_at <= timezone.now()
        # Acknowledging and resolving right away, at the real now, are not refused.
        services.incident_acknowledge(incident=incident, by=alice)
        services.incident_change_status(incident=incident, status=Status.RESOLVED, by=alice)

    def test_a_restore_slightly_ahead_is_stored_as_now(self, alice, checkout):
        incident = declared(reporter=alice, service=checkout)
        ahead = timezone.now() + timedelta(minutes=1)
        incident = services.incident_mark_restored(incident=incident, restored_at=ahead, by=alice)
        assert incident.restored_at <= timezone.now()
        assert incident.events.get(kind=TimelineEvent.Kind.RESTORED).occurred_at <= timezone.now()
        services.incident_change_status(incident=incident, status=Status.RESOLVED, by=alice)

    def test_a_note_slightly_ahead_is_stored_as_now(self, alice, checkout):
        incident = declared(reporter=alice, service=checkout)
        note = services.incident_add_note(
            incident=incident,
            body="soon",
            by=alice,
            occurred_at=timezone.now() + timedelta(minutes=1),
        )
        assert note.occurred_at <= timezone.now()


class TestAcknowledge:
    def test_a_resolved_incident_cannot_be_acknowledged(self, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        with pytest.raises(ValidationError) as error:
            services.incident_acknowledge(incident=incident, by=alice)
        assert "resolved" in error.value.message_dict["acknowledged_at"][0]
        incident.refresh_from_db()
        assert incident.acknowledged_at is None

    def test_a_stale_page_acknowledging_a_resolved_incident_is_told_why(
        self, alice_client, alice, checkout
    ):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(f"/incidents/{incident.pk}/acknowledge/", headers=HTMX)
        assert response.status_code == 422
        assert "This incident is resolved; there is nothing to acknowledge." in response.text
        assert not incident.events.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).exists()


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
    assert event.body.startswith("Errors are back")
    assert event.author == alice


def test_reopening_clears_the_restore_time_and_logs_the_old_one(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=90)
    restored_at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    services.incident_mark_restored(incident=incident, restored_at=restored_at, by=alice)
    services.incident_change_status(incident=incident, status=Status.RESOLVED, by=alice)

    incident = services.incident_reopen(incident=incident, by=alice, reason="Errors are back")

    incident.refresh_from_db()
    assert incident.restored_at is None
    assert incident.time_to_restore is None
    event = incident.events.get(kind=TimelineEvent.Kind.REOPENED)
    assert when(restored_at) in event.body
    # Restored again later: the new time is the one that counts.
    incident = services.incident_mark_restored(incident=incident, by=alice)
    assert incident.restored_at > restored_at


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


def test_restored_now_when_no_time_is_given(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    before = timezone.now()
    incident = services.incident_mark_restored(incident=incident, by=alice)
    assert before <= incident.restored_at <= timezone.now()


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


class TestDatabaseBackstop:
    """What goes around the services (the admin, a shell) still cannot store the impossible."""

    @pytest.mark.parametrize("field", ["detected_at", "acknowledged_at", "restored_at"])
    def test_a_moment_before_impact_started(self, alice, checkout, field):
        incident = declared(reporter=alice, service=checkout)
        with pytest.raises(IntegrityError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(
                **{field: incident.started_at - timedelta(minutes=1)}
            )

    def test_resolved_before_restored(self, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        with pytest.raises(IntegrityError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(
                resolved_at=incident.restored_at - timedelta(seconds=1)
            )


def test_a_restore_time_is_corrected_only_to_a_time_given(alice, checkout):
    """A second "mark restored" with no time (a stray Enter in the correction form) is refused
    rather than moving time to restore to now."""
    incident = services.incident_declare(
        title="Lag",
        severity=3,
        services=[checkout],
        reporter=alice,
        started_at=timezone.now() - timedelta(hours=2),
    )
    restored = timezone.now() - timedelta(hours=1)
    services.incident_mark_restored(incident=incident, by=alice, restored_at=restored)
    with pytest.raises(ValidationError, match="give the right time"):
        services.incident_mark_restored(incident=incident, by=alice, note="Paged the DB team")
    incident.refresh_from_db()
    assert incident.restored_at == restored
