"""The on-call flow in a real browser: declare, keep the timeline, record the restore."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_declare_add_a_note_mark_restored_and_see_time_to_restore(page, alice, checkout):
    log_in(page, "alice", "alice-password")

    page.get_by_role("link", name="Declare incident").first.click()
    page.get_by_label("Title").fill("Card payments failing")
    page.get_by_role("radio", name=re.compile(r"^SEV2")).check()
    page.get_by_label("Services").select_option(label="Checkout")
    page.get_by_role("button", name="Declare incident").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments failing")
    incident = Incident.objects.get()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))

    # From here on, changes are swapped in by htmx: the page itself is never reloaded.
    page.evaluate("window.loadedOnce = true")

    page.get_by_label("Note", exact=True).fill("Rolled back the payment gateway config")
    page.get_by_role("button", name="Add to timeline").click()
    expect(page.locator(".announcement")).to_have_text("Note added to the timeline.")
    expect(page.locator(".events")).to_contain_text("Rolled back the payment gateway config")

    page.get_by_role("button", name="Mark service restored").click()
    expect(page.locator(".announcement")).to_contain_text("Service restored at")
    expect(page.locator("#time-to-restore")).to_have_text(
        re.compile(r"Time to restore: \d+ (s|min)")
    )
    expect(page.locator(".events")).to_contain_text("Service restored")

    assert page.evaluate("window.loadedOnce") is True
    incident.refresh_from_db()
    assert incident.restored_at is not None
    assert incident.events.filter(body="Rolled back the payment gateway config").exists()


def test_a_change_refused_on_a_stale_page_is_explained_there(page, alice, checkout):
    incident = services.incident_declare(
        title="Queue backlog", severity=3, services=[checkout], reporter=alice
    )
    log_in(page, "alice", "alice-password")
    page.goto(f"/incidents/{incident.pk}/")
    # Meanwhile, someone else resolves it.
    services.incident_change_status(incident=incident, status="resolved", by=alice)

    page.get_by_label("Status", exact=True).select_option(label="Identified")
    page.get_by_role("button", name="Change status").click()

    expect(page.locator("#status_status_error")).to_contain_text("Reopen it explicitly")
    expect(page.get_by_role("button", name="Reopen incident")).to_be_visible()
