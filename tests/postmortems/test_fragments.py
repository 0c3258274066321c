"""Pages that answer htmx with a fragment keep caches and history restores apart."""

from tests.conftest import HTMX


def test_the_template_list_varies_on_hx_request(alice_client, db):
    response = alice_client.get("/postmortem-templates/", headers=HTMX)
    assert "HX-Request" in response["Vary"]
    assert "<html" not in response.text


def test_a_history_restore_gets_the_whole_template_list(alice_client, db):
    response = alice_client.get(
        "/postmortem-templates/", headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text
