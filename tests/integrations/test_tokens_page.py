"""A team's API tokens page, /teams/<slug>/tokens/: for the team's admins (and staff) only;
a new token's secret is shown once; tokens are revoked in place; the list is paginated."""

import pytest
from django.contrib.auth.models import User

from integrations.models import ApiToken
from integrations.tokens import token_create, token_revoke
from tests.conftest import HTMX

URL = "/teams/payments/tokens/"


def test_a_plain_member_of_the_team_is_refused(alice_client, alice, payments):
    assert alice_client.get(URL).status_code == 403
    assert alice_client.post(URL, {"name": "sneaky"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_another_teams_admin_is_refused(bob_client, bob, platform, payments):
    platform.admins.add(bob)
    assert bob_client.get(URL).status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client, payments):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_admin_and_staff_see_the_page(alice_client, alice_admin, dave_client):
    for viewer in (alice_client, dave_client):
        response = viewer.get(URL)
        assert response.status_code == 200
        assert "No tokens yet." in response.text


def test_the_team_page_links_to_tokens_only_for_those_who_manage_them(
    alice_client, bob_client, alice, bob, payments
):
    assert URL not in alice_client.get("/teams/payments/").text
    payments.admins.add(alice)
    assert URL in alice_client.get("/teams/payments/").text
    assert URL not in bob_client.get("/teams/payments/").text


def test_creating_a_token_shows_its_secret_once(alice_client, alice_admin):
    response = alice_client.post(URL, {"name": "pagerduty-bridge"})

    assert response.status_code == 201
    secret = response.context["created"].secret
    assert secret in response.text
    assert "shown this once" in response.text
    # Not cached anywhere on the way back.
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.team.slug, token.created_by) == (
        "pagerduty-bridge",
        "payments",
        alice_admin,
    )
    later = alice_client.get(URL)
    assert secret not in later.text
    assert token.prefix in later.text and "pagerduty-bridge" in later.text


def test_the_secret_works_with_the_api(alice_client, alice_admin):
    secret = alice_client.post(URL, {"name": "ci"}).context["created"].secret
    response = alice_client.get("/api/incidents", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_a_blank_or_taken_name_is_refused_and_kept(alice_client, alice_admin, payments):
    response = alice_client.post(URL, {"name": "   "})
    assert response.status_code == 422
    assert "This field is required." in response.text

    token_create(team=payments, name="pagerduty-bridge", by=alice_admin)
    response = alice_client.post(URL, {"name": "pagerduty-bridge"})
    assert response.status_code == 422
    assert "already has a token named" in response.text
    # What was typed is still in the form.
    assert 'value="pagerduty-bridge"' in response.text
    assert ApiToken.objects.count() == 1


def test_creating_with_htmx_answers_the_region(alice_client, alice_admin):
    response = alice_client.post(URL, {"name": "ci"}, headers=HTMX)

    assert response.status_code == 201
    assert response.text.lstrip().startswith('<div id="tokens">')
    assert "<html" not in response.text
    assert response.context["created"].secret in response.text


def test_revoking_without_javascript_redirects_back_with_a_message(
    alice_client, alice_admin, payments
):
    token = token_create(team=payments, name="ci", by=alice_admin).token

    response = alice_client.post(f"{URL}{token.pk}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == URL
    assert "Token “ci” revoked" in response.text
    assert "Revoked" in response.text
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_by == alice_admin


def test_revoking_with_htmx_answers_the_region(alice_client, alice_admin, payments):
    token = token_create(team=payments, name="ci", by=alice_admin).token

    response = alice_client.post(f"{URL}{token.pk}/revoke/", headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Token “ci” revoked" in response.text
    assert ApiToken.objects.get().is_revoked


def test_a_plain_member_cannot_revoke(alice_client, alice, payments, dave):
    token = token_create(team=payments, name="ci", by=dave).token
    assert alice_client.post(f"{URL}{token.pk}/revoke/").status_code == 403
    assert not ApiToken.objects.get().is_revoked


def test_another_teams_token_is_not_found_here(alice_client, alice_admin, platform):
    token = token_create(team=platform, name="ci", by=None).token
    assert alice_client.post(f"{URL}{token.pk}/revoke/").status_code == 404
    assert not ApiToken.objects.get().is_revoked


def test_revoking_only_takes_a_post(alice_client, alice_admin, payments):
    token = token_create(team=payments, name="ci", by=alice_admin).token
    assert alice_client.get(f"{URL}{token.pk}/revoke/").status_code == 405


def test_token_names_are_escaped(alice_client, alice_admin, payments):
    token_create(team=payments, name="<script>alert(1)</script>", by=alice_admin)
    response = alice_client.get(URL)
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def _tokens(payments, count: int) -> None:
    maker = User.objects.create_user("maker", first_name="Maker")
    for number in range(count):
        made = token_create(team=payments, name=f"token-{number}", by=maker).token
        if number % 2:
            token_revoke(token=made, by=maker)


def test_the_list_is_paginated_newest_first(alice_client, alice_admin, payments):
    _tokens(payments, 30)

    first = alice_client.get(URL)
    second = alice_client.get(URL, {"page": 2})

    assert [t.name for t in first.context["page"].object_list][:2] == ["token-29", "token-28"]
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.text
    assert [t.name for t in second.context["page"].object_list][-1] == "token-0"


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_queries_for_few_or_many_tokens(
    alice_client, alice_admin, payments, django_assert_max_num_queries, count
):
    _tokens(payments, count)
    with django_assert_max_num_queries(8):
        response = alice_client.get(URL)
    assert response.status_code == 200
    assert "Revoked" in response.text and "Active" in response.text
