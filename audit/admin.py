from django.contrib import admin

from debrief.permissions import can_view_audit

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for organisation admins: nobody adds, changes or deletes an entry here."""

    list_display = ["occurred_at", "actor_label", "action", "object_type", "object_label", "team"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_label"]
    list_select_related = ["team"]
    date_hierarchy = "occurred_at"
    actions = None

    def has_view_permission(self, request, obj=None):
        return can_view_audit(request.user)

    def has_module_permission(self, request):
        return can_view_audit(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
