"""The admin extends what the pages offer: the contributing-factor taxonomy and the writing
coach's lexicon are kept here. What a postmortem says, and its review, change on its own pages,
which keep revisions and the history; here they are shown, not rewritten."""

from django.contrib import admin

from .models import (
    CoachTerm,
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    ReviewComment,
    ReviewMeeting,
    ReviewRequest,
    SectionContent,
    SectionRevision,
    TemplateSection,
)


class ReadOnlyAdminMixin:
    """Shown, never changed here: every field read-only, no adding, no deleting."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Templates ------------------------------------------------------------------------------


class TemplateSectionInline(admin.StackedInline):
    model = TemplateSection
    extra = 0
    fields = ["position", "title", "key", "kind", "required", "prompt", "help_text"]
    prepopulated_fields = {"key": ["title"]}

    # Postmortems started from the template link their text to the sections by key and kind;
    # changing them would move written text under another heading or editor.
    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Postmortem.objects.filter(template=obj).exists():
            return ["key", "kind"]
        return []

    def get_prepopulated_fields(self, request, obj=None):
        if "key" in self.get_readonly_fields(request, obj):
            return {}
        return self.prepopulated_fields

    # A built-in template's sections change only through a migration (see 0003).
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_delete_permission(request, obj)


@admin.register(PostmortemTemplate)
class PostmortemTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_builtin", "updated_at"]
    list_filter = ["is_builtin", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_builtin", "created_by", "created_at", "updated_at"]
    inlines = [TemplateSectionInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # Built-in templates are read-only everywhere; clone one in the browser to adapt it.
    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_delete_permission(request, obj)


@admin.register(TemplateSection)
class TemplateSectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sections are edited with their template; this list shows them across templates."""

    list_display = ["title", "template", "key", "kind", "required", "position"]
    list_filter = ["kind", "required", "template"]
    list_select_related = ["template"]
    search_fields = ["title", "key", "prompt"]


# --- Postmortems ----------------------------------------------------------------------------


class SectionContentInline(admin.StackedInline):
    """Read-only: text changes through the editor, which keeps revisions and detects conflicts."""

    model = SectionContent
    extra = 0
    can_delete = False
    fields = ["section", "body", "version", "updated_by", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section", "updated_by")


class ContributingFactorInline(admin.TabularInline):
    model = ContributingFactor
    extra = 0
    can_delete = False
    fields = ["category", "description", "timeline_event", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    """Read-mostly: a postmortem starts from its incident and is published from its page,
    which checks the required sections and the coach; here only its title may be corrected."""

    list_display = ["title", "incident", "template", "status", "published_at"]
    list_filter = ["status", "template"]
    list_select_related = ["incident", "template"]
    search_fields = ["title", "incident__title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "incident",
        "template",
        "status",
        "published_at",
        "published_by",
        "published_facts",
        "coach_flags_at_publish",
        "coach_flags_acknowledged_by",
        "coach_flags_acknowledged_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [SectionContentInline, ContributingFactorInline]

    def has_add_permission(self, request):
        return False


@admin.register(SectionContent)
class SectionContentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["postmortem", "section", "version", "updated_by", "updated_at"]
    list_select_related = ["postmortem", "section__template", "updated_by"]
    search_fields = ["postmortem__title", "body"]


@admin.register(SectionRevision)
class SectionRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history of a section: kept as written, so it is never changed or removed."""

    list_display = ["content", "version", "author", "created_at", "restored_from"]
    list_select_related = ["content__postmortem", "content__section__template", "author"]
    search_fields = ["content__postmortem__title", "body"]
    date_hierarchy = "created_at"


@admin.register(ContributingFactor)
class ContributingFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Factors are written on the postmortem's pages, which refuse published postmortems and
    other incidents' timeline events; here they are shown for the taxonomy's sake."""

    list_display = ["__str__", "category", "postmortem", "created_at"]
    list_filter = ["category"]
    list_select_related = ["category", "postmortem"]
    search_fields = ["description", "postmortem__title"]
    raw_id_fields = ["postmortem", "timeline_event", "created_by"]
    readonly_fields = ["created_at"]


# --- Taxonomy and lexicon -------------------------------------------------------------------


@admin.register(FactorCategory)
class FactorCategoryAdmin(admin.ModelAdmin):
    """Admins extend the taxonomy; a category in use cannot be deleted (PROTECT), only made
    inactive, so the learning trends keep counting its past factors."""

    list_display = ["name", "slug", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CoachTerm)
class CoachTermAdmin(admin.ModelAdmin):
    """Admins extend the coach's lexicon or disable entries; the coach reads it on every check,
    so a change applies at once. Built-in entries are only disabled, never deleted or reworded:
    their phrase is what migrations and the context rules recognise them by."""

    list_display = ["phrase", "match", "is_active", "is_builtin"]
    list_editable = ["is_active"]
    list_filter = ["is_active", "is_builtin", "match"]
    search_fields = ["phrase", "suggestion", "explanation"]
    fields = ["phrase", "match", "suggestion", "explanation", "is_active", "is_builtin"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_builtin:
            return ["phrase", "is_builtin"]
        return ["is_builtin"]

    def has_delete_permission(self, request, obj=None):
        # Also guards the bulk delete action, which asks about each selected term.
        return not (obj and obj.is_builtin) and super().has_delete_permission(request, obj)


# --- Review ---------------------------------------------------------------------------------


class ReviewAdmin(admin.ModelAdmin):
    """Reviews happen on the postmortem's pages, which notify people; here an admin can look,
    and remove what should not be there, but not add or rewrite."""

    editable: list[str] = []

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name not in self.editable]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReviewAdmin):
    list_display = ["postmortem", "reviewer", "requested_by", "requested_at", "approved_at"]
    list_select_related = ["postmortem", "reviewer", "requested_by"]
    search_fields = ["postmortem__title", "reviewer__username"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReviewAdmin):
    list_display = ["__str__", "postmortem", "created_at", "resolved_at"]
    list_select_related = ["postmortem", "section", "author"]
    search_fields = ["body", "postmortem__title"]
    editable = ["body"]  # to take out what should not have been written


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(ReviewAdmin):
    """Changing a meeting here would not send the updated invitation; it changes on its page."""

    list_display = ["postmortem", "starts_at", "duration_minutes", "organiser", "location"]
    list_select_related = ["postmortem", "organiser"]
    search_fields = ["postmortem__title", "location"]
    date_hierarchy = "starts_at"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "participants"]
