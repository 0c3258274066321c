"""The learning pages and the metrics export take as many queries for a year of history as
for a week of it: a page's cost must not grow with the data (docs/metrics.md)."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Team
from learning.models import WeeklyFigures
from learning.signals import rebuilt_after
from tests.learning.metrics_builders import FAILED, ROLLED_BACK, SUCCEEDED, at, deploy, incident

TODAY = date(2026, 3, 28)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("learning.views.timezone.localdate", lambda *args, **kwargs: TODAY)


def _history(service, days: int) -> None:
    """`days` days up to TODAY of deployments (some failing, some redeploying a commit) and
    incidents (some caused by a deployment, some drills), every day a little different. The
    stored figures are forgotten once, after the last row, as a backup import does."""
    with rebuilt_after():
        _write_history(service, days)


def _write_history(service, days: int) -> None:
    outcomes = [SUCCEEDED, SUCCEEDED, FAILED, SUCCEEDED, ROLLED_BACK]
    for back in range(days):
        day = TODAY - timedelta(days=back)
        deployment = deploy(
            service,
            at(day, 10),
            outcome=outcomes[back % len(outcomes)],
            # Every other day redeploys the day before's commit.
            commits={f"{service.slug}-{back // 2}": at(day, 8), f"{service.slug}-x{back}": None},
            first_commit_at=at(day, 7),
        )
        if back % 3 == 0:
            incident(
                service,
                at(day, 11),
                restored=at(day, 12, back % 50),
                caused_by=deployment if back % 2 else None,
                is_drill=back % 9 == 0,
            )


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def _counts_at_two_sizes(client, url, params, checkout, search) -> list[tuple[int, int]]:
    """(first view, next view) query counts with a week of history, then with a year."""
    counts = []
    for days in (7, 365):
        _history(checkout, days)
        _history(search, days)
        for number in range(days // 30):
            Team.objects.create(name=f"Team {days} {number}", slug=f"team-{days}-{number}")
        first = _queries(client, url, params)
        counts.append((first, _queries(client, url, params)))
    return counts


@pytest.mark.parametrize(
    ("url_name", "args", "params"),
    [
        ("learning:team", ["payments"], {}),
        ("learning:organisation", [], {}),
        ("learning:organisation", [], {"period": "last-90-days"}),
        ("learning:organisation", [], {"team": "payments", "service": "checkout"}),
        ("learning:export", [], {"series": "four-keys"}),
        ("learning:export", [], {"series": "four-keys-weekly", "team": "payments"}),
        ("learning:export", [], {"series": "team-trends"}),
    ],
)
def test_a_year_of_history_takes_the_queries_a_week_does(
    url_name, args, params, carol_client, checkout, search
):
    week, year = _counts_at_two_sizes(
        carol_client, reverse(url_name, args=args), params, checkout, search
    )

    assert week == year


def test_the_team_page_takes_few_queries(carol_client, checkout, search):
    url = reverse("learning:team", args=["payments"])
    (first, then), _ = _counts_at_two_sizes(carol_client, url, {}, checkout, search)

    # The sparklines' completed weeks are stored by the first view and read by the next.
    assert then < first <= 40


def test_completed_weeks_are_stored_once_for_the_sparklines(carol_client, checkout):
    _history(checkout, 100)

    carol_client.get(reverse("learning:team", args=["payments"]))

    stored = WeeklyFigures.objects.filter(scope=WeeklyFigures.Scope.TEAM)
    # Twelve weeks end on TODAY; the eleven before the current one are complete.
    assert stored.count() == 11
    assert max(stored.values_list("week_start", flat=True)) == TODAY - timedelta(days=13)


def test_cached_figures_are_refreshed_by_a_new_deployment(carol_client, checkout, settings):
    settings.LEARNING_CACHE_SECONDS = 60
    cache.clear()
    _history(checkout, 20)
    url = reverse("learning:export")
    params = {"series": "four-keys", "team": "payments"}
    before = carol_client.get(url, params).content.decode()

    assert _queries(carol_client, url, params) < 5  # the session, the viewer, the team
    deploy(checkout, at(TODAY, 15), first_commit_at=at(TODAY, 14))

    after = carol_client.get(url, params).content.decode()
    # Twelve successful deployments in the last 30 days, and now a thirteenth.
    assert "Deployment frequency,2.8,0.0,12," in before
    assert "Deployment frequency,3.033,0.0,13," in after
