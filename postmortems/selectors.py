"""Reads for postmortem pages, each a fixed number of queries."""

from django.db.models import Prefetch

from incidents.models import Service, TimelineEvent

from . import coach
from .models import (
    ContributingFactor,
    Postmortem,
    ReviewComment,
    SectionContent,
    TemplateSection,
)


def postmortem_detail(*, pk: int) -> Postmortem:
    return (
        Postmortem.objects.select_related(
            "incident__team",
            "incident__commander",
            "incident__reporter",
            "template",
            "published_by",
            "coach_flags_acknowledged_by",
        )
        .prefetch_related(
            Prefetch(
                "contents", queryset=SectionContent.objects.select_related("section", "updated_by")
            ),
            Prefetch(
                "contributing_factors",
                queryset=ContributingFactor.objects.select_related("category", "timeline_event"),
            ),
            Prefetch("incident__services", queryset=Service.objects.only("name", "slug")),
            Prefetch("incident__events", queryset=TimelineEvent.objects.select_related("author")),
        )
        .get(pk=pk)
    )


def comment_threads(*, postmortem, section) -> list:
    """The section's comment threads, oldest first, each with its replies, in two queries."""
    return list(
        ReviewComment.objects.filter(postmortem=postmortem, section=section, thread=None)
        .select_related("author", "resolved_by")
        .prefetch_related(
            Prefetch("replies", queryset=ReviewComment.objects.select_related("author"))
        )
    )


def open_thread_count(*, postmortem) -> int:
    return ReviewComment.objects.filter(
        postmortem=postmortem, thread=None, resolved_at=None
    ).count()


def missing_required_sections(postmortem: Postmortem) -> list[str]:
    """Titles of the required sections (as the postmortem started with them) still empty; the
    contributing factors section counts as written once a factor is recorded."""
    contents = list(postmortem.contents.select_related("section"))
    has_factors = None
    missing = []
    for content in contents:
        if not content.required or content.body.strip():
            continue
        if content.section.kind == TemplateSection.Kind.CONTRIBUTING_FACTORS:
            if has_factors is None:
                has_factors = postmortem.contributing_factors.exists()
            if has_factors:
                continue
        missing.append(content.title)
    return missing


def coach_flags_by_section(postmortem: Postmortem) -> list[tuple[str, list]]:
    """The writing coach's flags in each section that has any, then in the factors."""
    texts = [(content.title, content.body) for content in postmortem.contents.all()]
    texts.append(
        (
            "Contributing factors",
            "\n\n".join(factor.description for factor in postmortem.contributing_factors.all()),
        )
    )
    found = []
    for title, text in texts:
        if flags := coach.coach_text(text):
            found.append((title, flags))
    return found


def coach_flag_count(postmortem: Postmortem) -> int:
    return sum(len(flags) for _, flags in coach_flags_by_section(postmortem))
