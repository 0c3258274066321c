"""Who hears of what: the destinations of the event's team that asked for the event, once."""

from datetime import timedelta

from django.utils import timezone

from followups.models import ActionItem
from incidents import services as incident_services
from outbound.events import announce_overdue_followups
from outbound.models import Delivery, Destination

from .conftest import make_destination


def test_a_destination_that_did_not_ask_for_the_event_gets_nothing(payments, receiver, declare):
    make_destination(payments, receiver.url, name="Restores only", events=["incident.restored"])

    declare()

    assert Delivery.objects.count() == 0
    assert receiver.requests == []


def test_another_teams_destination_gets_nothing(platform, receiver, declare):
    make_destination(platform, receiver.url, name="Platform channel")

    declare()

    assert Delivery.objects.count() == 0
    assert receiver.requests == []


def test_a_turned_off_destination_gets_nothing(payments, receiver, declare):
    make_destination(payments, receiver.url, is_enabled=False)

    declare()

    assert Delivery.objects.count() == 0
    assert receiver.requests == []


def test_each_destination_of_the_team_gets_the_event_in_its_own_format(
    slack_hook, json_hook, receiver, declare
):
    declare()

    received = receiver.wait_for(2)
    assert sorted("blocks" in item.json for item in received) == [False, True]
    assert set(Delivery.objects.values_list("destination__name", "state")) == {
        ("slack hook", "delivered"),
        ("json hook", "delivered"),
    }


def test_a_change_that_rolls_back_sends_nothing(json_hook, receiver, alice, checkout):
    try:
        incident_services.incident_declare(
            title="Never declared",
            severity=2,
            services=[checkout],
            reporter=alice,
            started_at=timezone.now() + timedelta(days=3),
        )
    except Exception:
        """Refused: a start in the future."""
    assert Delivery.objects.count() == 0
    assert receiver.requests == []


def test_an_event_reaches_a_destination_once(
    json_hook, receiver, declare, django_capture_on_commit_callbacks
):
    from outbound import messages, services

    incident = declare()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.announce(messages.incident_declared(incident))

    assert again == []
    assert Delivery.objects.filter(event="incident.declared").count() == 1
    assert len(receiver.wait_for(1)) == 1


def test_an_overdue_follow_up_is_announced_once_per_due_date(
    json_hook, receiver, declare, alice, payments, django_capture_on_commit_callbacks
):
    incident = declare()
    today = timezone.localdate()
    item = ActionItem.objects.create(
        title="Add a circuit breaker",
        team=payments,
        incident=incident,
        due_date=today - timedelta(days=1),
    )
    ActionItem.objects.create(
        title="Due next month",
        team=payments,
        incident=incident,
        due_date=today + timedelta(days=30),
    )
    ActionItem.objects.create(
        title="Done already",
        team=payments,
        incident=incident,
        status="done",
        completed_at=timezone.now(),
        due_date=today - timedelta(days=5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = announce_overdue_followups(today=today)
        next_day = announce_overdue_followups(today=today + timedelta(days=1))
    # Pushed back, then missed again: a new overdue period.
    item.due_date = today + timedelta(days=2)
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        after_new_date = announce_overdue_followups(today=today + timedelta(days=3))

    assert (first, next_day, after_new_date) == (1, 0, 1)
    overdue = [
        item.json for item in receiver.wait_for(3) if item.json["event"] != "incident.declared"
    ]
    assert [body["followup"]["title"] for body in overdue] == ["Add a circuit breaker"] * 2
    assert [body["followup"]["due_date"] for body in overdue] == [
        (today - timedelta(days=1)).isoformat(),
        (today + timedelta(days=2)).isoformat(),
    ]


def test_the_daily_reminder_task_announces_overdue_follow_ups(
    json_hook, receiver, declare, payments, django_capture_on_commit_callbacks
):
    from followups.tasks import send_followup_reminders

    incident = declare()
    today = timezone.localdate()
    ActionItem.objects.create(
        title="Page the right team",
        team=payments,
        incident=incident,
        due_date=today - timedelta(days=2),
    )

    with django_capture_on_commit_callbacks(execute=True):
        send_followup_reminders.delay(today.isoformat())
        send_followup_reminders.delay(today.isoformat())

    assert Delivery.objects.filter(event="followup.overdue").count() == 1
    assert receiver.wait_for(2)[-1].json["followup"]["title"] == "Page the right team"


def test_deleting_a_destination_leaves_its_team_and_incidents(json_hook, declare, payments):
    declare()

    json_hook.delete()

    assert Destination.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert payments.incidents.count() == 1
