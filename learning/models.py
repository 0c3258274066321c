from django.contrib.postgres.search import SearchVectorField
from django.db import models

from incidents.models import Incident
from postmortems.models import Postmortem


class PostmortemSearchDocument(models.Model):
    """A postmortem's text as PostgreSQL's full-text search ranks it (learning/search.py): its
    title weighted A, its contributing factors B and its sections' texts C, in one tsvector.

    Database triggers rewrite it in the statement that changes any of those texts, so every
    write (services, the admin, bulk loads) keeps it current; ranking thousands of matching
    postmortems then reads stored documents instead of parsing every section again. Only
    PostgreSQL keeps documents: elsewhere the table stays empty and search matches words."""

    postmortem = models.OneToOneField(
        Postmortem,
        primary_key=True,
        # PostgreSQL deletes the document with its postmortem: the foreign key that migration
        # 0001 adds cascades. Django's own cascade could delete it before the sections, whose
        # deletion would then write it again.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField()

    def __str__(self):
        return f"Search document of postmortem {self.postmortem_id}"


class IncidentSearchDocument(models.Model):
    """An incident's text as PostgreSQL's full-text search ranks it: its title weighted A, its
    summary and customer impact C. Kept like PostmortemSearchDocument, for the same reason: a
    common term matches thousands of incidents, and all of them are ranked."""

    incident = models.OneToOneField(
        Incident,
        primary_key=True,
        # Deleted with its incident by the database, like a postmortem's document.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField()

    def __str__(self):
        return f"Search document of incident {self.incident_id}"


class WeeklyFigures(models.Model):
    """A completed week's delivery figures of the organisation, a team or a service, as
    learning.weekly.raw_weekly_figures computes them from the deployments and incidents: the
    sparklines read these instead of recomputing history on every page. A write that changes a
    week deletes its rows (learning.signals); a missing row is computed again."""

    class Scope(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        TEAM = "team", "Team"
        SERVICE = "service", "Service"

    scope = models.CharField(max_length=20, choices=Scope)
    # The team's or the service's primary key; 0 for the organisation.
    scope_key = models.PositiveBigIntegerField(default=0)
    # The week's days are local days of this time zone (TIME_ZONE when they were computed).
    time_zone = models.CharField(max_length=64)
    week_start = models.DateField()
    succeeded = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    failed = models.PositiveIntegerField()
    remediating = models.PositiveIntegerField()
    # Medians in microseconds; None without samples.
    lead_time_median = models.FloatField(null=True)
    restore_median = models.FloatField(null=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Invalidation deletes every scope's weeks from a day on (learning.signals).
            models.Index(fields=["week_start"], name="weekly_figures_week_start"),
        ]
        constraints = [
            # Also the index of the sparklines' read: a scope's weeks by start.
            models.UniqueConstraint(
                fields=["scope", "scope_key", "time_zone", "week_start"],
                name="weekly_figures_once_per_week",
            )
        ]

    def __str__(self):
        return f"{self.scope} {self.scope_key}, week of {self.week_start}"
