from django.conf import settings
from django.db import models
from django.urls import reverse

from debrief.managers import BinIncludedManager, LiveManager
from incidents.models import Incident, Team, TimelineEvent


class PostmortemTemplate(models.Model):
    """An ordered list of sections that guide a postmortem toward system causes."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postmortem_templates",
        help_text="The team that keeps this template; empty for the organisation's templates.",
    )
    is_builtin = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_builtin", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("postmortem_templates:detail", args=[self.slug])


class TemplateSection(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Written section"
        TIMELINE = "timeline", "Narrative timeline"
        CONTRIBUTING_FACTORS = "contributing_factors", "Contributing factors"
        FOLLOW_UPS = "follow_ups", "Follow-up improvements"

    template = models.ForeignKey(
        PostmortemTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(
        max_length=50, help_text="Stable name of the section within its template."
    )
    title = models.CharField(max_length=100)
    prompt = models.TextField(
        help_text="Questions shown beside the editor that steer toward how the system made "
        "this possible, never toward who is to blame."
    )
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.TEXT)

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="section_key_unique_per_template"
            )
        ]

    def __str__(self):
        return f"{self.template}: {self.title}"


class Postmortem(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    template = models.ForeignKey(PostmortemTemplate, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    # The incident's facts as they stood at publication; live from the incident until then.
    published_facts = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Blameful wording the coach still flagged at publication, and who chose to publish anyway.
    coach_flags_at_publish = models.PositiveIntegerField(default=0)
    coach_flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coach_flags_acknowledged_at = models.DateTimeField(null=True, blank=True)
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
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="postmortem_status_published"),
            # Search reads the binned postmortems and the drafts by key, for thousands of
            # matches at once (debrief.permissions.postmortem_visibility_by_key).
            models.Index(
                fields=["id"],
                condition=models.Q(deleted_at__isnull=False),
                name="postmortem_binned",
            ),
            models.Index(
                fields=["incident"],
                condition=~models.Q(status="published"),
                name="postmortem_draft",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("postmortems:detail", args=[self.pk])

    @property
    def team(self):
        return self.incident.team

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class SectionContent(models.Model):
    """The current text of one section of one postmortem; every save is also a revision."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="contents")
    section = models.ForeignKey(TemplateSection, on_delete=models.PROTECT, related_name="+")
    # The template section as it stood when the postmortem started: later template edits must
    # not rename, reorder or newly require sections of postmortems already written.
    title = models.CharField(max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True)
    body = models.TextField(blank=True)
    # Bumped on every save; an editor's save carries the version it loaded to detect conflicts.
    version = models.PositiveIntegerField(default=0)
    # The incident timeline events already in the narrative (timeline sections only), so a
    # refresh appends only what is new, whatever the writers have done to the text since.
    imported_event_ids = models.JSONField(default=list, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "section"], name="one_content_per_postmortem_section"
            )
        ]

    def __str__(self):
        return f"{self.postmortem}: {self.title}"

    @property
    def is_complete(self) -> bool:
        return bool(self.body.strip())


class SectionRevision(models.Model):
    content = models.ForeignKey(SectionContent, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["content", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["content", "version"], name="revision_version_unique")
        ]

    def __str__(self):
        return f"{self.content} v{self.version}"


class FactorCategory(models.Model):
    """A kind of contributing factor. The learning trends count factors by category."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True, help_text="Inactive categories are not offered.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "factor categories"

    def __str__(self):
        return self.name


class ContributingFactor(models.Model):
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="contributing_factors"
    )
    category = models.ForeignKey(FactorCategory, on_delete=models.PROTECT, related_name="factors")
    description = models.TextField()
    timeline_event = models.ForeignKey(
        TimelineEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contributing_factors",
        help_text="The moment on the incident's timeline where this factor showed.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["postmortem", "pk"]
        # The learning trends count factors per category over time.
        indexes = [models.Index(fields=["category", "postmortem"])]

    def __str__(self):
        return f"{self.category}: {self.description[:60]}"


class ReviewRequest(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postmortem_reviews"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "reviewer"], name="one_review_per_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} on {self.postmortem}"


class ReviewComment(models.Model):
    """A reviewer's comment anchored to a section; replies share the thread's first comment."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(TemplateSection, on_delete=models.PROTECT, related_name="+")
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author} on {self.section.title}"


class ReviewMeeting(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    location = models.CharField(max_length=300, blank=True, help_text="A room or a video link.")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE for updates.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self):
        return f"Review of {self.postmortem} at {self.starts_at:%Y-%m-%d %H:%M}"


class CoachTerm(models.Model):
    """An entry of the blameless writing coach's lexicon. Built-in entries can be disabled;
    admins add their own."""

    class MatchKind(models.TextChoices):
        WORD = "word", "Word or phrase (matches its inflections)"
        EXACT = "exact", "Exact phrase"

    phrase = models.CharField(max_length=100, unique=True)
    match = models.CharField(max_length=10, choices=MatchKind, default=MatchKind.WORD)
    suggestion = models.TextField(help_text="A system-focused way to say it instead.")
    explanation = models.TextField(blank=True, help_text="Why this wording works against learning.")
    is_active = models.BooleanField(default=True)
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["phrase"]

    def __str__(self):
        return self.phrase
