"""Writes racing publication: each locks the postmortem's row and checks it there, so a page
that still shows the draft cannot change, or un-publish, a published postmortem."""

import pytest
from django.core.exceptions import ValidationError

from postmortems import services
from postmortems.models import ContributingFactor, FactorCategory, Postmortem
from tests.conftest import HTMX

from .conftest import section_of, text_sections
from .test_publish import write_everything


@pytest.fixture
def published_meanwhile(alice, postmortem):
    """The postmortem as a page loaded it while still a draft, published since."""
    stale = Postmortem.objects.get(pk=postmortem.pk)
    write_everything(postmortem, alice)
    services.postmortem_publish(postmortem=postmortem, by=alice)
    assert stale.status == Postmortem.Status.DRAFT
    return stale


def test_a_section_save_from_a_stale_page_is_refused(alice, published_meanwhile):
    summary = text_sections(published_meanwhile)[0]
    with pytest.raises(ValidationError, match="published"):
        services.section_save(
            content=summary, body="rewrite", by=alice, expected_version=summary.version
        )


def test_adding_a_factor_from_a_stale_page_is_refused(alice, published_meanwhile):
    with pytest.raises(ValidationError, match="published"):
        services.factor_add(
            postmortem=published_meanwhile,
            category=FactorCategory.objects.first(),
            description="Late",
            by=alice,
        )


def test_removing_a_factor_from_a_stale_page_is_refused(alice, published_meanwhile):
    factor = ContributingFactor.objects.get(postmortem=published_meanwhile)
    with pytest.raises(ValidationError, match="published"):
        services.factor_remove(factor=factor, by=alice)
    assert ContributingFactor.objects.filter(pk=factor.pk).exists()


def test_requesting_review_from_a_stale_page_does_not_unpublish(alice, dave, published_meanwhile):
    with pytest.raises(ValidationError, match="published"):
        services.review_request(postmortem=published_meanwhile, by=alice, reviewers=[dave])
    published_meanwhile.refresh_from_db()
    assert published_meanwhile.status == Postmortem.Status.PUBLISHED


def test_removing_a_factor_on_a_published_postmortem_answers_an_error_not_a_500(
    alice, alice_client, published_meanwhile
):
    factor = ContributingFactor.objects.get(postmortem=published_meanwhile)
    remove = f"/postmortems/{published_meanwhile.pk}/factors/{factor.pk}/remove/"
    response = alice_client.post(remove, headers=HTMX)
    assert response.status_code == 422
    assert "published" in response.text
    response = alice_client.post(remove, follow=True)
    assert response.status_code == 200
    assert "published" in response.text
    assert ContributingFactor.objects.filter(pk=factor.pk).exists()


def test_a_published_postmortem_takes_no_approvals(alice, dave, published_meanwhile):
    with pytest.raises(ValidationError, match="published"):
        services.review_approve(postmortem=published_meanwhile, by=dave)


def test_review_moves_only_a_draft_to_review(alice, dave, postmortem):
    services.review_request(postmortem=postmortem, by=alice, reviewers=[dave])
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.IN_REVIEW


def test_the_timeline_refresh_answers_nonsense_without_a_500(alice_client, postmortem):
    timeline = section_of(postmortem, "timeline")
    response = alice_client.post(
        f"/postmortems/{postmortem.pk}/sections/{timeline.section.key}/timeline/refresh/",
        {"version": "abc"},
    )
    assert response.status_code == 302
