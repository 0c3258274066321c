from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from postmortems import services
from postmortems.models import Postmortem, ReviewComment, ReviewRequest
from tests.conftest import HTMX

from .conftest import text_sections


@pytest.fixture
def summary(postmortem):
    return text_sections(postmortem)[0]


def test_requesting_review_from_people_and_a_team(
    alice_client, alice, bob, carol, platform, postmortem, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/postmortems/{postmortem.pk}/review/request/",
            {"reviewers": [carol.pk, alice.pk], "team": platform.pk},
        )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW
    # The requester is never their own reviewer; the team's members are all asked.
    assert set(postmortem.reviews.values_list("reviewer__username", flat=True)) == {"bob", "carol"}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "bob@example.org",
        "carol@example.org",
    ]
    assert f"/postmortems/{postmortem.pk}/" in mail.outbox[0].body


def test_asking_again_adds_no_duplicate(alice, bob, postmortem):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    assert ReviewRequest.objects.count() == 1


def test_a_reviewer_reads_the_draft_comments_and_approves(
    alice, bob, bob_client, postmortem, summary
):
    assert bob_client.get(f"/postmortems/{postmortem.pk}/").status_code == 403
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    assert bob_client.get(f"/postmortems/{postmortem.pk}/").status_code == 200

    response = bob_client.post(
        f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/comments/",
        {"body": "Could we say what the alert showed?"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="comments"' in response.text
    assert "Could we say what the alert showed?" in response.text
    comment = ReviewComment.objects.get()
    assert (comment.section, comment.author) == (summary.section, bob)

    bob_client.post(f"/postmortems/{postmortem.pk}/review/approve/")
    assert postmortem.reviews.get().approved_at is not None
    page = bob_client.get(f"/postmortems/{postmortem.pk}/")
    assert "approved" in page.text


def test_threads_take_replies_and_can_be_resolved_without_javascript(
    alice, alice_client, bob, postmortem, summary
):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    thread = services.comment_add(
        postmortem=postmortem, section=summary.section, body="Unclear", by=bob
    )
    url = f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/comments/"
    response = alice_client.post(url, {"body": "Reworded it", "thread": thread.pk})
    assert response.status_code == 302
    reply = ReviewComment.objects.get(body="Reworded it")
    assert reply.thread == thread

    alice_client.post(f"/postmortems/{postmortem.pk}/comments/{reply.pk}/resolve/")
    thread.refresh_from_db()
    assert thread.resolved_by == alice
    page = alice_client.get(f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/")
    assert "Resolved by Alice" in page.text


def test_an_empty_comment_is_refused(alice_client, postmortem, summary):
    response = alice_client.post(
        f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/comments/",
        {"body": ""},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "This field is required." in response.text


def test_someone_not_asked_cannot_comment(carol_client, postmortem, summary):
    response = carol_client.post(
        f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/comments/", {"body": "hi"}
    )
    assert response.status_code == 403


def test_scheduling_the_review_meeting_sends_a_calendar_invitation(
    alice_client, alice, bob, postmortem, django_capture_on_commit_callbacks
):
    starts = timezone.localtime() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/postmortems/{postmortem.pk}/meetings/",
            {
                "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": 45,
                "location": "Room 4",
                "participants": [bob.pk],
            },
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert sorted(message.to) == ["alice@example.org", "bob@example.org"]
    _, content, mimetype = message.attachments[0]
    assert mimetype.startswith("text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Postmortem review: Card payments failing"
    assert str(event["LOCATION"]) == "Room 4"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    attendees = {str(a) for a in event["ATTENDEE"]}
    assert attendees == {"mailto:alice@example.org", "mailto:bob@example.org"}

    meeting = postmortem.meetings.get()
    download = alice_client.get(f"/postmortems/{postmortem.pk}/meetings/{meeting.pk}.ics")
    assert download["Content-Type"].startswith("text/calendar")
    assert Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"] == event["UID"]


def test_a_meeting_in_the_past_is_refused_and_the_form_kept(alice_client, bob, postmortem):
    response = alice_client.post(
        f"/postmortems/{postmortem.pk}/meetings/",
        {
            "starts_at": "2020-01-01T10:00",
            "duration_minutes": 30,
            "location": "Room 9",
            "participants": [bob.pk],
        },
    )
    assert response.status_code == 422
    assert "cannot start in the past" in response.text
    assert 'value="Room 9"' in response.text
