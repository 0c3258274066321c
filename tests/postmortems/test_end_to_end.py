"""Each built-in template's postmortem written end to end, through the pages people use."""

import pytest
from django.core import mail

from incidents import services as incident_services
from postmortems.models import FactorCategory, Postmortem, PostmortemTemplate
from tests.conftest import HTMX


@pytest.mark.parametrize("slug", ["standard", "lightweight", "security"])
def test_write_review_and_publish(
    slug,
    alice,
    alice_client,
    bob,
    bob_client,
    carol_client,
    checkout,
    django_capture_on_commit_callbacks,
):
    incident = incident_services.incident_declare(
        title=f"Checkout outage ({slug})", severity=2, services=[checkout], reporter=alice
    )
    template = PostmortemTemplate.objects.get(slug=slug)

    # Create from the incident page.
    response = alice_client.post(
        f"/incidents/{incident.pk}/postmortem/start/", {"template": template.pk}
    )
    postmortem = Postmortem.objects.get(incident=incident)
    assert response["Location"] == f"/postmortems/{postmortem.pk}/"

    # Write every section (autosaved through htmx), and record a contributing factor.
    for content in postmortem.contents.select_related("section"):
        key = content.section.key
        text = f"What we learned in *{content.section.title}*."
        saved = alice_client.post(
            f"/postmortems/{postmortem.pk}/sections/{key}/",
            {"body": text, "version": content.version},
            headers=HTMX,
        )
        assert saved.status_code == 200, key
        assert "Saved at" in saved.text
    factor = alice_client.post(
        f"/postmortems/{postmortem.pk}/factors/",
        {
            "category": FactorCategory.objects.get(slug="detection-monitoring").pk,
            "description": "No alert on checkout error rate.",
        },
        headers=HTMX,
    )
    assert "No alert on checkout error rate." in factor.text

    # Review: Bob is asked, comments on the first section, approves.
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/postmortems/{postmortem.pk}/review/request/", {"reviewers": [bob.pk]})
    first = postmortem.contents.select_related("section").first().section
    commented = bob_client.post(
        f"/postmortems/{postmortem.pk}/sections/{first.key}/comments/", {"body": "Clear. Thanks."}
    )
    assert commented.status_code == 302
    approved = bob_client.post(f"/postmortems/{postmortem.pk}/review/approve/", follow=True)
    assert "Your approval is recorded." in approved.text
    assert postmortem.reviews.get(reviewer=bob).approved_at is not None
    assert postmortem.comments.get().body == "Clear. Thanks."

    # Publish, and everyone can read it.
    with django_capture_on_commit_callbacks(execute=True):
        published = alice_client.post(f"/postmortems/{postmortem.pk}/publish/", follow=True)
    assert "Published." in published.text
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.PUBLISHED
    assert any("Postmortem published" in message.subject for message in mail.outbox)

    page = carol_client.get(f"/postmortems/{postmortem.pk}/")
    assert page.status_code == 200
    for content in postmortem.contents.select_related("section"):
        assert f'<h2 id="section-{content.section.key}">{content.section.title}</h2>' in page.text
        assert f"What we learned in <em>{content.section.title}</em>." in page.text
    assert "Detection and monitoring" in page.text
    assert "No alert on checkout error rate." in page.text
    assert "Checkout outage" in page.text
