"""The team's notification pages: for its admins (and staff) only."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outbound.models import Delivery, DeliveryAttempt, Destination
from tests.conftest import HTMX

from .conftest import make_destination

SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/abcdefSECRETpath"
PAGE = "/teams/payments/notifications/"


def slack_form(**changes):
    return {
        "name": "#payments-incidents",
        "kind": "slack",
        "url": SLACK_URL,
        "events": ["incident.declared", "incident.restored"],
        "is_enabled": "on",
        **changes,
    }


@pytest.fixture
def hook(payments):
    return make_destination(payments, "https://hooks.example.org/debrief", name="Receiver")


def sub_pages(hook):
    base = f"{PAGE}{hook.pk}/"
    return [
        ("get", PAGE),
        ("post", PAGE),
        ("get", base),
        ("get", f"{base}edit/"),
        ("post", f"{base}edit/"),
        ("post", f"{base}test/"),
        ("post", f"{base}secret/"),
        ("post", f"{base}delete/"),
    ]


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_people_who_do_not_administer_the_team_are_refused(request, hook, who):
    client = request.getfixturevalue(f"{who}_client")

    for method, url in sub_pages(hook):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, url)
    assert Destination.objects.get() == hook
    assert Delivery.objects.count() == 0


def test_signed_out_visitors_are_sent_to_log_in(hook):
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_team_admins_and_staff_see_the_page(request, alice_admin, hook, who):
    client = request.getfixturevalue(f"{who}_client")

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "Receiver" in response.text


def test_an_admin_of_another_team_is_refused(bob, bob_client, platform, hook):
    platform.admins.add(bob)

    assert bob_client.get(PAGE).status_code == 403
    assert bob_client.get(f"/teams/platform/notifications/{hook.pk}/").status_code == 404


def test_the_team_page_links_to_notifications_for_admins_only(admin_client, bob_client):
    assert PAGE in admin_client.get("/teams/payments/").text
    assert PAGE not in bob_client.get("/teams/payments/").text


def test_an_admin_adds_a_slack_destination(admin_client, payments, alice):
    response = admin_client.post(PAGE, slack_form(), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Destination “#payments-incidents” added." in response.text
    destination = Destination.objects.get()
    assert (destination.team, destination.kind, destination.url) == (payments, "slack", SLACK_URL)
    assert destination.events == ["incident.declared", "incident.restored"]
    assert destination.created_by == alice
    # The list names the host; a chat webhook's path is its password.
    assert "hooks.slack.com" in response.text
    assert "abcdefSECRETpath" not in response.text


def test_a_json_destination_shows_its_secret_once(admin_client):
    response = admin_client.post(PAGE, slack_form(name="Pager bridge", kind="json"))

    destination = Destination.objects.get()
    assert response.status_code == 201
    assert destination.secret in response.text
    assert "will not show it again" in response.text
    assert destination.secret not in admin_client.get(PAGE).text
    assert destination.secret not in admin_client.get(f"{PAGE}{destination.pk}/").text
    assert destination.secret not in admin_client.get(f"{PAGE}{destination.pk}/edit/").text


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/hook", "javascript:alert(1)", "file:///etc/passwd", "not a url"],
)
def test_only_http_and_https_urls_are_accepted_and_the_form_keeps_what_was_typed(admin_client, url):
    response = admin_client.post(PAGE, slack_form(url=url))

    assert response.status_code == 422
    assert "Enter an http:// or https:// URL." in response.text
    assert 'value="#payments-incidents"' in response.text
    assert 'value="incident.restored" id="id_events_2" checked' in response.text
    assert Destination.objects.count() == 0


def test_a_destination_needs_an_event(admin_client):
    form = slack_form()
    del form["events"]

    response = admin_client.post(PAGE, form)

    assert response.status_code == 422
    assert "Choose at least one event to send." in response.text
    assert Destination.objects.count() == 0


def test_a_name_is_used_once_per_team(admin_client, payments, platform):
    make_destination(platform, SLACK_URL, name="#payments-incidents")
    admin_client.post(PAGE, slack_form())

    response = admin_client.post(PAGE, slack_form(name="#Payments-Incidents"))

    assert response.status_code == 422
    assert "Payments already has a destination called “#Payments-Incidents”." in response.text
    assert payments.destinations.count() == 1


def test_editing_keeps_the_kind_and_the_secret(admin_client, hook):
    secret = hook.secret

    response = admin_client.post(
        f"{PAGE}{hook.pk}/edit/",
        {"name": "Renamed", "url": "http://intranet.example/hook", "events": ["followup.overdue"]},
        follow=True,
    )

    assert "Destination “Renamed” saved." in response.text
    hook.refresh_from_db()
    assert (hook.name, hook.url, hook.events) == (
        "Renamed",
        "http://intranet.example/hook",
        ["followup.overdue"],
    )
    assert (hook.kind, hook.secret, hook.is_enabled) == ("json", secret, False)


def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(admin_client, hook):
    response = admin_client.post(
        f"{PAGE}{hook.pk}/edit/", {"name": "Typed name", "url": "gopher://x", "events": []}
    )

    assert response.status_code == 422
    assert 'value="Typed name"' in response.text
    assert 'value="gopher://x"' in response.text
    hook.refresh_from_db()
    assert hook.name == "Receiver"


def test_a_test_message_is_sent_and_logged(transactional_db, admin_client, payments, receiver):
    destination = make_destination(payments, receiver.url, name="Local receiver")

    response = admin_client.post(f"{PAGE}{destination.pk}/test/", follow=True)

    assert "Test message delivered." in response.text
    assert "HTTP 200" in response.text
    [received] = receiver.wait_for(1)
    assert received.json["event"] == "test"
    assert received.json["text"] == (
        "Test message from Debrief: Local receiver is set up for Payments"
    )


def test_a_test_message_that_fails_says_so(transactional_db, admin_client, payments, receiver):
    destination = make_destination(payments, receiver.url, name="Gone", kind="slack")
    receiver.answers = [404]

    response = admin_client.post(f"{PAGE}{destination.pk}/test/", follow=True)

    assert "The test message could not be delivered" in response.text
    assert "HTTP 404" in response.text
    assert "HTTP 404: not retried" in response.text
    # The status says enough; what the receiver answered stays off the page.
    assert "invalid_payload" not in response.text


def test_replacing_the_secret_shows_the_new_one(admin_client, hook):
    old = hook.secret

    response = admin_client.post(f"{PAGE}{hook.pk}/secret/")

    hook.refresh_from_db()
    assert hook.secret != old
    assert hook.secret in response.text


def test_deleting_a_destination(admin_client, hook):
    response = admin_client.post(f"{PAGE}{hook.pk}/delete/", follow=True)

    assert "Destination “Receiver” deleted with its log." in response.text
    assert Destination.objects.count() == 0


def test_get_is_refused_where_only_post_changes_anything(admin_client, hook):
    assert admin_client.get(f"{PAGE}{hook.pk}/test/").status_code == 405
    assert admin_client.get(f"{PAGE}{hook.pk}/delete/").status_code == 405


def add_deliveries(destination, count):
    now = timezone.now()
    for number in range(count):
        delivery = Delivery.objects.create(
            destination=destination,
            event="incident.declared",
            event_key=f"incident.declared:{number}",
            body='{"text": "<b>declared</b>"}',
            state=Delivery.State.DELIVERED,
        )
        Delivery.objects.filter(pk=delivery.pk).update(created_at=now - timedelta(minutes=number))
        for attempt in (1, 2):
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=attempt,
                started_at=now,
                duration=timedelta(milliseconds=120),
                status_code=503 if attempt == 1 else 200,
            )


@pytest.mark.parametrize("count", [1, 15])
def test_the_log_costs_the_same_queries_however_long(
    admin_client, hook, count, django_assert_max_num_queries
):
    add_deliveries(hook, count)

    with django_assert_max_num_queries(8):
        response = admin_client.get(f"{PAGE}{hook.pk}/")

    assert response.text.count("HTTP 503") == count
    assert response.text.count("HTTP 200") == count


@pytest.mark.parametrize("count", [1, 12])
def test_the_destination_list_costs_the_same_queries_however_long(
    admin_client, payments, count, django_assert_max_num_queries
):
    for number in range(count):
        make_destination(payments, SLACK_URL, kind="slack", name=f"Channel {number:02d}")

    with django_assert_max_num_queries(8):
        response = admin_client.get(PAGE)

    assert response.text.count("Send a test message<span") == count


def test_the_log_is_paginated_newest_first_and_escapes_what_was_sent(admin_client, hook):
    add_deliveries(hook, 25)
    first = Delivery.objects.order_by("-created_at").first()
    last = Delivery.objects.order_by("created_at").first()

    page_one = admin_client.get(f"{PAGE}{hook.pk}/")
    page_two = admin_client.get(f"{PAGE}{hook.pk}/?page=2", headers=HTMX)

    assert page_one.text.count("<article") == 20
    assert first.created_at.strftime("%H:%M:%S") in page_one.text
    assert "Page 1 of 2" in page_one.text
    assert page_two.text.count("<article") == 5
    assert last.created_at.strftime("%H:%M:%S") in page_two.text
    # The fragment is the log region alone, for htmx to swap in.
    assert page_two.text.lstrip().startswith('<section id="delivery-log"')
    assert "<b>declared</b>" not in page_one.text
    assert "&lt;b&gt;declared&lt;/b&gt;" in page_one.text


def test_staff_read_deliveries_in_the_admin_without_the_url_or_secret(dave, hook):
    dave.is_superuser = True
    dave.save()
    client = Client()
    client.force_login(dave)
    add_deliveries(hook, 1)
    delivery = Delivery.objects.get()

    destination_page = client.get(f"/admin/outbound/destination/{hook.pk}/change/")
    delivery_page = client.get(f"/admin/outbound/delivery/{delivery.pk}/change/")

    assert destination_page.status_code == 200
    assert hook.secret not in destination_page.text
    assert hook.url not in destination_page.text
    assert delivery_page.status_code == 200
    assert "503" in delivery_page.text
