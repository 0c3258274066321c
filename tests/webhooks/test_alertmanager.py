"""Prometheus Alertmanager: a firing group opens an incident, new alerts of the group go on its
timeline, resolution records service restored, and resends change nothing."""

from datetime import timedelta

from incidents.models import Incident, Severity, TimelineEvent
from webhooks.models import Delivery

from .conftest import ago
from .formats import alert, alert_group


def test_a_firing_group_opens_an_incident_on_the_labelled_service(alertmanager, checkout):
    first = ago(minutes=30)
    group = alert_group(
        alert(starts_at=first, fingerprint="aaa1", instance="checkout-1"),
        alert(starts_at=first + timedelta(minutes=2), fingerprint="aaa2", instance="checkout-2"),
    )

    response = alertmanager.post(group)

    assert response.status_code == 200, response.json()
    incident = Incident.objects.get()
    assert response.json() == {
        "status": "processed",
        "delivery": response.json()["delivery"],
        "detail": f"Opened {incident.reference}.",
        "incident": incident.reference,
    }
    assert incident.title == "Checkout is failing payments"
    assert incident.severity == Severity.SEV1
    assert list(incident.services.all()) == [checkout]
    assert incident.team == checkout.team
    assert incident.started_at == first
    assert incident.detected_at == first
    assert incident.restored_at is None
    assert incident.summary == "5xx above 5% for 5 minutes."


def test_the_title_falls_back_to_the_alert_name_and_severity_to_sev3(alertmanager):
    group = alert_group(alert(starts_at=ago(minutes=5), severity="unheard-of"), summary=None)

    alertmanager.post(group)

    incident = Incident.objects.get()
    assert incident.title == "HighErrorRate"
    assert incident.severity == Severity.SEV3


def test_the_severity_label_is_the_endpoints_choice(alertmanager):
    alertmanager.endpoint.severity_label = "priority"
    alertmanager.endpoint.save()
    group = alert_group(
        alert(starts_at=ago(minutes=5), severity="critical"), extra_common={"priority": "warning"}
    )

    alertmanager.post(group)

    assert Incident.objects.get().severity == Severity.SEV3


def test_a_resent_notification_is_a_duplicate_and_adds_nothing(alertmanager):
    group = alert_group(alert(starts_at=ago(minutes=10)))
    alertmanager.post(group)

    again = alertmanager.post(group)

    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert Incident.objects.count() == 1
    assert TimelineEvent.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_new_alerts_of_the_group_go_on_the_timeline_once(alertmanager):
    start = ago(minutes=20)
    first_alert = alert(starts_at=start, fingerprint="f1", instance="checkout-1")
    second_alert = alert(
        starts_at=start + timedelta(minutes=5), fingerprint="f2", instance="checkout-2"
    )
    alertmanager.post(alert_group(first_alert))

    alertmanager.post(alert_group(first_alert, second_alert))
    # Alertmanager's repeat_interval: the same alerts again, listed in another order.
    repeated = alertmanager.post(alert_group(second_alert, first_alert))

    assert repeated.json()["status"] == "duplicate"
    incident = Incident.objects.get()
    notes = incident.events.filter(kind=TimelineEvent.Kind.NOTE)
    assert [(note.body, note.occurred_at) for note in notes] == [
        ("New alerts firing (1): HighErrorRate.", start + timedelta(minutes=5))
    ]


def test_resolution_records_service_restored_at_the_latest_end(alertmanager):
    start, last_end = ago(minutes=40), ago(minutes=10)
    firing = [
        alert(starts_at=start, fingerprint="f1", instance="checkout-1"),
        alert(starts_at=start, fingerprint="f2", instance="checkout-2"),
    ]
    alertmanager.post(alert_group(*firing))
    resolved = [
        alert(starts_at=start, status="resolved", ends_at=ago(minutes=12), fingerprint="f1"),
        alert(starts_at=start, status="resolved", ends_at=last_end, fingerprint="f2"),
    ]

    response = alertmanager.post(alert_group(*resolved, status="resolved"))

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.restored_at == last_end
    assert incident.time_to_restore == last_end - start
    restored = incident.events.get(kind=TimelineEvent.Kind.RESTORED)
    assert restored.body == "Alertmanager: every alert of the group resolved."
    # The resolution sent again changes nothing.
    assert alertmanager.post(alert_group(*resolved, status="resolved")).json() == {
        "status": "duplicate",
        "delivery": response.json()["delivery"],
    }
    assert incident.events.filter(kind=TimelineEvent.Kind.RESTORED).count() == 1


def test_resolved_before_firing_ends_with_one_incident_with_both_times(alertmanager):
    start = ago(minutes=50)
    end = ago(minutes=5)
    alertmanager.post(
        alert_group(alert(starts_at=start, status="resolved", ends_at=end), status="resolved")
    )
    incident = Incident.objects.get()
    assert (incident.started_at, incident.restored_at) == (start, end)

    late = alertmanager.post(alert_group(alert(starts_at=start)))

    assert late.json()["status"] == "processed"
    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert (incident.started_at, incident.restored_at) == (start, end)
    assert not incident.events.filter(kind=TimelineEvent.Kind.NOTE).exists()


def test_the_group_firing_again_after_restore_opens_a_new_incident(alertmanager):
    start = ago(hours=3)
    alertmanager.post(alert_group(alert(starts_at=start)))
    alertmanager.post(
        alert_group(
            alert(starts_at=start, status="resolved", ends_at=ago(hours=2)), status="resolved"
        )
    )

    again = ago(minutes=30)
    alertmanager.post(alert_group(alert(starts_at=again)))

    first, second = Incident.objects.order_by("started_at")
    assert first.restored_at is not None
    assert second.started_at == again
    assert second.restored_at is None


def test_alerts_without_fingerprints_are_told_apart_by_their_labels(alertmanager):
    start = ago(minutes=15)
    one = alert(starts_at=start, instance="checkout-1", with_fingerprint=False)
    two = alert(starts_at=start, instance="checkout-2", with_fingerprint=False)
    alertmanager.post(alert_group(one))

    alertmanager.post(alert_group(one, two))

    assert Incident.objects.get().events.filter(kind=TimelineEvent.Kind.NOTE).count() == 1


def test_a_start_in_the_future_is_refused_and_nothing_is_kept(alertmanager):
    response = alertmanager.post(alert_group(alert(starts_at=ago(minutes=-60))))

    assert response.status_code == 422
    assert "cannot be in the future" in response.json()["error"]
    assert not Incident.objects.exists()
    assert not Delivery.objects.exists()
