"""Browser tests: Playwright drives Debian's Chromium against Django's live server."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import require

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test's thread, so Django refuses ORM
    calls there; the tests' own calls are safe (nothing else runs in that loop). Allowed for
    as long as Playwright runs, rather than for every test in the session."""
    name = "DJANGO_ALLOW_ASYNC_UNSAFE"
    previous = os.environ.get(name)
    os.environ[name] = "true"
    yield
    if previous is None:
        del os.environ[name]
    else:
        os.environ[name] = previous


@pytest.fixture(scope="session")
def chromium(orm_beside_playwright):
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # No network beyond this machine: keep Chromium from phoning home.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, request):
    # The browser's zone is the server's: pages follow the browser's zone (debrief/time_zones.py),
    # and tests type and read times in the server's.
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id=settings.TIME_ZONE
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def log_in(page, username: str, password: str) -> None:
    # Signing in lands on the home page; the tests start from the incident list.
    page.goto("/login/?next=/incidents/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/incidents/")
