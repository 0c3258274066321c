"""The delivery figures of single seven-day weeks, for the learning pages' sparklines.

`raw_weekly_figures` computes them from the deployments and incidents by the definitions of
learning.metrics: it is the reference. A completed week (one that ended before today) no longer
changes unless a deployment, commit or incident of it is written, so `weekly_figures` keeps
each completed week's figures as a learning.models.WeeklyFigures row and reads those back
instead of recomputing history; the writes that change a week delete its rows
(learning.signals) and the next reader computes them again."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from incidents.models import Deployment, Team

from .aggregates import grouped_percentiles
from .metrics import (
    ORGANISATION,
    REMEDIATING,
    Scope,
    failed_deployment,
    lead_time_samples,
    restore_samples,
)
from .models import WeeklyFigures
from .periods import Period


@dataclass(frozen=True)
class WeekFigures:
    """One week's figures: successful production deployments, all of them, those that failed
    (change failure rate) and those that remediated an incident (rework rate), and the medians
    of lead time and time to restore in microseconds (None without samples)."""

    week: Period
    succeeded: int
    total: int
    failed: int
    remediating: int
    lead_time_median: float | None
    restore_median: float | None

    @property
    def change_failure_rate(self) -> float | None:
        return self.failed / self.total if self.total else None

    @property
    def rework_rate(self) -> float | None:
        return self.remediating / self.total if self.total else None


def _week_of(field: str, weeks: list[Period]) -> Case:
    """The index in `weeks` of the week a row's `field` falls in; None outside them."""
    return Case(
        *(
            When(
                **{f"{field}__gte": week.start_at, f"{field}__lt": week.end_before},
                then=Value(index),
            )
            for index, week in enumerate(weeks)
        ),
        default=None,
    )


def raw_weekly_figures(scope: Scope, weeks: list[Period]) -> list[WeekFigures]:
    """The figures of each of `weeks` (oldest first), computed from the deployments and
    incidents: three queries whatever the number of weeks and the amount of data."""
    if not weeks:
        return []
    span = Period(weeks[0].start, weeks[-1].end)
    conditions = {
        "succeeded": Q(outcome=Deployment.Outcome.SUCCEEDED),
        "total": Q(),
        "failed": failed_deployment(),
        "remediating": REMEDIATING,
    }
    counts = (
        scope.deployments()
        .filter(deployed_at__gte=span.start_at, deployed_at__lt=span.end_before)
        .order_by()
        .aggregate(
            **{
                f"{name}_{index}": Count(
                    "pk",
                    filter=Q(deployed_at__gte=week.start_at, deployed_at__lt=week.end_before)
                    & condition,
                )
                for index, week in enumerate(weeks)
                for name, condition in conditions.items()
            }
        )
    )
    lead_times = grouped_percentiles(
        lead_time_samples(scope, span), F("lead_time"), _week_of("deployed_at", weeks), [0.5]
    )
    restores = grouped_percentiles(
        restore_samples(scope, span, False), F("restore"), _week_of("started_at", weeks), [0.5]
    )
    return [
        WeekFigures(
            week=week,
            **{name: counts[f"{name}_{index}"] for name in conditions},
            lead_time_median=lead_times.get(index, (0, [None]))[1][0],
            restore_median=restores.get(index, (0, [None]))[1][0],
        )
        for index, week in enumerate(weeks)
    ]


def scope_key(scope: Scope) -> tuple[str, int]:
    """What tells the organisation, a team and a service apart in the stored weeks."""
    if scope.service is not None:
        return WeeklyFigures.Scope.SERVICE, scope.service.pk
    if scope.team is not None:
        return WeeklyFigures.Scope.TEAM, scope.team.pk
    return WeeklyFigures.Scope.ORGANISATION, 0


def today() -> date:
    """Today in the configured time zone."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def weekly_figures(scope: Scope, weeks: list[Period]) -> list[WeekFigures]:
    """The figures of each of `weeks` (seven-day Periods, oldest first), equal to
    `raw_weekly_figures`: completed weeks from their stored rows, the others (and completed
    ones without a row, which are stored for the next reader) computed. One query when every
    week is stored; four, and one to store, otherwise."""
    kind, key = scope_key(scope)
    time_zone = timezone.get_default_timezone_name()
    current_day = today()
    stored = {
        row.week_start: row
        for row in WeeklyFigures.objects.filter(
            scope=kind,
            scope_key=key,
            time_zone=time_zone,
            week_start__in=[week.start for week in weeks if week.end < current_day],
        )
    }
    missing = [week for week in weeks if week.start not in stored]
    computed = {figures.week.start: figures for figures in raw_weekly_figures(scope, missing)}
    completed = [figures for figures in computed.values() if figures.week.end < current_day]
    if completed:
        WeeklyFigures.objects.bulk_create(
            [
                WeeklyFigures(
                    scope=kind,
                    scope_key=key,
                    time_zone=time_zone,
                    week_start=figures.week.start,
                    succeeded=figures.succeeded,
                    total=figures.total,
                    failed=figures.failed,
                    remediating=figures.remediating,
                    lead_time_median=figures.lead_time_median,
                    restore_median=figures.restore_median,
                )
                for figures in completed
            ],
            # Two readers may compute the same week at once; either row is right.
            ignore_conflicts=True,
        )
    return [computed.get(week.start) or _from_row(week, stored[week.start]) for week in weeks]


def _from_row(week: Period, row: WeeklyFigures) -> WeekFigures:
    return WeekFigures(
        week=week,
        succeeded=row.succeeded,
        total=row.total,
        failed=row.failed,
        remediating=row.remediating,
        lead_time_median=row.lead_time_median,
        restore_median=row.restore_median,
    )


def sparkline_weeks(end: date, count: int) -> list[Period]:
    """The last `count` seven-day weeks up to `end`, oldest first."""
    return Period(end - timedelta(days=7 * count - 1), end).weeks()


def weekly_figures_fill(*, end: date, count: int) -> int:
    """Store the figures of the completed weeks among the last `count` weeks up to `end`, for
    the organisation and every team (the pages' default scopes), so the first reader of the
    day finds them. Returns the scopes filled."""
    scopes = [ORGANISATION, *(Scope(team=team) for team in Team.objects.order_by("pk"))]
    weeks = sparkline_weeks(end, count)
    for scope in scopes:
        weekly_figures(scope, weeks)
    return len(scopes)


def weekly_figures_invalidate(moments: list[datetime | None]) -> None:
    """Delete the stored weeks a write at `moments` may have changed: every scope's weeks that
    end on or after the earliest of them (a deployment can change the lead time of a later
    one of the same commit). Rows of another time zone than TIME_ZONE go too: they are read
    only if it is set back, and nothing kept them current meanwhile."""
    known = [moment for moment in moments if moment is not None]
    if not known:
        return
    earliest = min(timezone.localtime(moment, timezone.get_default_timezone()) for moment in known)
    time_zone = timezone.get_default_timezone_name()
    WeeklyFigures.objects.filter(
        Q(week_start__gt=earliest.date() - timedelta(days=7)) | ~Q(time_zone=time_zone)
    ).delete()
