"""Writes to postmortems: starting one from an incident, saving sections (with revisions and
conflict detection), contributing factors, and publishing."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from incidents.models import Incident, Team, TimelineEvent

from . import coach, tasks
from .facts import incident_facts
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


class SectionConflict(Exception):
    """The section changed after the editor loaded it; the save would overwrite someone."""

    def __init__(self, current: SectionContent):
        super().__init__("Someone else saved this section after you opened it.")
        self.current = current


class UnaddressedCoachFlags(Exception):
    """Publishing with blameful wording still flagged needs an explicit acknowledgement."""

    def __init__(self, count: int):
        super().__init__(f"The writing coach still flags {count} passage(s).")
        self.count = count


def _person(user: User | None) -> str:
    if user is None:
        return "Debrief"
    return user.get_full_name() or user.get_username()


def narrative_timeline(events) -> str:
    """The incident's timeline as an editable Markdown list, one line per event."""
    lines = []
    for event in events:
        when = date_format(timezone.localtime(event.occurred_at), "j M H:i")
        what = event.get_kind_display()
        if event.old_value:
            what += f" ({event.old_value} → {event.new_value})"
        if event.body:
            what += f": {event.body}"
        lines.append(f"- **{when}** {what} — {_person(event.author)}")
    return "\n".join(lines)


def _editable(postmortem: Postmortem) -> None:
    if postmortem.is_published:
        raise ValidationError("This postmortem is published; its text can no longer change.")


@transaction.atomic
def postmortem_start(*, incident: Incident, template: PostmortemTemplate, by: User) -> Postmortem:
    """Start the incident's postmortem from a template: one empty section per template
    section, except the narrative timeline, which begins as the incident's own timeline."""
    try:
        with transaction.atomic():
            postmortem = Postmortem.objects.create(
                incident=incident, template=template, title=incident.title, created_by=by
            )
    except IntegrityError:
        raise ValidationError("This incident already has a postmortem.") from None
    events = TimelineEvent.objects.filter(incident=incident).select_related("author")
    contents = []
    for section in template.sections.all():
        body = narrative_timeline(events) if section.kind == TemplateSection.Kind.TIMELINE else ""
        contents.append(SectionContent(postmortem=postmortem, section=section, body=body))
    SectionContent.objects.bulk_create(contents)
    for content in contents:
        if content.body:
            content.version = 1
            content.save(update_fields=["version"])
            SectionRevision.objects.create(content=content, version=1, body=content.body, author=by)
    return postmortem


@transaction.atomic
def section_save(
    *,
    content: SectionContent,
    body: str,
    by: User,
    expected_version: int,
    restored_from: SectionRevision | None = None,
) -> SectionContent:
    """Save a section's text as a new revision. Refused with SectionConflict when the section
    was saved by someone else since the editor loaded `expected_version`."""
    content = (
        SectionContent.objects.select_for_update()
        .select_related("postmortem", "section")
        .get(pk=content.pk)
    )
    _editable(content.postmortem)
    if content.version != expected_version:
        raise SectionConflict(content)
    if body == content.body:
        return content
    content.body = body
    content.version += 1
    content.updated_by = by
    content.save()
    SectionRevision.objects.create(
        content=content, version=content.version, body=body, author=by, restored_from=restored_from
    )
    Postmortem.objects.filter(pk=content.postmortem_id).update(updated_at=timezone.now())
    return content


def revision_restore(*, revision: SectionRevision, by: User) -> SectionContent:
    """Make an older revision's text the section's current text, as a new revision."""
    content = revision.content
    content.refresh_from_db()
    return section_save(
        content=content,
        body=revision.body,
        by=by,
        expected_version=content.version,
        restored_from=revision,
    )


def timeline_refresh(*, content: SectionContent, by: User, expected_version: int) -> SectionContent:
    """Append incident timeline events logged since the narrative was last imported."""
    events = TimelineEvent.objects.filter(incident=content.postmortem.incident).select_related(
        "author"
    )
    missing = [line for line in narrative_timeline(events).splitlines() if line not in content.body]
    if not missing:
        return content
    body = content.body.rstrip("\n") + ("\n" if content.body.strip() else "") + "\n".join(missing)
    return section_save(content=content, body=body, by=by, expected_version=expected_version)


@transaction.atomic
def factor_add(
    *,
    postmortem: Postmortem,
    category: FactorCategory,
    description: str,
    by: User,
    timeline_event: TimelineEvent | None = None,
) -> ContributingFactor:
    _editable(postmortem)
    if not description.strip():
        raise ValidationError({"description": "Describe the condition that contributed."})
    if timeline_event is not None and timeline_event.incident_id != postmortem.incident_id:
        raise ValidationError({"timeline_event": "That event belongs to another incident."})
    return ContributingFactor.objects.create(
        postmortem=postmortem,
        category=category,
        description=description.strip(),
        timeline_event=timeline_event,
        created_by=by,
    )


@transaction.atomic
def factor_remove(*, factor: ContributingFactor, by: User) -> None:
    _editable(factor.postmortem)
    factor.delete()


def missing_required_sections(postmortem: Postmortem) -> list[str]:
    missing = []
    for content in postmortem.contents.select_related("section"):
        section = content.section
        if not section.required:
            continue
        if section.kind == TemplateSection.Kind.CONTRIBUTING_FACTORS:
            if not content.body.strip() and not postmortem.contributing_factors.exists():
                missing.append(section.title)
        elif not content.body.strip():
            missing.append(section.title)
    return missing


def coach_flag_count(postmortem: Postmortem) -> int:
    texts = [content.body for content in postmortem.contents.all()]
    texts += [factor.description for factor in postmortem.contributing_factors.all()]
    return len(coach.coach_text("\n\n".join(texts)))


@transaction.atomic
def postmortem_publish(
    *, postmortem: Postmortem, by: User, acknowledge_flags: bool = False
) -> Postmortem:
    """Publish: every required section written, blameful wording either addressed or its
    presence acknowledged (and recorded), the incident's facts frozen as they stand now.
    The incident's team is told by email once the transaction commits."""
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if postmortem.is_published:
        raise ValidationError("This postmortem is already published.")
    if missing := missing_required_sections(postmortem):
        raise ValidationError("Write the required sections first: " + ", ".join(missing) + ".")
    flags = coach_flag_count(postmortem)
    if flags and not acknowledge_flags:
        raise UnaddressedCoachFlags(flags)
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
    transaction.on_commit(lambda: tasks.notify_postmortem_published.delay(postmortem.pk))
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
    _editable(postmortem)
    people = {user.pk: user for user in reviewers}
    if team is not None:
        people.update({user.pk: user for user in team.members.filter(is_active=True)})
    people.pop(by.pk, None)
    if not people:
        raise ValidationError({"reviewers": "Choose at least one reviewer other than yourself."})
    already = set(postmortem.reviews.values_list("reviewer_id", flat=True))
    created = ReviewRequest.objects.bulk_create(
        ReviewRequest(postmortem=postmortem, reviewer=user, requested_by=by)
        for pk, user in people.items()
        if pk not in already
    )
    if postmortem.status == Postmortem.Status.DRAFT:
        postmortem.status = Postmortem.Status.IN_REVIEW
        postmortem.save(update_fields=["status", "updated_at"])
    ids = [review.pk for review in created]
    if ids:
        transaction.on_commit(lambda: tasks.notify_review_requested.delay(ids))
    return created


@transaction.atomic
def review_approve(*, postmortem: Postmortem, by: User) -> ReviewRequest:
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
    people = {user.pk: user for user in participants}
    people[by.pk] = by
    meeting.participants.set(people.values())
    transaction.on_commit(lambda: tasks.send_meeting_invitation.delay(meeting.pk))
    return meeting
