"""Writes of the culture pulse: inviting an incident's responders, starting the quarterly
survey, and answering an invitation anonymously."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from debrief.permissions import is_hidden
from learning.periods import Period
from postmortems.models import Postmortem

from .models import Answer, Invitation, Kind, Response, Survey, quarter_label
from .selectors import responders

INVITATION_LIFETIME = timedelta(days=30)
HELPED_MAX_LENGTH = 2000


class InvitationUsed(Exception):
    """The invitation was answered already: nobody answers twice."""


class InvitationExpired(Exception):
    """The invitation is past its expiry."""


@transaction.atomic
def pulse_invite(*, postmortem: Postmortem) -> int:
    """Invite everyone who responded to the postmortem's incident (selectors.responders) to
    its pulse, once each, until 30 days after publication. A draft invites nobody. Returns
    the number of new invitations."""
    postmortem = Postmortem.objects.select_related("incident").get(pk=postmortem.pk)
    if not postmortem.is_published:
        return 0
    invited = set(
        Invitation.objects.filter(postmortem=postmortem).values_list("user_id", flat=True)
    )
    expires_at = postmortem.published_at + INVITATION_LIFETIME
    created = Invitation.objects.bulk_create(
        [
            Invitation(user=person, postmortem=postmortem, expires_at=expires_at)
            for person in responders(postmortem).exclude(pk__in=invited)
            # A private incident's pulse goes only to those who may know of it.
            if not is_hidden(person, postmortem)
        ],
        # A concurrent run of the same task may have invited someone meanwhile.
        ignore_conflicts=True,
    )
    return len(created)


@transaction.atomic
def survey_start(*, by: User, today: date | None = None) -> Survey:
    """Start the organisation's culture survey of the current quarter: every active person
    is invited for 30 days. One survey per quarter."""
    quarter = Period.quarter_of(today or timezone.localdate())
    try:
        # The unique quarter decides between two admins starting it at once.
        with transaction.atomic():
            survey = Survey.objects.create(
                quarter=quarter.start,
                started_by=by,
                closes_at=timezone.now() + INVITATION_LIFETIME,
            )
    except IntegrityError:
        raise ValidationError(
            f"The culture survey of {quarter_label(quarter.start)} has already started."
        ) from None
    Invitation.objects.bulk_create(
        Invitation(user=person, survey=survey, expires_at=survey.closes_at)
        for person in User.objects.filter(is_active=True).only("pk")
    )
    return survey


@transaction.atomic
def invitation_answer(
    *, invitation: Invitation, by: User, answers: dict[str, int], what_would_have_helped: str = ""
) -> None:
    """Record one anonymous response and mark the invitation used, together. The response
    carries only its group (kind, the incident's team for a pulse, the quarter) and the
    answers; nothing of `by` or of the invitation. Every statement needs an answer from 1
    to 5. A used or expired invitation is refused. Returns nothing, so that no caller holds
    a response beside the person who gave it."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("postmortem__incident", "survey")
        .get(pk=invitation.pk)
    )
    if invitation.user_id != by.pk:
        raise ValidationError("This invitation is someone else's.")
    if invitation.used:
        raise InvitationUsed("You have already answered; nobody answers twice.")
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired("This invitation has expired.")
    kind = invitation.kind
    keys = [statement.key for statement in kind.statements]
    errors = {
        key: "Choose how far you agree, from 1 to 5."
        for key in keys
        if not isinstance(answers.get(key), int) or not 1 <= answers[key] <= 5
    }
    if set(answers) - set(keys):
        errors["__all__"] = "Answers to unknown statements."
    text = what_would_have_helped.strip() if kind == Kind.PULSE else ""
    if len(text) > HELPED_MAX_LENGTH:
        errors["what_would_have_helped"] = f"Keep it under {HELPED_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    # Guarded, so that of two concurrent answers (SQLite has no row locks) only one counts.
    if not Invitation.objects.filter(pk=invitation.pk, used=False).update(used=True):
        raise InvitationUsed("You have already answered; nobody answers twice.")
    if kind == Kind.PULSE:
        team = invitation.postmortem.incident.team
        quarter = Period.quarter_of(timezone.localdate()).start
    else:
        team = None
        quarter = invitation.survey.quarter
    response = Response.objects.create(
        kind=kind, team=team, quarter=quarter, what_would_have_helped=text
    )
    Answer.objects.bulk_create(
        Answer(response=response, statement=key, value=answers[key]) for key in keys
    )
