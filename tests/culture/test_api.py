"""The culture trends over the integration API, with the same threshold as the pages. The
API's own authentication is stood in for by one that hands every request a team's token."""

from types import SimpleNamespace

import pytest
from ninja import NinjaAPI
from ninja.testing import TestClient

from culture.api import router
from culture.models import Kind

from .conftest import give, last_quarter, quarter_before_last, this_quarter
from .test_trends import FIVE, NOT_ENOUGH, STILL_OPEN


def client_for(team) -> TestClient:
    api = NinjaAPI(
        auth=lambda request: SimpleNamespace(team=team), urls_namespace=f"culture-test-{id(team)}"
    )
    api.add_router("/culture/", router)
    return TestClient(api)


@pytest.fixture
def answered(payments):
    give(payments, last_quarter(), *FIVE, text="A runbook")
    give(payments, quarter_before_last(), [5] * 6, [1] * 6)
    give(payments, this_quarter(), *FIVE)


def test_the_teams_trend_has_figures_only_for_ended_large_enough_quarters(answered, payments):
    response = client_for(payments).get("/culture/team")

    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["team"], body["minimum_responses"]) == ("pulse", "payments", 5)
    *_, hidden, shown, current = body["quarters"]
    assert shown["closed"] is True and shown["shown"] is True
    assert shown["message"] is None
    assert shown["responses"] == 5
    assert shown["generative_culture_score"] == 3.9
    assert [item["mean"] for item in shown["statements"]] == [3.8, 4.0, 3.0, 4.0, 4.6, 4.0]
    assert hidden["closed"] is True and hidden["shown"] is False
    assert NOT_ENOUGH in hidden["message"]
    assert hidden["responses"] is None and hidden["generative_culture_score"] is None
    assert {item["mean"] for item in hidden["statements"]} == {None}
    assert current["closed"] is False and current["shown"] is False
    assert STILL_OPEN in current["message"]
    assert current["responses"] is None and current["generative_culture_score"] is None
    assert {item["mean"] for item in current["statements"]} == {None}
    # Free text never leaves the team's own page.
    assert "A runbook" not in response.content.decode()


def test_another_teams_token_sees_only_its_own_team(answered, platform):
    body = client_for(platform).get("/culture/team").json()

    assert body["team"] == "platform"
    assert {quarter["shown"] for quarter in body["quarters"]} == {False}


def test_the_organisation_has_the_pulse_and_the_survey(answered, payments):
    give(None, last_quarter(), *[[3] * 6] * 4, kind=Kind.SURVEY)

    pulse, survey = client_for(payments).get("/culture/organisation").json()

    assert pulse["kind"] == "pulse" and pulse["team"] is None
    assert pulse["quarters"][-2]["generative_culture_score"] == 3.9
    assert pulse["quarters"][-1]["generative_culture_score"] is None
    assert survey["kind"] == "survey"
    # Four survey answers are one too few.
    assert survey["quarters"][-2]["shown"] is False
    assert NOT_ENOUGH in survey["quarters"][-2]["message"]
    assert survey["quarters"][-2]["generative_culture_score"] is None
