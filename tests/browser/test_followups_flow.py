"""Follow-ups in the browser: added in the postmortem editor, then found on the team's board
and marked done there."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups.models import ActionItem
from incidents import services
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def postmortem(transactional_db, alice, checkout):
    ensure_builtin_rows()
    incident = services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    return postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )


def test_add_a_follow_up_in_the_postmortem_and_finish_it_on_the_board(page, postmortem):
    due = timezone.localdate() + timedelta(days=14)
    log_in(page, "alice", "alice-password")
    page.goto(f"/postmortems/{postmortem.pk}/sections/follow-ups/")
    # htmx binds its forms once the page has loaded.
    page.wait_for_load_state("load")
    followups = page.locator("#followups")
    expect(followups).to_contain_text("No follow-ups yet.")

    form = followups.get_by_role("form", name="Add a follow-up")
    form.get_by_label("Title").fill("Alert on queue depth")
    form.get_by_label("Kind").select_option(label="Detect")
    form.get_by_label("Owner").select_option(label="Alice")
    form.get_by_label("Due date").fill(due.isoformat())
    form.get_by_role("button", name="Add follow-up").click()

    expect(followups.get_by_role("status")).to_have_text("Follow-up “Alert on queue depth” added.")
    item = followups.get_by_role("listitem").filter(has_text="Alert on queue depth")
    expect(item).to_contain_text("owner Alice")
    expect(item).to_contain_text(f"due {due.day} {due:%b %Y}")
    # Swapped in place: the section's own editor is still there, and the form is empty again.
    expect(page.locator("#section-form")).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value("")

    page.get_by_role("link", name="Follow-ups", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-ups")
    expect(page.get_by_role("row").filter(has_text="Alert on queue depth")).to_have_count(1)
    page.goto("/teams/payments/follow-ups/")
    page.wait_for_load_state("load")
    row = page.get_by_role("row").filter(has_text="Alert on queue depth")
    expect(row).to_contain_text("Open")
    row.get_by_role("checkbox", name="Choose “Alert on queue depth”").check()
    page.get_by_label("Change status to").select_option(label="Done")
    page.get_by_role("button", name="Change status").click()

    results = page.locator("#followup-results")
    expect(results.get_by_role("status")).to_have_text("1 follow-up now Done.")
    # The board shows what is still to do; the done item is one filter away.
    expect(row).to_have_count(0)
    page.get_by_label("Status", exact=True).select_option(label="Done")
    expect(page).to_have_url(re.compile(r"status=done"))
    expect(row).to_contain_text("Done")

    row.get_by_role("link", name="Alert on queue depth").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert on queue depth")
    expect(page.locator(".followup-history")).to_contain_text(
        "Alice changed the status from Open to Done"
    )
    assert ActionItem.objects.get().status == "done"
