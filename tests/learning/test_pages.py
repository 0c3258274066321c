"""The learning pages: a team's figures, the organisation's, the metric definitions and the
search, each a page without JavaScript and a fragment for htmx, in a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import Incident, Team
from tests.conftest import HTMX
from tests.learning.metrics_builders import FAILED, at, deploy, incident

TODAY = date(2026, 3, 28)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("learning.views.timezone.localdate", lambda *args, **kwargs: TODAY)


def _activity(service, count: int) -> None:
    """`count` days of deployments and incidents ending on TODAY."""
    for back in range(count):
        day = TODAY - timedelta(days=back)
        deployment = deploy(
            service,
            at(day, 10),
            outcome=FAILED if back % 5 == 0 else "succeeded",
            first_commit_at=at(day, 8),
        )
        if back % 3 == 0:
            incident(service, at(day, 11), restored=at(day, 12, 30), caused_by=deployment)


def test_team_page_shows_the_four_keys_with_their_samples(alice_client, payments, checkout):
    _activity(checkout, 20)

    response = alice_client.get(reverse("learning:team", args=["payments"]))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Deployment frequency", "Lead time for changes", "Change failure rate"):
        assert name in html
    assert "Time to restore" in html and "Rework rate" in html
    assert "n = 16" in html  # the successful deployments in the last 30 days
    assert "Previous period" in html
    assert 'role="img"' in html and "<table" in html
    assert reverse("followups:team-board", args=["payments"]) in html


def test_a_small_sample_says_so(alice_client, payments, checkout):
    _activity(checkout, 2)

    response = alice_client.get(reverse("learning:team", args=["payments"]))

    assert "a small sample" in response.content.decode()


def test_team_page_answers_htmx_with_the_results_only(alice_client, payments):
    response = alice_client.get(
        reverse("learning:team", args=["payments"]), {"period": "last-90-days"}, headers=HTMX
    )

    html = response.content.decode()
    assert 'id="learning-results"' in html
    assert "<html" not in html
    assert "2025-12-29 to 2026-03-28" in html
    assert "HX-Request" in response["Vary"]


def test_unknown_team_is_not_found(alice_client):
    assert alice_client.get(reverse("learning:team", args=["nobody"])).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, payments):
    response = client.get(reverse("learning:organisation"))
    assert response.status_code == 302


def test_organisation_page_shows_every_team_by_name_not_by_rank(carol_client, checkout, search):
    _activity(search, 10)
    _activity(checkout, 3)

    response = carol_client.get(reverse("learning:organisation"), {"period": "this-quarter"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Each team against its own previous period" in html
    # Name order, whatever the figures say.
    assert html.index("<h3>Payments</h3>") < html.index("<h3>Platform</h3>")
    assert "2026-01-01 to 2026-03-31" in html


def test_organisation_page_filters_by_team_and_service(carol_client, checkout, search):
    _activity(search, 10)

    response = carol_client.get(
        reverse("learning:organisation"), {"team": "payments", "service": "checkout"}
    )

    html = response.content.decode()
    assert "Checkout, 2026-02-27 to 2026-03-28" in html
    assert "<h3>Platform</h3>" not in html


@pytest.mark.parametrize("url_name", ["organisation", "team"])
def test_pages_take_a_fixed_number_of_queries(
    url_name, carol_client, checkout, search, django_assert_max_num_queries
):
    url = (
        reverse("learning:team", args=["payments"])
        if url_name == "team"
        else reverse("learning:organisation")
    )
    _activity(checkout, 5)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert carol_client.get(url).status_code == 200

    _activity(search, 120)
    for number in range(10):
        Team.objects.create(name=f"Team {number}", slug=f"team-{number}")
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert carol_client.get(url).status_code == 200


# A ceiling for both pages on every database; tests/learning/test_query_counts.py holds them
# to the same count for a week of history as for a year.
QUERY_BUDGET = 50


def test_pages_render_the_demo_data(carol_client):
    call_command("seed_demo", "--now", "2026-03-28T12:00:00+00:00", verbosity=0)
    team = Team.objects.filter(incidents__in=Incident.objects.all()).first()

    team_page = carol_client.get(reverse("learning:team", args=[team.slug]))
    organisation_page = carol_client.get(reverse("learning:organisation"))

    assert team_page.status_code == 200 and organisation_page.status_code == 200
    assert "n = 0" not in team_page.content.decode().split("Lead time for changes")[1][:400]
    assert "Deployment frequency" in organisation_page.content.decode()


def test_definitions_page_renders_the_metrics_document(alice_client):
    response = alice_client.get(reverse("learning:definitions"))

    assert response.status_code == 200
    assert "<h1" in response.content.decode()
    assert "Change failure rate" in response.content.decode()


def test_search_finds_incidents_and_pages_through_them(alice_client, checkout):
    for number in range(22):
        incident(checkout, at(TODAY - timedelta(days=number)))

    first = alice_client.get(reverse("learning:search"), {"q": "checkout"})
    second = alice_client.get(
        reverse("learning:search"), {"q": "checkout", "offset": 20}, headers=HTMX
    )

    assert first.content.decode().count('class="search-hit"') == 20
    assert "Next page" in first.content.decode()
    assert second.content.decode().count('class="search-hit"') == 2
    assert "Next page" not in second.content.decode()
    assert "<html" not in second.content.decode()


def test_search_filters_by_team(alice_client, checkout, search):
    incident(checkout, at(TODAY))
    incident(search, at(TODAY))

    response = alice_client.get(reverse("learning:search"), {"q": "checkout", "team": "platform"})

    assert response.content.decode().count('class="search-hit"') == 1


def test_team_page_shows_recovery_time_percentiles_and_blameful_wording(
    alice_client, payments, checkout
):
    _activity(checkout, 20)

    response = alice_client.get(reverse("learning:team", args=["payments"]))

    html = response.content.decode()
    recovery = html.split("<h3>Failed deployment recovery time</h3>")[1][:600]
    # Every incident is caused by a deployment and restored in an hour and a half.
    assert "1 h 30 min" in recovery and "n = 7" in recovery
    assert "Previous period: Not enough data" in recovery
    assert html.count("90th percentile:") == 2  # lead time and time to restore
    lead_time = html.split("<h3>Lead time for changes</h3>")[1][:400]
    assert "90th percentile: 2 h" in lead_time
    assert "Blameful wording left at publication, per month" in html
    assert 'aria-label="Average blameful-wording flags left at publication, per month"' in html
    assert '<th scope="col">Average coach flags at publication</th>' in html


def test_organisation_page_shows_the_new_figures(carol_client, checkout):
    _activity(checkout, 5)

    html = carol_client.get(reverse("learning:organisation")).content.decode()

    assert "<h3>Failed deployment recovery time</h3>" in html
    assert "90th percentile:" in html
    assert "Blameful wording left at publication, per month" in html
