"""A team's culture page: its trend for everyone, and what would have helped for its members
only, once the quarter has ended and enough people answered."""

import pytest
from django.test import Client

from culture.selectors import helped_texts, minimum_responses

from .conftest import (
    answer_form,
    give,
    invited_people,
    last_quarter,
    next_quarter_begins,
    quarter_before_last,
    this_quarter,
)
from .test_trends import FIVE, label


def culture_shown(page) -> str:
    """What the team page shows of the culture: the trend and what would have helped."""
    text = page.text
    start = text.index('id="culture-trends"')
    return text[start : text.index("</section>", text.index("<h2>What would have helped</h2>"))]


def test_what_would_have_helped_shows_to_the_team_once_enough_answered(
    payments, alice_client, bob_client
):
    give(payments, last_quarter(), *FIVE[:4], text="A <b>runbook</b>")
    assert "A &lt;b&gt;runbook" not in alice_client.get("/teams/payments/culture/").text

    give(payments, last_quarter(), FIVE[4], text="Quieter channel")

    page = alice_client.get("/teams/payments/culture/")
    assert page.text.count("A &lt;b&gt;runbook&lt;/b&gt;") == 4
    assert "Quieter channel" in page.text
    other_team = bob_client.get("/teams/payments/culture/")
    assert other_team.status_code == 200
    assert "runbook" not in other_team.text
    assert "for the members of Payments only" in other_team.text


def test_a_new_answer_shows_nothing_new_until_the_quarter_has_ended(
    payments, postmortem, alice, alice_client, quarter_ends
):
    # This quarter is past the threshold already; one more person answers with a text.
    give(payments, this_quarter(), *FIVE, text="Written earlier")
    (invitation,) = invited_people(1, postmortem)
    responder = Client()
    responder.force_login(invitation.user)
    before = culture_shown(alice_client.get("/teams/payments/culture/"))

    answered = responder.post(
        f"/pulse/{invitation.pk}/", answer_form([1] * 6, text="A quieter pager rota")
    )

    assert answered.status_code == 302
    after = culture_shown(alice_client.get("/teams/payments/culture/"))
    assert after == before
    assert "Written earlier" not in after and "A quieter pager rota" not in after
    assert "Nothing to show yet." in after

    answered_in = label(this_quarter())
    quarter_ends()
    alice_client.force_login(alice)
    page = alice_client.get("/teams/payments/culture/")

    assert page.text.count("Written earlier") == 5
    assert "A quieter pager rota" in page.text
    # Six responses: the sums 19 to 23 plus one each, 123 over 36 answers.
    ended = page.text.split(f'<th scope="row">{answered_in}</th>')[1].split("</tr>")[0]
    assert "<td>6</td><td>3.42</td>" in ended


def test_texts_of_the_open_quarter_wait_for_its_end(payments):
    give(payments, this_quarter(), *FIVE, text="Written this quarter")
    give(payments, last_quarter(), *FIVE, text="Written last quarter")

    today = [response.what_would_have_helped for response in helped_texts(team=payments)]
    later = helped_texts(team=payments, now=next_quarter_begins())

    assert today == ["Written last quarter"] * 5
    assert [response.what_would_have_helped for response in later] == (
        ["Written this quarter"] * 5 + ["Written last quarter"] * 5
    )


def test_a_small_quarter_keeps_its_texts_hidden_even_beside_a_large_one(payments, alice_client):
    give(payments, last_quarter(), *FIVE, text="Shown")
    give(payments, quarter_before_last(), [3] * 6, text="Hidden")

    page = alice_client.get("/teams/payments/culture/")

    assert "Shown" in page.text and "Hidden" not in page.text


def test_staff_outside_the_team_do_not_read_the_texts(payments, dave_client):
    give(payments, last_quarter(), *FIVE, text="Only for the team")

    assert "Only for the team" not in dave_client.get("/teams/payments/culture/").text


def test_the_texts_page_through_as_an_htmx_fragment(payments, alice_client, settings):
    give(payments, last_quarter(), *([[4] * 6] * 25), text="Same thought")

    fragment = alice_client.get("/teams/payments/culture/?page=2", headers={"HX-Request": "true"})

    assert fragment.text.lstrip().startswith('<div id="culture-texts">')
    assert fragment.text.count("Same thought") == 5
    assert "<html" not in fragment.text


@pytest.mark.parametrize("responses", [5, 40])
def test_the_team_page_takes_the_same_queries_however_many_answers(
    responses, payments, alice_client, django_assert_max_num_queries
):
    give(payments, this_quarter(), *([[4] * 6] * responses), text="Something")
    give(payments, last_quarter(), *([[2] * 6] * responses), text="Else")
    assert minimum_responses() == 5

    with django_assert_max_num_queries(15):
        page = alice_client.get("/teams/payments/culture/")

    assert page.status_code == 200


@pytest.mark.parametrize("responses", [5, 40])
def test_the_organisation_page_takes_the_same_queries_however_many_answers(
    responses, payments, platform, alice_client, django_assert_max_num_queries
):
    give(payments, last_quarter(), *([[4] * 6] * responses))
    give(platform, last_quarter(), *([[2] * 6] * responses))

    with django_assert_max_num_queries(20):
        page = alice_client.get("/culture/")

    assert page.status_code == 200
    assert "<td>" + str(2 * responses) + "</td><td>3.0</td>" in page.text
