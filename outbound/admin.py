from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Destination


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    # The URL and the secret stay off these pages: team admins manage them on the team's.
    list_display = ["name", "team", "kind", "is_enabled", "created_at"]
    list_filter = ["kind", "is_enabled", "team"]
    search_fields = ["name"]
    fields = ["team", "name", "kind", "events", "is_enabled"]
    readonly_fields = ["team", "kind"]

    def has_add_permission(self, request):
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "started_at", "status_code", "error", "duration"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "destination", "state", "created_at", "finished_at"]
    list_filter = ["state", "event"]
    list_select_related = ["destination__team"]
    fields = ["destination", "event", "event_key", "state", "failure_reason", "body"]
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False
