"""The incident page: every change works through htmx (answering the live region only) and
as a plain form post without JavaScript (redirecting back to the page)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Status, TimelineEvent
from tests.conftest import HTMX

from .factories import declared, local_input, resolved, whole_minutes_ago


@pytest.fixture
def incident(alice, checkout):
    return declared(reporter=alice, service=checkout, minutes_ago=45)


def url(incident, action=""):
    return f"/incidents/{incident.pk}/{action + '/' if action else ''}"


def is_fragment(response):
    return 'id="incident-live"' in response.text and "<html" not in response.text


def test_the_page_shows_the_facts_and_the_timeline(alice_client, incident):
    response = alice_client.get(url(incident))
    assert response.status_code == 200
    assert "Checkout errors" in response.text
    assert "SEV2" in response.text
    assert "Major: a core feature is degraded" in response.text
    assert "Declared as SEV2." in response.text
    assert "Alice" in response.text  # people by name, not username


def test_the_page_needs_a_login(client, incident):
    response = client.get(url(incident))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_incident_is_404(alice_client, db):
    assert alice_client.get("/incidents/9999/").status_code == 404


class TestStatusChange:
    def test_htmx_gets_the_live_region_with_the_new_status(self, alice_client, incident):
        response = alice_client.post(
            url(incident, "status"), {"status": "identified", "note": "Bad config"}, headers=HTMX
        )
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Status changed to Identified." in response.text
        assert "Investigating → Identified" in response.text
        incident.refresh_from_db()
        assert incident.status == Status.IDENTIFIED

    def test_without_javascript_it_redirects_to_the_page(self, alice_client, incident):
        response = alice_client.post(url(incident, "status"), {"status": "monitoring"})
        assert response.status_code == 302
        assert response["Location"] == url(incident)
        page = alice_client.get(response["Location"])
        assert "Status changed to Monitoring." in page.text
        incident.refresh_from_db()
        assert incident.status == Status.MONITORING

    def test_an_invalid_status_is_explained_in_the_fragment(self, alice_client, incident):
        response = alice_client.post(
            url(incident, "status"), {"status": "investigating", "note": "keep me"}, headers=HTMX
        )
        assert response.status_code == 422
        assert is_fragment(response)
        assert "The incident is already Investigating." in response.text
        assert 'value="keep me"' in response.text

    def test_an_invalid_status_without_javascript_shows_the_whole_page(
        self, alice_client, incident
    ):
        response = alice_client.post(url(incident, "status"), {"status": "nonsense"})
        assert response.status_code == 422
        assert "<html" in response.text
        assert "Select a valid choice" in response.text


class TestAcknowledge:
    def test_htmx_records_it_and_makes_them_commander(self, alice_client, alice, incident):
        response = alice_client.post(url(incident, "acknowledge"), headers=HTMX)
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Acknowledged; now the incident commander." in response.text
        incident.refresh_from_db()
        assert incident.commander == alice
        assert incident.time_to_acknowledge is not None
        assert "Acknowledge — I&#x27;m on it" not in response.text

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "acknowledge"))
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.acknowledged_at is not None

    def test_twice_is_refused_and_the_commander_kept(self, alice_client, bob, alice, incident):
        incident.commander = bob
        incident.save()
        alice_client.post(url(incident, "acknowledge"))
        response = alice_client.post(url(incident, "acknowledge"), headers=HTMX)
        assert response.status_code == 422
        assert "Already acknowledged at" in response.text
        incident.refresh_from_db()
        assert incident.commander == bob
        assert incident.events.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).count() == 1


class TestSeverityChange:
    def test_htmx(self, alice_client, incident):
        response = alice_client.post(url(incident, "severity"), {"severity": "1"}, headers=HTMX)
        assert response.status_code == 200
        assert is_fragment(response)
        assert "SEV2 → SEV1" in response.text
        incident.refresh_from_db()
        assert incident.severity == 1

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "severity"), {"severity": "3"})
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.severity == 3
        assert incident.events.filter(kind=TimelineEvent.Kind.SEVERITY_CHANGE).count() == 1


class TestServiceRestored:
    def test_htmx_shows_the_time_to_restore(self, alice_client, alice, checkout):
        started = whole_minutes_ago(45)
        incident = services.incident_declare(
            title="Checkout errors",
            severity=2,
            services=[checkout],
            reporter=alice,
            started_at=started,
        )
        response = alice_client.post(
            url(incident, "restored"),
            {"restored_at": local_input(started + timedelta(minutes=32))},
            headers=HTMX,
        )
        assert response.status_code == 200
        assert is_fragment(response)
        incident.refresh_from_db()
        assert incident.restored_at == started + timedelta(minutes=32)
        assert "Time to restore: 32 min" in response.text

    def test_the_restore_time_is_not_prefilled(self, alice_client, incident):
        page = alice_client.get(url(incident))
        field = re.search(r'<input[^>]*name="restored_at"[^>]*>', page.text).group(0)
        assert "value=" not in field
        assert "Leave empty for now." in page.text

    def test_left_empty_it_is_now(self, alice_client, incident):
        before = timezone.now()
        response = alice_client.post(url(incident, "restored"), {"restored_at": ""}, headers=HTMX)
        assert response.status_code == 200
        incident.refresh_from_db()
        assert before <= incident.restored_at <= timezone.now()

    def test_without_javascript(self, alice_client, incident):
        restored_at = timezone.now() - timedelta(minutes=5)
        response = alice_client.post(
            url(incident, "restored"), {"restored_at": local_input(restored_at)}
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.restored_at is not None
        assert incident.events.filter(kind=TimelineEvent.Kind.RESTORED).exists()

    def test_before_impact_started_is_refused_and_the_typed_time_kept(self, alice_client, incident):
        typed = local_input(incident.started_at - timedelta(hours=1))
        response = alice_client.post(
            url(incident, "restored"), {"restored_at": typed}, headers=HTMX
        )
        assert response.status_code == 422
        assert "Service restored cannot be before impact started" in response.text
        assert f'value="{typed}"' in response.text
        incident.refresh_from_db()
        assert incident.restored_at is None

    def test_in_the_future_is_refused_without_javascript(self, alice_client, incident):
        typed = local_input(timezone.now() + timedelta(hours=3))
        response = alice_client.post(url(incident, "restored"), {"restored_at": typed})
        assert response.status_code == 422
        assert "Service restored cannot be in the future." in response.text


class TestTimelineNote:
    def test_htmx_appends_the_note(self, alice_client, alice, incident):
        response = alice_client.post(
            url(incident, "notes"), {"body": "Rolled back to v41"}, headers=HTMX
        )
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Rolled back to v41" in response.text
        note = incident.events.get(kind=TimelineEvent.Kind.NOTE)
        assert note.author == alice

    def test_a_backdated_note_is_placed_in_time_and_marked(self, alice_client, incident):
        earlier = incident.started_at + timedelta(minutes=1)
        alice_client.post(
            url(incident, "notes"), {"body": "Pager fired", "occurred_at": local_input(earlier)}
        )
        events = list(incident.events.all())
        note = next(e for e in events if e.kind == TimelineEvent.Kind.NOTE)
        assert events.index(note) == 0  # before the declaration, which happened later
        assert note.is_backdated

    def test_an_empty_note_is_refused(self, alice_client, incident):
        response = alice_client.post(url(incident, "notes"), {"body": ""}, headers=HTMX)
        assert response.status_code == 422
        assert "This field is required." in response.text

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "notes"), {"body": "Customers notified"})
        assert response.status_code == 302
        assert incident.events.filter(body="Customers notified").exists()


class TestReopen:
    def test_htmx(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(
            url(incident, "reopen"), {"reason": "Still failing"}, headers=HTMX
        )
        assert response.status_code == 200
        assert "Incident reopened." in response.text
        incident.refresh_from_db()
        assert incident.status == Status.INVESTIGATING

    def test_without_javascript(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(url(incident, "reopen"), {"reason": "Still failing"})
        assert response.status_code == 302

    def test_a_reason_is_required(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(url(incident, "reopen"), {"reason": ""}, headers=HTMX)
        assert response.status_code == 422
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED


ACTIONS = ["acknowledge", "status", "severity", "restored", "notes", "reopen"]


@pytest.mark.parametrize("action", ACTIONS)
def test_someone_outside_the_team_cannot_change_it(bob_client, incident, action):
    response = bob_client.post(url(incident, action), {"status": "identified", "body": "x"})
    assert response.status_code == 403


def test_someone_outside_the_team_reads_without_the_controls(bob_client, incident):
    response = bob_client.get(url(incident))
    assert response.status_code == 200
    assert "Change status" not in response.text


@pytest.mark.parametrize("action", ACTIONS)
def test_changes_must_be_posted(alice_client, incident, action):
    assert alice_client.get(url(incident, action)).status_code == 405


def test_timeline_text_is_escaped(alice_client, incident):
    alice_client.post(url(incident, "notes"), {"body": "<script>alert(1)</script>"})
    page = alice_client.get(url(incident))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


class TestStalePages:
    """A page left open shows forms for a state the incident has left; what they post is
    refused, and the refusal must be visible, on the form that caused it."""

    def test_changing_the_status_of_a_resolved_incident(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(
            url(incident, "status"), {"status": "monitoring", "note": "keep me"}, headers=HTMX
        )
        assert response.status_code == 422
        assert "Reopen it explicitly" in response.text
        assert 'value="keep me"' in response.text
        assert "Reopen incident" in response.text  # and the way forward

    def test_reopening_an_incident_that_is_not_resolved(self, alice_client, incident):
        response = alice_client.post(url(incident, "reopen"), {"reason": "again"}, headers=HTMX)
        assert response.status_code == 422
        assert "Only a resolved incident can be reopened." in response.text
        assert 'value="again"' in response.text


class TestAnnouncements:
    def test_the_page_has_one_announcer_outside_the_live_region(self, alice_client, incident):
        page = alice_client.get(url(incident)).text
        assert page.count('id="announcement"') == 1
        assert page.count('role="status"') == 1
        assert page.index('id="announcement"') < page.index('id="incident-live"')

    def test_a_fragment_updates_it_out_of_band(self, alice_client, incident):
        response = alice_client.post(
            url(incident, "status"), {"status": "identified"}, headers=HTMX
        )
        assert (
            '<p id="announcement" hx-swap-oob="innerHTML">Status changed to Identified.</p>'
            in response.text
        )
        assert 'role="status"' not in response.text


class TestOneUrlTwoRepresentations:
    def test_caches_keep_the_page_and_the_fragment_apart(self, alice_client, incident):
        for response in [
            alice_client.get(url(incident)),
            alice_client.get(url(incident), headers=HTMX),
            alice_client.post(url(incident, "severity"), {"severity": "1"}, headers=HTMX),
        ]:
            assert "HX-Request" in response["Vary"]

    def test_restoring_history_gets_the_whole_page(self, alice_client, incident):
        response = alice_client.get(
            url(incident), headers={**HTMX, "HX-History-Restore-Request": "true"}
        )
        assert "<html" in response.text


@pytest.mark.parametrize("notes", [2, 200])
def test_the_page_costs_the_same_queries_at_any_timeline_length(
    alice_client, alice, incident, django_assert_max_num_queries, notes
):
    for n in range(notes):
        services.incident_add_note(incident=incident, body=f"Note {n}", by=alice)
    with django_assert_max_num_queries(11):  # and the responders, and a binned postmortem
        response = alice_client.get(url(incident))
    assert response.text.count('class="event kind-note"') == notes


class TestAccessibleErrors:
    def test_all_errors_of_a_field_share_one_element(self, rf):
        from django.template.loader import render_to_string

        from incidents.forms import NoteForm

        form = NoteForm({"body": "x"})
        form.is_valid()
        form.add_error("body", ["First problem.", "Second problem."])
        html = render_to_string("includes/field.html", {"field": form["body"]})
        assert html.count('id="timeline_body_error"') == 1
        assert 'aria-describedby="timeline_body_error"' in html
        assert "First problem." in html and "Second problem." in html

    def test_a_radio_group_names_its_errors(self, alice_client, checkout):
        response = alice_client.post("/incidents/declare/", {"title": "No severity"})
        assert '<fieldset aria-describedby="id_severity_error">' in response.text
        assert 'id="id_severity_error"' in response.text
