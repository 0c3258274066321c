"""Background work for postmortems. Tasks take primary keys and call into services or mail."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string

from debrief.permissions import is_hidden
from debrief.tasks import TRANSIENT_ERRORS

from .calendar import meeting_invitation_ics
from .models import Postmortem, ReviewMeeting, ReviewRequest


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def notify_postmortem_published(postmortem_id: int) -> int:
    """Email the incident's team that its postmortem is published. Returns emails sent;
    none when the postmortem went to the bin before the task ran."""
    postmortem = (
        Postmortem.objects.select_related("incident__team", "published_by")
        .filter(pk=postmortem_id)
        .first()
    )
    if postmortem is None:
        return 0
    members = postmortem.incident.team.members.filter(is_active=True).exclude(email="")
    # Of a private incident, only the members who may know of it are told.
    recipients = [person.email for person in members if not is_hidden(person, postmortem)]
    if not recipients:
        return 0
    context = {"postmortem": postmortem, "site_url": settings.SITE_URL}
    send_mail(
        subject=_subject(f"Postmortem published: {postmortem.title}"),
        message=render_to_string("postmortems/email/published.txt", context),
        html_message=render_to_string("postmortems/email/published.html", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def _subject(text: str) -> str:
    """A title on one line: a newline in a subject would break the message's headers."""
    return " ".join(text.split())


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def notify_review_requested(review_id: int) -> int:
    """Email one new reviewer a link to the postmortem. One task per review, so that a retry
    after a mail server error does not email again the reviewers already told. Returns
    emails sent (0 or 1); a withdrawn request or an inactive reviewer gets none."""
    review = (
        ReviewRequest.objects.filter(
            pk=review_id, reviewer__is_active=True, postmortem__deleted_at__isnull=True
        )
        .exclude(reviewer__email="")
        .select_related("postmortem__incident", "reviewer", "requested_by")
        .first()
    )
    if review is None or is_hidden(review.reviewer, review.postmortem):
        return 0
    context = {"review": review, "postmortem": review.postmortem, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=_subject(f"Review requested: {review.postmortem.title}"),
        body=render_to_string("postmortems/email/review_requested.txt", context),
        to=[review.reviewer.email],
    )
    message.attach_alternative(
        render_to_string("postmortems/email/review_requested.html", context), "text/html"
    )
    message.send()
    return 1


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def send_meeting_invitation(meeting_id: int) -> int:
    """Email every participant the review meeting as an iCalendar invitation; nobody when
    the postmortem went to the bin before the task ran."""
    meeting = (
        ReviewMeeting.objects.select_related("postmortem__incident", "organiser")
        .filter(pk=meeting_id, postmortem__deleted_at__isnull=True)
        .first()
    )
    if meeting is None:
        return 0
    recipients = [
        person.email
        for person in meeting.participants.all()
        if person.email and person.is_active and not is_hidden(person, meeting.postmortem)
    ]
    if not recipients:
        return 0
    context = {"meeting": meeting, "postmortem": meeting.postmortem, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=_subject(f"Postmortem review: {meeting.postmortem.title}"),
        body=render_to_string("postmortems/email/meeting.txt", context),
        to=recipients,
    )
    message.attach("review.ics", meeting_invitation_ics(meeting), "text/calendar; method=REQUEST")
    message.send()
    return len(recipients)
