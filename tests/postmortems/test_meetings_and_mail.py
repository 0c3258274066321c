"""Review meetings in the configured time zone, calendar files, and one email per reviewer."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from postmortems import services, tasks
from postmortems.models import ReviewRequest
from tests.conftest import _client_for


def schedule(client, postmortem, starts_at: str, participants):
    return client.post(
        f"/postmortems/{postmortem.pk}/meetings/",
        {"starts_at": starts_at, "duration_minutes": 30, "participants": participants},
    )


def test_the_meeting_time_is_read_and_shown_in_the_configured_zone(
    settings, alice_client, bob, postmortem, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Europe/Berlin"
    page = alice_client.get(f"/postmortems/{postmortem.pk}/")
    assert "Starts at (Europe/Berlin)" in page.text

    day = (timezone.now() + timedelta(days=3)).date()
    with django_capture_on_commit_callbacks(execute=True):
        schedule(alice_client, postmortem, f"{day:%Y-%m-%d}T14:30", [bob.pk])
    (message,) = mail.outbox
    event = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
    starts = event.decoded("DTSTART").astimezone(timezone.get_current_timezone())
    assert (starts.date(), starts.hour, starts.minute) == (day, 14, 30)
    assert "Europe/Berlin" in message.body
    assert "(Europe/Berlin)" in alice_client.get(f"/postmortems/{postmortem.pk}/").text


def test_the_download_publishes_and_the_email_requests(
    alice_client, alice, bob, postmortem, django_capture_on_commit_callbacks
):
    alice.email = ""
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            postmortem=postmortem,
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=30,
            location="",
            participants=[bob],
            by=alice,
        )
    emailed = Calendar.from_ical(mail.outbox[0].attachments[0][1])
    assert str(emailed["METHOD"]) == "REQUEST"
    download = alice_client.get(f"/postmortems/{postmortem.pk}/meetings/{meeting.pk}.ics")
    downloaded = Calendar.from_ical(download.content)
    assert str(downloaded["METHOD"]) == "PUBLISH"
    # The organiser has no address: Debrief's sender stands in.
    assert str(downloaded.walk("VEVENT")[0]["ORGANIZER"]).startswith("mailto:")


def test_participants_who_could_not_read_the_draft_become_reviewers(alice_client, bob, postmortem):
    starts = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    schedule(alice_client, postmortem, starts, [bob.pk])
    assert _client_for(bob).get(f"/postmortems/{postmortem.pk}/").status_code == 200


def test_a_mail_error_retries_only_the_reviewer_it_failed_for(alice, bob, carol, postmortem):
    sent = []

    def send(message, *args, **kwargs):
        if message.to == ["carol@example.org"] and "carol" not in sent:
            sent.append("carol")
            raise OSError("mail server gone")
        sent.append(message.to[0])
        return 1

    bob_review = ReviewRequest.objects.create(postmortem=postmortem, reviewer=bob)
    carol_review = ReviewRequest.objects.create(postmortem=postmortem, reviewer=carol)
    with mock.patch("django.core.mail.EmailMessage.send", send):
        # What Celery does with each task: bob's goes through, carol's fails and is retried.
        assert tasks.notify_review_requested.run(bob_review.pk) == 1
        with pytest.raises(OSError):
            tasks.notify_review_requested.run(carol_review.pk)
        assert tasks.notify_review_requested.run(carol_review.pk) == 1
    assert sent.count("bob@example.org") == 1
    assert sent.count("carol@example.org") == 1


def test_each_new_reviewer_gets_a_task_of_their_own(
    alice, bob, carol, postmortem, django_capture_on_commit_callbacks
):
    with (
        mock.patch("debrief.tasks.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = services.review_request(postmortem=postmortem, by=alice, reviewers=[bob, carol])
    assert sorted(call.args for call in enqueue.call_args_list) == sorted(
        (tasks.notify_review_requested, review.pk) for review in created
    )


def test_subjects_stay_on_one_line_and_inactive_reviewers_get_nothing(alice, bob, postmortem):
    postmortem.title = "Payments\nBcc: everyone"
    postmortem.save()
    active = ReviewRequest.objects.create(postmortem=postmortem, reviewer=alice)
    bob.is_active = False
    bob.save()
    inactive = ReviewRequest.objects.create(postmortem=postmortem, reviewer=bob)
    assert tasks.notify_review_requested(inactive.pk) == 0
    assert tasks.notify_review_requested(active.pk) == 1
    (message,) = mail.outbox
    assert message.subject == "Review requested: Payments Bcc: everyone"


@pytest.mark.parametrize(
    "typed", ["9999-12-31T23:59", "9999-12-31T23:59-12:00", "2030-01-01T10:00+23:59"]
)
def test_a_meeting_time_that_cannot_be_stored_is_refused_or_stored_in_utc(
    alice_client, bob, postmortem, typed
):
    # Found by tests/fuzz: the calendar's far end overflowed converting to UTC (a server
    # error), and PostgreSQL refused offsets beyond ±15:59.
    response = schedule(alice_client, postmortem, typed, [bob.pk])
    if typed.startswith("9999"):
        assert response.status_code == 422
        assert "Enter a time before the year 9999." in response.text
        assert not postmortem.meetings.exists()
    else:
        assert response.status_code == 302
        assert postmortem.meetings.get().starts_at.isoformat() == "2029-12-31T10:01:00+00:00"


def test_nobody_is_invited_to_or_asked_to_review_a_private_postmortem_they_may_not_see(
    alice, carol, bob, postmortem, django_capture_on_commit_callbacks
):
    postmortem.incident.is_private = True
    postmortem.incident.save(update_fields=["is_private"])
    postmortem.incident.responders.add(bob)

    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            postmortem=postmortem,
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=30,
            location="Room 1",
            participants=[carol, bob],
            by=alice,
        )

    assert set(meeting.participants.all()) == {alice, bob}
    assert not ReviewRequest.objects.filter(postmortem=postmortem, reviewer=carol).exists()
    assert "carol@example.org" not in {address for m in mail.outbox for address in m.to}
    assert _client_for(carol).get(f"/postmortems/{postmortem.pk}/").status_code == 404
