import pytest
from django.urls import reverse


def test_logging_in_lands_on_the_incident_list(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert response["Location"] == "/incidents/"


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
