"""The culture pulse in the browser: a responder follows the link in their invitation,
answers anonymously, and the team's learning page shows the updated trend once enough people
have answered and the quarter has ended (before then, a new answer changes nothing anyone can
see)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from culture import tasks
from culture.models import Answer, Invitation, Kind, Response, Survey, quarter_label
from incidents import services
from learning.periods import Period, start_of_day
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate
from tests.builtins import ensure_builtin_rows

from .conftest import log_in

pytestmark = pytest.mark.browser

# Four colleagues answered already; with Alice's [2, 4, 3, 4, 5, 3] the statement means are
# 3.8, 4.0, 3.0, 4.0, 4.6 and 4.0, and the generative-culture score 3.9.
EARLIER = [[5, 4, 3, 4, 5, 4], [4, 4, 2, 3, 5, 4], [3, 5, 4, 4, 4, 5], [5, 3, 3, 5, 4, 4]]
ALICES = ["Disagree", "Agree", "Neither agree nor disagree", "Agree", "Strongly agree"]
ALICES.append("Neither agree nor disagree")


@pytest.fixture
def invited(transactional_db, alice, checkout, payments):
    ensure_builtin_rows()
    incident = services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=Postmortem.Status.PUBLISHED, published_at=timezone.now()
    )
    tasks.invite_pulse_responders(postmortem.pk)
    quarter = Period.quarter_of(timezone.localdate()).start
    for values in EARLIER:
        response = Response.objects.create(kind=Kind.PULSE, team=payments, quarter=quarter)
        Answer.objects.bulk_create(
            Answer(response=response, statement=statement.key, value=value)
            for statement, value in zip(Kind.PULSE.statements, values, strict=True)
        )
    return Invitation.objects.get(user=alice)


def test_answer_the_pulse_and_see_the_teams_trend(page, invited, monkeypatch):
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/learning/")
    culture = page.locator("#culture-trends")
    this_quarter = culture.locator("table.culture-scores tbody tr").last
    expect(culture).to_contain_text("Not enough responses to show without identifying people")
    expect(this_quarter).to_contain_text("Still open: results show once the quarter has ended")

    # The navigation's count arrives once the page has loaded.
    expect(page.get_by_role("link", name="Pulse (1 open)")).to_be_visible()
    page.get_by_role("link", name="Pulse (1 open)").click()
    page.get_by_role("link", name="How did INC-").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("How did INC-")

    for statement, choice in zip(Kind.PULSE.statements, ALICES, strict=True):
        page.get_by_role("group", name=statement.text).get_by_label(choice, exact=True).check()
    page.get_by_label("What would have helped? (optional)").fill("A runbook for the processor")
    page.get_by_role("button", name="Send anonymously").click()

    expect(page.get_by_role("status")).to_contain_text("recorded anonymously")
    expect(page.get_by_text("Nothing waiting for you.")).to_be_visible()
    expect(page.get_by_role("link", name="Pulse", exact=True)).to_be_visible()

    # Five answers now, but the quarter is open: the new answer cannot be told apart yet.
    page.goto("/teams/payments/learning/")
    expect(this_quarter).to_contain_text("Still open")
    expect(this_quarter).not_to_contain_text("3.9")
    page.get_by_role("link", name="Culture of Payments").click()
    expect(page.get_by_text("Nothing to show yet.")).to_be_visible()
    expect(page.get_by_role("blockquote")).to_have_count(0)

    # The quarter ends. Sessions expire by the same clock, so Alice logs in again.
    answered_in = Period.quarter_of(timezone.localdate())
    next_quarter = start_of_day(answered_in.end + timedelta(days=1)) + timedelta(hours=9)
    monkeypatch.setattr(timezone, "now", lambda: next_quarter)
    log_in(page, "alice", "alice-password")
    page.goto("/teams/payments/learning/")
    ended = culture.locator("table.culture-scores tbody tr").nth(-2)
    expect(ended).to_contain_text(f"{answered_in.start.year} Q")
    expect(ended).to_contain_text("5")
    expect(ended).to_contain_text("3.9")
    expect(this_quarter).to_contain_text("Still open")

    page.get_by_role("link", name="Culture of Payments").click()
    expect(page.get_by_role("blockquote")).to_have_text("A runbook for the processor")


def test_an_admin_starts_the_survey_and_the_organisation_page_hides_the_few_answers(
    page, transactional_db, dave, alice, monkeypatch
):
    log_in(page, "dave", "dave-password")
    page.goto("/culture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Culture across the organisation")

    page.get_by_role("button", name="Start this quarter's culture survey").click()

    expect(page.get_by_role("status")).to_contain_text("everyone is invited for 30 days")
    survey = page.locator("#culture-trends table.culture-scores").filter(has_text="survey")
    page.get_by_role("link", name="Your open invitations").click()
    page.get_by_role("link", name="Culture survey").click()
    for statement in Kind.SURVEY.statements:
        page.get_by_role("group", name=statement.text).get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send anonymously").click()

    expect(page.get_by_role("status")).to_contain_text("recorded anonymously")
    page.goto("/culture/")
    started = Survey.objects.get()
    surveyed = survey.locator("tbody tr").filter(has_text=quarter_label(started.quarter))
    expect(surveyed).to_contain_text("Still open: results show once the survey has closed")

    # The survey closes; sessions expire by the same clock, so Dave logs in again.
    closed = started.closes_at + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: closed)
    log_in(page, "dave", "dave-password")
    page.goto("/culture/")
    expect(surveyed).to_contain_text("Not enough responses to show without identifying people")
    assert Response.objects.filter(kind=Kind.SURVEY).count() == 1
