"""Writing a section: autosave through htmx, plain posts, conflicts, revisions."""

import pytest

from postmortems import services
from postmortems.models import SectionRevision
from tests.conftest import HTMX, _client_for

from .conftest import text_sections


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
    for version, body in enumerate(["first line\nsecond", "first line\nchanged"]):
        services.section_save(content=summary, body=body, by=alice, expected_version=version)
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
    alice_client, alice, postmortem, summary
):
    for version, body in enumerate(["first", "second"]):
        services.section_save(content=summary, body=body, by=alice, expected_version=version)
    # The history page showed version 2; dave saves version 3 before alice presses Restore.
    services.section_save(content=summary, body="third", by=alice, expected_version=2)
    response = alice_client.post(url(postmortem, summary, "history/1/restore/"), {"current": 2})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert (summary.body, summary.version) == ("third", 3)
    page = alice_client.get(response["Location"])
    assert "Someone saved this section after you opened its history" in page.text


def test_the_history_page_posts_the_version_it_showed(alice_client, alice, postmortem, summary):
    for version, body in enumerate(["first", "second"]):
        services.section_save(content=summary, body=body, by=alice, expected_version=version)
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
