from datetime import UTC, datetime, timedelta

from django.utils import timezone

from incidents.models import Incident, Status, TimelineEvent


def test_a_title_a_severity_and_a_service_are_enough(alice_client, alice, checkout):
    before = timezone.now()
    response = alice_client.post(
        "/incidents/declare/",
        {"title": "Checkout down", "severity": "1", "services": [checkout.pk]},
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.status == Status.INVESTIGATING
    assert (incident.reporter, incident.team) == (alice, checkout.team)
    assert before.replace(second=0, microsecond=0) == incident.started_at
    assert before <= incident.detected_at <= timezone.now()
    assert incident.events.get().kind == TimelineEvent.Kind.DECLARED


def test_the_form_explains_each_severity(alice_client, checkout):
    page = alice_client.get("/incidents/declare/")
    assert "SEV1 — Critical" in page.text
    assert "SEV4 — Low" in page.text


def test_missing_fields_are_named_and_the_title_kept(alice_client, checkout):
    response = alice_client.post("/incidents/declare/", {"title": "Half a report"})
    assert response.status_code == 422
    assert response.text.count("This field is required.") == 2
    assert 'value="Half a report"' in response.text
    assert not Incident.objects.exists()


def test_a_backdated_start_is_kept_and_detection_is_the_declaration(alice_client, checkout):
    started = timezone.now() - timedelta(hours=2)
    alice_client.post(
        "/incidents/declare/",
        {
            "title": "Slow",
            "severity": "3",
            "services": [checkout.pk],
            "started_at": timezone.localtime(started).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    incident = Incident.objects.get()
    assert incident.started_at == started.replace(second=0, microsecond=0)
    assert incident.time_to_detect >= timedelta(hours=1, minutes=59)


def test_drills_are_marked(alice_client, checkout):
    alice_client.post(
        "/incidents/declare/",
        {"title": "Game day", "severity": "2", "services": [checkout.pk], "is_drill": "on"},
    )
    assert Incident.objects.get().is_drill


def test_times_are_stored_in_utc_and_shown_in_the_configured_zone(
    alice_client, settings, alice, checkout
):
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30, no daylight saving
    alice_client.post(
        "/incidents/declare/",
        {
            "title": "Zoned",
            "severity": "3",
            "services": [checkout.pk],
            "started_at": "2026-01-10T09:00",
        },
    )
    incident = Incident.objects.get()
    assert incident.started_at == datetime(2026, 1, 10, 3, 30, tzinfo=UTC)
    page = alice_client.get(f"/incidents/{incident.pk}/")
    assert "10 Jan 2026 09:00" in page.text
