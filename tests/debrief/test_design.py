"""The shared page furniture: the design system's stylesheets served by Debrief itself, the
breadcrumb trail, the messages region (for htmx answers too) and empty states that say what
to do first."""

from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from debrief.middleware import HtmxMessagesMiddleware
from incidents import services as incident_services
from tests.assets import asset_addresses, loaded_from_elsewhere


def _through_middleware(view, *, htmx: bool):
    """`view` answered through the session, messages and htmx middleware, in the order
    settings.MIDDLEWARE runs them."""
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().post("/incidents/1/notes/", headers=headers)
    handler = HtmxMessagesMiddleware(view)
    handler = HtmxMiddleware(handler)
    handler = MessageMiddleware(handler)
    handler = SessionMiddleware(handler)
    return request, handler(request)


def _note_added(request):
    messages.success(request, "Note added to the timeline.")
    return HttpResponse('<li class="event">Rolled back</li>')


def test_an_htmx_answer_carries_its_messages_out_of_band():
    _, response = _through_middleware(_note_added, htmx=True)

    html = response.content.decode()
    assert html.startswith('<li class="event">Rolled back</li>')
    assert 'id="messages"' in html
    assert 'hx-swap-oob="true"' in html
    assert 'role="status"' in html
    assert "Note added to the timeline." in html


def test_a_full_page_answer_is_left_alone():
    _, response = _through_middleware(_note_added, htmx=False)

    assert response.content.decode() == '<li class="event">Rolled back</li>'


def test_a_redirect_keeps_its_messages_for_the_next_page():
    def redirect(request):
        messages.success(request, "Incident declared.")
        return HttpResponseRedirect("/incidents/1/")

    _, response = _through_middleware(redirect, htmx=True)

    assert response.content == b""
    # Not shown, so stored (in the messages cookie) for the page the redirect leads to.
    assert response.cookies["messages"].value


def test_every_page_links_the_vendored_design_system_and_no_cdn(alice_client):
    html = alice_client.get("/incidents/").text

    assert "/static/vendor/pico-2.1.1/pico.classless.min.css" in html
    assert "/static/css/debrief.css" in html
    assert "/static/js/ui.js" in html
    assert asset_addresses(html) and loaded_from_elsewhere(html) == []
    assert '<div id="messages" class="messages">' in html  # for htmx to fill


def test_an_incident_page_has_a_breadcrumb_trail(alice_client, alice, checkout):
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )

    html = alice_client.get(incident.get_absolute_url()).text

    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html
    assert '<li><a href="/incidents/">Incidents</a></li>' in html
    assert f'<span aria-current="page">{incident.reference}</span>' in html


def test_a_new_team_is_told_to_declare_its_first_incident(alice_client):
    html = alice_client.get("/incidents/").text

    assert "No incidents yet" in html
    assert 'href="/incidents/declare/">Declare an incident</a>' in html


def test_filters_that_match_nothing_say_so_rather_than_start_afresh(alice_client, alice, checkout):
    incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )

    html = alice_client.get("/incidents/?q=nothing-like-this").text

    assert "No incidents match these filters." in html
    assert "No incidents yet" not in html


def test_empty_follow_ups_and_learning_pages_say_what_to_do_first(alice_client, payments):
    board = alice_client.get("/follow-ups/").text
    organisation = alice_client.get("/learning/").text
    team = alice_client.get(f"/teams/{payments.slug}/learning/").text

    assert "No follow-ups yet" in board
    assert "Nothing to learn from yet" in organisation
    assert "Nothing to learn from yet" in team
