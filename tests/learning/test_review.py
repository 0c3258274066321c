"""The quarterly learning review: a printable page and its Markdown download, built from the
same data (learning.review.quarterly_review), in a fixed number of queries."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import Incident, Team
from learning.periods import Period
from learning.review import parse_quarter, quarterly_review, recent_quarters
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate
from tests.learning.metrics_builders import FAILED, at, deploy, incident

TODAY = date(2026, 3, 28)
DEMO_NOW = "2026-03-28T12:00:00+00:00"
# Fixed whatever the data size; on SQLite a median takes one more query when it has samples.
QUERY_BUDGET = 60


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("learning.views.timezone.localdate", lambda *args, **kwargs: TODAY)


def _publish_postmortems(count: int, author) -> list[Postmortem]:
    """Published postmortems, each with a contributing factor, for `count` of the demo
    incidents that started in 2026-Q1: the demo data has incidents but no postmortems."""
    quarter = Period.quarter(2026, 1)
    incidents = Incident.objects.filter(
        is_drill=False,
        postmortem__isnull=True,
        restored_at__isnull=False,
        started_at__gte=quarter.start_at,
        started_at__lt=datetime.fromisoformat("2026-03-20T00:00:00+00:00"),
    ).order_by("started_at")[:count]
    template = PostmortemTemplate.objects.get(slug="standard")
    category = FactorCategory.objects.order_by("position", "name").first()
    made = []
    for number, item in enumerate(incidents):
        postmortem = Postmortem.objects.create(
            incident=item,
            template=template,
            title=f"What we learned from {item.reference}",
            created_by=author,
            status=Postmortem.Status.PUBLISHED,
            published_at=item.restored_at + timedelta(days=2),
            coach_flags_at_publish=number % 3,
        )
        ContributingFactor.objects.create(
            postmortem=postmortem, category=category, description="Alert threshold too high"
        )
        made.append(postmortem)
    return made


@pytest.fixture
def demo(db, carol):
    call_command("seed_demo", "--now", DEMO_NOW, verbosity=0)
    _publish_postmortems(12, carol)


def _published_in_q1():
    quarter = Period.quarter(2026, 1)
    return list(
        Postmortem.objects.filter(
            status=Postmortem.Status.PUBLISHED,
            published_at__gte=quarter.start_at,
            published_at__lt=quarter.end_before,
            incident__is_drill=False,
        ).select_related("incident")
    )


def _activity(service, count: int) -> None:
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


def test_quarters_parse_and_the_selector_offers_the_last_four():
    assert parse_quarter("2026-Q3") == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert [str(period) for period in recent_quarters(TODAY)] == [
        "2026-01-01 to 2026-03-31",
        "2025-10-01 to 2025-12-31",
        "2025-07-01 to 2025-09-30",
        "2025-04-01 to 2025-06-30",
    ]


def test_review_page_renders_the_organisation_quarter_with_the_demo_data(carol_client, demo):
    published = _published_in_q1()
    assert published, "the demo data publishes postmortems in 2026-Q1"

    response = carol_client.get(reverse("learning:review"), {"quarter": "2026-Q1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Quarterly learning review: Organisation, 2026-Q1" in html
    assert "compared with 2025-Q4" in html
    for heading in (
        "Deployment frequency",
        "Lead time for changes (90th percentile)",
        "Failed deployment recovery time (median)",
        "Incidents by severity",
        "Time to restore",
        "We have seen this before",
        "Contributing factors by category",
        "Follow-up completion",
        "Postmortem health",
        "Blameful wording left at publication, per month",
        "Published postmortems",
    ):
        assert heading in html
    for postmortem in published:
        assert f'href="{postmortem.get_absolute_url()}"' in html
    # The controls are not printed; the quarter selector offers the last four quarters.
    assert 'class="filters no-print"' in html
    for name in ("2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2"):
        assert f'<option value="{name}"' in html
    assert reverse("learning:review-markdown") + "?quarter=2026-Q1" in html


def test_review_defaults_to_the_current_quarter(carol_client, demo):
    response = carol_client.get(reverse("learning:review"))

    assert response.status_code == 200
    assert "2026-01-01 to 2026-03-31" in response.content.decode()


def test_review_page_for_a_team_lists_only_its_postmortems(carol_client, demo):
    team = Team.objects.filter(incidents__postmortem__in=_published_in_q1()).first()
    others = [pm for pm in _published_in_q1() if pm.incident.team_id != team.pk]

    response = carol_client.get(
        reverse("learning:review"), {"quarter": "2026-Q1", "team": team.slug}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Quarterly learning review: {team.name}, 2026-Q1" in html
    review = quarterly_review(Period.quarter(2026, 1), team)
    assert review.postmortems
    for postmortem in review.postmortems:
        assert f'href="{postmortem.get_absolute_url()}"' in html
    for postmortem in others:
        assert f'href="{postmortem.get_absolute_url()}"' not in html
    assert f'<option value="{team.slug}" selected>' in html


def test_review_shows_the_quarter_figures(carol_client, checkout):
    _activity(checkout, 20)

    review = quarterly_review(Period.quarter(2026, 1))
    response = carol_client.get(reverse("learning:review"), {"quarter": "2026-Q1"})

    html = response.content.decode()
    assert review.keys.deployment_frequency.per_week.count == 16
    assert "n = 16" in html
    severity = dict(review.severity.rows)
    assert sum(severity.values()) == 7
    assert "1 h 30 min" in html  # every restore took an hour and a half


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026Q1", "last", "1999-Q1"])
def test_an_invalid_quarter_is_a_bad_request(carol_client, quarter):
    for name in ("learning:review", "learning:review-markdown"):
        response = carol_client.get(reverse(name), {"quarter": quarter})
        assert response.status_code == 400
        assert "2026-Q3" in response.content.decode()


def test_an_unknown_team_is_a_bad_request(carol_client):
    response = carol_client.get(reverse("learning:review"), {"team": "nobody"})

    assert response.status_code == 400


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert client.get(reverse("learning:review")).status_code == 302
    assert client.get(reverse("learning:review-markdown")).status_code == 302


@pytest.mark.parametrize("url_name", ["learning:review", "learning:review-markdown"])
def test_review_takes_a_fixed_number_of_queries(
    url_name, carol, carol_client, checkout, django_assert_max_num_queries
):
    _activity(checkout, 5)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert carol_client.get(reverse(url_name), {"quarter": "2026-Q1"}).status_code == 200

    # Thousands of deployments and dozens of incidents and postmortems instead.
    call_command("seed_demo", "--now", DEMO_NOW, "--force", verbosity=0)
    _publish_postmortems(15, carol)
    assert len(_published_in_q1()) == 15
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert carol_client.get(reverse(url_name), {"quarter": "2026-Q1"}).status_code == 200


def test_markdown_download_has_the_headings_and_figures(carol_client, demo):
    team = Team.objects.filter(incidents__postmortem__in=_published_in_q1()).first()
    review = quarterly_review(Period.quarter(2026, 1), team)

    response = carol_client.get(
        reverse("learning:review-markdown"), {"quarter": "2026-Q1", "team": team.slug}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="learning-review-{team.slug}-2026-Q1.md"'
    )
    assert text.startswith(f"# Quarterly learning review: {team.name}, 2026-Q1\n")
    for heading in (
        "## The four keys",
        "## Incidents by severity",
        "## Time to restore",
        "## We have seen this before",
        "## Contributing factors by category",
        "## Follow-up completion",
        "## Postmortem health",
        "## Blameful wording left at publication, per month",
        "## Published postmortems",
    ):
        assert f"\n{heading}\n" in text
    frequency = review.keys.deployment_frequency.per_week
    assert f"| Deployment frequency | {frequency.value:.1f} deployments per week |" in text
    assert f"| {frequency.count} |" in text
    for postmortem in review.postmortems:
        assert f"[{postmortem.title}](http://testserver{postmortem.get_absolute_url()})" in text
    severity_rows = [f"| {name} | {count} |" for name, count in review.severity.rows]
    for row in severity_rows:
        assert row in text


def test_organisation_page_links_to_the_review(carol_client):
    html = carol_client.get(reverse("learning:organisation")).content.decode()

    assert reverse("learning:review") in html
    assert reverse("learning:review-markdown") in html


def test_incidents_are_counted_by_severity(carol_client, checkout):
    incident(checkout, at(date(2026, 2, 1), 9), restored=at(date(2026, 2, 1), 10))
    incident(checkout, at(date(2025, 12, 1), 9))  # the previous quarter

    review = quarterly_review(Period.quarter(2026, 1))

    assert sum(count for _, count in review.severity.rows) == 1
    assert Incident.objects.count() == 2
