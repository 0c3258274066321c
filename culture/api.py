"""The culture trends over the integration API, mounted at /api/culture/. The token is the
team's (`request.auth.team`); a hidden group carries no figure here either."""

from datetime import date

from django.utils import timezone
from ninja import Router, Schema

from .models import Kind
from .selectors import CultureTrend, culture_trend, not_enough_message

router = Router(tags=["culture"])


class StatementMeanOut(Schema):
    key: str
    statement: str
    mean: float | None


class QuarterOut(Schema):
    quarter: str
    start: date
    end: date
    shown: bool
    message: str | None
    responses: int | None
    generative_culture_score: float | None
    statements: list[StatementMeanOut]


class TrendOut(Schema):
    kind: str
    team: str | None
    minimum_responses: int
    quarters: list[QuarterOut]


def _trend_out(trend: CultureTrend) -> dict:
    return {
        "kind": trend.kind.value,
        "team": trend.team.slug if trend.team else None,
        "minimum_responses": trend.minimum,
        "quarters": [
            {
                "quarter": quarter.label,
                "start": quarter.quarter.start,
                "end": quarter.quarter.end,
                "shown": quarter.shown,
                "message": None if quarter.shown else not_enough_message(),
                "responses": quarter.responses,
                "generative_culture_score": quarter.score,
                "statements": [
                    {"key": item.statement.key, "statement": item.statement.text, "mean": item.mean}
                    for item in quarter.means
                ],
            }
            for quarter in trend.quarters
        ],
    }


@router.get("/team", response=TrendOut, summary="The token's team's post-incident pulse")
def team_trend(request):
    """The last four quarters of the team's post-incident pulse, oldest first."""
    trend = culture_trend(kind=Kind.PULSE, team=request.auth.team, end=timezone.localdate())
    return _trend_out(trend)


@router.get("/organisation", response=list[TrendOut], summary="The organisation's pulse and survey")
def organisation_trend(request):
    """The last four quarters of every team's pulse together, and of the culture survey."""
    today = timezone.localdate()
    return [_trend_out(culture_trend(kind=kind, end=today)) for kind in Kind]
