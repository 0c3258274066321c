"""The bin in the browser: a member moves an incident to the bin, confirming in htmx's
dialog, and it leaves the list; an organisation admin restores it from /bin/."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from accounts.models import Profile, Role
from incidents import services

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def incident(transactional_db, alice, checkout):
    return services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )


@pytest.fixture
def erin(transactional_db):
    user = User.objects.create_user("erin", "erin@example.org", "erin-password")
    Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
    return user


def test_a_member_bins_an_incident_and_an_admin_restores_it(
    page, chromium, live_server, incident, erin
):
    log_in(page, "alice", "alice-password")
    page.goto(f"/incidents/{incident.pk}/")
    # htmx binds its forms once the page has loaded.
    page.wait_for_load_state("load")
    confirmations = []

    def accept(dialog):
        confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="Move to bin").click()

    page.wait_for_url("**/incidents/")
    expect(page.get_by_role("status").first).to_contain_text("is in the bin")
    expect(page.get_by_role("row").filter(has_text="Card payments failing")).to_have_count(0)
    expect(page.locator("#incident-results")).to_contain_text("0 incidents")
    assert confirmations == ["Move this incident to the bin? An organisation admin can restore it."]

    admin = chromium.new_context(base_url=live_server.url, locale="en-GB")
    admin.set_default_timeout(10_000)
    try:
        bin_page = admin.new_page()
        log_in(bin_page, "erin", "erin-password")
        bin_page.goto("/bin/")
        row = bin_page.get_by_role("row").filter(has_text="Card payments failing")
        expect(row).to_contain_text("Alice")
        row.get_by_role("button", name="Restore").click()

        bin_page.wait_for_url(f"**/incidents/{incident.pk}/")
        expect(bin_page.get_by_role("heading", level=1)).to_have_text("Card payments failing")
        bin_page.goto("/incidents/")
        rows = bin_page.get_by_role("row").filter(has_text="Card payments failing")
        expect(rows).to_have_count(1)
    finally:
        admin.close()
