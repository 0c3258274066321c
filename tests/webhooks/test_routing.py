"""Routes send events to the team's services; what matches none waits in the inbox, is never
dropped, and is applied once an admin assigns it."""

from datetime import timedelta

from incidents.models import Deployment, Incident
from tests.conftest import HTMX
from webhooks import services
from webhooks.models import Delivery, Route

from .conftest import ago, iso
from .formats import alert, alert_group, deployment_status, github_headers, pagerduty_event


def test_a_label_route_sends_alerts_to_its_service(alertmanager, ledger):
    services.route_create(
        endpoint=alertmanager.endpoint, service=ledger, match_label="component", match_value="db"
    )
    group = alert_group(
        alert(starts_at=ago(minutes=5), service="unknown"), extra_common={"component": "db"}
    )

    alertmanager.post(group)

    assert list(Incident.objects.get().services.all()) == [ledger]


def test_an_alert_naming_no_known_service_waits_in_the_inbox(alertmanager):
    response = alertmanager.post(alert_group(alert(starts_at=ago(minutes=5), service="billing")))

    assert response.status_code == 202
    assert response.json()["status"] == "unrouted"
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.UNROUTED
    assert (delivery.route_label, delivery.route_value) == ("service", "billing")
    assert not Incident.objects.exists()


def test_a_service_of_another_team_is_not_matched_by_its_slug(alertmanager, search):
    alertmanager.post(alert_group(alert(starts_at=ago(minutes=5), service="search")))

    assert Delivery.objects.get().status == Delivery.Status.UNROUTED


def test_a_pagerduty_service_without_a_route_waits(pagerduty):
    pagerduty.post(
        pagerduty_event("incident.triggered", occurred_at=ago(minutes=1), service_id="PZZZZZZ")
    )

    assert Delivery.objects.get().route_value == "PZZZZZZ"
    assert not Incident.objects.exists()


def test_an_environment_route_wins_over_the_repository_route(github, ledger):
    services.route_create(
        endpoint=github.endpoint, service=ledger, match_value="acme/checkout", environment="staging"
    )

    github.post(
        deployment_status(state="success", created_at=ago(minutes=5), environment="staging"),
        headers=github_headers("deployment_status", "d1"),
    )
    github.post(
        deployment_status(state="success", created_at=ago(minutes=4), deployment_id=2),
        headers=github_headers("deployment_status", "d2"),
    )

    assert {(d.environment, d.service.slug) for d in Deployment.objects.all()} == {
        ("staging", "ledger"),
        ("production", "checkout"),
    }


def test_assigning_applies_the_waiting_event(alice_admin_client, alertmanager, checkout):
    start = ago(minutes=20)
    alertmanager.post(alert_group(alert(starts_at=start, service="billing")))
    delivery = Delivery.objects.get()

    response = alice_admin_client.post(
        f"/teams/payments/webhooks/inbox/{delivery.pk}/assign/", {"service": checkout.pk}
    )

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert list(incident.services.all()) == [checkout]
    assert incident.started_at == start
    delivery.refresh_from_db()
    assert (delivery.status, delivery.incident) == (Delivery.Status.PROCESSED, incident)
    assert not Route.objects.exists()


def test_assigning_with_remember_saves_a_route_and_applies_every_waiting_match(
    alice_admin_client, alertmanager, checkout
):
    start = ago(minutes=30)
    firing = alert(starts_at=start, service="billing")
    alertmanager.post(alert_group(firing))
    alertmanager.post(
        alert_group(
            alert(
                starts_at=start,
                service="billing",
                status="resolved",
                ends_at=start + timedelta(minutes=25),
            ),
            status="resolved",
        )
    )
    first = Delivery.objects.order_by("received_at").first()

    response = alice_admin_client.post(
        f"/teams/payments/webhooks/inbox/{first.pk}/assign/",
        {"service": checkout.pk, "remember": "on"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "2 deliveries sent to Checkout." in response.content.decode()
    incident = Incident.objects.get()
    assert incident.time_to_restore == timedelta(minutes=25)
    route = Route.objects.get()
    assert (route.match_label, route.match_value, route.service) == ("service", "billing", checkout)
    assert not Delivery.objects.filter(status=Delivery.Status.UNROUTED).exists()
    # From now on such alerts go straight to Checkout.
    alertmanager.post(
        alert_group(alert(starts_at=ago(minutes=2), service="billing", fingerprint="n"))
    )
    assert Incident.objects.count() == 2


def test_a_generic_event_naming_an_unknown_service_waits_and_can_be_assigned(
    alice_admin_client, generic, ledger
):
    generic.post(
        {
            "id": "e1",
            "type": "incident.triggered",
            "service": "ledger-api",
            "key": "k",
            "occurred_at": iso(ago(minutes=4)),
        }
    )
    delivery = Delivery.objects.get()

    alice_admin_client.post(
        f"/teams/payments/webhooks/inbox/{delivery.pk}/assign/",
        {"service": ledger.pk, "remember": "on"},
    )

    assert list(Incident.objects.get().services.all()) == [ledger]
    assert Route.objects.get().match_value == "ledger-api"


def test_a_processed_delivery_cannot_be_assigned_again(alice_admin_client, pagerduty, checkout):
    pagerduty.post(pagerduty_event("incident.triggered", occurred_at=ago(minutes=1)))
    delivery = Delivery.objects.get()

    response = alice_admin_client.post(
        f"/teams/payments/webhooks/inbox/{delivery.pk}/assign/", {"service": checkout.pk}
    )

    assert response.status_code == 302
    assert Incident.objects.count() == 1


def test_assigning_what_someone_else_just_assigned_says_so_in_place(
    alice_admin_client, alertmanager, checkout
):
    alertmanager.post(alert_group(alert(starts_at=ago(minutes=3), service="billing")))
    delivery = Delivery.objects.get()
    url = f"/teams/payments/webhooks/inbox/{delivery.pk}/assign/"
    alice_admin_client.post(url, {"service": checkout.pk})

    response = alice_admin_client.post(url, {"service": checkout.pk}, headers=HTMX)

    assert response.status_code == 422
    assert "This delivery was already processed." in response.content.decode()
    assert Incident.objects.count() == 1
