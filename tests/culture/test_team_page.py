"""A team's culture page: its trend for everyone, and what would have helped for its members
only, once enough people answered."""

import pytest

from culture.selectors import minimum_responses

from .conftest import give, last_quarter, this_quarter
from .test_trends import FIVE


def test_what_would_have_helped_shows_to_the_team_once_enough_answered(
    payments, alice_client, bob_client
):
    give(payments, this_quarter(), *FIVE[:4], text="A <b>runbook</b>")
    assert "A &lt;b&gt;runbook" not in alice_client.get("/teams/payments/culture/").text

    give(payments, this_quarter(), FIVE[4], text="Quieter channel")

    page = alice_client.get("/teams/payments/culture/")
    assert page.text.count("A &lt;b&gt;runbook&lt;/b&gt;") == 4
    assert "Quieter channel" in page.text
    other_team = bob_client.get("/teams/payments/culture/")
    assert other_team.status_code == 200
    assert "runbook" not in other_team.text
    assert "for the members of Payments only" in other_team.text


def test_a_small_quarter_keeps_its_texts_hidden_even_beside_a_large_one(payments, alice_client):
    give(payments, this_quarter(), *FIVE, text="Shown")
    give(payments, last_quarter(), [3] * 6, text="Hidden")

    page = alice_client.get("/teams/payments/culture/")

    assert "Shown" in page.text and "Hidden" not in page.text


def test_staff_outside_the_team_do_not_read_the_texts(payments, dave_client):
    give(payments, this_quarter(), *FIVE, text="Only for the team")

    assert "Only for the team" not in dave_client.get("/teams/payments/culture/").text


def test_the_texts_page_through_as_an_htmx_fragment(payments, alice_client, settings):
    give(payments, this_quarter(), *([[4] * 6] * 25), text="Same thought")

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
    give(payments, this_quarter(), *([[4] * 6] * responses))
    give(platform, this_quarter(), *([[2] * 6] * responses))

    with django_assert_max_num_queries(20):
        page = alice_client.get("/culture/")

    assert page.status_code == 200
    assert "<td>" + str(2 * responses) + "</td><td>3.0</td>" in page.text
