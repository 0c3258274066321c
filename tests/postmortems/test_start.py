import pytest
from django.core.exceptions import ValidationError

from postmortems import selectors, services
from postmortems.models import Postmortem

from .conftest import section_of


def test_starting_from_the_incident_page_opens_the_postmortem(alice_client, incident, standard):
    response = alice_client.post(
        f"/incidents/{incident.pk}/postmortem/start/", {"template": standard.pk}
    )
    postmortem = Postmortem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/postmortems/{postmortem.pk}/"
    assert postmortem.title == "Card payments failing"
    assert postmortem.contents.count() == standard.sections.count()


def test_the_incident_page_offers_the_templates_then_links_the_postmortem(
    alice_client, incident, standard, alice
):
    page = alice_client.get(f"/incidents/{incident.pk}/")
    assert "Start the postmortem" in page.text
    assert standard.name in page.text
    postmortem = services.postmortem_start(incident=incident, template=standard, by=alice)
    page = alice_client.get(f"/incidents/{incident.pk}/")
    assert "Start the postmortem" not in page.text
    assert f'href="/postmortems/{postmortem.pk}/"' in page.text


def test_at_most_one_postmortem_per_incident(postmortem, incident, standard, alice, alice_client):
    with pytest.raises(ValidationError, match="already has a postmortem"):
        services.postmortem_start(incident=incident, template=standard, by=alice)
    response = alice_client.post(
        f"/incidents/{incident.pk}/postmortem/start/", {"template": standard.pk}, follow=True
    )
    assert "already has a postmortem" in response.text
    assert Postmortem.objects.count() == 1


def test_the_narrative_timeline_starts_as_the_incident_timeline(postmortem):
    timeline = section_of(postmortem, "timeline")
    assert "Declared: Declared as SEV2." in timeline.body
    assert "Note: Rolled back v41 — Alice" in timeline.body
    assert timeline.revisions.count() == 1


def test_someone_outside_the_team_cannot_start_one(bob_client, incident, standard):
    response = bob_client.post(
        f"/incidents/{incident.pk}/postmortem/start/", {"template": standard.pk}
    )
    assert response.status_code == 403
    assert "Start the postmortem" not in bob_client.get(f"/incidents/{incident.pk}/").text


def test_a_draft_is_for_the_team_until_published(bob_client, postmortem):
    assert bob_client.get(f"/postmortems/{postmortem.pk}/").status_code == 403


def test_template_edits_leave_started_postmortems_as_they_were(
    alice, alice_client, incident, payments
):
    from postmortems.models import PostmortemTemplate, TemplateSection

    template = PostmortemTemplate.objects.create(name="Payments", slug="payments", team=payments)
    section = TemplateSection.objects.create(
        template=template, key="summary", title="Summary", prompt="?", required=False
    )
    postmortem = services.postmortem_start(incident=incident, template=template, by=alice)
    TemplateSection.objects.filter(pk=section.pk).update(title="Renamed", required=True)

    page = alice_client.get(f"/postmortems/{postmortem.pk}/")
    assert "Summary" in page.text
    assert "Renamed" not in page.text
    assert selectors.missing_required_sections(postmortem) == []


def test_another_teams_template_cannot_be_chosen(alice_client, incident, platform):
    from postmortems.models import PostmortemTemplate

    theirs = PostmortemTemplate.objects.create(name="Platform", slug="platform", team=platform)
    response = alice_client.post(
        f"/incidents/{incident.pk}/postmortem/start/", {"template": theirs.pk}
    )
    assert response.status_code == 302
    assert not Postmortem.objects.exists()
