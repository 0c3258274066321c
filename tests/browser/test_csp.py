"""The Content Security Policy in a real browser: the main pages and their htmx actions work
with it enforced, and nothing on them is blocked (which would show only as a console message
and a page that quietly does less)."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident
from tests.builtins import ensure_builtin_rows

from .conftest import log_in

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def violations(page):
    """What the policy blocked on any page this test opens: the console's messages and the
    securitypolicyviolation events."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.expose_function("reportViolation", lambda text: found.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    return found


def test_the_main_pages_and_their_htmx_actions_work_under_the_policy(
    page, violations, transactional_db, alice, checkout, search
):
    ensure_builtin_rows()
    services.incident_declare(
        title="Search index stale", severity=3, services=[search], reporter=alice
    )
    log_in(page, "alice", "alice-password")

    # The list filters through htmx as you type.
    page.get_by_label("Title").fill("stale")
    expect(page).to_have_url(re.compile(r"q=stale"))
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Declare incident").first.click()
    page.get_by_label("Title").fill("Card payments failing")
    page.get_by_role("radio", name=re.compile(r"^SEV2")).check()
    page.get_by_label("Services").select_option(label="Checkout")
    page.get_by_role("button", name="Declare incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments failing")

    page.evaluate("window.loadedOnce = true")
    page.get_by_label("Note", exact=True).fill("Rolled back the gateway config")
    page.get_by_role("button", name="Add to timeline").click()
    expect(page.locator(".announcement")).to_have_text("Note added to the timeline.")
    expect(page.locator(".events")).to_contain_text("Rolled back the gateway config")
    assert page.evaluate("window.loadedOnce") is True

    page.get_by_label("Template").select_option(label="Standard postmortem")
    page.get_by_role("button", name="Start the postmortem").click()
    page.wait_for_url(re.compile(r"/postmortems/\d+/$"))
    page.get_by_role("link", name="Summary").first.click()
    page.wait_for_url("**/sections/summary/")
    page.wait_for_load_state("load")
    page.get_by_role("textbox", name=re.compile(r"^Summary")).fill("The queue grew unseen.")
    expect(page.locator(".save-state")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))

    for path, heading in [
        ("/learning/", "How are we doing?"),
        ("/follow-ups/", "Follow-ups"),
        ("/settings/", "Settings"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        # The pulse count in the header loads through htmx on every page.
        page.wait_for_load_state("networkidle")

    assert violations == []
    incident = Incident.objects.get(title="Card payments failing")
    assert incident.events.filter(body="Rolled back the gateway config").exists()


def test_a_script_slipped_into_a_page_does_not_run(page, violations, alice):
    log_in(page, "alice", "alice-password")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )

    # The violation event is dispatched asynchronously.
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected === true") is False
    assert any("script-src" in violation for violation in violations), violations


def test_the_api_docs_render_with_scripts_still_only_from_debrief(
    page, violations, transactional_db
):
    response = page.goto("/api/docs")

    expect(page.get_by_role("heading", name="Debrief API")).to_be_visible()
    expect(page.get_by_text("/api/incidents/{incident_id}/events")).to_be_visible()
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert violations == []
