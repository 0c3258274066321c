"""The audit trail: an append-only record of who created, changed or deleted what, and when.

Rows are only ever inserted. The model refuses to save an existing row or to delete one, its
manager refuses bulk updates and deletes, the admin shows it read-only, and database triggers
(migration 0002) refuse UPDATE and DELETE below the app too. See docs/audit.md."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Team


class AppendOnlyError(ValueError):
    """An attempt to change or delete an audit entry."""


REFUSAL = "Audit entries are append-only: they cannot be changed or deleted."


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(REFUSAL)

    def delete(self):
        raise AppendOnlyError(REFUSAL)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(REFUSAL)

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError(REFUSAL)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    occurred_at = models.DateTimeField("when", default=timezone.now, db_index=True)
    # SET_NULL is the one update the triggers allow: the label keeps naming whoever it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("who", max_length=200)
    action = models.CharField(max_length=10, choices=Action)
    # The model's label ("incidents.incident") rather than a content type: content types are
    # numbered by each database, and a backup moves entries between databases.
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField("object", max_length=300)
    # Without a database constraint, and left alone when the team is deleted: its entries
    # (its own deletion among them, written while the team's row goes) keep its id for
    # filtering, and no deletion ever has to update an entry.
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The N of INC-N the object belongs to: a number, not a foreign key, so that an incident's
    # history still finds its entries after the incident itself was deleted.
    incident_number = models.PositiveBigIntegerField(null=True, blank=True)
    # {field: [old, new]}; text as lengths, secrets as "changed" (see audit/recording.py).
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "audit entries"
        # No add, change or delete permissions exist to grant: entries are written by Debrief.
        default_permissions = ("view",)
        indexes = [
            # The audit page's filters, each newest first: one object's history, one incident's
            # (with its timeline, postmortem and follow-ups), a team's, a person's.
            models.Index(
                fields=["object_type", "object_id", "-occurred_at"], name="audit_object_newest"
            ),
            models.Index(fields=["incident_number", "-occurred_at"], name="audit_incident_newest"),
            models.Index(fields=["team", "-occurred_at"], name="audit_team_newest"),
            models.Index(fields=["actor_label", "-occurred_at"], name="audit_actor_newest"),
        ]

    def __str__(self):
        return f"{self.actor_label} {self.action} {self.object_label}"

    def save(self, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(REFUSAL)
        super().save(**{**kwargs, "force_insert": True})

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(REFUSAL)
