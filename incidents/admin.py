from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import (
    TIMESTAMP_FIELDS,
    Deployment,
    DeploymentCommit,
    Incident,
    Service,
    Team,
    TimelineEvent,
)
from .services import validate_cause
from .times import validate_incident_times


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members", "admins"]
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "tier"]
    list_filter = ["tier", "team"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class DeploymentCommitInline(admin.TabularInline):
    model = DeploymentCommit
    extra = 0


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["service", "version", "environment", "outcome", "deployed_at", "source"]
    list_filter = ["outcome", "environment", "source"]
    list_select_related = ["service"]
    search_fields = ["version", "external_id", "service__name"]
    raw_id_fields = ["service", "recorded_by"]
    date_hierarchy = "deployed_at"
    inlines = [DeploymentCommitInline]


class TimelineEventInline(admin.TabularInline):
    """Read-only: the timeline is append-only, so the admin shows it but cannot rewrite it."""

    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "old_value", "new_value", "body", "author"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class IncidentAdminForm(forms.ModelForm):
    """Adding an incident here obeys the rules declaring one does (incidents/times.py)."""

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "customer_impact",
            "severity",
            "status",
            "services",
            "team",
            "commander",
            "reporter",
            "caused_by_deployment",
            "is_drill",
            *TIMESTAMP_FIELDS,
            "version",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None or self.errors:
            return cleaned  # On the change page these fields are read-only.
        try:
            validate_incident_times(**{name: cleaned.get(name) for name in TIMESTAMP_FIELDS})
            validate_cause(
                deployment=cleaned.get("caused_by_deployment"),
                services=cleaned.get("services") or [],
                started_at=cleaned["started_at"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return cleaned


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentAdminForm
    list_display = [
        "__str__",
        "severity",
        "status",
        "team",
        "started_at",
        "restored_at",
        "is_drill",
    ]
    list_filter = ["status", "severity", "is_drill", "team"]
    list_select_related = ["team"]
    search_fields = ["title"]
    raw_id_fields = ["caused_by_deployment", "commander", "reporter"]
    filter_horizontal = ["services"]
    date_hierarchy = "started_at"
    inlines = [TimelineEventInline]

    # Changed only on the incident page, whose services check them against each other and
    # log them on the timeline. The database's constraints catch what slips past.
    LIFECYCLE_FIELDS = [
        "status",
        "severity",
        *TIMESTAMP_FIELDS,
        "team",
        "services",
        "caused_by_deployment",
        "version",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.LIFECYCLE_FIELDS
