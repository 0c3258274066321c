"""The organisation's quarterly culture survey: Westrum's six statements for everyone,
started by an admin, with the same anonymity as the pulse."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from culture.models import Invitation, Kind, Response, Survey
from culture.selectors import culture_trend

from .conftest import answer_form, this_quarter


def test_an_admin_starts_the_survey_and_everyone_active_is_invited(
    dave_client, alice, bob, carol, dave
):
    User.objects.create_user("gone", "gone@example.org", "pw", is_active=False)

    response = dave_client.post("/culture/surveys/start/", follow=True)

    assert "everyone is invited for 30 days" in response.text
    survey = Survey.objects.get()
    assert survey.quarter == this_quarter().start
    assert {invitation.user for invitation in survey.invitations.all()} == {alice, bob, carol, dave}


def test_a_second_survey_in_the_same_quarter_is_refused(dave_client, alice):
    dave_client.post("/culture/surveys/start/")

    again = dave_client.post("/culture/surveys/start/")

    assert again.status_code == 409
    assert "has already started" in again.text
    assert Survey.objects.count() == 1
    assert Invitation.objects.count() == 2


def test_only_staff_start_a_survey(alice_client):
    assert alice_client.post("/culture/surveys/start/").status_code == 403
    assert "Start this quarter" not in alice_client.get("/culture/").text
    assert not Survey.objects.exists()


def test_the_survey_asks_westrums_statements_and_counts_for_the_organisation(
    dave_client, alice_client, alice
):
    dave_client.post("/culture/surveys/start/")
    invitation = Invitation.objects.get(user=alice)

    page = alice_client.get(f"/pulse/{invitation.pk}/")
    assert "On my team, new ideas are welcomed." in page.text
    assert "What would have helped" not in page.text
    answered = alice_client.post(
        f"/pulse/{invitation.pk}/", answer_form([5, 4, 4, 4, 4, 3], kind=Kind.SURVEY)
    )

    assert answered.status_code == 302
    response = Response.objects.get()
    assert (response.kind, response.team, response.quarter) == (
        "survey",
        None,
        this_quarter().start,
    )


@pytest.mark.parametrize("people", [4, 5])
def test_the_survey_trend_shows_once_it_has_closed_and_enough_people_answered(people, dave, client):
    from culture import services

    services.survey_start(by=dave)
    for index in range(people):
        person = User.objects.create_user(f"p{index}", f"p{index}@example.org", "pw")
        invitation = Invitation.objects.create(
            user=person, survey=Survey.objects.get(), expires_at=Survey.objects.get().closes_at
        )
        services.invitation_answer(
            invitation=invitation,
            by=person,
            answers={statement.key: 1 + index for statement in Kind.SURVEY.statements},
        )

    survey = Survey.objects.get()
    while_open = culture_trend(kind=Kind.SURVEY, end=timezone.localdate()).quarters[-1]
    closed = culture_trend(
        kind=Kind.SURVEY, end=timezone.localdate(), now=survey.closes_at
    ).quarters[-1]

    assert not while_open.shown and while_open.score is None
    # 1 + 2 + 3 + 4 + 5 over five people is 3.
    assert closed.shown is (people == 5)
    assert closed.score == (3.0 if people == 5 else None)
