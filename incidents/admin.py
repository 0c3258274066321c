from django.contrib import admin

from .models import Deployment, DeploymentCommit, Incident, Service, Team, TimelineEvent


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
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


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        # Lifecycle changes go through the incident page, which logs them on the timeline.
        if obj is None:
            return []
        return ["status", "severity", "restored_at", "resolved_at", "version"]
