"""Writing a postmortem in the browser: the coach speaks up as you type, autosave says so."""

import re

import pytest
from django.contrib.sessions.models import Session
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


def test_a_save_after_the_session_ended_keeps_the_text_and_says_why(page, incident, alice):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    log_in(page, "alice", "alice-password")
    page.goto(f"/postmortems/{postmortem.pk}/sections/summary/")
    # Until the page's own requests (the navigation's pulse count) are done: SQLite's test
    # database refuses a delete of the sessions while the live server reads one.
    page.wait_for_load_state("networkidle")
    Session.objects.all().delete()
    editor = page.get_by_role("textbox", name=re.compile(r"^Summary"))
    editor.fill("Typed while the session ended.")

    state = page.locator(".save-state")
    expect(state).to_contain_text("You are signed out. Sign in in another tab")
    expect(page).to_have_url(re.compile(r"/sections/summary/$"))
    expect(editor).to_have_value("Typed while the session ended.")
    # No retries against a refusal: the message stays until the writer acts.
    page.wait_for_timeout(3500)
    expect(state).to_contain_text("You are signed out")

    # Signing in again in another tab, then pressing Save, saves the text.
    other_tab = page.context.new_page()
    log_in(other_tab, "alice", "alice-password")
    other_tab.close()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(state).to_have_text(re.compile(r"Saved at \d\d:\d\d"))
    assert postmortem.contents.get(section__key="summary").body == "Typed while the session ended."


def test_leaving_with_unsaved_text_asks_first(page, incident, alice):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    log_in(page, "alice", "alice-password")
    page.goto(f"/postmortems/{postmortem.pk}/sections/summary/")
    page.wait_for_load_state("load")
    page.route(
        re.compile(r"/sections/summary/$"), lambda route: route.abort("internetdisconnected")
    )
    page.get_by_role("textbox", name=re.compile(r"^Summary")).fill("Not saved yet.")
    expect(page.locator(".save-state")).to_contain_text("retrying")

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
