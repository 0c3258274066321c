"""How well follow-ups get done: completion statistics for a team or the whole organisation,
computed by the database. The learning dashboards reuse them.

Medians come from learning.aggregates, which gives the same answer on PostgreSQL and SQLite.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import Team
from learning import periods
from learning.aggregates import (  # noqa: F401 (re-exported: notifications and tests use them)
    MICROSECONDS_PER_DAY,
    DurationMicroseconds,
    _median_by_sorting,
    median,
    median_duration,
)
from postmortems.models import Postmortem

from .models import ActionItem


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the configured time zone."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return periods.start_of_day(self.start)

    @property
    def end_before(self) -> datetime:
        return periods.start_of_day(self.end + timedelta(days=1))


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class CompletionStatistics:
    done_on_time: int
    due_and_decided: int
    median_days_to_close: float | None
    open_count: int
    overdue_count: int
    postmortems: int
    postmortem_items: int

    @property
    def on_time_share(self) -> float | None:
        """Between 0 and 1; None when no item with a due date is done or overdue yet."""
        return self.done_on_time / self.due_and_decided if self.due_and_decided else None

    @property
    def items_per_postmortem(self) -> float | None:
        return self.postmortem_items / self.postmortems if self.postmortems else None


def completion_statistics(
    *, team: Team | None = None, period: Period | None = None, today: date | None = None
) -> CompletionStatistics:
    """Completion statistics of `team`'s follow-ups (ActionItem.team), or the whole
    organisation's when no team is given, as they stand on `today` (default: today).

    The items counted are those created within `period` (all of them without one), except
    those of drills, which never count in statistics:

    - on-time share = done_on_time / due_and_decided, where due_and_decided counts the items
      with a due date that are done, or still open (open or in progress) past it; and
      done_on_time counts those done whose completed_at, as a date in the configured time
      zone, is on or before the due date. Items without a due date, won't-do items and open
      items not yet due are in neither.
    - median days to close: the median of completed_at - created_at over done items, in
      days (fractional); None without done items. Won't-do items are not "closed" by work.
    - open count: items open or in progress; overdue count: those of them due before today.
    - items per postmortem: follow-ups of the published postmortems of the team's
      (Incident.team) incidents published within `period`, divided by the number of those
      postmortems, so postmortems without follow-ups count too; None without postmortems.
    """
    zone = timezone.get_default_timezone()
    today = today or timezone.localdate(timezone=zone)
    items = ActionItem.objects.filter(incident__is_drill=False)
    postmortems = Postmortem.objects.filter(
        status=Postmortem.Status.PUBLISHED, incident__is_drill=False
    )
    if team is not None:
        items = items.filter(team=team)
        postmortems = postmortems.filter(incident__team=team)
    if period is not None:
        items = items.filter(created_at__gte=period.start_at, created_at__lt=period.end_before)
        postmortems = postmortems.filter(
            published_at__gte=period.start_at, published_at__lt=period.end_before
        )

    still_open = Q(status__in=[ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS])
    done = Q(status=ActionItem.Status.DONE)
    overdue = still_open & Q(due_date__lt=today)
    # The day it was done in the configured zone: `completed_at__date` would take the viewer's.
    counts = items.annotate(completed_on=TruncDate("completed_at", tzinfo=zone)).aggregate(
        done_on_time=Count(
            "pk", filter=done & Q(due_date__isnull=False, completed_on__lte=F("due_date"))
        ),
        due_and_decided=Count("pk", filter=Q(due_date__isnull=False) & (done | overdue)),
        open_count=Count("pk", filter=still_open),
        overdue_count=Count("pk", filter=overdue),
    )
    per_postmortem = postmortems.aggregate(
        postmortems=Count("pk", distinct=True),
        # Joined follow-ups skip the default manager: leave those in the bin out by hand.
        postmortem_items=Count("action_items", filter=Q(action_items__deleted_at__isnull=True)),
    )
    median_close = median(items.filter(done), DurationMicroseconds("completed_at", "created_at"))
    return CompletionStatistics(
        **counts,
        **per_postmortem,
        median_days_to_close=None if median_close is None else median_close / MICROSECONDS_PER_DAY,
    )
