"""Every field a postmortem page renders, fed every XSS vector: nothing active survives on
the pages themselves, not just in the renderer."""

import re

import pytest
from django.db import connection

from postmortems import services
from postmortems.models import FactorCategory, Postmortem, PostmortemTemplate, TemplateSection
from tests.conftest import HTMX
from tests.debrief.test_markdown import dangers_in

from .conftest import text_sections
from .xss_vectors import XSS_VECTORS

PUBLISHED_ARTICLE = re.compile(r'<article class="published">.*</article>', re.S)
PROSE = re.compile(r'<div class="prose">(.*?)</div>', re.S)


def region(pattern, html: str) -> str:
    found = pattern.findall(html) if pattern is PROSE else [pattern.search(html).group(0)]
    assert found, "the rendered field is missing from the page"
    return "\n".join(found)


def storable(vector):
    if "\x00" in vector.text and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL; nothing to render")


PROMPT_ASIDE = re.compile(r'<aside class="prompt".*?</aside>', re.DOTALL)


@pytest.fixture
def published(postmortem, alice):
    """A published postmortem whose text fields the test overwrites in the database."""
    for content in postmortem.contents.select_related("section"):
        services.section_save(content=content, body="x", by=alice, expected_version=content.version)
    services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.first(),
        description="x",
        by=alice,
    )
    services.postmortem_publish(postmortem=postmortem, by=alice, acknowledged_count=1000)
    return postmortem


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=[v.name for v in XSS_VECTORS])
def test_published_page_renders_every_field_harmlessly(alice_client, published, vector):
    storable(vector)
    Postmortem.objects.filter(pk=published.pk).update(title=vector.text)
    published.contents.update(body=vector.text)
    published.contributing_factors.update(description=vector.text)
    page = alice_client.get(f"/postmortems/{published.pk}/")
    assert page.status_code == 200
    assert dangers_in(region(PUBLISHED_ARTICLE, page.text)) == []


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=[v.name for v in XSS_VECTORS])
def test_live_preview_and_coach_render_harmlessly(alice_client, postmortem, vector):
    summary = text_sections(postmortem)[0]
    response = alice_client.post(
        f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/preview/",
        {"body": vector.text, "version": summary.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert dangers_in(response.text) == []


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=[v.name for v in XSS_VECTORS])
def test_template_prompts_render_harmlessly(alice_client, db, vector):
    storable(vector)
    template = PostmortemTemplate.objects.get(slug="standard")
    TemplateSection.objects.filter(template=template).update(
        prompt=vector.text, help_text=vector.text
    )
    page = alice_client.get(f"/postmortem-templates/{template.slug}/")
    assert page.status_code == 200
    assert dangers_in(region(PROSE, page.text)) == []


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=[v.name for v in XSS_VECTORS])
def test_prompts_and_help_text_beside_the_editor_render_harmlessly(
    alice_client, postmortem, vector
):
    storable(vector)
    summary = text_sections(postmortem)[0]
    TemplateSection.objects.filter(pk=summary.section_id).update(
        prompt=vector.text, help_text=vector.text
    )
    page = alice_client.get(f"/postmortems/{postmortem.pk}/sections/{summary.section.key}/")
    assert page.status_code == 200
    assert 'class="help"' in region(PROMPT_ASIDE, page.text)
    assert dangers_in(region(PROMPT_ASIDE, page.text)) == []
