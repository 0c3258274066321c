"""An incident of Payments with its published postmortem, ways to put answers in a quarter
without going through months of invitations, and a clock to move past the quarter's end."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from culture.models import Answer, Invitation, Kind, Response
from incidents import services as incident_services
from learning.periods import Period, start_of_day
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate


@pytest.fixture
def incident(alice, bob, checkout):
    return incident_services.incident_declare(
        title="Card payments failing",
        severity=2,
        services=[checkout],
        reporter=alice,
        commander=bob,
    )


@pytest.fixture
def postmortem(incident, alice):
    """Published just now, without going through the writing (tests/postmortems does)."""
    template = PostmortemTemplate.objects.get(slug="standard")
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=template, by=alice
    )
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=Postmortem.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=alice,
    )
    postmortem.refresh_from_db()
    return postmortem


@pytest.fixture
def invitation(alice, postmortem):
    return Invitation.objects.create(
        user=alice, postmortem=postmortem, expires_at=postmortem.published_at + timedelta(days=30)
    )


def this_quarter() -> Period:
    return Period.quarter_of(timezone.localdate())


def last_quarter() -> Period:
    return this_quarter().previous()


def quarter_before_last() -> Period:
    return last_quarter().previous()


def next_quarter_begins() -> datetime:
    """Noon on the first day after this quarter."""
    return start_of_day(this_quarter().end + timedelta(days=1)) + timedelta(hours=12)


@pytest.fixture
def quarter_ends(monkeypatch):
    """Call it to move the clock to the next quarter, so that this one has ended. Sessions
    expire by the clock too: log people in again afterwards."""

    def move() -> datetime:
        moment = next_quarter_begins()
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return move


def give(team, quarter: Period, *answer_sets, kind=Kind.PULSE, text: str = "") -> None:
    """Responses in `quarter`, one per set of answers (a list of values in statement order),
    as invitation_answer stores them."""
    for values in answer_sets:
        response = Response.objects.create(
            kind=kind, team=team, quarter=quarter.start, what_would_have_helped=text
        )
        Answer.objects.bulk_create(
            Answer(response=response, statement=statement.key, value=value)
            for statement, value in zip(Kind(kind).statements, values, strict=True)
        )


def invited_people(count: int, postmortem, prefix: str = "responder") -> list[Invitation]:
    """`count` new people, each invited to the postmortem's pulse."""
    invitations = []
    for index in range(count):
        person = User.objects.create_user(f"{prefix}{index}", f"{prefix}{index}@example.org", "pw")
        invitations.append(
            Invitation.objects.create(
                user=person,
                postmortem=postmortem,
                expires_at=timezone.now() + timedelta(days=30),
            )
        )
    return invitations


def answer_form(values, text: str = "", kind=Kind.PULSE) -> dict:
    data = {
        statement.key: str(value) for statement, value in zip(kind.statements, values, strict=True)
    }
    if text:
        data["what_would_have_helped"] = text
    return data
