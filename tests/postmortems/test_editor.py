"""Writing a section: autosave through htmx, plain posts, conflicts, revisions."""

import pytest

from postmortems import services
from postmortems.models import SectionRevision
from tests.conftest import HTMX, _client_for

from .conftest import save_in_sittings, text_sections


@pytest.fixture
def summary(postmortem):
    return text_sections(postmortem)[0]


def url(postmortem, content, action=""):
    return f"/postmortems/{postmortem.pk}/sections/{content.section.key}/{action}"


def test_the_section_shows_its_prompt_beside_the_editor(alice_client, postmortem, summary):
    page = alice_client.get(url(postmortem, summary))
    assert page.status_code == 200
    assert summary.section.title in page.text
    assert 'name="body"' in page.text
    assert "?" in page.text  # the prompt's questions


def test_autosave_answers_the_feedback_region_and_keeps_a_revision(
    alice_client, postmortem, summary
):
    response = alice_client.post(
        url(postmortem, summary), {"body": "The **cache** expired.", "version": 0}, headers=HTMX
    )
    assert response.status_code == 200
    assert 'id="section-feedback"' in response.text
    assert "<html" not in response.text
    assert "Saved at" in response.text
    assert 'name="version" value="1"' in response.text
    # The coach and preview come from the preview request; an older autosave answer must
    # not overwrite a newer preview.
    assert 'id="coach-and-preview"' not in response.text
    assert "Writing coach: 0 passages flagged." in response.text
    summary.refresh_from_db()
    assert (summary.body, summary.version) == ("The **cache** expired.", 1)
    assert summary.revisions.get().body == "The **cache** expired."


def test_saving_without_javascript_redirects_back(alice_client, postmortem, summary):
    response = alice_client.post(url(postmortem, summary), {"body": "Plain post", "version": 0})
    assert response.status_code == 302
    assert response["Location"] == url(postmortem, summary)
    page = alice_client.get(response["Location"])
    assert "saved." in page.text
    assert "Plain post" in page.text


def test_an_unchanged_save_makes_no_revision(alice_client, postmortem, summary):
    alice_client.post(url(postmortem, summary), {"body": "Same", "version": 0}, headers=HTMX)
    alice_client.post(url(postmortem, summary), {"body": "Same", "version": 1}, headers=HTMX)
    assert summary.revisions.count() == 1


def test_second_editor_gets_a_conflict_and_keeps_their_text(
    alice_client, dave, postmortem, summary
):
    alice_client.post(
        url(postmortem, summary), {"body": "Alice's words", "version": 0}, headers=HTMX
    )
    dave_client = _client_for(dave)
    response = dave_client.post(
        url(postmortem, summary), {"body": "Dave's words", "version": 0}, headers=HTMX
    )
    assert response.status_code == 409
    assert "Someone else saved this section" in response.text
    assert "Alice&#x27;s words" in response.text
    assert "Dave&#x27;s words" in response.text
    summary.refresh_from_db()
    assert summary.body == "Alice's words"

    # Without JavaScript the whole page comes back, with Dave's text still in the editor.
    page = dave_client.post(url(postmortem, summary), {"body": "Dave's words", "version": 0})
    assert page.status_code == 409
    assert "Dave&#x27;s words</textarea>" in page.text

    # Choosing to keep his own saves over the current version, deliberately.
    # The button carries the current version after the form's hidden one, as browsers send it.
    dave_client.post(url(postmortem, summary), {"body": "Dave's words", "version": ["0", "1"]})
    summary.refresh_from_db()
    assert summary.body == "Dave's words"


def test_the_preview_renders_sanitised_markdown_and_coaches(alice_client, postmortem, summary):
    response = alice_client.post(
        url(postmortem, summary, "preview/"),
        {"body": "Bob should have checked.\n\n<script>alert(1)</script> *fine*", "version": 0},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<em>fine</em>" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "should have" in response.text.lower()
    assert 'class="flag"' in response.text


def test_history_shows_the_difference_and_restores_an_older_version(
    alice_client, alice, postmortem, summary
):
    save_in_sittings(summary, ["first line\nsecond", "first line\nchanged"], by=alice)
    page = alice_client.get(url(postmortem, summary, "history/") + "?a=1&b=2")
    assert "<del>- second</del>" in page.text
    assert "<ins>+ changed</ins>" in page.text

    response = alice_client.post(url(postmortem, summary, "history/1/restore/"), {"current": 2})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert (summary.body, summary.version) == ("first line\nsecond", 3)
    latest = summary.revisions.first()
    assert latest.restored_from == SectionRevision.objects.get(content=summary, version=1)


def test_someone_outside_the_team_cannot_save(bob_client, postmortem, summary):
    response = bob_client.post(url(postmortem, summary), {"body": "x", "version": 0})
    assert response.status_code == 403


def test_text_is_kept_as_typed_including_whitespace(alice_client, postmortem, summary):
    alice_client.post(
        url(postmortem, summary), {"body": "  indented\n", "version": 0}, headers=HTMX
    )
    summary.refresh_from_db()
    assert summary.body == "  indented\n"


def test_restoring_after_a_save_landed_meanwhile_is_a_conflict(
    alice_client, alice, dave, postmortem, summary
):
    save_in_sittings(summary, ["first", "second"], by=alice)
    # The history page showed version 2; dave saves version 3 before alice presses Restore.
    services.section_save(content=summary, body="third", by=dave, expected_version=2)
    response = alice_client.post(url(postmortem, summary, "history/1/restore/"), {"current": 2})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert (summary.body, summary.version) == ("third", 3)
    page = alice_client.get(response["Location"])
    assert "Someone saved this section after you opened its history" in page.text


def test_the_history_page_posts_the_version_it_showed(alice_client, alice, postmortem, summary):
    save_in_sittings(summary, ["first", "second"], by=alice)
    page = alice_client.get(url(postmortem, summary, "history/"))
    assert 'name="current" value="2"' in page.text


def test_a_retried_save_that_had_gone_through_is_not_a_conflict(alice_client, postmortem, summary):
    alice_client.post(url(postmortem, summary), {"body": "Mine", "version": 0}, headers=HTMX)
    # The answer to the first save was lost; the browser sends it again with the old version.
    response = alice_client.post(
        url(postmortem, summary), {"body": "Mine", "version": 0}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Saved at" in response.text
    assert 'name="version" value="1"' in response.text
    assert summary.revisions.count() == 1


def test_an_unchanged_save_says_there_was_nothing_to_save(alice_client, postmortem, summary):
    alice_client.post(url(postmortem, summary), {"body": "Same", "version": 0}, headers=HTMX)
    response = alice_client.post(
        url(postmortem, summary), {"body": "Same", "version": 1}, headers=HTMX
    )
    assert "No changes to save" in response.text


def test_saving_into_a_published_postmortem_says_so_in_the_feedback(
    alice_client, postmortem, summary
):
    from postmortems.models import Postmortem

    Postmortem.objects.filter(pk=postmortem.pk).update(status=Postmortem.Status.PUBLISHED)
    response = alice_client.post(
        url(postmortem, summary), {"body": "Late words", "version": 0}, headers=HTMX
    )
    assert response.status_code == 422
    feedback = response.text[response.text.index('id="section-feedback"') :]
    assert "This postmortem is published" in feedback
    summary.refresh_from_db()
    assert summary.body == ""


def test_the_section_page_has_one_element_per_id(alice_client, postmortem, summary):
    import re
    from collections import Counter

    page = alice_client.get(url(postmortem, summary))
    ids = Counter(re.findall(r'\sid="([^"]+)"', page.text))
    assert [name for name, count in ids.items() if count > 1] == []


def test_the_preview_answers_the_inside_of_its_container(alice_client, postmortem, summary):
    response = alice_client.post(
        url(postmortem, summary, "preview/"), {"body": "*x*", "version": 0}, headers=HTMX
    )
    assert 'id="coach-and-preview"' not in response.text
    assert "aria-live" not in response.text
    assert "<em>x</em>" in response.text


def test_saves_by_one_writer_within_ten_minutes_make_one_revision(alice, summary):
    for version, body in enumerate(["The cache", "The cache expired", "The cache expired."]):
        summary = services.section_save(
            content=summary, body=body, by=alice, expected_version=version
        )

    assert summary.version == 3
    revision = summary.revisions.get()
    assert (revision.version, revision.body, revision.author) == (3, "The cache expired.", alice)


def test_a_save_after_a_pause_of_ten_minutes_starts_a_new_revision(alice, summary):
    save_in_sittings(summary, ["Before the break", "After the break"], by=alice)

    assert list(summary.revisions.values_list("version", "body")) == [
        (2, "After the break"),
        (1, "Before the break"),
    ]


def test_a_save_by_someone_else_starts_a_new_revision(alice, dave, summary):
    summary = services.section_save(content=summary, body="Alice's", by=alice, expected_version=0)
    services.section_save(content=summary, body="Dave's", by=dave, expected_version=1)

    assert list(summary.revisions.values_list("version", "author__username")) == [
        (2, "dave"),
        (1, "alice"),
    ]


def test_folded_saves_still_make_a_stale_editor_conflict(alice_client, dave, postmortem, summary):
    alice_client.post(url(postmortem, summary), {"body": "One", "version": 0}, headers=HTMX)
    alice_client.post(url(postmortem, summary), {"body": "One, two", "version": 1}, headers=HTMX)

    response = _client_for(dave).post(
        url(postmortem, summary), {"body": "Dave's", "version": 1}, headers=HTMX
    )

    assert response.status_code == 409
    summary.refresh_from_db()
    assert (summary.body, summary.version) == ("One, two", 2)
    assert summary.revisions.count() == 1


def test_a_restore_and_the_save_after_it_keep_their_own_revisions(alice, summary):
    summary = save_in_sittings(summary, ["first", "second"], by=alice)
    services.revision_restore(
        revision=summary.revisions.get(version=1), by=alice, expected_version=2
    )
    summary.refresh_from_db()
    services.section_save(content=summary, body="first, edited", by=alice, expected_version=3)

    assert list(summary.revisions.values_list("version", "body", "restored_from__version")) == [
        (4, "first, edited", None),
        (3, "first", 1),
        (2, "second", None),
        (1, "first", None),
    ]


def test_history_is_shown_fifty_versions_a_page(alice_client, alice, dave, postmortem, summary):
    SectionRevision.objects.bulk_create(
        SectionRevision(content=summary, version=n, body=f"Text {n}", author=alice)
        for n in range(1, 121)
    )
    summary.body, summary.version = "Text 120", 120
    summary.save()

    first = alice_client.get(url(postmortem, summary, "history/"))
    last = alice_client.get(url(postmortem, summary, "history/") + "?a=3&b=7&page=3")

    assert first.text.count("Restore version") == 49  # not the current one
    assert "Page 1 of 3" in first.text
    assert "Version 119 → version 120" in first.text
    assert last.text.count("Restore version") == 20
    assert "Version 3 → version 7" in last.text
    assert "<del>- Text 3</del>" in last.text
    assert 'href="?a=3&amp;b=7&amp;page=2"' in last.text
