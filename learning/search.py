"""Search across what the organisation has learned: postmortems, incidents, contributing
factors and follow-ups, in one ranked list.

On PostgreSQL it is full-text search (English stemming, websearch syntax: "quoted phrases",
or, -excluded), ranked by ts_rank over weighted text: titles weigh most (A), contributing
factors next (B), bodies least (C). Elsewhere (SQLite) every word of the query must appear,
case-insensitively, somewhere in a result; each word scores 3 per title, 2 per factor text
and 1 per body it appears in. Either way a title match ranks above a passing mention.

A common term matches most of a long history, so on PostgreSQL nothing reads every row: the
documents of postmortems and incidents are stored (learning.models, kept by triggers) and those
of factors and follow-ups are indexed expressions (learning/migrations), every match of each
kind is ranked from them, and only the best of each kind are joined to be ordered and shown.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Rank
from django.db.models.lookups import Lookup
from django.urls import reverse

from debrief.permissions import (
    binned_keys,
    incident_visibility_by_key,
    postmortem_visibility,
    postmortem_visibility_by_key,
)
from followups.models import ActionItem
from followups.statistics import start_of_day
from incidents.models import Incident
from learning.models import IncidentSearchDocument, PostmortemSearchDocument
from postmortems.models import ContributingFactor, Postmortem, SectionContent

SEARCH_CONFIG = "english"
# The SQLite fallback scores each word with a few subqueries; long queries add little.
MAX_WORDS = 8
SCORES = {"A": 3, "B": 2, "C": 1}
FILTERS = {"team", "service", "category", "severity", "start", "end"}


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "postmortem", "incident", "factor" or "followup"
    object_id: int
    title: str
    rank: float
    incident_id: int
    incident_started_at: datetime
    postmortem_id: int | None

    @property
    def url(self) -> str:
        if self.kind == "incident":
            return reverse("incidents:detail", args=[self.incident_id])
        if self.kind == "followup":
            return reverse("followups:detail", args=[self.object_id])
        url = reverse("postmortems:detail", args=[self.postmortem_id])
        return f"{url}#factors" if self.kind == "factor" else url


@dataclass(frozen=True)
class _Text:
    """One searchable text of a result: its weight, its text for the PostgreSQL document, and
    whether it contains a word, for the fallback."""

    weight: str
    document: Callable[[], object]
    contains: Callable[[str], Q | Exists]


def _own(field: str, weight: str) -> _Text:
    return _Text(weight, lambda: F(field), lambda word: Q(**{f"{field}__icontains": word}))


def _related(model: type[Model], link: str, field: str, weight: str) -> _Text:
    """The text of every `model` row pointing at the result through `link`, as one."""

    def document():
        rows = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link)
        return Subquery(rows.annotate(text=StringAgg(field, Value(" "))).values("text")[:1])

    def contains(word: str) -> Exists:
        rows = model.objects.filter(**{link: OuterRef("pk"), f"{field}__icontains": word})
        return Exists(rows)

    return _Text(weight, document, contains)


@dataclass(frozen=True)
class _Kind:
    name: str
    model: type[Model]
    texts: list[_Text]
    title: str  # the field shown as the hit's title
    incident: str  # the path to the incident, with a trailing "__"; "" for incidents
    postmortem: str | None  # the path to the postmortem whose visibility applies
    team: str  # the path to the owning team
    # The path to the row whose `deleted_at` puts the result in the bin, with a trailing "__".
    binned_with: str = ""
    # Where PostgreSQL keeps each result's document, if it does (learning.models): one row per
    # result, sharing its primary key, pointing at it by the kind's name. Else the query
    # builds the document from the texts, in the very expression an index covers.
    documents: type[Model] | None = None

    @property
    def binned_model(self) -> type[Model]:
        """The model whose row's bin state is the result's: its own, or a factor's postmortem."""
        if not self.binned_with:
            return self.model
        return self.model._meta.get_field(self.binned_with.removesuffix("__")).related_model


KINDS = [
    _Kind(
        "postmortem",
        Postmortem,
        [
            _own("title", "A"),
            _related(ContributingFactor, "postmortem", "description", "B"),
            _related(SectionContent, "postmortem", "body", "C"),
        ],
        title="title",
        incident="incident__",
        postmortem="",
        team="incident__team",
        documents=PostmortemSearchDocument,
    ),
    _Kind(
        "incident",
        Incident,
        [_own("title", "A"), _own("summary", "C"), _own("customer_impact", "C")],
        title="title",
        incident="",
        postmortem=None,
        team="team",
        documents=IncidentSearchDocument,
    ),
    _Kind(
        "factor",
        ContributingFactor,
        [_own("description", "B")],
        title="description",
        incident="postmortem__incident__",
        postmortem="postmortem__",
        team="postmortem__incident__team",
        binned_with="postmortem__",
    ),
    _Kind(
        "followup",
        ActionItem,
        [_own("title", "A"), _own("description", "C")],
        title="title",
        incident="incident__",
        postmortem=None,
        # A follow-up belongs to the team that does it, which may not own the incident.
        team="team",
    ),
]


def _signed_in(viewer: User | AnonymousUser) -> bool:
    return viewer.is_authenticated and viewer.is_active


def _filtered(
    kind: _Kind, rows: QuerySet, *, viewer: User, filters: dict, via: str = ""
) -> QuerySet:
    """`rows` of what the viewer may read and the filters let through; `via` is the path from
    the rows to the kind's results, when the rows are their search documents."""
    incident = via + kind.incident
    # Binning marks an incident's postmortem and follow-ups too (incident_delete): each kind's
    # own row, or a factor's postmortem, tells whether it is in the bin. The documents are
    # kept by triggers whatever the bin holds, so they are filtered here, before ranking.
    # A common word matches thousands of rows: what is binned, private or a draft is read
    # from the few such rows by their keys (partial indexes), never by joining every row.
    binned = via + kind.binned_with
    if binned:
        rows = rows.filter(~Q(**{f"{binned}pk__in": binned_keys(kind.binned_model)}))
    else:
        rows = rows.filter(deleted_at__isnull=True)
    # And nothing of an incident in the bin, however it got there.
    rows = rows.filter(~Q(**{f"{incident}pk__in": binned_keys(Incident)}))
    if kind.postmortem is not None:
        rows = rows.filter(postmortem_visibility_by_key(viewer, via + kind.postmortem))
    else:
        rows = rows.filter(incident_visibility_by_key(viewer, incident))
    if (team := filters.get("team")) is not None:
        rows = rows.filter(**{via + kind.team: team})
    if (service := filters.get("service")) is not None:
        rows = rows.filter(**{f"{incident}services": service})
    if (severity := filters.get("severity")) is not None:
        if isinstance(severity, (list, tuple, set, frozenset)):
            rows = rows.filter(**{f"{incident}severity__in": severity})
        else:
            rows = rows.filter(**{f"{incident}severity": severity})
    if (start := filters.get("start")) is not None:
        rows = rows.filter(**{f"{incident}started_at__gte": start_of_day(start)})
    if (end := filters.get("end")) is not None:
        rows = rows.filter(**{f"{incident}started_at__lt": start_of_day(end + timedelta(days=1))})
    if (category := filters.get("category")) is not None:
        if kind.name == "factor":
            rows = rows.filter(**{f"{via}category": category})
        else:
            # Of a postmortem the viewer may read: a draft's factors are not yet public.
            factors = ContributingFactor.objects.filter(
                postmortem_visibility(viewer, "postmortem__"),
                postmortem__deleted_at__isnull=True,
                category=category,
                postmortem__incident=OuterRef(f"{incident}pk" if incident else "pk"),
            )
            rows = rows.filter(Exists(factors))
    return rows


class _AmongResultsOf(Lookup):
    """`lhs = ANY(ARRAY(subquery))`: unlike `lhs IN (subquery)`, the planner expects a few
    values, as a ranked window that keeps a page's worth of matches gives, and looks them up
    by index instead of joining every row of the table to find them."""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _document(kind: _Kind):
    """The kind's weighted document, from a result."""
    if kind.documents:
        return F("search_document__document")
    document = None
    for text in kind.texts:
        vector = SearchVector(text.document(), weight=text.weight, config=SEARCH_CONFIG)
        document = vector if document is None else document + vector
    return document


def _matching_postgresql(
    kind: _Kind, *, query: str, viewer: User, filters: dict, best: int
) -> QuerySet:
    """The kind's `best` best-ranked matches, and those tied with the last of them: every
    match is ranked, but only these are joined to what a hit shows and is ordered by. A
    common term matches thousands of postmortems and incidents: their stored documents are
    ranked without reading their texts, or even their rows when nothing filters on them."""
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    if kind.documents:
        rows = _filtered(
            kind,
            kind.documents.objects.order_by(),
            viewer=viewer,
            filters=filters,
            via=f"{kind.name}__",
        ).annotate(hit_document=F("document"))
    else:
        rows = _filtered(kind, kind.model.objects.order_by(), viewer=viewer, filters=filters)
        rows = rows.annotate(hit_document=_document(kind))
    matches = (
        rows.filter(hit_document=search_query)
        .annotate(
            hit_place=Window(Rank(), order_by=SearchRank(F("hit_document"), search_query).desc())
        )
        .filter(hit_place__lte=best)
    )
    return (
        kind.model.objects.order_by()
        .filter(_AmongResultsOf(F("pk"), matches.values("pk")))
        .annotate(hit_rank=SearchRank(_document(kind), search_query))
    )


def _matching_elsewhere(kind: _Kind, rows: QuerySet, words: list[str]) -> QuerySet:
    score = Value(0)
    for word in words:
        found = [text.contains(word) for text in kind.texts]
        any_text = found[0]
        for condition in found[1:]:
            any_text |= condition
        rows = rows.filter(any_text)
        for text, condition in zip(kind.texts, found, strict=True):
            score += Case(When(condition, then=Value(SCORES[text.weight])), default=Value(0))
    return rows.annotate(hit_rank=Cast(score, FloatField()))


COLUMNS = [
    "hit_kind",
    "hit_id",
    "hit_title",
    "hit_rank",
    "hit_incident_id",
    "hit_started_at",
    "hit_postmortem_id",
]


def _hits(kind: _Kind, *, query: str, words: list[str], viewer: User, filters: dict, best: int):
    if connections[kind.model.objects.db].vendor == "postgresql":
        rows = _matching_postgresql(kind, query=query, viewer=viewer, filters=filters, best=best)
    else:
        rows = _filtered(kind, kind.model.objects.order_by(), viewer=viewer, filters=filters)
        rows = _matching_elsewhere(kind, rows, words)
    incident = kind.incident
    postmortem = (
        Cast(Value(None), BigIntegerField())
        if kind.name == "incident"
        else F("pk" if kind.name == "postmortem" else "postmortem_id")
    )
    return rows.annotate(
        hit_kind=Value(kind.name, output_field=CharField()),
        hit_id=F("pk"),
        hit_title=Cast(kind.title, CharField()),
        hit_incident_id=F(f"{incident}pk" if incident else "pk"),
        hit_started_at=F(f"{incident}started_at"),
        hit_postmortem_id=postmortem,
    ).values(*COLUMNS)


def search_learnings(
    *,
    query: str,
    viewer: User | AnonymousUser,
    filters: dict | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Postmortems (title, contributing factors, section texts), incidents (title, summary,
    customer impact), contributing factors (description) and follow-ups (title, description)
    matching `query`, best first (then the newest incident first), from `offset`, at most
    `limit` of them. Ask for one more than a page to know whether another follows.

    Only what `viewer` may read: nothing when signed out; nothing of a private incident but
    for its responders; a postmortem that is not published, and its factors, only for its
    editors and reviewers (debrief.permissions.incident_visibility, postmortem_visibility);
    nothing in the bin.

    `filters` (all optional): team (the incident's team; a follow-up's own team), service
    (one of the incident's services), category (a factor's category; for the other kinds, a
    factor of that category in the incident's postmortem), severity (one level or several),
    start and end (dates, both included, of the incident's start in the configured time
    zone). One query, however many results."""
    filters = filters or {}
    if unknown := set(filters) - FILTERS:
        raise ValueError(f"Unknown search filters: {', '.join(sorted(unknown))}")
    words = re.findall(r"\w+", query)[:MAX_WORDS]
    if not words or not _signed_in(viewer) or limit <= 0:
        return []
    parts = [
        _hits(
            kind,
            query=query,
            words=words,
            viewer=viewer,
            filters=filters,
            # No kind can place more than a page's end in the combined order.
            best=offset + limit,
        )
        for kind in KINDS
    ]
    combined = (
        parts[0]
        .union(*parts[1:], all=True)
        .order_by("-hit_rank", "-hit_started_at", "hit_kind", "-hit_id")
    )
    return [
        SearchHit(
            kind=row["hit_kind"],
            object_id=row["hit_id"],
            title=row["hit_title"],
            rank=row["hit_rank"],
            incident_id=row["hit_incident_id"],
            incident_started_at=row["hit_started_at"],
            postmortem_id=row["hit_postmortem_id"],
        )
        for row in combined[offset : offset + limit]
    ]
