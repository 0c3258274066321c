"""Pages of a postmortem cost a fixed number of queries, however long its history, its review
or its incident's timeline: each is measured with a little and with a lot of each."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services as incident_services
from postmortems import services
from postmortems.models import (
    ContributingFactor,
    FactorCategory,
    ReviewComment,
    SectionContent,
    SectionRevision,
)
from tests.conftest import HTMX

from .conftest import section_of, text_sections

SIZES = [2, 40]


def grow(postmortem, *, size, alice, bob):
    """`size` timeline events, contributing factors, revisions of the summary (by two people,
    a minute apart) and comments on it, half of them replies; bob is asked to review."""
    incident = postmortem.incident
    events = [
        incident_services.incident_add_note(incident=incident, body=f"Note {n}", by=alice)
        for n in range(size)
    ]
    categories = list(FactorCategory.objects.all())
    ContributingFactor.objects.bulk_create(
        ContributingFactor(
            postmortem=postmortem,
            category=categories[n % len(categories)],
            description=f"Condition {n}",
            timeline_event=events[n],
            created_by=alice,
        )
        for n in range(size)
    )
    summary = text_sections(postmortem)[0]
    started = timezone.now() - timedelta(days=1)
    SectionRevision.objects.bulk_create(
        SectionRevision(
            content=summary,
            version=n,
            body=f"Draft {n}\nof the summary",
            author=alice if n % 2 else bob,
            created_at=started + timedelta(minutes=n),
        )
        for n in range(1, size + 1)
    )
    summary.body, summary.version, summary.updated_by = f"Draft {size}\nof the summary", size, alice
    summary.save()
    services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    for n in range(size // 2):
        thread = ReviewComment.objects.create(
            postmortem=postmortem, section=summary.section, author=bob, body=f"Why {n}?"
        )
        ReviewComment.objects.create(
            postmortem=postmortem, section=summary.section, thread=thread, author=alice, body="…"
        )
    return summary


def section_url(postmortem, content, action=""):
    return f"/postmortems/{postmortem.pk}/sections/{content.section.key}/{action}"


@pytest.mark.parametrize("size", SIZES)
def test_the_overview(size, alice_client, alice, bob, postmortem, django_assert_max_num_queries):
    grow(postmortem, size=size, alice=alice, bob=bob)

    with django_assert_max_num_queries(13):
        page = alice_client.get(f"/postmortems/{postmortem.pk}/")

    assert page.status_code == 200
    assert f"Note {size - 1}" in page.text
    # The reviewers and the meeting's participants are offered from one reading of the people.
    assert page.text.count(f'<option value="{bob.pk}">Bob</option>') == 2


@pytest.mark.parametrize("size", SIZES)
def test_the_section_page(
    size, alice_client, alice, bob, postmortem, django_assert_max_num_queries
):
    summary = grow(postmortem, size=size, alice=alice, bob=bob)

    with django_assert_max_num_queries(8):
        page = alice_client.get(section_url(postmortem, summary))

    assert page.text.count('class="reply"') == size // 2


@pytest.mark.parametrize("size", SIZES)
def test_the_factors_section(
    size, alice_client, alice, bob, postmortem, django_assert_max_num_queries
):
    grow(postmortem, size=size, alice=alice, bob=bob)
    factors = section_of(postmortem, "contributing_factors")

    with django_assert_max_num_queries(10):
        page = alice_client.get(section_url(postmortem, factors))

    assert f"Condition {size - 1}" in page.text


@pytest.mark.parametrize("size", SIZES)
def test_the_preview_and_the_autosave(
    size, alice_client, alice, bob, postmortem, django_assert_max_num_queries
):
    summary = grow(postmortem, size=size, alice=alice, bob=bob)

    with django_assert_max_num_queries(6):
        preview = alice_client.post(
            section_url(postmortem, summary, "preview/"),
            {"body": "Bob should have checked.", "version": size},
            headers=HTMX,
        )
    # One of them writes the audit entry of the section's change.
    with django_assert_max_num_queries(15):
        saved = alice_client.post(
            section_url(postmortem, summary),
            {"body": "The check was not in the runbook.", "version": size},
            headers=HTMX,
        )

    assert 'class="flag"' in preview.text
    assert "Saved at" in saved.text


@pytest.mark.parametrize("size", SIZES)
def test_the_history(size, alice_client, alice, bob, postmortem, django_assert_max_num_queries):
    summary = grow(postmortem, size=size, alice=alice, bob=bob)

    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
        page = alice_client.get(section_url(postmortem, summary, "history/"))

    assert f"Version {size - 1} → version {size}" in page.text
    texts_read = [
        query for query in queries if '"postmortems_sectionrevision"."body"' in query["sql"]
    ]
    assert len(texts_read) == 1


@pytest.mark.parametrize("size", SIZES)
def test_the_published_page(
    size, alice_client, alice, bob, postmortem, django_assert_max_num_queries
):
    grow(postmortem, size=size, alice=alice, bob=bob)
    SectionContent.objects.filter(postmortem=postmortem, body="").update(body="Written.")
    services.postmortem_publish(postmortem=postmortem, by=alice, acknowledged_count=10**6)

    with django_assert_max_num_queries(5):
        page = alice_client.get(f"/postmortems/{postmortem.pk}/")

    assert f"Condition {size - 1}" in page.text
    assert f"Note {size - 1}" in page.text
