"""The weekly digest: every member of a team hears, once a week, what happened to the team's
incidents, postmortems and follow-ups, how fast service came back, and what happened a year
ago."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from followups import notifications, services, tasks
from followups.models import ActionItem, NotificationSettings, SentNotification
from incidents import services as incident_services
from incidents.models import Deployment, Incident, Team
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate

REAL_TODAY = timezone.localdate()
# Next Monday, whose digest covers the week we are in: what tests create now is "this week".
DIGEST_DAY = REAL_TODAY + timedelta(days=7 - REAL_TODAY.weekday())
WEEK = "{}-W{:02d}".format(*REAL_TODAY.isocalendar()[:2])


def declare(service, reporter, title, *, started_at=None, severity=2, **kwargs):
    return incident_services.incident_declare(
        title=title,
        severity=severity,
        services=[service],
        reporter=reporter,
        started_at=started_at,
        **kwargs,
    )


def restored_after(service, reporter, title, duration: timedelta, *, started_at=None):
    """An incident whose service came back `duration` after impact started (by default,
    just now). Incidents of the past were also declared back then."""
    restored_at = timezone.now() if started_at is None else started_at + duration
    incident = declare(service, reporter, title, started_at=restored_at - duration)
    incident_services.incident_mark_restored(
        incident=incident, restored_at=restored_at, by=reporter
    )
    if started_at is not None:
        Incident.objects.filter(pk=incident.pk).update(created_at=started_at)
    return incident


def postmortem_of(incident, by, *, status=Postmortem.Status.DRAFT, published_at=None):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=by
    )
    if status == Postmortem.Status.PUBLISHED:
        published_at = published_at or timezone.now()
    Postmortem.objects.filter(pk=postmortem.pk).update(status=status, published_at=published_at)
    return postmortem


def days_before_digest(days: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(DIGEST_DAY - timedelta(days=days), time(hour)))


def digest_to(address: str, *, team: str | None = None):
    messages = [message for message in mail.outbox if message.to == [address]]
    if team:
        messages = [message for message in messages if message.subject.startswith(team)]
    assert len(messages) == 1, [message.subject for message in messages]
    return messages[0]


HEADINGS = ["INCIDENTS", "POSTMORTEMS", "FOLLOW-UPS", "TIME TO RESTORE", "THIS WEEK IN OUR"]


def part(body: str, heading: str) -> str:
    """One section of a digest's text: from its heading to the next."""
    start = body.index(heading)
    following = [body.index(h) for h in HEADINGS if h != heading and body.index(h) > start]
    return body[start : min(following, default=len(body))]


def html_of(message) -> str:
    return next(content for content, kind in message.alternatives if kind == "text/html")


def test_each_member_gets_one_digest_of_their_teams_week_even_when_run_twice(
    alice, bob, checkout, search
):
    outage = restored_after(checkout, alice, "Checkout timeouts", timedelta(minutes=90))
    declare(checkout, alice, "Game day: database failover", is_drill=True)
    declare(search, bob, "Search is slow")

    first = notifications.send_digests(today=DIGEST_DAY)
    second = notifications.send_digests(today=DIGEST_DAY)

    assert (first, second) == (2, 0)
    assert len(mail.outbox) == 2
    digest = digest_to("alice@example.org")
    assert digest.subject == f"Payments: week {REAL_TODAY.isocalendar().week} in Debrief"
    assert "Checkout timeouts" in digest.body
    assert "Game day" not in digest.body
    assert "Search is slow" not in digest.body
    assert f"{settings.SITE_URL}/incidents/{outage.pk}/" in digest.body
    assert f'href="{settings.SITE_URL}/incidents/{outage.pk}/"' in html_of(digest)
    assert "Median this week: 1 h 30 min" in digest.body
    assert "weeks before): not enough data" in digest.body
    assert "Search is slow" in digest_to("bob@example.org").body
    assert set(SentNotification.objects.values_list("period", flat=True)) == {
        f"{WEEK}/payments",
        f"{WEEK}/platform",
    }


def test_the_digest_tells_postmortems_follow_ups_and_the_usual_time_to_restore(
    alice, payments, checkout
):
    for days_ago, hours in ((20, 3), (30, 5), (100, 40)):  # the last: before the 12 weeks
        restored_after(
            checkout,
            alice,
            f"Outage {days_ago} days ago",
            timedelta(hours=hours),
            started_at=days_before_digest(days_ago),
        )
    published = postmortem_of(
        declare(checkout, alice, "Card payments failing"), alice, status="published"
    )
    in_review = postmortem_of(declare(checkout, alice, "Refunds stuck"), alice, status="in_review")
    postmortem_of(declare(checkout, alice, "Draft: webhooks late"), alice)
    incident = published.incident
    done = services.item_create(incident=incident, title="Alert on p99 latency", by=alice)
    services.item_set_status(item=done, status=ActionItem.Status.DONE, by=alice)
    overdue = services.item_create(
        incident=incident, title="Add a circuit breaker", by=alice, due_date=REAL_TODAY
    )
    services.item_create(
        incident=incident,
        title="Load test the processor",
        by=alice,
        due_date=DIGEST_DAY + timedelta(days=30),
    )

    notifications.send_digests(today=DIGEST_DAY)

    body = digest_to("alice@example.org").body
    postmortems = part(body, "POSTMORTEMS")
    assert postmortems.index("Published:") < postmortems.index("Card payments failing")
    assert postmortems.index("Waiting for review:") < postmortems.index("Refunds stuck")
    assert f"{settings.SITE_URL}/postmortems/{published.pk}/" in postmortems
    assert f"{settings.SITE_URL}/postmortems/{in_review.pk}/" in postmortems
    assert "Draft: webhooks late" not in postmortems
    follow_ups = part(body, "FOLLOW-UPS")
    assert (
        follow_ups.index("Done:") < follow_ups.index("Alert on p99") < follow_ups.index("Overdue:")
    )
    assert follow_ups.index("Overdue:") < follow_ups.index("Add a circuit breaker")
    assert f"{settings.SITE_URL}/follow-ups/{done.pk}/" in follow_ups
    assert f"{settings.SITE_URL}/follow-ups/{overdue.pk}/" in follow_ups
    assert "Load test the processor" not in body
    time_to_restore = part(body, "TIME TO RESTORE")
    assert "Median this week: not enough data" in time_to_restore
    assert "Usual (median of the 12 weeks before): 4 h" in time_to_restore


def test_this_week_in_our_history_is_a_postmortem_of_about_a_year_ago(alice, checkout):
    # The most severe of those from 358 to 372 days ago; nothing from outside that fortnight.
    minor = declare(
        checkout, alice, "Slow receipts", severity=3, started_at=days_before_digest(360)
    )
    major = declare(
        checkout, alice, "Checkout down", severity=1, started_at=days_before_digest(370)
    )
    too_old = declare(checkout, alice, "Old outage", severity=1, started_at=days_before_digest(380))
    for incident in (minor, major, too_old):
        Incident.objects.filter(pk=incident.pk).update(created_at=incident.started_at)
        postmortem_of(
            incident,
            alice,
            status="published",
            published_at=incident.started_at + timedelta(days=3),
        )
    major_postmortem = Postmortem.objects.get(incident=major)

    notifications.send_digests(today=DIGEST_DAY)

    body = digest_to("alice@example.org").body
    assert "A year ago: Checkout down" in body
    assert f"{settings.SITE_URL}/postmortems/{major_postmortem.pk}/" in body
    assert "Slow receipts" not in body
    assert "Old outage" not in body


def test_a_postmortem_published_a_year_ago_counts_however_old_its_incident(alice, checkout):
    incident = declare(checkout, alice, "Checkout down", started_at=days_before_digest(420))
    Incident.objects.filter(pk=incident.pk).update(created_at=incident.started_at)
    postmortem_of(incident, alice, status="published", published_at=days_before_digest(365))

    notifications.send_digests(today=DIGEST_DAY)

    assert "A year ago: Checkout down" in digest_to("alice@example.org").body


def test_members_who_turned_the_digest_off_get_none(alice, payments, checkout):
    erin = User.objects.create_user("erin", "erin@example.org")
    gone = User.objects.create_user("frank", "frank@example.org", is_active=False)
    payments.members.add(erin, gone)
    NotificationSettings.objects.create(user=alice, weekly_digest=False)
    declare(checkout, alice, "Checkout timeouts")

    assert notifications.send_digests(today=DIGEST_DAY) == 1

    assert [message.to for message in mail.outbox] == [["erin@example.org"]]


def test_a_team_with_nothing_to_tell_gets_no_digest(bob):
    assert notifications.send_digests(today=DIGEST_DAY) == 0
    assert mail.outbox == []


def test_a_member_of_two_teams_gets_each_teams_digest(alice, platform, checkout, search):
    platform.members.add(alice)
    declare(checkout, alice, "Checkout timeouts")
    declare(search, alice, "Search is slow")

    notifications.send_digests(today=DIGEST_DAY)
    notifications.send_digests(today=DIGEST_DAY)

    assert "Checkout timeouts" in digest_to("alice@example.org", team="Payments").body
    assert "Search is slow" in digest_to("alice@example.org", team="Platform").body


def test_the_next_week_brings_the_next_digest(incident, alice):
    services.item_create(incident=incident, title="Alert on p99", by=alice, due_date=REAL_TODAY)

    notifications.send_digests(today=DIGEST_DAY)
    notifications.send_digests(today=DIGEST_DAY + timedelta(days=3))  # the same week's, again
    notifications.send_digests(today=DIGEST_DAY + timedelta(days=7))

    assert len(mail.outbox) == 2
    assert "Alert on p99" in mail.outbox[1].body


def test_a_team_slug_too_long_for_the_record_still_sends_once(alice, checkout):
    long_slug = "payments-" + "x" * 60
    Team.objects.filter(slug="payments").update(slug=long_slug)
    declare(checkout, alice, "Checkout timeouts")

    assert tasks.send_weekly_digests(DIGEST_DAY.isoformat()) == 1
    assert tasks.send_weekly_digests(DIGEST_DAY.isoformat()) == 0

    team = Team.objects.get(slug=long_slug)
    assert SentNotification.objects.get().period == f"{WEEK}/#{team.pk}"


@pytest.mark.parametrize("weekday", range(7))
def test_the_digest_covers_the_last_whole_week_before_the_day_it_is_sent(weekday):
    day = DIGEST_DAY + timedelta(days=weekday)

    start = notifications.digest_week_start(day)

    assert start == DIGEST_DAY - timedelta(days=7)


def test_the_digest_carries_the_teams_four_keys_for_the_week(alice, checkout):
    declare(checkout, alice, "Checkout slow")
    Deployment.objects.create(service=checkout, version="v7", deployed_at=timezone.now())
    notifications.send_digests(today=DIGEST_DAY)
    body = digest_to("alice@example.org").body
    assert "THE FOUR KEYS" in body
    assert "Deployment frequency: 1.0 deployments per week" in body
    assert "n = 1" in body
    assert "Change failure rate: 0% (week before: Not enough data; n = 1)" in body
    assert "Lead time for changes (median)" in html_of(digest_to("alice@example.org"))
