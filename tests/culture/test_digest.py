"""The weekly digest tells the team which postmortems invite their responders to the pulse."""

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.utils import timezone

from culture import tasks
from culture.models import Invitation
from followups import notifications

REAL_TODAY = timezone.localdate()
DIGEST_DAY = REAL_TODAY + timedelta(days=7 - REAL_TODAY.weekday())


def digest_body(address: str) -> str:
    (message,) = [message for message in mail.outbox if message.to == [address]]
    return message.body


def test_the_digest_invites_to_the_pulse_of_postmortems_published_that_week(alice, bob, postmortem):
    tasks.invite_pulse_responders(postmortem.pk)
    Invitation.objects.filter(user=bob).update(used=True)

    notifications.send_digests(today=DIGEST_DAY)

    body = digest_body("alice@example.org")
    section = body[body.index("CULTURE PULSE") : body.index("FOLLOW-UPS")]
    assert "Card payments failing" in section
    assert "1 invitation still open" in section
    assert f"{settings.SITE_URL}/pulse/" in section


def test_a_week_without_a_pulse_says_so(alice, incident):
    notifications.send_digests(today=DIGEST_DAY)

    body = digest_body("alice@example.org")
    assert "No new pulse this week." in body
