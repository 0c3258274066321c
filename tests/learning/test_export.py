"""CSV downloads of every series the learning pages show."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from learning.export import SERIES
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate
from tests.learning.metrics_builders import at, deploy, incident

TODAY = date(2026, 3, 28)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("learning.views.timezone.localdate", lambda *args, **kwargs: TODAY)


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("series", sorted(SERIES))
def test_every_series_downloads_as_csv(series, alice_client, checkout):
    deploy(checkout, at(TODAY - timedelta(days=2)))

    response = alice_client.get(reverse("learning:export"), {"series": series, "team": "payments"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{series}-payments-' in response["Content-Disposition"]
    assert _rows(response)[0]


def test_four_keys_export_labels_the_mean_time_to_restore(alice_client, checkout):
    incident(checkout, at(TODAY, 9), restored=at(TODAY, 10))
    incident(checkout, at(TODAY - timedelta(days=1), 9), restored=at(TODAY - timedelta(days=1), 12))

    rows = _rows(alice_client.get(reverse("learning:export"), {"series": "four-keys"}))

    assert rows[0] == ["Metric", "Value", "Previous period", "Samples", "Unit", "DORA bucket"]
    mean = next(row for row in rows if row[0].startswith("Mean time to restore"))
    assert mean[1] == "2.0" and mean[3] == "2"
    assert "use the median" in mean[0]


def test_the_mean_is_only_in_the_export(alice_client, checkout):
    incident(checkout, at(TODAY, 9), restored=at(TODAY, 10))

    page = alice_client.get(reverse("learning:team", args=["payments"]))

    assert "Mean time to restore" not in page.content.decode()


def test_weekly_export_has_twelve_weeks(alice_client, checkout):
    deploy(checkout, at(TODAY), first_commit_at=at(TODAY, 10))

    rows = _rows(alice_client.get(reverse("learning:export"), {"series": "four-keys-weekly"}))

    assert rows[0][:3] == ["Week start", "Week end", "Deployments"]
    assert len(rows) == 13
    assert rows[-1][:4] == ["2026-03-22", "2026-03-28", "1", "2.0"]


def test_text_that_would_run_as_a_formula_is_neutralised(alice_client, payments):
    payments.name = "=HYPERLINK(1)"
    payments.save()

    rows = _rows(alice_client.get(reverse("learning:export"), {"series": "team-trends"}))

    assert rows[1][0] == "'=HYPERLINK(1)"


def test_unknown_series_is_refused(alice_client):
    response = alice_client.get(reverse("learning:export"), {"series": "nonsense"})

    assert response.status_code == 400


def test_the_blameful_wording_series_downloads_like_the_others(alice_client, payments):
    response = alice_client.get(
        "/learning/export.csv?series=blameful-wording&period=last-90-days&team=payments"
    )
    assert response.status_code == 200
    header = response.content.decode().splitlines()[0]
    assert header == "Month of,Postmortems published,Average coach flags at publication"


def test_we_have_seen_this_before_dates_incidents_in_the_configured_zone(
    settings, alice_client, checkout
):
    settings.TIME_ZONE = "Europe/Berlin"
    dependency = FactorCategory.objects.get(slug="dependency")
    started = [at(TODAY - timedelta(days=20)), at(TODAY - timedelta(days=3), 0, 30)]
    for moment in started:  # the second: 00:30 in Berlin, still the day before in UTC
        postmortem = Postmortem.objects.create(
            incident=incident(checkout, moment),
            template=PostmortemTemplate.objects.get(slug="standard"),
            title="Processor slow",
            status=Postmortem.Status.PUBLISHED,
            published_at=moment + timedelta(days=1),
        )
        ContributingFactor.objects.create(
            postmortem=postmortem, category=dependency, description="Latency"
        )

    response = alice_client.get(reverse("learning:export"), {"series": "recurring-factors"})

    (row,) = _rows(response)[1:]
    assert row[3:] == ["2026-03-08", "2026-03-25"]
