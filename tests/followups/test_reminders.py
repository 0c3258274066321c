"""The daily reminder: owners (or, for items without one, their team) hear once a day about
follow-ups that are overdue or due soon."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from debrief.celery import app
from followups import notifications, services, tasks
from followups.models import ActionItem, NotificationSettings, SentNotification

# Items are created due from today on, as the app requires; the reminder runs ten days later.
REAL_TODAY = timezone.localdate()
REMINDER_DAY = REAL_TODAY + timedelta(days=10)


def follow_up(incident, by, title, *, due_in_days: int, owner=None, status=None):
    """A follow-up due `due_in_days` after the reminder day (negative: overdue by then)."""
    item = services.item_create(
        incident=incident,
        title=title,
        by=by,
        owner=owner,
        due_date=REMINDER_DAY + timedelta(days=due_in_days),
    )
    if status:
        services.item_set_status(item=item, status=status, by=by)
    return item


def html_of(message) -> str:
    return next(content for content, kind in message.alternatives if kind == "text/html")


def test_the_owner_gets_one_email_a_day_with_overdue_and_soon_due_items(incident, alice):
    overdue = follow_up(incident, alice, "Alert on p99 latency", due_in_days=-2, owner=alice)
    due_soon = follow_up(incident, alice, "Add a circuit breaker", due_in_days=3, owner=alice)
    follow_up(incident, alice, "Rewrite the retry logic", due_in_days=4, owner=alice)
    follow_up(incident, alice, "Load test", due_in_days=1, owner=alice, status="done")

    first = notifications.send_reminders(today=REMINDER_DAY)
    second = notifications.send_reminders(today=REMINDER_DAY)

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Follow-ups: 1 overdue, 1 due soon"
    assert "Alert on p99 latency" in message.body
    assert "Add a circuit breaker" in message.body
    assert "Rewrite the retry logic" not in message.body
    assert "Load test" not in message.body
    body = message.body
    assert body.index("Overdue") < body.index("Alert on p99") < body.index("Due within 3 days")
    assert body.index("Due within 3 days") < body.index("Add a circuit breaker")
    for item in (overdue, due_soon):
        assert f"{settings.SITE_URL}/follow-ups/{item.pk}/" in message.body
        assert f'href="{settings.SITE_URL}/follow-ups/{item.pk}/"' in html_of(message)
    assert f"{settings.SITE_URL}/settings/" in message.body
    assert SentNotification.objects.get().period == REMINDER_DAY.isoformat()


def test_the_next_day_brings_the_next_reminder(incident, alice):
    follow_up(incident, alice, "Alert on p99 latency", due_in_days=-2, owner=alice)

    notifications.send_reminders(today=REMINDER_DAY)
    notifications.send_reminders(today=REMINDER_DAY + timedelta(days=1))

    assert [message.to for message in mail.outbox] == [["alice@example.org"]] * 2


def test_an_item_without_an_owner_reminds_every_active_member_of_its_team(
    incident, alice, bob, payments
):
    erin = User.objects.create_user("erin", "erin@example.org", first_name="Erin")
    gone = User.objects.create_user("frank", "frank@example.org", is_active=False)
    payments.members.add(erin, gone)
    follow_up(incident, alice, "Alert on p99 latency", due_in_days=-1)

    assert notifications.send_reminders(today=REMINDER_DAY) == 2
    assert notifications.send_reminders(today=REMINDER_DAY) == 0

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "erin@example.org",
    ]
    assert all("no owner yet" in message.body for message in mail.outbox)


def test_each_person_hears_only_about_their_own_items(incident, alice, payments):
    erin = User.objects.create_user("erin", "erin@example.org", first_name="Erin")
    payments.members.add(erin)
    follow_up(incident, alice, "Alert on p99 latency", due_in_days=0, owner=alice)
    follow_up(incident, alice, "Add a circuit breaker", due_in_days=0, owner=erin)

    notifications.send_reminders(today=REMINDER_DAY)

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Alert on p99 latency" in bodies["alice@example.org"]
    assert "Add a circuit breaker" not in bodies["alice@example.org"]
    assert "Add a circuit breaker" in bodies["erin@example.org"]
    assert "Alert on p99 latency" not in bodies["erin@example.org"]


def test_people_who_turned_reminders_off_get_none(incident, alice, payments):
    erin = User.objects.create_user("erin", "erin@example.org")
    payments.members.add(erin)
    NotificationSettings.objects.create(user=alice, reminders=False)
    follow_up(incident, alice, "Alert on p99 latency", due_in_days=-2, owner=alice)
    follow_up(incident, alice, "Add a circuit breaker", due_in_days=-2)

    notifications.send_reminders(today=REMINDER_DAY)

    assert [message.to for message in mail.outbox] == [["erin@example.org"]]
    assert "Alert on p99 latency" not in mail.outbox[0].body


def test_closed_items_are_not_reminded(incident, alice):
    follow_up(incident, alice, "Load test", due_in_days=-1, owner=alice, status="done")
    item = follow_up(incident, alice, "Rewrite it", due_in_days=-1, owner=alice)
    services.item_set_status(item=item, status=ActionItem.Status.WONT_DO, by=alice, reason="No")

    assert notifications.send_reminders(today=REMINDER_DAY) == 0
    assert mail.outbox == []


def test_a_send_that_failed_is_sent_on_the_retry(incident, alice, monkeypatch):
    follow_up(incident, alice, "Alert on p99 latency", due_in_days=-2, owner=alice)
    real_send = EmailMultiAlternatives.send

    def refused(self, *args, **kwargs):
        raise ConnectionRefusedError("The mail server is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(ConnectionRefusedError):
        tasks.send_followup_reminders(REMINDER_DAY.isoformat())
    assert not SentNotification.objects.exists()

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert tasks.send_followup_reminders(REMINDER_DAY.isoformat()) == 1
    assert len(mail.outbox) == 1


def test_a_reminder_another_worker_already_recorded_is_not_sent_again(alice):
    SentNotification.objects.create(
        kind=SentNotification.Kind.REMINDER, recipient=alice, period="2026-12-01"
    )

    def never():
        raise AssertionError("built a message that must not be sent")

    sent = notifications.send_once(
        kind=SentNotification.Kind.REMINDER, recipient=alice, period="2026-12-01", message=never
    )

    assert sent is False
    assert mail.outbox == []


def test_beat_sends_reminders_each_morning_and_digests_on_monday_morning():
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}

    reminders = schedule["followups.tasks.send_followup_reminders"]
    digests = schedule["followups.tasks.send_weekly_digests"]

    assert isinstance(reminders, crontab) and isinstance(digests, crontab)
    assert (reminders.hour, reminders.minute, reminders.day_of_week) == ({7}, {0}, set(range(7)))
    assert (digests.hour, digests.minute, digests.day_of_week) == ({8}, {0}, {1})
    assert set(app.tasks) >= set(schedule)
