"""Where a team's notifications go (destinations), what was sent there (deliveries) and how
each try went (attempts)."""

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse

from incidents.models import Team

from . import sending


class Event(models.TextChoices):
    """What a destination can ask to be told about. The value is the JSON body's `event`."""

    INCIDENT_DECLARED = "incident.declared", "Incident declared"
    SEVERITY_CHANGED = "incident.severity_changed", "Severity changed"
    INCIDENT_RESTORED = "incident.restored", "Service restored"
    POSTMORTEM_PUBLISHED = "postmortem.published", "Postmortem published"
    FOLLOWUP_OVERDUE = "followup.overdue", "Follow-up overdue"
    TEST = "test", "Test message"


# The events a destination may choose; a test message goes wherever an admin sends it.
SUBSCRIBABLE_EVENTS = [event for event in Event if event != Event.TEST]


def new_secret() -> str:
    return secrets.token_hex(32)


def validate_public_address(url: str) -> None:
    """Refuse a URL whose host is, or resolves to, a loopback, private, link-local, multicast,
    reserved or unspecified address (unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES). Sending checks
    again, as a name can resolve elsewhere later."""
    if reason := sending.refusal(url):
        raise ValidationError(
            "Enter a public address: %(reason)s", code="private_address", params={"reason": reason}
        )


class Destination(models.Model):
    class Kind(models.TextChoices):
        SLACK = "slack", "Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat)"
        JSON = "json", "JSON webhook, signed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="destinations")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SLACK)
    url = models.URLField(
        "webhook URL",
        max_length=1000,
        validators=[URLValidator(schemes=["http", "https"]), validate_public_address],
    )
    # A list of Event values; a team has a handful of destinations, so they are matched in Python.
    events = models.JSONField(default=list)
    is_enabled = models.BooleanField("enabled", default=True)
    # Signs JSON bodies (X-Debrief-Signature); shown once when created or replaced.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="destination_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.team})"

    def get_absolute_url(self):
        return reverse("outbound:log", args=[self.team.slug, self.pk])

    def wants(self, event: str) -> bool:
        return self.is_enabled and event in self.events

    @property
    def event_labels(self) -> list[str]:
        return [Event(value).label for value in self.events if value in Event.values]

    @property
    def host(self) -> str:
        """Where it points, without the path or any user and password in the URL: a chat
        webhook's path is its password."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")


class Delivery(models.Model):
    """One event for one destination. The body is built when the event happens, so what is
    sent (and retried) is the state the event announced."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=Event)
    # Names the event itself ("incident.declared:42"): an event reaches a destination once.
    event_key = models.CharField(max_length=200)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    # Set while a worker sends it: another task finding it claimed leaves it alone, and the
    # sweep re-queues it only once this has passed (the worker died mid-send).
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "event_key"], name="delivery_once_per_event"
            )
        ]
        indexes = [
            # The delivery log: one destination's deliveries, newest first.
            models.Index(fields=["destination", "-created_at"], name="delivery_log"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} to {self.destination.name}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration = models.DurationField()
    # The HTTP status of the response; None when none came (timeout, refused connection).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_unique_number")
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def milliseconds(self) -> int:
        return round(self.duration.total_seconds() * 1000)
