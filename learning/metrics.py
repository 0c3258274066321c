"""The DORA software-delivery metrics (the "four keys", plus rework rate) for the organisation,
a team or a service over a period, computed by the database (docs/metrics.md explains them).

Every function states the definition it implements. All of them share these rules:

- Only production deployments count (environment "production"); drills never count.
- A figure carries the previous period's value and the number of samples it was computed
  from, so a reader can tell a trend from noise.
- The database does the work: each figure takes the same number of queries whatever the
  amount of data, and gives the same answer on PostgreSQL and SQLite (learning.aggregates).
"""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median as median_of

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from incidents.models import Deployment, DeploymentCommit, Incident, Service, Team

from .aggregates import DurationMicroseconds, grouped_percentiles
from .periods import Period

PRODUCTION = "production"
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
# DORA's answers speak of months; a month here is 30 days and six months 180.
WEEK, MONTH, SIX_MONTHS = 7 * DAY, 30 * DAY, 180 * DAY


@dataclass(frozen=True)
class Figure:
    """One number on the page: its value this period and the previous one, how many samples
    it was computed from (deployments, commits or incidents), its unit, and its DORA bucket."""

    value: float | timedelta | None
    previous: float | timedelta | None
    count: int
    unit: str
    bucket: str | None = None


@dataclass(frozen=True)
class Scope:
    """Whose figures: a service's, a team's (its services' deployments, its incidents), or the
    whole organisation's when neither is given."""

    team: Team | None = None
    service: Service | None = None

    def __post_init__(self):
        if self.team is not None and self.service is not None:
            raise ValueError("A scope is a team or a service, not both.")

    def __str__(self):
        return str(self.service or self.team or "Organisation")

    def deployments(self) -> QuerySet[Deployment]:
        """Production deployments in scope."""
        deployments = Deployment.objects.filter(environment=PRODUCTION)
        if self.service is not None:
            return deployments.filter(service=self.service)
        if self.team is not None:
            return deployments.filter(service__team=self.team)
        return deployments

    def incidents(self) -> QuerySet[Incident]:
        """Incidents in scope, drills left out."""
        incidents = Incident.objects.filter(is_drill=False)
        if self.service is not None:
            return incidents.filter(services=self.service)
        if self.team is not None:
            return incidents.filter(team=self.team)
        return incidents


ORGANISATION = Scope()


def _deployed_in(period: Period) -> Q:
    return Q(deployed_at__gte=period.start_at, deployed_at__lt=period.end_before)


def _started_in(period: Period) -> Q:
    return Q(started_at__gte=period.start_at, started_at__lt=period.end_before)


def _with_previous(period: Period) -> Period:
    """The period and the one before it, which always ends the day before it starts."""
    return Period(period.previous().start, period.end)


def _current_or_previous(period: Period, field: str) -> Case:
    """Which of `period` and its previous period a row of `_with_previous(period)` is in."""
    return Case(
        When(**{f"{field}__lt": period.start_at}, then=Value("previous")),
        default=Value("current"),
    )


def failed_deployment() -> Q:
    """A deployment that failed, was rolled back, or caused (Incident.caused_by_deployment) an
    incident that is not a drill: the change failure rate's numerator."""
    # Each deployment of the period looks up its causes (index incident_causes): a cost that
    # follows the period's deployments, where matching them against every incident's cause
    # read all the incidents ever recorded.
    causes = Incident.objects.filter(caused_by_deployment=OuterRef("pk"), is_drill=False)
    return Q(outcome__in=[Deployment.Outcome.FAILED, Deployment.Outcome.ROLLED_BACK]) | Q(
        Exists(causes)
    )


# A deployment marked as the fix of an incident that is not a drill: rework rate's numerator.
# Only deployments marked as a fix look their incident up, where a join would read them all.
REMEDIATING = Q(remediates__isnull=False) & Q(
    Exists(
        Incident.objects.filter(pk=OuterRef("remediates"), is_drill=False, deleted_at__isnull=True)
    )
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _microseconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(microseconds=value)


# Deployment frequency ----------------------------------------------------------------------


class FrequencyBucket:
    """DORA's answers to "how often does your organisation deploy code to production?"."""

    ON_DEMAND = "On demand (multiple deploys per day)"
    DAILY_TO_WEEKLY = "Between once per day and once per week"
    WEEKLY_TO_MONTHLY = "Between once per week and once per month"
    MONTHLY_TO_SIX_MONTHLY = "Between once per month and once every six months"
    LESS_THAN_SIX_MONTHLY = "Fewer than once every six months"


@dataclass(frozen=True)
class DeploymentFrequency:
    per_day: Figure
    per_week: Figure
    per_month: Figure

    @property
    def bucket(self) -> str | None:
        return self.per_day.bucket

    @property
    def count(self) -> int:
        return self.per_day.count


def frequency_bucket(deploy_days_per_week: list[int]) -> str | None:
    """DORA's frequency answer for the given weeks, from the number of days with at least one
    deployment in each week, oldest first. The rule follows Google's Four Keys project
    (its dashboard's deployment-frequency query), extended to DORA's five answers:

    1. the median number of deploy days per week is 3 or more: on demand;
    2. otherwise, most weeks have a deployment (the median of "the week had one", 0 or 1, is
       1): between once per day and once per week;
    3. otherwise, most 4-week blocks (consecutive weeks counted back from the latest, leaving
       out the 1 to 3 oldest weeks left over; Four Keys uses calendar months) have a
       deployment: between once per week and once per month;
    4. otherwise, any deployment at all: between once per month and once every six months;
    5. none: fewer than once every six months, but only when the weeks span six months (26
       weeks); a shorter empty period cannot tell, and gets None, as does one without a
       complete week.
    """
    weeks = len(deploy_days_per_week)
    if not weeks:
        return None
    deployed = [1 if days else 0 for days in deploy_days_per_week]
    if median_of(deploy_days_per_week) >= 3:
        return FrequencyBucket.ON_DEMAND
    if median_of(deployed) >= 1:
        return FrequencyBucket.DAILY_TO_WEEKLY
    # Fewer than four weeks make one short block.
    blocks = [max(deployed[max(end - 4, 0) : end]) for end in range(weeks, 3, -4) or [weeks]]
    if median_of(blocks) >= 1:
        return FrequencyBucket.WEEKLY_TO_MONTHLY
    if any(deployed):
        return FrequencyBucket.MONTHLY_TO_SIX_MONTHLY
    if weeks >= 26:
        return FrequencyBucket.LESS_THAN_SIX_MONTHLY
    return None


def _deployment_counts(scope: Scope, period: Period) -> tuple[int, int, list[int]]:
    """Successful production deployments in `period` and in the previous period, and the days
    with at least one in each of `period`'s complete weeks: one query, counting per local day
    (periods and weeks are whole local days)."""
    local_day = TruncDate("deployed_at", tzinfo=timezone.get_default_timezone())
    per_day = dict(
        scope.deployments()
        .filter(_deployed_in(_with_previous(period)), outcome=Deployment.Outcome.SUCCEEDED)
        .order_by()
        .annotate(day=local_day)
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )

    def deployments_in(days: Period) -> int:
        return sum(count for day, count in per_day.items() if days.start <= day <= days.end)

    deploy_days = [
        sum(1 for day in per_day if week.start <= day <= week.end) for week in period.weeks()
    ]
    return deployments_in(period), deployments_in(period.previous()), deploy_days


def deployment_frequency(*, scope: Scope, period: Period) -> DeploymentFrequency:
    """Deployment frequency: successful production deployments in `period`, per day, per week
    (7 days) and per month (30 days) on average over its days; the bucket follows
    `frequency_bucket` over the period's complete weeks. The count is the deployments."""
    count, previous_count, deploy_days = _deployment_counts(scope, period)
    bucket = frequency_bucket(deploy_days)
    previous_days = period.previous().days

    def figure(days: int, unit: str) -> Figure:
        return Figure(
            value=count * days / period.days,
            previous=previous_count * days / previous_days,
            count=count,
            unit=unit,
            bucket=bucket,
        )

    return DeploymentFrequency(
        per_day=figure(1, "deployments per day"),
        per_week=figure(7, "deployments per week"),
        per_month=figure(30, "deployments per month"),
    )


# Lead time for changes ---------------------------------------------------------------------


class LeadTimeBucket:
    """DORA's answers to "how long does it take to go from code committed to code
    successfully running in production?"."""

    LESS_THAN_HOUR = "Less than one hour"
    LESS_THAN_DAY = "Less than one day"
    DAY_TO_WEEK = "Between one day and one week"
    WEEK_TO_MONTH = "Between one week and one month"
    MONTH_TO_SIX_MONTHS = "Between one month and six months"
    MORE_THAN_SIX_MONTHS = "More than six months"


def lead_time_bucket(lead_time: timedelta | None) -> str | None:
    """DORA's lead-time answer for a typical (median) lead time: each bucket includes its
    lower bound (exactly one day is "between one day and one week")."""
    if lead_time is None:
        return None
    for bound, bucket in (
        (HOUR, LeadTimeBucket.LESS_THAN_HOUR),
        (DAY, LeadTimeBucket.LESS_THAN_DAY),
        (WEEK, LeadTimeBucket.DAY_TO_WEEK),
        (MONTH, LeadTimeBucket.WEEK_TO_MONTH),
        (SIX_MONTHS, LeadTimeBucket.MONTH_TO_SIX_MONTHS),
    ):
        if lead_time < bound:
            return bucket
    return LeadTimeBucket.MORE_THAN_SIX_MONTHS


@dataclass(frozen=True)
class LeadTime:
    median: Figure
    p90: Figure


def lead_time_samples(scope: Scope, period: Period) -> QuerySet[Deployment]:
    """One row per commit first deployed in `period`, annotated with its lead time in
    microseconds as `lead_time`; a deployment without recorded commits is one row."""
    succeeded = Deployment.Outcome.SUCCEEDED
    # The same commit in an earlier successful production deployment of the same service
    # (or in one at the same moment recorded before it): that deployment counts it instead.
    deployed_before = DeploymentCommit.objects.filter(
        sha=OuterRef("commit_sha"),
        deployment__service=OuterRef("service"),
        deployment__environment=PRODUCTION,
        deployment__outcome=succeeded,
    ).filter(
        Q(deployment__deployed_at__lt=OuterRef("deployed_at"))
        | Q(deployment__deployed_at=OuterRef("deployed_at"), deployment__pk__lt=OuterRef("pk"))
    )
    return (
        scope.deployments()
        .filter(_deployed_in(period), outcome=succeeded)
        # A left join: one row per commit, or one without a commit.
        .annotate(
            commit_sha=F("commits__sha"),
            commit_time=Coalesce("commits__committed_at", "first_commit_at"),
        )
        .filter(~Exists(deployed_before))
        .annotate(lead_time=DurationMicroseconds("deployed_at", "commit_time"))
        .filter(lead_time__gt=0)
    )


def _lead_times(scope: Scope, period: Period) -> dict[str, tuple[int, list[float | None]]]:
    """The count, median and 90th percentile of the lead times in `period` ("current") and in
    the previous period ("previous"): one query."""
    by_period = grouped_percentiles(
        lead_time_samples(scope, _with_previous(period)),
        F("lead_time"),
        _current_or_previous(period, "deployed_at"),
        [0.5, 0.9],
    )
    return {name: by_period.get(name, (0, [None, None])) for name in ("current", "previous")}


def lead_time_for_changes(*, scope: Scope, period: Period) -> LeadTime:
    """Lead time for changes: for each commit in a successful production deployment, the
    deployment's deployed_at minus the commit's committed_at, taken at the first successful
    production deployment of the same service that contains the commit (same sha); the
    commit counts in the period of that deployment only. A commit without committed_at uses
    its deployment's first_commit_at instead, and a deployment without recorded commits is one
    sample of deployed_at minus first_commit_at. Samples without a commit time, and those of
    zero or less, are left out. Reported: the median and the 90th percentile (interpolated
    linearly between the closest ranks, as PostgreSQL's percentile_cont) and the median's DORA
    bucket; the count is the samples."""
    lead_times = _lead_times(scope, period)
    count, (median, p90) = lead_times["current"]
    _, (previous_median, previous_p90) = lead_times["previous"]
    median, p90 = _microseconds(median), _microseconds(p90)
    return LeadTime(
        median=Figure(
            median, _microseconds(previous_median), count, "duration", lead_time_bucket(median)
        ),
        p90=Figure(p90, _microseconds(previous_p90), count, "duration"),
    )


# Change failure rate and rework rate -------------------------------------------------------


def _deployment_shares(scope: Scope, period: Period) -> dict[str, dict[str, int]]:
    """All, failed and remediating production deployments in `period` ("current") and in the
    previous period ("previous"): one query."""
    periods = {"current": period, "previous": period.previous()}
    result = (
        scope.deployments()
        .filter(_deployed_in(_with_previous(period)))
        .aggregate(
            **{
                f"{name}_{kind}": Count("pk", filter=_deployed_in(within) & condition)
                for name, within in periods.items()
                for kind, condition in (
                    ("total", Q()),
                    ("failed", failed_deployment()),
                    ("remediating", REMEDIATING),
                )
            }
        )
    )
    return {
        name: {kind: result[f"{name}_{kind}"] for kind in ("total", "failed", "remediating")}
        for name in periods
    }


def _share_figure(shares: dict[str, dict[str, int]], part: str) -> Figure:
    current, previous = shares["current"], shares["previous"]
    return Figure(
        value=_share(current[part], current["total"]),
        previous=_share(previous[part], previous["total"]),
        count=current["total"],
        unit="share of deployments",
    )


def change_failure_rate(*, scope: Scope, period: Period) -> Figure:
    """Change failure rate: production deployments in `period` (any outcome) that failed, were
    rolled back, or are the cause (Incident.caused_by_deployment) of at least one incident
    that is not a drill, divided by all production deployments in the period. A deployment
    counts once however many incidents it caused; incidents without a causing deployment do
    not count. A fraction between 0 and 1; None (not enough data) without deployments, never
    0. The count is the deployments."""
    return _share_figure(_deployment_shares(scope, period), "failed")


def rework_rate(*, scope: Scope, period: Period) -> Figure:
    """Rework rate (DORA 2024): production deployments in `period` (any outcome) marked as the
    fix of an incident that is not a drill (Deployment.remediates), divided by all production
    deployments in the period. None without deployments; the count is the deployments."""
    return _share_figure(_deployment_shares(scope, period), "remediating")


# Time to restore ---------------------------------------------------------------------------

# The histogram's buckets: each includes its lower bound and excludes its upper one.
RESTORE_BUCKETS = (
    ("Under 15 minutes", timedelta(0), 15 * MINUTE),
    ("15 to 60 minutes", 15 * MINUTE, HOUR),
    ("1 to 4 hours", HOUR, 4 * HOUR),
    ("4 to 24 hours", 4 * HOUR, DAY),
    ("1 to 7 days", DAY, WEEK),
    ("Over 7 days", WEEK, None),
)


@dataclass(frozen=True)
class TimeToRestore:
    median: Figure
    p90: Figure
    # (label, incidents) for each of RESTORE_BUCKETS, restored incidents only.
    histogram: tuple[tuple[str, int], ...]
    # Incidents started in the period and not restored yet: in no other number.
    open_count: int
    # The arithmetic mean, for exports only: a few long outages drag it far from the typical.
    mean: timedelta | None


def _microseconds_of(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


def restore_samples(scope: Scope, period: Period, caused_by_deployment: bool) -> QuerySet:
    incidents = scope.incidents().filter(_started_in(period))
    if caused_by_deployment:
        incidents = incidents.filter(caused_by_deployment__environment=PRODUCTION)
    return incidents.annotate(restore=DurationMicroseconds("restored_at", "started_at"))


def _time_to_restore(
    scope: Scope, period: Period, *, caused_by_deployment: bool
) -> tuple[dict, dict[str, tuple[int, list[float | None]]]]:
    """The histogram, open count and total of `period`, and the count, median and 90th
    percentile of `period` ("current") and of the previous period ("previous"): two queries."""
    incidents = restore_samples(scope, period, caused_by_deployment)
    buckets = {}
    for index, (_, lower, upper) in enumerate(RESTORE_BUCKETS):
        within = Q(restore__gte=_microseconds_of(lower))
        if upper is not None:
            within &= Q(restore__lt=_microseconds_of(upper))
        buckets[f"bucket_{index}"] = Count("pk", filter=within)
    counts = incidents.aggregate(
        open_count=Count("pk", filter=Q(restored_at__isnull=True)),
        total=Sum("restore"),
        **buckets,
    )
    by_period = grouped_percentiles(
        restore_samples(scope, _with_previous(period), caused_by_deployment),
        F("restore"),
        _current_or_previous(period, "started_at"),
        [0.5, 0.9],
    )
    periods = ("current", "previous")
    return counts, {name: by_period.get(name, (0, [None, None])) for name in periods}


def _restore_figures(scope: Scope, period: Period, *, caused_by_deployment: bool):
    counts, by_period = _time_to_restore(scope, period, caused_by_deployment=caused_by_deployment)
    count, (median, p90) = by_period["current"]
    _, (previous_median, previous_p90) = by_period["previous"]
    # Sums are exact integers on both backends (a numeric on PostgreSQL); divide in Python.
    mean = timedelta(microseconds=int(counts["total"]) / count) if count else None
    return TimeToRestore(
        median=Figure(_microseconds(median), _microseconds(previous_median), count, "duration"),
        p90=Figure(_microseconds(p90), _microseconds(previous_p90), count, "duration"),
        histogram=tuple(
            (label, counts[f"bucket_{index}"])
            for index, (label, _, _) in enumerate(RESTORE_BUCKETS)
        ),
        open_count=counts["open_count"],
        mean=mean,
    )


def time_to_restore(*, scope: Scope, period: Period) -> TimeToRestore:
    """Time to restore: for incidents in scope that are not drills and whose impact started in
    `period` (an incident spanning the period's end counts in the period it started in),
    restored_at minus started_at. Reported: median and 90th percentile (interpolated linearly
    between the closest ranks, as PostgreSQL's percentile_cont), a histogram over
    RESTORE_BUCKETS, and the mean for exports. Incidents not yet restored are counted apart
    as open and are in none of those; the count is the restored incidents."""
    return _restore_figures(scope, period, caused_by_deployment=False)


def failed_deployment_recovery_time(*, scope: Scope, period: Period) -> TimeToRestore:
    """Failed deployment recovery time (DORA 2023): time to restore, restricted to incidents
    caused by a production deployment (Incident.caused_by_deployment)."""
    return _restore_figures(scope, period, caused_by_deployment=True)


# All of them -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FourKeys:
    scope: Scope
    period: Period
    deployment_frequency: DeploymentFrequency
    lead_time_for_changes: LeadTime
    change_failure_rate: Figure
    time_to_restore: TimeToRestore
    failed_deployment_recovery_time: TimeToRestore
    rework_rate: Figure


def four_keys(*, scope: Scope, period: Period) -> FourKeys:
    """Every delivery metric of `scope` over `period`, with the previous period's values:
    seven queries whatever the amount of data."""
    # Change failure rate and rework rate share one count of the deployments.
    shares = _deployment_shares(scope, period)
    return FourKeys(
        scope=scope,
        period=period,
        deployment_frequency=deployment_frequency(scope=scope, period=period),
        lead_time_for_changes=lead_time_for_changes(scope=scope, period=period),
        change_failure_rate=_share_figure(shares, "failed"),
        time_to_restore=time_to_restore(scope=scope, period=period),
        failed_deployment_recovery_time=failed_deployment_recovery_time(scope=scope, period=period),
        rework_rate=_share_figure(shares, "remediating"),
    )
