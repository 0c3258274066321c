"""API tokens in the browser: a team admin creates one, copies its secret (shown this once),
a program uses it, and the admin revokes it; from then on the program is refused."""

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_create_use_and_revoke_a_token(page, transactional_db, alice_admin, checkout):
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    # htmx binds its forms once the page has loaded.
    page.wait_for_load_state("load")
    page.evaluate("window.loadedOnce = true")

    page.get_by_label("Name").fill("pagerduty-bridge")
    page.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_label("Secret of “pagerduty-bridge”")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("dbr_")
    tokens = page.locator("#tokens")
    row = tokens.get_by_role("row").filter(has_text="pagerduty-bridge")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Never")
    # Swapped in place by htmx, with the form empty again.
    assert page.evaluate("window.loadedOnce") is True
    expect(page.get_by_label("Name")).to_have_value("")

    authorised = {"Authorization": f"Bearer {secret}"}
    declared = page.request.post(
        "/api/incidents",
        data={"title": "Card payments failing", "severity": 2, "services": ["checkout"]},
        headers=authorised,
    )
    assert declared.status == 201, declared.text()
    assert declared.json()["reporter"] == "API token 'pagerduty-bridge'"
    assert Incident.objects.get().title == "Card payments failing"

    page.reload()
    expect(page.get_by_text(secret)).to_have_count(0)
    expect(page.get_by_label("Secret of “pagerduty-bridge”")).to_have_count(0)
    expect(row).not_to_contain_text("Never")
    page.wait_for_load_state("load")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke “pagerduty-bridge”").click()
    expect(tokens.get_by_role("status")).to_contain_text("Token “pagerduty-bridge” revoked")
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)

    refused = page.request.get("/api/incidents", headers=authorised)
    assert refused.status == 401
    assert refused.json() == {"detail": "This API token has been revoked."}

    page.goto(f"/incidents/{declared.json()['id']}/")
    expect(page.locator(".events")).to_contain_text("API token 'pagerduty-bridge'")


def test_the_api_docs_render_from_debrief_alone(page, transactional_db):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/api/docs")

    expect(page.get_by_role("heading", name="Debrief API")).to_be_visible()
    expect(page.get_by_text("/api/incidents/{incident_id}/events")).to_be_visible()
    base = page.evaluate("location.origin")
    assert requested and all(url.startswith(base) for url in requested), requested
