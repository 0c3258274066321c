"""The quarterly learning review for managers: one quarter of the organisation or a team,
gathered once (`quarterly_review`) and shown both as a printable page and as a Markdown
download, so that the two never disagree. A fixed number of queries whatever the data size."""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from debrief.permissions import incident_privacy
from incidents.models import Severity, Team
from postmortems.models import Postmortem

from . import export, trends
from .export import Filters, Series
from .metrics import Figure, FourKeys, four_keys
from .periods import Period
from .templatetags.learning import cell, figure_value

QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
# The selector offers the current quarter and the three before it.
SELECTABLE_QUARTERS = 4


class InvalidQuarter(ValueError):
    """The quarter asked for is not of the form 2026-Q3 (years 2000 to 2100)."""


def quarter_name(period: Period) -> str:
    return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> Period:
    """ "2026-Q3" as its Period; InvalidQuarter for anything else."""
    match = QUARTER_PATTERN.match(text.strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidQuarter(f"{text!r} is not a quarter; write it as 2026-Q3.")
    return Period.quarter(int(match.group(1)), int(match.group(2)))


def recent_quarters(today: date, count: int = SELECTABLE_QUARTERS) -> list[Period]:
    """The quarter of `today` and the ones before it, latest first."""
    quarters = [Period.quarter_of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters


def incidents_by_severity(filters: Filters) -> Series:
    weekly = trends.incidents_per_week(**filters.narrowing)
    return Series(
        "incidents-by-severity",
        "Incidents by severity",
        ["Severity", "Incidents"],
        [[level.label, sum(week.by_severity[level] for week in weekly)] for level in Severity],
    )


def restore_times(filters: Filters) -> Series:
    """The time-to-restore histogram of the whole quarter."""
    quarters = trends.restore_time_distribution(**filters.narrowing)
    rows = [
        [bucket.label, sum(quarter.buckets[bucket.key] for quarter in quarters)]
        for bucket in trends.RESTORE_BUCKETS
    ]
    rows.append(["Not restored", sum(quarter.unrestored for quarter in quarters)])
    return Series("restore-times", "Time to restore", ["Time to restore", "Incidents"], rows)


def factor_category_totals(filters: Filters) -> Series:
    months = trends.factor_categories_over_time(**filters.narrowing, unit="quarter")
    categories = list(months[0].by_category) if months else []
    return Series(
        "factor-categories",
        "Contributing factors by category",
        ["Factor category", "Factors"],
        [
            [category.name, sum(month.by_category[category] for month in months)]
            for category in categories
        ],
    )


def published_postmortems(filters: Filters, viewer=None) -> list[Postmortem]:
    """Postmortems published in the quarter, of non-drill incidents in scope, that `viewer`
    may read (none of a private incident without a viewer): one query."""
    postmortems = Postmortem.objects.filter(
        incident_privacy(viewer, "incident__")
        if viewer is not None
        else Q(incident__is_private=False),
        status=Postmortem.Status.PUBLISHED,
        published_at__gte=filters.period.start_at,
        published_at__lt=filters.period.end_before,
        incident__is_drill=False,
    ).select_related("incident", "incident__team")
    if filters.team is not None:
        postmortems = postmortems.filter(incident__team=filters.team)
    return list(postmortems.order_by("published_at", "pk"))


@dataclass(frozen=True)
class KeyFigure:
    name: str
    figure: Figure


@dataclass(frozen=True)
class QuarterlyReview:
    period: Period
    team: Team | None
    keys: FourKeys
    severity: Series
    restore: Series
    recurring: Series
    factors: Series
    completion: Series
    health: Series
    blameful: Series
    postmortems: list[Postmortem]

    @property
    def quarter(self) -> str:
        return quarter_name(self.period)

    @property
    def previous_quarter(self) -> str:
        return quarter_name(self.period.previous())

    @property
    def scope_name(self) -> str:
        return self.team.name if self.team else "Organisation"

    @property
    def figures(self) -> list[KeyFigure]:
        keys = self.keys
        return [
            KeyFigure("Deployment frequency", keys.deployment_frequency.per_week),
            KeyFigure("Lead time for changes (median)", keys.lead_time_for_changes.median),
            KeyFigure("Lead time for changes (90th percentile)", keys.lead_time_for_changes.p90),
            KeyFigure("Change failure rate", keys.change_failure_rate),
            KeyFigure("Time to restore (median)", keys.time_to_restore.median),
            KeyFigure("Time to restore (90th percentile)", keys.time_to_restore.p90),
            KeyFigure(
                "Failed deployment recovery time (median)",
                keys.failed_deployment_recovery_time.median,
            ),
            KeyFigure("Rework rate", keys.rework_rate),
        ]

    @property
    def tables(self) -> list[Series]:
        return [
            self.severity,
            self.restore,
            self.recurring,
            self.factors,
            self.completion,
            self.health,
            self.blameful,
        ]


def quarterly_review(period: Period, team: Team | None = None, viewer=None) -> QuarterlyReview:
    filters = Filters(period=period, team=team)
    return QuarterlyReview(
        period=period,
        team=team,
        keys=four_keys(scope=filters.scope, period=period),
        severity=incidents_by_severity(filters),
        restore=restore_times(filters),
        recurring=export.recurring_factors(filters, viewer),
        factors=factor_category_totals(filters),
        completion=export.followup_completion(filters),
        health=export.postmortem_health(filters),
        blameful=export.blameful_wording(filters),
        postmortems=published_postmortems(filters, viewer),
    )


def _markdown_cell(value) -> str:
    return cell(value).replace("|", "\\|").replace("\n", " ")


def _markdown_table(series: Series) -> list[str]:
    lines = [
        "| " + " | ".join(_markdown_cell(name) for name in series.header) + " |",
        "|" + "---|" * len(series.header),
    ]
    lines += [
        "| " + " | ".join(_markdown_cell(value) for value in row) + " |" for row in series.rows
    ]
    if not series.rows:
        lines.append("| " + " | ".join(["—"] * len(series.header)) + " |")
    return lines


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def review_markdown(review: QuarterlyReview, *, base_url: str = "") -> str:
    lines = [
        f"# Quarterly learning review: {review.scope_name}, {review.quarter}",
        "",
        f"- Quarter: {review.quarter} ({review.period})",
        f"- Compared with: {review.previous_quarter}",
        "",
        "## The four keys",
        "",
        f"| Metric | {review.quarter} | {review.previous_quarter} | Samples |",
        "|---|---|---|---|",
    ]
    for item in review.figures:
        figure = item.figure
        lines.append(
            f"| {item.name} | {figure_value(figure.value, figure.unit)} | "
            f"{figure_value(figure.previous, figure.unit)} | {figure.count} |"
        )
    for series in review.tables:
        lines += ["", f"## {series.title}", "", *_markdown_table(series)]
    lines += ["", "## Published postmortems", ""]
    for postmortem in review.postmortems:
        published = date_format(timezone.localtime(postmortem.published_at), "j M Y")
        lines.append(
            f"- [{_link_text(postmortem.title)}]({base_url}{postmortem.get_absolute_url()}) "
            f"({postmortem.incident.reference}, published {published})"
        )
    if not review.postmortems:
        lines.append("_None published this quarter._")
    return "\n".join(lines) + "\n"
