"""The "Move to bin" buttons, and the bin page (/bin/) where organisation admins restore."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Profile, Role
from followups import services as followup_services
from incidents import services as incident_services
from incidents.models import Incident
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate
from tests.conftest import HTMX

from .conftest import declare


def test_editors_see_the_button_and_others_do_not(outage, alice_client, bob_client):
    pages = [
        outage["incident"].get_absolute_url(),
        outage["postmortem"].get_absolute_url(),
        outage["on_its_own"].get_absolute_url(),
    ]
    for page in pages:
        assert "Move to bin" in alice_client.get(page).content.decode(), page
        assert "Move to bin" not in bob_client.get(page).content.decode(), page


def test_it_rejects_get(outage, alice_client):
    assert alice_client.get(f"/incidents/{outage['incident'].pk}/delete/").status_code == 405


def test_those_who_may_not_edit_cannot_bin(outage, bob_client):
    for path in (
        f"/incidents/{outage['incident'].pk}/delete/",
        f"/postmortems/{outage['postmortem'].pk}/delete/",
        f"/follow-ups/{outage['on_its_own'].pk}/delete/",
    ):
        assert bob_client.post(path).status_code == 403, path
    assert Incident.objects.filter(pk=outage["incident"].pk).exists()


def test_binning_an_incident_goes_back_to_the_list_which_no_longer_shows_it(outage, alice_client):
    response = alice_client.post(f"/incidents/{outage['incident'].pk}/delete/", follow=True)

    assert response.redirect_chain == [("/incidents/", 302)]
    page = response.content.decode()
    assert "is in the bin. An organisation admin can restore it" in page
    assert f"/incidents/{outage['incident'].pk}/" not in page


def test_through_htmx_the_browser_is_sent_on(outage, alice_client):
    response = alice_client.post(f"/follow-ups/{outage['on_its_own'].pk}/delete/", headers=HTMX)

    assert response.headers["HX-Redirect"] == "/follow-ups/"


def test_a_binned_postmortem_is_not_started_again(outage, alice_client):
    alice_client.post(f"/postmortems/{outage['postmortem'].pk}/delete/")

    page = alice_client.get(outage["incident"].get_absolute_url()).content.decode()

    assert "The postmortem is in the bin" in page
    assert "Start the postmortem" not in page


@pytest.fixture
def frank(db):
    """A member who has no profile row yet."""
    return User.objects.create_user("frank", "frank@example.org", "frank-password")


def test_only_organisation_admins_see_the_bin(alice, frank, erin_client, dave_client):
    Profile.objects.filter(user=alice).update(role=Role.MANAGER)
    for user in (alice, frank):
        client = Client()
        client.force_login(user)
        assert client.get("/bin/").status_code == 403
    assert erin_client.get("/bin/").status_code == 200
    assert dave_client.get("/bin/").status_code == 200


def test_only_organisation_admins_restore(outage, alice, alice_client):
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    response = alice_client.post(f"/bin/incidents/{outage['incident'].pk}/restore/")

    assert response.status_code == 403
    assert not Incident.objects.filter(pk=outage["incident"].pk).exists()


def test_the_bin_lists_what_was_binned_by_whom_and_restores_it(outage, alice, erin_client):
    followup_services.item_delete(item=outage["on_its_own"], by=alice)
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    incidents = erin_client.get("/bin/").content.decode()
    followups = erin_client.get("/bin/?show=followups").content.decode()
    postmortems = erin_client.get("/bin/?show=postmortems").content.decode()

    assert "Card payments failing" in incidents and "Alice" in incidents
    # The follow-up binned on its own is listed; the one binned with the incident is not.
    assert "Rotate the gateway certificate" in followups
    assert "whose incident is in the bin too" in followups
    assert "Alert on gateway latency" not in followups
    assert "Nothing here." in postmortems

    response = erin_client.post(f"/bin/incidents/{outage['incident'].pk}/restore/", follow=True)

    assert response.redirect_chain == [(outage["incident"].get_absolute_url(), 302)]
    assert "is restored" in response.content.decode()
    assert Postmortem.objects.filter(pk=outage["postmortem"].pk).exists()
    assert "Nothing here." in erin_client.get("/bin/").content.decode()


def test_a_refused_restore_says_why_on_the_bin(outage, alice, erin_client):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    response = erin_client.post(f"/bin/postmortems/{outage['postmortem'].pk}/restore/", follow=True)

    assert response.redirect_chain == [("/bin/?show=postmortems", 302)]
    assert "restore the incident" in response.content.decode()


def _bin_some(count: int, alice, checkout) -> None:
    for number in range(count):
        incident = declare(checkout, alice, f"Outage {number}")
        postmortem = postmortem_services.postmortem_start(
            incident=incident,
            template=PostmortemTemplate.objects.get(slug="standard"),
            by=alice,
        )
        item = followup_services.item_create(incident=incident, title=f"Fix {number}", by=alice)
        followup_services.item_delete(item=item, by=alice)
        postmortem_services.postmortem_delete(postmortem=postmortem, by=alice)
        incident_services.incident_delete(incident=incident, by=alice)


@pytest.mark.parametrize("count", [2, 12])
def test_the_bin_costs_the_same_queries_whatever_it_holds(
    count, alice, checkout, erin_client, django_assert_max_num_queries
):
    _bin_some(count, alice, checkout)
    for show in ("incidents", "postmortems", "followups"):
        with django_assert_max_num_queries(8):
            response = erin_client.get(f"/bin/?show={show}")
        assert response.status_code == 200
