"""An admin changes an incident's severity, then finds the change in the audit trail by
following the incident's history link."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_an_admin_finds_a_severity_change_in_the_incidents_history(page, dave, alice, checkout):
    incident = services.incident_declare(
        title="Card payments failing", severity=3, services=[checkout], reporter=alice
    )
    log_in(page, "dave", "dave-password")
    page.goto(f"/incidents/{incident.pk}/")

    page.get_by_label("Severity", exact=True).select_option(label="SEV1")
    page.get_by_role("button", name="Change severity").click()
    expect(page.locator(".events")).to_contain_text("SEV1")

    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(rf"/audit/\?incident=INC-{incident.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")

    page.get_by_label("Action").select_option(label="Changed")
    change = page.locator(".audit-entry").filter(has_text="Severity")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("dave")
    expect(change).to_contain_text("SEV3 → SEV1")
    expect(page).to_have_url(re.compile(r"action=changed"))
