from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from debrief.managers import BinIncludedManager, LiveManager
from incidents.models import Incident, Team

TRACKERS = {
    "atlassian.net": "Jira",
    "jira": "Jira",
    "github.com": "GitHub",
    "gitlab": "GitLab",
    "linear.app": "Linear",
    "youtrack": "YouTrack",
    "azure.com": "Azure Boards",
    "shortcut.com": "Shortcut",
}


class ActionItem(models.Model):
    """A follow-up improvement: a change to the system that a postmortem asked for."""

    class Kind(models.TextChoices):
        PREVENT = "prevent", "Prevent"
        DETECT = "detect", "Detect"
        MITIGATE = "mitigate", "Mitigate"
        PROCESS = "process", "Process"
        LEARNING = "learning", "Learning"

    class Priority(models.IntegerChoices):
        HIGH = 1, "High"
        MEDIUM = 2, "Medium"
        LOW = 3, "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont_do", "Won't do"

    CLOSED = (Status.DONE, Status.WONT_DO)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PREVENT)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="action_items")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    wont_do_reason = models.TextField("reason for not doing it", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    tracker_url = models.URLField("tracker link", max_length=500, blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="action_items")
    postmortem = models.ForeignKey(
        "postmortems.Postmortem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="action_items",
    )
    contributing_factor = models.ForeignKey(
        "postmortems.ContributingFactor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        help_text="The contributing factor this item addresses.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order within its postmortem.")
    # "Did the fix work?": a later incident on the same service showed the same kind of factor.
    recurred_in = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurred_action_items",
    )
    recurred_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
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
        ordering = ["position", "pk"]
        indexes = [
            # The board: a team's open items by due date; "mine"; overdue across the organisation.
            models.Index(fields=["team", "status", "due_date"], name="action_team_status_due"),
            models.Index(fields=["owner", "status", "due_date"], name="action_owner_status_due"),
            models.Index(fields=["status", "due_date"], name="action_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="wont_do") | ~models.Q(wont_do_reason=""),
                name="action_wont_do_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["done", "wont_do"], completed_at__isnull=False)
                | models.Q(status__in=["open", "in_progress"], completed_at__isnull=True),
                name="action_completed_at_matches_status",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("followups:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def is_overdue(self) -> bool:
        return (
            not self.is_closed
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def tracker_name(self) -> str:
        if not self.tracker_url:
            return ""
        host = (urlsplit(self.tracker_url).hostname or "").lower()
        for marker, name in TRACKERS.items():
            if marker in host:
                return name
        return host


class ActionItemChange(models.Model):
    """One change to an action item, for its history: who changed what, and when."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=50)
    old_value = models.CharField(max_length=500, blank=True)
    new_value = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"


class SentNotification(models.Model):
    """What was emailed to whom, so a reminder or digest task that runs twice sends once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Follow-up reminder"
        DIGEST = "digest", "Weekly team digest"

    kind = models.CharField(max_length=20, choices=Kind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The day ("2026-11-29") or the week and team ("2026-W48/payments") it was sent for.
    period = models.CharField(max_length=50)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "period"], name="notification_sent_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} for {self.period}"


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    weekly_digest = models.BooleanField("weekly team digest", default=True)
    reminders = models.BooleanField("reminders about my follow-ups", default=True)

    def __str__(self):
        return f"Notification settings of {self.user}"
