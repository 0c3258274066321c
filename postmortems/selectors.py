"""Reads for postmortem pages, each a fixed number of queries."""

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce

from incidents.models import Service, TimelineEvent

from . import coach
from .models import (
    ContributingFactor,
    Postmortem,
    ReviewComment,
    SectionContent,
    SectionRevision,
    TemplateSection,
)

REVISIONS_PER_PAGE = 50


def _contents() -> Prefetch:
    return Prefetch(
        "contents", queryset=SectionContent.objects.select_related("section", "updated_by")
    )


def _factors() -> Prefetch:
    return Prefetch(
        "contributing_factors",
        queryset=ContributingFactor.objects.select_related("category", "timeline_event"),
    )


def _facts() -> list[Prefetch]:
    return [
        Prefetch("incident__services", queryset=Service.objects.only("name", "slug")),
        Prefetch("incident__events", queryset=TimelineEvent.objects.select_related("author")),
    ]


def postmortem_detail(
    *, pk: int, with_facts: bool = False, with_factors: bool = False
) -> Postmortem:
    """The postmortem with its sections' contents, and what postmortem_prefetch adds."""
    postmortem = (
        Postmortem.objects.select_related(
            "incident__team",
            "incident__commander",
            "incident__reporter",
            "template",
            "published_by",
            "coach_flags_acknowledged_by",
        )
        .prefetch_related(_contents())
        .get(pk=pk)
    )
    return postmortem_prefetch(postmortem, facts=with_facts, factors=with_factors)


def postmortem_prefetch(postmortem: Postmortem, *, facts=False, factors=False) -> Postmortem:
    """Load the contributing `factors`, and the incident's services and timeline that the live
    `facts` of a draft read (a published postmortem shows the facts frozen at publication and
    needs neither). One query each, none for what is already loaded."""
    lookups = [_factors()] if factors else []
    if facts and not (postmortem.is_published and postmortem.published_facts):
        lookups += _facts()
    prefetch_related_objects([postmortem], *lookups)
    return postmortem


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


def _with_contents_and_factors(postmortem: Postmortem) -> Postmortem:
    """Load the contents (with their sections) and the factors unless a selector already did:
    prefetch_related_objects skips what is prefetched, so pages pay nothing more."""
    prefetch_related_objects([postmortem], _contents(), _factors())
    return postmortem


def missing_required_sections(postmortem: Postmortem) -> list[str]:
    """Titles of the required sections (as the postmortem started with them) still empty; the
    contributing factors section counts as written once a factor is recorded."""
    postmortem = _with_contents_and_factors(postmortem)
    has_factors = bool(postmortem.contributing_factors.all())
    return [
        content.title
        for content in postmortem.contents.all()
        if content.required
        and not content.body.strip()
        and not (content.section.kind == TemplateSection.Kind.CONTRIBUTING_FACTORS and has_factors)
    ]


def coach_flags_by_section(postmortem: Postmortem) -> list[tuple[str, list]]:
    """The writing coach's flags in each section that has any, then in the factors; the
    lexicon and the people's names are read once for all of them."""
    postmortem = _with_contents_and_factors(postmortem)
    lexicon = coach.load_lexicon()
    texts = [(content.title, content.body) for content in postmortem.contents.all()]
    texts.append(
        (
            "Contributing factors",
            "\n\n".join(factor.description for factor in postmortem.contributing_factors.all()),
        )
    )
    found = []
    for title, text in texts:
        if flags := coach.coach_text(text, lexicon=lexicon):
            found.append((title, flags))
    return found


def coach_flag_count(postmortem: Postmortem) -> int:
    return sum(len(flags) for _, flags in coach_flags_by_section(postmortem))


def revision_page(*, content: SectionContent, page: str | None) -> Page:
    """One page of a section's revisions, newest first, without their text: two queries (the
    count and the page) however long the history."""
    revisions = content.revisions.defer("body").select_related("author")
    return Paginator(revisions, REVISIONS_PER_PAGE).get_page(page)


def revisions_compared(
    *, content: SectionContent, older: int | None, newer: int | None
) -> tuple[SectionRevision | None, SectionRevision | None]:
    """The two revisions to compare, with their text: the versions asked for where they exist,
    otherwise the latest and the one before it. Two queries: the versions that could be meant,
    then the two texts."""
    second_latest = content.revisions.order_by("-version").values("version")[1:2]
    candidates = sorted(
        content.revisions.filter(
            Q(version__in=[v for v in (older, newer) if v is not None])
            | Q(version__gte=Coalesce(Subquery(second_latest), 0))
        ).values_list("version", flat=True),
        reverse=True,
    )
    if not candidates:
        return None, None
    newer = newer if newer in candidates else candidates[0]
    older = older if older in candidates else (candidates[1] if len(candidates) > 1 else None)
    texts = {
        revision.version: revision
        for revision in content.revisions.filter(version__in={older, newer} - {None}).only(
            "version", "body", "content_id"
        )
    }
    return texts.get(older), texts.get(newer)
