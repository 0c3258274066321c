"""Reads for postmortem pages, each a fixed number of queries."""

from django.db.models import Prefetch

from incidents.models import Service, TimelineEvent

from .models import ContributingFactor, Postmortem, ReviewComment, SectionContent


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
