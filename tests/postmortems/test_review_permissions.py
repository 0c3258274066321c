"""Who may comment, resolve, preview and download invitations; nothing after publication."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from postmortems import services
from postmortems.models import ReviewComment, ReviewMeeting
from tests.conftest import HTMX, _client_for

from .conftest import text_sections
from .test_publish import write_everything


@pytest.fixture
def summary(postmortem):
    return text_sections(postmortem)[0]


@pytest.fixture
def thread(alice, postmortem, summary):
    return services.comment_add(
        postmortem=postmortem, section=summary.section, body="Clarify the cause?", by=alice
    )


def resolve(client, postmortem, thread):
    return client.post(f"/postmortems/{postmortem.pk}/comments/{thread.pk}/resolve/")


def test_nobody_resolves_or_reopens_threads_of_a_published_postmortem(
    alice, alice_client, carol_client, postmortem, thread
):
    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    assert resolve(carol_client, postmortem, thread).status_code == 403
    assert resolve(alice_client, postmortem, thread).status_code == 403
    thread.refresh_from_db()
    assert thread.resolved_at is None
    page = alice_client.get(f"/postmortems/{postmortem.pk}/sections/{thread.section.key}/")
    assert "Resolve thread" not in page.text


def test_a_reviewer_may_resolve_a_thread(alice, bob, postmortem, thread):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    assert resolve(_client_for(bob), postmortem, thread).status_code == 302
    assert ReviewComment.objects.get(pk=thread.pk).resolved_at is not None


def test_the_preview_is_for_editors(alice, bob, postmortem, summary):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    response = _client_for(bob).post(
        f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/preview/",
        {"body": "x", "version": 0},
        headers=HTMX,
    )
    assert response.status_code == 403


def test_the_invitation_download_is_for_the_people_involved(
    alice, alice_client, bob, carol_client, postmortem
):
    meeting = services.meeting_schedule(
        postmortem=postmortem,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=30,
        location="",
        participants=[bob],
        by=alice,
    )
    url = f"/postmortems/{postmortem.pk}/meetings/{meeting.pk}.ics"
    assert alice_client.get(url).status_code == 200
    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    assert carol_client.get(url).status_code == 403
    assert _client_for(bob).get(url).status_code == 200


def test_no_meeting_is_scheduled_for_a_published_postmortem(alice, alice_client, bob, postmortem):
    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    with pytest.raises(ValidationError, match="published"):
        services.meeting_schedule(
            postmortem=postmortem,
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=30,
            location="",
            participants=[bob],
            by=alice,
        )
    assert not ReviewMeeting.objects.exists()


def test_a_withdrawn_reviewer_loses_access_to_the_draft(alice, alice_client, bob, postmortem):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    bob_client = _client_for(bob)
    assert bob_client.get(f"/postmortems/{postmortem.pk}/").status_code == 200
    review = postmortem.reviews.get(reviewer=bob)
    page = alice_client.get(f"/postmortems/{postmortem.pk}/")
    assert "Withdraw request" in page.text
    response = alice_client.post(f"/postmortems/{postmortem.pk}/review/{review.pk}/withdraw/")
    assert response.status_code == 302
    assert bob_client.get(f"/postmortems/{postmortem.pk}/").status_code == 403


def test_only_editors_withdraw_review_requests(alice, bob, postmortem):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    review = postmortem.reviews.get(reviewer=bob)
    response = _client_for(bob).post(f"/postmortems/{postmortem.pk}/review/{review.pk}/withdraw/")
    assert response.status_code == 403
