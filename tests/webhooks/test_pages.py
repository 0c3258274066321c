"""The pages where a team's admins set up endpoints and routes and empty the inbox."""

import re

import pytest
from django.test import Client

from tests.conftest import HTMX
from webhooks import services
from webhooks.models import Delivery, Endpoint, Route

from .conftest import ago
from .formats import alert, alert_group, pagerduty_event

PAGES = [
    "/teams/payments/webhooks/",
    "/teams/payments/webhooks/inbox/",
]


@pytest.mark.parametrize("url", PAGES)
def test_team_members_who_are_not_admins_are_refused(alice_client, url):
    assert alice_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_admins_of_another_team_are_refused(bob_client, bob, platform, payments, url):
    platform.admins.add(bob)

    assert bob_client.get(url).status_code == 403


def test_staff_may_manage_any_teams_webhooks(dave_client, payments):
    assert dave_client.get("/teams/payments/webhooks/").status_code == 200


def test_signed_out_visitors_go_to_the_login_page(client, payments):
    response = client.get("/teams/payments/webhooks/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_an_endpoint_of_another_team_is_not_found(alice_admin_client, platform, bob):
    endpoint, _ = services.endpoint_create(team=platform, kind="github", name="GitHub", by=bob)

    response = alice_admin_client.get(f"/teams/payments/webhooks/{endpoint.pk}/")

    assert response.status_code == 404


def test_creating_an_endpoint_shows_its_url_and_secret_once(alice_admin_client, alice):
    response = alice_admin_client.post(
        "/teams/payments/webhooks/", {"kind": "pagerduty", "name": "PagerDuty"}, follow=True
    )

    endpoint = Endpoint.objects.get()
    page = response.content.decode()
    assert f"http://testserver/hooks/pagerduty/{endpoint.token}/" in page
    assert endpoint.secret in page
    assert endpoint.created_by == alice
    assert len(endpoint.token) >= 32
    again = alice_admin_client.get(endpoint.get_absolute_url()).content.decode()
    assert endpoint.secret not in again
    assert endpoint.token in again


def test_a_new_secret_is_shown_once_and_replaces_the_old(alice_admin_client, alice):
    endpoint, old = services.endpoint_create(
        team=alice.teams.get(), kind="github", name="GitHub", by=alice
    )

    response = alice_admin_client.post(
        f"/teams/payments/webhooks/{endpoint.pk}/rotate/", follow=True
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()
    assert old not in response.content.decode()


def test_a_duplicate_name_is_refused_and_the_form_keeps_what_was_typed(
    alice_admin_client, alice, payments
):
    services.endpoint_create(team=payments, kind="github", name="GitHub", by=alice)

    response = alice_admin_client.post(
        "/teams/payments/webhooks/",
        {"kind": "alertmanager", "name": "GitHub", "severity_label": "priority"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Payments already has an endpoint named “GitHub”." in page
    assert 'value="priority"' in page
    assert Endpoint.objects.count() == 1


def test_adding_a_route_needs_a_label_for_alertmanager(alice_admin_client, alertmanager, checkout):
    url = f"/teams/payments/webhooks/{alertmanager.endpoint.pk}/routes/"

    refused = alice_admin_client.post(
        url, {"service": checkout.pk, "match_label": "", "match_value": "checkout-api"}
    )
    added = alice_admin_client.post(
        url, {"service": checkout.pk, "match_label": "app", "match_value": "checkout-api"}
    )

    assert refused.status_code == 422
    assert "Name the label to match" in refused.content.decode()
    assert 'value="checkout-api"' in refused.content.decode()
    assert added.status_code == 302
    assert Route.objects.get().match_label == "app"


def test_a_route_to_another_teams_service_is_refused(alice_admin_client, pagerduty, search):
    response = alice_admin_client.post(
        f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/routes/",
        {"service": search.pk, "match_value": "P7QZ2LK"},
    )

    assert response.status_code == 422
    assert Route.objects.count() == 1


def test_deleting_a_route_and_an_endpoint(alice_admin_client, pagerduty):
    route = Route.objects.get()
    alice_admin_client.post(
        f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/routes/{route.pk}/delete/"
    )
    assert not Route.objects.exists()

    alice_admin_client.post(f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/delete/")

    assert not Endpoint.objects.exists()


def test_the_team_page_links_admins_to_the_webhooks(alice_admin_client, payments):
    assert (
        "/teams/payments/webhooks/" in alice_admin_client.get("/teams/payments/").content.decode()
    )


def test_the_team_page_hides_the_link_from_other_members(alice_client, payments):
    assert "/teams/payments/webhooks/" not in alice_client.get("/teams/payments/").content.decode()


def test_the_inbox_escapes_what_a_sender_wrote(alice_admin_client, alertmanager):
    alertmanager.post(
        alert_group(
            alert(starts_at=ago(minutes=1), service="<script>alert(1)</script>"),
            summary="<img src=x onerror=alert(1)>",
        )
    )

    page = alice_admin_client.get("/teams/payments/webhooks/inbox/").content.decode()

    assert "<img src=x" not in page
    assert "<script>alert(1)" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def _unrouted(alertmanager, count: int) -> None:
    for number in range(count):
        alertmanager.post(
            alert_group(
                alert(starts_at=ago(minutes=5), service=f"unknown-{number}"),
                group_key=f"group-{number}",
            )
        )


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_costs_the_same_queries_for_few_and_many(
    alice_admin_client, alertmanager, count, django_assert_max_num_queries
):
    _unrouted(alertmanager, count)

    with django_assert_max_num_queries(12):
        response = alice_admin_client.get("/teams/payments/webhooks/inbox/")

    assert response.status_code == 200
    assert f"{count} waiting" in response.content.decode()


def test_the_inbox_is_paginated_and_its_pages_are_fragments(alice_admin_client, alertmanager):
    _unrouted(alertmanager, 27)

    response = alice_admin_client.get("/teams/payments/webhooks/inbox/?page=2", headers=HTMX)

    page = response.content.decode()
    assert "<html" not in page
    assert len(re.findall(r'<article class="facts delivery">', page)) == 2
    assert "Page 2 of 2" in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_endpoint_list_costs_the_same_queries_for_few_and_many(
    alice_admin_client, alice, payments, count, django_assert_max_num_queries
):
    for number in range(count):
        services.endpoint_create(team=payments, kind="generic", name=f"Tool {number}", by=alice)

    with django_assert_max_num_queries(12):
        response = alice_admin_client.get("/teams/payments/webhooks/")

    assert response.status_code == 200
    assert "Tool 0" in response.content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_the_endpoint_page_costs_the_same_queries_for_few_and_many_deliveries(
    alice_admin_client, pagerduty, count, django_assert_max_num_queries
):
    for number in range(count):
        pagerduty.post(
            pagerduty_event(
                "incident.triggered",
                occurred_at=ago(minutes=5),
                event_id=f"e{number}",
                incident_id=f"P{number}",
            )
        )

    with django_assert_max_num_queries(14):
        response = alice_admin_client.get(pagerduty.endpoint.get_absolute_url())

    assert response.status_code == 200
    assert Delivery.objects.count() == count
    assert "incident.triggered: The server is on fire." in response.content.decode()


def test_the_secret_pagerduty_made_can_replace_debriefs(alice_admin_client, pagerduty):
    pagerduty_secret = "pd-signing-secret-0123456789abcdef"
    url = f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/secret/"

    too_short = alice_admin_client.post(url, {"secret": "short"})
    taken = alice_admin_client.post(url, {"secret": pagerduty_secret})

    assert too_short.status_code == 422
    assert "A secret needs at least 16 characters." in too_short.content.decode()
    assert 'value="short"' in too_short.content.decode()
    assert taken.status_code == 302
    old_secret, pagerduty.secret = pagerduty.secret, pagerduty_secret
    event = pagerduty_event("incident.triggered", occurred_at=ago(minutes=1))
    assert pagerduty.post(event).status_code == 200
    pagerduty.secret = old_secret
    assert pagerduty.post(event).status_code == 401


def test_the_admin_never_shows_an_hmac_secret(dave, pagerduty):
    dave.is_superuser = True
    dave.save()
    client = Client()
    client.force_login(dave)

    page = client.get(f"/admin/webhooks/endpoint/{pagerduty.endpoint.pk}/change/").content.decode()

    assert "Stored as given" in page
    assert pagerduty.secret not in page


@pytest.mark.parametrize("action", ["rotate", "delete", "secret", "routes"])
def test_members_who_are_not_admins_cannot_change_an_endpoint(erin_client, pagerduty, action):
    secret_before = pagerduty.endpoint.secret

    response = erin_client.post(
        f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/{action}/",
        {"secret": "x" * 20, "service": 1, "match_value": "P1"},
    )

    assert response.status_code == 403
    endpoint = Endpoint.objects.get()
    assert endpoint.secret == secret_before
    assert endpoint.routes.count() == 1


def test_members_who_are_not_admins_cannot_assign_from_the_inbox(
    erin_client, alertmanager, checkout
):
    alertmanager.post(alert_group(alert(starts_at=ago(minutes=1), service="billing")))
    delivery = Delivery.objects.get()

    response = erin_client.post(
        f"/teams/payments/webhooks/inbox/{delivery.pk}/assign/", {"service": checkout.pk}
    )

    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.UNROUTED


def test_members_who_are_not_admins_cannot_see_an_endpoint(erin_client, pagerduty):
    response = erin_client.get(f"/teams/payments/webhooks/{pagerduty.endpoint.pk}/")

    assert response.status_code == 403
    assert pagerduty.endpoint.token not in response.content.decode()


def test_the_endpoint_pages_its_deliveries_in_place(alice_admin_client, pagerduty):
    for number in range(27):
        pagerduty.post(
            pagerduty_event("incident.triggered", occurred_at=ago(minutes=5), event_id=f"e{number}")
        )

    response = alice_admin_client.get(
        f"{pagerduty.endpoint.get_absolute_url()}?page=2", headers=HTMX
    )

    page = response.content.decode()
    assert "<html" not in page
    assert page.count("incident.triggered: The server is on fire.") == 2
    assert "Page 2 of 2" in page
    assert "HX-Request" in response["Vary"]
