"""What the home page shows a signed-in person: "what needs me now?". Each section is a
bounded list with its full count, read in a fixed number of queries whatever the history."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from debrief.permissions import (
    action_item_visibility,
    binned_keys,
    incident_privacy,
    incident_visibility,
    incident_visibility_by_key,
)
from followups.models import ActionItem
from incidents.models import Incident, Status
from postmortems.models import Postmortem, ReviewRequest

# Each section shows this many and links to the rest.
SECTION_SIZE = 10

# How an open incident relates to the person, in the order the home page lists them.
MINE, MY_TEAMS, OTHERS = 0, 1, 2
RELATION_LABELS = {MINE: "Yours", MY_TEAMS: "Your team's", OTHERS: "Elsewhere"}


@dataclass
class Section:
    items: list
    count: int
    extra: dict = field(default_factory=dict)

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


@dataclass
class Home:
    open_incidents: Section
    drafts: Section
    reviews: Section
    overdue: Section
    due_soon: Section
    due_soon_days: int


def _mine(user: User, prefix: str = "") -> Q:
    responded = User.responded_incidents.through.objects.filter(user=user).values("incident")
    return (
        Q(**{f"{prefix}commander": user})
        | Q(**{f"{prefix}reporter": user})
        | Q(**{f"{prefix}pk__in": responded})
    )


def open_incidents(*, viewer: User) -> Section:
    """Open incidents the viewer may see: theirs (commander, reporter or responder) first,
    then their teams', then the rest; within each, the most severe and then the newest first.
    The counts per relation come from one aggregate query."""
    my_teams = viewer.teams.values("pk")
    incidents = (
        Incident.objects.filter(incident_visibility(viewer), deleted_at__isnull=True)
        .exclude(status=Status.RESOLVED)
        .annotate(
            relation=Case(
                When(_mine(viewer), then=Value(MINE)),
                When(team__in=my_teams, then=Value(MY_TEAMS)),
                default=Value(OTHERS),
                output_field=IntegerField(),
            )
        )
    )
    counts = incidents.order_by().aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=Q(relation=MINE)),
        my_teams=Count("pk", filter=Q(relation=MY_TEAMS)),
    )
    listed = incidents.select_related("team", "commander").order_by(
        "relation", "severity", "-started_at", "-pk"
    )[:SECTION_SIZE]
    items = list(listed)
    for incident in items:
        incident.relation_label = RELATION_LABELS[incident.relation]
    return Section(items, counts["total"], {"mine": counts["mine"], "my_teams": counts["my_teams"]})


def _bounded(queryset: QuerySet) -> Section:
    return Section(list(queryset[:SECTION_SIZE]), queryset.order_by().count())


def drafts_to_write(*, viewer: User) -> Section:
    """Unpublished postmortems the viewer started or may write: those of incidents of their
    teams, or that they command or reported; the most recently changed first."""
    # Each way of being involved is its own list, read by its own index, and the bin and
    # privacy are read by key: joined to every incident, drafts would cost years of history.
    incidents = Incident.all_objects
    involved = (
        Q(created_by=viewer)
        | Q(incident__in=incidents.filter(team__in=viewer.teams.values("pk")).values("pk"))
        | Q(incident__in=incidents.filter(commander=viewer).values("pk"))
        | Q(incident__in=incidents.filter(reporter=viewer).values("pk"))
    )
    postmortems = (
        Postmortem.objects.exclude(status=Postmortem.Status.PUBLISHED)
        .filter(
            involved,
            incident_visibility_by_key(viewer, "incident__"),
            ~Q(incident__in=binned_keys(Incident)),
        )
        .select_related("incident__team")
        .order_by("-updated_at", "-pk")
    )
    return _bounded(postmortems)


def reviews_asked(*, viewer: User) -> Section:
    """Review requests to the viewer not yet approved, on postmortems not yet published; the
    oldest request first, as it has waited longest. A request is no reason to name a private
    incident's postmortem the viewer may not know of (one made before the incident became
    private, say): being asked to review is what lets them read the draft (can_read_drafts),
    so the private-incident rule is the whole of can_view here."""
    reviews = (
        ReviewRequest.objects.filter(
            incident_privacy(viewer, "postmortem__incident__"),
            reviewer=viewer,
            approved_at__isnull=True,
            postmortem__deleted_at__isnull=True,
            postmortem__incident__deleted_at__isnull=True,
        )
        .exclude(postmortem__status=Postmortem.Status.PUBLISHED)
        .select_related("postmortem__incident", "requested_by")
        .order_by("requested_at", "pk")
    )
    return _bounded(reviews)


def _open_followups(viewer: User) -> QuerySet[ActionItem]:
    """Open follow-ups the viewer owns and may see: owning one of a private incident does not
    make its owner a responder."""
    return (
        ActionItem.objects.filter(
            action_item_visibility(viewer),
            owner=viewer,
            status__in=[ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS],
            deleted_at__isnull=True,
        )
        .select_related("team")
        .order_by("due_date", "priority", "pk")
    )


def overdue_followups(*, viewer: User, today: date) -> Section:
    return _bounded(_open_followups(viewer).filter(due_date__lt=today))


def followups_due_soon(*, viewer: User, today: date, days: int) -> Section:
    """Open follow-ups the viewer owns due from today to `days` days on, both included."""
    due = _open_followups(viewer).filter(
        due_date__gte=today, due_date__lte=today + timedelta(days=days)
    )
    return _bounded(due)


def home_for(*, viewer: User) -> Home:
    today = timezone.localdate()
    days = settings.FOLLOWUP_REMINDER_DAYS
    return Home(
        open_incidents=open_incidents(viewer=viewer),
        drafts=drafts_to_write(viewer=viewer),
        reviews=reviews_asked(viewer=viewer),
        overdue=overdue_followups(viewer=viewer, today=today),
        due_soon=followups_due_soon(viewer=viewer, today=today, days=days),
        due_soon_days=days,
    )
