"""Accessibility in a real browser: axe-core checks every main page at desktop and phone widths,
in the light and the dark theme, and any violation of serious or critical impact fails. One
signed-in page visits them all, changing its width and theme between checks.

axe-core comes from the npm registry, pinned in package-lock.json (`make test` runs `npm ci`);
it is never served by Debrief. Its source is evaluated in the page rather than added as a
<script>: an inline script would be blocked by the Content Security Policy, which these pages
keep enforcing while axe runs."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups import services as followup_services
from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows
from tests.postmortems.test_publish import write_everything
from tests.services import require

from .conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: node.failureSummary,
    })),
  }));
}"""


@pytest.fixture
def pages(transactional_db, alice, checkout, search):
    """Every main page, with the objects that fill it: an open incident with a draft
    postmortem and a follow-up, and a resolved one whose postmortem is published."""
    ensure_builtin_rows()
    standard = PostmortemTemplate.objects.get(slug="standard")
    now = timezone.now()

    earlier = incident_services.incident_declare(
        title="Checkout timeouts",
        severity=1,
        services=[checkout],
        reporter=alice,
        started_at=now - timedelta(days=3),
    )
    incident_services.incident_mark_restored(
        incident=earlier, restored_at=now - timedelta(days=3) + timedelta(hours=2), by=alice
    )
    published = postmortem_services.postmortem_start(incident=earlier, template=standard, by=alice)
    write_everything(published, alice)
    postmortem_services.postmortem_publish(postmortem=published, by=alice)

    live = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=live, body="Rolled back the gateway", by=alice)
    draft = postmortem_services.postmortem_start(incident=live, template=standard, by=alice)
    followup_services.item_create(
        incident=live,
        title="Alert on gateway latency",
        by=alice,
        owner=alice,
        due_date=timezone.localdate() + timedelta(days=7),
        postmortem=draft,
    )
    incident_services.incident_declare(
        title="Search index stale", severity=3, services=[search], reporter=alice
    )

    return {
        "home": "/",
        "incident list": "/incidents/",
        "incident": live.get_absolute_url(),
        "declare": "/incidents/declare/",
        "postmortem overview": f"/postmortems/{draft.pk}/",
        "postmortem editor": f"/postmortems/{draft.pk}/sections/summary/",
        "published postmortem": f"/postmortems/{published.pk}/",
        "follow-ups board": "/follow-ups/",
        "team learning": "/teams/payments/learning/",
        "organisation learning": "/learning/",
        "search": "/search/?q=gateway",
        "settings": "/settings/",
    }


def describe(page_name: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        lines.append(f"{page_name}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return lines


# Each page is loaded once per width and checked in both themes: the theme is CSS alone
# (prefers-color-scheme, no script reads it), so switching it re-styles the loaded page.
SCHEMES = ["light", "dark"]
# Colours may ease between themes (Pico's transitions): axe must see them settled.
TRANSITIONS_ENDED = """() => Promise.allSettled(
  document.getAnimations()
    .filter((animation) => animation instanceof CSSTransition)
    .map((animation) => animation.finished)
).then(() => true)"""


def test_every_main_page_has_no_serious_accessibility_violations(chromium, live_server, pages):
    require(AXE.exists(), "axe-core (make dev-tools)")
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    axe_source = AXE.read_text()
    found = []
    try:
        log_in(page, "alice", "alice-password")
        for viewport, size in VIEWPORTS.items():
            # Before loading: the page's script labels scrolling tables for the width it has.
            page.set_viewport_size(size)
            for name, path in pages.items():
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.evaluate(axe_source + "\n;true")
                for scheme in SCHEMES:
                    page.emulate_media(color_scheme=scheme)
                    assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
                    page.evaluate(TRANSITIONS_ENDED)
                    violations = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
                    found.extend(describe(f"{name} ({viewport}, {scheme})", violations))
    finally:
        context.close()

    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)


def test_the_menu_folds_on_a_phone_and_opens_with_its_button(chromium, live_server, alice):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport=VIEWPORTS["phone"]
    )
    page = context.new_page()
    try:
        log_in(page, "alice", "alice-password")
        menu = page.get_by_role("button", name="Menu")
        follow_ups = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Follow-ups"
        )
        assert menu.get_attribute("aria-expanded") == "false"
        assert not follow_ups.is_visible()

        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        follow_ups.click()
        page.wait_for_url("**/follow-ups/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_paging_with_the_keyboard_keeps_the_focus_in_the_results(page, settings, alice, checkout):
    settings.INCIDENTS_PER_PAGE = 2
    for n in range(3):
        incident_services.incident_declare(
            title=f"Blip {n}",
            severity=4,
            services=[checkout],
            reporter=alice,
            started_at=timezone.now() - timedelta(hours=3 - n),
        )
    log_in(page, "alice", "alice-password")

    page.get_by_role("link", name="Older →").focus()
    page.keyboard.press("Enter")

    results = page.locator("#incident-results")
    expect(results).to_contain_text("Page 2 of 2")
    expect(results).to_be_focused()
    page.keyboard.press("Tab")  # and onwards from there, not from the top of the page
    assert page.evaluate("document.activeElement.closest('#incident-results') !== null")
