"""The culture trends over the integration API, mounted at /api/culture/. The token is the
team's (`request.auth.team`); a group still open or too small carries no figure here either."""

from datetime import date

from django.utils import timezone
from ninja import Router, Schema

from .models import Kind
from .selectors import CultureTrend, QuarterCulture, culture_trend, not_enough_message

router = Router(tags=["culture"])


class StatementMeanOut(Schema):
    key: str
    statement: str
    mean: float | None


class QuarterOut(Schema):
    quarter: str
    start: date
    end: date
    closed: bool
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


def _message(trend: CultureTrend, quarter: QuarterCulture) -> str | None:
    if quarter.shown:
        return None
    return not_enough_message() if quarter.closed else trend.still_open


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
                "closed": quarter.closed,
                "shown": quarter.shown,
                "message": _message(trend, quarter),
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
