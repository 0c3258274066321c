"""Private incidents through the API: a token reads and changes its team's private incidents only
when an organisation admin made it. A team admin is no responder, so the token they make on the
team's tokens page must not let them read what the site answers them 404 for."""

import pytest

from incidents import services
from incidents.models import Incident
from integrations.tokens import token_create

from .conftest import ApiClient


@pytest.fixture
def private(bob, checkout, payments):
    payments.members.add(bob)
    return services.incident_declare(
        title="Secret breach",
        severity=1,
        services=[checkout],
        reporter=bob,
        is_private=True,
        summary="attacker exfiltrated card data",
    )


@pytest.fixture
def admins_api(payments, carol):
    carol.profile.role = "admin"
    carol.profile.save(update_fields=["role"])
    return ApiClient(token_create(team=payments, name="security-bridge", by=carol).secret)


def test_a_team_admins_token_does_not_read_the_teams_private_incidents(
    alice_admin, alice_client, private
):
    # Alice administers Payments but is no responder: the site hides the incident from her...
    assert alice_client.get(f"/incidents/{private.pk}/").status_code == 404
    # ...and so does the token she makes on the team's tokens page.
    response = alice_client.post("/teams/payments/tokens/", {"name": "mine"})
    assert response.status_code == 201
    api = ApiClient(response.context["created"].secret)

    assert api.get(f"/api/incidents/{private.pk}").status_code == 404
    assert "Secret breach" not in api.get("/api/incidents").content.decode()
    assert api.post(f"/api/incidents/{private.pk}/events", {"body": "x"}).status_code == 404
    for change in ({"is_private": False}, {"commander": "alice"}, {"title": "Mine now"}):
        assert api.patch(f"/api/incidents/{private.pk}", change).status_code == 404
    private.refresh_from_db()
    assert private.is_private and private.commander is None and private.title == "Secret breach"


def test_a_token_that_may_not_read_private_incidents_makes_none_private(payments_api, checkout):
    incident = payments_api.post(
        "/api/incidents", {"title": "Down", "severity": 2, "services": ["checkout"]}
    ).json()

    response = payments_api.patch(f"/api/incidents/{incident['id']}", {"is_private": True})

    assert response.status_code == 403
    assert not Incident.objects.get(pk=incident["id"]).is_private
    # Sending the value it already has changes nothing, and is no refusal.
    unchanged = payments_api.patch(f"/api/incidents/{incident['id']}", {"is_private": False})
    assert unchanged.status_code == 200


def test_an_organisation_admins_token_reads_and_changes_private_incidents(admins_api, private):
    assert admins_api.get(f"/api/incidents/{private.pk}").json()["is_private"] is True
    assert "Secret breach" in admins_api.get("/api/incidents").content.decode()
    response = admins_api.patch(f"/api/incidents/{private.pk}", {"commander": "bob"})
    assert response.status_code == 200
    assert response.json()["commander"] == "bob"


def test_a_token_loses_private_incidents_when_its_maker_is_no_longer_an_admin(
    admins_api, private, carol
):
    carol.profile.role = "member"
    carol.profile.save(update_fields=["role"])

    assert admins_api.get(f"/api/incidents/{private.pk}").status_code == 404
    assert "Secret breach" not in admins_api.get("/api/incidents").content.decode()


def test_a_private_incident_declared_by_such_a_token_is_hidden_from_it_afterwards(
    payments_api, checkout
):
    body = {"title": "Leak", "severity": 1, "services": ["checkout"], "is_private": True}
    declared = payments_api.post("/api/incidents", body)

    assert declared.status_code == 201
    assert payments_api.get(f"/api/incidents/{declared.json()['id']}").status_code == 404
    assert "Leak" not in payments_api.get("/api/incidents").content.decode()
