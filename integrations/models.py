"""API tokens: a team's key to the integration API under /api/."""

from django.conf import settings
from django.db import models

from incidents.models import Team


class ApiToken(models.Model):
    """A secret that lets a program act for a team through the API. Only the SHA-256 digest
    of the secret is kept: the secret is shown once, when the token is made. Tokens are
    revoked, never deleted, so that what they did stays attributable."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=80,
        help_text="What will use it, such as pagerduty-bridge: timelines show what the token "
        "did under this name.",
    )
    # The first characters of the secret, shown in lists; far too few to guess the rest.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    # The inactive account the token's writes are recorded under, named after the token, so
    # that timelines say "API token 'pagerduty-bridge'" with the apps' own models unchanged.
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two live tokens of a team with one name could not be told apart in a timeline.
            models.UniqueConstraint(
                fields=["team", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_unique_live_name_per_team",
            )
        ]
        indexes = [
            # The team's tokens page: newest first.
            models.Index(fields=["team", "-created_at"], name="api_token_team_newest"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
