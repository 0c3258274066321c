"""A task that fails midway is retried, and leaves no half-done state: after the retry there is
exactly one of each row and each email. Each failure is injected once, where the real one
would happen (the database dropping the connection after a write, the mail server refusing a
message), and the task is sent as a request would send it (Celery runs it in this process
without a broker, retries included)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError
from django.utils import timezone

from culture import tasks as culture_tasks
from culture.models import Invitation
from debrief.tasks import enqueue
from followups import tasks as followup_tasks
from followups.models import ActionItem, SentNotification
from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems import tasks as postmortem_tasks
from postmortems.models import Postmortem, PostmortemTemplate
from tests.postmortems.test_publish import write_everything


@pytest.fixture
def incident(alice, bob, checkout):
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=incident, body="Paged the processor", by=bob)
    return incident


@pytest.fixture
def published(incident, alice):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    write_everything(postmortem, alice)
    return postmortem_services.postmortem_publish(postmortem=postmortem, by=alice)


def fail_once(monkeypatch, owner, name: str, error: Exception, *, after_the_real_call=False):
    """Replace owner.name so that its first call raises `error`, before doing anything or,
    with after_the_real_call, once the real call has done its work; later calls are real."""
    real = getattr(owner, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            return real(*args, **kwargs)
        if after_the_real_call:
            real(*args, **kwargs)
        raise error

    monkeypatch.setattr(owner, name, flaky)
    return calls


def test_pulse_invitations_written_before_the_connection_dropped_are_rolled_back_and_redone(
    published, alice, bob, monkeypatch
):
    Invitation.objects.filter(postmortem=published).delete()
    calls = fail_once(
        monkeypatch,
        Invitation.objects,
        "bulk_create",
        OperationalError("server closed the connection unexpectedly"),
        after_the_real_call=True,
    )

    enqueue(culture_tasks.invite_pulse_responders, published.pk)

    assert len(calls) == 2
    invited = Invitation.objects.filter(postmortem=published)
    assert sorted(invitation.user.username for invitation in invited) == ["alice", "bob"]


def test_a_reminder_the_mail_server_refused_is_sent_on_the_retry_and_no_one_gets_two(
    incident, alice, bob, monkeypatch
):
    due = timezone.localdate() - timedelta(days=2)
    for owner, title in ((alice, "Alert on p99 latency"), (bob, "Bound the retry budget")):
        ActionItem.objects.create(
            incident=incident, team=incident.team, title=title, owner=owner, due_date=due
        )
    # The first message goes; the second is refused once, midway through the run.
    real_send = EmailMultiAlternatives.send
    attempts = []

    def second_refused_once(message, *args, **kwargs):
        attempts.append(message.to)
        if len(attempts) == 2:
            raise ConnectionRefusedError("The mail server is restarting")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", second_refused_once)

    enqueue(followup_tasks.send_followup_reminders, timezone.localdate().isoformat())

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]
    assert SentNotification.objects.filter(kind=SentNotification.Kind.REMINDER).count() == 2


def test_the_published_email_the_mail_server_refused_is_sent_once_on_the_retry(
    published, monkeypatch
):
    mail.outbox.clear()
    calls = fail_once(
        monkeypatch,
        postmortem_tasks,
        "send_mail",
        ConnectionRefusedError("The mail server is restarting"),
    )

    enqueue(postmortem_tasks.notify_postmortem_published, published.pk)

    assert len(calls) == 2
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert Postmortem.objects.get(pk=published.pk).status == Postmortem.Status.PUBLISHED
