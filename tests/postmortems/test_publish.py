import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services as incident_services
from postmortems import selectors, services
from postmortems.models import FactorCategory, Postmortem

from .conftest import section_of


def write_everything(postmortem, by, text="The retry budget was exhausted by a slow dependency."):
    for content in postmortem.contents.select_related("section"):
        if not content.body.strip():
            services.section_save(
                content=content, body=text, by=by, expected_version=content.version
            )
    services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="dependency"),
        description="The payment processor's latency rose without an alert.",
        by=by,
    )


def test_required_sections_must_be_written_first(alice_client, postmortem):
    response = alice_client.post(f"/postmortems/{postmortem.pk}/publish/", follow=True)
    assert "Write the required sections first" in response.text
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT


def test_publishing_tells_the_team_and_opens_it_to_everyone(
    alice_client, bob_client, alice, postmortem, django_capture_on_commit_callbacks
):
    write_everything(postmortem, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/postmortems/{postmortem.pk}/publish/", follow=True)
    assert "Published." in response.text
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.PUBLISHED
    assert postmortem.published_by == alice
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert f"/postmortems/{postmortem.pk}/" in mail.outbox[0].body

    page = bob_client.get(f"/postmortems/{postmortem.pk}/")
    assert page.status_code == 200
    assert "The payment processor&#x27;s latency rose" in page.text


def test_blameful_wording_needs_an_acknowledgement_which_is_recorded(
    alice_client, alice, postmortem
):
    write_everything(postmortem, alice, text="The on-call engineer should have noticed.")
    response = alice_client.post(f"/postmortems/{postmortem.pk}/publish/", follow=True)
    assert "still flags" in response.text
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT

    seen = selectors.coach_flag_count(postmortem)
    assert f'name="acknowledged_count" value="{seen}"' in response.text
    assert "Publish anyway" in response.text
    assert "<mark>should have</mark>" in response.text
    alice_client.post(
        f"/postmortems/{postmortem.pk}/publish/",
        {"acknowledge_flags": "on", "acknowledged_count": seen},
    )
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.PUBLISHED
    assert postmortem.coach_flags_at_publish == seen
    assert postmortem.coach_flags_acknowledged_by == alice
    assert postmortem.coach_flags_acknowledged_at is not None


def test_facts_follow_the_incident_until_published_then_stay(alice_client, alice, postmortem):
    incident = postmortem.incident
    incident_services.incident_change_severity(incident=incident, severity=1, by=alice)
    assert "SEV1" in alice_client.get(f"/postmortems/{postmortem.pk}/").text

    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    incident_services.incident_change_severity(incident=incident, severity=3, by=alice)
    incident_services.incident_mark_restored(
        incident=incident, restored_at=timezone.now(), by=alice
    )

    page = alice_client.get(f"/postmortems/{postmortem.pk}/")
    assert "SEV1" in page.text
    assert "not restored" in page.text
    # The incident's timeline as it stood: the later changes are not in it.
    assert "SEV2 → SEV1" in page.text
    assert "SEV1 → SEV3" not in page.text


def test_a_published_postmortem_no_longer_changes(alice, postmortem):
    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    summary = section_of(postmortem, "text")
    with pytest.raises(ValidationError, match="published"):
        services.section_save(
            content=summary, body="rewrite", by=alice, expected_version=summary.version
        )


def test_markdown_export_has_every_section_and_factor(alice_client, alice, postmortem):
    write_everything(postmortem, alice)
    response = alice_client.get(f"/postmortems/{postmortem.pk}/export.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert 'filename="INC-' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Card payments failing\n")
    for content in postmortem.contents.select_related("section"):
        assert f"## {content.section.title}" in text
    assert "- **Dependency or third party**: The payment processor" in text


def test_the_acknowledgement_is_offered_only_after_a_refusal(alice_client, postmortem):
    page = alice_client.get(f"/postmortems/{postmortem.pk}/")
    assert "Publish anyway" not in page.text


def test_flags_written_after_the_acknowledgement_are_refused_again(alice, postmortem):
    write_everything(postmortem, alice, text="The on-call engineer should have noticed.")
    with pytest.raises(services.UnaddressedCoachFlags) as refused:
        services.postmortem_publish(postmortem=postmortem, by=alice)
    seen = refused.value.count
    summary = section_of(postmortem, "text")
    services.section_save(
        content=summary,
        body="Someone failed to check. They should have looked.",
        by=alice,
        expected_version=summary.version,
    )
    with pytest.raises(services.UnaddressedCoachFlags):
        services.postmortem_publish(postmortem=postmortem, by=alice, acknowledged_count=seen)
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT
