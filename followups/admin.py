"""Follow-ups are added from the postmortem editor and tracked on the board; here staff can
correct one, and every change made here goes through item_update, so it is in the item's
history like any other. The history itself and the log of sent emails are shown, not changed."""

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin

from . import services
from .forms import OUTSIDE_THE_ORGANISATION, WONT_DO_NEEDS_A_REASON
from .models import ActionItem, ActionItemChange, NotificationSettings, SentNotification


class ActionItemChangeInline(admin.TabularInline):
    model = ActionItemChange
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "field", "old_value", "new_value"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ActionItemAdminForm(forms.ModelForm):
    """The rules item_update applies, as form errors: save_model cannot show its refusals."""

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("wont_do_reason") or "").strip()
        if cleaned.get("status") == ActionItem.Status.WONT_DO and not reason:
            self.add_error("wont_do_reason", WONT_DO_NEEDS_A_REASON)
        owner = cleaned.get("owner")
        if "owner" in self.changed_data and owner is not None and not owner.is_active:
            self.add_error("owner", OUTSIDE_THE_ORGANISATION)
        url = cleaned.get("tracker_url")
        if url and urlsplit(url).scheme not in {"http", "https"}:
            self.add_error("tracker_url", "Enter a web address starting with https:// or http://.")
        factor = cleaned.get("contributing_factor")
        if factor is not None and factor.postmortem_id != self.instance.postmortem_id:
            self.add_error("contributing_factor", "Choose a contributing factor of its postmortem.")
        return cleaned


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    form = ActionItemAdminForm
    list_display = ["title", "team", "owner", "status", "priority", "due_date", "incident"]
    list_filter = ["status", "kind", "priority", "team"]
    list_select_related = ["team", "owner", "incident"]
    search_fields = ["title", "description"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["owner"]
    raw_id_fields = ["incident", "postmortem", "contributing_factor", "recurred_in"]
    fields = [
        "title",
        "description",
        "kind",
        "team",
        "owner",
        "priority",
        "due_date",
        "status",
        "wont_do_reason",
        "tracker_url",
        "incident",
        "postmortem",
        "contributing_factor",
        "position",
        "completed_at",
        "recurred_in",
        "recurred_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    # Where an item came from, and what the app keeps consistent with its status, stay as is.
    readonly_fields = [
        "incident",
        "postmortem",
        "completed_at",
        "recurred_in",
        "recurred_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [ActionItemChangeInline]

    def has_add_permission(self, request):
        # An item belongs to an incident and usually its postmortem: added in the editor.
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in form.cleaned_data and name != "wont_do_reason"
        }
        services.item_update(
            item=obj,
            by=request.user,
            changes=changes,
            reason=form.cleaned_data.get("wont_do_reason", ""),
        )


@admin.register(SentNotification)
class SentNotificationAdmin(admin.ModelAdmin):
    """The log of sent reminders and digests. Deleting an entry lets its email go again."""

    list_display = ["kind", "recipient", "period", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "period"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    """Each person keeps their own settings; staff may switch off someone's emails."""

    list_display = ["user", "weekly_digest", "reminders"]
    list_filter = ["weekly_digest", "reminders"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
