"""A team's own page shows its four keys week by week as sparklines, drawn by the learning
pages' sparkline from the same weekly figures, with the table of the numbers beside."""

from datetime import timedelta

from django.utils import timezone

from incidents.models import Deployment
from learning.sparklines import KEYS, four_key_sparklines


def test_four_sparklines_with_their_weekly_numbers(payments, checkout):
    now = timezone.now()
    for days_ago in (1, 2, 9):
        Deployment.objects.create(service=checkout, deployed_at=now - timedelta(days=days_ago))
    lines, weekly = four_key_sparklines(team=payments)
    assert [line.name for line in lines] == [name for name, _, _ in KEYS]
    frequency = lines[0]
    assert len(frequency.values) == 12 == len(weekly.rows)
    assert sum(value or 0 for value in frequency.values) == 3
    assert frequency.latest == 2
    assert str(frequency.svg).startswith('<svg class="chart sparkline" role="img"')
    assert 'aria-label="Payments: deployment frequency per week over the last 12 weeks"' in str(
        frequency.svg
    )


def test_a_key_without_data_says_so(alice_client, payments, alice):
    html = alice_client.get("/teams/payments/").text
    assert "The four keys, week by week" in html
    assert html.count('class="chart sparkline"') == 4
    assert "no data yet" in html
    assert "<summary>Table of the four keys per week</summary>" in html


def test_the_team_page_costs_the_same_queries_with_more_history(
    alice_client, payments, checkout, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            alice_client.get("/teams/payments/")
        return len(captured)

    Deployment.objects.create(service=checkout, deployed_at=timezone.now() - timedelta(days=3))
    few = queries()
    for days_ago in range(1, 60):
        Deployment.objects.create(
            service=checkout, deployed_at=timezone.now() - timedelta(days=days_ago, hours=1)
        )
    assert queries() <= few
