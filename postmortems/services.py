"""Writes to postmortems: starting one from an incident, saving sections (with revisions and
conflict detection), contributing factors, and publishing."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import entries_record_update, entry_record_for
from culture import tasks as culture_tasks
from debrief.permissions import can_edit, is_hidden
from debrief.tasks import enqueue_on_commit
from followups.models import ActionItem
from followups.recurrence import mark_recurrences
from incidents import services as incident_services
from incidents.models import Incident, Team, TimelineEvent
from outbound import events as outbound_events

from . import tasks
from .facts import incident_facts, narrative_timeline
from .models import (
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    ReviewComment,
    ReviewMeeting,
    ReviewRequest,
    SectionContent,
    SectionRevision,
    TemplateSection,
)
from .selectors import coach_flags_by_section, missing_required_sections


class SectionConflict(Exception):
    """The section changed after the editor loaded it; the save would overwrite someone."""

    def __init__(self, current: SectionContent):
        super().__init__("Someone else saved this section after you opened it.")
        self.current = current


class UnaddressedCoachFlags(Exception):
    """Publishing with blameful wording still flagged needs an explicit acknowledgement of
    the flags seen; `by_section` lists them, (section title, flags), for the writer to read."""

    def __init__(self, count: int, by_section: list[tuple[str, list]]):
        super().__init__(f"The writing coach still flags {count} passage(s).")
        self.count = count
        self.by_section = by_section


def _editable(postmortem: Postmortem) -> None:
    if postmortem.is_published:
        raise ValidationError("This postmortem is published; its text can no longer change.")


def _lock_editable(postmortem_pk: int) -> Postmortem:
    """Lock the postmortem's row and check it is still a draft on that row. Every write to
    the text or the factors takes this lock; publication takes it too, so nothing lands in a
    postmortem after it was published from a page that still showed the draft."""
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem_pk)
    _editable(postmortem)
    return postmortem


@transaction.atomic
def postmortem_start(*, incident: Incident, template: PostmortemTemplate, by: User) -> Postmortem:
    """Start the incident's postmortem from a template: one empty section per template
    section, except the narrative timeline, which begins as the incident's own timeline."""
    # Locked so that a template edit committing meanwhile is seen whole or not at all.
    template = PostmortemTemplate.objects.select_for_update().get(pk=template.pk)
    try:
        with transaction.atomic():
            postmortem = Postmortem.objects.create(
                incident=incident, template=template, title=incident.title, created_by=by
            )
    except IntegrityError:
        raise ValidationError("This incident already has a postmortem.") from None
    events = list(TimelineEvent.objects.filter(incident=incident).select_related("author"))
    contents = []
    for section in template.sections.all():
        content = SectionContent(
            postmortem=postmortem,
            section=section,
            title=section.title,
            position=section.position,
            required=section.required,
        )
        if section.kind == TemplateSection.Kind.TIMELINE:
            content.body = narrative_timeline(events)
            content.imported_event_ids = [event.pk for event in events]
        contents.append(content)
    SectionContent.objects.bulk_create(contents)
    for content in contents:
        if content.body:
            content.version = 1
            content.save(update_fields=["version"])
            SectionRevision.objects.create(content=content, version=1, body=content.body, author=by)
    return postmortem


# Saves by one writer closer together than this make one revision: autosave stores every pause
# in typing, and the history is for reading what changed, not every keystroke.
COALESCE_SAVES_WITHIN = timedelta(minutes=10)


@transaction.atomic
def section_save(
    *,
    content: SectionContent,
    body: str,
    by: User,
    expected_version: int,
    restored_from: SectionRevision | None = None,
) -> SectionContent:
    """Save a section's text. Refused with SectionConflict when the section was saved by
    someone else since the editor loaded `expected_version`. Text equal to the current text is
    no change, whatever the version: a retried save that had gone through must not come back
    as a conflict with itself.

    Every save bumps the section's version, so conflicts are always detected; the history
    keeps one revision per stretch of writing: a save by the author of the latest revision
    within COALESCE_SAVES_WITHIN of it replaces that revision's text, time and version
    instead of adding one. A restore is always a revision of its own."""
    _lock_editable(content.postmortem_id)
    # The incident rides along for the audit entry, which names its team and incident.
    content = (
        SectionContent.objects.select_for_update(of=("self",))
        .select_related("postmortem__incident", "section", "updated_by")
        .get(pk=content.pk)
    )
    if body == content.body:
        return content
    if content.version != expected_version:
        raise SectionConflict(content)
    return _write(content, body=body, by=by, restored_from=restored_from, coalesce=True)


def _write(
    content: SectionContent,
    *,
    body: str,
    by: User,
    restored_from: SectionRevision | None = None,
    coalesce: bool = False,
) -> SectionContent:
    """Store new text on a locked content row, as a new revision or, with `coalesce`, folded
    into the latest one when that is the same writer's, recent, and not a restore."""
    previous_version = content.version
    content.body = body
    content.version += 1
    content.updated_by = by
    content.save()
    now = timezone.now()
    folded = 0
    if coalesce and restored_from is None:
        # The latest revision is the one at the version just replaced; the row lock on the
        # content keeps concurrent saves from folding into it twice.
        folded = SectionRevision.objects.filter(
            content=content,
            version=previous_version,
            author=by,
            restored_from=None,
            created_at__gte=now - COALESCE_SAVES_WITHIN,
        ).update(version=content.version, body=body, created_at=now)
    if not folded:
        SectionRevision.objects.create(
            content=content,
            version=content.version,
            body=body,
            author=by,
            restored_from=restored_from,
        )
    Postmortem.objects.filter(pk=content.postmortem_id).update(updated_at=now)
    return content


def revision_restore(
    *, revision: SectionRevision, by: User, expected_version: int
) -> SectionContent:
    """Make an older revision's text the section's current text, as a new revision.
    `expected_version` is the current version the history page showed; a save landing after
    it is a SectionConflict, not something to overwrite unseen."""
    return section_save(
        content=revision.content,
        body=revision.body,
        by=by,
        expected_version=expected_version,
        restored_from=revision,
    )


@transaction.atomic
def timeline_refresh(*, content: SectionContent, by: User) -> int:
    """Append to the narrative the incident timeline events not imported into it yet, in the
    order they occurred, and return how many. What writers changed or removed in the text
    stays as they left it; no version check is needed, as nothing typed is replaced."""
    postmortem = _lock_editable(content.postmortem_id)
    content = SectionContent.objects.select_for_update().get(pk=content.pk)
    imported = set(content.imported_event_ids)
    events = [
        event
        for event in TimelineEvent.objects.filter(incident_id=postmortem.incident_id)
        .select_related("author")
        .order_by("occurred_at", "pk")
        if event.pk not in imported
    ]
    if not events:
        return 0
    text = content.body.rstrip("\n")
    body = text + ("\n" if text.strip() else "") + narrative_timeline(events)
    content.imported_event_ids = sorted(imported | {event.pk for event in events})
    _write(content, body=body, by=by)
    return len(events)


@transaction.atomic
def factor_add(
    *,
    postmortem: Postmortem,
    category: FactorCategory,
    description: str,
    by: User,
    timeline_event: TimelineEvent | None = None,
) -> ContributingFactor:
    postmortem = _lock_editable(postmortem.pk)
    if not description.strip():
        raise ValidationError({"description": "Describe the condition that contributed."})
    if timeline_event is not None and timeline_event.incident_id != postmortem.incident_id:
        raise ValidationError({"timeline_event": "That event belongs to another incident."})
    factor = ContributingFactor.objects.create(
        postmortem=postmortem,
        category=category,
        description=description.strip(),
        timeline_event=timeline_event,
        created_by=by,
    )
    # Did an earlier fix for this kind of factor on these services hold? Mark those that did not.
    mark_recurrences(postmortem=postmortem)
    return factor


@transaction.atomic
def factor_remove(*, factor: ContributingFactor, by: User) -> None:
    _lock_editable(factor.postmortem_id)
    ContributingFactor.objects.filter(pk=factor.pk).delete()


@transaction.atomic
def postmortem_publish(
    *, postmortem: Postmortem, by: User, acknowledged_count: int = 0
) -> Postmortem:
    """Publish: every required section written, blameful wording either addressed or its
    presence acknowledged (and recorded), the incident's facts frozen as they stand now.
    `acknowledged_count` is how many flags the writer was shown and accepted; more flags
    now than that (someone wrote meanwhile) is refused again, so nothing is accepted unseen.
    The incident's team is told by email once the transaction commits."""
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if postmortem.is_published:
        raise ValidationError("This postmortem is already published.")
    if missing := missing_required_sections(postmortem):
        raise ValidationError("Write the required sections first: " + ", ".join(missing) + ".")
    by_section = coach_flags_by_section(postmortem)
    flags = sum(len(found) for _, found in by_section)
    if flags > acknowledged_count:
        raise UnaddressedCoachFlags(flags, by_section)
    now = timezone.now()
    postmortem.status = Postmortem.Status.PUBLISHED
    postmortem.published_at = now
    postmortem.published_by = by
    postmortem.published_facts = incident_facts(postmortem.incident)
    postmortem.coach_flags_at_publish = flags
    if flags:
        postmortem.coach_flags_acknowledged_by = by
        postmortem.coach_flags_acknowledged_at = now
    postmortem.save()
    enqueue_on_commit(tasks.notify_postmortem_published, postmortem.pk)
    outbound_events.announce_postmortem_published(postmortem=postmortem)
    enqueue_on_commit(culture_tasks.invite_pulse_responders, postmortem.pk)
    return postmortem


@transaction.atomic
def review_request(
    *,
    postmortem: Postmortem,
    by: User,
    reviewers: Iterable[User] = (),
    team: Team | None = None,
) -> list[ReviewRequest]:
    """Ask people, or every member of a team, to review. The postmortem moves to review and
    each new reviewer is emailed once the transaction commits."""
    postmortem = _lock_editable(postmortem.pk)
    people = {user.pk: user for user in reviewers}
    if team is not None:
        people.update({user.pk: user for user in team.members.filter(is_active=True)})
    people.pop(by.pk, None)
    # Nobody is asked to review what they may not see (a private incident's postmortem).
    people = {pk: user for pk, user in people.items() if not is_hidden(user, postmortem)}
    if not people:
        raise ValidationError({"reviewers": "Choose at least one reviewer other than yourself."})
    already = set(postmortem.reviews.values_list("reviewer_id", flat=True))
    created = ReviewRequest.objects.bulk_create(
        ReviewRequest(postmortem=postmortem, reviewer=user, requested_by=by)
        for pk, user in people.items()
        if pk not in already
    )
    # Only a draft moves to review; a guarded update can never move a published one back.
    moved = Postmortem.objects.filter(pk=postmortem.pk, status=Postmortem.Status.DRAFT).update(
        status=Postmortem.Status.IN_REVIEW, updated_at=timezone.now()
    )
    if moved:
        # A QuerySet update sends no signals: the audit trail is told directly.
        entry_record_for(
            instance=postmortem,
            action=AuditEntry.Action.CHANGED,
            changes={"status": [Postmortem.Status.DRAFT, Postmortem.Status.IN_REVIEW]},
        )
    for review in created:
        enqueue_on_commit(tasks.notify_review_requested, review.pk)
    return created


@transaction.atomic
def review_withdraw(*, review: ReviewRequest, by: User) -> None:
    """Withdraw a review request. The person no longer reads the draft, unless they may
    change it anyway; their comments stay."""
    _lock_editable(review.postmortem_id)
    ReviewRequest.objects.filter(pk=review.pk).delete()


@transaction.atomic
def review_approve(*, postmortem: Postmortem, by: User) -> ReviewRequest:
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if postmortem.is_published:
        raise ValidationError("This postmortem is published; the review is over.")
    review = postmortem.reviews.select_for_update().filter(reviewer=by).first()
    if review is None:
        raise ValidationError("Only the people asked to review can approve.")
    if review.approved_at is None:
        review.approved_at = timezone.now()
        review.save(update_fields=["approved_at"])
    return review


@transaction.atomic
def comment_add(
    *,
    postmortem: Postmortem,
    section: TemplateSection,
    body: str,
    by: User,
    thread: ReviewComment | None = None,
) -> ReviewComment:
    """A review comment on a section, or a reply in an existing thread."""
    if postmortem.is_published:
        raise ValidationError("This postmortem is published; the review is over.")
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    if section.template_id != postmortem.template_id:
        raise ValidationError({"section": "That section is not part of this postmortem."})
    if thread is not None:
        if thread.postmortem_id != postmortem.pk:
            raise ValidationError({"thread": "That thread belongs to another postmortem."})
        thread = thread.thread or thread
        section = thread.section
    return ReviewComment.objects.create(
        postmortem=postmortem, section=section, thread=thread, author=by, body=body.strip()
    )


@transaction.atomic
def comment_resolve(*, comment: ReviewComment, by: User, resolved: bool = True) -> ReviewComment:
    """Resolve (or reopen) a comment's whole thread."""
    if Postmortem.objects.get(pk=comment.postmortem_id).is_published:
        raise ValidationError("This postmortem is published; the review is over.")
    root = comment.thread or comment
    root.resolved_at = timezone.now() if resolved else None
    root.resolved_by = by if resolved else None
    root.save(update_fields=["resolved_at", "resolved_by"])
    return root


@transaction.atomic
def meeting_schedule(
    *,
    postmortem: Postmortem,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    participants: Iterable[User],
    by: User,
) -> ReviewMeeting:
    """Schedule the review meeting; participants get an iCalendar invitation by email."""
    if Postmortem.objects.get(pk=postmortem.pk).is_published:
        raise ValidationError("This postmortem is published; its review is over.")
    if starts_at < timezone.now() - timedelta(minutes=5):
        raise ValidationError({"starts_at": "The meeting cannot start in the past."})
    if not 5 <= duration_minutes <= 8 * 60:
        raise ValidationError({"duration_minutes": "A review lasts between 5 minutes and 8 hours."})
    meeting = ReviewMeeting.objects.create(
        postmortem=postmortem,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location.strip(),
        organiser=by,
    )
    # Nobody is invited to, nor asked to review, what they may not see (a private incident's
    # postmortem): the invitation names it and links to it.
    people = {
        user.pk: user for user in participants if user.is_active and not is_hidden(user, postmortem)
    }
    people[by.pk] = by
    meeting.participants.set(people.values())
    # The invitation links to the draft: participants who could not read it become reviewers.
    already = set(postmortem.reviews.values_list("reviewer_id", flat=True))
    ReviewRequest.objects.bulk_create(
        ReviewRequest(postmortem=postmortem, reviewer=user, requested_by=by)
        for user in people.values()
        if user.pk not in already and not can_edit(user, postmortem)
    )
    enqueue_on_commit(tasks.send_meeting_invitation, meeting.pk)
    return meeting


@transaction.atomic
def postmortem_delete(*, postmortem: Postmortem, by: User) -> Postmortem:
    """Move the postmortem to the bin with its follow-ups (marked with the same moment, as
    incident_delete does); the incident stays."""
    try:
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    except Postmortem.DoesNotExist:
        raise ValidationError("This postmortem is already in the bin.") from None
    now = timezone.now()
    postmortem.deleted_at = now
    postmortem.deleted_by = by
    postmortem.save(update_fields=["deleted_at", "deleted_by"])
    # An update sends no signals: the audit trail is told of each follow-up.
    entries_record_update(
        ActionItem.objects.filter(postmortem=postmortem), deleted_at=now, deleted_by=by
    )
    incident_services.incident_bin_note(
        incident=postmortem.incident,
        by=by,
        body=f"Postmortem “{postmortem.title}” moved to the bin.",
    )
    return postmortem


@transaction.atomic
def postmortem_restore(*, postmortem: Postmortem, by: User) -> Postmortem:
    """Bring the postmortem back with the follow-ups binned along with it. One binned with
    its incident comes back with the incident only."""
    postmortem = Postmortem.all_objects.select_for_update().get(pk=postmortem.pk)
    if postmortem.deleted_at is None:
        raise ValidationError("This postmortem is not in the bin.")
    if postmortem.incident.deleted_at is not None:
        raise ValidationError(
            f"Its incident {postmortem.incident.reference} is in the bin: restore the incident."
        )
    entries_record_update(
        ActionItem.all_objects.filter(postmortem=postmortem, deleted_at=postmortem.deleted_at),
        deleted_at=None,
        deleted_by=None,
    )
    postmortem.deleted_at = None
    postmortem.deleted_by = None
    postmortem.save(update_fields=["deleted_at", "deleted_by"])
    incident_services.incident_bin_note(
        incident=postmortem.incident,
        by=by,
        body=f"Postmortem “{postmortem.title}” restored from the bin.",
    )
    return postmortem
