"""Every series the learning pages show, as rows: the pages draw their charts and tables from
these, and /learning/export.csv writes the same rows as CSV, so a chart, its table and its
download never disagree. Each series takes a fixed number of queries whatever the data size."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from culture import export as culture_export
from debrief.permissions import is_hidden
from followups.export import neutralised
from incidents.models import Deployment, Incident, Service, Severity, Team

from . import trends, weekly
from .cache import cached
from .metrics import PRODUCTION, FourKeys, Scope, failed_deployment, four_keys
from .periods import Period

SPARKLINE_WEEKS = 12
MICROSECONDS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class Filters:
    """What the learning pages are narrowed to: a team or a service (or the organisation)
    over a period. The delivery metrics take the service when both are given."""

    period: Period
    team: Team | None = None
    service: Service | None = None

    @property
    def narrowing(self) -> dict:
        """The keyword arguments every learning.trends selector takes."""
        return {"period": self.period, "team": self.team, "service": self.service}

    @property
    def cache_parts(self) -> tuple:
        """What tells these filters apart in the keys of learning.cache."""
        return (
            self.team.pk if self.team else "",
            self.service.pk if self.service else "",
            self.period.start.isoformat(),
            self.period.end.isoformat(),
        )

    @property
    def scope(self) -> Scope:
        return Scope(service=self.service) if self.service else Scope(team=self.team)


@dataclass(frozen=True)
class Series:
    name: str
    title: str
    header: list[str]
    rows: list[list]

    def column(self, index: int) -> list:
        return [row[index] for row in self.rows]


def _hours(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 3600, 2)
    return round(value / MICROSECONDS_PER_HOUR, 2)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _figure_cell(value):
    return _hours(value) if isinstance(value, timedelta) else _rounded(value)


def four_keys_summary(keys: FourKeys, *, with_mean: bool = False) -> Series:
    """The headline figures; durations in hours. The mean time to restore only on request
    (the export): a few long outages drag it far from the typical restore."""
    figures = [
        ("Deployment frequency", keys.deployment_frequency.per_week),
        ("Lead time for changes (median, hours)", keys.lead_time_for_changes.median),
        ("Lead time for changes (90th percentile, hours)", keys.lead_time_for_changes.p90),
        ("Change failure rate", keys.change_failure_rate),
        ("Time to restore (median, hours)", keys.time_to_restore.median),
        ("Time to restore (90th percentile, hours)", keys.time_to_restore.p90),
        (
            "Failed deployment recovery time (median, hours)",
            keys.failed_deployment_recovery_time.median,
        ),
        ("Rework rate", keys.rework_rate),
    ]
    rows = [
        [
            name,
            _figure_cell(figure.value),
            _figure_cell(figure.previous),
            figure.count,
            figure.unit,
            figure.bucket or "",
        ]
        for name, figure in figures
    ]
    if with_mean:
        restore = keys.time_to_restore
        rows.append(
            [
                "Mean time to restore (hours; skewed by long outages, use the median)",
                _hours(restore.mean),
                "",
                restore.median.count,
                "duration",
                "",
            ]
        )
    return Series(
        "four-keys",
        "The four keys",
        ["Metric", "Value", "Previous period", "Samples", "Unit", "DORA bucket"],
        rows,
    )


def sparkline_weeks(end: date) -> list[Period]:
    return weekly.sparkline_weeks(end, SPARKLINE_WEEKS)


def four_keys_weekly(*, scope: Scope, end: date) -> Series:
    """Each of the last twelve seven-day weeks up to `end`, with the four keys and rework rate
    computed over that week by the definitions of learning.metrics (learning.weekly: completed
    weeks are stored, so the history is not recomputed on every page)."""
    weeks = sparkline_weeks(end)
    figures_of_weeks = cached(
        "weekly-figures",
        (*weekly.scope_key(scope), end.isoformat()),
        lambda: weekly.weekly_figures(scope, weeks),
    )
    rows = [
        [
            figures.week.start.isoformat(),
            figures.week.end.isoformat(),
            figures.succeeded,
            _hours(figures.lead_time_median),
            _rounded(figures.change_failure_rate),
            _hours(figures.restore_median),
            _rounded(figures.rework_rate),
        ]
        for figures in figures_of_weeks
    ]
    return Series(
        "four-keys-weekly",
        "The four keys per week",
        [
            "Week start",
            "Week end",
            "Deployments",
            "Lead time for changes (median, hours)",
            "Change failure rate",
            "Time to restore (median, hours)",
            "Rework rate",
        ],
        rows,
    )


def incidents_per_week(filters: Filters) -> Series:
    weeks = trends.incidents_per_week(**filters.narrowing)
    return Series(
        "incidents-per-week",
        "Incidents per week by severity",
        ["Week of", *[level.label for level in Severity], "Total"],
        [
            [week.week.isoformat(), *[week.by_severity[level] for level in Severity], week.total]
            for week in weeks
        ],
    )


def restore_distribution(filters: Filters) -> Series:
    quarters = trends.restore_time_distribution(**filters.narrowing)
    return Series(
        "restore-distribution",
        "Time to restore, by quarter",
        ["Quarter of", *[bucket.label for bucket in trends.RESTORE_BUCKETS], "Not restored"],
        [
            [
                quarter.quarter.isoformat(),
                *[quarter.buckets[bucket.key] for bucket in trends.RESTORE_BUCKETS],
                quarter.unrestored,
            ]
            for quarter in quarters
        ],
    )


def factor_categories(filters: Filters) -> Series:
    months = trends.factor_categories_over_time(**filters.narrowing)
    categories = list(months[0].by_category) if months else []
    return Series(
        "factor-categories",
        "Contributing factors by category, per month",
        ["Month of", *[category.name for category in categories]],
        [
            [month.start.isoformat(), *[month.by_category[category] for category in categories]]
            for month in months
        ],
    )


def _reference(incident: Incident, viewer) -> str:
    # Counted like any other, but a private incident is not named to those kept out of it.
    return "(private)" if viewer is None or is_hidden(viewer, incident) else incident.reference


def recurring_factors(filters: Filters, viewer=None) -> Series:
    """The recurring factor categories; `viewer` decides which incidents are named."""
    recurring = trends.recurring_factor_categories(**filters.narrowing)
    zone = timezone.get_default_timezone()
    return Series(
        "recurring-factors",
        "We have seen this before",
        ["Service", "Factor category", "Incidents", "First started", "Last started"],
        [
            [
                item.service.name,
                item.category.name,
                " ".join(_reference(incident, viewer) for incident in item.incidents),
                timezone.localtime(item.first_started_at, zone).date().isoformat(),
                timezone.localtime(item.last_started_at, zone).date().isoformat(),
            ]
            for item in recurring
        ],
    )


def team_trends(filters: Filters) -> Series:
    """Each team against its own previous period: deployments per week, change failure rate
    and incidents (learning.metrics' definitions). Teams in name order, never by a metric: the
    point is each team's own direction, not a league table. Three queries, kept for a short
    while (learning.cache)."""
    return cached("team-trends", filters.cache_parts, lambda: _team_trends(filters))


def _team_trends(filters: Filters) -> Series:
    period, previous = filters.period, filters.period.previous()
    teams = Team.objects.order_by("name")
    if filters.team is not None:
        teams = teams.filter(pk=filters.team.pk)
    deployments = Deployment.objects.filter(
        environment=PRODUCTION,
        deployed_at__gte=previous.start_at,
        deployed_at__lt=period.end_before,
    )
    incidents = Incident.objects.filter(
        is_drill=False, started_at__gte=previous.start_at, started_at__lt=period.end_before
    )
    if filters.service is not None:
        deployments = deployments.filter(service=filters.service)
        incidents = incidents.filter(services=filters.service)
    failed = failed_deployment()
    succeeded = Q(outcome=Deployment.Outcome.SUCCEEDED)
    now = Q(deployed_at__gte=period.start_at)
    before = Q(deployed_at__lt=period.start_at)
    by_team = {
        row["service__team"]: row
        for row in deployments.order_by()
        .values("service__team")
        .annotate(
            succeeded_now=Count("pk", filter=now & succeeded),
            succeeded_before=Count("pk", filter=before & succeeded),
            total_now=Count("pk", filter=now),
            total_before=Count("pk", filter=before),
            failed_now=Count("pk", filter=now & failed),
            failed_before=Count("pk", filter=before & failed),
        )
    }
    incident_counts = {
        row["team"]: row
        for row in incidents.order_by()
        .values("team")
        .annotate(
            now=Count("pk", filter=Q(started_at__gte=period.start_at)),
            before=Count("pk", filter=Q(started_at__lt=period.start_at)),
        )
    }
    rows = []
    for team in teams:
        deployed = by_team.get(team.pk, {})
        incidents_of = incident_counts.get(team.pk, {})

        def rate(part, whole, deployed=deployed):
            total = deployed.get(whole, 0)
            return _rounded(deployed.get(part, 0) / total) if total else None

        rows.append(
            [
                team.name,
                _rounded(deployed.get("succeeded_now", 0) * 7 / period.days, 2),
                _rounded(deployed.get("succeeded_before", 0) * 7 / previous.days, 2),
                rate("failed_now", "total_now"),
                rate("failed_before", "total_before"),
                incidents_of.get("now", 0),
                incidents_of.get("before", 0),
            ]
        )
    return Series(
        "team-trends",
        "Each team against its own previous period",
        [
            "Team",
            "Deployments per week",
            "Deployments per week, previous period",
            "Change failure rate",
            "Change failure rate, previous period",
            "Incidents",
            "Incidents, previous period",
        ],
        rows,
    )


def postmortem_health(filters: Filters) -> Series:
    health = trends.postmortem_health(**filters.narrowing)
    return Series(
        "postmortem-health",
        "Postmortem health",
        ["SEV1/SEV2 incidents", "With a published postmortem", "Share", "Median days to publish"],
        [
            [
                health.major_incidents,
                health.major_with_published_postmortem,
                _rounded(health.published_share),
                _rounded(health.median_days_to_publish, 1),
            ]
        ],
    )


def followup_completion(filters: Filters) -> Series:
    stats = trends.followup_completion(period=filters.period, team=filters.team)
    return Series(
        "followup-completion",
        "Follow-up completion",
        ["On time share", "Overdue", "Open", "Median days to close", "Items per postmortem"],
        [
            [
                _rounded(stats.on_time_share),
                stats.overdue_count,
                stats.open_count,
                _rounded(stats.median_days_to_close, 1),
                _rounded(stats.items_per_postmortem, 1),
            ]
        ],
    )


def blameful_wording(filters: Filters) -> Series:
    """Blameful wording left at publication per month (learning.trends)."""
    months = trends.blameful_wording_per_month(**filters.narrowing)
    return Series(
        "blameful-wording",
        "Blameful wording left at publication, per month",
        ["Month of", "Postmortems published", "Average coach flags at publication"],
        [
            [
                month.month.isoformat(),
                month.postmortems,
                None if month.average_flags is None else round(month.average_flags, 2),
            ]
            for month in months
        ],
    )


def cached_four_keys(*, scope: Scope, period: Period) -> FourKeys:
    """learning.metrics.four_keys, kept for a short while (learning.cache)."""
    return cached(
        "four-keys",
        (*weekly.scope_key(scope), period.start.isoformat(), period.end.isoformat()),
        lambda: four_keys(scope=scope, period=period),
    )


def _four_keys(filters: Filters) -> Series:
    keys = cached_four_keys(scope=filters.scope, period=filters.period)
    return four_keys_summary(keys, with_mean=True)


def _four_keys_weekly(filters: Filters) -> Series:
    return four_keys_weekly(scope=filters.scope, end=filters.period.end)


# Every series the pages show, by the name export.csv takes.
SERIES = {
    "four-keys": _four_keys,
    "four-keys-weekly": _four_keys_weekly,
    "incidents-per-week": incidents_per_week,
    "restore-distribution": restore_distribution,
    "factor-categories": factor_categories,
    "recurring-factors": recurring_factors,
    "team-trends": team_trends,
    "postmortem-health": postmortem_health,
    "followup-completion": followup_completion,
    "blameful-wording": blameful_wording,
    "culture-pulse": culture_export.pulse_series,
    "culture-survey": culture_export.survey_series,
}


def _cell(value) -> str:
    if value is None:
        return ""
    # Only text can smuggle a formula in; a negative number is a number.
    return neutralised(value) if isinstance(value, str) else str(value)


def as_csv(series: Series) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(series.header)
    writer.writerows([_cell(value) for value in row] for row in series.rows)
    return buffer.getvalue()
