from django.contrib import admin

from .models import CommitTime, Delivery, Endpoint, ExternalIncident, Kind, Route


class RouteInline(admin.TabularInline):
    model = Route
    extra = 0


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "kind", "created_at"]
    list_filter = ["kind", "team"]
    # The HMAC secret is stored as given (verifying a signature needs it) and never shown:
    # the team's admins see it once, when it is made, on the endpoint's page.
    exclude = ["secret"]
    readonly_fields = ["how_secrets_are_kept", "token", "secret_digest", "created_by", "created_at"]
    inlines = [RouteInline]

    @admin.display(description="Secret")
    def how_secrets_are_kept(self, endpoint: Endpoint) -> str:
        if endpoint.kind == Kind.ALERTMANAGER:
            return "Only a digest of the bearer token is kept."
        return (
            "Stored as given: checking an HMAC signature needs the secret itself. Never shown; "
            "the team's admins make a new one on the endpoint's page."
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["received_at", "endpoint", "event_type", "status", "summary"]
    list_filter = ["status", "endpoint__kind"]
    search_fields = ["delivery_id", "summary"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ExternalIncident)
class ExternalIncidentAdmin(admin.ModelAdmin):
    list_display = ["source", "external_key", "team", "incident"]
    list_filter = ["source"]
    raw_id_fields = ["incident"]


@admin.register(CommitTime)
class CommitTimeAdmin(admin.ModelAdmin):
    list_display = ["repository", "sha", "committed_at", "team"]
    search_fields = ["repository", "sha"]
