"""Writing a postmortem in the browser: the coach speaks up as you type, autosave says so."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def incident(transactional_db, alice, checkout):
    ensure_builtin_rows()
    return services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )


def test_start_write_see_the_coach_and_autosave_then_reload(page, incident):
    log_in(page, "alice", "alice-password")
    page.goto(incident.get_absolute_url())
    page.get_by_label("Template").select_option(label="Standard postmortem")
    page.get_by_role("button", name="Start the postmortem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments failing")

    page.get_by_role("link", name="Summary").first.click()
    # htmx binds its triggers once the page has loaded; typing before that would go unheard.
    page.wait_for_url("**/sections/summary/")
    page.wait_for_load_state("load")
    editor = page.get_by_role("textbox", name=re.compile(r"^Summary"))
    editor.fill("The on-call engineer should have noticed the queue growing.")

    coach = page.locator(".coach")
    expect(coach).to_contain_text("should have")
    expect(coach.locator(".flag")).to_have_count(1)
    expect(page.locator(".save-state")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    expect(page.locator(".preview")).to_contain_text("the queue growing")

    page.reload()
    expect(editor).to_have_value(re.compile(r"should have noticed the queue growing"))
    expect(coach).to_contain_text("should have")


def test_a_save_that_does_not_reach_the_server_is_retried(page, incident, alice):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    failures = []

    def drop_the_first_save(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    log_in(page, "alice", "alice-password")
    page.goto(f"/postmortems/{postmortem.pk}/sections/summary/")
    page.wait_for_load_state("load")
    page.route(re.compile(r"/sections/summary/$"), drop_the_first_save)
    page.get_by_role("textbox", name=re.compile(r"^Summary")).fill("Written on a train.")

    state = page.locator(".save-state")
    expect(state).to_have_text(re.compile("Not saved — retrying"))
    expect(state).to_have_text(re.compile(r"Saved at \d\d:\d\d"), timeout=10_000)
    assert failures
    assert postmortem.contents.get(section__key="summary").body == "Written on a train."
