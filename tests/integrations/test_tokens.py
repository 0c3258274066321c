"""API tokens: a long random secret shown once, stored only as its SHA-256 digest, revoked
rather than deleted, and recording when it was last used without writing on every request."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import TimelineEvent
from integrations.models import ApiToken
from integrations.tokens import token_create, token_for_secret, token_revoke

from .conftest import ApiClient


def test_the_secret_is_long_random_and_kept_only_as_its_digest(payments_token):
    token = ApiToken.objects.get()
    secret = payments_token.secret

    assert secret.startswith("dbr_") and len(secret) >= 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    # Nothing stored is the secret, or contains more of it than the visible prefix.
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(secret in value for value in stored)
    assert token.prefix == secret[:12] and secret.startswith(token.prefix)


def test_two_tokens_never_share_a_secret(payments, alice_admin):
    first = token_create(team=payments, name="one", by=alice_admin)
    second = token_create(team=payments, name="two", by=alice_admin)

    assert first.secret != second.secret
    assert token_for_secret(first.secret) == first.token
    assert token_for_secret(second.secret) == second.token
    assert token_for_secret(first.secret + "x") is None


def test_a_team_cannot_have_two_live_tokens_with_one_name(payments, alice_admin, payments_token):
    with pytest.raises(ValidationError) as refused:
        token_create(team=payments, name="pagerduty-bridge", by=alice_admin)
    assert "name" in refused.value.message_dict

    token_revoke(token=payments_token.token, by=alice_admin)
    # Once the old one is revoked, its replacement may take the name.
    replacement = token_create(team=payments, name="pagerduty-bridge", by=alice_admin)
    assert ApiToken.objects.filter(name="pagerduty-bridge").count() == 2
    assert not replacement.token.is_revoked


def test_revoking_keeps_the_row_and_stops_the_token(payments_token, payments_api, alice_admin):
    assert payments_api.get("/api/incidents").status_code == 200

    token_revoke(token=payments_token.token, by=alice_admin)

    token = ApiToken.objects.get()
    assert token.is_revoked and token.revoked_by == alice_admin
    response = payments_api.get("/api/incidents")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has been revoked."}


def test_revoking_twice_keeps_the_first_revocation(payments_token, alice_admin, dave):
    first = token_revoke(token=payments_token.token, by=alice_admin).revoked_at
    again = token_revoke(token=payments_token.token, by=dave)

    assert (again.revoked_at, again.revoked_by) == (first, alice_admin)


def test_last_used_is_recorded_at_most_once_a_minute(payments_token, payments_api):
    assert ApiToken.objects.get().last_used_at is None

    payments_api.get("/api/incidents")
    first_use = ApiToken.objects.get().last_used_at
    assert first_use is not None and timezone.now() - first_use < timedelta(seconds=5)

    payments_api.get("/api/incidents")
    assert ApiToken.objects.get().last_used_at == first_use

    # A minute later, the next request records itself.
    ApiToken.objects.update(last_used_at=first_use - timedelta(minutes=1))
    payments_api.get("/api/incidents")
    assert ApiToken.objects.get().last_used_at > first_use


def test_a_read_within_the_minute_writes_nothing(
    payments_token, payments_api, django_assert_max_num_queries
):
    payments_api.get("/api/incidents")
    with django_assert_max_num_queries(5) as queries:
        assert payments_api.get("/api/incidents").status_code == 200
    assert not any(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries.captured_queries)


def test_what_a_token_writes_shows_under_its_name(payments_api, checkout):
    response = payments_api.post(
        "/api/incidents",
        {"title": "Card payments failing", "severity": 2, "services": ["checkout"]},
    )
    assert response.status_code == 201

    event = TimelineEvent.objects.get()
    assert str(event.author.get_full_name()) == "API token 'pagerduty-bridge'"
    # The account behind the name can never sign in.
    assert not event.author.is_active and not event.author.has_usable_password()
    assert response.json()["timeline"][0]["author"] == "API token 'pagerduty-bridge'"


def test_the_token_account_is_offered_nowhere_as_a_person(payments_token, alice_client, checkout):
    incident = ApiClient(payments_token.secret).post(
        "/api/incidents",
        {"title": "Card payments failing", "severity": 2, "services": ["checkout"]},
    )
    page = alice_client.get(f"/incidents/{incident.json()['id']}/edit/")

    assert page.status_code == 200
    commander_choices = page.context["form"].fields["commander"].queryset
    assert payments_token.token.actor not in commander_choices
