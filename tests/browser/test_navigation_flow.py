"""Finding one's way: the home page, the header's search and the keyboard shortcuts, in a
real browser. The on-call flow is driven by keyboard alone, as someone who cannot or would
rather not use a mouse does it."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident

from .conftest import log_in

pytestmark = pytest.mark.browser


def log_in_by_keyboard(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.keyboard.press("Tab")  # the skip link
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_drives_the_on_call_flow_by_keyboard_alone(page, alice, checkout):
    """Open the declare form, declare, add a note, mark restored: no clicks."""
    log_in_by_keyboard(page, "alice", "alice-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs you now")

    # d opens the declare form, whose title field has the focus.
    page.keyboard.press("d")
    expect(page.get_by_role("heading", level=1)).to_have_text("Declare an incident")
    expect(page.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Card payments failing")
    page.keyboard.press("Tab")  # the severity radios, on the checked SEV3
    page.keyboard.press("ArrowUp")  # SEV2
    page.keyboard.press("Tab")  # the services
    expect(page.get_by_label("Services")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first service, Checkout
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments failing")
    incident = Incident.objects.get()
    assert incident.severity == 2
    assert [service.slug for service in incident.services.all()] == ["checkout"]

    # n writes a timeline note; Ctrl+Enter adds it, swapped in by htmx.
    page.keyboard.press("n")
    expect(page.get_by_label("Note", exact=True)).to_be_focused()
    page.keyboard.type("Rolled back the payment gateway config")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".announcement")).to_have_text("Note added to the timeline.")
    expect(page.locator(".events")).to_contain_text("Rolled back the payment gateway config")

    # Escape leaves the note field, which htmx kept focused for another note; r goes to the
    # restore control: say how, then Enter.
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.get_by_label("How it was restored")).to_be_focused()
    page.keyboard.type("Config rolled back")
    page.keyboard.press("Enter")
    expect(page.locator(".announcement")).to_contain_text("Service restored at")
    expect(page.locator(".timeline-strip .marker-restored")).to_have_count(1)

    incident.refresh_from_db()
    assert incident.restored_at is not None
    assert incident.events.filter(body="Rolled back the payment gateway config").exists()
    assert incident.events.filter(kind="restored", body="Config rolled back").exists()


def test_question_mark_shows_the_shortcuts_and_escape_closes_them(page, alice):
    log_in(page, "alice", "alice-password")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Declare an incident")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_shortcuts_are_ignored_while_typing(page, alice):
    log_in(page, "alice", "alice-password")
    page.keyboard.press("/")
    search = page.get_by_label("Search incidents, postmortems and follow-ups")
    expect(search).to_be_focused()
    page.keyboard.type("dn?")
    expect(search).to_have_value("dn?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/incidents/$"))


def test_slash_searches_with_live_results(page, alice, checkout):
    services.incident_declare(
        title="Database connection storm", severity=2, services=[checkout], reporter=alice
    )
    log_in(page, "alice", "alice-password")
    page.keyboard.press("/")
    page.keyboard.type("connection storm")
    results = page.locator("#global-search-results")
    expect(
        results.get_by_role("link", name=re.compile("Database connection storm"))
    ).to_be_visible()
    # Enter opens the full results page.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=connection\+storm$"))
    expect(page.locator(".search-hit")).to_contain_text("Database connection storm")


def test_escape_closes_the_live_results(page, alice, checkout):
    services.incident_declare(
        title="Database connection storm", severity=2, services=[checkout], reporter=alice
    )
    log_in(page, "alice", "alice-password")
    page.keyboard.press("/")
    page.keyboard.type("storm")
    results = page.locator("#global-search-results")
    expect(results.get_by_role("link")).not_to_have_count(0)
    page.keyboard.press("Escape")
    expect(results).to_be_empty()


def test_home_shows_what_needs_me(page, alice, bob, checkout, search):
    services.incident_declare(
        title="Checkout is down", severity=1, services=[checkout], reporter=alice
    )
    services.incident_declare(title="Search is slow", severity=3, services=[search], reporter=bob)
    log_in(page, "alice", "alice-password")
    page.get_by_role("link", name="Debrief").click()
    incidents = page.get_by_role("region", name=re.compile("^Open incidents"))
    expect(incidents.get_by_role("listitem")).to_have_count(2)
    expect(incidents.get_by_role("listitem").first).to_contain_text("Checkout is down")
    expect(incidents.get_by_role("listitem").first).to_contain_text("Yours")
    expect(incidents.locator("time").first).to_have_attribute(
        "title", re.compile(r"\d{4} \d\d:\d\d")
    )
    followups = page.get_by_role("region", name=re.compile("^Your follow-ups"))
    expect(followups).to_contain_text("Nothing overdue.")
    incidents.get_by_role("link", name=re.compile("Checkout is down")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout is down")


def test_the_browser_time_zone_is_remembered(page, alice):
    log_in(page, "alice", "alice-password")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies.get("tz")
