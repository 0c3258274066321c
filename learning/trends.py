"""Learning trends: how incidents, their causes and the work after them change over time.

Every selector lets the database aggregate and issues a fixed number of queries whatever the
amount of data; Python only shapes the small aggregated result (filling empty weeks, months or
quarters with zeros). Drills and game days never count.

Common terms:

- period: any object with `start` and `end` dates (learning.periods.Period,
  followups.statistics.Period), whole days from start to end, both included, from local
  midnight in the configured time zone (TIME_ZONE).
- scope: the whole organisation, or a team's incidents (Incident.team) when `team` is given,
  narrowed to the incidents that touched `service` (Incident.services) when it is given.
- weeks (ISO, starting Monday), months and quarters are calendar ones in the configured time
  zone, named by the date they begin on.
- contributing factors count only from published postmortems: a draft's analysis is not yet
  agreed, and an organisation-wide trend must not reveal it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from followups.statistics import (
    MICROSECONDS_PER_DAY,
    CompletionStatistics,
    DurationMicroseconds,
    completion_statistics,
    median,
)
from followups.statistics import Period as FollowupPeriod
from incidents.models import Incident, Service, Severity, Team
from postmortems.models import ContributingFactor, FactorCategory, Postmortem

from .cache import cached
from .periods import start_of_day

MICROSECONDS_PER_MINUTE = 60_000_000
MICROSECONDS_PER_HOUR = 60 * MICROSECONDS_PER_MINUTE

# Incidents whose follow-up learning matters most: their postmortems are expected.
MAJOR_SEVERITIES = (Severity.SEV1, Severity.SEV2)

# Two incidents of a service showing the same kind of factor this close together recur.
RECURRENCE_WINDOW = timedelta(days=90)


class DateRange(Protocol):
    start: date
    end: date


@dataclass(frozen=True)
class RestoreBucket:
    key: str
    label: str
    # Time to restore in microseconds: from `lower` included to `upper` excluded (None: no end).
    lower: int
    upper: int | None


RESTORE_BUCKETS = (
    RestoreBucket("under_15_minutes", "< 15 min", 0, 15 * MICROSECONDS_PER_MINUTE),
    RestoreBucket(
        "15_to_60_minutes", "15–60 min", 15 * MICROSECONDS_PER_MINUTE, MICROSECONDS_PER_HOUR
    ),
    RestoreBucket("1_to_4_hours", "1–4 h", MICROSECONDS_PER_HOUR, 4 * MICROSECONDS_PER_HOUR),
    RestoreBucket("4_to_24_hours", "4–24 h", 4 * MICROSECONDS_PER_HOUR, MICROSECONDS_PER_DAY),
    RestoreBucket("1_to_7_days", "1–7 d", MICROSECONDS_PER_DAY, 7 * MICROSECONDS_PER_DAY),
    RestoreBucket("over_7_days", "> 7 d", 7 * MICROSECONDS_PER_DAY, None),
)


# -- Scoping -------------------------------------------------------------------------------


def _bounds(period: DateRange) -> tuple[datetime, datetime]:
    """The period as [local midnight of start, local midnight after end)."""
    return start_of_day(period.start), start_of_day(period.end + timedelta(days=1))


def _scoped_incidents(
    *, period: DateRange, team: Team | None, service: Service | None
) -> QuerySet[Incident]:
    """Non-drill incidents in scope that started within `period`."""
    start_at, end_before = _bounds(period)
    incidents = Incident.objects.filter(
        is_drill=False, started_at__gte=start_at, started_at__lt=end_before
    ).order_by()
    if team is not None:
        incidents = incidents.filter(team=team)
    if service is not None:
        # One row per incident: an incident lists a service at most once.
        incidents = incidents.filter(services=service)
    return incidents


def _scoped_factors(
    *, period: DateRange, team: Team | None, service: Service | None
) -> QuerySet[ContributingFactor]:
    """Factors of published postmortems of the incidents in scope (see _scoped_incidents)."""
    return ContributingFactor.objects.filter(
        postmortem__status=Postmortem.Status.PUBLISHED,
        postmortem__deleted_at__isnull=True,
        postmortem__incident__in=_scoped_incidents(period=period, team=team, service=service),
    ).order_by()


# -- Calendar steps ------------------------------------------------------------------------


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _steps(period: DateRange, unit: str) -> list[date]:
    """The first days of every week, month or quarter that overlaps `period`."""
    if unit == "week":
        first, step = _week_start(period.start), lambda day: day + timedelta(days=7)
    elif unit == "month":
        first, step = _month_start(period.start), lambda day: _add_months(day, 1)
    else:
        first, step = _quarter_start(period.start), lambda day: _add_months(day, 3)
    steps = []
    while first <= period.end:
        steps.append(first)
        first = step(first)
    return steps


TRUNCATE = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}


def _truncate(unit: str, field: str):
    # A date, not a datetime: truncated in the configured time zone (not the viewer's, which
    # Django would take by default), then its day taken.
    return TRUNCATE[unit](field, output_field=DateField(), tzinfo=timezone.get_default_timezone())


# -- Incidents per week --------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyIncidents:
    week: date  # Monday
    by_severity: dict[int, int]  # every Severity value, zero included

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def incidents_per_week(
    *, period: DateRange, team: Team | None = None, service: Service | None = None
) -> list[WeeklyIncidents]:
    """Incidents per ISO week by severity: the non-drill incidents in scope that started in
    `period`, counted in the week (Monday to Sunday, configured time zone) their impact
    started, by their current severity. Every week overlapping the period is listed, empty
    weeks with zeros. One query."""
    rows = (
        _scoped_incidents(period=period, team=team, service=service)
        .annotate(week=_truncate("week", "started_at"))
        .values("week", "severity")
        .annotate(count=Count("pk"))
    )
    counts = {(row["week"], row["severity"]): row["count"] for row in rows}
    return [
        WeeklyIncidents(
            week=week, by_severity={level: counts.get((week, level), 0) for level in Severity}
        )
        for week in _steps(period, "week")
    ]


# -- Restore times -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterlyRestoreTimes:
    quarter: date  # first day of the quarter
    buckets: dict[str, int]  # RestoreBucket.key → incidents, in RESTORE_BUCKETS order
    unrestored: int

    @property
    def restored(self) -> int:
        return sum(self.buckets.values())


def restore_time_distribution(
    *, period: DateRange, team: Team | None = None, service: Service | None = None
) -> list[QuarterlyRestoreTimes]:
    """Time to restore (restored_at - started_at) of the non-drill incidents in scope that
    started in `period`, as a histogram per quarter of started_at (configured time zone):
    < 15 min, 15–60 min, 1–4 h, 4–24 h, 1–7 d, > 7 d, each bucket including its lower bound
    and excluding its upper one (exactly 1 h is in 1–4 h). Incidents not restored yet count as
    `unrestored`. Every quarter overlapping the period is listed. One query."""

    def in_bucket(bucket: RestoreBucket) -> Q:
        condition = Q(time_to_restore__gte=bucket.lower)
        if bucket.upper is not None:
            condition &= Q(time_to_restore__lt=bucket.upper)
        return condition

    rows = (
        _scoped_incidents(period=period, team=team, service=service)
        .annotate(
            quarter=_truncate("quarter", "started_at"),
            time_to_restore=DurationMicroseconds("restored_at", "started_at"),
        )
        .values("quarter")
        .annotate(
            unrestored=Count("pk", filter=Q(restored_at__isnull=True)),
            **{bucket.key: Count("pk", filter=in_bucket(bucket)) for bucket in RESTORE_BUCKETS},
        )
    )
    by_quarter = {row["quarter"]: row for row in rows}
    empty = dict.fromkeys([bucket.key for bucket in RESTORE_BUCKETS], 0) | {"unrestored": 0}
    result = []
    for quarter in _steps(period, "quarter"):
        row = by_quarter.get(quarter, empty)
        result.append(
            QuarterlyRestoreTimes(
                quarter=quarter,
                buckets={bucket.key: row[bucket.key] for bucket in RESTORE_BUCKETS},
                unrestored=row["unrestored"],
            )
        )
    return result


# -- Contributing-factor categories over time ----------------------------------------------


@dataclass(frozen=True)
class CategoryCounts:
    start: date  # first day of the month or quarter
    by_category: dict[FactorCategory, int]  # categories with factors in the whole period

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


def factor_categories_over_time(
    *,
    period: DateRange,
    team: Team | None = None,
    service: Service | None = None,
    unit: str = "month",
) -> list[CategoryCounts]:
    """Contributing factors per category per month or quarter (`unit`): the factors of the
    published postmortems of the non-drill incidents in scope that started in `period`,
    counted in the month or quarter their incident started (configured time zone). Each
    factor counts once, so an incident with two factors of a category counts twice. Every
    month or quarter overlapping the period is listed, with every category that has factors
    somewhere in the period (in FactorCategory order), zero where it has none. Two queries."""
    if unit not in ("month", "quarter"):
        raise ValueError(f"unit must be 'month' or 'quarter', not {unit!r}")
    rows = list(
        _scoped_factors(period=period, team=team, service=service)
        .annotate(start=_truncate(unit, "postmortem__incident__started_at"))
        .values("start", "category")
        .annotate(count=Count("pk"))
    )
    # All categories (a short curated list), so the query runs even when no factor does.
    used = {row["category"] for row in rows}
    categories = [category for category in FactorCategory.objects.all() if category.pk in used]
    counts = {(row["start"], row["category"]): row["count"] for row in rows}
    return [
        CategoryCounts(
            start=start,
            by_category={category: counts.get((start, category.pk), 0) for category in categories},
        )
        for start in _steps(period, unit)
    ]


# -- "We have seen this before" ------------------------------------------------------------


@dataclass(frozen=True)
class RecurringCategory:
    service: Service
    category: FactorCategory
    incidents: list[Incident]  # oldest first
    first_started_at: datetime
    last_started_at: datetime


def recurring_factor_categories(
    *,
    period: DateRange,
    team: Team | None = None,
    service: Service | None = None,
    window: timedelta = RECURRENCE_WINDOW,
) -> list[RecurringCategory]:
    """ "We have seen this before": for each service, the factor categories that recur, i.e.
    show in the published postmortems of two or more different incidents of that service
    whose impact started at most `window` (90 days) apart.

    Both incidents of a recurrence are non-drill incidents in scope that started in
    `period`. Each (service, category) lists every incident that recurs with at least one
    other (so a chain 0, 80 and 160 days lists all three, though the first and last are 160
    days apart), oldest first, with the first and last start. Ordered by the most recent
    recurrence first, then service and category name. Two queries, kept for a short while
    (learning.cache): the organisation's spans thousands of incidents."""
    parts = (
        period.start.isoformat(),
        period.end.isoformat(),
        team.pk if team else "",
        service.pk if service else "",
        int(window.total_seconds()),
    )
    return cached(
        "recurring-factor-categories",
        parts,
        lambda: _recurring_factor_categories(
            period=period, team=team, service=service, window=window
        ),
    )


def _recurring_factor_categories(
    *, period: DateRange, team: Team | None, service: Service | None, window: timedelta
) -> list[RecurringCategory]:
    links = _recurrence_links(period=period, team=team, service=service)
    close_by = links.filter(
        category_id=OuterRef("category_id"),
        service=OuterRef("service"),
        started_at__gte=OuterRef("started_at") - Value(window),
        started_at__lte=OuterRef("started_at") + Value(window),
    ).exclude(incident=OuterRef("incident"))
    recurring_links = (
        links.filter(Exists(close_by))
        .select_related("incident", "service")
        .distinct()
        .order_by("started_at", "incident_id")
    )
    # The categories are a short list people curate: all of them, in one query however many
    # recur, so the count of queries never depends on the data.
    categories = FactorCategory.objects.in_bulk()
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for link in recurring_links:
        grouped[link.service_id, link.category_id].append(link)
    recurring = [
        RecurringCategory(
            service=group[0].service,
            category=categories[category_id],
            incidents=[link.incident for link in group],
            first_started_at=group[0].started_at,
            last_started_at=group[-1].started_at,
        )
        for (_, category_id), group in grouped.items()
    ]
    recurring.sort(key=lambda item: (item.service.name, item.category.name))
    recurring.sort(key=lambda item: item.last_started_at, reverse=True)
    return recurring


def _recurrence_links(*, period: DateRange, team: Team | None, service: Service | None):
    """One row per (incident, service, factor) of the incidents in scope whose postmortem is
    published: the services' links to them, with the factor's category and the start."""
    links = Incident.services.through.objects.filter(
        incident__in=_scoped_incidents(period=period, team=team, service=service),
        incident__postmortem__status=Postmortem.Status.PUBLISHED,
        incident__postmortem__deleted_at__isnull=True,
        incident__postmortem__contributing_factors__isnull=False,
    ).annotate(
        category_id=F("incident__postmortem__contributing_factors__category"),
        started_at=F("incident__started_at"),
    )
    if service is not None:
        links = links.filter(service=service)
    return links


def recurrences_per_period(
    *, periods: list, team: Team | None = None, window: timedelta = RECURRENCE_WINDOW
) -> list[int]:
    """For each of `periods` (consecutive, oldest first): how many (service, factor category)
    pairs of recurring_factor_categories over all of them came back in it, i.e. showed in an
    incident that started in it, at most `window` after an earlier incident of the same
    service with the same category (in start order, then incident order). One query that
    counts in the database instead of listing every recurring incident, kept for a short while
    (learning.cache) like the list."""
    if not periods:
        return []
    parts = (
        *(f"{period.start.isoformat()}/{period.end.isoformat()}" for period in periods),
        team.pk if team else "",
        int(window.total_seconds()),
    )
    return cached(
        "recurrences-per-period",
        parts,
        lambda: _recurrences_per_period(periods=periods, team=team, window=window),
    )


def _recurrences_per_period(*, periods: list, team: Team | None, window: timedelta) -> list[int]:
    span = FollowupPeriod(start=periods[0].start, end=periods[-1].end)
    links = _recurrence_links(period=span, team=team, service=None)
    earlier = links.filter(
        category_id=OuterRef("category_id"),
        service=OuterRef("service"),
        started_at__gte=OuterRef("started_at") - Value(window),
    ).filter(
        Q(started_at__lt=OuterRef("started_at"))
        | Q(started_at=OuterRef("started_at"), incident__lt=OuterRef("incident"))
    )
    start_bounds = [_bounds(period) for period in periods]
    which = Case(
        *(
            When(started_at__gte=start_at, started_at__lt=end_before, then=Value(index))
            for index, (start_at, end_before) in enumerate(start_bounds)
        ),
        default=None,
        output_field=IntegerField(),
    )
    # One row per pair and period it came back in: a few per service at most.
    pairs = (
        links.filter(Exists(earlier))
        .annotate(period_index=which)
        .values_list("period_index", "service", "category_id")
        .distinct()
    )
    counts = Counter(period_index for period_index, _, _ in pairs)
    return [counts.get(index, 0) for index in range(len(periods))]


# -- Follow-up completion ------------------------------------------------------------------


def followup_completion(
    *, period: DateRange, team: Team | None = None, today: date | None = None
) -> CompletionStatistics:
    """Follow-up completion of `team` (or the organisation) for follow-ups created in
    `period`: followups.statistics.completion_statistics, whose docstring states the
    definitions (on-time share, overdue count, median days to close, items per postmortem).
    It knows no service scope: follow-ups belong to teams."""
    return completion_statistics(
        team=team, period=FollowupPeriod(start=period.start, end=period.end), today=today
    )


# -- Postmortem health ---------------------------------------------------------------------


@dataclass(frozen=True)
class PostmortemHealth:
    major_incidents: int
    major_with_published_postmortem: int
    median_days_to_publish: float | None

    @property
    def published_share(self) -> float | None:
        """Between 0 and 1; None without SEV1/SEV2 incidents."""
        if not self.major_incidents:
            return None
        return self.major_with_published_postmortem / self.major_incidents


def postmortem_health(
    *, period: DateRange, team: Team | None = None, service: Service | None = None
) -> PostmortemHealth:
    """How the incidents in scope that started in `period` (non-drill) are learned from:

    - published share = major_with_published_postmortem / major_incidents, over the SEV1 and
      SEV2 incidents (current severity), counting those whose postmortem is published now.
    - median days to publish: the median of published_at - restored_at, in days
      (fractional), over the published postmortems of those incidents, whatever their
      severity, whose incident has been restored; None without any. PostgreSQL's
      percentile_cont, or the equal portable median elsewhere (followups.statistics.median).

    Two queries (three on SQLite, whose median takes two)."""
    incidents = _scoped_incidents(period=period, team=team, service=service)
    published = Q(
        postmortem__status=Postmortem.Status.PUBLISHED, postmortem__deleted_at__isnull=True
    )
    counts = incidents.filter(severity__in=MAJOR_SEVERITIES).aggregate(
        major_incidents=Count("pk"),
        major_with_published_postmortem=Count("pk", filter=published),
    )
    postmortems = Postmortem.objects.filter(
        status=Postmortem.Status.PUBLISHED,
        published_at__isnull=False,
        incident__in=incidents,
        incident__restored_at__isnull=False,
    )
    days = median(postmortems, DurationMicroseconds("published_at", "incident__restored_at"))
    return PostmortemHealth(
        **counts,
        median_days_to_publish=None if days is None else days / MICROSECONDS_PER_DAY,
    )


@dataclass(frozen=True)
class MonthlyCoachFlags:
    month: date  # first day of the month
    postmortems: int
    average_flags: float | None  # None in a month without published postmortems


def blameful_wording_per_month(
    *, period: DateRange, team: Team | None = None, service: Service | None = None
) -> list[MonthlyCoachFlags]:
    """Blameful wording left at publication: the average of coach_flags_at_publish over the
    postmortems published in each month of `period` (by published_at, configured time zone),
    of non-drill incidents of the team (Incident.team) and service in scope, whenever those
    started. Every month overlapping the period is listed. One query."""
    start_at, end_before = _bounds(period)
    postmortems = Postmortem.objects.filter(
        status=Postmortem.Status.PUBLISHED,
        published_at__gte=start_at,
        published_at__lt=end_before,
        incident__is_drill=False,
    ).order_by()
    if team is not None:
        postmortems = postmortems.filter(incident__team=team)
    if service is not None:
        postmortems = postmortems.filter(incident__services=service)
    rows = (
        postmortems.annotate(month=_truncate("month", "published_at"))
        .values("month")
        .annotate(postmortems=Count("pk"), average_flags=Avg("coach_flags_at_publish"))
    )
    by_month = {row["month"]: row for row in rows}
    return [
        MonthlyCoachFlags(
            month=month,
            postmortems=by_month[month]["postmortems"] if month in by_month else 0,
            average_flags=by_month[month]["average_flags"] if month in by_month else None,
        )
        for month in _steps(period, "month")
    ]
