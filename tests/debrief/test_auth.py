import pytest
from django.urls import reverse


def test_logging_in_lands_on_the_home_page(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_is_explained_and_the_username_kept(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert 'value="alice"' in response.text


def test_logging_out_needs_a_post_and_ends_the_session(alice_client):
    assert alice_client.get("/logout/").status_code == 405
    response = alice_client.post("/logout/")
    assert response.status_code == 302
    assert alice_client.get("/incidents/").status_code == 302


@pytest.mark.parametrize(
    "name",
    [
        "incidents:list",
        "incidents:declare",
        "incidents:team-list",
        "incidents:service-list",
        "incidents:deployment-record",
    ],
)
def test_every_page_needs_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/incidents/incident/",
        "/admin/incidents/deployment/",
        "/admin/incidents/team/",
        "/admin/incidents/service/",
        "/admin/incidents/incident/add/",
    ],
)
def test_the_admin_manages_everything(client, dave, checkout, path):
    dave.is_superuser = True
    dave.save()
    client.force_login(dave)
    assert client.get(path).status_code == 200


def test_the_admin_shows_the_timeline_but_cannot_rewrite_it(client, dave, alice, checkout):
    from incidents import services

    incident = services.incident_declare(
        title="Boom", severity=2, services=[checkout], reporter=alice
    )
    dave.is_superuser = True
    dave.save()
    client.force_login(dave)
    page = client.get(f"/admin/incidents/incident/{incident.pk}/change/")
    assert page.status_code == 200
    assert "Declared as SEV2." in page.text
    assert 'name="events-0-body"' not in page.text


def test_the_admin_cannot_change_an_incidents_lifecycle(client, dave, alice, checkout):
    from incidents import services

    incident = services.incident_declare(
        title="Boom", severity=2, services=[checkout], reporter=alice
    )
    dave.is_superuser = True
    dave.save()
    client.force_login(dave)
    page = client.get(f"/admin/incidents/incident/{incident.pk}/change/").text
    assert 'name="title"' in page
    for field in ["status", "severity", "team", "services", "caused_by_deployment", "version"]:
        assert f'name="{field}"' not in page
    for field in ["started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"]:
        assert f'name="{field}_0"' not in page


def test_adding_an_incident_in_the_admin_obeys_the_timestamp_rules(alice, checkout):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.admin import IncidentAdminForm

    started = timezone.now() - timedelta(hours=1)
    data = {
        "title": "Imported",
        "severity": 2,
        "status": "resolved",
        "services": [checkout.pk],
        "team": checkout.team_id,
        "started_at": started,
        "detected_at": started,
        "restored_at": started + timedelta(minutes=30),
        "resolved_at": started + timedelta(minutes=10),
        "version": 1,
    }
    form = IncidentAdminForm(data)
    assert not form.is_valid()
    assert "before service was restored" in form.errors["resolved_at"][0]
    form = IncidentAdminForm({**data, "resolved_at": started + timedelta(minutes=40)})
    assert form.is_valid(), form.errors


class TestAnExpiredSessionDuringAnHtmxAction:
    """htmx follows a redirect by itself and would swap the login page into the incident
    page; the browser is sent to the login page instead, coming back to where it was."""

    @pytest.fixture(autouse=True)
    def htmx_aware_login(self, settings):
        # The MIDDLEWARE line settings.py should carry (see debrief/middleware.py).
        settings.MIDDLEWARE = [
            "debrief.middleware.LoginRequiredMiddleware"
            if name == "django.contrib.auth.middleware.LoginRequiredMiddleware"
            else name
            for name in settings.MIDDLEWARE
        ]

    def test_htmx_is_told_to_load_the_login_page(self, client, db):
        response = client.post(
            "/incidents/1/status/",
            {"status": "identified"},
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/incidents/1/"},
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == "/login/?next=/incidents/1/"
        assert "Location" not in response

    def test_without_htmx_it_is_the_usual_redirect(self, client, db):
        response = client.get("/incidents/")
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/incidents/"


def test_healthz_answers_head_for_probes_that_use_it(client, db, settings):
    settings.REDIS_URL = ""
    assert client.head("/healthz").status_code == 200
