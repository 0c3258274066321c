"""The culture trends over the integration API, with the same threshold as the pages. The
API's own authentication is stood in for by one that hands every request a team's token."""

from types import SimpleNamespace

import pytest
from ninja import NinjaAPI
from ninja.testing import TestClient

from culture.api import router
from culture.models import Kind

from .conftest import give, last_quarter, this_quarter
from .test_trends import FIVE, NOT_ENOUGH


def client_for(team) -> TestClient:
    api = NinjaAPI(
        auth=lambda request: SimpleNamespace(team=team), urls_namespace=f"culture-test-{id(team)}"
    )
    api.add_router("/culture/", router)
    return TestClient(api)


@pytest.fixture
def answered(payments):
    give(payments, this_quarter(), *FIVE, text="A runbook")
    give(payments, last_quarter(), [5] * 6, [1] * 6)


def test_the_teams_trend_has_figures_only_for_large_enough_quarters(answered, payments):
    response = client_for(payments).get("/culture/team")

    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["team"], body["minimum_responses"]) == ("pulse", "payments", 5)
    *_, hidden, shown = body["quarters"]
    assert shown["shown"] is True
    assert shown["responses"] == 5
    assert shown["generative_culture_score"] == 3.9
    assert [item["mean"] for item in shown["statements"]] == [3.8, 4.0, 3.0, 4.0, 4.6, 4.0]
    assert hidden["shown"] is False
    assert NOT_ENOUGH in hidden["message"]
    assert hidden["responses"] is None and hidden["generative_culture_score"] is None
    assert {item["mean"] for item in hidden["statements"]} == {None}
    # Free text never leaves the team's own page.
    assert "A runbook" not in response.content.decode()


def test_another_teams_token_sees_only_its_own_team(answered, platform):
    body = client_for(platform).get("/culture/team").json()

    assert body["team"] == "platform"
    assert {quarter["shown"] for quarter in body["quarters"]} == {False}


def test_the_organisation_has_the_pulse_and_the_survey(answered, payments):
    give(None, this_quarter(), *[[3] * 6] * 4, kind=Kind.SURVEY)

    pulse, survey = client_for(payments).get("/culture/organisation").json()

    assert pulse["kind"] == "pulse" and pulse["team"] is None
    assert pulse["quarters"][-1]["generative_culture_score"] == 3.9
    assert survey["kind"] == "survey"
    # Four survey answers are one too few.
    assert survey["quarters"][-1]["shown"] is False
    assert survey["quarters"][-1]["generative_culture_score"] is None
