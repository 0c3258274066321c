"""Roles and private incidents in a real browser: an admin changes someone's role, and a
private incident stays out of another member's list."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Profile, Role
from incidents.models import Incident

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_an_admin_changes_a_role_on_the_people_page(page, dave, alice):
    log_in(page, "dave", "dave-password")
    page.get_by_role("link", name="People").click()
    row = page.locator(f"#person-{alice.pk}")
    row.get_by_label("Role of alice").select_option(label="Viewer")
    row.get_by_role("button", name="Save role").click()
    expect(page.get_by_text("alice is now Viewer.")).to_be_visible()
    expect(page.locator(f"#person-{alice.pk}")).to_contain_text("Viewer")
    assert Profile.objects.get(user=alice).role == Role.VIEWER


def test_a_private_incident_is_not_in_another_members_list(page, alice, bob, checkout):
    log_in(page, "alice", "alice-password")
    page.get_by_role("link", name="Declare incident").first.click()
    page.get_by_label("Title").fill("Leaked card numbers")
    page.get_by_role("radio", name=re.compile(r"^SEV1")).check()
    page.get_by_label("Services").select_option(label="Checkout")
    page.get_by_label("Private (for example a security incident)").check()
    page.get_by_role("button", name="Declare incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leaked card numbers")
    expect(page.locator(".badge.private")).to_have_text("Private")
    incident = Incident.objects.get()
    assert incident.is_private

    page.context.clear_cookies()
    log_in(page, "bob", "bob-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Incidents")
    expect(page.locator("main")).not_to_contain_text("Leaked card numbers")
    response = page.goto(f"/incidents/{incident.pk}/")
    assert response.status == 404
