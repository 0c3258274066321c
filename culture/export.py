"""The culture trends as series of rows (learning.export.Series): the pages draw their charts
and tables from them, and /learning/export.csv writes them, so a hidden group (still open or
too small) is hidden in the download too. learning.export.SERIES names these, so
learning.export is imported only where it is used, never while it imports this module."""

from typing import TYPE_CHECKING

from learning.charts import bar_chart

from .models import Kind
from .selectors import CultureTrend, QuarterLearning, culture_trend, learning_beside

if TYPE_CHECKING:
    from learning.export import Series

SCORE = "Generative-culture score (1-5)"


TITLES = {
    Kind.PULSE: ("culture-pulse", "Post-incident pulse, per quarter"),
    Kind.SURVEY: ("culture-survey", "Organisation culture survey, per quarter"),
}


def trend_series(trend: CultureTrend, learned: list[QuarterLearning] | None = None) -> "Series":
    """One row per quarter: responses, each statement's mean, the generative-culture score,
    and beside them what was learned that quarter. A hidden quarter says why in the responses
    column ("Still open" or "Fewer than 5") and has no figure. `learned` (learning_beside of
    the same quarters and team) saves its queries when the caller already has it."""
    from learning.export import Series

    if learned is None:
        learned = learning_beside(quarters=[row.quarter for row in trend.quarters], team=trend.team)
    rows = []
    for quarter, learning in zip(trend.quarters, learned, strict=True):
        if quarter.shown:
            responses = quarter.responses
        else:
            responses = f"Fewer than {trend.minimum}" if quarter.closed else "Still open"
        rows.append(
            [
                quarter.label,
                responses,
                *[item.mean for item in quarter.means],
                quarter.score,
                learning.postmortems_published,
                learning.followups_done,
                learning.recurring_factors,
            ]
        )
    name, title = TITLES[trend.kind]
    return Series(
        name,
        title,
        [
            "Quarter",
            "Responses",
            *[f"{statement.short} (mean, 1-5)" for statement in trend.statements],
            SCORE,
            "Postmortems published",
            "Follow-ups done",
            "Recurring factors",
        ],
        rows,
    )


def pulse_series(filters) -> "Series":
    """The post-incident pulse of the filters' team, or of the organisation, for the
    quarters up to the end of the filters' period."""
    return trend_series(culture_trend(kind=Kind.PULSE, team=filters.team, end=filters.period.end))


def survey_series(filters) -> "Series":
    """The organisation's culture survey (Westrum's six statements); it has no team figures."""
    return trend_series(culture_trend(kind=Kind.SURVEY, end=filters.period.end))


def score_chart(series: "Series", *, label: str):
    """Bars of the generative-culture score per quarter; a hidden quarter draws none."""
    score = series.header.index(SCORE)
    return bar_chart([(row[0], row[score]) for row in series.rows], label=label)
