"""Notifications in the browser: a team admin points a JSON webhook at a receiver (after the
cloud's metadata address is refused), sends a test message, reads the attempt in the
delivery log, then turns the destination off."""

import hashlib
import hmac

import pytest
from playwright.sync_api import expect

from outbound.models import Destination
from tests.outbound.receiver import Receiver

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_an_admin_adds_a_json_webhook_tests_it_and_turns_it_off(
    page, transactional_db, alice_admin, receiver, settings
):
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/")
    page.get_by_role("link", name="Notifications to chat and webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments notifications")
    expect(page.get_by_text("No destinations yet.")).to_be_visible()

    form = page.get_by_role("form", name="Add a destination")
    form.get_by_label("Name").fill("Pager bridge")
    form.get_by_label("Kind").select_option(label="JSON webhook, signed")
    form.get_by_label("Webhook URL").fill("ftp://example.org/hook")
    form.get_by_role("button", name="Add destination").click()
    # Refused, with what was typed still there.
    expect(page.get_by_text("Enter an http:// or https:// URL.")).to_be_visible()
    expect(form.get_by_label("Name")).to_have_value("Pager bridge")

    # The cloud's metadata service is no place to send to: the server refuses it.
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    form.get_by_label("Webhook URL").fill("http://169.254.169.254/latest/meta-data/")
    form.get_by_role("button", name="Add destination").click()
    expect(
        page.get_by_text("Enter a public address: 169.254.169.254 is a link-local address.")
    ).to_be_visible()
    assert not Destination.objects.exists()

    # The receiver listens on this machine, like a chat server in the intranet, which the
    # operator allows.
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    form.get_by_label("Webhook URL").fill(receiver.url)
    form.get_by_label("Follow-up overdue").uncheck()
    form.get_by_role("button", name="Add destination").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Signing secret of Pager bridge")
    secret = page.get_by_label("Secret").input_value()
    destination = Destination.objects.get()
    assert secret == destination.secret
    assert "followup.overdue" not in destination.events

    page.get_by_role("link", name="Go to Pager bridge's delivery log").click()
    expect(page.get_by_text("Nothing sent yet.")).to_be_visible()
    page.get_by_role("button", name="Send a test message").click()

    expect(page.get_by_role("status")).to_have_text("Test message delivered.")
    attempt = page.get_by_role("row").filter(has_text="HTTP 200")
    expect(attempt).to_have_count(1)
    expect(attempt.get_by_role("cell").first).to_have_text("1")
    [received] = receiver.wait_for(1)
    assert received.json["event"] == "test"
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Debrief-Signature"] == f"sha256={expected}"

    page.get_by_role("link", name="Edit").click()
    edit = page.get_by_role("form", name="Edit Pager bridge")
    edit.get_by_label("Enabled").uncheck()
    edit.get_by_role("button", name="Save destination").click()
    expect(page.get_by_role("status")).to_have_text("Destination “Pager bridge” saved.")
    expect(page.get_by_role("row").filter(has_text="Pager bridge")).to_contain_text("Turned off")
