"""Whatever is in the bin vanishes everywhere: lists, pages, search, exports, the API,
digests and reminders, culture invitations, statistics and the stored weekly figures; it
comes back on all of them when restored."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from culture.models import Invitation
from followups import notifications
from followups import services as followup_services
from incidents import services as incident_services
from incidents.models import Incident
from integrations.tokens import token_create
from learning.cache import GENERATION
from learning.metrics import ORGANISATION, Scope, four_keys
from learning.periods import Period
from learning.search import search_learnings
from learning.weekly import sparkline_weeks, today, weekly_figures
from postmortems import services as postmortem_services
from postmortems import tasks as postmortem_tasks
from webhooks.effects import apply_incident_event
from webhooks.models import Kind

from .conftest import declare

TITLES = ["Card payments failing", "Alert on gateway latency", "Rotate the gateway certificate"]


def _shows_none(content: bytes) -> bool:
    text = content.decode()
    return not any(title in text for title in TITLES)


@pytest.fixture
def binned(outage, alice):
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    return outage


def test_lists_leave_binned_rows_out(binned, alice_client, carol_client):
    for path in ("/incidents/", "/follow-ups/", "/teams/payments/follow-ups/"):
        response = carol_client.get(path)
        assert response.status_code == 200, path
        assert _shows_none(response.content), path


def test_the_pages_of_binned_rows_are_not_found(binned, alice_client):
    for path in (
        f"/incidents/{binned['incident'].pk}/",
        f"/incidents/{binned['incident'].pk}/edit/",
        f"/postmortems/{binned['postmortem'].pk}/",
        f"/postmortems/{binned['postmortem'].pk}/export.md",
        f"/follow-ups/{binned['on_its_own'].pk}/",
    ):
        assert alice_client.get(path).status_code == 404, path


def test_open_incident_counts_leave_binned_incidents_out(alice, checkout, carol_client):
    incident = declare(checkout, alice, "Card payments failing")
    incident_services.incident_delete(incident=incident, by=alice)

    page = carol_client.get("/services/").content.decode()

    assert "Checkout" in page
    assert Incident.objects.count() == 0
    assert "1 open" not in page


def test_search_finds_nothing_binned(outage, alice, carol):
    before = search_learnings(query="gateway payments", viewer=carol) + search_learnings(
        query="gateway", viewer=carol
    )
    assert before

    incident_services.incident_delete(incident=outage["incident"], by=alice)

    assert search_learnings(query="gateway", viewer=carol) == []
    assert search_learnings(query="payments", viewer=carol) == []


def test_search_leaves_out_a_postmortem_binned_on_its_own(outage, alice, carol):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)

    kinds = {hit.kind for hit in search_learnings(query="card payments", viewer=carol)}

    assert "postmortem" not in kinds
    assert "incident" in kinds


def test_the_follow_ups_export_leaves_binned_rows_out(binned, carol_client):
    response = carol_client.get("/follow-ups/export.csv")

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert _shows_none(body)


def test_learning_exports_count_binned_rows_no_more(outage, alice, erin, carol_client):
    series = ["incidents-per-week", "postmortem-health", "factor-categories"]

    def exported():
        return [
            carol_client.get(f"/learning/export.csv?series={name}&period=last-90-days").content
            for name in series
        ]

    with_outage = exported()
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    binned = exported()
    incident_services.incident_restore(incident=outage["incident"], by=erin)

    assert [a != b for a, b in zip(with_outage, binned, strict=True)] == [True, True, False]
    assert exported() == with_outage


def test_the_api_neither_lists_nor_reads_a_binned_incident(binned, alice, payments):
    token = token_create(team=payments, name="bridge", by=None)
    headers = {"Authorization": f"Bearer {token.secret}"}
    client = Client()

    listed = client.get("/api/incidents", headers=headers)
    read = client.get(f"/api/incidents/{binned['incident'].pk}", headers=headers)

    assert listed.status_code == 200
    assert binned["incident"].pk not in [row["id"] for row in listed.json()["items"]]
    assert read.status_code == 404


def test_digests_and_reminders_leave_binned_rows_out(outage, alice, checkout):
    followup_services.item_create(
        incident=outage["incident"],
        title="Renew the gateway contract",
        by=alice,
        owner=alice,
        due_date=timezone.localdate(),
    )
    declare(checkout, alice, "Refunds are slow")
    assert notifications.reminders_due(today=timezone.localdate())

    incident_services.incident_delete(incident=outage["incident"], by=alice)

    assert notifications.reminders_due(today=timezone.localdate()) == []
    day = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    assert notifications.send_digests(today=day) == 1
    (digest,) = mail.outbox
    assert "Refunds are slow" in digest.body
    assert "Card payments failing" not in digest.body
    assert "gateway" not in digest.body


def test_a_binned_postmortems_pulse_invitation_cannot_be_answered(outage, alice, alice_client):
    invitation = Invitation.objects.create(
        user=alice, postmortem=outage["postmortem"], expires_at=timezone.now() + timedelta(days=7)
    )
    assert alice_client.get(f"/pulse/{invitation.pk}/").status_code == 200

    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)

    assert alice_client.get(f"/pulse/{invitation.pk}/").status_code == 404
    assert "Card payments" not in alice_client.get("/pulse/").content.decode()


def test_four_keys_leave_binned_incidents_out_and_count_them_again_once_restored(
    outage, alice, erin, payments
):
    period = Period.last_30_days(today=timezone.localdate())

    def restores(scope):
        return four_keys(scope=scope, period=period).time_to_restore.median.count

    assert (restores(ORGANISATION), restores(Scope(team=payments))) == (1, 1)
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    assert (restores(ORGANISATION), restores(Scope(team=payments))) == (0, 0)
    incident_services.incident_restore(incident=outage["incident"], by=erin)
    assert restores(ORGANISATION) == 1


def test_stored_weekly_figures_are_recomputed_when_an_incident_is_binned_or_restored(
    alice, erin, checkout
):
    started = timezone.now() - timedelta(days=10)
    incident = declare(checkout, alice, "Card payments failing", started_at=started)
    incident_services.incident_mark_restored(
        incident=incident, by=alice, restored_at=started + timedelta(hours=1)
    )
    weeks = sparkline_weeks(today() - timedelta(days=1), 2)

    def medians():
        return [week.restore_median for week in weekly_figures(ORGANISATION, weeks)]

    assert timedelta(hours=1) in [
        None if value is None else timedelta(microseconds=value) for value in medians()
    ]
    incident_services.incident_delete(incident=incident, by=alice)
    assert medians() == [None, None]
    incident_services.incident_restore(incident=incident, by=erin)
    assert any(value is not None for value in medians())


def test_a_webhook_event_for_a_binned_incident_is_ignored(alice, checkout, payments):
    event = {
        "team": payments,
        "service": checkout,
        "source": Kind.GENERIC,
        "key": "gateway-1",
        "title": "Gateway errors",
        "severity": 2,
        "started_at": timezone.now() - timedelta(minutes=5),
        "occurred_at": timezone.now(),
        "via": "Monitoring",
    }
    opened, _ = apply_incident_event(action="triggered", **event)
    incident_services.incident_delete(incident=opened, by=alice)

    incident, detail = apply_incident_event(action="resolved", **event)

    assert incident is None
    assert detail == f"Ignored: {opened.reference} is in the bin."
    assert Incident.objects.count() == 0
    assert Incident.all_objects.get().restored_at is None


def test_mail_queued_about_a_postmortem_that_went_to_the_bin_is_not_sent(outage, alice):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)

    assert postmortem_tasks.notify_postmortem_published(outage["postmortem"].pk) == 0
    assert mail.outbox == []


def test_cached_learning_figures_follow_the_bin(outage, alice, erin, carol_client, settings):
    settings.LEARNING_CACHE_SECONDS = 300
    path = "/learning/export.csv?series=four-keys&period=last-30-days"
    before = carol_client.get(path).content

    incident_services.incident_delete(incident=outage["incident"], by=alice)
    binned = carol_client.get(path).content
    incident_services.incident_restore(incident=outage["incident"], by=erin)

    assert binned != before
    assert carol_client.get(path).content == before


def test_binning_or_restoring_a_follow_up_starts_a_new_cache_generation(outage, alice, erin):
    generations = [cache.get_or_set(GENERATION, "first", timeout=None)]
    followup_services.item_delete(item=outage["on_its_own"], by=alice)
    generations.append(cache.get(GENERATION))
    followup_services.item_restore(item=outage["on_its_own"], by=erin)
    generations.append(cache.get(GENERATION))

    assert len(set(generations)) == 3
