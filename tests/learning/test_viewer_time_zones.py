"""Every learning figure counts days in the configured time zone (Berlin here), whatever zone
the person looking at it has chosen: alice follows Los Angeles, bob Tokyo, and both see the
same numbers on the pages and in the downloads. The cached figures are shared by everyone
reading them, so a figure that followed the viewer's zone would also serve one person's
numbers to another."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from followups.models import ActionItem
from incidents.models import Incident
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate
from tests.conftest import HTMX

BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday evening in Berlin: already Thursday in Tokyo. The last 30 days are 20 January
# to 18 February 2026, in weeks starting 19 January, 26 January, 2, 9 and 16 February.
NOW = datetime(2026, 2, 18, 18, 0, tzinfo=BERLIN)


def berlin(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def berlin_time(settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Berlin"
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def viewer_in(user, zone: str) -> Client:
    Profile.objects.update_or_create(user=user, defaults={"time_zone": zone})
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewers(alice, bob) -> list[Client]:
    return [viewer_in(alice, "America/Los_Angeles"), viewer_in(bob, "Asia/Tokyo")]


def incident_with_postmortem(payments, checkout, started: datetime, severity: int) -> Incident:
    incident = Incident.objects.create(
        title="Card payments failing",
        team=payments,
        severity=severity,
        started_at=started,
        restored_at=started + timedelta(hours=1),
    )
    incident.services.add(checkout)
    postmortem = Postmortem.objects.create(
        incident=incident,
        template=PostmortemTemplate.objects.get(slug="standard"),
        title="Card payments failing",
        status=Postmortem.Status.PUBLISHED,
        published_at=started + timedelta(days=1),
    )
    ContributingFactor.objects.create(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="dependency"),
        description="The processor slowed down",
    )
    return incident


def followup(incident, created: datetime, **fields) -> ActionItem:
    item = ActionItem.objects.create(
        incident=incident, team=incident.team, title="Alert on processor latency", **fields
    )
    ActionItem.objects.filter(pk=item.pk).update(created_at=created)
    return item


@pytest.fixture
def near_midnight(payments, checkout) -> list[Incident]:
    """Incidents and follow-ups that another zone would move to another day or week."""
    # The period's first day in Berlin, still the day before in Los Angeles.
    first_day = incident_with_postmortem(payments, checkout, berlin(1, 20, 0, 30), severity=4)
    # Sunday night in Berlin, Monday morning in Tokyo.
    sunday = incident_with_postmortem(payments, checkout, berlin(2, 1, 23, 30), severity=3)
    # Monday just after midnight in Berlin, Sunday afternoon in Los Angeles.
    monday = incident_with_postmortem(payments, checkout, berlin(2, 9, 0, 30), severity=2)
    # Created on the period's first day in Berlin, the day before in Los Angeles.
    followup(first_day, berlin(1, 20, 0, 30))
    # Done on its due day in Berlin, the day after in Tokyo.
    followup(
        sunday,
        berlin(2, 3, 12),
        due_date=date(2026, 2, 5),
        status=ActionItem.Status.DONE,
        completed_at=berlin(2, 5, 23, 30),
    )
    # Due today in Berlin, overdue since yesterday in Tokyo.
    followup(sunday, berlin(2, 3, 12), due_date=date(2026, 2, 18))
    return [first_day, sunday, monday]


def csv_rows(client: Client, series: str, **filters) -> list[list[str]]:
    response = client.get(reverse("learning:export"), {"series": series, **filters})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


SERIES = [
    "incidents-per-week",
    "restore-distribution",
    "factor-categories",
    "recurring-factors",
    "postmortem-health",
    "followup-completion",
    "blameful-wording",
    "culture-pulse",
]


@pytest.mark.parametrize("filters", [{"team": "payments"}, {}], ids=["team", "organisation"])
def test_viewers_in_other_zones_download_the_same_figures(viewers, near_midnight, filters):
    for series in SERIES:
        los_angeles, tokyo = (csv_rows(client, series, **filters) for client in viewers)

        assert los_angeles == tokyo, series


def test_the_figures_are_those_of_the_configured_zone(viewers, near_midnight):
    for client in viewers:
        weeks = csv_rows(client, "incidents-per-week", team="payments")
        completion = csv_rows(client, "followup-completion", team="payments")
        recurring = csv_rows(client, "recurring-factors", team="payments")

        assert weeks[1:] == [
            ["2026-01-19", "0", "0", "0", "1", "1"],
            ["2026-01-26", "0", "0", "1", "0", "1"],
            ["2026-02-02", "0", "0", "0", "0", "0"],
            ["2026-02-09", "0", "1", "0", "0", "1"],
            ["2026-02-16", "0", "0", "0", "0", "0"],
        ]
        # On time share, overdue, open: done on time, nothing overdue, two open.
        assert completion[1][:3] == ["1.0", "0", "2"]
        references = " ".join(item.reference for item in near_midnight)
        assert recurring[1:] == [
            ["Checkout", "Dependency or third party", references, "2026-01-20", "2026-02-09"]
        ]


@pytest.mark.parametrize(
    ("name", "args"), [("learning:team", ["payments"]), ("learning:organisation", [])]
)
def test_viewers_in_other_zones_see_the_same_learning_page(viewers, near_midnight, name, args):
    url = reverse(name, args=args)
    los_angeles, tokyo = (client.get(url, headers=HTMX) for client in viewers)

    assert los_angeles.status_code == tokyo.status_code == 200
    assert los_angeles.text == tokyo.text
    # The Monday incident counts in its Berlin week.
    assert "<td>2026-02-09</td><td>0</td><td>1</td><td>0</td><td>0</td><td>1</td>" in tokyo.text
