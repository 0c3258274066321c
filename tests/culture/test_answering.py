"""Answering an invitation: once, by the person invited, before it expires, and anonymously."""

import uuid
from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from culture.models import Answer, Invitation, Response

from .conftest import answer_form, this_quarter

ALL_FOURS = [4, 4, 4, 4, 4, 4]


def test_the_invited_person_answers_and_is_thanked(alice_client, invitation, payments):
    page = alice_client.get(f"/pulse/{invitation.pk}/")
    assert page.status_code == 200
    assert "I could raise concerns and questions during this incident without fear." in page.text
    assert "What would have helped?" in page.text

    response = alice_client.post(
        f"/pulse/{invitation.pk}/", answer_form([5, 4, 3, 2, 1, 4], "A runbook"), follow=True
    )

    assert "Your answers were recorded anonymously." in response.text
    stored = Response.objects.get()
    assert (stored.kind, stored.team, stored.quarter) == ("pulse", payments, this_quarter().start)
    assert stored.what_would_have_helped == "A runbook"
    assert sorted(Answer.objects.values_list("value", flat=True)) == [1, 2, 3, 4, 4, 5]
    invitation.refresh_from_db()
    assert invitation.used is True


def test_a_response_row_holds_nothing_that_joins_it_to_a_user(alice, alice_client, invitation):
    alice_client.post(f"/pulse/{invitation.pk}/", answer_form(ALL_FOURS, "More alerts"))

    for model, columns in (
        (Response, {"id", "kind", "team_id", "quarter", "what_would_have_helped"}),
        (Answer, {"id", "response_id", "statement", "value"}),
    ):
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, model._meta.db_table)
        assert {column.name for column in described} == columns
        # Random keys: the order of the rows says nothing about who answered first.
        assert all(isinstance(row.pk, uuid.UUID) for row in model.objects.all())
        related = {field.related_model for field in model._meta.concrete_fields}
        assert get_user_model() not in related and Invitation not in related
        assert not any(
            isinstance(field, models.DateTimeField) for field in model._meta.concrete_fields
        )
    # The quarter is all that is kept of when: its first day, whatever the day of answering.
    assert Response.objects.get().quarter == this_quarter().start


def test_the_invitation_keeps_only_that_it_was_used(alice_client, invitation):
    before = Invitation.objects.values().get(pk=invitation.pk)

    alice_client.post(f"/pulse/{invitation.pk}/", answer_form(ALL_FOURS))

    after = Invitation.objects.values().get(pk=invitation.pk)
    assert {key for key in before if before[key] != after[key]} == {"used"}
    assert {field.name for field in Invitation._meta.concrete_fields} == {
        "id",
        "user",
        "postmortem",
        "survey",
        "expires_at",
        "used",
    }


def test_a_second_answer_with_the_same_invitation_is_refused(alice_client, invitation):
    alice_client.post(f"/pulse/{invitation.pk}/", answer_form(ALL_FOURS))

    again = alice_client.post(f"/pulse/{invitation.pk}/", answer_form([1, 1, 1, 1, 1, 1]))

    assert again.status_code == 409
    assert "Already answered" in again.text
    assert Response.objects.count() == 1
    assert set(Answer.objects.values_list("value", flat=True)) == {4}
    assert alice_client.get(f"/pulse/{invitation.pk}/").status_code == 409


def test_someone_elses_invitation_is_not_found(bob_client, invitation):
    assert bob_client.get(f"/pulse/{invitation.pk}/").status_code == 404
    assert bob_client.post(f"/pulse/{invitation.pk}/", answer_form(ALL_FOURS)).status_code == 404
    assert not Response.objects.exists()


def test_an_expired_invitation_is_refused(alice_client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = alice_client.post(f"/pulse/{invitation.pk}/", answer_form(ALL_FOURS))

    assert response.status_code == 410
    assert "This invitation has expired" in response.text
    assert not Response.objects.exists()


def test_a_missing_answer_is_refused_and_keeps_what_was_typed(alice_client, invitation):
    data = answer_form(ALL_FOURS, "Fewer pages at night")
    del data["learned"]

    response = alice_client.post(f"/pulse/{invitation.pk}/", data)

    assert response.status_code == 422
    assert "Choose how far you agree." in response.text
    assert "Fewer pages at night</textarea>" in response.text
    assert response.text.count("checked") == 5
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used is False


def test_an_answer_off_the_scale_is_refused(alice_client, invitation):
    response = alice_client.post(f"/pulse/{invitation.pk}/", answer_form([4, 4, 4, 4, 4, 9]))

    assert response.status_code == 422
    assert not Response.objects.exists()


def test_the_admin_shows_no_responses_or_invitations():
    assert not admin.site.is_registered(Response)
    assert not admin.site.is_registered(Answer)
    assert not admin.site.is_registered(Invitation)
