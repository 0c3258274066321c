from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import Deployment, Incident, Service, Status, TimelineEvent

from .factories import local_input


def declare(client, **fields):
    return client.post("/incidents/declare/", {"title": "Checkout down", "severity": "2", **fields})


def test_a_title_a_severity_and_a_service_are_enough(alice_client, alice, checkout):
    before = timezone.now()
    response = alice_client.post(
        "/incidents/declare/",
        {"title": "Checkout down", "severity": "1", "services": [checkout.pk]},
    )
    after = timezone.now()
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.status == Status.INVESTIGATING
    assert (incident.reporter, incident.team) == (alice, checkout.team)
    # Impact started is now, to the whole minute; the minute may turn during the request.
    assert before.replace(second=0, microsecond=0) <= incident.started_at <= after
    assert incident.started_at.second == incident.started_at.microsecond == 0
    assert before <= incident.detected_at <= after
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
    declare(alice_client, services=[checkout.pk], started_at=local_input(started))
    incident = Incident.objects.get()
    assert incident.started_at == started.replace(second=0, microsecond=0)
    assert incident.time_to_detect >= timedelta(hours=1, minutes=59)


def test_a_detection_time_can_be_given(alice_client, checkout):
    started = timezone.now() - timedelta(hours=2)
    detected = started + timedelta(minutes=25)
    response = declare(
        alice_client,
        services=[checkout.pk],
        started_at=local_input(started),
        detected_at=local_input(detected),
    )
    assert response.status_code == 302
    assert Incident.objects.get().time_to_detect == timedelta(minutes=25)


def test_detected_before_impact_started_is_refused(alice_client, checkout):
    started = timezone.now() - timedelta(hours=1)
    response = declare(
        alice_client,
        services=[checkout.pk],
        started_at=local_input(started),
        detected_at=local_input(started - timedelta(minutes=5)),
    )
    assert response.status_code == 422
    assert "Detected cannot be before impact started" in response.text
    assert not Incident.objects.exists()


def test_the_team_of_the_first_service_chosen_owns_it(alice_client, checkout, search):
    # Search (Platform) sorts after Checkout (Payments); it was chosen first.
    declare(alice_client, services=[search.pk, checkout.pk])
    incident = Incident.objects.get()
    assert incident.team == search.team
    assert set(incident.services.all()) == {checkout, search}


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "1999-12-31T23:59"])
def test_a_start_before_2000_is_refused_in_any_time_zone(alice_client, settings, checkout, typed):
    settings.TIME_ZONE = "Europe/Berlin"  # year 1 cannot be converted to UTC from here
    response = declare(alice_client, services=[checkout.pk], started_at=typed)
    assert response.status_code == 422
    assert "Enter a time in 2000 or later." in response.text
    assert not Incident.objects.exists()


def test_the_last_days_of_the_calendar_are_refused(alice_client, settings, checkout):
    settings.TIME_ZONE = "America/New_York"  # 9999-12-31 here is the year 10000 in UTC
    response = declare(alice_client, services=[checkout.pk], started_at="9999-12-31T23:59")
    assert response.status_code == 422
    assert "Enter a time before the year 9999." in response.text


def test_drills_are_marked(alice_client, checkout):
    declare(alice_client, services=[checkout.pk], is_drill="on")
    assert Incident.objects.get().is_drill


def test_times_are_stored_in_utc_and_shown_in_the_configured_zone(
    alice_client, settings, alice, checkout
):
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30, no daylight saving
    declare(alice_client, services=[checkout.pk], started_at="2026-01-10T09:00")
    incident = Incident.objects.get()
    assert incident.started_at == datetime(2026, 1, 10, 3, 30, tzinfo=UTC)
    page = alice_client.get(f"/incidents/{incident.pk}/")
    assert "10 Jan 2026 09:00" in page.text


class TestCausedByDeployment:
    def test_a_deployment_of_the_service_before_impact_is_accepted(self, alice, checkout):
        deployment = Deployment.objects.create(
            service=checkout, version="v9", deployed_at=timezone.now() - timedelta(hours=2)
        )
        incident = services.incident_declare(
            title="Boom",
            severity=2,
            services=[checkout],
            reporter=alice,
            started_at=timezone.now() - timedelta(hours=1),
            caused_by_deployment=deployment,
        )
        assert incident.caused_by_deployment == deployment

    def test_a_deployment_of_another_service_is_refused(self, alice, checkout, search):
        deployment = Deployment.objects.create(
            service=search, version="v9", deployed_at=timezone.now() - timedelta(hours=2)
        )
        with pytest.raises(ValidationError) as error:
            services.incident_declare(
                title="Boom",
                severity=2,
                services=[checkout],
                reporter=alice,
                caused_by_deployment=deployment,
            )
        assert "not a deployment of this incident's services" in str(error.value)
        assert not Incident.objects.exists()

    def test_a_deployment_after_impact_started_is_refused(self, alice, checkout):
        deployment = Deployment.objects.create(
            service=checkout, version="v9", deployed_at=timezone.now() - timedelta(minutes=10)
        )
        with pytest.raises(ValidationError) as error:
            services.incident_declare(
                title="Boom",
                severity=2,
                services=[checkout],
                reporter=alice,
                started_at=timezone.now() - timedelta(hours=1),
                caused_by_deployment=deployment,
            )
        assert "cannot have caused it" in error.value.message_dict["caused_by_deployment"][0]


def test_anyone_signed_in_may_declare(carol_client, checkout):
    assert carol_client.get("/incidents/declare/").status_code == 200
    assert declare(carol_client, services=[checkout.pk]).status_code == 302
    assert Service.objects.get().incidents.count() == 1
