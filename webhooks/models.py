"""Inbound webhook endpoints, the routes that send their events to services, the log of every
delivery (which makes each one count exactly once) and the links from an outside system's
incident to Debrief's."""

import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse

from incidents.models import Incident, Service, Team


class Kind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    PAGERDUTY = "pagerduty", "PagerDuty (V3 webhooks)"
    GITHUB = "github", "GitHub"
    GENERIC = "generic", "Generic JSON"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Endpoint(models.Model):
    """One URL a tool posts to, owned by a team. Alertmanager sends its secret as a bearer
    token, so only a digest of it is kept. The others sign the body with an HMAC, which can
    only be checked with the secret itself: `secret` holds it as given."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    kind = models.CharField(max_length=20, choices=Kind)
    name = models.CharField(max_length=100)
    token = models.CharField(max_length=64, unique=True, editable=False)
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="The HMAC signing secret, stored as given: verifying a signature needs it. "
        "Empty for Alertmanager, whose bearer token is kept as a digest only.",
    )
    secret_digest = models.CharField(max_length=64, editable=False)
    severity_label = models.CharField(
        max_length=100,
        default="severity",
        help_text="Alertmanager: the label whose value sets the incident's severity.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="webhook_endpoint_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("webhooks:endpoint", args=[self.team.slug, self.pk])

    @property
    def path(self) -> str:
        return reverse("webhooks:receive", args=[self.kind, self.token])


class Route(models.Model):
    """Sends an endpoint's events to a service: Alertmanager groups whose label `match_label`
    has the value `match_value`; PagerDuty incidents of the service id `match_value`; GitHub
    events of the repository `match_value` (owner/name), in `environment` when given and, for
    workflow runs, of the workflow named `workflow` when given; generic events whose
    `service` field is `match_value`."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="routes")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    match_label = models.CharField(max_length=100, blank=True)
    match_value = models.CharField(max_length=200)
    environment = models.CharField(max_length=50, blank=True)
    workflow = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["match_label", "match_value", "environment", "workflow", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "match_label", "match_value", "environment", "workflow"],
                name="webhook_route_unique_match",
            )
        ]

    def __str__(self):
        what = f"{self.match_label}={self.match_value}" if self.match_label else self.match_value
        return f"{what} → {self.service}"


class Delivery(models.Model):
    """Every accepted request, keyed by the sender's delivery id: a redelivery finds its row
    and is answered as a duplicate. With a Celery broker, a delivery is queued as it arrives
    and applied by a worker (webhooks/tasks.py); one whose effects are refused (a deployment
    another team recorded, a value out of range) is refused, with the reason as its detail.
    Unrouted deliveries wait in the team's inbox, with the reason they could not be applied
    when an attempt failed, until they are applied or an admin dismisses them (ignored, with
    who dismissed them as the detail)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSED = "processed", "Processed"
        UNROUTED = "unrouted", "Unrouted"
        IGNORED = "ignored", "Ignored"
        REFUSED = "refused", "Refused"

    WAITING = "No route matches; waiting in the inbox."

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status)
    # Failed attempts to apply a queued delivery (webhooks.services.MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(db_default=0)
    summary = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    route_label = models.CharField(max_length=100, blank=True)
    route_value = models.CharField(max_length=200, blank=True)
    environment = models.CharField(max_length=50, blank=True)
    workflow = models.CharField(max_length=200, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deployment = models.ForeignKey(
        "incidents.Deployment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "delivery_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            # The inbox: a team's unrouted deliveries, oldest first.
            models.Index(fields=["status", "endpoint", "received_at"]),
            # The worker's queue: queued deliveries, fewest attempts and then oldest first, kept
            # small by its condition.
            models.Index(
                fields=["attempts", "received_at", "id"],
                condition=models.Q(status="queued"),
                name="webhook_delivery_queue",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.delivery_id}"

    @property
    def failure(self) -> str:
        """Why applying this waiting delivery failed, if an attempt did."""
        if self.status == self.Status.UNROUTED and self.detail not in {"", self.WAITING}:
            return self.detail
        return ""


class ExternalIncident(models.Model):
    """An outside system's incident (a PagerDuty incident id, an Alertmanager group key, a
    generic key) and the Debrief incident it is. The row is created once (its key is unique)
    and locked while an event for it is applied, so concurrent deliveries end with one
    incident. An Alertmanager group that fires again after it was restored starts a new
    incident: `incident` then moves on to it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Kind)
    external_key = models.CharField(max_length=500)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="external_links"
    )
    # Alertmanager alerts ("fingerprint@startsAt") already on this incident's timeline.
    seen_alerts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "source", "external_key"], name="webhook_external_incident_once"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.external_key}"


class CommitTime(models.Model):
    """When a commit was made, as a workflow run or a push told us; a later deployment of
    that commit takes it as its first commit time (lead time for changes)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    repository = models.CharField(max_length=200)
    sha = models.CharField(max_length=64)
    committed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "repository", "sha"], name="webhook_commit_time_once"
            )
        ]

    def __str__(self):
        return f"{self.repository}@{self.sha[:12]}"
