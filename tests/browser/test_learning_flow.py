"""A team's learning page in the browser: the four keys with their charts, another period
swapped in by htmx, and a series downloaded as CSV."""

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.learning.metrics_builders import at, deploy, incident

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def deliveries(transactional_db, alice, checkout):
    """A successful deployment a day on each of the last 40 days before today, and an
    incident restored after an hour every tenth day."""
    today = timezone.localdate()
    for back in range(1, 41):
        day = today - timedelta(days=back)
        deploy(checkout, at(day, 12), first_commit_at=at(day, 9))
        if back % 10 == 0:
            incident(checkout, at(day, 13), restored=at(day, 14))


def test_see_the_four_keys_change_the_period_and_download_a_series(page, deliveries):
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/")
    page.get_by_role("link", name="How is Payments doing?").click()
    page.wait_for_load_state("load")

    expect(page.get_by_role("heading", level=1)).to_have_text("How is Payments doing?")
    figures = page.locator(".key-figure")
    # The four keys, rework rate, and failed deployment recovery time (which has no sparkline).
    expect(figures).to_have_count(6)
    expect(figures.filter(has_text="Failed deployment recovery time")).to_contain_text("n = ")
    frequency = figures.filter(has_text="Deployment frequency")
    expect(frequency).to_contain_text("6.8 deployments per week")
    expect(frequency).to_contain_text("n = 29")
    expect(figures.filter(has_text="Lead time for changes")).to_contain_text("3 h")
    expect(page.locator(".key-figure svg[role=img]")).to_have_count(5)

    page.get_by_label("Period").select_option(label="Last 90 days")

    expect(frequency).to_contain_text("n = 40")
    expect(page).to_have_url(re.compile(r"/teams/payments/learning/\?period=last-90-days$"))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the four keys per week (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("four-keys-weekly-payments-")
    with open(download.path(), encoding="utf-8", newline="") as csv_file:
        header = next(csv.reader(csv_file))
    assert header[:4] == [
        "Week start",
        "Week end",
        "Deployments",
        "Lead time for changes (median, hours)",
    ]
