"""The culture trend section of the learning pages."""

from django import template
from django.utils import timezone

from ..export import score_chart, trend_series
from ..models import Kind
from ..selectors import (
    culture_trend,
    learning_beside,
    minimum_responses,
    not_enough_message,
    recent_quarters,
)

register = template.Library()

CHART_LABELS = {
    Kind.PULSE: "Generative-culture score of the post-incident pulse, per quarter",
    Kind.SURVEY: "Generative-culture score of the culture survey, per quarter",
}


@register.inclusion_tag("culture/_trends.html", takes_context=True)
def culture_trends(context, team=None, end=None):
    """The culture trends of `team` (default: the learning page's team, else the
    organisation) for the quarters up to `end` (default: the end of the page's period, else
    today). The organisation's section also has its culture survey."""
    filters = context.get("filters")
    if filters is not None:
        team = team or filters.team
        end = end or filters.period.end
    end = end or timezone.localdate()
    kinds = [Kind.PULSE] if team is not None else [Kind.PULSE, Kind.SURVEY]
    # The same learning figures sit beside the pulse and the survey.
    learned = learning_beside(quarters=recent_quarters(end), team=team)
    charts = []
    for kind in kinds:
        trend = culture_trend(kind=kind, team=team, end=end)
        series = trend_series(trend, learned)
        charts.append(
            {
                "trend": trend,
                "series": series,
                "svg": score_chart(series, label=CHART_LABELS[kind]),
            }
        )
    return {
        "team": team,
        "charts": charts,
        "query": context.get("query", ""),
        "minimum": minimum_responses(),
        "not_enough": not_enough_message(),
    }
