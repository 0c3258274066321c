"""A session ending while someone types: the editor keeps the text and says what to do."""

from tests.conftest import HTMX

from .conftest import text_sections

EDITOR = {**HTMX, "X-Debrief-Editor": "section"}


def section_url(postmortem, content, action=""):
    return f"/postmortems/{postmortem.pk}/sections/{content.section.key}/{action}"


def test_an_autosave_after_sign_out_answers_401_with_a_message(client, postmortem):
    summary = text_sections(postmortem)[0]
    response = client.post(
        section_url(postmortem, summary), {"body": "typed", "version": 0}, headers=EDITOR
    )
    assert response.status_code == 401
    assert "HX-Redirect" not in response
    assert "You are signed out. Sign in in another tab, then press Save" in response.text


def test_a_preview_after_sign_out_answers_401(client, postmortem):
    summary = text_sections(postmortem)[0]
    response = client.post(
        section_url(postmortem, summary, "preview/"), {"body": "typed"}, headers=EDITOR
    )
    assert response.status_code == 401


def test_other_htmx_requests_still_go_to_the_login_page(client, postmortem):
    response = client.post(f"/postmortems/{postmortem.pk}/publish/", headers=HTMX)
    assert response["HX-Redirect"].startswith("/login/")


def test_the_editor_form_sends_the_marker_header(alice_client, postmortem):
    summary = text_sections(postmortem)[0]
    page = alice_client.get(section_url(postmortem, summary))
    assert """hx-headers='{"X-Debrief-Editor": "section"}'""" in page.text
