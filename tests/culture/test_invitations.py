"""Who is invited to the pulse, when, for how long, and where they see it."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from culture import tasks
from culture.models import Invitation, Survey
from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems.models import FactorCategory
from tests.conftest import HTMX, _client_for


def write_everything(postmortem, by):
    for content in postmortem.contents.select_related("section"):
        if not content.body.strip():
            postmortem_services.section_save(
                content=content,
                body="The retry budget was exhausted by a slow dependency.",
                by=by,
                expected_version=content.version,
            )
    postmortem_services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="dependency"),
        description="The payment processor's latency rose without an alert.",
        by=by,
    )


def test_publishing_invites_everyone_who_took_part_for_thirty_days(
    alice, bob, carol, dave, incident, django_capture_on_commit_callbacks
):
    from postmortems.models import PostmortemTemplate

    incident_services.incident_add_note(incident=incident, body="Paged the processor", by=dave)
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    write_everything(postmortem, alice)
    postmortem_services.review_request(postmortem=postmortem, by=alice, reviewers=[carol])
    bystander = User.objects.create_user("erin", "erin@example.org", "pw")

    with django_capture_on_commit_callbacks(execute=True):
        published = postmortem_services.postmortem_publish(postmortem=postmortem, by=alice)

    invitations = Invitation.objects.filter(postmortem=postmortem)
    # Alice reported and wrote it, Bob commanded, Carol reviewed, Dave wrote on the timeline.
    assert {invitation.user for invitation in invitations} == {alice, bob, carol, dave}
    assert bystander not in {invitation.user for invitation in invitations}
    assert {invitation.expires_at for invitation in invitations} == {
        published.published_at + timedelta(days=30)
    }
    assert not any(invitation.used for invitation in invitations)


def test_inviting_again_invites_nobody_twice(postmortem, alice, bob):
    assert tasks.invite_pulse_responders(postmortem.pk) == 2

    assert tasks.invite_pulse_responders(postmortem.pk) == 0
    assert Invitation.objects.filter(postmortem=postmortem).count() == 2


def test_inactive_people_are_not_invited(postmortem, alice, bob):
    User.objects.filter(pk=bob.pk).update(is_active=False)

    tasks.invite_pulse_responders(postmortem.pk)

    assert [invitation.user for invitation in Invitation.objects.all()] == [alice]


def test_the_navigation_counts_open_invitations_after_the_page_loads(
    alice_client, postmortem, alice, django_assert_max_num_queries
):
    page = alice_client.get("/incidents/")
    assert 'class="pulse-count" hx-get="/pulse/" hx-trigger="load"' in page.text
    assert alice_client.get("/pulse/", headers=HTMX).text == '<span class="pulse-count"></span>'

    tasks.invite_pulse_responders(postmortem.pk)

    with django_assert_max_num_queries(3):
        count = alice_client.get("/pulse/", headers=HTMX)
    assert count.text == '<span class="pulse-count">(1 open)</span>'


def test_the_pulse_page_lists_only_my_open_invitations(alice_client, alice, bob, postmortem):
    tasks.invite_pulse_responders(postmortem.pk)

    page = alice_client.get("/pulse/")

    mine = Invitation.objects.get(user=alice)
    assert f"/pulse/{mine.pk}/" in page.text
    assert "How did INC-" in page.text
    assert str(Invitation.objects.get(user=bob).pk) not in page.text

    Invitation.objects.filter(pk=mine.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Nothing waiting for you." in alice_client.get("/pulse/").text


@pytest.mark.parametrize("count", [3, 30])
def test_the_pulse_page_takes_the_same_queries_however_many_invitations(
    count, alice, alice_client, postmortem, django_assert_max_num_queries
):
    tasks.invite_pulse_responders(postmortem.pk)
    for year in range(2000, 2000 + count):
        survey = Survey.objects.create(
            quarter=date(year, 1, 1), closes_at=timezone.now() + timedelta(days=30)
        )
        Invitation.objects.create(user=alice, survey=survey, expires_at=survey.closes_at)

    with django_assert_max_num_queries(6):
        page = alice_client.get("/pulse/")

    assert page.status_code == 200
    assert page.text.count("/pulse/") >= min(count + 1, 20)


def test_a_pulse_about_a_postmortem_made_private_since_is_neither_listed_nor_answerable(
    carol, postmortem, alice
):
    invitation = Invitation.objects.create(
        user=carol, postmortem=postmortem, expires_at=timezone.now() + timedelta(days=30)
    )
    carol_client = _client_for(carol)
    assert f"/pulse/{invitation.pk}/" in carol_client.get("/pulse/").text
    incident_services.incident_update(
        incident=postmortem.incident, by=alice, changes={"is_private": True}
    )

    page = carol_client.get("/pulse/").text

    assert f"/pulse/{invitation.pk}/" not in page and postmortem.title not in page
    assert carol_client.get(f"/pulse/{invitation.pk}/").status_code == 404
    assert carol_client.get("/pulse/", headers=HTMX).text == '<span class="pulse-count"></span>'
    # Once a responder, she may answer it.
    postmortem.incident.responders.add(carol)
    assert carol_client.get(f"/pulse/{invitation.pk}/").status_code == 200
