"""Browser tests for the incident list, deployments, and the pages without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Deployment, TimelineEvent

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_the_list_filters_as_you_type_and_keeps_the_filter_in_the_address(
    page, alice, checkout, search
):
    for title, service in [("Checkout latency", checkout), ("Search index stale", search)]:
        services.incident_declare(title=title, severity=3, services=[service], reporter=alice)
    log_in(page, "alice", "alice-password")
    expect(page.locator("#incident-results tbody tr")).to_have_count(2)

    page.get_by_label("Title").fill("stale")
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)
    expect(page.locator("#incident-results")).to_have_count(1)  # replaced, not nested
    expect(page.locator("#incident-results")).to_contain_text("Search index stale")
    expect(page).to_have_url(re.compile(r"q=stale"))

    page.reload()  # the address alone reproduces the filtered list
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)


def test_choosing_a_team_offers_its_services_to_filter_by(page, alice, checkout, search):
    for title, service in [("Checkout latency", checkout), ("Search index stale", search)]:
        services.incident_declare(title=title, severity=3, services=[service], reporter=alice)
    log_in(page, "alice", "alice-password")
    page.evaluate("window.loadedOnce = true")
    service_filter = page.get_by_label("Service", exact=True)
    expect(service_filter.locator("option")).to_have_text(["Any service"])

    page.get_by_label("Team", exact=True).select_option(label="Platform")
    expect(service_filter.locator("option")).to_have_text(["Any service", "Search"])
    service_filter.select_option(label="Search")
    expect(page).to_have_url(re.compile(r"service=search"))
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)
    expect(page.locator("#incident-results")).to_contain_text("Search index stale")
    assert page.evaluate("window.loadedOnce") is True


def test_the_list_pages_in_place(page, settings, alice, checkout):
    settings.INCIDENTS_PER_PAGE = 2
    for n in range(3):
        services.incident_declare(
            title=f"Blip {n}",
            severity=4,
            services=[checkout],
            reporter=alice,
            started_at=timezone.now() - timedelta(hours=3 - n),
        )
    log_in(page, "alice", "alice-password")
    page.evaluate("window.loadedOnce = true")
    page.get_by_role("link", name="Older →").click()
    expect(page.locator("#incident-results")).to_contain_text("Page 2 of 2")
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"page=2"))
    assert page.evaluate("window.loadedOnce") is True


def test_record_a_deployment_and_see_it_on_the_service_page(page, alice, checkout):
    log_in(page, "alice", "alice-password")
    page.get_by_role("link", name="Record deployment").click()
    page.get_by_label("Service").select_option(label="Checkout")
    page.get_by_label("Version").fill("v2.14.0")
    committed = timezone.localtime() - timedelta(hours=5)
    page.get_by_label("Commits").fill(f"3f2c1ab9 {committed:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Record deployment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    row = page.locator("table.deployments tbody tr").first
    expect(row).to_contain_text("v2.14.0")
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text(re.compile(r"5 h|4 h 59 min"))
    assert Deployment.objects.get().commits.get().sha == "3f2c1ab9"


def test_the_on_call_flow_works_without_javascript(chromium, live_server, alice, checkout):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "alice", "alice-password")
        page.goto("/incidents/declare/")
        page.get_by_label("Title").fill("No-JS incident")
        page.get_by_role("radio", name=re.compile(r"^SEV3")).check()
        page.get_by_label("Services").select_option(label="Checkout")
        page.get_by_role("button", name="Declare incident").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("No-JS incident")

        page.get_by_label("Note", exact=True).fill("Written without JavaScript")
        page.get_by_role("button", name="Add to timeline").click()
        expect(page.locator(".messages")).to_contain_text("Note added to the timeline.")

        page.get_by_role("button", name="Mark service restored").click()
        expect(page.locator(".messages")).to_contain_text("Service restored at")
        expect(page.locator("#time-to-restore")).to_contain_text("Time to restore:")
    finally:
        context.close()
    assert TimelineEvent.objects.filter(body="Written without JavaScript").exists()


def test_typing_a_title_then_leaving_the_box_asks_once(page, alice, checkout, search):
    for title, service in [("Checkout latency", checkout), ("Search index stale", search)]:
        services.incident_declare(title=title, severity=3, services=[service], reporter=alice)
    log_in(page, "alice", "alice-password")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "q=" in request.url else None)

    page.get_by_label("Title").fill("stale")
    expect(page.locator("#incident-results tbody tr")).to_have_count(1)
    page.get_by_label("Title").press("Tab")  # "change" fires as the box loses focus
    page.wait_for_timeout(600)

    assert len(asked) == 1, asked


def test_filter_errors_show_beside_their_field(page, alice, checkout):
    log_in(page, "alice", "alice-password")
    page.evaluate("window.loadedOnce = true")
    page.get_by_label("Started from").fill("2026-03-02")
    page.get_by_label("Started until").fill("2026-03-01")
    expect(page.locator("#id_started_until_error")).to_have_text(
        "The end of the range is before its start."
    )
    page.get_by_label("Started until").fill("2026-03-03")
    expect(page.locator("#id_started_until_error")).to_have_text("")
    assert page.evaluate("window.loadedOnce") is True
