"""Invitations, anonymous responses and the organisation's quarterly surveys.

The anonymity rests on what is *not* here: a Response has no user, no time finer than its
quarter, and a random primary key, so neither a column nor the order of the keys joins it
to an Invitation. An Invitation records only that it was used, never when. See
docs/culture.md for the design and its limits."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from incidents.models import Team
from postmortems.models import Postmortem

from . import statements


class Kind(models.TextChoices):
    PULSE = "pulse", "Post-incident pulse"
    SURVEY = "survey", "Organisation culture survey"

    @property
    def statements(self) -> list[statements.Statement]:
        return statements.PULSE if self == Kind.PULSE else statements.WESTRUM


class Survey(models.Model):
    """The organisation-wide culture survey of one quarter, started by an admin."""

    quarter = models.DateField(unique=True, help_text="The first day of the quarter.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["-quarter"]

    def __str__(self):
        return f"Culture survey {quarter_label(self.quarter)}"


class Invitation(models.Model):
    """One person's invitation to answer a pulse (about a postmortem) or a survey. `used`
    says it was answered, so nobody answers twice; deliberately no time of use."""

    # Random, so that the link in an invitation cannot be guessed from another.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="culture_invitations"
    )
    postmortem = models.ForeignKey(
        Postmortem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "postmortem"], name="culture_one_pulse_invitation_per_person"
            ),
            models.UniqueConstraint(
                fields=["user", "survey"], name="culture_one_survey_invitation_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(postmortem__isnull=True) ^ models.Q(survey__isnull=True),
                name="culture_invitation_for_a_pulse_or_a_survey",
            ),
        ]
        indexes = [
            # The navigation's count and the list of open invitations: a person's unused ones.
            models.Index(fields=["user", "used", "expires_at"], name="culture_open_invitations")
        ]

    def __str__(self):
        return f"Invitation {self.pk}"

    def get_absolute_url(self):
        return reverse("culture:answer", args=[self.pk])

    @property
    def kind(self) -> Kind:
        return Kind.PULSE if self.postmortem_id else Kind.SURVEY


class Response(models.Model):
    """One anonymous set of answers. The group it counts in is (kind, team, quarter): the
    team whose incident a pulse was about (none for the organisation's survey)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quarter = models.DateField(help_text="The first day of the quarter it was given in.")
    what_would_have_helped = models.TextField(blank=True)

    class Meta:
        # The trends group by kind and quarter, narrowed to a team.
        indexes = [models.Index(fields=["kind", "quarter", "team"], name="culture_response_group")]

    def __str__(self):
        return f"{Kind(self.kind).label} response, {quarter_label(self.quarter)}"


class Answer(models.Model):
    """One statement's answer of a response, 1 (strongly disagree) to 5 (strongly agree)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    statement = models.CharField(max_length=50)
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="culture_one_answer_per_statement"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=5), name="culture_answer_on_the_scale"
            ),
        ]

    def __str__(self):
        return f"{self.statement}: {self.value}"


def quarter_label(start) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"
