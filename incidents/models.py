from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from debrief.managers import BinIncludedManager, LiveManager


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="administered_teams",
        blank=True,
        help_text="Members who manage the team's integrations: API tokens, webhooks and "
        "notification destinations.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:team-detail", args=[self.slug])


class Service(models.Model):
    class Tier(models.IntegerChoices):
        TIER_1 = 1, "Tier 1 — critical: customer-facing, revenue or safety"
        TIER_2 = 2, "Tier 2 — important: degraded experience when down"
        TIER_3 = 3, "Tier 3 — internal: staff tooling, batch jobs"
        TIER_4 = 4, "Tier 4 — experimental or best effort"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    tier = models.PositiveSmallIntegerField(choices=Tier, default=Tier.TIER_2)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:service-detail", args=[self.slug])


class Deployment(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        ROLLED_BACK = "rolled_back", "Rolled back"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="deployments")
    environment = models.CharField(max_length=50, default="production")
    version = models.CharField(max_length=200, help_text="Version, tag or ref that was deployed.")
    first_commit_at = models.DateTimeField(
        null=True, blank=True, help_text="When the earliest commit in this deployment was made."
    )
    deployed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.SUCCEEDED)
    source = models.CharField(max_length=50, default="manual", help_text="Where it was recorded.")
    # A deployment can be marked as the fix of an incident: the rework rate counts them.
    remediates = models.ForeignKey(
        "Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="remediating_deployments",
        help_text="The incident this deployment fixes, if it is a fix.",
    )
    external_id = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deployed_at", "-pk"]
        constraints = [
            # Redelivered CI/CD events must not record a deployment twice.
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="deployment_unique_external_id_per_source",
            )
        ]
        indexes = [
            # The per-service deployment list and the DORA queries filter by service and time.
            models.Index(fields=["service", "environment", "-deployed_at"]),
            # The organisation's delivery metrics and sparklines (learning.metrics.four_keys,
            # learning.export.four_keys_weekly, team_trends) read the production deployments of
            # a period; service and outcome ride along so the index answers them alone.
            models.Index(
                fields=["environment", "deployed_at", "service", "outcome"],
                name="deployment_environment_time",
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.version} ({self.environment})"

    @property
    def team(self):
        return self.service.team

    @property
    def lead_time(self) -> timedelta | None:
        if self.first_commit_at is None:
            return None
        return self.deployed_at - self.first_commit_at


class DeploymentCommit(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "sha"], name="commit_unique_per_deployment"
            )
        ]
        indexes = [
            # Lead time's "deployed before?" check (learning.metrics.lead_time_samples) looks up
            # each sha's deployments; with the deployment in the index it needs no table read.
            models.Index(fields=["sha", "deployment"], name="commit_sha_deployment"),
        ]

    def __str__(self):
        return self.sha[:12]


class Severity(models.IntegerChoices):
    SEV1 = 1, "SEV1"
    SEV2 = 2, "SEV2"
    SEV3 = 3, "SEV3"
    SEV4 = 4, "SEV4"

    @property
    def meaning(self) -> str:
        return SEVERITY_MEANINGS[self]


SEVERITY_MEANINGS = {
    Severity.SEV1: "Critical: a core service is down or data is at risk for many customers.",
    Severity.SEV2: "Major: a core feature is degraded or down for some customers.",
    Severity.SEV3: "Minor: limited impact, a workaround exists, or an internal system is hit.",
    Severity.SEV4: "Low: no customer impact yet; a near miss or cosmetic problem.",
}


class Status(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"

    @property
    def next(self) -> "Status | None":
        """The usual next step of the lifecycle, which the status form offers first."""
        order = list(Status)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


# The moments of an incident's life, in the order they normally happen. Their labels come from
# the fields' verbose names (see timestamp_label), so forms, errors and pages agree.
TIMESTAMP_FIELDS = ("started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at")


class Incident(models.Model):
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    severity = models.PositiveSmallIntegerField(choices=Severity, default=Severity.SEV3)
    status = models.CharField(max_length=20, choices=Status, default=Status.INVESTIGATING)
    services = models.ManyToManyField(Service, related_name="incidents")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
        verbose_name="incident commander",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    customer_impact = models.TextField(blank=True)
    caused_by_deployment = models.ForeignKey(
        Deployment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caused_incidents",
        verbose_name="caused by deployment",
    )
    is_drill = models.BooleanField(
        "drill or game day",
        default=False,
        help_text="Drills and game days never count in statistics.",
    )
    is_private = models.BooleanField(
        "private",
        default=False,
        help_text="Only its responders and organisation admins see a private incident (for "
        "example a security incident); statistics count it without any detail.",
    )
    # Besides the commander and the reporter, who are responders by their role.
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="responded_incidents", blank=True
    )
    started_at = models.DateTimeField("impact started", default=timezone.now)
    detected_at = models.DateTimeField("detected", null=True, blank=True)
    acknowledged_at = models.DateTimeField("acknowledged", null=True, blank=True)
    restored_at = models.DateTimeField("service restored", null=True, blank=True)
    resolved_at = models.DateTimeField("resolved", null=True, blank=True)
    # Bumped on every change to the incident itself (timeline notes leave it alone). Edits
    # detect concurrent changes detail by detail instead (services.incident_update).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # In the bin when set: hidden everywhere until an admin restores it.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LiveManager()
    all_objects = BinIncludedManager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The incident list: newest first, optionally narrowed by status, team or severity.
            models.Index(fields=["-started_at", "-id"], name="incident_newest"),
            models.Index(fields=["status", "-started_at"], name="incident_status_newest"),
            models.Index(fields=["team", "-started_at"], name="incident_team_newest"),
            # The home page's open incidents: a handful among years of resolved ones.
            models.Index(
                fields=["severity", "-started_at"],
                condition=~models.Q(status="resolved") & models.Q(deleted_at__isnull=True),
                name="incident_open",
            ),
            # Search reads which incidents are binned or private by key, for thousands of
            # matches at once (debrief.permissions.incident_privacy_by_key): a few of all.
            models.Index(
                fields=["id"],
                condition=models.Q(deleted_at__isnull=False),
                name="incident_binned",
            ),
            models.Index(
                fields=["id"], condition=models.Q(is_private=True), name="incident_private"
            ),
            # Time to restore (learning.metrics.restore_samples) reads the organisation's
            # non-drill incidents started in a period.
            models.Index(fields=["is_drill", "started_at"], name="incident_drill_started"),
            # Change failure rate (learning.metrics.failed_deployment) matches deployments
            # against the causes of all non-drill incidents: read from this index alone.
            models.Index(
                fields=["caused_by_deployment", "is_drill"],
                condition=models.Q(caused_by_deployment__isnull=False),
                name="incident_causes",
            ),
        ]
        # A backstop under the services' rules (incidents/services.py), for writes that go
        # around them: the admin, a shell, a data migration.
        constraints = [
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True})
                    | models.Q(**{f"{name}__gte": models.F("started_at")}),
                    name=f"incident_{name.removesuffix('_at')}_not_before_start",
                    violation_error_message="No moment can be before impact started.",
                )
                for name in TIMESTAMP_FIELDS[1:]
            ),
            models.CheckConstraint(
                condition=models.Q(restored_at__isnull=True)
                | models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("restored_at")),
                name="incident_resolved_not_before_restored",
                violation_error_message="Resolved cannot be before service was restored.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"

    @property
    def severity_meaning(self) -> str:
        return SEVERITY_MEANINGS[Severity(self.severity)]

    @property
    def is_resolved(self) -> bool:
        return self.status == Status.RESOLVED

    def _since_start(self, moment) -> timedelta | None:
        return None if moment is None else moment - self.started_at

    @property
    def time_to_detect(self) -> timedelta | None:
        return self._since_start(self.detected_at)

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self._since_start(self.acknowledged_at)

    @property
    def time_to_restore(self) -> timedelta | None:
        """Service restored minus impact started: the DORA time-to-restore sample."""
        return self._since_start(self.restored_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since_start(self.resolved_at)

    @property
    def moments(self) -> list[tuple[str, datetime | None]]:
        """Each timestamp with its label, in lifecycle order."""
        return [(timestamp_label(name), getattr(self, name)) for name in TIMESTAMP_FIELDS]

    @property
    def durations(self) -> list[tuple[str, timedelta | None]]:
        return [
            ("Time to detect", self.time_to_detect),
            ("Time to acknowledge", self.time_to_acknowledge),
            ("Time to restore", self.time_to_restore),
            ("Time to resolve", self.time_to_resolve),
        ]


def timestamp_label(name: str) -> str:
    """ "Impact started", "Detected", …: the timestamp field's verbose name, capitalised."""
    return capfirst(Incident._meta.get_field(name).verbose_name)


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        DECLARED = "declared", "Declared"
        NOTE = "note", "Note"
        STATUS_CHANGE = "status_change", "Status change"
        SEVERITY_CHANGE = "severity_change", "Severity change"
        DETECTED = "detected", "Detected"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESTORED = "restored", "Service restored"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        EDITED = "edited", "Details edited"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NOTE)
    body = models.TextField(blank=True)
    old_value = models.CharField(max_length=50, blank=True)
    new_value = models.CharField(max_length=50, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(
        default=timezone.now, help_text="When it happened; earlier than now when logged later."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["incident", "occurred_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # The timeline is a record of what happened: events are appended, never rewritten.
        if not self._state.adding:
            raise ValueError("Timeline events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are append-only and cannot be deleted.")

    @property
    def is_backdated(self) -> bool:
        return self.created_at - self.occurred_at > timedelta(minutes=1)
