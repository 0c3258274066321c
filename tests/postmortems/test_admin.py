"""The admin, as a superuser sees it: every postmortems model has its pages; admins extend the
contributing-factor taxonomy and the writing coach's lexicon in the browser, disable built-in
coach terms but never delete them, and see postmortems and their history without rewriting
them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from postmortems import services
from postmortems.coach import coach_text
from postmortems.models import (
    CoachTerm,
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    ReviewComment,
    ReviewMeeting,
    ReviewRequest,
    SectionContent,
    SectionRevision,
    TemplateSection,
)

from .conftest import text_sections

MODELS = [
    PostmortemTemplate,
    TemplateSection,
    Postmortem,
    SectionContent,
    SectionRevision,
    ContributingFactor,
    FactorCategory,
    ReviewRequest,
    ReviewComment,
    ReviewMeeting,
    CoachTerm,
]


def admin_url(model, action, *args):
    return reverse(f"admin:postmortems_{model._meta.model_name}_{action}", args=args)


def flagged_phrases(text):
    return [flag.phrase for flag in coach_text(text)]


@pytest.fixture
def one_of_each(postmortem, alice, bob):
    """A postmortem with a revision, a factor, a review request, a comment and a meeting."""
    summary = text_sections(postmortem)[0]
    summary.body = "The cache expired."
    summary.version = 1
    summary.save()
    SectionRevision.objects.create(content=summary, version=1, body=summary.body, author=alice)
    ContributingFactor.objects.create(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="configuration"),
        description="The TTL default was short.",
        created_by=alice,
    )
    ReviewRequest.objects.create(postmortem=postmortem, reviewer=bob, requested_by=alice)
    ReviewComment.objects.create(
        postmortem=postmortem, section=summary.section, author=bob, body="Which cache?"
    )
    meeting = ReviewMeeting.objects.create(
        postmortem=postmortem, starts_at=timezone.now() + timedelta(days=1), organiser=alice
    )
    meeting.participants.add(alice, bob)
    return postmortem


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_model_has_a_changelist_and_a_change_page(admin_client, one_of_each, model):
    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    obj = model.objects.order_by("pk").last()
    assert obj is not None
    change = admin_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert str(obj)[:20] in change.text or model._meta.verbose_name in change.text


@pytest.mark.parametrize("model", [PostmortemTemplate, FactorCategory, CoachTerm])
def test_the_add_page_renders(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 200


def test_a_postmortem_is_read_mostly(admin_client, one_of_each):
    page = admin_client.get(admin_url(Postmortem, "change", one_of_each.pk))
    assert 'name="title"' in page.text
    for field in ["status", "published_at", "published_facts", "template", "incident"]:
        assert f'name="{field}"' not in page.text
    assert "The cache expired." in page.text  # its contents, shown read-only
    assert 'name="contents-0-body"' not in page.text
    assert admin_client.get(admin_url(Postmortem, "add")).status_code == 403


def test_revisions_are_shown_but_never_changed(admin_client, one_of_each):
    revision = SectionRevision.objects.get(body="The cache expired.")
    page = admin_client.get(admin_url(SectionRevision, "change", revision.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    response = admin_client.post(admin_url(SectionRevision, "change", revision.pk), {"body": "x"})
    assert response.status_code == 403
    assert admin_client.get(admin_url(SectionRevision, "add")).status_code == 403
    assert admin_client.post(admin_url(SectionRevision, "delete", revision.pk)).status_code == 403
    revision.refresh_from_db()
    assert revision.body == "The cache expired."


def test_a_builtin_template_is_read_only_in_the_admin(admin_client, standard):
    page = admin_client.get(admin_url(PostmortemTemplate, "change", standard.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert 'name="sections-0-prompt"' not in page.text
    assert admin_client.post(admin_url(PostmortemTemplate, "delete", standard.pk)).status_code == (
        403
    )
    assert PostmortemTemplate.objects.filter(pk=standard.pk).exists()


# --- The coach's lexicon --------------------------------------------------------------------


@pytest.fixture
def human_error():
    return CoachTerm.objects.get(phrase="human error", is_builtin=True)


def test_a_term_disabled_in_the_changelist_is_no_longer_flagged(admin_client, human_error):
    assert "human error" in flagged_phrases("It was human error.")
    url = admin_url(CoachTerm, "changelist") + "?q=human+error"
    formset = admin_client.get(url).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": formset.total_form_count(),
        "form-INITIAL_FORMS": formset.initial_form_count(),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = form.instance.pk
        if form.instance.is_active and form.instance != human_error:
            data[f"form-{index}-is_active"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    human_error.refresh_from_db()
    assert not human_error.is_active
    assert "human error" not in flagged_phrases("It was human error.")


def test_a_term_disabled_in_its_change_form_is_no_longer_flagged(admin_client, human_error):
    response = admin_client.post(
        admin_url(CoachTerm, "change", human_error.pk),
        {
            "phrase": "renamed",  # read-only for a built-in term: ignored
            "match": human_error.match,
            "suggestion": human_error.suggestion,
            "explanation": human_error.explanation,
        },
    )
    assert response.status_code == 302
    human_error.refresh_from_db()
    assert (human_error.phrase, human_error.is_active) == ("human error", False)
    assert "human error" not in flagged_phrases("It was human error.")


def test_a_builtin_terms_phrase_is_read_only(admin_client, human_error):
    page = admin_client.get(admin_url(CoachTerm, "change", human_error.pk))
    assert 'name="phrase"' not in page.text
    assert 'name="is_active"' in page.text


def test_a_term_an_admin_adds_is_flagged(admin_client):
    assert "cowboy" not in flagged_phrases("A cowboy deploy went out.")
    response = admin_client.post(
        admin_url(CoachTerm, "add"),
        {
            "phrase": "cowboy",
            "match": CoachTerm.MatchKind.WORD,
            "suggestion": "Describe the deploy path that was available.",
            "explanation": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert not CoachTerm.objects.get(phrase="cowboy").is_builtin
    assert "cowboy" in flagged_phrases("A cowboy deploy went out.")


def test_a_builtin_term_cannot_be_deleted(admin_client, human_error):
    delete_url = admin_url(CoachTerm, "delete", human_error.pk)
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    page = admin_client.get(admin_url(CoachTerm, "change", human_error.pk))
    assert delete_url not in page.text
    assert CoachTerm.objects.filter(pk=human_error.pk).exists()


def test_the_bulk_delete_action_spares_builtin_terms(admin_client, human_error):
    added = CoachTerm.objects.create(phrase="cowboy", suggestion="Describe the deploy path.")
    response = admin_client.post(
        admin_url(CoachTerm, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [human_error.pk, added.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 403
    assert CoachTerm.objects.filter(pk__in=[human_error.pk, added.pk]).count() == 2


def test_a_term_an_admin_added_can_be_deleted(admin_client):
    added = CoachTerm.objects.create(phrase="cowboy", suggestion="Describe the deploy path.")
    response = admin_client.post(admin_url(CoachTerm, "delete", added.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not CoachTerm.objects.filter(pk=added.pk).exists()


# --- The contributing-factor taxonomy -------------------------------------------------------


def test_admins_extend_the_taxonomy(admin_client):
    response = admin_client.post(
        admin_url(FactorCategory, "add"),
        {"name": "Vendor", "slug": "vendor", "description": "", "position": 50, "is_active": "on"},
    )
    assert response.status_code == 302
    assert FactorCategory.objects.get(slug="vendor").is_active


def test_a_category_is_retired_from_the_changelist(admin_client):
    url = admin_url(FactorCategory, "changelist") + "?q=Configuration"
    formset = admin_client.get(url).context["cl"].formset
    target = FactorCategory.objects.get(slug="configuration")
    data = {
        "form-TOTAL_FORMS": formset.total_form_count(),
        "form-INITIAL_FORMS": formset.initial_form_count(),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        category = form.instance
        data[f"form-{index}-id"] = category.pk
        data[f"form-{index}-position"] = 5 if category == target else category.position
        if category.is_active and category != target:
            data[f"form-{index}-is_active"] = "on"
    assert admin_client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.is_active, target.position) == (False, 5)


def test_a_teams_template_is_edited_with_its_sections_inline(admin_client, payments, alice):
    template = PostmortemTemplate.objects.create(name="Payments", slug="payments", team=payments)
    TemplateSection.objects.create(template=template, key="summary", title="Summary", prompt="?")
    page = admin_client.get(admin_url(PostmortemTemplate, "change", template.pk))
    assert 'name="sections-0-prompt"' in page.text
    assert 'name="_save"' in page.text


def test_sections_in_use_keep_their_key_and_kind(admin_client, payments, alice, incident):
    template = PostmortemTemplate.objects.create(name="Payments", slug="payments", team=payments)
    TemplateSection.objects.create(template=template, key="summary", title="Summary", prompt="?")
    page = admin_client.get(admin_url(PostmortemTemplate, "change", template.pk))
    assert 'name="sections-0-key"' in page.text
    services.postmortem_start(incident=incident, template=template, by=alice)
    page = admin_client.get(admin_url(PostmortemTemplate, "change", template.pk))
    assert 'name="sections-0-prompt"' in page.text
    assert 'name="sections-0-key"' not in page.text
    assert 'name="sections-0-kind"' not in page.text


def test_contributing_factors_cannot_be_added_or_changed_in_the_admin(admin_client, postmortem):
    assert admin_client.get(admin_url(ContributingFactor, "add")).status_code == 403
