"""The unrouted inbox: a delivery whose effects are refused holds up neither the route nor
the other deliveries, shows why, and can be dismissed; a dismissed delivery leaves the inbox
but stays in its endpoint's log."""

import pytest

from incidents.models import Deployment, Incident
from tests.conftest import HTMX
from webhooks.models import Delivery, Route

from .conftest import ago, iso

INBOX = "/teams/payments/webhooks/inbox/"
REFUSED = "Could not be applied: The earliest commit cannot be after the deployment."


def _waiting(generic) -> tuple[Delivery, Delivery, Delivery]:
    """Three deliveries for the unknown service ledger-api, the second one impossible: its
    first commit is after its deployment."""
    deployed = ago(minutes=30)
    generic.post(
        {
            "id": "e1",
            "type": "deployment",
            "service": "ledger-api",
            "version": "v1",
            "occurred_at": iso(deployed),
        }
    )
    generic.post(
        {
            "id": "e2",
            "type": "deployment",
            "service": "ledger-api",
            "version": "v2",
            "occurred_at": iso(deployed),
            "first_commit_at": iso(ago(minutes=10)),
        }
    )
    generic.post(
        {
            "id": "e3",
            "type": "incident.triggered",
            "service": "ledger-api",
            "key": "ledger-down",
            "title": "Ledger is down",
            "occurred_at": iso(ago(minutes=5)),
        }
    )
    assert Delivery.objects.filter(status=Delivery.Status.UNROUTED).count() == 3
    return tuple(Delivery.objects.get(delivery_id=name) for name in ("e1", "e2", "e3"))


@pytest.mark.parametrize("clicked", ["e1", "e2"])
def test_remembering_a_route_applies_the_others_when_one_is_refused(
    alice_admin_client, generic, ledger, clicked
):
    deliveries = {d.delivery_id: d for d in _waiting(generic)}

    response = alice_admin_client.post(
        f"{INBOX}{deliveries[clicked].pk}/assign/",
        {"service": ledger.pk, "remember": "on"},
        headers=HTMX,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "2 deliveries sent to Ledger. 1 could not be applied and waits in the inbox with the "
        "reason." in page
    )
    assert Route.objects.get().match_value == "ledger-api"
    assert Deployment.objects.get().version == "v1"
    assert Incident.objects.get().title == "Ledger is down"
    refused = Delivery.objects.get(status=Delivery.Status.UNROUTED)
    assert refused.delivery_id == "e2"
    assert refused.detail == REFUSED
    # The refused one is still in the inbox, with the reason.
    assert "1 waiting" in page
    assert REFUSED in page


def test_the_inbox_page_shows_why_a_delivery_could_not_be_applied(
    alice_admin_client, generic, ledger
):
    first, *_ = _waiting(generic)
    alice_admin_client.post(f"{INBOX}{first.pk}/assign/", {"service": ledger.pk, "remember": "on"})

    page = alice_admin_client.get(INBOX).content.decode()

    assert REFUSED in page
    assert "deployment of ledger-api v2: succeeded" in page


def test_a_refused_delivery_assigned_alone_says_why_and_changes_nothing(
    alice_admin_client, generic, ledger
):
    _, impossible, _ = _waiting(generic)

    response = alice_admin_client.post(
        f"{INBOX}{impossible.pk}/assign/", {"service": ledger.pk}, headers=HTMX
    )

    assert response.status_code == 422
    assert "The earliest commit cannot be after the deployment." in response.content.decode()
    assert not Deployment.objects.exists()
    assert Delivery.objects.filter(status=Delivery.Status.UNROUTED).count() == 3


def test_dismissing_takes_a_delivery_out_of_the_inbox_and_keeps_it_in_the_log(
    alice_admin_client, generic, ledger
):
    first, impossible, _ = _waiting(generic)
    alice_admin_client.post(f"{INBOX}{first.pk}/assign/", {"service": ledger.pk, "remember": "on"})

    response = alice_admin_client.post(f"{INBOX}{impossible.pk}/dismiss/", follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    page = response.content.decode()
    assert "Dismissed “deployment of ledger-api v2: succeeded”; it stays in the log." in page
    assert "Nothing waiting" in page
    log = alice_admin_client.get(f"/teams/payments/webhooks/{generic.endpoint.pk}/")
    assert f"Dismissed from the inbox by Alice. {REFUSED}" in log.content.decode()
    assert Deployment.objects.get().version == "v1"


def test_dismissing_with_htmx_answers_the_inbox_fragment(alice_admin_client, generic):
    first, *_ = _waiting(generic)

    response = alice_admin_client.post(f"{INBOX}{first.pk}/dismiss/", headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert "2 waiting" in page
    assert "Dismissed “deployment of ledger-api v1: succeeded”" in page
    first.refresh_from_db()
    assert first.status == Delivery.Status.IGNORED


def test_a_dismissed_delivery_sent_again_is_a_duplicate_and_stays_out(alice_admin_client, generic):
    first, *_ = _waiting(generic)
    alice_admin_client.post(f"{INBOX}{first.pk}/dismiss/")

    again = generic.post(
        {
            "id": "e1",
            "type": "deployment",
            "service": "ledger-api",
            "version": "v1",
            "occurred_at": iso(ago(minutes=1)),
        }
    )

    assert again.json() == {"status": "duplicate", "delivery": "e1"}
    assert Delivery.objects.filter(status=Delivery.Status.UNROUTED).count() == 2


def test_a_route_remembered_later_leaves_dismissed_deliveries_alone(
    alice_admin_client, generic, ledger
):
    first, _, third = _waiting(generic)
    alice_admin_client.post(f"{INBOX}{first.pk}/dismiss/")

    alice_admin_client.post(f"{INBOX}{third.pk}/assign/", {"service": ledger.pk, "remember": "on"})

    assert not Deployment.objects.exists()
    first.refresh_from_db()
    assert first.status == Delivery.Status.IGNORED


def test_dismissing_twice_says_it_has_left_the_inbox(alice_admin_client, generic):
    first, *_ = _waiting(generic)
    alice_admin_client.post(f"{INBOX}{first.pk}/dismiss/")

    response = alice_admin_client.post(f"{INBOX}{first.pk}/dismiss/", headers=HTMX)

    assert response.status_code == 422
    assert "This delivery has already left the inbox." in response.content.decode()


def test_members_who_are_not_admins_cannot_dismiss(erin_client, generic):
    first, *_ = _waiting(generic)

    response = erin_client.post(f"{INBOX}{first.pk}/dismiss/")

    assert response.status_code == 403
    first.refresh_from_db()
    assert first.status == Delivery.Status.UNROUTED


def test_admins_of_another_team_cannot_dismiss_ours(bob_client, bob, platform, generic):
    platform.admins.add(bob)
    first, *_ = _waiting(generic)

    response = bob_client.post(f"/teams/platform/webhooks/inbox/{first.pk}/dismiss/")

    assert response.status_code == 404
    first.refresh_from_db()
    assert first.status == Delivery.Status.UNROUTED


def test_dismissing_is_a_post(alice_admin_client, generic):
    first, *_ = _waiting(generic)

    assert alice_admin_client.get(f"{INBOX}{first.pk}/dismiss/").status_code == 405
    first.refresh_from_db()
    assert first.status == Delivery.Status.UNROUTED


def test_the_inbox_offers_dismiss_as_a_real_form(alice_admin_client, generic):
    first, *_ = _waiting(generic)

    page = alice_admin_client.get(INBOX).content.decode()

    assert f'<form method="post" action="{INBOX}{first.pk}/dismiss/"' in page
    assert f'hx-post="{INBOX}{first.pk}/dismiss/"' in page
