"""The quarterly trends against figures worked out by hand; the threshold that hides a group
too small to show without identifying people; and the quarter still open, which shows nothing
until no more answers can join it: on the pages, in the CSV and in the API."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from culture.models import Kind, Survey
from culture.selectors import culture_trend, learning_beside
from followups import services as followup_services
from followups.models import ActionItem
from incidents import services as incident_services

from .conftest import give, last_quarter, next_quarter_begins, quarter_before_last, this_quarter

# Five responses; per statement (columns) the sums are 19, 20, 15, 20, 23 and 20, so the
# means are 3.8, 4.0, 3.0, 4.0, 4.6 and 4.0, and the score (their mean) 23.4 / 6 = 3.9.
FIVE = [
    [5, 4, 3, 4, 5, 4],
    [4, 4, 2, 3, 5, 4],
    [3, 5, 4, 4, 4, 5],
    [5, 3, 3, 5, 4, 4],
    [2, 4, 3, 4, 5, 3],
]
NOT_ENOUGH = "Not enough responses to show without identifying people"
STILL_OPEN = "Still open: results show once the quarter has ended"


@pytest.fixture
def answered(payments):
    """Payments: five answers last quarter, three the quarter before; this quarter is open."""
    give(payments, last_quarter(), *FIVE)
    give(payments, quarter_before_last(), [5] * 6, [5] * 6, [1] * 6)


def label(quarter) -> str:
    return f"{quarter.start.year} Q{(quarter.start.month - 1) // 3 + 1}"


def means(quarter):
    return [item.mean for item in quarter.means]


def test_a_teams_quarter_against_hand_computed_means_and_score(answered, payments):
    trend = culture_trend(kind=Kind.PULSE, team=payments, end=timezone.localdate())

    *earlier, shown, current = trend.quarters
    assert [shown.quarter, current.quarter] == [last_quarter(), this_quarter()]
    assert len(earlier) == 2
    assert shown.closed and shown.shown and shown.responses == 5
    assert means(shown) == [3.8, 4.0, 3.0, 4.0, 4.6, 4.0]
    assert shown.score == 3.9


def test_a_quarter_under_the_threshold_shows_no_figures(answered, payments):
    trend = culture_trend(kind=Kind.PULSE, team=payments, end=timezone.localdate())

    last = trend.quarters[-3]
    assert last.closed and not last.shown
    assert last.responses is None and last.score is None
    assert means(last) == [None] * 6


def test_the_threshold_is_configurable(answered, payments, settings):
    settings.CULTURE_MIN_RESPONSES = 3

    last = culture_trend(kind=Kind.PULSE, team=payments, end=timezone.localdate()).quarters[-3]

    # (5 + 5 + 1) / 3 for every statement.
    assert last.shown and last.responses == 3
    assert means(last) == [3.67] * 6
    assert last.score == 3.67


def test_the_threshold_is_never_below_three(payments, settings):
    settings.CULTURE_MIN_RESPONSES = 1
    give(payments, last_quarter(), [5] * 6, [4] * 6)

    last = culture_trend(kind=Kind.PULSE, team=payments, end=timezone.localdate()).quarters[-2]

    assert last.closed and not last.shown


def test_the_organisation_adds_up_every_team(answered, payments, platform):
    give(platform, last_quarter(), *[[1] * 6] * 5)

    current = culture_trend(kind=Kind.PULSE, end=timezone.localdate()).quarters[-2]

    # Sums 19 + 5, 20 + 5, 15 + 5, 20 + 5, 23 + 5, 20 + 5 over ten responses.
    assert current.responses == 10
    assert means(current) == [2.4, 2.5, 2.0, 2.5, 2.8, 2.5]
    assert current.score == 2.45


def test_the_organisation_hides_a_quarter_that_would_reveal_a_small_team(
    answered, payments, platform
):
    # Payments is shown (five); the organisation minus Payments would be Platform's two.
    give(platform, last_quarter(), [1] * 6, [2] * 6)

    current = culture_trend(kind=Kind.PULSE, end=timezone.localdate()).quarters[-2]

    assert not current.shown and current.score is None


def test_small_teams_together_large_enough_are_shown_within_the_organisation(
    answered, payments, platform, search
):
    from incidents.models import Team

    security = Team.objects.create(name="Security", slug="security")
    give(platform, last_quarter(), [1] * 6, [1] * 6)
    give(security, last_quarter(), [2] * 6, [2] * 6, [2] * 6)

    current = culture_trend(kind=Kind.PULSE, end=timezone.localdate()).quarters[-2]

    assert current.shown and current.responses == 10
    # Statement one: (19 + 2 + 6) / 10.
    assert means(current)[0] == 2.7


def test_the_open_quarter_shows_no_figures_however_many_answered(payments, platform):
    give(payments, this_quarter(), *[[4] * 6] * 40)
    give(platform, this_quarter(), *[[2] * 6] * 40)

    for team in (payments, None):
        current = culture_trend(kind=Kind.PULSE, team=team, end=timezone.localdate()).quarters[-1]

        assert not current.closed and not current.shown
        assert current.responses is None and current.score is None
        assert means(current) == [None] * 6


def test_the_quarter_shows_its_figures_once_it_has_ended(payments):
    give(payments, this_quarter(), *FIVE)

    current = culture_trend(
        kind=Kind.PULSE, team=payments, end=timezone.localdate(), now=next_quarter_begins()
    ).quarters[-1]

    assert current.quarter == this_quarter()
    assert current.closed and current.shown and current.responses == 5
    assert means(current) == [3.8, 4.0, 3.0, 4.0, 4.6, 4.0]
    assert current.score == 3.9


@pytest.mark.parametrize(
    ("quarter", "closes_in_days", "shown"),
    [
        # Started late last quarter: answers still come in, so its quarter is still open.
        (last_quarter, 10, False),
        (last_quarter, -1, True),
        # Closed already: no answer can join it, though its quarter goes on.
        (this_quarter, -1, True),
        (this_quarter, 10, False),
    ],
    ids=["last-quarter-still-open", "last-quarter-closed", "closed-early", "open"],
)
def test_a_survey_quarter_shows_once_its_survey_has_closed(quarter, closes_in_days, shown, db):
    Survey.objects.create(
        quarter=quarter().start, closes_at=timezone.now() + timedelta(days=closes_in_days)
    )
    give(None, quarter(), *[[4] * 6] * 5, kind=Kind.SURVEY)

    trend = culture_trend(kind=Kind.SURVEY, end=timezone.localdate())
    row = next(row for row in trend.quarters if row.quarter == quarter())

    assert row.shown is shown and row.closed is shown
    assert row.score == (4.0 if shown else None)


def test_learning_beside_counts_each_quarter(payments, postmortem, alice):
    ActionItem.objects.create(
        title="Alert on processor latency",
        team=payments,
        incident=postmortem.incident,
        status=ActionItem.Status.DONE,
        completed_at=timezone.now(),
    )
    ActionItem.objects.create(title="Still open", team=payments, incident=postmortem.incident)

    rows = learning_beside(quarters=[last_quarter(), this_quarter()], team=payments)

    assert [(row.postmortems_published, row.followups_done) for row in rows] == [(0, 0), (1, 1)]


def test_a_follow_up_done_shows_at_once_though_the_counts_are_cached(
    payments, postmortem, alice, settings
):
    settings.LEARNING_CACHE_SECONDS = 60
    cache.clear()
    item = followup_services.item_create(
        incident=postmortem.incident, title="Alert on processor latency", by=alice
    )
    quarters = [this_quarter()]
    assert learning_beside(quarters=quarters, team=payments)[0].followups_done == 0

    followup_services.item_set_status(item=item, status=ActionItem.Status.DONE, by=alice)
    assert learning_beside(quarters=quarters, team=payments)[0].followups_done == 1

    followup_services.item_delete(item=item, by=alice)
    assert learning_beside(quarters=quarters, team=payments)[0].followups_done == 0


def test_follow_ups_of_drills_and_in_the_bin_are_not_counted_as_done(
    payments, checkout, postmortem, alice
):
    drill = incident_services.incident_declare(
        title="Game day: processor down",
        severity=2,
        services=[checkout],
        reporter=alice,
        is_drill=True,
    )
    for incident, title in [
        (postmortem.incident, "Alert on processor latency"),
        (drill, "Practise the failover"),
        (postmortem.incident, "Binned by mistake"),
    ]:
        ActionItem.objects.create(
            title=title,
            team=payments,
            incident=incident,
            status=ActionItem.Status.DONE,
            completed_at=timezone.now(),
        )
    ActionItem.objects.filter(title="Binned by mistake").update(deleted_at=timezone.now())

    (row,) = learning_beside(quarters=[this_quarter()], team=payments)

    assert row.followups_done == 1


def test_the_team_page_shows_figures_only_for_ended_large_enough_quarters(
    answered, alice_client, payments
):
    give(payments, this_quarter(), *FIVE)

    page = alice_client.get("/teams/payments/culture/")

    assert page.status_code == 200
    last = page.text.split(f'<th scope="row">{label(last_quarter())}</th>')[1].split("</tr>")[0]
    assert "<td>5</td><td>3.9</td>" in last
    current = page.text.split(f'<th scope="row">{label(this_quarter())}</th>')[1]
    assert STILL_OPEN in current.split("</tr>")[0]
    assert page.text.count(NOT_ENOUGH) == 2


def test_the_learning_page_shows_the_culture_trend(answered, alice_client):
    page = alice_client.get("/teams/payments/learning/")

    assert "Culture pulse" in page.text
    assert "<td>5</td><td>3.9</td>" in page.text
    assert "series=culture-pulse" in page.text


def test_the_learning_pages_fragment_carries_the_culture_trend(answered, alice_client):
    fragment = alice_client.get(
        "/teams/payments/learning/?period=last-90-days", headers={"HX-Request": "true"}
    )

    assert fragment.text.lstrip().startswith('<div id="learning-results"')
    assert "<td>5</td><td>3.9</td>" in fragment.text


def test_the_organisation_learning_page_shows_the_pulse_and_the_survey(answered, alice_client):
    page = alice_client.get("/learning/")

    assert "Post-incident pulse, per quarter" in page.text
    assert "Organisation culture survey, per quarter" in page.text
    assert "<td>5</td><td>3.9</td>" in page.text


def test_the_csv_has_no_figures_for_a_hidden_quarter(answered, alice_client, payments):
    give(payments, this_quarter(), *FIVE)
    response = alice_client.get("/learning/export.csv?series=culture-pulse&team=payments")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, *quarters = rows
    assert header[:3] == ["Quarter", "Responses", "Safe to speak up (mean, 1-5)"]
    hidden, shown, current = quarters[-3:]
    assert hidden[1] == "Fewer than 5"
    assert hidden[2:9] == [""] * 7
    assert shown[1:9] == ["5", "3.8", "4.0", "3.0", "4.0", "4.6", "4.0", "3.9"]
    assert current[1] == "Still open"
    assert current[2:9] == [""] * 7


def test_the_survey_csv_is_the_organisations(alice_client, payments):
    give(None, last_quarter(), *[[4] * 6] * 5, kind=Kind.SURVEY)

    response = alice_client.get("/learning/export.csv?series=culture-survey")

    *_, shown, _current = list(csv.reader(io.StringIO(response.content.decode())))
    assert shown[1:9] == ["5", "4.0", "4.0", "4.0", "4.0", "4.0", "4.0", "4.0"]


def test_a_factor_category_that_comes_back_counts_as_recurring_in_its_quarter(
    payments, checkout, alice
):
    from datetime import timedelta

    from incidents import services as incident_services
    from postmortems.models import (
        ContributingFactor,
        FactorCategory,
        Postmortem,
        PostmortemTemplate,
    )

    dependency = FactorCategory.objects.get(slug="dependency")
    for minutes in (2, 1):
        incident = incident_services.incident_declare(
            title=f"Processor slow {minutes}",
            severity=2,
            services=[checkout],
            reporter=alice,
            started_at=timezone.now() - timedelta(minutes=minutes),
        )
        postmortem = Postmortem.objects.create(
            incident=incident,
            template=PostmortemTemplate.objects.get(slug="standard"),
            title=incident.title,
            status=Postmortem.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        ContributingFactor.objects.create(
            postmortem=postmortem, category=dependency, description="Latency"
        )

    rows = learning_beside(quarters=[last_quarter(), this_quarter()], team=payments)

    assert [row.recurring_factors for row in rows] == [0, 1]
    assert [row.postmortems_published for row in rows] == [0, 2]
