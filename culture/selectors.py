"""Reads for the culture pulse: who responded to an incident, a person's open invitations,
and the quarterly trends, which show a group's figures and texts only once the group can take
no more answers, and only when enough people answered."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from debrief.permissions import postmortem_visibility
from followups.models import ActionItem
from incidents.models import Team, TimelineEvent
from learning import trends
from learning.cache import cached
from learning.periods import Period
from postmortems.models import (
    ContributingFactor,
    Postmortem,
    ReviewComment,
    ReviewMeeting,
    ReviewRequest,
    SectionContent,
    SectionRevision,
)

from .models import Answer, Invitation, Kind, Response, Survey, quarter_label
from .statements import Statement

# A year of quarters: enough to see whether a process change helped.
TREND_QUARTERS = 4
# Never fewer, whatever the setting says (settings.py also refuses to start below it).
ABSOLUTE_MINIMUM = 3


def minimum_responses() -> int:
    """How many people must have answered before a group's results are shown."""
    return max(settings.CULTURE_MIN_RESPONSES, ABSOLUTE_MINIMUM)


def not_enough_message() -> str:
    return (
        f"Not enough responses to show without identifying people "
        f"(results show only where at least {minimum_responses()} people answered)."
    )


def still_open_message(kind: Kind) -> str:
    until = "the quarter has ended" if kind == Kind.PULSE else "the survey has closed"
    return f"Still open: results show once {until}, so that no single answer can be picked out."


def responders(postmortem: Postmortem) -> QuerySet[User]:
    """Everyone who took part in the incident or its review, active accounts only: the
    incident commander and reporter, the authors of its timeline entries, whoever wrote the
    postmortem (started it, saved a section, added a contributing factor, published it), the
    reviewers and review commenters, and the participants of its review meetings."""
    incident = postmortem.incident
    meetings = ReviewMeeting.participants.through.objects.filter(
        reviewmeeting__postmortem=postmortem
    )
    return User.objects.filter(is_active=True).filter(
        Q(pk__in=[incident.commander_id, incident.reporter_id])
        | Q(pk__in=[postmortem.created_by_id, postmortem.published_by_id])
        | Q(pk__in=TimelineEvent.objects.filter(incident=incident).values("author"))
        | Q(pk__in=SectionRevision.objects.filter(content__postmortem=postmortem).values("author"))
        | Q(pk__in=SectionContent.objects.filter(postmortem=postmortem).values("updated_by"))
        | Q(pk__in=ContributingFactor.objects.filter(postmortem=postmortem).values("created_by"))
        | Q(pk__in=ReviewRequest.objects.filter(postmortem=postmortem).values("reviewer"))
        | Q(pk__in=ReviewComment.objects.filter(postmortem=postmortem).values("author"))
        | Q(pk__in=meetings.values("user"))
    )


def answerable_invitations() -> QuerySet[Invitation]:
    """Invitations to a survey, or to the pulse of a postmortem that is not in the bin: a
    binned postmortem's pulse waits, unanswerable, until it is restored."""
    return Invitation.objects.filter(
        Q(postmortem__isnull=True) | Q(postmortem__deleted_at__isnull=True)
    )


def open_invitations(*, user: User) -> QuerySet[Invitation]:
    """The person's invitations not yet answered and not expired, the soonest to expire
    first. A pulse about a postmortem they may no longer see (its incident made private
    since they were invited) is left out: the list names the postmortem."""
    return (
        answerable_invitations()
        .filter(
            Q(postmortem__isnull=True) | postmortem_visibility(user, "postmortem__"),
            user=user,
            used=False,
            expires_at__gt=timezone.now(),
        )
        .select_related("postmortem__incident", "survey")
        .order_by("expires_at", "pk")
    )


def recent_quarters(end: date, count: int = TREND_QUARTERS) -> list[Period]:
    """The `count` calendar quarters up to the one `end` is in, oldest first."""
    quarters = [Period.quarter_of(end)]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters


@dataclass(frozen=True)
class StatementMean:
    statement: Statement
    mean: float | None


@dataclass(frozen=True)
class QuarterCulture:
    """One group's figures for a quarter. `closed`: the group takes no more answers (see
    closed_quarters). When `shown` is false, every figure is None."""

    quarter: Period
    closed: bool
    shown: bool
    responses: int | None
    means: list[StatementMean]
    score: float | None

    @property
    def label(self) -> str:
        return quarter_label(self.quarter.start)


@dataclass(frozen=True)
class CultureTrend:
    kind: Kind
    team: Team | None
    quarters: list[QuarterCulture]
    minimum: int

    @property
    def statements(self) -> list[Statement]:
        return self.kind.statements

    @property
    def still_open(self) -> str:
        return still_open_message(self.kind)


def closed_quarters(*, kind: Kind, quarters: list[Period], now: datetime) -> set[date]:
    """The starts of the quarters whose group of `kind` can take no more answers, so that its
    figures are final: a pulse counts in the quarter it is answered in, so a pulse quarter
    closes when it ends; a survey is answered until its invitations expire, possibly after
    its quarter, so a survey quarter closes with its survey (or, without one, when it ends).
    Showing only closed groups means each group's figures appear once and never change: a
    group that changed with every answer would show each answer as the difference."""
    today = timezone.localdate(value=now)
    ended = {quarter.start for quarter in quarters if quarter.end < today}
    if kind == Kind.PULSE:
        return ended
    closes = dict(
        Survey.objects.filter(quarter__in=[quarter.start for quarter in quarters]).values_list(
            "quarter", "closes_at"
        )
    )
    return {
        quarter.start
        for quarter in quarters
        if (closes[quarter.start] <= now if quarter.start in closes else quarter.start in ended)
    }


def _shown(*, sizes: dict[int | None, int], team: Team | None, minimum: int) -> bool:
    """Whether a group's figures may be shown. A team's: when at least `minimum` answered.
    The organisation's: besides that, the teams too small to show must together be empty or
    at least `minimum` too, or the organisation's figure minus the teams shown would reveal
    the few answers of a small team."""
    if team is not None:
        return sizes.get(team.pk, 0) >= minimum
    small = sum(size for key, size in sizes.items() if key is not None and size < minimum)
    return sum(sizes.values()) >= minimum and (small == 0 or small >= minimum)


def culture_trend(
    *,
    kind: Kind,
    end: date,
    team: Team | None = None,
    count: int = TREND_QUARTERS,
    now: datetime | None = None,
) -> CultureTrend:
    """The quarterly trend of a team (or, with none, the organisation) for the quarters up
    to the one `end` is in. Per quarter: the number of responses, the mean of each
    statement on the 1-5 scale, and the generative-culture score, the mean of the statement
    means. Pulses count for the team whose incident they were about; the survey counts for
    the organisation only. Groups still open at `now` (see closed_quarters) and groups too
    small (see _shown) carry no figures at all. Two queries, three for the survey."""
    minimum = minimum_responses()
    quarters = recent_quarters(end, count)
    closed = closed_quarters(kind=kind, quarters=quarters, now=now or timezone.now())
    starts = [quarter.start for quarter in quarters]
    sizes: dict[date, dict] = {start: {} for start in starts}
    for row in (
        Response.objects.filter(kind=kind, quarter__in=starts)
        .order_by()
        .values("quarter", "team")
        .annotate(size=Count("pk"))
    ):
        sizes[row["quarter"]][row["team"]] = row["size"]
    answers = Answer.objects.filter(response__kind=kind, response__quarter__in=starts)
    if team is not None:
        answers = answers.filter(response__team=team)
    sums = {
        (row["response__quarter"], row["statement"]): (row["total"], row["answers"])
        for row in answers.order_by()
        .values("response__quarter", "statement")
        .annotate(total=Sum("value"), answers=Count("pk"))
    }
    rows = []
    for quarter in quarters:
        group = sizes[quarter.start]
        shown = quarter.start in closed and _shown(sizes=group, team=team, minimum=minimum)
        means = []
        for statement in kind.statements:
            total, answered = sums.get((quarter.start, statement.key), (0, 0))
            mean = total / answered if shown and answered else None
            means.append(StatementMean(statement, mean))
        known = [item.mean for item in means if item.mean is not None]
        size = group.get(team.pk, 0) if team else sum(group.values())
        rows.append(
            QuarterCulture(
                quarter=quarter,
                closed=quarter.start in closed,
                shown=shown,
                responses=size if shown else None,
                means=[StatementMean(m.statement, _rounded(m.mean)) for m in means],
                score=_rounded(sum(known) / len(known)) if known else None,
            )
        )
    return CultureTrend(kind=kind, team=team, quarters=rows, minimum=minimum)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class QuarterLearning:
    """What the team learned in a quarter, beside how the process felt."""

    quarter: Period
    postmortems_published: int
    followups_done: int
    recurring_factors: int


def learning_beside(*, quarters: list[Period], team: Team | None = None) -> list[QuarterLearning]:
    """Per quarter: postmortems published and follow-ups done (drills left out), and recurring
    factors: the (service, factor category) pairs of learning.trends' "we have seen this
    before" that came back in the quarter, i.e. showed in an incident that started in the
    quarter, at most 90 days after an earlier incident of the same service with the same
    category, both within the quarters shown (learning.trends.recurrences_per_period). Three
    queries, kept for a short while (learning.cache): a year of an organisation's follow-ups
    and postmortems is counted."""
    parts = (
        *(f"{q.start.isoformat()}/{q.end.isoformat()}" for q in quarters),
        team.pk if team else "",
    )
    return cached("learning-beside", parts, lambda: _learning_beside(quarters=quarters, team=team))


def _learning_beside(*, quarters: list[Period], team: Team | None) -> list[QuarterLearning]:
    postmortems = Postmortem.objects.filter(
        status=Postmortem.Status.PUBLISHED, incident__is_drill=False
    )
    items = ActionItem.objects.filter(status=ActionItem.Status.DONE, incident__is_drill=False)
    if team is not None:
        postmortems = postmortems.filter(incident__team=team)
        items = items.filter(team=team)

    def counts(queryset, field):
        # Only the quarters' rows are read: the count filters would skip the others anyway.
        within = {
            f"{field}__gte": quarters[0].start_at,
            f"{field}__lt": quarters[-1].end_before,
        }
        return (
            queryset.filter(**within)
            .order_by()
            .aggregate(
                **{
                    str(index): Count(
                        "pk",
                        filter=Q(
                            **{
                                f"{field}__gte": quarter.start_at,
                                f"{field}__lt": quarter.end_before,
                            }
                        ),
                    )
                    for index, quarter in enumerate(quarters)
                }
            )
        )

    published = counts(postmortems, "published_at")
    done = counts(items, "completed_at")
    came_back = trends.recurrences_per_period(periods=quarters, team=team)
    return [
        QuarterLearning(
            quarter=quarter,
            postmortems_published=published[str(index)],
            followups_done=done[str(index)],
            recurring_factors=came_back[index],
        )
        for index, quarter in enumerate(quarters)
    ]


def helped_texts(*, team: Team, now: datetime | None = None) -> QuerySet[Response]:
    """The team's "what would have helped" answers, only of quarters that have ended (so
    that a text never appears the moment it is written, which would tie it to whoever just
    answered) and in which enough people answered the team's pulse; newest quarter first
    and, within one, in the random order of their keys: never in the order they were
    written."""
    current = Period.quarter_of(timezone.localdate(value=now)).start
    large_enough = (
        Response.objects.filter(kind=Kind.PULSE, team=team, quarter__lt=current)
        .order_by()
        .values("quarter")
        .annotate(size=Count("pk"))
        .filter(size__gte=minimum_responses())
        .values("quarter")
    )
    return (
        Response.objects.filter(kind=Kind.PULSE, team=team, quarter__in=large_enough)
        .exclude(what_would_have_helped="")
        .only("quarter", "what_would_have_helped")
        .order_by("-quarter", "pk")
    )
