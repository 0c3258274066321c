"""Inbound webhooks in the browser: a team admin creates an endpoint and copies its secret,
a tool posts to it, and an event no route matched is assigned from the inbox."""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

from .conftest import log_in

pytestmark = pytest.mark.browser


def post(url: str, secret: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def event(number: int, service: str) -> dict:
    occurred = datetime.now(UTC) - timedelta(minutes=10)
    return {
        "id": f"evt-{number}",
        "type": "incident.triggered",
        "service": service,
        "key": f"alert-{number}",
        "title": f"Payment queue backlog {number}",
        "severity": 2,
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_create_an_endpoint_receive_deliveries_and_assign_from_the_inbox(
    page, alice_admin, checkout
):
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/")
    page.get_by_role("link", name="Inbound webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbound webhooks")

    form = page.get_by_role("form", name="New endpoint")
    form.get_by_label("Tool").select_option(label="Generic JSON")
    form.get_by_label("Name").fill("Queue monitor")
    form.get_by_role("button", name="Create endpoint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Queue monitor")
    url = page.locator("#endpoint-url").inner_text()
    secret = page.locator("#endpoint-secret").inner_text()
    assert url.startswith(f"{page.url.split('/teams/')[0]}/hooks/generic/")
    page.reload()
    expect(page.locator("#endpoint-secret")).to_have_count(0)
    expect(page.get_by_text(secret)).to_have_count(0)

    assert post(url, secret, event(1, "checkout")) == (
        200,
        {
            "status": "processed",
            "delivery": "evt-1",
            "detail": f"Opened {Incident.objects.get().reference}.",
            "incident": Incident.objects.get().reference,
        },
    )
    assert post(url, "wrong", event(2, "checkout"))[0] == 401
    status, answer = post(url, secret, event(3, "payments-queue"))
    assert (status, answer["status"]) == (202, "unrouted")

    page.reload()
    deliveries = page.locator("#deliveries")
    expect(
        deliveries.get_by_role("row").filter(has_text="Payment queue backlog 1")
    ).to_contain_text("Processed")
    expect(
        deliveries.get_by_role("row").filter(has_text="Payment queue backlog 3")
    ).to_contain_text("Unrouted")

    page.get_by_role("link", name="inbox").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unrouted inbox")
    item = page.locator("article").filter(has_text="Payment queue backlog 3")
    expect(item).to_contain_text("payments-queue")
    item.get_by_label("Service", exact=True).select_option(label="Checkout")
    item.get_by_label("Route such events to this service from now on").check()
    item.get_by_role("button", name="Assign").click()

    expect(page.get_by_role("status")).to_have_text("1 delivery sent to Checkout.")
    expect(page.locator("#inbox")).to_contain_text("Nothing waiting")
    # The saved route sends the next such event straight to Checkout.
    assert post(url, secret, event(4, "payments-queue"))[1]["status"] == "processed"

    page.goto("/incidents/")
    for number in (1, 3, 4):
        expect(
            page.get_by_role("row").filter(has_text=f"Payment queue backlog {number}")
        ).to_contain_text("Checkout")
